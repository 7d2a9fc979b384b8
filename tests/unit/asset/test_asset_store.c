/* asset/asset_store.c: assets.json written whole (temporary file, rename)
 * or appended to, read back at start, exported as csv and json. */
#include "asset/asset_store.h"

#include <stdlib.h>
#include <unistd.h>

#include "asset/asset_evidence.h"

#include "../test.h"

static int records;

static void on_record(void *ctx, const struct json_buf *rec)
{
    (void)ctx;
    if (strstr(rec->p, "\"event\":\"new\""))
        records++;
}

static void feed_banner(struct asset_store *s, const char *banner, uint64_t ts);

static void feed(struct asset_store *s)
{
    feed_banner(s, "SSH-2.0-OpenSSH_9.2p1, \"x\"", 1768467601000000);
}

static void feed_banner(struct asset_store *s, const char *banner, uint64_t ts)
{
    struct asset_evidence_buf m;
    struct asset_evidence_head h = {.ip_version = 4,
                                    .l4proto = 6,
                                    .flags =
                                        ASSET_EV_FLOW | ASSET_EV_ANSWERED | ASSET_EV_CLIENT_MAC,
                                    .dport = 22,
                                    .first_us = 1768467600000000,
                                    .last_us = ts,
                                    .client_mac = {0x02, 0, 0, 0, 0, 1},
                                    .app_proto = "ssh"};
    h.client_ip[0] = 10;
    h.client_ip[3] = 1;
    h.server_ip[0] = 10;
    h.server_ip[3] = 2;
    asset_evidence_begin(&m, &h);
    asset_evidence_add_str(&m, AEV_SSH_BANNER, ASSET_SERVER, banner);
    asset_store_evidence(s, m.b, m.len);
}

static void test_save_load_export(void)
{
    char dir[] = "/tmp/mamori-asset-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct asset_store_config c = {.enabled = true, .dir = dir, .max_assets = 10};
    char err[256];
    struct asset_store *s = asset_store_new(&c, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    struct asset_sink sink = {on_record, NULL, NULL, NULL};
    asset_store_set_sink(s, &sink);
    records = 0;
    feed(s);
    CHECK_EQ_INT(records, 2);
    CHECK_EQ_INT(asset_store_flush(s, ASSET_STORE_SAVE_MS, false), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, ASSET_STORE_FILE);
    CHECK(access(path, R_OK) == 0);
    asset_store_free(s);

    s = asset_store_new(&c, err, sizeof err);
    CHECK(s && asset_store_loaded(s) == 2 && asset_store_load_errors(s) == 0);
    asset_store_set_sink(s, &sink);
    records = 0;
    feed(s);
    CHECK_EQ_INT(records, 0); /* known from assets.json */

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    CHECK_EQ_INT(asset_store_write(s, "csv", out), 0);
    fclose(out);
    CHECK(strncmp(text, "id,mac,vendor,ips,", 18) == 0);
    CHECK(strstr(text, "\"SSH-2.0-OpenSSH_9.2p1, \"\"x\"\"\"") != NULL);
    CHECK(strstr(text, "mac-020000000001,02:00:00:00:00:01,") != NULL);
    free(text);
    out = open_memstream(&text, &len);
    CHECK_EQ_INT(asset_store_write(s, "json", out), 0);
    fclose(out);
    CHECK(strstr(text, "{\"id\":\"ip-10.0.0.2\"") != NULL);
    free(text);
    out = open_memstream(&text, &len);
    CHECK(asset_store_write(s, "xml", out) < 0);
    fclose(out);
    free(text);
    asset_store_free(s);

    /* A damaged file: the whole lines are kept, the rest counted. */
    FILE *f = fopen(path, "a");
    fputs("{\"id\":\"mac-0\n{not json}\n", f);
    fclose(f);
    s = asset_store_new(&c, err, sizeof err);
    CHECK(s && asset_store_loaded(s) == 2 && asset_store_load_errors(s) == 2);
    asset_store_free(s);
    unlink(path);
    rmdir(dir);
}

static void test_bad_files(void)
{
    char dir[] = "/tmp/mamori-asset-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char reg[600];
    snprintf(reg, sizeof reg, "%s/registry.csv", dir);
    FILE *f = fopen(reg, "w");
    fputs("address,name,type,department,status\n10.0.0.1,a,b,c,gone\n", f);
    fclose(f);
    struct asset_store_config c = {.enabled = true, .dir = dir, .max_assets = 10, .registry = reg};
    char err[1024] = "";
    CHECK(asset_store_new(&c, err, sizeof err) == NULL);
    char want[700];
    snprintf(want, sizeof want, "%s:2:16: status", reg);
    CHECK(strncmp(err, want, strlen(want)) == 0);
    c.registry = "/nonexistent/registry.csv";
    CHECK(asset_store_new(&c, err, sizeof err) == NULL);
    CHECK(strstr(err, "No such file") != NULL);
    unlink(reg);
    rmdir(dir);
}

static size_t lines_of(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    int ch;
    while (f && (ch = fgetc(f)) != EOF)
        n += ch == '\n';
    if (f)
        fclose(f);
    return n;
}

/* Between rewrites only the changed entries are appended; a restart reads
 * the last line of each device; stopping rewrites the file whole. */
static void test_append_restart(void)
{
    char dir[] = "/tmp/mamori-asset-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct asset_store_config c = {.enabled = true, .dir = dir, .max_assets = 10};
    char err[256], path[512];
    snprintf(path, sizeof path, "%s/%s", dir, ASSET_STORE_FILE);
    struct asset_store *s = asset_store_new(&c, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    feed(s);
    CHECK_EQ_INT(asset_store_flush(s, ASSET_STORE_SAVE_MS, false), 0);
    CHECK_EQ_INT((int)lines_of(path), 2); /* no file yet: written whole */
    /* The server shows a new banner: only it is appended. */
    feed_banner(s, "SSH-2.0-OpenSSH_9.9p1", 1768467602000000);
    CHECK_EQ_INT(asset_store_flush(s, 2 * ASSET_STORE_SAVE_MS, false), 0);
    CHECK_EQ_INT((int)lines_of(path), 3);
    /* Nothing changed: nothing written. */
    feed_banner(s, "SSH-2.0-OpenSSH_9.9p1", 1768467603000000);
    CHECK_EQ_INT(asset_store_flush(s, 3 * ASSET_STORE_SAVE_MS, false), 0);
    CHECK_EQ_INT((int)lines_of(path), 3);
    /* A crash now: a restart reads the newer state of the server. */
    struct asset_store *r = asset_store_new(&c, err, sizeof err);
    CHECK(r && asset_store_loaded(r) == 2 && asset_store_load_errors(r) == 0);
    if (r) {
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        CHECK_EQ_INT(asset_store_write(r, "csv", out), 0);
        fclose(out);
        CHECK(strstr(text, "SSH-2.0-OpenSSH_9.9p1") != NULL);
        CHECK(strstr(text, "OpenSSH_9.2p1") != NULL); /* both banners are kept */
        free(text);
        /* Read back with several lines of a device: stopping rewrites it
         * even though nothing changed. */
        asset_store_free(r);
        CHECK_EQ_INT((int)lines_of(path), 2);
        r = asset_store_new(&c, err, sizeof err);
        CHECK(r && asset_store_loaded(r) == 2);
        asset_store_free(r); /* one line a device, nothing changed: left alone */
        CHECK_EQ_INT((int)lines_of(path), 2);
    }
    /* Stopping after a change rewrites the file whole: one line a device. */
    feed_banner(s, "SSH-2.0-OpenSSH_10.0p1", 1768467604000000);
    asset_store_free(s);
    CHECK_EQ_INT((int)lines_of(path), 2);
    s = asset_store_new(&c, err, sizeof err);
    CHECK(s && asset_store_loaded(s) == 2 && asset_store_load_errors(s) == 0);
    asset_store_free(s);
    unlink(path);
    rmdir(dir);
}

TEST_MAIN(TEST(test_append_restart), TEST(test_save_load_export), TEST(test_bad_files))
