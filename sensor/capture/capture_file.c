#include "capture/capture_file.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#include "decode/decode.h"

struct capture_file {
    pcap_t *p;
    char path[256];
    capture_packet_fn fn;
    void *ctx;
    int linktype;
    uint64_t n;
    char err[PCAP_ERRBUF_SIZE + 512];
};

static void capture_file_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct capture_file *c = (struct capture_file *)user;
    uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    c->n++;
    c->fn(c->ctx, c->linktype, ts, data, h->caplen, h->len);
}

static void capture_file_close(void *state)
{
    struct capture_file *c = state;
    if (!c)
        return;
    if (c->p)
        pcap_close(c->p);
    free(c);
}

static void *capture_file_open(const char *path, const struct capture_config *cfg, char *err,
                               size_t errlen)
{
    (void)cfg;
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct capture_file *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    snprintf(c->path, sizeof c->path, "%s", path);
    c->p = pcap_open_offline(path, ebuf);
    if (!c->p) {
        snprintf(err, errlen, "%s: cannot read capture: %s", path, ebuf);
        goto fail;
    }
    c->linktype = pcap_datalink(c->p);
    if (!decode_linktype_supported(c->linktype)) {
        const char *name = pcap_datalink_val_to_name(c->linktype);
        snprintf(err, errlen,
                 "%s: unsupported link type %d (%s); supported: Ethernet, Linux cooked "
                 "(SLL, SLL2), raw IPv4/IPv6, BSD loopback/null",
                 path, c->linktype, name ? name : "unknown");
        goto fail;
    }
    return c;
fail:
    capture_file_close(c);
    return NULL;
}

static int capture_file_dispatch(void *state, int max, capture_packet_fn fn, void *ctx)
{
    struct capture_file *c = state;
    c->fn = fn;
    c->ctx = ctx;
    int r = pcap_dispatch(c->p, max, capture_file_cb, (u_char *)c);
    if (r == 0)
        return CAPTURE_END;
    if (r == PCAP_ERROR) {
        snprintf(c->err, sizeof c->err, "%s: read error after %llu packets: %s", c->path,
                 (unsigned long long)c->n, pcap_geterr(c->p));
        return CAPTURE_ERROR;
    }
    return r < 0 ? 0 : r;
}

/* A file is always ready. */
static int capture_file_wait(void *state, int wake_fd, int timeout_ms)
{
    (void)state;
    (void)wake_fd;
    (void)timeout_ms;
    return 0;
}

static int capture_file_stats(void *state, struct capture_stats *st)
{
    const struct capture_file *c = state;
    st->received = c->n;
    st->kernel_drops = 0;
    st->if_drops = 0;
    return 0;
}

static int capture_file_linktype(const void *state)
{
    const struct capture_file *c = state;
    return c->linktype;
}

static const char *capture_file_error(const void *state)
{
    const struct capture_file *c = state;
    return c->err;
}

const struct capture_backend capture_file_backend = {
    .name = "file",
    .open = capture_file_open,
    .dispatch = capture_file_dispatch,
    .wait = capture_file_wait,
    .stats = capture_file_stats,
    .linktype = capture_file_linktype,
    .error = capture_file_error,
    .close = capture_file_close,
};
