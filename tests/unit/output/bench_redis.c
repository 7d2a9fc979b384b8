/*
 * Records per second into Redis through the output thread, and the time
 * from hand-over to Redis' acknowledgement (p50, p99). Not a test: it
 * prints figures (tools/bench redis runs it against a redis-server of its
 * own).
 *
 *   bench_redis SOCKET STATE_DIR RECORDS RATE
 * RATE records per second, paced by the producer; 0 = as fast as it goes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/output.h"

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t real_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bench_redis SOCKET STATE_DIR RECORDS RATE\n");
        return 2;
    }
    uint64_t n = strtoull(argv[3], NULL, 10), rate = strtoull(argv[4], NULL, 10);
    struct output_config c = {
        .state_dir = argv[2],
        .eve_enabled = false,
        .eve_dir = argv[2],
        .eve_filename = "eve.json",
        .sensor_id = "bench",
        .ring_size = 16u << 20,
        .block_when_full = true,
        .flush_ms = 1,
        .verbose = true,
        .metrics_listen = "127.0.0.1",
        .redis = {.enabled = true,
                  .host = "",
                  .socket = argv[1],
                  .user = "",
                  .password = "",
                  .mode = OUTPUT_REDIS_STREAM,
                  .key_prefix = "bench",
                  .maxlen = 100000,
                  .batch = 512,
                  .max_inflight = 20000,
                  .timeout_ms = 10000,
                  .reconnect_max_ms = 1000,
                  .types = {[OUTPUT_ALERT] = true},
                  .spool_max_bytes = 1ull << 30},
    };
    char err[512];
    struct output *o = output_new(&c, err, sizeof err);
    if (!o) {
        fprintf(stderr, "bench_redis: %s\n", err);
        return 1;
    }
    struct output_writer *w = output_writer_new(o);
    if (!w || output_start(o) < 0)
        return 1;
    struct eve_file *e = output_writer_eve(w);
    struct json_buf b;
    json_init(&b);
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        if (rate) {
            uint64_t due = t0 + i * 1000000000u / rate;
            while (now_ns() < due)
                ;
        }
        json_reset(&b);
        json_open_object(&b, NULL);
        /* Now, as a live alert's packet: the exit line "packet timestamp
         * to acknowledgement" then reads as creation to acknowledgement. */
        json_time(&b, "timestamp", real_us());
        json_uint(&b, "flow_id", i);
        json_string(&b, "event_type", "alert");
        json_string(&b, "src_ip", "10.20.1.31");
        json_uint(&b, "src_port", 50541);
        json_string(&b, "dest_ip", "10.10.0.20");
        json_uint(&b, "dest_port", 104);
        json_string(&b, "proto", "TCP");
        json_string(&b, "app_proto", "dicom");
        json_open_object(&b, "alert");
        json_string(&b, "action", "allowed");
        json_uint(&b, "signature_id", 1000001);
        json_string(&b, "signature", "DICOM association from an unknown AE title");
        json_string(&b, "category", "Policy violation");
        json_uint(&b, "severity", 2);
        json_close_object(&b);
        json_close_object(&b);
        eve_file_write(e, &b);
    }
    uint64_t t1 = now_ns();
    output_stop(o);
    uint64_t t2 = now_ns();
    printf("bench_redis: %" PRIu64 " records handed over in %.3f s, all acknowledged after %.3f s: "
           "%.0f records/s\n",
           n, (double)(t1 - t0) / 1e9, (double)(t2 - t0) / 1e9,
           (double)n / ((double)(t2 - t0) / 1e9));
    json_free(&b);
    return output_free(o) < 0;
}
