#!/usr/bin/env python3
"""The asset inventory in a real redis-server (the keys the console reads).

usage: assets_redis.py MAMORI SOURCE_ROOT

- After new_device.pcap: PREFIX:asset:ID hashes (json, last_seen, sensor),
  PREFIX:assets:seen (score last_seen), PREFIX:assets:ip (address -> id),
  PREFIX:assets stream of asset records.
- A restart with an empty log directory (no assets.json) reads the
  inventory back from Redis: nothing is announced as new.
- Redis away while devices appear: the entries wait in the spool and reach
  Redis once it is back.
"""

import json
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
import eve  # noqa: E402
from redis_output import empty_pcap, stream_records  # noqa: E402
from redisserver import Redis  # noqa: E402

RPI = "mac-28cdc12773f0"


def conf(d, r, root):
    path = os.path.join(d, "mamori.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write("outputs:\n  sensor_id: test\n  redis:\n    enabled: true\n    socket: %s\n"
                "    timeout_ms: 20000\n    reconnect_max_ms: 200\n"
                "assets:\n  enabled: true\n  registry: %s\n" % (
                    r.sock, os.path.join(root, "rules", "registry.csv")))
    return path


def run(exe, c, log, capture):
    os.makedirs(log, exist_ok=True)
    rc, _, err = eve.run_mamori(exe, ["-c", c, "-l", log, "-r", capture])
    recs, bad = eve.read_eve(log)
    return rc, err, recs, bad


def s(v):
    return v.decode() if isinstance(v, bytes) else v


def main():
    exe, root = sys.argv[1], sys.argv[2]
    if not shutil.which("redis-server"):
        eve.skip("redis-server is not installed")
    problems = []
    d = tempfile.mkdtemp(prefix="mamori-assets-redis-")
    newdev = os.path.join(root, "pcaps", "behaviours", "new_device.pcap")
    retired = os.path.join(root, "pcaps", "behaviours", "retired_device.pcap")
    r = Redis(d)
    r.start()
    try:
        c = conf(d, r, root)
        rc, err, recs, bad = run(exe, c, os.path.join(d, "a"), newdev)
        if rc != 0 or bad or eve.sanitizer_report(err):
            problems.append("first run: exit %r %s %s" % (rc, err[-300:], bad[:2]))
        h = r.cmd("HGETALL", "mamori:asset:" + RPI) or []
        h = {s(k): s(v) for k, v in zip(h[::2], h[1::2])}
        obj = json.loads(h.get("json", "{}"))
        if obj.get("id") != RPI or obj.get("vendor") != "Raspberry Pi Trading Ltd" or \
                "10.30.4.201" not in obj.get("ips", []) or \
                obj.get("registry", {}).get("status") != "unregistered":
            problems.append("asset hash: %s" % h)
        if h.get("sensor") != "test" or not h.get("last_seen", "").isdigit():
            problems.append("asset hash fields: %s" % {k: h.get(k) for k in ("sensor", "last_seen")})
        score = r.cmd("ZSCORE", "mamori:assets:seen", RPI)
        if score is None or int(float(s(score))) != int(h.get("last_seen", "0") or 0):
            problems.append("assets:seen score %r, last_seen %r" % (score, h.get("last_seen")))
        if s(r.cmd("HGET", "mamori:assets:ip", "10.30.4.201")) != RPI:
            problems.append("assets:ip 10.30.4.201 -> %r" % r.cmd("HGET", "mamori:assets:ip",
                                                                   "10.30.4.201"))
        stream = stream_records(r, "mamori:assets")
        eve_assets = [x for x in recs if x.get("event_type") == "asset"]
        if not stream or len(stream) != len(eve_assets) or \
                any(x.get("event_type") != "asset" for x in stream):
            problems.append("assets stream: %d records, %d in the EVE file" % (
                len(stream), len(eve_assets)))
        n = r.cmd("ZCARD", "mamori:assets:seen")

        # A restart somewhere else: no assets.json, the inventory comes from Redis.
        rc, err, recs, bad = run(exe, c, os.path.join(d, "b"), newdev)
        news = [x for x in recs if x.get("event_type") == "asset" and x["asset"]["event"] == "new"]
        if rc != 0 or news:
            problems.append("restart from Redis: exit %r, new again: %s" % (
                rc, [x["asset"]["id"] for x in news]))
        with open(os.path.join(d, "b", "assets.json"), encoding="utf-8") as f:
            if sum(1 for line in f if line.strip()) != n:
                problems.append("restart from Redis: assets.json does not hold the %d devices" % n)

        # Redis away: the entries are spooled, then reach Redis.
        r.stop()
        rc, err, _, _ = run(exe, c, os.path.join(d, "c"), retired)
        if rc != 0:
            problems.append("Redis away: exit %r %s" % (rc, err[-300:]))
        r.start()
        rc, err, _, _ = run(exe, c, os.path.join(d, "c"), empty_pcap(d))
        cr_old = s(r.cmd("HGET", "mamori:assets:ip", "10.20.1.90"))
        if rc != 0 or not cr_old:
            problems.append("after Redis came back: exit %r, 10.20.1.90 -> %r" % (rc, cr_old))
        else:
            obj = json.loads(s(r.cmd("HGET", "mamori:asset:" + cr_old, "json")))
            if obj.get("registry", {}).get("status") != "retired":
                problems.append("cr-old from the spool: %s" % obj)
    finally:
        r.stop()
        shutil.rmtree(d, ignore_errors=True)
    for p in problems:
        print("FAIL:", p)
    print("assets_redis: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
