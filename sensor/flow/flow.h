/*
 * A flow: both directions of one conversation, keyed by the unordered
 * pair of endpoints plus protocol and VLAN. Owned by one worker's flow
 * table; nothing here is shared between threads.
 *
 * Size matters: a classified flow must cost about 200 bytes, so the nDPI
 * state (a few KB) lives behind a pointer that is freed as soon as
 * classification ends, and the metadata nDPI extracted is kept in one
 * exactly-sized blob.
 */
#ifndef MAMORI_FLOW_FLOW_H
#define MAMORI_FLOW_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ndpi_flow_struct;
struct proto_flow;

/* Endpoints ordered so that both directions give the same key:
 * (ip_a, port_a) is the lower of the two. */
struct flow_key {
    uint8_t ip_a[16], ip_b[16];
    uint16_t port_a, port_b;
    uint16_t vlan;
    uint8_t proto;
    uint8_t ip_version;
};

enum flow_dir {
    DIR_TOSERVER = 0,
    DIR_TOCLIENT = 1,
};

enum flow_state {
    FLOW_STATE_NEW,
    FLOW_STATE_ESTABLISHED,
    FLOW_STATE_CLOSED,
};

enum flow_end_reason {
    FLOW_END_NONE,
    FLOW_END_TCP,      /* FIN both ways or RST, after a short linger */
    FLOW_END_TIMEOUT,  /* idle past its protocol's timeout */
    FLOW_END_EVICTED,  /* oldest idle flow pushed out at the memory cap */
    FLOW_END_SHUTDOWN, /* end of input or stop */
};

/* Which idle timeout applies; flows with the same class sit on one list. */
enum flow_timeout_class {
    FLOW_TMO_TCP_NEW,
    FLOW_TMO_TCP_ESTABLISHED,
    FLOW_TMO_TCP_CLOSED,
    FLOW_TMO_UDP,
    FLOW_TMO_ICMP,
    FLOW_TMO_OTHER,
    FLOW_TMO_COUNT
};

enum classify_state {
    CLASSIFY_RUNNING, /* nDPI still fed */
    CLASSIFY_EXTRA,   /* detected; nDPI wants a few more packets for metadata */
    CLASSIFY_DONE,    /* final; nDPI state freed */
};

/* Fields are ordered by when they are touched: the first 64 bytes are
 * what every packet reads (lookup, direction, state), the next 64 what it
 * writes (counters, timeout list), the rest what classification and the
 * record writer use. */
struct flow {
    /* Read by every packet. */
    struct flow_key key;
    struct flow *hnext;                /* hash chain */
    uint64_t last_us;
    bool a_is_client;                  /* endpoint a of the key is the client */
    uint8_t state;                     /* enum flow_state */
    uint8_t tmo_class;                 /* enum flow_timeout_class */
    uint8_t cls_state;                 /* enum classify_state */
    uint8_t tcp_seen[2];               /* TCP flags seen per direction */
    uint8_t end_reason;                /* enum flow_end_reason */
    uint8_t confidence;                /* nDPI confidence */

    /* Written by every packet. */
    uint64_t pkts[2], bytes[2];        /* indexed by enum flow_dir */
    uint64_t lru_us;                   /* last_us when last moved to its list's tail */
    struct flow *lru_prev, *lru_next;  /* per timeout class, by lru_us */
    uint64_t first_us;

    /* Classification (classify/), parsers (proto/) and the record. */
    uint64_t id;
    struct ndpi_flow_struct *ndpi;     /* owned while classifying, then NULL */
    uint8_t *meta;                     /* owned: tagged strings, see classify.h */
    struct proto_flow *proto;          /* owned by proto/: parser and stream state */
    uint64_t risk;                     /* nDPI risk bitmap */
    uint16_t master_proto, app_proto;  /* nDPI protocol ids */
    uint16_t category;
    uint16_t meta_len;
    bool guessed;
    /* Which of mamori's parsers claimed the flow, or that none will, and
     * payload packets probed per direction (see proto.h). In the flow, not
     * behind flow->proto, so an unclaimed flow costs no allocation and the
     * record can name the parser after its state is freed. */
    uint8_t proto_id;
    uint8_t proto_probes;
    /* The source MAC of the first frame each way (indexed by enum
     * flow_dir: [DIR_TOSERVER] is the client's), for the asset inventory;
     * bit d of mac_seen says mac[d] is set. */
    uint8_t mac_seen;
    uint8_t mac[2][6];
};

#endif
