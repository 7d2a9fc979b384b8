/*
 * The inventory as the output thread runs it: the table (asset_table.h)
 * with the files it is checked against (IEEE OUI registry, the hospital's
 * registry, rules/vulns.csv), and where it is kept: LOGDIR/assets.json.
 * At most every ASSET_STORE_SAVE_MS while entries change, the entries
 * that changed are appended to it (and fdatasync'ed); it is rewritten
 * whole (to a temporary file, then renamed) once the appended lines weigh
 * as much as the file did, and when the sensor stops. It is read back at
 * start (the last line of a device wins), so that a restart does not
 * announce every device as new.
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

struct asset_store_config {
    bool enabled;
    const char *dir;      /* where assets.json lives; NULL: not kept */
    const char *oui_dir;  /* "" = ASSET_OUI_DIR */
    const char *registry; /* "" = none */
    const char *vulns;    /* "" = none */
    const char *networks; /* "" = private, link-local, ULA */
    uint32_t max_assets;
    bool read_only; /* never write assets.json (--export-assets) */
};

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
 * ASSET_STORE_SAVE_MS: appends the changed entries, or rewrites it
 * (force: now, and whole). Returns 0 or -errno. */
int asset_store_flush(struct asset_store *s, uint64_t now_ms, bool force);
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
