/*
 * JSON reader: RFC 8259 grammar, checked byte by byte with a cursor whose
 * error is sticky. Strings must be valid UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF).
 *
 *   value  = object / array / string / number / true / false / null
 *   object = "{" [ string ":" value *( "," string ":" value ) ] "}"
 *   array  = "[" [ value *( "," value ) ] "]"
 */
#include "cjson.h"

#include <errno.h>
#include <string.h>

struct cur {
    const uint8_t *p;
    size_t len;
    size_t i;
    bool err;
};

static void cur_ws(struct cur *c)
{
    while (c->i < c->len &&
           (c->p[c->i] == ' ' || c->p[c->i] == '\t' || c->p[c->i] == '\n' || c->p[c->i] == '\r'))
        c->i++;
}

static bool cur_eat(struct cur *c, uint8_t ch)
{
    if (c->err || c->i >= c->len || c->p[c->i] != ch)
        return false;
    c->i++;
    return true;
}

static int hexval(uint8_t ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Four hex digits at p[i..): the code unit, or -1. */
static long hex4(const uint8_t *p, size_t len, size_t i)
{
    if (len < 4 || i > len - 4)
        return -1;
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hexval(p[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

size_t cjson_utf8_len(const uint8_t *p, size_t len, size_t i)
{
    uint8_t b = p[i];
    size_t n;
    uint32_t min, cp;
    if (b < 0x80)
        return 1;
    if (b >= 0xc2 && b <= 0xdf) {
        n = 2, min = 0x80, cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
        n = 3, min = 0x800, cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
        n = 4, min = 0x10000, cp = b & 0x07;
    } else {
        return 0;
    }
    if (len - i < n)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((p[i + k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static void cur_string(struct cur *c)
{
    if (!cur_eat(c, '"')) {
        c->err = true;
        return;
    }
    while (c->i < c->len) {
        uint8_t b = c->p[c->i];
        if (b == '"') {
            c->i++;
            return;
        }
        if (b < 0x20)
            break;
        if (b == '\\') {
            if (c->i + 1 >= c->len)
                break;
            uint8_t e = c->p[c->i + 1];
            if (e == 'u') {
                long u = hex4(c->p, c->len, c->i + 2);
                if (u < 0)
                    break;
                c->i += 6;
                if (u >= 0xd800 && u <= 0xdbff) {
                    /* a high surrogate must be followed by a low one */
                    if (c->i + 1 >= c->len || c->p[c->i] != '\\' || c->p[c->i + 1] != 'u')
                        break;
                    long lo = hex4(c->p, c->len, c->i + 2);
                    if (lo < 0xdc00 || lo > 0xdfff)
                        break;
                    c->i += 6;
                } else if (u >= 0xdc00 && u <= 0xdfff) {
                    break;
                }
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || e == 0)
                break;
            c->i += 2;
            continue;
        }
        size_t n = cjson_utf8_len(c->p, c->len, c->i);
        if (!n)
            break;
        c->i += n;
    }
    c->err = true;
}

static void cur_digits(struct cur *c)
{
    size_t start = c->i;
    while (c->i < c->len && c->p[c->i] >= '0' && c->p[c->i] <= '9')
        c->i++;
    if (c->i == start)
        c->err = true;
}

static void cur_number(struct cur *c)
{
    cur_eat(c, '-');
    if (c->i < c->len && c->p[c->i] == '0')
        c->i++;
    else
        cur_digits(c);
    if (cur_eat(c, '.'))
        cur_digits(c);
    if (!c->err && c->i < c->len && (c->p[c->i] == 'e' || c->p[c->i] == 'E')) {
        c->i++;
        if (!cur_eat(c, '+'))
            cur_eat(c, '-');
        cur_digits(c);
    }
}

static void cur_literal(struct cur *c, const char *word)
{
    size_t n = strlen(word);
    if (c->len - c->i < n || memcmp(c->p + c->i, word, n) != 0) {
        c->err = true;
        return;
    }
    c->i += n;
}

static void cur_value(struct cur *c, unsigned depth);

/* Object or array body after its opening bracket. */
static void cur_container(struct cur *c, unsigned depth, bool object)
{
    uint8_t close = object ? '}' : ']';
    cur_ws(c);
    if (cur_eat(c, close))
        return;
    while (!c->err) {
        cur_ws(c);
        if (object) {
            cur_string(c);
            cur_ws(c);
            if (!cur_eat(c, ':')) {
                c->err = true;
                return;
            }
            cur_ws(c);
        }
        cur_value(c, depth + 1);
        cur_ws(c);
        if (cur_eat(c, close))
            return;
        if (!cur_eat(c, ','))
            c->err = true;
    }
}

static void cur_value(struct cur *c, unsigned depth)
{
    if (c->err || c->i >= c->len || depth > CJSON_MAX_DEPTH) {
        c->err = true;
        return;
    }
    switch (c->p[c->i]) {
    case '{':
        c->i++;
        cur_container(c, depth, true);
        break;
    case '[':
        c->i++;
        cur_container(c, depth, false);
        break;
    case '"':
        cur_string(c);
        break;
    case 't':
        cur_literal(c, "true");
        break;
    case 'f':
        cur_literal(c, "false");
        break;
    case 'n':
        cur_literal(c, "null");
        break;
    default:
        if (c->p[c->i] == '-' || (c->p[c->i] >= '0' && c->p[c->i] <= '9'))
            cur_number(c);
        else
            c->err = true;
        break;
    }
}

int cjson_validate(const uint8_t *p, size_t len)
{
    struct cur c = {.p = p, .len = len};
    if (!p)
        return -EINVAL;
    cur_ws(&c);
    cur_value(&c, 0);
    cur_ws(&c);
    return !c.err && c.i == len ? 0 : -EINVAL;
}

enum cjson_type cjson_type_of(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    if (i >= len)
        return CJSON_INVALID;
    switch (p[i]) {
    case '{':
        return CJSON_OBJECT;
    case '[':
        return CJSON_ARRAY;
    case '"':
        return CJSON_STRING;
    case 't':
        return CJSON_TRUE;
    case 'f':
        return CJSON_FALSE;
    case 'n':
        return CJSON_NULL;
    default:
        return p[i] == '-' || (p[i] >= '0' && p[i] <= '9') ? CJSON_NUMBER : CJSON_INVALID;
    }
}

int cjson_iter_init(struct cjson_iter *it, const uint8_t *p, size_t len)
{
    memset(it, 0, sizeof *it);
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    if (i >= len || (p[i] != '{' && p[i] != '['))
        return -EINVAL;
    it->p = p;
    it->len = len;
    it->object = p[i] == '{';
    it->pos = i + 1;
    return 0;
}

int cjson_iter_next(struct cjson_iter *it, struct cjson_slice *key, struct cjson_slice *val)
{
    if (it->done)
        return 0;
    struct cur c = {.p = it->p, .len = it->len, .i = it->pos};
    uint8_t close = it->object ? '}' : ']';
    cur_ws(&c);
    if (cur_eat(&c, close)) {
        it->done = true;
        return 0;
    }
    if (it->any) {
        if (!cur_eat(&c, ','))
            goto fail;
        cur_ws(&c);
    }
    if (it->object) {
        size_t k = c.i;
        cur_string(&c);
        if (c.err)
            goto fail;
        if (key) {
            key->p = c.p + k;
            key->len = c.i - k;
        }
        cur_ws(&c);
        if (!cur_eat(&c, ':'))
            goto fail;
        cur_ws(&c);
    } else if (key) {
        key->p = NULL;
        key->len = 0;
    }
    size_t v = c.i;
    cur_value(&c, 1);
    if (c.err)
        goto fail;
    if (val) {
        val->p = c.p + v;
        val->len = c.i - v;
    }
    it->pos = c.i;
    it->any = true;
    return 1;
fail:
    it->done = true;
    return -EINVAL;
}

/* True if the string token key (with quotes) decodes to name[0..n). */
static bool key_is(const struct cjson_slice *key, const char *name, size_t n)
{
    char buf[128];
    if (n >= sizeof buf)
        return false;
    int k = cjson_string(key->p, key->len, buf, sizeof buf);
    return k >= 0 && (size_t)k == n && memcmp(buf, name, n) == 0;
}

int cjson_find(const uint8_t *p, size_t len, const char *path, struct cjson_slice *out)
{
    struct cjson_slice cur = {p, len};
    const char *seg = path;
    for (;;) {
        const char *dot = strchr(seg, '.');
        size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
        struct cjson_iter it;
        if (cjson_iter_init(&it, cur.p, cur.len) < 0 || !it.object)
            return -ENOENT;
        struct cjson_slice k, v;
        int r;
        bool found = false;
        while ((r = cjson_iter_next(&it, &k, &v)) == 1) {
            if (key_is(&k, seg, n)) {
                found = true;
                break;
            }
        }
        if (r < 0)
            return -EINVAL;
        if (!found)
            return -ENOENT;
        if (!dot) {
            *out = v;
            return 0;
        }
        cur = v;
        seg = dot + 1;
    }
}

/* Appends the UTF-8 form of cp; false if it does not fit. */
static bool put_utf8(char *out, size_t cap, size_t *n, uint32_t cp)
{
    uint8_t b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp, k = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xc0 | (cp >> 6)), b[1] = (uint8_t)(0x80 | (cp & 0x3f)), k = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xe0 | (cp >> 12)), b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (uint8_t)(0x80 | (cp & 0x3f)), k = 3;
    } else {
        b[0] = (uint8_t)(0xf0 | (cp >> 18)), b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (uint8_t)(0x80 | (cp & 0x3f)), k = 4;
    }
    if (cap - *n <= k)
        return false;
    memcpy(out + *n, b, k);
    *n += k;
    return true;
}

int cjson_string(const uint8_t *p, size_t len, char *out, size_t cap)
{
    if (!cap)
        return -ENOSPC;
    out[0] = 0;
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    struct cur c = {.p = p, .len = len, .i = i};
    cur_string(&c);
    if (c.err)
        return -EINVAL;
    size_t end = c.i - 1, n = 0;
    int rc = 0;
    for (i++; i < end;) {
        uint32_t cp;
        if (p[i] == '\\') {
            uint8_t e = p[i + 1];
            i += 2;
            switch (e) {
            case 'b':
                cp = '\b';
                break;
            case 'f':
                cp = '\f';
                break;
            case 'n':
                cp = '\n';
                break;
            case 'r':
                cp = '\r';
                break;
            case 't':
                cp = '\t';
                break;
            case 'u':
                cp = (uint32_t)hex4(p, len, i);
                i += 4;
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    uint32_t lo = (uint32_t)hex4(p, len, i + 2);
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    i += 6;
                }
                break;
            default:
                cp = e;
                break;
            }
        } else {
            /* validated above: a whole UTF-8 sequence */
            size_t k = cjson_utf8_len(p, len, i);
            if (cap - n <= k) {
                rc = -ENOSPC;
                break;
            }
            memcpy(out + n, p + i, k);
            n += k;
            i += k;
            continue;
        }
        if (!put_utf8(out, cap, &n, cp)) {
            rc = -ENOSPC;
            break;
        }
    }
    out[n] = 0;
    return rc < 0 ? rc : (int)n;
}

int cjson_int(const uint8_t *p, size_t len, int64_t *out)
{
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    bool neg = i < len && p[i] == '-';
    if (neg)
        i++;
    if (i >= len || p[i] < '0' || p[i] > '9')
        return -EINVAL;
    uint64_t v = 0;
    for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
        uint64_t d = (uint64_t)(p[i] - '0');
        if (v > (UINT64_C(9223372036854775808) - d) / 10)
            return -EINVAL;
        v = v * 10 + d;
    }
    if (i < len && (p[i] == '.' || p[i] == 'e' || p[i] == 'E'))
        return -EINVAL;
    if (!neg && v > INT64_MAX)
        return -EINVAL;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

bool cjson_key_equals(const uint8_t *p, size_t len, const char *path, const char *s)
{
    struct cjson_slice v;
    char buf[256];
    if (cjson_find(p, len, path, &v) < 0)
        return false;
    int n = cjson_string(v.p, v.len, buf, sizeof buf);
    return n >= 0 && strcmp(buf, s) == 0;
}
