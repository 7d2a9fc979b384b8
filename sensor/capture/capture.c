#include "capture/capture.h"

#include <stdio.h>
#include <stdlib.h>

struct capture *capture_open(const struct capture_backend *be, const char *source,
                             const struct capture_config *cfg, char *err, size_t errlen)
{
    struct capture *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "%s: out of memory", source);
        return NULL;
    }
    c->be = be;
    snprintf(c->source, sizeof c->source, "%s", source);
    c->state = be->open(source, cfg, err, errlen);
    if (!c->state) {
        free(c);
        return NULL;
    }
    return c;
}

void capture_close(struct capture *c)
{
    if (!c)
        return;
    c->be->close(c->state);
    free(c);
}
