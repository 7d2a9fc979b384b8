#!/usr/bin/env python3
"""mamori raises the alerts of its rules, as rulecheck does, with any number
of workers.

usage: rules_alerts.py MAMORI SOURCE_ROOT RULECHECK

For every capture of pcaps/behaviours/ and pcaps/hospital-normal.pcap,
`mamori -r CAPTURE --rules SOURCE_ROOT/rules` must write exactly the alerts
that `rulecheck -r CAPTURE` prints (signature id, source and destination,
as multisets) with --workers 1; with --workers 2 the same rules must fire
for the same sources, as often: the stateful rules (port scan, host sweep,
reject burst) must fire when their flows are spread over two workers, since
the correlator sees every worker's matches. (Which event of a counting rule
reaches the threshold, hence the alert's destination, depends on the order
in which the two workers' matches reach the correlator, so the destination
is only compared with one worker.) The rule ids
must also be those the rule pack's unit test expects for each capture
(tests/unit/detect/test_rule_pack.c, read from there so that the table is
kept in one place); hospital-normal.pcap raises none.

Real captures of ../shared/pcaps (read in place, when present) are extra
cases: each must raise the rule listed for it in REAL_CAPTURES, with
mamori as with rulecheck; the SMB2/3 ones must not raise 100013 (SMBv1).
Rules on the smb event's fields (version, dialect, dialects offered,
commands) raise exactly what the SMB captures hold, with the smb object
attached. The 1,000 rules of `rulecheck --generate 1000` (tools/bench)
load.

Then the checks that need no capture: without --rules nothing is matched
(no alert, no detect section in the stats record), and `mamori -T --rules
DIR` exits 1 with FILE:LINE:COL for a broken rule, 0 for the shipped rules.
"""

import collections
import json
import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
import eve  # noqa: E402

# capture under ../shared/pcaps -> (rules it must raise, rules it must not)
REAL_CAPTURES = {
    "cleartext/ndpi_ftp.pcap": ({100012}, set()),
    "cleartext/ndpi_pop3.pcap": ({100012}, set()),
    "cleartext/sv-telnet_telnet-01/telnet.pcap": ({100012}, set()),
    "cleartext/ndpi_http_basic_auth.pcap": ({100011}, {100012}),
    "smb/ndpi_smbv1.pcap": ({100013}, set()),
    "smb/zeek_cifs_negotiate_lanman.pcap": ({100013}, set()),
    "smb/tmnids_eternalblue_success_win7.pcap": ({100013}, set()),
    "smb/ndpi_smb_deletefile.pcap": (set(), {100013}),
    "smb/zeek_smbghost_cve2020_0796.pcap": (set(), {100013}),
    "tls_legacy/ndpi_tls10_rdn_extract.pcap": ({100015}, set()),
    "tls_legacy/zeek_sslv3.pcap": ({100015}, set()),
    "tls_legacy/zeek_tls11.pcap": ({100015}, set()),
    "tls_legacy/zeek_tls_expired_cert.pcap": ({100023}, set()),
    "remote_access/ndpi_ssh.pcap": ({100016}, set()),
    "remote_access/zeek_ssh_password_guessing.pcap": ({100016}, set()),
}

CASE_RE = re.compile(r'\{"([^"]+\.pcap)",\s*\{([0-9,\s]*)\}\}')


def expected_table(root):
    """capture (relative to pcaps/) -> set of rule ids, from the unit test."""
    path = os.path.join(root, "tests", "unit", "detect", "test_rule_pack.c")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    table = {}
    for name, ids in CASE_RE.findall(text):
        table[name] = {int(x) for x in ids.replace(" ", "").split(",") if x and x != "0"}
    return table


def alert_key(rec):
    a = rec.get("alert", {})
    return (a.get("signature_id"), rec.get("src_ip"), rec.get("src_port"),
            rec.get("dest_ip"), rec.get("dest_port"))


def rulecheck_alerts(rulecheck, rules, capture):
    proc = subprocess.run([rulecheck, "-r", capture, rules], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=eve.RUN_TIMEOUT)
    if proc.returncode != 0:
        return None, proc.stderr.decode("utf-8", "replace")
    recs, problems = eve.parse_eve(proc.stdout.decode("utf-8", "replace"))
    if problems:
        return None, "; ".join(problems[:3])
    return [r for r in recs if r.get("event_type") == "alert"], ""


def mamori_run(mamori, args, logdir):
    os.mkdir(logdir)
    rc, _, err = eve.run_mamori(mamori, args + ["-l", logdir])
    records, bad = eve.read_eve(logdir)
    return rc, err, records, bad


def check_capture(mamori, rulecheck, rules, capture, want_ids, tmp):
    problems = []
    label = os.path.basename(capture)
    ref, why = rulecheck_alerts(rulecheck, rules, capture)
    if ref is None:
        return ["%s: rulecheck failed: %s" % (label, why.strip()[:300])]
    ref_keys = collections.Counter(alert_key(r) for r in ref)
    ref_ids = {k[0] for k in ref_keys}
    if want_ids is not None and ref_ids != want_ids:
        problems.append("%s: rulecheck raises %s, the rule pack test expects %s" % (
            label, sorted(ref_ids), sorted(want_ids)))
    for workers in (1, 2):
        log = os.path.join(tmp, "%s-w%d" % (label, workers))
        rc, err, records, bad = mamori_run(
            mamori, ["-r", capture, "--rules", rules, "--workers", str(workers)], log)
        what = "%s --workers %d" % (label, workers)
        report = eve.sanitizer_report(err)
        if report:
            problems.append("%s: sanitizer: %s" % (what, report))
        if rc != 0:
            problems.append("%s: exit %r: %s" % (what, rc, err.strip()[:300]))
            continue
        if bad:
            problems.append("%s: %s" % (what, bad[:3]))
        alerts = [r for r in records if r.get("event_type") == "alert"]
        got = collections.Counter(alert_key(r) for r in alerts)
        want = ref_keys
        if workers > 1:
            got = collections.Counter(k[:2] for k in got.elements())
            want = collections.Counter(k[:2] for k in ref_keys.elements())
        if got != want:
            problems.append("%s: alerts differ from rulecheck: only mamori %s, only rulecheck %s"
                            % (what, sorted((got - want).elements(), key=str)[:4],
                               sorted((want - got).elements(), key=str)[:4]))
        ids = collections.Counter(r.get("alert_id") for r in alerts)
        if any(n > 1 for n in ids.values()):
            problems.append("%s: an alert_id is used twice" % what)
        stats = [r for r in records if r.get("event_type") == "stats"]
        if len(stats) != 1 or "detect" not in stats[0].get("stats", {}):
            problems.append("%s: no stats record with a detect section" % what)
        elif stats[0]["stats"]["detect"].get("handover_drops") != 0:
            problems.append("%s: matches dropped at hand-over in a replay" % what)
        elif stats[0].get("correlator", {}).get("alerts") != len(alerts):
            problems.append("%s: the stats record counts %r alerts, %d were written" % (
                what, stats[0].get("correlator", {}).get("alerts"), len(alerts)))
    return problems


def check_real(mamori, rulecheck, rules, shared, tmp):
    problems = []
    for rel, (must, must_not) in sorted(REAL_CAPTURES.items()):
        capture = os.path.join(shared, rel)
        if not os.path.exists(capture):
            print("%s: absent, skipped" % rel)
            continue
        ref, why = rulecheck_alerts(rulecheck, rules, capture)
        if ref is None:
            problems.append("%s: rulecheck failed: %s" % (rel, why.strip()[:300]))
            continue
        log = os.path.join(tmp, "real-" + rel.replace("/", "_"))
        rc, err, records, bad = mamori_run(mamori, ["-r", capture, "--rules", rules], log)
        if rc != 0 or bad:
            problems.append("%s: exit %r %s %s" % (rel, rc, err.strip()[:200], bad[:2]))
            continue
        got = {r["alert"]["signature_id"] for r in records if r.get("event_type") == "alert"}
        ref_ids = {r["alert"]["signature_id"] for r in ref}
        p = []
        if got != ref_ids:
            p.append("%s: mamori raises %s, rulecheck %s" % (rel, sorted(got), sorted(ref_ids)))
        if not must <= got:
            p.append("%s: %s not raised (raised: %s)" % (rel, sorted(must - got), sorted(got)))
        if got & must_not:
            p.append("%s: %s raised" % (rel, sorted(got & must_not)))
        print("%s: %s" % (rel, "ok" if not p else "FAILED"))
        problems += p
    return problems


def check_smb_fields(mamori, pcaps, tmp):
    """The smb event's fields as rules read them, from mamori's SMB parser."""
    rules = os.path.join(tmp, "smb-rules")
    os.makedirs(os.path.join(rules, "lists"))
    with open(os.path.join(rules, "smb.rules"), "w", encoding="utf-8") as f:
        f.write('rule 2001 "dialect" when smb.dialect == "NT LM 0.12"\n'
                'rule 2002 "offered" when smb.dialects_offered == LANMAN1.0\n'
                'rule 2003 "session setup" when smb.commands == SESSION_SETUP_ANDX\n'
                'rule 2004 "SMB3 reads" when smb.version == 3 and smb.commands == READ\n'
                '  and smb.dialect == "3.0.2"\n'
                'rule 2005 "any SMB" on smb when src_ip exists\n')
    problems = []
    for capture, want in (("behaviours/smbv1.pcap", {2001, 2002, 2005}),
                          ("hospital-normal.pcap", {2004, 2005})):
        log = os.path.join(tmp, "smb-" + os.path.basename(capture))
        rc, err, records, bad = mamori_run(
            mamori, ["-r", os.path.join(pcaps, capture), "--rules", rules], log)
        got = collections.Counter(r["alert"]["signature_id"] for r in records
                                  if r.get("event_type") == "alert")
        if rc != 0 or bad or set(got) != want or any(n != 1 for n in got.values()):
            problems.append("smb fields on %s: exit %r, alerts %s, expected one each of %s %s" % (
                capture, rc, dict(got), sorted(want), err.strip()[:200]))
        smb = [r for r in records if r.get("event_type") == "alert" and "smb" in r]
        if len(smb) != len(list(got.elements())):
            problems.append("smb fields on %s: an alert without its smb object" % capture)
    print("smb fields: %s" % ("ok" if not problems else "FAILED"))
    return problems


def check_generated(rulecheck, tmp):
    """The 1,000 rules tools/bench runs with load as rules of their own."""
    gen = os.path.join(tmp, "generated")
    os.makedirs(os.path.join(gen, "lists"))
    with open(os.path.join(gen, "generated.rules"), "wb") as f:
        rc = subprocess.run([rulecheck, "--generate", "1000"], stdout=f, stdin=subprocess.DEVNULL,
                            timeout=eve.RUN_TIMEOUT).returncode
    proc = subprocess.run([rulecheck, gen], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, timeout=eve.RUN_TIMEOUT)
    out = proc.stdout.decode("utf-8", "replace")
    if rc != 0 or proc.returncode != 0 or "1000 rules (0 disabled)" not in out:
        return ["rulecheck --generate 1000: exit %r, then %r: %s" % (rc, proc.returncode, out[:300])]
    return []


def check_no_rules(mamori, capture, tmp):
    rc, err, records, bad = mamori_run(mamori, ["-r", capture], os.path.join(tmp, "norules"))
    if rc != 0 or bad:
        return ["without --rules: exit %r %s %s" % (rc, err.strip()[:200], bad[:2])]
    problems = []
    if any(r.get("event_type") == "alert" for r in records):
        problems.append("without --rules: alerts were written")
    if any("detect" in r.get("stats", {}) or "correlator" in r
           for r in records if r.get("event_type") == "stats"):
        problems.append("without --rules: the stats record has detection figures")
    return problems


def check_config_test(mamori, rules, tmp):
    problems = []
    rc, _, err = eve.run_mamori(mamori, ["-T", "--rules", rules])
    if rc != 0:
        problems.append("-T --rules %s: exit %r: %s" % (rules, rc, err.strip()[:300]))
    broken = os.path.join(tmp, "broken")
    os.makedirs(os.path.join(broken, "lists"))
    with open(os.path.join(broken, "local.rules"), "w", encoding="utf-8") as f:
        f.write("# a typo in a field name\n"
                "rule 1001 rev 1 \"test\"\n"
                "  when dicom.calling_ea == CT_ROOM1\n")
    rc, out, err = eve.run_mamori(mamori, ["-T", "--rules", broken])
    where = os.path.join(broken, "local.rules") + ":3:8:"
    if rc != 1:
        problems.append("-T on a broken rule: exit %r, expected 1" % rc)
    if where not in err:
        problems.append("-T on a broken rule: %r not in its messages: %s" % (where, err[:300]))
    if "is valid" in out:
        problems.append("-T on a broken rule: said the configuration is valid")
    # rules.vars: a mistake in a value is reported at its place in the
    # configuration file; a good value is taken.
    conf = os.path.join(tmp, "vars.yaml")
    with open(conf, "w", encoding="utf-8") as f:
        f.write("rules:\n  dir: %s\n  vars:\n    $HOSPITAL_NETS: \"[10.0.0.0/8, 300.1.1.1]\"\n"
                % json.dumps(rules))
    rc, _, err = eve.run_mamori(mamori, ["-T", "-c", conf])
    if rc != 1 or conf + ":4:35:" not in err:
        problems.append("-T with a bad rules.vars value: exit %r, messages %s" % (rc, err[:300]))
    with open(conf, "w", encoding="utf-8") as f:
        f.write("rules:\n  dir: %s\n  vars:\n    HOSPITAL_NETS: \"[10.0.0.0/8]\"\n"
                % json.dumps(rules))
    rc, _, err = eve.run_mamori(mamori, ["-T", "-c", conf])
    if rc != 0:
        problems.append("-T with a good rules.vars value: exit %r: %s" % (rc, err[:300]))
    rc, _, err = eve.run_mamori(mamori, ["-r", os.devnull, "--rules", broken, "-l", tmp])
    if rc != 1 or where not in err:
        problems.append("-r with a broken rule: exit %r (expected 1), messages %s" % (rc, err[:300]))
    return problems


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    mamori, root, rulecheck = sys.argv[1:4]
    rules = os.path.join(root, "rules")
    pcaps = os.path.join(root, "pcaps")
    table = expected_table(root)
    captures = [os.path.join("behaviours", n)
                for n in sorted(os.listdir(os.path.join(pcaps, "behaviours")))
                if n.endswith(".pcap")] + ["hospital-normal.pcap"]
    problems = []
    missing = [c for c in captures if c not in table]
    if missing:
        problems.append("captures absent from the rule pack test's table: %s" % missing)
    if table.get("hospital-normal.pcap") != set():
        problems.append("the rule pack test no longer expects hospital-normal.pcap to be quiet")
    with tempfile.TemporaryDirectory(prefix="mamori-rules-") as tmp:
        for c in captures:
            p = check_capture(mamori, rulecheck, rules, os.path.join(pcaps, c), table.get(c), tmp)
            print("%s: %s" % (c, "ok" if not p else "FAILED"))
            problems += p
        problems += check_real(mamori, rulecheck, rules, eve.shared_pcaps_dir(root), tmp)
        problems += check_smb_fields(mamori, pcaps, tmp)
        problems += check_generated(rulecheck, tmp)
        problems += check_no_rules(mamori, os.path.join(pcaps, "behaviours", "portscan.pcap"),
                                   tmp)
        problems += check_config_test(mamori, rules, tmp)
    for p in problems:
        print("FAIL: " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
