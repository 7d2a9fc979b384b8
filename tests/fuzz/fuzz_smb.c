/*
 * Fuzz target for the SMB parser (proto/proto_smb.c) through a
 * proto_session driven by a chunk script (fuzz_proto.h).
 */
#include "../unit/proto/samples_smb.h"
#include "fuzz_proto.h"
#include "proto/proto_smb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_proto_run(&proto_smb, data, size);
    return 0;
}

static uint8_t seed_buf[3][8192];
static struct fuzz_seed seeds[3];

size_t fuzz_seeds(const struct fuzz_seed **out)
{
    struct fuzz_proto_msg m[sizeof sample_smb2_session / sizeof sample_smb2_session[0]];
    size_t n = sizeof m / sizeof m[0];
    for (size_t i = 0; i < n; i++) {
        m[i].dir = (uint8_t)sample_smb2_session[i].dir;
        m[i].p = sample_smb2_session[i].p;
        m[i].len = sample_smb2_session[i].len;
    }
    const struct fuzz_proto_msg smb1[] = {
        {0, sample_smb1_negotiate_rq, sizeof sample_smb1_negotiate_rq},
        {1, sample_smb1_negotiate_rsp, sizeof sample_smb1_negotiate_rsp},
    };
    seeds[0].data = seed_buf[0];
    seeds[0].len = fuzz_proto_script(seed_buf[0], sizeof seed_buf[0], m, n, 255);
    seeds[1].data = seed_buf[1];
    seeds[1].len = fuzz_proto_script(seed_buf[1], sizeof seed_buf[1], m, 4, 17);
    seeds[2].data = seed_buf[2];
    seeds[2].len = fuzz_proto_script(seed_buf[2], sizeof seed_buf[2], smb1, 2, 255);
    *out = seeds;
    return 3;
}
