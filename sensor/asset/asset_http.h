/*
 * The software an HTTP server names in its response, for the asset
 * inventory. nDPI 4.2 keeps the User-Agent of a request but not the
 * Server header of a response, so the worker reads it from the first
 * server payload packets of a TCP flow (asset_collect.h) with this
 * scanner:
 *
 *   HTTP/1.1 200 OK\r\n
 *   Date: ...\r\n
 *   Server: Apache/2.4.49 (Unix)\r\n    <- copied (printable, trimmed)
 *   ...\r\n
 *   \r\n                                 <- the scan stops here
 *
 * Only the status line and the header names are looked at; nothing else
 * of the response (cookies, bodies) is kept. It takes (const uint8_t *p,
 * size_t len) and never reads past len: a header cut by the end of the
 * packet is not reported.
 */
#ifndef MAMORI_ASSET_ASSET_HTTP_H
#define MAMORI_ASSET_ASSET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define ASSET_HTTP_VALUE_MAX 256 /* with the NUL: longer values are cut */

/* Copies the value of the header `name` (case-insensitive, e.g.
 * "Server") of the HTTP/1.x response in p into out (NUL-terminated, at
 * most cap - 1 bytes, control bytes dropped, spaces around it trimmed).
 * Returns 1 when found, 0 when the headers it could read do not have it,
 * -EINVAL when p does not start with an HTTP/1.x status line. */
int asset_http_response_header(const uint8_t *p, size_t len, const char *name, char *out,
                               size_t cap);

#endif
