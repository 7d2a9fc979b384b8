#!/usr/bin/env python3
"""mamori's command line: options, exit status and error messages.

usage: cli.py MAMORI SOURCE_ROOT

Exit status: 0 all input processed; 1 usage or startup error, nothing
processed; 2 an input file was unreadable, of an unknown link type, truncated
or corrupt (everything readable still processed, the message names the file and
how many packets were read). The captures are written here, so the test does
not depend on any other."""

import os
import re
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
import eve  # noqa: E402

T0 = 1768467600.0  # 2026-01-15T09:00:00Z

failures = []
reports = []


def run(mamori, args):
    """eve.run_mamori, keeping any sanitizer report for the end."""
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
            print("     " + detail.strip().replace("\n", "\n     "))
    return cond


def udp_capture(path, flows, per_flow):
    """A capture of `flows` UDP conversations of `per_flow` packets each."""
    packets = []
    for i in range(per_flow):
        for f in range(flows):
            client = "10.1.2.%d" % (10 + f)
            if i % 2 == 0:
                frame = eve.udp_frame(client, 40000 + f, "10.1.0.53", 5000, b"ping %d" % i)
            else:
                frame = eve.udp_frame("10.1.0.53", 5000, client, 40000 + f, b"pong %d" % i)
            packets.append((T0 + i * 0.01 + f * 0.001, frame))
    eve.write_pcap(path, packets)
    return len(packets)


def flows_of(records):
    return [r for r in records if r.get("event_type") == "flow"]


def stats_packets(records):
    stats = [r for r in records if r.get("event_type") == "stats"]
    if len(stats) != 1:
        return None
    return stats[0].get("stats", {}).get("capture", {}).get("packets")


def mentions_count(text, n):
    return re.search(r"(?<![0-9])%d(?![0-9])" % n, text) is not None


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    mamori, root = sys.argv[1], sys.argv[2]
    tmp = tempfile.TemporaryDirectory(prefix="mamori-cli-")
    d = tmp.name
    good = os.path.join(d, "good.pcap")
    good_n = udp_capture(good, flows=3, per_flow=4)
    other = os.path.join(d, "other.pcap")
    eve.write_pcap(other, [(T0 + 60, eve.udp_frame("10.1.9.9", 41000, "10.1.0.54", 6000, b"x")),
                           (T0 + 61, eve.udp_frame("10.1.0.54", 6000, "10.1.9.9", 41000, b"y"))])
    other_n = 2

    def logdir(name):
        path = os.path.join(d, name)
        os.mkdir(path)
        return path

    # -- usage errors: exit 1 with a message, nothing written -------------------
    rc, out, err = run(mamori, [])
    check(rc == 1 and err.strip(), "no arguments: exit 1 with a message",
          "exit %r, stderr %r" % (rc, err))
    log = logdir("no-r")
    rc, out, err = run(mamori, ["-l", log])
    check(rc == 1 and err.strip(), "no -r: exit 1 with a message", "exit %r, stderr %r" % (rc, err))
    log = logdir("unknown-option")
    rc, out, err = run(mamori, ["--no-such-option", "-r", good, "-l", log])
    check(rc == 1 and err.strip(), "unknown option: exit 1 with a message",
          "exit %r, stderr %r" % (rc, err))
    check(not os.path.exists(os.path.join(log, "eve.json")) or
          not flows_of(eve.read_eve(log)[0]), "unknown option: nothing processed")
    blocker = os.path.join(d, "a-file")
    open(blocker, "w").close()
    rc, out, err = run(mamori, ["-r", good, "-l", os.path.join(blocker, "logs")])
    check(rc == 1 and err.strip(), "log directory that cannot exist: exit 1 with a message",
          "exit %r, stderr %r" % (rc, err))

    # -- help and version ----------------------------------------------------------
    rc, out, err = run(mamori, ["-h"])
    check(rc == 0 and "-r" in out + err, "-h: exit 0, usage printed", "exit %r, out %r" % (rc, out))
    version = None
    with open(os.path.join(root, "meson.build"), encoding="utf-8") as f:
        m = re.search(r"version\s*:\s*'([^']+)'", f.read())
        version = m.group(1) if m else None
    rc, out, err = run(mamori, ["--version"])
    check(rc == 0 and version is not None and version in out,
          "--version: exit 0, prints %s" % version, "exit %r, out %r" % (rc, out))

    # -- a good file -----------------------------------------------------------------
    log = logdir("good")
    rc, out, err = run(mamori, ["-v", "-r", good, "-l", log])
    records, problems = eve.read_eve(log)
    check(rc == 0 and not problems, "good capture with -v: exit 0, eve.json readable",
          "exit %r, %s, stderr %s" % (rc, problems, err))
    check(len(flows_of(records)) == 3, "good capture: 3 flows",
          "%d flow records" % len(flows_of(records)))
    check(stats_packets(records) == good_n, "good capture: stats count %d packets" % good_n,
          "stats.capture.packets = %r" % stats_packets(records))

    # -- -l - : records on stdout ----------------------------------------------------
    rc, out, err = run(mamori, ["-r", good, "-l", "-"])
    records, problems = eve.parse_eve(out)
    check(rc == 0 and not problems and len(flows_of(records)) == 3
          and stats_packets(records) == good_n,
          "-l -: exit 0, the records on stdout",
          "exit %r, %d flows, problems %s" % (rc, len(flows_of(records)), problems[:3]))

    # -- two -r files: both read -------------------------------------------------------
    log = logdir("two")
    rc, out, err = run(mamori, ["-r", good, "-r", other, "-l", log])
    records, problems = eve.read_eve(log)
    ips = {r.get("src_ip") for r in flows_of(records)} | {r.get("dest_ip") for r in flows_of(records)}
    check(rc == 0 and "10.1.9.9" in ips and "10.1.2.10" in ips
          and stats_packets(records) == good_n + other_n,
          "two -r files: both read",
          "exit %r, addresses %s, stats packets %r" % (rc, sorted(map(str, ips)),
                                                       stats_packets(records)))

    # -- a file that does not exist ----------------------------------------------------
    missing = os.path.join(d, "no-such-file.pcap")
    log = logdir("missing")
    rc, out, err = run(mamori, ["-r", missing, "-l", log])
    check(rc == 2 and "no-such-file.pcap" in err, "nonexistent file: exit 2 naming the file",
          "exit %r, stderr %r" % (rc, err))
    log = logdir("missing-and-good")
    rc, out, err = run(mamori, ["-r", missing, "-r", good, "-l", log])
    records, _ = eve.read_eve(log)
    check(rc == 2 and "no-such-file.pcap" in err and len(flows_of(records)) == 3,
          "nonexistent file then a good one: exit 2, the good one still processed",
          "exit %r, %d flows, stderr %r" % (rc, len(flows_of(records)), err))

    # -- unknown link type (147, DLT_USER0) ---------------------------------------------
    user0 = os.path.join(d, "linktype-147.pcap")
    eve.write_pcap(user0, [(T0, b"\x01\x02\x03\x04" * 16)], linktype=147)
    log = logdir("user0")
    rc, out, err = run(mamori, ["-r", user0, "-l", log])
    check(rc == 2 and "linktype-147.pcap" in err, "link type 147: exit 2 naming the file",
          "exit %r, stderr %r" % (rc, err))

    # -- truncated in the middle of the last packet -------------------------------------
    cut = os.path.join(d, "cut.pcap")
    with open(good, "rb") as f:
        data = f.read()
    with open(cut, "wb") as f:
        f.write(data[:len(data) - 20])  # the last frame is 48 bytes long
    whole, truncated = eve.count_packets(cut)
    assert truncated and whole == good_n - 1
    log = logdir("cut")
    rc, out, err = run(mamori, ["-r", cut, "-l", log])
    records, problems = eve.read_eve(log)
    in_flows = sum(eve.flow_packets(r) for r in flows_of(records))
    check(rc == 2, "truncated capture: exit 2", "exit %r, stderr %r" % (rc, err))
    check("cut.pcap" in err and mentions_count(err, whole),
          "truncated capture: the message names the file and the %d packets read" % whole,
          "stderr %r" % err)
    check(not problems and len(flows_of(records)) == 3 and in_flows == whole
          and stats_packets(records) == whole,
          "truncated capture: the %d readable packets are in the flows" % whole,
          "%d flows holding %d packets, stats %r, %s" % (len(flows_of(records)), in_flows,
                                                         stats_packets(records), problems[:3]))

    check(not reports, "no sanitizer report", "\n".join(reports))

    print("\n%d failed" % len(failures))
    tmp.cleanup()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
