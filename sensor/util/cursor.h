/*
 * Bounds-checked, alignment-safe reads from packet bytes.
 *
 * Two styles, both never reading past the length they are given:
 *  - get_be16(p) etc.: the caller has already checked the length;
 *    they only make the read alignment-safe (memcpy), never a cast.
 *  - struct cursor: a {ptr,len,off} view whose getters return 0 and set a
 *    sticky error once a read would pass the end, so a parser can read a
 *    whole header and test cursor_ok() once.
 */
#ifndef MAMORI_UTIL_CURSOR_H
#define MAMORI_UTIL_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[1] << 8 | p[0]);
}

static inline uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

struct cursor {
    const uint8_t *p; /* borrowed: the bytes being read */
    size_t len;
    size_t off;
    bool err; /* sticky: set by the first read past len */
};

static inline void cursor_init(struct cursor *c, const uint8_t *p, size_t len)
{
    c->p = p;
    c->len = len;
    c->off = 0;
    c->err = false;
}

static inline bool cursor_ok(const struct cursor *c)
{
    return !c->err;
}

static inline size_t cursor_left(const struct cursor *c)
{
    return c->err ? 0 : c->len - c->off;
}

static inline const uint8_t *cursor_ptr(const struct cursor *c)
{
    return c->p + c->off;
}

/* Returns a pointer to n bytes and advances, or NULL (and sets err). */
static inline const uint8_t *cursor_take(struct cursor *c, size_t n)
{
    if (c->err || n > c->len - c->off) {
        c->err = true;
        return NULL;
    }
    const uint8_t *r = c->p + c->off;
    c->off += n;
    return r;
}

static inline bool cursor_skip(struct cursor *c, size_t n)
{
    return cursor_take(c, n) != NULL;
}

static inline uint8_t cursor_u8(struct cursor *c)
{
    const uint8_t *r = cursor_take(c, 1);
    return r ? r[0] : 0;
}

static inline uint16_t cursor_be16(struct cursor *c)
{
    const uint8_t *r = cursor_take(c, 2);
    return r ? get_be16(r) : 0;
}

static inline uint32_t cursor_be32(struct cursor *c)
{
    const uint8_t *r = cursor_take(c, 4);
    return r ? get_be32(r) : 0;
}

static inline uint16_t cursor_le16(struct cursor *c)
{
    const uint8_t *r = cursor_take(c, 2);
    return r ? get_le16(r) : 0;
}

static inline uint32_t cursor_le32(struct cursor *c)
{
    const uint8_t *r = cursor_take(c, 4);
    return r ? get_le32(r) : 0;
}

#endif
