/*
 * Fuzz target for what mamori-console parses of untrusted input
 * (tools/console/): the first byte chooses the parser, the rest is its
 * input.
 *   0  JSON (cjson): validate, look up EVE paths, walk members, decode
 *      strings and integers; a valid text copied by jsonw_raw() stays valid
 *   1  a query string (query)
 *   2  an EVE record (alertrec) and an EVE timestamp
 *   3  any bytes escaped by jsonw_str(): always valid JSON, never '<'
 */
#include "fuzz.h"

#include "alertrec.h"
#include "cjson.h"
#include "jsonw.h"
#include "query.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_check_json(struct evbuffer *b)
{
    size_t n = evbuffer_get_length(b);
    const uint8_t *p = evbuffer_pullup(b, -1);
    if (cjson_validate(p, n) != 0 || memchr(p, '<', n) || memchr(p, '>', n))
        abort();
}

static void fuzz_json(const uint8_t *p, size_t len)
{
    static const char *paths[] = {"alert.severity",   "alert.signature", "src_ip", "ips",
                                  "dicom.calling_ae", "a.b.c.d"};
    struct cjson_slice v, k;
    char buf[64];
    int64_t n;
    bool valid = cjson_validate(p, len) == 0;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        if (cjson_find(p, len, paths[i], &v) == 0) {
            cjson_string(v.p, v.len, buf, sizeof buf);
            cjson_int(v.p, v.len, &n);
            cjson_key_equals(p, len, paths[i], "x");
        }
    }
    struct cjson_iter it;
    if (cjson_iter_init(&it, p, len) == 0) {
        while (cjson_iter_next(&it, &k, &v) == 1) {
            if (k.p)
                cjson_string(k.p, k.len, buf, sizeof buf);
            cjson_string(v.p, v.len, buf, sizeof buf);
        }
    }
    if (valid) {
        struct evbuffer *b = evbuffer_new();
        if (!b)
            return;
        jsonw_raw(b, p, len);
        fuzz_check_json(b);
        evbuffer_free(b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t len = size - 1;
    switch (data[0] & 3) {
    case 0:
        fuzz_json(p, len);
        break;
    case 1: {
        struct query q;
        uint64_t v;
        if (query_parse(p, len, &q) == 0) {
            query_get(&q, "severity");
            query_uint(&q, "limit", 1, 500, 50, &v);
        }
        break;
    }
    case 2: {
        struct alertrec r;
        int64_t t;
        char sensor[32];
        if (alertrec_parse(p, len, &r) == 0)
            alertrec_sensor(r.record_id, sensor, sizeof sensor);
        alertrec_time((const char *)p, len, &t);
        break;
    }
    default: {
        struct evbuffer *b = evbuffer_new();
        if (!b)
            break;
        jsonw_str(b, (const char *)p, len);
        fuzz_check_json(b);
        evbuffer_free(b);
        break;
    }
    }
    return 0;
}

static const char seed_alert[] =
    "\x00{\"timestamp\":\"2026-01-15T09:00:07.809234+0000\",\"src_ip\":\"10.50.0.117\","
    "\"alert\":{\"signature_id\":100001,\"signature\":\"DICOM \\u00e9\",\"severity\":1},"
    "\"dicom\":{\"calling_ae\":\"<img>\"},\"ips\":[\"10.0.0.1\",\"fe80::1\"],\"record_id\":\"s:"
    "1\"}";
static const char seed_query[] = "\x01severity=1%2C2&rule=Port+scan&limit=10&before=1-0";
static const char seed_rec[] = "\x02{\"timestamp\":\"2026-01-15T18:00:07+09:00\",\"record_id\":"
                               "\"a:b:3\",\"alert\":{\"severity\":2}}";
static const char seed_bytes[] = "\x03<script>\xe2\x80\xa8\xff\"\\\n";

static struct fuzz_seed seeds[4];

size_t fuzz_seeds(const struct fuzz_seed **out)
{
    seeds[0] = (struct fuzz_seed){(const uint8_t *)seed_alert, sizeof seed_alert - 1};
    seeds[1] = (struct fuzz_seed){(const uint8_t *)seed_query, sizeof seed_query - 1};
    seeds[2] = (struct fuzz_seed){(const uint8_t *)seed_rec, sizeof seed_rec - 1};
    seeds[3] = (struct fuzz_seed){(const uint8_t *)seed_bytes, sizeof seed_bytes - 1};
    *out = seeds;
    return 4;
}
