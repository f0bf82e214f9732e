/* input.h: one input's bytes, whatever their container: a plain file (memory-mapped), stdin or a
 * pipe (read), gzip (zlib, multi-member) or zstd (long window) detected from magic bytes. */
#ifndef TOCSIN_READ_INPUT_H
#define TOCSIN_READ_INPUT_H

#include "common/common.h"

#include <sys/types.h>
#include <zlib.h>
#include <zstd.h>

/* The largest zstd window accepted: 2^31 bytes (2 GiB), the most zstd allows and what Reddit
 * dumps (Pushshift, Arctic Shift: zstd --long=31) need; zstd's own default is 2^27 (128 MiB).
 * The cost: the decoder allocates the window a frame declares (up to 2 GiB of address space,
 * unless the frame declares a smaller content size) and fills it as the output grows, so a
 * reader holds up to 2 GiB more than the output it has consumed for such a frame, and a scan
 * with N threads up to N times that. A small hostile file can ask for the full window and
 * decompress to gigabytes of blank lines; it cannot ask for more. Frames that ask for more
 * than 2^31 are refused with TOCSIN_ERR_LIMIT, naming the window they asked for. */
#define RD_ZSTD_WINDOW_LOG_MAX 31

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
    uint64_t zwant;        /* window the current frame declared (0 = not known) */
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
