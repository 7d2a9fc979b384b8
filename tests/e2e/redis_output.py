#!/usr/bin/env python3
"""Records to a real redis-server, started by the test on a unix socket in a
temporary directory:
  all         every record of a replay arrives in the stream, once, in order
  kill        Redis down: records spool; Redis up again and killed (SIGKILL,
              AOF kept) in the middle of the spool's replay, then started
              again: every record arrives, by record_id exactly once after
              dropping duplicates, in order
  auth        a Redis that refuses AUTH stops the start with a clear error
  maxmemory   a Redis at maxmemory (OOM errors) makes records spool; once it
              has room they arrive
  sigstop     a stopped Redis (SIGSTOP) does not slow packet processing

usage: redis_output.py MAMORI SOURCE_ROOT"""

import os
import shutil
import signal
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the source tree clean
import eve  # noqa: E402
from redisserver import Redis  # noqa: E402

CAPTURE = "pcaps/demo.pcap"


def stream_records(r, key):
    """The JSON records of a stream, in stream order."""
    out = []
    for _id, fields in r.cmd("XRANGE", key, "-", "+"):
        d = dict(zip(fields[::2], fields[1::2]))
        out.append(eve.json.loads(d[b"eve"]))
    return out


def config(d, redis, extra="", redis_extra=""):
    path = os.path.join(d, "mamori.yaml")
    with open(path, "w") as f:
        f.write("outputs:\n"
                "  sensor_id: test\n"
                "  redis:\n"
                "    enabled: true\n%s"
                "    socket: %s\n"
                "    timeout_ms: 20000\n"
                "    reconnect_max_ms: 200\n"
                "    maxlen: 0\n"
                "    types:\n"
                "      flow: true\n"
                "      protocol: true\n"
                "      stats: true\n%s" % (redis_extra, redis.sock, extra))
    return path


def mamori(exe, d, conf, files, timeout=120):
    os.makedirs(d, exist_ok=True)
    log = os.path.join(d, "log")
    os.makedirs(log, exist_ok=True)
    args = ["-c", conf, "-l", log]
    for f in files:
        args += ["-r", f]
    t0 = time.monotonic()
    rc, _, err = eve.run_mamori(exe, args, timeout=timeout)
    return rc, err, time.monotonic() - t0, log


def eve_ids(log):
    ids = []
    with open(os.path.join(log, "eve.json"), encoding="utf-8") as f:
        for line in f:
            ids.append(eve.json.loads(line)["record_id"])
    return ids


def id_num(rid):
    return int(rid.rsplit(":", 1)[1])


def check_arrived(problems, tag, log, got):
    want = eve_ids(log)
    ids = [r["record_id"] for r in got]
    firsts, seen = [], set()
    for i in ids:
        if i not in seen:
            seen.add(i)
            firsts.append(i)
    if set(want) != seen:
        problems.append("%s: %d records in the EVE file, %d distinct in Redis (%d missing)" % (
            tag, len(want), len(seen), len(set(want) - seen)))
    if [id_num(i) for i in firsts] != sorted(id_num(i) for i in firsts):
        problems.append("%s: records out of order in Redis" % tag)
    return len(ids) - len(seen)


def empty_pcap(d):
    path = os.path.join(d, "empty.pcap")
    with open(path, "wb") as f:
        f.write(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))
    return path


def test_all(exe, root, d, problems):
    r = Redis(d)
    r.start()
    try:
        rc, err, _, log = mamori(exe, d, config(d, r), [os.path.join(root, CAPTURE)] * 3)
        if rc != 0:
            problems.append("all: exit %r: %s" % (rc, err.strip()[-500:]))
            return
        got = []
        for key in ("mamori:flows", "mamori:protocol", "mamori:stats", "mamori:assets"):
            got += stream_records(r, key)
        got.sort(key=lambda x: id_num(x["record_id"]))
        dup = check_arrived(problems, "all", log, got)
        if dup:
            problems.append("all: %d duplicates with Redis up all along" % dup)
        print("ok   all: %d records in Redis" % len(got))
    finally:
        r.stop()


def test_kill(exe, root, d, problems):
    r = Redis(d, "--appendonly", "yes", "--appendfsync", "always")
    conf = config(d, r, "  flush_ms: 1\n")
    # Redis not there: everything spools.
    rc, err, _, log = mamori(exe, d, conf, [os.path.join(root, CAPTURE)] * 20)
    spool = os.path.join(log, "redis.spool")
    if rc != 0 or not os.path.exists(spool) or os.path.getsize(spool) == 0:
        problems.append("kill: nothing spooled with Redis away (exit %r): %s" % (rc, err[-300:]))
        return
    total = len(eve_ids(log))
    r.start()
    killed = []

    def killer():
        # Kill it once a third of the spool has arrived, start it again.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                n = sum(r.cmd("XLEN", k) for k in ("mamori:flows", "mamori:protocol",
                                                   "mamori:stats"))
            except OSError:
                n = 0
            if n > total // 3:
                r.stop(signal.SIGKILL)
                killed.append(n)
                time.sleep(0.3)
                r.start()
                return
            time.sleep(0.005)

    import threading
    t = threading.Thread(target=killer)
    t.start()
    rc, err, _, _ = mamori(exe, d, conf, [empty_pcap(d)])
    t.join()
    try:
        if rc != 0:
            problems.append("kill: exit %r: %s" % (rc, err.strip()[-500:]))
        if not killed:
            problems.append("kill: the replay ended before Redis could be killed")
        got = []
        for key in ("mamori:flows", "mamori:protocol", "mamori:stats", "mamori:assets"):
            got += stream_records(r, key)
        # Per producer the order must hold: one worker, so record_id order
        # is the order of first arrival within each key's stream.
        dup = check_arrived(problems, "kill", log, sorted(got, key=lambda x: id_num(x["record_id"])))
        for key in ("mamori:flows", "mamori:protocol"):
            seen, firsts = set(), []
            for rec in stream_records(r, key):
                if rec["record_id"] not in seen:
                    seen.add(rec["record_id"])
                    firsts.append(id_num(rec["record_id"]))
            if firsts != sorted(firsts):
                problems.append("kill: %s out of order" % key)
        print("ok   kill: %d records, killed at %s, %d duplicates dropped by id" % (
            total, killed, dup))
    finally:
        r.stop()


def test_auth(exe, root, d, problems):
    r = Redis(d, "--requirepass", "right")
    r.start()
    try:
        conf = config(d, r, redis_extra="    password: wrong\n")
        rc, err, _, _ = mamori(exe, d, conf, [os.path.join(root, CAPTURE)])
        if rc == 0 or "AUTH refused" not in err:
            problems.append("auth: exit %r, stderr %r" % (rc, err.strip()[-300:]))
        else:
            print("ok   auth: %s" % err.strip().splitlines()[-1])
    finally:
        r.stop()


def test_maxmemory(exe, root, d, problems):
    r = Redis(d, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
    r.start()
    try:
        conf = config(d, r)
        rc, err, _, log = mamori(exe, d, conf, [os.path.join(root, CAPTURE)] * 10)
        spool = os.path.join(log, "redis.spool")
        if rc != 0 or not os.path.exists(spool) or os.path.getsize(spool) == 0:
            problems.append("maxmemory: nothing spooled (exit %r): %s" % (rc, err[-300:]))
            return
        r.cmd("CONFIG", "SET", "maxmemory", "0")
        rc, err, _, _ = mamori(exe, d, conf, [empty_pcap(d)])
        got = []
        for key in ("mamori:flows", "mamori:protocol", "mamori:stats", "mamori:assets"):
            got += stream_records(r, key)
        check_arrived(problems, "maxmemory", log, sorted(got, key=lambda x: id_num(x["record_id"])))
        print("ok   maxmemory: %d records after OOM" % len(got))
    finally:
        r.stop()


def test_sigstop(exe, root, d, problems):
    files = [os.path.join(root, CAPTURE)] * 150
    r = Redis(d)
    r.start()
    try:
        conf = config(d, r, redis_extra="    timeout_ms: 300\n").replace("", "")
        with open(conf) as f:
            text = f.read().replace("    timeout_ms: 20000\n", "")
        with open(conf, "w") as f:
            f.write(text)
        rc, err, up_s, _ = mamori(exe, os.path.join(d, "up"), conf, files)
        r.cmd("FLUSHALL")
        os.kill(r.proc.pid, signal.SIGSTOP)
        try:
            rc2, err2, stop_s, log = mamori(exe, os.path.join(d, "stopped"), conf, files)
        finally:
            os.kill(r.proc.pid, signal.SIGCONT)
        spool = os.path.join(log, "redis.spool")
        if rc != 0 or rc2 != 0:
            problems.append("sigstop: exit %r / %r: %s" % (rc, rc2, err2[-300:]))
            return
        # The packet path does not wait for a Redis that does not answer:
        # after timeout_ms it is taken as down and records go to the spool,
        # so the replay ends with the spool holding what Redis did not take.
        if not os.path.exists(spool) or os.path.getsize(spool) == 0:
            problems.append("sigstop: nothing spooled while Redis was stopped: %s" % err2[-300:])
            return
        # Redis back: the next start replays the spool; every record of the
        # stopped run arrives, in order.
        rc3, err3, _, _ = mamori(exe, os.path.join(d, "stopped"), conf, [empty_pcap(d)])
        got = []
        want = set(eve_ids(log))
        for key in ("mamori:flows", "mamori:protocol", "mamori:stats", "mamori:assets"):
            recs = stream_records(r, key)
            got += recs
            # in each stream, in the order they were written
            firsts, seen = [], set()
            for x in recs:
                if x["record_id"] in want and x["record_id"] not in seen:
                    seen.add(x["record_id"])
                    firsts.append(id_num(x["record_id"]))
            if firsts != sorted(firsts):
                problems.append("sigstop: %s out of order after the spool's replay" % key)
        got = sorted((x for x in got if x["record_id"] in want), key=lambda x: id_num(x["record_id"]))
        if rc3 != 0:
            problems.append("sigstop: replaying the spool: exit %r: %s" % (rc3, err3[-300:]))
        check_arrived(problems, "sigstop", log, got)
        # Figures only (tests assert behaviour, not time).
        print("ok   sigstop: spooled and delivered later; %.2f s with Redis stopped, "
              "%.2f s with Redis up" % (stop_s, up_s))
    finally:
        r.stop()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    exe, root = sys.argv[1], sys.argv[2]
    if not shutil.which("redis-server"):
        eve.skip("redis-server is not installed")
    if not os.path.exists(os.path.join(root, CAPTURE)):
        eve.skip("%s not there" % CAPTURE)
    problems = []
    for test in (test_all, test_kill, test_auth, test_maxmemory, test_sigstop):
        with tempfile.TemporaryDirectory(prefix="mamori-redis-") as d:
            before = len(problems)
            test(exe, root, d, problems)
            for p in problems[before:]:
                print("FAIL " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
