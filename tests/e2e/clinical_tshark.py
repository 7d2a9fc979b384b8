#!/usr/bin/env python3
"""Does mamori read DICOM and HL7 as Wireshark does, and keep patients out?

usage: clinical_tshark.py MAMORI SOURCE_ROOT [DIR]

Replays the project's captures (pcaps/demo.pcap, pcaps/hospital-normal.pcap)
and the shared real ones (../shared/pcaps/dicom, ../shared/pcaps/hl7) through
mamori and through tshark's DICOM and HL7 dissectors (told the ports: 104 and
11112 for DICOM, 2575 and 6661 for HL7), and compares per connection: AE
titles, proposed presentation contexts (ids, abstract and transfer syntaxes),
the answers (results, accepted transfer syntaxes) and PDU counts by type; per
HL7 message MSH-3..7, MSH-9..12, MSA-1/2 and the segment ids. Then looks for
every known fake patient value, and the real-looking ones in the shared HL7
capture, in every record mamori wrote: any is a failure.

Skips (77) without tshark; a capture that is absent is skipped alone."""

import os
import shutil
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
import clinical  # noqa: E402
import eve  # noqa: E402

DICOM_PORTS = [104, 11112]
HL7_PORTS = [2575, 6661]

# Fake patients of pcapgen (DEMO^PATIENTnnn, DEMO000nnn, 1 EXAMPLE STREET,
# born 1970-01-01) and the patient of nDPI's HL7 capture.
PATIENT_VALUES = ["DEMO^PATIENT", "PATIENT0", "DEMO000", "EXAMPLE STREET", "19700101",
                  "DEMOTOWN", "MOUSE", "MICKEY", "135769", "19281118", "Main St",
                  "identifier=", "urn:oid:1.2.392.100495.20.3.51.1"]


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    exe, root = sys.argv[1], sys.argv[2]
    if not shutil.which("tshark"):
        eve.skip("tshark is not installed")
    shared = eve.shared_pcaps_dir(root)
    captures = [os.path.join(root, "pcaps", "hospital-normal.pcap"),
                os.path.join(root, "pcaps", "demo.pcap"),
                os.path.join(shared, "dicom", "ndpi_dicom.pcap"),
                os.path.join(shared, "hl7", "ndpi_hl7.pcap")]
    if len(sys.argv) > 3:
        captures = eve.find_captures(os.path.join(root, sys.argv[3]))
    problems = []
    seen = 0
    totals = {"associations": 0, "messages": 0}
    for pcap in captures:
        if not os.path.exists(pcap):
            print("absent, skipped: %s" % pcap)
            continue
        seen += 1
        label = os.path.basename(pcap)
        records, text = clinical.mamori_records(exe, pcap)
        td = clinical.tshark_dicom(pcap, DICOM_PORTS)
        p, n = clinical.compare_dicom(records, td, label)
        problems += p
        totals["associations"] += n
        th = clinical.tshark_hl7(pcap, HL7_PORTS)
        p, m = clinical.compare_hl7(records, th, label)
        problems += p
        totals["messages"] += m
        found = clinical.patient_values_found(text, PATIENT_VALUES)
        if found:
            problems.append("%s: patient values in mamori's records: %s" % (label, found))
        kinds = {}
        for r in records:
            kinds[r["event_type"]] = kinds.get(r["event_type"], 0) + 1
        print("%s: %d associations and %d HL7 messages compared with tshark; records %s"
              % (label, n, m, kinds))
    if seen == 0:
        eve.skip("no capture found")
    if totals["associations"] == 0 or totals["messages"] == 0:
        problems.append("nothing compared: %r" % totals)
    for p in problems[:60]:
        print("FAIL: " + p)
    if problems:
        print("%d problems" % len(problems))
        return 1
    print("ok: %(associations)d associations, %(messages)d messages agree with tshark" % totals)
    return 0


if __name__ == "__main__":
    sys.exit(main())
