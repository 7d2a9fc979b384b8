/*
 * SMB1, SMB2 and SMB3 message headers and NEGOTIATE exchanges.
 *
 * References: [MS-SMB2] 2.1 (transport: direct TCP), 2.2.1 (SMB2 packet
 * header), 2.2.3 and 2.2.4 (NEGOTIATE request and response), 2.2.41
 * and 2.2.42 (transform and compression transform headers); [MS-SMB]
 * 2.2.3.1 and [MS-CIFS] 2.2.3.1 (SMB1 header), [MS-CIFS] 2.2.4.52
 * (SMB_COM_NEGOTIATE), 2.2.3.4 (AndX chains); RFC 1002 4.3 (NetBIOS
 * session service packets, as on port 139).
 *
 *   transport (direct TCP on 445, NetBIOS session message on 139)
 *   +------+----------------+----------------------------------------+
 *   | type | length (24 bit)| SMB message (length bytes)             |
 *   +------+----------------+----------------------------------------+
 *    0x00 session message; 0x81 session request, 0x82/0x83 response,
 *    0x84 retarget, 0x85 keepalive (17-bit length: flags bit 0 + 16)
 *
 *   SMB1 header (32 bytes, little-endian)
 *   +----------+-----+--------+-----+--------+-----+----------+-----+-----+-----+-----+
 *   | FF 'SMB' | cmd | status | flg | flags2 | pid | security | rsv | tid | pid | uid | mid
 *   +----------+-----+--------+-----+--------+-----+----------+-----+-----+-----+-----+
 *     0          4     5        9     10       12    14         22    24    26    28    30
 *   then WordCount (1), Words (2 x WordCount), ByteCount (2), Bytes
 *
 *   SMB2 header (64 bytes, little-endian)
 *   +----------+------+--------+--------+-----+--------+-------+---------+----------+
 *   | FE 'SMB' | 64   | credit | status | cmd | credit | flags | next    | msg id   | ...
 *   +----------+------+--------+--------+-----+--------+-------+---------+----------+
 *     0          4      6        8        12    14       16      20        24
 *   ... tree/async id (32), session id (40), signature (48..63), then the body;
 *   `next` chains compounded requests inside one transport message.
 *
 * Which SMB is in use: the version of the dialect the server chose in a
 * NEGOTIATE response; without one (picked up midstream), the version of
 * the server's headers, else of the client's. An SMB1 NEGOTIATE that
 * the server answers with an SMB2 response (multi-protocol negotiate,
 * dialect 2.???) is SMB2.
 *
 * Only the first SMB_HEAD_MAX bytes of each message are read (headers,
 * NEGOTIATE bodies, AndX and compound chains within them); the rest is
 * skipped by length, so a READ of any size costs no buffer.
 */
#include "proto/proto_smb.h"

#include <stdio.h>
#include <string.h>

#include "util/cursor.h"

#define SMB_HEAD_MAX 2048u
#define SMB1_HDR 32u
#define SMB2_HDR 64u
#define SMB_CHAIN_MAX 16 /* AndX or compound links followed in one message */

#define SMB1_NEGOTIATE 0x72
#define SMB1_FLAGS_REPLY 0x80
#define SMB1_FLAGS2_NT_STATUS 0x4000
#define SMB2_NEGOTIATE 0x0000
#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u
#define SMB2_FLAGS_SIGNED 0x00000008u
#define STATUS_MORE_PROCESSING_REQUIRED 0xc0000016u

enum smb_magic { SMB_M_NONE, SMB_M_1, SMB_M_2, SMB_M_ENCRYPTED, SMB_M_COMPRESSED };

struct smb_dir {
    uint32_t skip; /* bytes of the current message still to skip */
    bool lost;     /* after a gap or bytes that were not SMB: look for a header */
    uint32_t smb1, smb2;
};

struct smb_state {
    struct smb_dir d[2];
    bool started;
    uint8_t neg_version; /* from a NEGOTIATE response, 0 without one */
    struct smb_session_event ev;
};

const char *smb2_dialect_name(uint16_t revision)
{
    switch (revision) {
    case 0x0202:
        return "2.0.2";
    case 0x0210:
        return "2.1";
    case 0x02ff:
        return "2.???"; /* multi-protocol negotiate: SMB2 follows */
    case 0x0300:
        return "3.0";
    case 0x0302:
        return "3.0.2";
    case 0x0311:
        return "3.1.1";
    default:
        return NULL;
    }
}

static const char *smb2_cmd_name(unsigned cmd)
{
    static const char *const names[] = {
        "NEGOTIATE",     "SESSION_SETUP", "LOGOFF",   "TREE_CONNECT", "TREE_DISCONNECT",
        "CREATE",        "CLOSE",         "FLUSH",    "READ",         "WRITE",
        "LOCK",          "IOCTL",         "CANCEL",   "ECHO",         "QUERY_DIRECTORY",
        "CHANGE_NOTIFY", "QUERY_INFO",    "SET_INFO", "OPLOCK_BREAK",
    };
    return cmd < sizeof names / sizeof names[0] ? names[cmd] : NULL;
}

static const char *smb1_cmd_name(unsigned cmd)
{
    switch (cmd) {
    case 0x08:
        return "QUERY_INFORMATION";
    case 0x10:
        return "CHECK_DIRECTORY";
    case 0x24:
        return "LOCKING_ANDX";
    case 0x26:
        return "TRANSACTION_SECONDARY";
    case 0x34:
        return "FIND_CLOSE2";
    case 0x70:
        return "TREE_CONNECT";
    case 0x04:
        return "CLOSE";
    case 0x06:
        return "DELETE";
    case 0x25:
        return "TRANSACTION";
    case 0x2b:
        return "ECHO";
    case 0x2d:
        return "OPEN_ANDX";
    case 0x2e:
        return "READ_ANDX";
    case 0x2f:
        return "WRITE_ANDX";
    case 0x32:
        return "TRANSACTION2";
    case 0x33:
        return "TRANSACTION2_SECONDARY";
    case 0x71:
        return "TREE_DISCONNECT";
    case 0x72:
        return "NEGOTIATE";
    case 0x73:
        return "SESSION_SETUP_ANDX";
    case 0x74:
        return "LOGOFF_ANDX";
    case 0x75:
        return "TREE_CONNECT_ANDX";
    case 0xa0:
        return "NT_TRANSACT";
    case 0xa1:
        return "NT_TRANSACT_SECONDARY";
    case 0xa2:
        return "NT_CREATE_ANDX";
    case 0xa4:
        return "NT_CANCEL";
    default:
        return NULL;
    }
}

const char *smb_command_name(unsigned version, unsigned cmd)
{
    return version == 1 ? smb1_cmd_name(cmd) : smb2_cmd_name(cmd);
}

/* SMB1 commands whose first words are an AndX block ([MS-CIFS] 2.2.3.4). */
static bool smb1_is_andx(unsigned cmd)
{
    return cmd == 0x2d || cmd == 0x2e || cmd == 0x2f || cmd == 0x73 || cmd == 0x74 || cmd == 0x75 ||
           cmd == 0xa2 || cmd == 0x24;
}

static enum smb_magic smb_magic(const uint8_t *p)
{
    if (p[1] != 'S' || p[2] != 'M' || p[3] != 'B')
        return SMB_M_NONE;
    switch (p[0]) {
    case 0xff:
        return SMB_M_1;
    case 0xfe:
        return SMB_M_2;
    case 0xfd:
        return SMB_M_ENCRYPTED;
    case 0xfc:
        return SMB_M_COMPRESSED;
    default:
        return SMB_M_NONE;
    }
}

static bool smb_status_error(uint32_t status)
{
    return (status >> 30) == 3 && status != STATUS_MORE_PROCESSING_REQUIRED;
}

static void smb_offer(struct smb_session_event *ev, const char *s, size_t n)
{
    if (ev->n_offered >= SMB_MAX_DIALECTS) {
        ev->offered_truncated = true;
        return;
    }
    if (n >= SMB_DIALECT_MAX)
        n = SMB_DIALECT_MAX - 1;
    char *o = ev->offered[ev->n_offered++];
    for (size_t i = 0; i < n; i++)
        o[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    o[n] = '\0';
}

static void smb2_revision_str(char out[SMB_DIALECT_MAX], uint16_t rev)
{
    const char *name = smb2_dialect_name(rev);
    if (name)
        snprintf(out, SMB_DIALECT_MAX, "%s", name);
    else
        snprintf(out, SMB_DIALECT_MAX, "0x%04x", rev);
}

/* SMB_COM_NEGOTIATE: the request's dialect strings, the response's index. */
static void smb1_negotiate(struct smb_state *s, const uint8_t *m, size_t n, bool reply)
{
    struct smb_session_event *ev = &s->ev;
    struct cursor c;
    cursor_init(&c, m, n);
    if (!cursor_take(&c, SMB1_HDR))
        return;
    uint8_t wc = cursor_u8(&c);
    if (!reply) {
        if (wc != 0 || !cursor_ok(&c))
            return;
        size_t bc = cursor_le16(&c);
        const uint8_t *b = cursor_take(&c, bc);
        if (!b) {
            /* cut by SMB_HEAD_MAX or the message: read what is there */
            if (n < SMB1_HDR + 3)
                return;
            b = m + SMB1_HDR + 3;
            bc = n - (SMB1_HDR + 3);
            ev->offered_truncated = true;
        }
        ev->n_offered = 0;
        for (size_t i = 0; i < bc;) {
            if (b[i] != 0x02) /* buffer format: dialect string */
                break;
            size_t k = i + 1;
            while (k < bc && b[k] != 0)
                k++;
            smb_offer(ev, (const char *)b + i + 1, k - i - 1);
            i = k + 1;
        }
        return;
    }
    if (wc < 1)
        return;
    uint16_t idx = cursor_le16(&c);
    if (!cursor_ok(&c) || idx == 0xffff)
        return; /* no dialect acceptable: nothing negotiated */
    ev->negotiated = true;
    s->neg_version = 1;
    if (idx < ev->n_offered)
        snprintf(ev->dialect, sizeof ev->dialect, "%s", ev->offered[idx]);
    else
        ev->dialect[0] = '\0';
}

static void smb1_message(struct smb_state *s, enum flow_dir dir, const uint8_t *m, size_t n)
{
    struct smb_session_event *ev = &s->ev;
    if (n < SMB1_HDR) {
        ev->truncated = true;
        return;
    }
    unsigned cmd = m[4];
    uint32_t status = get_le32(m + 5);
    bool reply = (m[9] & SMB1_FLAGS_REPLY) != 0;
    uint16_t flags2 = get_le16(m + 10);
    s->d[dir].smb1++;
    ev->smb1_messages++;
    if (reply && ((flags2 & SMB1_FLAGS2_NT_STATUS) ? smb_status_error(status) : status != 0))
        ev->errors++;
    if (cmd == SMB1_NEGOTIATE)
        smb1_negotiate(s, m, n, reply);
    /* The AndX chain: each block names the next command and where its
     * words start, counted from the SMB header. */
    size_t at = SMB1_HDR;
    for (int k = 0; k < SMB_CHAIN_MAX && cmd != 0xff; k++) {
        ev->smb1_cmds[cmd >> 6] |= 1ull << (cmd & 63);
        if (!smb1_is_andx(cmd) || at + 5 > n || m[at] < 2)
            break;
        unsigned next = m[at + 1];
        size_t off = get_le16(m + at + 3);
        if (next == 0xff || off <= at || off >= n)
            break;
        cmd = next;
        at = off;
    }
}

static void smb2_negotiate(struct smb_state *s, const uint8_t *h, size_t n, bool reply)
{
    struct smb_session_event *ev = &s->ev;
    if (!reply) {
        if (n < SMB2_HDR + 36)
            return;
        size_t count = get_le16(h + SMB2_HDR + 2);
        ev->n_offered = 0;
        for (size_t i = 0; i < count; i++) {
            size_t at = SMB2_HDR + 36 + 2 * i;
            if (at + 2 > n) {
                ev->offered_truncated = true;
                break;
            }
            char name[SMB_DIALECT_MAX];
            smb2_revision_str(name, get_le16(h + at));
            smb_offer(ev, name, strlen(name));
        }
        return;
    }
    if (n < SMB2_HDR + 6 || get_le16(h + SMB2_HDR) != 65)
        return; /* an error response has a 9-byte body */
    uint16_t rev = get_le16(h + SMB2_HDR + 4);
    ev->negotiated = true;
    smb2_revision_str(ev->dialect, rev);
    s->neg_version = rev >= 0x0300 && rev != 0x02ff ? 3 : 2;
}

static void smb2_message(struct smb_state *s, enum flow_dir dir, const uint8_t *m, size_t n)
{
    struct smb_session_event *ev = &s->ev;
    size_t at = 0;
    s->d[dir].smb2++;
    ev->smb2_messages++;
    for (int k = 0; k < SMB_CHAIN_MAX; k++) {
        const uint8_t *h = m + at;
        size_t left = n - at;
        if (left < SMB2_HDR || smb_magic(h) != SMB_M_2 || get_le16(h + 4) != SMB2_HDR) {
            ev->truncated = ev->truncated || k == 0;
            return;
        }
        unsigned cmd = get_le16(h + 12);
        uint32_t flags = get_le32(h + 16);
        bool reply = (flags & SMB2_FLAGS_SERVER_TO_REDIR) != 0;
        if (cmd < 32)
            ev->smb2_cmds |= 1u << cmd;
        if (flags & SMB2_FLAGS_SIGNED)
            ev->signed_seen = true;
        if (reply && smb_status_error(get_le32(h + 8)))
            ev->errors++;
        if (cmd == SMB2_NEGOTIATE)
            smb2_negotiate(s, h, left, reply);
        uint32_t next = get_le32(h + 20);
        if (next == 0 || next < SMB2_HDR || next >= left)
            return;
        at += next;
    }
}

static void smb_message(struct smb_state *s, struct proto_call *c, const uint8_t *m, size_t n)
{
    struct smb_session_event *ev = &s->ev;
    if (!s->started) {
        s->started = true;
        ev->ts_us = c->ts_us;
    }
    ev->messages[c->dir]++;
    switch (n >= 4 ? smb_magic(m) : SMB_M_NONE) {
    case SMB_M_1:
        smb1_message(s, c->dir, m, n);
        break;
    case SMB_M_2:
        smb2_message(s, c->dir, m, n);
        break;
    case SMB_M_ENCRYPTED:
        ev->encrypted++;
        break;
    case SMB_M_COMPRESSED:
        ev->compressed++;
        break;
    case SMB_M_NONE:
        ev->truncated = true;
        break;
    }
}

/* After a gap: the next transport header followed by an SMB magic. */
static int64_t smb_resync(struct smb_dir *d, const uint8_t *p, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i++) {
        if (p[i] == 0 && smb_magic(p + i + 4) != SMB_M_NONE) {
            d->lost = false;
            return (int64_t)i;
        }
    }
    return i ? (int64_t)i : PROTO_NEED_MORE;
}

static int64_t smb_parse(void *state, struct proto_call *c, const uint8_t *p, size_t len)
{
    struct smb_state *s = state;
    struct smb_dir *d = &s->d[c->dir];
    size_t i = 0;
    while (i < len) {
        if (d->skip) {
            size_t n = len - i < d->skip ? len - i : d->skip;
            d->skip -= (uint32_t)n;
            i += n;
            continue;
        }
        if (d->lost) {
            int64_t r = smb_resync(d, p + i, len - i);
            if (r == PROTO_NEED_MORE)
                return i ? (int64_t)i : PROTO_NEED_MORE;
            i += (size_t)r;
            if (d->lost)
                return (int64_t)i; /* scanned without finding a header */
            continue;
        }
        if (len - i < 4)
            return i ? (int64_t)i : PROTO_NEED_MORE;
        const uint8_t *t = p + i;
        uint32_t mlen;
        if (t[0] == 0x00) {
            mlen = (uint32_t)t[1] << 16 | get_be16(t + 2);
        } else if (t[0] >= 0x81 && t[0] <= 0x85 && t[1] <= 1) {
            /* NetBIOS session setup and keepalive: no SMB inside */
            mlen = (uint32_t)(t[1] & 1) << 16 | get_be16(t + 2);
            if (t[0] == 0x81)
                s->ev.netbios_session = true;
            i += 4;
            d->skip = mlen;
            continue;
        } else {
            /* not a transport header: lost framing, look for the next */
            s->ev.truncated = true;
            d->lost = true;
            continue;
        }
        size_t head = mlen < SMB_HEAD_MAX ? mlen : SMB_HEAD_MAX;
        if (len - i - 4 < head)
            return i ? (int64_t)i : PROTO_NEED_MORE;
        if (mlen)
            smb_message(s, c, t + 4, head);
        i += 4 + head;
        d->skip = mlen - (uint32_t)head;
    }
    return (int64_t)len;
}

static int smb_gap(void *state, struct proto_call *c, size_t len)
{
    struct smb_state *s = state;
    struct smb_dir *d = &s->d[c->dir];
    if (d->skip >= len) {
        /* the hole fell inside a message's skipped body: framing holds */
        d->skip -= (uint32_t)len;
        return 0;
    }
    d->skip = 0;
    d->lost = true;
    s->ev.truncated = true;
    return 0;
}

static uint8_t smb_version(const struct smb_state *s)
{
    const struct smb_dir *srv = &s->d[DIR_TOCLIENT], *cli = &s->d[DIR_TOSERVER];
    if (s->neg_version)
        return s->neg_version;
    if (s->ev.encrypted || s->ev.compressed)
        return 3;
    if (srv->smb2 || srv->smb1)
        return srv->smb2 ? 2 : 1;
    if (cli->smb2 || cli->smb1)
        return cli->smb2 ? 2 : 1;
    return 0;
}

static void smb_end(void *state, struct proto_call *c)
{
    struct smb_state *s = state;
    if (!s->started)
        return; /* no SMB message: a NetBIOS session setup alone is not SMB */
    s->ev.version = smb_version(s);
    c->emit(c, SMB_EV_SESSION, s->ev.ts_us, &s->ev);
    s->started = false;
}

static enum proto_probe_result smb_probe(const uint8_t *p, size_t len, enum flow_dir dir)
{
    if (len == 0)
        return PROBE_MAYBE;
    if (p[0] == 0x81 && dir == DIR_TOSERVER) {
        /* session request: two encoded NetBIOS names, each 0x20 + 32 bytes */
        if (len < 5)
            return len < 2 || p[1] <= 1 ? PROBE_MAYBE : PROBE_NO;
        return p[1] <= 1 && p[4] == 0x20 ? PROBE_YES : PROBE_NO;
    }
    if (p[0] != 0x00)
        return PROBE_NO;
    static const uint8_t tail[3] = {'S', 'M', 'B'};
    if (len < 5)
        return PROBE_MAYBE;
    if (p[4] != 0xff && p[4] != 0xfe && p[4] != 0xfd && p[4] != 0xfc)
        return PROBE_NO;
    size_t n = len - 5 < 3 ? len - 5 : 3;
    if (memcmp(p + 5, tail, n) != 0)
        return PROBE_NO;
    return n < 3 ? PROBE_MAYBE : PROBE_YES;
}

bool smb1_has_name(const struct smb_session_event *ev, const char *name)
{
    for (unsigned cmd = 0; cmd < 256; cmd++) {
        const char *n1 = smb1_cmd_name(cmd);
        if ((ev->smb1_cmds[cmd >> 6] & (1ull << (cmd & 63))) && n1 && strcmp(n1, name) == 0)
            return true;
    }
    return false;
}

/* "0x" and v in digits lowercase hex digits, as "0x%0*x" writes it for a
 * v that fits, without printf on the record path. */
static const char *smb_hex(char out[8], unsigned v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    out[0] = '0';
    out[1] = 'x';
    for (int i = digits - 1; i >= 0; i--, v >>= 4)
        out[2 + i] = hex[v & 15];
    out[2 + digits] = '\0';
    return out;
}

static void smb_format(struct json_buf *b, unsigned kind, const void *event)
{
    (void)kind;
    const struct smb_session_event *ev = event;
    char hex[8];
    json_open_object(b, "smb");
    json_uint(b, "version", ev->version);
    if (ev->negotiated && ev->dialect[0])
        json_string(b, "dialect", ev->dialect);
    if (ev->n_offered) {
        json_open_array(b, "dialects_offered");
        for (unsigned i = 0; i < ev->n_offered; i++)
            json_string(b, NULL, ev->offered[i]);
        json_close_array(b);
        if (ev->offered_truncated)
            json_bool(b, "dialects_truncated", true);
    }
    json_open_array(b, "commands");
    for (unsigned cmd = 0; cmd < 256; cmd++) {
        if (!(ev->smb1_cmds[cmd >> 6] & (1ull << (cmd & 63))))
            continue;
        const char *name = smb1_cmd_name(cmd);
        if (!name)
            name = smb_hex(hex, cmd, 2); /* cmd < 256 */
        json_string(b, NULL, name);
    }
    for (unsigned cmd = 0; cmd < 32; cmd++) {
        if (!(ev->smb2_cmds & (1u << cmd)))
            continue;
        const char *name = smb2_cmd_name(cmd);
        if (!name) {
            name = smb_hex(hex, cmd, 4); /* cmd < 32 */
        } else if (smb1_has_name(ev, name)) {
            continue; /* NEGOTIATE in both versions (multi-protocol negotiate): once */
        }
        json_string(b, NULL, name);
    }
    json_close_array(b);
    json_uint(b, "messages_toserver", ev->messages[DIR_TOSERVER]);
    json_uint(b, "messages_toclient", ev->messages[DIR_TOCLIENT]);
    if (ev->encrypted)
        json_uint(b, "encrypted_messages", ev->encrypted);
    if (ev->compressed)
        json_uint(b, "compressed_messages", ev->compressed);
    json_uint(b, "errors", ev->errors);
    json_bool(b, "signed", ev->signed_seen);
    if (ev->netbios_session)
        json_bool(b, "netbios_session", true);
    if (ev->truncated)
        json_bool(b, "truncated", true);
    json_close_object(b);
}

const struct proto_parser proto_smb = {
    .name = "smb",
    .ports = {445, 139, 0, 0},
    .ndpi_name = NULL,
    .probe_packets = 2,
    .state_size = sizeof(struct smb_state),
    .max_buffer = SMB_HEAD_MAX + 4,
    .logged_kinds = 1u << SMB_EV_SESSION,
    .probe = smb_probe,
    .parse = smb_parse,
    .gap = smb_gap,
    .end = smb_end,
    .format = smb_format,
};
