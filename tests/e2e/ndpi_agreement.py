#!/usr/bin/env python3
"""Does mamori classify flows as nDPI's own ndpiReader does?

usage: ndpi_agreement.py MAMORI SOURCE_ROOT [DIR]

DIR (relative to SOURCE_ROOT) replaces ../shared/pcaps, e.g. pcaps for the
project's own captures.

For every capture under ../shared/pcaps, runs `ndpiReader -i FILE -v 2 -q`
(one line per flow: "TCP 1.2.3.4:5 <-> 6.7.8.9:10 [proto: 91.126/TLS.Google]")
and mamori, matches flows by L4 protocol and the unordered pair of endpoints,
and compares ndpiReader's protocol name with mamori's ndpi.protocol. mamori
may split one ndpiReader flow in several records (a timeout or a new
connection on the same ports); the earliest of them is compared.

Prints every disagreement and the totals; fails below 98% agreement."""

import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
import eve  # noqa: E402

THRESHOLD = 0.98

# "	12	TCP 10.0.0.1:55080 <-> 192.150.187.43:80 [VLAN: 7][proto: 7/HTTP][..."
# IPv6 endpoints are printed as [addr]:port.
FLOW_RE = re.compile(
    r"^\s*\d+\s+(?P<l4>[A-Za-z0-9_-]+)\s+"
    r"\[?(?P<a>[0-9A-Fa-f.:]+?)\]?:(?P<ap>\d+)\s+(?:<->|->)\s+"
    r"\[?(?P<b>[0-9A-Fa-f.:]+?)\]?:(?P<bp>\d+)\s.*?"
    r"\[proto: (?:[0-9.]+/)?(?P<proto>[^\]]+)\]")


def ndpireader_flows(ndpireader, path):
    """{key: [protocol name, ...]} from ndpiReader, or None if it failed."""
    try:
        proc = subprocess.run([ndpireader, "-i", path, "-v", "2", "-q"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=eve.RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        return None
    flows = collections.defaultdict(list)
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        m = FLOW_RE.match(line)
        if not m:
            continue
        key = eve.flow_key(m["l4"].upper(), m["a"], m["ap"], m["b"], m["bp"])
        flows[key].append(m["proto"])
    return flows


def mamori_flows(mamori, path):
    """{key: [ndpi.protocol of the records, earliest first]}, or an error string."""
    with tempfile.TemporaryDirectory(prefix="mamori-e2e-") as logdir:
        rc, _, err = eve.run_mamori(mamori, ["-r", path, "-l", logdir])
        records, problems = eve.read_eve(logdir)
    report = eve.sanitizer_report(err)
    if report:
        return "sanitizer: " + report
    if rc not in (0, 2):
        return "mamori exited %r: %.200s" % (rc, err.strip())
    if problems:
        return "; ".join(problems[:3])
    found = collections.defaultdict(list)
    for rec in records:
        if rec.get("event_type") != "flow":
            continue
        try:
            key = eve.flow_key(rec["proto"], rec["src_ip"], rec.get("src_port", 0),
                               rec["dest_ip"], rec.get("dest_port", 0))
        except (KeyError, ValueError, TypeError):
            return "flow record without usable endpoints: %s" % eve.flow_label(rec)
        start = rec.get("flow", {}).get("start", "")
        found[key].append((start, rec.get("ndpi", {}).get("protocol")))
    return {k: [p for _, p in sorted(v, key=lambda x: x[0])] for k, v in found.items()}


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    mamori, root = sys.argv[1], sys.argv[2]
    if len(sys.argv) == 4:
        top = os.path.join(root, sys.argv[3])
    else:
        top = eve.shared_pcaps_dir(root)
    if not os.path.isdir(top):
        eve.skip("%s is absent: no shared captures to compare on" % top)
    ndpireader = shutil.which("ndpiReader")
    if ndpireader is None:
        eve.skip("ndpiReader is not installed (Debian package libndpi-bin)")

    matched = agreed = only_ndpi = only_mamori = split = 0
    disagreements, errors, one_sided = [], [], []
    per_pair = collections.Counter()
    for path in eve.find_captures(top):
        rel = os.path.relpath(path, top)
        theirs = ndpireader_flows(ndpireader, path)
        if theirs is None:
            print("note: ndpiReader could not read %s; not compared" % rel)
            continue
        ours = mamori_flows(mamori, path)
        if isinstance(ours, str):
            errors.append("%s: %s" % (rel, ours))
            continue
        file_only_ndpi = file_only_mamori = 0
        for key in sorted(set(theirs) | set(ours), key=str):
            t, o = theirs.get(key, []), ours.get(key, [])
            if not o:
                file_only_ndpi += len(t)
                one_sided.append((rel, eve.format_key(key), "ndpiReader", ", ".join(t)))
                continue
            if not t:
                file_only_mamori += len(o)
                one_sided.append((rel, eve.format_key(key), "mamori", ", ".join(o)))
                continue
            # Same endpoints seen twice by ndpiReader (VLANs): compare in order.
            for i, name in enumerate(t):
                mine = o[min(i, len(o) - 1)]
                matched += 1
                if mine == name:
                    agreed += 1
                else:
                    disagreements.append((rel, eve.format_key(key), name, mine))
                    per_pair[(name, mine)] += 1
            split += max(0, len(o) - len(t))
        only_ndpi += file_only_ndpi
        only_mamori += file_only_mamori

    if disagreements:
        print("\ndisagreements (file, flow, ndpiReader, mamori):")
        for d in disagreements:
            print("    %s  %s  ndpiReader=%s  mamori=%s" % d)
        print("\nby protocol pair (ndpiReader -> mamori):")
        for (t, o), n in per_pair.most_common():
            print("    %5d  %s -> %s" % (n, t, o))
    if one_sided:
        print("\nflows seen by one side only (file, flow, seen by, protocol):")
        for o in one_sided[:200]:
            print("    %s  %s  only %s: %s" % o)
        if len(one_sided) > 200:
            print("    ... and %d more" % (len(one_sided) - 200))
    for e in errors:
        print("ERROR " + e)

    share = agreed / matched if matched else 0.0
    print("\nmatched flows: %d, agreed: %d (%.2f%%), disagreed: %d"
          % (matched, agreed, 100 * share, matched - agreed))
    print("only in ndpiReader: %d, only in mamori: %d, extra mamori records for one flow: %d"
          % (only_ndpi, only_mamori, split))
    if errors:
        print("FAIL: mamori failed on %d capture(s)" % len(errors))
        return 1
    if matched == 0:
        print("FAIL: no flow matched")
        return 1
    if share < THRESHOLD:
        print("FAIL: agreement below %.0f%%" % (100 * THRESHOLD))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
