"""A real redis-server of the test's own, for the end-to-end and console
tests: a unix socket in a directory the test gives (no TCP port, no RDB
snapshots), and a small RESP client to read and write it."""

import json
import os
import signal
import socket
import subprocess
import time


class Redis:
    """redis-server on DIR/redis.sock. args: more redis-server options
    (--appendonly yes, --maxmemory ...). password: the server requires it
    and cmd() sends AUTH first; db: cmd() selects that database first."""

    def __init__(self, d, *args, password=None, db=0):
        self.dir = d
        self.sock = os.path.join(d, "redis.sock")
        self.args = list(args)
        self.password, self.db = password, db
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock, "--dir", self.dir,
             "--save", ""]
            + (["--requirepass", self.password] if self.password else []) + self.args,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(250):
            try:
                reply = self.cmd("PING")
                # An error reply means up too: NOAUTH with --requirepass in
                # args, LOADING while an append-only file is read back.
                if reply == "PONG" or isinstance(reply, RuntimeError):
                    return self
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self, sig=signal.SIGTERM):
        """Stop it with sig (SIGKILL: as a crash would); a server the test
        stopped (SIGSTOP) is continued first so that SIGTERM ends it."""
        if self.proc:
            if sig == signal.SIGTERM:
                os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)
            self.proc = None
            try:
                os.unlink(self.sock)
            except FileNotFoundError:
                pass

    def cmd(self, *args):
        """One command on a connection of its own: its reply, an error reply
        as a RuntimeError value (returned, not raised)."""
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(self.sock)
        f = s.makefile("rb")
        try:
            if self.password:
                s.sendall(resp_encode(["AUTH", self.password]))
                resp_read(f)
            if self.db:
                s.sendall(resp_encode(["SELECT", self.db]))
                resp_read(f)
            s.sendall(resp_encode(args))
            return resp_read(f)
        finally:
            f.close()
            s.close()

    def xadd(self, key, record):
        """Append a record (dict, or raw JSON text) to a stream as mamori
        writes them (one field, eve); its entry id."""
        data = record if isinstance(record, (bytes, str)) else json.dumps(record)
        return self.cmd("XADD", key, "*", "eve", data).decode()


def resp_encode(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def resp_read(f):
    line = f.readline()
    if not line:
        raise OSError("connection closed")
    t, rest = line[:1], line[1:-2]
    if t == b"+":
        return rest.decode()
    if t == b"-":
        return RuntimeError(rest.decode())
    if t == b":":
        return int(rest)
    if t == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2]
    if t == b"*":
        n = int(rest)
        return None if n < 0 else [resp_read(f) for _ in range(n)]
    raise OSError("bad reply %r" % line)
