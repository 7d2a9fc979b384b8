/*
 * JSON output of the console's API, appended to a libevent buffer. Every
 * string is escaped so that the result is valid JSON and valid UTF-8 whatever
 * bytes it came from, and carries no '<', '>' or '&' (written as \u003c,
 * \u003e, \u0026), so that no response can be read as markup even by a
 * client that ignores its Content-Type.
 */
#ifndef MAMORI_CONSOLE_JSONW_H
#define MAMORI_CONSOLE_JSONW_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* A quoted, escaped string from any bytes: invalid UTF-8 becomes U+FFFD. */
void jsonw_str(struct evbuffer *b, const char *s, size_t len);
/* The same, NUL terminated; NULL writes null. */
void jsonw_cstr(struct evbuffer *b, const char *s);
/* "key": as written by jsonw_cstr, then the colon. */
void jsonw_key(struct evbuffer *b, const char *key);
/* JSON text that cjson_validate() accepted, copied with '<', '>' and '&'
 * escaped (they can only be inside strings in valid JSON). */
void jsonw_raw(struct evbuffer *b, const uint8_t *p, size_t len);

#endif
