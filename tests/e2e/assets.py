#!/usr/bin/env python3
"""The asset inventory on the project's captures, with the shipped registry,
vulns.csv and rules/assets.rules.

usage: assets.py MAMORI SOURCE_ROOT

- hospital-normal.pcap: the devices an IT person expects (PACS, modalities
  with their AE titles and implementation versions, HL7 systems, vendors
  from ieee-data), every one in the registry: no asset alert.
- new_device.pcap: the Raspberry Pi is unregistered (100100) and named
  raspberrypi by its DHCP request; retired_device.pcap: cr-old raises 100101.
- A second run on the same log directory reads assets.json back: no device
  is announced as new again.
"""

import json
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
import eve  # noqa: E402


def run(mamori, root, capture, logdir, tmp):
    rules = os.path.join(tmp, "rules")
    if not os.path.isdir(rules):
        os.mkdir(rules)
        shutil.copy(os.path.join(root, "rules", "assets.rules"), rules)
    cfg = os.path.join(tmp, "mamori.yaml")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write("assets:\n  enabled: true\n  registry: %s\n  vulns: %s\n" % (
            os.path.join(root, "rules", "registry.csv"), os.path.join(root, "rules", "vulns.csv")))
    os.makedirs(logdir, exist_ok=True)
    rc, _, err = eve.run_mamori(mamori, ["-c", cfg, "--rules", rules, "-r",
                                         os.path.join(root, "pcaps", capture), "-l", logdir])
    records, bad = eve.read_eve(logdir)
    inv = []
    path = os.path.join(logdir, "assets.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            inv = [json.loads(line) for line in f if line.strip()]
    return rc, err, records, bad, inv


def by_ip(inv):
    return {ip: a for a in inv for ip in a.get("ips", [])}


def main():
    mamori, root = sys.argv[1], sys.argv[2]
    problems = []
    tmp = tempfile.mkdtemp(prefix="mamori-assets-")
    try:
        log = os.path.join(tmp, "normal")
        rc, err, recs, bad, inv = run(mamori, root, "hospital-normal.pcap", log, tmp)
        if rc != 0 or bad or eve.sanitizer_report(err):
            problems.append("hospital-normal: exit %r %s %s" % (rc, err[-300:], bad[:2]))
        ips = by_ip(inv)
        want = {
            "10.10.0.20": ("pacs", None, "Dell Inc."),
            "10.20.1.21": ("modality", "MR", "GE Healthcare"),
            "10.20.1.42": ("modality", "CR", "KONICA MINOLTA HOLDINGS, INC."),
            "10.20.2.23": ("workstation", "DICOM viewer", "Hewlett Packard"),
            "10.10.0.35": ("hl7", "interface engine", "VMware, Inc."),
            "10.50.0.50": ("printer", None, "Seiko Epson Corporation"),
        }
        for ip, (typ, sub, vendor) in want.items():
            a = ips.get(ip)
            if not a:
                problems.append("hospital-normal: no device %s" % ip)
                continue
            if a.get("type") != typ or (sub and a.get("subtype") != sub) or \
                    a.get("vendor") != vendor or not a.get("evidence"):
                problems.append("hospital-normal: %s is %s/%s by %s (%s), expected %s/%s by %s" % (
                    ip, a.get("type"), a.get("subtype"), a.get("vendor"), a.get("evidence"),
                    typ, sub, vendor))
            if a.get("registry", {}).get("status") != "registered":
                problems.append("hospital-normal: %s not registered: %s" % (ip, a.get("registry")))
        mr = ips.get("10.20.1.21", {}).get("dicom", {})
        if {"ae": "MR_ROOM1", "role": "SCU"} not in mr.get("ae_titles", []) or \
                not mr.get("implementation_version") or "MR Image Storage" not in mr.get("sop_classes", []):
            problems.append("hospital-normal: MR DICOM identity %s" % mr)
        if "HIS" not in ips.get("10.10.0.30", {}).get("hl7", {}).get("applications", []):
            problems.append("hospital-normal: his01 HL7 application %s" % ips.get("10.10.0.30"))
        alerts = [r for r in recs if r.get("event_type") == "alert"]
        if alerts:
            problems.append("hospital-normal: asset alerts %s" % [
                (a["alert"]["signature_id"], a.get("src_ip")) for a in alerts[:4]])
        news = [r for r in recs if r.get("event_type") == "asset" and r["asset"].get("event") == "new"]
        if len(news) != len(inv) or not inv:
            problems.append("hospital-normal: %d new records for %d devices" % (len(news), len(inv)))
        # The inventory as IT exports it.
        rc, out, err = eve.run_mamori(mamori, ["--export-assets", "csv", "-l", log])
        lines = out.splitlines() if isinstance(out, str) else out.decode().splitlines()
        if rc != 0 or not lines or not lines[0].startswith("id,mac,vendor,ips,hostnames,type"):
            problems.append("--export-assets csv: exit %r %s" % (rc, lines[:1]))
        elif len(lines) != len(inv) + 1 or not any(
                "10.20.1.21" in x and "MR_ROOM1/SCU" in x and "GE Healthcare" in x for x in lines):
            problems.append("--export-assets csv: %d lines for %d devices" % (len(lines), len(inv)))
        rc, out, err = eve.run_mamori(mamori, ["--export-assets", "json", "-l", log])
        text = out if isinstance(out, str) else out.decode()
        if rc != 0 or sorted(json.loads(x)["id"] for x in text.splitlines()) != \
                sorted(a["id"] for a in inv):
            problems.append("--export-assets json: exit %r, not the devices of assets.json" % rc)
        rc, out, err = eve.run_mamori(mamori, ["--export-assets", "xml", "-l", log])
        if rc != 1:
            problems.append("--export-assets xml: exit %r" % rc)

        # -T rejects a broken registry with FILE:LINE:COL.
        broken = os.path.join(tmp, "broken.csv")
        with open(broken, "w", encoding="utf-8") as f:
            f.write("address,name,type,department,status\n10.0.0.1,pc,workstation,IT,gone\n")
        cfg = os.path.join(tmp, "broken.yaml")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write("assets:\n  enabled: true\n  registry: %s\n" % broken)
        rc, out, err = eve.run_mamori(mamori, ["-T", "-c", cfg])
        if rc != 1 or broken + ":2:28: status" not in err:
            problems.append("-T with a broken registry: exit %r: %s" % (rc, err.strip()[:200]))

        # Restart on the same directory: nothing is new. (eve.json is
        # appended to: only the second run's records are looked at.)
        os.unlink(os.path.join(log, "eve.json"))
        rc, err, recs, bad, inv2 = run(mamori, root, "hospital-normal.pcap", log, tmp)
        again = [r for r in recs if r.get("event_type") == "asset" and r["asset"].get("event") == "new"]
        if rc != 0 or again:
            problems.append("restart: exit %r, %d devices announced as new again" % (rc, len(again)))
        if len(inv2) != len(inv):
            problems.append("restart: %d devices after, %d before" % (len(inv2), len(inv)))

        for capture, sid, ip in (("behaviours/new_device.pcap", 100100, "10.30.4.201"),
                                 ("behaviours/retired_device.pcap", 100101, "10.20.1.90")):
            rc, err, recs, bad, inv = run(mamori, root, capture, os.path.join(tmp, capture), tmp)
            got = {(r["alert"]["signature_id"], r.get("src_ip"))
                   for r in recs if r.get("event_type") == "alert"}
            if rc != 0 or got != {(sid, ip)}:
                problems.append("%s: exit %r alerts %s, expected %s" % (capture, rc, got, {(sid, ip)}))
            if capture.startswith("behaviours/new"):
                a = by_ip(inv).get(ip, {})
                if "raspberrypi" not in a.get("hostnames", []) or \
                        a.get("vendor") != "Raspberry Pi Trading Ltd":
                    problems.append("new_device: %s" % a)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for p in problems:
        print("FAIL:", p)
    print("assets: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
