/* asset/asset_names.c: DHCP, DNS/mDNS and NetBIOS names, each message cut
 * at every length. */
#include "asset/asset_names.h"

#include <errno.h>

#include "../test.h"

struct got {
    int n;
    char names[8][ASSET_NAME_MAX];
    uint8_t ip[8][16];
    uint8_t ver[8];
};

static void on_name(void *ctx, const uint8_t ip[16], uint8_t version, const char *name)
{
    struct got *g = ctx;
    if (g->n < 8) {
        snprintf(g->names[g->n], sizeof g->names[0], "%s", name);
        memcpy(g->ip[g->n], ip, 16);
        g->ver[g->n] = version;
    }
    g->n++;
}

static size_t dhcp_request(uint8_t *b)
{
    memset(b, 0, 400);
    b[0] = 1, b[1] = 1, b[2] = 6;
    static const uint8_t mac[6] = {0x28, 0xcd, 0xc1, 0x27, 0x73, 0xf0};
    memcpy(b + 28, mac, 6);
    b[236] = 0x63, b[237] = 0x82, b[238] = 0x53, b[239] = 0x63;
    size_t o = 240;
    static const uint8_t opts[] = {53,  1,   3, /* REQUEST */
                                   12,  11,  'r', 'a', 's', 'p', 'b',  'e', 'r', 'r', 'y',
                                   'p', 'i', 60,  5,   'd', 'h', 'c',  'p', 'd', 55,  4,
                                   1,   3,   6,   15,  81,  12,  0x04, 0,   0,   2,   'p',
                                   'i', 5,   'w', 'a', 'r', 'd', '4',  0,   0, /* pad */
                                   255};
    memcpy(b + o, opts, sizeof opts);
    return o + sizeof opts;
}

static void test_dhcp(void)
{
    uint8_t b[400];
    size_t len = dhcp_request(b);
    struct asset_dhcp d;
    CHECK_EQ_INT(asset_dhcp_parse(b, len, &d), 0);
    CHECK_EQ_INT(d.msg_type, 3);
    CHECK_EQ_INT(d.op, 1);
    CHECK_EQ_INT(d.chaddr[0], 0x28);
    CHECK_EQ_STR(d.hostname, "raspberrypi");
    CHECK_EQ_STR(d.vendor_class, "dhcpd");
    CHECK_EQ_STR(d.fingerprint, "1,3,6,15");
    CHECK_EQ_STR(d.fqdn, "pi.ward4");
    b[236] = 0;
    CHECK_EQ_INT(asset_dhcp_parse(b, len, &d), -EINVAL);
    /* Every cut: the header (with the cookie) is needed, then options
     * are read up to the cut. */
    b[236] = 0x63;
    for (size_t i = 0; i <= len; i++) {
        uint8_t *copy = malloc(i ? i : 1);
        memcpy(copy, b, i);
        int rc = asset_dhcp_parse(copy, i, &d);
        CHECK(i < 240 ? rc == -EINVAL : rc == 0);
        free(copy);
    }
}

/* A response: question ct-room1.hospital.local A; answers A (compressed
 * name), AAAA, and a PTR of 11.1.20.10.in-addr.arpa. */
static size_t dns_response(uint8_t *b)
{
    static const uint8_t msg[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0,
                                  /* 12: question */
                                  8, 'c', 't', '-', 'r', 'o', 'o', 'm', '1', 8, 'h', 'o', 's', 'p',
                                  'i', 't', 'a', 'l', 5, 'l', 'o', 'c', 'a', 'l', 0, 0, 1, 0, 1,
                                  /* answer A: pointer to 12 */
                                  0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 20, 1, 11,
                                  /* answer AAAA */
                                  0xc0, 12, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16, 0xfe, 0x80, 0, 0, 0, 0,
                                  0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11,
                                  /* answer PTR 11.1.20.10.in-addr.arpa -> pointer to 12 */
                                  2, '1', '1', 1, '1', 2, '2', '0', 2, '1', '0', 7, 'i', 'n', '-',
                                  'a', 'd', 'd', 'r', 4, 'a', 'r', 'p', 'a', 0, 0, 12, 0, 1, 0, 0,
                                  0, 60, 0, 2, 0xc0, 12};
    memcpy(b, msg, sizeof msg);
    return sizeof msg;
}

static void test_dns(void)
{
    uint8_t b[512];
    size_t len = dns_response(b);
    struct got g = {0};
    CHECK_EQ_INT(asset_dns_names(b, len, on_name, &g), 3);
    CHECK_EQ_STR(g.names[0], "ct-room1.hospital.local");
    CHECK_EQ_INT(g.ip[0][3], 11);
    CHECK_EQ_INT(g.ver[1], 6);
    CHECK_EQ_STR(g.names[2], "ct-room1.hospital.local");
    CHECK(g.ver[2] == 4 && g.ip[2][0] == 10 && g.ip[2][1] == 20 && g.ip[2][3] == 11);
    /* a query is not read */
    b[2] = 0x01;
    CHECK_EQ_INT(asset_dns_names(b, len, on_name, &g), -EINVAL);
    b[2] = 0x81;
    /* a pointer loop is refused */
    uint8_t loop[] = {0, 0, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 12,
                      0, 1, 0,    1,    0, 0, 0, 0, 0, 4, 1, 2, 3,    4};
    memset(&g, 0, sizeof g);
    CHECK(asset_dns_names(loop, sizeof loop, on_name, &g) < 0 && g.n == 0);
    for (size_t i = 0; i <= len; i++) {
        uint8_t *copy = malloc(i ? i : 1);
        memcpy(copy, b, i);
        memset(&g, 0, sizeof g);
        int rc = asset_dns_names(copy, i, on_name, &g);
        CHECK(rc <= 3 && (rc < 0 || rc == g.n));
        free(copy);
    }
}

/* A NetBIOS name registration: question WARD3-PC01<00>, additional NB
 * record (pointer to the question) with 10.30.3.21. */
static size_t nbns_registration(uint8_t *b)
{
    size_t o = 0;
    static const uint8_t head[] = {0x80, 0x01, 0x29, 0x10, 0, 1, 0, 0, 0, 0, 0, 1};
    memcpy(b, head, sizeof head);
    o = sizeof head;
    char raw[16];
    memset(raw, ' ', 15);
    memcpy(raw, "WARD3-PC01", 10);
    raw[15] = 0;
    b[o++] = 32;
    for (int i = 0; i < 16; i++) {
        b[o++] = (uint8_t)('A' + (((uint8_t)raw[i]) >> 4));
        b[o++] = (uint8_t)('A' + (((uint8_t)raw[i]) & 15));
    }
    b[o++] = 0;
    static const uint8_t tail[] = {0,    0x20, 0,    1, 0xc0, 12,   0,    0x20, 0,  1, 0,
                                   0x04, 0x93, 0xe0, 0, 6,    0x00, 0x00, 10,   30, 3, 21};
    memcpy(b + o, tail, sizeof tail);
    return o + sizeof tail;
}

static void test_nbns(void)
{
    uint8_t b[256];
    size_t len = nbns_registration(b);
    struct got g = {0};
    CHECK_EQ_INT(asset_nbns_names(b, len, on_name, &g), 1);
    CHECK_EQ_STR(g.names[0], "WARD3-PC01");
    CHECK(g.ip[0][0] == 10 && g.ip[0][3] == 21);
    /* a group name is no device's */
    uint8_t grp[256];
    memcpy(grp, b, len);
    grp[len - 6] = 0x80;
    memset(&g, 0, sizeof g);
    CHECK_EQ_INT(asset_nbns_names(grp, len, on_name, &g), 0);
    for (size_t i = 0; i <= len; i++) {
        uint8_t *copy = malloc(i ? i : 1);
        memcpy(copy, b, i);
        memset(&g, 0, sizeof g);
        int rc = asset_nbns_names(copy, i, on_name, &g);
        CHECK(i == len ? rc == 1 : rc <= 0);
        free(copy);
    }
}

TEST_MAIN(TEST(test_dhcp), TEST(test_dns), TEST(test_nbns))
