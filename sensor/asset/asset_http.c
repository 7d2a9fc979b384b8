#include "asset/asset_http.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* "HTTP/1.x NNN": the status code's three digits. */
static bool status_line(const uint8_t *p, size_t len)
{
    static const char pfx[] = "HTTP/1.";
    if (len < 12 || memcmp(p, pfx, sizeof pfx - 1) != 0)
        return false;
    if (p[7] < '0' || p[7] > '9' || p[8] != ' ')
        return false;
    for (size_t i = 9; i < 12; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/* The end of the line starting at off: the index of its '\n', or len
 * when the packet ends before it. */
static size_t line_end(const uint8_t *p, size_t len, size_t off)
{
    const uint8_t *nl = memchr(p + off, '\n', len - off);
    return nl ? (size_t)(nl - p) : len;
}

static bool name_is(const uint8_t *p, size_t n, const char *name)
{
    size_t k = strlen(name);
    if (n != k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (lower(p[i]) != lower((uint8_t)name[i]))
            return false;
    return true;
}

int asset_http_response_header(const uint8_t *p, size_t len, const char *name, char *out,
                               size_t cap)
{
    if (cap)
        out[0] = 0;
    if (!p || !status_line(p, len))
        return -EINVAL;
    size_t off = line_end(p, len, 0);
    while (off < len) {
        off++; /* past the '\n' */
        size_t end = line_end(p, len, off);
        if (end == len)
            return 0; /* a line cut by the packet's end: not reported */
        size_t n = end - off;
        if (n && p[off + n - 1] == '\r')
            n--;
        if (n == 0)
            return 0; /* the empty line: end of the headers */
        const uint8_t *colon = memchr(p + off, ':', n);
        if (colon && name_is(p + off, (size_t)(colon - (p + off)), name)) {
            size_t v = (size_t)(colon - p) + 1, ve = off + n;
            while (v < ve && (p[v] == ' ' || p[v] == '\t'))
                v++;
            while (ve > v && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
                ve--;
            size_t o = 0;
            for (; v < ve && o + 1 < cap; v++)
                if (p[v] >= 0x20 && p[v] < 0x7f)
                    out[o++] = (char)p[v];
            if (cap)
                out[o] = 0;
            return o ? 1 : 0;
        }
        off = end;
    }
    return 0;
}
