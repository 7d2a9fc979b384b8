/*
 * FHIR R4 RESTful API over HTTP/1.x: one `fhir` record per transaction
 * (request and its response).
 *
 * A request is reported as its resource type and interaction
 * ("Patient", "read"), never its literal path: the id, the query string
 * and the bodies are not kept, as they carry patient identifiers. Of the
 * Authorization header only the scheme is kept, to say that credentials
 * crossed in cleartext.
 */
#ifndef MAMORI_PROTO_PROTO_FHIR_H
#define MAMORI_PROTO_PROTO_FHIR_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/proto.h"

enum fhir_event_kind {
    FHIR_EV_TRANSACTION = 0, /* struct fhir_tx_event: written as a record */
};

struct fhir_tx_event {
    uint64_t ts_us, rsp_ts_us;
    bool fhir; /* the request is a FHIR interaction (else not reported) */
    bool has_response;
    bool instance;  /* the path named one resource (its id is not kept) */
    bool has_query; /* a query string was present (not kept) */
    bool head;      /* HEAD: the response has no body */
    uint16_t status;
    char method[12];
    char resource_type[40];
    char compartment[40]; /* Patient/x/Observation: "Patient" */
    char interaction[16]; /* read, vread, update, patch, delete, history, create,
                           * search, capabilities, batch, operation */
    char operation[40];   /* "$everything", "$validate", ... */
    char request_content_type[48], response_content_type[48], accept[48];
    char auth_scheme[16]; /* "Basic", "Bearer", ...: the credentials are not kept */
    char host[64];
    char user_agent[64];
    uint64_t request_body, response_body;
};

extern const struct proto_parser proto_fhir;

#endif
