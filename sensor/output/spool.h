/*
 * The spool: a bounded on-disk queue of records that could not be handed
 * to Redis (unreachable, too slow, answering errors). It is replayed in
 * order, before newer records, once Redis takes records again, and it
 * survives a restart.
 *
 * Files, in the log directory:
 *   NAME        the records, oldest first; each one is
 *               +--------+------+------+-------+---------------------+
 *               | len u32| type | 0    | magic | len bytes (one line) |
 *               |        | u8   | u8   | u16   |                     |
 *               +--------+------+------+-------+---------------------+
 *               (host byte order: the file never leaves the machine)
 *   NAME.head   the file offset of the oldest record not yet taken by
 *               Redis, as decimal text; written on spool_sync() and
 *               spool_close(), replaced atomically (write + rename).
 *
 * Positions are logical byte counts that only grow while the spool lives,
 * so that a reader may keep the position after a record it has sent
 * while the file is compacted underneath it. Three positions matter:
 *   head <= read <= end
 * head: oldest record not acknowledged; read: next record to send; end:
 * after the last record appended. spool_rewind() sends read back to head
 * (Redis went away with records unacknowledged); spool_ack() moves head.
 *
 * Crash safety: appends are buffered (spool_flush() writes them) and the
 * head is saved lazily, so a crash may lose the last buffered appends of
 * the crashing process and may replay records Redis already has: the
 * record_id of each record lets consumers drop such duplicates. A torn
 * record at the end of the file (a crash in the middle of a write) is
 * cut off when the spool is opened; a head that is not at a record
 * boundary is taken as 0 (replay everything rather than lose anything).
 *
 * The cap bounds the file size. When an append does not fit, the file is
 * first compacted (acknowledged records removed); if it still does not
 * fit, the policy decides: drop the new record, or drop the oldest ones
 * until it fits. Either way the drop is counted.
 *
 * One thread only (the output thread).
 */
#ifndef MAMORI_OUTPUT_SPOOL_H
#define MAMORI_OUTPUT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest record a spool takes: larger ones are refused (-EMSGSIZE). */
#define SPOOL_MAX_RECORD (4u * 1024u * 1024u)

enum spool_full_policy {
    SPOOL_DROP_NEWEST,
    SPOOL_DROP_OLDEST,
};

struct spool_config {
    const char *dir;  /* borrowed for the call */
    const char *name; /* file name in dir */
    uint64_t max_bytes;
    enum spool_full_policy when_full;
};

struct spool_stats {
    uint64_t records;    /* waiting (from head) */
    uint64_t bytes;      /* waiting (from head), headers included */
    uint64_t appended;   /* records appended since open */
    uint64_t dropped;    /* records dropped at the cap since open */
    uint64_t recovered;  /* records found at open */
    uint64_t torn_bytes; /* bytes cut off at open: a torn last record */
};

struct spool;

/* Opens or creates the spool and recovers what a previous run left.
 * Returns NULL with *err = -errno on failure. Owned: spool_close(). */
struct spool *spool_open(const struct spool_config *c, int *err);
/* Flushes, saves the head and frees. Returns 0 or -errno. NULL: no-op. */
int spool_close(struct spool *s);

/* Appends a record (len bytes of type). Returns 0; -ENOSPC when it was
 * dropped at the cap (policy drop-newest, or larger than the cap);
 * -EMSGSIZE when it is too large for any spool; -errno on I/O error. */
int spool_append(struct spool *s, uint8_t type, const void *p, size_t len);

/* Puts n records before every waiting record (Redis went away with them
 * unacknowledged and they are older than anything spooled), and sends
 * read back to the new head. They are not subject to the cap: they held
 * memory a moment ago and the spool would otherwise lose the oldest
 * records. Returns 0 or -errno. */
int spool_prepend(struct spool *s, size_t n, const uint8_t *types, const char *const *recs,
                  const size_t *lens);

/* Writes buffered appends to the file. Returns 0 or -errno. */
int spool_flush(struct spool *s);
/* spool_flush() and saves the head. Returns 0 or -errno. */
int spool_sync(struct spool *s);

/* The record at read: returns 1 with *p (valid until the next spool call)
 * and *len, 0 when read is at end, or -errno. */
int spool_peek(struct spool *s, uint8_t *type, const char **p, size_t *len);
/* Moves read past the record spool_peek() returned; returns the new read
 * position (what spool_ack() takes once Redis has the record). */
uint64_t spool_next(struct spool *s);
/* read = head. */
void spool_rewind(struct spool *s);
/* Everything before pos is acknowledged: head = pos (ignored when pos is
 * not after head, e.g. records dropped meanwhile). An empty spool's file
 * is truncated. */
void spool_ack(struct spool *s, uint64_t pos);

/* True when nothing waits (head == end). */
bool spool_empty(const struct spool *s);
/* True when read == end: everything waiting has been sent at least once. */
bool spool_all_read(const struct spool *s);
void spool_get_stats(const struct spool *s, struct spool_stats *st);

#endif
