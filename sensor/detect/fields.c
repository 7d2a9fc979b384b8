#include "detect/fields.h"

#include <ctype.h>
#include <string.h>

#define T_ALL EVT_ALL
#define T_FLOW EVT_BIT(EVENT_FLOW)
#define T_DICOM EVT_BIT(EVENT_DICOM)
#define T_HL7 EVT_BIT(EVENT_HL7)
#define T_FHIR EVT_BIT(EVENT_FHIR)
#define T_ASSET EVT_BIT(EVENT_ASSET)
#define T_SMB EVT_BIT(EVENT_SMB)
/* The addresses and ports of the conversation are on every event but
 * the asset's, which names one device (src_ip). */
#define T_CONV (T_FLOW | T_DICOM | T_HL7 | T_FHIR | T_SMB)

static const char *const asset_events[] = {
    "new", "unregistered", "retired", "identity_changed", "protocol_violation", "vulnerable", NULL};
static const char *const flow_states[] = {"new", "established", "closed", NULL};
static const char *const flow_reasons[] = {"end", "timeout", "evicted", "shutdown", NULL};
static const char *const ndpi_confidences[] = {"unknown",           "match-by-port",  "dpi-partial",
                                               "dpi-partial-cache", "dpi-cache",      "dpi",
                                               "match-by-ip",       "dpi-aggressive", NULL};
static const char *const ndpi_severities[] = {"none", "low", "medium", "high", "severe", NULL};
/* The words of the dicom record (proto_dicom.c), so a rule reads like
 * the record it matches. */
static const char *const dicom_results[] = {"accepted", "rejected", "aborted", "no-answer", NULL};
static const char *const dicom_ends[] = {"release",   "reject", "abort", "connection",
                                         "malformed", "gap",    "open",  NULL};
static const char *const dicom_commands[] = {
    "C-STORE",  "C-GET",    "C-FIND",   "C-MOVE",   "C-ECHO", "N-EVENT-REPORT", "N-GET", "N-SET",
    "N-ACTION", "N-CREATE", "N-DELETE", "C-CANCEL", NULL};
static const char *const dicom_identities[] = {
    "none", "username", "username_and_passcode", "kerberos", "saml", "jwt", NULL};
static const char *const hl7_acks[] = {"AA", "AE", "AR", "CA", "CE", "CR", NULL};
static const char *const fhir_interactions[] = {"read",         "vread",   "update",    "patch",
                                                "delete",       "history", "create",    "search",
                                                "capabilities", "batch",   "operation", NULL};

static const struct field_def fields[F_COUNT] = {
    [F_SRC_IP] = {"src_ip", EVK_IP, T_ALL, NULL, "the client (the device, for asset events)"},
    [F_DEST_IP] = {"dest_ip", EVK_IP, T_CONV, NULL, "the server"},
    [F_SRC_PORT] = {"src_port", EVK_INT, T_CONV, NULL, "the client's port (TCP, UDP)"},
    [F_DEST_PORT] = {"dest_port", EVK_INT, T_CONV, NULL, "the server's port (TCP, UDP)"},
    [F_PROTO] = {"proto", EVK_STR, T_CONV, NULL, "TCP, UDP, ICMP, IPv6-ICMP, ..."},
    [F_APP_PROTO] = {"app_proto", EVK_STR, T_CONV, NULL,
                     "application protocol, lowercase: dicom, hl7, fhir, tls, dns, ..."},
    [F_VLAN] = {"vlan", EVK_INT, T_CONV, NULL, "innermost VLAN id"},

    [F_FLOW_PKTS_TOSERVER] = {"flow.pkts_toserver", EVK_INT, T_FLOW, NULL,
                              "packets client to server"},
    [F_FLOW_PKTS_TOCLIENT] = {"flow.pkts_toclient", EVK_INT, T_FLOW, NULL,
                              "packets server to client"},
    [F_FLOW_BYTES_TOSERVER] = {"flow.bytes_toserver", EVK_INT, T_FLOW, NULL,
                               "bytes client to server"},
    [F_FLOW_BYTES_TOCLIENT] = {"flow.bytes_toclient", EVK_INT, T_FLOW, NULL,
                               "bytes server to client"},
    [F_FLOW_PKTS] = {"flow.pkts", EVK_INT, T_FLOW, NULL, "packets both ways"},
    [F_FLOW_BYTES] = {"flow.bytes", EVK_INT, T_FLOW, NULL, "bytes both ways"},
    [F_FLOW_AGE] = {"flow.age", EVK_INT, T_FLOW, NULL, "seconds from first to last packet"},
    [F_FLOW_STATE] = {"flow.state", EVK_STR, T_FLOW, flow_states, "new, established or closed"},
    [F_FLOW_REASON] = {"flow.reason", EVK_STR, T_FLOW, flow_reasons,
                       "why it ended: end, timeout, evicted, shutdown"},
    [F_FLOW_ANSWERED] = {"flow.answered", EVK_BOOL, T_FLOW, NULL,
                         "the server sent at least one packet"},

    [F_NDPI_PROTOCOL] = {"ndpi.protocol", EVK_STR, T_FLOW, NULL,
                         "nDPI's name, as ndpiReader prints it: TLS.Google, DNS, RDP"},
    [F_NDPI_MASTER] = {"ndpi.master_protocol", EVK_STR, T_FLOW, NULL, "first part: TLS, DNS"},
    [F_NDPI_APP] = {"ndpi.app_protocol", EVK_STR, T_FLOW, NULL, "second part: Google, AnyDesk"},
    [F_NDPI_CATEGORY] = {"ndpi.category", EVK_STR, T_FLOW, NULL,
                         "nDPI's category: Web, RemoteAccess"},
    [F_NDPI_CONFIDENCE] = {"ndpi.confidence", EVK_STR, T_FLOW, ndpi_confidences,
                           "how nDPI found the protocol"},
    [F_NDPI_GUESSED] = {"ndpi.guessed", EVK_BOOL, T_FLOW, NULL, "protocol guessed from ports"},
    [F_NDPI_RISKS] = {"ndpi.risks", EVK_STRLIST, T_FLOW, NULL,
                      "nDPI's risk names: \"Clear-Text Credentials\", \"SMB Insecure Version\""},
    [F_NDPI_RISK_SCORE] = {"ndpi.risk_score", EVK_INT, T_FLOW, NULL, "nDPI's risk score"},
    [F_NDPI_RISK_SEVERITY] = {"ndpi.risk_severity", EVK_STR, T_FLOW, ndpi_severities,
                              "the worst risk's severity: none, low, medium, high, severe"},
    [F_NDPI_HOSTNAME] = {"ndpi.hostname", EVK_STR, T_FLOW, NULL,
                         "the host name found whatever the protocol (SNI, Host, query)"},

    [F_DNS_QUERY] = {"dns.query", EVK_STR, T_FLOW, NULL, "the name queried"},
    [F_DNS_QUERY_LENGTH] = {"dns.query_length", EVK_INT, T_FLOW, NULL,
                            "length of the name queried"},
    [F_DNS_LONGEST_LABEL] = {"dns.longest_label", EVK_INT, T_FLOW, NULL,
                             "length of its longest label (tunnels use long ones)"},
    [F_HTTP_HOSTNAME] = {"http.hostname", EVK_STR, T_FLOW, NULL, "Host header"},
    [F_HTTP_URL] = {"http.url", EVK_STR, T_FLOW, NULL, "path, without the query string"},
    [F_HTTP_USER_AGENT] = {"http.user_agent", EVK_STR, T_FLOW | T_FHIR, NULL, "User-Agent"},
    [F_HTTP_BASIC_AUTH] =
        {"http.basic_auth", EVK_BOOL, T_FLOW | T_FHIR, NULL,
         "credentials sent in cleartext (HTTP Basic, seen by nDPI or the FHIR parser)"},
    [F_TLS_SNI] = {"tls.sni", EVK_STR, T_FLOW, NULL, "server name"},
    [F_TLS_VERSION] = {"tls.version", EVK_STR, T_FLOW, NULL,
                       "\"TLSv1\", \"TLSv1.1\", \"TLSv1.2\", ..."},
    [F_TLS_JA3] = {"tls.ja3", EVK_STR, T_FLOW, NULL, "client JA3 hash"},
    [F_TLS_JA3S] = {"tls.ja3s", EVK_STR, T_FLOW, NULL, "server JA3S hash"},
    [F_SSH_CLIENT] = {"ssh.client", EVK_STR, T_FLOW, NULL, "client banner"},
    [F_SSH_SERVER] = {"ssh.server", EVK_STR, T_FLOW, NULL, "server banner"},
    [F_SMB_VERSION] = {"smb.version", EVK_INT, T_SMB, NULL,
                       "SMB in use: 1 (SMBv1), 2 or 3, from mamori's SMB parser"},
    [F_SMB_DIALECT] = {"smb.dialect", EVK_STR, T_SMB, NULL,
                       "dialect the server chose: \"NT LM 0.12\", \"2.1\", \"3.1.1\""},
    [F_SMB_DIALECTS_OFFERED] = {"smb.dialects_offered", EVK_STRLIST, T_SMB, NULL,
                                "dialects the client offered"},
    [F_SMB_COMMANDS] = {"smb.commands", EVK_STRLIST, T_SMB, NULL,
                        "commands seen: NEGOTIATE, SESSION_SETUP_ANDX, TREE_CONNECT, READ, ..."},
    [F_RDP] = {"rdp", EVK_BOOL, T_FLOW, NULL, "the flow is RDP"},
    [F_DHCP_HOSTNAME] = {"dhcp.hostname", EVK_STR, T_FLOW, NULL, "DHCP option 12"},
    [F_DHCP_FINGERPRINT] = {"dhcp.fingerprint", EVK_STR, T_FLOW, NULL, "DHCP option 55"},
    [F_DHCP_VENDOR_CLASS] = {"dhcp.vendor_class", EVK_STR, T_FLOW, NULL, "DHCP option 60"},

    [F_DICOM_ASSOCIATION] = {"dicom.association", EVK_BOOL, T_DICOM, NULL,
                             "an association request was seen (not picked up midstream)"},
    [F_DICOM_CALLING_AE] = {"dicom.calling_ae", EVK_STR, T_DICOM, NULL, "the requester's AE title"},
    [F_DICOM_CALLED_AE] = {"dicom.called_ae", EVK_STR, T_DICOM, NULL, "the AE title it called"},
    [F_DICOM_CALLING_AE_HOST] = {"dicom.calling_ae_host", EVK_STR, T_DICOM, NULL,
                                 "calling AE title and address: CT_ROOM1@10.20.1.11"},
    [F_DICOM_RESULT] = {"dicom.result", EVK_STR, T_DICOM, dicom_results,
                        "accepted, rejected, aborted (A-ABORT after acceptance) or no-answer"},
    [F_DICOM_END] = {"dicom.ended", EVK_STR, T_DICOM, dicom_ends,
                     "how it ended: release, reject, abort, connection, malformed, gap, open"},
    [F_DICOM_COMMANDS] = {"dicom.commands", EVK_STRLIST, T_DICOM, dicom_commands,
                          "DIMSE commands requested: C-ECHO, C-STORE, C-FIND, C-MOVE, C-GET, ..."},
    [F_DICOM_SOP_CLASSES] = {"dicom.sop_classes", EVK_STRLIST, T_DICOM, NULL,
                             "UIDs of the SOP classes proposed"},
    [F_DICOM_MOVE_DESTINATIONS] = {"dicom.move_destinations", EVK_STRLIST, T_DICOM, NULL,
                                   "AE titles C-MOVE sent images to"},
    [F_DICOM_FAILURES] = {"dicom.failures", EVK_INT, T_DICOM, NULL,
                          "responses with a failure status"},
    [F_DICOM_USER_IDENTITY] = {"dicom.user_identity", EVK_STR, T_DICOM, dicom_identities,
                               "kind of user identity sent"},
    [F_DICOM_IMPLEMENTATION_VERSION] = {"dicom.implementation_version", EVK_STR, T_DICOM, NULL,
                                        "the requester's implementation version name"},
    [F_DICOM_CLEARTEXT] = {"dicom.cleartext", EVK_BOOL, T_DICOM, NULL,
                           "the association was readable on the wire (not DICOM over TLS)"},
    [F_DICOM_DATA_BYTES] = {"dicom.data_bytes", EVK_INT, T_DICOM, NULL, "bytes of data sets"},

    [F_HL7_MESSAGE] = {"hl7.message", EVK_STR, T_HL7, NULL, "type and event: ADT^A08"},
    [F_HL7_MESSAGE_TYPE] = {"hl7.message_type", EVK_STR, T_HL7, NULL,
                            "MSH-9.1: ADT, ORM, ORU, ACK"},
    [F_HL7_TRIGGER_EVENT] = {"hl7.trigger_event", EVK_STR, T_HL7, NULL, "MSH-9.2: A01, O01, R01"},
    [F_HL7_SENDING_APPLICATION] = {"hl7.sending_application", EVK_STR, T_HL7, NULL, "MSH-3"},
    [F_HL7_SENDING_FACILITY] = {"hl7.sending_facility", EVK_STR, T_HL7, NULL, "MSH-4"},
    [F_HL7_RECEIVING_APPLICATION] = {"hl7.receiving_application", EVK_STR, T_HL7, NULL, "MSH-5"},
    [F_HL7_RECEIVING_FACILITY] = {"hl7.receiving_facility", EVK_STR, T_HL7, NULL, "MSH-6"},
    [F_HL7_VERSION] = {"hl7.version", EVK_STR, T_HL7, NULL, "MSH-12: 2.3, 2.5.1"},
    [F_HL7_PROCESSING_ID] = {"hl7.processing_id", EVK_STR, T_HL7, NULL, "MSH-11: P, T, D"},
    [F_HL7_ACK_CODE] = {"hl7.ack_code", EVK_STR, T_HL7, hl7_acks, "MSA-1 of an acknowledgement"},
    [F_HL7_PATIENT_SEGMENTS] = {"hl7.patient_segments", EVK_BOOL, T_HL7, NULL,
                                "segments that identify a patient were present"},
    [F_HL7_CLEARTEXT] = {"hl7.cleartext", EVK_BOOL, T_HL7, NULL,
                         "the message was readable on the wire"},

    [F_FHIR_RESOURCE] = {"fhir.resource", EVK_STR, T_FHIR, NULL, "Patient, Observation, ..."},
    [F_FHIR_INTERACTION] = {"fhir.interaction", EVK_STR, T_FHIR, fhir_interactions,
                            "read, search, create, update, delete, ..."},
    [F_FHIR_METHOD] = {"fhir.method", EVK_STR, T_FHIR, NULL, "GET, POST, ..."},
    [F_FHIR_STATUS] = {"fhir.status", EVK_INT, T_FHIR, NULL, "HTTP status of the response"},
    [F_FHIR_AUTH_SCHEME] = {"fhir.auth_scheme", EVK_STR, T_FHIR, NULL,
                            "Authorization scheme: Basic, Bearer (credentials are not kept)"},
    [F_FHIR_CLEARTEXT_CREDENTIALS] = {"fhir.cleartext_credentials", EVK_BOOL, T_FHIR, NULL,
                                      "an Authorization header crossed in cleartext"},

    [F_ASSET_MAC] = {"asset.mac", EVK_STR, T_ASSET, NULL, "MAC address, aa:bb:cc:dd:ee:ff"},
    [F_ASSET_VENDOR] = {"asset.vendor", EVK_STR, T_ASSET, NULL, "maker, from the MAC prefix"},
    [F_ASSET_HOSTNAME] = {"asset.hostname", EVK_STR, T_ASSET, NULL, "name it announced"},
    [F_ASSET_NEW] = {"asset.new", EVK_BOOL, T_ASSET, NULL, "first time seen"},
    [F_ASSET_REGISTERED] = {"asset.registered", EVK_BOOL, T_ASSET, NULL, "in the device registry"},
    [F_ASSET_RETIRED] = {"asset.retired", EVK_BOOL, T_ASSET, NULL,
                         "marked retired in the registry"},
    [F_ASSET_EVENT] = {"asset.event", EVK_STR, T_ASSET, asset_events,
                       "what the inventory saw: new, unregistered, retired, identity_changed, "
                       "protocol_violation, vulnerable"},
    [F_ASSET_TYPE] = {"asset.type", EVK_STR, T_ASSET, NULL,
                      "device type: modality, pacs, workstation, hl7, printer, network, ..."},
    [F_ASSET_DETAIL] = {"asset.detail", EVK_STR, T_ASSET, NULL, "what changed or was seen"},
};

const struct field_def *field_get(unsigned id)
{
    return id < F_COUNT ? &fields[id] : NULL;
}

const char *field_kind_name(uint8_t kind)
{
    switch (kind) {
    case EVK_INT:
        return "a number";
    case EVK_STR:
        return "text";
    case EVK_IP:
        return "an address";
    case EVK_BOOL:
        return "yes/no";
    case EVK_STRLIST:
        return "a list of texts";
    default:
        return "?";
    }
}

int field_lookup(const char *name, size_t len)
{
    for (unsigned i = 0; i < F_COUNT; i++) {
        if (strlen(fields[i].name) == len && memcmp(fields[i].name, name, len) == 0)
            return (int)i;
    }
    return -1;
}

unsigned field_distance(const char *a, size_t alen, const char *b, size_t blen)
{
    /* Damerau-lite Levenshtein over two rows; names are short, and a cap
     * keeps long garbage from costing much. */
    enum { CAP = 8, MAXN = 64 };
    unsigned prev[MAXN + 1], cur[MAXN + 1];
    if (alen > MAXN || blen > MAXN)
        return CAP;
    for (size_t j = 0; j <= blen; j++)
        prev[j] = (unsigned)j;
    for (size_t i = 1; i <= alen; i++) {
        cur[0] = (unsigned)i;
        unsigned rowmin = cur[0];
        for (size_t j = 1; j <= blen; j++) {
            unsigned cost =
                tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            unsigned v = prev[j - 1] + cost;
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            cur[j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin >= CAP)
            return CAP;
        memcpy(prev, cur, sizeof(unsigned) * (blen + 1));
    }
    return prev[blen] < CAP ? prev[blen] : CAP;
}

const char *field_suggest(const char *name, size_t len)
{
    const char *best = NULL;
    unsigned bestd = 3; /* more than two edits away is not a typo */
    for (unsigned i = 0; i < F_COUNT; i++) {
        unsigned d = field_distance(name, len, fields[i].name, strlen(fields[i].name));
        if (d < bestd) {
            bestd = d;
            best = fields[i].name;
        }
    }
    return best;
}

static const char *const event_names[EVENT_TYPE_COUNT] = {"flow", "dicom", "hl7",
                                                          "fhir", "asset", "smb"};

const char *event_type_name(enum event_type t)
{
    return (unsigned)t < EVENT_TYPE_COUNT ? event_names[t] : "?";
}

int event_type_from_name(const char *s, size_t len)
{
    for (unsigned i = 0; i < EVENT_TYPE_COUNT; i++) {
        if (strlen(event_names[i]) == len && memcmp(event_names[i], s, len) == 0)
            return (int)i;
    }
    return -1;
}

void event_ip_from(uint8_t out[16], const uint8_t ip[16], uint8_t version)
{
    if (version == 4) {
        memset(out, 0, 10);
        out[10] = 0xff;
        out[11] = 0xff;
        memcpy(out + 12, ip, 4);
    } else {
        memcpy(out, ip, 16);
    }
}
