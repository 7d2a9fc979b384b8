/* FHIR REST over HTTP/1.1: HL7 FHIR R4 RESTful API (http.html: read, search, create),
 * RFC 9110 and RFC 9112 (HTTP/1.1 messages, persistent connections), media type
 * application/fhir+json. Resources carry only fake patients (DEMO^PATIENTnnn).
 *
 *   GET /fhir/Patient?identifier=...  --->   200 OK, Bundle (searchset)
 *   POST /fhir/Observation {...}      --->   201 Created, Location: .../_history/1
 */
#include "proto.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "net.h"

static size_t response(char *out, size_t cap, const char *status, uint64_t t, const char *location,
                       const char *body)
{
    char date[30], loc[160] = "";
    fmt_http_date(t, date);
    if (location != NULL)
        snprintf(loc, sizeof(loc), "Location: %s\r\n", location);
    int n = snprintf(out, cap,
                     "HTTP/1.1 %s\r\nDate: %s\r\nServer: FHIR-Server/6.4\r\n%s"
                     "Content-Type: application/fhir+json;charset=UTF-8\r\nContent-Length: %zu\r\n"
                     "\r\n%s",
                     status, date, loc, strlen(body), body);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

uint64_t fhir_session(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *srv,
                      unsigned requests)
{
    struct tcp_conv c;
    tcp_open(&c, g, r, cli, srv, FHIR_PORT, t);
    char req[2048], body[1536], rsp[2560], loc[128];
    for (unsigned i = 0; i < requests; i++) {
        unsigned p = (unsigned)rng_below(r, GEN_PATIENTS);
        char pid[16], pname[24];
        gen_patient_id(p, pid);
        gen_patient_name(p, pname);
        char *caret = strchr(pname, '^');
        if (caret != NULL)
            *caret = '\0';
        const char *given = caret != NULL ? caret + 1 : "";
        unsigned rid = 1000 + p;
        int n;
        if (rng_chance(r, 60)) {
            n = snprintf(req, sizeof(req),
                         "GET /fhir/Patient?identifier=urn:oid:1.2.392.100495.20.3.51.1%%7C%s "
                         "HTTP/1.1\r\nHost: %s:%u\r\nAccept: application/fhir+json\r\n"
                         "User-Agent: EHR-Client/3.2\r\nConnection: keep-alive\r\n\r\n",
                         pid, srv->fqdn, FHIR_PORT);
            tcp_send(&c, 0, (const uint8_t *)req, (size_t)n);
            tcp_think(&c, rng_range(r, 2000, 15000));
            snprintf(body, sizeof(body),
                     "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":1,\"entry\":"
                     "[{\"fullUrl\":\"http://%s:%u/fhir/Patient/%u\",\"resource\":{"
                     "\"resourceType\":\"Patient\",\"id\":\"%u\",\"identifier\":[{\"system\":"
                     "\"urn:oid:1.2.392.100495.20.3.51.1\",\"value\":\"%s\"}],\"name\":[{"
                     "\"family\":\"%s\",\"given\":[\"%s\"]}],\"gender\":\"%s\",\"birthDate\":"
                     "\"1970-01-01\"}}]}",
                     srv->fqdn, FHIR_PORT, rid, rid, pid, pname, given, p % 2 ? "female" : "male");
            size_t rn = response(rsp, sizeof(rsp), "200 OK", c.t, NULL, body);
            tcp_send(&c, 1, (const uint8_t *)rsp, rn);
        } else {
            unsigned oid = 20000 + (unsigned)rng_below(r, 80000);
            unsigned hr = 60 + (unsigned)rng_below(r, 40);
            int bn = snprintf(body, sizeof(body),
                              "{\"resourceType\":\"Observation\",\"status\":\"final\","
                              "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7."
                              "org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
                              "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":"
                              "\"8867-4\",\"display\":\"Heart rate\"}]},\"subject\":{"
                              "\"reference\":\"Patient/%u\"},\"valueQuantity\":{\"value\":%u,"
                              "\"unit\":\"beats/minute\",\"system\":\"http://unitsofmeasure.org\","
                              "\"code\":\"/min\"}}",
                              rid, hr);
            n = snprintf(req, sizeof(req),
                         "POST /fhir/Observation HTTP/1.1\r\nHost: %s:%u\r\n"
                         "Content-Type: application/fhir+json\r\nAccept: application/fhir+json\r\n"
                         "User-Agent: EHR-Client/3.2\r\nContent-Length: %d\r\n\r\n%s",
                         srv->fqdn, FHIR_PORT, bn, body);
            tcp_send(&c, 0, (const uint8_t *)req, (size_t)n);
            tcp_think(&c, rng_range(r, 3000, 20000));
            snprintf(loc, sizeof(loc), "http://%s:%u/fhir/Observation/%u/_history/1", srv->fqdn,
                     FHIR_PORT, oid);
            char created[1700];
            /* The created resource: the posted one with its new id and version. */
            static const char head[] = "{\"resourceType\":\"Observation\",";
            snprintf(created, sizeof(created), "%s\"id\":\"%u\",\"meta\":{\"versionId\":\"1\"},%s",
                     head, oid, body + sizeof(head) - 1);
            size_t rn = response(rsp, sizeof(rsp), "201 Created", c.t, loc, created);
            tcp_send(&c, 1, (const uint8_t *)rsp, rn);
        }
        tcp_think(&c, rng_range(r, 20000, 2000000));
    }
    tcp_close(&c, 0);
    return c.t;
}

uint64_t fhir_basic_search(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                           struct host *srv, unsigned requests)
{
    struct tcp_conv c;
    tcp_open(&c, g, r, cli, srv, FHIR_PORT, t);
    char req[1024], body[512], rsp[1024];
    for (unsigned i = 0; i < requests; i++) {
        /* A reporting script's export: final observations of one day, with the account
         * "labreport:demo-secret" in every request. */
        int n = snprintf(req, sizeof(req),
                         "GET /fhir/Observation?status=final&date=2026-01-1%u&_count=50 "
                         "HTTP/1.1\r\nHost: %s:%u\r\nAccept: application/fhir+json\r\n"
                         "Authorization: Basic bGFicmVwb3J0OmRlbW8tc2VjcmV0\r\n"
                         "User-Agent: python-requests/2.28.1\r\nConnection: keep-alive\r\n\r\n",
                         4 + i % 5, srv->fqdn, FHIR_PORT);
        tcp_send(&c, 0, (const uint8_t *)req, (size_t)n);
        tcp_think(&c, rng_range(r, 5000, 40000));
        snprintf(body, sizeof(body),
                 "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":0,\"link\":[{"
                 "\"relation\":\"self\",\"url\":\"http://%s:%u/fhir/Observation?status=final\"}]}",
                 srv->fqdn, FHIR_PORT);
        size_t rn = response(rsp, sizeof(rsp), "200 OK", c.t, NULL, body);
        tcp_send(&c, 1, (const uint8_t *)rsp, rn);
        tcp_think(&c, rng_range(r, 200000, 1500000));
    }
    tcp_close(&c, 0);
    return c.t;
}
