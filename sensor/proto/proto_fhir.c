/*
 * FHIR RESTful API over HTTP/1.1.
 *
 * References: HL7 FHIR R4 (4.0.1) RESTful API (http.html: the
 * interactions and their URL patterns, section 3.1.0.1.1), resource list
 * (resourcelist.html); RFC 9110 (HTTP semantics: methods, status codes,
 * Content-Type, Authorization) and RFC 9112 (HTTP/1.1 message syntax,
 * message body length section 6.3, chunked transfer coding section 7.1).
 *
 *   request-line  = method SP request-target SP HTTP-version CRLF
 *   status-line   = HTTP-version SP status-code SP [ reason-phrase ] CRLF
 *   *( field-line CRLF ) CRLF [ message-body ]
 *
 *   [base]/[type]                GET search, POST create, PUT/PATCH/DELETE conditional
 *   [base]/[type]/[id]           GET read, PUT update, PATCH patch, DELETE delete
 *   [base]/[type]/[id]/_history/[vid]   GET vread      .../_history  GET history
 *   [base]/[type]/_search        POST search           [base]/metadata  GET capabilities
 *   [base]/[type]/[id]/[type2]   GET compartment search
 *   [base]/$op, [base]/[type]/$op, [base]/[type]/[id]/$op          operation
 *   [base]                       POST batch/transaction
 *
 * Heads are parsed whole (bounded); bodies are skipped by length or by
 * chunk without being read.
 */
#include "proto/proto_fhir.h"

#include <ctype.h>
#include <string.h>

#define FHIR_HEAD_MAX 16384u /* request or status line and fields */
#define FHIR_LINE_MAX 1024u  /* a chunk-size or trailer line */
#define FHIR_MAX_PENDING 8   /* pipelined requests waiting for responses */

enum fhir_phase {
    FHIR_PH_HEAD,
    FHIR_PH_BODY, /* body of known length */
    FHIR_PH_CHUNK_SIZE,
    FHIR_PH_CHUNK_DATA,
    FHIR_PH_CHUNK_END, /* the CRLF after a chunk */
    FHIR_PH_TRAILER,
    FHIR_PH_UNTIL_CLOSE, /* response body delimited by the end of the connection */
};

struct fhir_dir {
    uint8_t phase;
    uint64_t left;
};

struct fhir_state {
    struct fhir_dir d[2];
    uint8_t n;
    bool err;
    struct fhir_tx_event q[FHIR_MAX_PENDING]; /* requests in order, oldest first */
};

/* FHIR R4 resource types (resourcelist.html). */
static const char *const fhir_types[] = {
    "Account",
    "ActivityDefinition",
    "AdverseEvent",
    "AllergyIntolerance",
    "Appointment",
    "AppointmentResponse",
    "AuditEvent",
    "Basic",
    "Binary",
    "BiologicallyDerivedProduct",
    "BodyStructure",
    "Bundle",
    "CapabilityStatement",
    "CarePlan",
    "CareTeam",
    "CatalogEntry",
    "ChargeItem",
    "ChargeItemDefinition",
    "Claim",
    "ClaimResponse",
    "ClinicalImpression",
    "CodeSystem",
    "Communication",
    "CommunicationRequest",
    "CompartmentDefinition",
    "Composition",
    "ConceptMap",
    "Condition",
    "Consent",
    "Contract",
    "Coverage",
    "CoverageEligibilityRequest",
    "CoverageEligibilityResponse",
    "DetectedIssue",
    "Device",
    "DeviceDefinition",
    "DeviceMetric",
    "DeviceRequest",
    "DeviceUseStatement",
    "DiagnosticReport",
    "DocumentManifest",
    "DocumentReference",
    "EffectEvidenceSynthesis",
    "Encounter",
    "Endpoint",
    "EnrollmentRequest",
    "EnrollmentResponse",
    "EpisodeOfCare",
    "EventDefinition",
    "Evidence",
    "EvidenceVariable",
    "ExampleScenario",
    "ExplanationOfBenefit",
    "FamilyMemberHistory",
    "Flag",
    "Goal",
    "GraphDefinition",
    "Group",
    "GuidanceResponse",
    "HealthcareService",
    "ImagingStudy",
    "Immunization",
    "ImmunizationEvaluation",
    "ImmunizationRecommendation",
    "ImplementationGuide",
    "InsurancePlan",
    "Invoice",
    "Library",
    "Linkage",
    "List",
    "Location",
    "Measure",
    "MeasureReport",
    "Media",
    "Medication",
    "MedicationAdministration",
    "MedicationDispense",
    "MedicationKnowledge",
    "MedicationRequest",
    "MedicationStatement",
    "MedicinalProduct",
    "MedicinalProductAuthorization",
    "MedicinalProductContraindication",
    "MedicinalProductIndication",
    "MedicinalProductIngredient",
    "MedicinalProductInteraction",
    "MedicinalProductManufactured",
    "MedicinalProductPackaged",
    "MedicinalProductPharmaceutical",
    "MedicinalProductUndesirableEffect",
    "MessageDefinition",
    "MessageHeader",
    "MolecularSequence",
    "NamingSystem",
    "NutritionOrder",
    "Observation",
    "ObservationDefinition",
    "OperationDefinition",
    "OperationOutcome",
    "Organization",
    "OrganizationAffiliation",
    "Parameters",
    "Patient",
    "PaymentNotice",
    "PaymentReconciliation",
    "Person",
    "PlanDefinition",
    "Practitioner",
    "PractitionerRole",
    "Procedure",
    "Provenance",
    "Questionnaire",
    "QuestionnaireResponse",
    "RelatedPerson",
    "RequestGroup",
    "ResearchDefinition",
    "ResearchElementDefinition",
    "ResearchStudy",
    "ResearchSubject",
    "RiskAssessment",
    "RiskEvidenceSynthesis",
    "Schedule",
    "SearchParameter",
    "ServiceRequest",
    "Slot",
    "Specimen",
    "SpecimenDefinition",
    "StructureDefinition",
    "StructureMap",
    "Subscription",
    "Substance",
    "SubstanceNucleicAcid",
    "SubstancePolymer",
    "SubstanceProtein",
    "SubstanceReferenceInformation",
    "SubstanceSourceMaterial",
    "SubstanceSpecification",
    "SupplyDelivery",
    "SupplyRequest",
    "Task",
    "TerminologyCapabilities",
    "TestReport",
    "TestScript",
    "ValueSet",
    "VerificationResult",
    "VisionPrescription",
};

static bool fhir_is_type(const char *s, size_t n)
{
    if (n == 0 || n >= 40 || s[0] < 'A' || s[0] > 'Z')
        return false;
    for (size_t i = 0; i < sizeof fhir_types / sizeof fhir_types[0]; i++) {
        if (strlen(fhir_types[i]) == n && memcmp(fhir_types[i], s, n) == 0)
            return true;
    }
    return false;
}

static void fhir_copy(char *dst, size_t cap, const char *s, size_t n)
{
    if (n > cap - 1)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static bool fhir_seg_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool fhir_contains_ci(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    for (size_t i = 0; i + m <= n; i++) {
        if (strncasecmp(s + i, lit, m) == 0)
            return true;
    }
    return false;
}

#define FHIR_MAX_SEGS 12

/* Reads the interaction out of a request target (query string cut off
 * first). Only names from the FHIR grammar are copied, never an id. */
static void fhir_target(struct fhir_tx_event *t, const char *p, size_t n)
{
    const char *q = memchr(p, '?', n);
    if (q) {
        t->has_query = true;
        n = (size_t)(q - p);
    }
    const char *h = memchr(p, '#', n);
    if (h)
        n = (size_t)(h - p);
    /* absolute-form (through a proxy): drop scheme and authority */
    if (n > 7 && (strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0)) {
        const char *s = memchr(p + 8, '/', n - 8);
        if (!s)
            return;
        n -= (size_t)(s - p);
        p = s;
    }
    const char *seg[FHIR_MAX_SEGS];
    size_t len[FHIR_MAX_SEGS];
    size_t ns = 0;
    for (size_t i = 0; i < n && ns < FHIR_MAX_SEGS;) {
        while (i < n && p[i] == '/')
            i++;
        if (i >= n)
            break;
        size_t s = i;
        while (i < n && p[i] != '/')
            i++;
        seg[ns] = p + s;
        len[ns] = i - s;
        ns++;
    }
    bool fhir_base = fhir_contains_ci(p, n, "fhir");
    const char *m = t->method;
    bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    bool post = strcmp(m, "POST") == 0, put = strcmp(m, "PUT") == 0;
    bool patch = strcmp(m, "PATCH") == 0, del = strcmp(m, "DELETE") == 0;

    size_t ti = 0;
    while (ti < ns && !fhir_is_type(seg[ti], len[ti]))
        ti++;
    const char *ia = NULL;
    if (ti < ns) {
        t->fhir = true;
        fhir_copy(t->resource_type, sizeof t->resource_type, seg[ti], len[ti]);
        size_t r = ns - ti - 1;
        const char *r0 = r > 0 ? seg[ti + 1] : NULL;
        size_t l0 = r > 0 ? len[ti + 1] : 0;
        if (r == 0) {
            ia = get     ? "search"
                 : post  ? "create"
                 : put   ? "update"
                 : patch ? "patch"
                 : del   ? "delete"
                         : NULL;
        } else if (fhir_seg_is(r0, l0, "_search")) {
            ia = "search";
        } else if (fhir_seg_is(r0, l0, "_history")) {
            ia = "history";
        } else if (r0[0] == '$') {
            ia = "operation";
            fhir_copy(t->operation, sizeof t->operation, r0, l0);
        } else {
            t->instance = true;
            const char *r1 = r > 1 ? seg[ti + 2] : NULL;
            size_t l1 = r > 1 ? len[ti + 2] : 0;
            if (!r1) {
                ia = get ? "read" : put ? "update" : patch ? "patch" : del ? "delete" : NULL;
            } else if (fhir_seg_is(r1, l1, "_history")) {
                ia = r > 2 ? "vread" : "history";
            } else if (r1[0] == '$') {
                ia = "operation";
                fhir_copy(t->operation, sizeof t->operation, r1, l1);
            } else if (fhir_is_type(r1, l1)) {
                ia = "search";
                memcpy(t->compartment, t->resource_type, sizeof t->compartment);
                fhir_copy(t->resource_type, sizeof t->resource_type, r1, l1);
                t->instance = false;
            }
        }
    } else if (ns > 0 && fhir_seg_is(seg[ns - 1], len[ns - 1], "metadata")) {
        t->fhir = fhir_base;
        ia = "capabilities";
    } else if (ns > 0 && seg[ns - 1][0] == '$') {
        t->fhir = fhir_base;
        ia = "operation";
        fhir_copy(t->operation, sizeof t->operation, seg[ns - 1], len[ns - 1]);
    } else if (ns > 0 && fhir_seg_is(seg[ns - 1], len[ns - 1], "_history")) {
        t->fhir = fhir_base;
        ia = "history";
    } else if (fhir_base) {
        t->fhir = true;
        ia = post ? "batch" : get ? "search" : NULL;
    }
    fhir_copy(t->interaction, sizeof t->interaction, ia ? ia : "unknown",
              strlen(ia ? ia : "unknown"));
}

/* Media type without parameters, lowercased. */
static void fhir_media_type(char *dst, size_t cap, const char *v, size_t n)
{
    const char *semi = memchr(v, ';', n);
    if (semi)
        n = (size_t)(semi - v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n > cap - 1)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)tolower((unsigned char)v[i]);
    dst[n] = '\0';
}

static bool fhir_media_is_fhir(const char *s)
{
    return strncmp(s, "application/fhir+", 17) == 0 || strstr(s, "fhir") != NULL;
}

struct fhir_head {
    bool chunked;
    bool has_length;
    uint64_t length;
};

/* One field line: name ":" OWS value OWS. */
static void fhir_field(struct fhir_tx_event *t, bool request, struct fhir_head *h, const char *p,
                       size_t n)
{
    const char *colon = memchr(p, ':', n);
    if (!colon)
        return;
    size_t nl = (size_t)(colon - p);
    const char *v = colon + 1;
    size_t vl = n - nl - 1;
    while (vl > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
        vl--;
#define FIELD_IS(lit) (nl == sizeof(lit) - 1 && strncasecmp(p, lit, nl) == 0)
    if (FIELD_IS("content-length")) {
        uint64_t x = 0;
        bool ok = vl > 0;
        for (size_t i = 0; i < vl && ok; i++) {
            if (v[i] < '0' || v[i] > '9' || x > (UINT64_MAX - 9) / 10)
                ok = false;
            else
                x = x * 10 + (uint64_t)(v[i] - '0');
        }
        if (ok) {
            h->has_length = true;
            h->length = x;
        }
    } else if (FIELD_IS("transfer-encoding")) {
        if (fhir_contains_ci(v, vl, "chunked"))
            h->chunked = true;
    } else if (FIELD_IS("content-type")) {
        if (request)
            fhir_media_type(t->request_content_type, sizeof t->request_content_type, v, vl);
        else
            fhir_media_type(t->response_content_type, sizeof t->response_content_type, v, vl);
    } else if (request && FIELD_IS("accept")) {
        fhir_media_type(t->accept, sizeof t->accept, v, vl);
    } else if (request && FIELD_IS("authorization")) {
        /* The scheme only: the credentials stop here. */
        size_t k = 0;
        while (k < vl && v[k] != ' ')
            k++;
        fhir_copy(t->auth_scheme, sizeof t->auth_scheme, v, k);
    } else if (request && FIELD_IS("host")) {
        fhir_copy(t->host, sizeof t->host, v, vl);
    } else if (request && FIELD_IS("user-agent")) {
        fhir_copy(t->user_agent, sizeof t->user_agent, v, vl);
    }
#undef FIELD_IS
}

/* The end of the head (after its empty line), or 0 if not in p. */
static size_t fhir_head_end(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] != '\n')
            continue;
        if (p[i + 1] == '\n')
            return i + 2;
        if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static bool fhir_token_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

static void fhir_emit(struct proto_call *c, const struct fhir_tx_event *t)
{
    if (t->fhir)
        c->emit(c, FHIR_EV_TRANSACTION, t->ts_us, t);
}

static void fhir_pop(struct fhir_state *s, struct proto_call *c)
{
    fhir_emit(c, &s->q[0]);
    memmove(&s->q[0], &s->q[1], (size_t)(s->n - 1) * sizeof s->q[0]);
    s->n--;
}

/* Sets the phase after a head: a body of known length, chunks, until
 * close, or none. */
static void fhir_body(struct fhir_dir *d, const struct fhir_head *h, bool until_close)
{
    if (h->chunked) {
        d->phase = FHIR_PH_CHUNK_SIZE;
    } else if (h->has_length && h->length > 0) {
        d->phase = FHIR_PH_BODY;
        d->left = h->length;
    } else if (!h->has_length && until_close) {
        d->phase = FHIR_PH_UNTIL_CLOSE;
    } else {
        d->phase = FHIR_PH_HEAD;
    }
}

static int64_t fhir_parse_head(struct fhir_state *s, struct proto_call *c, const uint8_t *p,
                               size_t len)
{
    struct fhir_dir *d = &s->d[c->dir];
    /* Blank lines between messages are allowed (RFC 9112 2.2). */
    if (p[0] == '\r' || p[0] == '\n')
        return 1;
    size_t end = fhir_head_end(p, len);
    if (end == 0)
        return len >= FHIR_HEAD_MAX ? PROTO_ERROR : PROTO_NEED_MORE;
    const char *h = (const char *)p;
    const char *eol = memchr(h, '\n', end);
    size_t l0 = (size_t)(eol - h);
    struct fhir_head hd = {0};

    if (c->dir == DIR_TOSERVER) {
        struct fhir_tx_event t;
        memset(&t, 0, sizeof t);
        t.ts_us = c->ts_us;
        size_t k = 0;
        while (k < l0 && fhir_token_char(p[k]))
            k++;
        if (k == 0 || k >= sizeof t.method || k >= l0 || p[k] != ' ')
            return PROTO_ERROR;
        fhir_copy(t.method, sizeof t.method, h, k);
        t.head = strcmp(t.method, "HEAD") == 0;
        const char *tg = h + k + 1;
        const char *sp = memchr(tg, ' ', l0 - k - 1);
        if (!sp)
            return PROTO_ERROR;
        const char *line = eol + 1;
        while (line < h + end) {
            const char *e = memchr(line, '\n', (size_t)(h + end - line));
            size_t n = (size_t)(e - line);
            if (n > 0 && line[n - 1] == '\r')
                n--;
            fhir_field(&t, true, &hd, line, n);
            line = e + 1;
        }
        fhir_target(&t, tg, (size_t)(sp - tg));
        if (!t.fhir && (fhir_media_is_fhir(t.request_content_type) || fhir_media_is_fhir(t.accept)))
            t.fhir = true;
        t.request_body = hd.has_length ? hd.length : 0;
        if (s->n == FHIR_MAX_PENDING)
            fhir_pop(s, c); /* never answered: written without a response */
        s->q[s->n++] = t;
        fhir_body(d, &hd, false);
        return (int64_t)end;
    }

    /* A response: status-line = HTTP-version SP 3DIGIT ... */
    if (l0 < 12 || memcmp(h, "HTTP/", 5) != 0)
        return PROTO_ERROR;
    const char *sp = memchr(h, ' ', l0);
    if (!sp || (size_t)(sp - h) + 4 > l0 || !isdigit((unsigned char)sp[1]) ||
        !isdigit((unsigned char)sp[2]) || !isdigit((unsigned char)sp[3]))
        return PROTO_ERROR;
    uint16_t status = (uint16_t)((sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0'));
    struct fhir_tx_event scratch;
    memset(&scratch, 0, sizeof scratch);
    /* A response without a request seen (picked up mid-stream) is read
     * for its length only. */
    struct fhir_tx_event *t = s->n ? &s->q[0] : &scratch;
    const char *line = eol + 1;
    while (line < h + end) {
        const char *e = memchr(line, '\n', (size_t)(h + end - line));
        size_t n = (size_t)(e - line);
        if (n > 0 && line[n - 1] == '\r')
            n--;
        fhir_field(t, false, &hd, line, n);
        line = e + 1;
    }
    if (status >= 100 && status < 200) {
        d->phase = FHIR_PH_HEAD; /* interim: the final response follows */
        return (int64_t)end;
    }
    bool no_body = (t == &s->q[0] && t->head) || status == 204 || status == 304;
    if (no_body)
        d->phase = FHIR_PH_HEAD;
    else
        fhir_body(d, &hd, true);
    if (t == &scratch)
        return (int64_t)end;
    t->has_response = true;
    t->status = status;
    t->rsp_ts_us = c->ts_us;
    t->response_body = no_body ? 0 : hd.has_length ? hd.length : 0;
    if (!t->fhir && fhir_media_is_fhir(t->response_content_type))
        t->fhir = true;
    fhir_pop(s, c);
    return (int64_t)end;
}

static int64_t fhir_parse(void *state, struct proto_call *c, const uint8_t *p, size_t len)
{
    struct fhir_state *s = state;
    struct fhir_dir *d = &s->d[c->dir];
    if (s->err)
        return PROTO_ERROR;
    if (len == 0)
        return PROTO_NEED_MORE;

    switch (d->phase) {
    case FHIR_PH_HEAD: {
        int64_t r = fhir_parse_head(s, c, p, len);
        if (r == PROTO_ERROR)
            s->err = true;
        return r;
    }
    case FHIR_PH_BODY: {
        size_t n = len < d->left ? len : (size_t)d->left;
        d->left -= n;
        if (d->left == 0)
            d->phase = FHIR_PH_HEAD;
        return (int64_t)n;
    }
    case FHIR_PH_UNTIL_CLOSE:
        return (int64_t)len;
    case FHIR_PH_CHUNK_SIZE:
    case FHIR_PH_TRAILER: {
        const uint8_t *nl = memchr(p, '\n', len);
        if (!nl) {
            if (len >= FHIR_LINE_MAX) {
                s->err = true;
                return PROTO_ERROR;
            }
            return PROTO_NEED_MORE;
        }
        size_t n = (size_t)(nl - p) + 1;
        if (d->phase == FHIR_PH_TRAILER) {
            if (n <= 2 && (p[0] == '\n' || p[0] == '\r'))
                d->phase = FHIR_PH_HEAD;
            return (int64_t)n;
        }
        uint64_t size = 0;
        size_t k = 0;
        for (; k < n && isxdigit(p[k]); k++) {
            if (size >> 56) {
                s->err = true;
                return PROTO_ERROR;
            }
            size = size * 16 + (uint64_t)(isdigit(p[k]) ? p[k] - '0' : (tolower(p[k]) - 'a' + 10));
        }
        if (k == 0) {
            s->err = true;
            return PROTO_ERROR;
        }
        if (size == 0) {
            d->phase = FHIR_PH_TRAILER;
        } else {
            d->phase = FHIR_PH_CHUNK_DATA;
            d->left = size;
        }
        return (int64_t)n;
    }
    case FHIR_PH_CHUNK_DATA: {
        size_t n = len < d->left ? len : (size_t)d->left;
        d->left -= n;
        if (d->left == 0)
            d->phase = FHIR_PH_CHUNK_END;
        return (int64_t)n;
    }
    case FHIR_PH_CHUNK_END:
        if (p[0] == '\n') {
            d->phase = FHIR_PH_CHUNK_SIZE;
            return 1;
        }
        if (len < 2)
            return PROTO_NEED_MORE;
        if (p[0] != '\r' || p[1] != '\n') {
            s->err = true;
            return PROTO_ERROR;
        }
        d->phase = FHIR_PH_CHUNK_SIZE;
        return 2;
    default:
        s->err = true;
        return PROTO_ERROR;
    }
}

static int fhir_gap(void *state, struct proto_call *c, size_t len)
{
    struct fhir_state *s = state;
    struct fhir_dir *d = &s->d[c->dir];
    /* Inside a body of known length the next head is still where the
     * length says; anywhere else the message boundaries are lost. */
    if ((d->phase == FHIR_PH_BODY && len < d->left) ||
        (d->phase == FHIR_PH_CHUNK_DATA && len < d->left)) {
        d->left -= len;
        return 0;
    }
    if (d->phase == FHIR_PH_UNTIL_CLOSE)
        return 0;
    s->err = true;
    return PROTO_ERROR;
}

static void fhir_end(void *state, struct proto_call *c)
{
    struct fhir_state *s = state;
    while (s->n)
        fhir_pop(s, c);
}

static enum proto_probe_result fhir_probe(const uint8_t *p, size_t len, enum flow_dir dir)
{
    static const char *const methods[] = {"GET ",   "POST ", "PUT ",    "DELETE ",
                                          "PATCH ", "HEAD ", "OPTIONS "};
    const char *s = (const char *)p;
    size_t scan = len < 2048 ? len : 2048;
    if (dir == DIR_TOCLIENT) {
        if (len < 5)
            return memcmp(p, "HTTP/", len) == 0 ? PROBE_MAYBE : PROBE_NO;
        if (memcmp(p, "HTTP/", 5) != 0)
            return PROBE_NO;
        if (fhir_contains_ci(s, scan, "application/fhir+"))
            return PROBE_YES;
        return fhir_head_end(p, len) ? PROBE_NO : PROBE_MAYBE;
    }
    size_t k = 0;
    for (; k < sizeof methods / sizeof methods[0]; k++) {
        size_t m = strlen(methods[k]);
        size_t n = len < m ? len : m;
        if (memcmp(p, methods[k], n) == 0) {
            if (len < m)
                return PROBE_MAYBE;
            break;
        }
    }
    if (k == sizeof methods / sizeof methods[0])
        return PROBE_NO;
    const uint8_t *eol = memchr(p, '\n', scan);
    if (eol) {
        /* The request line: a FHIR base or a resource type in the path. */
        struct fhir_tx_event t;
        memset(&t, 0, sizeof t);
        size_t ml = strlen(methods[k]) - 1;
        memcpy(t.method, p, ml);
        const char *tg = s + ml + 1;
        const char *sp = memchr(tg, ' ', (size_t)((const char *)eol - tg));
        if (sp) {
            fhir_target(&t, tg, (size_t)(sp - tg));
            if (t.fhir)
                return PROBE_YES;
        }
    }
    if (fhir_contains_ci(s, scan, "application/fhir+"))
        return PROBE_YES;
    return eol && fhir_head_end(p, len) ? PROBE_NO : PROBE_MAYBE;
}

static void fhir_format(struct json_buf *b, unsigned kind, const void *event)
{
    (void)kind;
    const struct fhir_tx_event *t = event;
    json_open_object(b, "fhir");
    json_string(b, "method", t->method);
    if (t->resource_type[0])
        json_string(b, "resource_type", t->resource_type);
    if (t->compartment[0])
        json_string(b, "compartment", t->compartment);
    json_string(b, "interaction", t->interaction);
    if (t->operation[0])
        json_string(b, "operation", t->operation);
    json_bool(b, "instance", t->instance);
    json_bool(b, "query", t->has_query);
    if (t->has_response)
        json_uint(b, "status", t->status);
    if (t->request_content_type[0])
        json_string(b, "request_content_type", t->request_content_type);
    if (t->response_content_type[0])
        json_string(b, "response_content_type", t->response_content_type);
    if (t->accept[0])
        json_string(b, "accept", t->accept);
    const char *ct = t->response_content_type[0]  ? t->response_content_type
                     : t->request_content_type[0] ? t->request_content_type
                                                  : t->accept;
    json_string(b, "format", strstr(ct, "json") ? "json" : strstr(ct, "xml") ? "xml" : "unknown");
    if (t->host[0])
        json_string(b, "hostname", t->host);
    if (t->user_agent[0])
        json_string(b, "user_agent", t->user_agent);
    json_uint(b, "request_body_bytes", t->request_body);
    json_uint(b, "response_body_bytes", t->response_body);
    if (t->auth_scheme[0])
        json_string(b, "authorization", t->auth_scheme);
    /* Plain HTTP: any credentials sent crossed in cleartext. */
    json_bool(b, "cleartext_credentials", t->auth_scheme[0] != '\0');
    json_bool(b, "cleartext", true);
    json_close_object(b);
}

const struct proto_parser proto_fhir = {
    .name = "fhir",
    .ports = {8080, 80, 0, 0},
    .ndpi_name = "HTTP",
    .probe_packets = 4,
    .state_size = sizeof(struct fhir_state),
    .max_buffer = FHIR_HEAD_MAX,
    .logged_kinds = 1u << FHIR_EV_TRANSACTION,
    .probe = fhir_probe,
    .parse = fhir_parse,
    .gap = fhir_gap,
    .end = fhir_end,
    .format = fhir_format,
};
