"""What the console's tests share: a redis-server of the test's own (unix
socket in a temporary directory, with a small RESP client: the end-to-end
tests' tests/e2e/redisserver.py), mamori-console started on a free loopback
port, HTTP and Server-Sent Events clients."""

import http.client
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from redisserver import Redis  # noqa: E402,F401 (the console's tests import it from here)

TOKEN = "test-token-0123456789abcdef"


class Console:
    """mamori-console on 127.0.0.1, a port the kernel picks."""

    def __init__(self, exe, web, redis_sock, d, prefix="mamori", token=TOKEN, extra=()):
        self.exe, self.web, self.redis_sock, self.dir = exe, web, redis_sock, d
        self.prefix, self.token, self.extra = prefix, token, list(extra)
        self.proc = None
        self.port = None

    def start(self):
        tf = os.path.join(self.dir, "token")
        with open(tf, "w") as f:
            f.write(self.token + "\n")
        os.chmod(tf, 0o600)
        self.log = open(os.path.join(self.dir, "console.log"), "w+")
        self.proc = subprocess.Popen(
            [self.exe, "--token", tf, "--port", "0", "--redis", self.redis_sock,
             "--prefix", self.prefix, "--web", self.web] + self.extra,
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.proc.kill()
            self.log.seek(0)
            raise RuntimeError("console did not start: %r %s" % (line, self.log.read()))
        self.port = int(m.group(1))
        return self

    def stop(self):
        if self.proc:
            self.proc.terminate()
            rc = self.proc.wait(timeout=10)
            self.proc = None
            if rc != 0:
                self.log.seek(0)
                print("console exited %d; its standard error:\n%s" % (rc, self.log.read()[-6000:]))
            return rc
        return None

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def request(self, method, path, body=None, auth=True, headers=None, raw=False):
        """(status, headers, parsed JSON or raw bytes)"""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if auth is True:
            h["Authorization"] = "Bearer " + self.token
        elif isinstance(auth, str):
            h["Authorization"] = "Bearer " + auth
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        payload = r.read()
        c.close()
        if raw:
            return r.status, r.headers, payload
        return r.status, r.headers, json.loads(payload) if payload else None

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, body=body, **kw)


class Events:
    """A Server-Sent Events stream of /api/events."""

    def __init__(self, console, auth=True):
        self.c = http.client.HTTPConnection("127.0.0.1", console.port, timeout=20)
        h = {"Accept": "text/event-stream"}
        if auth:
            h["Authorization"] = "Bearer " + console.token
        self.c.request("GET", "/api/events", headers=h)
        self.r = self.c.getresponse()
        self.status = self.r.status

    def next(self):
        """The next event as (event, id, data), comments skipped."""
        ev, eid, data = "message", None, []
        while True:
            line = self.r.fp.readline()
            if not line:
                raise OSError("event stream closed")
            line = line.decode().rstrip("\n")
            if line == "":
                if data:
                    return ev, eid, "\n".join(data)
                ev, eid, data = "message", None, []
                continue
            if line.startswith(":"):
                continue
            k, _, v = line.partition(":")
            v = v[1:] if v.startswith(" ") else v
            if k == "event":
                ev = v
            elif k == "id":
                eid = v
            elif k == "data":
                data.append(v)

    def close(self):
        self.c.close()


def alert(n, severity=2, sid=100001, src="10.0.0.1", dst="10.0.0.2", app="dicom",
          ts="2026-01-15T09:00:00.000000+0000", sensor="s1", **extra):
    rec = {"timestamp": ts, "event_type": "alert", "src_ip": src, "src_port": 40000 + n,
           "dest_ip": dst, "dest_port": 104, "proto": "TCP", "app_proto": app,
           "alert": {"action": "allowed", "gid": 1, "signature_id": sid, "rev": 1,
                     "signature": "rule %d" % sid, "category": "test", "severity": severity},
           "record_id": "%s:%d" % (sensor, n)}
    rec.update(extra)
    return rec
