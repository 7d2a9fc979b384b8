#include "jsonw.h"

#include <event2/buffer.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p[i..), 0 if invalid (RFC 3629). */
static size_t jsonw_utf8(const uint8_t *p, size_t len, size_t i)
{
    uint8_t b = p[i];
    size_t n;
    uint32_t min, cp;
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
    /* U+2028/2029 end lines in old JavaScript parsers */
    if (cp == 0x2028 || cp == 0x2029)
        return 0;
    return n;
}

void jsonw_str(struct evbuffer *b, const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    static const char hex[] = "0123456789abcdef";
    evbuffer_add(b, "\"", 1);
    size_t run = 0; /* bytes at p[i - run .. i) to copy as they are */
    for (size_t i = 0; i < len;) {
        uint8_t c = p[i];
        char esc[8];
        size_t elen = 0;
        size_t step = 1;
        if (c >= 0x80) {
            step = jsonw_utf8(p, len, i);
            if (!step) {
                uint32_t cp = 0;
                size_t k = i;
                /* a valid U+2028/2029 is escaped, anything else replaced */
                if (len - i >= 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
                    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
                    cp = p[i + 2] == 0xa8 ? 0x2028 : 0x2029;
                    k += 3;
                } else {
                    cp = 0xfffd;
                    k += 1;
                }
                memcpy(esc, "\\u", 2);
                esc[2] = hex[(cp >> 12) & 15], esc[3] = hex[(cp >> 8) & 15];
                esc[4] = hex[(cp >> 4) & 15], esc[5] = hex[cp & 15];
                elen = 6;
                step = k - i;
            }
        } else if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c, elen = 2;
        } else if (c == '\n') {
            memcpy(esc, "\\n", 2), elen = 2;
        } else if (c == '\r') {
            memcpy(esc, "\\r", 2), elen = 2;
        } else if (c == '\t') {
            memcpy(esc, "\\t", 2), elen = 2;
        } else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4], esc[5] = hex[c & 15], elen = 6;
        }
        if (elen) {
            if (run)
                evbuffer_add(b, p + i - run, run);
            run = 0;
            evbuffer_add(b, esc, elen);
        } else {
            run += step;
        }
        i += step;
    }
    if (run)
        evbuffer_add(b, p + len - run, run);
    evbuffer_add(b, "\"", 1);
}

void jsonw_cstr(struct evbuffer *b, const char *s)
{
    if (!s)
        evbuffer_add(b, "null", 4);
    else
        jsonw_str(b, s, strlen(s));
}

void jsonw_key(struct evbuffer *b, const char *key)
{
    jsonw_cstr(b, key);
    evbuffer_add(b, ":", 1);
}

void jsonw_raw(struct evbuffer *b, const uint8_t *p, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *esc = NULL;
        if (p[i] == '<')
            esc = "\\u003c";
        else if (p[i] == '>')
            esc = "\\u003e";
        else if (p[i] == '&')
            esc = "\\u0026";
        else if (p[i] == 0xe2 && len - i >= 3 && p[i + 1] == 0x80 &&
                 (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
            esc = p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
        if (!esc)
            continue;
        evbuffer_add(b, p + start, i - start);
        evbuffer_add(b, esc, 6);
        start = i + (esc[5] == '8' || esc[5] == '9' ? 3 : 1);
        i = start - 1;
    }
    evbuffer_add(b, p + start, len - start);
}
