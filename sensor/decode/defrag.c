/*
 * IP fragment reassembly for IPv4 (RFC 791 section 3.2, RFC 815) and IPv6
 * (RFC 8200 section 4.5).
 *
 * A datagram is keyed by (version, source, destination, identification,
 * protocol). Its fragments' data is kept as a list of non-overlapping
 * pieces sorted by offset; the gaps between them are RFC 815's holes, and
 * the datagram is complete once the last fragment fixed its length and
 * the pieces cover it. Where fragments overlap, the bytes that arrived
 * first are kept and the overlap is counted (a later fragment can only
 * fill holes), so a retransmitted or forged piece never rewrites what the
 * detection engines may already have judged.
 *
 *   datagram:  [hdr of offset-0 fragment][ 0 ........................ end )
 *   pieces:                              [p0)   [p1  )[p2)     [p3   )
 *   holes:                                   ^^^       ^^^^^^^
 *
 * Memory is bounded by struct decode_limits: pending datagrams, bytes held
 * (every allocation, headers and bookkeeping included) and age. Past a cap
 * the fragment's datagram is dropped and counted; nothing grows without
 * bound and nothing aborts.
 *
 * The rebuilt datagram is written to one buffer owned here, so a packet
 * pointing into it is valid until the next decode on this decoder.
 */
#include "decode/decode_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/cursor.h"

enum {
    /* An Ethernet-sized 64 KiB datagram is 45 fragments; a peer sending
     * hundreds of tiny ones is attacking the reassembler's CPU. */
    DEFRAG_MAX_PIECES = 256,
    DEFRAG_MIN_BUCKETS = 64,
    DEFRAG_IPV4_MAX = 65535,      /* total length field */
    DEFRAG_IPV6_MAX_PLEN = 65535, /* payload length field */
    IPV6_HDR_LEN = 40,
};

struct frag_piece {
    struct frag_piece *next; /* higher offset */
    size_t off;
    size_t len;
    uint8_t data[];
};

struct frag_dgram {
    struct frag_dgram *hnext;         /* hash chain */
    struct frag_dgram *older, *newer; /* creation order, for expiry */
    size_t bucket;
    uint64_t first_ts;

    uint8_t src[16], dst[16];
    uint32_t id;
    uint8_t version;
    uint8_t proto;

    bool have_last;
    size_t end;  /* data length, once the last fragment is in */
    size_t held; /* data bytes in pieces */
    size_t mem;  /* bytes charged to frag_max_bytes */
    size_t npieces;
    struct frag_piece *pieces, *tail;

    uint8_t *hdr; /* owned: the offset-0 fragment's header (IPv6: unfragmentable part) */
    size_t hdr_len;
    size_t nh_off;
};

struct defrag {
    struct decode_limits lim;
    struct decode_stats *st; /* borrowed: the decoder's */
    struct frag_dgram **buckets;
    size_t nbuckets; /* power of two */
    struct frag_dgram *oldest, *newest;
    uint8_t *out; /* owned: DECODE_REASM_MAX bytes */
};

struct defrag *decode_defrag_new(const struct decode_limits *lim, struct decode_stats *st)
{
    struct defrag *f = calloc(1, sizeof *f);
    if (!f)
        goto fail;
    f->lim = *lim;
    f->st = st;
    f->nbuckets = DEFRAG_MIN_BUCKETS;
    while (f->nbuckets < lim->frag_max_datagrams && f->nbuckets < ((size_t)1 << 20))
        f->nbuckets <<= 1;
    f->buckets = calloc(f->nbuckets, sizeof *f->buckets);
    if (!f->buckets)
        goto fail;
    f->out = malloc(DECODE_REASM_MAX);
    if (!f->out)
        goto fail;
    return f;

fail:
    decode_defrag_free(f);
    return NULL;
}

static void defrag_drop(struct defrag *f, struct frag_dgram *e)
{
    struct frag_dgram **link = &f->buckets[e->bucket];
    while (*link != e)
        link = &(*link)->hnext;
    *link = e->hnext;

    if (e->older)
        e->older->newer = e->newer;
    else
        f->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        f->newest = e->older;

    struct frag_piece *q = e->pieces;
    while (q) {
        struct frag_piece *next = q->next;
        free(q);
        q = next;
    }
    free(e->hdr);
    f->st->frag_mem -= e->mem;
    f->st->frag_pending--;
    free(e);
}

void decode_defrag_free(struct defrag *f)
{
    if (!f)
        return;
    while (f->oldest)
        defrag_drop(f, f->oldest);
    free(f->buckets);
    free(f->out);
    free(f);
}

void decode_defrag_expire(struct defrag *f, uint64_t now_us)
{
    /* Creation order is time order as long as timestamps do not run
     * backwards; when they do, expiry waits for the head. */
    while (f->oldest && now_us >= f->oldest->first_ts &&
           now_us - f->oldest->first_ts >= f->lim.frag_timeout_us) {
        f->st->anomaly[ANOM_FRAG_TIMEOUT]++;
        defrag_drop(f, f->oldest);
    }
}

/* Charges n bytes to the datagram if the byte cap allows it. */
static bool defrag_charge(struct defrag *f, struct frag_dgram *e, size_t n)
{
    if (f->st->frag_mem > f->lim.frag_max_bytes || n > f->lim.frag_max_bytes - f->st->frag_mem)
        return false;
    f->st->frag_mem += n;
    e->mem += n;
    return true;
}

static size_t defrag_hash(const struct defrag_frag *fr, size_t alen)
{
    /* FNV-1a: the chains are bounded by frag_max_datagrams anyway. */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < alen; i++)
        h = (h ^ fr->src[i]) * 16777619u;
    for (size_t i = 0; i < alen; i++)
        h = (h ^ fr->dst[i]) * 16777619u;
    h = (h ^ fr->id) * 16777619u;
    h = (h ^ (uint32_t)fr->proto << 8 ^ fr->version) * 16777619u;
    return h;
}

static struct frag_dgram *defrag_find(struct defrag *f, const struct defrag_frag *fr, size_t bucket,
                                      size_t alen)
{
    for (struct frag_dgram *e = f->buckets[bucket]; e; e = e->hnext) {
        if (e->id == fr->id && e->proto == fr->proto && e->version == fr->version &&
            memcmp(e->src, fr->src, alen) == 0 && memcmp(e->dst, fr->dst, alen) == 0)
            return e;
    }
    return NULL;
}

static struct frag_dgram *defrag_create(struct defrag *f, const struct defrag_frag *fr,
                                        size_t bucket, size_t alen, uint64_t ts_us)
{
    if (f->st->frag_pending >= f->lim.frag_max_datagrams)
        return NULL;
    if (f->st->frag_mem > f->lim.frag_max_bytes ||
        sizeof(struct frag_dgram) > f->lim.frag_max_bytes - f->st->frag_mem)
        return NULL;
    struct frag_dgram *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    memcpy(e->src, fr->src, alen);
    memcpy(e->dst, fr->dst, alen);
    e->id = fr->id;
    e->proto = fr->proto;
    e->version = fr->version;
    e->first_ts = ts_us;
    e->bucket = bucket;
    e->hnext = f->buckets[bucket];
    f->buckets[bucket] = e;
    e->older = f->newest;
    if (f->newest)
        f->newest->newer = e;
    else
        f->oldest = e;
    f->newest = e;
    f->st->frag_pending++;
    e->mem = sizeof *e;
    f->st->frag_mem += sizeof *e;
    return e;
}

/* Stores the parts of [s, s+len) that fall in holes. Returns false when a
 * cap or allocation stops it (the caller drops the datagram). */
static bool defrag_insert(struct defrag *f, struct frag_dgram *e, size_t s, const uint8_t *data,
                          size_t len, bool *overlap)
{
    size_t end = s + len;
    size_t pos = s;
    struct frag_piece **link = &e->pieces;
    struct frag_piece *last = NULL;

    /* In-order arrival, the common case, appends without a walk. */
    if (e->tail && e->tail->off + e->tail->len <= s) {
        link = &e->tail->next;
        last = e->tail;
    }
    while (pos < end) {
        struct frag_piece *q = *link;
        if (q && q->off + q->len <= pos) {
            last = q;
            link = &q->next;
            continue;
        }
        size_t gap_end = q && q->off < end ? q->off : end;
        if (gap_end > pos) {
            size_t n = gap_end - pos;
            if (e->npieces >= DEFRAG_MAX_PIECES || !defrag_charge(f, e, sizeof *q + n))
                return false;
            struct frag_piece *np = malloc(sizeof *np + n);
            if (!np)
                return false;
            np->off = pos;
            np->len = n;
            memcpy(np->data, data + (pos - s), n);
            np->next = q;
            *link = np;
            e->npieces++;
            e->held += n;
            last = np;
            link = &np->next;
            pos = gap_end;
            continue;
        }
        /* q starts at or before pos and ends after it: already held. */
        *overlap = true;
        pos = q->off + q->len;
        last = q;
        link = &q->next;
    }
    if (last && !last->next)
        e->tail = last;
    return true;
}

/* Writes the datagram to f->out with length fields fixed and fragment
 * fields gone. Returns its length, or 0 if it would not be a valid IP
 * datagram. */
static size_t defrag_build(struct defrag *f, const struct frag_dgram *e)
{
    size_t total = e->hdr_len + e->end;
    uint8_t *o = f->out;

    if (e->version == 4 ? total > DEFRAG_IPV4_MAX : total - IPV6_HDR_LEN > DEFRAG_IPV6_MAX_PLEN)
        return 0;
    memcpy(o, e->hdr, e->hdr_len);
    for (const struct frag_piece *q = e->pieces; q; q = q->next)
        memcpy(o + e->hdr_len + q->off, q->data, q->len);

    if (e->version == 4) {
        o[2] = (uint8_t)(total >> 8);
        o[3] = (uint8_t)total;
        o[6] &= 0x40; /* keep DF; MF and the offset are gone */
        o[7] = 0;
        o[10] = 0;
        o[11] = 0;
        uint32_t sum = 0;
        for (size_t i = 0; i < e->hdr_len; i += 2)
            sum += get_be16(o + i);
        while (sum >> 16)
            sum = (sum & 0xffff) + (sum >> 16);
        sum = ~sum & 0xffff;
        o[10] = (uint8_t)(sum >> 8);
        o[11] = (uint8_t)sum;
    } else {
        size_t plen = total - IPV6_HDR_LEN;
        o[4] = (uint8_t)(plen >> 8);
        o[5] = (uint8_t)plen;
        o[e->nh_off] = e->proto; /* the fragment header is dropped */
    }
    return total;
}

enum defrag_status decode_defrag_add(struct defrag *f, const struct defrag_frag *fr, uint64_t ts_us,
                                     const uint8_t **out, size_t *out_len)
{
    struct decode_stats *st = f->st;
    size_t alen = fr->version == 4 ? 4 : 16;
    size_t frag_end = fr->offset + fr->data_len;
    size_t unfrag = fr->version == 4 ? 0 : fr->hdr_len - IPV6_HDR_LEN;

    /* RFC 791 / RFC 8200: all but the last fragment carry multiples of 8. */
    if (fr->data_len == 0 || (fr->more && fr->data_len % 8 != 0)) {
        st->anomaly[ANOM_FRAG_BAD_LEN]++;
        return DEFRAG_DROPPED;
    }
    if (fr->version == 4 ? fr->hdr_len + frag_end > DEFRAG_IPV4_MAX
                         : unfrag + frag_end > DEFRAG_IPV6_MAX_PLEN) {
        st->anomaly[ANOM_FRAG_TOO_LARGE]++;
        return DEFRAG_DROPPED;
    }

    size_t bucket = defrag_hash(fr, alen) & (f->nbuckets - 1);
    struct frag_dgram *e = defrag_find(f, fr, bucket, alen);
    if (e) {
        /* The end is fixed by the last fragment; nothing may pass it and
         * a second "last" must agree. */
        bool bad = e->have_last ? frag_end > e->end || (!fr->more && frag_end != e->end)
                                : !fr->more && e->tail && e->tail->off + e->tail->len > frag_end;
        if (bad) {
            st->anomaly[ANOM_FRAG_BAD_LEN]++;
            return DEFRAG_DROPPED;
        }
    } else {
        e = defrag_create(f, fr, bucket, alen, ts_us);
        if (!e) {
            st->anomaly[ANOM_FRAG_CAP_DROP]++;
            return DEFRAG_DROPPED;
        }
    }

    bool overlap = false;
    if (fr->offset == 0 && !e->hdr) {
        if (!defrag_charge(f, e, fr->hdr_len))
            goto cap_drop;
        e->hdr = malloc(fr->hdr_len);
        if (!e->hdr)
            goto cap_drop;
        memcpy(e->hdr, fr->hdr, fr->hdr_len);
        e->hdr_len = fr->hdr_len;
        e->nh_off = fr->nh_off;
    }
    if (!defrag_insert(f, e, fr->offset, fr->data, fr->data_len, &overlap))
        goto cap_drop;
    if (!fr->more) {
        e->have_last = true;
        e->end = frag_end;
    }
    if (overlap)
        st->anomaly[ANOM_FRAG_OVERLAP]++;

    if (!e->have_last || !e->hdr || e->held != e->end)
        return DEFRAG_HELD;

    *out_len = defrag_build(f, e);
    defrag_drop(f, e);
    if (*out_len == 0) {
        st->anomaly[ANOM_FRAG_TOO_LARGE]++;
        return DEFRAG_DROPPED;
    }
    *out = f->out;
    return DEFRAG_COMPLETE;

cap_drop:
    st->anomaly[ANOM_FRAG_CAP_DROP]++;
    defrag_drop(f, e);
    return DEFRAG_DROPPED;
}
