#!/usr/bin/env python3
"""The configuration file through the real binary: -c, -T, errors with
line and column, and the command line overriding the file.

usage: config_check.py MAMORI SOURCE_ROOT"""

import os
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
import eve  # noqa: E402

failures = []
reports = []


def run(mamori, args):
    rc, out, err = eve.run_mamori(mamori, args)
    report = eve.sanitizer_report(err)
    if report:
        reports.append("%s: %s" % (" ".join(args), report))
    return rc, out, err


def check(cond, what, detail=""):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        failures.append(what)
        if detail:
            print("     " + str(detail).strip().replace("\n", "\n     "))
    return cond


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    mamori, root = sys.argv[1], sys.argv[2]
    sample = os.path.join(root, "docs", "mamori.yaml")
    capture = os.path.join(root, "pcaps", "demo.pcap")
    tmp = tempfile.TemporaryDirectory(prefix="mamori-config-")
    d = tmp.name

    def conf(name, text):
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    rc, out, err = run(mamori, ["-T"])
    check(rc == 0, "-T without -c: the defaults are valid, exit 0", "exit %r %s" % (rc, err))
    rc, out, err = run(mamori, ["-T", "-c", sample])
    check(rc == 0, "-T -c docs/mamori.yaml: exit 0", "exit %r %s" % (rc, err))

    bad = conf("unknown.yaml", "workers: 2\ncapture:\n  snaplen: 1500\n  promisc: true\n")
    rc, out, err = run(mamori, ["-T", "-c", bad])
    check(rc == 1 and "unknown.yaml:4:3: unknown key 'capture.promisc'" in err,
          "-T: an unknown key: exit 1, file:line:col", "exit %r %s" % (rc, err))
    bad = conf("type.yaml", "stats:\n  interval: soon\n")
    rc, out, err = run(mamori, ["-T", "-c", bad])
    check(rc == 1 and "type.yaml:2:13: stats.interval: expected a number" in err,
          "-T: a value of the wrong type: exit 1, file:line:col", "exit %r %s" % (rc, err))
    bad = conf("syntax.yaml", "capture:\n  bpf: 'tcp\n")
    rc, out, err = run(mamori, ["-T", "-c", bad])
    check(rc == 1 and "syntax.yaml:2:" in err, "-T: broken YAML: exit 1, file:line:col",
          "exit %r %s" % (rc, err))
    rc, out, err = run(mamori, ["-T", "-c", os.path.join(d, "none.yaml")])
    check(rc == 1 and "none.yaml" in err, "-T: a missing file: exit 1 naming it",
          "exit %r %s" % (rc, err))
    log = os.path.join(d, "not-run")
    os.mkdir(log)
    rc, out, err = run(mamori, ["-c", bad, "-r", capture, "-l", log])
    check(rc == 1 and not os.path.exists(os.path.join(log, "eve.json")),
          "a bad file stops the run before anything is read", "exit %r %s" % (rc, err))

    # The file applies, the command line overrides it.
    outdir = os.path.join(d, "from-file")
    os.mkdir(outdir)
    good = conf("good.yaml", "workers: 2\noutputs:\n  eve:\n    dir: %s\n    filename: x.json\n"
                % outdir)
    rc, out, err = run(mamori, ["-c", good, "-r", capture])
    path = os.path.join(outdir, "x.json")
    ok = rc == 0 and os.path.exists(path)
    workers = 0
    if ok:
        with open(path) as f:
            records, _ = eve.parse_eve(f.read())
        stats = [r for r in records if r.get("event_type") == "stats"]
        workers = len(stats[-1]["stats"].get("workers", [])) if stats else 0
    check(ok and workers == 2, "-c: workers and outputs.eve.{dir,filename} apply",
          "exit %r, %d workers, %s" % (rc, workers, err))
    log = os.path.join(d, "override")
    os.mkdir(log)
    rc, out, err = run(mamori, ["-c", good, "--workers", "1", "-l", log, "-r", capture])
    check(rc == 0 and os.path.exists(os.path.join(log, "x.json"))
          and "workers" not in stats_of_file(os.path.join(log, "x.json")),
          "--workers and -l override the file", "exit %r %s" % (rc, err))

    rc, out, err = run(mamori, ["-r", capture, "-i", "lo", "-l", d])
    check(rc == 1 and err.strip(), "-r and -i together: exit 1", "exit %r %s" % (rc, err))
    rc, out, err = run(mamori, ["--workers", "0", "-r", capture, "-l", d])
    check(rc == 1, "--workers 0: exit 1", "exit %r %s" % (rc, err))

    check(not reports, "no sanitizer report", "\n".join(reports))
    print("\n%d failed" % len(failures))
    tmp.cleanup()
    return 1 if failures else 0


def stats_of_file(path):
    with open(path) as f:
        records, _ = eve.parse_eve(f.read())
    stats = [r for r in records if r.get("event_type") == "stats"]
    return stats[-1]["stats"] if stats else {}


if __name__ == "__main__":
    sys.exit(main())
