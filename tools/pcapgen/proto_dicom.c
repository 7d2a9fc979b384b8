/* DICOM over TCP: DICOM PS3.8 section 9.3 (upper-layer PDUs), PS3.7 section 9 and annex E
 * (DIMSE command sets), PS3.5 section 7 (implicit and explicit VR little endian), PS3.4 annexes
 * A, B and C (Verification, Storage, Query/Retrieve SOP classes), PS3.15 / PS3.5 B.2 (2.25 UUID
 * UIDs).
 *
 *   A-ASSOCIATE-RQ/AC (9.3.2, 9.3.3)
 *   +----+----+--------+--------+-------+-----------+------------+--------+-----------------+
 *   | 01 | 00 | len 4  | ver 2  | res 2 | called 16 | calling 16 | res 32 | 10 app context  |
 *   +----+----+--------+--------+-------+-----------+------------+--------+ 20/21 pres ctx  |
 *                                                                          | 50 user info    |
 *   P-DATA-TF (9.3.5)                                                      +-----------------+
 *   +----+----+--------+---------------------------------------------------------------+
 *   | 04 | 00 | len 4  | PDV: len 4 | pc id 1 | ctrl 1 (bit0 command, bit1 last) | ... |
 *   +----+----+--------+---------------------------------------------------------------+
 *
 * All patient values in the synthetic data sets are fake (DEMO^PATIENTnnn); UIDs are random
 * 2.25 UUID-derived UIDs, unique per capture.
 */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "net.h"

#define UID_APP_CONTEXT "1.2.840.10008.3.1.1.1"
#define UID_VERIFICATION "1.2.840.10008.1.1"
#define UID_IMPLICIT_LE "1.2.840.10008.1.2"
#define UID_EXPLICIT_LE "1.2.840.10008.1.2.1"
#define UID_CT_STORAGE "1.2.840.10008.5.1.4.1.1.2"
#define UID_MR_STORAGE "1.2.840.10008.5.1.4.1.1.4"
#define UID_US_STORAGE "1.2.840.10008.5.1.4.1.1.6.1"
#define UID_CR_STORAGE "1.2.840.10008.5.1.4.1.1.1"
#define UID_STUDY_FIND "1.2.840.10008.5.1.4.1.2.2.1"
#define UID_STUDY_MOVE "1.2.840.10008.5.1.4.1.2.2.2"

#define CMD_C_STORE_RQ 0x0001
#define CMD_C_FIND_RQ 0x0020
#define CMD_C_MOVE_RQ 0x0021
#define CMD_C_ECHO_RQ 0x0030
#define CMD_RSP 0x8000
#define NO_DATA_SET 0x0101
#define STATUS_PENDING 0xff00

#define SCU_MAX_PDU 16384
#define SCP_MAX_PDU 16384
#define SMALL 4096

struct pctx {
    uint8_t id;
    const char *abstract;
    const char *ts[2];
    size_t nts;
    const char *accepted; /* NULL: abstract syntax not supported (result 3) */
};

static void ae_field(struct buf *b, const char *ae)
{
    char f[16];
    memset(f, ' ', sizeof(f));
    size_t n = strlen(ae);
    memcpy(f, ae, n > 16 ? 16 : n);
    buf_put(b, f, 16);
}

static void item_str(struct buf *b, uint8_t type, const char *s)
{
    buf_u8(b, type);
    buf_u8(b, 0);
    buf_be16(b, (uint16_t)strlen(s));
    buf_str(b, s);
}

static void impl_of(const struct host *h, char uid[40], char ver[17])
{
    /* A stable per-maker implementation class UID under 2.25 and a DCMTK-style version name. */
    uint32_t x = 2166136261u;
    const char *v = h->vendor != NULL ? h->vendor : "GENERIC";
    for (const char *p = v; *p != '\0'; p++)
        x = (x ^ (uint8_t)*p) * 16777619u;
    snprintf(uid, 40, "2.25.%u%09u", 1000u + x % 9000u, x);
    char word[9] = {0};
    size_t i = 0;
    for (; v[i] != '\0' && v[i] != ' ' && v[i] != '_' && i < 8; i++)
        word[i] = (char)((v[i] >= 'a' && v[i] <= 'z') ? v[i] - 32 : v[i]);
    snprintf(ver, 17, "%s_SIM_%u", word, 1 + x % 9);
}

static void user_info(struct buf *b, uint32_t max_pdu, const struct host *h)
{
    char uid[40], ver[17];
    impl_of(h, uid, ver);
    size_t len = 8 + 4 + strlen(uid) + 4 + strlen(ver);
    buf_u8(b, 0x50);
    buf_u8(b, 0);
    buf_be16(b, (uint16_t)len);
    buf_u8(b, 0x51);
    buf_u8(b, 0);
    buf_be16(b, 4);
    buf_be32(b, max_pdu);
    item_str(b, 0x52, uid);
    item_str(b, 0x55, ver);
}

/* A-ASSOCIATE-RQ (type 1) or -AC (type 2). */
static size_t associate(uint8_t *out, size_t cap, uint8_t type, const char *called,
                        const char *calling, const struct pctx *pcs, size_t n, uint32_t max_pdu,
                        const struct host *h)
{
    struct buf b;
    buf_init(&b, out, cap);
    buf_u8(&b, type);
    buf_u8(&b, 0);
    buf_be32(&b, 0); /* patched below */
    buf_be16(&b, 1);
    buf_be16(&b, 0);
    ae_field(&b, called);
    ae_field(&b, calling);
    buf_zero(&b, 32);
    item_str(&b, 0x10, UID_APP_CONTEXT);
    for (size_t i = 0; i < n; i++) {
        const struct pctx *pc = &pcs[i];
        size_t len = 4;
        if (type == 1) {
            len += 4 + strlen(pc->abstract);
            for (size_t k = 0; k < pc->nts; k++)
                len += 4 + strlen(pc->ts[k]);
        } else {
            len += 4 + strlen(pc->accepted != NULL ? pc->accepted : pc->ts[0]);
        }
        buf_u8(&b, type == 1 ? 0x20 : 0x21);
        buf_u8(&b, 0);
        buf_be16(&b, (uint16_t)len);
        buf_u8(&b, pc->id);
        buf_u8(&b, 0);
        buf_u8(&b, type == 1 ? 0 : (pc->accepted != NULL ? 0 : 3));
        buf_u8(&b, 0);
        if (type == 1) {
            item_str(&b, 0x30, pc->abstract);
            for (size_t k = 0; k < pc->nts; k++)
                item_str(&b, 0x40, pc->ts[k]);
        } else {
            item_str(&b, 0x40, pc->accepted != NULL ? pc->accepted : pc->ts[0]);
        }
    }
    user_info(&b, max_pdu, h);
    if (b.overflow)
        return 0;
    put_be32(out + 2, (uint32_t)(b.len - 6));
    return b.len;
}

static size_t short_pdu(uint8_t *out, uint8_t type, uint8_t b7, uint8_t b8, uint8_t b9)
{
    out[0] = type;
    out[1] = 0;
    put_be32(out + 2, 4);
    out[6] = 0;
    out[7] = b7;
    out[8] = b8;
    out[9] = b9;
    return 10;
}

/* ---- data elements (PS3.5 section 7.1) ---- */

struct ds {
    struct buf b;
    bool explicit_vr;
};

static bool long_vr(const char *vr)
{
    return strcmp(vr, "OB") == 0 || strcmp(vr, "OW") == 0 || strcmp(vr, "SQ") == 0 ||
           strcmp(vr, "UN") == 0 || strcmp(vr, "UT") == 0;
}

static void el(struct ds *d, uint16_t grp, uint16_t elm, const char *vr, const void *val,
               size_t len, uint8_t pad)
{
    size_t plen = len + (len & 1);
    buf_le16(&d->b, grp);
    buf_le16(&d->b, elm);
    if (d->explicit_vr) {
        buf_put(&d->b, vr, 2);
        if (long_vr(vr)) {
            buf_le16(&d->b, 0);
            buf_le32(&d->b, (uint32_t)plen);
        } else {
            buf_le16(&d->b, (uint16_t)plen);
        }
    } else {
        buf_le32(&d->b, (uint32_t)plen);
    }
    buf_put(&d->b, val, len);
    if (len & 1)
        buf_u8(&d->b, pad);
}

static void el_str(struct ds *d, uint16_t grp, uint16_t elm, const char *vr, const char *s)
{
    el(d, grp, elm, vr, s, strlen(s), strcmp(vr, "UI") == 0 ? 0 : ' ');
}

static void el_us(struct ds *d, uint16_t grp, uint16_t elm, uint16_t v)
{
    uint8_t x[2];
    put_le16(x, v);
    el(d, grp, elm, "US", x, 2, 0);
}

static void el_ul(struct ds *d, uint16_t grp, uint16_t elm, uint32_t v)
{
    uint8_t x[4];
    put_le32(x, v);
    el(d, grp, elm, "UL", x, 4, 0);
}

static void make_uid(struct rng *r, char out[64])
{
    /* 2.25.<decimal below 3e37>: a UUID-derived UID per PS3.5 B.2. */
    char digits[40];
    digits[0] = (char)('1' + rng_below(r, 2));
    for (int i = 1; i < 38; i++)
        digits[i] = (char)('0' + rng_below(r, 10));
    digits[38] = '\0';
    snprintf(out, 64, "2.25.%s", digits);
}

struct dimse {
    uint16_t field;
    const char *sop_class;
    uint16_t msg_id;
    bool has_data;
    uint16_t status;
    const char *sop_instance;
    const char *move_dest;
    bool counts;
    uint16_t remaining, completed, failed, warning;
};

/* Command set: always implicit VR little endian, group 0000 with its group length. */
static size_t command(uint8_t *out, size_t cap, const struct dimse *c)
{
    struct ds d = {.explicit_vr = false};
    buf_init(&d.b, out, cap);
    bool rsp = (c->field & CMD_RSP) != 0;
    el_ul(&d, 0x0000, 0x0000, 0);
    el_str(&d, 0x0000, 0x0002, "UI", c->sop_class);
    el_us(&d, 0x0000, 0x0100, c->field);
    el_us(&d, 0x0000, rsp ? 0x0120 : 0x0110, c->msg_id);
    if (c->move_dest != NULL)
        el_str(&d, 0x0000, 0x0600, "AE", c->move_dest);
    if (!rsp && c->field != CMD_C_ECHO_RQ)
        el_us(&d, 0x0000, 0x0700, 0); /* priority MEDIUM */
    el_us(&d, 0x0000, 0x0800, c->has_data ? 0x0000 : NO_DATA_SET);
    if (rsp)
        el_us(&d, 0x0000, 0x0900, c->status);
    if (c->sop_instance != NULL)
        el_str(&d, 0x0000, 0x1000, "UI", c->sop_instance);
    if (c->counts) {
        if (c->status == STATUS_PENDING)
            el_us(&d, 0x0000, 0x1020, c->remaining);
        el_us(&d, 0x0000, 0x1021, c->completed);
        el_us(&d, 0x0000, 0x1022, c->failed);
        el_us(&d, 0x0000, 0x1023, c->warning);
    }
    if (d.b.overflow)
        return 0;
    put_le32(out + 8, (uint32_t)(d.b.len - 12));
    return d.b.len;
}

/* Wraps a command or data set into P-DATA-TF PDUs of at most max_pdu bytes of PDV items. */
static void pdata(struct buf *b, uint8_t pc, bool is_command, const uint8_t *data, size_t len,
                  size_t max_pdu)
{
    size_t frag_max = max_pdu - 6;
    size_t off = 0;
    do {
        size_t n = len - off > frag_max ? frag_max : len - off;
        bool last = off + n == len;
        buf_u8(b, 0x04);
        buf_u8(b, 0);
        buf_be32(b, (uint32_t)(n + 6));
        buf_be32(b, (uint32_t)(n + 2));
        buf_u8(b, pc);
        buf_u8(b, (uint8_t)((is_command ? 1 : 0) | (last ? 2 : 0)));
        buf_put(b, data + off, n);
        off += n;
    } while (off < len);
}

static void send_command(struct tcp_conv *c, int side, uint8_t pc, const struct dimse *cmd)
{
    uint8_t tmp[512], pdu[600];
    size_t n = command(tmp, sizeof(tmp), cmd);
    struct buf b;
    buf_init(&b, pdu, sizeof(pdu));
    pdata(&b, pc, true, tmp, n, SCP_MAX_PDU);
    tcp_send(c, side, pdu, b.len);
}

static const char *sop_for(const struct host *h)
{
    const char *m = h->modality != NULL ? h->modality : "CT";
    if (strcmp(m, "MR") == 0)
        return UID_MR_STORAGE;
    if (strcmp(m, "US") == 0)
        return UID_US_STORAGE;
    if (strcmp(m, "CR") == 0)
        return UID_CR_STORAGE;
    return UID_CT_STORAGE;
}

static const char *description_for(const char *m)
{
    if (strcmp(m, "MR") == 0)
        return "MR BRAIN W/O CONTRAST";
    if (strcmp(m, "US") == 0)
        return "US ABDOMEN COMPLETE";
    if (strcmp(m, "CR") == 0)
        return "CR CHEST PA";
    return "CT HEAD W/O CONTRAST";
}

static void release_and_close(struct tcp_conv *c)
{
    uint8_t pdu[10];
    tcp_think(c, 300);
    tcp_send(c, 0, pdu, short_pdu(pdu, 0x05, 0, 0, 0));
    tcp_think(c, 100);
    tcp_send(c, 1, pdu, short_pdu(pdu, 0x06, 0, 0, 0));
    /* PS3.8 7.2: the requestor closes the transport connection on A-RELEASE-RP. */
    tcp_close(c, 0);
}

/* A-ASSOCIATE-RQ from the requestor, A-ASSOCIATE-AC accepting every context. */
static void open_association(struct tcp_conv *c, const char *called, const char *calling,
                             struct pctx *pcs, size_t n)
{
    uint8_t pdu[SMALL];
    tcp_send(c, 0, pdu,
             associate(pdu, sizeof(pdu), 1, called, calling, pcs, n, SCU_MAX_PDU, c->h[0]));
    tcp_think(c, 500 + (c->t % 1500));
    tcp_send(c, 1, pdu,
             associate(pdu, sizeof(pdu), 2, called, calling, pcs, n, SCP_MAX_PDU, c->h[1]));
}

uint64_t dicom_echo(struct gen *g, struct rng *r, uint64_t t, struct host *scu,
                    const char *calling_ae, struct host *scp)
{
    struct tcp_conv c;
    tcp_open(&c, g, r, scu, scp, DICOM_PORT, t);
    struct pctx pcs[1] = {{1, UID_VERIFICATION, {UID_IMPLICIT_LE, NULL}, 1, UID_IMPLICIT_LE}};
    open_association(&c, scp->ae, calling_ae, pcs, 1);
    struct dimse rq = {.field = CMD_C_ECHO_RQ, .sop_class = UID_VERIFICATION, .msg_id = 1};
    send_command(&c, 0, 1, &rq);
    tcp_think(&c, 200);
    struct dimse rsp = {
        .field = CMD_C_ECHO_RQ | CMD_RSP, .sop_class = UID_VERIFICATION, .msg_id = 1};
    send_command(&c, 1, 1, &rsp);
    release_and_close(&c);
    return c.t;
}

struct study {
    char study_uid[64];
    char series_uid[64];
    char accession[17];
    unsigned patient;
};

static void new_study(struct rng *r, struct study *s)
{
    make_uid(r, s->study_uid);
    make_uid(r, s->series_uid);
    s->patient = (unsigned)rng_below(r, GEN_PATIENTS);
    snprintf(s->accession, sizeof(s->accession), "ACC%08u", (unsigned)rng_below(r, 100000000));
}

/* A small synthetic image: a bright disc (the "phantom") on a gradient, 12 bits stored. */
static size_t image_data_set(uint8_t *out, size_t cap, bool explicit_vr, const struct host *h,
                             const struct study *s, const char *sop_uid, unsigned number,
                             unsigned px, uint64_t t)
{
    struct ds d = {.explicit_vr = explicit_vr};
    buf_init(&d.b, out, cap);
    const char *m = h->modality != NULL ? h->modality : "CT";
    char date[9], tm[7], pid[16], pname[24], num[12], station[17];
    fmt_date(t, date);
    fmt_time(t, tm);
    gen_patient_id(s->patient, pid);
    gen_patient_name(s->patient, pname);
    snprintf(num, sizeof(num), "%u", number);
    size_t i = 0;
    for (; h->name[i] != '\0' && i < 16; i++)
        station[i] =
            (char)((h->name[i] >= 'a' && h->name[i] <= 'z') ? h->name[i] - 32 : h->name[i]);
    station[i] = '\0';

    el_str(&d, 0x0008, 0x0005, "CS", "ISO_IR 100");
    el_str(&d, 0x0008, 0x0008, "CS", "ORIGINAL\\PRIMARY\\AXIAL");
    el_str(&d, 0x0008, 0x0016, "UI", sop_for(h));
    el_str(&d, 0x0008, 0x0018, "UI", sop_uid);
    el_str(&d, 0x0008, 0x0020, "DA", date);
    el_str(&d, 0x0008, 0x0030, "TM", tm);
    el_str(&d, 0x0008, 0x0050, "SH", s->accession);
    el_str(&d, 0x0008, 0x0060, "CS", m);
    el_str(&d, 0x0008, 0x0070, "LO", h->vendor != NULL ? h->vendor : "");
    el_str(&d, 0x0008, 0x0080, "LO", "DEMO HOSPITAL");
    el_str(&d, 0x0008, 0x1010, "SH", station);
    el_str(&d, 0x0008, 0x1030, "LO", description_for(m));
    el_str(&d, 0x0008, 0x1090, "LO", h->model != NULL ? h->model : "");
    el_str(&d, 0x0010, 0x0010, "PN", pname);
    el_str(&d, 0x0010, 0x0020, "LO", pid);
    el_str(&d, 0x0010, 0x0030, "DA", "19700101");
    el_str(&d, 0x0010, 0x0040, "CS", "O");
    el_str(&d, 0x0020, 0x000d, "UI", s->study_uid);
    el_str(&d, 0x0020, 0x000e, "UI", s->series_uid);
    el_str(&d, 0x0020, 0x0010, "SH", "1");
    el_str(&d, 0x0020, 0x0011, "IS", "1");
    el_str(&d, 0x0020, 0x0013, "IS", num);
    el_us(&d, 0x0028, 0x0002, 1);
    el_str(&d, 0x0028, 0x0004, "CS", "MONOCHROME2");
    el_us(&d, 0x0028, 0x0010, (uint16_t)px);
    el_us(&d, 0x0028, 0x0011, (uint16_t)px);
    el_us(&d, 0x0028, 0x0100, 16);
    el_us(&d, 0x0028, 0x0101, 12);
    el_us(&d, 0x0028, 0x0102, 11);
    el_us(&d, 0x0028, 0x0103, 0);
    size_t plen = (size_t)px * px * 2;
    /* Pixel data header written by hand: its value is generated in place, not copied. */
    buf_le16(&d.b, 0x7fe0);
    buf_le16(&d.b, 0x0010);
    if (explicit_vr) {
        buf_put(&d.b, "OW", 2);
        buf_le16(&d.b, 0);
    }
    buf_le32(&d.b, (uint32_t)plen);
    uint8_t *pix = buf_reserve(&d.b, plen);
    if (pix == NULL)
        return 0;
    int c0 = (int)px / 2, rad = (int)px * 3 / 8;
    for (unsigned y = 0; y < px; y++) {
        for (unsigned x = 0; x < px; x++) {
            int dx = (int)x - c0, dy = (int)y - c0 + (int)(number % 7) - 3;
            uint16_t v = (uint16_t)(40 + (x + y) / 4);
            if (dx * dx + dy * dy < rad * rad)
                v = (uint16_t)(1000 + ((x * 7 + y * 13 + number) & 63));
            put_le16(pix + 2 * ((size_t)y * px + x), v);
        }
    }
    return d.b.overflow ? 0 : d.b.len;
}

uint64_t dicom_store(struct gen *g, struct rng *r, uint64_t t, struct host *scu,
                     const char *calling_ae, struct host *scp, const char *called_ae,
                     unsigned images, unsigned pixels)
{
    struct tcp_conv c;
    tcp_open(&c, g, r, scu, scp, DICOM_PORT, t);
    const char *sop = sop_for(scu);
    struct pctx pcs[2] = {
        {1, sop, {UID_EXPLICIT_LE, UID_IMPLICIT_LE}, 2, UID_EXPLICIT_LE},
        {3, UID_VERIFICATION, {UID_IMPLICIT_LE, NULL}, 1, UID_IMPLICIT_LE},
    };
    open_association(&c, called_ae, calling_ae, pcs, 2);

    struct study s;
    new_study(r, &s);
    if (pixels > 256)
        pixels = 256;
    /* The data set goes into the first half of the work buffer, its PDUs into the second. */
    size_t half = g->work_cap / 2;
    for (unsigned i = 0; i < images; i++) {
        char sop_uid[64];
        make_uid(r, sop_uid);
        struct dimse rq = {.field = CMD_C_STORE_RQ,
                           .sop_class = sop,
                           .msg_id = (uint16_t)(i + 1),
                           .has_data = true,
                           .sop_instance = sop_uid};
        uint8_t cmd[512];
        size_t cn = command(cmd, sizeof(cmd), &rq);
        size_t dn = image_data_set(g->work, half, true, scu, &s, sop_uid, i + 1, pixels, c.t);
        struct buf b;
        buf_init(&b, g->work + half, half);
        pdata(&b, 1, true, cmd, cn, SCP_MAX_PDU);
        pdata(&b, 1, false, g->work, dn, SCP_MAX_PDU);
        tcp_send(&c, 0, g->work + half, b.len);
        tcp_think(&c, rng_range(r, 2000, 15000)); /* the PACS writes the object to disk */
        struct dimse rsp = {.field = CMD_C_STORE_RQ | CMD_RSP,
                            .sop_class = sop,
                            .msg_id = (uint16_t)(i + 1),
                            .sop_instance = sop_uid};
        send_command(&c, 1, 1, &rsp);
        tcp_think(&c, rng_range(r, 300, 3000));
    }
    release_and_close(&c);
    return c.t;
}

static size_t find_identifier(uint8_t *out, size_t cap, const struct study *s, bool query,
                              uint64_t t)
{
    struct ds d = {.explicit_vr = true};
    buf_init(&d.b, out, cap);
    char date[9], tm[7], pid[16], pname[24];
    fmt_date(t, date);
    fmt_time(t, tm);
    gen_patient_id(s->patient, pid);
    gen_patient_name(s->patient, pname);
    if (!query)
        el_str(&d, 0x0008, 0x0005, "CS", "ISO_IR 100");
    el_str(&d, 0x0008, 0x0020, "DA", query ? "20250101-" : date);
    el_str(&d, 0x0008, 0x0030, "TM", query ? "" : tm);
    el_str(&d, 0x0008, 0x0050, "SH", query ? "" : s->accession);
    el_str(&d, 0x0008, 0x0052, "CS", "STUDY");
    el_str(&d, 0x0008, 0x0061, "CS", query ? "" : "CT");
    el_str(&d, 0x0010, 0x0010, "PN", query ? "DEMO^*" : pname);
    el_str(&d, 0x0010, 0x0020, "LO", query ? "" : pid);
    el_str(&d, 0x0020, 0x000d, "UI", query ? "" : s->study_uid);
    return d.b.overflow ? 0 : d.b.len;
}

static void send_identifier(struct tcp_conv *c, int side, uint8_t pc, const struct dimse *cmd,
                            const uint8_t *ident, size_t n)
{
    uint8_t tmp[512], pdu[SMALL];
    size_t cn = command(tmp, sizeof(tmp), cmd);
    struct buf b;
    buf_init(&b, pdu, sizeof(pdu));
    pdata(&b, pc, true, tmp, cn, SCP_MAX_PDU);
    pdata(&b, pc, false, ident, n, SCP_MAX_PDU);
    tcp_send(c, side, pdu, b.len);
}

uint64_t dicom_find(struct gen *g, struct rng *r, uint64_t t, struct host *scu,
                    const char *calling_ae, struct host *scp, unsigned matches, bool abort)
{
    struct tcp_conv c;
    tcp_open(&c, g, r, scu, scp, DICOM_PORT, t);
    struct pctx pcs[1] = {
        {1, UID_STUDY_FIND, {UID_EXPLICIT_LE, UID_IMPLICIT_LE}, 2, UID_EXPLICIT_LE}};
    open_association(&c, scp->ae, calling_ae, pcs, 1);
    uint8_t ident[1024];
    struct study q;
    new_study(r, &q);
    struct dimse rq = {
        .field = CMD_C_FIND_RQ, .sop_class = UID_STUDY_FIND, .msg_id = 1, .has_data = true};
    send_identifier(&c, 0, 1, &rq, ident, find_identifier(ident, sizeof(ident), &q, true, t));
    tcp_think(&c, rng_range(r, 3000, 20000));
    for (unsigned i = 0; i < matches; i++) {
        struct study s;
        new_study(r, &s);
        struct dimse rsp = {.field = CMD_C_FIND_RQ | CMD_RSP,
                            .sop_class = UID_STUDY_FIND,
                            .msg_id = 1,
                            .has_data = true,
                            .status = STATUS_PENDING};
        uint64_t when = t - (uint64_t)rng_below(r, 30) * 86400000000ULL;
        send_identifier(&c, 1, 1, &rsp, ident,
                        find_identifier(ident, sizeof(ident), &s, false, when));
        tcp_think(&c, 200);
        if (abort && i == matches / 2) {
            /* The user closed the query window: A-ABORT from the service user, then close. */
            uint8_t pdu[10];
            tcp_send(&c, 0, pdu, short_pdu(pdu, 0x07, 0, 0, 0));
            tcp_close(&c, 0);
            return c.t;
        }
    }
    struct dimse fin = {.field = CMD_C_FIND_RQ | CMD_RSP, .sop_class = UID_STUDY_FIND, .msg_id = 1};
    send_command(&c, 1, 1, &fin);
    release_and_close(&c);
    return c.t;
}

uint64_t dicom_move(struct gen *g, struct rng *r, uint64_t t, struct host *scu, struct host *scp,
                    unsigned images)
{
    struct tcp_conv c;
    tcp_open(&c, g, r, scu, scp, DICOM_PORT, t);
    struct pctx pcs[1] = {
        {1, UID_STUDY_MOVE, {UID_EXPLICIT_LE, UID_IMPLICIT_LE}, 2, UID_EXPLICIT_LE}};
    open_association(&c, scp->ae, scu->ae, pcs, 1);
    struct ds d = {.explicit_vr = true};
    uint8_t ident[256];
    buf_init(&d.b, ident, sizeof(ident));
    struct study s;
    new_study(r, &s);
    el_str(&d, 0x0008, 0x0052, "CS", "STUDY");
    el_str(&d, 0x0020, 0x000d, "UI", s.study_uid);
    struct dimse rq = {.field = CMD_C_MOVE_RQ,
                       .sop_class = UID_STUDY_MOVE,
                       .msg_id = 7,
                       .has_data = true,
                       .move_dest = scu->ae};
    send_identifier(&c, 0, 1, &rq, ident, d.b.len);
    tcp_think(&c, rng_range(r, 2000, 8000));
    struct dimse pend = {.field = CMD_C_MOVE_RQ | CMD_RSP,
                         .sop_class = UID_STUDY_MOVE,
                         .msg_id = 7,
                         .status = STATUS_PENDING,
                         .counts = true,
                         .remaining = (uint16_t)images};
    send_command(&c, 1, 1, &pend);
    /* The PACS pushes the study to the move destination over its own association (the
     * C-STORE sub-operations); the PACS has no modality, so the images go as CT. */
    uint64_t end = dicom_store(g, r, c.t + 1000, scp, scp->ae, scu, scu->ae, images, 64);
    if (end > c.t)
        c.t = end + 500;
    struct dimse fin = {.field = CMD_C_MOVE_RQ | CMD_RSP,
                        .sop_class = UID_STUDY_MOVE,
                        .msg_id = 7,
                        .counts = true,
                        .completed = (uint16_t)images};
    send_command(&c, 1, 1, &fin);
    release_and_close(&c);
    return c.t;
}

uint64_t dicom_rejected(struct gen *g, struct rng *r, uint64_t t, struct host *scu,
                        const char *calling_ae, struct host *scp)
{
    struct tcp_conv c;
    tcp_open(&c, g, r, scu, scp, DICOM_PORT, t);
    struct pctx pcs[1] = {
        {1, UID_STUDY_FIND, {UID_EXPLICIT_LE, UID_IMPLICIT_LE}, 2, UID_EXPLICIT_LE}};
    uint8_t pdu[SMALL];
    tcp_send(&c, 0, pdu,
             associate(pdu, sizeof(pdu), 1, scp->ae, calling_ae, pcs, 1, SCU_MAX_PDU, scu));
    tcp_think(&c, 300);
    /* Result 1 rejected-permanent, source 1 service-user, reason 3 calling AE not recognised. */
    tcp_send(&c, 1, pdu, short_pdu(pdu, 0x03, 1, 1, 3));
    tcp_close(&c, 0);
    return c.t;
}
