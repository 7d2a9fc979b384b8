#include "output/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_MAGIC 0x6d73u
#define SPOOL_HDR 8u
/* Appends are gathered into one write of this size at most; reads are
 * made in chunks of this size (a larger record gets a buffer of its own
 * size, bounded by SPOOL_MAX_RECORD). */
#define SPOOL_BUF (256u * 1024u)

struct spool {
    int fd;
    char path[PATH_MAX];
    char head_path[PATH_MAX];
    uint64_t max_bytes;
    enum spool_full_policy when_full;
    /* Logical positions (see spool.h); base is the logical position of
     * file offset 0. */
    uint64_t base, head, read, end;
    uint64_t flushed; /* logical end of what is in the file */
    uint64_t saved_head;
    char *wbuf; /* appends not yet written: [flushed, end) */
    size_t wlen;
    char *rbuf; /* a copy of the file at logical [rpos, rpos + rlen) */
    size_t rcap, rlen;
    uint64_t rpos;
    size_t peeked; /* size of the record spool_peek() returned, 0 if none */
    struct spool_stats st;
};

struct spool_hdr {
    uint32_t len;
    uint8_t type;
    uint8_t zero;
    uint16_t magic;
};

static void spool_encode(char *p, uint8_t type, size_t len)
{
    struct spool_hdr h = {.len = (uint32_t)len, .type = type, .zero = 0, .magic = SPOOL_MAGIC};
    memcpy(p, &h, SPOOL_HDR);
}

/* Returns the record's payload length, or -1 for a header that is not
 * one of ours. */
static int64_t spool_decode(const char *p, uint8_t *type)
{
    struct spool_hdr h;
    memcpy(&h, p, SPOOL_HDR);
    if (h.magic != SPOOL_MAGIC || h.zero != 0 || h.len > SPOOL_MAX_RECORD)
        return -1;
    *type = h.type;
    return h.len;
}

static int spool_write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int spool_pread_all(int fd, char *p, size_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* Saves head as a file offset, through a temporary file so that a crash
 * leaves either the old or the new value. */
static int spool_save_head(struct spool *s)
{
    if (s->saved_head == s->head)
        return 0;
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", s->head_path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    char text[32];
    int n = snprintf(text, sizeof text, "%" PRIu64 "\n", s->head - s->base);
    int rc = spool_write_all(fd, text, (size_t)n);
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, s->head_path) != 0)
        rc = -errno;
    if (rc == 0)
        s->saved_head = s->head;
    return rc;
}

static uint64_t spool_load_head(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    uint64_t v = 0;
    if (fscanf(f, "%" SCNu64, &v) != 1)
        v = 0;
    fclose(f);
    return v;
}

/* Walks the file: counts the records from head, finds the last whole
 * record and checks that head is on a record boundary. */
static int spool_recover(struct spool *s, uint64_t size, uint64_t head_off)
{
    uint64_t off = 0;
    bool head_ok = head_off == 0;
    uint64_t before_head = 0, bytes_before = 0, count = 0;
    char hdr[SPOOL_HDR];
    while (off + SPOOL_HDR <= size) {
        int rc = spool_pread_all(s->fd, hdr, SPOOL_HDR, off);
        if (rc < 0)
            return rc;
        uint8_t type;
        int64_t len = spool_decode(hdr, &type);
        if (len < 0 || off + SPOOL_HDR + (uint64_t)len > size)
            break;
        off += SPOOL_HDR + (uint64_t)len;
        count++;
        if (off == head_off) {
            head_ok = true;
            before_head = count;
            bytes_before = off;
        }
    }
    if (off < size) {
        s->st.torn_bytes = size - off;
        if (ftruncate(s->fd, (off_t)off) != 0)
            return -errno;
    }
    if (!head_ok || head_off > off) {
        before_head = 0;
        bytes_before = 0;
    }
    s->base = 0;
    s->head = s->read = bytes_before;
    s->end = s->flushed = off;
    s->saved_head = UINT64_MAX;
    s->st.records = count - before_head;
    s->st.bytes = off - bytes_before;
    s->st.recovered = s->st.records;
    return 0;
}

struct spool *spool_open(const struct spool_config *c, int *err)
{
    int rc = -ENOMEM;
    struct spool *s = calloc(1, sizeof *s);
    if (!s)
        goto fail;
    s->fd = -1;
    s->max_bytes = c->max_bytes;
    s->when_full = c->when_full;
    s->wbuf = malloc(SPOOL_BUF);
    s->rbuf = malloc(SPOOL_BUF);
    s->rcap = SPOOL_BUF;
    if (!s->wbuf || !s->rbuf)
        goto fail;
    int n1 = snprintf(s->path, sizeof s->path, "%s/%s", c->dir, c->name);
    int n2 = snprintf(s->head_path, sizeof s->head_path, "%s/%s.head", c->dir, c->name);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof s->path || (size_t)n2 >= sizeof s->head_path) {
        rc = -ENAMETOOLONG;
        goto fail;
    }
    /* 0640: records name hosts and devices of the hospital. */
    s->fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (s->fd < 0) {
        rc = -errno;
        goto fail;
    }
    struct stat sb;
    if (fstat(s->fd, &sb) != 0) {
        rc = -errno;
        goto fail;
    }
    rc = spool_recover(s, (uint64_t)sb.st_size, spool_load_head(s->head_path));
    if (rc < 0)
        goto fail;
    if (lseek(s->fd, 0, SEEK_END) < 0) {
        rc = -errno;
        goto fail;
    }
    return s;
fail:
    *err = rc;
    if (s) {
        if (s->fd >= 0)
            close(s->fd);
        free(s->wbuf);
        free(s->rbuf);
        free(s);
    }
    return NULL;
}

int spool_flush(struct spool *s)
{
    if (s->wlen == 0)
        return 0;
    int rc = spool_write_all(s->fd, s->wbuf, s->wlen);
    if (rc < 0)
        return rc;
    s->flushed += s->wlen;
    s->wlen = 0;
    return 0;
}

int spool_sync(struct spool *s)
{
    int rc = spool_flush(s);
    int rc2 = spool_save_head(s);
    return rc < 0 ? rc : rc2;
}

int spool_close(struct spool *s)
{
    if (!s)
        return 0;
    int rc = spool_sync(s);
    if (close(s->fd) != 0 && rc == 0)
        rc = -errno;
    free(s->wbuf);
    free(s->rbuf);
    free(s);
    return rc;
}

/* Makes the file hold prefix records followed by [head, end), starting
 * at file offset 0, through a temporary file renamed over the spool.
 * With n == 0 it is a compaction. Afterwards read = head. */
static int spool_rewrite(struct spool *s, size_t n, const uint8_t *types, const char *const *recs,
                         const size_t *lens)
{
    int rc = spool_flush(s);
    if (rc < 0)
        return rc;
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", s->path);
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    uint64_t pre = 0;
    char hdr[SPOOL_HDR];
    for (size_t i = 0; i < n && rc == 0; i++) {
        spool_encode(hdr, types[i], lens[i]);
        rc = spool_write_all(fd, hdr, SPOOL_HDR);
        if (rc == 0)
            rc = spool_write_all(fd, recs[i], lens[i]);
        pre += SPOOL_HDR + lens[i];
    }
    /* The waiting records, copied through the write buffer (empty now). */
    for (uint64_t pos = s->head; pos < s->end && rc == 0;) {
        size_t chunk = (size_t)(s->end - pos < SPOOL_BUF ? s->end - pos : SPOOL_BUF);
        rc = spool_pread_all(s->fd, s->wbuf, chunk, pos - s->base);
        if (rc == 0)
            rc = spool_write_all(fd, s->wbuf, chunk);
        pos += chunk;
    }
    if (rc == 0 && rename(tmp, s->path) != 0)
        rc = -errno;
    if (rc < 0) {
        close(fd);
        unlink(tmp);
        return rc;
    }
    close(s->fd);
    s->fd = fd;
    if (lseek(s->fd, 0, SEEK_END) < 0)
        return -errno;
    /* head moves back by the prepended bytes; logical positions of the
     * waiting records are unchanged. */
    s->st.bytes += pre;
    s->st.records += n;
    s->head -= pre;
    s->base = s->head;
    s->read = s->head;
    s->saved_head = UINT64_MAX;
    s->rlen = 0;
    s->peeked = 0;
    return spool_save_head(s);
}

int spool_prepend(struct spool *s, size_t n, const uint8_t *types, const char *const *recs,
                  const size_t *lens)
{
    uint64_t pre = 0;
    for (size_t i = 0; i < n; i++)
        pre += SPOOL_HDR + lens[i];
    if (n == 0) {
        spool_rewind(s);
        return 0;
    }
    /* Logical positions must stay above zero: when head is too small to
     * move back, every position is shifted up first (nothing holds a
     * position across a prepend: it follows a rewind). */
    if (s->head < pre) {
        uint64_t shift = pre - s->head;
        s->base += shift;
        s->head += shift;
        s->read += shift;
        s->end += shift;
        s->flushed += shift;
        s->rpos += shift;
    }
    return spool_rewrite(s, n, types, recs, lens);
}

/* Drops the record at head. Returns false when there is none. */
static bool spool_drop_oldest(struct spool *s)
{
    if (s->head >= s->end)
        return false;
    if (spool_flush(s) < 0)
        return false;
    char hdr[SPOOL_HDR];
    uint8_t type;
    if (spool_pread_all(s->fd, hdr, SPOOL_HDR, s->head - s->base) < 0)
        return false;
    int64_t len = spool_decode(hdr, &type);
    if (len < 0)
        return false;
    s->head += SPOOL_HDR + (uint64_t)len;
    s->st.records--;
    s->st.bytes -= SPOOL_HDR + (uint64_t)len;
    s->st.dropped++;
    if (s->read < s->head) {
        s->read = s->head;
        s->peeked = 0;
    }
    return true;
}

int spool_append(struct spool *s, uint8_t type, const void *p, size_t len)
{
    if (len > SPOOL_MAX_RECORD)
        return -EMSGSIZE;
    uint64_t need = SPOOL_HDR + (uint64_t)len;
    if (need > s->max_bytes) {
        s->st.dropped++;
        return -ENOSPC;
    }
    /* The file holds [base, end): compaction frees [base, head). */
    if (s->end - s->base + need > s->max_bytes && s->head > s->base) {
        int rc = spool_rewrite(s, 0, NULL, NULL, NULL);
        if (rc < 0)
            return rc;
    }
    while (s->end - s->base + need > s->max_bytes) {
        if (s->when_full == SPOOL_DROP_NEWEST || !spool_drop_oldest(s)) {
            s->st.dropped++;
            return -ENOSPC;
        }
        int rc = spool_rewrite(s, 0, NULL, NULL, NULL);
        if (rc < 0)
            return rc;
    }
    if (s->wlen + need > SPOOL_BUF) {
        int rc = spool_flush(s);
        if (rc < 0)
            return rc;
    }
    if (need > SPOOL_BUF) {
        char hdr[SPOOL_HDR];
        spool_encode(hdr, type, len);
        int rc = spool_write_all(s->fd, hdr, SPOOL_HDR);
        if (rc == 0)
            rc = spool_write_all(s->fd, p, len);
        if (rc < 0)
            return rc;
        s->flushed += need;
    } else {
        spool_encode(s->wbuf + s->wlen, type, len);
        memcpy(s->wbuf + s->wlen + SPOOL_HDR, p, len);
        s->wlen += (size_t)need;
    }
    s->end += need;
    s->st.records++;
    s->st.bytes += need;
    s->st.appended++;
    return 0;
}

/* Makes [pos, pos + len) present in rbuf. */
static int spool_fill(struct spool *s, uint64_t pos, size_t len)
{
    if (pos >= s->rpos && pos + len <= s->rpos + s->rlen)
        return 0;
    if (len > s->rcap) {
        char *nb = realloc(s->rbuf, len);
        if (!nb)
            return -ENOMEM;
        s->rbuf = nb;
        s->rcap = len;
    }
    size_t want = s->rcap;
    if (s->flushed - pos < want)
        want = (size_t)(s->flushed - pos);
    if (want < len)
        return -EIO;
    int rc = spool_pread_all(s->fd, s->rbuf, want, pos - s->base);
    if (rc < 0) {
        s->rlen = 0;
        return rc;
    }
    s->rpos = pos;
    s->rlen = want;
    return 0;
}

int spool_peek(struct spool *s, uint8_t *type, const char **p, size_t *len)
{
    s->peeked = 0;
    if (s->read >= s->end)
        return 0;
    /* What is to be read must be in the file. */
    if (s->read + SPOOL_HDR > s->flushed || s->wlen) {
        int rc = spool_flush(s);
        if (rc < 0)
            return rc;
    }
    int rc = spool_fill(s, s->read, SPOOL_HDR);
    if (rc < 0)
        return rc;
    int64_t n = spool_decode(s->rbuf + (s->read - s->rpos), type);
    if (n < 0)
        return -EBADMSG;
    rc = spool_fill(s, s->read, SPOOL_HDR + (size_t)n);
    if (rc < 0)
        return rc;
    *p = s->rbuf + (s->read - s->rpos) + SPOOL_HDR;
    *len = (size_t)n;
    s->peeked = SPOOL_HDR + (size_t)n;
    return 1;
}

uint64_t spool_next(struct spool *s)
{
    s->read += s->peeked;
    s->peeked = 0;
    return s->read;
}

void spool_rewind(struct spool *s)
{
    s->read = s->head;
    s->peeked = 0;
}

void spool_ack(struct spool *s, uint64_t pos)
{
    if (pos <= s->head || pos > s->end)
        return;
    s->st.bytes -= pos - s->head;
    s->st.records--;
    s->head = pos;
    if (s->read < s->head)
        s->read = s->head;
    if (s->head == s->end && spool_flush(s) == 0 && ftruncate(s->fd, 0) == 0) {
        /* Empty: the file starts again at offset 0 (O_APPEND is not used,
         * so the write offset is moved too). */
        if (lseek(s->fd, 0, SEEK_SET) == 0) {
            s->base = s->head;
            s->rlen = 0;
        }
    }
}

bool spool_empty(const struct spool *s)
{
    return s->head >= s->end;
}

bool spool_all_read(const struct spool *s)
{
    return s->read >= s->end;
}

void spool_get_stats(const struct spool *s, struct spool_stats *st)
{
    *st = s->st;
}
