#!/usr/bin/env python3
"""The asset inventory on the project's captures, with the shipped registry,
vulns.csv and rules/assets.rules.

usage: assets.py MAMORI SOURCE_ROOT

- hospital-normal.pcap: the devices an IT person expects (PACS, modalities
  with their AE titles and implementation versions, HL7 systems, vendors
  from ieee-data), every one in the registry: no asset alert.
- new_device.pcap: the Raspberry Pi is unregistered (100100) and named
  raspberrypi by its DHCP request; retired_device.pcap: cr-old raises 100101.
- A second run on the same log directory reads assets.json back: no device
  is announced as new again.
"""

import json
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
import eve  # noqa: E402


def run(mamori, root, capture, logdir, tmp):
    rules = os.path.join(tmp, "rules")
    if not os.path.isdir(rules):
        os.mkdir(rules)
        shutil.copy(os.path.join(root, "rules", "assets.rules"), rules)
    cfg = os.path.join(tmp, "mamori.yaml")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write("assets:\n  enabled: true\n  registry: %s\n  vulns: %s\n" % (
            os.path.join(root, "rules", "registry.csv"), os.path.join(root, "rules", "vulns.csv")))
    os.makedirs(logdir, exist_ok=True)
    rc, _, err = eve.run_mamori(mamori, ["-c", cfg, "--rules", rules, "-r",
                                         os.path.join(root, "pcaps", capture), "-l", logdir])
    records, bad = eve.read_eve(logdir)
    inv = []
    path = os.path.join(logdir, "assets.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            inv = [json.loads(line) for line in f if line.strip()]
    return rc, err, records, bad, inv


def run_shared(mamori, path, tmp, networks):
    d = tempfile.mkdtemp(dir=tmp)
    cfg = os.path.join(d, "c.yaml")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write("assets:\n  networks: \"%s\"\n" % networks)
    rc, _, err = eve.run_mamori(mamori, ["-c", cfg, "-r", path, "-l", d])
    inv = []
    if os.path.exists(os.path.join(d, "assets.json")):
        with open(os.path.join(d, "assets.json"), encoding="utf-8") as f:
            inv = [json.loads(line) for line in f if line.strip()]
    return rc, err, inv


def check_shared(mamori, root, tmp, problems):
    top = eve.shared_pcaps_dir(root)
    if not os.path.isdir(top):
        print("skip: no shared captures at %s" % top)
        return
    private = "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fe80::/10 fc00::/7"
    cases = [
        ("hl7/ndpi_hl7.pcap", private, "10.0.0.155",
         lambda a: "SENDING_APPLICATION" in a.get("hl7", {}).get("applications", []) and
         a.get("type") == "hl7" and a.get("vendor") == "VMware, Inc."),
        ("hl7/ndpi_hl7.pcap", private, "10.0.0.126",
         lambda a: "RECEIVING_FACILITY" in a.get("hl7", {}).get("facilities", []) and
         a.get("subtype") == "HL7 server"),
        ("dicom/ndpi_dicom.pcap", "127.0.0.0/8", "127.0.0.1",
         lambda a: a.get("dicom", {}).get("implementation_version") == "GODICOM_1_1" and
         a["dicom"].get("implementation_class_uid") == "1.2.826.0.1.3680043.9.7133.1.1" and
         {"ae": "testclient", "role": "SCU"} in a["dicom"].get("ae_titles", [])),
        ("mix/zeek_dhcp.pcap", "128.2.0.0/16", "128.2.6.189",
         lambda a: "btest.is.cool" in a.get("hostnames", []) and a.get("vendor") == "Dell Inc."
         and a.get("id") == "mac-90b11c994929"),
        ("mix/zeek_mdns.pcap", private, "10.0.2.7",
         lambda a: "johanna-QEMU-Virtual-Machine.local" in a.get("hostnames", [])),
        ("smb/ndpi_netbios.pcap", private, "10.0.5.1",
         lambda a: "GURU" in a.get("hostnames", [])),
    ]
    for capture, nets, ip, ok in cases:
        path = os.path.join(top, capture)
        if not os.path.exists(path):
            print("skip: %s not there" % capture)
            continue
        rc, err, inv = run_shared(mamori, path, tmp, nets)
        a = by_ip(inv).get(ip)
        if rc != 0 or eve.sanitizer_report(err) or not a or not ok(a):
            problems.append("%s: exit %r, device %s: %s" % (capture, rc, ip, a))

# demo.pcap's devices as tools/pcapgen/hospital.c builds them, as an IT person
# reads the inventory: address -> (registry name, type, subtype, MAC vendor
# (start), own AE title with role, DICOM implementation version (start)).
# Absent from the capture: core-gw, dc02, printsrv01 (they send nothing in
# it). Not listed: adm-pc01 and nms01, which only ask DNS and ping there
# (unknown is all the traffic tells).
DEMO = {
    "10.10.0.10": ("dc01", "server", "DNS", "Dell", None, None),
    "10.10.0.12": ("ntp01", "server", "NTP", "Super Micro", None, None),
    "10.10.0.20": ("pacs-main", "pacs", "archive", "Dell", "PACS_MAIN/SCP", "DELL_SIM_"),
    "10.10.0.30": ("his01", "hl7", "interface engine", "Hewlett Packard", None, None),
    "10.10.0.31": ("ris01", "hl7", "interface engine", "VMware", None, None),
    "10.10.0.32": ("lis01", "hl7", "interface engine", "VMware", None, None),
    "10.10.0.35": ("hl7-engine", "hl7", "interface engine", "VMware", None, None),
    "10.10.0.40": ("fhir01", "server", "FHIR", "VMware", None, None),
    "10.10.0.50": ("filesrv01", "server", "file", "Dell", None, None),
    "10.20.1.11": ("ct-room1", "modality", "CT", "Siemens", "CT_ROOM1/SCU", "SIEMENS_SIM_"),
    "10.20.1.12": ("ct-room2", "modality", "CT", "CANON", "CT_ROOM2/SCU", "CANON_SIM_"),
    "10.20.1.21": ("mr-room1", "modality", None, "GE Healthcare", None, None),
    "10.20.1.31": ("us-er1", "modality", "US", "Philips Medical", "US_ER1/SCU", "PHILIPS_SIM_"),
    "10.20.1.32": ("us-obgyn", "modality", "US", "Hitachi Aloka", "US_OBGYN/SCU", "HITACHI_SIM_"),
    "10.20.1.41": ("cr-room2", "modality", "CR", "FUJIFILM", "CR_ROOM2/SCU", "FUJIFILM_SIM_"),
    "10.20.1.42": ("cr-ward", "modality", "CR", "KONICA MINOLTA", "CR_WARD/SCU", "KONICA_SIM_"),
    "10.20.1.90": ("cr-old", "modality", "CR", "Carestream", "CR_OLD/SCU", "CARESTRE_SIM_"),
    "10.20.2.21": ("rad-ws1", "workstation", "DICOM viewer", "Dell", "VIEWER_RAD1/SCU", "DELL_SIM_"),
    "10.20.2.22": ("rad-ws2", "workstation", "DICOM viewer", "Dell", "VIEWER_RAD2/SCU", "DELL_SIM_"),
    "10.20.2.23": ("rad-ws3", "workstation", "DICOM viewer", "Hewlett Packard", "VIEWER_RAD3/SCU",
                   "HP_SIM_"),
    "10.30.3.50": ("ward3-prn01", "printer", None, "Brother", None, None),
    "10.30.4.50": ("ward4-prn01", "printer", None, "RICOH", None, None),
    "10.30.5.50": ("ward5-prn01", "printer", None, "Brother", None, None),
    "10.50.0.50": ("adm-prn01", "printer", None, "Seiko Epson", None, None),
    "10.40.0.11": ("sysmex-xn1", "medical", "lab analyzer", "Sysmex", None, None),
    "10.40.0.12": ("cobas-c311", "medical", "lab analyzer", "Roche", None, None),
    "10.40.0.20": ("nk-central1", "medical", "patient monitoring", "NIHON KOHDEN", None, None),
    "10.40.0.31": ("lab-pc01", "workstation", "PC", "Dell", None, None),
    "10.50.0.22": ("adm-pc02", "workstation", "PC", "Hewlett Packard", None, None),
    "10.50.0.23": ("adm-pc03", "workstation", "PC", "LCFC", None, None),
    "10.50.0.40": ("it-adm01", "workstation", "PC", "Dell", None, None),
    "10.30.4.201": (None, "workstation", "PC", "Raspberry Pi", None, None),
}
for _ward in (3, 4, 5):
    for _pc in (1, 2, 3, 4):
        DEMO["10.30.%d.2%d" % (_ward, _pc)] = ("ward%d-pc0%d" % (_ward, _pc), "workstation", "PC",
                                             "LCFC", None, None)


# Names demo.pcap gives them: DNS answers of dc01 (the servers), mDNS of the
# printers, DHCP options 12 and 81 of the ward PCs.
DEMO_NAMES = {
    "10.10.0.10": "dc01.hospital.example", "10.10.0.20": "pacs-main.hospital.example",
    "10.10.0.30": "his01.hospital.example", "10.10.0.31": "ris01.hospital.example",
    "10.10.0.40": "fhir01.hospital.example", "10.10.0.50": "filesrv01.hospital.example",
    "10.30.3.50": "ward3-prn01.local", "10.30.4.50": "ward4-prn01.local",
    "10.30.5.50": "ward5-prn01.local", "10.30.3.21": "ward3-pc01",
    "10.30.4.24": "ward4-pc04.hospital.example", "10.30.4.201": "raspberrypi",
}


# Server headers of their HTTP responses (Apache 2.4.57 is past vulns.csv's
# Apache lines: no 100104 for his01, see the alerts below).
DEMO_SERVERS = {
    "10.10.0.30": ["Apache/2.4.57 (Debian)"], "10.10.0.40": ["FHIR-Server/6.4"],
    "10.50.0.50": ["EPSON_Linux UPnP/1.0"],
}


def check_demo(ips, problems):
    for ip, a in sorted(ips.items()):
        got = a.get("http", {}).get("servers")
        if got != DEMO_SERVERS.get(ip):
            problems.append("demo: %s: http.servers %s, expected %s" % (
                ip, got, DEMO_SERVERS.get(ip)))
    for ip, name in sorted(DEMO_NAMES.items()):
        if name not in (ips.get(ip) or {}).get("hostnames", []):
            problems.append("demo: %s: hostnames %s, expected %s among them" % (
                ip, (ips.get(ip) or {}).get("hostnames"), name))
        if any(h.startswith("_") for h in (ips.get(ip) or {}).get("hostnames", [])):
            problems.append("demo: %s: a service name taken for a hostname" % ip)
    for ip, (name, typ, sub, vendor, ae, impl) in sorted(DEMO.items()):
        a = ips.get(ip)
        if not a:
            problems.append("demo: %s (%s) is not in the inventory" % (ip, name))
            continue
        got = []
        if a.get("registry", {}).get("name") != name:
            got.append("name %r" % a.get("registry", {}).get("name"))
        if (a.get("type"), a.get("subtype")) != (typ, sub):
            got.append("type %s/%s (%s)" % (a.get("type"), a.get("subtype"), a.get("evidence")))
        if not (a.get("vendor") or "").lower().startswith(vendor.lower()):
            got.append("vendor %r" % a.get("vendor"))
        d = a.get("dicom", {})
        if ae and ae not in ["%s/%s" % (x["ae"], x["role"]) for x in d.get("ae_titles", [])]:
            got.append("AE titles %s" % d.get("ae_titles"))
        if impl and not (d.get("implementation_version") or "").startswith(impl):
            got.append("implementation %r" % d.get("implementation_version"))
        if got:
            problems.append("demo: %s (%s): %s" % (ip, name, "; ".join(got)))


def by_ip(inv):
    return {ip: a for a in inv for ip in a.get("ips", [])}


def main():
    mamori, root = sys.argv[1], sys.argv[2]
    problems = []
    tmp = tempfile.mkdtemp(prefix="mamori-assets-")
    try:
        log = os.path.join(tmp, "normal")
        rc, err, recs, bad, inv = run(mamori, root, "hospital-normal.pcap", log, tmp)
        if rc != 0 or bad or eve.sanitizer_report(err):
            problems.append("hospital-normal: exit %r %s %s" % (rc, err[-300:], bad[:2]))
        ips = by_ip(inv)
        want = {
            "10.10.0.20": ("pacs", None, "Dell Inc."),
            "10.20.1.21": ("modality", "MR", "GE Healthcare"),
            "10.20.1.42": ("modality", "CR", "KONICA MINOLTA HOLDINGS, INC."),
            "10.20.2.23": ("workstation", "DICOM viewer", "Hewlett Packard"),
            "10.10.0.35": ("hl7", "interface engine", "VMware, Inc."),
            "10.50.0.50": ("printer", None, "Seiko Epson Corporation"),
        }
        for ip, (typ, sub, vendor) in want.items():
            a = ips.get(ip)
            if not a:
                problems.append("hospital-normal: no device %s" % ip)
                continue
            if a.get("type") != typ or (sub and a.get("subtype") != sub) or \
                    a.get("vendor") != vendor or not a.get("evidence"):
                problems.append("hospital-normal: %s is %s/%s by %s (%s), expected %s/%s by %s" % (
                    ip, a.get("type"), a.get("subtype"), a.get("vendor"), a.get("evidence"),
                    typ, sub, vendor))
            if a.get("registry", {}).get("status") != "registered":
                problems.append("hospital-normal: %s not registered: %s" % (ip, a.get("registry")))
        mr = ips.get("10.20.1.21", {}).get("dicom", {})
        if {"ae": "MR_ROOM1", "role": "SCU"} not in mr.get("ae_titles", []) or \
                not mr.get("implementation_version") or "MR Image Storage" not in mr.get("sop_classes", []):
            problems.append("hospital-normal: MR DICOM identity %s" % mr)
        if "HIS" not in ips.get("10.10.0.30", {}).get("hl7", {}).get("applications", []):
            problems.append("hospital-normal: his01 HL7 application %s" % ips.get("10.10.0.30"))
        alerts = [r for r in recs if r.get("event_type") == "alert"]
        if alerts:
            problems.append("hospital-normal: asset alerts %s" % [
                (a["alert"]["signature_id"], a.get("src_ip")) for a in alerts[:4]])
        news = [r for r in recs if r.get("event_type") == "asset" and r["asset"].get("event") == "new"]
        if len(news) != len(inv) or not inv:
            problems.append("hospital-normal: %d new records for %d devices" % (len(news), len(inv)))
        # The inventory as IT exports it.
        rc, out, err = eve.run_mamori(mamori, ["--export-assets", "csv", "-l", log])
        lines = out.splitlines() if isinstance(out, str) else out.decode().splitlines()
        if rc != 0 or not lines or not lines[0].startswith("id,mac,vendor,ips,hostnames,type"):
            problems.append("--export-assets csv: exit %r %s" % (rc, lines[:1]))
        elif len(lines) != len(inv) + 1 or not any(
                "10.20.1.21" in x and "MR_ROOM1/SCU" in x and "GE Healthcare" in x for x in lines):
            problems.append("--export-assets csv: %d lines for %d devices" % (len(lines), len(inv)))
        rc, out, err = eve.run_mamori(mamori, ["--export-assets", "json", "-l", log])
        text = out if isinstance(out, str) else out.decode()
        if rc != 0 or sorted(json.loads(x)["id"] for x in text.splitlines()) != \
                sorted(a["id"] for a in inv):
            problems.append("--export-assets json: exit %r, not the devices of assets.json" % rc)
        rc, out, err = eve.run_mamori(mamori, ["--export-assets", "xml", "-l", log])
        if rc != 1:
            problems.append("--export-assets xml: exit %r" % rc)

        # -T rejects a broken registry with FILE:LINE:COL.
        broken = os.path.join(tmp, "broken.csv")
        with open(broken, "w", encoding="utf-8") as f:
            f.write("address,name,type,department,status\n10.0.0.1,pc,workstation,IT,gone\n")
        cfg = os.path.join(tmp, "broken.yaml")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write("assets:\n  enabled: true\n  registry: %s\n" % broken)
        rc, out, err = eve.run_mamori(mamori, ["-T", "-c", cfg])
        if rc != 1 or broken + ":2:28: status" not in err:
            problems.append("-T with a broken registry: exit %r: %s" % (rc, err.strip()[:200]))

        # Restart on the same directory: nothing is new. (eve.json is
        # appended to: only the second run's records are looked at.)
        os.unlink(os.path.join(log, "eve.json"))
        rc, err, recs, bad, inv2 = run(mamori, root, "hospital-normal.pcap", log, tmp)
        again = [r for r in recs if r.get("event_type") == "asset" and r["asset"].get("event") == "new"]
        if rc != 0 or again:
            problems.append("restart: exit %r, %d devices announced as new again" % (rc, len(again)))
        if len(inv2) != len(inv):
            problems.append("restart: %d devices after, %d before" % (len(inv2), len(inv)))

        # demo.pcap: a day's mix with the behaviours in it.
        rc, err, recs, bad, inv = run(mamori, root, "demo.pcap", os.path.join(tmp, "demo"), tmp)
        ips = by_ip(inv)
        checks = {
            "10.40.0.11": lambda a: a.get("type") == "medical" and a.get("subtype") == "lab analyzer",
            "10.20.1.90": lambda a: a.get("registry", {}).get("status") == "retired" and
            {"ae": "CR_OLD", "role": "SCU"} in a.get("dicom", {}).get("ae_titles", []),
            "10.50.0.117": lambda a: a.get("registry", {}).get("status") == "unregistered" and
            len(a.get("dicom", {}).get("ae_titles", [])) > 5,
            "10.20.1.31": lambda a: a.get("subtype") == "US" and a.get("dicom", {}).get(
                "implementation_version"),
        }
        for ip, ok in checks.items():
            if rc != 0 or not ips.get(ip) or not ok(ips[ip]):
                problems.append("demo: %s: %s" % (ip, ips.get(ip)))
        check_demo(ips, problems)
        # Names heard before their device talked wait for it; printsrv01's
        # (named by DNS, silent in demo.pcap) is still waiting at the end.
        st = [r["assets"] for r in recs if r.get("event_type") == "stats" and "assets" in r]
        if not st or st[-1].get("names_attached", 0) < 1 or st[-1].get("names_pending") != 1:
            problems.append("demo: stats assets %s: expected names attached, 1 pending" % (
                st[-1] if st else None))
        if any(a.get("ips") == ["10.10.0.51"] for a in inv):
            problems.append("demo: printsrv01 never talks, yet is a device")
        got = {(r["alert"]["signature_id"], r.get("src_ip"))
               for r in recs if r.get("event_type") == "alert"}
        # ris01 answers the ssh_obsolete behaviour with OpenSSH 5.3: vulns.csv
        want = {(100100, "10.30.4.201"), (100100, "10.50.0.117"), (100101, "10.20.1.90"),
                (100104, "10.10.0.31")}
        if got != want:
            problems.append("demo: asset alerts %s, expected %s" % (sorted(got), sorted(want)))

        for capture, sid, ip in (("behaviours/new_device.pcap", 100100, "10.30.4.201"),
                                 ("behaviours/retired_device.pcap", 100101, "10.20.1.90")):
            rc, err, recs, bad, inv = run(mamori, root, capture, os.path.join(tmp, capture), tmp)
            got = {(r["alert"]["signature_id"], r.get("src_ip"))
                   for r in recs if r.get("event_type") == "alert"}
            if rc != 0 or got != {(sid, ip)}:
                problems.append("%s: exit %r alerts %s, expected %s" % (capture, rc, got, {(sid, ip)}))
            if capture.startswith("behaviours/new"):
                a = by_ip(inv).get(ip, {})
                if "raspberrypi" not in a.get("hostnames", []) or \
                        a.get("vendor") != "Raspberry Pi Trading Ltd":
                    problems.append("new_device: %s" % a)
        check_shared(mamori, root, tmp, problems)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for p in problems:
        print("FAIL:", p)
    print("assets: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
