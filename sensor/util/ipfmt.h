/*
 * IP addresses as text for records: what inet_ntop() writes, without its
 * cost. glibc formats an IPv4 address through sprintf(), a few thousand
 * instructions, and every record carries two addresses.
 */
#ifndef MAMORI_UTIL_IPFMT_H
#define MAMORI_UTIL_IPFMT_H

#include <stddef.h>
#include <stdint.h>

/* Room for any address and its NUL (INET6_ADDRSTRLEN). */
#define IPFMT_MAX 46

/* Writes ip (the first 4 bytes for version 4, all 16 for 6) as
 * inet_ntop() does, NUL-terminated, into out (IPFMT_MAX bytes). Returns
 * the length; 0 (and "") for an unknown version. */
size_t ipfmt_format(char out[IPFMT_MAX], const uint8_t ip[16], uint8_t version);

#endif
