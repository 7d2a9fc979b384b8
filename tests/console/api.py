#!/usr/bin/env python3
"""mamori-console's API against a real redis-server (started by the test on
a unix socket in a temporary directory):
  start      no token, a short one, a missing web folder: refused, exit 1
  auth       nothing but the page without the token; Bearer and the login
             cookie let in; a wrong token does not; headers (CSP, nosniff)
  alerts     every record comes back as valid JSON with no '<'; filters by
             severity, rule, IP, device, protocol, state, time; paging
             returns every alert once, newest first; bad parameters 400
  detail     the alert with its devices from the inventory (PREFIX:assets:ip),
             "no inventory" when the asset keys are absent; 404, 400
  triage     acknowledge, assign, close with comment; each once (409 after);
             ten racing acknowledgements: one wins; the audit log; the
             consumer group's pending list shrinks when an alert is closed
  assets     no inventory; a searchable inventory; a device's page; filters
             by registry status, vulnerabilities and type with their counts;
             an asset alert belongs to the device its asset.id names
  overview   severity counts, sensors with packets/s from two stats records
  events     live alerts and triage actions as Server-Sent Events
  auth       a Redis with a password and a database other than 0
  backlog    an alert closed before the consumer group read it leaves the
             pending list when the group reads it
  trimmed    triage hashes of alerts trimmed from the stream are removed,
             those of alerts still in it stay
  redis      Redis wedged (SIGSTOP): 503 after the timeout, then answers again;
             Redis stopped: 503; started again: the API and the live feed
             come back without restarting the console

usage: api.py MAMORI_CONSOLE SOURCE_ROOT"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
from consoletest import Console, Events, Redis, TOKEN, alert  # noqa: E402

problems = []


def check(cond, what):
    if not cond:
        problems.append(what)
        print("FAIL:", what)
    return cond


def no_markup(payload):
    return b"<" not in payload and b">" not in payload


def check_start(exe, web, tmp):
    env = dict(os.environ)
    env.pop("MAMORI_CONSOLE_TOKEN", None)
    r = subprocess.run([exe, "--port", "0", "--web", web], env=env, capture_output=True,
                       text=True, timeout=20)
    check(r.returncode == 1 and "no token" in r.stderr, "starts without a token: %r" % r.stderr)
    tf = os.path.join(tmp, "short")
    with open(tf, "w") as f:
        f.write("short\n")
    r = subprocess.run([exe, "--token", tf, "--port", "0", "--web", web], capture_output=True,
                       text=True, timeout=20)
    check(r.returncode == 1 and "16" in r.stderr, "accepts a short token: %r" % r.stderr)
    # a token file others can read: a warning, and the console starts
    tf = os.path.join(tmp, "open-token")
    with open(tf, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(tf, 0o644)
    p = subprocess.Popen([exe, "--token", tf, "--port", "0", "--web", web, "--redis",
                          os.path.join(tmp, "no-redis.sock")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    p.terminate()
    _, err = p.communicate(timeout=20)
    check("listening on http://127.0.0.1:" in line and "chmod 600" in err and p.returncode == 0,
          "a token file others can read: %r %r %r" % (line, err, p.returncode))
    env["MAMORI_CONSOLE_TOKEN"] = TOKEN
    r = subprocess.run([exe, "--port", "0", "--web", os.path.join(tmp, "nothing")], env=env,
                       capture_output=True, text=True, timeout=20)
    check(r.returncode == 1 and "index.html" in r.stderr, "starts without its web files")
    r = subprocess.run([exe, "--redis", "host:99999"], env=env, capture_output=True, text=True,
                       timeout=20)
    check(r.returncode == 1, "accepts --redis host:99999")


def check_auth(c):
    st, h, body = c.get("/", auth=False, raw=True)
    check(st == 200 and b"<script src=\"/app.js\"" in body, "the page is served")
    csp = h.get("Content-Security-Policy", "")
    check("default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe" not in csp,
          "strict CSP: %r" % csp)
    check(h.get("X-Content-Type-Options") == "nosniff", "nosniff")
    for path in ["/api/alerts", "/api/overview", "/api/assets", "/api/alerts/1-0",
                 "/api/session", "/api/events"]:
        st, _, body = c.get(path, auth=False)
        check(st == 401 and body == {"error": "a token is needed"}, "%s without token: %d" % (path, st))
        st, _, _ = c.get(path, auth=TOKEN + "x")
        check(st == 401, "%s with a wrong token: %d" % (path, st))
        st, _, _ = c.get(path, auth=TOKEN[:-1])
        check(st == 401, "%s with a prefix of the token: %d" % (path, st))
    st, _, _ = c.post("/api/alerts/1-0/triage", {"action": "acknowledge", "who": "x"}, auth=False)
    check(st == 401, "triage without token")
    st, _, _ = c.post("/api/login", {"token": "nope-nope-nope-nope"}, auth=False)
    check(st == 401, "login with a wrong token")
    st, h, _ = c.post("/api/login", {"token": TOKEN}, auth=False)
    cookie = h.get("Set-Cookie", "")
    check(st == 200 and "HttpOnly" in cookie and "SameSite=Strict" in cookie, "login cookie %r" % cookie)
    st, _, body = c.get("/api/session", auth=False, headers={"Cookie": cookie.split(";")[0]})
    check(st == 200 and body.get("ok") is True, "the login cookie lets in")
    st, _, _ = c.request("POST", "/api/login", body=json.dumps({"token": TOKEN}).encode(),
                         auth=False, headers={"Content-Type": "text/plain"})
    check(st == 400, "a POST that is not JSON is refused (CSRF)")
    st, _, _ = c.get("/../../etc/passwd", auth=False, raw=True)
    check(st == 404, "no file outside the web folder")


HOSTILE_AE = '<img src=x onerror="alert(1)">'


def seed(r):
    """Alerts of four severities, two sensors' stats; returns the ids in
    stream order."""
    ids = []
    for n in range(60):
        sev = n % 4 + 1
        rec = alert(n, severity=sev, sid=100000 + n % 3, src="10.0.0.%d" % (n % 5 + 1),
                    dst="10.0.1.1", app=["dicom", "hl7", "tls"][n % 3],
                    ts="2026-01-15T09:%02d:00.000000+0000" % n)
        if n == 7:
            rec["dicom"] = {"calling_ae": HOSTILE_AE, "called_ae": "PACS\u2028\u00e9"}
        ids.append(r.xadd("mamori:alerts", rec))
    # not JSON, and JSON with line breaks between its tokens
    ids.append(r.xadd("mamori:alerts", b'{"alert": {"severity": 1'))
    ids.append(r.xadd("mamori:alerts", '{\n"timestamp":"2026-01-15T10:00:00Z",\n"src_ip":"10.9.9.9",'
                      '"alert":{"severity":3,"signature_id":1,"signature":"lines"}}'))
    return ids


def collect(c, query):
    out, before = [], None
    for _ in range(100):
        q = query + ("&before=" + before if before else "")
        st, _, body = c.get("/api/alerts?" + q)
        if not check(st == 200, "GET /api/alerts?%s: %d %r" % (q, st, body)):
            return out
        out += body["alerts"]
        before = body["next"]
        if not before:
            break
    return out


def check_alerts(c, ids):
    st, _, payload = c.get("/api/alerts?limit=500", raw=True)
    check(st == 200 and no_markup(payload), "alerts: no '<' or '>' in the response")
    body = json.loads(payload)
    got = [a["id"] for a in body["alerts"]]
    check(got == [i for i in reversed(ids) if i != ids[60]], "alerts: all, newest first")
    check(body["total"] == len(ids), "alerts: total %r" % body["total"])
    check(body["invalid"] == 1 and body["scanned"] == len(ids),
          "alerts: the record that is not JSON is left out and counted")
    hostile = [a for a in body["alerts"] if a["id"] == ids[7]][0]
    check(hostile["eve"]["dicom"]["calling_ae"] == HOSTILE_AE
          and hostile["eve"]["dicom"]["called_ae"] == "PACS\u2028\u00e9",
          "alerts: hostile AE title comes back intact (escaped)")
    check(all(a["triage"]["state"] == "new" for a in body["alerts"]), "alerts: all new")

    sev1 = collect(c, "severity=1&limit=7")
    check(len(sev1) == 15 and all(a["eve"]["alert"]["severity"] == 1 for a in sev1),
          "filter severity=1 (paged by 7): %d" % len(sev1))
    check(len({a["id"] for a in sev1}) == len(sev1), "paging: no alert twice")
    s12 = collect(c, "severity=1,2&limit=500")
    check(len(s12) == 30, "filter severity=1,2: %d" % len(s12))
    r1 = collect(c, "rule=100001")
    check(len(r1) == 20 and all(a["eve"]["alert"]["signature_id"] == 100001 for a in r1),
          "filter rule by id: %d" % len(r1))
    r2 = collect(c, "rule=RULE+100002")
    check(len(r2) == 20, "filter rule by name, any case: %d" % len(r2))
    ip = collect(c, "ip=10.0.0.3")
    check(len(ip) == 12 and all(a["eve"]["src_ip"] == "10.0.0.3" for a in ip), "filter ip: %d" % len(ip))
    dst = collect(c, "ip=10.0.1.1&limit=100")
    check(len(dst) == 60, "filter ip matches the destination too: %d" % len(dst))
    pr = collect(c, "proto=HL7")
    check(len(pr) == 20, "filter protocol: %d" % len(pr))
    pt = collect(c, "proto=tcp")
    check(len(pt) == 60, "filter transport: %d" % len(pt))
    t0 = 1768467600 + 10 * 60  # 09:10
    tr = collect(c, "since=%d&until=%d" % (t0, t0 + 9 * 60))
    check(len(tr) == 10, "filter time range: %d" % len(tr))
    both = collect(c, "severity=4&ip=10.0.0.4&proto=dicom")
    want = [n for n in range(60) if n % 4 == 3 and n % 5 == 3 and n % 3 == 0]
    check(len(both) == len(want), "filters combined: %d, want %d" % (len(both), len(want)))
    none = collect(c, "rule=no+such+rule")
    check(none == [], "no match")
    for q in ["severity=5", "severity=x", "limit=0", "limit=501", "before=abc", "before=1-",
              "since=yesterday", "state=done", "device=notanid", "a=%zz",
              "&".join("p%d=1" % i for i in range(20))]:
        st, _, body = c.get("/api/alerts?" + q)
        check(st == 400 and "error" in body, "bad query %r: %d" % (q, st))


def check_detail(c, r, ids):
    st, _, body = c.get("/api/alerts/" + ids[7])
    check(st == 200 and body["alert"]["id"] == ids[7], "detail")
    check(body["inventory"] is False and body["src_device"] is None and body["dest_device"] is None,
          "detail without inventory: %r" % ({k: body[k] for k in ("inventory", "src_device")},))
    check(body["history"] == [], "detail: no history yet")
    st, _, _ = c.get("/api/alerts/99999999-0")
    check(st == 404, "unknown alert: 404")
    for bad in ["x", "1-2-3", "-1", "1-0%00", "1" * 60 + "-0"]:
        st, _, _ = c.get("/api/alerts/" + bad)
        check(st in (400, 404), "bad alert id %r: %d" % (bad, st))

    # the inventory, as the sensor's asset module writes it (contract)
    asset = {"id": "mac-0011223344ff", "mac": "00:11:22:33:44:ff", "vendor": "GE Healthcare",
             "ips": ["10.0.0.3"], "hostnames": ["ct-01<b>"], "type": "modality", "subtype": "CT",
             "dicom": {"ae_titles": [{"ae": HOSTILE_AE, "role": "SCU"}]},
             "first_seen": "2026-01-15T09:00:00.000000+0000",
             "last_seen": "2026-01-15T09:30:00.000000+0000",
             "registry": {"status": "registered", "name": "CT scanner 1", "department": "Radiology"},
             "vulns": [{"ids": ["CVE-2022-2119"], "severity": "high", "summary": "x"}]}
    pacs = {"id": "ip-10.0.1.1", "ips": ["10.0.1.1"], "type": "server", "subtype": "PACS",
            "first_seen": "2026-01-15T09:00:00.000000+0000", "last_seen": "2026-01-15T09:40:00.000000+0000"}
    for a, seen in ((asset, 1768469400), (pacs, 1768470000)):
        r.cmd("HSET", "mamori:asset:" + a["id"], "json", json.dumps(a), "last_seen", seen, "sensor", "s1")
        r.cmd("ZADD", "mamori:assets:seen", seen, a["id"])
        for ip in a["ips"]:
            r.cmd("HSET", "mamori:assets:ip", ip, a["id"])
    # an alert from 10.0.0.3: n % 5 == 2
    st, _, payload = c.get("/api/alerts/" + ids[2], raw=True)
    body = json.loads(payload)
    check(no_markup(payload), "detail: no markup in the response")
    check(body["inventory"] is True, "detail: inventory")
    sd = body["src_device"]
    check(sd and sd["id"] == "mac-0011223344ff" and sd["asset"]["registry"]["name"] == "CT scanner 1"
          and sd["asset"]["dicom"]["ae_titles"][0]["ae"] == HOSTILE_AE, "detail: the source device")
    dd = body["dest_device"]
    check(dd and dd["id"] == "ip-10.0.1.1", "detail: the destination device")
    dev = collect(c, "device=mac-0011223344ff")
    check(len(dev) == 12, "filter by device id (its addresses): %d" % len(dev))
    return asset


def check_triage(c, r, ids):
    url = "/api/alerts/%s/triage" % ids[0]
    st, _, b = c.post(url, {"action": "acknowledge"})
    check(st == 400, "triage without who: %d" % st)
    st, _, b = c.post(url, {"action": "delete", "who": "ann"})
    check(st == 400, "unknown action")
    st, _, b = c.post(url, {"action": "acknowledge", "who": "a" * 65})
    check(st == 400, "who too long")
    st, _, b = c.post(url, {"action": "acknowledge", "who": "ann\u0000x"})
    check(st == 400, "who with NUL")
    st, _, b = c.post(url, b"{not json")
    check(st == 400, "body not JSON")
    st, _, b = c.post("/api/alerts/99999999-0/triage", {"action": "acknowledge", "who": "ann"})
    check(st == 404, "triage of an unknown alert: %d" % st)

    pend0 = r.cmd("XPENDING", "mamori:alerts", "mamori-console")[0]
    st, _, b = c.post(url, {"action": "acknowledge", "who": "ann <ann@x>"})
    check(st == 200 and b["triage"]["state"] == "acknowledged" and b["triage"]["updated_by"] == "ann <ann@x>",
          "acknowledge: %d %r" % (st, b))
    st, _, b = c.post(url, {"action": "acknowledge", "who": "bob"})
    check(st == 409 and b["state"] == "acknowledged" and b["by"] == "ann <ann@x>",
          "acknowledged twice: %d %r" % (st, b))
    st, _, b = c.post(url, {"action": "assign", "who": "ann"})
    check(st == 400, "assign without assignee")
    st, _, b = c.post(url, {"action": "assign", "who": "ann", "assignee": "carol"})
    check(st == 200 and b["triage"]["state"] == "assigned" and b["triage"]["assignee"] == "carol",
          "assign: %r" % b)
    owners = dict((o[0].decode(), int(o[1])) for o in r.cmd("XPENDING", "mamori:alerts", "mamori-console")[3])
    check(owners.get("analyst:carol") == 1, "assigned: the entry is claimed for the assignee %r" % owners)
    st, _, b = c.post(url, {"action": "close", "who": "carol"})
    check(st == 400, "close without comment")
    st, _, b = c.post(url, {"action": "close", "who": "carol", "comment": "false positive:\nscanner test"})
    check(st == 200 and b["triage"]["state"] == "closed" and b["triage"]["comment"].startswith("false"),
          "close: %r" % b)
    for action in ("close", "acknowledge", "assign"):
        st, _, b = c.post(url, {"action": action, "who": "dave", "assignee": "x", "comment": "again"})
        check(st == 409 and b["state"] == "closed", "%s after close: %d" % (action, st))
    pend1 = r.cmd("XPENDING", "mamori:alerts", "mamori-console")[0]
    check(pend1 == pend0 - 1, "closing acknowledges the entry in the group: %d -> %d" % (pend0, pend1))
    st, _, body = c.get("/api/alerts/" + ids[0])
    h = body["history"]
    check([x["action"] for x in h] == ["close", "assign", "acknowledge"]
          and [x["who"] for x in h] == ["carol", "ann", "ann <ann@x>"]
          and all(x["when"].isdigit() for x in h), "history: %r" % h)
    log = r.cmd("XRANGE", "mamori:triage:log", "-", "+")
    check(len(log) == 3, "audit log: %d entries" % len(log))
    t = r.cmd("HGETALL", "mamori:triage:" + ids[0])
    t = dict(zip(t[::2], t[1::2]))
    check(t.get(b"state") == b"closed" and t.get(b"updated_by") == b"carol", "triage hash %r" % t)
    closed = collect(c, "state=closed")
    check([a["id"] for a in closed] == [ids[0]], "filter state=closed")
    opened = collect(c, "state=open&limit=500")
    check(len(opened) == len(ids) - 2 and ids[0] not in [a["id"] for a in opened], "filter state=open")

    # ten analysts acknowledge the same alert at once: one wins
    url = "/api/alerts/%s/triage" % ids[1]
    results = []
    def ack(i):
        results.append(c.post(url, {"action": "acknowledge", "who": "analyst%d" % i})[0])
    threads = [threading.Thread(target=ack, args=(i,)) for i in range(10)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    check(sorted(results) == [200] + [409] * 9, "racing acknowledgements: %r" % sorted(results))


def check_assets(c, r, asset, ids):
    st, _, b = c.get("/api/assets")
    check(st == 200 and b["inventory"] is True and b["total"] == 2, "assets: %r" % b.get("total"))
    check([a["id"] for a in b["assets"]] == ["ip-10.0.1.1", "mac-0011223344ff"], "assets: newest first")
    st, _, b = c.get("/api/assets?q=radiology")
    check(b["total"] == 1 and b["assets"][0]["id"] == "mac-0011223344ff", "asset search")
    st, _, b = c.get("/api/assets?q=nothing-like-this")
    check(b["total"] == 0, "asset search, no match")
    st, _, payload = c.get("/api/assets/mac-0011223344ff", raw=True)
    check(st == 200 and no_markup(payload), "device page: no markup")
    b = json.loads(payload)
    check(b["asset"]["vendor"] == "GE Healthcare" and b["ips"] == ["10.0.0.3"], "device page: the asset")
    check(b["alert_count"] == 12 and len(b["alerts"]) == 12, "device page: its alerts %r" % b["alert_count"])
    check(b["alert_peers"] == [{"ip": "10.0.1.1", "count": 12, "bytes": 0, "device": "ip-10.0.1.1"}],
          "device page: peers %r" % b["alert_peers"])
    check(sum(p["count"] for p in b["alert_protocols"]) == 12, "device page: protocols")
    check(sum(sum(x) for x in b["alerts_over_time"]["counts"]) == 12, "device page: alerts over time")
    st, _, b = c.get("/api/assets/mac-ffffffffffff")
    check(st == 404, "unknown device: 404")
    st, _, b = c.get("/api/assets/ip-10.0.0.5")
    check(st == 200 and b["asset"] is None and b["alert_count"] == 12, "an address without entry")
    for bad in ["../x", "mac-<script>", "x" * 70]:
        st, _, _ = c.get("/api/assets/" + bad)
        check(st in (400, 404), "bad device id %r: %d" % (bad, st))


def check_asset_filters(c, r):
    """The devices table's filters and their counts; an asset event's alert
    (rules/assets.rules) belongs to the device it names (asset.id), even
    from an address the inventory gives to no one."""
    st, _, b = c.get("/api/assets")
    check(b.get("counts") == {"registered": 1, "unregistered": 0, "retired": 0, "vulnerable": 1},
          "assets: counts %r" % b.get("counts"))
    for q, want in (("registry=registered", ["mac-0011223344ff"]), ("registry=retired", []),
                    ("vulnerable=1", ["mac-0011223344ff"]), ("type=server", ["ip-10.0.1.1"]),
                    ("type=modality&registry=unregistered", [])):
        st, _, b = c.get("/api/assets?" + q)
        got = [a["id"] for a in b["assets"]]
        check(st == 200 and got == want and b["total"] == len(want), "assets?%s: %r" % (q, got))
    st, _, b = c.get("/api/assets?q=radiology&vulnerable=1")
    check(b["total"] == 1 and b["counts"]["registered"] == 1, "search and filter: %r" % b.get("counts"))
    st, _, b = c.get("/api/assets?registry=gone")
    check(st == 400, "assets?registry=gone: %d" % st)
    rec = alert(90, severity=1, sid=100104, src="10.0.0.99", ts="2026-01-15T09:10:00.000000+0000")
    del rec["dest_ip"], rec["dest_port"], rec["src_port"]
    rec["app_proto"] = "ssh"
    rec["asset"] = {"id": "mac-0011223344ff", "event": "vulnerable", "detail": "SSH-2.0-OpenSSH_5.3: CVE-2023-38408"}
    aid = r.xadd("mamori:alerts", rec)
    st, _, b = c.get("/api/alerts/" + aid)
    check(st == 200 and b["src_device"] and b["src_device"]["id"] == "mac-0011223344ff" and b["dest_device"] is None,
          "asset alert: the device it names: %r" % (b.get("src_device") or {}).get("id"))
    st, _, b = c.get("/api/alerts?device=mac-0011223344ff&limit=500")
    check(aid in [x["id"] for x in b["alerts"]], "asset alert: in the device's alerts")
    st, _, b = c.get("/api/alerts?device=ip-10.0.1.1&limit=500")
    check(aid not in [x["id"] for x in b["alerts"]], "asset alert: not another device's")
    st, _, b = c.get("/api/assets/mac-0011223344ff")
    check(b["alert_count"] == 13 and aid in [x["id"] for x in b["alerts"]], "asset alert on the device page: %r" % b["alert_count"])
    check(all(p["ip"] not in ("", "unknown") for p in b["alert_peers"]), "asset alert: no empty peer %r" % b["alert_peers"])
    r.cmd("XDEL", "mamori:alerts", aid)


def check_no_inventory(c):
    st, _, b = c.get("/api/assets")
    check(st == 200 and b == {"inventory": False, "total": 0, "assets": []}, "no inventory: %r" % b)
    st, _, b = c.get("/api/overview")
    check(st == 200 and b["inventory"] is False, "overview without inventory")


def check_overview(c, r):
    for n, (sensor, t, pk) in enumerate([("s1", "09:00:00", 1000), ("s1", "09:00:10", 6000),
                                         ("s2", "09:00:00", 50)]):
        r.xadd("mamori:stats", {"timestamp": "2026-01-15T%s.000000+0000" % t, "event_type": "stats",
                                "stats": {"capture": {"packets": pk, "kernel_drops": 3 if sensor == "s2" else 0,
                                                      "if_drops": 0}},
                                "outputs": {"handover_drops": 0, "eve_errors": 0},
                                "record_id": "%s:%d" % (sensor, n)})
    st, _, b = c.get("/api/overview")
    check(st == 200, "overview")
    check(b["severity"] == [15, 15, 16, 15], "overview severity %r" % b["severity"])
    s = {x["id"]: x for x in b["sensors"]}
    check(set(s) == {"s1", "s2"}, "overview sensors %r" % list(s))
    check(s.get("s1", {}).get("pps") == 500.0 and s["s1"]["packets"] == 6000, "s1 packets/s %r" % s.get("s1"))
    check(s.get("s2", {}).get("pps") is None and s["s2"]["kernel_drops"] == 3, "s2 %r" % s.get("s2"))
    check(b["redis"]["up"] is True and b["redis"]["alerts"] == 62, "redis state %r" % b["redis"])
    check(sum(sum(x) for x in b["alerts_over_time"]["counts"]) == 61, "alerts over time")


def check_events(c, r):
    ev = Events(c, auth=False)
    check(ev.status == 401, "events without token: %d" % ev.status)
    ev.close()
    ev = Events(c)
    check(ev.status == 200, "events: %d" % ev.status)
    name, _, _ = ev.next()
    check(name == "hello", "events start with hello")
    rec = alert(900, severity=1, dicom={"calling_ae": HOSTILE_AE})
    eid = r.xadd("mamori:alerts", rec)
    name, gid, data = ev.next()
    item = json.loads(data)
    check(name == "alert" and gid == eid and item["id"] == eid and item["eve"]["dicom"]["calling_ae"] == HOSTILE_AE
          and "<" not in data, "a live alert: %r %r" % (name, data[:80]))
    st, _, _ = c.post("/api/alerts/%s/triage" % eid, {"action": "acknowledge", "who": "erin"})
    name, _, data = ev.next()
    x = json.loads(data)
    check(name == "triage" and x["alert"] == eid and x["state"] == "acknowledged" and x["who"] == "erin",
          "a live triage action: %r" % data)
    return ev


def check_redis_stopped(c, r):
    # a wedged Redis (SIGSTOP): requests fail after the timeout, not never
    os.kill(r.proc.pid, signal.SIGSTOP)
    try:
        st, _, b = c.get("/api/overview")
        check(st == 503, "Redis stopped: %d" % st)
    finally:
        os.kill(r.proc.pid, signal.SIGCONT)
    st, _, b = c.get("/api/overview")
    check(st == 200, "Redis going again: %d" % st)


def check_redis_restart(c, r, ev):
    r.stop()
    st, _, b = c.get("/api/alerts")
    check(st == 503, "Redis down: %d" % st)
    st, _, b = c.get("/", auth=False, raw=True)
    check(st == 200, "the page is served while Redis is down")
    r.start()
    st, _, b = c.get("/api/alerts")
    check(st == 200 and b["alerts"] == [], "Redis back (empty): %d" % st)
    # the live feed comes back by itself and sends what arrives
    deadline = time.monotonic() + 30
    eid = None
    got = None
    ev.r.fp.raw._sock.settimeout(3) if hasattr(ev.r.fp, "raw") else None
    while time.monotonic() < deadline and not got:
        eid = r.xadd("mamori:alerts", alert(901))
        try:
            while True:
                name, gid, data = ev.next()
                if name == "alert":
                    got = json.loads(data)
                    break
        except (OSError, TimeoutError):
            time.sleep(0.5)
    check(got is not None and got["eve"]["record_id"] == "s1:901", "the live feed after Redis came back")


def check_backlog(c, r):
    # more alerts than the group reads in two goes: the newest is closed
    # before the group has read it, and must not stay pending once it has
    pipe = b"".join(
        b"*5\r\n$4\r\nXADD\r\n$13\r\nmamori:alerts\r\n$1\r\n*\r\n$3\r\neve\r\n$%d\r\n%s\r\n"
        % (len(d), d) for d in (json.dumps(alert(2000 + n)).encode() for n in range(30000)))
    subprocess.run(["redis-cli", "-s", r.sock, "--pipe"], input=pipe, capture_output=True, check=True)
    newest = r.cmd("XREVRANGE", "mamori:alerts", "+", "-", "COUNT", 1)[0][0].decode()
    st, _, b = c.post("/api/alerts/%s/triage" % newest, {"action": "close", "who": "fay", "comment": "dup"})
    check(st == 200, "close an alert of a backlog: %d %r" % (st, b))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        info = r.cmd("XINFO", "GROUPS", "mamori:alerts")
        g = dict(zip(info[0][::2], info[0][1::2])) if info else {}
        if g.get(b"last-delivered-id", b"").decode() == newest:
            break
        time.sleep(0.2)
    pending = r.cmd("XPENDING", "mamori:alerts", "mamori-console", newest, newest, 1)
    total = r.cmd("XPENDING", "mamori:alerts", "mamori-console")[0]
    check(pending == [] and total == r.cmd("XLEN", "mamori:alerts") - 1,
          "the closed alert left the pending list once read: %r, %d pending" % (pending, total))


def check_trimmed(c, r):
    """Triage hashes of alerts trimmed from the stream (the sensors'
    maxlen) are removed; those of alerts still in it stay."""
    for e in r.cmd("XRANGE", "mamori:alerts", "-", "+", "COUNT", 3):
        st, _, b = c.post("/api/alerts/%s/triage" % e[0].decode(), {"action": "acknowledge", "who": "gil"})
        check(st == 200, "acknowledge an old alert: %d %r" % (st, b))
    indexed = [x.decode() for x in r.cmd("ZRANGE", "mamori:triage:index", 0, -1)]
    check(len(indexed) >= 3 and all(r.cmd("EXISTS", "mamori:triage:" + i) for i in indexed),
          "triaged alerts are indexed: %d" % len(indexed))
    r.cmd("XTRIM", "mamori:alerts", "MAXLEN", 10)
    kept = {e[0].decode() for e in r.cmd("XRANGE", "mamori:alerts", "-", "+")}
    gone = [i for i in indexed if i not in kept]
    stay = [i for i in indexed if i in kept]
    check(gone and stay, "some triaged alerts trimmed (%d), some kept (%d)" % (len(gone), len(stay)))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(r.cmd("EXISTS", "mamori:triage:" + i) for i in gone):
        time.sleep(0.2)
    check(not any(r.cmd("EXISTS", "mamori:triage:" + i) for i in gone), "the trimmed alerts' triage hashes are removed")
    check(all(r.cmd("EXISTS", "mamori:triage:" + i) for i in stay), "the kept alerts' triage hashes stay")
    left = sorted(x.decode() for x in r.cmd("ZRANGE", "mamori:triage:index", 0, -1))
    check(left == sorted(stay), "the index holds the kept ones: %r" % left)


def check_redis_auth(exe, web, tmp):
    d = os.path.join(tmp, "auth")
    os.makedirs(d)
    r = Redis(d, password="s3cret-redis", db=3).start()
    pw = os.path.join(d, "pw")
    with open(pw, "w") as f:
        f.write("s3cret-redis\n")
    bad = os.path.join(d, "bad")
    with open(bad, "w") as f:
        f.write("wrong\n")
    c = w = None
    try:
        c = Console(exe, web, r.sock, d, extra=["--redis-password", pw, "--redis-db", "3"]).start()
        ev = Events(c)
        check(ev.next()[0] == "hello", "AUTH: the live feed starts")
        eid = r.xadd("mamori:alerts", alert(1))
        name, gid, _ = ev.next()
        check(name == "alert" and gid == eid, "AUTH + SELECT: the live feed reads database 3")
        ev.close()
        st, _, b = c.get("/api/alerts")
        check(st == 200 and [a["id"] for a in b["alerts"]] == [eid], "AUTH + SELECT: alerts of database 3")
        w = Console(exe, web, r.sock, os.path.join(d), extra=["--redis-password", bad]).start()
        st, _, b = w.get("/api/alerts")
        check(st == 503, "a wrong Redis password: %d" % st)
    finally:
        if c:
            c.stop()
        if w:
            w.stop()
        r.stop()


def main():
    exe, root = (os.path.abspath(x) for x in sys.argv[1:3])
    web = os.path.join(root, "tools", "console", "web")
    with tempfile.TemporaryDirectory(prefix="mamori-console-") as tmp:
        check_start(exe, web, tmp)
        check_redis_auth(exe, web, tmp)
        r = Redis(tmp).start()
        c = ev = None
        try:
            c = Console(exe, web, r.sock, tmp).start()
            check_auth(c)
            check_no_inventory(c)
            ids = seed(r)
            check_alerts(c, ids)
            asset = check_detail(c, r, ids)
            check_triage(c, r, ids)
            check_assets(c, r, asset, ids)
            check_asset_filters(c, r)
            check_overview(c, r)
            ev = check_events(c, r)
            check_redis_stopped(c, r)
            check_redis_restart(c, r, ev)
            check_backlog(c, r)
            check_trimmed(c, r)
        finally:
            if ev:
                ev.close()
            rc = c.stop() if c else None
            r.stop()
        check(rc == 0, "console exits 0 on SIGTERM: %r" % rc)
    if problems:
        print("%d problems" % len(problems))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
