#include "alertrec.h"
#include "test.h"

#include <errno.h>
#include <stdlib.h>

static const char rec[] =
    "{\"timestamp\":\"2026-01-15T09:00:07.809234+0000\",\"event_type\":\"alert\","
    "\"src_ip\":\"10.50.0.117\",\"dest_ip\":\"10.10.0.20\",\"proto\":\"TCP\",\"app_proto\":"
    "\"dicom\","
    "\"alert\":{\"signature_id\":100001,\"signature\":\"DICOM association from an unknown AE "
    "title\",\"severity\":1},\"record_id\":\"demo:162\"}";

static void test_parse(void)
{
    struct alertrec r;
    CHECK_EQ_INT(alertrec_parse((const uint8_t *)rec, strlen(rec), &r), 0);
    CHECK_EQ_INT(r.ts, 1768467607);
    CHECK_EQ_INT(r.severity, 1);
    CHECK_EQ_INT(r.sid, 100001);
    CHECK_EQ_STR(r.src_ip, "10.50.0.117");
    CHECK_EQ_STR(r.dest_ip, "10.10.0.20");
    CHECK_EQ_STR(r.app_proto, "dicom");
    CHECK_EQ_STR(r.record_id, "demo:162");
    char sensor[16];
    CHECK_EQ_INT(alertrec_sensor(r.record_id, sensor, sizeof sensor), 0);
    CHECK_EQ_STR(sensor, "demo");
    CHECK_EQ_INT(alertrec_sensor("nocolon", sensor, sizeof sensor), -EINVAL);
    CHECK_EQ_INT(alertrec_parse((const uint8_t *)"[1]", 3, &r), -EINVAL);
    CHECK_EQ_INT(alertrec_parse((const uint8_t *)"{\"alert\":{\"severity\":7}}", 24, &r), 0);
    CHECK_EQ_INT(r.severity, 0);
}

static void test_time(void)
{
    int64_t t;
    const char *ok[] = {"1970-01-01T00:00:00Z", "2026-01-15T09:00:07.809234+0000",
                        "2026-01-15T18:00:07+09:00", "2000-02-29 12:00:00.5-0130"};
    const int64_t want[] = {0, 1768467607, 1768467607, 951825600 + 5400};
    for (size_t i = 0; i < 4; i++) {
        CHECK_EQ_INT(alertrec_time(ok[i], strlen(ok[i]), &t), 0);
        CHECK_EQ_INT(t, want[i]);
    }
    const char *bad[] = {"",
                         "2026-01-15",
                         "2026-13-01T00:00:00Z",
                         "2026-01-15T09:00:07",
                         "2026-01-15T09:00:07.+0000",
                         "2026-01-15T09:00:07Zjunk",
                         "2026-01-15T24:00:00Z",
                         "x026-01-15T09:00:07Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(alertrec_time(bad[i], strlen(bad[i]), &t), -EINVAL);
}

static void test_truncation(void)
{
    size_t len = strlen(rec);
    for (size_t i = 0; i <= len; i++) {
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, rec, i);
        struct alertrec r;
        CHECK_EQ_INT(alertrec_parse(p, i, &r), i == len ? 0 : -EINVAL);
        free(p);
    }
    const char *ts = "2026-01-15T09:00:07.809234+0000";
    for (size_t i = 0; i < strlen(ts); i++) {
        char *p = malloc(i ? i : 1);
        memcpy(p, ts, i);
        int64_t t;
        CHECK_EQ_INT(alertrec_time(p, i, &t), -EINVAL);
        free(p);
    }
}

TEST_MAIN(TEST(test_parse), TEST(test_time), TEST(test_truncation))
