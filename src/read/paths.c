/* paths.c: turning input arguments into a list of files: directories are walked recursively
 * (entries in byte order of their names, hidden ones skipped, only regular files kept), files
 * and "-" (stdin) stay as given. A walk enters each directory and takes each file once, by
 * device and inode: a symbolic link to a directory already walked (a "latest" link beside the
 * dated folders, a link back to a parent) adds nothing instead of counting its posts twice or
 * looping. */
#include "read/reader_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct plist {
    char **v;
    size_t n, cap;
} plist;

static tocsin_status plist_add(plist *l, char *p)
{
    if (!p)
        return TOCSIN_ERR_NOMEM;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, nc * sizeof *v);
        if (!v) {
            free(p);
            return TOCSIN_ERR_NOMEM;
        }
        l->v = v;
        l->cap = nc;
    }
    l->v[l->n++] = p;
    return TOCSIN_OK;
}

/* The (device, inode) pairs met so far: an open-addressing set. */
typedef struct fid {
    dev_t dev;
    ino_t ino;
    bool used;
} fid;

typedef struct fidset {
    fid *v;
    size_t n, cap;
} fidset;

static size_t fid_hash(dev_t dev, ino_t ino)
{
    uint64_t h = ((uint64_t)dev * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)ino;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return (size_t)(h ^ (h >> 32));
}

/* Adds (dev, ino). @return 1 when new, 0 when already there, -1 when out of memory. */
static int fid_add(fidset *s, dev_t dev, ino_t ino)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        fid *nv = calloc(nc, sizeof *nv);
        if (!nv)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->v[i].used)
                continue;
            size_t j = fid_hash(s->v[i].dev, s->v[i].ino) & (nc - 1);
            while (nv[j].used)
                j = (j + 1) & (nc - 1);
            nv[j] = s->v[i];
        }
        free(s->v);
        s->v = nv;
        s->cap = nc;
    }
    size_t j = fid_hash(dev, ino) & (s->cap - 1);
    for (; s->v[j].used; j = (j + 1) & (s->cap - 1))
        if (s->v[j].dev == dev && s->v[j].ino == ino)
            return 0;
    s->v[j] = (fid){dev, ino, true};
    s->n++;
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static tocsin_status walk_dir(const char *dir, plist *out, fidset *seen, int depth,
                              tocsin_error *err)
{
    if (depth > 64)
        return tc_error_set(err, TOCSIN_ERR_IO, dir, 0, NULL, "directories nested too deeply");
    DIR *d = opendir(dir);
    if (!d)
        return tc_error_set(err, TOCSIN_ERR_IO, dir, 0, NULL, "cannot open directory: %s",
                            strerror(errno));
    plist names = {0};
    tocsin_status st = TOCSIN_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* hidden files, "." and ".." */
        if ((st = plist_add(&names, tc_strndup(e->d_name, strlen(e->d_name)))) != TOCSIN_OK) {
            tc_error_set(err, st, dir, 0, NULL, "out of memory");
            goto out;
        }
    }
    if (names.n > 1)
        qsort(names.v, names.n, sizeof *names.v, cmp_str);
    size_t dl = strlen(dir);
    bool slash = dl > 0 && dir[dl - 1] == '/';
    for (size_t i = 0; i < names.n && st == TOCSIN_OK; i++) {
        size_t nl = strlen(names.v[i]);
        char *full = malloc(dl + nl + 2);
        if (!full) {
            st = tc_error_set(err, TOCSIN_ERR_NOMEM, dir, 0, NULL, "out of memory");
            break;
        }
        memcpy(full, dir, dl);
        if (!slash)
            full[dl] = '/';
        memcpy(full + dl + !slash, names.v[i], nl + 1);
        struct stat sb;
        if (stat(full, &sb) != 0) {
            free(full); /* a dangling link or a file removed meanwhile */
            continue;
        }
        int fresh = S_ISDIR(sb.st_mode) || S_ISREG(sb.st_mode)
                        ? fid_add(seen, sb.st_dev, sb.st_ino) : 0;
        if (fresh < 0) {
            free(full);
            st = tc_error_set(err, TOCSIN_ERR_NOMEM, dir, 0, NULL, "out of memory");
        } else if (!fresh) {
            free(full); /* met before (through a link), or not a file */
        } else if (S_ISDIR(sb.st_mode)) {
            st = walk_dir(full, out, seen, depth + 1, err);
            free(full);
        } else {
            st = plist_add(out, full);
            if (st != TOCSIN_OK)
                tc_error_set(err, st, dir, 0, NULL, "out of memory");
        }
    }
out:
    for (size_t i = 0; i < names.n; i++)
        free(names.v[i]);
    free(names.v);
    closedir(d);
    return st;
}

tocsin_status tocsin_paths_expand(const char *const *args, size_t nargs, char ***out, size_t *n,
                                  tocsin_error *err)
{
    plist l = {0};
    fidset seen = {0};
    tocsin_status st = TOCSIN_OK;
    for (size_t i = 0; i < nargs && st == TOCSIN_OK; i++) {
        const char *a = args[i];
        struct stat sb;
        if (strcmp(a, "-") != 0 && stat(a, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            int fresh = fid_add(&seen, sb.st_dev, sb.st_ino);
            if (fresh < 0)
                st = tc_error_set(err, TOCSIN_ERR_NOMEM, a, 0, NULL, "out of memory");
            else if (fresh)
                st = walk_dir(a, &l, &seen, 0, err);
        } else if (strcmp(a, "-") != 0 && stat(a, &sb) != 0) {
            st = tc_error_set(err, TOCSIN_ERR_IO, a, 0, NULL, "cannot open: %s", strerror(errno));
        } else {
            st = plist_add(&l, tc_strndup(a, strlen(a)));
            if (st != TOCSIN_OK)
                tc_error_set(err, st, a, 0, NULL, "out of memory");
        }
    }
    free(seen.v);
    if (st != TOCSIN_OK) {
        tocsin_paths_free(l.v, l.n);
        return st;
    }
    *out = l.v;
    *n = l.n;
    return TOCSIN_OK;
}

void tocsin_paths_free(char **paths, size_t n)
{
    if (!paths)
        return;
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}
