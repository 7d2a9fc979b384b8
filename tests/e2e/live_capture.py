#!/usr/bin/env python3
"""Live capture through a veth pair in network namespaces made for the test.

usage: live_capture.py MAMORI SOURCE_ROOT

Two namespaces joined by a veth pair (no addresses, IPv6 off, so that the
kernels send nothing of their own); mamori captures on one end while
tcpreplay sends a capture into the other. With 1 and 2 workers:
  - the flows equal those of mamori -r on the same capture (per flow key:
    packets and bytes each way; timestamps and timeouts differ since the
    replay runs at full speed),
  - no flow is split across workers (a flow id's top bits name its worker),
  - the running sensor has no root and no capability (/proc/PID/status),
  - SIGHUP reopens eve.json (rotation) without losing a record,
  - SIGTERM ends it with exit 0, every flow written with its packets, the
    stats record counting every packet received and no kernel drop.
Also: starting as root with no user to switch to is refused (exit 1),
stats records come at the configured interval, and SIGHUP reloads the
rules of --rules DIR: a rule file with a mistake is reported (file:line:col)
and the rules loaded before keep raising alerts; a good one replaces them;
with -c, SIGHUP re-reads the file's rules.dir and rules.vars.

Needs root, ip(8) and tcpreplay; without them, or where the machine forbids
namespaces, the test reports itself skipped (exit 77). The namespaces are
always removed."""

import collections
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean
import eve  # noqa: E402

RUN_AS = "nobody"  # exists everywhere; the sensor only needs an unprivileged user
CAPTURE = os.path.join("pcaps", "hospital-normal.pcap")

failures = []


def check(cond, what, detail=""):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        failures.append(what)
        if detail:
            print("     " + str(detail).strip().replace("\n", "\n     "))
    return cond


def sh(*args, check_rc=True):
    p = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check_rc and p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p


class Netns:
    """ns_a/if_a (sender) <-> ns_b/if_b (sensor). Always call remove()."""

    def __init__(self):
        tag = "%d" % (os.getpid() % 100000)
        self.ns_a, self.ns_b = "mamori-t%s-a" % tag, "mamori-t%s-b" % tag
        self.if_a, self.if_b = "mmt%sa" % tag, "mmt%sb" % tag
        self.made = []

    def create(self):
        for ns in (self.ns_a, self.ns_b):
            sh("ip", "netns", "add", ns)
            self.made.append(ns)
        sh("ip", "link", "add", self.if_a, "type", "veth", "peer", "name", self.if_b)
        try:
            sh("ip", "link", "set", self.if_a, "netns", self.ns_a)
            sh("ip", "link", "set", self.if_b, "netns", self.ns_b)
        except RuntimeError:
            sh("ip", "link", "del", self.if_a, check_rc=False)
            raise
        for ns, ifname in ((self.ns_a, self.if_a), (self.ns_b, self.if_b)):
            for key in ("all", "default", ifname):
                sh("ip", "netns", "exec", ns, "sysctl", "-qw",
                   "net.ipv6.conf.%s.disable_ipv6=1" % key, check_rc=False)
            sh("ip", "netns", "exec", ns, "ip", "link", "set", ifname, "mtu", "9000", "up")

    def remove(self):
        # Deleting a namespace deletes the veth end in it, and so the pair.
        for ns in self.made:
            sh("ip", "netns", "del", ns, check_rc=False)
        self.made = []

    def replay(self, path):
        return sh("ip", "netns", "exec", self.ns_a, "tcpreplay", "-q", "-i", self.if_a,
                  "--topspeed", path)


class Sensor:
    """mamori -i in ns_b; stderr collected by a thread."""

    def __init__(self, mamori, net, logdir, args, env=None):
        cmd = ["ip", "netns", "exec", net.ns_b, mamori, "-i", net.if_b, "-v", "-l", logdir] + args
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.err = []
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stderr:
            self.err.append(line)
            if "capturing on" in line:
                self.ready.set()

    def wait_ready(self, timeout=60):
        end = time.time() + timeout
        while time.time() < end and self.proc.poll() is None:
            if self.ready.wait(0.1):
                # The workers start right after the message; give them a
                # moment to enter their loop.
                time.sleep(0.3)
                return True
        return False

    def status(self):
        """Fields of /proc/PID/status (ip netns exec execs mamori itself)."""
        fields = {}
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    k, _, v = line.partition(":")
                    fields[k] = v.split()
        except OSError:
            pass
        return fields

    def stop(self, sig=signal.SIGTERM, timeout=120):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            self.err.append("(killed after %d s)\n" % timeout)
        self.thread.join(5)
        return rc, "".join(self.err)


def flows_by_key(records):
    """flow key -> [pkts to server, to client, bytes to server, to client],
    added over the key's records (the pair in key order)."""
    out = collections.defaultdict(lambda: [0, 0, 0, 0])
    for r in records:
        if r.get("event_type") != "flow":
            continue
        key = eve.flow_key(r["proto"], r["src_ip"], r.get("src_port", 0), r["dest_ip"],
                           r.get("dest_port", 0))
        f = r["flow"]
        out[key][0] += f["pkts_toserver"] + f["pkts_toclient"]
        out[key][1] += f["bytes_toserver"] + f["bytes_toclient"]
    return {k: tuple(v[:2]) for k, v in out.items()}


def diff_flows(want, got):
    lines = []
    for k in sorted(set(want) | set(got)):
        if want.get(k) != got.get(k):
            lines.append("%s: -r %s, live %s" % (eve.format_key(k), want.get(k), got.get(k)))
    return "\n".join(lines[:8]) + ("\n... %d in all" % len(lines) if len(lines) > 8 else "")


def read_all_eve(logdir):
    """Records of eve.json and its rotated predecessor, oldest first."""
    records, problems = [], []
    for name in ("eve.json.1", "eve.json"):
        path = os.path.join(logdir, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                r, p = eve.parse_eve(f.read())
            records += r
            problems += ["%s: %s" % (name, x) for x in p]
    return records, problems


def asan_env(dropping):
    """LeakSanitizer stops the process with ptrace at exit, which a process
    that switched user may not do: leak checking is left to the runs that
    stay root."""
    env = dict(os.environ)
    if dropping and "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    return env


def live_run(mamori, net, capture, baseline, workers, tmp):
    tag = "%d worker%s" % (workers, "s" if workers > 1 else "")
    logdir = os.path.join(tmp, "live-%d" % workers)
    os.mkdir(logdir)
    uid = pwd.getpwnam(RUN_AS).pw_uid
    os.chown(logdir, uid, -1)
    s = Sensor(mamori, net, logdir, ["--workers", str(workers), "--user", RUN_AS],
               env=asan_env(True))
    try:
        if not check(s.wait_ready(), "%s: the sensor starts" % tag, "".join(s.err)):
            return
        st = s.status()
        caps = {k: st.get(k, ["?"])[0] for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
        check(st.get("Uid") == [str(uid)] * 4 and st.get("Gid", ["0"])[0] != "0"
              and all(int(v, 16) == 0 for v in caps.values() if v != "?")
              and "?" not in caps.values() and st.get("NoNewPrivs") == ["1"],
              "%s: running as %s with no capability (/proc/PID/status)" % (tag, RUN_AS),
              "Uid %s Gid %s %s NoNewPrivs %s" % (st.get("Uid"), st.get("Gid"), caps,
                                                   st.get("NoNewPrivs")))
        threads = len(os.listdir("/proc/%d/task" % s.proc.pid))
        check(threads == workers + 2,
              "%s: one thread per worker plus the main and output threads" % tag,
              "%d threads" % threads)

        # First half of the run: replay, rotate, SIGHUP; then replay again.
        r = net.replay(capture)
        check(r.returncode == 0, "%s: tcpreplay sends the capture" % tag, r.stderr)
        time.sleep(1.5)  # > block timeout + a worker tick: records flushed
        os.rename(os.path.join(logdir, "eve.json"), os.path.join(logdir, "eve.json.1"))
        s.proc.send_signal(signal.SIGHUP)
        end = time.time() + 10
        while time.time() < end and not os.path.exists(os.path.join(logdir, "eve.json")):
            time.sleep(0.05)
        check(os.path.exists(os.path.join(logdir, "eve.json")) and s.proc.poll() is None,
              "%s: SIGHUP reopens eve.json, capture goes on" % tag, "".join(s.err))
        r = net.replay(capture)
        time.sleep(1.0)
    finally:
        rc, err = s.stop()
    report = eve.sanitizer_report(err)
    check(not report, "%s: no sanitizer report" % tag, report)
    check(rc == 0, "%s: SIGTERM: exit 0" % tag, "exit %r: %s" % (rc, err[-2000:]))

    records, problems = read_all_eve(logdir)
    check(not problems, "%s: eve.json and eve.json.1 are JSON lines" % tag, problems[:3])
    got = flows_by_key(records)
    # The capture was sent twice: every flow twice over.
    want = {k: (2 * v[0], 2 * v[1]) for k, v in baseline.items()}
    check(got == want, "%s: the flows equal those of mamori -r (sent twice)" % tag,
          diff_flows(want, got))

    by_key = collections.defaultdict(set)
    for rec in records:
        if rec.get("event_type") == "flow":
            key = eve.flow_key(rec["proto"], rec["src_ip"], rec.get("src_port", 0),
                               rec["dest_ip"], rec.get("dest_port", 0))
            by_key[key].add(rec["flow_id"] >> 48)
    split = [eve.format_key(k) for k, w in by_key.items() if len(w) > 1]
    check(not split, "%s: no flow split across workers" % tag, split[:5])
    if workers > 1:
        used = set().union(*by_key.values()) if by_key else set()
        check(len(used) == workers, "%s: every worker got flows" % tag, sorted(used))

    stats = [r for r in records if r.get("event_type") == "stats"]
    if check(len(stats) >= 1, "%s: a stats record at exit" % tag):
        s_ = stats[-1]["stats"]
        cap = s_["capture"]
        flow_pkts = sum(v[0] for v in got.values())
        check(cap.get("kernel_drops") == 0 and cap.get("received") == cap["packets"],
              "%s: stats: every packet received was processed, no kernel drop" % tag, cap)
        check(cap["packets"] - cap["not_flow"] - cap["invalid"] == flow_pkts,
              "%s: every flow written at exit (flows hold every flow packet)" % tag,
              "%s, flows hold %d" % (cap, flow_pkts))
        per = s_.get("workers", [])
        check(len(per) == workers and sum(p["packets"] for p in per) == cap["packets"],
              "%s: stats: per-worker breakdown adds up" % tag, per)


def refusals(mamori, net, tmp):
    logdir = os.path.join(tmp, "refused")
    os.mkdir(logdir)
    rc, _, err = eve.run_mamori("ip", ["netns", "exec", net.ns_b, mamori, "-i", net.if_b,
                                       "--user", "", "-l", logdir])
    check(rc == 1 and "root" in err, "as root with no user to switch to: refused, exit 1",
          "exit %r: %s" % (rc, err))
    rc, _, err = eve.run_mamori("ip", ["netns", "exec", net.ns_b, mamori, "-i", net.if_b,
                                       "--user", "no-such-user-mamori", "-l", logdir])
    check(rc == 1 and "no-such-user-mamori" in err, "a user that does not exist: exit 1",
          "exit %r: %s" % (rc, err))
    rc, _, err = eve.run_mamori("ip", ["netns", "exec", net.ns_b, mamori, "-i", "mmt-none0",
                                       "--user", RUN_AS, "-l", logdir])
    check(rc == 1 and "mmt-none0" in err, "an interface that does not exist: exit 1",
          "exit %r: %s" % (rc, err))


def stats_interval(mamori, net, capture, tmp):
    """Staying root (--allow-root) keeps the leak checker usable here."""
    logdir = os.path.join(tmp, "interval")
    os.mkdir(logdir)
    conf = os.path.join(tmp, "interval.yaml")
    with open(conf, "w") as f:
        f.write("stats:\n  interval: 1\ncapture:\n  bpf: udp or tcp\n")
    s = Sensor(mamori, net, logdir, ["-c", conf, "--allow-root", "--workers", "2"],
               env=asan_env(False))
    try:
        if check(s.wait_ready(), "stats interval: the sensor starts", "".join(s.err)):
            net.replay(capture)
            time.sleep(3.5)
    finally:
        rc, err = s.stop(signal.SIGINT)
    report = eve.sanitizer_report(err)
    check(not report, "stats interval: no sanitizer report", report)
    check(rc == 0, "stats interval: SIGINT: exit 0", "exit %r: %s" % (rc, err[-2000:]))
    records, _ = eve.read_eve(logdir)
    stats = [r for r in records if r.get("event_type") == "stats"]
    check(len(stats) >= 3, "stats interval 1 s: periodic stats records", "%d records" % len(stats))
    flows = [r for r in records if r.get("event_type") == "flow"]
    check(flows and all(r["proto"] in ("TCP", "UDP") for r in flows),
          "capture.bpf: only what the filter accepts", collections.Counter(r["proto"] for r in flows))


def alert_counts(logdir):
    records, _ = eve.read_eve(logdir)
    return collections.Counter(r["alert"]["signature_id"] for r in records
                               if r.get("event_type") == "alert")


def wait_stderr(s, text, timeout=10):
    end = time.time() + timeout
    while time.time() < end and s.proc.poll() is None:
        if text in "".join(s.err):
            return True
        time.sleep(0.05)
    return False


def rules_reload(mamori, net, capture, tmp):
    """Rules of the test's own, one alert per TCP flow, swapped by SIGHUP.
    Staying root (--allow-root) keeps the leak checker usable here."""
    logdir = os.path.join(tmp, "reload")
    rules = os.path.join(tmp, "reload-rules")
    os.mkdir(logdir)
    os.makedirs(os.path.join(rules, "lists"))
    local = os.path.join(rules, "local.rules")

    def write(text):
        with open(local + ".new", "w") as f:
            f.write(text)
        os.rename(local + ".new", local)

    write('rule 1 "a TCP flow"\n  when proto == TCP\n')
    # Flows end 10 s after their FIN (linger): wait past that between steps.
    settle = 12
    s = Sensor(mamori, net, logdir, ["--rules", rules, "--allow-root", "--workers", "2"],
               env=asan_env(False))
    try:
        if not check(s.wait_ready(), "reload: the sensor starts", "".join(s.err)):
            return
        net.replay(capture)
        time.sleep(settle)
        first = alert_counts(logdir)
        check(first[1] > 0, "reload: rule 1 raises alerts", first)

        write('rule 1 "a TCP flow"\n  when proto == TCP\nrule 2 "typo"\n  when prto == TCP\n')
        s.proc.send_signal(signal.SIGHUP)
        check(wait_stderr(s, "local.rules:4:8:") and wait_stderr(s, "still running"),
              "reload: a mistake is reported with file:line:col", "".join(s.err)[-1000:])
        net.replay(capture)
        time.sleep(settle)
        second = alert_counts(logdir)
        check(s.proc.poll() is None and second[1] > first[1] and not second[2],
              "reload: after a failed reload the old rules still raise alerts",
              "%s then %s" % (first, second))

        write('rule 2 "a TCP flow, reloaded"\n  when proto == TCP\n')
        s.proc.send_signal(signal.SIGHUP)
        check(wait_stderr(s, "reloaded the rules"), "reload: a good set is loaded",
              "".join(s.err)[-1000:])
        net.replay(capture)
        time.sleep(2)
    finally:
        rc, err = s.stop(signal.SIGINT)
    report = eve.sanitizer_report(err)
    check(not report, "reload: no sanitizer report", report)
    check(rc == 0, "reload: SIGINT: exit 0", "exit %r: %s" % (rc, err[-2000:]))
    final = alert_counts(logdir)
    check(final[2] > 0 and final[1] == second[1],
          "reload: after a good reload only the new rules raise alerts",
          "%s then %s" % (second, final))


def rules_reload_config(mamori, net, capture, tmp):
    """SIGHUP re-reads rules.dir and rules.vars of the -c file: a mistake in
    rules.vars is reported at its place in the file and changes nothing; a
    new rules.dir whose rule needs a variable that only the new file
    defines replaces the rules."""
    logdir = os.path.join(tmp, "reload-conf")
    os.mkdir(logdir)
    dirs = {}
    for name, text in (("a", 'rule 1 "a TCP flow"\n  when proto == TCP\n'),
                       ("b", 'rule 3 "a TCP flow from $NETS"\n'
                             '  when proto == TCP and src_ip in $NETS\n')):
        dirs[name] = os.path.join(tmp, "reload-conf-" + name)
        os.makedirs(os.path.join(dirs[name], "lists"))
        with open(os.path.join(dirs[name], "local.rules"), "w") as f:
            f.write(text)
    conf = os.path.join(tmp, "reload.yaml")

    def write(text):
        with open(conf + ".new", "w") as f:
            f.write(text)
        os.rename(conf + ".new", conf)

    write("rules:\n  dir: %s\n" % dirs["a"])
    s = Sensor(mamori, net, logdir, ["-c", conf, "--allow-root", "--workers", "2"],
               env=asan_env(False))
    try:
        if not check(s.wait_ready(), "reload conf: the sensor starts", "".join(s.err)):
            return
        write("rules:\n  dir: %s\n  vars:\n    NETS: \"[0.0.0.0/0, 300.1.1.1]\"\n" % dirs["b"])
        s.proc.send_signal(signal.SIGHUP)
        check(wait_stderr(s, conf + ":4:24:") and wait_stderr(s, "still running"),
              "reload conf: a mistake in rules.vars is reported with file:line:col",
              "".join(s.err)[-1000:])
        write("rules:\n  dir: %s\n  vars:\n    NETS: \"[0.0.0.0/0, ::/0]\"\n" % dirs["b"])
        s.proc.send_signal(signal.SIGHUP)
        check(wait_stderr(s, "reloaded the rules in %s" % dirs["b"]),
              "reload conf: the new rules.dir and rules.vars are loaded", "".join(s.err)[-1000:])
        net.replay(capture)
        time.sleep(12)  # flows end 10 s after their FIN
    finally:
        rc, err = s.stop(signal.SIGINT)
    report = eve.sanitizer_report(err)
    check(not report, "reload conf: no sanitizer report", report)
    check(rc == 0, "reload conf: SIGINT: exit 0", "exit %r: %s" % (rc, err[-2000:]))
    final = alert_counts(logdir)
    check(final[3] > 0 and final[1] == 0, "reload conf: only the new rules raise alerts", final)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    mamori, root = os.path.abspath(sys.argv[1]), sys.argv[2]
    if os.geteuid() != 0:
        eve.skip("needs root (network namespaces, capture)")
    for tool in ("ip", "tcpreplay"):
        if not shutil.which(tool):
            eve.skip("%s is not installed" % tool)
    try:
        pwd.getpwnam(RUN_AS)
    except KeyError:
        eve.skip("no user %s" % RUN_AS)
    capture = os.path.join(root, CAPTURE)

    tmp = tempfile.mkdtemp(prefix="mamori-live-")
    os.chmod(tmp, 0o755)  # the sensor, once unprivileged, writes below it
    net = Netns()
    try:
        try:
            net.create()
        except (RuntimeError, OSError) as e:
            eve.skip("cannot create network namespaces here: %s" % e)

        base_dir = os.path.join(tmp, "file")
        os.mkdir(base_dir)
        rc, _, err = eve.run_mamori(mamori, ["-r", capture, "-l", base_dir])
        if not check(rc == 0, "mamori -r on the capture", err):
            return 1
        baseline = flows_by_key(eve.read_eve(base_dir)[0])

        refusals(mamori, net, tmp)
        for workers in (1, 2):
            live_run(mamori, net, capture, baseline, workers, tmp)
        stats_interval(mamori, net, capture, tmp)
        rules_reload(mamori, net, capture, tmp)
        rules_reload_config(mamori, net, capture, tmp)
    finally:
        net.remove()
        shutil.rmtree(tmp, ignore_errors=True)
    left = sh("ip", "netns", "list", check_rc=False).stdout
    check(net.ns_a not in left and net.ns_b not in left, "the namespaces are removed", left)
    print("\n%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
