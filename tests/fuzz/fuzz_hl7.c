/*
 * Fuzz target for the HL7/MLLP parser (proto/proto_hl7.c) through a
 * proto_session driven by a chunk script (fuzz_proto.h).
 */
#include "../unit/proto/samples.h"
#include "fuzz_proto.h"
#include "proto/proto_hl7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_proto_run(&proto_hl7, data, size);
    return 0;
}

static uint8_t seed_buf[3][2048];
static struct fuzz_seed seeds[3];

size_t fuzz_seeds(const struct fuzz_seed **out)
{
    const struct fuzz_proto_msg exchange[] = {
        {0, (const uint8_t *)sample_hl7_adt, sizeof sample_hl7_adt - 1},
        {1, (const uint8_t *)sample_hl7_ack, sizeof sample_hl7_ack - 1},
        {0, (const uint8_t *)sample_hl7_oru_hash, sizeof sample_hl7_oru_hash - 1},
    };
    seeds[0].data = seed_buf[0];
    seeds[0].len = fuzz_proto_script(seed_buf[0], sizeof seed_buf[0], exchange, 3, 255);
    seeds[1].data = seed_buf[1];
    seeds[1].len = fuzz_proto_script(seed_buf[1], sizeof seed_buf[1], exchange, 3, 13);
    seeds[2].data = seed_buf[2];
    seeds[2].len = fuzz_proto_script(seed_buf[2], sizeof seed_buf[2], exchange + 2, 1, 255);
    *out = seeds;
    return 3;
}
