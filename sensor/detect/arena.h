/*
 * A bump allocator for what lives and dies together: a parsed rule file,
 * a compiled rule set. Everything taken from it counts against its cap;
 * at the cap allocation fails (and the load reports it) instead of
 * growing without bound. Freed all at once.
 */
#ifndef MAMORI_DETECT_ARENA_H
#define MAMORI_DETECT_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head; /* owned: arena_free() */
    size_t used;              /* bytes handed out and chunk overhead, against cap */
    size_t cap;
};

void arena_init(struct arena *a, size_t cap);
void arena_free(struct arena *a);

/* Zeroed, aligned for any type; NULL at the cap or when out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/* n elements of size, with the multiplication checked. */
void *arena_array(struct arena *a, size_t n, size_t size);
/* A NUL-terminated copy of len bytes. */
char *arena_strndup(struct arena *a, const char *s, size_t len);

#endif
