/*
 * Giving up root once the capture is open. Opening a packet socket and
 * its ring needs CAP_NET_RAW; reading from them afterwards needs nothing,
 * so everything after the open — parsing hostile packets above all — runs
 * as an unprivileged user with no capabilities at all.
 *
 * Capabilities and the bounding set are per thread on Linux, so the drop
 * must happen before any thread is created; the sensor does it between
 * opening the capture and starting the workers.
 */
#ifndef MAMORI_UTIL_PRIVDROP_H
#define MAMORI_UTIL_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct privdrop_target {
    uid_t uid;
    gid_t gid;
    char user[64];
};

/* Looks up user and group (group "" or NULL: the user's primary group).
 * Returns 0, -ENOENT when either does not exist, or another negative
 * error; err gets a message. */
int privdrop_lookup(const char *user, const char *group, struct privdrop_target *t, char *err,
                    size_t errlen);

/* When root: empties the capability bounding set and the supplementary
 * groups, switches real, effective and saved ids to t, and checks that
 * root cannot be regained. In every case (t may be NULL when not root):
 * clears all capabilities (effective, permitted, inheritable, ambient)
 * and sets no_new_privs. Returns 0 or a negative error; err gets a
 * message. */
int privdrop_apply(const struct privdrop_target *t, char *err, size_t errlen);

/* True when the calling thread has no capability in its effective,
 * permitted, inheritable or bounding set. */
bool privdrop_verify_none(void);

#endif
