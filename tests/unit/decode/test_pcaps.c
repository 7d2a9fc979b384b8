/*
 * Decodes every packet of every capture under the directory given as the
 * first argument (the project's ../shared/pcaps: traffic nobody on this
 * project wrote) and fails if valid Ethernet traffic raises an anomaly of
 * a kind that only a decoder bug would explain. Exits 77 (skipped) when
 * the directory is absent.
 */
#include "../test.h"

#include <dirent.h>
#include <pcap/pcap.h>
#include <sys/stat.h>

#include "decode/decode.h"

struct paths {
    char **v;
    size_t n, cap;
};

static int pcaps_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool pcaps_is_capture(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".pcap") == 0) ||
           (n > 7 && strcmp(name + n - 7, ".pcapng") == 0);
}

static int pcaps_collect(const char *dir, struct paths *out, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(len);
        if (!path)
            break;
        snprintf(path, len, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth < 8) {
            pcaps_collect(path, out, depth + 1);
            free(path);
        } else if (S_ISREG(st.st_mode) && pcaps_is_capture(e->d_name)) {
            if (out->n == out->cap) {
                size_t cap = out->cap ? out->cap * 2 : 64;
                char **v = realloc(out->v, cap * sizeof *v);
                if (!v) {
                    free(path);
                    break;
                }
                out->v = v;
                out->cap = cap;
            }
            out->v[out->n++] = path;
        } else {
            free(path);
        }
    }
    closedir(d);
    return 0;
}

/* Kinds that valid traffic legitimately raises: captures cut by snaplen,
 * fragments whose partners were not captured, caps. */
static bool pcaps_anomaly_expected(int a)
{
    switch (a) {
    case ANOM_PACKET_TRUNCATED:
    case ANOM_FRAG_TIMEOUT:
    case ANOM_FRAG_CAP_DROP:
        return true;
    default:
        return false;
    }
}

/* Captures whose own packets are malformed, checked against tshark; the
 * counts are exact so a change in the decoder still shows. */
static const struct {
    const char *suffix;
    int anomaly;
    uint64_t count;
} pcaps_known[] = {
    /* frames cut to 66 bytes with the wire length rewritten to match;
     * tshark: "IPv4 total length exceeds packet length" on the same 5 */
    {"sv-telnet_telnet-01/telnet.pcap", ANOM_IPV4_BAD_TOTLEN, 5},
};

static bool pcaps_known_bad(const char *path, int a, uint64_t count)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof pcaps_known / sizeof pcaps_known[0]; i++) {
        size_t k = strlen(pcaps_known[i].suffix);
        if (n >= k && strcmp(path + n - k, pcaps_known[i].suffix) == 0 &&
            pcaps_known[i].anomaly == a && pcaps_known[i].count == count)
            return true;
    }
    return false;
}

static void pcaps_file(const char *path, uint64_t *packets, uint64_t *total_bad)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc) {
        printf("%s: cannot open: %s\n", path, err);
        return;
    }
    int link = pcap_datalink(pc);
    if (!decode_linktype_supported(link)) {
        printf("%s: link type %d not supported, skipped\n", path, link);
        pcap_close(pc);
        return;
    }
    struct decoder *d = decoder_new(NULL);
    if (!d) {
        pcap_close(pc);
        return;
    }
    uint64_t n = 0, res[3] = {0};
    struct pcap_pkthdr *h;
    const u_char *data;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        struct packet p;
        uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        enum decode_result r = decode_packet(d, link, data, h->caplen, h->len, ts, &p);
        res[r + 1]++;
        n++;
        if (r == DECODE_OK && !p.reassembled)
            CHECK(p.l3 >= data && p.l3 + p.l3_len <= data + h->caplen);
        if (r == DECODE_OK)
            CHECK(p.payload_len <= p.l3_len && p.ip_version != 0);
    }
    const struct decode_stats *s = decoder_stats(d);
    printf("%s: link %d, %llu packets: %llu ok, %llu noflow, %llu error, %llu reassembled\n", path,
           link, (unsigned long long)n, (unsigned long long)res[DECODE_OK + 1],
           (unsigned long long)res[DECODE_NOFLOW + 1], (unsigned long long)res[DECODE_ERROR + 1],
           (unsigned long long)s->layer[LAYER_REASSEMBLED]);
    for (int a = 0; a < DECODE_ANOMALY_COUNT; a++) {
        if (!s->anomaly[a])
            continue;
        bool known = pcaps_known_bad(path, a, s->anomaly[a]);
        bool bug = link == LINK_ETHERNET && !pcaps_anomaly_expected(a) && !known;
        printf("    %s %llu%s\n", decode_anomaly_name((enum decode_anomaly)a),
               (unsigned long long)s->anomaly[a],
               bug     ? "  <-- unexpected"
               : known ? "  (malformed in the capture)"
                       : "");
        if (bug)
            *total_bad += s->anomaly[a];
    }
    *packets += n;
    decoder_free(d);
    pcap_close(pc);
}

int main(int argc, char **argv)
{
    struct paths ps = {0};
    if (argc < 2 || pcaps_collect(argv[1], &ps, 0) != 0) {
        printf("no capture directory (%s): skipped\n", argc < 2 ? "none given" : argv[1]);
        return 77;
    }
    qsort(ps.v, ps.n, sizeof *ps.v, pcaps_cmp);
    uint64_t packets = 0, bad = 0;
    for (size_t i = 0; i < ps.n; i++) {
        pcaps_file(ps.v[i], &packets, &bad);
        free(ps.v[i]);
    }
    free(ps.v);
    printf("%zu captures, %llu packets, %llu unexpected anomalies on Ethernet\n", ps.n,
           (unsigned long long)packets, (unsigned long long)bad);
    CHECK(ps.n > 0);
    CHECK_EQ_INT(bad, 0);
    printf("%d checks, %d failed\n", test_checks, test_failures);
    return test_failures ? 1 : 0;
}
