"""Helpers for the clinical-protocol end-to-end tests: run mamori on a
capture, read what tshark's DICOM and HL7 dissectors make of the same
capture, compare the two, and look for patient values in records."""

import collections
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile

import eve

UID_IN_NAME = re.compile(r"\(([0-9.]+)\)\s*$")


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mamori_records(exe, pcap):
    """All EVE records mamori writes for pcap; raises on a failed run."""
    with tempfile.TemporaryDirectory(prefix="mamori-clinical-") as d:
        rc, out, err = eve.run_mamori(exe, ["-r", pcap, "-l", d])
        report = eve.sanitizer_report(err)
        if rc != 0 or report:
            raise RuntimeError("mamori -r %s: exit %s %s\n%s" % (pcap, rc, report or "", err[-2000:]))
        with open(os.path.join(d, "eve.json"), encoding="utf-8") as f:
            text = f.read()
    records, problems = eve.parse_eve(text)
    if problems:
        raise RuntimeError("%s: %s" % (pcap, "; ".join(problems[:5])))
    return records, text


def key_of(rec):
    return eve.flow_key("TCP", rec["src_ip"], rec["src_port"], rec["dest_ip"], rec["dest_port"])


def _tshark_json(pcap, decode_as, fields, display_filter):
    if not shutil.which("tshark"):
        return None
    args = ["tshark", "-n", "-r", pcap, "-T", "json", "-Y", display_filter]
    for port, proto in decode_as:
        args += ["-d", "tcp.port==%d,%s" % (port, proto)]
    for f in ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport"] + fields:
        args += ["-e", f]
    out = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True,
                         timeout=600).stdout
    return [p["_source"]["layers"] for p in json.loads(out or b"[]")]


def _frame_key(layers):
    src = (layers.get("ip.src") or layers.get("ipv6.src"))[0]
    dst = (layers.get("ip.dst") or layers.get("ipv6.dst"))[0]
    return eve.flow_key("TCP", src, layers["tcp.srcport"][0], dst, layers["tcp.dstport"][0])


def _uid(v):
    m = UID_IN_NAME.search(v)
    return m.group(1) if m else v.strip()


DICOM_FIELDS = ["dicom.pdu.type", "dicom.assoc.ae.calling", "dicom.assoc.ae.called",
                "dicom.pctx.id", "dicom.pctx.abss.syntax", "dicom.pctx.xfer.syntax",
                "dicom.pctx.result"]
PDU_NAMES = {1: "associate_rq", 2: "associate_ac", 3: "associate_rj", 4: "p_data_tf",
             5: "release_rq", 6: "release_rp", 7: "abort"}


def tshark_dicom(pcap, ports):
    """Per connection: AE titles, proposed contexts (ids, abstract syntaxes,
    transfer syntaxes in order), the answers (ids, results, accepted
    transfer syntaxes) and PDU counts by type, as tshark dissects them."""
    frames = _tshark_json(pcap, [(p, "dicom") for p in ports], DICOM_FIELDS, "dicom")
    if frames is None:
        return None
    conns = collections.defaultdict(lambda: {"pdus": collections.Counter()})
    for l in frames:
        c = conns[_frame_key(l)]
        types = [int(t, 16) for t in l.get("dicom.pdu.type", [])]
        for t in types:
            c["pdus"][PDU_NAMES.get(t, str(t))] += 1
        if 1 in types:
            c["calling_ae"] = l.get("dicom.assoc.ae.calling", [""])[0].strip()
            c["called_ae"] = l.get("dicom.assoc.ae.called", [""])[0].strip()
            c["rq_ids"] = [int(x, 16) for x in l.get("dicom.pctx.id", [])]
            c["rq_abstract"] = [_uid(x) for x in l.get("dicom.pctx.abss.syntax", [])]
            c["rq_ts"] = [_uid(x) for x in l.get("dicom.pctx.xfer.syntax", [])]
        if 2 in types:
            c["ac_ids"] = [int(x, 16) for x in l.get("dicom.pctx.id", [])]
            c["ac_results"] = [int(x, 16) for x in l.get("dicom.pctx.result", [])]
            c["ac_ts"] = [_uid(x) for x in l.get("dicom.pctx.xfer.syntax", [])]
    return dict(conns)


RESULT_CODES = {"acceptance": 0, "user-rejection": 1, "no-reason": 2,
                "abstract-syntax-not-supported": 3, "transfer-syntaxes-not-supported": 4}


def mamori_dicom_view(rec):
    """The same view of one mamori dicom record."""
    d = rec["dicom"]
    ctx = d.get("presentation_contexts", [])
    proposed = [x for x in ctx if x.get("abstract_syntax")]
    answered = [x for x in ctx if x["result"] != "no-answer"]
    return {
        "calling_ae": d["calling_ae"],
        "called_ae": d["called_ae"],
        "rq_ids": [x["id"] for x in proposed],
        "rq_abstract": [x["abstract_syntax"] for x in proposed],
        "rq_ts": [t for x in proposed for t in x["transfer_syntaxes"]],
        "ac_ids": [x["id"] for x in answered],
        "ac_results": [RESULT_CODES.get(x["result"], -1) for x in answered],
        "ac_ts": [x["accepted_transfer_syntax"] for x in answered
                  if x.get("accepted_transfer_syntax")],
        "pdus": collections.Counter(d.get("pdus", {})),
    }


def compare_dicom(records, tshark, label):
    """Problems where mamori's dicom records differ from tshark's view."""
    problems = []
    mine = {key_of(r): mamori_dicom_view(r) for r in records if r.get("event_type") == "dicom"}
    for k, t in sorted(tshark.items()):
        if "calling_ae" not in t:
            continue  # picked up without its request: nothing to compare
        m = mine.get(k)
        if m is None:
            problems.append("%s %s: tshark sees an association, mamori wrote no dicom record"
                            % (label, eve.format_key(k)))
            continue
        for field in ("calling_ae", "called_ae", "rq_ids", "rq_abstract", "rq_ts", "pdus"):
            if m[field] != t.get(field, [] if field != "pdus" else collections.Counter()):
                problems.append("%s %s: %s: mamori %r, tshark %r"
                                % (label, eve.format_key(k), field, m[field], t.get(field)))
        if "ac_ids" in t:
            for field in ("ac_ids", "ac_results", "ac_ts"):
                if m[field] != t[field]:
                    problems.append("%s %s: %s: mamori %r, tshark %r"
                                    % (label, eve.format_key(k), field, m[field], t[field]))
    return problems, len([t for t in tshark.values() if "calling_ae" in t])


def _msh_fields(seg):
    """MSH split as the message declares: fields[n] is MSH-n."""
    seg = seg.rstrip("\r\n")
    fs = seg[3]
    parts = seg.split(fs)
    return [None, fs] + parts[1:]


def tshark_hl7(pcap, ports):
    """Per message, in capture order per connection: MSH-3..7, 9..12 and
    MSA-1/2 from the segments tshark dissected, and the segment ids."""
    frames = _tshark_json(pcap, [(p, "hl7") for p in ports], ["hl7.segment"], "hl7")
    if frames is None:
        return None
    msgs = collections.defaultdict(list)
    for l in frames:
        cur = None
        for seg in l.get("hl7.segment", []):
            if seg.startswith("MSH") and len(seg) > 4:
                f = _msh_fields(seg)
                get = lambda n: f[n] if n < len(f) else ""  # noqa: E731
                cur = {"sending_application": get(3), "sending_facility": get(4),
                       "receiving_application": get(5), "receiving_facility": get(6),
                       "message_datetime": get(7).split(get(2)[:1] or "^")[0],
                       "message_type": get(9), "message_control_id": get(10),
                       "processing_id": get(11).split(get(2)[:1] or "^")[0],
                       "version": get(12).split(get(2)[:1] or "^")[0],
                       "segments": [], "_fs": f[1]}
                msgs[_frame_key(l)].append(cur)
            if cur is None:
                continue
            cur["segments"].append(seg[:3])
            if seg.startswith("MSA"):
                f = seg.rstrip("\r\n").split(cur["_fs"])
                cur["ack_code"] = f[1] if len(f) > 1 else ""
                cur["ack_control_id"] = f[2] if len(f) > 2 else ""
    return dict(msgs)


def compare_hl7(records, tshark, label):
    problems = []
    mine = collections.defaultdict(list)
    for r in sorted((r for r in records if r.get("event_type") == "hl7"),
                    key=lambda r: r["timestamp"]):
        mine[key_of(r)].append(r["hl7"])
    count = 0
    for k, tmsgs in sorted(tshark.items()):
        # mamori writes a message when its acknowledgement arrives: match by control id
        by_id = {m["message_control_id"]: m for m in mine.get(k, [])}
        for t in tmsgs:
            count += 1
            m = by_id.get(t["message_control_id"])
            if m is None:
                problems.append("%s %s: message %s (%s) has no hl7 record"
                                % (label, eve.format_key(k), t["message_control_id"],
                                   t["message_type"]))
                continue
            segs = m.get("segments", [])
            # Wireshark lists only segments ended by CR; senders often leave the
            # CR out before the end block (python-hl7's mllp_send strips it), and
            # that last segment is still part of the message: one more is allowed.
            if segs != t["segments"] and not (len(segs) == len(t["segments"]) + 1 and
                                              segs[:-1] == t["segments"]):
                problems.append("%s %s msg %s: segments: mamori %r, tshark %r"
                                % (label, eve.format_key(k), t["message_control_id"], segs,
                                   t["segments"]))
            for field in ("sending_application", "sending_facility", "receiving_application",
                          "receiving_facility", "message_datetime", "message_type",
                          "processing_id", "version"):
                if m.get(field) != t[field]:
                    problems.append("%s %s msg %s: %s: mamori %r, tshark %r"
                                    % (label, eve.format_key(k), t["message_control_id"], field,
                                       m.get(field), t[field]))
            if "ack_code" in t:
                msa = m.get("msa", {})
                if (msa.get("ack_code"), msa.get("message_control_id")) != \
                        (t["ack_code"], t["ack_control_id"]):
                    problems.append("%s %s msg %s: MSA mamori %r, tshark %r"
                                    % (label, eve.format_key(k), t["message_control_id"], msa,
                                       (t["ack_code"], t["ack_control_id"])))
    return problems, count


def patient_values_found(text, values):
    """The patient values that appear anywhere in the EVE text."""
    return [v for v in values if v in text]
