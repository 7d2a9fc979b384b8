#!/usr/bin/python3
"""The console in headless Chromium (Debian's chromium and chromedriver,
driven by python3-selenium), end to end: redis-server and mamori-console
of the test's own, the real mamori replaying pcaps/demo.pcap with the
shipped rules into that Redis while the page is open.
  live       the alerts arrive in the open page without a reload
  triage     the most severe alert, its detail; acknowledged in the page;
             a second browser session (signed in through the form) sees it
             acknowledged, and sees an acknowledgement made afterwards in
             the first session arrive live
  inventory  "no inventory yet" without asset keys; then the real inventory
             mamori writes (rules/registry.csv, rules/vulns.csv): the most
             severe alert's device with its type, vendor and registry status
             in the detail and on its device page; asset alerts (100100 to
             100104) open the device they name; the devices table's filters
             (not registered, retired, vulnerable) against Redis
  hostile    an AE title, host name and device name that are HTML are shown
             as text: no element is made of them, no script runs
  i18n       Japanese labels; the overview with the sensor's stats
  clean      no error and no Content-Security-Policy violation in the
             browser's console
Screenshots go to BUILD_DIR/screenshots/.

usage: browser.py MAMORI_CONSOLE MAMORI SOURCE_ROOT BUILD_DIR"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError:
    # python3-selenium is Debian's: another python3 first in PATH lacks it
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: python3-selenium is not installed")
    sys.exit(77)

from consoletest import Console, Redis, TOKEN, alert  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HOSTILE_AE = '<img src=x onerror="window.__pwned=1">'
HOSTILE_HOST = "<script>window.__pwned=2</script>"
HOSTILE_NAME = '<b onmouseover="window.__pwned=3">CT scanner</b>'

problems = []


def check(cond, what):
    if not cond:
        problems.append(what)
        print("FAIL:", what)
    else:
        print("ok:", what)
    return cond


def browser(tmp, name, lang="en-US"):
    o = webdriver.ChromeOptions()
    for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", "--window-size=1500,950", "--lang=" + lang,
              "--user-data-dir=" + os.path.join(tmp, "profile-" + name)]:
        o.add_argument(a)
    o.add_experimental_option("prefs", {"intl.accept_languages": lang})
    o.binary_location = CHROMIUM
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER, log_output=os.devnull)
                            if "log_output" in Service.__init__.__code__.co_varnames
                            else Service(CHROMEDRIVER), options=o)


def wait(d, script, what, timeout=30):
    """Polls a JavaScript expression until it is truthy; its value."""
    deadline = time.monotonic() + timeout
    v = None
    while time.monotonic() < deadline:
        v = d.execute_script("try { return (" + script + "); } catch (e) { return null; }")
        if v:
            return v
        time.sleep(0.1)
    check(False, "timed out waiting for " + what)
    return v


def js(d, script):
    return d.execute_script("return (" + script + ");")


def console_errors(d):
    out = []
    for e in d.get_log("browser"):
        m = e["message"]
        # the sign-in's expected refusals (401) are not errors of the page
        if (e["level"] == "SEVERE" and "status of 401" not in m) or "Content Security Policy" in m:
            out.append(m)
    return out


REG_LABEL = {"registered": "registered", "unregistered": "not registered", "retired": "retired"}


def real_inventory(a, c, r, records, target, device, shots):
    """The device pages and filters on the inventory mamori wrote."""
    did, entry = device
    a.get(c.url("/#/alerts/" + target))
    wait(a, "document.getElementById('detail').dataset.id == '%s' && "
         "document.querySelector(\"#detail .device-card a[href='#/devices/%s']\")" % (target, did),
         "A: the most severe alert's detail again")
    # the device page of the most severe alert's device, from its detail
    a.find_element(By.CSS_SELECTOR, "#detail .device-card a[href='#/devices/%s']" % did).click()
    title = wait(a, "location.hash == '#/devices/%s' && document.getElementById('device-title') && "
                 "document.getElementById('device-title').textContent" % did, "A: the device page of %s" % did)
    want_name = entry.get("registry", {}).get("name") or (entry.get("hostnames") or [None])[0]
    check(want_name is None or title == want_name, "device page named as the registry has it: %r" % title)
    want_type = " / ".join(x for x in (entry.get("type"), entry.get("subtype")) if x)
    check(js(a, "document.getElementById('device-type').textContent").startswith(want_type), "device page: type %r" % want_type)
    check(js(a, "document.getElementById('device-vendor').textContent") == entry["vendor"], "device page: vendor %r" % entry["vendor"])
    status = entry.get("registry", {}).get("status")
    check(js(a, "document.querySelector('#device-registry [data-registry]').dataset.registry") == status,
          "device page: registry status %r" % status)
    a.save_screenshot(os.path.join(shots, "device-page-real.png"))

    # the alert filter by the device's name (as the registry has it)
    if want_name:
        ips = set(entry.get("ips", []))
        mine = {eid for eid, rec in records.items() if rec.get("src_ip") in ips or rec.get("dest_ip") in ips
                or rec.get("asset", {}).get("id") == did}
        a.get(c.url("/#/alerts"))
        wait(a, "document.querySelectorAll('#alert-rows tr').length > 0 && document.getElementById('f-device')", "A: alerts")
        box = a.find_element(By.ID, "f-device")
        box.clear()
        box.send_keys(want_name)
        a.find_element(By.ID, "f-apply").click()
        got = wait(a, "(() => { const r = Array.from(document.querySelectorAll('#alert-rows tr')).map(x => x.dataset.id);"
                   " return r.length == %d ? r : null; })()" % len(mine), "A: the alerts of %s" % want_name)
        check(set(got or []) == mine, "filter by device name %r: %d alerts" % (want_name, len(mine)))
        a.find_element(By.ID, "f-device").clear()
        a.find_element(By.ID, "f-apply").click()

    # every asset alert opens the device it names
    asset_alerts = [(eid, rec) for eid, rec in records.items() if 100100 <= rec["alert"]["signature_id"] <= 100104]
    check(len(asset_alerts) >= 3, "the replay raised asset alerts: %d" % len(asset_alerts))
    for eid, rec in asset_alerts:
        a.get(c.url("/#/alerts/" + eid))
        href = wait(a, "document.getElementById('detail').dataset.id == '%s' && document.querySelector('#asset-event') && "
                    "document.querySelector('#detail .device-card a').getAttribute('href')" % eid, "A: asset alert %s" % eid)
        check(href == "#/devices/" + rec["asset"]["id"], "asset alert %d links to its device %s: %r"
              % (rec["alert"]["signature_id"], rec["asset"]["id"], href))
        if rec["alert"]["signature_id"] == 100104:
            a.save_screenshot(os.path.join(shots, "alert-vulnerable.png"))

    # the devices table's filters, against the inventory in Redis
    inv = {}
    for key in r.cmd("ZRANGE", "mamori:assets:seen", 0, -1):
        inv[key.decode()] = json.loads(r.cmd("HGET", b"mamori:asset:" + key, "json"))
    want = {
        "unregistered": {k for k, v in inv.items() if v.get("registry", {}).get("status") == "unregistered"},
        "retired": {k for k, v in inv.items() if v.get("registry", {}).get("status") == "retired"},
        "vulnerable": {k for k, v in inv.items() if v.get("vulns")},
    }
    check(all(want.values()), "the demo has unregistered, retired and vulnerable devices: %r" % want)
    a.get(c.url("/#/devices"))
    wait(a, "document.querySelectorAll('#device-rows tr').length == %d" % len(inv), "A: %d devices" % len(inv))
    for key, ids in want.items():
        a.find_element(By.CSS_SELECTOR, "#device-filters .chip[data-filter='%s']" % key).click()
        got = wait(a, "(() => { const c = document.querySelector(\"#device-filters .chip[data-filter='%s']\");"
                   " const r = Array.from(document.querySelectorAll('#device-rows tr')).map(x => x.dataset.id);"
                   " return c.classList.contains('on') && r.length == %d ? r : null; })()" % (key, len(ids)),
                   "A: the %s filter" % key)
        check(set(got or []) == ids, "filter %s shows %s: %r" % (key, sorted(ids), got))
        check(js(a, "document.querySelector(\"#device-filters .chip[data-filter='%s'] .n\").textContent.trim()" % key) == str(len(ids)),
              "filter %s counts %d" % (key, len(ids)))
        if key == "vulnerable":
            a.save_screenshot(os.path.join(shots, "devices-vulnerable.png"))
    a.find_element(By.CSS_SELECTOR, "#device-filters .chip[data-filter='']").click()
    wait(a, "document.querySelectorAll('#device-rows tr').length == %d" % len(inv), "A: every device again")
    # the vulnerable device's page lists its advisories
    vid = sorted(want["vulnerable"])[0]
    a.get(c.url("/#/devices/" + vid))
    txt = wait(a, "document.getElementById('device-vulns') && document.getElementById('device-vulns').textContent",
               "A: the vulnerable device's page")
    ids = [i for v in inv[vid]["vulns"] for i in v["ids"]]
    check(txt and all(i in txt for i in ids), "device page lists %s" % ids)
    # the overview counts the sensor's devices
    a.get(c.url("/#/overview"))
    devs = wait(a, "document.querySelector('#sensors tr[data-sensor=e2e] [data-devices]') && "
                "document.querySelector('#sensors tr[data-sensor=e2e] [data-devices]').dataset.devices", "A: sensor devices")
    check(devs == str(len(inv)), "overview: the sensor reports %s devices: %r" % (len(inv), devs))


def mamori_replay(mamori, root, tmp, sock):
    conf = os.path.join(tmp, "mamori.yaml")
    with open(conf, "w") as f:
        f.write("outputs:\n  sensor_id: e2e\n  redis:\n    enabled: true\n    socket: %s\n"
                "    types:\n      alert: true\n      asset: true\n      stats: true\n"
                "assets:\n  registry: %s\n  vulns: %s\n"
                % (sock, os.path.join(root, "rules", "registry.csv"), os.path.join(root, "rules", "vulns.csv")))
    log = os.path.join(tmp, "log")
    os.makedirs(log, exist_ok=True)
    r = subprocess.run([mamori, "-c", conf, "--rules", os.path.join(root, "rules"),
                        "-r", os.path.join(root, "pcaps", "demo.pcap"), "-l", log],
                       capture_output=True, text=True, timeout=300, cwd=tmp)
    check(r.returncode == 0, "mamori replays the capture: %d %s" % (r.returncode, r.stderr[-300:]))


def main():
    exe, mamori, root, build = (os.path.abspath(x) for x in sys.argv[1:5])
    if not os.path.exists(CHROMIUM) or not os.path.exists(CHROMEDRIVER):
        print("SKIP: chromium or chromedriver is not installed")
        return 77
    shots = os.path.join(build, "screenshots")
    os.makedirs(shots, exist_ok=True)
    web = os.path.join(root, "tools", "console", "web")
    with tempfile.TemporaryDirectory(prefix="mamori-browser-") as tmp:
        r = Redis(tmp).start()
        c = a = None
        rc = None
        try:
            c = Console(exe, web, r.sock, tmp).start()
            a = browser(tmp, "a")
            # the second session's browser speaks Japanese
            run(a, lambda: browser(tmp, "b", "ja"), c, r, mamori, root, tmp, shots)
        finally:
            if a:
                a.quit()
            if c:
                rc = c.stop()
            r.stop()
        check(rc == 0, "the console exits 0 on SIGTERM: %r" % rc)
    if problems:
        print("%d problems" % len(problems))
        return 1
    print("ok")
    return 0


def run(a, new_browser, c, r, mamori, root, tmp, shots):
    # session A signs in with the link tools/demo prints (token in the fragment)
    a.get(c.url("/#token=" + TOKEN))
    wait(a, "!document.getElementById('app').hidden && document.querySelector('#live.on')", "A: live")
    check(js(a, "location.hash") == "#/alerts", "the token is removed from the address")
    js(a, "window.__marker = 'no reload'")
    check(js(a, "document.querySelectorAll('#alert-rows tr').length") == 0, "no alert before the replay")

    # inventory absent: the devices page says so
    a.get(c.url("/#/devices"))
    wait(a, "!document.getElementById('no-inventory').hidden", "A: no inventory yet")
    check("No inventory yet" in js(a, "document.getElementById('no-inventory').textContent"),
          "no inventory yet is shown")
    a.save_screenshot(os.path.join(shots, "devices-no-inventory.png"))
    a.get(c.url("/#/alerts"))
    wait(a, "document.querySelector('#live.on') && document.getElementById('alert-rows')", "A: alerts page")
    js(a, "window.__marker = 'no reload'")

    mamori_replay(mamori, root, tmp, r.sock)
    n = r.cmd("XLEN", "mamori:alerts")
    check(n > 0, "the replay raised alerts: %d" % n)
    wait(a, "document.querySelectorAll('#alert-rows tr').length == %d" % n, "A: %d alerts arrive" % n)
    check(js(a, "window.__marker") == "no reload", "the alerts arrived live, without a reload")
    a.save_screenshot(os.path.join(shots, "alerts-live.png"))

    # the most severe alert: sort by severity, the first row
    records = {}
    for eid, fields in r.cmd("XRANGE", "mamori:alerts", "-", "+"):
        records[eid.decode()] = json.loads(dict(zip(fields[::2], fields[1::2]))[b"eve"])
    best = min(rec["alert"]["severity"] for rec in records.values())
    Select(a.find_element(By.ID, "f-sort")).select_by_value("sev")
    first = a.find_element(By.CSS_SELECTOR, "#alert-rows tr")
    check(first.get_attribute("data-severity") == str(best), "most severe first: severity %s" % best)
    target = first.get_attribute("data-id")
    device_of_target = None
    first.click()
    title = wait(a, "document.getElementById('detail-title') && document.getElementById('detail-title').textContent",
                 "A: the detail")
    check(title == records[target]["alert"]["signature"], "the detail of the alert: %r" % title)
    cards = js(a, "Array.from(document.querySelectorAll('#detail .device-card')).map(x => x.textContent).join('|')")
    # the source device as mamori's inventory has it in Redis, or none yet
    # (an asset event's alert names its device)
    src = records[target]["src_ip"]
    aid = r.cmd("HGET", "mamori:assets:ip", src)
    if records[target].get("asset", {}).get("id"):
        aid = records[target]["asset"]["id"].encode()
    check(aid is not None, "the most severe alert's source %s is in the real inventory" % src)
    if aid:
        entry = json.loads(r.cmd("HGET", "mamori:asset:" + aid.decode(), "json"))
        check(src in cards and entry["type"] in cards and entry["id"] not in ("",),
              "the detail shows the source device's inventory entry (%s, %s): %r"
              % (entry["id"], entry["type"], cards[:160]))
        # what the device is, as an analyst reads it: type, vendor, registry status
        card = "#detail .device-card:first-of-type "
        want_type = " / ".join(x for x in (entry.get("type"), entry.get("subtype")) if x)
        check(js(a, "document.querySelector('%s.dev-type').textContent" % card).startswith(want_type),
              "the detail shows the device's type %r" % want_type)
        check(js(a, "document.querySelector('%s.dev-vendor').textContent" % card) == entry["vendor"],
              "the detail shows the device's vendor %r" % entry["vendor"])
        status = entry.get("registry", {}).get("status")
        check(status is not None and js(a, "document.querySelector('%s.dev-registry [data-registry]').dataset.registry" % card) == status
              and REG_LABEL[status] in js(a, "document.querySelector('%s.dev-registry').textContent" % card),
              "the detail shows the device's registry status %r" % status)
        device_of_target = (aid.decode(), entry)
    else:
        check(src in cards and "No inventory yet" in cards,
              "the detail names the devices: %r" % cards[:120])
    a.save_screenshot(os.path.join(shots, "alert-detail.png"))

    # acknowledge it, as analyst Aoi
    who = a.find_element(By.ID, "analyst")
    who.clear()
    who.send_keys("Aoi")
    a.find_element(By.ID, "btn-ack").click()
    wait(a, "document.querySelector('#triage-state [data-state=acknowledged]')", "A: acknowledged")
    h = r.cmd("HGETALL", "mamori:triage:" + target)
    h = dict(zip(h[::2], h[1::2]))
    check(h.get(b"state") == b"acknowledged" and h.get(b"updated_by") == b"Aoi", "in Redis: %r" % h)
    check(js(a, "document.querySelector('#history li') && document.querySelector('#history li').textContent.includes('Aoi')"),
          "the history shows who")
    a.save_screenshot(os.path.join(shots, "alert-acknowledged.png"))

    # the severity filter: only medium alerts, then all again
    medium = sum(1 for rec in records.values() if rec["alert"]["severity"] == 2)
    a.find_element(By.CSS_SELECTOR, ".chip[data-sev='2']").click()
    wait(a, "(() => { const r = Array.from(document.querySelectorAll('#alert-rows tr'));"
         " return r.length == %d && r.every(x => x.dataset.severity == '2'); })()" % medium,
         "A: %d medium alerts" % medium)
    check(js(a, "document.querySelectorAll('#alert-rows tr').length") == medium,
          "the severity filter shows the %d medium alerts" % medium)
    a.find_element(By.CSS_SELECTOR, ".chip[data-sev='2']").click()
    wait(a, "document.querySelectorAll('#alert-rows tr').length == %d" % n, "A: every alert again")

    # a second session, signed in through the form
    b = new_browser()
    try:
        b.get(c.url("/"))
        wait(b, "!document.getElementById('login').hidden", "B: the sign-in form")
        check(js(b, "document.querySelector('#login-form button[type=submit]').textContent") == "サインイン",
              "B: Japanese labels from the browser's language")
        b.find_element(By.ID, "login-token").send_keys("wrong-token-wrong-token")
        b.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
        wait(b, "document.getElementById('login-error').textContent", "B: wrong token refused")
        tok = b.find_element(By.ID, "login-token")
        tok.clear()
        tok.send_keys(TOKEN)
        b.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
        wait(b, "document.querySelectorAll('#alert-rows tr').length == %d && document.querySelector('#live.on')" % n,
             "B: the alerts")
        st = js(b, "document.querySelector('#alert-rows tr[data-id=\"%s\"] .triage-cell [data-state]').dataset.state" % target)
        check(st == "acknowledged", "B sees the alert acknowledged: %r" % st)
        b.save_screenshot(os.path.join(shots, "second-session.png"))

        # A acknowledges another alert: B sees it change live
        other = js(a, "Array.from(document.querySelectorAll('#alert-rows tr')).map(x => x.dataset.id).filter(x => x != '%s')[0]" % target)
        js(b, "window.__marker = 'no reload'")
        a.find_element(By.CSS_SELECTOR, "#alert-rows tr[data-id=\"%s\"]" % other).click()
        wait(a, "document.getElementById('detail').dataset.id == '%s' && document.getElementById('btn-ack')" % other, "A: other detail")
        a.find_element(By.ID, "btn-ack").click()
        wait(b, "document.querySelector('#alert-rows tr[data-id=\"%s\"] .triage-cell [data-state=acknowledged]')" % other,
             "B: the other alert acknowledged live")
        check(js(b, "window.__marker") == "no reload", "B was updated live")
        errs = console_errors(b)
        check(errs == [], "B: no browser errors %r" % errs)
    finally:
        b.quit()

    if aid:
        real_inventory(a, c, r, records, target, device_of_target, shots)

    # the inventory appears, with hostile names; a hostile alert arrives
    asset = {"id": "mac-0a0b0c0d0e0f", "mac": "0a:0b:0c:0d:0e:0f", "vendor": "Evil <i>Corp</i>",
             "ips": ["10.66.0.1"], "hostnames": [HOSTILE_HOST], "type": "modality", "subtype": "CT",
             "dicom": {"ae_titles": [{"ae": HOSTILE_AE, "role": "SCU"}]},
             "first_seen": "2026-01-15T09:00:00.000000+0000", "last_seen": "2026-01-15T09:30:00.000000+0000",
             "registry": {"status": "unregistered", "name": HOSTILE_NAME, "department": "Radiology"},
             "vulns": [{"ids": ["CVE-2022-2119"], "severity": "high", "summary": "<svg onload=alert(1)>"}]}
    r.cmd("HSET", "mamori:asset:" + asset["id"], "json", json.dumps(asset), "last_seen", 1768469400, "sensor", "e2e")
    r.cmd("ZADD", "mamori:assets:seen", 1768469400, asset["id"])
    r.cmd("HSET", "mamori:assets:ip", "10.66.0.1", asset["id"])
    a.get(c.url("/#/alerts"))
    wait(a, "document.querySelectorAll('#alert-rows tr').length == %d && document.querySelector('#live.on')" % n, "A: reloaded")
    hostile_rec = alert(1, severity=1, src="10.66.0.1", dst="10.10.0.20", ts="2026-01-15T09:02:00.000000+0000",
                        sensor="e2e", dicom={"calling_ae": HOSTILE_AE, "called_ae": "PACS_MAIN"})
    hostile_rec["alert"]["signature"] = "DICOM association from an unknown AE title"
    hid = r.xadd("mamori:alerts", hostile_rec)
    wait(a, "document.querySelector('#alert-rows tr[data-id=\"%s\"]')" % hid, "A: the hostile alert arrives")
    a.find_element(By.CSS_SELECTOR, "#alert-rows tr[data-id=\"%s\"]" % hid).click()
    ae = wait(a, "document.getElementById('dicom-calling-ae') && document.getElementById('dicom-calling-ae').textContent",
              "A: the hostile detail")
    check(ae == HOSTILE_AE, "the hostile AE title is shown as text: %r" % ae)
    card = js(a, "document.querySelector('#detail .device-card .title').textContent")
    check(card == HOSTILE_NAME, "the hostile device name is shown as text: %r" % card)
    check(js(a, "document.querySelectorAll('#view img, #view script, #view b, #view i, #view svg:not(.chart):not(.donut)').length") == 0,
          "no element made of hostile text")
    a.save_screenshot(os.path.join(shots, "hostile-alert.png"))
    a.get(c.url("/#/devices"))
    wait(a, "document.querySelector('#device-rows tr[data-id=\"%s\"]')" % asset["id"], "A: the device in the table")
    a.get(c.url("/#/devices/" + asset["id"]))
    t = wait(a, "document.getElementById('device-title') && document.getElementById('device-title').textContent", "A: device page")
    check(t == HOSTILE_NAME, "device page title as text: %r" % t)
    check(HOSTILE_AE in js(a, "document.getElementById('device-ae').textContent"), "device page: AE title as text")
    check(js(a, "document.querySelectorAll('#view img, #view script, #view b, #view i, #view svg:not(.chart):not(.donut)').length") == 0,
          "device page: no element made of hostile text")
    check(js(a, "document.querySelectorAll('[onerror], [onload], [onmouseover]').length") == 0,
          "no element with an event handler attribute")
    check(js(a, "typeof window.__pwned") == "undefined", "no hostile script ran")
    a.save_screenshot(os.path.join(shots, "device-page.png"))

    # the overview, in English then in Japanese
    a.get(c.url("/#/overview"))
    wait(a, "document.querySelector('#sensors tr[data-sensor=e2e]')", "A: the sensor in the overview")
    check(js(a, "document.getElementById('kpi-alerts').textContent") == str(n + 1), "overview: alerts in Redis")
    a.save_screenshot(os.path.join(shots, "overview.png"))
    Select(a.find_element(By.ID, "lang")).select_by_value("ja")
    wait(a, "document.querySelector('#nav a').textContent == 'アラート'", "A: Japanese labels")
    wait(a, "document.querySelector('#sensors h2') && document.querySelector('#sensors h2').textContent == 'センサー'",
         "A: the overview in Japanese")
    check(js(a, "document.documentElement.lang") == "ja", "html lang=ja")
    a.save_screenshot(os.path.join(shots, "overview-ja.png"))
    a.get(c.url("/#/alerts/" + target))
    wait(a, "document.getElementById('detail-title')", "A: detail in Japanese")
    a.save_screenshot(os.path.join(shots, "alert-detail-ja.png"))
    errs = console_errors(a)
    check(errs == [], "A: no browser errors or CSP violations %r" % errs)


if __name__ == "__main__":
    sys.exit(main())
