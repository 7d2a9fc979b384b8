/*
 * The inventory as the output thread runs it: the table (asset_table.h)
 * with the files it is checked against (IEEE OUI registry, the hospital's
 * registry, rules/vulns.csv), and where it is kept: LOGDIR/assets.json.
 * At most every ASSET_STORE_SAVE_MS while entries change, the entries
 * that changed are appended to it (and fdatasync'ed); it is rewritten
 * whole (to a temporary file, fsync'ed, then renamed) once the appended
 * lines weigh as much as the file did, and when the sensor stops. It is
 * read back at start (the last line of a device wins), so that a restart
 * does not announce every device as new.
 *
 * The rewrite while the sensor runs is done off the output thread: the
 * save that starts it takes the ids of the entries (least recently seen
 * first), then each later save formats the next ASSET_STORE_SLICE of
 * them and hands the lines to a writer thread, which writes them to
 * assets.json.tmp, fsyncs it and renames it over assets.json; the save
 * after that sees it done. Meanwhile the changed entries are still appended to
 * assets.json, and the same lines queued for the new file after the
 * entries already formatted, so that a crash at any point leaves a file
 * holding every saved state, and the new file loses nothing either. Once
 * every line is queued, appends wait for the rename (the writer's fsync).
 * Memory: the ids and at most ASSET_STORE_QUEUE_MAX queued bytes (twice
 * that with the appended lines; past it the rewrite is given up and
 * tried again), counted in the table's memory. When the rewrite cannot
 * be started, the file is rewritten on the output thread, as at stop,
 * and counted (rewrite_fallbacks).
 */
#ifndef MAMORI_ASSET_ASSET_STORE_H
#define MAMORI_ASSET_ASSET_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "asset/asset_registry.h"
#include "asset/asset_table.h"
#include "asset/asset_vulns.h"

#define ASSET_STORE_FILE "assets.json"
#define ASSET_STORE_SAVE_MS 10000u
#define ASSET_STORE_COMPACT_MIN (1u << 20) /* appended bytes before a rewrite, at least */
#define ASSET_STORE_SLICE 1024u            /* entries formatted by a save during a rewrite */
#define ASSET_STORE_QUEUE_MAX (8u << 20)   /* bytes handed to the writer, not yet written */

struct asset_store_config {
    bool enabled;
    const char *dir;      /* where assets.json lives; NULL: not kept */
    const char *oui_dir;  /* "" = ASSET_OUI_DIR */
    const char *registry; /* "" = none */
    const char *vulns;    /* "" = none */
    const char *networks; /* "" = private, link-local, ULA */
    uint32_t max_assets;
    bool read_only; /* never write assets.json (--export-assets) */
    uint32_t slice; /* entries a save formats during a rewrite; 0: ASSET_STORE_SLICE */
};

struct asset_store_stats {
    uint64_t rewrites;          /* done in the background */
    uint64_t rewrite_fallbacks; /* could not be started: done on the output thread */
    uint64_t rewrite_failures;  /* failed or given up (assets.json kept), tried again */
    uint64_t memory;            /* bytes the rewrite in flight holds */
};

/* The steps of a rewrite in the background, for tests: the hook is
 * called before each (START on the output thread, WRITE, SYNC and RENAME
 * on the writer thread) and a negative return fails that step. */
enum asset_store_step {
    ASSET_STORE_STEP_START,  /* taking the ids */
    ASSET_STORE_STEP_WRITE,  /* writing a run of lines to assets.json.tmp */
    ASSET_STORE_STEP_SYNC,   /* fsync of assets.json.tmp */
    ASSET_STORE_STEP_RENAME, /* assets.json.tmp renamed over assets.json */
};
typedef int (*asset_store_hook)(void *ctx, enum asset_store_step step);

struct asset_store;

/* Loads the files; NULL with err set ("FILE:LINE:COL: ..."). Owned:
 * asset_store_free(), which saves. */
struct asset_store *asset_store_new(const struct asset_store_config *c, char *err, size_t errlen);
void asset_store_free(struct asset_store *s);
void asset_store_set_sink(struct asset_store *s, const struct asset_sink *sink);
struct asset_table *asset_store_table(struct asset_store *s);
/* One worker message. */
void asset_store_evidence(struct asset_store *s, const uint8_t *p, size_t len);
/* Saves assets.json if entries changed and the last save is older than
 * ASSET_STORE_SAVE_MS: appends the changed entries, or starts rewriting
 * it; and takes the rewrite in flight a step further (call it often: the
 * output thread does at each pass). force (at stop): rewritten now, and
 * whole, on the caller's thread. Returns 0 or -errno. */
int asset_store_flush(struct asset_store *s, uint64_t now_ms, bool force);
/* The next save rewrites assets.json whole. */
void asset_store_compact(struct asset_store *s);
/* A rewrite is in flight. */
bool asset_store_rewriting(const struct asset_store *s);
const struct asset_store_stats *asset_store_stats(const struct asset_store *s);
/* Tests: see enum asset_store_step; ctx borrowed while the store lives. */
void asset_store_set_hook(struct asset_store *s, asset_store_hook fn, void *ctx);
/* SIGHUP: the registry and vulns tables loaded again (owned: taken over
 * by the store, the old ones freed). NULL: none configured. */
void asset_store_set_files(struct asset_store *s, struct asset_registry *registry,
                           struct asset_vulns *vulns);

/* Loads entries from JSON lines (assets.json's form; also one entry as
 * kept in Redis). Returns the entries loaded or -errno. */
int asset_store_load(struct asset_store *s, const uint8_t *p, size_t len);
/* Entries loaded at start, and lines of assets.json that did not parse. */
size_t asset_store_loaded(const struct asset_store *s);
size_t asset_store_load_errors(const struct asset_store *s);

/* Writes the inventory to out, least recently seen first: "json" (one
 * asset object a line, as assets.json) or "csv" (a header, then one
 * device a line: the columns of docs/assets.md). Returns 0, -EINVAL for
 * another format, or -errno of the write. */
int asset_store_write(struct asset_store *s, const char *format, FILE *out);

#endif
