"""Helpers shared by the end-to-end tests: run mamori, read its EVE output,
check records, count the packets of a capture file."""

import datetime
import ipaddress
import json
import os
import re
import struct
import subprocess
import sys

SKIP = 77  # meson's exit status for a skipped test

RUN_TIMEOUT = 300  # seconds for one mamori run (generous: ASan builds are slow)

SANITIZER_PATTERNS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "SUMMARY: AddressSanitizer",
    "SUMMARY: UndefinedBehaviorSanitizer",
    "runtime error:",
)

TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4}$")
FLOW_STATES = {"new", "established", "closed"}
FLOW_REASONS = {"timeout", "end", "evicted", "shutdown"}
PROTO_NUMBERS = {"TCP": 6, "UDP": 17, "ICMP": 1, "IPv6-ICMP": 58, "ICMPV6": 58,
                 "IGMP": 2, "GRE": 47, "ESP": 50, "SCTP": 132}


def skip(message):
    print("SKIP: " + message)
    sys.exit(SKIP)


def shared_pcaps_dir(source_root):
    """The shared real captures, beside the project: ../shared/pcaps."""
    return os.path.normpath(os.path.join(source_root, "..", "shared", "pcaps"))


def find_captures(top):
    found = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".pcap") or name.endswith(".pcapng"):
                found.append(os.path.join(dirpath, name))
    return found


def run_mamori(exe, args, timeout=RUN_TIMEOUT):
    """Runs mamori; returns (exit status, stdout, stderr) as text."""
    try:
        proc = subprocess.run([exe] + list(args), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return (None, (e.stdout or b"").decode("utf-8", "replace"),
                (e.stderr or b"").decode("utf-8", "replace"))
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))


def sanitizer_report(stderr):
    """The first line of a sanitizer report in stderr, or None."""
    for line in stderr.splitlines():
        if any(p in line for p in SANITIZER_PATTERNS):
            return line.strip()
    return None


def parse_eve(text):
    """Parses JSON lines; returns (records, problems)."""
    records, problems = [], []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            problems.append("line %d: empty line" % n)
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            problems.append("line %d: not JSON (%s): %.120s" % (n, e, line))
            continue
        if not isinstance(rec, dict):
            problems.append("line %d: not a JSON object" % n)
            continue
        records.append(rec)
    return records, problems


def read_eve(logdir):
    path = os.path.join(logdir, "eve.json")
    if not os.path.exists(path):
        return [], ["%s was not written" % path]
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse_eve(f.read())


def parse_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z")


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_flow(rec):
    """Problems with one flow record (empty list when it is well-formed)."""
    p = []
    for key in ("timestamp", "flow_id", "event_type", "src_ip", "dest_ip", "proto",
                "app_proto", "flow", "ndpi"):
        if key not in rec:
            p.append("missing %s" % key)
    if p:
        return p
    if not isinstance(rec["timestamp"], str) or not TIMESTAMP_RE.match(rec["timestamp"]):
        p.append("bad timestamp %r" % (rec["timestamp"],))
    if not _is_int(rec["flow_id"]) or rec["flow_id"] < 0:
        p.append("bad flow_id %r" % (rec["flow_id"],))
    for key in ("src_ip", "dest_ip"):
        try:
            ipaddress.ip_address(rec[key])
        except (ValueError, TypeError):
            p.append("bad %s %r" % (key, rec[key]))
    proto = rec["proto"]
    if not (isinstance(proto, str) or _is_int(proto)):
        p.append("bad proto %r" % (proto,))
    if proto in ("TCP", "UDP"):
        for key in ("src_port", "dest_port"):
            v = rec.get(key)
            if not _is_int(v) or not 0 <= v <= 65535:
                p.append("bad %s %r" % (key, v))
    app = rec["app_proto"]
    if not isinstance(app, str) or not app or app != app.lower():
        p.append("bad app_proto %r (lowercase name expected)" % (app,))

    flow = rec["flow"]
    if not isinstance(flow, dict):
        return p + ["flow is not an object"]
    for key in ("pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient", "age"):
        v = flow.get(key)
        if not _is_int(v) or v < 0:
            p.append("bad flow.%s %r" % (key, v))
    if not p and flow["pkts_toserver"] + flow["pkts_toclient"] < 1:
        p.append("flow without packets")
    times = []
    for key in ("start", "end"):
        v = flow.get(key)
        if not isinstance(v, str) or not TIMESTAMP_RE.match(v):
            p.append("bad flow.%s %r" % (key, v))
        else:
            times.append(parse_time(v))
    if len(times) == 2 and times[0] > times[1]:
        p.append("flow.start after flow.end")
    if flow.get("state") not in FLOW_STATES:
        p.append("bad flow.state %r" % (flow.get("state"),))
    if flow.get("reason") not in FLOW_REASONS:
        p.append("bad flow.reason %r" % (flow.get("reason"),))
    if not isinstance(flow.get("alerted"), bool):
        p.append("bad flow.alerted %r" % (flow.get("alerted"),))

    ndpi = rec["ndpi"]
    if not isinstance(ndpi, dict):
        return p + ["ndpi is not an object"]
    v = ndpi.get("protocol")
    if not isinstance(v, str) or not v:
        p.append("bad ndpi.protocol %r" % (v,))
    return p


def flow_packets(rec):
    f = rec.get("flow", {})
    return f.get("pkts_toserver", 0) + f.get("pkts_toclient", 0)


def flow_label(rec):
    return "%s %s:%s -> %s:%s" % (rec.get("proto"), rec.get("src_ip"), rec.get("src_port"),
                                  rec.get("dest_ip"), rec.get("dest_port"))


def proto_number(proto):
    if isinstance(proto, int):
        return proto
    if proto in PROTO_NUMBERS:
        return PROTO_NUMBERS[proto]
    try:
        return int(proto)
    except (TypeError, ValueError):
        return proto


def flow_key(proto, ip1, port1, ip2, port2):
    """Direction-free key of a flow: L4 protocol and the unordered pair of
    endpoints. Ports only count for TCP and UDP."""
    proto = proto_number(proto)
    if proto not in (6, 17):
        port1 = port2 = 0
    a = (str(ipaddress.ip_address(ip1)), int(port1 or 0))
    b = (str(ipaddress.ip_address(ip2)), int(port2 or 0))
    return (proto,) + tuple(sorted([a, b]))


def format_key(key):
    proto, a, b = key
    name = {6: "TCP", 17: "UDP", 1: "ICMP", 58: "ICMPv6"}.get(proto, str(proto))
    return "%s %s:%d <-> %s:%d" % (name, a[0], a[1], b[0], b[1])


# -- capture files -------------------------------------------------------------

def count_packets(path):
    """Counts the packets of a pcap or pcapng file without libpcap.
    Returns (packets, truncated): truncated is True when the file ends inside
    a record or is not a capture at all."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 4:
        return 0, True
    magic = data[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        return _count_pcapng(data)
    return _count_pcap(data)


def _count_pcap(data):
    magics = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
              b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}
    end = magics.get(data[:4])
    if end is None or len(data) < 24:
        return 0, True
    off, n = 24, 0
    while off < len(data):
        if off + 16 > len(data):
            return n, True
        incl = struct.unpack_from(end + "I", data, off + 8)[0]
        if off + 16 + incl > len(data):
            return n, True
        off += 16 + incl
        n += 1
    return n, False


def _count_pcapng(data):
    off, n, end = 0, 0, "<"
    while off < len(data):
        if off + 12 > len(data):
            return n, True
        if data[off:off + 4] == b"\x0a\x0d\x0d\x0a":
            bom = data[off + 8:off + 12]
            end = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack_from(end + "II", data, off)
        if blen < 12 or off + blen > len(data):
            return n, True
        if btype in (2, 3, 6):  # packet, simple packet, enhanced packet
            n += 1
        off += blen
    return n, False


def write_pcap(path, packets, linktype=1, snaplen=65535):
    """Writes a little-endian microsecond pcap; packets are (seconds, bytes)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype))
        for ts, frame in packets:
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)


def _checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp_frame(src, sport, dst, dport, payload):
    """An Ethernet/IPv4/UDP frame with valid checksums."""
    s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!BBH", 0, 17, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    csum = _checksum(pseudo + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 1, 0x4000, 64, 17, 0, s, d)
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + udp


# -- golden files --------------------------------------------------------------

# Fields left out of golden comparisons: flow_id only names a flow; its value
# is not what a golden file is about.
GOLDEN_VOLATILE = ("flow_id", "record_id")


def golden_lines(records):
    """The flow records as sorted canonical JSON lines, volatile fields removed."""
    lines = []
    for rec in records:
        if rec.get("event_type") != "flow":
            continue
        rec = {k: v for k, v in rec.items() if k not in GOLDEN_VOLATILE}
        lines.append(json.dumps(rec, sort_keys=True, separators=(",", ":")))
    return sorted(lines)
