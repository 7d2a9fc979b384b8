/* asset/asset_classify.c: the type table decides by the most telling
 * evidence and says why. */
#include "asset/asset_classify.h"

#include "../test.h"

static struct asset blank(void)
{
    struct asset a;
    memset(&a, 0, sizeof a);
    return a;
}

static void add(struct asset_strs *s, const char *v)
{
    s->v[s->n++] = (char *)v; /* the test's own strings: never freed */
}

static void service(struct asset *a, const char *proto, uint16_t port, bool server)
{
    struct asset_service *s = &a->svc[a->n_svc++];
    snprintf(s->proto, sizeof s->proto, "%s", proto);
    s->port = port;
    s->l4 = 6;
    s->server = server;
}

static void test_rows(void)
{
    const char *type, *sub, *cond;
    size_t n = 0;
    while (asset_classify_row(n, &type, &sub, &cond)) {
        CHECK(type && cond);
        n++;
    }
    CHECK(n > 30);
}

static void test_decisions(void)
{
    struct asset a = blank();
    CHECK(asset_classify(&a));
    CHECK_EQ_STR(a.type, "unknown");
    CHECK_EQ_INT(a.n_evidence, 0);

    a = blank();
    add(&a.sop_sent, "Ultrasound Multi-frame Image Storage");
    snprintf(a.ae[0].ae, sizeof a.ae[0].ae, "US_ER1");
    a.n_ae = 1;
    a.vendor = "Philips";
    asset_classify(&a);
    CHECK_EQ_STR(a.type, "modality");
    CHECK_EQ_STR(a.subtype, "US");
    CHECK_EQ_STR(a.evidence[0], "SOP class Ultrasound Multi-frame Image Storage sent");
    CHECK_EQ_STR(a.evidence[1], "AE title US_ER1 matches US*");
    CHECK_EQ_STR(a.evidence[a.n_evidence - 1], "MAC vendor Philips");
    CHECK(!asset_classify(&a)); /* same type again: no change */

    /* A PACS sends images too (C-MOVE): it serves query/retrieve first. */
    a = blank();
    add(&a.sop_sent, "CT Image Storage");
    add(&a.sop_accepted, "Study Root Query/Retrieve Information Model - FIND");
    asset_classify(&a);
    CHECK_EQ_STR(a.type, "pacs");

    /* A viewer asks the PACS and accepts the images it moves. */
    a = blank();
    add(&a.sop_sent, "Study Root Query/Retrieve Information Model - MOVE");
    add(&a.sop_accepted, "CT Image Storage");
    asset_classify(&a);
    CHECK_EQ_STR(a.subtype, "DICOM viewer");

    a = blank();
    service(&a, "hl7", 2575, true);
    service(&a, "hl7", 2575, false);
    asset_classify(&a);
    CHECK_EQ_STR(a.subtype, "interface engine");

    a = blank();
    service(&a, "unknown", 9100, true);
    asset_classify(&a);
    CHECK_EQ_STR(a.type, "printer");
    CHECK_EQ_STR(a.evidence[0], "serves TCP port 9100");

    a = blank();
    service(&a, "bacnet", 47808, true);
    asset_classify(&a);
    CHECK_EQ_STR(a.type, "building");

    a = blank();
    a.router = true;
    asset_classify(&a);
    CHECK_EQ_STR(a.type, "network");
}

/* What the review of demo.pcap's inventory found: a viewer that also
 * sends images back, a printer with a web page, a file server seen by
 * mamori's SMB parser, Windows PCs that only ask DNS or FHIR. */
static void test_hospital_review(void)
{
    struct asset a = blank();
    add(&a.sop_sent, "Study Root Query/Retrieve Information Model - FIND");
    add(&a.sop_sent, "CT Image Storage");
    asset_classify(&a);
    CHECK_EQ_STR(a.type, "workstation");
    CHECK_EQ_STR(a.subtype, "DICOM viewer");

    a = blank();
    add(&a.sop_sent, "Modality Worklist Information Model - FIND");
    add(&a.sop_sent, "CT Image Storage");
    asset_classify(&a);
    CHECK_EQ_STR(a.type, "modality"); /* a worklist query is no viewer's */
    CHECK_EQ_STR(a.subtype, "CT");

    a = blank();
    service(&a, "http", 80, true);
    a.vendor = "Seiko Epson Corporation";
    asset_classify(&a);
    CHECK_EQ_STR(a.type, "printer");
    CHECK_EQ_STR(a.evidence[0], "MAC vendor Seiko Epson Corporation");

    a = blank();
    service(&a, "smb", 445, true);
    asset_classify(&a);
    CHECK_EQ_STR(a.type, "server");
    CHECK_EQ_STR(a.subtype, "file");

    a = blank();
    service(&a, "dns", 53, false);
    add(&a.dhcp_class, "MSFT 5.0");
    asset_classify(&a);
    CHECK_EQ_STR(a.type, "workstation");
    CHECK_EQ_STR(a.evidence[0], "DHCP vendor class MSFT 5.0");

    a = blank();
    service(&a, "fhir", 8080, false);
    asset_classify(&a);
    CHECK_EQ_STR(a.type, "workstation");
    CHECK_EQ_STR(a.subtype, "PC");
}

TEST_MAIN(TEST(test_rows), TEST(test_decisions), TEST(test_hospital_review))
