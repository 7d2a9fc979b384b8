#!/usr/bin/env python3
"""Real dcmtk peers in the asset inventory: their implementation class UID
and version name, AE titles and roles, and the vulnerabilities rules/vulns.csv
lists for that version.

usage: assets_dcmtk.py MAMORI SOURCE_ROOT

On loopback, with tcpdump capturing: storescp (AE STORESCP) listens, echoscu
and storescu (CT images) connect from 127.0.0.1 to 127.0.0.2. The capture is
read with assets.networks 127.0.0.0/8, rules/vulns.csv and rules/assets.rules:
the client and the server are two devices running the installed dcmtk
(implementation version OFFIS_DCMTK_<major><minor><patch>, class UID
1.2.276.0.7230010.3.0.<version>); the vulnerabilities are the ones vulns.csv
gives for that version, each device raises 100104 once.

Needs root for tcpdump; skips (77) without it or without dcmtk."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
import clinical  # noqa: E402
import eve  # noqa: E402
from dicom_dcmtk import DUMP, run, start_tcpdump, stop, wait_port  # noqa: E402

TOOLS = ["storescp", "storescu", "echoscu", "dump2dcm", "tcpdump"]


def dcmtk_version():
    out = subprocess.run(["storescu", "--version"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT).stdout.decode(errors="replace")
    m = re.search(r"v(\d+)\.(\d+)\.(\d+)", out)
    return m.groups() if m else None


def vulns_for(root, version):
    """The advisory ids vulns.csv gives for OFFIS_DCMTK_<version> (read as
    the sensor reads it: prefix, from <= v < before, numbers compared)."""
    ids = set()
    v = int(version)
    with open(os.path.join(root, "rules", "vulns.csv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith(("#", "product,")) or not line.strip():
                continue
            cols = next(__import__("csv").reader([line]))
            if cols[1] != "dicom" or cols[2] != "OFFIS_DCMTK_":
                continue
            if (not cols[3] or v >= int(cols[3])) and (not cols[4] or v < int(cols[4])):
                ids.update(cols[5].split())
    return ids


def main():
    exe, root = sys.argv[1], sys.argv[2]
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        eve.skip("missing " + ", ".join(missing) + " (tools/bootstrap installs them)")
    if os.geteuid() != 0:
        eve.skip("tcpdump needs root")
    ver = dcmtk_version()
    if not ver:
        eve.skip("cannot tell the installed dcmtk's version")
    name = "OFFIS_DCMTK_" + "".join(ver)
    uid = "1.2.276.0.7230010.3.0." + ".".join(ver)
    want_ids = vulns_for(root, "".join(ver))
    problems = []
    with tempfile.TemporaryDirectory(prefix="mamori-assets-dcmtk-") as d:
        dump = os.path.join(d, "img.dump")
        with open(dump, "w") as f:
            f.write(DUMP.format(n=1))
        img = os.path.join(d, "img.dcm")
        run(["dump2dcm", "-q", dump, img])
        os.makedirs(os.path.join(d, "in"))
        port = clinical.free_port()
        pcap = os.path.join(d, "dicom.pcap")
        td = scp = None
        try:
            td = start_tcpdump(pcap, [port])
            scp = subprocess.Popen(["storescp", "-aet", "STORESCP", "-od", os.path.join(d, "in"),
                                    str(port)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            wait_port(port)
            run(["echoscu", "-aet", "CT_SIM", "-aec", "STORESCP", "127.0.0.2", str(port)])
            run(["storescu", "-aet", "CT_SIM", "-aec", "STORESCP", "127.0.0.2", str(port), img])
            time.sleep(0.5)
        finally:
            stop(scp)
            stop(td)
        rules = os.path.join(d, "rules")
        os.mkdir(rules)
        shutil.copy(os.path.join(root, "rules", "assets.rules"), rules)
        cfg = os.path.join(d, "mamori.yaml")
        with open(cfg, "w") as f:
            f.write("assets:\n  enabled: true\n  networks: 127.0.0.0/8\n  vulns: %s\n" %
                    os.path.join(root, "rules", "vulns.csv"))
        log = os.path.join(d, "log")
        os.mkdir(log)
        rc, _, err = eve.run_mamori(exe, ["-c", cfg, "--rules", rules, "-r", pcap, "-l", log])
        if rc != 0 or eve.sanitizer_report(err):
            problems.append("mamori: exit %r %s" % (rc, err[-300:]))
        recs, bad = eve.read_eve(log)
        with open(os.path.join(log, "assets.json"), encoding="utf-8") as f:
            inv = {a["id"]: a for a in (json.loads(x) for x in f if x.strip())}
        client, server = inv.get("ip-127.0.0.1"), inv.get("ip-127.0.0.2")
        if not client or not server:
            problems.append("devices: %s" % sorted(inv))
        else:
            for who, a, ae, role in (("client", client, "CT_SIM", "SCU"),
                                     ("server", server, "STORESCP", "SCP")):
                dc = a.get("dicom", {})
                if dc.get("implementation_version") != name or \
                        dc.get("implementation_class_uid") != uid:
                    problems.append("%s: implementation %s / %s, expected %s / %s" % (
                        who, dc.get("implementation_class_uid"), dc.get("implementation_version"),
                        uid, name))
                if {"ae": ae, "role": role} not in dc.get("ae_titles", []):
                    problems.append("%s: AE titles %s" % (who, dc.get("ae_titles")))
                got = {i for v in a.get("vulns", []) for i in v["ids"]}
                if got != want_ids:
                    problems.append("%s: vulns %s, vulns.csv gives %s for %s" % (
                        who, sorted(got), sorted(want_ids), name))
            if client.get("type") != "modality" or client.get("subtype") != "CT" or \
                    server.get("type") != "pacs":
                problems.append("types: client %s/%s server %s" % (
                    client.get("type"), client.get("subtype"), server.get("type")))
        alerts = sorted((r["alert"]["signature_id"], r.get("src_ip"))
                        for r in recs if r.get("event_type") == "alert")
        want = sorted((100104, ip) for ip in ("127.0.0.1", "127.0.0.2")) if want_ids else []
        if alerts != want:
            problems.append("alerts %s, expected %s" % (alerts, want))
    for p in problems:
        print("FAIL:", p)
    print("assets_dcmtk (%s): %d problems" % (name, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
