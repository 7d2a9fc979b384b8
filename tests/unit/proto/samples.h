/*
 * Protocol messages built by hand for the parser tests, fuzz seeds and the
 * benchmark: DICOM PDUs (PS3.8 9.3) and command sets (PS3.7 E.1), HL7 v2
 * messages in MLLP frames, FHIR HTTP exchanges. Patients are the fake
 * ones the rest of the project uses (DEMO^PATIENT, DEMO000123), so a test
 * can check that they never reach a record.
 */
#ifndef MAMORI_TEST_PROTO_SAMPLES_H
#define MAMORI_TEST_PROTO_SAMPLES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sample_buf {
    uint8_t *p;
    size_t len, cap;
};

static inline void sb_u8(struct sample_buf *b, uint8_t v)
{
    if (b->len < b->cap)
        b->p[b->len] = v;
    b->len++;
}

static inline void sb_be16(struct sample_buf *b, uint16_t v)
{
    sb_u8(b, (uint8_t)(v >> 8));
    sb_u8(b, (uint8_t)v);
}

static inline void sb_be32(struct sample_buf *b, uint32_t v)
{
    sb_be16(b, (uint16_t)(v >> 16));
    sb_be16(b, (uint16_t)v);
}

static inline void sb_le16(struct sample_buf *b, uint16_t v)
{
    sb_u8(b, (uint8_t)v);
    sb_u8(b, (uint8_t)(v >> 8));
}

static inline void sb_le32(struct sample_buf *b, uint32_t v)
{
    sb_le16(b, (uint16_t)v);
    sb_le16(b, (uint16_t)(v >> 16));
}

static inline void sb_bytes(struct sample_buf *b, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_u8(b, ((const uint8_t *)p)[i]);
}

static inline void sb_ae(struct sample_buf *b, const char *ae)
{
    size_t n = strlen(ae);
    for (size_t i = 0; i < 16; i++)
        sb_u8(b, i < n ? (uint8_t)ae[i] : ' ');
}

static inline void sb_item(struct sample_buf *b, uint8_t type, const char *s)
{
    sb_u8(b, type);
    sb_u8(b, 0);
    sb_be16(b, (uint16_t)strlen(s));
    sb_bytes(b, s, strlen(s));
}

static inline void sb_patch_be32(struct sample_buf *b, size_t at, uint32_t v)
{
    if (at + 4 <= b->cap) {
        b->p[at] = (uint8_t)(v >> 24);
        b->p[at + 1] = (uint8_t)(v >> 16);
        b->p[at + 2] = (uint8_t)(v >> 8);
        b->p[at + 3] = (uint8_t)v;
    }
}

static inline void sb_patch_be16(struct sample_buf *b, size_t at, uint16_t v)
{
    if (at + 2 <= b->cap) {
        b->p[at] = (uint8_t)(v >> 8);
        b->p[at + 1] = (uint8_t)v;
    }
}

#define SAMPLE_CT "1.2.840.10008.5.1.4.1.1.2"
#define SAMPLE_ECHO "1.2.840.10008.1.1"
#define SAMPLE_FIND "1.2.840.10008.5.1.4.1.2.2.1"
#define SAMPLE_ILE "1.2.840.10008.1.2"
#define SAMPLE_ELE "1.2.840.10008.1.2.1"

/* A-ASSOCIATE-RQ (rq) or -AC: contexts 1 (CT storage), 3 (verification),
 * 5 (study root FIND); the AC accepts 1 and 3 and refuses 5. With user
 * identity type 2 (username and passcode: the values never leave). */
static inline void sample_dicom_assoc(struct sample_buf *b, int rq, const char *calling,
                                      const char *called)
{
    size_t start = b->len;
    sb_u8(b, rq ? 0x01 : 0x02);
    sb_u8(b, 0);
    sb_be32(b, 0);
    sb_be16(b, 1);
    sb_be16(b, 0);
    sb_ae(b, called);
    sb_ae(b, calling);
    for (int i = 0; i < 32; i++)
        sb_u8(b, 0);
    sb_item(b, 0x10, "1.2.840.10008.3.1.1.1");
    static const char *const abs[3] = {SAMPLE_CT, SAMPLE_ECHO, SAMPLE_FIND};
    for (int i = 0; i < 3; i++) {
        size_t at = b->len;
        sb_u8(b, rq ? 0x20 : 0x21);
        sb_u8(b, 0);
        sb_be16(b, 0);
        sb_u8(b, (uint8_t)(1 + 2 * i));
        sb_u8(b, 0);
        sb_u8(b, rq ? 0 : (i == 2 ? 3 : 0));
        sb_u8(b, 0);
        if (rq) {
            sb_item(b, 0x30, abs[i]);
            sb_item(b, 0x40, SAMPLE_ELE);
            sb_item(b, 0x40, SAMPLE_ILE);
        } else {
            sb_item(b, 0x40, SAMPLE_ILE);
        }
        sb_patch_be16(b, at + 2, (uint16_t)(b->len - at - 4));
    }
    size_t ui = b->len;
    sb_u8(b, 0x50);
    sb_u8(b, 0);
    sb_be16(b, 0);
    sb_u8(b, 0x51);
    sb_u8(b, 0);
    sb_be16(b, 4);
    sb_be32(b, 16384);
    sb_item(b, 0x52, "1.2.276.0.7230010.3.0.3.6.7");
    sb_item(b, 0x55, "OFFIS_DCMTK_367");
    if (rq) {
        /* user identity: type 2, response requested, "DEMO^PATIENT" / "secret" */
        sb_u8(b, 0x58);
        sb_u8(b, 0);
        sb_be16(b, 2 + 2 + 12 + 2 + 6);
        sb_u8(b, 2);
        sb_u8(b, 1);
        sb_be16(b, 12);
        sb_bytes(b, "DEMO^PATIENT", 12);
        sb_be16(b, 6);
        sb_bytes(b, "secret", 6);
    }
    sb_patch_be16(b, ui + 2, (uint16_t)(b->len - ui - 4));
    sb_patch_be32(b, start + 2, (uint32_t)(b->len - start - 6));
}

static inline void sample_dicom_elem(struct sample_buf *b, uint16_t elem, const void *v, uint32_t n)
{
    sb_le16(b, 0x0000);
    sb_le16(b, elem);
    sb_le32(b, n);
    sb_bytes(b, v, n);
}

static inline void sample_dicom_elem_us(struct sample_buf *b, uint16_t elem, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    sample_dicom_elem(b, elem, x, 2);
}

/* A P-DATA-TF with one command PDV (last fragment) and, when data_len,
 * a data set PDV of that many bytes holding a fake patient name. */
static inline void sample_dicom_command(struct sample_buf *b, uint8_t ctx, uint16_t field,
                                        uint16_t msg_id, const char *sop, int has_status,
                                        uint16_t status, size_t data_len)
{
    char uid[70];
    size_t ul = strlen(sop);
    memcpy(uid, sop, ul);
    if (ul & 1)
        uid[ul++] = '\0';
    size_t start = b->len;
    sb_u8(b, 0x04);
    sb_u8(b, 0);
    sb_be32(b, 0);
    size_t pdv = b->len;
    sb_be32(b, 0);
    sb_u8(b, ctx);
    sb_u8(b, 0x03);
    sample_dicom_elem(b, 0x0002, uid, (uint32_t)ul);
    sample_dicom_elem_us(b, 0x0100, field);
    sample_dicom_elem_us(b, (field & 0x8000) ? 0x0120 : 0x0110, msg_id);
    sample_dicom_elem_us(b, 0x0800, data_len ? 0x0000 : 0x0101);
    if (has_status)
        sample_dicom_elem_us(b, 0x0900, status);
    if (field == 0x0001)
        sample_dicom_elem(b, 0x1000, "2.25.1234567890", 16);
    sb_patch_be32(b, pdv, (uint32_t)(b->len - pdv - 4));
    if (data_len) {
        sb_be32(b, (uint32_t)(data_len + 2));
        sb_u8(b, ctx);
        sb_u8(b, 0x02);
        static const char name[] = "\x10\x00\x10\x00\x0c\x00\x00\x00"
                                   "DEMO^PATIENT";
        for (size_t i = 0; i < data_len; i++)
            sb_u8(b, (uint8_t)name[i % (sizeof name - 1)]);
    }
    sb_patch_be32(b, start + 2, (uint32_t)(b->len - start - 6));
}

static inline void sample_dicom_simple(struct sample_buf *b, uint8_t type, uint8_t b2, uint8_t b3)
{
    sb_u8(b, type);
    sb_u8(b, 0);
    sb_be32(b, 4);
    sb_u8(b, 0);
    sb_u8(b, type == 0x03 ? 1 : 0);
    sb_u8(b, b2);
    sb_u8(b, b3);
}

static const char sample_hl7_adt[] =
    "\x0bMSH|^~\\&|HIS|DEMO_HOSP|ENGINE|DEMO_HOSP|20260115090001||ADT^A01^ADT_A01|MSG00001|P|"
    "2.5.1|||AL|NE|JPN\r"
    "EVN|A01|20260115090001\r"
    "PID|1||DEMO000123^^^DEMO_HOSP^MR||DEMO^PATIENT||19700101|F|||1 EXAMPLE STREET^^DEMOTOWN\r"
    "PV1|1|I|WARD3^301^1^DEMO_HOSP\r"
    "\x1c\r";

static const char sample_hl7_ack[] =
    "\x0bMSH|^~\\&|ENGINE|DEMO_HOSP|HIS|DEMO_HOSP|20260115090002||ACK^A01^ACK|ACK00001|P|2.5.1\r"
    "MSA|AA|MSG00001\r"
    "\x1c\r";

/* Other separators, as MSH-1 and MSH-2 allow. */
static const char sample_hl7_oru_hash[] =
    "\x0bMSH#$~\\&#LIS#LAB#HIS#DEMO_HOSP#20260115093000##ORU$R01$ORU_R01#LAB777#T#2.3\r"
    "PID#1##DEMO000123##DEMO$PATIENT\r"
    "OBR#1\rOBX#1#NM#8867-4##72\r"
    "\x1c\r";

static const char sample_fhir_get[] =
    "GET /fhir/Patient/DEMO000123 HTTP/1.1\r\nHost: fhir01:8080\r\n"
    "Accept: application/fhir+json\r\nAuthorization: Bearer "
    "eyJhbGciOiJub25lIn0.DEMO000123.\r\n\r\n";

static const char sample_fhir_get_rsp[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json;charset=UTF-8\r\n"
    "Content-Length: 60\r\n\r\n"
    "{\"resourceType\":\"Patient\",\"id\":\"DEMO000123\",\"name\":\"DEMO\"}\n\n";

static const char sample_fhir_post[] =
    "POST /fhir/Observation HTTP/1.1\r\nHost: fhir01:8080\r\n"
    "Content-Type: application/fhir+xml\r\nAuthorization: Basic REVNTzpQQVRJRU5U\r\n"
    "Transfer-Encoding: chunked\r\n\r\n"
    "19\r\n<Observation>DEMO^PATIENT\r\n6\r\n</Obs>\r\n0\r\n\r\n";

static const char sample_fhir_post_rsp[] =
    "HTTP/1.1 201 Created\r\nLocation: /fhir/Observation/777/_history/1\r\n"
    "Content-Type: application/fhir+xml\r\nContent-Length: 0\r\n\r\n";

#endif
