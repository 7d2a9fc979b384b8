#!/usr/bin/env python3
"""/metrics, /healthz and one EVE file per record type, in live capture.

usage: live_outputs.py MAMORI SOURCE_ROOT

A live sensor (network namespaces and a veth pair of the test's own, as in
live_capture.py) with rules, a redis-server of the test's own and
outputs.eve.per_type:
  - /metrics is valid Prometheus text (version 0.0.4): checked line by line
    here (HELP and TYPE once per family, before its samples, samples of a
    family together, names, labels and values well formed, no series twice,
    counters end in _total) and parsed by prometheus_client's own parser
    where it is installed; counters never go down between scrapes, and
    packets, records, alerts, Redis acknowledgements and the correlator's
    alerts rise with the traffic;
  - /healthz: 200 "ok" while Redis takes records; with Redis gone, 503 and
    a reason naming Redis and the records spooled, while mamori_redis_up is
    0 and the spool grows; 200 again once Redis is back and the spool is
    replayed;
  - the stats records carry the Redis figures (outputs.redis), the outage
    too;
  - syslog to a local socket of the test's own: on /metrics, and every
    record sent is received, none dropped;
  - alert.json, flow.json, protocol.json and stats.json each hold only
    their type of record; renamed away and SIGHUP, each is opened again,
    and the records before and after add up to every flow.

Needs root, ip(8), tcpreplay and redis-server; otherwise skipped (77)."""

import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean
import eve  # noqa: E402
import live_capture  # noqa: E402
from live_capture import Netns, Sensor, sh  # noqa: E402
from redisserver import Redis  # noqa: E402

CAPTURE = os.path.join("pcaps", "demo.pcap")
RUN_AS = "nobody"
PORT = 9750  # the sensor's own namespace: nothing else listens there
PROBLEMS = []


def check(cond, what, detail=""):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        PROBLEMS.append(what)
        if detail:
            print("     " + str(detail).strip().replace("\n", "\n     "))
    return cond


FETCH = r"""
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2]), timeout=10)
    code, ctype, body = r.status, r.headers.get("Content-Type", ""), r.read()
except urllib.error.HTTPError as e:
    code, ctype, body = e.code, e.headers.get("Content-Type", ""), e.read()
sys.stdout.write("%d\n%s\n" % (code, ctype))
sys.stdout.flush()
sys.stdout.buffer.write(body)
"""


def get(net, path):
    """GET path from the sensor's endpoint, inside its namespace: (status,
    content type, body)."""
    p = subprocess.run(["ip", "netns", "exec", net.ns_b, sys.executable, "-c", FETCH, str(PORT),
                        path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if p.returncode != 0:
        return None, "", p.stderr.decode(errors="replace")
    code, ctype, body = p.stdout.split(b"\n", 2)
    return int(code), ctype.decode(), body.decode("utf-8", "replace")


# -- Prometheus text format 0.0.4, strictly ------------------------------------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE_RE = re.compile(r"^(%s)(\{(?:%s)(?:,(?:%s))*,?\})? (\S+)( -?\d+)?$" % (NAME, LABEL, LABEL))
HELP_RE = re.compile(r"^# HELP (%s) (.*)$" % NAME)
TYPE_RE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME)


def parse_metrics(text):
    """Returns ({(name, labels): value}, {name: type}, [problems])."""
    problems, series, types, helps = [], {}, {}, set()
    done = set()  # families whose samples are over
    current = None
    if not text.endswith("\n"):
        problems.append("the page does not end with a newline")
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("#"):
            m = HELP_RE.match(line)
            if m:
                if m.group(1) in helps:
                    problems.append("%d: HELP %s twice" % (n, m.group(1)))
                helps.add(m.group(1))
                continue
            m = TYPE_RE.match(line)
            if m:
                name = m.group(1)
                if name in types:
                    problems.append("%d: TYPE %s twice" % (n, name))
                if name in done or (name, "") in series:
                    problems.append("%d: TYPE %s after its samples" % (n, name))
                types[name] = m.group(2)
                continue
            if line.startswith("# HELP") or line.startswith("# TYPE"):
                problems.append("%d: malformed: %r" % (n, line))
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            problems.append("%d: not a sample: %r" % (n, line))
            continue
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        try:
            v = float(value)
        except ValueError:
            problems.append("%d: value %r" % (n, value))
            continue
        if name not in types:
            problems.append("%d: %s has no TYPE before it" % (n, name))
        if name not in helps:
            problems.append("%d: %s has no HELP before it" % (n, name))
        if name != current:
            if name in done:
                problems.append("%d: samples of %s not together" % (n, name))
            if current:
                done.add(current)
            current = name
        if (name, labels) in series:
            problems.append("%d: %s%s twice" % (n, name, labels))
        series[(name, labels)] = v
        if types.get(name) == "counter" and (not name.endswith("_total") or v < 0):
            problems.append("%d: counter %s (name or value)" % (n, name))
    return series, types, problems


def prometheus_parser():
    """prometheus_client's parser (Debian's python3-prometheus-client, also
    when this interpreter is not Debian's), or None."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        if "/usr/lib/python3/dist-packages" in sys.path:
            return None
        sys.path.append("/usr/lib/python3/dist-packages")
        return prometheus_parser()
    return text_string_to_metric_families


def check_page(tag, code, ctype, body):
    check(code == 200 and ctype.startswith("text/plain") and "version=0.0.4" in ctype,
          "%s: /metrics answers 200, text/plain; version=0.0.4" % tag, "%s %s" % (code, ctype))
    series, types, problems = parse_metrics(body)
    check(not problems and len(series) > 20,
          "%s: /metrics is valid Prometheus text (%d series, %d families)" %
          (tag, len(series), len(types)), "\n".join(problems[:10]))
    parser = prometheus_parser()
    if not parser:
        print("skip %s: prometheus_client is not installed" % tag)
    else:
        text_string_to_metric_families = parser
        try:
            fams = list(text_string_to_metric_families(body))
            check(len(fams) == len(types), "%s: prometheus_client parses every family (%d)" %
                  (tag, len(fams)))
        except Exception as e:  # its parser raises ValueError and others
            check(False, "%s: prometheus_client parses the page" % tag, repr(e))
    return series, types


def total(series, name, labels=None):
    return sum(v for (n, lab), v in series.items()
               if n == name and (labels is None or labels in lab))


def wait_for(pred, timeout=20, step=0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = pred()
        if r:
            return r
        time.sleep(step)
    return pred()


def read_types(logdir, names):
    """Records of TYPE.json and TYPE.json.1, by file."""
    out = {}
    for name in names:
        for path in (os.path.join(logdir, name + ".json.1"), os.path.join(logdir, name + ".json")):
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    out[os.path.basename(path)] = [json.loads(line) for line in f]
    return out


def run(mamori, root, net, tmp):
    capture = os.path.join(root, CAPTURE)
    rdir = os.path.join(tmp, "redis")
    os.mkdir(rdir)
    os.chmod(rdir, 0o755)
    redis = Redis(rdir, "--unixsocketperm", "777")
    redis.start()
    # A local syslog socket of the test's own, which the unprivileged
    # sensor may write to.
    slog = os.path.join(tmp, "log.sock")
    syslog_rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    syslog_rx.bind(slog)
    os.chmod(slog, 0o777)
    syslog_rx.settimeout(0.2)
    received = []
    reading = threading.Event()

    def syslog_reader():  # a daemon reads all the time (its queue holds ~10)
        while not reading.is_set():
            try:
                received.append(syslog_rx.recv(1 << 16))
            except socket.timeout:
                pass
    reader = threading.Thread(target=syslog_reader)
    reader.start()
    logdir = os.path.join(tmp, "log")
    os.mkdir(logdir)
    os.chown(logdir, pwd.getpwnam(RUN_AS).pw_uid, -1)
    conf = os.path.join(tmp, "mamori.yaml")
    with open(conf, "w") as f:
        f.write("outputs:\n"
                "  eve:\n"
                "    per_type: true\n"
                "  sensor_id: live\n"
                "  redis:\n"
                "    enabled: true\n"
                "    socket: %s\n"
                "    timeout_ms: 1000\n"
                "    reconnect_max_ms: 200\n"
                "    types: {alert: true, flow: true, stats: true}\n"
                "  syslog:\n"
                "    enabled: true\n"
                "    socket: %s\n"
                "metrics:\n"
                "  port: %d\n"
                "stats:\n"
                "  interval: 1\n" % (redis.sock, slog, PORT))
    sh("ip", "netns", "exec", net.ns_b, "ip", "link", "set", "lo", "up")
    s = Sensor(mamori, net, logdir, ["-c", conf, "--rules", os.path.join(root, "rules"),
                                     "--user", RUN_AS], env=live_capture.asan_env(True))
    try:
        if not check(s.wait_ready(), "the sensor starts", "".join(s.err)):
            return
        # Before any traffic.
        code, ctype, body = get(net, "/metrics")
        before, types = check_page("idle", code, ctype, body)
        code, _, body = get(net, "/healthz")
        check(code == 200 and body.strip() == "ok", "/healthz: 200 ok with Redis up",
              "%s %r" % (code, body))

        # Traffic: counters rise.
        r = net.replay(capture)
        check(r.returncode == 0, "tcpreplay sends the capture", r.stderr)

        def risen():
            c, t, b = get(net, "/metrics")
            ser = parse_metrics(b)[0] if c == 200 else {}
            return ser if total(ser, "mamori_redis_acked_total") > 0 and \
                total(ser, "mamori_correlator_alerts_total") > 0 and \
                total(ser, "mamori_records_total", 'type="flow"') > 0 else None
        wait_for(risen, timeout=30)
        code, ctype, body = get(net, "/metrics")
        after, _ = check_page("after traffic", code, ctype, body)
        went_down = ["%s%s %s -> %s" % (n, lab, v, after.get((n, lab)))
                     for (n, lab), v in before.items()
                     if types.get(n) == "counter" and after.get((n, lab), -1) < v]
        check(not went_down, "no counter goes down between scrapes", "\n".join(went_down[:5]))
        for name, labels in (("mamori_packets_total", None),
                             ("mamori_capture_received_total", None),
                             ("mamori_records_total", 'type="flow"'),
                             ("mamori_records_total", 'type="alert"'),
                             ("mamori_alerts_total", None),
                             ("mamori_redis_acked_total", None),
                             ("mamori_detect_events_total", None),
                             ("mamori_detect_matches_total", None),
                             ("mamori_correlator_alerts_total", None)):
            check(total(after, name, labels) > total(before, name, labels),
                  "%s%s rises with the traffic (%d -> %d)" %
                  (name, "{%s}" % labels if labels else "", total(before, name, labels),
                   total(after, name, labels)))
        check(total(after, "mamori_packets_total", 'worker="0"') ==
              total(after, "mamori_packets_total"), "per-worker samples (one worker)")
        check(after.get(("mamori_redis_up", "")) == 1, "mamori_redis_up is 1")
        check(after.get(("mamori_syslog_up", "")) == 1 and
              total(after, "mamori_syslog_sent_total") > 0 and
              total(after, "mamori_syslog_dropped_total") == 0,
              "syslog: up, alerts sent (%d), none dropped" %
              total(after, "mamori_syslog_sent_total"))

        # Rotation of every per-type file.
        names = ("alert", "flow", "protocol", "stats")
        present = [n for n in names if os.path.exists(os.path.join(logdir, n + ".json"))]
        check(present == list(names), "per_type: %s.json are written" % ", ".join(names),
              sorted(os.listdir(logdir)))
        for n in present:
            os.rename(os.path.join(logdir, n + ".json"), os.path.join(logdir, n + ".json.1"))
        s.proc.send_signal(signal.SIGHUP)
        reopened = wait_for(lambda: all(os.path.exists(os.path.join(logdir, n + ".json"))
                                        for n in present), timeout=10)
        check(reopened and s.proc.poll() is None, "SIGHUP reopens every per-type file",
              sorted(os.listdir(logdir)))

        # Redis goes away: unhealthy, with the reason; records spool.
        def stats_written():
            return total(parse_metrics(get(net, "/metrics")[2])[0], "mamori_records_total",
                         'type="stats"')
        stats_before = stats_written()
        redis.stop()
        r = net.replay(capture)

        def unhealthy():
            c, _, b = get(net, "/healthz")
            return (c, b) if c == 503 else None
        got = wait_for(unhealthy, timeout=20)
        check(got is not None and "redis" in got[1] and "spooled" in got[1],
              "/healthz: 503 with the reason once Redis is gone", repr(got))
        # A stats record a second (stats.interval) goes to the spool now.
        wait_for(lambda: parse_metrics(get(net, "/metrics")[2])[0].get(
            ("mamori_redis_spool_records", ""), 0) > 0, timeout=10)
        code, ctype, body = get(net, "/metrics")
        down, _ = check_page("Redis down", code, ctype, body)
        check(down.get(("mamori_redis_up", "")) == 0 and
              down.get(("mamori_redis_spool_records", ""), 0) > 0,
              "mamori_redis_up 0 and records in the spool (%s)" %
              down.get(("mamori_redis_spool_records", "")))

        # Two stats records (one a second) written while Redis is away, so
        # that at least one of them shows the outage.
        check(wait_for(lambda: stats_written() >= stats_before + 2, timeout=10),
              "stats records are written during the outage")

        # Back: healthy again, spool replayed.
        redis.start()

        def healthy_again():
            c, _, b = get(net, "/healthz")
            if c != 200:
                return None
            ser = parse_metrics(get(net, "/metrics")[2])[0]
            return ser if ser.get(("mamori_redis_spool_records", "")) == 0 else None
        back = wait_for(healthy_again, timeout=30)
        check(back is not None, "/healthz: 200 again once Redis is back, the spool replayed")
    finally:
        rc, err = s.stop()
        redis.stop()
        time.sleep(0.5)
        reading.set()
        reader.join()
        syslog_rx.close()
        got = len(received)
    m = re.search(r"syslog: (\d+) records sent to .*?, (\d+) dropped", err)
    check(m is not None and int(m.group(1)) == got and got > 0 and m.group(2) == "0",
          "syslog: every record sent was received (%d), none dropped" % got,
          "".join(line for line in err.splitlines(True) if "syslog" in line))
    check(not eve.sanitizer_report(err), "no sanitizer report", eve.sanitizer_report(err))
    check(rc == 0, "SIGTERM: exit 0", err[-2000:])

    files = read_types(logdir, ("alert", "flow", "protocol", "stats", "asset"))
    wrong = ["%s: %s" % (f, r["event_type"]) for f, recs in files.items() for r in recs
             if (r["event_type"] if r["event_type"] in ("alert", "flow", "stats", "asset")
                 else "protocol") != f.split(".")[0]]
    check(not wrong, "every per-type file holds only its type", "\n".join(wrong[:5]))
    flows = files.get("flow.json.1", []) + files.get("flow.json", [])
    check(len(files.get("flow.json.1", [])) > 0 and len(files.get("flow.json", [])) > 0,
          "flows before and after the rotation (%d + %d)" %
          (len(files.get("flow.json.1", [])), len(files.get("flow.json", []))))
    ids = [int(r["record_id"].rsplit(":", 1)[1]) for recs in files.values() for r in recs]
    check(len(ids) == len(set(ids)), "record ids unique over every file (%d)" % len(ids))
    stats = files.get("stats.json.1", []) + files.get("stats.json", [])
    rs = [r.get("outputs", {}).get("redis", {}) for r in stats]
    check(rs and rs[-1].get("acked", 0) > 0 and any(x.get("state") != "up" for x in rs),
          "the stats records carry the Redis figures, the outage too (%s)" %
          sorted({x.get("state") for x in rs}))
    stats = files.get("stats.json", [])
    ended = stats[-1]["stats"]["flow"]["ended"] if stats else -1
    check(len(flows) == ended, "the flow records add up to the flows ended (%d of %d)" %
          (len(flows), ended))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    mamori, root = os.path.abspath(sys.argv[1]), sys.argv[2]
    if os.geteuid() != 0:
        eve.skip("needs root (network namespaces, capture)")
    for tool in ("ip", "tcpreplay", "redis-server"):
        if not shutil.which(tool):
            eve.skip("%s is not installed" % tool)
    tmp = tempfile.mkdtemp(prefix="mamori-liveout-")
    os.chmod(tmp, 0o755)
    net = Netns()
    try:
        try:
            net.create()
        except (RuntimeError, OSError) as e:
            eve.skip("cannot create network namespaces here: %s" % e)
        run(mamori, root, net, tmp)
    finally:
        net.remove()
        shutil.rmtree(tmp, ignore_errors=True)
    left = sh("ip", "netns", "list", check_rc=False).stdout
    check(net.ns_a not in left and net.ns_b not in left, "the namespaces are removed", left)
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
