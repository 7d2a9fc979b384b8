#!/usr/bin/env python3
"""Replays every real capture under ../shared/pcaps through mamori, one file at
a time, and checks what comes out.

usage: shared_pcaps.py MAMORI SOURCE_ROOT [DIR]

DIR (relative to SOURCE_ROOT) replaces ../shared/pcaps, e.g. pcaps for the
project's own captures.

For each file: exit status 0 (2 only for a file that really is truncated or
corrupt, and then stderr must name it); eve.json is JSON lines; every flow
record has the required fields; the last record is the stats record and counts
every packet of the file; the flows hold no more packets than the file; no
sanitizer report on stderr."""

import collections
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
import eve  # noqa: E402


def check_file(mamori, path):
    """Returns (problems, note): note is set for an accepted damaged file."""
    packets, truncated = eve.count_packets(path)
    with tempfile.TemporaryDirectory(prefix="mamori-e2e-") as logdir:
        rc, _, err = eve.run_mamori(mamori, ["-r", path, "-l", logdir])
        records, problems = eve.read_eve(logdir)
    note = None

    report = eve.sanitizer_report(err)
    if report:
        problems.append("sanitizer: " + report)
    if rc is None:
        return problems + ["timed out after %d s" % eve.RUN_TIMEOUT], note
    if rc < 0:
        problems.append("killed by signal %d" % -rc)
    elif truncated:
        if rc != 2:
            problems.append("exit %d for a damaged file (2 expected)" % rc)
        elif path not in err and os.path.basename(path) not in err:
            problems.append("exit 2 but stderr does not name the file: %.200s" % err.strip())
        else:
            note = "damaged file, %d whole packets: %s" % (packets, err.strip().splitlines()[-1])
    elif rc != 0:
        problems.append("exit %d: %.300s" % (rc, err.strip()))

    flows = [r for r in records if r.get("event_type") == "flow"]
    stats = [r for r in records if r.get("event_type") == "stats"]
    bad_flows = collections.Counter()
    for rec in flows:
        for p in eve.check_flow(rec):
            bad_flows[p] += 1
    for p, n in sorted(bad_flows.items()):
        problems.append("%d flow record(s): %s" % (n, p))
    ids = collections.Counter(r.get("flow_id") for r in flows)
    dup = [i for i, n in ids.items() if n > 1]
    if dup:
        problems.append("%d flow_id(s) used by more than one flow record, e.g. %r"
                        % (len(dup), dup[0]))

    if len(stats) != 1:
        problems.append("%d stats records (1 expected)" % len(stats))
    elif records[-1].get("event_type") != "stats":
        problems.append("the stats record is not the last record")
    else:
        got = stats[0].get("stats", {}).get("capture", {}).get("packets")
        if got != packets:
            problems.append("stats.capture.packets = %r, the file holds %d" % (got, packets))
    in_flows = sum(eve.flow_packets(r) for r in flows)
    if in_flows > packets:
        problems.append("flows count %d packets, the file holds %d" % (in_flows, packets))
    if packets > 0 and not flows and not truncated:
        problems.append("no flow records for %d packets" % packets)
    return problems, note


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    mamori, root = sys.argv[1], sys.argv[2]
    if len(sys.argv) == 4:
        top = os.path.join(root, sys.argv[3])
    else:
        top = eve.shared_pcaps_dir(root)
    if not os.path.isdir(top):
        eve.skip("%s is absent: no shared captures to replay" % top)
    captures = eve.find_captures(top)
    if not captures:
        eve.skip("no captures under %s" % top)

    failed, notes = 0, []
    for path in captures:
        rel = os.path.relpath(path, top)
        problems, note = check_file(mamori, path)
        if note:
            notes.append("%s: %s" % (rel, note))
        if problems:
            failed += 1
            print("FAIL %s" % rel)
            for p in problems:
                print("    " + p)
        else:
            print("ok   %s" % rel)
    if notes:
        print("\naccepted damaged captures (exit 2, file named):")
        for n in notes:
            print("    " + n)
    print("\n%d captures, %d failed" % (len(captures), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
