/*
 * Fuzz target for rule loading (detect/): rule files are written by hand
 * and may come from anywhere, so the lexer, parser, list reader and
 * compiler must take any bytes. The input is a rule file, optionally
 * followed by a NUL byte and the text of a list named @l. A set that loads
 * is matched against one event of each type and its diagnostics printed
 * into a buffer, so the compiled form and the messages are exercised too.
 */
#include <stdio.h>
#include <string.h>

#include "detect/detect.h"
#include "detect/fields.h"
#include "detect/ruleset.h"
#include "fuzz.h"

static bool fuzz_get(const struct event *ev, uint16_t field, struct event_value *v)
{
    static const struct event_str items[2] = {{"C-FIND", 6}, {"Clear-Text Credentials", 22}};
    const struct field_def *fd = field_get(field);
    if (!fd || (field & 3) == 3)
        return false; /* some fields missing */
    v->kind = fd->kind;
    switch (fd->kind) {
    case EVK_INT:
        v->u.i = (int64_t)(ev->ts_us % 70000) + field;
        break;
    case EVK_BOOL:
        v->u.b = (field & 1) != 0;
        break;
    case EVK_IP:
        memset(v->u.ip, 0, 16);
        v->u.ip[10] = v->u.ip[11] = 0xff;
        v->u.ip[12] = 10;
        v->u.ip[15] = (uint8_t)field;
        break;
    case EVK_STRLIST:
        v->u.list.v = items;
        v->u.list.n = 2;
        break;
    default:
        v->u.s.p = "CT_ROOM1";
        v->u.s.len = 8;
        break;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(data, 0, size);
    size_t rlen = nul ? (size_t)(nul - text) : size;
    struct rule_source file = {"fuzz.rules", text, rlen};
    struct rule_source list = {"l.txt", nul ? nul + 1 : "", nul ? size - rlen - 1 : 0};
    struct ruleset_limits lim;
    struct rule_diags d;
    ruleset_limits_default(&lim);
    lim.max_memory = 4u * 1024 * 1024;
    lim.max_set_values = 10000;
    rule_diags_init(&d);
    struct ruleset *rs = ruleset_load_sources(&file, 1, &list, 1, NULL, 0, &lim, 0, &d);
    char out[4096];
    FILE *f = fmemopen(out, sizeof out, "w");
    if (f) {
        rule_diags_print(&d, f);
        fclose(f);
    }
    if (rs) {
        struct rule_state_limits sl = {.memcap = 256 * 1024};
        struct detect *det = detect_new(rs, &sl, NULL, NULL);
        for (unsigned t = 0; det && t < EVENT_TYPE_COUNT; t++) {
            for (uint64_t k = 0; k < 4; k++) {
                struct event ev = {.type = (uint8_t)t,
                                   .ts_us = 1768467600000000ull + k * 7000000ull,
                                   .get = fuzz_get};
                detect_event(det, &ev);
            }
        }
        detect_free(det);
    }
    ruleset_unref(rs);
    rule_diags_free(&d);
    return 0;
}

#define SEED(s)                                                                                    \
    {                                                                                              \
        (const uint8_t *)(s), sizeof(s) - 1                                                        \
    }

static const struct fuzz_seed seeds[] = {
    SEED("define $N = [10.0.0.0/8, 192.168.0.0/16]\n"
         "rule 100001 rev 1 \"DICOM association from an unknown AE title\"\n"
         "  severity high category \"Access\" mitre T0886, T1021.001\n"
         "  when dicom.association and dicom.calling_ae not in @l\n"
         "  except src_ip in $N until 2030-01-01\n"
         "  limit 1 per src_ip per 10m\n"
         "\0CT_ROOM1\n\"US ER1\" # comment\n"),
    SEED(
        "rule 2 \"scan\" when proto in [TCP, UDP] and dest_ip not in @l\n"
        "  count distinct dest_port by src_ip over 60s >= 3\n"
        "  suppress by src_ip for 30m\n"
        "rule 3 \"sum\" when dest_port in [1-1024, 8080] sum flow.bytes_toserver over 10m > 500MB\n"
        "tune 3 disabled\n"
        "\0"
        "10.0.0.0/8\nfe80::/10\n"),
    SEED("rule 4 \"text\" when (ndpi.hostname matches \"*.ex?mple\" nocase or tls.sni endswith "
         "\".x\")\n  and not ndpi.risks == \"Clear-Text Credentials\"\n"
         "rule 5 \"hl7\" when hl7.message == \"ADT^A08\" and hl7.sending_application in @l\n"
         "rule 6 \"b\" when rdp and dicom.result == rejected\n"),
};

size_t fuzz_seeds(const struct fuzz_seed **out)
{
    *out = seeds;
    return sizeof seeds / sizeof seeds[0];
}
