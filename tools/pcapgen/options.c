/* Options shared by the command line and scenario files.
 *
 * Scenario file: one "key = value" per line; '#' starts a comment; keys are the long options
 * without their dashes (seed, start, duration, include, behaviours, flows, packets, output,
 * summary). Command-line options given after --scenario override the file.
 */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behaviours.h"
#include "gen.h"

#define ALL_KINDS ((1u << KIND_COUNT) - 1u)

void options_init(struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->start_us = DEFAULT_START_US;
    o->duration_s = DEFAULT_DURATION;
    o->include = ALL_KINDS & ~(1u << KIND_BEHAVIOUR);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s == '\0' || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to y-m-d (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* YYYY-MM-DDTHH:MM:SSZ (the Z may be omitted; always UTC). */
static int parse_iso(const char *s, uint64_t *out_us)
{
    unsigned y, mo, d, h, mi, se;
    char tail[4] = "";
    int n = sscanf(s, "%4u-%2u-%2uT%2u:%2u:%2u%3s", &y, &mo, &d, &h, &mi, &se, tail);
    if (n < 6 || (n == 7 && strcmp(tail, "Z") != 0))
        return -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    int64_t days = days_from_civil(y, mo, d);
    *out_us = ((uint64_t)days * 86400 + h * 3600u + mi * 60u + se) * 1000000ULL;
    return 0;
}

typedef int (*name_fn)(const char *name, size_t len);

static int parse_list(const char *s, name_fn fn, uint32_t *mask, char *err, size_t errlen,
                      const char *what)
{
    uint32_t m = 0;
    while (*s != '\0') {
        while (*s == ' ' || *s == ',')
            s++;
        size_t len = strcspn(s, ", ");
        if (len == 0)
            break;
        int v = fn(s, len);
        if (v < 0) {
            snprintf(err, errlen, "unknown %s '%.*s'", what, (int)len, s);
            return -1;
        }
        m |= 1u << v;
        s += len;
    }
    *mask = m;
    return 0;
}

static int kind_lookup(const char *name, size_t len)
{
    int k = kind_from_name(name, len);
    return k == KIND_BEHAVIOUR ? -1 : k;
}

int options_set(struct options *o, const char *key, const char *value, char *err, size_t errlen)
{
    uint64_t v;
    if (strcmp(key, "seed") == 0) {
        if (parse_u64(value, &o->seed) < 0)
            goto bad_number;
    } else if (strcmp(key, "start") == 0) {
        if (parse_iso(value, &o->start_us) < 0) {
            snprintf(err, errlen, "start: expected YYYY-MM-DDTHH:MM:SSZ, got '%s'", value);
            return -1;
        }
    } else if (strcmp(key, "duration") == 0) {
        if (parse_u64(value, &v) < 0 || v == 0 || v > 86400)
            goto bad_number;
        o->duration_s = v;
    } else if (strcmp(key, "flows") == 0) {
        if (parse_u64(value, &o->flows) < 0 || o->flows == 0)
            goto bad_number;
    } else if (strcmp(key, "packets") == 0) {
        if (parse_u64(value, &o->packets) < 0 || o->packets == 0)
            goto bad_number;
    } else if (strcmp(key, "include") == 0) {
        if (strcmp(value, "all") == 0)
            o->include = ALL_KINDS & ~(1u << KIND_BEHAVIOUR);
        else if (strcmp(value, "none") == 0)
            o->include = 0;
        else if (parse_list(value, kind_lookup, &o->include, err, errlen, "traffic kind") < 0)
            return -1;
    } else if (strcmp(key, "behaviours") == 0) {
        if (strcmp(value, "all") == 0)
            o->behaviours = (1u << B_COUNT) - 1u;
        else if (strcmp(value, "none") == 0)
            o->behaviours = 0;
        else if (parse_list(value, behaviour_from_name, &o->behaviours, err, errlen, "behaviour") <
                 0)
            return -1;
    } else if (strcmp(key, "output") == 0) {
        /* Scenario strings must outlive the file buffer. */
        char *copy = strdup(value);
        if (copy == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        free(o->out_owned);
        o->out_owned = copy;
        o->out = copy;
    } else if (strcmp(key, "summary") == 0) {
        o->summary =
            strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0;
    } else {
        snprintf(err, errlen, "unknown setting '%s'", key);
        return -1;
    }
    return 0;
bad_number:
    snprintf(err, errlen, "%s: expected a positive number, got '%s'", key, value);
    return -1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

int options_load(struct options *o, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char line[1024], msg[256];
    unsigned lineno = 0;
    int rc = -1;
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        char *s = trim(line);
        if (*s == '\0')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%u: expected 'key = value'", path, lineno);
            goto out;
        }
        *eq = '\0';
        if (options_set(o, trim(s), trim(eq + 1), msg, sizeof(msg)) < 0) {
            snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
            goto out;
        }
    }
    rc = 0;
out:
    fclose(f);
    return rc;
}
