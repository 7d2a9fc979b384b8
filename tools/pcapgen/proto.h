/* Entry points of the protocol builders (proto_*.c).
 *
 * One header for all of them, unlike the sensor's one-header-per-module rule: each builder
 * exports one or two conversation functions and nothing else, and the scheduler (mix.c,
 * behaviours.c) needs them all. Every function generates one complete conversation starting
 * at t, never earlier, and returns the time of its last frame.
 */
#ifndef PCAPGEN_PROTO_H
#define PCAPGEN_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "gen.h"
#include "net.h"
#include "rng.h"

/* proto_dicom.c: DICOM PS3.7 (DIMSE) and PS3.8 (upper layer) */
#define DICOM_PORT 104
uint64_t dicom_echo(struct gen *g, struct rng *r, uint64_t t, struct host *scu,
                    const char *calling_ae, struct host *scp);
/* images: number of C-STORE operations; pixels: rows and columns of each synthetic image. */
uint64_t dicom_store(struct gen *g, struct rng *r, uint64_t t, struct host *scu,
                     const char *calling_ae, struct host *scp, const char *called_ae,
                     unsigned images, unsigned pixels);
uint64_t dicom_find(struct gen *g, struct rng *r, uint64_t t, struct host *scu,
                    const char *calling_ae, struct host *scp, unsigned matches, bool abort);
uint64_t dicom_move(struct gen *g, struct rng *r, uint64_t t, struct host *scu, struct host *scp,
                    unsigned images);
/* An association the acceptor rejects (calling AE title not recognised). */
uint64_t dicom_rejected(struct gen *g, struct rng *r, uint64_t t, struct host *scu,
                        const char *calling_ae, struct host *scp);

/* proto_hl7.c: HL7 v2.5.1 chapters 2, 3, 4, 7 over MLLP */
#define HL7_PORT 2575
enum hl7_msg { HL7_ADT_A01, HL7_ADT_A04, HL7_ADT_A08, HL7_ORM_O01, HL7_ORU_R01 };
/* A connection carrying count messages of type from sender to receiver, each answered by an
 * ACK. Some are pipelined two to a segment, some split across two segments. */
uint64_t hl7_session(struct gen *g, struct rng *r, uint64_t t, struct host *sender,
                     struct host *receiver, enum hl7_msg type, unsigned count);

/* proto_fhir.c: HL7 FHIR R4 RESTful API over HTTP/1.1 */
#define FHIR_PORT 8080
uint64_t fhir_session(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *srv,
                      unsigned requests);
/* Searches sent with HTTP Basic credentials (RFC 7617) in clear. */
uint64_t fhir_basic_search(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                           struct host *srv, unsigned requests);

/* proto_tls.c: TLS 1.2 (RFC 5246) and 1.3 (RFC 8446) handshakes and records */
/* app_records: number of application-data records each way after the handshake. */
uint64_t tls_session(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *srv,
                     uint16_t port, const char *sni, unsigned app_records);

/* TLS 1.0 (version 0x0301) or 1.1 (0x0302) with a CBC suite, as old embedded stacks speak it. */
uint64_t tls_legacy_session(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                            struct host *srv, uint16_t port, const char *sni, uint16_t version,
                            unsigned app_records);

/* Pieces reused by protocols that run over TLS (RDP after its X.224 exchange). */
void tls_handshake(struct tcp_conv *c, struct rng *r, const char *sni, bool tls13);
void tls_app_data(struct tcp_conv *c, struct rng *r, int side, size_t len);
void tls_close_notify(struct tcp_conv *c, struct rng *r, int side);

/* proto_smb.c: MS-SMB2 over NetBIOS session service (RFC 1002) on TCP 445, and MS-SMB */
uint64_t smb2_session(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *srv,
                      unsigned reads);
uint64_t smb1_negotiate(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                        struct host *srv);

/* proto_dhcp.c: RFC 2131, RFC 2132 options, RFC 4702 client FQDN */
uint64_t dhcp_lease(struct gen *g, struct rng *r, uint64_t t, struct host *cli, bool renew);

/* proto_dns.c: RFC 1035, RFC 3596 (AAAA), RFC 6762 (mDNS), RFC 6763 (DNS-SD) */
enum dns_type { DNS_A = 1, DNS_PTR = 12, DNS_TXT = 16, DNS_AAAA = 28, DNS_SRV = 33 };
uint64_t dns_lookup(struct gen *g, struct rng *r, uint64_t t, struct host *cli, const char *name,
                    enum dns_type type, uint32_t answer_ip);
uint64_t dns_ptr_lookup(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                        struct host *target);
/* The server's own recursion to the outside forwarder for an outside name. */
uint64_t dns_forward(struct gen *g, struct rng *r, uint64_t t, const char *name, enum dns_type type,
                     uint32_t answer_ip);
/* A printer announcing _ipp._tcp over mDNS (IPv4 and IPv6) after a workstation's query. */
uint64_t mdns_browse(struct gen *g, struct rng *r, uint64_t t, struct host *querier,
                     struct host *printer);
/* One TXT query for a long base32 label under domain, answered with a TXT record. */
uint64_t dns_tunnel_query(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                          const char *domain, unsigned seq);

/* proto_ntp.c: RFC 5905 */
uint64_t ntp_sync(struct gen *g, struct rng *r, uint64_t t, struct host *cli);

/* proto_arp.c: RFC 826 */
uint64_t arp_resolve(struct gen *g, struct rng *r, uint64_t t, struct host *asker,
                     struct host *target);
uint64_t arp_gratuitous(struct gen *g, uint64_t t, struct host *h);
uint64_t arp_probe_sweep(struct gen *g, struct rng *r, uint64_t t, struct host *asker,
                         uint32_t target_ip);

/* proto_icmp.c: RFC 792 echo; replies < requests leaves the last requests unanswered. */
uint64_t icmp_ping(struct gen *g, struct rng *r, uint64_t t, struct host *src, struct host *dst,
                   unsigned requests, unsigned replies);

/* proto_print.c: RFC 8010/8011 (IPP over HTTP, port 631) and raw JetDirect/PJL on 9100 */
uint64_t ipp_print(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                   struct host *printer);
uint64_t raw_print(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                   struct host *printer);

/* proto_rdp.c: MS-RDPBCGR 2.2.1.1 and 2.2.1.2 over TPKT (RFC 1006) and X.224 */
uint64_t rdp_session(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *srv,
                     const char *user);

/* proto_telnet.c: RFC 854, RFC 855 options */
uint64_t telnet_login(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *srv);

/* proto_http.c: HTTP/1.1 (RFC 9110, RFC 9112) on port 80 */
/* A printer's web administration opened with HTTP Basic credentials (RFC 7617). */
uint64_t http_basic_admin(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                          struct host *srv);
/* Requests with SQL injection and cross-site scripting in their query strings. */
uint64_t http_injection(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                        struct host *srv);
/* A Windows executable (application/x-msdownload) downloaded in clear. */
uint64_t http_exe_download(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                           struct host *srv);

/* proto_ssh.c: SSH-2 (RFC 4253) version exchange, KEXINIT, DH group 14, then encrypted */
uint64_t ssh_session(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *srv);

/* Shared helpers for text protocols. */
/* UTC date "YYYYMMDD" and time "HHMMSS" of t (microseconds since the epoch). */
void fmt_date(uint64_t t, char out[9]);
void fmt_time(uint64_t t, char out[7]);
/* RFC 7231 IMF-fixdate, e.g. "Thu, 15 Jan 2026 09:00:00 GMT". */
void fmt_http_date(uint64_t t, char out[30]);

#endif
