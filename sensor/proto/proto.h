/*
 * Application-layer parsing: the registry of mamori's own protocol
 * parsers (DICOM, HL7 v2 over MLLP, FHIR over HTTP, ...) and the engine
 * that runs them on a worker's flows.
 *
 * The engine sees every packet of a flow after classification. A TCP
 * flow's first payload packets (a bounded number per direction) are
 * offered to every parser's probe; the probe decides. nDPI's verdict and
 * well-known ports are only hints: a hinted parser is tried first and
 * given a longer probe window, so DICOM and HL7 are found on any port.
 * Probing costs no allocation; a flow nobody claims never gets any state.
 *
 * A claimed flow gets stream reassembly (stream/) and the parser's state,
 * both behind flow->proto, charged to the flow table's memory cap, and
 * freed at proto_flow_end(). The parser is fed in-order bytes of each
 * direction; bytes it leaves unconsumed are kept and offered again with
 * what follows, up to the parser's max_buffer. Holes the stream gives up
 * on reach it as gaps.
 *
 * Parsers hand typed events (struct dicom_assoc_event, ...) to the
 * engine, which writes the EVE record (event_type = the parser's name)
 * for the kinds that are logged and passes every event to the event sink
 * (the detection stage).
 *
 * Adding a protocol: one proto_<name>.c/.h defining a struct proto_parser,
 * one line in the registry (proto.c), one line in meson.build.
 */
#ifndef MAMORI_PROTO_PROTO_H
#define MAMORI_PROTO_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "flow/flow_table.h"
#include "output/eve_file.h"
#include "output/json.h"
#include "stream/stream.h"

/* What a parser's parse() and gap() return besides bytes consumed. */
enum {
    PROTO_ERROR = -1,     /* malformed beyond recovery; sticky */
    PROTO_NEED_MORE = -2, /* nothing consumed: call again with more bytes */
};

enum proto_probe_result {
    PROBE_NO,    /* not this protocol (in this direction, from this point) */
    PROBE_MAYBE, /* consistent so far: more bytes needed to decide */
    PROBE_YES,
};

/* flow->proto_id: 0 while undecided, 1..n the registry index + 1 of the
 * parser that claimed the flow, PROTO_ID_NONE when no parser will. */
#define PROTO_ID_NONE 0xff

#define PROTO_MAX_PORTS 4

/* What a parser is given with each call. */
struct proto_call {
    enum flow_dir dir; /* direction of the bytes (client to server or back) */
    uint64_t ts_us;    /* capture time of the packet that carried them */
    /* Hands an event of the parser's kind to the engine: written as a
     * record if the kind is logged, always passed to the event sink. The
     * event is borrowed for the call only. */
    void (*emit)(struct proto_call *c, unsigned kind, uint64_t ts_us, const void *event);
    void *ctx; /* emit's */
};

struct proto_parser {
    const char *name;                /* event_type and app_proto: "dicom" */
    uint16_t ports[PROTO_MAX_PORTS]; /* well-known server ports (hint), 0-terminated */
    const char *ndpi_name;           /* nDPI master protocol that hints at it, or NULL */
    bool ndpi_blind;                 /* nDPI 4.2 has no dissector that names it */
    uint8_t probe_packets;           /* payload packets probed per direction */
    size_t state_size;               /* bytes of per-flow state, zeroed before init */
    size_t max_buffer;               /* the longest unit parse() may ask to see whole */
    uint32_t logged_kinds;           /* bit k set: events of kind k are written as records */

    /* Looks at the first bytes of a direction (the start of a packet's
     * payload or of the reassembled stream). Stateless. */
    enum proto_probe_result (*probe)(const uint8_t *p, size_t len, enum flow_dir dir);
    /* Parses in-order bytes: returns bytes consumed (> 0), PROTO_NEED_MORE
     * or PROTO_ERROR. Never reads past len. */
    int64_t (*parse)(void *state, struct proto_call *c, const uint8_t *p, size_t len);
    /* len bytes of direction c->dir are lost after the last byte consumed:
     * resynchronise (return 0) or give up (PROTO_ERROR). */
    int (*gap)(void *state, struct proto_call *c, size_t len);
    /* The flow ends (or the parser gave up): emit what is pending. */
    void (*end)(void *state, struct proto_call *c);
    /* Writes the record's protocol object (e.g. "dicom": {...}) for an
     * event of a logged kind. */
    void (*format)(struct json_buf *b, unsigned kind, const void *event);
};

struct proto_engine_stats {
    uint64_t flows_probed;     /* TCP flows with payload offered to the probes */
    uint64_t flows_unclaimed;  /* ... that no parser claimed */
    uint64_t memcap_drops;     /* flows not parsed (or given up) for lack of memory */
    uint64_t buffer_overflows; /* units longer than the parser's max_buffer */
    struct proto_parser_stats {
        uint64_t flows;   /* claimed */
        uint64_t records; /* records written */
        uint64_t events;  /* events handed on (records included) */
        uint64_t errors;  /* flows given up as malformed */
        uint64_t gaps;    /* holes reported to the parser */
    } parser[8];          /* indexed like proto_registry() */
};

/* The detection stage's entry: every event of every parser. parser names
 * the event's type (its kinds and structs are in proto_<name>.h). */
typedef void (*proto_event_fn)(void *ctx, const struct flow *f, const struct proto_parser *parser,
                               unsigned kind, const void *event);

struct proto_engine;

/* The registered parsers; *n gets their number. */
const struct proto_parser *const *proto_registry(size_t *n);

/* ft is charged for per-flow parser and reassembly state; cls names the
 * nDPI verdict used as a hint; eve receives records (may be NULL: events
 * only). All borrowed and must outlive the engine. Returns NULL on
 * failure. Owned: proto_engine_free(). */
struct proto_engine *proto_engine_new(struct flow_table *ft, const struct classifier *cls,
                                      struct eve_file *eve);
void proto_engine_free(struct proto_engine *e);

/* Reassembly limits other than stream_limits_default(); before the first
 * packet only. Returns 0, -EBUSY (streams hold memory already) or
 * -ENOMEM. */
int proto_engine_set_stream_limits(struct proto_engine *e, const struct stream_limits *lim);

/* fn (may be NULL) receives every event; ctx is borrowed. */
void proto_engine_set_event_sink(struct proto_engine *e, proto_event_fn fn, void *ctx);

/* Where the parts of a parser's record start (byte offsets; each at the
 * comma before its key), so that an alert on its event can copy them:
 *
 *   {"timestamp":...   ,"flow_id":N   ,"event_type":"hl7"   ,["vlan":..,]"src_ip":...
 *                      ^flow_id       ^event_type           ^addresses
 *   ...,"app_proto":"hl7"   ,"hl7":{...}   }
 *                           ^objects (the parser's format())
 */
struct proto_record_marks {
    size_t flow_id, event_type, addresses, objects;
};

/* Only from the event sink, during its call: the record just written for
 * that event and its marks, or NULL when none was (a kind not logged, no
 * eve, a formatting error). Borrowed until the sink returns. */
const struct json_buf *proto_engine_record(const struct proto_engine *e,
                                           struct proto_record_marks *marks);

/* Called for every packet of a flow, before classify_packet(): a claim by
 * an ndpi_blind parser spares nDPI the packet that made it. */
void proto_packet(struct proto_engine *e, struct flow *f, const struct packet *p,
                  enum flow_dir dir);

/* Called once when the flow ends, before its flow record is written:
 * parsers write their final records and all per-flow state is freed. */
void proto_flow_end(struct proto_engine *e, struct flow *f);

/* The name of the parser that claimed f ("dicom", "hl7", "fhir"), or
 * NULL. Valid after proto_flow_end() too, for the flow record. */
const char *proto_flow_app_name(const struct flow *f);

/* True when f was claimed by a parser nDPI has no dissector for. */
bool proto_flow_ndpi_blind(const struct flow *f);

const struct proto_engine_stats *proto_engine_stats(const struct proto_engine *e);
const struct stream_stats *proto_engine_stream_stats(const struct proto_engine *e);

/* A parser run on in-memory streams, without flows or packets: the
 * engine's own buffering, gap and end handling around one parser, for
 * tests, fuzzing and benchmarks. Events go to fn (may be NULL) with a
 * zeroed flow. Returns NULL on failure. Owned: proto_session_free(). */
struct proto_session;
struct proto_session *proto_session_new(const struct proto_parser *ps, proto_event_fn fn,
                                        void *ctx);
/* In-order bytes of one direction. Returns 0, or -1 once the parser has
 * given up (its final events were emitted; later calls do nothing). */
int proto_session_feed(struct proto_session *s, enum flow_dir dir, uint64_t ts_us, const uint8_t *p,
                       size_t len);
/* len bytes of dir lost. Returns as proto_session_feed(). */
int proto_session_gap(struct proto_session *s, enum flow_dir dir, uint64_t ts_us, size_t len);
/* Ends the streams (the parser emits what is pending) and frees. */
void proto_session_free(struct proto_session *s);

/* Writes the EVE header shared by every protocol record (timestamp,
 * flow_id, event_type, addresses, ports, proto, app_proto) into b, after
 * json_reset() and opening the top-level object. */
void proto_record_header(struct json_buf *b, const struct flow *f, const char *event_type,
                         uint64_t ts_us);
/* The same, and where its parts start into *marks (NULL: not wanted). */
void proto_record_header_marked(struct json_buf *b, const struct flow *f, const char *event_type,
                                uint64_t ts_us, struct proto_record_marks *marks);

#endif
