#!/usr/bin/env python3
"""The asset inventory in live capture: SIGHUP reloads the registry.

usage: assets_live.py MAMORI SOURCE_ROOT

mamori -i in a network namespace of the test's own (veth pair, names with
the pid), with rules/assets.rules, a registry without the Raspberry Pi of
new_device.pcap, and rules/vulns.csv. Replaying the capture raises 100100
for it; a registry with a mistake is reported at SIGHUP as FILE:LINE:COL
and the one loaded before stays in use; a registry listing it as retired,
loaded at the next SIGHUP, makes its next sighting raise 100101. SIGINT
ends with exit 0 and assets.json holding the device.

Needs root (namespaces, capture); skips (77) otherwise."""

import json
import os
import shutil
import signal
import sys
import tempfile
import time

sys.dont_write_bytecode = True
import eve  # noqa: E402
import live_capture as lc  # noqa: E402

RPI = "10.30.4.201"


def alerts(logdir):
    recs, _ = eve.read_eve(logdir)
    return sorted((r["alert"]["signature_id"], r.get("src_ip"))
                  for r in recs if r.get("event_type") == "alert")


def main():
    mamori, root = os.path.abspath(sys.argv[1]), sys.argv[2]
    if os.geteuid() != 0:
        eve.skip("needs root (network namespaces, capture)")
    for tool in ("ip", "tcpreplay"):
        if not shutil.which(tool):
            eve.skip("%s is not installed" % tool)
    capture = os.path.join(root, "pcaps", "behaviours", "new_device.pcap")
    tmp = tempfile.mkdtemp(prefix="mamori-assets-live-")
    os.chmod(tmp, 0o755)
    net = lc.Netns()
    try:
        try:
            net.create()
        except (RuntimeError, OSError) as e:
            eve.skip("cannot create network namespaces here: %s" % e)
        rules = os.path.join(tmp, "rules")
        os.mkdir(rules)
        shutil.copy(os.path.join(root, "rules", "assets.rules"), rules)
        with open(os.path.join(root, "rules", "registry.csv"), encoding="utf-8") as f:
            base = f.read()
        reg = os.path.join(tmp, "registry.csv")

        def write(text):
            with open(reg + ".new", "w", encoding="utf-8") as f:
                f.write(text)
            os.rename(reg + ".new", reg)

        write(base)
        cfg = os.path.join(tmp, "mamori.yaml")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write("assets:\n  registry: %s\n  vulns: %s\n" % (
                reg, os.path.join(root, "rules", "vulns.csv")))
        logdir = os.path.join(tmp, "log")
        os.mkdir(logdir)
        s = lc.Sensor(mamori, net, logdir, ["-c", cfg, "--rules", rules, "--allow-root"],
                      env=lc.asan_env(False))
        try:
            if not lc.check(s.wait_ready(), "the sensor starts", "".join(s.err)):
                return 1
            net.replay(capture)
            end = time.time() + 10
            while time.time() < end and (100100, RPI) not in alerts(logdir):
                time.sleep(0.2)
            lc.check((100100, RPI) in alerts(logdir), "unregistered device: 100100",
                     alerts(logdir))

            write(base + "10.30.4.201,raspberrypi,workstation,Ward 4,gone,,\n")
            s.proc.send_signal(signal.SIGHUP)
            lc.check(lc.wait_stderr(s, reg + ":%d:" % (base.count("\n") + 1)) and
                     lc.wait_stderr(s, "stay in use"),
                     "a registry with a mistake is reported with FILE:LINE:COL",
                     "".join(s.err)[-800:])

            write(base + "10.30.4.201,raspberrypi,workstation,Ward 4,retired,,\n")
            s.proc.send_signal(signal.SIGHUP)
            lc.check(lc.wait_stderr(s, "reloaded the asset registry"),
                     "a good registry is loaded", "".join(s.err)[-800:])
            time.sleep(0.5)
            net.replay(capture)
            end = time.time() + 10
            while time.time() < end and (100101, RPI) not in alerts(logdir):
                time.sleep(0.2)
            lc.check((100101, RPI) in alerts(logdir),
                     "after the reload its next sighting raises 100101", alerts(logdir))
        finally:
            rc, err = s.stop(signal.SIGINT)
        report = eve.sanitizer_report(err)
        lc.check(not report, "no sanitizer report", report)
        lc.check(rc == 0, "SIGINT: exit 0", "exit %r: %s" % (rc, err[-1500:]))
        inv = []
        path = os.path.join(logdir, "assets.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                inv = [json.loads(x) for x in f if x.strip()]
        rpi = [a for a in inv if RPI in a.get("ips", [])]
        lc.check(rpi and rpi[0].get("registry", {}).get("status") == "retired",
                 "assets.json holds it, retired", rpi)
    finally:
        net.remove()
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n%d failed" % len(lc.failures))
    return 1 if lc.failures else 0


if __name__ == "__main__":
    sys.exit(main())
