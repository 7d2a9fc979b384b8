/*
 * What saving LOGDIR/assets.json costs the output thread: the store
 * filled with N devices (each with a MAC, an address, a hostname, a DHCP
 * fingerprint and vendor class, a User-Agent, a TLS version and a
 * service), then asset_store_flush() timed: the periodic save with 1% of
 * the devices changed (appended); the whole file rewritten while running
 * (a compaction: formatted in slices by the saves, written and fsync'ed
 * by the writer thread, renamed), with the saves called every 2 ms (the
 * output thread's default pass, outputs.flush_ms) until it is in place:
 * how long the output thread is blocked, at most in one call and in all;
 * and the whole file rewritten at stop (on the caller's thread). Not a
 * test: it prints figures (tools/bench assets runs it).
 *
 *   bench_asset_store DIR N [ROUNDS]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "asset/asset_evidence.h"
#include "asset/asset_store.h"

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void device(struct asset_store *s, uint32_t i, uint64_t ts, int variant)
{
    struct asset_evidence_head h = {
        .ip_version = 4,
        .l4proto = 6,
        .flags = ASSET_EV_FLOW | ASSET_EV_CLIENT_MAC,
        .sport = 40000,
        .dport = 443,
        .first_us = ts,
        .last_us = ts,
        .bytes_cs = 1000,
        .bytes_sc = 5000,
        .client_mac = {0x02, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i, 1},
        .app_proto = "tls"};
    h.client_ip[0] = 10;
    h.client_ip[1] = (uint8_t)(i >> 16);
    h.client_ip[2] = (uint8_t)(i >> 8);
    h.client_ip[3] = (uint8_t)i;
    h.server_ip[0] = 8, h.server_ip[1] = 8, h.server_ip[2] = 8, h.server_ip[3] = 8;
    struct asset_evidence_buf m;
    asset_evidence_begin(&m, &h);
    char name[64];
    int k = snprintf(name, sizeof name, "ward%u-pc%05u", i % 40, i);
    if (variant) /* another name: a change */
        snprintf(name + k, sizeof name - (size_t)k, "-%d", variant);
    asset_evidence_add_str(&m, AEV_HOSTNAME, ASSET_CLIENT, name);
    asset_evidence_add_str(&m, AEV_DHCP_FP, ASSET_CLIENT, "1,3,6,15,31,33,43,44,46,47,119,121");
    asset_evidence_add_str(&m, AEV_DHCP_CLASS, ASSET_CLIENT, "MSFT 5.0");
    asset_evidence_add_str(&m, AEV_HTTP_UA, ASSET_CLIENT,
                           "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36");
    asset_evidence_add_str(&m, AEV_TLS_VERSION, ASSET_CLIENT, "TLSv1.3");
    asset_store_evidence(s, m.b, m.len);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_asset_store DIR N [ROUNDS]\n");
        return 2;
    }
    uint32_t n = (uint32_t)strtoul(argv[2], NULL, 10);
    int rounds = argc > 3 ? atoi(argv[3]) : 5;
    char err[512];
    struct asset_store_config c = {
        .enabled = true, .dir = argv[1], .oui_dir = "/usr/share/ieee-data", .max_assets = n + 16};
    struct asset_store *s = asset_store_new(&c, err, sizeof err);
    if (!s) {
        fprintf(stderr, "bench_asset_store: %s\n", err);
        return 1;
    }
    uint64_t t0 = now_ns();
    for (uint32_t i = 0; i < n; i++)
        device(s, i, 1768467600000000ull + i, 0);
    uint64_t fold = now_ns() - t0;
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", argv[1], ASSET_STORE_FILE);
    struct stat st;
    uint64_t whole[2] = {UINT64_MAX, 0}, part[2] = {UINT64_MAX, 0}, wsum = 0, psum = 0;
    uint64_t bg_first = 0, bg_call = 0, bg_sum[2] = {UINT64_MAX, 0}, bg_total = 0, bg_wall = 0,
             bg_calls = 0;
    uint32_t changed = n / 100 ? n / 100 : 1;
    if (asset_store_flush(s, 0, true) < 0) /* the file as at start */
        goto fail;
    for (int r = 0; r < rounds; r++) {
        /* A save as the output thread does it every 10 s: 1% of the
         * devices changed (a new hostname each). */
        for (uint32_t k = 0; k < changed; k++)
            device(s, (uint32_t)((k * 97u + (uint32_t)r) % n), 1768467700000000ull + (uint64_t)r,
                   r + 1);
        uint64_t t1 = now_ns();
        int rc = asset_store_flush(s, (uint64_t)(r + 1) * 20000u, false);
        uint64_t d = now_ns() - t1;
        if (rc < 0)
            goto fail;
        part[0] = d < part[0] ? d : part[0];
        part[1] = d > part[1] ? d : part[1];
        psum += d;
        /* A compaction, in the background: the saves of the passes
         * that follow carry it on. */
        device(s, n + (uint32_t)r, 1768467700000000ull + (uint64_t)r, 0);
        asset_store_compact(s);
        uint64_t sum = 0, w0 = now_ns();
        uint64_t at = (uint64_t)(r + 1) * 20000u + ASSET_STORE_SAVE_MS;
        do {
            t1 = now_ns();
            rc = asset_store_flush(s, at, false);
            d = now_ns() - t1;
            if (rc < 0)
                goto fail;
            if (sum == 0) /* the save that starts it: takes the ids, appends */
                bg_first = d > bg_first ? d : bg_first;
            else
                bg_call = d > bg_call ? d : bg_call;
            sum += d;
            bg_calls++;
            struct timespec pass = {0, 2000000};
            nanosleep(&pass, NULL);
        } while (asset_store_rewriting(s));
        bg_wall += now_ns() - w0;
        bg_sum[0] = sum < bg_sum[0] ? sum : bg_sum[0];
        bg_sum[1] = sum > bg_sum[1] ? sum : bg_sum[1];
        bg_total += sum;
        /* The whole file rewritten on the caller's thread (at stop). */
        asset_store_compact(s);
        t1 = now_ns();
        rc = asset_store_flush(s, 0, true);
        d = now_ns() - t1;
        if (rc < 0)
            goto fail;
        whole[0] = d < whole[0] ? d : whole[0];
        whole[1] = d > whole[1] ? d : whole[1];
        wsum += d;
    }
    /* The serialization alone (as --export-assets json, to /dev/null):
     * what is left of a rewrite once the file system's part is taken
     * out. */
    FILE *null = fopen("/dev/null", "w");
    uint64_t t2 = now_ns();
    if (null) {
        asset_store_write(s, "json", null);
        fclose(null);
    }
    uint64_t ser = now_ns() - t2;
    long long size = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    const struct asset_store_stats *ss = asset_store_stats(s);
    printf("assets.json with %u devices (%lld bytes), %d rounds:\n"
           "  rewrite in the background (compaction), output thread blocked: %.2f ms by the save "
           "that starts it (ids taken, changes appended), %.2f ms at most by a later save;\n"
           "    in all, per rewrite: best %.1f ms, mean %.1f ms, worst %.1f ms (%.0f saves); in "
           "place after %.0f ms (%" PRIu64 " done, %" PRIu64 " fallbacks, %" PRIu64 " failures)\n"
           "  rewrite whole at stop (serialize, write, fsync, rename): best %.1f ms, mean %.1f ms, "
           "worst %.1f ms\n"
           "  periodic save, %u devices (1%%) changed (appended, fdatasync): best %.2f ms, mean "
           "%.2f ms, worst %.2f ms\n"
           "  serializing every entry alone (to /dev/null): %.1f ms\n"
           "  folding the evidence: %.0f messages/s\n",
           n, size, rounds, bg_first / 1e6, bg_call / 1e6, bg_sum[0] / 1e6, bg_total / 1e6 / rounds,
           bg_sum[1] / 1e6, (double)bg_calls / rounds, bg_wall / 1e6 / rounds, ss->rewrites,
           ss->rewrite_fallbacks, ss->rewrite_failures, whole[0] / 1e6, wsum / 1e6 / rounds,
           whole[1] / 1e6, changed, part[0] / 1e6, psum / 1e6 / rounds, part[1] / 1e6, ser / 1e6,
           fold ? n / (fold / 1e9) : 0.0);
    asset_store_free(s); /* saves once more */
    return 0;
fail:
    fprintf(stderr, "bench_asset_store: cannot save %s\n", path);
    asset_store_free(s);
    return 1;
}
