#!/usr/bin/env python3
"""TCP reassembly through the real binary, on captures the test writes:
a retransmission of delivered HL7 bytes with other content, a lost last
segment followed by a FIN, an out-of-order segment past the per-flow cap,
and the limits.stream.* keys of the configuration file reaching the
workers.

usage: stream_limits.py MAMORI SOURCE_ROOT"""

import ipaddress
import os
import struct
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
import eve  # noqa: E402

failures = []

CLIENT, SERVER = "10.1.0.5", "10.1.0.9"
SB, EB = b"\x0b", b"\x1c\r"


def check(cond, what, detail=""):
    print("%s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        failures.append(what)
        if detail:
            print("     " + str(detail).strip().replace("\n", "\n     "))
    return cond


def tcp_frame(src, sport, dst, dport, seq, ack, flags, payload=b""):
    """An Ethernet/IPv4/TCP frame with valid checksums."""
    s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      5 << 4, flags, 65535, 0, 0) + payload
    pseudo = s + d + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", eve._checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", eve._checksum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp


def hl7(control_id, extra=b""):
    return (SB + b"MSH|^~\\&|RIS|HOSP|LIS|HOSP|20260115090000||ORM^O01|" + control_id +
            b"|P|2.5\rPV1|1|O|RAD\r" + extra + EB)


class Conversation:
    """One TCP connection, client port cport to the MLLP port 2575."""

    def __init__(self, cport, t0):
        self.cport, self.t = cport, t0
        self.cseq, self.sseq = 1000, 5000000
        self.frames = []

    def _add(self, toserver, seq, ack, flags, payload=b""):
        self.t += 0.001
        if toserver:
            f = tcp_frame(CLIENT, self.cport, SERVER, 2575, seq, ack, flags, payload)
        else:
            f = tcp_frame(SERVER, 2575, CLIENT, self.cport, seq, ack, flags, payload)
        self.frames.append((self.t, f))

    def handshake(self):
        self._add(True, self.cseq - 1, 0, 0x02)
        self._add(False, self.sseq - 1, self.cseq, 0x12)
        self._add(True, self.cseq, self.sseq, 0x10)

    def client(self, payload, at=None, shown=True):
        """Client data at offset `at` (default: the next byte); shown=False: sent
        but missing from the capture."""
        seq = self.cseq if at is None else at
        if shown:
            self._add(True, seq, self.sseq, 0x18, payload)
        if at is None:
            self.cseq += len(payload)

    def server(self, payload):
        self._add(False, self.sseq, self.cseq, 0x18, payload)
        self.sseq += len(payload)

    def server_ack(self):
        self._add(False, self.sseq, self.cseq, 0x10)

    def close(self):
        self._add(True, self.cseq, self.sseq, 0x11)
        self._add(False, self.sseq, self.cseq + 1, 0x11)
        self._add(True, self.cseq + 1, self.sseq + 1, 0x10)


def run(mamori, pcap, conf=None):
    with tempfile.TemporaryDirectory(prefix="mamori-stream-") as logdir:
        args = ["-r", pcap, "-l", logdir] + (["-c", conf] if conf else [])
        rc, _, err = eve.run_mamori(mamori, args)
        records, problems = eve.read_eve(logdir)
    report = eve.sanitizer_report(err)
    check(report is None, "no sanitizer report", report)
    check(rc == 0 and not problems, "mamori %s exits 0 with valid records" % " ".join(args[2:]),
          "%r %s %s" % (rc, problems[:3], err[-300:]))
    stats = [r for r in records if r.get("event_type") == "stats"]
    st = stats[-1]["stats"]["stream"] if stats else {}
    return records, st


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    mamori = sys.argv[1]
    tmp = tempfile.TemporaryDirectory(prefix="mamori-stream-")
    d = tmp.name

    # Flow 1: message 1 delivered, then its bytes again with another control
    # id (an evasion would look like this: first data wins, and it is counted);
    # the acknowledgement; message 2 whose last segment the capture lost,
    # then the client's FIN past the hole.
    a = Conversation(40001, 1768467600.0)
    a.handshake()
    m1 = hl7(b"MSG00001")
    a.client(m1)
    a.server_ack()
    a.client(hl7(b"EVIL0001"), at=a.cseq - len(m1))
    a.server(SB + b"MSH|^~\\&|LIS|HOSP|RIS|HOSP|20260115090001||ACK^O01|A1|P|2.5\r"
             b"MSA|AA|MSG00001\r" + EB)
    m2 = hl7(b"MSG00002", b"ORC|NW|123\r" * 4)
    a.client(m2[:60])
    a.client(m2[60:], shown=False)
    a.server_ack()
    a.close()

    # Flow 2: a message in order (the parser claims the flow), then a
    # segment out of order (its first 200 bytes come later), larger than a
    # 1 KiB per-flow cap but not the default 256 KiB.
    b = Conversation(40002, 1768467610.0)
    b.handshake()
    b.client(hl7(b"MSG00000"))
    b.server_ack()
    m3 = hl7(b"MSG00003", b"OBX|1|TX|||" + b"x" * 1400 + b"\r")
    start = b.cseq
    b.client(m3[200:], at=start + 200)
    b.client(m3[:200], at=start)
    b.cseq += len(m3)
    b.server_ack()
    b.close()

    pcap = os.path.join(d, "stream.pcap")
    eve.write_pcap(pcap, a.frames + b.frames)

    records, st = run(mamori, pcap)
    hl7s = [r["hl7"] for r in records if r.get("event_type") == "hl7"]
    ids = sorted(h.get("message_control_id") for h in hl7s if h.get("direction") == "toserver")
    check(st.get("overlaps_differing") == 1,
          "a retransmission of delivered bytes with other content is counted", st)
    check("MSG00001" in ids and "EVIL0001" not in ids,
          "first data wins: the record has the bytes seen first", ids)
    check(st.get("gaps") == 1 and st.get("gap_bytes") == len(m2) - 60,
          "the lost last segment before the FIN is a gap of its size", st)
    check(st.get("flow_cap_drops") == 0 and st.get("out_of_order") == 1 and "MSG00003" in ids,
          "an out-of-order segment within the default cap is held and delivered", (st, ids))
    check(st.get("memory_peak", 0) >= 2048,
          "the windows of delivered bytes count in memory_peak", st)

    conf = os.path.join(d, "small.yaml")
    with open(conf, "w") as f:
        f.write("limits:\n  stream:\n    flow_held_max: 1KiB\n    memcap: 1MiB\n"
                "    window: 0\n")
    records, st2 = run(mamori, pcap, conf)
    check(st2.get("overlaps_differing") == 0,
          "limits.stream.window 0: delivered bytes are not compared", st2)
    ids2 = sorted(r["hl7"].get("message_control_id") for r in records
                  if r.get("event_type") == "hl7" and r["hl7"].get("direction") == "toserver")
    check(st2.get("flow_cap_drops") == 1 and st2.get("out_of_order") == 0,
          "limits.stream.flow_held_max 1KiB: the out-of-order segment is not held", st2)
    check(st2.get("gaps") == 2 and "MSG00003" in ids2,
          "...its bytes are a gap once acknowledged; the message start is still read",
          (st2, ids2))
    check(st2.get("memory_peak") == 0, "no window, nothing held: no stream memory", st2)

    if failures:
        print("FAIL: %d check(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
