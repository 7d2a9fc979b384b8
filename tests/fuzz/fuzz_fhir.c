/*
 * Fuzz target for the FHIR/HTTP parser (proto/proto_fhir.c) through a
 * proto_session driven by a chunk script (fuzz_proto.h).
 */
#include "../unit/proto/samples.h"
#include "fuzz_proto.h"
#include "proto/proto_fhir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_proto_run(&proto_fhir, data, size);
    return 0;
}

static uint8_t seed_buf[3][2048];
static struct fuzz_seed seeds[3];

size_t fuzz_seeds(const struct fuzz_seed **out)
{
    const struct fuzz_proto_msg exchange[] = {
        {0, (const uint8_t *)sample_fhir_get, sizeof sample_fhir_get - 1},
        {1, (const uint8_t *)sample_fhir_get_rsp, sizeof sample_fhir_get_rsp - 1},
        {0, (const uint8_t *)sample_fhir_post, sizeof sample_fhir_post - 1},
        {1, (const uint8_t *)sample_fhir_post_rsp, sizeof sample_fhir_post_rsp - 1},
    };
    seeds[0].data = seed_buf[0];
    seeds[0].len = fuzz_proto_script(seed_buf[0], sizeof seed_buf[0], exchange, 4, 255);
    seeds[1].data = seed_buf[1];
    seeds[1].len = fuzz_proto_script(seed_buf[1], sizeof seed_buf[1], exchange, 4, 9);
    seeds[2].data = seed_buf[2];
    seeds[2].len = fuzz_proto_script(seed_buf[2], sizeof seed_buf[2], exchange + 2, 2, 255);
    *out = seeds;
    return 3;
}
