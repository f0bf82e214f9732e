/* time.c: timestamps as the exports write them, and time zones read from the system's TZif
 * files. The C library's zone handling is not usable here: it goes through the TZ environment
 * variable and global state (setenv/tzset), which is neither thread-safe nor per reader. So zones
 * are parsed from /usr/share/zoneinfo (RFC 8536, version 2+ 64-bit data), loaded once, shared
 * read-only by all threads; a local time is turned into UTC by looking up the offset in force
 * (a time that falls in a DST gap or overlap resolves to one of its two readings).
 * The files carry explicit transitions to 2037; later times keep the last offset (the POSIX
 * rule in the file's footer is not evaluated). */
#include "read/reader_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TOCSIN_ZONEINFO
#define TOCSIN_ZONEINFO "/usr/share/zoneinfo"
#endif

struct rd_zone {
    struct rd_zone *next;
    char *name;
    bool fixed;
    int32_t fixed_off;
    size_t ntrans;
    int64_t *trans;   /* UTC seconds of each transition, ascending */
    int32_t *off;     /* offset in force from each transition on */
    int32_t off0;     /* before the first transition */
};

static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rd_zone *zones;

/* ---- calendar ---- */


static int days_in_month(int64_t y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

void tocsin_time_format(int64_t ts, char *buf, size_t cap)
{
    int64_t days = ts / 86400, rem = ts % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    int m, d;
    tc_civil_from_days(days, &y, &m, &d);
    snprintf(buf, cap, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60));
}

/* ---- zones ---- */

static int32_t zone_offset_at(const struct rd_zone *z, int64_t utc)
{
    if (z->fixed)
        return z->fixed_off;
    if (z->ntrans == 0 || utc < z->trans[0])
        return z->off0;
    size_t lo = 0, hi = z->ntrans; /* last transition <= utc */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= utc)
            lo = mid;
        else
            hi = mid;
    }
    return z->off[lo];
}

static int64_t zone_local_to_utc(const struct rd_zone *z, int64_t local)
{
    if (!z)
        return local;
    int32_t o1 = zone_offset_at(z, local - zone_offset_at(z, local));
    int64_t u = local - o1;
    int32_t o2 = zone_offset_at(z, u);
    return o2 == o1 ? u : local - o2;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Parses TZif data into z. @return false when it is not a TZif file we understand. */
static bool tzif_parse(struct rd_zone *z, const unsigned char *p, size_t n)
{
    if (n < 44 || memcmp(p, "TZif", 4) != 0)
        return false;
    int version = p[4];
    size_t tsize = 4;
    for (int pass = 0; pass < 2; pass++) {
        if (n < 44 || memcmp(p, "TZif", 4) != 0)
            return false;
        uint32_t isut = be32(p + 20), isstd = be32(p + 24), leap = be32(p + 28),
                 timecnt = be32(p + 32), typecnt = be32(p + 36), charcnt = be32(p + 40);
        if (typecnt == 0 || timecnt > 100000 || typecnt > 256 || leap > 100000 ||
            charcnt > 100000 || isut > 256 || isstd > 256)
            return false;
        uint64_t need = 44 + (uint64_t)timecnt * tsize + timecnt + (uint64_t)typecnt * 6 +
                        charcnt + (uint64_t)leap * (tsize + 4) + isstd + isut;
        if (need > n)
            return false;
        if (pass == 0 && version >= '2') {
            p += need; /* skip the 32-bit block */
            n -= (size_t)need;
            tsize = 8;
            continue;
        }
        const unsigned char *tt = p + 44, *ti = tt + (size_t)timecnt * tsize,
                            *types = ti + timecnt;
        z->trans = malloc((timecnt ? timecnt : 1) * sizeof *z->trans);
        z->off = malloc((timecnt ? timecnt : 1) * sizeof *z->off);
        if (!z->trans || !z->off)
            return false;
        for (uint32_t i = 0; i < timecnt; i++) {
            z->trans[i] = tsize == 8 ? be64(tt + 8 * i) : (int32_t)be32(tt + 4 * i);
            if (ti[i] >= typecnt)
                return false;
            z->off[i] = (int32_t)be32(types + 6 * ti[i]);
        }
        z->ntrans = timecnt;
        z->off0 = (int32_t)be32(types); /* time type 0 applies before the first transition */
        return true;
    }
    return false;
}

static bool zone_name_ok(const char *name)
{
    if (!name[0] || name[0] == '/' || strstr(name, "..") || strlen(name) > 200)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_-+", *p))
            return false;
    return true;
}

/* "+05:30", "-0800", "+05" -> seconds east of UTC. */
static bool parse_fixed(const char *s, size_t n, int32_t *off)
{
    if (n < 2 || (s[0] != '+' && s[0] != '-'))
        return false;
    int h = 0, m = 0;
    size_t i = 1, digits = 0;
    int v[4];
    for (; i < n; i++) {
        if (s[i] == ':' && digits == 2)
            continue;
        if (!isdigit((unsigned char)s[i]) || digits == 4)
            return false;
        v[digits++] = s[i] - '0';
    }
    if (digits != 2 && digits != 4)
        return false;
    h = v[0] * 10 + v[1];
    if (digits == 4)
        m = v[2] * 10 + v[3];
    if (h > 23 || m > 59)
        return false;
    *off = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return true;
}

tocsin_status rd_zone_get(const char *name, const rd_zone **out, char *why, size_t why_cap)
{
    *out = NULL;
    if (!name || !name[0] || strcmp(name, "UTC") == 0 || strcmp(name, "Z") == 0 ||
        strcmp(name, "GMT") == 0 || strcmp(name, "Etc/UTC") == 0)
        return TOCSIN_OK;
    int32_t off = 0;
    bool fixed = parse_fixed(name, strlen(name), &off);
    if (!fixed && !zone_name_ok(name)) {
        snprintf(why, why_cap, "unknown time zone \"%s\" (a zone name such as Asia/Kolkata, or an "
                 "offset such as +05:30)", name);
        return TOCSIN_ERR_USAGE;
    }
    pthread_mutex_lock(&zone_lock);
    for (struct rd_zone *z = zones; z; z = z->next) {
        if (strcmp(z->name, name) == 0) {
            pthread_mutex_unlock(&zone_lock);
            *out = z;
            return TOCSIN_OK;
        }
    }
    struct rd_zone *z = calloc(1, sizeof *z);
    tocsin_status st = TOCSIN_OK;
    unsigned char *data = NULL;
    if (!z || !(z->name = tc_strndup(name, strlen(name)))) {
        snprintf(why, why_cap, "out of memory");
        st = TOCSIN_ERR_NOMEM;
        goto out;
    }
    if (fixed) {
        z->fixed = true;
        z->fixed_off = off;
    } else {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", TOCSIN_ZONEINFO, name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        size_t n = 0, cap = 1u << 20;
        data = fd >= 0 ? malloc(cap) : NULL;
        while (data && n < cap) {
            ssize_t k = read(fd, data + n, cap - n);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            n += (size_t)k;
        }
        if (fd >= 0)
            close(fd);
        if (!data || !tzif_parse(z, data, n)) {
            snprintf(why, why_cap, "unknown time zone \"%s\" (no zone file %s)", name, path);
            st = TOCSIN_ERR_USAGE;
            goto out;
        }
    }
    z->next = zones;
    zones = z;
    *out = z;
    z = NULL;
out:
    pthread_mutex_unlock(&zone_lock);
    free(data);
    if (z) {
        free(z->name);
        free(z->trans);
        free(z->off);
        free(z);
    }
    return st;
}

/* ---- parsing ---- */

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Exactly eight digits that form a date from 1900-01-01 to 2100-12-31 are that date written
 * YYYYMMDD ("20210315"), not epoch seconds: as seconds they would be a time between 1970-08 and
 * 1970-12 or in 1972-1973, before any of the platforms tocsin reads existed, while compact dates
 * are common in exported spreadsheets and file names. Eight-digit values that are not such a
 * date (20210229, 30000000) stay epoch seconds, and so do values with a sign or a fraction
 * ("20210315.0" is a float epoch). */
static bool ymd8(uint64_t v, int64_t *y, int *m, int *d)
{
    if (v < 19000101 || v > 21001231)
        return false;
    *y = (int64_t)(v / 10000);
    *m = (int)(v / 100 % 100);
    *d = (int)(v % 100);
    return *m >= 1 && *m <= 12 && *d >= 1 && *d <= days_in_month(*y, *m);
}

int64_t rd_epoch_scale(int64_t v)
{
    int64_t y;
    int m, d;
    if (v >= 0 && ymd8((uint64_t)v, &y, &m, &d))
        return tc_days_from_civil(y, m, d) * 86400; /* UTC midnight: no zone reaches here */
    int64_t a = v < 0 ? -(v + 1) : v, div = 1;
    if (a >= 100000000000000000LL)
        div = 1000000000;
    else if (a >= 100000000000000LL)
        div = 1000000;
    else if (a >= 100000000000LL)
        div = 1000;
    int64_t q = v / div;
    return (v % div && v < 0) ? q - 1 : q; /* floor */
}

/* Epoch seconds or milliseconds (or micro/nanoseconds), decided by magnitude. */
static bool parse_epoch(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    size_t ds = i;
    while (i < n && isdigit((unsigned char)s[i]))
        i++;
    size_t dn = i - ds;
    if (dn == 0 || dn > 19)
        return false;
    if (i < n) { /* a fraction: digits only, ignored (floor) */
        if (s[i] != '.')
            return false;
        for (size_t k = i + 1; k < n; k++)
            if (!isdigit((unsigned char)s[k]))
                return false;
    }
    uint64_t v = 0;
    for (size_t k = ds; k < ds + dn; k++)
        v = v * 10 + (uint64_t)(s[k] - '0');
    if (v > (uint64_t)INT64_MAX)
        return false;
    int64_t x = (int64_t)v;
    bool frac = i < n && i + 1 < n;
    int64_t div = 1;
    if (x >= 100000000000000000LL)
        div = 1000000000;
    else if (x >= 100000000000000LL)
        div = 1000000;
    else if (x >= 100000000000LL)
        div = 1000;
    if (neg) { /* floor for times before 1970 */
        int64_t q = x / div;
        if (x % div || (div == 1 && frac))
            q++;
        *out = -q;
    } else {
        *out = x / div;
    }
    return true;
}

/* Month names by their first letters, in the languages feeds and exports are written in
 * (English, Portuguese, Spanish, French, German, Italian, Dutch): a word is that month when it
 * starts with one of these, in any case. The first three bytes are compared as one number
 * (this runs for every word of every X created_at); names with an accented second letter are
 * four UTF-8 bytes, compared as they are (lowercase accents only). */
#define M3(a, b, c) ((uint32_t)(a) << 16 | (uint32_t)(b) << 8 | (uint32_t)(c))

static int month_of(const char *w, size_t n)
{
    static const struct {
        uint32_t key;
        int month;
    } ascii[] = {
        {M3('j', 'a', 'n'), 1},  {M3('e', 'n', 'e'), 1},  {M3('g', 'e', 'n'), 1},
        {M3('f', 'e', 'b'), 2},  {M3('f', 'e', 'v'), 2},  {M3('m', 'a', 'r'), 3},
        {M3('m', 'r', 't'), 3},  {M3('m', 'r', 'z'), 3},  {M3('a', 'p', 'r'), 4},
        {M3('a', 'b', 'r'), 4},  {M3('a', 'v', 'r'), 4},  {M3('m', 'a', 'y'), 5},
        {M3('m', 'a', 'i'), 5},  {M3('m', 'a', 'g'), 5},  {M3('m', 'e', 'i'), 5},
        {M3('j', 'u', 'n'), 6},  {M3('j', 'u', 'i'), 6},  {M3('g', 'i', 'u'), 6},
        {M3('j', 'u', 'l'), 7},  {M3('l', 'u', 'g'), 7},  {M3('a', 'u', 'g'), 8},
        {M3('a', 'g', 'o'), 8},  {M3('a', 'o', 'u'), 8},  {M3('s', 'e', 'p'), 9},
        {M3('s', 'e', 't'), 9},  {M3('o', 'c', 't'), 10}, {M3('o', 'u', 't'), 10},
        {M3('o', 'k', 't'), 10}, {M3('o', 't', 't'), 10}, {M3('n', 'o', 'v'), 11},
        {M3('d', 'e', 'c'), 12}, {M3('d', 'e', 'z'), 12}, {M3('d', 'i', 'c'), 12},
    };
    static const struct {
        char abbr[5];
        int month;
    } accented[] = {{"j\xc3\xa4n", 1}, {"f\xc3\xa9v", 2}, {"m\xc3\xa4r", 3},
                    {"ao\xc3\xbb", 8}, {"d\xc3\xa9" "c", 12}};
    if (n < 3)
        return 0;
    int c0 = tolower((unsigned char)w[0]);
    if ((unsigned char)w[1] >= 0x80 || (unsigned char)w[2] >= 0x80) {
        for (size_t i = 0; i < sizeof accented / sizeof *accented; i++)
            if (n >= 4 && c0 == accented[i].abbr[0] && !memcmp(w + 1, accented[i].abbr + 1, 3))
                return accented[i].month;
        return 0;
    }
    uint32_t key = M3(c0, tolower((unsigned char)w[1]), tolower((unsigned char)w[2]));
    if (key == M3('j', 'u', 'i') && n >= 4 && tolower((unsigned char)w[3]) == 'l')
        return 7; /* French "juillet" ("juin" is June) */
    for (size_t i = 0; i < sizeof ascii / sizeof *ascii; i++)
        if (ascii[i].key == key)
            return ascii[i].month;
    return 0;
}

static bool is_weekday(const char *s, size_t n)
{
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    if (n < 3)
        return false;
    for (int i = 0; i < 7; i++)
        if (tc_strv_eq_ci(tc_strv(s, 3), days[i]))
            return true;
    return false;
}

/* A word of letters (UTF-8 included), possibly ending with a period: "Seg", "jeu.", "Mi". */
static bool is_word(const char *s, size_t n)
{
    if (n == 0 || n > 16)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalpha(c) && c < 0x80 && !(c == '.' && i == n - 1 && i > 0))
            return false;
    }
    return true;
}

static bool named_zone(const char *s, size_t n, int32_t *off)
{
    static const struct {
        char name[5];
        unsigned char len;
        short minutes;
    } named[] = {{"gmt", 3, 0},     {"ut", 2, 0},      {"utc", 3, 0},     {"z", 1, 0},
                 {"est", 3, -300},  {"edt", 3, -240},  {"cst", 3, -360},  {"cdt", 3, -300},
                 {"mst", 3, -420},  {"mdt", 3, -360},  {"pst", 3, -480},  {"pdt", 3, -420},
                 {"bst", 3, 60},    {"cet", 3, 60},    {"cest", 4, 120},  {"mez", 3, 60},
                 {"mesz", 4, 120},  {"brt", 3, -180}};
    if (n == 0 || n > 4)
        return false;
    for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
        if (named[i].len == n && tc_strv_eq_ci(tc_strv(s, n), named[i].name)) {
            *off = named[i].minutes * 60;
            return true;
        }
    }
    return false;
}

/* "HH:MM[:SS[.frac]]" */
static bool parse_clock(const char *s, size_t n, int *h, int *mi, int *se)
{
    if (n < 5 || !all_digits(s, 2) || s[2] != ':' || !all_digits(s + 3, 2))
        return false;
    *h = num(s, 2);
    *mi = num(s + 3, 2);
    *se = 0;
    size_t i = 5;
    if (i < n && s[i] == ':') {
        if (n < i + 3 || !all_digits(s + i + 1, 2))
            return false;
        *se = num(s + i + 1, 2);
        i += 3;
        if (i < n && (s[i] == '.' || s[i] == ',')) {
            size_t k = i + 1;
            while (k < n && isdigit((unsigned char)s[k]))
                k++;
            if (k == i + 1)
                return false;
            i = k;
        }
    }
    return i == n;
}

static bool make_time(int64_t y, int mo, int d, int h, int mi, int se, bool has_off,
                      int32_t off, const rd_zone *z, int64_t *out)
{
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 24 || mi > 59 || se > 60 ||
        (h == 24 && (mi || se)))
        return false;
    if (se == 60)
        se = 59; /* a leap second: the POSIX clock has no room for it */
    int64_t local = tc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    *out = has_off ? local - off : zone_local_to_utc(z, local);
    return true;
}

/* ISO-8601: YYYY-MM-DD[(T| )HH:MM[:SS[.f]]][Z|(+|-)HH[:MM|MM]| UTC], or YYYY-MM-DDZ.
 * *had_off: a zone or offset was written. */
static bool parse_iso(const char *s, size_t n, const rd_zone *z, int64_t *out, bool *had_off)
{
    if (n < 10 || !all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) || s[7] != '-' ||
        !all_digits(s + 8, 2))
        return false;
    int64_t y = num(s, 4);
    int mo = num(s + 5, 2), d = num(s + 8, 2), h = 0, mi = 0, se = 0;
    size_t i = 10;
    bool has_off = false;
    int32_t off = 0;
    if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        i++;
        size_t k = i;
        while (k < n && (isdigit((unsigned char)s[k]) || s[k] == ':' || s[k] == '.' || s[k] == ','))
            k++;
        if (!parse_clock(s + i, k - i, &h, &mi, &se))
            return false;
        i = k;
        while (i < n && s[i] == ' ')
            i++;
        if (i < n) {
            if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n)
                has_off = true;
            else if (parse_fixed(s + i, n - i, &off))
                has_off = true;
            else if (named_zone(s + i, n - i, &off))
                has_off = true;
            else
                return false;
        }
    } else if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
        has_off = true; /* a UTC date */
    } else if (i != n) {
        return false;
    }
    *had_off = has_off;
    return make_time(y, mo, d, h, mi, se, has_off, off, z, out);
}

/* RFC 822/2822 ("Wed, 31 Jan 2018 10:00:00 GMT", also with localized day and month names as
 * feeds write them: "Seg, 24 Set 2018 19:42:40 -0300", and a trailing "(comment)"),
 * X/Twitter ("Wed Oct 10 20:19:24 +0000 2018") and ctime-like orders: tokens are recognized by
 * shape. A leading word is the day of the week unless it is the only month name. */
static bool parse_words(const char *s, size_t n, const rd_zone *z, int64_t *out, bool *had_off)
{
    enum { MAXT = 12 };
    const char *tok[MAXT];
    size_t tl[MAXT], nt = 0;
    int tmon[MAXT], months = 0; /* the month each word names (0: none) */
    for (size_t i = 0; i < n;) {
        while (i < n && (s[i] == ' ' || s[i] == ',' || s[i] == '\t'))
            i++;
        if (i >= n)
            break;
        size_t k = i;
        if (s[i] == '(') { /* an RFC 2822 comment, "(UTC)": ignored */
            const char *close = memchr(s + i, ')', n - i);
            if (!close)
                return false;
            i = (size_t)(close - s) + 1;
            continue;
        }
        while (k < n && s[k] != ' ' && s[k] != ',' && s[k] != '\t')
            k++;
        if (nt == MAXT)
            return false;
        tok[nt] = s + i;
        tl[nt] = k - i;
        bool word = s[i] > '9' || (unsigned char)s[i] >= 0x80; /* not a digit or a sign */
        tmon[nt] = word && is_word(tok[nt], tl[nt]) ? month_of(tok[nt], tl[nt]) : 0;
        months += tmon[nt] != 0;
        nt++;
        i = k;
    }
    int64_t y = -1;
    int mo = 0, d = 0, h = -1, mi = 0, se = 0;
    bool has_off = false;
    int32_t off = 0;
    for (size_t j = 0; j < nt; j++) {
        const char *t = tok[j];
        size_t tn = tl[j];
        int32_t o;
        if (strchr("+-", t[0]) && parse_fixed(t, tn, &o)) {
            if (has_off)
                return false;
            has_off = true;
            off = o;
        } else if (tn >= 5 && t[2] == ':') {
            if (h >= 0 || !parse_clock(t, tn, &h, &mi, &se))
                return false;
        } else if (all_digits(t, tn)) {
            if (tn == 4 && y < 0)
                y = num(t, 4);
            else if (tn <= 2 && d == 0)
                d = num(t, tn);
            else if (tn == 2 && y < 0)
                y = num(t, 2) + (num(t, 2) < 50 ? 2000 : 1900);
            else
                return false;
        } else if (tmon[j] && !(j == 0 && months > 1) && !mo) {
            mo = tmon[j];
        } else if (named_zone(t, tn, &o)) {
            if (has_off)
                return false;
            has_off = true;
            off = o;
        } else if (!is_word(t, tn)) {
            return false;
        } else if (j == 0) {
            continue; /* the day of the week, in any language ("Mar" is martes before "Abr") */
        } else if (is_weekday(t, tn)) {
            continue;
        } else {
            return false;
        }
    }
    if (y < 0 || !mo || !d || h < 0)
        return false;
    *had_off = has_off;
    return make_time(y, mo, d, h, mi, se, has_off, off, z, out);
}

/* Every form, in this order: YYYYMMDD (see ymd8), epochs, ISO-8601, words. *had_off: the text
 * carried its zone (epochs are UTC by definition). */
static bool parse_any(const char *s, size_t len, const rd_zone *z, int64_t *out, bool *had_off)
{
    if (!s)
        return false;
    while (len && isspace((unsigned char)s[0]))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0 || len > 100)
        return false;
    int64_t y;
    int m, d;
    *had_off = false;
    if (len == 8 && all_digits(s, 8) && ymd8((uint64_t)num(s, 8), &y, &m, &d))
        return make_time(y, m, d, 0, 0, 0, false, 0, z, out);
    if (parse_epoch(s, len, out)) {
        *had_off = true;
        return true;
    }
    return parse_iso(s, len, z, out, had_off) || parse_words(s, len, z, out, had_off);
}

tocsin_status rd_time_parse_zone(const char *s, size_t len, const rd_zone *z, int64_t *out)
{
    int64_t v;
    bool had_off;
    if (!parse_any(s, len, z, &v, &had_off))
        return TOCSIN_ERR_PARSE;
    *out = v;
    return TOCSIN_OK;
}

bool rd_time_parse_utc(const char *s, size_t len, int64_t *ts, bool *has_offset)
{
    int64_t v;
    bool had_off;
    if (!parse_any(s, len, NULL, &v, &had_off))
        return false;
    *ts = v;
    *has_offset = had_off;
    return true;
}

tocsin_status tocsin_time_parse(const char *s, size_t len, const char *tz, int64_t *out)
{
    const rd_zone *z = NULL;
    char why[300];
    if (tz && rd_zone_get(tz, &z, why, sizeof why) != TOCSIN_OK)
        return TOCSIN_ERR_PARSE;
    return rd_time_parse_zone(s, len, z, out);
}
