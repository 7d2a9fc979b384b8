/* SMB2 and SMB1 over TCP 445: RFC 1002 section 4.3.1 (NetBIOS session message header, as used by
 * direct-hosted SMB), [MS-SMB2] 2.2 (header, NEGOTIATE, SESSION_SETUP, TREE_CONNECT, CREATE, READ,
 * CLOSE, TREE_DISCONNECT, LOGOFF), RFC 4178 (SPNEGO), [MS-NLMP] 2.2 (NTLMSSP NEGOTIATE, CHALLENGE,
 * AUTHENTICATE), [MS-CIFS] 2.2.4.52 (SMB_COM_NEGOTIATE) for the legacy dialect.
 *
 *   +----+-----------+--------------------------------+----------------------+
 *   | 00 | length 3  | FE 'S' 'M' 'B' | header (64)   | command body         |
 *   +----+-----------+--------------------------------+----------------------+
 *
 * The NTLM exchange carries random challenge and proof bytes: it looks right and proves nothing.
 */
#include "proto.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "net.h"

#define SMB2_NEGOTIATE 0x0000
#define SMB2_SESSION_SETUP 0x0001
#define SMB2_LOGOFF 0x0002
#define SMB2_TREE_CONNECT 0x0003
#define SMB2_TREE_DISCONNECT 0x0004
#define SMB2_CREATE 0x0005
#define SMB2_CLOSE 0x0006
#define SMB2_READ 0x0008
#define STATUS_MORE_PROCESSING 0xc0000016u

static const uint8_t oid_spnego[] = {0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
static const uint8_t oid_ntlm[] = {0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
                                   0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};

struct smb {
    struct tcp_conv c;
    struct rng *r;
    uint64_t msg_id;
    uint64_t session;
    uint32_t tree;
    uint8_t m[8192];
};

/* DER: tag, definite length, content; content may live in out (moved). */
static size_t der(uint8_t *out, uint8_t tag, const uint8_t *content, size_t n)
{
    size_t h = n < 128 ? 2 : n < 256 ? 3 : 4;
    memmove(out + h, content, n);
    out[0] = tag;
    if (n < 128) {
        out[1] = (uint8_t)n;
    } else if (n < 256) {
        out[1] = 0x81;
        out[2] = (uint8_t)n;
    } else {
        out[1] = 0x82;
        put_be16(out + 2, (uint16_t)n);
    }
    return h + n;
}

static size_t utf16(uint8_t *out, const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++) {
        out[n++] = (uint8_t)*s;
        out[n++] = 0;
    }
    return n;
}

static uint64_t filetime(uint64_t t_us)
{
    return t_us * 10 + 116444736000000000ULL;
}

static void header(struct smb *s, struct buf *b, uint16_t cmd, uint32_t status, bool rsp)
{
    static const uint8_t magic[4] = {0xfe, 'S', 'M', 'B'};
    buf_put(b, magic, 4);
    buf_le16(b, 64);
    buf_le16(b, cmd == SMB2_NEGOTIATE ? 0 : 1); /* credit charge */
    buf_le32(b, status);
    buf_le16(b, cmd);
    buf_le16(b, rsp ? 32 : 31); /* credits requested / granted */
    buf_le32(b, rsp ? 1 : 0);   /* SMB2_FLAGS_SERVER_TO_REDIR */
    buf_le32(b, 0);
    buf_le64(b, s->msg_id);
    buf_le32(b, 0xfeff);  /* process id */
    buf_le32(b, s->tree); /* 0 until TREE_CONNECT answers, and again after TREE_DISCONNECT */
    buf_le64(b, cmd == SMB2_NEGOTIATE ? 0 : s->session);
    buf_zero(b, 16);
}

/* Starts a NetBIOS-framed SMB2 message; send() closes the length. */
static void begin(struct smb *s, struct buf *b, uint16_t cmd, uint32_t status, bool rsp)
{
    buf_init(b, s->m, sizeof(s->m));
    buf_be32(b, 0);
    header(s, b, cmd, status, rsp);
}

static void send_msg(struct smb *s, struct buf *b, int side)
{
    put_be32(b->p, (uint32_t)(b->len - 4)); /* type 0 + 24-bit length */
    tcp_send(&s->c, side, b->p, b->len);
}

static size_t ntlm_negotiate(uint8_t *o)
{
    static const uint8_t m[40] = {
        'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0, 0x97, 0x82, 0x08, 0xe2, 0, 0, 0, 0,
        0,   0,   0,   0,   0,   0,   0,   0, 0, 0, 0, 0, 10,   0,    0x63, 0x45, 0, 0, 0, 15};
    memcpy(o, m, 40);
    return 40;
}

static size_t av_pairs(uint8_t *o, const struct host *srv, uint64_t t)
{
    uint8_t tmp[128];
    size_t n = 0, k;
    char nb[16];
    size_t i = 0;
    for (; srv->name[i] != '\0' && i < 15; i++)
        nb[i] =
            (char)((srv->name[i] >= 'a' && srv->name[i] <= 'z') ? srv->name[i] - 32 : srv->name[i]);
    nb[i] = '\0';
    const struct {
        uint16_t id;
        const char *v;
    } pairs[4] = {{2, "HOSP"}, {1, nb}, {4, HOSP_DOMAIN}, {3, srv->fqdn}};
    for (int p = 0; p < 4; p++) {
        k = utf16(tmp, pairs[p].v);
        put_le16(o + n, pairs[p].id);
        put_le16(o + n + 2, (uint16_t)k);
        memcpy(o + n + 4, tmp, k);
        n += 4 + k;
    }
    put_le16(o + n, 7);
    put_le16(o + n + 2, 8);
    put_le64(o + n + 4, filetime(t));
    n += 12;
    put_le32(o + n, 0);
    return n + 4;
}

static size_t ntlm_challenge(uint8_t *o, struct rng *r, const struct host *srv, uint64_t t)
{
    uint8_t info[400], name[16];
    size_t in = av_pairs(info, srv, t);
    size_t nn = utf16(name, "HOSP");
    memcpy(o, "NTLMSSP\0", 8);
    put_le32(o + 8, 2);
    put_le16(o + 12, (uint16_t)nn);
    put_le16(o + 14, (uint16_t)nn);
    put_le32(o + 16, 56);
    put_le32(o + 20, 0xe28a8215u);
    rng_bytes(r, o + 24, 8);
    memset(o + 32, 0, 8);
    put_le16(o + 40, (uint16_t)in);
    put_le16(o + 42, (uint16_t)in);
    put_le32(o + 44, (uint32_t)(56 + nn));
    static const uint8_t ver[8] = {10, 0, 0x63, 0x45, 0, 0, 0, 15};
    memcpy(o + 48, ver, 8);
    memcpy(o + 56, name, nn);
    memcpy(o + 56 + nn, info, in);
    return 56 + nn + in;
}

static void field(uint8_t *o, size_t at, size_t len, size_t off)
{
    put_le16(o + at, (uint16_t)len);
    put_le16(o + at + 2, (uint16_t)len);
    put_le32(o + at + 4, (uint32_t)off);
}

static size_t ntlm_authenticate(uint8_t *o, struct rng *r, const struct host *cli,
                                const struct host *srv, const char *user, uint64_t t)
{
    uint8_t dom[16], usr[64], ws[64], nt[512];
    size_t dn = utf16(dom, "HOSP"), un = utf16(usr, user);
    char wsname[32];
    size_t i = 0;
    for (; cli->name[i] != '\0' && i < 31; i++)
        wsname[i] =
            (char)((cli->name[i] >= 'a' && cli->name[i] <= 'z') ? cli->name[i] - 32 : cli->name[i]);
    wsname[i] = '\0';
    size_t wn = utf16(ws, wsname);
    /* NTLMv2 response: NTProofStr, then the client blob (MS-NLMP 2.2.2.7). */
    rng_bytes(r, nt, 16);
    static const uint8_t blob_head[8] = {1, 1, 0, 0, 0, 0, 0, 0};
    memcpy(nt + 16, blob_head, 8);
    put_le64(nt + 24, filetime(t));
    rng_bytes(r, nt + 32, 8);
    memset(nt + 40, 0, 4);
    size_t ntn = 44 + av_pairs(nt + 44, srv, t);
    memset(nt + ntn, 0, 4);
    ntn += 4;
    size_t off = 88;
    memcpy(o, "NTLMSSP\0", 8);
    put_le32(o + 8, 3);
    field(o, 28, dn, off);
    memcpy(o + off, dom, dn);
    off += dn;
    field(o, 36, un, off);
    memcpy(o + off, usr, un);
    off += un;
    field(o, 44, wn, off);
    memcpy(o + off, ws, wn);
    off += wn;
    field(o, 12, 24, off);
    memset(o + off, 0, 24);
    off += 24;
    field(o, 20, ntn, off);
    memcpy(o + off, nt, ntn);
    off += ntn;
    field(o, 52, 16, off);
    rng_bytes(r, o + off, 16);
    off += 16;
    put_le32(o + 60, 0xe2888215u);
    static const uint8_t ver[8] = {10, 0, 0x63, 0x45, 0, 0, 0, 15};
    memcpy(o + 64, ver, 8);
    rng_bytes(r, o + 72, 16); /* MIC */
    return off;
}

/* negTokenInit { mechTypes { NTLMSSP }, mechToken } in a GSS-API InitialContextToken. */
static size_t spnego_init(uint8_t *o, const uint8_t *token, size_t n)
{
    uint8_t mech[32], tmp[1024];
    size_t mn = der(mech, 0x30, oid_ntlm, sizeof(oid_ntlm));
    mn = der(mech, 0xa0, mech, mn);
    size_t k = 0;
    memcpy(tmp, mech, mn);
    k += mn;
    if (token != NULL) {
        size_t tn = der(tmp + k, 0x04, token, n);
        tn = der(tmp + k, 0xa2, tmp + k, tn);
        k += tn;
    }
    k = der(tmp, 0x30, tmp, k);
    k = der(tmp, 0xa0, tmp, k);
    memcpy(o, oid_spnego, sizeof(oid_spnego));
    memcpy(o + sizeof(oid_spnego), tmp, k);
    return der(o, 0x60, o, sizeof(oid_spnego) + k);
}

/* negTokenResp { negState?, supportedMech?, responseToken?, mechListMIC? } */
static size_t spnego_resp(uint8_t *o, int state, bool mech, const uint8_t *token, size_t n,
                          struct rng *r)
{
    uint8_t tmp[1536];
    size_t k = 0;
    if (state >= 0) {
        uint8_t st[3] = {0x0a, 0x01, (uint8_t)state};
        k += der(tmp + k, 0xa0, st, 3);
    }
    if (mech)
        k += der(tmp + k, 0xa1, oid_ntlm, sizeof(oid_ntlm));
    if (token != NULL) {
        size_t tn = der(tmp + k, 0x04, token, n);
        k += der(tmp + k, 0xa2, tmp + k, tn);
    }
    if (r != NULL) {
        uint8_t mic[16];
        rng_bytes(r, mic, 16);
        size_t mn = der(tmp + k, 0x04, mic, 16);
        k += der(tmp + k, 0xa3, tmp + k, mn);
    }
    k = der(tmp, 0x30, tmp, k);
    memcpy(o, tmp, k);
    return der(o, 0xa1, o, k);
}

static void negotiate(struct smb *s)
{
    struct buf b;
    uint8_t guid[16];
    begin(s, &b, SMB2_NEGOTIATE, 0, false);
    buf_le16(&b, 36);
    buf_le16(&b, 4);
    buf_le16(&b, 1); /* signing enabled */
    buf_le16(&b, 0);
    buf_le32(&b, 0x7f);
    rng_bytes(s->r, guid, 16);
    buf_put(&b, guid, 16);
    buf_le64(&b, 0);
    buf_le16(&b, 0x0202);
    buf_le16(&b, 0x0210);
    buf_le16(&b, 0x0300);
    buf_le16(&b, 0x0302);
    send_msg(s, &b, 0);
    tcp_think(&s->c, 300);

    uint8_t blob[64];
    size_t bn = spnego_init(blob, NULL, 0);
    begin(s, &b, SMB2_NEGOTIATE, 0, true);
    buf_le16(&b, 65);
    buf_le16(&b, 1);
    buf_le16(&b, 0x0302);
    buf_le16(&b, 0);
    rng_bytes(s->r, guid, 16);
    buf_put(&b, guid, 16);
    buf_le32(&b, 0x2f);
    buf_le32(&b, 8388608);
    buf_le32(&b, 8388608);
    buf_le32(&b, 8388608);
    buf_le64(&b, filetime(s->c.t));
    buf_le64(&b, 0);
    buf_le16(&b, 128);
    buf_le16(&b, (uint16_t)bn);
    buf_le32(&b, 0);
    buf_put(&b, blob, bn);
    send_msg(s, &b, 1);
    s->msg_id++;
}

static void session_setup(struct smb *s, const char *user)
{
    struct buf b;
    uint8_t tok[1024], blob[1536];
    for (int leg = 0; leg < 2; leg++) {
        size_t tn, bn;
        if (leg == 0) {
            tn = ntlm_negotiate(tok);
            bn = spnego_init(blob, tok, tn);
        } else {
            tn = ntlm_authenticate(tok, s->r, s->c.h[0], s->c.h[1], user, s->c.t);
            bn = spnego_resp(blob, -1, false, tok, tn, NULL);
        }
        begin(s, &b, SMB2_SESSION_SETUP, 0, false);
        buf_le16(&b, 25);
        buf_u8(&b, 0);
        buf_u8(&b, 1);
        buf_le32(&b, 1);
        buf_le32(&b, 0);
        buf_le16(&b, 88);
        buf_le16(&b, (uint16_t)bn);
        buf_le64(&b, 0);
        buf_put(&b, blob, bn);
        send_msg(s, &b, 0);
        tcp_think(&s->c, rng_range(s->r, 300, 3000));
        if (leg == 0) {
            s->session = 0x0000300000000000ULL | (rng_next(s->r) & 0xffffffffULL);
            tn = ntlm_challenge(tok, s->r, s->c.h[1], s->c.t);
            bn = spnego_resp(blob, 1, true, tok, tn, NULL);
        } else {
            bn = spnego_resp(blob, 0, false, NULL, 0, NULL);
        }
        begin(s, &b, SMB2_SESSION_SETUP, leg == 0 ? STATUS_MORE_PROCESSING : 0, true);
        buf_le16(&b, 9);
        buf_le16(&b, 0);
        buf_le16(&b, 72);
        buf_le16(&b, (uint16_t)bn);
        buf_put(&b, blob, bn);
        send_msg(s, &b, 1);
        s->msg_id++;
    }
}

static void tree_connect(struct smb *s, const char *share)
{
    struct buf b;
    uint8_t path[256];
    char unc[128];
    snprintf(unc, sizeof(unc), "\\\\%s\\%s", s->c.h[1]->fqdn, share);
    size_t pn = utf16(path, unc);
    begin(s, &b, SMB2_TREE_CONNECT, 0, false);
    buf_le16(&b, 9);
    buf_le16(&b, 0);
    buf_le16(&b, 72);
    buf_le16(&b, (uint16_t)pn);
    buf_put(&b, path, pn);
    send_msg(s, &b, 0);
    tcp_think(&s->c, 400);
    s->tree = 1 + (uint32_t)rng_below(s->r, 8);
    begin(s, &b, SMB2_TREE_CONNECT, 0, true);
    buf_le16(&b, 16);
    buf_u8(&b, 1); /* disk */
    buf_u8(&b, 0);
    buf_le32(&b, 0);
    buf_le32(&b, 0);
    buf_le32(&b, 0x001f01ff);
    send_msg(s, &b, 1);
    s->msg_id++;
}

static void read_file(struct smb *s, const char *name, size_t size)
{
    struct buf b;
    uint8_t fname[256], fid[16];
    size_t fn = utf16(fname, name);
    rng_bytes(s->r, fid, 16);
    begin(s, &b, SMB2_CREATE, 0, false);
    buf_le16(&b, 57);
    buf_u8(&b, 0);
    buf_u8(&b, 0);   /* no oplock */
    buf_le32(&b, 2); /* impersonation */
    buf_le64(&b, 0);
    buf_le64(&b, 0);
    buf_le32(&b, 0x00120089); /* read data, read attributes, read EA, synchronize */
    buf_le32(&b, 0);
    buf_le32(&b, 3); /* share read | write */
    buf_le32(&b, 1); /* FILE_OPEN */
    buf_le32(&b, 0x44);
    buf_le16(&b, 120);
    buf_le16(&b, (uint16_t)fn);
    buf_le32(&b, 0);
    buf_le32(&b, 0);
    buf_put(&b, fname, fn);
    send_msg(s, &b, 0);
    tcp_think(&s->c, rng_range(s->r, 300, 2000));
    uint64_t ft = filetime(s->c.t - 3ULL * 86400 * 1000000);
    begin(s, &b, SMB2_CREATE, 0, true);
    buf_le16(&b, 89);
    buf_u8(&b, 0);
    buf_u8(&b, 0);
    buf_le32(&b, 1); /* FILE_OPENED */
    for (int i = 0; i < 4; i++)
        buf_le64(&b, ft + (uint64_t)i * 10000000ULL);
    buf_le64(&b, (size + 4095) & ~(size_t)4095);
    buf_le64(&b, size);
    buf_le32(&b, 0x20);
    buf_le32(&b, 0);
    buf_put(&b, fid, 16);
    buf_le32(&b, 0);
    buf_le32(&b, 0);
    send_msg(s, &b, 1);
    s->msg_id++;

    for (size_t off = 0; off < size;) {
        size_t n = size - off > 65536 ? 65536 : size - off;
        begin(s, &b, SMB2_READ, 0, false);
        buf_le16(&b, 49);
        buf_u8(&b, 0x50);
        buf_u8(&b, 0);
        buf_le32(&b, (uint32_t)n);
        buf_le64(&b, off);
        buf_put(&b, fid, 16);
        buf_le32(&b, 0);
        buf_le32(&b, 0);
        buf_le32(&b, 0);
        buf_le16(&b, 0);
        buf_le16(&b, 0);
        buf_u8(&b, 0);
        send_msg(s, &b, 0);
        tcp_think(&s->c, rng_range(s->r, 200, 1500));
        /* The response is larger than the scratch message: build it in the work buffer. */
        struct buf w;
        buf_init(&w, s->c.g->work, s->c.g->work_cap);
        buf_be32(&w, 0);
        header(s, &w, SMB2_READ, 0, true);
        buf_le16(&w, 17);
        buf_u8(&w, 0x50);
        buf_u8(&w, 0);
        buf_le32(&w, (uint32_t)n);
        buf_le32(&w, 0);
        buf_le32(&w, 0);
        uint8_t *d = buf_reserve(&w, n);
        if (d != NULL) {
            rng_bytes(s->r, d, n);
            if (off == 0 && n >= 4) {
                static const uint8_t zip[4] = {0x50, 0x4b, 0x03, 0x04}; /* .xlsx is a zip */
                memcpy(d, zip, 4);
            }
        }
        send_msg(s, &w, 1);
        s->msg_id++;
        off += n;
    }

    begin(s, &b, SMB2_CLOSE, 0, false);
    buf_le16(&b, 24);
    buf_le16(&b, 0);
    buf_le32(&b, 0);
    buf_put(&b, fid, 16);
    send_msg(s, &b, 0);
    tcp_think(&s->c, 300);
    begin(s, &b, SMB2_CLOSE, 0, true);
    buf_le16(&b, 60);
    buf_le16(&b, 0);
    buf_le32(&b, 0);
    buf_zero(&b, 32 + 16 + 4);
    send_msg(s, &b, 1);
    s->msg_id++;
}

static void simple(struct smb *s, uint16_t cmd)
{
    struct buf b;
    begin(s, &b, cmd, 0, false);
    buf_le16(&b, 4);
    buf_le16(&b, 0);
    send_msg(s, &b, 0);
    tcp_think(&s->c, 200);
    begin(s, &b, cmd, 0, true);
    buf_le16(&b, 4);
    buf_le16(&b, 0);
    send_msg(s, &b, 1);
    s->msg_id++;
}

uint64_t smb2_session(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *srv,
                      unsigned reads)
{
    static const char *const users[] = {"nurse03", "clerk11", "dr.demo", "radtech2", "labtech1"};
    static const char *const files[] = {
        "Rosters\\ward-roster-2026-01.xlsx", "Forms\\admission-checklist.docx",
        "Protocols\\ct-contrast-protocol.pdf", "Rosters\\on-call-january.xlsx"};
    struct smb sm;
    memset(&sm, 0, sizeof(sm));
    sm.r = r;
    tcp_open(&sm.c, g, r, cli, srv, 445, t);
    negotiate(&sm);
    session_setup(&sm, users[rng_below(r, 5)]);
    tree_connect(&sm, rng_chance(r, 50) ? "wards" : "shared");
    for (unsigned i = 0; i < reads; i++) {
        tcp_think(&sm.c, rng_range(r, 5000, 300000));
        read_file(&sm, files[rng_below(r, 4)], 1000 + rng_below(r, 7000));
    }
    tcp_think(&sm.c, rng_range(r, 5000, 100000));
    simple(&sm, SMB2_TREE_DISCONNECT);
    sm.tree = 0;
    simple(&sm, SMB2_LOGOFF);
    tcp_close(&sm.c, 0);
    return sm.c.t;
}

uint64_t smb1_negotiate(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                        struct host *srv)
{
    static const char *const dialects[] = {"PC NETWORK PROGRAM 1.0",
                                           "LANMAN1.0",
                                           "Windows for Workgroups 3.1a",
                                           "LM1.2X002",
                                           "LANMAN2.1",
                                           "NT LM 0.12"};
    struct tcp_conv c;
    uint8_t m[512];
    struct buf b;
    tcp_open(&c, g, r, cli, srv, 445, t);
    uint16_t pid = (uint16_t)rng_range(r, 1000, 60000);
    for (int rsp = 0; rsp < 2; rsp++) {
        buf_init(&b, m, sizeof(m));
        buf_be32(&b, 0);
        static const uint8_t magic[4] = {0xff, 'S', 'M', 'B'};
        buf_put(&b, magic, 4);
        buf_u8(&b, 0x72); /* SMB_COM_NEGOTIATE */
        buf_le32(&b, 0);
        buf_u8(&b, rsp ? 0x98 : 0x18);
        buf_le16(&b, rsp ? 0x4001 : 0xc853);
        buf_le16(&b, 0);
        buf_zero(&b, 8);
        buf_le16(&b, 0);
        buf_le16(&b, 0xffff);
        buf_le16(&b, pid);
        buf_le16(&b, 0);
        buf_le16(&b, 0);
        if (!rsp) {
            buf_u8(&b, 0);
            size_t bc = 0;
            for (size_t i = 0; i < 6; i++)
                bc += 2 + strlen(dialects[i]);
            buf_le16(&b, (uint16_t)bc);
            for (size_t i = 0; i < 6; i++) {
                buf_u8(&b, 0x02);
                buf_put(&b, dialects[i], strlen(dialects[i]) + 1);
            }
        } else {
            uint8_t challenge[8];
            buf_u8(&b, 17);
            buf_le16(&b, 5);  /* NT LM 0.12 */
            buf_u8(&b, 0x03); /* user level, challenge/response */
            buf_le16(&b, 50);
            buf_le16(&b, 1);
            buf_le32(&b, 16644);
            buf_le32(&b, 65536);
            buf_le32(&b, 0);
            buf_le32(&b, 0x0001e3fc);
            buf_le64(&b, filetime(c.t));
            buf_le16(&b, 0xfde4); /* UTC+9: minutes west of UTC, negative */
            buf_u8(&b, 8);
            buf_le16(&b, 8 + 5 + 10);
            rng_bytes(r, challenge, 8);
            buf_put(&b, challenge, 8);
            buf_put(&b, "HOSP", 5);
            buf_put(&b, "FILESRV01", 10);
        }
        put_be32(m, (uint32_t)(b.len - 4));
        tcp_send(&c, rsp, m, b.len);
        tcp_think(&c, 500);
    }
    tcp_close(&c, 0);
    return c.t;
}
