#include "capture/capture_live.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "decode/decode.h"

struct capture_live {
    pcap_t *p;
    int fd; /* the packet socket, for poll */
    capture_packet_fn fn;
    void *ctx;
    int linktype;
    /* libpcap's counters are 32 bits and wrap; these add up the
     * differences between reads, which are frequent enough that at most
     * one wrap happens in between. */
    struct pcap_stat last;
    struct capture_stats total;
    char err[PCAP_ERRBUF_SIZE + 256];
};

static void capture_live_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct capture_live *c = (struct capture_live *)user;
    uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    c->fn(c->ctx, c->linktype, ts, data, h->caplen, h->len);
}

static void capture_live_close(void *state)
{
    struct capture_live *c = state;
    if (!c)
        return;
    if (c->p)
        pcap_close(c->p);
    free(c);
}

/* Hash mode spreads flows by a symmetric hash of addresses and ports;
 * with the defrag flag the kernel reassembles IP fragments before hashing,
 * so a fragmented datagram reaches the worker that owns its flow. */
static int capture_live_fanout(struct capture_live *c, uint32_t group)
{
    int arg = (int)((group & 0xffffu) |
                    ((uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16));
    if (setsockopt(c->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) != 0)
        return -errno;
    return 0;
}

static void *capture_live_open(const char *iface, const struct capture_config *cfg, char *err,
                               size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct capture_live *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "%s: out of memory", iface);
        return NULL;
    }
    c->fd = -1;
    c->p = pcap_create(iface, ebuf);
    if (!c->p) {
        snprintf(err, errlen, "%s: %s", iface, ebuf);
        goto fail;
    }
    size_t bufsize =
        cfg->buffer_size > (uint64_t)INT32_MAX ? (size_t)INT32_MAX : (size_t)cfg->buffer_size;
    if (pcap_set_snaplen(c->p, (int)cfg->snaplen) != 0 ||
        pcap_set_promisc(c->p, cfg->promiscuous ? 1 : 0) != 0 ||
        pcap_set_timeout(c->p, (int)cfg->block_timeout_ms) != 0 ||
        pcap_set_buffer_size(c->p, (int)bufsize) != 0) {
        snprintf(err, errlen, "%s: cannot set capture options: %s", iface, pcap_geterr(c->p));
        goto fail;
    }
    int r = pcap_activate(c->p);
    if (r < 0) {
        const char *why =
            r == PCAP_ERROR || r == PCAP_ERROR_NO_SUCH_DEVICE || r == PCAP_ERROR_PERM_DENIED
                ? pcap_geterr(c->p)
                : pcap_statustostr(r);
        snprintf(err, errlen, "%s: cannot start capture: %s%s", iface, why,
                 r == PCAP_ERROR_PERM_DENIED ? " (capture needs root or CAP_NET_RAW)" : "");
        goto fail;
    }
    c->linktype = pcap_datalink(c->p);
    if (!decode_linktype_supported(c->linktype)) {
        const char *name = pcap_datalink_val_to_name(c->linktype);
        snprintf(err, errlen, "%s: unsupported link type %d (%s)", iface, c->linktype,
                 name ? name : "unknown");
        goto fail;
    }
    if (cfg->bpf && *cfg->bpf) {
        struct bpf_program prog;
        if (pcap_compile(c->p, &prog, cfg->bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            snprintf(err, errlen, "capture.bpf '%s': %s", cfg->bpf, pcap_geterr(c->p));
            goto fail;
        }
        r = pcap_setfilter(c->p, &prog);
        pcap_freecode(&prog);
        if (r != 0) {
            snprintf(err, errlen, "%s: cannot set the filter: %s", iface, pcap_geterr(c->p));
            goto fail;
        }
    }
    /* Non-blocking, so that the worker waits in its own poll: there it
     * also sees the wake-up of a stop request and its one-second tick,
     * which libpcap's wait would sleep through on a quiet link. */
    if (pcap_setnonblock(c->p, 1, ebuf) != 0) {
        snprintf(err, errlen, "%s: %s", iface, ebuf);
        goto fail;
    }
    c->fd = pcap_get_selectable_fd(c->p);
    if (c->fd < 0) {
        snprintf(err, errlen, "%s: the capture has no descriptor to wait on", iface);
        goto fail;
    }
    r = capture_live_fanout(c, cfg->fanout_group);
    if (r < 0) {
        snprintf(err, errlen, "%s: cannot join fan-out group %u: %s", iface,
                 (unsigned)cfg->fanout_group, strerror(-r));
        goto fail;
    }
    return c;
fail:
    capture_live_close(c);
    return NULL;
}

static int capture_live_dispatch(void *state, int max, capture_packet_fn fn, void *ctx)
{
    struct capture_live *c = state;
    c->fn = fn;
    c->ctx = ctx;
    int r = pcap_dispatch(c->p, max, capture_live_cb, (u_char *)c);
    if (r >= 0)
        return r;
    if (r == PCAP_ERROR_BREAK)
        return 0;
    snprintf(c->err, sizeof c->err, "capture failed: %s", pcap_geterr(c->p));
    return CAPTURE_ERROR;
}

static int capture_live_wait(void *state, int wake_fd, int timeout_ms)
{
    struct capture_live *c = state;
    struct pollfd fds[2] = {
        {.fd = c->fd, .events = POLLIN},
        {.fd = wake_fd, .events = POLLIN},
    };
    int r = poll(fds, wake_fd >= 0 ? 2 : 1, timeout_ms);
    if (r < 0 && errno != EINTR)
        return -errno;
    if (r > 0 && (fds[0].revents & (POLLERR | POLLNVAL))) {
        snprintf(c->err, sizeof c->err, "capture failed: the interface went away");
        return -EIO;
    }
    return 0;
}

static int capture_live_stats(void *state, struct capture_stats *st)
{
    struct capture_live *c = state;
    struct pcap_stat now;
    if (pcap_stats(c->p, &now) != 0)
        return -EIO;
    c->total.received += (uint32_t)(now.ps_recv - c->last.ps_recv);
    c->total.kernel_drops += (uint32_t)(now.ps_drop - c->last.ps_drop);
    c->total.if_drops += (uint32_t)(now.ps_ifdrop - c->last.ps_ifdrop);
    c->last = now;
    *st = c->total;
    return 0;
}

static int capture_live_linktype(const void *state)
{
    const struct capture_live *c = state;
    return c->linktype;
}

static const char *capture_live_error(const void *state)
{
    const struct capture_live *c = state;
    return c->err;
}

const struct capture_backend capture_live_backend = {
    .name = "live",
    .open = capture_live_open,
    .dispatch = capture_live_dispatch,
    .wait = capture_live_wait,
    .stats = capture_live_stats,
    .linktype = capture_live_linktype,
    .error = capture_live_error,
    .close = capture_live_close,
};
