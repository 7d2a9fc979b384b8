/* Big- and little-endian stores into byte buffers; no casts of buffers to wider types. */
#ifndef PCAPGEN_BYTES_H
#define PCAPGEN_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

/* A growing-free output cursor over a caller's fixed buffer. Writes past the end are dropped
 * and remembered, so a builder checks once at the end instead of after every field. */
struct buf {
    uint8_t *p;
    size_t len;
    size_t cap;
    int overflow;
};

static inline void buf_init(struct buf *b, uint8_t *p, size_t cap)
{
    b->p = p;
    b->len = 0;
    b->cap = cap;
    b->overflow = 0;
}

static inline uint8_t *buf_reserve(struct buf *b, size_t n)
{
    if (b->overflow || b->cap - b->len < n) {
        b->overflow = 1;
        return NULL;
    }
    uint8_t *q = b->p + b->len;
    b->len += n;
    return q;
}

static inline void buf_put(struct buf *b, const void *src, size_t n)
{
    uint8_t *q = buf_reserve(b, n);
    if (q != NULL && n > 0)
        memcpy(q, src, n);
}

static inline void buf_str(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

static inline void buf_u8(struct buf *b, uint8_t v)
{
    buf_put(b, &v, 1);
}

static inline void buf_be16(struct buf *b, uint16_t v)
{
    uint8_t *q = buf_reserve(b, 2);
    if (q != NULL)
        put_be16(q, v);
}

static inline void buf_be32(struct buf *b, uint32_t v)
{
    uint8_t *q = buf_reserve(b, 4);
    if (q != NULL)
        put_be32(q, v);
}

static inline void buf_le16(struct buf *b, uint16_t v)
{
    uint8_t *q = buf_reserve(b, 2);
    if (q != NULL)
        put_le16(q, v);
}

static inline void buf_le32(struct buf *b, uint32_t v)
{
    uint8_t *q = buf_reserve(b, 4);
    if (q != NULL)
        put_le32(q, v);
}

static inline void buf_le64(struct buf *b, uint64_t v)
{
    uint8_t *q = buf_reserve(b, 8);
    if (q != NULL)
        put_le64(q, v);
}

static inline void buf_zero(struct buf *b, size_t n)
{
    uint8_t *q = buf_reserve(b, n);
    if (q != NULL)
        memset(q, 0, n);
}

#endif
