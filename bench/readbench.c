/* readbench.c: reading speed of the read stage alone (framing + JSON parsing + field mapping).
 *
 *   readbench [-r RUNS] [-t THREADS] [-f FORMAT] FILE...
 *
 * Reads every file RUNS times (default 5) and prints, per file, the input bytes, the posts, and
 * the median, min and max throughput in MB/s (10^6 bytes per second of wall time), and the
 * median per second of process CPU time (the figure that matters on a shared, noisy machine:
 * with N threads it is per thread). With -t N a
 * file is split with tocsin_input_split() and read by N threads (one reader per range). The sum
 * of the text lengths is printed too, so the work cannot be optimized away. */
#include "tocsin.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct job {
    const char *path;
    const char *format;
    uint64_t begin, end;
    bool ranged;
    uint64_t posts, bytes, textsum;
    tocsin_status st;
    tocsin_error err;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = j->format;
    tocsin_reader *r;
    j->st = j->ranged ? tocsin_reader_open_range(&o, j->path, j->begin, j->end, &r, &j->err)
                      : tocsin_reader_open(&o, j->path, &r, &j->err);
    if (j->st != TOCSIN_OK)
        return NULL;
    for (;;) {
        tocsin_post p;
        int got;
        j->st = tocsin_reader_next(r, &p, &got, &j->err);
        if (j->st != TOCSIN_OK || !got)
            break;
        j->posts++;
        j->textsum += p.text.len + (p.text.len ? (unsigned char)p.text.ptr[0] : 0);
    }
    tocsin_read_stats s;
    tocsin_reader_stats(r, &s);
    j->bytes = s.bytes;
    tocsin_reader_free(r);
    return NULL;
}

static double clock_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int runs = 5, threads = 1, opt;
    const char *format = NULL;
    while ((opt = getopt(argc, argv, "r:t:f:")) != -1) {
        if (opt == 'r')
            runs = atoi(optarg);
        else if (opt == 't')
            threads = atoi(optarg);
        else if (opt == 'f')
            format = optarg;
        else
            return 2;
    }
    if (optind >= argc || runs < 1 || runs > 100 || threads < 1 || threads > 64) {
        fprintf(stderr, "usage: readbench [-r RUNS] [-t THREADS] [-f FORMAT] FILE...\n");
        return 2;
    }
    printf("%-40s %12s %10s %3s %10s %10s %10s %10s\n", "file", "bytes", "posts", "thr",
           "MB/s med", "min", "max", "MB/cpu-s");
    for (int a = optind; a < argc; a++) {
        const char *path = argv[a];
        double mbs[100], cpu[100];
        job jobs[64];
        size_t nj = 1;
        uint64_t off[65];
        if (threads > 1) {
            tocsin_error e;
            if (tocsin_input_split(path, (size_t)threads, off, &nj, &e) != TOCSIN_OK) {
                char b[700];
                tocsin_error_format(&e, b, sizeof b);
                fprintf(stderr, "readbench: %s\n", b);
                return 1;
            }
        }
        for (int r = 0; r < runs; r++) {
            memset(jobs, 0, sizeof jobs);
            pthread_t th[64];
            double t0 = now(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
            for (size_t i = 0; i < nj; i++) {
                jobs[i].path = path;
                jobs[i].format = format;
                jobs[i].ranged = threads > 1;
                jobs[i].begin = threads > 1 ? off[i] : 0;
                jobs[i].end = threads > 1 ? off[i + 1] : 0;
                if (nj == 1)
                    run_job(&jobs[0]);
                else
                    pthread_create(&th[i], NULL, run_job, &jobs[i]);
            }
            if (nj > 1)
                for (size_t i = 0; i < nj; i++)
                    pthread_join(th[i], NULL);
            double dt = now() - t0, dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
            uint64_t bytes = 0;
            for (size_t i = 0; i < nj; i++) {
                if (jobs[i].st != TOCSIN_OK) {
                    char b[700];
                    tocsin_error_format(&jobs[i].err, b, sizeof b);
                    fprintf(stderr, "readbench: %s\n", b);
                    return 1;
                }
                bytes += jobs[i].bytes;
            }
            mbs[r] = (double)bytes / 1e6 / dt;
            cpu[r] = (double)bytes / 1e6 / dc;
        }
        uint64_t bytes = 0, posts = 0, textsum = 0;
        for (size_t i = 0; i < nj; i++) {
            bytes += jobs[i].bytes;
            posts += jobs[i].posts;
            textsum += jobs[i].textsum;
        }
        qsort(mbs, (size_t)runs, sizeof *mbs, cmp_double);
        qsort(cpu, (size_t)runs, sizeof *cpu, cmp_double);
        printf("%-40s %12llu %10llu %3zu %10.0f %10.0f %10.0f %10.0f  (text sum %llu)\n", path,
               (unsigned long long)bytes, (unsigned long long)posts, nj, mbs[runs / 2], mbs[0],
               mbs[runs - 1], cpu[runs / 2], (unsigned long long)textsum);
    }
    return 0;
}
