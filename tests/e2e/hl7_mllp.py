#!/usr/bin/env python3
"""HL7 v2 over MLLP between real peers, captured live, read by mamori.

usage: hl7_mllp.py MAMORI SOURCE_ROOT

On loopback, with tcpdump capturing: mllp_send (python3-hl7) sends an
ADT^A01, an ORU^R01 and an ORM^O01 to a small MLLP listener started here,
which acknowledges each (AA, AA, AE). Checks one hl7 record per message with
the MSH fields, linked to its acknowledgement (code and MSA), the ACK
records, the segment lists, that the flow is named hl7, that the fields
equal tshark's dissection of the same capture, and that no patient value
(name, ID, birth date, address) reaches any record.

Needs root for tcpdump; skips (77) without it or without mllp_send."""

import os
import shutil
import socket
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean
import clinical  # noqa: E402
import dicom_dcmtk  # noqa: E402  (tcpdump helpers)
import eve  # noqa: E402

PATIENT = ["DEMO^PATIENT", "DEMO000888", "19700101", "EXAMPLE STREET", "DEMOTOWN", "090-0000"]

MESSAGES = [
    ("MSH|^~\\&|HIS|DEMO_HOSP|LIS|DEMO_LAB|20260115100000||ADT^A01^ADT_A01|CTRL0001|P|2.5.1\r"
     "EVN|A01|20260115100000\r"
     "PID|1||DEMO000888^^^DEMO_HOSP^MR||DEMO^PATIENT||19700101|M|||1 EXAMPLE STREET^^DEMOTOWN"
     "||090-0000\r"
     "NK1|1|DEMO^RELATIVE|SPO\r"
     "PV1|1|I|WARD5^501^1\r"),
    ("MSH|^~\\&|LIS|DEMO_LAB|HIS|DEMO_HOSP|20260115100100||ORU^R01^ORU_R01|CTRL0002|P|2.5.1\r"
     "PID|1||DEMO000888^^^DEMO_HOSP^MR||DEMO^PATIENT\r"
     "OBR|1||LAB123|CBC\r"
     "OBX|1|NM|718-7^Hemoglobin^LN||13.5|g/dL\r"
     "OBX|2|NM|789-8^Erythrocytes^LN||4.6|10*6/uL\r"),
    ("MSH|^~\\&|HIS|DEMO_HOSP|RIS|DEMO_RAD|20260115100200||ORM^O01^ORM_O01|CTRL0003|T|2.3\r"
     "PID|1||DEMO000888\r"
     "ORC|NW|ORD1\r"
     "OBR|1|ORD1||CT-HEAD\r"),
]
ACK_CODES = {"CTRL0001": "AA", "CTRL0002": "AA", "CTRL0003": "AE"}


def listener(sock, stop):
    """Accepts connections; answers every MLLP message with an ACK."""
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = sock.accept()
        except socket.timeout:
            continue
        except OSError:
            return  # closed: the test is over
        with conn:
            buf = b""
            conn.settimeout(5)
            while True:
                try:
                    data = conn.recv(4096)
                except socket.timeout:
                    break
                if not data:
                    break
                buf += data
                while b"\x1c\r" in buf:
                    msg, buf = buf.split(b"\x1c\r", 1)
                    msg = msg.split(b"\x0b", 1)[-1].decode(errors="replace")
                    msh = msg.split("\r", 1)[0].split("|")
                    ctrl = msh[9] if len(msh) > 9 else ""
                    ack = ("MSH|^~\\&|%s|%s|%s|%s|20260115100005||ACK^%s^ACK|A%s|P|2.5.1\r"
                           "MSA|%s|%s\r" % (msh[4], msh[5], msh[2], msh[3],
                                             msh[8].split("^")[1] if "^" in msh[8] else "",
                                             ctrl, ACK_CODES.get(ctrl, "AA"), ctrl))
                    conn.sendall(b"\x0b" + ack.encode() + b"\x1c\r")


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    exe = sys.argv[1]
    for tool in ("mllp_send", "tcpdump"):
        if not shutil.which(tool):
            eve.skip("missing %s (tools/bootstrap installs it)" % tool)
    if os.geteuid() != 0:
        eve.skip("tcpdump needs root")
    problems = []
    with tempfile.TemporaryDirectory(prefix="mamori-mllp-") as d:
        port = clinical.free_port()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(4)
        stop = threading.Event()
        th = threading.Thread(target=listener, args=(sock, stop), daemon=True)
        pcap = os.path.join(d, "hl7.pcap")
        td = None
        try:
            td = dicom_dcmtk.start_tcpdump(pcap, [port])
            th.start()
            msgfile = os.path.join(d, "messages.hl7")
            # mllp_send reads its file as an MLLP stream and frames each message again
            with open(msgfile, "wb") as f:
                for m in MESSAGES:
                    f.write(b"\x0b" + m.encode() + b"\x1c\r")
            dicom_dcmtk.run(["mllp_send", "-q", "-p", str(port), "-f", msgfile, "127.0.0.1"])
            time.sleep(0.5)
        finally:
            stop.set()
            dicom_dcmtk.stop(td)
            sock.close()

        with open(pcap, "rb") as f:
            if b"DEMO^PATIENT" not in f.read():
                problems.append("the capture does not hold the patient: the check could not fail")
        records, text = clinical.mamori_records(exe, pcap)
        hl7 = [r["hl7"] for r in records if r.get("event_type") == "hl7"]
        print("%d hl7 records" % len(hl7))
        msgs = {h["message_control_id"]: h for h in hl7 if "msa" not in h}
        acks = {h["msa"]["message_control_id"]: h for h in hl7 if "msa" in h}
        want = {
            "CTRL0001": ("HIS", "DEMO_HOSP", "LIS", "DEMO_LAB", "ADT^A01^ADT_A01", "P", "2.5.1",
                         ["MSH", "EVN", "PID", "NK1", "PV1"], True),
            "CTRL0002": ("LIS", "DEMO_LAB", "HIS", "DEMO_HOSP", "ORU^R01^ORU_R01", "P", "2.5.1",
                         ["MSH", "PID", "OBR", "OBX", "OBX"], True),
            "CTRL0003": ("HIS", "DEMO_HOSP", "RIS", "DEMO_RAD", "ORM^O01^ORM_O01", "T", "2.3",
                         ["MSH", "PID", "ORC", "OBR"], True),
        }
        for ctrl, w in want.items():
            m = msgs.get(ctrl)
            if not m:
                problems.append("no record for message %s" % ctrl)
                continue
            got = (m["sending_application"], m["sending_facility"], m["receiving_application"],
                   m["receiving_facility"], m["message_type"], m["processing_id"], m["version"],
                   m["segments"], m["patient_segments"])
            if got != w:
                problems.append("%s: %r, expected %r" % (ctrl, got, w))
            ack = m.get("ack", {})
            if not ack.get("received") or ack.get("ack_code") != ACK_CODES[ctrl]:
                problems.append("%s: not linked to its acknowledgement: %r" % (ctrl, ack))
            a = acks.get(ctrl)
            if not a:
                problems.append("no ACK record for %s" % ctrl)
            elif a["msa"]["ack_code"] != ACK_CODES[ctrl] or \
                    a["msa"].get("acknowledges") != m["message_code"] + "^" + m["trigger_event"]:
                problems.append("ACK of %s: %r" % (ctrl, a["msa"]))
        for r in records:
            if r.get("event_type") == "flow" and r.get("dest_port") == port \
                    and r["app_proto"] != "hl7":
                problems.append("flow %s: app_proto %r" % (eve.flow_label(r), r["app_proto"]))
        th_view = clinical.tshark_hl7(pcap, [port])
        if th_view is not None:
            p, n = clinical.compare_hl7(records, th_view, "mllp")
            problems += p
            print("%d messages compared with tshark" % n)
            if n != 6:
                problems.append("tshark dissected %d messages, expected 6" % n)
        found = clinical.patient_values_found(text, PATIENT)
        if found:
            problems.append("patient values in mamori's records: %s" % found)

    for p in problems:
        print("FAIL: " + p)
    if problems:
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
