#include "asset/asset_evidence.h"

#include <errno.h>
#include <string.h>

#include "util/cursor.h"

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Two halves the compiler reads as one load each: the loop over the
 * eight bytes it left as eight loads and shifts. */
static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* Offsets in the head; the diagram is in the header. */
enum {
    OFF_VER = 0,
    OFF_IPV = 1,
    OFF_L4 = 2,
    OFF_FLAGS = 3,
    OFF_SPORT = 4,
    OFF_DPORT = 6,
    OFF_FIRST = 8,
    OFF_LAST = 16,
    OFF_BCS = 24,
    OFF_BSC = 32,
    OFF_CIP = 40,
    OFF_SIP = 56,
    OFF_CMAC = 72,
    OFF_SMAC = 78,
    OFF_APP = 84,
    OFF_END = 100,
};
_Static_assert(OFF_END <= ASSET_EVIDENCE_HEAD, "the head fits");

void asset_evidence_begin(struct asset_evidence_buf *m, const struct asset_evidence_head *h)
{
    uint8_t *b = m->b;
    memset(b, 0, ASSET_EVIDENCE_HEAD);
    b[OFF_VER] = ASSET_EVIDENCE_VERSION;
    b[OFF_IPV] = h->ip_version;
    b[OFF_L4] = h->l4proto;
    b[OFF_FLAGS] = h->flags;
    put16(b + OFF_SPORT, h->sport);
    put16(b + OFF_DPORT, h->dport);
    put64(b + OFF_FIRST, h->first_us);
    put64(b + OFF_LAST, h->last_us);
    put64(b + OFF_BCS, h->bytes_cs);
    put64(b + OFF_BSC, h->bytes_sc);
    memcpy(b + OFF_CIP, h->client_ip, 16);
    memcpy(b + OFF_SIP, h->server_ip, 16);
    memcpy(b + OFF_CMAC, h->client_mac, 6);
    memcpy(b + OFF_SMAC, h->server_mac, 6);
    size_t n = strnlen(h->app_proto, sizeof h->app_proto - 1);
    memcpy(b + OFF_APP, h->app_proto, n);
    m->len = ASSET_EVIDENCE_HEAD;
    m->items = 0;
}

int asset_evidence_add(struct asset_evidence_buf *m, enum asset_evidence_tag tag,
                       enum asset_side side, const void *p, size_t len)
{
    if (!p || len == 0)
        return 0;
    if (len > ASSET_EVIDENCE_ITEM_MAX)
        len = ASSET_EVIDENCE_ITEM_MAX;
    if (m->len + 4 + len > sizeof m->b)
        return -ENOSPC;
    uint8_t *b = m->b + m->len;
    b[0] = (uint8_t)tag;
    b[1] = (uint8_t)side;
    put16(b + 2, (uint16_t)len);
    memcpy(b + 4, p, len);
    m->len += 4 + len;
    m->items++;
    return 0;
}

int asset_evidence_add_str(struct asset_evidence_buf *m, enum asset_evidence_tag tag,
                           enum asset_side side, const char *s)
{
    return s ? asset_evidence_add(m, tag, side, s, strlen(s)) : 0;
}

int asset_evidence_parse(const uint8_t *p, size_t len, struct asset_evidence_head *h,
                         asset_evidence_item_fn fn, void *ctx)
{
    struct cursor c;
    cursor_init(&c, p, len);
    const uint8_t *b = cursor_take(&c, ASSET_EVIDENCE_HEAD);
    if (!b || b[OFF_VER] != ASSET_EVIDENCE_VERSION)
        return -EINVAL;
    memset(h, 0, sizeof *h);
    h->ip_version = b[OFF_IPV];
    if (h->ip_version != 4 && h->ip_version != 6)
        return -EINVAL;
    h->l4proto = b[OFF_L4];
    h->flags = b[OFF_FLAGS];
    h->sport = get_le16(b + OFF_SPORT);
    h->dport = get_le16(b + OFF_DPORT);
    h->first_us = get64(b + OFF_FIRST);
    h->last_us = get64(b + OFF_LAST);
    h->bytes_cs = get64(b + OFF_BCS);
    h->bytes_sc = get64(b + OFF_BSC);
    memcpy(h->client_ip, b + OFF_CIP, 16);
    memcpy(h->server_ip, b + OFF_SIP, 16);
    memcpy(h->client_mac, b + OFF_CMAC, 6);
    memcpy(h->server_mac, b + OFF_SMAC, 6);
    memcpy(h->app_proto, b + OFF_APP, sizeof h->app_proto - 1);
    h->app_proto[sizeof h->app_proto - 1] = 0;
    while (cursor_left(&c) > 0) {
        struct asset_evidence_item it;
        it.tag = cursor_u8(&c);
        it.side = cursor_u8(&c);
        it.len = cursor_le16(&c);
        it.p = cursor_take(&c, it.len);
        if (!cursor_ok(&c) || it.tag == 0 || it.tag >= AEV_TAG_MAX || it.side > ASSET_SERVER ||
            it.len == 0 || it.len > ASSET_EVIDENCE_ITEM_MAX)
            return -EINVAL;
        if (fn)
            fn(ctx, &it);
    }
    return 0;
}
