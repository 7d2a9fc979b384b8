#!/usr/bin/env python3
"""A real HTTP server's banner in the asset inventory.

usage: assets_http.py MAMORI SOURCE_ROOT

On loopback, with tcpdump capturing: Python's http.server listens on
127.0.0.2 and a client on 127.0.0.1 fetches two pages (two connections,
User-Agent "mamori-test/1.0"). The capture is read with assets.networks
127.0.0.0/8, rules/assets.rules and a vulns file of rules/vulns.csv's lines
plus one http_server line for the running Python's http.server: the server
is a device whose http.servers is exactly the Server header it sent
("SimpleHTTP/0.6 Python/X.Y.Z"), typed server / web, listed as vulnerable by
that line only (the shipped Apache lines do not match it), and raises 100104
once; the client keeps its User-Agent. Nothing else of the responses (the
page's text, its Date) is in the inventory.

Needs root for tcpdump; skips (77) without it."""

import http.client
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
import clinical  # noqa: E402
import eve  # noqa: E402
from dicom_dcmtk import start_tcpdump, stop  # noqa: E402

UA = "mamori-test/1.0"
SECRET = "page-text-not-for-the-inventory"


def wait_http(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            c = http.client.HTTPConnection("127.0.0.2", port, timeout=1)
            c.connect()
            c.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("http.server does not listen on %d" % port)


def main():
    exe, root = sys.argv[1], sys.argv[2]
    if not shutil.which("tcpdump"):
        eve.skip("missing tcpdump (tools/bootstrap installs it)")
    if os.geteuid() != 0:
        eve.skip("tcpdump needs root")
    h = http.server.SimpleHTTPRequestHandler
    banner = "%s %s" % (h.server_version, h.sys_version)
    problems = []
    with tempfile.TemporaryDirectory(prefix="mamori-assets-http-") as d:
        www = os.path.join(d, "www")
        os.mkdir(www)
        with open(os.path.join(www, "index.html"), "w") as f:
            f.write("<p>%s</p>\n" % SECRET)
        port = clinical.free_port()
        pcap = os.path.join(d, "http.pcap")
        srv = td = None
        try:
            srv = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.2",
                                    "--directory", www, str(port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_http(port)  # before the capture: this probe is not in it
            td = start_tcpdump(pcap, [port])
            for path in ("/index.html", "/missing"):
                c = http.client.HTTPConnection("127.0.0.2", port, timeout=5,
                                               source_address=("127.0.0.1", 0))
                c.request("GET", path, headers={"User-Agent": UA})
                c.getresponse().read()
                c.close()
            time.sleep(0.5)
        finally:
            stop(td)
            stop(srv)
        rules = os.path.join(d, "rules")
        os.mkdir(rules)
        shutil.copy(os.path.join(root, "rules", "assets.rules"), rules)
        vulns = os.path.join(d, "vulns.csv")
        with open(os.path.join(root, "rules", "vulns.csv"), encoding="utf-8") as f:
            text = f.read()
        py = h.sys_version.split("/", 1)[1]
        with open(vulns, "w", encoding="utf-8") as f:
            f.write(text + "Python http.server,http_server,SimpleHTTP/0.6 Python/,%s,,"
                    "TEST-0001,low,\"the running Python's http.server\"\n" % py)
        cfg = os.path.join(d, "mamori.yaml")
        with open(cfg, "w") as f:
            f.write("assets:\n  enabled: true\n  networks: 127.0.0.0/8\n  vulns: %s\n" % vulns)
        log = os.path.join(d, "log")
        os.mkdir(log)
        rc, _, err = eve.run_mamori(exe, ["-c", cfg, "--rules", rules, "-r", pcap, "-l", log])
        if rc != 0 or eve.sanitizer_report(err):
            problems.append("mamori: exit %r %s" % (rc, err[-300:]))
        recs, _ = eve.read_eve(log)
        with open(os.path.join(log, "assets.json"), encoding="utf-8") as f:
            raw = f.read()
        inv = {a["id"]: a for a in (json.loads(x) for x in raw.splitlines() if x.strip())}
        client, server = inv.get("ip-127.0.0.1"), inv.get("ip-127.0.0.2")
        if not client or not server:
            problems.append("devices: %s" % sorted(inv))
        else:
            got = server.get("http", {}).get("servers")
            if got != [banner]:
                problems.append("server: http.servers %r, expected [%r]" % (got, banner))
            if (server.get("type"), server.get("subtype")) != ("server", "web"):
                problems.append("server: type %s/%s" % (server.get("type"),
                                                        server.get("subtype")))
            ids = sorted(i for v in server.get("vulns", []) for i in v["ids"])
            if ids != ["TEST-0001"]:
                problems.append("server: vulns %s, expected only TEST-0001" % ids)
            ua = client.get("http", {}).get("user_agents")
            if ua != [UA]:
                problems.append("client: http.user_agents %r, expected [%r]" % (ua, UA))
            if client.get("http", {}).get("servers"):
                problems.append("client: has a server banner %r" % client["http"]["servers"])
        if SECRET in raw or "GMT" in raw:
            problems.append("assets.json holds more of the responses than the Server header")
        alerts = sorted((r["alert"]["signature_id"], r.get("src_ip"))
                        for r in recs if r.get("event_type") == "alert")
        if alerts.count((100104, "127.0.0.2")) != 1 or (100104, "127.0.0.1") in alerts:
            problems.append("alerts %s, expected one 100104 from 127.0.0.2" % alerts)
    for p in problems:
        print("FAIL:", p)
    print("assets_http (%s): %d problems" % (banner, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
