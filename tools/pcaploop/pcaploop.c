/* pcaploop: the floor for tools/bench. Reads a capture with libpcap and does
 * nothing with the packets but count them, so that the time it takes is the
 * cost of reading the file alone. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <pcap/pcap.h>

struct loop_count {
    uint64_t packets;
    uint64_t bytes;
    /* Touched per packet so that the compiler keeps the loop honest. */
    volatile uint8_t sink;
};

static void loop_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct loop_count *c = (struct loop_count *)user;

    c->packets++;
    c->bytes += h->caplen;
    if (h->caplen > 0)
        c->sink = bytes[0];
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    struct loop_count count = {0};
    pcap_t *p;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: pcaploop FILE\n");
        return 1;
    }
    p = pcap_open_offline(argv[1], err);
    if (p == NULL) {
        fprintf(stderr, "pcaploop: %s: %s\n", argv[1], err);
        return 1;
    }
    do {
        rc = pcap_dispatch(p, -1, loop_packet, (u_char *)&count);
    } while (rc > 0);
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "pcaploop: %s: %s after %" PRIu64 " packets\n", argv[1], pcap_geterr(p),
                count.packets);
        pcap_close(p);
        return 2;
    }
    pcap_close(p);
    printf("%" PRIu64 " packets %" PRIu64 " bytes\n", count.packets, count.bytes);
    return 0;
}
