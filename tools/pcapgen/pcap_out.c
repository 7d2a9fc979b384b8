/* pcap writer through libpcap (pcap_open_dead + pcap_dump_open), behind a min-heap that puts the
 * frames of overlapping conversations in time order. Frames live in fixed-size slots of one slab
 * that grows by doubling and is recycled through a free list, so the packet path never allocates
 * once the slab has reached the size of the busiest moment.
 */
#include "pcap_out.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    uint64_t ts;
    uint64_t order; /* arrival order breaks timestamp ties: keeps output deterministic */
    uint32_t slot;
    uint32_t len;
};

struct pcap_out {
    pcap_t *dead;
    pcap_dumper_t *dumper;
    uint8_t *slab;
    uint32_t *free_slots;
    size_t nfree;
    size_t nslots;
    struct entry *heap;
    size_t nheap;
    uint64_t order;
};

struct pcap_out *pcap_out_open(const char *path)
{
    struct pcap_out *o = calloc(1, sizeof(*o));
    if (o == NULL)
        goto fail;
    o->dead = pcap_open_dead(DLT_EN10MB, 65535);
    if (o->dead == NULL)
        goto fail;
    o->dumper = pcap_dump_open(o->dead, path);
    if (o->dumper == NULL) {
        fprintf(stderr, "pcapgen: cannot open %s: %s\n", path, pcap_geterr(o->dead));
        goto fail;
    }
    return o;
fail:
    if (o != NULL && o->dead != NULL)
        pcap_close(o->dead);
    free(o);
    return NULL;
}

static int grow(struct pcap_out *o)
{
    size_t n = o->nslots == 0 ? 1024 : o->nslots * 2;
    uint8_t *slab = realloc(o->slab, n * PCAP_OUT_MAX_FRAME);
    if (slab == NULL)
        return -1;
    o->slab = slab;
    uint32_t *fs = realloc(o->free_slots, n * sizeof(*fs));
    if (fs == NULL)
        return -1;
    o->free_slots = fs;
    struct entry *h = realloc(o->heap, n * sizeof(*h));
    if (h == NULL)
        return -1;
    o->heap = h;
    /* Push new slots so that the lowest index is popped first. */
    for (size_t i = n; i > o->nslots; i--)
        o->free_slots[o->nfree++] = (uint32_t)(i - 1);
    o->nslots = n;
    return 0;
}

static int before(const struct entry *a, const struct entry *b)
{
    return a->ts < b->ts || (a->ts == b->ts && a->order < b->order);
}

int pcap_out_put(struct pcap_out *o, uint64_t ts_us, const uint8_t *frame, size_t len)
{
    if (len > PCAP_OUT_MAX_FRAME)
        return -1;
    if (o->nfree == 0 && grow(o) < 0)
        return -1;
    uint32_t slot = o->free_slots[--o->nfree];
    memcpy(o->slab + (size_t)slot * PCAP_OUT_MAX_FRAME, frame, len);
    struct entry e = {.ts = ts_us, .order = o->order++, .slot = slot, .len = (uint32_t)len};
    size_t i = o->nheap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&e, &o->heap[parent]))
            break;
        o->heap[i] = o->heap[parent];
        i = parent;
    }
    o->heap[i] = e;
    return 0;
}

static void pop_write(struct pcap_out *o)
{
    struct entry top = o->heap[0];
    struct entry last = o->heap[--o->nheap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= o->nheap)
            break;
        if (c + 1 < o->nheap && before(&o->heap[c + 1], &o->heap[c]))
            c++;
        if (!before(&o->heap[c], &last))
            break;
        o->heap[i] = o->heap[c];
        i = c;
    }
    if (o->nheap > 0)
        o->heap[i] = last;

    struct pcap_pkthdr h;
    memset(&h, 0, sizeof(h));
    h.ts.tv_sec = (time_t)(top.ts / 1000000);
    h.ts.tv_usec = (suseconds_t)(top.ts % 1000000);
    h.caplen = top.len;
    h.len = top.len;
    pcap_dump((u_char *)o->dumper, &h, o->slab + (size_t)top.slot * PCAP_OUT_MAX_FRAME);
    o->free_slots[o->nfree++] = top.slot;
}

void pcap_out_release(struct pcap_out *o, uint64_t ts_us)
{
    while (o->nheap > 0 && o->heap[0].ts < ts_us)
        pop_write(o);
}

int pcap_out_close(struct pcap_out *o)
{
    int rc = 0;
    if (o == NULL)
        return 0;
    while (o->nheap > 0)
        pop_write(o);
    if (pcap_dump_flush(o->dumper) != 0)
        rc = -1;
    FILE *f = pcap_dump_file(o->dumper);
    if (f != NULL && ferror(f))
        rc = -1;
    pcap_dump_close(o->dumper);
    pcap_close(o->dead);
    free(o->slab);
    free(o->free_slots);
    free(o->heap);
    free(o);
    return rc;
}
