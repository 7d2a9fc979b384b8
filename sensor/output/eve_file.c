#include "output/eve_file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EVE_FILE_BUFSIZE (1u << 20)

struct eve_file {
    FILE *fp;
    char *buf;
    char path[PATH_MAX];
};

struct eve_file *eve_file_open(const char *logdir)
{
    struct eve_file *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    if (strcmp(logdir, "-") == 0) {
        /* Our own FILE on a duplicate of fd 1, so that its buffer is ours
         * to size and to free. */
        int fd = dup(STDOUT_FILENO);
        if (fd < 0)
            goto fail;
        e->fp = fdopen(fd, "w");
        if (!e->fp) {
            close(fd);
            goto fail;
        }
        snprintf(e->path, sizeof e->path, "-");
    } else {
        int n = snprintf(e->path, sizeof e->path, "%s/eve.json", logdir);
        if (n < 0 || (size_t)n >= sizeof e->path) {
            errno = ENAMETOOLONG;
            goto fail;
        }
        e->fp = fopen(e->path, "a");
        if (!e->fp)
            goto fail;
    }
    e->buf = malloc(EVE_FILE_BUFSIZE);
    if (e->buf)
        setvbuf(e->fp, e->buf, _IOFBF, EVE_FILE_BUFSIZE);
    return e;
fail: {
    int saved = errno;
    free(e);
    errno = saved;
    return NULL;
}
}

int eve_file_write(struct eve_file *e, const struct json_buf *rec)
{
    if (rec->err || !rec->p)
        return -EINVAL;
    if (fwrite(rec->p, 1, rec->len, e->fp) != rec->len || putc('\n', e->fp) == EOF)
        return errno ? -errno : -EIO;
    return 0;
}

int eve_file_flush(struct eve_file *e)
{
    return fflush(e->fp) == 0 ? 0 : -errno;
}

int eve_file_close(struct eve_file *e)
{
    if (!e)
        return 0;
    int rc = 0;
    if (fflush(e->fp) != 0)
        rc = -errno;
    if (fclose(e->fp) != 0 && rc == 0)
        rc = -errno;
    free(e->buf);
    free(e);
    return rc;
}

const char *eve_file_path(const struct eve_file *e)
{
    return e->path;
}
