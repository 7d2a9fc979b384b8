#!/usr/bin/env python3
"""DICOM between real dcmtk peers, captured live, read by mamori.

usage: dicom_dcmtk.py MAMORI SOURCE_ROOT

On loopback, with tcpdump capturing:
  - storescp (AE STORESCP) receives echoscu's C-ECHO and storescu's C-STORE
    of two small generated CT images (patient DEMO^PATIENT);
  - dcmqrscp (AE PACS_QR) receives a C-STORE, answers a study-root C-FIND
    (which returns the patient in its data sets) and rejects an association
    whose called AE title it does not know (WRONG_AE).
Then checks mamori's dicom records (AE titles, SOP classes, commands,
statuses, the rejection and its reason), that the flows are named dicom,
that they agree with tshark's dissection of the same capture, and that no
record holds the patient's name, ID, birth date or accession number.

Needs root for tcpdump; skips (77) without it or without dcmtk."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep the source tree clean
import clinical  # noqa: E402
import eve  # noqa: E402

TOOLS = ["storescp", "storescu", "echoscu", "findscu", "dcmqrscp", "dump2dcm", "tcpdump"]
PATIENT = ["DEMO^PATIENT", "DEMO000777", "19700101", "ACC0001"]

DUMP = """(0008,0016) UI =CTImageStorage
(0008,0018) UI [2.25.{n}1111111111111111111]
(0008,0020) DA [20260115]
(0008,0050) SH [ACC0001]
(0008,0060) CS [CT]
(0010,0010) PN [DEMO^PATIENT]
(0010,0020) LO [DEMO000777]
(0010,0030) DA [19700101]
(0020,000d) UI [2.25.2222222222222222222]
(0020,000e) UI [2.25.3333333333333333333]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 4
(0028,0011) US 4
(0028,0100) US 8
(0028,0101) US 8
(0028,0102) US 7
(0028,0103) US 0
(7fe0,0010) OB 00\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f
"""


def run(args, ok=True):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    if ok and p.returncode != 0:
        raise RuntimeError("%s: exit %d\n%s" % (" ".join(args), p.returncode,
                                                p.stdout.decode(errors="replace")))
    return p.returncode


def wait_port(port, timeout=10):
    import socket
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("nothing listens on port %d" % port)


def start_tcpdump(pcap, ports):
    expr = " or ".join("tcp port %d" % p for p in ports)
    # --immediate-mode: without it packets wait in the kernel ring for a
    # block timeout, and the ones still there when tcpdump is stopped are lost.
    td = subprocess.Popen(["tcpdump", "-i", "lo", "--immediate-mode", "-U", "-n", "-w", pcap, expr],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    line = td.stderr.readline().decode(errors="replace")  # "listening on lo, ..."
    if "listening" not in line:
        td.kill()
        eve.skip("tcpdump cannot capture on lo: " + line.strip())
    # "listening" comes before the kernel filter is in place on some
    # kernels: a moment more, or the first packets are missed.
    time.sleep(0.5)
    return td


def stop(proc):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def find(records, **want):
    for r in records:
        if r.get("event_type") != "dicom":
            continue
        d = r["dicom"]
        if all(d.get(k) == v for k, v in want.items()):
            return r
    return None


def command(rec, name):
    for c in rec["dicom"].get("commands", []):
        if c["command"] == name:
            return c
    return None


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    exe = sys.argv[1]
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        eve.skip("missing " + ", ".join(missing) + " (tools/bootstrap installs them)")
    if os.geteuid() != 0:
        eve.skip("tcpdump needs root")
    problems = []
    with tempfile.TemporaryDirectory(prefix="mamori-dcmtk-") as d:
        images = []
        for n in (1, 2):
            dump = os.path.join(d, "img%d.dump" % n)
            with open(dump, "w") as f:
                f.write(DUMP.format(n=n))
            img = os.path.join(d, "img%d.dcm" % n)
            run(["dump2dcm", "-q", dump, img])
            images.append(img)
        os.makedirs(os.path.join(d, "in"))
        os.makedirs(os.path.join(d, "qr"))
        scp_port, qr_port = clinical.free_port(), clinical.free_port()
        with open(os.path.join(d, "qr.cfg"), "w") as f:
            f.write("NetworkTCPPort = %d\nMaxPDUSize = 16384\nMaxAssociations = 4\n"
                    "HostTable BEGIN\nHostTable END\nVendorTable BEGIN\nVendorTable END\n"
                    "AETable BEGIN\nPACS_QR %s RW (10, 64mb) ANY\nAETable END\n"
                    % (qr_port, os.path.join(d, "qr")))
        pcap = os.path.join(d, "dicom.pcap")
        td = scp = qr = None
        try:
            td = start_tcpdump(pcap, [scp_port, qr_port])
            scp = subprocess.Popen(["storescp", "-aet", "STORESCP", "-od", os.path.join(d, "in"),
                                    str(scp_port)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            qr = subprocess.Popen(["dcmqrscp", "-c", os.path.join(d, "qr.cfg")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_port(scp_port)
            wait_port(qr_port)
            host = "127.0.0.1"
            run(["echoscu", "-aet", "ECHOSCU", "-aec", "STORESCP", host, str(scp_port)])
            run(["storescu", "-aet", "STORESCU", "-aec", "STORESCP", host, str(scp_port)] + images)
            run(["storescu", "-aet", "MODALITY1", "-aec", "PACS_QR", host, str(qr_port),
                 images[0]])
            run(["findscu", "-aet", "VIEWER1", "-aec", "PACS_QR", "-S", "-k",
                 "QueryRetrieveLevel=STUDY", "-k", "PatientName=DEMO*", "-k", "PatientID",
                 "-k", "StudyDate", host, str(qr_port)])
            if run(["echoscu", "-aet", "ROGUE", "-aec", "WRONG_AE", host, str(qr_port)],
                   ok=False) == 0:
                problems.append("dcmqrscp accepted an unknown called AE title")
            time.sleep(0.5)  # the last segments reach the capture
        finally:
            stop(scp)
            stop(qr)
            stop(td)

        with open(pcap, "rb") as f:
            raw = f.read()
        if b"DEMO^PATIENT" not in raw:
            problems.append("the capture does not hold the patient: the privacy check below "
                            "could not fail")
        records, text = clinical.mamori_records(exe, pcap)
        dicom = [r for r in records if r.get("event_type") == "dicom"]
        print("%d dicom records" % len(dicom))

        echo = find(dicom, calling_ae="ECHOSCU", called_ae="STORESCP")
        if not echo:
            problems.append("no record for echoscu -> STORESCP")
        else:
            c = command(echo, "C-ECHO")
            if not c or c["requests"] != 1 or c["status"] != {"success": 1}:
                problems.append("echo: bad C-ECHO summary %r" % (c,))
            if echo["dicom"]["ended"] != "release" or echo["dicom"]["association"] != "accepted":
                problems.append("echo: %s/%s" % (echo["dicom"]["association"],
                                                 echo["dicom"]["ended"]))
            ctx = echo["dicom"]["presentation_contexts"]
            if not any(x.get("sop_class") == "Verification SOP Class" and
                       x["result"] == "acceptance" for x in ctx):
                problems.append("echo: no accepted Verification context: %r" % ctx)

        store = find(dicom, calling_ae="STORESCU", called_ae="STORESCP")
        if not store:
            problems.append("no record for storescu -> STORESCP")
        else:
            c = command(store, "C-STORE")
            if not c or c.get("sop_class") != "CT Image Storage" or c["requests"] != 2 \
                    or c["responses"] != 2 or c["status"] != {"success": 2}:
                problems.append("store: bad C-STORE summary %r" % (c,))
            ctx = store["dicom"]["presentation_contexts"]
            if not any(x.get("sop_class") == "CT Image Storage" and x["result"] == "acceptance"
                       for x in ctx):
                problems.append("store: CT Image Storage not accepted")
            impl = store["dicom"].get("requestor_implementation", {})
            if not impl.get("version_name", "").startswith("OFFIS_DCMTK"):
                problems.append("store: implementation %r" % impl)
            if store["dicom"]["data_set_bytes"] <= 0:
                problems.append("store: no data set bytes counted")

        find_rec = find(dicom, calling_ae="VIEWER1", called_ae="PACS_QR")
        if not find_rec:
            problems.append("no record for findscu -> PACS_QR")
        else:
            c = command(find_rec, "C-FIND")
            if not c or c.get("sop_class") != "Study Root Query/Retrieve Information Model - FIND" \
                    or c["status"].get("success") != 1 or c["status"].get("pending", 0) < 1:
                problems.append("find: bad C-FIND summary %r" % (c,))
        if not find(dicom, calling_ae="MODALITY1", called_ae="PACS_QR"):
            problems.append("no record for storescu -> PACS_QR")

        rej = find(dicom, calling_ae="ROGUE", called_ae="WRONG_AE")
        if not rej:
            problems.append("no record for the rejected association")
        elif rej["dicom"]["association"] != "rejected" or rej["dicom"].get("reject") != {
                "result": "rejected-permanent", "source": "service-user",
                "reason": "called-AE-title-not-recognized"}:
            problems.append("reject: %r" % rej["dicom"])

        dicom_flows = {clinical.key_of(r) for r in dicom}
        for r in records:
            if r.get("event_type") == "flow" and clinical.key_of(r) in dicom_flows \
                    and r["app_proto"] != "dicom":
                problems.append("flow %s: app_proto %r" % (eve.flow_label(r), r["app_proto"]))

        td_view = clinical.tshark_dicom(pcap, [scp_port, qr_port])
        if td_view is not None:
            p, n = clinical.compare_dicom(records, td_view, "dcmtk")
            problems += p
            print("%d associations compared with tshark" % n)

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
