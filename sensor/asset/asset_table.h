/*
 * The asset inventory: one entry per device, on the output thread (the
 * correlator, DESIGN.md). Workers send what they saw of each conversation
 * (asset_evidence.h); the table folds it into the devices at both ends,
 * derives each device's type (asset_classify.h), checks it against the
 * hospital's registry (asset_registry.h) and the known-vulnerable versions
 * (asset_vulns.h), and reports what is new or changed.
 *
 * A device is keyed by its MAC on the local segment ("mac-aabbccddeeff"),
 * else by its address ("ip-10.1.2.3"). The source MAC of a frame is the
 * sender's only when the sender is on the mirrored segment: frames routed
 * in carry the router's MAC. So a MAC that is the source of more than
 * ASSET_ROUTER_IPS addresses is taken for a router (type "network"): the
 * addresses behind it (also those seen before) are devices of their own,
 * keyed by address. Only
 * addresses of assets.networks (default: the private, link-local and
 * unique-local ranges) are devices; outside peers are not inventoried.
 *
 * What the table reports goes to its sink (asset_table_set_sink): each
 * `asset` record when a device appears or changes, and each event
 * (unregistered, retired device seen, identity changed, protocol outside
 * the registry profile, vulnerable version) for the rules (event_asset).
 *
 * Memory: at most max_assets devices; past that the device seen least
 * recently is evicted (counted). Every list in an entry is bounded.
 */
#ifndef MAMORI_ASSET_ASSET_TABLE_H
#define MAMORI_ASSET_ASSET_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/json.h"

#define ASSET_LIST_MAX 12
#define ASSET_SERVICES_MAX 24
#define ASSET_EVIDENCE_LINES 4
#define ASSET_VULNS_MAX 8
#define ASSET_ROUTER_IPS 4
#define ASSET_ID_MAX 48

struct asset_oui;
struct asset_registry;
struct asset_registry_entry;
struct asset_vulns;
struct asset_vuln;

/* A bounded set of owned strings, in the order first seen. */
struct asset_strs {
    char *v[ASSET_LIST_MAX];
    uint8_t n;
    bool truncated;
};

struct asset_service {
    char proto[16]; /* nDPI's name in lower case, or the parser's: dicom, hl7 */
    uint16_t port;
    uint8_t l4;
    uint8_t server; /* 1: it serves, 0: it uses */
    uint64_t flows;
};

struct asset_ae {
    char ae[17];
    uint8_t scp; /* 1: called (SCP), 0: calling (SCU) */
};

enum asset_reg_status {
    ASSET_REG_NONE, /* no registry loaded */
    ASSET_REG_REGISTERED,
    ASSET_REG_UNREGISTERED,
    ASSET_REG_RETIRED,
};

struct asset {
    char id[ASSET_ID_MAX];
    uint8_t mac[6];
    bool has_mac;
    bool router;        /* its MAC is the source of many addresses */
    const char *vendor; /* borrowed from the OUI table */
    struct asset_strs ips, hostnames, dhcp_class, dhcp_fp;
    struct asset_ae ae[ASSET_LIST_MAX];
    uint8_t n_ae;
    struct asset_strs sop_sent, sop_accepted, impl_uid, impl_version;
    struct asset_strs hl7_apps, hl7_facilities;
    struct asset_strs user_agents, servers, ssh, tls;
    struct asset_service svc[ASSET_SERVICES_MAX];
    uint8_t n_svc;
    uint64_t first_us, last_us;
    uint64_t bytes_in, bytes_out;
    /* Derived (asset_classify): static strings, and why. */
    const char *type, *subtype, *role;
    char evidence[ASSET_EVIDENCE_LINES][112];
    uint8_t n_evidence;
    /* The registry's view. */
    uint8_t reg_status;                              /* enum asset_reg_status */
    bool reg_checked;                                /* looked up (and reported) in this run */
    const struct asset_registry_entry *reg;          /* borrowed from the registry */
    const struct asset_vuln *vulns[ASSET_VULNS_MAX]; /* borrowed from the vulns table */
    uint8_t n_vulns;
    /* Bookkeeping. */
    bool dirty;     /* changed since last saved */
    bool persisted; /* loaded from assets.json or Redis: not new */
    uint32_t hash;
    struct asset *hnext;
    struct asset *lru_prev, *lru_next; /* by last_us, oldest first */
};

enum asset_event_kind {
    ASSET_EVENT_NEW,          /* first seen (not in assets.json either) */
    ASSET_EVENT_UNREGISTERED, /* not in the registry */
    ASSET_EVENT_RETIRED,      /* registry says retired, and it talks */
    ASSET_EVENT_IDENTITY,     /* MAC<->IP, AE title from another address, new version/banner */
    ASSET_EVENT_PROTOCOL,     /* protocol or peer outside its registry profile */
    ASSET_EVENT_VULNERABLE,   /* a version in rules/vulns.csv */
    ASSET_EVENT_KINDS
};

/* "new", "unregistered", "retired", "identity_changed", "protocol_violation", "vulnerable". */
const char *asset_event_name(enum asset_event_kind k);

struct asset_event {
    enum asset_event_kind kind;
    const struct asset *a; /* borrowed for the call */
    const char *detail;    /* one line: what changed or what was seen */
    uint8_t peer_ip[16];   /* the other end, when there is one (event form) */
    bool has_peer;
    uint16_t port;
    const char *proto;
    uint64_t ts_us;
};

struct asset_sink {
    /* An `asset` record, complete (event_type asset), for the outputs. */
    void (*record)(void *ctx, const struct json_buf *rec);
    /* An event, for the rules. */
    void (*event)(void *ctx, const struct asset_event *ev);
    /* An entry to persist (Redis hash, index): its id, JSON object and
     * last_seen; called after record() whenever the entry changed. */
    void (*save)(void *ctx, const struct asset *a, const struct json_buf *obj);
    void *ctx;
};

struct asset_table_config {
    uint32_t max_assets;
    /* CIDRs whose addresses are devices; NULL: private, link-local, ULA. */
    const char *networks;
    const struct asset_oui *oui;           /* borrowed; may be NULL */
    const struct asset_registry *registry; /* borrowed; may be NULL */
    const struct asset_vulns *vulns;       /* borrowed; may be NULL */
};

struct asset_table_stats {
    uint64_t evidence;  /* messages taken */
    uint64_t malformed; /* messages rejected */
    uint64_t assets;    /* devices now */
    uint64_t created, evicted;
    uint64_t records, events;
    uint64_t memory; /* bytes, entries and their strings */
    /* Names for addresses that were no device yet (asset_pending.h). */
    uint64_t names_pending, names_evicted, names_attached;
};

struct asset_table;

/* Returns NULL with err set (bad networks). Owned: asset_table_free(). */
struct asset_table *asset_table_new(const struct asset_table_config *c, char *err, size_t errlen);
void asset_table_free(struct asset_table *t);
void asset_table_set_sink(struct asset_table *t, const struct asset_sink *s);

/* One worker message (asset_evidence.h). Returns 0 or -EINVAL. */
int asset_table_evidence(struct asset_table *t, const uint8_t *p, size_t len);

/* Writes the asset object of a (as the contract's layout) into b, which
 * must be open inside an object or empty (then it is a whole object). */
void asset_json_object(struct json_buf *b, const char *key, const struct asset *a);

/* Loads entries from JSON objects, one per line ({"id":...} as written
 * by asset_json_object); they are known, so not announced as new. A line
 * for an id already there replaces that entry (a newer state of it).
 * Lines that do not parse are counted in *bad. Returns the entries
 * loaded (replacements not counted) or -errno. */
int asset_table_load_json(struct asset_table *t, const uint8_t *p, size_t len, size_t *bad);

/* New registry and vulns tables (SIGHUP); both borrowed, as in the
 * config, and either may be NULL. Every entry's registry status is
 * looked up again (reported at its next sighting, as at start) and its
 * versions checked again: each vulnerable one is reported again. */
void asset_table_set_files(struct asset_table *t, const struct asset_registry *registry,
                           const struct asset_vulns *vulns);

/* Calls fn for every entry, least recently seen first. */
void asset_table_foreach(const struct asset_table *t, void (*fn)(void *ctx, const struct asset *a),
                         void *ctx);

const struct asset_table_stats *asset_table_stats(const struct asset_table *t);
/* Clears every entry's dirty flag (after a save). */
void asset_table_clean(struct asset_table *t);
/* The entry with this id, or NULL (borrowed until the table next changes). */
const struct asset *asset_table_find(const struct asset_table *t, const char *id);
/* Memory held for the table elsewhere (assets.json being rewritten),
 * counted in its stats' memory: delta bytes more (or fewer). */
void asset_table_account(struct asset_table *t, int64_t delta);

#endif
