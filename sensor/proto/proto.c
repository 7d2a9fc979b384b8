#include "proto/proto.h"

#include <stdlib.h>

struct proto_engine {
    struct flow_table *ft;          /* borrowed */
    const struct classifier *cls;   /* borrowed */
    struct eve_file *eve;           /* borrowed */
};

struct proto_engine *proto_engine_new(struct flow_table *ft, const struct classifier *cls,
                                      struct eve_file *eve)
{
    struct proto_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->ft = ft;
    e->cls = cls;
    e->eve = eve;
    return e;
}

void proto_engine_free(struct proto_engine *e)
{
    free(e);
}

void proto_packet(struct proto_engine *e, struct flow *f, const struct packet *p,
                  enum flow_dir dir)
{
    (void)e;
    (void)f;
    (void)p;
    (void)dir;
}

void proto_flow_end(struct proto_engine *e, struct flow *f)
{
    (void)e;
    (void)f;
}
