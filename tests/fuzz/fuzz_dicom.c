/*
 * Fuzz target for the DICOM parser (proto/proto_dicom.c) through a
 * proto_session: the input is a chunk script (fuzz_proto.h), so
 * segmentation, direction and holes are fuzzed with the PDU bytes.
 */
#include "../unit/proto/samples.h"
#include "fuzz_proto.h"
#include "proto/proto_dicom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_proto_run(&proto_dicom, data, size);
    return 0;
}

static uint8_t seed_buf[4][4096];
static struct fuzz_seed seeds[4];

size_t fuzz_seeds(const struct fuzz_seed **out)
{
    uint8_t rq[1024], ac[1024], cmd[1024], rsp[256], rel[32], rj[32], ab[32];
    struct sample_buf b;
    b = (struct sample_buf){rq, 0, sizeof rq};
    sample_dicom_assoc(&b, 1, "STORESCU", "PACS_MAIN");
    size_t rq_len = b.len;
    b = (struct sample_buf){ac, 0, sizeof ac};
    sample_dicom_assoc(&b, 0, "STORESCU", "PACS_MAIN");
    size_t ac_len = b.len;
    b = (struct sample_buf){cmd, 0, sizeof cmd};
    sample_dicom_command(&b, 1, 0x0001, 1, SAMPLE_CT, 0, 0, 300);
    size_t cmd_len = b.len;
    b = (struct sample_buf){rsp, 0, sizeof rsp};
    sample_dicom_command(&b, 1, 0x8001, 1, SAMPLE_CT, 1, 0xa700, 0);
    size_t rsp_len = b.len;
    b = (struct sample_buf){rel, 0, sizeof rel};
    sample_dicom_simple(&b, 0x05, 0, 0);
    size_t rel_len = b.len;
    b = (struct sample_buf){rj, 0, sizeof rj};
    sample_dicom_simple(&b, 0x03, 1, 7);
    size_t rj_len = b.len;
    b = (struct sample_buf){ab, 0, sizeof ab};
    sample_dicom_simple(&b, 0x07, 2, 1);
    size_t ab_len = b.len;

    const struct fuzz_proto_msg store[] = {
        {0, rq, rq_len},   {1, ac, ac_len},   {0, cmd, cmd_len},
        {1, rsp, rsp_len}, {0, rel, rel_len}, {1, rel, rel_len},
    };
    const struct fuzz_proto_msg reject[] = {{0, rq, rq_len}, {1, rj, rj_len}};
    const struct fuzz_proto_msg abort_[] = {{0, rq, rq_len}, {1, ac, ac_len}, {0, ab, ab_len}};
    seeds[0].data = seed_buf[0];
    seeds[0].len = fuzz_proto_script(seed_buf[0], sizeof seed_buf[0], store, 6, 255);
    seeds[1].data = seed_buf[1];
    seeds[1].len = fuzz_proto_script(seed_buf[1], sizeof seed_buf[1], store, 6, 37);
    seeds[2].data = seed_buf[2];
    seeds[2].len = fuzz_proto_script(seed_buf[2], sizeof seed_buf[2], reject, 2, 100);
    seeds[3].data = seed_buf[3];
    seeds[3].len = fuzz_proto_script(seed_buf[3], sizeof seed_buf[3], abort_, 3, 200);
    *out = seeds;
    return 4;
}
