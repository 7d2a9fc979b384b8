#!/usr/bin/env python3
"""Records to syslog (RFC 5424), received by a real rsyslogd and by strict
listeners of the test's own.

usage: syslog_output.py MAMORI SOURCE_ROOT

  - rsyslogd (a private configuration, listening on a unix socket in the
    test's directory and on free loopback ports) receives every record of
    the configured types, over unix datagrams, UDP and TCP: it parses each
    as RFC 5424 (protocol-version 1), with the configured facility and
    app-name, mamori's pid as PROCID, the record type as MSGID, the alert's
    severity in PRI, and the EVE record, byte for byte, as MSG;
  - the raw bytes on the wire, over UDP and over TCP, follow RFC 5424's
    ABNF strictly and TCP's frames follow RFC 6587 octet counting exactly;
  - a TCP collector that accepts and never reads does not hold the sensor
    up: the replay ends, every record is in the EVE file, and sent plus
    dropped (counted, in the exit summary and the stats record) is every
    record;
  - a TCP collector that resets the connection mid-stream and listens
    again gets a new connection that starts on a whole frame, and what
    arrives over both is the EVE records in order, none twice;
  - a bad app_name or an unknown host is refused at start.

Without rsyslogd the rsyslog part is skipped, the rest runs."""

import json
import os
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

CAPTURE = os.path.join("pcaps", "demo.pcap")
FACILITY, FACILITY_NUM = "local3", 19
PROBLEMS = []


def check(cond, what, detail=""):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        PROBLEMS.append(what)
        if detail:
            print("     " + str(detail).strip().replace("\n", "\n     "))
    return cond


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def config(d, transport, types, extra=""):
    path = os.path.join(d, "mamori.yaml")
    with open(path, "w") as f:
        f.write("outputs:\n"
                "  sensor_id: test\n"
                "  syslog:\n"
                "    enabled: true\n"
                "    facility: %s\n"
                "    app_name: mamori-test\n"
                "%s"
                "    types: {alert: %s, flow: %s, protocol: %s, asset: false, stats: %s}\n"
                % (FACILITY, transport + extra, *("true" if t in types else "false"
                                                  for t in ("alert", "flow", "protocol",
                                                            "stats"))))
    return path


def run(exe, root, d, conf, captures=None, rules=True, timeout=300, verbose=False):
    log = os.path.join(d, "log")
    os.makedirs(log, exist_ok=True)
    args = ["-c", conf, "-l", log] + (["-v"] if verbose else [])
    if rules:
        args += ["--rules", os.path.join(root, "rules")]
    for c in captures or [os.path.join(root, CAPTURE)]:
        args += ["-r", c]
    p = subprocess.Popen([exe] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return None, err, p.pid, []
    recs = []
    path = os.path.join(log, "eve.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            recs = [line.rstrip("\n") for line in f]
    return p.returncode, err, p.pid, recs


def rtype(line):
    t = json.loads(line)["event_type"]
    return t if t in ("alert", "flow", "stats", "asset") else "protocol"


def alert_severity(line):
    """PRI's severity mamori gives a record (docs/outputs.md)."""
    rec = json.loads(line)
    if rec["event_type"] != "alert":
        return 6
    return {1: 3, 2: 4, 3: 5, 4: 6}.get(rec["alert"]["severity"], 4)


# -- RFC 5424, strictly -------------------------------------------------------

# HEADER = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
PRINTUS = rb"[\x21-\x7e]"
HEADER_RE = re.compile(
    rb"^<(0|[1-9]\d{0,2})>(1) "
    rb"(-|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) "
    rb"(" + PRINTUS + rb"{1,255}) (" + PRINTUS + rb"{1,48}) (" + PRINTUS + rb"{1,128}) ("
    + PRINTUS + rb"{1,32}) (-|\[.*?\](?:\[.*?\])*)(?: (.*))?$", re.S)


def check_rfc5424(msg, pid):
    """Returns None when msg (bytes) is a valid RFC 5424 message as mamori
    writes it, else what is wrong."""
    m = HEADER_RE.match(msg)
    if not m:
        return "not RFC 5424: %r" % msg[:120]
    pri, _, ts, host, app, procid, msgid, sd, body = m.groups()
    if int(pri) > 191:
        return "PRI %s out of range" % pri
    if int(pri) // 8 != FACILITY_NUM:
        return "facility %d, not %d" % (int(pri) // 8, FACILITY_NUM)
    if not ts.endswith(b"Z") or ts == b"-":
        return "timestamp %r not in UTC" % ts
    y, mo, da = int(ts[0:4]), int(ts[5:7]), int(ts[8:10])
    hh, mi, ss = int(ts[11:13]), int(ts[14:16]), int(ts[17:19])
    if not (1 <= mo <= 12 and 1 <= da <= 31 and hh < 24 and mi < 60 and ss < 60 and y > 2000):
        return "timestamp %r invalid" % ts
    if app != b"mamori-test" or procid != str(pid).encode() or sd != b"-":
        return "header fields %r %r %r" % (app, procid, sd)
    if body is None or body.startswith(b"\xef\xbb\xbf"):
        return "no MSG, or a BOM"
    try:
        text = body.decode("utf-8")
        rec = json.loads(text)
    except ValueError as e:
        return "MSG is not UTF-8 JSON: %s" % e
    want = "protocol" if rec["event_type"] not in ("alert", "flow", "stats", "asset") \
        else rec["event_type"]
    if msgid.decode() != want:
        return "MSGID %r for a %s record" % (msgid, rec["event_type"])
    if int(pri) % 8 != alert_severity(text):
        return "severity %d for %r" % (int(pri) % 8, text[:80])
    return None


def parse_octet_frames(data):
    """RFC 6587 3.4.1: MSG-LEN SP SYSLOG-MSG, MSG-LEN = NONZERO-DIGIT *DIGIT.
    Returns (messages, error)."""
    msgs, i = [], 0
    while i < len(data):
        m = re.match(rb"([1-9]\d{0,8}) ", data[i:i + 12])
        if not m:
            return msgs, "bad frame at byte %d: %r" % (i, data[i:i + 20])
        n = int(m.group(1))
        start = i + len(m.group(0))
        if start + n > len(data):
            return msgs, "frame at byte %d cut short" % i
        msgs.append(data[start:start + n])
        i = start + n
    return msgs, None


# -- rsyslogd ----------------------------------------------------------------

class Rsyslog:
    def __init__(self, d):
        self.dir = os.path.join(d, "rsyslog")
        os.makedirs(self.dir)
        self.sock = os.path.join(self.dir, "log")
        self.out = os.path.join(self.dir, "out")
        self.pos = 0
        self.udp, self.tcp = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
        conf = os.path.join(self.dir, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write('global(workDirectory="%s" maxMessageSize="64k")\n'
                    'module(load="imuxsock" SysSock.Use="off")\n'
                    'module(load="imudp")\n'
                    'module(load="imtcp")\n'
                    'input(type="imuxsock" Socket="%s" UseSpecialParser="off" '
                    'ParseHostname="on" RateLimit.Interval="0")\n'
                    'input(type="imudp" address="127.0.0.1" port="%d" rcvbufSize="16m")\n'
                    'input(type="imtcp" address="127.0.0.1" port="%d")\n'
                    'template(name="fields" type="list") {\n'
                    '  property(name="inputname") constant(value="|")\n'
                    '  property(name="protocol-version") constant(value="|")\n'
                    '  property(name="syslogfacility") constant(value="|")\n'
                    '  property(name="syslogseverity") constant(value="|")\n'
                    '  property(name="app-name") constant(value="|")\n'
                    '  property(name="procid") constant(value="|")\n'
                    '  property(name="msgid") constant(value="|")\n'
                    '  property(name="structured-data") constant(value="|")\n'
                    '  property(name="msg") constant(value="\\n")\n'
                    '}\n'
                    '*.* action(type="omfile" file="%s" template="fields")\n'
                    % (self.dir, self.sock, self.udp, self.tcp, self.out))
        self.p = subprocess.Popen(["rsyslogd", "-n", "-f", conf, "-i",
                                   os.path.join(self.dir, "pid")],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(100):
            if os.path.exists(self.sock) and self.listening(self.tcp):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("rsyslogd did not start: %s" % self.p.communicate()[0])

    @staticmethod
    def listening(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    def lines(self, want, timeout=30):
        """The lines rsyslogd wrote since the last call, once there are want
        of them (or time is up). rsyslogd keeps the file open: read on from
        where the last call stopped."""
        def read():
            if not os.path.exists(self.out):
                return []
            with open(self.out, "rb") as f:
                f.seek(self.pos)
                return f.read().decode("utf-8", "replace").splitlines()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(read()) < want:
            time.sleep(0.2)
        # A moment more: nothing beyond want may arrive either.
        time.sleep(0.5)
        got = read()
        self.pos += sum(len(line.encode()) + 1 for line in got)
        return got

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def test_rsyslog(exe, root, d):
    if not shutil.which("rsyslogd"):
        print("skip rsyslog: rsyslogd is not installed")
        return
    rs = Rsyslog(d)
    try:
        cases = [
            ("unix", "    transport: unix\n    socket: %s\n" % rs.sock, {"alert", "protocol"},
             "imuxsock"),
            ("udp", "    transport: udp\n    port: %d\n" % rs.udp, {"flow", "stats"}, "imudp"),
            ("tcp", "    transport: tcp\n    port: %d\n" % rs.tcp,
             {"alert", "flow", "protocol", "stats"}, "imtcp"),
        ]
        for name, transport, types, inputname in cases:
            sub = os.path.join(d, name)
            os.makedirs(sub)
            rc, err, pid, recs = run(exe, root, sub, config(sub, transport, types))
            check(rc == 0, "%s: mamori exits 0" % name, err)
            want = [r for r in recs if rtype(r) in types]
            others = {rtype(r) for r in recs} - types
            check(len(want) > 10 and len(want) + len(others) <= len(recs),
                  "%s: %d of the %d EVE records are of the types %s" %
                  (name, len(want), len(recs), sorted(types)))
            got = rs.lines(len(want))
            check(len(got) == len(want), "%s: rsyslogd received every record (%d of %d)" %
                  (name, len(got), len(want)))
            bad = []
            msgs = []
            for line in got:
                f = line.split("|", 8)
                if len(f) != 9:
                    bad.append(line[:100])
                    continue
                inp, ver, fac, sev, app, procid, msgid, sd, msg = f
                msgs.append(msg)
                if (inp, ver, fac, app, procid, sd) != (inputname, "1", str(FACILITY_NUM),
                                                        "mamori-test", str(pid), "-"):
                    bad.append("fields %r" % f[:8])
                elif msgid != rtype(msg) or int(sev) != alert_severity(msg):
                    bad.append("msgid/severity %s %s for %s" % (msgid, sev, msg[:60]))
            check(not bad, "%s: rsyslogd parsed every message as RFC 5424 with the configured "
                  "facility, app-name, pid, type and severity" % name, "\n".join(bad[:5]))
            if name == "udp":
                # Datagrams may be reordered in principle; compare as sets.
                same = sorted(msgs) == sorted(want)
            else:
                same = msgs == want
            check(same, "%s: MSG is the EVE record, byte for byte%s" %
                  (name, "" if name == "udp" else ", in order"))
            if "alert" in types:
                sevs = {alert_severity(r) for r in want if rtype(r) == "alert"}
                check(len(sevs) >= 1 and 6 not in sevs,
                      "%s: alerts carry their severity in PRI (%s)" % (name, sorted(sevs)))
    finally:
        rs.stop()


# -- strict listeners of the test's own ---------------------------------------

def test_strict(exe, root, d):
    types = {"alert", "flow", "protocol", "stats"}
    # UDP
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Room for every datagram of the run even if this reader falls behind:
    # UDP drops silently (SO_RCVBUFFORCE, 33, passes net.core.rmem_max as root).
    try:
        u.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)
    except OSError:
        u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    u.bind(("127.0.0.1", 0))
    dgrams = []

    def udp_reader():
        u.settimeout(0.5)
        while True:
            try:
                b = u.recv(70000)
            except socket.timeout:
                if stop.is_set():
                    return
                continue
            dgrams.append(b)
    stop = threading.Event()
    t = threading.Thread(target=udp_reader)
    t.start()
    sub = os.path.join(d, "udp")
    os.makedirs(sub)
    rc, err, pid, recs = run(exe, root, sub, config(
        sub, "    transport: udp\n    port: %d\n" % u.getsockname()[1], types))
    time.sleep(0.5)
    stop.set()
    t.join()
    u.close()
    check(rc == 0, "udp strict: mamori exits 0", err)
    want = [r for r in recs if rtype(r) in types]
    problems = [e for e in (check_rfc5424(m, pid) for m in dgrams) if e]
    check(len(dgrams) == len(want) and not problems,
          "udp strict: %d datagrams for %d records, each one RFC 5424 message" %
          (len(dgrams), len(want)), "\n".join(problems[:5]))

    # TCP
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(4)
    data = bytearray()

    def tcp_reader():
        lst.settimeout(60)
        c, _ = lst.accept()
        c.settimeout(60)
        while True:
            b = c.recv(1 << 16)
            if not b:
                break
            data.extend(b)
        c.close()
    t = threading.Thread(target=tcp_reader)
    t.start()
    sub = os.path.join(d, "tcp")
    os.makedirs(sub)
    rc, err, pid, recs = run(exe, root, sub, config(
        sub, "    transport: tcp\n    port: %d\n" % lst.getsockname()[1], types))
    t.join(60)
    lst.close()
    check(rc == 0, "tcp strict: mamori exits 0", err)
    want = [r for r in recs if rtype(r) in types]
    msgs, ferr = parse_octet_frames(bytes(data))
    check(ferr is None, "tcp strict: the stream is RFC 6587 octet-counted frames, nothing else",
          ferr)
    problems = [e for e in (check_rfc5424(m, pid) for m in msgs) if e]
    check(len(msgs) == len(want) and not problems,
          "tcp strict: %d frames for %d records, each one RFC 5424 message" %
          (len(msgs), len(want)), "\n".join(problems[:5]))
    bodies = [m.split(b" - ", 1)[1].decode() for m in msgs]
    check(bodies == want, "tcp strict: MSG is the EVE record, in order")


def test_stuck_collector(exe, root, d):
    """A collector that accepts and never reads: the sensor goes on."""
    pcapgen = os.path.normpath(os.path.join(os.path.dirname(exe), "..", "tools", "pcapgen",
                                            "pcapgen"))
    cap = os.path.join(d, "many.pcap")
    subprocess.run([pcapgen, "-o", cap, "--seed", "3", "--flows", "20000", "--packets",
                    "60000"], check=True, stdout=subprocess.DEVNULL)
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    lst.bind(("127.0.0.1", 0))
    lst.listen(4)
    held = []

    def accept():
        lst.settimeout(60)
        try:
            held.append(lst.accept()[0])  # and never read
        except OSError:
            pass
    t = threading.Thread(target=accept)
    t.start()
    conf = config(d, "    transport: tcp\n    port: %d\n    queue_size: 64KiB\n" %
                  lst.getsockname()[1], {"flow", "stats"})
    base = os.path.join(d, "baseline")
    os.makedirs(base)
    plain_conf = os.path.join(base, "mamori.yaml")
    with open(plain_conf, "w") as f:
        f.write("outputs:\n  sensor_id: test\n")
    _, _, _, plain = run(exe, root, base, plain_conf, captures=[cap], rules=False, timeout=600)
    rc, err, pid, recs = run(exe, root, d, conf, captures=[cap], rules=False, timeout=600)
    t.join(5)
    for c in held:
        c.close()
    lst.close()
    check(rc == 0, "stuck collector: the replay ends, exit 0", err)
    flows = [r for r in recs if rtype(r) == "flow"]
    want = [r for r in plain if rtype(r) == "flow"]
    check(len(flows) == len(want) and len(flows) > 1000,
          "stuck collector: every flow is in the EVE file (%d of %d)" % (len(flows), len(want)))
    m = re.search(r"syslog: (\d+) records sent to .*?, (\d+) dropped \(full (\d+), down (\d+), "
                  r"too large (\d+), at exit (\d+)\)", err)
    if check(m is not None, "stuck collector: the exit summary counts what was dropped", err):
        sent, dropped, full, down, large, at_exit = map(int, m.groups())
        total = len([r for r in recs if rtype(r) in ("flow", "stats")])
        check(sent + dropped == total and dropped > 0 and full > 0,
              "stuck collector: sent %d + dropped %d (full %d, at exit %d) = %d records" %
              (sent, dropped, full, at_exit, total))
    stats = [json.loads(r) for r in recs if rtype(r) == "stats"]
    sy = stats[-1].get("outputs", {}).get("syslog", {}) if stats else {}
    check(sy.get("dropped_full", 0) > 0 and sy.get("sent", 0) > 0,
          "stuck collector: the stats record counts drops (outputs.syslog: %s)" % sy)


def test_reconnect(exe, root, d):
    """A collector that resets the connection mid-stream and listens again:
    mamori connects again, and the new connection starts on a whole frame."""
    pcapgen = os.path.normpath(os.path.join(os.path.dirname(exe), "..", "tools", "pcapgen",
                                            "pcapgen"))
    cap = os.path.join(d, "many.pcap")
    subprocess.run([pcapgen, "-o", cap, "--seed", "4", "--flows", "20000", "--packets",
                    "60000"], check=True, stdout=subprocess.DEVNULL)
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(4)
    conns = [bytearray(), bytearray()]

    def collector():
        lst.settimeout(60)
        c, _ = lst.accept()
        while len(conns[0]) < 100000:  # then a reset, in the middle of a frame
            b = c.recv(4096)
            if not b:
                break
            conns[0].extend(b)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        c.close()
        c, _ = lst.accept()
        c.settimeout(30)
        while True:
            b = c.recv(1 << 16)
            if not b:
                break
            conns[1].extend(b)
        c.close()
    t = threading.Thread(target=collector)
    t.start()
    conf = config(d, "    transport: tcp\n    port: %d\n    queue_size: 64MiB\n" %
                  lst.getsockname()[1], {"flow"})
    rc, err, pid, recs = run(exe, root, d, conf, captures=[cap], rules=False, timeout=600,
                             verbose=True)
    t.join(60)
    lst.close()
    check(rc == 0, "reconnect: mamori exits 0", err)
    check(len(conns[0]) >= 100000 and len(conns[1]) > 0,
          "reconnect: mamori connected again after the reset (%d, %d bytes)" %
          (len(conns[0]), len(conns[1])))
    second, ferr = parse_octet_frames(bytes(conns[1]))
    check(ferr is None and second, "reconnect: the new connection is whole frames from its "
          "first byte (%d)" % len(second), ferr)
    first, _ = parse_octet_frames(bytes(conns[0]))  # its last frame may be cut
    got = [m.split(b" - ", 1)[1].decode() for m in first + second]
    flows = [r for r in recs if rtype(r) == "flow"]
    pos = [flows.index(g) if g in flows else -1 for g in got]
    check(-1 not in pos and pos == sorted(set(pos)),
          "reconnect: what arrived is EVE's records, in order, none twice (%d of %d)" %
          (len(got), len(flows)))
    m = re.search(r"syslog: (\d+) records sent to .*?, (\d+) dropped", err)
    check(m is not None and int(m.group(1)) + int(m.group(2)) == len(flows),
          "reconnect: sent + dropped = every flow record (%s)" %
          str(m.groups() if m else None), err[-500:])


def test_refused(exe, root, d):
    conf = config(d, "    transport: udp\n    port: 514\n", {"alert"})
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(text.replace("app_name: mamori-test", "app_name: \"two words\""))
    rc, _, err = eve.run_mamori(exe, ["-c", conf, "-l", d, "-r", os.path.join(root, CAPTURE)])
    check(rc == 1 and "outputs.syslog.app_name" in err, "an app_name with a space is refused",
          err)
    with open(conf, "w") as f:
        f.write(text.replace("transport: udp", "transport: tcp\n    host: no-such-host.invalid"))
    rc, _, err = eve.run_mamori(exe, ["-c", conf, "-l", d, "-r", os.path.join(root, CAPTURE)])
    check(rc == 1 and "outputs.syslog.host" in err and "no-such-host.invalid" in err,
          "an unknown host is refused at start", err)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    exe, root = sys.argv[1], sys.argv[2]
    if not os.path.exists(os.path.join(root, CAPTURE)):
        eve.skip("%s not there" % CAPTURE)
    for test in (test_rsyslog, test_strict, test_stuck_collector, test_reconnect,
                 test_refused):
        with tempfile.TemporaryDirectory(prefix="mamori-syslog-") as d:
            os.chmod(d, 0o755)
            test(exe, root, d)
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
