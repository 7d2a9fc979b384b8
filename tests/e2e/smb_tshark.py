#!/usr/bin/env python3
"""Does mamori read SMB as Wireshark does?

usage: smb_tshark.py MAMORI SOURCE_ROOT [DIR]

Replays the generated captures with SMB (pcaps/behaviours/smbv1.pcap,
pcaps/hospital-normal.pcap, pcaps/demo.pcap) and the shared real ones
(../shared/pcaps/smb) through mamori and through tshark's SMB and SMB2
dissectors, and compares per TCP connection: the SMB version in use, the
dialect the server chose, the dialects the client offered (in its last
NEGOTIATE) and the set of commands (where tshark did not dissect the
NEGOTIATE request, only the version and commands). Connections tshark finds no SMB in
must be ones mamori marks truncated (not SMB at all, like exploit
grooming packets). No user, share or file name tshark finds may be in a
record mamori wrote.

Skips (77) without tshark; a capture that is absent is skipped alone."""

import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
import clinical  # noqa: E402
import eve  # noqa: E402

SMB2_DIALECTS = {0x0202: "2.0.2", 0x0210: "2.1", 0x02ff: "2.???", 0x0300: "3.0",
                 0x0302: "3.0.2", 0x0311: "3.1.1"}
SMB2_COMMANDS = ["NEGOTIATE", "SESSION_SETUP", "LOGOFF", "TREE_CONNECT", "TREE_DISCONNECT",
                 "CREATE", "CLOSE", "FLUSH", "READ", "WRITE", "LOCK", "IOCTL", "CANCEL", "ECHO",
                 "QUERY_DIRECTORY", "CHANGE_NOTIFY", "QUERY_INFO", "SET_INFO", "OPLOCK_BREAK"]
SMB1_COMMANDS = {0x04: "CLOSE", 0x06: "DELETE", 0x08: "QUERY_INFORMATION",
                 0x10: "CHECK_DIRECTORY", 0x24: "LOCKING_ANDX", 0x25: "TRANSACTION",
                 0x26: "TRANSACTION_SECONDARY", 0x2b: "ECHO", 0x2d: "OPEN_ANDX",
                 0x2e: "READ_ANDX", 0x2f: "WRITE_ANDX", 0x32: "TRANSACTION2",
                 0x33: "TRANSACTION2_SECONDARY", 0x34: "FIND_CLOSE2", 0x70: "TREE_CONNECT",
                 0x71: "TREE_DISCONNECT", 0x72: "NEGOTIATE", 0x73: "SESSION_SETUP_ANDX",
                 0x74: "LOGOFF_ANDX", 0x75: "TREE_CONNECT_ANDX", 0xa0: "NT_TRANSACT",
                 0xa1: "NT_TRANSACT_SECONDARY", 0xa2: "NT_CREATE_ANDX", 0xa4: "NT_CANCEL"}
FIELDS = ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport",
          "smb.cmd", "smb.flags.response", "smb.dialect.name", "smb.dialect.index",
          "smb2.cmd", "smb2.flags.response", "smb2.dialect", "smb.account", "smb.path",
          "smb.file", "smb2.tree", "smb2.filename", "ntlmssp.auth.username"]


def smb1_name(code):
    return SMB1_COMMANDS.get(code, "0x%02x" % code)


def smb2_dialect(code):
    return SMB2_DIALECTS.get(code, "0x%04x" % code)


def ints(v):
    return [int(x, 0) for x in v.split(",") if x]


def tshark_smb(pcap):
    """connection key -> what tshark read, plus the names seen."""
    args = ["tshark", "-n", "-r", pcap, "-Y", "smb || smb2", "-T", "fields",
            "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        args += ["-e", f]
    out = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, timeout=300, check=False)
    conns, names = {}, set()
    for line in out.stdout.decode("utf-8", "replace").splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        src = v["ip.src"] or v["ipv6.src"]
        dst = v["ip.dst"] or v["ipv6.dst"]
        if not v["tcp.srcport"]:
            continue
        sp, dp = int(v["tcp.srcport"]), int(v["tcp.dstport"])
        key = eve.flow_key("TCP", src, sp, dst, dp)
        c = conns.setdefault(key, {"cmds": set(), "offered": None, "dialect": None,
                                   "version": 0, "smb1_from_server": False,
                                   "smb2_from_server": False, "smb1": False, "smb2": False})
        for n in ("smb.account", "smb.path", "smb.file", "smb2.tree", "smb2.filename",
                  "ntlmssp.auth.username"):
            names.update(x for x in v.get(n, "").split(",") if len(x) > 3)
        from_server = sp in (139, 445)
        for code in ints(v["smb.cmd"]):
            if code != 0xff:
                c["cmds"].add(smb1_name(code))
        for code in ints(v["smb2.cmd"]):
            c["cmds"].add(SMB2_COMMANDS[code] if code < len(SMB2_COMMANDS) else "0x%04x" % code)
        if v["smb.cmd"]:
            c["smb1"] = True
            c["smb1_from_server"] |= from_server
        if v["smb2.cmd"]:
            c["smb2"] = True
            c["smb2_from_server"] |= from_server
        if v["smb.dialect.name"] and not from_server:
            c["offered"] = v["smb.dialect.name"].split(",")
        if v["smb.dialect.index"] and from_server:
            i = int(v["smb.dialect.index"], 0)
            if i != 0xffff:
                c["dialect"] = c["offered"][i] if c["offered"] and i < len(c["offered"]) else ""
                c["version"] = 1
        if v["smb2.dialect"] and "0" in v["smb2.cmd"].split(","):
            ds = ints(v["smb2.dialect"])
            if from_server:
                c["dialect"] = smb2_dialect(ds[-1])
                c["version"] = 3 if ds[-1] >= 0x300 and ds[-1] != 0x2ff else 2
            else:
                c["offered"] = [smb2_dialect(d) for d in ds]
    for c in conns.values():
        if not c["version"]:
            if c["smb2_from_server"] or c["smb1_from_server"]:
                c["version"] = 2 if c["smb2_from_server"] else 1
            else:
                c["version"] = 2 if c["smb2"] else 1
    return conns, names


def compare(records, conns, label):
    problems = []
    smb = {clinical.key_of(r): r["smb"] for r in records if r.get("event_type") == "smb"}
    for key, t in sorted(conns.items(), key=str):
        m = smb.get(key)
        where = "%s %s" % (label, eve.format_key(key))
        if m is None:
            problems.append("%s: tshark reads SMB, mamori wrote no smb record" % where)
            continue
        got = {"version": m.get("version"), "dialect": m.get("dialect"),
               "offered": m.get("dialects_offered"), "cmds": set(m.get("commands", []))}
        want = {"version": t["version"], "dialect": t["dialect"] or None,
                "offered": t["offered"], "cmds": t["cmds"]}
        if t["offered"] is None and got["offered"]:
            # tshark did not dissect the NEGOTIATE request (in sv-smb1-02 it
            # takes it for a spurious retransmission) while mamori's
            # reassembly read it: only the version and commands compare.
            del want["offered"], want["dialect"]
        for k in want:
            if got[k] != want[k]:
                problems.append("%s: %s: mamori %r, tshark %r" % (where, k, got[k], want[k]))
    for key, m in smb.items():
        if key not in conns and not m.get("truncated"):
            problems.append("%s %s: mamori wrote an smb record, tshark reads no SMB" % (
                label, eve.format_key(key)))
    return problems, len(smb)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    exe, root = sys.argv[1], sys.argv[2]
    if not shutil.which("tshark"):
        eve.skip("tshark is not installed")
    shared = eve.shared_pcaps_dir(root)
    captures = [os.path.join(root, "pcaps", "behaviours", "smbv1.pcap"),
                os.path.join(root, "pcaps", "hospital-normal.pcap"),
                os.path.join(root, "pcaps", "demo.pcap")]
    captures += eve.find_captures(os.path.join(shared, "smb"))
    if len(sys.argv) > 3:
        captures = eve.find_captures(os.path.join(root, sys.argv[3]))
    problems = []
    seen = compared = 0
    for pcap in captures:
        if not os.path.exists(pcap):
            print("absent, skipped: %s" % pcap)
            continue
        seen += 1
        label = os.path.relpath(pcap, os.path.dirname(pcap.rsplit("/pcaps/", 1)[0]))
        records, text = clinical.mamori_records(exe, pcap)
        conns, names = tshark_smb(pcap)
        p, n = compare(records, conns, label)
        compared += len(conns)
        leaked = sorted(x for x in names if x in text)
        if leaked:
            p.append("%s: names from the wire in mamori's records: %s" % (label, leaked[:5]))
        print("%s: %d connections with SMB, %d smb records: %s" % (
            label, len(conns), n, "ok" if not p else "FAILED"))
        problems += p
    if not seen:
        eve.skip("no capture found")
    if compared == 0:
        problems.append("no SMB connection compared")
    for p in problems:
        print("FAIL: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
