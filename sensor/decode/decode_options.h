/*
 * The option lists of IPv4 (RFC 791 section 3.1) and TCP (RFC 9293
 * section 3.1) share one encoding: kind 0 ends the list, kind 1 is a
 * one-byte no-operation, every other option is kind, length (counting
 * both bytes) and data. Only which lengths each kind may have differs.
 *
 * Header-only (as util/cursor.h): the walk is inlined into each decoder
 * so that its per-kind check is a direct, inlined call on the packet path.
 */
#ifndef MAMORI_DECODE_DECODE_OPTIONS_H
#define MAMORI_DECODE_DECODE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    DECODE_OPT_EOL = 0,
    DECODE_OPT_NOP = 1,
};

/* Checks one option: kind, its olen bytes at opt (kind and length bytes
 * included, olen >= 2). True if that kind may look like this. */
typedef bool (*decode_option_fn)(uint8_t kind, const uint8_t *opt, size_t olen);

/* True when the options area o[0..len) is well formed: every length in
 * bounds and at least 2, every option accepted by valid. */
static inline bool decode_options_valid(const uint8_t *o, size_t len, decode_option_fn valid)
{
    size_t i = 0;
    while (i < len) {
        uint8_t kind = o[i];
        if (kind == DECODE_OPT_EOL)
            return true;
        if (kind == DECODE_OPT_NOP) {
            i++;
            continue;
        }
        if (len - i < 2)
            return false;
        size_t olen = o[i + 1];
        if (olen < 2 || olen > len - i)
            return false;
        if (!valid(kind, o + i, olen))
            return false;
        i += olen;
    }
    return true;
}

#endif
