/* input.c: opening one input and handing out its decompressed bytes (see input.h). Plain
 * regular files are memory-mapped so that framing can run over them in place; everything else
 * goes through a raw buffer and, for gzip/zstd, a streaming decompressor. */
#include "read/input.h"

#include <errno.h>
#include <stdio.h>
#include <zstd_errors.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RAW_CAP (256u * 1024u)

static bool is_gzip(const unsigned char *p, size_t n)
{
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static bool is_zstd(const unsigned char *p, size_t n)
{
    return n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd;
}

/* Reads more raw bytes after the unused ones. @return bytes added, 0 at EOF, -1 on error. */
static ssize_t raw_fill(rd_in *in, tocsin_error *err)
{
    if (in->raw_pos > 0 && in->raw_pos < in->raw_len)
        memmove(in->raw, in->raw + in->raw_pos, in->raw_len - in->raw_pos);
    in->raw_len -= in->raw_pos;
    in->raw_pos = 0;
    if (in->raw_eof || in->raw_len == in->raw_cap)
        return 0;
    for (;;) {
        ssize_t k = read(in->fd, in->raw + in->raw_len, in->raw_cap - in->raw_len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            tc_error_set(err, TOCSIN_ERR_IO, in->name, 0, NULL, "cannot read: %s",
                         strerror(errno));
            return -1;
        }
        if (k == 0)
            in->raw_eof = true;
        in->raw_len += (size_t)k;
        return k;
    }
}

tocsin_status rd_in_open(rd_in *in, const char *path, bool allow_map, tocsin_error *err)
{
    memset(in, 0, sizeof *in);
    in->name = path;
    in->fd = -1;
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tc_error_set(err, TOCSIN_ERR_IO, path, 0, NULL, "cannot open: %s",
                            strerror(errno));
    in->fd = fd;
    in->own_fd = !is_stdin;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        tocsin_status s = tc_error_set(err, TOCSIN_ERR_IO, path, 0, NULL, "cannot stat: %s",
                                       strerror(errno));
        rd_in_close(in);
        return s;
    }
    if (S_ISDIR(st.st_mode)) {
        rd_in_close(in);
        return tc_error_set(err, TOCSIN_ERR_IO, path, 0, NULL,
                            "is a directory (expand it with tocsin_paths_expand)");
    }
    if (!is_stdin && allow_map && S_ISREG(st.st_mode)) {
        unsigned char magic[4];
        ssize_t k = pread(fd, magic, sizeof magic, 0);
        size_t n = k > 0 ? (size_t)k : 0;
        if (!is_gzip(magic, n) && !is_zstd(magic, n) && (size_t)st.st_size == (uint64_t)st.st_size) {
            in->kind = RD_IN_MAP;
            in->map_len = (size_t)st.st_size;
            if (in->map_len > 0) {
                void *m = mmap(NULL, in->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
                if (m == MAP_FAILED) {
                    tocsin_status s = tc_error_set(err, TOCSIN_ERR_IO, path, 0, NULL,
                                                   "cannot map: %s", strerror(errno));
                    rd_in_close(in);
                    return s;
                }
                madvise(m, in->map_len, MADV_SEQUENTIAL);
                in->map = m;
            }
            return TOCSIN_OK;
        }
    }
    in->raw = malloc(RAW_CAP);
    if (!in->raw) {
        rd_in_close(in);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, path, 0, NULL, "out of memory");
    }
    in->raw_cap = RAW_CAP;
    while (in->raw_len < 4 && !in->raw_eof) {
        tocsin_error e2;
        if (raw_fill(in, &e2) < 0) {
            if (err)
                *err = e2;
            rd_in_close(in);
            return e2.code;
        }
    }
    if (is_gzip(in->raw, in->raw_len)) {
        in->kind = RD_IN_GZIP;
        if (inflateInit2(&in->zs, 15 + 16) != Z_OK) {
            rd_in_close(in);
            return tc_error_set(err, TOCSIN_ERR_NOMEM, path, 0, NULL, "cannot start gzip");
        }
        in->zs_init = true;
    } else if (is_zstd(in->raw, in->raw_len)) {
        in->kind = RD_IN_ZSTD;
        in->zd = ZSTD_createDCtx();
        if (!in->zd) {
            rd_in_close(in);
            return tc_error_set(err, TOCSIN_ERR_NOMEM, path, 0, NULL, "cannot start zstd");
        }
        /* Pushshift / Arctic Shift dumps are written with --long=31 (see input.h) */
        ZSTD_DCtx_setParameter(in->zd, ZSTD_d_windowLogMax, RD_ZSTD_WINDOW_LOG_MAX);
    } else {
        in->kind = RD_IN_FD;
    }
    return TOCSIN_OK;
}

static ssize_t read_gzip(rd_in *in, unsigned char *buf, size_t cap, tocsin_error *err)
{
    for (;;) {
        if (in->raw_pos == in->raw_len) {
            ssize_t k = raw_fill(in, err);
            if (k < 0)
                return -1;
            if (k == 0 && in->raw_len == 0) {
                if (in->stream_end)
                    return 0;
                tc_error_set(err, TOCSIN_ERR_TRUNCATED, in->name, 0, NULL,
                             "gzip stream ends before its end (truncated file?)");
                return -1;
            }
        }
        if (in->stream_end) {
            /* Another member follows (multi-member gzip, as `cat a.gz b.gz`)? */
            while (in->raw_len - in->raw_pos < 2 && !in->raw_eof) {
                if (raw_fill(in, err) < 0)
                    return -1;
            }
            if (!is_gzip(in->raw + in->raw_pos, in->raw_len - in->raw_pos)) {
                in->raw_pos = in->raw_len; /* trailing garbage or padding: ignored, like gzip */
                return 0;
            }
            inflateReset(&in->zs);
            in->stream_end = false;
        }
        in->zs.next_in = in->raw + in->raw_pos;
        in->zs.avail_in = (uInt)(in->raw_len - in->raw_pos);
        in->zs.next_out = buf;
        in->zs.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
        int ret = inflate(&in->zs, Z_NO_FLUSH);
        in->raw_pos = in->raw_len - in->zs.avail_in;
        size_t got = (size_t)(in->zs.next_out - buf);
        if (ret == Z_STREAM_END) {
            in->stream_end = true;
        } else if (ret == Z_BUF_ERROR && in->raw_eof && in->raw_pos == in->raw_len) {
            if (got)
                return (ssize_t)got;
            tc_error_set(err, TOCSIN_ERR_TRUNCATED, in->name, 0, NULL,
                         "gzip stream ends before its end (truncated file?)");
            return -1;
        } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
            tc_error_set(err, TOCSIN_ERR_TRUNCATED, in->name, 0, NULL, "damaged gzip data: %s",
                         in->zs.msg ? in->zs.msg : "inflate failed");
            return -1;
        }
        in->out_total += got;
        if (got)
            return (ssize_t)got;
    }
}

/* The window a zstd frame header at p declares (RFC 8878 3.1.1.1: the window descriptor, or
 * for a single-segment frame its content size), 0 when p[0..n) does not hold enough of one. */
static uint64_t zstd_frame_window(const unsigned char *p, size_t n)
{
    if (n < 6 || !is_zstd(p, n))
        return 0;
    unsigned fhd = p[4];
    if (!(fhd & 0x20)) { /* a window descriptor */
        unsigned exp = p[5] >> 3, mant = p[5] & 7;
        uint64_t base = (uint64_t)1 << (10 + exp);
        return base + base / 8 * mant;
    }
    static const size_t did_size[4] = {0, 1, 2, 4}, fcs_size[4] = {1, 2, 4, 8};
    size_t at = 5 + did_size[fhd & 3], fs = fcs_size[fhd >> 6];
    if (n < at + fs)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < fs; i++)
        v |= (uint64_t)p[at + i] << (8 * i);
    return fs == 2 ? v + 256 : v;
}

/* "3 GiB", "2048 GiB", "512 MiB" */
static void size_words(uint64_t v, char *out, size_t cap)
{
    if (v >= (uint64_t)1 << 30)
        snprintf(out, cap, "%llu GiB", (unsigned long long)((v + (1u << 29)) >> 30));
    else
        snprintf(out, cap, "%llu MiB", (unsigned long long)((v + (1u << 19)) >> 20));
}

static void zstd_window_error(rd_in *in, tocsin_error *err)
{
    char asks[64] = "a window", words[32];
    if (in->zwant) {
        size_words(in->zwant, words, sizeof words);
        int lg = 0;
        while (lg < 63 && ((uint64_t)1 << lg) < in->zwant)
            lg++;
        if (((uint64_t)1 << lg) == in->zwant)
            snprintf(asks, sizeof asks, "a %s window (window log %d)", words, lg);
        else
            snprintf(asks, sizeof asks, "a %s window", words);
    }
    tc_error_set(err, TOCSIN_ERR_LIMIT, in->name, 0, NULL,
                 "zstd frame asks for %s; tocsin decompresses at most 2 GiB (window log %d, what "
                 "zstd --long=%d writes)",
                 asks, RD_ZSTD_WINDOW_LOG_MAX, RD_ZSTD_WINDOW_LOG_MAX);
}

static ssize_t read_zstd(rd_in *in, unsigned char *buf, size_t cap, tocsin_error *err)
{
    for (;;) {
        if (in->raw_pos == in->raw_len) {
            ssize_t k = raw_fill(in, err);
            if (k < 0)
                return -1;
            if (k == 0 && in->raw_len == 0) {
                if (in->zret == 0)
                    return 0;
                tc_error_set(err, TOCSIN_ERR_TRUNCATED, in->name, 0, NULL,
                             "zstd stream ends before its end (truncated file?)");
                return -1;
            }
        }
        if (in->zret == 0) /* a frame starts here: remember what it asks for, for the message */
            in->zwant = zstd_frame_window(in->raw + in->raw_pos, in->raw_len - in->raw_pos);
        ZSTD_inBuffer zin = {in->raw, in->raw_len, in->raw_pos};
        ZSTD_outBuffer zout = {buf, cap, 0};
        size_t r = ZSTD_decompressStream(in->zd, &zout, &zin);
        in->raw_pos = zin.pos;
        if (ZSTD_isError(r) && ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge) {
            zstd_window_error(in, err);
            return -1;
        }
        if (ZSTD_isError(r)) {
            tc_error_set(err, TOCSIN_ERR_TRUNCATED, in->name, 0, NULL, "damaged zstd data: %s",
                         ZSTD_getErrorName(r));
            return -1;
        }
        in->zret = r;
        in->out_total += zout.pos;
        if (zout.pos)
            return (ssize_t)zout.pos;
    }
}

ssize_t rd_in_read(rd_in *in, void *buf, size_t cap, tocsin_error *err)
{
    switch (in->kind) {
    case RD_IN_MAP:
        return 0;
    case RD_IN_GZIP:
        return read_gzip(in, buf, cap, err);
    case RD_IN_ZSTD:
        return read_zstd(in, buf, cap, err);
    case RD_IN_FD:
        break;
    }
    if (in->raw_pos < in->raw_len) {
        size_t n = in->raw_len - in->raw_pos;
        if (n > cap)
            n = cap;
        memcpy(buf, in->raw + in->raw_pos, n);
        in->raw_pos += n;
        in->out_total += n;
        return (ssize_t)n;
    }
    if (in->raw_eof)
        return 0;
    for (;;) {
        ssize_t k = read(in->fd, buf, cap);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            tc_error_set(err, TOCSIN_ERR_IO, in->name, 0, NULL, "cannot read: %s",
                         strerror(errno));
            return -1;
        }
        if (k == 0)
            in->raw_eof = true;
        in->out_total += (size_t)k;
        return k;
    }
}

void rd_in_close(rd_in *in)
{
    if (in->map)
        munmap((void *)in->map, in->map_len);
    in->map = NULL;
    if (in->zs_init)
        inflateEnd(&in->zs);
    in->zs_init = false;
    ZSTD_freeDCtx(in->zd);
    in->zd = NULL;
    free(in->raw);
    in->raw = NULL;
    if (in->own_fd && in->fd >= 0)
        close(in->fd);
    in->fd = -1;
}
