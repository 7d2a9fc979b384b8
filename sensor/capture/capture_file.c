#include "capture/capture_file.h"

#include <pcap/pcap.h>
#include <stdio.h>

#include "decode/decode.h"

struct capture_file_ctx {
    capture_packet_fn fn;
    void *ctx;
    int linktype;
    uint64_t n;
};

static void capture_file_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct capture_file_ctx *c = (struct capture_file_ctx *)user;
    uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    c->n++;
    c->fn(c->ctx, c->linktype, ts, data, h->caplen, h->len);
}

enum capture_file_result capture_file_run(const char *path, capture_packet_fn fn, void *ctx,
                                          uint64_t *npackets, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    enum capture_file_result rc = CAPTURE_FILE_OK;
    *npackets = 0;

    pcap_t *p = pcap_open_offline(path, ebuf);
    if (!p) {
        snprintf(err, errlen, "%s: cannot read capture: %s", path, ebuf);
        return CAPTURE_FILE_OPEN_ERROR;
    }
    struct capture_file_ctx c = {.fn = fn, .ctx = ctx, .linktype = pcap_datalink(p)};
    if (!decode_linktype_supported(c.linktype)) {
        const char *name = pcap_datalink_val_to_name(c.linktype);
        snprintf(err, errlen,
                 "%s: unsupported link type %d (%s); supported: Ethernet, Linux cooked "
                 "(SLL, SLL2), raw IPv4/IPv6, BSD loopback/null",
                 path, c.linktype, name ? name : "unknown");
        rc = CAPTURE_FILE_BAD_LINKTYPE;
        goto out;
    }
    for (;;) {
        int r = pcap_dispatch(p, 4096, capture_file_cb, (u_char *)&c);
        if (r == 0)
            break; /* end of file */
        if (r == PCAP_ERROR) {
            snprintf(err, errlen, "%s: read error after %llu packets: %s", path,
                     (unsigned long long)c.n, pcap_geterr(p));
            rc = CAPTURE_FILE_READ_ERROR;
            break;
        }
        if (r == PCAP_ERROR_BREAK)
            break;
    }
out:
    *npackets = c.n;
    pcap_close(p);
    return rc;
}
