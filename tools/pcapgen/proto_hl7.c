/* HL7 v2.5.1 messages over MLLP: HL7 v2.x chapter 2 (control: MSH, MSA, ACK, encoding rules),
 * chapter 3 (ADT A01/A04/A08: EVN, PID, PV1), chapter 4 (ORM^O01: ORC, OBR), chapter 7
 * (ORU^R01: OBR, OBX); MLLP release 2 framing from HL7 v2.x Implementation Guide: Transport
 * Specification (MLLP).
 *
 *   +------+----------------------------------------------------+------+------+
 *   | 0x0B | MSH|^~\&|...<CR>EVN|...<CR>PID|...<CR>...<CR>      | 0x1C | 0x0D |
 *   +------+----------------------------------------------------+------+------+
 *
 * Patients are fake (DEMO^PATIENTnnn, 1 EXAMPLE STREET, DEMOTOWN).
 */
#include "proto.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "net.h"

static void app_name(const struct host *h, char out[16])
{
    if (strcmp(h->name, "hl7-engine") == 0) {
        snprintf(out, 16, "ENGINE");
        return;
    }
    size_t i = 0;
    for (; h->name[i] != '\0' && h->name[i] != '-' && i < 15; i++)
        out[i] = (char)((h->name[i] >= 'a' && h->name[i] <= 'z') ? h->name[i] - 32 : h->name[i]);
    out[i] = '\0';
    /* "his01" reads better as "HIS" in MSH-3 */
    while (i > 0 && out[i - 1] >= '0' && out[i - 1] <= '9')
        out[--i] = '\0';
}

static void ts14(uint64_t t, char out[15])
{
    char d[9], tm[7];
    fmt_date(t, d);
    fmt_time(t, tm);
    snprintf(out, 15, "%s%s", d, tm);
}

static void seg(struct buf *b, const char *s)
{
    buf_str(b, s);
    buf_u8(b, '\r');
}

static void msh(struct buf *b, const struct host *from, const struct host *to, const char *ts,
                const char *type, const char *control)
{
    char sa[16], ra[16], line[256];
    app_name(from, sa);
    app_name(to, ra);
    snprintf(line, sizeof(line),
             "MSH|^~\\&|%s|DEMO_HOSP|%s|DEMO_HOSP|%s||%s|%s|P|2.5.1|||AL|NE|JPN", sa, ra, ts, type,
             control);
    seg(b, line);
}

static void pid(struct buf *b, unsigned patient)
{
    char id[16], name[24], line[256];
    gen_patient_id(patient, id);
    gen_patient_name(patient, name);
    snprintf(line, sizeof(line),
             "PID|1||%s^^^DEMO_HOSP^MR||%s||19700101|%c|||1 EXAMPLE STREET^^DEMOTOWN^^000-0000^JPN"
             "||^PRN^PH^^^^^0000-00-0000",
             id, name, patient % 2 ? 'F' : 'M');
    seg(b, line);
}

static void pv1(struct buf *b, unsigned patient, char cls, const char *ts)
{
    char line[256];
    snprintf(line, sizeof(line),
             "PV1|1|%c|WARD%u^%u^1^DEMO_HOSP||||1001^DEMO^DOCTOR^^^DR|||MED||||1|||1001^DEMO^"
             "DOCTOR^^^DR|%s|VN%06u|||||||||||||||||||||||||%s",
             cls, 3 + patient % 3, 300 + patient % 20, cls == 'I' ? "IN" : "OUT", patient, ts);
    seg(b, line);
}

static const char *type_str(enum hl7_msg m)
{
    switch (m) {
    case HL7_ADT_A01:
        return "ADT^A01^ADT_A01";
    case HL7_ADT_A04:
        return "ADT^A04^ADT_A01";
    case HL7_ADT_A08:
        return "ADT^A08^ADT_A01";
    case HL7_ORM_O01:
        return "ORM^O01^ORM_O01";
    case HL7_ORU_R01:
        return "ORU^R01^ORU_R01";
    }
    return "ADT^A08^ADT_A01";
}

static size_t message(uint8_t *out, size_t cap, const struct host *from, const struct host *to,
                      enum hl7_msg m, const char *control, unsigned patient, uint64_t t,
                      struct rng *r)
{
    struct buf b;
    char ts[15], line[320];
    ts14(t, ts);
    buf_init(&b, out, cap);
    buf_u8(&b, 0x0b);
    msh(&b, from, to, ts, type_str(m), control);
    unsigned order = 500000 + patient * 37 + (unsigned)rng_below(r, 1000);
    switch (m) {
    case HL7_ADT_A01:
    case HL7_ADT_A04:
    case HL7_ADT_A08:
        snprintf(line, sizeof(line), "EVN|%s|%s",
                 m == HL7_ADT_A01   ? "A01"
                 : m == HL7_ADT_A04 ? "A04"
                                    : "A08",
                 ts);
        seg(&b, line);
        pid(&b, patient);
        pv1(&b, patient, m == HL7_ADT_A04 ? 'O' : 'I', ts);
        break;
    case HL7_ORM_O01:
        pid(&b, patient);
        pv1(&b, patient, 'I', ts);
        snprintf(line, sizeof(line), "ORC|NW|ORD%u||||||^^^%s^^R||%s|||1001^DEMO^DOCTOR^^^DR",
                 order, ts, ts);
        seg(&b, line);
        snprintf(line, sizeof(line),
                 "OBR|1|ORD%u||CTHEAD^CT HEAD W/O CONTRAST^L|||%s||||||||||1001^DEMO^DOCTOR^^^DR"
                 "||ACC%08u|||||CT|||^^^%s^^R",
                 order, ts, order, ts);
        seg(&b, line);
        break;
    case HL7_ORU_R01: {
        pid(&b, patient);
        snprintf(line, sizeof(line),
                 "OBR|1|ORD%u|LAB%u|CBC^COMPLETE BLOOD COUNT^L|||%s|||||||%s||1001^DEMO^DOCTOR^^^"
                 "DR||||||%s|||F",
                 order, order, ts, ts, ts);
        seg(&b, line);
        static const char *const obx[3][4] = {
            {"718-7^Hemoglobin^LN", "g/dL", "12.0-16.0", "13"},
            {"6690-2^Leukocytes^LN", "10*3/uL", "4.0-10.0", "7"},
            {"777-3^Platelets^LN", "10*3/uL", "150-400", "250"},
        };
        for (int i = 0; i < 3; i++) {
            snprintf(line, sizeof(line), "OBX|%d|NM|%s||%s.%u|%s|%s|N|||F|||%s", i + 1, obx[i][0],
                     obx[i][3], (unsigned)rng_below(r, 10), obx[i][1], obx[i][2], ts);
            seg(&b, line);
        }
        break;
    }
    }
    buf_u8(&b, 0x1c);
    buf_u8(&b, 0x0d);
    return b.overflow ? 0 : b.len;
}

static size_t ack(uint8_t *out, size_t cap, const struct host *from, const struct host *to,
                  enum hl7_msg m, const char *control, uint64_t t)
{
    struct buf b;
    char ts[15], type[24], ackid[24], line[64];
    ts14(t, ts);
    buf_init(&b, out, cap);
    buf_u8(&b, 0x0b);
    /* ACK^<trigger>^ACK: the trigger event of the message being acknowledged. */
    snprintf(type, sizeof(type), "ACK^%.3s^ACK", type_str(m) + 4);
    snprintf(ackid, sizeof(ackid), "A%s", control);
    msh(&b, from, to, ts, type, ackid);
    snprintf(line, sizeof(line), "MSA|AA|%s", control);
    seg(&b, line);
    buf_u8(&b, 0x1c);
    buf_u8(&b, 0x0d);
    return b.overflow ? 0 : b.len;
}

uint64_t hl7_session(struct gen *g, struct rng *r, uint64_t t, struct host *sender,
                     struct host *receiver, enum hl7_msg type, unsigned count)
{
    struct tcp_conv c;
    tcp_open(&c, g, r, sender, receiver, HL7_PORT, t);
    uint8_t m1[2048], m2[2048], a1[512], a2[512];
    unsigned base = (unsigned)rng_below(r, 90000000) + 10000000;
    for (unsigned i = 0; i < count; i++) {
        char id1[20], id2[20];
        snprintf(id1, sizeof(id1), "%u", base + i);
        unsigned patient = (unsigned)rng_below(r, GEN_PATIENTS);
        size_t n1 = message(m1, sizeof(m1), sender, receiver, type, id1, patient, c.t, r);
        unsigned how = (unsigned)rng_below(r, 100);
        if (how < 20 && i + 1 < count) {
            /* Two messages pipelined in one segment, two ACKs back in one segment. */
            snprintf(id2, sizeof(id2), "%u", base + i + 1);
            size_t n2 = message(m2, sizeof(m2), sender, receiver, type, id2,
                                (unsigned)rng_below(r, GEN_PATIENTS), c.t, r);
            if (n1 + n2 <= NET_MSS) {
                memcpy(m1 + n1, m2, n2);
                tcp_send(&c, 0, m1, n1 + n2);
                tcp_think(&c, rng_range(r, 1000, 8000));
                size_t k1 = ack(a1, sizeof(a1), receiver, sender, type, id1, c.t);
                size_t k2 = ack(a2, sizeof(a2), receiver, sender, type, id2, c.t);
                memcpy(a1 + k1, a2, k2);
                tcp_send(&c, 1, a1, k1 + k2);
                i++;
                tcp_think(&c, rng_range(r, 5000, 400000));
                continue;
            }
        }
        if (how >= 80 && n1 > 64) {
            /* One message across two segments: the receiver must reassemble. */
            size_t cut = n1 / 2 + rng_below(r, n1 / 4);
            tcp_send_segment(&c, 0, m1, cut);
            tcp_send(&c, 0, m1 + cut, n1 - cut);
        } else {
            tcp_send(&c, 0, m1, n1);
        }
        tcp_think(&c, rng_range(r, 1000, 8000));
        tcp_send(&c, 1, a1, ack(a1, sizeof(a1), receiver, sender, type, id1, c.t));
        tcp_think(&c, rng_range(r, 5000, 400000));
    }
    tcp_close(&c, 0);
    return c.t;
}
