#include "jsonw.h"

#include "cjson.h"

#include <event2/buffer.h>
#include <string.h>

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
            uint32_t cp = 0;
            step = cjson_utf8_len(p, len, i);
            if (!step) {
                /* invalid UTF-8: one byte replaced */
                cp = 0xfffd;
                step = 1;
            } else if (step == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
                       (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
                /* U+2028/2029 end lines in old JavaScript parsers */
                cp = p[i + 2] == 0xa8 ? 0x2028 : 0x2029;
            }
            if (cp) {
                memcpy(esc, "\\u", 2);
                esc[2] = hex[(cp >> 12) & 15], esc[3] = hex[(cp >> 8) & 15];
                esc[4] = hex[(cp >> 4) & 15], esc[5] = hex[cp & 15];
                elen = 6;
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
