#!/usr/bin/env python3
"""Response times of mamori-console's API (best of 3, wall clock) with N
alerts in a redis-server of its own: the newest page, filters that must
scan (the scan stops at 20,000 entries), an alert's detail, the overview,
and a live alert's way from XADD to the browser's event stream. Prints
figures; asserts nothing.

usage: bench.py MAMORI_CONSOLE SOURCE_ROOT [ALERTS]"""

import json
import os
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
from consoletest import Console, Events, Redis, alert  # noqa: E402


def main():
    exe, root = (os.path.abspath(x) for x in sys.argv[1:3])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
    web = os.path.join(root, "tools", "console", "web")
    with tempfile.TemporaryDirectory(prefix="mamori-console-bench-") as tmp:
        r = Redis(tmp).start()
        recs = []
        for i in range(n):
            rec = alert(i, severity=1 if i % 1000 == 0 else 2 + i % 3, sid=100001 + i % 20,
                        src="10.1.%d.%d" % (i % 50, i % 200), app=["dicom", "hl7", "tls"][i % 3],
                        ts="2026-01-15T%02d:%02d:%02d.000000+0000" % (i // 3600 % 24, i // 60 % 60, i % 60),
                        dicom={"calling_ae": "ANY-SCU", "called_ae": "PACS_MAIN", "association": "accepted"})
            d = json.dumps(rec).encode()
            recs.append(b"*5\r\n$4\r\nXADD\r\n$13\r\nmamori:alerts\r\n$1\r\n*\r\n$3\r\neve\r\n$%d\r\n%s\r\n" % (len(d), d))
        c = None
        try:
            subprocess.run(["redis-cli", "-s", r.sock, "--pipe"], input=b"".join(recs),
                           capture_output=True, check=True)
            c = Console(exe, web, r.sock, tmp).start()
            # let the consumer group catch up with the backlog first
            while r.cmd("XINFO", "GROUPS", "mamori:alerts")[0][11] not in (0, None):
                time.sleep(0.5)
            some = c.get("/api/alerts?limit=1")[2]["alerts"][0]["id"]
            print("bench console: %d alerts in Redis (%d bytes each)" % (n, len(recs[0])))
            for what, path in [("newest 100 alerts", "/api/alerts?limit=100"),
                               ("severity=1, 100 (scans 20000)", "/api/alerts?severity=1&limit=100"),
                               ("rule=100003, 100", "/api/alerts?rule=100003&limit=100"),
                               ("one alert's detail", "/api/alerts/" + some),
                               ("overview (20000 alerts)", "/api/overview")]:
                best = None
                for _ in range(3):
                    t0 = time.perf_counter()
                    st, _, body = c.get(path, raw=True)
                    dt = time.perf_counter() - t0
                    best = dt if best is None or dt < best else best
                print("  %-34s %8.1f ms  %7d bytes" % (what, best * 1000, len(body)))
            ev = Events(c)
            ev.next()
            lat = []
            for i in range(200):
                t0 = time.perf_counter()
                r.xadd("mamori:alerts", alert(n + i))
                while ev.next()[0] != "alert":
                    pass
                lat.append(time.perf_counter() - t0)
            ev.close()
            lat.sort()
            print("  live feed, XADD to event (200)    p50 %.2f ms, p99 %.2f ms" % (lat[100] * 1000, lat[197] * 1000))
        finally:
            if c:
                c.stop()
            r.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
