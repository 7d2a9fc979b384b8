#include "util/ipfmt.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static char *ipfmt_octet(char *o, uint8_t v)
{
    if (v >= 100) {
        *o++ = (char)('0' + v / 100);
        v %= 100;
        *o++ = (char)('0' + v / 10);
        v %= 10;
    } else if (v >= 10) {
        *o++ = (char)('0' + v / 10);
        v %= 10;
    }
    *o++ = (char)('0' + v);
    return o;
}

size_t ipfmt_format(char out[IPFMT_MAX], const uint8_t ip[16], uint8_t version)
{
    if (version == 4) {
        char *o = out;
        for (int i = 0; i < 4; i++) {
            if (i)
                *o++ = '.';
            o = ipfmt_octet(o, ip[i]);
        }
        *o = '\0';
        return (size_t)(o - out);
    }
    /* IPv6 is rarer on the wards, and its zero compression (RFC 5952) is
     * better left to libc. */
    if (version == 6 && inet_ntop(AF_INET6, ip, out, IPFMT_MAX))
        return strlen(out);
    out[0] = '\0';
    return 0;
}
