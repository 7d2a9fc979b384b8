/*
 * ipfmt_format() writes what inet_ntop() writes, for every IPv4 octet
 * value in every position and a set of IPv6 addresses.
 */
#include "util/ipfmt.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "../test.h"

static void check_same(const uint8_t ip[16], uint8_t version)
{
    char want[INET6_ADDRSTRLEN], got[IPFMT_MAX];
    CHECK(inet_ntop(version == 4 ? AF_INET : AF_INET6, ip, want, sizeof want) != NULL);
    size_t n = ipfmt_format(got, ip, version);
    CHECK_EQ_STR(got, want);
    CHECK_EQ_INT(n, strlen(want));
}

static void test_ipv4_every_octet(void)
{
    uint8_t ip[16] = {0};
    for (int pos = 0; pos < 4; pos++) {
        for (int v = 0; v < 256; v++) {
            memset(ip, 0, sizeof ip);
            ip[pos] = (uint8_t)v;
            ip[(pos + 1) % 4] = (uint8_t)(255 - v);
            check_same(ip, 4);
        }
    }
    const uint8_t longest[16] = {255, 255, 255, 255};
    check_same(longest, 4);
}

static void test_ipv6_and_unknown(void)
{
    static const char *const addrs[] = {"::",
                                        "::1",
                                        "fe80::1",
                                        "2001:db8::8a2e:370:7334",
                                        "::ffff:10.1.2.3",
                                        "2001:db8:0:1:1:1:1:1",
                                        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"};
    for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
        uint8_t ip[16];
        CHECK(inet_pton(AF_INET6, addrs[i], ip) == 1);
        check_same(ip, 6);
    }
    char out[IPFMT_MAX] = "x";
    const uint8_t ip[16] = {1, 2, 3, 4};
    CHECK_EQ_INT(ipfmt_format(out, ip, 5), 0);
    CHECK_EQ_STR(out, "");
}

TEST_MAIN(TEST(test_ipv4_every_octet), TEST(test_ipv6_and_unknown))
