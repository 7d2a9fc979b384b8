#!/usr/bin/env python3
"""Replay over several workers gives the same flow records as one worker.

usage: workers_replay.py MAMORI SOURCE_ROOT [DIR ...]

For every capture under ../shared/pcaps and the project's pcaps/ (or the
DIRs given, relative to SOURCE_ROOT), mamori -r runs with --workers 1 and
--workers 2 (and 3 on the project's captures, so that hashing to a worker
that gets no packet is covered). The flow records, flow_id removed, must be
equal as multisets; flow ids must be unique within a run; the stats record
must count every packet once, its per-worker breakdown adding up to the
total; the exit status must be the same. Missing folders are skipped; if
none exists, the test reports itself skipped."""

import collections
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
import eve  # noqa: E402


def run(mamori, path, workers, logdir):
    rc, _, err = eve.run_mamori(mamori, ["-r", path, "--workers", str(workers), "-l", logdir])
    records, problems = eve.read_eve(logdir)
    return rc, err, records, problems


def compare(mamori, path, counts):
    problems = []
    runs = {}
    with tempfile.TemporaryDirectory(prefix="mamori-workers-") as d:
        for w in counts:
            log = os.path.join(d, "w%d" % w)
            os.mkdir(log)
            runs[w] = run(mamori, path, w, log)
    base_rc, _, base_records, _ = runs[counts[0]]
    base = collections.Counter(eve.golden_lines(base_records))
    for w in counts:
        rc, err, records, bad = runs[w]
        report = eve.sanitizer_report(err)
        if report:
            problems.append("--workers %d: sanitizer: %s" % (w, report))
        if bad:
            problems.append("--workers %d: %s" % (w, bad[:3]))
        if rc != base_rc:
            problems.append("--workers %d: exit %r, --workers %d exit %r" % (w, rc, counts[0], base_rc))
        flows = [r for r in records if r.get("event_type") == "flow"]
        ids = collections.Counter(r.get("flow_id") for r in flows)
        dup = [i for i, n in ids.items() if n > 1]
        if dup:
            problems.append("--workers %d: %d flow ids used twice" % (w, len(dup)))
        stats = [r for r in records if r.get("event_type") == "stats"]
        if len(stats) != 1:
            problems.append("--workers %d: %d stats records" % (w, len(stats)))
        elif w > 1:
            s = stats[0]["stats"]
            per = s.get("workers", [])
            if len(per) != w:
                problems.append("--workers %d: breakdown of %d workers" % (w, len(per)))
            elif sum(p["packets"] for p in per) != s["capture"]["packets"]:
                problems.append("--workers %d: the breakdown does not add up" % w)
            base_stats = [r for r in base_records if r.get("event_type") == "stats"]
            if base_stats and base_stats[0]["stats"]["capture"]["packets"] != s["capture"]["packets"]:
                problems.append("--workers %d: %d packets, --workers 1: %d" % (
                    w, s["capture"]["packets"], base_stats[0]["stats"]["capture"]["packets"]))
        if w == counts[0]:
            continue
        got = collections.Counter(eve.golden_lines(records))
        if got != base:
            only_1 = list((base - got).elements())
            only_n = list((got - base).elements())
            problems.append("--workers %d: %d flow records differ from --workers 1 "
                            "(%d only with 1, %d only with %d)" % (
                                w, len(only_1) + len(only_n), len(only_1), len(only_n), w))
            for line in (only_1[:2] + only_n[:2]):
                rec = json.loads(line)
                problems.append("    %s %s" % (eve.flow_label(rec), rec.get("flow", {})))
    return problems


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    mamori, root = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        dirs = [(os.path.join(root, d), (1, 2, 3)) for d in sys.argv[3:]]
    else:
        dirs = [(eve.shared_pcaps_dir(root), (1, 2)), (os.path.join(root, "pcaps"), (1, 2, 3))]
    files = []
    for d, counts in dirs:
        if os.path.isdir(d):
            files += [(f, counts) for f in eve.find_captures(d)]
        else:
            print("note: %s is absent" % d)
    if not files:
        eve.skip("no captures")
    failed = 0
    for path, counts in files:
        problems = compare(mamori, path, counts)
        name = os.path.relpath(path, os.path.dirname(root))
        if problems:
            failed += 1
            print("FAIL %s" % name)
            for p in problems:
                print("     " + p)
        else:
            print("ok   %s" % name)
    print("\n%d files, %d failed" % (len(files), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
