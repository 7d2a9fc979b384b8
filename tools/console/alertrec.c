#include "alertrec.h"

#include "cjson.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Copies a string value, cut to fit; leaves out empty if it is not one. */
static void alertrec_str(const struct cjson_slice *v, char *out, size_t cap)
{
    if (cjson_string(v->p, v->len, out, cap) == -EINVAL)
        out[0] = 0;
}

static int64_t alertrec_int(const struct cjson_slice *v)
{
    int64_t n = 0;
    return cjson_int(v->p, v->len, &n) == 0 ? n : 0;
}

static bool alertrec_key(const struct cjson_slice *k, const char *name)
{
    size_t n = strlen(name);
    /* keys are compared as written: the sensor writes them without escapes */
    return k->len == n + 2 && memcmp(k->p + 1, name, n) == 0;
}

/* The members of "alert" that the console reads. */
static void alertrec_alert(const struct cjson_slice *obj, struct alertrec *r)
{
    struct cjson_iter it;
    struct cjson_slice k, v;
    if (cjson_iter_init(&it, obj->p, obj->len) < 0 || !it.object)
        return;
    while (cjson_iter_next(&it, &k, &v) == 1) {
        if (alertrec_key(&k, "severity")) {
            int64_t sev = alertrec_int(&v);
            r->severity = sev >= 1 && sev <= 4 ? (int)sev : 0;
        } else if (alertrec_key(&k, "signature_id")) {
            r->sid = alertrec_int(&v);
        } else if (alertrec_key(&k, "signature")) {
            alertrec_str(&v, r->signature, sizeof r->signature);
        }
    }
}

/* One walk over the record's top-level members (a record is read for
 * every entry a request scans: this is the console's inner loop). The
 * first occurrence of a key is the one kept, as cjson_find() does. */
int alertrec_parse(const uint8_t *p, size_t len, struct alertrec *r)
{
    memset(r, 0, sizeof *r);
    if (cjson_validate(p, len) < 0 || cjson_type_of(p, len) != CJSON_OBJECT)
        return -EINVAL;
    struct cjson_iter it;
    struct cjson_slice k, v;
    unsigned seen = 0;
    static const char *const keys[] = {"timestamp", "alert",     "src_ip",   "dest_ip",
                                       "proto",     "app_proto", "record_id"};
    cjson_iter_init(&it, p, len);
    while (cjson_iter_next(&it, &k, &v) == 1) {
        size_t i;
        for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            if (alertrec_key(&k, keys[i]))
                break;
        }
        if (i == sizeof keys / sizeof keys[0] || (seen & (1u << i)))
            continue;
        seen |= 1u << i;
        switch (i) {
        case 0: {
            char ts[64];
            alertrec_str(&v, ts, sizeof ts);
            if (alertrec_time(ts, strlen(ts), &r->ts) < 0)
                r->ts = 0;
            break;
        }
        case 1:
            alertrec_alert(&v, r);
            break;
        case 2:
            alertrec_str(&v, r->src_ip, sizeof r->src_ip);
            break;
        case 3:
            alertrec_str(&v, r->dest_ip, sizeof r->dest_ip);
            break;
        case 4:
            alertrec_str(&v, r->proto, sizeof r->proto);
            break;
        case 5:
            alertrec_str(&v, r->app_proto, sizeof r->app_proto);
            break;
        default:
            alertrec_str(&v, r->record_id, sizeof r->record_id);
            break;
        }
    }
    return 0;
}

/* n decimal digits at s[*i..), advancing *i; -1 if not there. */
static int alertrec_digits(const char *s, size_t len, size_t *i, size_t n)
{
    int v = 0;
    if (len - *i < n)
        return -1;
    for (size_t k = 0; k < n; k++) {
        char c = s[*i + k];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *i += n;
    return v;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t alertrec_days(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int alertrec_time(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int y = alertrec_digits(s, len, &i, 4);
    if (y < 0 || i >= len || s[i++] != '-')
        return -EINVAL;
    int mo = alertrec_digits(s, len, &i, 2);
    if (mo < 1 || mo > 12 || i >= len || s[i++] != '-')
        return -EINVAL;
    int d = alertrec_digits(s, len, &i, 2);
    if (d < 1 || d > 31 || i >= len || (s[i] != 'T' && s[i] != ' '))
        return -EINVAL;
    i++;
    int h = alertrec_digits(s, len, &i, 2);
    if (h < 0 || h > 23 || i >= len || s[i++] != ':')
        return -EINVAL;
    int mi = alertrec_digits(s, len, &i, 2);
    if (mi < 0 || mi > 59 || i >= len || s[i++] != ':')
        return -EINVAL;
    int se = alertrec_digits(s, len, &i, 2);
    if (se < 0 || se > 60)
        return -EINVAL;
    if (i < len && s[i] == '.') {
        i++;
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return -EINVAL;
    }
    int64_t off = 0;
    if (i < len && s[i] == 'Z') {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i++] == '-' ? -1 : 1;
        int oh = alertrec_digits(s, len, &i, 2);
        if (i < len && s[i] == ':')
            i++;
        int om = alertrec_digits(s, len, &i, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return -EINVAL;
        off = sign * (oh * 3600 + om * 60);
    } else {
        return -EINVAL;
    }
    if (i != len)
        return -EINVAL;
    *out = alertrec_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    return 0;
}

int alertrec_sensor(const char *record_id, char *out, size_t cap)
{
    const char *colon = strrchr(record_id, ':');
    if (!colon || !cap)
        return -EINVAL;
    size_t n = (size_t)(colon - record_id);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, record_id, n);
    out[n] = 0;
    return 0;
}
