/* Scheduling of conversations.
 *
 * Hospital mix: every kind of traffic has a rate (conversations a minute) and a way to pick its
 * endpoints. The conversations of the whole duration are drawn first, sorted by start time, then
 * generated in that order with a random stream of their own (derived from the seed and their
 * rank), so that adding a kind does not shift every other conversation. pcap_out keeps the frames
 * of overlapping conversations in time order.
 *
 * Benchmark: N conversations in a row, each sized so that the total comes to M frames: the
 * budget of the next conversation is what is left divided by the conversations left, and the
 * last one is an ICMP echo series of exactly the frames still missing.
 */
#include "mix.h"

#include <stdlib.h>
#include <string.h>

#include "behaviours.h"
#include "proto.h"

enum job_type {
    J_ARP,
    J_DHCP_RENEW,
    J_DHCP_BOOT,
    J_DNS,
    J_DNS_PTR,
    J_NTP,
    J_MDNS,
    J_PING,
    J_TLS_EHR,
    J_TLS_OUT,
    J_SMB,
    J_IPP,
    J_RAW_PRINT,
    J_DICOM_ECHO,
    J_DICOM_STORE,
    J_DICOM_FIND,
    J_DICOM_MOVE,
    J_HL7_ADT,
    J_HL7_ORM,
    J_HL7_ORU,
    J_HL7_VITALS,
    J_FHIR,
    J_BEHAVIOUR,
    J_COUNT
};

struct rate {
    enum kind kind;
    unsigned per_minute_x10; /* tenths of a conversation a minute */
};

static const struct rate rates[J_COUNT] = {
    [J_ARP] = {KIND_ARP, 300},
    [J_DHCP_RENEW] = {KIND_DHCP, 20},
    [J_DHCP_BOOT] = {KIND_DHCP, 5},
    [J_DNS] = {KIND_DNS, 400},
    [J_DNS_PTR] = {KIND_DNS, 40},
    [J_NTP] = {KIND_NTP, 120},
    [J_MDNS] = {KIND_MDNS, 20},
    [J_PING] = {KIND_ICMP, 150},
    [J_TLS_EHR] = {KIND_TLS, 40},
    [J_TLS_OUT] = {KIND_TLS, 20},
    [J_SMB] = {KIND_SMB, 15},
    [J_IPP] = {KIND_PRINT, 15},
    [J_RAW_PRINT] = {KIND_PRINT, 5},
    [J_DICOM_ECHO] = {KIND_DICOM, 20},
    [J_DICOM_STORE] = {KIND_DICOM, 20},
    [J_DICOM_FIND] = {KIND_DICOM, 20},
    [J_DICOM_MOVE] = {KIND_DICOM, 10},
    [J_HL7_ADT] = {KIND_HL7, 60},
    [J_HL7_ORM] = {KIND_HL7, 20},
    [J_HL7_ORU] = {KIND_HL7, 30},
    [J_HL7_VITALS] = {KIND_HL7, 20},
    [J_FHIR] = {KIND_FHIR, 30},
    [J_BEHAVIOUR] = {KIND_BEHAVIOUR, 0},
};

struct job {
    uint64_t t;
    uint32_t rank;
    uint16_t type;
    uint16_t arg;
};

static int job_cmp(const void *a, const void *b)
{
    const struct job *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static struct host *pick(struct rng *r, const struct host_list *l)
{
    return l->h[rng_below(r, l->n)];
}

static const char *const inside_names[] = {"his01",     "fhir01", "filesrv01", "printsrv01",
                                           "pacs-main", "dc01",   "ris01"};

static void run_dns(struct gen *g, struct rng *r, uint64_t t)
{
    struct hospital *hp = g->hosp;
    struct host *cli = pick(r, &hp->clients);
    if (cli->os == OS_WINDOWS && rng_chance(r, 35)) {
        struct host *out = pick(r, &hp->internet);
        t = dns_lookup(g, r, t, cli, out->fqdn, DNS_A, out->ip);
        dns_lookup(g, r, t + 200, cli, out->fqdn, DNS_AAAA, 0);
        return;
    }
    const char *n = inside_names[rng_below(r, sizeof(inside_names) / sizeof(inside_names[0]))];
    for (size_t i = 0; i < hp->n; i++) {
        if (strcmp(hp->hosts[i].name, n) == 0) {
            dns_lookup(g, r, t, cli, hp->hosts[i].fqdn, DNS_A, hp->hosts[i].ip);
            return;
        }
    }
}

static struct host *printer_for(struct hospital *hp, const struct host *pc)
{
    for (size_t i = 0; i < hp->printers.n; i++)
        if ((hp->printers.h[i]->ip & 0xffffff00u) == (pc->ip & 0xffffff00u))
            return hp->printers.h[i];
    return hp->printers.h[0];
}

static void run_job(struct gen *g, struct rng *r, const struct job *j)
{
    struct hospital *hp = g->hosp;
    uint64_t t = j->t;
    g->kind = rates[j->type].kind;
    switch ((enum job_type)j->type) {
    case J_ARP: {
        struct host *a = rng_chance(r, 60) ? pick(r, &hp->clients) : pick(r, &hp->servers);
        struct host *b = rng_chance(r, 50) ? hp->gw : pick(r, &hp->servers);
        if (a != b)
            arp_resolve(g, r, t, a, b);
        break;
    }
    case J_DHCP_RENEW:
        dhcp_lease(g, r, t, pick(r, &hp->windows_pcs), true);
        break;
    case J_DHCP_BOOT: {
        struct host *pc = pick(r, &hp->ward_pcs);
        t = dhcp_lease(g, r, t, pc, false) + 50000;
        arp_gratuitous(g, t, pc);
        break;
    }
    case J_DNS:
        run_dns(g, r, t);
        break;
    case J_DNS_PTR:
        dns_ptr_lookup(g, r, t, rng_chance(r, 50) ? hp->nms : hp->filesrv, pick(r, &hp->clients));
        break;
    case J_NTP:
        ntp_sync(g, r, t, rng_chance(r, 70) ? pick(r, &hp->clients) : pick(r, &hp->servers));
        break;
    case J_MDNS:
        mdns_browse(g, r, t, pick(r, &hp->windows_pcs), pick(r, &hp->printers));
        break;
    case J_PING: {
        struct host *d = rng_chance(r, 50) ? pick(r, &hp->modalities) : pick(r, &hp->clients);
        icmp_ping(g, r, t, hp->nms, d, 1, 1);
        break;
    }
    case J_TLS_EHR: {
        struct host *pc = rng_chance(r, 70) ? pick(r, &hp->ward_pcs) : pick(r, &hp->windows_pcs);
        struct host *srv = rng_chance(r, 75) ? hp->his : hp->ris;
        tls_session(g, r, t, pc, srv, 443, srv->fqdn, (unsigned)rng_range(r, 1, 4));
        break;
    }
    case J_TLS_OUT: {
        struct host *pc = rng_chance(r, 60) ? pick(r, &hp->admin_pcs) : pick(r, &hp->windows_pcs);
        struct host *out = pick(r, &hp->internet);
        g->kind = KIND_DNS;
        t = dns_lookup(g, r, t, pc, out->fqdn, DNS_A, out->ip) + 300;
        g->kind = KIND_TLS;
        tls_session(g, r, t, pc, out, 443, out->fqdn, (unsigned)rng_range(r, 1, 3));
        break;
    }
    case J_SMB:
        smb2_session(g, r, t, pick(r, &hp->windows_pcs), hp->filesrv, (unsigned)rng_range(r, 1, 2));
        break;
    case J_IPP: {
        struct host *pc = pick(r, &hp->ward_pcs);
        ipp_print(g, r, t, pc, printer_for(hp, pc));
        break;
    }
    case J_RAW_PRINT:
        raw_print(g, r, t, hp->lab_devices.h[3], hp->printers.h[rng_below(r, hp->printers.n)]);
        break;
    case J_DICOM_ECHO: {
        struct host *m = pick(r, &hp->modalities);
        dicom_echo(g, r, t, m, m->ae, hp->pacs);
        break;
    }
    case J_DICOM_STORE: {
        struct host *m = pick(r, &hp->modalities);
        dicom_store(g, r, t, m, m->ae, hp->pacs, hp->pacs->ae, (unsigned)rng_range(r, 1, 2),
                    /* Mostly thumbnails; one in five large enough to need several P-DATA PDUs. */
                    rng_chance(r, 20) ? (unsigned)rng_range(r, 96, 112)
                                      : (unsigned)rng_range(r, 32, 56));
        break;
    }
    case J_DICOM_FIND: {
        struct host *v = pick(r, &hp->viewers);
        dicom_find(g, r, t, v, v->ae, hp->pacs, (unsigned)rng_range(r, 1, 5), rng_chance(r, 15));
        break;
    }
    case J_DICOM_MOVE:
        dicom_move(g, r, t, pick(r, &hp->viewers), hp->pacs, (unsigned)rng_range(r, 1, 2));
        break;
    case J_HL7_ADT: {
        /* HIS -> engine, and the engine fans the event out to LIS and RIS. */
        static const enum hl7_msg adt[3] = {HL7_ADT_A01, HL7_ADT_A04, HL7_ADT_A08};
        enum hl7_msg m = adt[rng_below(r, 3)];
        unsigned n = (unsigned)rng_range(r, 1, 3);
        t = hl7_session(g, r, t, hp->his, hp->engine, m, n);
        hl7_session(g, r, t + 3000, hp->engine, rng_chance(r, 50) ? hp->lis : hp->ris, m, n);
        break;
    }
    case J_HL7_ORM:
        t = hl7_session(g, r, t, hp->his, hp->engine, HL7_ORM_O01, 1);
        hl7_session(g, r, t + 3000, hp->engine, hp->ris, HL7_ORM_O01, 1);
        break;
    case J_HL7_ORU:
        t = hl7_session(g, r, t, hp->lis, hp->engine, HL7_ORU_R01, (unsigned)rng_range(r, 1, 4));
        hl7_session(g, r, t + 3000, hp->engine, hp->his, HL7_ORU_R01, 1);
        break;
    case J_HL7_VITALS:
        hl7_session(g, r, t, hp->monitor_gw, hp->engine, HL7_ORU_R01, (unsigned)rng_range(r, 2, 5));
        break;
    case J_FHIR:
        fhir_session(g, r, t, rng_chance(r, 60) ? pick(r, &hp->ward_pcs) : hp->monitor_gw, hp->fhir,
                     (unsigned)rng_range(r, 1, 4));
        break;
    case J_BEHAVIOUR:
        behaviour_run(g, r, t, (enum behaviour)j->arg);
        break;
    case J_COUNT:
        break;
    }
}

static int run_jobs(struct gen *g, struct job *jobs, size_t n, uint64_t seed)
{
    struct rng base;
    rng_seed(&base, seed);
    qsort(jobs, n, sizeof(*jobs), job_cmp);
    for (size_t i = 0; i < n; i++) {
        struct rng r;
        rng_fork(&r, &base, jobs[i].rank);
        pcap_out_release(g->out, jobs[i].t);
        run_job(g, &r, &jobs[i]);
        if (g->err != 0)
            return -1;
    }
    return 0;
}

int mix_run(struct gen *g, const struct options *o)
{
    struct rng r;
    rng_seed(&r, o->seed ^ 0x6d616d6f7269ULL);
    uint64_t dur = o->duration_s * 1000000ULL;
    size_t cap = 64, n = 0;
    struct job *jobs = malloc(cap * sizeof(*jobs));
    int rc = -1;
    if (jobs == NULL)
        goto out;
    for (int type = 0; type < J_BEHAVIOUR; type++) {
        if ((o->include & (1u << rates[type].kind)) == 0)
            continue;
        /* Expected count over the duration, with the fraction decided by the dice. */
        uint64_t x10 = rates[type].per_minute_x10 * o->duration_s / 60;
        uint64_t count = x10 / 10 + (rng_below(&r, 10) < x10 % 10 ? 1 : 0);
        for (uint64_t k = 0; k < count; k++) {
            if (n == cap) {
                struct job *nj = realloc(jobs, 2 * cap * sizeof(*jobs));
                if (nj == NULL)
                    goto out;
                jobs = nj;
                cap *= 2;
            }
            jobs[n] = (struct job){
                .t = o->start_us + rng_below(&r, dur), .rank = (uint32_t)n, .type = (uint16_t)type};
            n++;
        }
    }
    unsigned nb = 0;
    for (int b = 0; b < B_COUNT; b++)
        nb += (o->behaviours >> b) & 1u;
    unsigned k = 0;
    for (int b = 0; b < B_COUNT; b++) {
        if (((o->behaviours >> b) & 1u) == 0)
            continue;
        if (n == cap) {
            struct job *nj = realloc(jobs, 2 * cap * sizeof(*jobs));
            if (nj == NULL)
                goto out;
            jobs = nj;
            cap *= 2;
        }
        /* Spread over the capture, one after another, so each stands out on its own. */
        k++;
        jobs[n] = (struct job){.t = o->start_us + dur * k / (nb + 1) - dur / (4 * (nb + 1)),
                               .rank = (uint32_t)n,
                               .type = J_BEHAVIOUR,
                               .arg = (uint16_t)b};
        if (nb == 1 && o->include == 0)
            jobs[n].t = o->start_us + 1000000;
        n++;
    }
    rc = run_jobs(g, jobs, n, o->seed);
out:
    free(jobs);
    return rc;
}

/* ---- benchmark mode ---- */

/* One conversation of about budget frames. Returns nothing: the counters tell what happened. */
static void bench_flow(struct gen *g, struct rng *r, uint64_t t, uint64_t budget, bool exact)
{
    struct hospital *hp = g->hosp;
    if (exact || budget < 6) {
        if (!exact && budget <= 3 && rng_chance(r, 70)) {
            if (rng_chance(r, 60)) {
                g->kind = KIND_DNS;
                struct host *cli = pick(r, &hp->clients);
                struct host *s = pick(r, &hp->servers);
                dns_lookup(g, r, t, cli, s->fqdn, DNS_A, s->ip);
            } else {
                g->kind = KIND_NTP;
                ntp_sync(g, r, t, pick(r, &hp->clients));
            }
            return;
        }
        /* ICMP echo series: any number of frames, so the total can be met exactly. */
        g->kind = KIND_ICMP;
        uint64_t req = (budget + 1) / 2;
        icmp_ping(g, r, t, hp->nms, pick(r, &hp->clients), (unsigned)req, (unsigned)(budget - req));
        return;
    }
    unsigned what = (unsigned)rng_below(r, 100);
    if (what < 30) {
        g->kind = KIND_HL7;
        struct host *from[] = {hp->his,
                               hp->lis,
                               hp->ris,
                               hp->engine,
                               hp->monitor_gw,
                               hp->lab_devices.h[0],
                               hp->lab_devices.h[1],
                               hp->lab_devices.h[3]};
        struct host *s = from[rng_below(r, 8)];
        struct host *d = s == hp->engine ? hp->his : hp->engine;
        uint64_t n = (budget - 6) / 3;
        hl7_session(g, r, t, s, d, (enum hl7_msg)rng_below(r, 5),
                    (unsigned)(n < 1     ? 1
                               : n > 400 ? 400
                                         : n));
    } else if (what < 55) {
        g->kind = KIND_TLS;
        struct host *pc = pick(r, &hp->windows_pcs);
        struct host *srv = rng_chance(r, 70) ? hp->his : hp->ris;
        uint64_t n = budget > 14 ? (budget - 14) / 4 : 0;
        tls_session(g, r, t, pc, srv, 443, srv->fqdn, (unsigned)(n > 400 ? 400 : n));
    } else if (what < 75) {
        g->kind = KIND_DICOM;
        if (budget < 22) {
            struct host *m = pick(r, &hp->modalities);
            dicom_echo(g, r, t, m, m->ae, hp->pacs);
        } else if (budget < 40 || rng_chance(r, 30)) {
            struct host *v = pick(r, &hp->viewers);
            struct host *m = pick(r, &hp->modalities);
            if (rng_chance(r, 50))
                dicom_find(g, r, t, v, v->ae, hp->pacs, (unsigned)((budget - 16) / 2), false);
            else
                dicom_find(g, r, t, m, m->ae, hp->pacs, (unsigned)((budget - 16) / 2), false);
        } else {
            struct host *m = pick(r, &hp->modalities);
            /* 64x64 images: about 11 frames each with the ACKs and the response */
            uint64_t n = (budget - 16) / 11;
            dicom_store(g, r, t, m, m->ae, hp->pacs, hp->pacs->ae,
                        (unsigned)(n < 1     ? 1
                                   : n > 300 ? 300
                                             : n),
                        64);
        }
    } else if (what < 88) {
        g->kind = KIND_FHIR;
        struct host *c = rng_chance(r, 50) ? pick(r, &hp->ward_pcs) : pick(r, &hp->viewers);
        uint64_t n = (budget - 6) / 3;
        fhir_session(g, r, t, c, hp->fhir, (unsigned)(n < 1 ? 1 : n > 400 ? 400 : n));
    } else {
        g->kind = KIND_SMB;
        if (budget < 30) {
            g->kind = KIND_DNS;
            struct host *s = pick(r, &hp->servers);
            dns_lookup(g, r, t, pick(r, &hp->clients), s->fqdn, DNS_A, s->ip);
            return;
        }
        smb2_session(g, r, t, pick(r, &hp->windows_pcs), hp->filesrv,
                     (unsigned)(budget < 60 ? 0 : 1));
    }
}

int bench_run(struct gen *g, const struct options *o)
{
    struct rng base;
    rng_seed(&base, o->seed ^ 0x62656e6368ULL);
    uint64_t t = o->start_us;
    for (uint64_t i = 0; i < o->flows; i++) {
        uint64_t left_f = o->flows - i;
        uint64_t left_p = o->packets > g->total.packets ? o->packets - g->total.packets : 0;
        if (left_p == 0)
            break;
        uint64_t budget = left_p / left_f;
        if (budget == 0)
            budget = 1;
        /* Budgets vary around the mean so flows are not all alike. */
        if (budget > 12 && left_f > 1)
            budget = budget / 2 + rng_below(&base, budget);
        struct rng r;
        rng_fork(&r, &base, i);
        pcap_out_release(g->out, t);
        bench_flow(g, &r, t, left_f == 1 ? left_p : budget, left_f == 1);
        if (g->err != 0)
            return -1;
        t += 1 + rng_below(&base, 6000); /* about 330 new conversations a second */
    }
    return 0;
}
