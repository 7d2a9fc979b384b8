#!/usr/bin/env python3
"""tools/bench's breakdown is faithful: pathloop runs mamori's own stages.

usage: pathloop.py MAMORI SOURCE_ROOT PATHLOOP

tools/bench times pathloop at each stage (decode, flow, parse, classify) to
say where mamori's time goes between the libpcap floor and the whole run.
That only means something if pathloop's packet path is the worker's: on
the project's captures and on every shared capture mamori reads without
error, the classify stage must read as many packets, create as many flows
and give nDPI exactly as many packets as mamori -r counts in its stats
record; every stage must read every packet."""

import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
import eve  # noqa: E402

STAGES = ("decode", "flow", "parse", "classify")


def pathloop(exe, stage, path):
    p = subprocess.run([exe, stage, path], capture_output=True, text=True, timeout=eve.RUN_TIMEOUT)
    words = p.stdout.split()
    if p.returncode != 0 or len(words) != 6:
        return None, "pathloop %s exited %d: %s" % (stage, p.returncode, p.stderr.strip()[-200:])
    return {"packets": int(words[0]), "flows": int(words[2]), "ndpi": int(words[4])}, None


def main():
    mamori, root, exe = sys.argv[1], sys.argv[2], sys.argv[3]
    captures = eve.find_captures(os.path.join(root, "pcaps"))
    shared = eve.shared_pcaps_dir(root)
    if os.path.isdir(shared):
        captures += eve.find_captures(shared)
    else:
        print("note: %s is absent; the project's captures only" % shared)
    problems = []
    checked = 0
    for path in captures:
        with tempfile.TemporaryDirectory(prefix="mamori-pathloop-") as d:
            rc, _, err = eve.run_mamori(mamori, ["-r", path, "-l", d])
            records, _ = eve.read_eve(d)
        if rc != 0:
            continue  # truncated or unsupported captures: cli.py covers their errors
        stats = [r["stats"] for r in records if r.get("event_type") == "stats"]
        if len(stats) != 1:
            problems.append("%s: mamori wrote %d stats records" % (path, len(stats)))
            continue
        s = stats[0]
        want = {"packets": s["capture"]["packets"], "flows": s["flow"]["created"],
                "ndpi": s["classify"]["packets"]}
        for stage in STAGES:
            got, bad = pathloop(exe, stage, path)
            if bad:
                problems.append("%s: %s" % (path, bad))
                continue
            if got["packets"] != want["packets"]:
                problems.append("%s: %s read %d packets, mamori %d"
                                % (path, stage, got["packets"], want["packets"]))
            if stage == "classify":
                for k in ("flows", "ndpi"):
                    if got[k] != want[k]:
                        problems.append("%s: classify: %s %d, mamori %d" % (path, k, got[k], want[k]))
        checked += 1
    print("%d captures checked" % checked)
    if checked < 3:
        problems.append("only %d captures could be checked" % checked)
    for p in problems:
        print("FAIL: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
