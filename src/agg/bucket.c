/* bucket.c: UTC calendar arithmetic for time buckets (hour, day, ISO week, month). */
#include "common/common.h"

#include <stdio.h>
#include <string.h>

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

tocsin_status tocsin_bucket_parse(const char *s, tocsin_bucket *out)
{
    static const char *names[] = {"hour", "day", "week", "month"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) {
            *out = (tocsin_bucket)i;
            return TOCSIN_OK;
        }
    return TOCSIN_ERR_USAGE;
}

/* Years 1 to 9999: every bucket start and its civil date stay far from int64 overflow. */
#define BUCKET_TS_MIN (-62135596800LL)
#define BUCKET_TS_MAX 253402300799LL

int64_t tocsin_bucket_start(int64_t ts, tocsin_bucket by)
{
    ts = ts < BUCKET_TS_MIN ? BUCKET_TS_MIN : ts > BUCKET_TS_MAX ? BUCKET_TS_MAX : ts;
    int64_t days = floor_div(ts, 86400);
    switch (by) {
    case TOCSIN_BY_HOUR: return floor_div(ts, 3600) * 3600;
    case TOCSIN_BY_DAY: return days * 86400;
    case TOCSIN_BY_WEEK: {
        /* 1970-01-01 was a Thursday: day 0 has weekday index 3 counting from Monday = 0. */
        int64_t wd = ((days % 7) + 7 + 3) % 7;
        return (days - wd) * 86400;
    }
    case TOCSIN_BY_MONTH: {
        int64_t y;
        int m, d;
        tc_civil_from_days(days, &y, &m, &d);
        return tc_days_from_civil(y, m, 1) * 86400;
    }
    }
    return days * 86400;
}

void tocsin_bucket_format(int64_t start, tocsin_bucket by, char *buf, size_t cap)
{
    start = start < BUCKET_TS_MIN ? BUCKET_TS_MIN : start > BUCKET_TS_MAX ? BUCKET_TS_MAX : start;
    int64_t days = floor_div(start, 86400), secs = start - days * 86400, y;
    int m, d;
    tc_civil_from_days(days, &y, &m, &d);
    if (by == TOCSIN_BY_HOUR)
        snprintf(buf, cap, "%04lld-%02d-%02dT%02lld:00:00Z", (long long)y, m, d,
                 (long long)(secs / 3600));
    else
        snprintf(buf, cap, "%04lld-%02d-%02d", (long long)y, m, d);
}
