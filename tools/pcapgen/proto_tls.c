/* TLS handshakes and records: RFC 5246 (TLS 1.2: ClientHello, ServerHello, Certificate,
 * ServerKeyExchange, ServerHelloDone, ClientKeyExchange, ChangeCipherSpec, Finished), RFC 8446
 * (TLS 1.3: supported_versions, key_share, middlebox-compatibility ChangeCipherSpec), RFC 6066
 * (server_name), RFC 7301 (ALPN), RFC 8422 (ECDHE), RFC 7627 (extended master secret),
 * RFC 5077 (session tickets).
 *
 *   record: | type 1 | version 2 | length 2 | fragment ... |
 *   handshake in a record: | msg type 1 | length 3 | body ... |
 *
 * Inside the hospital, servers speak TLS 1.2 and show the internal CA's certificate (a real
 * DER certificate for *.hospital.example, signed by "Demo Hospital Internal CA"); outside
 * servers speak TLS 1.3, so everything after ServerHello is encrypted. Encrypted bytes are
 * random.
 */
#include "proto.h"

#include <string.h>

#include "bytes.h"
#include "net.h"

/* X.509 v3, ECDSA P-256, CN=*.hospital.example, valid 2025-04-01 to 2027-04-01. */
static const uint8_t hospital_cert[] = {
    0x30, 0x82, 0x02, 0x3b, 0x30, 0x82, 0x01, 0xe1, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x02, 0x10,
    0x00, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x30, 0x49, 0x31,
    0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, 0x4a, 0x50, 0x31, 0x16, 0x30, 0x14,
    0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x0d, 0x44, 0x65, 0x6d, 0x6f, 0x20, 0x48, 0x6f, 0x73, 0x70,
    0x69, 0x74, 0x61, 0x6c, 0x31, 0x22, 0x30, 0x20, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x19, 0x44,
    0x65, 0x6d, 0x6f, 0x20, 0x48, 0x6f, 0x73, 0x70, 0x69, 0x74, 0x61, 0x6c, 0x20, 0x49, 0x6e, 0x74,
    0x65, 0x72, 0x6e, 0x61, 0x6c, 0x20, 0x43, 0x41, 0x30, 0x1e, 0x17, 0x0d, 0x32, 0x35, 0x30, 0x34,
    0x30, 0x31, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x5a, 0x17, 0x0d, 0x32, 0x37, 0x30, 0x34, 0x30,
    0x31, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x5a, 0x30, 0x60, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03,
    0x55, 0x04, 0x06, 0x13, 0x02, 0x4a, 0x50, 0x31, 0x16, 0x30, 0x14, 0x06, 0x03, 0x55, 0x04, 0x0a,
    0x0c, 0x0d, 0x44, 0x65, 0x6d, 0x6f, 0x20, 0x48, 0x6f, 0x73, 0x70, 0x69, 0x74, 0x61, 0x6c, 0x31,
    0x1c, 0x30, 0x1a, 0x06, 0x03, 0x55, 0x04, 0x0b, 0x0c, 0x13, 0x49, 0x6e, 0x66, 0x6f, 0x72, 0x6d,
    0x61, 0x74, 0x69, 0x6f, 0x6e, 0x20, 0x53, 0x79, 0x73, 0x74, 0x65, 0x6d, 0x73, 0x31, 0x1b, 0x30,
    0x19, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x12, 0x2a, 0x2e, 0x68, 0x6f, 0x73, 0x70, 0x69, 0x74,
    0x61, 0x6c, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x30, 0x59, 0x30, 0x13, 0x06, 0x07,
    0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
    0x07, 0x03, 0x42, 0x00, 0x04, 0xde, 0xd4, 0xd1, 0xca, 0xb5, 0xc9, 0xb8, 0x43, 0xaf, 0xd7, 0x16,
    0xd9, 0x87, 0x93, 0xfe, 0xf1, 0xbf, 0x87, 0x54, 0xe4, 0x55, 0xda, 0x9f, 0x08, 0x4c, 0xba, 0x91,
    0x0a, 0xc7, 0x0b, 0x3c, 0x25, 0x3c, 0x9a, 0x41, 0x8f, 0x5e, 0xe3, 0x68, 0xfa, 0xb7, 0x91, 0x9f,
    0xe7, 0x05, 0xcc, 0x05, 0xec, 0x5c, 0xf3, 0x80, 0x42, 0x03, 0x69, 0x4f, 0x14, 0x81, 0x5a, 0xe1,
    0x0e, 0xed, 0x59, 0xfa, 0x67, 0xa3, 0x81, 0xa1, 0x30, 0x81, 0x9e, 0x30, 0x09, 0x06, 0x03, 0x55,
    0x1d, 0x13, 0x04, 0x02, 0x30, 0x00, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x04, 0x04, 0x03,
    0x02, 0x07, 0x80, 0x30, 0x13, 0x06, 0x03, 0x55, 0x1d, 0x25, 0x04, 0x0c, 0x30, 0x0a, 0x06, 0x08,
    0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01, 0x30, 0x2f, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04,
    0x28, 0x30, 0x26, 0x82, 0x12, 0x2a, 0x2e, 0x68, 0x6f, 0x73, 0x70, 0x69, 0x74, 0x61, 0x6c, 0x2e,
    0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x82, 0x10, 0x68, 0x6f, 0x73, 0x70, 0x69, 0x74, 0x61,
    0x6c, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x30, 0x1d, 0x06, 0x03, 0x55, 0x1d, 0x0e,
    0x04, 0x16, 0x04, 0x14, 0x91, 0x61, 0x52, 0x22, 0xd4, 0x89, 0x61, 0xa8, 0x51, 0x24, 0x03, 0xc2,
    0x8f, 0xbf, 0xad, 0x7f, 0x11, 0xc5, 0xf4, 0x58, 0x30, 0x1f, 0x06, 0x03, 0x55, 0x1d, 0x23, 0x04,
    0x18, 0x30, 0x16, 0x80, 0x14, 0x02, 0x02, 0x31, 0x93, 0xe6, 0x1f, 0x72, 0x84, 0xf4, 0xe0, 0x8f,
    0xff, 0x8c, 0xe3, 0xec, 0xa0, 0x69, 0xf9, 0xa6, 0x6d, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x04, 0x03, 0x02, 0x03, 0x48, 0x00, 0x30, 0x45, 0x02, 0x20, 0x05, 0x24, 0xd3, 0x37,
    0xbb, 0x43, 0x11, 0xf7, 0x1a, 0x2e, 0x80, 0xf3, 0x8a, 0xca, 0x20, 0x89, 0xb5, 0xae, 0xb1, 0x1d,
    0x3a, 0x68, 0x32, 0x89, 0x71, 0x92, 0x4c, 0xde, 0x77, 0x82, 0xcf, 0xed, 0x02, 0x21, 0x00, 0x8d,
    0xd7, 0x7b, 0x6c, 0xb9, 0x4d, 0x58, 0xf9, 0x36, 0x8a, 0xda, 0x4b, 0xbf, 0xbb, 0x0c, 0x14, 0x6f,
    0x78, 0xac, 0x9c, 0x23, 0x48, 0x31, 0x32, 0xbb, 0xb5, 0x09, 0xf5, 0x46, 0x75, 0x7b, 0x9c,
};

static const uint16_t client_suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                         0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                                         0xc014, 0x009c, 0x009d, 0x002f, 0x0035};

/* Opens a length field of n bytes; close_len() fills it with what was written since. */
static size_t open_len(struct buf *b, size_t n)
{
    size_t at = b->len;
    buf_zero(b, n);
    return at;
}

static void close_len(struct buf *b, size_t at, size_t n)
{
    if (b->overflow)
        return;
    size_t v = b->len - at - n;
    for (size_t i = 0; i < n; i++)
        b->p[at + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static void ext_begin(struct buf *b, uint16_t type, size_t *at)
{
    buf_be16(b, type);
    *at = open_len(b, 2);
}

static size_t client_hello(uint8_t *out, size_t cap, struct rng *r, const char *sni)
{
    struct buf b;
    buf_init(&b, out, cap);
    uint8_t rnd[32];
    buf_u8(&b, 0x16);
    buf_be16(&b, 0x0301);
    size_t rec = open_len(&b, 2);
    buf_u8(&b, 1);
    size_t hs = open_len(&b, 3);
    buf_be16(&b, 0x0303);
    rng_bytes(r, rnd, 32);
    buf_put(&b, rnd, 32);
    buf_u8(&b, 32);
    rng_bytes(r, rnd, 32);
    buf_put(&b, rnd, 32);
    buf_be16(&b, (uint16_t)(2 * (sizeof(client_suites) / sizeof(client_suites[0]))));
    for (size_t i = 0; i < sizeof(client_suites) / sizeof(client_suites[0]); i++)
        buf_be16(&b, client_suites[i]);
    buf_u8(&b, 1);
    buf_u8(&b, 0);
    size_t exts = open_len(&b, 2), e, l;
    if (sni != NULL) {
        ext_begin(&b, 0x0000, &e);
        l = open_len(&b, 2);
        buf_u8(&b, 0);
        buf_be16(&b, (uint16_t)strlen(sni));
        buf_str(&b, sni);
        close_len(&b, l, 2);
        close_len(&b, e, 2);
    }
    ext_begin(&b, 0x0017, &e); /* extended_master_secret */
    close_len(&b, e, 2);
    ext_begin(&b, 0xff01, &e); /* renegotiation_info */
    buf_u8(&b, 0);
    close_len(&b, e, 2);
    ext_begin(&b, 0x000a, &e); /* supported_groups: x25519, secp256r1, secp384r1 */
    buf_be16(&b, 6);
    buf_be16(&b, 0x001d);
    buf_be16(&b, 0x0017);
    buf_be16(&b, 0x0018);
    close_len(&b, e, 2);
    ext_begin(&b, 0x000b, &e); /* ec_point_formats: uncompressed */
    buf_u8(&b, 1);
    buf_u8(&b, 0);
    close_len(&b, e, 2);
    ext_begin(&b, 0x0023, &e); /* session_ticket */
    close_len(&b, e, 2);
    ext_begin(&b, 0x0010, &e); /* ALPN */
    l = open_len(&b, 2);
    buf_u8(&b, 2);
    buf_str(&b, "h2");
    buf_u8(&b, 8);
    buf_str(&b, "http/1.1");
    close_len(&b, l, 2);
    close_len(&b, e, 2);
    ext_begin(&b, 0x0005, &e); /* status_request: OCSP */
    buf_u8(&b, 1);
    buf_be32(&b, 0);
    close_len(&b, e, 2);
    ext_begin(&b, 0x000d, &e); /* signature_algorithms */
    static const uint16_t sigs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
    buf_be16(&b, (uint16_t)sizeof(sigs));
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        buf_be16(&b, sigs[i]);
    close_len(&b, e, 2);
    ext_begin(&b, 0x0033, &e); /* key_share: x25519 */
    buf_be16(&b, 36);
    buf_be16(&b, 0x001d);
    buf_be16(&b, 32);
    rng_bytes(r, rnd, 32);
    buf_put(&b, rnd, 32);
    close_len(&b, e, 2);
    ext_begin(&b, 0x002d, &e); /* psk_key_exchange_modes: psk_dhe_ke */
    buf_u8(&b, 1);
    buf_u8(&b, 1);
    close_len(&b, e, 2);
    ext_begin(&b, 0x002b, &e); /* supported_versions: 1.3, 1.2 */
    buf_u8(&b, 4);
    buf_be16(&b, 0x0304);
    buf_be16(&b, 0x0303);
    close_len(&b, e, 2);
    close_len(&b, exts, 2);
    close_len(&b, hs, 3);
    close_len(&b, rec, 2);
    return b.overflow ? 0 : b.len;
}

static void server_hello(struct buf *b, struct rng *r, bool tls13)
{
    uint8_t rnd[32];
    buf_u8(b, 2);
    size_t hs = open_len(b, 3);
    buf_be16(b, 0x0303);
    rng_bytes(r, rnd, 32);
    buf_put(b, rnd, 32);
    buf_u8(b, 32);
    rng_bytes(r, rnd, 32);
    buf_put(b, rnd, 32);
    buf_be16(b, tls13 ? 0x1301 : 0xc02b);
    buf_u8(b, 0);
    size_t exts = open_len(b, 2), e, l;
    if (tls13) {
        ext_begin(b, 0x002b, &e);
        buf_be16(b, 0x0304);
        close_len(b, e, 2);
        ext_begin(b, 0x0033, &e);
        buf_be16(b, 0x001d);
        buf_be16(b, 32);
        rng_bytes(r, rnd, 32);
        buf_put(b, rnd, 32);
        close_len(b, e, 2);
    } else {
        ext_begin(b, 0xff01, &e);
        buf_u8(b, 0);
        close_len(b, e, 2);
        ext_begin(b, 0x000b, &e);
        buf_u8(b, 1);
        buf_u8(b, 0);
        close_len(b, e, 2);
        ext_begin(b, 0x0017, &e);
        close_len(b, e, 2);
        ext_begin(b, 0x0010, &e);
        l = open_len(b, 2);
        buf_u8(b, 8);
        buf_str(b, "http/1.1");
        close_len(b, l, 2);
        close_len(b, e, 2);
    }
    close_len(b, exts, 2);
    close_len(b, hs, 3);
}

static void record_random(struct buf *b, struct rng *r, uint8_t type, size_t len)
{
    buf_u8(b, type);
    buf_be16(b, 0x0303);
    buf_be16(b, (uint16_t)len);
    uint8_t *p = buf_reserve(b, len);
    if (p != NULL)
        rng_bytes(r, p, len);
}

static void change_cipher_spec(struct buf *b)
{
    static const uint8_t ccs[6] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    buf_put(b, ccs, 6);
}

void tls_handshake(struct tcp_conv *c, struct rng *r, const char *sni, bool tls13)
{
    uint8_t m[4096];
    struct buf b;
    tcp_send(c, 0, m, client_hello(m, sizeof(m), r, sni));
    tcp_think(c, rng_range(r, 200, 1500));
    buf_init(&b, m, sizeof(m));
    buf_u8(&b, 0x16);
    buf_be16(&b, 0x0303);
    size_t rec = open_len(&b, 2);
    server_hello(&b, r, tls13);
    if (tls13) {
        close_len(&b, rec, 2);
        change_cipher_spec(&b);
        /* EncryptedExtensions, Certificate, CertificateVerify, Finished: opaque. */
        record_random(&b, r, 0x17, 2400 + rng_below(r, 1600));
        tcp_send(c, 1, m, b.len);
        buf_init(&b, m, sizeof(m));
        change_cipher_spec(&b);
        record_random(&b, r, 0x17, 53);
        tcp_send(c, 0, m, b.len);
        return;
    }
    buf_u8(&b, 11); /* Certificate */
    buf_u8(&b, 0);
    buf_be16(&b, (uint16_t)(sizeof(hospital_cert) + 6));
    buf_u8(&b, 0);
    buf_be16(&b, (uint16_t)(sizeof(hospital_cert) + 3));
    buf_u8(&b, 0);
    buf_be16(&b, (uint16_t)sizeof(hospital_cert));
    buf_put(&b, hospital_cert, sizeof(hospital_cert));
    buf_u8(&b, 12); /* ServerKeyExchange: named curve x25519, ECDSA-SHA256 signature */
    size_t hs = open_len(&b, 3);
    buf_u8(&b, 3);
    buf_be16(&b, 0x001d);
    buf_u8(&b, 32);
    uint8_t *k = buf_reserve(&b, 32);
    if (k != NULL)
        rng_bytes(r, k, 32);
    buf_be16(&b, 0x0403);
    buf_be16(&b, 70);
    static const uint8_t sig_head[4] = {0x30, 0x44, 0x02, 0x20};
    buf_put(&b, sig_head, 4);
    k = buf_reserve(&b, 32);
    if (k != NULL) {
        rng_bytes(r, k, 32);
        k[0] &= 0x7f; /* positive INTEGER without a leading zero */
        k[0] |= 0x01;
    }
    buf_u8(&b, 0x02);
    buf_u8(&b, 0x20);
    k = buf_reserve(&b, 32);
    if (k != NULL) {
        rng_bytes(r, k, 32);
        k[0] &= 0x7f;
        k[0] |= 0x01;
    }
    close_len(&b, hs, 3);
    buf_u8(&b, 14); /* ServerHelloDone */
    buf_u8(&b, 0);
    buf_be16(&b, 0);
    close_len(&b, rec, 2);
    tcp_send(c, 1, m, b.len);

    tcp_think(c, rng_range(r, 300, 2000));
    buf_init(&b, m, sizeof(m));
    static const uint8_t cke_head[] = {0x16, 0x03, 0x03, 0x00, 0x25, 0x10, 0x00, 0x00, 0x21, 0x20};
    buf_put(&b, cke_head, sizeof(cke_head));
    k = buf_reserve(&b, 32);
    if (k != NULL)
        rng_bytes(r, k, 32);
    change_cipher_spec(&b);
    record_random(&b, r, 0x16, 40); /* encrypted Finished */
    tcp_send(c, 0, m, b.len);

    tcp_think(c, rng_range(r, 200, 1000));
    buf_init(&b, m, sizeof(m));
    buf_u8(&b, 0x16);
    buf_be16(&b, 0x0303);
    rec = open_len(&b, 2);
    buf_u8(&b, 4); /* NewSessionTicket */
    hs = open_len(&b, 3);
    buf_be32(&b, 7200);
    buf_be16(&b, 192);
    k = buf_reserve(&b, 192);
    if (k != NULL)
        rng_bytes(r, k, 192);
    close_len(&b, hs, 3);
    close_len(&b, rec, 2);
    change_cipher_spec(&b);
    record_random(&b, r, 0x16, 40);
    tcp_send(c, 1, m, b.len);
}

void tls_app_data(struct tcp_conv *c, struct rng *r, int side, size_t len)
{
    /* Records of at most 16 KiB plus the AEAD overhead, as TLS stacks write them. */
    size_t cap = c->g->work_cap;
    struct buf b;
    buf_init(&b, c->g->work, cap);
    while (len > 0) {
        size_t n = len > 16408 ? 16408 : len;
        record_random(&b, r, 0x17, n);
        len -= n;
    }
    tcp_send(c, side, c->g->work, b.len);
}

void tls_close_notify(struct tcp_conv *c, struct rng *r, int side)
{
    uint8_t m[64];
    struct buf b;
    buf_init(&b, m, sizeof(m));
    record_random(&b, r, 0x15, 26);
    tcp_send(c, side, m, b.len);
}

uint64_t tls_session(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *srv,
                     uint16_t port, const char *sni, unsigned app_records)
{
    struct tcp_conv c;
    tcp_open(&c, g, r, cli, srv, port, t);
    tls_handshake(&c, r, sni, srv->outside);
    for (unsigned i = 0; i < app_records; i++) {
        tcp_think(&c, rng_range(r, 500, 3000));
        tls_app_data(&c, r, 0, 300 + rng_below(r, 700));
        tcp_think(&c, rng_range(r, 2000, 30000));
        tls_app_data(&c, r, 1, 300 + rng_below(r, rng_chance(r, 10) ? 8000 : 1500));
        tcp_think(&c, rng_range(r, 10000, 900000));
    }
    tls_close_notify(&c, r, 0);
    tcp_close(&c, 0);
    return c.t;
}

/* TLS 1.0 or 1.1 (RFC 2246, RFC 4346) with RFC 4492 ECDHE-ECDSA, as old embedded stacks still
 * speak it: no signature_algorithms, no ALPN, no supported_versions, CBC suites. */
static size_t client_hello_legacy(uint8_t *out, size_t cap, struct rng *r, const char *sni,
                                  uint16_t version)
{
    static const uint16_t suites[] = {0xc009, 0xc013, 0xc00a, 0xc014,
                                      0x002f, 0x0035, 0x000a, 0x00ff};
    struct buf b;
    buf_init(&b, out, cap);
    uint8_t rnd[32];
    buf_u8(&b, 0x16);
    buf_be16(&b, 0x0301);
    size_t rec = open_len(&b, 2);
    buf_u8(&b, 1);
    size_t hs = open_len(&b, 3);
    buf_be16(&b, version);
    rng_bytes(r, rnd, 32);
    buf_put(&b, rnd, 32);
    buf_u8(&b, 0); /* no session to resume */
    buf_be16(&b, (uint16_t)sizeof(suites));
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        buf_be16(&b, suites[i]);
    buf_u8(&b, 1);
    buf_u8(&b, 0);
    size_t exts = open_len(&b, 2), e, l;
    ext_begin(&b, 0x0000, &e);
    l = open_len(&b, 2);
    buf_u8(&b, 0);
    buf_be16(&b, (uint16_t)strlen(sni));
    buf_str(&b, sni);
    close_len(&b, l, 2);
    close_len(&b, e, 2);
    ext_begin(&b, 0x000a, &e); /* supported_groups: secp256r1, secp384r1 */
    buf_be16(&b, 4);
    buf_be16(&b, 0x0017);
    buf_be16(&b, 0x0018);
    close_len(&b, e, 2);
    ext_begin(&b, 0x000b, &e); /* ec_point_formats: uncompressed */
    buf_u8(&b, 1);
    buf_u8(&b, 0);
    close_len(&b, e, 2);
    close_len(&b, exts, 2);
    close_len(&b, hs, 3);
    close_len(&b, rec, 2);
    return b.overflow ? 0 : b.len;
}

static void record_random_v(struct buf *b, struct rng *r, uint8_t type, uint16_t version,
                            size_t len)
{
    buf_u8(b, type);
    buf_be16(b, version);
    buf_be16(b, (uint16_t)len);
    uint8_t *p = buf_reserve(b, len);
    if (p != NULL)
        rng_bytes(r, p, len);
}

/* A positive DER INTEGER of 32 random bytes, for the ECDSA signature. */
static void der_int32(struct buf *b, struct rng *r)
{
    buf_u8(b, 0x02);
    buf_u8(b, 0x20);
    uint8_t *k = buf_reserve(b, 32);
    if (k != NULL) {
        rng_bytes(r, k, 32);
        k[0] &= 0x7f;
        k[0] |= 0x01;
    }
}

uint64_t tls_legacy_session(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                            struct host *srv, uint16_t port, const char *sni, uint16_t version,
                            unsigned app_records)
{
    struct tcp_conv c;
    uint8_t m[4096];
    struct buf b;
    tcp_open(&c, g, r, cli, srv, port, t);
    tcp_send(&c, 0, m, client_hello_legacy(m, sizeof(m), r, sni, version));
    tcp_think(&c, rng_range(r, 200, 1500));

    buf_init(&b, m, sizeof(m));
    buf_u8(&b, 0x16);
    buf_be16(&b, version);
    size_t rec = open_len(&b, 2);
    buf_u8(&b, 2); /* ServerHello: TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
    size_t hs = open_len(&b, 3);
    buf_be16(&b, version);
    uint8_t rnd[32];
    rng_bytes(r, rnd, 32);
    buf_put(&b, rnd, 32);
    buf_u8(&b, 32);
    rng_bytes(r, rnd, 32);
    buf_put(&b, rnd, 32);
    buf_be16(&b, 0xc009);
    buf_u8(&b, 0);
    size_t exts = open_len(&b, 2), e;
    ext_begin(&b, 0x000b, &e);
    buf_u8(&b, 1);
    buf_u8(&b, 0);
    close_len(&b, e, 2);
    close_len(&b, exts, 2);
    close_len(&b, hs, 3);
    buf_u8(&b, 11); /* Certificate */
    buf_u8(&b, 0);
    buf_be16(&b, (uint16_t)(sizeof(hospital_cert) + 6));
    buf_u8(&b, 0);
    buf_be16(&b, (uint16_t)(sizeof(hospital_cert) + 3));
    buf_u8(&b, 0);
    buf_be16(&b, (uint16_t)sizeof(hospital_cert));
    buf_put(&b, hospital_cert, sizeof(hospital_cert));
    buf_u8(&b, 12); /* ServerKeyExchange: secp256r1 point, ECDSA-SHA1 (no algorithm field) */
    hs = open_len(&b, 3);
    buf_u8(&b, 3);
    buf_be16(&b, 0x0017);
    buf_u8(&b, 65);
    buf_u8(&b, 0x04);
    uint8_t *k = buf_reserve(&b, 64);
    if (k != NULL)
        rng_bytes(r, k, 64);
    buf_be16(&b, 70);
    static const uint8_t sig_head[2] = {0x30, 0x44};
    buf_put(&b, sig_head, 2);
    der_int32(&b, r);
    der_int32(&b, r);
    close_len(&b, hs, 3);
    buf_u8(&b, 14); /* ServerHelloDone */
    buf_u8(&b, 0);
    buf_be16(&b, 0);
    close_len(&b, rec, 2);
    tcp_send(&c, 1, m, b.len);

    tcp_think(&c, rng_range(r, 300, 2000));
    buf_init(&b, m, sizeof(m));
    buf_u8(&b, 0x16);
    buf_be16(&b, version);
    buf_be16(&b, 70);
    buf_u8(&b, 16); /* ClientKeyExchange: the client's point */
    buf_u8(&b, 0);
    buf_be16(&b, 66);
    buf_u8(&b, 65);
    buf_u8(&b, 0x04);
    k = buf_reserve(&b, 64);
    if (k != NULL)
        rng_bytes(r, k, 64);
    buf_u8(&b, 0x14); /* ChangeCipherSpec */
    buf_be16(&b, version);
    buf_be16(&b, 1);
    buf_u8(&b, 1);
    record_random_v(&b, r, 0x16, version, 48); /* Finished, AES-CBC with HMAC-SHA1 */
    tcp_send(&c, 0, m, b.len);

    tcp_think(&c, rng_range(r, 200, 1000));
    buf_init(&b, m, sizeof(m));
    buf_u8(&b, 0x14);
    buf_be16(&b, version);
    buf_be16(&b, 1);
    buf_u8(&b, 1);
    record_random_v(&b, r, 0x16, version, 48);
    tcp_send(&c, 1, m, b.len);

    for (unsigned i = 0; i < app_records; i++) {
        tcp_think(&c, rng_range(r, 500, 3000));
        buf_init(&b, m, sizeof(m));
        record_random_v(&b, r, 0x17, version, 16 * (20 + rng_below(r, 40)) + 32);
        tcp_send(&c, 0, m, b.len);
        tcp_think(&c, rng_range(r, 2000, 30000));
        buf_init(&b, m, sizeof(m));
        record_random_v(&b, r, 0x17, version, 16 * (10 + rng_below(r, 30)) + 32);
        tcp_send(&c, 1, m, b.len);
    }
    buf_init(&b, m, sizeof(m));
    record_random_v(&b, r, 0x15, version, 32);
    tcp_send(&c, 0, m, b.len);
    tcp_close(&c, 0);
    return c.t;
}
