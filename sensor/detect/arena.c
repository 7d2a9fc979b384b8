#include "detect/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Chunks grow from 4 KB to 256 KB: small rule sets stay small, big ones
 * do not pay a malloc per rule. */
#define ARENA_MIN_CHUNK 4096u
#define ARENA_MAX_CHUNK (256u * 1024u)

struct arena_chunk {
    struct arena_chunk *next;
    size_t size, off;
    alignas(max_align_t) unsigned char data[];
};

void arena_init(struct arena *a, size_t cap)
{
    a->head = NULL;
    a->used = 0;
    a->cap = cap;
}

void arena_free(struct arena *a)
{
    if (!a)
        return;
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->used = 0;
}

void *arena_alloc(struct arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + align - 1) & ~(align - 1);
    struct arena_chunk *c = a->head;
    if (!c || c->size - c->off < size) {
        size_t want = c ? c->size * 2 : ARENA_MIN_CHUNK;
        if (want > ARENA_MAX_CHUNK)
            want = ARENA_MAX_CHUNK;
        if (want < size)
            want = size;
        size_t total = sizeof *c + want;
        if (a->used + total > a->cap)
            return NULL;
        c = malloc(total);
        if (!c)
            return NULL;
        c->size = want;
        c->off = 0;
        c->next = a->head;
        a->head = c;
        a->used += total;
    }
    void *p = c->data + c->off;
    c->off += size;
    memset(p, 0, size);
    return p;
}

void *arena_array(struct arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return arena_alloc(a, n * size);
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
