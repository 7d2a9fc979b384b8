/* SSH-2: RFC 4253 (protocol version exchange 4.2, binary packet protocol 6, algorithm
 * negotiation 7.1, Diffie-Hellman key exchange 8, NEWKEYS 7.3), RFC 4250 (message numbers),
 * RFC 4251 5 (string, mpint, name-list encodings).
 *
 *   banner: "SSH-2.0-softwareversion" CR LF
 *   packet: | packet_length 4 | padding_length 1 | payload | random padding (>= 4) |
 *           KEXINIT (20): cookie 16, ten name-lists, first_kex_packet_follows, reserved 4
 *
 * The server is an old OpenSSH 5.3 (as on a CentOS 6 application server) whose KEXINIT still
 * offers arcfour, 3des-cbc and blowfish-cbc; the client is a current Windows OpenSSH. After
 * NEWKEYS every packet is encrypted (random bytes, an HMAC-SHA1 tag of 20 bytes each).
 */
#include "proto.h"

#include <string.h>

#include "bytes.h"
#include "net.h"

static const char *const client_lists[10] = {
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,ext-info-c",
    "rsa-sha2-512,rsa-sha2-256,ssh-rsa,ecdsa-sha2-nistp256,ssh-ed25519",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,"
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,"
    "aes256-gcm@openssh.com",
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,"
    "hmac-sha1",
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,"
    "hmac-sha1",
    "none,zlib@openssh.com",
    "none,zlib@openssh.com",
    "",
    "",
};

static const char *const server_lists[10] = {
    "diffie-hellman-group-exchange-sha256,diffie-hellman-group-exchange-sha1,"
    "diffie-hellman-group14-sha1,diffie-hellman-group1-sha1",
    "ssh-rsa,ssh-dss",
    "aes128-ctr,aes192-ctr,aes256-ctr,arcfour256,arcfour128,aes128-cbc,3des-cbc,blowfish-cbc,"
    "cast128-cbc,aes192-cbc,aes256-cbc,arcfour,rijndael-cbc@lysator.liu.se",
    "aes128-ctr,aes192-ctr,aes256-ctr,arcfour256,arcfour128,aes128-cbc,3des-cbc,blowfish-cbc,"
    "cast128-cbc,aes192-cbc,aes256-cbc,arcfour,rijndael-cbc@lysator.liu.se",
    "hmac-md5,hmac-sha1,umac-64@openssh.com,hmac-ripemd160,hmac-ripemd160@openssh.com,"
    "hmac-sha1-96,hmac-md5-96",
    "hmac-md5,hmac-sha1,umac-64@openssh.com,hmac-ripemd160,hmac-ripemd160@openssh.com,"
    "hmac-sha1-96,hmac-md5-96",
    "none,zlib@openssh.com",
    "none,zlib@openssh.com",
    "",
    "",
};

static void ssh_string(struct buf *b, const void *p, size_t n)
{
    buf_be32(b, (uint32_t)n);
    buf_put(b, p, n);
}

/* A positive mpint of n random bytes (a leading zero when the top bit is set). */
static void ssh_mpint(struct buf *b, struct rng *r, size_t n)
{
    uint8_t v[260];
    rng_bytes(r, v, n);
    v[0] |= 0x80;
    buf_be32(b, (uint32_t)(n + 1));
    buf_u8(b, 0);
    buf_put(b, v, n);
}

/* Wraps the payload in out[5..5+len) into a binary packet with block size 8. */
static size_t ssh_packet(uint8_t *out, size_t len, struct rng *r)
{
    size_t pad = 8 - ((5 + len) % 8);
    if (pad < 4)
        pad += 8;
    rng_bytes(r, out + 5 + len, pad);
    put_be32(out, (uint32_t)(1 + len + pad));
    out[4] = (uint8_t)pad;
    return 5 + len + pad;
}

static void send_kexinit(struct tcp_conv *c, struct rng *r, int side, const char *const lists[10])
{
    uint8_t m[2048];
    struct buf b;
    buf_init(&b, m + 5, sizeof(m) - 5 - 16);
    buf_u8(&b, 20);
    uint8_t *cookie = buf_reserve(&b, 16);
    if (cookie != NULL)
        rng_bytes(r, cookie, 16);
    for (int i = 0; i < 10; i++)
        ssh_string(&b, lists[i], strlen(lists[i]));
    buf_u8(&b, 0);
    buf_be32(&b, 0);
    if (b.overflow)
        return;
    tcp_send(c, side, m, ssh_packet(m, b.len, r));
}

static void send_encrypted(struct tcp_conv *c, struct rng *r, int side, size_t blocks)
{
    uint8_t m[1024];
    size_t n = 16 * blocks + 20;
    if (n > sizeof(m))
        n = sizeof(m);
    rng_bytes(r, m, n);
    tcp_send(c, side, m, n);
}

uint64_t ssh_session(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *srv)
{
    struct tcp_conv c;
    uint8_t m[2048];
    struct buf b;
    tcp_open(&c, g, r, cli, srv, 22, t);
    static const char cli_banner[] = "SSH-2.0-OpenSSH_for_Windows_8.1\r\n";
    static const char srv_banner[] = "SSH-2.0-OpenSSH_5.3\r\n";
    tcp_send(&c, 0, (const uint8_t *)cli_banner, sizeof(cli_banner) - 1);
    tcp_think(&c, rng_range(r, 1000, 5000));
    tcp_send(&c, 1, (const uint8_t *)srv_banner, sizeof(srv_banner) - 1);
    tcp_think(&c, rng_range(r, 500, 3000));
    send_kexinit(&c, r, 0, client_lists);
    send_kexinit(&c, r, 1, server_lists);
    tcp_think(&c, rng_range(r, 2000, 8000));

    /* diffie-hellman-group14-sha1: the first of the client's methods the server knows. */
    buf_init(&b, m + 5, sizeof(m) - 5 - 16);
    buf_u8(&b, 30); /* SSH_MSG_KEXDH_INIT: e */
    ssh_mpint(&b, r, 256);
    tcp_send(&c, 0, m, ssh_packet(m, b.len, r));
    tcp_think(&c, rng_range(r, 20000, 80000));

    buf_init(&b, m + 5, sizeof(m) - 5 - 16);
    buf_u8(&b, 31); /* SSH_MSG_KEXDH_REPLY: K_S, f, signature of H */
    uint8_t key[300];
    struct buf k;
    buf_init(&k, key, sizeof(key));
    ssh_string(&k, "ssh-rsa", 7);
    static const uint8_t e65537[] = {0, 0, 0, 3, 1, 0, 1};
    buf_put(&k, e65537, sizeof(e65537));
    ssh_mpint(&k, r, 256);
    ssh_string(&b, key, k.len);
    ssh_mpint(&b, r, 256);
    uint8_t sig[300];
    struct buf s;
    buf_init(&s, sig, sizeof(sig));
    ssh_string(&s, "ssh-rsa", 7);
    buf_be32(&s, 256);
    uint8_t *sv = buf_reserve(&s, 256);
    if (sv != NULL)
        rng_bytes(r, sv, 256);
    ssh_string(&b, sig, s.len);
    if (b.overflow)
        return c.t;
    size_t n = ssh_packet(m, b.len, r);
    /* NEWKEYS follows the reply in the same segment, as OpenSSH writes them. */
    uint8_t *nk = m + n;
    nk[5] = 21;
    n += ssh_packet(nk, 1, r);
    tcp_send(&c, 1, m, n);
    tcp_think(&c, rng_range(r, 1000, 4000));
    uint8_t nk_cli[24];
    nk_cli[5] = 21;
    tcp_send(&c, 0, nk_cli, ssh_packet(nk_cli, 1, r));

    /* Encrypted: service request and accept, password authentication, a shell. */
    send_encrypted(&c, r, 0, 2);
    send_encrypted(&c, r, 1, 2);
    tcp_think(&c, rng_range(r, 500000, 2000000));
    send_encrypted(&c, r, 0, 5);
    send_encrypted(&c, r, 1, 1);
    send_encrypted(&c, r, 0, 4);
    send_encrypted(&c, r, 1, 2);
    for (int i = 0; i < 6; i++) {
        tcp_think(&c, rng_range(r, 300000, 3000000));
        send_encrypted(&c, r, 0, 2);
        send_encrypted(&c, r, 1, 2 + rng_below(r, 20));
    }
    tcp_close(&c, 0);
    return c.t;
}
