#!/usr/bin/env python3
"""mamori's flow records for pcaps/hospital-normal.pcap must not change
unnoticed: they are compared with tests/e2e/golden/hospital-normal.flows.json
(sorted, canonical JSON, one record a line, flow_id left out).

usage: golden.py MAMORI SOURCE_ROOT

After an intended change, regenerate with tests/e2e/update-golden and review
the difference before committing it."""

import difflib
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
import eve  # noqa: E402

CASES = [("pcaps/hospital-normal.pcap", "tests/e2e/golden/hospital-normal.flows.json")]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    mamori, root = sys.argv[1], sys.argv[2]
    present = [c for c in CASES if os.path.exists(os.path.join(root, c[0]))]
    if not present:
        eve.skip("%s not there yet" % ", ".join(c[0] for c in CASES))

    failed = 0
    for capture, golden in present:
        with tempfile.TemporaryDirectory(prefix="mamori-golden-") as logdir:
            rc, _, err = eve.run_mamori(mamori, ["-r", os.path.join(root, capture), "-l", logdir])
            records, problems = eve.read_eve(logdir)
        report = eve.sanitizer_report(err)
        if rc != 0 or problems or report:
            print("FAIL %s: exit %r %s %s" % (capture, rc, problems[:3], report or err.strip()))
            failed += 1
            continue
        got = eve.golden_lines(records)
        path = os.path.join(root, golden)
        if not os.path.exists(path):
            print("FAIL %s: no golden file %s; create it with tests/e2e/update-golden"
                  % (capture, golden))
            failed += 1
            continue
        with open(path, encoding="utf-8") as f:
            want = f.read().splitlines()
        if got == want:
            print("ok   %s: %d flow records as in %s" % (capture, len(got), golden))
            continue
        failed += 1
        print("FAIL %s: flow records differ from %s (- golden, + now):" % (capture, golden))
        diff = list(difflib.unified_diff(want, got, golden, "mamori", lineterm="", n=0))
        for line in diff[:200]:
            print(line)
        if len(diff) > 200:
            print("... %d more lines of difference" % (len(diff) - 200))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
