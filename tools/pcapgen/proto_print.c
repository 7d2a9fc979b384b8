/* Printing: IPP/1.1 and 2.0 over HTTP on port 631 (RFC 8010 encoding, RFC 8011 Print-Job,
 * RFC 7230-style HTTP framing with Content-Type application/ipp) and raw printing to port 9100
 * (HP JetDirect socket, jobs wrapped in PJL UEL sequences).
 *
 *   IPP request: | version 2 | operation 2 | request-id 4 | 0x01 attrs... | 0x03 | document |
 *   attribute:   | value-tag 1 | name-length 2 | name | value-length 2 | value |
 */
#include "proto.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "net.h"

static void attr(struct buf *b, uint8_t tag, const char *n, const void *v, size_t vlen)
{
    buf_u8(b, tag);
    buf_be16(b, (uint16_t)strlen(n));
    buf_str(b, n);
    buf_be16(b, (uint16_t)vlen);
    buf_put(b, v, vlen);
}

static void attr_s(struct buf *b, uint8_t tag, const char *n, const char *v)
{
    attr(b, tag, n, v, strlen(v));
}

static void attr_i(struct buf *b, uint8_t tag, const char *n, uint32_t v)
{
    uint8_t x[4];
    put_be32(x, v);
    attr(b, tag, n, x, 4);
}

uint64_t ipp_print(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *printer)
{
    static const char *const jobs[] = {"Discharge summary", "Medication chart", "Lab requisition",
                                       "Wristband labels", "Shift handover"};
    struct tcp_conv c;
    tcp_open(&c, g, r, cli, printer, 631, t);
    struct buf body;
    size_t half = g->work_cap / 2;
    buf_init(&body, g->work + half, half);
    uint32_t req_id = (uint32_t)rng_range(r, 1, 1000);
    char uri[128];
    snprintf(uri, sizeof(uri), "ipp://%s:631/ipp/print", printer->fqdn);
    buf_be16(&body, 0x0200);
    buf_be16(&body, 0x0002); /* Print-Job */
    buf_be32(&body, req_id);
    buf_u8(&body, 0x01);
    attr_s(&body, 0x47, "attributes-charset", "utf-8");
    attr_s(&body, 0x48, "attributes-natural-language", "en-us");
    attr_s(&body, 0x45, "printer-uri", uri);
    attr_s(&body, 0x42, "requesting-user-name", "nurse03");
    attr_s(&body, 0x42, "job-name", jobs[rng_below(r, 5)]);
    attr_s(&body, 0x49, "document-format", "application/pdf");
    buf_u8(&body, 0x03);
    size_t doc = 2000 + rng_below(r, 8000);
    buf_str(&body, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
    uint8_t *d = buf_reserve(&body, doc);
    if (d != NULL)
        rng_bytes(r, d, doc);
    buf_str(&body, "\n%%EOF\n");

    char head[512];
    int hn =
        snprintf(head, sizeof(head),
                 "POST /ipp/print HTTP/1.1\r\nHost: %s:631\r\nContent-Type: application/ipp\r\n"
                 "User-Agent: Microsoft-Windows/10.0 UPnP/1.0 IPP/2.0\r\n"
                 "Content-Length: %zu\r\n\r\n",
                 printer->fqdn, body.len);
    /* Header and start of the body in one buffer, as the client's stack writes them. */
    struct buf all;
    buf_init(&all, g->work, half);
    buf_put(&all, head, (size_t)hn);
    buf_put(&all, body.p, body.len);
    tcp_send(&c, 0, all.p, all.len);
    tcp_think(&c, rng_range(r, 20000, 200000));

    uint8_t rb[512];
    struct buf rsp;
    buf_init(&rsp, rb, sizeof(rb));
    buf_be16(&rsp, 0x0200);
    buf_be16(&rsp, 0x0000); /* successful-ok */
    buf_be32(&rsp, req_id);
    buf_u8(&rsp, 0x01);
    attr_s(&rsp, 0x47, "attributes-charset", "utf-8");
    attr_s(&rsp, 0x48, "attributes-natural-language", "en-us");
    buf_u8(&rsp, 0x02);
    uint32_t job = (uint32_t)rng_range(r, 100, 9999);
    char juri[160];
    snprintf(juri, sizeof(juri), "%s/%u", uri, job);
    attr_i(&rsp, 0x21, "job-id", job);
    attr_s(&rsp, 0x45, "job-uri", juri);
    attr_i(&rsp, 0x23, "job-state", 5); /* processing */
    attr_s(&rsp, 0x44, "job-state-reasons", "job-printing");
    buf_u8(&rsp, 0x03);
    char rh[256];
    int rn = snprintf(rh, sizeof(rh),
                      "HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nContent-Length: %zu\r\n"
                      "\r\n",
                      rsp.len);
    uint8_t out[768];
    memcpy(out, rh, (size_t)rn);
    memcpy(out + rn, rb, rsp.len);
    tcp_send(&c, 1, out, (size_t)rn + rsp.len);
    tcp_think(&c, 500);
    tcp_close(&c, 0);
    return c.t;
}

uint64_t raw_print(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *printer)
{
    struct tcp_conv c;
    tcp_open(&c, g, r, cli, printer, 9100, t);
    struct buf b;
    buf_init(&b, g->work, g->work_cap);
    buf_str(&b, "\x1b%-12345X@PJL JOB NAME=\"Specimen labels\"\r\n@PJL SET COPIES=1\r\n"
                "@PJL ENTER LANGUAGE=PCL\r\n\x1b"
                "E\x1b&l0O\x1b(s0p12h10v0s0b3T");
    for (int i = 0; i < 40; i++) {
        char line[96];
        int n = snprintf(line, sizeof(line), "SPECIMEN DEMO%06u  TUBE %02d  WARD %u\r\n",
                         (unsigned)rng_below(r, GEN_PATIENTS), i % 6 + 1, 3 + (unsigned)i % 3);
        buf_put(&b, line, (size_t)n);
    }
    buf_str(&b, "\x1b"
                "E\x1b%-12345X@PJL EOJ\r\n\x1b%-12345X");
    tcp_send(&c, 0, b.p, b.len);
    tcp_think(&c, rng_range(r, 5000, 50000));
    tcp_close(&c, 0);
    return c.t;
}
