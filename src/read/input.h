/* input.h: one input's bytes, whatever their container: a plain file (memory-mapped), stdin or a
 * pipe (read), gzip (zlib, multi-member) or zstd (long window) detected from magic bytes. */
#ifndef TOCSIN_READ_INPUT_H
#define TOCSIN_READ_INPUT_H

#include "common/common.h"

#include <sys/types.h>
#include <zlib.h>
#include <zstd.h>

typedef enum rd_in_kind {
    RD_IN_MAP,  /* a plain regular file, mapped: map[0..map_len) */
    RD_IN_FD,   /* plain bytes read from a descriptor (stdin, pipes, unmappable files) */
    RD_IN_GZIP,
    RD_IN_ZSTD,
} rd_in_kind;

typedef struct rd_in {
    const char *name;      /* for messages; borrowed from the caller */
    rd_in_kind kind;
    int fd;                /* -1 when closed / not owned */
    bool own_fd;
    const char *map;       /* RD_IN_MAP: the whole file */
    size_t map_len;
    unsigned char *raw;    /* bytes read but not yet used (compressed input, or the peeked
                              start of a plain stream) */
    size_t raw_cap, raw_pos, raw_len;
    bool raw_eof;          /* read() returned 0 */
    bool stream_end;       /* gzip member / zstd frame boundary reached at the last output */
    bool started;          /* a compressed stream has produced or consumed anything */
    z_stream zs;
    bool zs_init;
    ZSTD_DCtx *zd;
    size_t zret;           /* last ZSTD_decompressStream hint (0 = frame complete) */
    uint64_t out_total;    /* decompressed bytes produced */
} rd_in;

/* Opens `path` ("-" = stdin) and detects its container. On success *in must be closed with
 * rd_in_close(). `allow_map` = false forces descriptor reading even for regular files. */
tocsin_status rd_in_open(rd_in *in, const char *path, bool allow_map, tocsin_error *err);
/* Reads up to cap decompressed bytes (not for RD_IN_MAP). @return bytes, 0 at the end, -1 on
 * error with err filled (TOCSIN_ERR_TRUNCATED for a compressed stream cut short). */
ssize_t rd_in_read(rd_in *in, void *buf, size_t cap, tocsin_error *err);
void rd_in_close(rd_in *in);

#endif
