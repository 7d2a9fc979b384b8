/*
 * mamori console: the single-page application. Everything shown that came
 * from the network (AE titles, HL7 fields, hostnames, URLs, rule names) is
 * inserted as text nodes, never as markup: the only way this file creates
 * elements is el()/svg() below, which never touch innerHTML. The server's
 * Content-Security-Policy allows this file and the stylesheet, nothing else.
 */
'use strict';
(function () {

// -- labels -----------------------------------------------------------------

const I18N = {
  en: {
    console: 'console', token: 'Access token', sign_in: 'Sign in', sign_out: 'Sign out',
    wrong_token: 'Wrong token.', analyst: 'Analyst',
    nav_alerts: 'Alerts', nav_devices: 'Devices', nav_overview: 'Overview',
    live: 'live', offline: 'offline',
    alerts: 'Alerts', alerts_shown: '{0} shown of {1} in Redis',
    new_alerts: '{0} new alerts: refresh',
    sev1: 'High', sev2: 'Medium', sev3: 'Low', sev4: 'Info', severity: 'Severity',
    f_rule: 'Rule (name or id)', f_device: 'Device (name, id) or IP', f_proto: 'Protocol',
    f_state: 'State', f_from: 'From', f_to: 'To', apply: 'Apply', reset: 'Reset',
    st_any: 'Any state', st_open: 'Open', st_new: 'New', st_acknowledged: 'Acknowledged',
    st_assigned: 'Assigned', st_closed: 'Closed',
    sort_time: 'Newest first', sort_sev: 'Most severe first',
    c_time: 'Time', c_sev: 'Severity', c_rule: 'Rule', c_flow: 'Source → destination',
    c_proto: 'Protocol', c_state: 'State', c_assignee: 'Assignee',
    load_more: 'Load older alerts', no_alerts: 'No alert matches.',
    loading: 'Loading…', close: 'Close',
    triage: 'Triage', acknowledge: 'Acknowledge', assign: 'Assign', assign_to: 'Assign to',
    close_alert: 'Close with comment', comment: 'Comment', updated: 'Updated',
    by: 'by', need_name: 'Enter your name in the Analyst field first.',
    need_comment: 'A comment is needed to close an alert.',
    need_assignee: 'Whom to assign it to?',
    done_ack: 'Acknowledged.', done_assign: 'Assigned.', done_close: 'Closed.',
    conflict: 'Already {0} by {1}.',
    rule: 'Rule', category: 'Category', mitre: 'MITRE ATT&CK', sid: 'Signature id',
    flow: 'Flow', source: 'Source', destination: 'Destination', transport: 'Transport',
    app_proto: 'Application', packets: 'Packets', bytes: 'Bytes', start: 'Start', end: 'End',
    flow_state: 'State', ndpi: 'nDPI', hostname: 'Host name', risks: 'Risks',
    dicom: 'DICOM', hl7: 'HL7', fhir: 'FHIR', clinical: 'Clinical protocol',
    calling_ae: 'Calling AE title', called_ae: 'Called AE title', association: 'Association',
    ended: 'Ended', commands: 'Commands', sop_classes: 'SOP classes', implementation: 'Implementation',
    message_type: 'Message type', sending: 'Sending application', sending_fac: 'Sending facility',
    receiving: 'Receiving application', receiving_fac: 'Receiving facility', version: 'Version',
    method: 'Method', resource: 'Resource', interaction: 'Interaction', status: 'Status',
    ack: 'Acknowledgement', none: 'none', segments: 'Segments', operation: 'Operation',
    auth: 'Authorization', cleartext_creds: 'credentials in cleartext',
    devices: 'Devices', src_device: 'Source device', dest_device: 'Destination device',
    no_entry: 'Not in the inventory.', no_inventory: 'No inventory yet',
    no_inventory_long: 'No inventory yet: the sensor has not written any device to Redis. Devices appear here once the asset inventory is enabled on the sensor.',
    open_device: 'Open device page', reg_registered: 'registered', reg_unregistered: 'not registered',
    reg_retired: 'retired', history: 'History', no_history: 'Nothing done yet.',
    raw: 'Record (EVE JSON)',
    search: 'Search (name, IP, vendor, AE title…)',
    d_device: 'Device', d_type: 'Type', d_vendor: 'Vendor', d_ips: 'Addresses', d_ae: 'AE titles',
    d_dept: 'Department', d_registry: 'Registry', d_vulns: 'Vulnerabilities', d_last: 'Last seen',
    d_first: 'First seen', d_mac: 'MAC', d_hostnames: 'Host names', d_role: 'Role',
    d_services: 'Services', d_evidence: 'Evidence', d_hl7: 'HL7 applications', d_sop: 'SOP classes',
    d_bytes: 'Bytes in / out', d_sensor: 'Sensor', devices_count: '{0} devices',
    peers: 'Peers', protocols: 'Protocols', alerts_over_time: 'Alerts over time',
    recent_alerts: 'Recent alerts', alert_count: 'Alerts', no_peers: 'No peers seen.',
    device_unknown: 'This address is not in the inventory; what the alerts say of it:',
    overview: 'Overview', k_alerts: 'Alerts in Redis', k_open: 'Not yet closed',
    k_high: 'High severity', k_sensors: 'Sensors', severity_mix: 'By severity',
    alert_protocols: 'Protocols of the alerts', flow_protocols: 'Traffic by protocol (flow records)',
    top_rules: 'Top rules', top_sources: 'Top sources', sensors: 'Sensors',
    s_sensor: 'Sensor', s_last: 'Last report', s_packets: 'Packets', s_pps: 'Packets/s',
    s_drops: 'Drops (kernel / interface / hand-over)', s_memcap: 'Memcap drops', s_errors: 'EVE errors',
    s_redis: 'Redis', s_spool: 'Spool', not_reported: 'not reported', no_sensor: 'No stats record in Redis yet.',
    redis: 'Redis', r_version: 'Version', r_memory: 'Memory', r_clients: 'Clients',
    r_streams: 'Streams (alerts / stats / flows / assets)', r_up: 'up', r_down: 'not answering',
    no_data: 'No data yet.', n_scanned: 'newest {0} alerts',
    f_all: 'All', f_unregistered: 'Not registered', f_retired: 'Retired', f_vulnerable: 'Vulnerable',
    f_type: 'Any type', asset_event: 'Asset event', ev_new: 'new device', ev_unregistered: 'not in the registry',
    ev_retired: 'retired in the registry, yet talking', ev_identity_changed: 'identity changed',
    ev_protocol_violation: 'outside its registry profile', ev_vulnerable: 'known vulnerabilities',
    reg_type: 'registry: {0}', more: '+{0} more', d_dhcp: 'DHCP', d_product: 'Product',
    s_devices: 'Devices', inv_attention: 'Devices needing attention', no_reg: 'no registry',
    ev_event: 'Event', ev_detail: 'What was seen',
    smb_dialect: 'Dialect', smb_signed: 'Signed', yes: 'yes', no: 'no',
    vs_critical: 'critical', vs_high: 'high', vs_medium: 'medium', vs_low: 'low',
  },
  ja: {
    console: 'コンソール', token: 'アクセストークン', sign_in: 'サインイン', sign_out: 'サインアウト',
    wrong_token: 'トークンが違います。', analyst: '担当者',
    nav_alerts: 'アラート', nav_devices: 'デバイス', nav_overview: '概要',
    live: 'ライブ', offline: 'オフライン',
    alerts: 'アラート', alerts_shown: '表示 {0} 件 / Redis 内 {1} 件',
    new_alerts: '新着アラート {0} 件: 再読み込み',
    sev1: '高', sev2: '中', sev3: '低', sev4: '情報', severity: '重大度',
    f_rule: 'ルール (名前または ID)', f_device: 'デバイス (名前、ID) または IP', f_proto: 'プロトコル',
    f_state: '状態', f_from: '開始', f_to: '終了', apply: '適用', reset: 'リセット',
    st_any: 'すべての状態', st_open: '未完了', st_new: '新規', st_acknowledged: '確認済み',
    st_assigned: '割り当て済み', st_closed: 'クローズ',
    sort_time: '新しい順', sort_sev: '重大度の高い順',
    c_time: '時刻', c_sev: '重大度', c_rule: 'ルール', c_flow: '送信元 → 宛先',
    c_proto: 'プロトコル', c_state: '状態', c_assignee: '担当',
    load_more: 'さらに古いアラートを読み込む', no_alerts: '該当するアラートはありません。',
    loading: '読み込み中…', close: '閉じる',
    triage: 'トリアージ', acknowledge: '確認', assign: '割り当て', assign_to: '割り当て先',
    close_alert: 'コメントしてクローズ', comment: 'コメント', updated: '更新',
    by: '担当:', need_name: '先に「担当者」欄に名前を入力してください。',
    need_comment: 'クローズにはコメントが必要です。',
    need_assignee: '割り当て先を入力してください。',
    done_ack: '確認しました。', done_assign: '割り当てました。', done_close: 'クローズしました。',
    conflict: 'すでに {1} が {0} にしています。',
    rule: 'ルール', category: 'カテゴリ', mitre: 'MITRE ATT&CK', sid: 'シグネチャ ID',
    flow: 'フロー', source: '送信元', destination: '宛先', transport: 'トランスポート',
    app_proto: 'アプリケーション', packets: 'パケット', bytes: 'バイト', start: '開始', end: '終了',
    flow_state: '状態', ndpi: 'nDPI', hostname: 'ホスト名', risks: 'リスク',
    dicom: 'DICOM', hl7: 'HL7', fhir: 'FHIR', clinical: '医療プロトコル',
    calling_ae: '呼び出し側 AE タイトル', called_ae: '呼び出され側 AE タイトル', association: 'アソシエーション',
    ended: '終了理由', commands: 'コマンド', sop_classes: 'SOP クラス', implementation: '実装',
    message_type: 'メッセージ種別', sending: '送信アプリケーション', sending_fac: '送信施設',
    receiving: '受信アプリケーション', receiving_fac: '受信施設', version: 'バージョン',
    method: 'メソッド', resource: 'リソース', interaction: '操作', status: 'ステータス',
    ack: '応答 (ACK)', none: 'なし', segments: 'セグメント', operation: 'オペレーション',
    auth: '認証方式', cleartext_creds: '平文の認証情報',
    devices: 'デバイス', src_device: '送信元デバイス', dest_device: '宛先デバイス',
    no_entry: 'インベントリに登録されていません。', no_inventory: 'インベントリはまだありません',
    no_inventory_long: 'インベントリはまだありません: センサーはまだデバイスを Redis に書き込んでいません。センサーで資産インベントリを有効にすると、ここにデバイスが表示されます。',
    open_device: 'デバイスページを開く', reg_registered: '登録済み', reg_unregistered: '未登録',
    reg_retired: '廃止済み', history: '履歴', no_history: 'まだ操作はありません。',
    raw: 'レコード (EVE JSON)',
    search: '検索 (名前、IP、ベンダー、AE タイトル…)',
    d_device: 'デバイス', d_type: '種別', d_vendor: 'ベンダー', d_ips: 'アドレス', d_ae: 'AE タイトル',
    d_dept: '部門', d_registry: '台帳', d_vulns: '脆弱性', d_last: '最終確認',
    d_first: '初回確認', d_mac: 'MAC', d_hostnames: 'ホスト名', d_role: '役割',
    d_services: 'サービス', d_evidence: '根拠', d_hl7: 'HL7 アプリケーション', d_sop: 'SOP クラス',
    d_bytes: '受信 / 送信バイト', d_sensor: 'センサー', devices_count: 'デバイス {0} 台',
    peers: '通信相手', protocols: 'プロトコル', alerts_over_time: 'アラートの推移',
    recent_alerts: '最近のアラート', alert_count: 'アラート', no_peers: '通信相手はまだ見つかっていません。',
    device_unknown: 'このアドレスはインベントリにありません。アラートからわかること:',
    overview: '概要', k_alerts: 'Redis 内のアラート', k_open: '未クローズ',
    k_high: '重大度「高」', k_sensors: 'センサー', severity_mix: '重大度別',
    alert_protocols: 'アラートのプロトコル', flow_protocols: 'プロトコル別トラフィック (フローレコード)',
    top_rules: '上位ルール', top_sources: '上位送信元', sensors: 'センサー',
    s_sensor: 'センサー', s_last: '最終報告', s_packets: 'パケット', s_pps: 'パケット/秒',
    s_drops: 'ドロップ (カーネル / IF / 受け渡し)', s_memcap: 'メモリ上限ドロップ', s_errors: 'EVE エラー',
    s_redis: 'Redis', s_spool: 'スプール', not_reported: '報告なし', no_sensor: 'Redis に統計レコードはまだありません。',
    redis: 'Redis', r_version: 'バージョン', r_memory: 'メモリ', r_clients: 'クライアント',
    r_streams: 'ストリーム (アラート / 統計 / フロー / 資産)', r_up: '稼働中', r_down: '応答なし',
    no_data: 'データはまだありません。', n_scanned: '最新 {0} 件のアラート',
    f_all: 'すべて', f_unregistered: '未登録', f_retired: '廃止済み', f_vulnerable: '脆弱性あり',
    f_type: 'すべての種別', asset_event: '資産イベント', ev_new: '新しいデバイス', ev_unregistered: '台帳に未登録',
    ev_retired: '台帳では廃止済みなのに通信中', ev_identity_changed: '識別情報が変化',
    ev_protocol_violation: '台帳のプロファイル外の通信', ev_vulnerable: '既知の脆弱性',
    reg_type: '台帳: {0}', more: 'ほか {0} 件', d_dhcp: 'DHCP', d_product: '製品',
    s_devices: 'デバイス', inv_attention: '要確認のデバイス', no_reg: '台帳なし',
    ev_event: 'イベント', ev_detail: '検知内容',
    smb_dialect: 'ダイアレクト', smb_signed: '署名', yes: 'あり', no: 'なし',
    vs_critical: '緊急', vs_high: '重要', vs_medium: '警告', vs_low: '注意',
  },
};

let lang = (function () {
  const saved = localStorage.getItem('mamori.lang');
  if (saved === 'en' || saved === 'ja') return saved;
  const nav = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
  return /^ja\b/i.test(nav) ? 'ja' : 'en';
})();

function t(key, ...args) {
  let s = (I18N[lang] && I18N[lang][key]) || I18N.en[key] || key;
  args.forEach((a, i) => { s = s.split('{' + i + '}').join(String(a)); });
  return s;
}

// -- DOM: text only -----------------------------------------------------------

function add(node, kids) {
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    if (Array.isArray(k)) add(node, k);
    else if (k instanceof Node) node.appendChild(k);
    else node.appendChild(document.createTextNode(String(k)));
  }
  return node;
}

function setAttrs(node, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.setAttribute('class', v);
    else if (k === 'text') node.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'value') node.value = v;
    else if (k === 'href') node.setAttribute('href', safeHref(v));
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  return node;
}

function el(tag, attrs, ...kids) {
  return add(setAttrs(document.createElement(tag), attrs), kids);
}

const SVGNS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...kids) {
  const n = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
  return add(n, kids);
}

// Links are only ever the console's own routes.
function safeHref(h) {
  return typeof h === 'string' && h.startsWith('#/') ? h : '#/';
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

function toast(msg, bad) {
  const n = document.getElementById('toast');
  n.textContent = msg;
  n.className = 'toast' + (bad ? ' bad' : '');
  n.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { n.hidden = true; }, 4000);
}

// -- formatting --------------------------------------------------------------

function pad(n, w) { return String(n).padStart(w || 2, '0'); }

function parseTime(s) {
  if (typeof s !== 'string') return null;
  // EVE: 2026-01-15T09:00:00.123456+0000
  const m = s.match(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)$/);
  if (!m) return null;
  const frac = m[2] ? m[2].slice(0, 4) : '';
  let off = m[3];
  if (off !== 'Z' && off.indexOf(':') < 0) off = off.slice(0, 3) + ':' + off.slice(3);
  const d = new Date(m[1] + frac + off);
  return isNaN(d) ? null : d;
}

function fmtDate(d) {
  if (!d) return '—';
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
    pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}
function fmtTs(s) { return fmtDate(parseTime(s)); }
function fmtMs(ms) { const n = Number(ms); return n ? fmtDate(new Date(n)) : '—'; }
function fmtNum(n) { return n === null || n === undefined ? '—' : Number(n).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-US'); }
function fmtBytes(n) {
  n = Number(n) || 0;
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : String(n)) + ' ' + u[i];
}
function endpoint(ip, port) {
  if (!ip) return '—';
  if (port === undefined || port === null) return ip;
  return ip.indexOf(':') >= 0 ? '[' + ip + ']:' + port : ip + ':' + port;
}
function sevBadge(s) {
  const n = s >= 1 && s <= 4 ? s : 4;
  return el('span', { class: 'badge sev s' + n }, t('sev' + n));
}
function stateBadge(st) {
  const s = ['new', 'acknowledged', 'assigned', 'closed'].includes(st) ? st : 'new';
  return el('span', { class: 'badge state ' + s, 'data-state': s }, t('st_' + s));
}
// An AE title names a device only when it is its only one: a host that
// tries many (a scanner) is not called by the first it tried.
function deviceName(a, fallback) {
  if (!a) return fallback;
  const ae = aeTitles(a);
  return (a.registry && a.registry.name) || (a.hostnames && a.hostnames[0]) ||
    (ae.length === 1 ? ae[0].ae : null) || (a.ips && a.ips[0]) || a.id || fallback;
}
// The AE titles of a device, each once, its roles joined (SCU, SCP).
function aeTitles(a) {
  const m = new Map();
  for (const x of arr(a && a.dicom && a.dicom.ae_titles)) {
    if (!x || typeof x.ae !== 'string') continue;
    const r = m.get(x.ae) || [];
    if (x.role && !r.includes(x.role)) r.push(x.role);
    m.set(x.ae, r);
  }
  return Array.from(m, ([ae, roles]) => ({ ae, role: roles.join('+') }));
}
function regLabel(s) {
  return ['registered', 'unregistered', 'retired'].includes(s) ? t('reg_' + s) : s;
}
// Registered is the normal case and stays quiet; not registered and
// retired stand out (retired talking is the more serious: rule 100101).
function regBadge(reg) {
  const s = reg && reg.status;
  if (!s) return null;
  const cls = ['registered', 'unregistered', 'retired'].includes(s) ? s : 'other';
  return el('span', { class: 'reg ' + cls, 'data-registry': s }, regLabel(s));
}
function deviceType(a) {
  if (!a) return '';
  return [a.type, a.subtype].filter(Boolean).join(' / ');
}
// The registry's type when IT's word differs from what was seen.
function regTypeNote(a) {
  const rt = a && a.registry && a.registry.type;
  if (!rt || rt === a.type || rt === 'device') return null;
  return el('div', { class: 'muted small' }, t('reg_type', rt));
}
const VULN_RANK = { critical: 0, high: 1, medium: 2, low: 3 };
function vulnRank(v) { const r = VULN_RANK[v && v.severity]; return r === undefined ? 4 : r; }
function worstVuln(a) {
  return arr(a && a.vulns).slice().sort((x, y) => vulnRank(x) - vulnRank(y))[0] || null;
}
function vulnSev(v) { return ['critical', 'high', 'medium', 'low'].includes(v && v.severity) ? t('vs_' + v.severity) : str((v && v.severity) || '?'); }
function vulnClass(v) { return 'vsev ' + (['critical', 'high', 'medium', 'low'].includes(v && v.severity) ? v.severity : 'unknown'); }
// "critical · 2": the worst severity and how many advisories, the ids in its title.
function vulnSummary(a) {
  const vs = arr(a && a.vulns);
  if (!vs.length) return null;
  const w = worstVuln(a);
  const ids = vs.map(v => arr(v.ids).join(' ')).join(', ');
  return el('span', { class: vulnClass(w), title: ids, 'data-vulns': String(vs.length) },
    vulnSev(w) + ' · ' + vs.length);
}
function vulnList(a, brief) {
  return arr(a && a.vulns).slice().sort((x, y) => vulnRank(x) - vulnRank(y)).map(v =>
    el('div', { class: 'vuln-item' },
      el('span', { class: vulnClass(v) }, vulnSev(v)), ' ',
      el('span', { class: 'mono' }, arr(v.ids).join(' ')), v.product ? el('span', { class: 'muted' }, ' · ', str(v.product)) : null,
      v.summary && !brief ? el('div', { class: 'muted' }, str(v.summary)) : null));
}
// At most max tags, then "+N more" (the rest in its title).
function tagsCapped(list, max) {
  list = arr(list);
  if (list.length <= max) return tags(list);
  return tags(list.slice(0, max)).concat([el('span', { class: 'muted small', title: list.slice(max).map(str).join(', ') }, t('more', list.length - max))]);
}
function arr(v) { return Array.isArray(v) ? v : []; }
function str(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// -- API ---------------------------------------------------------------------

async function api(path, opts) {
  const o = Object.assign({ credentials: 'same-origin', headers: {} }, opts || {});
  if (o.body && typeof o.body !== 'string') {
    o.body = JSON.stringify(o.body);
    o.headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(path, o);
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (r.status === 401 && path !== '/api/login') {
    showLogin();
    throw new Error(t('wrong_token'));
  }
  if (!r.ok) {
    const err = new Error((body && body.error) || ('HTTP ' + r.status));
    err.status = r.status;
    err.body = body;
    throw err;
  }
  return body;
}

// -- state -------------------------------------------------------------------

const S = {
  route: null,
  alerts: [],        // loaded alert items {id, triage, eve}
  next: null,
  total: 0,
  loaded: false,
  pending: 0,        // live alerts not shown (filters the page cannot check itself)
  filters: { sev: [], rule: '', device: '', proto: '', state: '', from: '', to: '' },
  sort: 'time',
  devFilter: { q: '', show: '', type: '' },
  detail: null,      // the detail's data
  es: null,
  live: false,
  timer: null,
};

function analyst() { return document.getElementById('analyst').value.trim(); }

// -- router ------------------------------------------------------------------

function route() {
  const h = location.hash.replace(/^#/, '') || '/alerts';
  const parts = h.split('/').filter(Boolean).map(decodeURIComponent);
  clearInterval(S.timer);
  S.timer = null;
  const view = parts[0] || 'alerts';
  document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('active', a.dataset.view === view));
  S.route = { view, id: parts[1] || null };
  if (view === 'devices' && parts[1]) return viewDevice(parts[1]);
  if (view === 'devices') return viewDevices();
  if (view === 'overview') return viewOverview();
  return viewAlerts(parts[1] || null);
}

function rerender() { route(); }

// -- alerts ------------------------------------------------------------------

function alertQuery(before) {
  const f = S.filters, q = new URLSearchParams();
  if (f.sev.length) q.set('severity', f.sev.join(','));
  if (f.rule) q.set('rule', f.rule);
  if (f.device) {
    const id = /^(mac|ip)-/.test(f.device) ? f.device : deviceIdByName(f.device);
    if (id) q.set('device', id); else q.set('ip', f.device);
  }
  if (f.proto) q.set('proto', f.proto);
  if (f.state) q.set('state', f.state);
  if (f.from) q.set('since', String(Math.floor(new Date(f.from).getTime() / 1000)));
  if (f.to) q.set('until', String(Math.floor(new Date(f.to).getTime() / 1000)));
  q.set('limit', '100');
  if (before) q.set('before', before);
  return '/api/alerts?' + q.toString();
}

async function loadAlerts(more) {
  const d = await api(alertQuery(more ? S.next : null));
  S.alerts = more ? S.alerts.concat(d.alerts) : d.alerts;
  S.next = d.next;
  S.total = d.total;
  S.loaded = true;
  S.pending = 0;
}

// Whether a live alert passes the filters (as the server would decide).
function matches(a) {
  const f = S.filters, e = a.eve || {}, al = e.alert || {};
  if (f.sev.length && !f.sev.includes(String(al.severity))) return false;
  if (f.rule) {
    if (/^\d+$/.test(f.rule)) { if (String(al.signature_id) !== f.rule) return false; }
    else if (!String(al.signature || '').toLowerCase().includes(f.rule.toLowerCase())) return false;
  }
  if (f.device) {
    if (/^(mac|ip)-/.test(f.device) || deviceIdByName(f.device)) return null; // needs the inventory: unknown here
    if (e.src_ip !== f.device && e.dest_ip !== f.device) return false;
  }
  if (f.proto) {
    const p = f.proto.toLowerCase();
    if (String(e.app_proto || '').toLowerCase() !== p && String(e.proto || '').toLowerCase() !== p) return false;
  }
  if (f.state && f.state !== 'new' && f.state !== 'open') return false;
  const ts = parseTime(e.timestamp);
  if (f.from && (!ts || ts < new Date(f.from))) return false;
  if (f.to && (!ts || ts > new Date(f.to))) return false;
  return true;
}

function sortedAlerts() {
  const list = S.alerts.slice();
  if (S.sort === 'sev') {
    list.sort((a, b) => ((a.eve && a.eve.alert && a.eve.alert.severity) || 9) -
      ((b.eve && b.eve.alert && b.eve.alert.severity) || 9));
  }
  return list;
}

function alertRow(a, fresh) {
  const e = a.eve || {}, al = e.alert || {};
  const sev = al.severity >= 1 && al.severity <= 4 ? al.severity : 4;
  const selected = S.route && S.route.view === 'alerts' && S.route.id === a.id;
  const open = () => { location.hash = '#/alerts/' + encodeURIComponent(a.id); };
  return el('tr', {
    class: 's' + sev + (fresh ? ' fresh' : '') + (selected ? ' selected' : ''),
    dataset: { id: a.id, severity: String(sev) },
    tabindex: '0',
    onclick: open,
    onkeydown: ev => { if (ev.key === 'Enter') open(); },
  },
  el('td', { class: 'sevcell' }),
  el('td', { class: 'nowrap mono' }, fmtTs(e.timestamp)),
  el('td', {}, sevBadge(sev)),
  el('td', {}, el('div', { class: 'sig' }, al.signature || '—'),
    el('div', { class: 'muted' }, al.category || '')),
  el('td', { class: 'nowrap' },
    el('div', { class: 'mono' }, endpoint(e.src_ip, e.src_port), devLabel(e.src_ip, e.asset && e.asset.id)),
    // an asset event has no destination: what was seen instead
    !e.dest_ip && e.asset ? el('div', { class: 'muted asset-detail', title: str(e.asset.detail) }, str(e.asset.detail || evLabel(e.asset.event)))
      : el('div', { class: 'mono muted' }, '→ ', endpoint(e.dest_ip, e.dest_port), devLabel(e.dest_ip))),
  el('td', { class: 'nowrap col-proto' }, e.app_proto && e.app_proto !== 'unknown' ? e.app_proto : (e.proto || '—')),
  el('td', { class: 'triage-cell' }, stateBadge(a.triage && a.triage.state)),
  el('td', { class: 'nowrap col-assignee' }, (a.triage && a.triage.assignee) || ''));
}

// The inventory by address, to name the devices in the alert list (the
// detail asks the server, which looks the address up in PREFIX:assets:ip).
async function loadDevices() {
  // kept a minute; an empty inventory is asked again (it may just have appeared)
  if (S.devicesAt && Date.now() - S.devicesAt < 60000 && S.devicesById && S.devicesById.size) return;
  S.devicesAt = Date.now();
  try {
    const d = await api('/api/assets?limit=1000');
    const m = new Map(), byId = new Map();
    for (const row of d.assets) {
      byId.set(row.id, row);
      for (const ip of arr(row.asset && row.asset.ips)) m.set(ip, row);
    }
    S.devices = m;
    S.devicesById = byId;
  } catch (e) { S.devices = new Map(); S.devicesById = new Map(); }
}

// The device an analyst names in the filter (its registry name or a host
// name, any case), if exactly one has it.
function deviceIdByName(name) {
  const n = name.toLowerCase(), hits = [];
  for (const [id, row] of (S.devicesById || new Map())) {
    const a = row.asset || {};
    const names = [a.registry && a.registry.name].concat(arr(a.hostnames)).filter(x => typeof x === 'string');
    if (names.some(x => x.toLowerCase() === n)) hits.push(id);
  }
  return hits.length === 1 ? hits[0] : null;
}

function evLabel(ev) { return ev ? t('ev_' + ev) : ''; }

// The device's name beside an address, and its registry status when it
// is not the normal one; byId: the device an asset event names.
function devLabel(ip, byId) {
  const row = (byId && S.devicesById && S.devicesById.get(byId)) || (S.devices && S.devices.get(ip));
  if (!row) return null;
  const a = row.asset || {}, name = deviceName(a, row.id), st = a.registry && a.registry.status;
  return el('span', { class: 'devname', title: [deviceType(a), a.vendor].filter(Boolean).join(' · ') },
    name !== ip ? ' ' + name : '', st && st !== 'registered' ? [' ', regBadge(a.registry)] : null);
}

function renderAlertRows() {
  const body = document.getElementById('alert-rows');
  if (!body) return;
  clear(body);
  const list = sortedAlerts();
  list.forEach(a => body.appendChild(alertRow(a, a._fresh)));
  list.forEach(a => { delete a._fresh; });
  document.getElementById('alert-empty').hidden = list.length > 0;
  document.getElementById('alert-more').hidden = !S.next;
  document.getElementById('alert-count').textContent = t('alerts_shown', fmtNum(S.alerts.length), fmtNum(S.total));
  const p = document.getElementById('alert-pending');
  p.hidden = S.pending === 0;
  p.textContent = t('new_alerts', S.pending);
}

function filterBar() {
  const f = S.filters;
  const chips = el('span', { class: 'chips', role: 'group', 'aria-label': t('severity') },
    [1, 2, 3, 4].map(n => el('span', {
      class: 'chip s' + n + (f.sev.includes(String(n)) ? ' on' : ''), 'data-sev': String(n),
      tabindex: '0', role: 'button',
      onclick: ev => {
        const s = String(n);
        f.sev = f.sev.includes(s) ? f.sev.filter(x => x !== s) : f.sev.concat([s]).sort();
        ev.currentTarget.classList.toggle('on');
        ev.currentTarget.setAttribute('aria-pressed', String(f.sev.includes(s)));
        applyFilters();
      },
      onkeydown: ev => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); ev.currentTarget.click(); } },
    }, t('sev' + n))));
  const input = (key, label, type) => el('input', {
    type: type || 'text', id: 'f-' + key, placeholder: label, 'aria-label': label, value: f[key],
    onkeydown: ev => { if (ev.key === 'Enter') applyFilters(); },
  });
  const stateSel = el('select', { id: 'f-state', 'aria-label': t('f_state'), onchange: () => applyFilters() },
    ['', 'open', 'new', 'acknowledged', 'assigned', 'closed'].map(s =>
      el('option', { value: s, selected: f.state === s }, s ? t('st_' + s) : t('st_any'))));
  const sortSel = el('select', { id: 'f-sort', onchange: ev => { S.sort = ev.target.value; renderAlertRows(); } },
    el('option', { value: 'time', selected: S.sort === 'time' }, t('sort_time')),
    el('option', { value: 'sev', selected: S.sort === 'sev' }, t('sort_sev')));
  return el('div', { class: 'filters' }, chips, input('rule', t('f_rule')), input('device', t('f_device')),
    input('proto', t('f_proto')), stateSel,
    el('label', { class: 'muted' }, t('f_from'), ' ', input('from', t('f_from'), 'datetime-local')),
    el('label', { class: 'muted' }, t('f_to'), ' ', input('to', t('f_to'), 'datetime-local')),
    el('button', { class: 'btn', id: 'f-apply', onclick: () => applyFilters() }, t('apply')),
    el('button', { class: 'btn ghost', onclick: () => {
      S.filters = { sev: [], rule: '', device: '', proto: '', state: '', from: '', to: '' };
      S.loaded = false;
      rerender();
    } }, t('reset')),
    el('span', { style: null, class: 'spacer' }), sortSel);
}

async function applyFilters() {
  const f = S.filters;
  await loadDevices();
  for (const k of ['rule', 'device', 'proto', 'from', 'to']) {
    const n = document.getElementById('f-' + k);
    if (n) f[k] = n.value.trim();
  }
  const st = document.getElementById('f-state');
  if (st) f.state = st.value;
  try {
    await loadAlerts(false);
    renderAlertRows();
  } catch (e) { toast(e.message, true); }
}

async function viewAlerts(id) {
  const view = document.getElementById('view');
  // keep the list when only the selected alert changes
  const existing = document.getElementById('alert-rows');
  if (!existing) {
    clear(view);
    const detail = el('aside', { id: 'detail', class: 'panel detail', hidden: !id });
    add(view, [
      el('div', { class: 'page-head' },
        el('div', {}, el('h1', {}, t('alerts')), el('div', { class: 'muted', id: 'alert-count' }, t('loading'))),
        el('button', { class: 'btn primary', id: 'alert-pending', hidden: true, onclick: () => applyFilters() })),
      filterBar(),
      el('div', { class: 'split' + (id ? '' : ' closed'), id: 'split' },
        el('section', { class: 'panel table-wrap' },
          el('table', { id: 'alert-table' },
            el('thead', {}, el('tr', {}, el('th', {}), el('th', {}, t('c_time')), el('th', {}, t('c_sev')),
              el('th', {}, t('c_rule')), el('th', {}, t('c_flow')), el('th', { class: 'col-proto' }, t('c_proto')),
              el('th', {}, t('c_state')), el('th', { class: 'col-assignee' }, t('c_assignee')))),
            el('tbody', { id: 'alert-rows' })),
          el('div', { class: 'empty', id: 'alert-empty', hidden: true }, t('no_alerts')),
          el('div', { class: 'more', id: 'alert-more', hidden: true },
            el('button', { class: 'btn', onclick: async () => {
              try { await loadAlerts(true); renderAlertRows(); } catch (e) { toast(e.message, true); }
            } }, t('load_more')))),
        detail),
    ]);
    try {
      await loadDevices();
      if (!S.loaded) await loadAlerts(false);
    } catch (e) { toast(e.message, true); }
  }
  renderAlertRows();
  const split = document.getElementById('split');
  const detail = document.getElementById('detail');
  split.classList.toggle('closed', !id);
  detail.hidden = !id;
  if (id) await showDetail(id);
}

function kv(pairs) {
  const dl = el('dl', { class: 'kv' });
  for (const [k, v, attrs] of pairs) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length)) continue;
    dl.appendChild(el('dt', {}, k));
    dl.appendChild(el('dd', attrs || {}, v instanceof Node || Array.isArray(v) ? v : str(v)));
  }
  return dl;
}

function tags(list) { return arr(list).map(x => el('span', { class: 'tag' }, str(x))); }

function deviceCard(title, dev, ip, inventory) {
  const card = el('div', { class: 'device-card' }, el('div', { class: 'muted' }, title));
  const link = dev ? '#/devices/' + encodeURIComponent(dev.id) : '#/devices/' + encodeURIComponent('ip-' + (ip || ''));
  if (!dev) {
    add(card, [el('div', { class: 'title mono' }, ip || '—'),
      el('div', { class: 'muted' }, inventory ? t('no_entry') : t('no_inventory')),
      ip ? el('a', { href: link }, t('open_device')) : null]);
    return card;
  }
  const a = dev.asset || {};
  const reg = a.registry || {};
  add(card, [
    el('div', { class: 'title' }, deviceName(a, dev.id)),
    kv([
      [t('d_type'), [deviceType(a) || '—', regTypeNote(a)], { class: 'dev-type' }],
      [t('d_vendor'), a.vendor, { class: 'dev-vendor' }], [t('d_ips'), arr(a.ips).join(', ')],
      [t('d_dept'), reg.department],
      [t('d_registry'), regBadge(reg), { class: 'dev-registry' }],
      [t('d_ae'), tagsCapped(aeTitles(a).map(x => x.ae), 6)],
      [t('d_vulns'), vulnList(a, true), { class: 'dev-vulns' }],
      [t('d_last'), fmtTs(a.last_seen)],
    ]),
    el('a', { href: link }, t('open_device')),
  ]);
  return card;
}

function clinicalSection(e) {
  const out = [];
  if (e.dicom) {
    const d = e.dicom;
    out.push(el('h2', {}, t('dicom')), kv([
      [t('calling_ae'), d.calling_ae, { id: 'dicom-calling-ae', class: 'mono' }],
      [t('called_ae'), d.called_ae, { id: 'dicom-called-ae', class: 'mono' }],
      [t('association'), d.association], [t('ended'), d.ended],
      [t('commands'), arr(d.commands).map(c => el('div', {}, str(c.command), ' ×', str(c.requests), c.sop_class ? ' · ' + c.sop_class : ''))],
      [t('sop_classes'), tags(arr(d.presentation_contexts).map(p => p.sop_class || p.abstract_syntax))],
      [t('implementation'), [d.requestor_implementation && d.requestor_implementation.version_name,
        d.acceptor_implementation && d.acceptor_implementation.version_name].filter(Boolean).join(' / ')],
    ]));
  }
  if (e.hl7) {
    const h = e.hl7;
    out.push(el('h2', {}, t('hl7')), kv([
      [t('message_type'), h.message_type, { id: 'hl7-type' }],
      [t('sending'), h.sending_application, { id: 'hl7-sending', class: 'mono' }],
      [t('sending_fac'), h.sending_facility, { class: 'mono' }],
      [t('receiving'), h.receiving_application, { class: 'mono' }],
      [t('receiving_fac'), h.receiving_facility, { class: 'mono' }],
      [t('version'), h.version],
      [t('ack'), h.ack ? (h.ack.received ? (h.ack.ack_code || '') + (h.ack.latency_ms !== undefined ? ' · ' + h.ack.latency_ms + ' ms' : '') : t('none')) : (h.msa && h.msa.ack_code)],
      [t('segments'), arr(h.segments).join(' ')],
    ]));
  }
  if (e.fhir) {
    const f = e.fhir;
    out.push(el('h2', {}, t('fhir')), kv([
      [t('method'), f.method], [t('resource'), f.resource_type], [t('interaction'), f.interaction],
      [t('status'), f.status], [t('operation'), f.operation],
      [t('hostname'), f.hostname, { id: 'fhir-host', class: 'mono' }], ['User-Agent', f.user_agent, { class: 'mono' }],
      [t('auth'), f.authorization ? f.authorization + (f.cleartext_credentials ? ' · ' + t('cleartext_creds') : '') : null],
    ]));
  }
  if (e.smb) {
    const m = e.smb;
    out.push(el('h2', {}, 'SMB'), kv([
      [t('version'), m.version !== undefined ? 'SMBv' + str(m.version) : null, { id: 'smb-version' }],
      [t('smb_dialect'), m.dialect], [t('commands'), arr(m.commands).join(' ')],
      [t('smb_signed'), m.signed === undefined ? null : (m.signed ? t('yes') : t('no'))],
    ]));
  }
  return out.length ? el('div', { class: 'section' }, out) : null;
}

function triageSection(item) {
  const tr = item.triage || { state: 'new' };
  const st = tr.state || 'new';
  const assignee = el('input', { type: 'text', id: 'assignee', maxlength: '64', placeholder: t('assign_to'), value: '' });
  const comment = el('textarea', { id: 'comment', maxlength: '1000', placeholder: t('comment') });
  const act = async (action) => {
    const who = analyst();
    if (!who) { toast(t('need_name'), true); document.getElementById('analyst').focus(); return; }
    const body = { action, who };
    if (action === 'assign') {
      body.assignee = assignee.value.trim();
      if (!body.assignee) { toast(t('need_assignee'), true); assignee.focus(); return; }
    }
    if (comment.value.trim()) body.comment = comment.value.trim();
    if (action === 'close' && !body.comment) { toast(t('need_comment'), true); comment.focus(); return; }
    try {
      const r = await api('/api/alerts/' + encodeURIComponent(item.id) + '/triage', { method: 'POST', body });
      updateTriage(item.id, r.triage);
      toast(t(action === 'acknowledge' ? 'done_ack' : action === 'assign' ? 'done_assign' : 'done_close'));
      await showDetail(item.id);
    } catch (e) {
      if (e.status === 409 && e.body) toast(t('conflict', t('st_' + e.body.state), e.body.by), true);
      else toast(e.message, true);
      await showDetail(item.id);
    }
  };
  return el('div', { class: 'section', id: 'triage' },
    el('h2', {}, t('triage')),
    kv([
      [t('c_state'), stateBadge(st), { id: 'triage-state' }],
      [t('c_assignee'), tr.assignee], [t('comment'), tr.comment],
      [t('updated'), tr.updated ? fmtMs(tr.updated) + ' · ' + t('by') + ' ' + (tr.updated_by || '') : null],
    ]),
    st === 'closed' ? null : el('div', {},
      el('div', { class: 'actions' },
        el('button', { class: 'btn primary', id: 'btn-ack', disabled: st !== 'new', onclick: () => act('acknowledge') }, t('acknowledge')),
        assignee,
        el('button', { class: 'btn', id: 'btn-assign', onclick: () => act('assign') }, t('assign'))),
      el('div', { class: 'actions' }, comment),
      el('div', { class: 'actions' },
        el('button', { class: 'btn danger', id: 'btn-close', onclick: () => act('close') }, t('close_alert')))));
}

async function showDetail(id) {
  const box = document.getElementById('detail');
  if (!box) return;
  if (!box.dataset.id || box.dataset.id !== id) {
    clear(box);
    box.appendChild(el('div', { class: 'muted' }, t('loading')));
  }
  box.dataset.id = id;
  let d;
  try { d = await api('/api/alerts/' + encodeURIComponent(id)); } catch (e) {
    clear(box).appendChild(el('div', { class: 'error' }, e.message));
    return;
  }
  if (box.dataset.id !== id) return;
  S.detail = d;
  const item = d.alert, e = item.eve || {}, al = e.alert || {}, fl = e.flow || {}, nd = e.ndpi || {};
  const meta = al.metadata || {};
  clear(box);
  add(box, [
    el('div', { class: 'detail-head' },
      el('div', {}, sevBadge(al.severity), ' ', el('span', { class: 'muted mono' }, fmtTs(e.timestamp)),
        el('h1', { id: 'detail-title' }, al.signature || '—'),
        el('div', { class: 'muted' }, al.category || '')),
      el('button', { class: 'btn small ghost', 'aria-label': t('close'), onclick: () => { location.hash = '#/alerts'; } }, '✕')),
    triageSection(item),
    e.asset ? el('div', { class: 'section', id: 'asset-event' }, el('h2', {}, t('asset_event')), kv([
      [t('ev_event'), evLabel(e.asset.event)], [t('ev_detail'), e.asset.detail, { id: 'asset-detail' }],
    ])) : null,
    el('div', { class: 'section' }, el('h2', {}, t('devices')),
      deviceCard(t('src_device'), d.src_device, e.src_ip, d.inventory),
      e.dest_ip || d.dest_device ? deviceCard(t('dest_device'), d.dest_device, e.dest_ip, d.inventory) : null),
    el('div', { class: 'section' }, el('h2', {}, t('flow')), kv([
      [t('source'), endpoint(e.src_ip, e.src_port), { class: 'mono' }],
      [t('destination'), e.dest_ip ? endpoint(e.dest_ip, e.dest_port) : null, { class: 'mono' }],
      [t('transport'), e.proto], [t('app_proto'), e.app_proto],
      [t('ndpi'), nd.protocol], [t('hostname'), nd.hostname, { class: 'mono' }],
      [t('risks'), tags(nd.risks)],
      [t('packets'), fl.pkts_toserver !== undefined ? fmtNum(fl.pkts_toserver) + ' → / ← ' + fmtNum(fl.pkts_toclient) : null],
      [t('bytes'), fl.bytes_toserver !== undefined ? fmtBytes(fl.bytes_toserver) + ' → / ← ' + fmtBytes(fl.bytes_toclient) : null],
      [t('start'), fl.start ? fmtTs(fl.start) : null], [t('end'), fl.end ? fmtTs(fl.end) : null],
      [t('flow_state'), fl.state ? fl.state + (fl.reason ? ' (' + fl.reason + ')' : '') : null],
    ])),
    clinicalSection(e),
    el('div', { class: 'section' }, el('h2', {}, t('rule')), kv([
      [t('sid'), al.signature_id !== undefined ? al.signature_id + ':' + (al.rev || 1) : null, { class: 'mono' }],
      [t('category'), al.category], [t('mitre'), tags(meta.mitre_technique_id)],
    ])),
    el('div', { class: 'section' }, el('h2', {}, t('history')),
      d.history.length ? el('ul', { class: 'history', id: 'history' }, d.history.map(h =>
        el('li', {}, el('span', { class: 'mono muted' }, fmtMs(h.when)), ' ', el('b', {}, h.who || ''), ' ',
          t('st_' + (h.state || 'new')), h.assignee && h.action === 'assign' ? ' → ' + h.assignee : '',
          h.comment ? el('div', { class: 'muted' }, h.comment) : null)))
        : el('div', { class: 'muted' }, t('no_history'))),
    el('div', { class: 'section' }, el('h2', {}, t('raw')),
      el('pre', { class: 'raw' }, JSON.stringify(e, null, 2))),
  ]);
  document.querySelectorAll('#alert-rows tr').forEach(r => r.classList.toggle('selected', r.dataset.id === id));
}

function updateTriage(id, triage) {
  const a = S.alerts.find(x => x.id === id);
  if (a) a.triage = Object.assign({}, a.triage, triage);
  const row = document.querySelector('#alert-rows tr[data-id="' + CSS.escape(id) + '"]');
  if (row && a) row.replaceWith(alertRow(a, false));
}

// -- live feed ---------------------------------------------------------------

function setLive(on) {
  S.live = on;
  const n = document.getElementById('live');
  n.className = 'live ' + (on ? 'on' : 'off');
  document.getElementById('live-text').textContent = on ? t('live') : t('offline');
}

function startLive() {
  if (S.es) return;
  const es = new EventSource('/api/events');
  S.es = es;
  es.addEventListener('hello', () => {
    setLive(true);
    // reconnected: fetch what arrived meanwhile
    if (S.loaded && document.getElementById('alert-rows')) applyFilters();
  });
  es.addEventListener('alert', ev => {
    let a;
    try { a = JSON.parse(ev.data); } catch (e) { return; }
    if (S.alerts.some(x => x.id === a.id)) return;
    S.total++;
    const m = matches(a);
    if (m === true) { a._fresh = true; S.alerts.unshift(a); }
    else if (m === null) S.pending++;
    if (document.getElementById('alert-rows')) renderAlertRows();
  });
  es.addEventListener('triage', ev => {
    let x;
    try { x = JSON.parse(ev.data); } catch (e) { return; }
    updateTriage(x.alert, { state: x.state, assignee: x.assignee, updated_by: x.who, updated: x.when, comment: x.comment });
    const box = document.getElementById('detail');
    if (box && !box.hidden && box.dataset.id === x.alert) showDetail(x.alert);
  });
  es.onerror = () => {
    setLive(false);
    if (es.readyState === EventSource.CLOSED) {
      S.es = null;
      setTimeout(() => { if (!document.getElementById('app').hidden) startLive(); }, 3000);
    }
  };
}

// -- charts (SVG, drawn here) -------------------------------------------------

const SEV_COLORS = ['#ff4d5e', '#ff9f43', '#f5d142', '#7f8fa6'];

function stackedChart(series, id) {
  const W = 1000, H = 200, L = 36, B = 22, T = 8;
  const s = svg('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', id: id || '' });
  const counts = (series && series.counts) || [];
  if (!counts.length) {
    s.appendChild(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, t('no_data')));
    return s;
  }
  const peak = Math.max(1, ...counts.map(c => c.reduce((x, y) => x + y, 0)));
  const step = Math.ceil(peak / 4);
  const max = step * 4;
  const ph = H - B - T, pw = W - L - 8;
  const bw = pw / counts.length;
  const barw = Math.min(48, Math.max(1, bw - 2));
  for (let i = 0; i <= 4; i++) {
    const y = T + ph - (ph * i) / 4;
    s.appendChild(svg('line', { x1: L, x2: W - 8, y1: y, y2: y, class: 'gridline' }));
    s.appendChild(svg('text', { x: L - 6, y: y + 4, 'text-anchor': 'end' }, String(step * i)));
  }
  counts.forEach((c, i) => {
    let y = T + ph;
    for (let k = 0; k < 4; k++) {
      if (!c[k]) continue;
      const h = (ph * c[k]) / max;
      y -= h;
      const r = svg('rect', { x: L + i * bw + (bw - barw) / 2, y, width: barw, height: h, fill: SEV_COLORS[k] });
      r.appendChild(svg('title', {}, fmtDate(new Date((series.start + i * series.bucket) * 1000)) + ' · ' + t('sev' + (k + 1)) + ': ' + c[k]));
      s.appendChild(r);
    }
  });
  const labels = Math.min(6, counts.length);
  for (let j = 0; j < labels; j++) {
    const i = Math.round((j * (counts.length - 1)) / Math.max(1, labels - 1));
    const d = new Date((series.start + i * series.bucket) * 1000);
    const text = series.bucket >= 86400 ? (d.getMonth() + 1) + '/' + d.getDate()
      : pad(d.getHours()) + ':' + pad(d.getMinutes()) + (series.bucket < 60 ? ':' + pad(d.getSeconds()) : '');
    s.appendChild(svg('text', { x: L + i * bw + bw / 2, y: H - 6, 'text-anchor': 'middle' }, text));
  }
  return s;
}

const PALETTE = ['#4fa3ff', '#3ecf8e', '#c9a7ff', '#ff9f43', '#f5d142', '#ff6b9a', '#5ad1e6', '#a3b1c6', '#e67e22', '#7f8fa6'];

// A ring of the shares of items (at most 8, the rest as one), with its legend.
function donut(items, value, color, label) {
  items = items.filter(x => value(x) > 0);
  if (!items.length) return el('div', { class: 'muted' }, t('no_data'));
  let list = items.slice();
  if (!color) list.sort((a, b) => value(b) - value(a));
  if (list.length > 8) {
    const rest = list.slice(7).reduce((s, x) => s + value(x), 0);
    list = list.slice(0, 7).concat([{ name: '…', _v: rest }]);
  }
  const v = x => (x._v !== undefined ? x._v : value(x));
  const total = list.reduce((s, x) => s + v(x), 0);
  const R = 60, r = 38, C = 70;
  const s = svg('svg', { class: 'donut', viewBox: '0 0 140 140', role: 'img' });
  let a0 = -Math.PI / 2;
  list.forEach((x, i) => {
    const frac = v(x) / total;
    const col = color ? color(x) : PALETTE[i % PALETTE.length];
    if (frac >= 0.9999) {
      s.appendChild(svg('circle', { cx: C, cy: C, r: (R + r) / 2, fill: 'none', stroke: col, 'stroke-width': R - r }));
    } else {
      const a1 = a0 + frac * 2 * Math.PI, big = frac > 0.5 ? 1 : 0;
      const p = (ang, rad) => (C + rad * Math.cos(ang)).toFixed(2) + ' ' + (C + rad * Math.sin(ang)).toFixed(2);
      const d = 'M ' + p(a0, R) + ' A ' + R + ' ' + R + ' 0 ' + big + ' 1 ' + p(a1, R) +
        ' L ' + p(a1, r) + ' A ' + r + ' ' + r + ' 0 ' + big + ' 0 ' + p(a0, r) + ' Z';
      const path = svg('path', { d, fill: col });
      path.appendChild(svg('title', {}, x.name + ': ' + label(x)));
      s.appendChild(path);
      a0 = a1;
    }
    x._col = col;
  });
  // the total of every item (the ones folded into "…" too), when they are counts
  const counted = items.every(x => x.count !== undefined) && value(items[0]) === items[0].count;
  s.appendChild(svg('text', { x: C, y: C + 5, 'text-anchor': 'middle', class: 'donut-total' }, counted ? fmtNum(items.reduce((n, x) => n + (x.count || 0), 0)) : ''));
  const leg = el('div', { class: 'donut-legend' }, list.map(x => el('div', {},
    el('span', { class: 'sw' }, null), el('span', { class: 'name', title: x.name }, x.name),
    el('span', { class: 'n' }, x._v !== undefined ? '' : label(x)))));
  Array.from(leg.children).forEach((row, i) => { row.firstChild.style.background = list[i]._col; });
  return el('div', { class: 'donut-wrap' }, s, leg);
}

function legend() {
  return el('div', { class: 'legend' }, [1, 2, 3, 4].map(n =>
    el('span', {}, el('span', { class: 'sw sw' + n }), t('sev' + n))));
}

function barList(items, value, label, link, color) {
  if (!items || !items.length) return el('div', { class: 'muted' }, t('no_data'));
  // largest first, but a list with its own colours (severities) keeps its order
  if (!color) items = items.slice().sort((a, b) => value(b) - value(a));
  const max = Math.max(1, ...items.map(value));
  return el('div', { class: 'bars' }, items.slice(0, 10).map(it => {
    const fill = el('div', { class: 'fill' });
    fill.style.width = ((100 * value(it)) / max).toFixed(1) + '%';
    if (color) fill.style.background = color(it);
    const name = link ? el('a', { href: link(it) }, it.name) : it.name;
    return el('div', { class: 'bar-row' }, el('span', { class: 'name', title: it.name }, name),
      el('span', { class: 'track' }, fill), el('span', { class: 'n' }, label(it)));
  }));
}

// -- devices -----------------------------------------------------------------

// The table's filters: registry status, known vulnerabilities, type; kept
// while the analyst moves between pages.
const DEV_TYPES = ['modality', 'pacs', 'workstation', 'hl7', 'medical', 'building', 'printer', 'server', 'network', 'unknown'];

async function viewDevices() {
  const view = clear(document.getElementById('view'));
  const F = S.devFilter;
  const q = el('input', { type: 'search', id: 'device-search', placeholder: t('search'), value: F.q });
  const body = el('tbody', { id: 'device-rows' });
  const info = el('div', { class: 'muted', id: 'device-count' }, t('loading'));
  const notice = el('div', { class: 'notice', id: 'no-inventory', hidden: true }, t('no_inventory_long'));
  const chip = (key, label) => el('span', {
    class: 'chip dev-chip' + (F.show === key ? ' on' : ''), 'data-filter': key, tabindex: '0', role: 'button',
    'aria-pressed': String(F.show === key),
    onclick: () => { F.show = key; load(); },
    onkeydown: ev => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); F.show = key; load(); } },
  }, label, el('span', { class: 'n' }));
  const chips = el('span', { class: 'chips', id: 'device-filters' }, chip('', t('f_all')), chip('unregistered', t('f_unregistered')),
    chip('retired', t('f_retired')), chip('vulnerable', t('f_vulnerable')));
  const typeSel = el('select', { id: 'device-type', 'aria-label': t('d_type'), onchange: ev => { F.type = ev.target.value; load(); } },
    el('option', { value: '' }, t('f_type')), DEV_TYPES.map(x => el('option', { value: x, selected: F.type === x }, x)));
  const table = el('section', { class: 'panel table-wrap' }, el('table', {},
    el('thead', {}, el('tr', {}, [t('d_device'), t('d_type'), t('d_vendor'), t('d_ips'), t('d_ae'), t('d_dept'),
      t('d_registry'), t('d_vulns'), t('d_last')].map(h => el('th', {}, h)))), body));
  add(view, [el('div', { class: 'page-head' }, el('div', {}, el('h1', {}, t('devices')), info), q),
    el('div', { class: 'filters' }, chips, typeSel), notice, table]);
  let timer = null;
  const load = async () => {
    F.q = q.value.trim();
    const p = new URLSearchParams({ q: F.q });
    if (F.show === 'vulnerable') p.set('vulnerable', '1');
    else if (F.show) p.set('registry', F.show);
    if (F.type) p.set('type', F.type);
    let d;
    try { d = await api('/api/assets?' + p.toString()); } catch (e) { toast(e.message, true); return; }
    if (!S.route || S.route.view !== 'devices' || S.route.id) return;
    notice.hidden = d.inventory;
    table.hidden = !d.inventory;
    info.textContent = d.inventory ? t('devices_count', fmtNum(d.total)) : t('no_inventory');
    const counts = d.counts || {};
    chips.querySelectorAll('.chip').forEach(c => {
      const k = c.dataset.filter;
      c.classList.toggle('on', F.show === k);
      c.setAttribute('aria-pressed', String(F.show === k));
      c.querySelector('.n').textContent = k && counts[k] !== undefined ? ' ' + fmtNum(counts[k]) : '';
      c.classList.toggle('attn', !!(k && counts[k]));
    });
    clear(body);
    for (const row of d.assets) {
      const a = row.asset || {}, reg = a.registry || {};
      const st = reg.status || '';
      body.appendChild(el('tr', { class: 'dev-row reg-' + (st || 'none'), dataset: { id: row.id, registry: st, vulns: String(arr(a.vulns).length) },
        tabindex: '0', onclick: () => { location.hash = '#/devices/' + encodeURIComponent(row.id); },
        onkeydown: ev => { if (ev.key === 'Enter') location.hash = '#/devices/' + encodeURIComponent(row.id); } },
        el('td', {}, el('div', {}, deviceName(a, row.id)), el('div', { class: 'muted mono' }, row.id)),
        el('td', {}, deviceType(a) || '—', regTypeNote(a)), el('td', { class: 'vendor' }, a.vendor || ''),
        el('td', { class: 'mono' }, arr(a.ips).join(', ')),
        el('td', {}, tagsCapped(aeTitles(a).map(x => x.ae), 3)),
        el('td', {}, reg.department || ''),
        el('td', {}, st ? regBadge(reg) : el('span', { class: 'muted' }, t('no_reg'))),
        el('td', {}, vulnSummary(a)),
        el('td', { class: 'mono nowrap' }, fmtTs(a.last_seen))));
    }
  };
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 250); });
  await load();
}

function peerTable(peers, showBytes) {
  if (!peers || !peers.length) return el('div', { class: 'muted' }, t('no_peers'));
  peers = peers.slice().sort((a, b) => showBytes ? b.bytes - a.bytes : b.count - a.count);
  const rest = peers.length - 15;
  return el('div', {}, el('table', {}, el('tbody', {}, peers.slice(0, 15).map(p => {
    const row = p.device && S.devicesById && S.devicesById.get(p.device);
    return el('tr', {
      onclick: () => { location.hash = '#/devices/' + encodeURIComponent(p.device || 'ip-' + p.ip); },
    }, el('td', { class: 'mono' }, p.ip),
    el('td', {}, row ? deviceName(row.asset, p.device) : el('span', { class: 'muted mono' }, p.device || ''),
      row ? el('span', { class: 'muted' }, ' ', deviceType(row.asset)) : null),
    el('td', { class: 'nowrap' }, showBytes ? fmtBytes(p.bytes) : fmtNum(p.count)));
  }))), rest > 0 ? el('div', { class: 'muted small' }, t('more', rest)) : null);
}

async function viewDevice(id) {
  const view = clear(document.getElementById('view'));
  view.appendChild(el('div', { class: 'muted' }, t('loading')));
  let d;
  try { d = await api('/api/assets/' + encodeURIComponent(id)); } catch (e) {
    clear(view).appendChild(el('div', { class: 'error' }, e.message));
    return;
  }
  await loadDevices();
  if (!S.route || S.route.view !== 'devices' || S.route.id !== id) return;
  const a = d.asset || {}, reg = a.registry || {};
  clear(view);
  const dhcp = a.dhcp || {};
  const props = kv([
    [t('d_type'), d.asset ? [deviceType(a) || '—', regTypeNote(a)] : null, { id: 'device-type' }], [t('d_role'), a.role],
    [t('d_vendor'), a.vendor, { id: 'device-vendor' }],
    [t('d_mac'), a.mac, { class: 'mono' }], [t('d_ips'), d.ips.join(', '), { class: 'mono' }],
    [t('d_hostnames'), tags(a.hostnames)], [t('d_dept'), reg.department],
    [t('d_registry'), reg.status ? [regBadge(reg), reg.name ? ' · ' + reg.name : '', reg.type ? el('span', { class: 'muted' }, ' · ' + reg.type) : null] : null, { id: 'device-registry' }],
    [t('d_ae'), tags(aeTitles(a).map(x => x.ae + (x.role ? ' (' + x.role + ')' : ''))), { id: 'device-ae' }],
    [t('d_sop'), tags(a.dicom && a.dicom.sop_classes)],
    [t('implementation'), a.dicom && [a.dicom.implementation_version, a.dicom.implementation_class_uid].filter(Boolean).join(' · ')],
    [t('d_hl7'), tags(arr(a.hl7 && a.hl7.applications).concat(arr(a.hl7 && a.hl7.facilities)))],
    [t('d_services'), tagsCapped(arr(a.services).map(s => str(s.proto) + '/' + str(s.port) + (s.role ? ' ' + s.role : '')), 16)],
    [t('d_dhcp'), [dhcp.vendor_class, dhcp.fingerprint && 'fingerprint ' + dhcp.fingerprint].filter(Boolean).join(' · '), { class: 'mono' }],
    ['HTTP', tags(arr(a.http && a.http.user_agents).concat(arr(a.http && a.http.servers)))],
    ['SSH', tags(a.ssh && a.ssh.banners)], ['TLS', tags(a.tls && a.tls.versions)],
    [t('d_evidence'), arr(a.evidence).map(x => el('div', {}, str(x)))],
    [t('d_first'), a.first_seen ? fmtTs(a.first_seen) : null], [t('d_last'), a.last_seen ? fmtTs(a.last_seen) : null],
    [t('d_bytes'), a.bytes_in !== undefined ? fmtBytes(a.bytes_in) + ' / ' + fmtBytes(a.bytes_out) : null],
  ]);
  const vulns = arr(a.vulns);
  add(view, [
    el('div', { class: 'page-head' }, el('div', {},
      el('div', { class: 'muted' }, el('a', { href: '#/devices' }, t('devices')), ' / ', el('span', { class: 'mono' }, id)),
      el('h1', { id: 'device-title' }, deviceName(a, d.ips[0] || id)),
      el('div', { class: 'muted' }, [deviceType(a), a.vendor].filter(Boolean).join(' · '), ' ', regBadge(reg), vulnSummary(a) ? [' ', vulnSummary(a)] : null)),
    el('a', { class: 'btn', href: '#/alerts' , onclick: () => { S.filters.device = id; S.loaded = false; } }, t('alerts') + ' (' + d.alert_count + ')')),
    el('div', { class: 'grid cols-2' },
      el('section', { class: 'panel' }, el('h2', {}, t('d_device')),
        d.asset ? props : el('div', {}, el('p', { class: 'muted' }, d.inventory ? t('device_unknown') : t('no_inventory_long')), props),
        vulns.length ? el('div', { class: 'section', id: 'device-vulns' }, el('h2', {}, t('d_vulns')),
          vulnList(a).map(x => el('div', { class: 'device-card' }, x))) : null),
      el('section', { class: 'panel' }, el('h2', {}, t('alerts_over_time')), stackedChart(d.alerts_over_time, 'device-chart'), legend(),
        el('div', { class: 'section' }, el('h2', {}, t('protocols')),
          barList(d.flow_protocols.length ? d.flow_protocols : d.alert_protocols,
            x => d.flow_protocols.length ? x.bytes : x.count,
            x => d.flow_protocols.length ? fmtBytes(x.bytes) : fmtNum(x.count))))),
    el('div', { class: 'grid cols-2', style: null },
      el('section', { class: 'panel' }, el('h2', {}, t('peers') + ' · ' + t('alerts')), peerTable(d.alert_peers, false)),
      el('section', { class: 'panel' }, el('h2', {}, t('peers') + ' · ' + t('flow')), peerTable(d.flow_peers, true))),
    el('section', { class: 'panel', style: null }, el('h2', {}, t('recent_alerts')),
      d.alerts.length ? el('table', {}, el('tbody', {}, d.alerts.map(x => alertRow(x, false))))
        : el('div', { class: 'muted' }, t('no_alerts'))),
  ]);
  view.querySelectorAll('.grid, section.panel').forEach(n => { n.style.marginBottom = '14px'; });
}

// -- overview ----------------------------------------------------------------

async function viewOverview() {
  const view = document.getElementById('view');
  const draw = async () => {
    let d, inv = null;
    try { d = await api('/api/overview'); } catch (e) { toast(e.message, true); return; }
    if (d.inventory) {
      try { inv = await api('/api/assets?limit=1'); } catch (e) { inv = null; }
      await loadDevices();
    }
    if (!S.route || S.route.view !== 'overview') return;
    const srcName = x => { const row = S.devices && S.devices.get(x.name); const n = row ? deviceName(row.asset, row.id) : x.name; return n !== x.name ? x.name + ' · ' + n : x.name; };
    const srcLink = x => { const row = S.devices && S.devices.get(x.name); return '#/devices/' + encodeURIComponent(row ? row.id : 'ip-' + x.name); };
    const attn = (key, label, cls) => el('a', { class: 'kpi attn-link ' + cls, href: '#/devices', 'data-filter': key,
      onclick: () => { S.devFilter = { q: '', show: key, type: '' }; } },
    el('div', { class: 'v' }, fmtNum(inv.counts[key] || 0)), el('div', { class: 'l' }, label));
    clear(view);
    const r = d.redis;
    const kpi = (v, l, cls, id) => el('div', { class: 'kpi ' + (cls || '') }, el('div', { class: 'v', id: id || null }, fmtNum(v)), el('div', { class: 'l' }, l));
    const sevItems = d.severity.map((n, i) => ({ name: t('sev' + (i + 1)), count: n, sev: i }));
    add(view, [
      el('div', { class: 'page-head' }, el('div', {}, el('h1', {}, t('overview')),
        el('div', { class: 'muted' }, t('n_scanned', fmtNum(d.alerts_scanned))))),
      el('div', { class: 'grid cols-4' },
        kpi(r.alerts < 0 ? 0 : r.alerts, t('k_alerts'), '', 'kpi-alerts'),
        kpi(r.untriaged < 0 ? 0 : r.untriaged, t('k_open'), 'open', 'kpi-open'),
        el('a', { class: 'attn-link', href: '#/alerts', onclick: () => {
          S.filters = { sev: ['1'], rule: '', device: '', proto: '', state: 'open', from: '', to: '' };
          S.sort = 'sev'; S.loaded = false;
        } }, kpi(d.severity[0], t('k_high'), 'sev1', 'kpi-high')),
        kpi(d.sensors.length, t('k_sensors'))),
      el('div', { class: 'grid', style: null },
        el('section', { class: 'panel' }, el('h2', {}, t('alerts_over_time')), stackedChart(d.alerts_over_time, 'overview-chart'), legend())),
      el('div', { class: 'grid cols-3' },
        el('section', { class: 'panel' }, el('h2', {}, t('severity_mix')), donut(sevItems, x => x.count, x => SEV_COLORS[x.sev], x => fmtNum(x.count))),
        el('section', { class: 'panel' }, el('h2', {}, t('alert_protocols')), donut(d.alert_protocols, x => x.count, null, x => fmtNum(x.count))),
        el('section', { class: 'panel' }, el('h2', {}, t('flow_protocols')), donut(d.flow_protocols, x => x.bytes, null, x => fmtBytes(x.bytes)))),
      el('div', { class: 'grid cols-2' },
        el('section', { class: 'panel' }, el('h2', {}, t('top_rules')), barList(d.top_rules, x => x.count, x => fmtNum(x.count))),
        el('section', { class: 'panel' }, el('h2', {}, t('top_sources')), barList(d.top_sources.map(x => Object.assign({}, x, { ip: x.name, name: srcName(x) })),
          x => x.count, x => fmtNum(x.count), x => srcLink({ name: x.ip })))),
      inv && inv.counts ? el('section', { class: 'panel', id: 'inventory-attention' }, el('h2', {}, t('inv_attention')),
        el('div', { class: 'grid cols-4' },
          el('a', { class: 'kpi attn-link', href: '#/devices', onclick: () => { S.devFilter = { q: '', show: '', type: '' }; } },
            el('div', { class: 'v' }, fmtNum(inv.total)), el('div', { class: 'l' }, t('s_devices'))),
          attn('unregistered', t('f_unregistered'), 'unregistered'), attn('retired', t('f_retired'), 'retired'),
          attn('vulnerable', t('f_vulnerable'), 'vulnerable'))) : null,
      el('section', { class: 'panel table-wrap', id: 'sensors' }, el('h2', {}, t('sensors')),
        d.sensors.length ? el('table', {},
          el('thead', {}, el('tr', {}, [t('s_sensor'), t('s_last'), t('s_packets'), t('s_pps'), t('s_drops'), t('s_memcap'),
            t('s_errors'), t('s_redis'), t('s_spool'), t('s_devices')].map(h => el('th', {}, h)))),
          el('tbody', {}, d.sensors.map(s => {
            const drops = s.kernel_drops + s.if_drops + s.handover_drops;
            const rs = s.redis ? (s.redis.state || str(s.redis)) : t('not_reported');
            const rsClass = !s.redis ? 'muted' : s.redis.state === 'up' ? 'health-ok' : 'health-bad';
            // records the sensor could not deliver: dropped from a full spool, or lost
            const lost = s.redis ? (Number(s.redis.spool_dropped) || 0) + (Number(s.redis.lost) || 0) : 0;
            const spool = s.spool || (s.redis && s.redis.spool_records !== undefined ?
              { records: s.redis.spool_records, bytes: s.redis.spool_bytes } : null);
            const sp = spool ? str(spool.records !== undefined ? spool.records + ' / ' + fmtBytes(spool.bytes) : spool) : t('not_reported');
            const spoolWarn = spool && Number(spool.records) > 0;
            return el('tr', { dataset: { sensor: s.id } }, el('td', { class: 'mono' }, s.id), el('td', { class: 'mono nowrap' }, fmtDate(new Date(s.time * 1000))),
              el('td', {}, fmtNum(s.packets)), el('td', {}, s.pps === null ? '—' : fmtNum(Math.round(s.pps))),
              el('td', { class: drops ? 'health-bad' : 'health-ok' }, fmtNum(s.kernel_drops) + ' / ' + fmtNum(s.if_drops) + ' / ' + fmtNum(s.handover_drops)),
              el('td', { class: s.flow_memcap_drops ? 'health-warn' : '' }, fmtNum(s.flow_memcap_drops)),
              el('td', { class: s.eve_errors ? 'health-bad' : '' }, fmtNum(s.eve_errors)),
              el('td', { class: rsClass, 'data-redis': s.redis ? str(s.redis.state) : '' }, rs,
                lost ? el('div', { class: 'health-bad small' }, fmtNum(lost) + ' lost') : null),
              el('td', { class: !spool ? 'muted' : spoolWarn ? 'health-warn' : '' }, sp),
              el('td', { class: s.assets ? '' : 'muted', 'data-devices': s.assets ? String(s.assets.devices) : '' },
                s.assets ? fmtNum(s.assets.devices) : t('not_reported'),
                s.assets && (s.assets.evicted || s.assets.malformed) ? el('div', { class: 'health-warn small' },
                  fmtNum(s.assets.evicted) + ' evicted · ' + fmtNum(s.assets.malformed) + ' malformed') : null));
          }))) : el('div', { class: 'muted' }, t('no_sensor'))),
      el('section', { class: 'panel' }, el('h2', {}, t('redis')), kv([
        [t('status'), el('span', { class: r.up ? 'health-ok' : 'health-bad' }, r.up ? t('r_up') : t('r_down'))],
        [t('r_version'), r.version], [t('r_memory'), r.used_memory], [t('r_clients'), r.clients],
        [t('r_streams'), [r.alerts, r.stats, r.flows, r.assets].map(n => (n < 0 ? '—' : fmtNum(n))).join(' / ')],
        [t('nav_devices'), d.inventory ? '' : t('no_inventory')],
      ])),
    ]);
    view.querySelectorAll(':scope > .grid, :scope > section').forEach(n => { n.style.marginBottom = '14px'; });
  };
  clear(view).appendChild(el('div', { class: 'muted' }, t('loading')));
  await draw();
  S.timer = setInterval(draw, 10000);
}

// -- start -------------------------------------------------------------------

function applyStatic() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-i18n]').forEach(n => { n.textContent = t(n.dataset.i18n); });
  document.getElementById('lang').value = lang;
  document.getElementById('login-token').placeholder = t('token');
  setLive(S.live);
}

function setLang(l) {
  lang = l === 'ja' ? 'ja' : 'en';
  localStorage.setItem('mamori.lang', lang);
  applyStatic();
  if (!document.getElementById('app').hidden) {
    clear(document.getElementById('view'));
    rerender();
  }
}

function showLogin() {
  document.getElementById('app').hidden = true;
  document.getElementById('login').hidden = false;
  if (S.es) { S.es.close(); S.es = null; }
  document.getElementById('login-token').focus();
}

function showApp() {
  document.getElementById('login').hidden = true;
  document.getElementById('app').hidden = false;
  startLive();
  route();
}

async function login(token) {
  try {
    await api('/api/login', { method: 'POST', body: { token } });
    return true;
  } catch (e) {
    document.getElementById('login-error').textContent = t('wrong_token');
    return false;
  }
}

async function boot() {
  applyStatic();
  document.getElementById('lang').addEventListener('change', ev => setLang(ev.target.value));
  document.querySelectorAll('[data-lang]').forEach(b => b.addEventListener('click', () => setLang(b.dataset.lang)));
  const who = document.getElementById('analyst');
  who.value = localStorage.getItem('mamori.analyst') || '';
  who.addEventListener('change', () => localStorage.setItem('mamori.analyst', who.value.trim()));
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('/api/logout', { method: 'POST', body: {} }); } catch (e) { /* signed out anyway */ }
    showLogin();
  });
  document.getElementById('login-form').addEventListener('submit', async ev => {
    ev.preventDefault();
    const tok = document.getElementById('login-token');
    if (await login(tok.value.trim())) { tok.value = ''; document.getElementById('login-error').textContent = ''; showApp(); }
  });
  window.addEventListener('hashchange', async () => {
    if (await tokenLink()) showApp();
    else if (!document.getElementById('app').hidden) route();
  });
  await tokenLink();
  const r = await fetch('/api/session', { credentials: 'same-origin' });
  if (r.ok) showApp(); else showLogin();
}

// A link with the token in its fragment (tools/demo prints one): the
// fragment never reaches the server or its logs; it is removed at once.
async function tokenLink() {
  const m = location.hash.match(/[#&]token=([^&]+)/);
  if (!m) return false;
  history.replaceState(null, '', location.pathname + '#/alerts');
  return login(decodeURIComponent(m[1]));
}

document.addEventListener('DOMContentLoaded', boot);
})();
