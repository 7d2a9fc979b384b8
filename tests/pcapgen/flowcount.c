/* Counts the frames and the distinct conversations of a pcap file, independently of pcapgen's
 * own counters: a conversation is an unordered pair of IP endpoints plus the protocol and, for
 * TCP and UDP, the two ports (for ICMP echo, the identifier). Non-IP frames are counted as
 * frames only. Prints "packets N flows F".
 */
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct key {
    uint8_t a[16], b[16];
    uint16_t pa, pb;
    uint8_t proto;
    uint8_t used;
};

struct set {
    struct key *slots;
    size_t cap, n;
};

static uint64_t hash(const struct key *k)
{
    uint64_t h = 1469598103934665603ULL;
    const uint8_t *p = (const uint8_t *)k;
    for (size_t i = 0; i < offsetof(struct key, used); i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static int insert(struct set *s, const struct key *k);

static int grow(struct set *s)
{
    struct set bigger = {calloc(s->cap * 2, sizeof(struct key)), s->cap * 2, 0};
    if (bigger.slots == NULL)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].used)
            insert(&bigger, &s->slots[i]);
    free(s->slots);
    *s = bigger;
    return 0;
}

static int insert(struct set *s, const struct key *k)
{
    if ((s->n + 1) * 2 > s->cap && grow(s) < 0)
        return -1;
    size_t i = hash(k) & (s->cap - 1);
    while (s->slots[i].used) {
        if (memcmp(&s->slots[i], k, offsetof(struct key, used)) == 0)
            return 0;
        i = (i + 1) & (s->cap - 1);
    }
    s->slots[i] = *k;
    s->slots[i].used = 1;
    s->n++;
    return 0;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Fills k from an Ethernet frame; returns 0 when the frame is IP. */
static int flow_key(const uint8_t *f, size_t len, struct key *k)
{
    memset(k, 0, sizeof(*k));
    if (len < 14)
        return -1;
    uint16_t type = be16(f + 12);
    const uint8_t *l4;
    size_t alen, l4len;
    uint8_t a[16] = {0}, b[16] = {0};
    if (type == 0x0800 && len >= 34) {
        size_t ihl = (size_t)(f[14] & 15) * 4;
        if (len < 14 + ihl)
            return -1;
        k->proto = f[23];
        memcpy(a, f + 26, 4);
        memcpy(b, f + 30, 4);
        alen = 4;
        l4 = f + 14 + ihl;
        l4len = len - 14 - ihl;
    } else if (type == 0x86dd && len >= 54) {
        k->proto = f[20];
        memcpy(a, f + 22, 16);
        memcpy(b, f + 38, 16);
        alen = 16;
        l4 = f + 54;
        l4len = len - 54;
    } else {
        return -1;
    }
    (void)alen;
    uint16_t pa = 0, pb = 0;
    if ((k->proto == 6 || k->proto == 17) && l4len >= 4) {
        pa = be16(l4);
        pb = be16(l4 + 2);
    } else if (k->proto == 1 && l4len >= 6) {
        pa = pb = be16(l4 + 4);
    }
    /* Unordered: the smaller endpoint first. */
    int cmp = memcmp(a, b, 16);
    if (cmp < 0 || (cmp == 0 && pa <= pb)) {
        memcpy(k->a, a, 16);
        memcpy(k->b, b, 16);
        k->pa = pa;
        k->pb = pb;
    } else {
        memcpy(k->a, b, 16);
        memcpy(k->b, a, 16);
        k->pa = pb;
        k->pb = pa;
    }
    return 0;
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: flowcount FILE.pcap\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (p == NULL) {
        fprintf(stderr, "flowcount: %s\n", err);
        return 1;
    }
    struct set s = {calloc(1024, sizeof(struct key)), 1024, 0};
    uint64_t packets = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        struct key k;
        packets++;
        if (flow_key(data, h->caplen, &k) == 0 && insert(&s, &k) < 0) {
            fprintf(stderr, "flowcount: out of memory\n");
            return 1;
        }
    }
    pcap_close(p);
    printf("packets %llu flows %zu\n", (unsigned long long)packets, s.n);
    free(s.slots);
    return rc == PCAP_ERROR ? 1 : 0;
}
