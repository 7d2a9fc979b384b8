#include "asset/asset_names.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/cursor.h"

/* Copies printable ASCII; anything else ends the name (a name with a
 * control byte is no name to show). */
static void asset_name_copy(char *dst, size_t cap, const uint8_t *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e)
            break;
        dst[k++] = (char)s[i];
    }
    dst[k] = 0;
}

/* -- DHCP --------------------------------------------------------------- */

int asset_dhcp_parse(const uint8_t *p, size_t len, struct asset_dhcp *out)
{
    static const uint8_t cookie[4] = {0x63, 0x82, 0x53, 0x63};
    memset(out, 0, sizeof *out);
    if (len < 240 || (p[0] != 1 && p[0] != 2) || p[1] != 1 || p[2] != 6 ||
        memcmp(p + 236, cookie, 4) != 0)
        return -EINVAL;
    out->op = p[0];
    memcpy(out->ciaddr, p + 12, 4);
    memcpy(out->yiaddr, p + 16, 4);
    memcpy(out->chaddr, p + 28, 6);
    struct cursor c;
    cursor_init(&c, p + 240, len - 240);
    while (cursor_left(&c) > 0) {
        uint8_t code = cursor_u8(&c);
        if (code == 0)
            continue;
        if (code == 255)
            break;
        uint8_t n = cursor_u8(&c);
        const uint8_t *v = cursor_take(&c, n);
        if (!v)
            break; /* cut short: what came before stands */
        switch (code) {
        case 53:
            if (n >= 1)
                out->msg_type = v[0];
            break;
        case 12:
            asset_name_copy(out->hostname, sizeof out->hostname, v, n);
            break;
        case 60:
            asset_name_copy(out->vendor_class, sizeof out->vendor_class, v, n);
            break;
        case 55: {
            size_t k = 0;
            for (uint8_t i = 0; i < n && k + 5 < sizeof out->fingerprint; i++) {
                int w = snprintf(out->fingerprint + k, sizeof out->fingerprint - k, "%s%u",
                                 i ? "," : "", v[i]);
                k += w > 0 ? (size_t)w : 0;
            }
            break;
        }
        case 81: /* flags, rcode1, rcode2, name: wire format when flag E (0x04) */
            if (n > 3 && (v[0] & 0x04)) {
                size_t k = 0, i = 3;
                while (i < n && v[i] && k + 1 < sizeof out->fqdn) {
                    size_t l = v[i++];
                    if (l > 63 || i + l > n)
                        break;
                    if (k && k + 1 < sizeof out->fqdn)
                        out->fqdn[k++] = '.';
                    char part[64];
                    asset_name_copy(part, sizeof part, v + i, l);
                    size_t pl = strlen(part);
                    if (k + pl + 1 > sizeof out->fqdn)
                        break;
                    memcpy(out->fqdn + k, part, pl);
                    k += pl;
                    i += l;
                }
                out->fqdn[k] = 0;
            } else if (n > 3) {
                asset_name_copy(out->fqdn, sizeof out->fqdn, v + 3, (size_t)n - 3);
            }
            break;
        default:
            break;
        }
    }
    return 0;
}

/* -- DNS, mDNS ------------------------------------------------------------ */

/* Reads a (possibly compressed) name starting at off into out as
 * dotted text; *next gets the offset after it in the record. Returns 0
 * or -1. Pointers must go backwards (no loops), at most 16 of them. */
static int asset_dns_name(const uint8_t *p, size_t len, size_t off, char *out, size_t cap,
                          size_t *next)
{
    size_t k = 0, jumps = 0;
    bool jumped = false;
    out[0] = 0;
    for (;;) {
        if (off >= len)
            return -1;
        uint8_t l = p[off];
        if (l == 0) {
            if (!jumped)
                *next = off + 1;
            break;
        }
        if ((l & 0xc0) == 0xc0) {
            if (off + 1 >= len || ++jumps > 16)
                return -1;
            size_t to = (size_t)(l & 0x3f) << 8 | p[off + 1];
            if (to >= off)
                return -1;
            if (!jumped)
                *next = off + 2;
            jumped = true;
            off = to;
            continue;
        }
        if (l > 63 || off + 1 + l > len)
            return -1;
        if (k + l + 2 > cap)
            return -1;
        if (k)
            out[k++] = '.';
        for (size_t i = 0; i < l; i++) {
            uint8_t ch = p[off + 1 + i];
            out[k++] = ch >= 0x21 && ch <= 0x7e ? (char)ch : '?';
        }
        out[k] = 0;
        off += 1 + (size_t)l;
    }
    return 0;
}

/* "4.3.2.1.in-addr.arpa" -> 1.2.3.4; the 32 nibbles of ip6.arpa -> IPv6. */
static bool asset_reverse_ip(const char *name, uint8_t ip[16], uint8_t *version)
{
    memset(ip, 0, 16);
    size_t n = strlen(name);
    static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";
    if (n > sizeof v4 - 1 && strcmp(name + n - (sizeof v4 - 1), v4) == 0) {
        unsigned a[4];
        char tail;
        if (sscanf(name, "%u.%u.%u.%u%c", &a[3], &a[2], &a[1], &a[0], &tail) != 5 || tail != '.')
            return false;
        for (int i = 0; i < 4; i++) {
            if (a[i] > 255)
                return false;
            ip[i] = (uint8_t)a[i];
        }
        *version = 4;
        return true;
    }
    if (n == 64 + sizeof v6 - 1 && strcmp(name + 64, v6) == 0) {
        for (int i = 0; i < 32; i++) {
            char ch = name[2 * i];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
            if (d < 0 || name[2 * i + 1] != '.')
                return false;
            int byte = 15 - i / 2;
            ip[byte] |= (uint8_t)(i % 2 ? d << 4 : d);
        }
        *version = 6;
        return true;
    }
    return false;
}

int asset_dns_names(const uint8_t *p, size_t len, asset_name_fn fn, void *ctx)
{
    if (len < 12 || !(p[2] & 0x80)) /* responses only */
        return -EINVAL;
    unsigned qd = get_be16(p + 4), an = get_be16(p + 6), ns = get_be16(p + 8),
             ar = get_be16(p + 10);
    size_t off = 12;
    char name[ASSET_NAME_MAX], target[ASSET_NAME_MAX];
    for (unsigned i = 0; i < qd; i++) {
        size_t next;
        if (asset_dns_name(p, len, off, name, sizeof name, &next) < 0 || next + 4 > len)
            return -EINVAL;
        off = next + 4;
    }
    int found = 0;
    unsigned total = an + ns + ar;
    for (unsigned i = 0; i < total && i < ASSET_NAMES_MAX_RECORDS; i++) {
        size_t next;
        if (asset_dns_name(p, len, off, name, sizeof name, &next) < 0 || next + 10 > len)
            return found ? found : -EINVAL;
        uint16_t type = get_be16(p + next);
        uint16_t rdlen = get_be16(p + next + 8);
        size_t rd = next + 10;
        if (rd + rdlen > len)
            return found ? found : -EINVAL;
        uint8_t ip[16] = {0};
        if (type == 1 && rdlen == 4 && name[0]) {
            memcpy(ip, p + rd, 4);
            fn(ctx, ip, 4, name);
            found++;
        } else if (type == 28 && rdlen == 16 && name[0]) {
            memcpy(ip, p + rd, 16);
            fn(ctx, ip, 6, name);
            found++;
        } else if (type == 12) {
            uint8_t v;
            size_t after;
            if (asset_reverse_ip(name, ip, &v) &&
                asset_dns_name(p, rd + rdlen, rd, target, sizeof target, &after) == 0 &&
                target[0]) {
                fn(ctx, ip, v, target);
                found++;
            }
        }
        off = rd + rdlen;
    }
    return found;
}

/* -- NetBIOS name service ----------------------------------------------- */

/* The first-level encoding of RFC 1001 14.1: 32 letters 'A'..'P' for 16
 * bytes; the 16th byte is the suffix. */
static int asset_nb_name(const uint8_t *p, size_t len, size_t off, char out[16], uint8_t *suffix,
                         size_t *next)
{
    if (off + 34 > len || p[off] != 32)
        return -1;
    uint8_t raw[16];
    for (int i = 0; i < 16; i++) {
        uint8_t hi = p[off + 1 + 2 * i], lo = p[off + 2 + 2 * i];
        if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P')
            return -1;
        raw[i] = (uint8_t)((hi - 'A') << 4 | (lo - 'A'));
    }
    /* a scope id may follow: skip its labels */
    size_t q = off + 33;
    while (q < len && p[q]) {
        if (p[q] > 63)
            return -1;
        q += 1 + (size_t)p[q];
    }
    if (q >= len)
        return -1;
    *next = q + 1;
    *suffix = raw[15];
    size_t n = 15;
    while (n && raw[n - 1] == ' ')
        n--;
    asset_name_copy(out, 16, raw, n);
    return 0;
}

int asset_nbns_names(const uint8_t *p, size_t len, asset_name_fn fn, void *ctx)
{
    if (len < 12)
        return -EINVAL;
    unsigned qd = get_be16(p + 4), an = get_be16(p + 6), ns = get_be16(p + 8),
             ar = get_be16(p + 10);
    size_t off = 12;
    char name[16];
    uint8_t suffix;
    for (unsigned i = 0; i < qd; i++) {
        size_t next;
        if (asset_nb_name(p, len, off, name, &suffix, &next) < 0 || next + 4 > len)
            return -EINVAL;
        off = next + 4;
    }
    int found = 0;
    unsigned total = an + ns + ar;
    for (unsigned i = 0; i < total && i < ASSET_NAMES_MAX_RECORDS; i++) {
        size_t next;
        if (off < len && (p[off] & 0xc0) == 0xc0) {
            /* a pointer back to the question's name (registrations) */
            size_t to = (size_t)(p[off] & 0x3f) << 8 | (off + 1 < len ? p[off + 1] : 0);
            size_t dummy;
            if (off + 2 > len || to >= off || asset_nb_name(p, len, to, name, &suffix, &dummy) < 0)
                return found ? found : -EINVAL;
            next = off + 2;
        } else if (asset_nb_name(p, len, off, name, &suffix, &next) < 0) {
            return found ? found : -EINVAL;
        }
        if (next + 10 > len)
            return found ? found : -EINVAL;
        uint16_t type = get_be16(p + next);
        uint16_t rdlen = get_be16(p + next + 8);
        size_t rd = next + 10;
        if (rd + rdlen > len)
            return found ? found : -EINVAL;
        if (type == 0x20 && (suffix == 0x00 || suffix == 0x20) && name[0]) {
            for (size_t e = 0; e + 6 <= rdlen; e += 6) {
                uint16_t flags = get_be16(p + rd + e);
                if (flags & 0x8000)
                    continue; /* a group name: not one device's */
                uint8_t ip[16] = {0};
                memcpy(ip, p + rd + e + 2, 4);
                fn(ctx, ip, 4, name);
                found++;
            }
        }
        off = rd + rdlen;
    }
    return found;
}
