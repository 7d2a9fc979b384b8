#include "util/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* getpwnam_r() wants a buffer; entries are small. */
#define PRIVDROP_NSS_BUF 16384
/* Far above CAP_LAST_CAP of any kernel; the loop stops at the first
 * capability the kernel does not know. */
#define PRIVDROP_CAP_MAX 128

int privdrop_lookup(const char *user, const char *group, struct privdrop_target *t, char *err,
                    size_t errlen)
{
    int rc = 0;
    char *buf = malloc(PRIVDROP_NSS_BUF);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    struct passwd pw, *pwp = NULL;
    int e = getpwnam_r(user, &pw, buf, PRIVDROP_NSS_BUF, &pwp);
    if (!pwp) {
        rc = e ? -e : -ENOENT;
        snprintf(err, errlen, "user '%s' %s", user, e ? strerror(e) : "does not exist");
        goto out;
    }
    t->uid = pw.pw_uid;
    t->gid = pw.pw_gid;
    snprintf(t->user, sizeof t->user, "%s", user);
    if (group && *group) {
        struct group gr, *grp = NULL;
        e = getgrnam_r(group, &gr, buf, PRIVDROP_NSS_BUF, &grp);
        if (!grp) {
            rc = e ? -e : -ENOENT;
            snprintf(err, errlen, "group '%s' %s", group, e ? strerror(e) : "does not exist");
            goto out;
        }
        t->gid = gr.gr_gid;
    }
    if (t->uid == 0) {
        rc = -EINVAL;
        snprintf(err, errlen, "user '%s' is root: nothing would be dropped", user);
    }
out:
    free(buf);
    return rc;
}

/* glibc has no wrapper for capget/capset; libcap would be one more
 * dependency for two system calls. */
static int privdrop_capget(struct __user_cap_data_struct d[2])
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    return (int)syscall(SYS_capget, &h, d);
}

static int privdrop_capset_none(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    return (int)syscall(SYS_capset, &h, d);
}

bool privdrop_verify_none(void)
{
    struct __user_cap_data_struct d[2];
    if (privdrop_capget(d) != 0)
        return false;
    for (int i = 0; i < 2; i++) {
        if (d[i].effective || d[i].permitted || d[i].inheritable)
            return false;
    }
    for (int cap = 0; cap < PRIVDROP_CAP_MAX; cap++) {
        int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (r < 0)
            break; /* past the last capability */
        if (r > 0)
            return false;
    }
    return true;
}

static int privdrop_fail(char *err, size_t errlen, const char *what)
{
    int e = errno ? errno : EPERM;
    snprintf(err, errlen, "%s: %s", what, strerror(e));
    return -e;
}

int privdrop_apply(const struct privdrop_target *t, char *err, size_t errlen)
{
    bool root = geteuid() == 0;

    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return privdrop_fail(err, errlen, "clearing ambient capabilities");
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
        return privdrop_fail(err, errlen, "clearing keep-capabilities");

    /* The bounding set needs CAP_SETPCAP to shrink, which is gone after
     * setuid: empty it first. Without CAP_SETPCAP (started unprivileged
     * with only CAP_NET_RAW, say) it cannot be shrunk, but with nothing
     * permitted and no_new_privs it cannot be used either. */
    for (int cap = 0; cap < PRIVDROP_CAP_MAX; cap++) {
        int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (r < 0)
            break;
        if (r > 0 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && (root || errno != EPERM))
            return privdrop_fail(err, errlen, "emptying the capability bounding set");
    }

    if (root) {
        if (!t) {
            errno = EINVAL;
            return privdrop_fail(err, errlen, "running as root without a user to switch to");
        }
        /* Order matters: groups and gid can only change while still root. */
        if (setgroups(0, NULL) != 0)
            return privdrop_fail(err, errlen, "dropping supplementary groups");
        if (setresgid(t->gid, t->gid, t->gid) != 0)
            return privdrop_fail(err, errlen, "setting the group id");
        if (setresuid(t->uid, t->uid, t->uid) != 0)
            return privdrop_fail(err, errlen, "setting the user id");
    }

    /* setuid clears the effective and permitted sets but not the
     * inheritable one. */
    if (privdrop_capset_none() != 0)
        return privdrop_fail(err, errlen, "clearing capabilities");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return privdrop_fail(err, errlen, "setting no_new_privs");

    /* Trust but verify: a partial drop must stop the sensor. */
    if (root) {
        uid_t ru, eu, su;
        gid_t rg, eg, sg;
        if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 || ru != t->uid ||
            eu != t->uid || su != t->uid || rg != t->gid || eg != t->gid || sg != t->gid ||
            getgroups(0, NULL) != 0) {
            errno = EPERM;
            return privdrop_fail(err, errlen, "the user and group ids did not all change");
        }
        if (setuid(0) == 0 || seteuid(0) == 0) {
            errno = EPERM;
            return privdrop_fail(err, errlen, "root could be regained after the drop");
        }
    }
    if (!privdrop_verify_none() && root) {
        errno = EPERM;
        return privdrop_fail(err, errlen, "capabilities remain after the drop");
    }
    return 0;
}
