/* detect.c: the streaming anomaly detector behind `tocsin detect` and live alerts.
 *
 * Design. A live alert has to decide on each row with only the past in hand, on series whose
 * scale, noise and rhythm are unknown in advance (no minimum, maximum or length known ahead, which
 * several published NAB detectors do get from the benchmark harness), and it is judged, on the
 * Numenta Anomaly Benchmark, by how early it flags each real anomaly and how few alarms it raises
 * elsewhere. The detector is three small stages, each cheap and each honest about what it knows:
 *
 *  1. Surprise, per row, in [0, 1].
 *     - Value surprise: the two-sided empirical tail probability p of the value among the last
 *       `window` values (kept sorted), as -log10(p) / log10(n + 1): 0 for a typical value, 1 for
 *       one beyond all of them. Ranks, not standard deviations: chatter counts are heavy-tailed,
 *       and a Gaussian z saturates on every burst alike. The same rank is also taken among the
 *       last `season_window` values of the same hour of the day (from the timestamps, UTC), and
 *       the larger of the two kept: fifty posts may be ordinary at noon and a surge at 3 a.m.
 *     - Context novelty: the value is quantized (the step is fixed from the first `learn` rows,
 *       so a value far outside them gets a level of its own) and the last `context` levels form a
 *       context; the score is context_weight / (1 + times seen)^2. It catches shapes never seen
 *       before even when every value is ordinary (a flat line where there used to be a wave).
 *     The row's surprise is the larger of the two.
 *  2. Likelihood: one surprising row is common in noisy data; a run of them is not. The mean
 *     surprise of the last `short_window` rows is compared with the mean and spread of that same
 *     quantity over the last `history` rows (spread at least `spread_floor`); its upper-tail
 *     normal probability q says how unusual the recent surprise is for THIS series, which lets
 *     one threshold serve series of very different noise (the "anomaly likelihood" of Ahmad et
 *     al., 2017). The score is x / (x + 10) with x = -log10 q, so it keeps its order where q
 *     underflows. Averaging dilutes a lone spike, so a second channel scores a value beyond the
 *     whole trailing range by how far beyond it lies: r = |value - median| / (largest such
 *     distance in the window), x = spike_gain (r - 1). The likelihood is the larger channel.
 *  3. Alarms: NAB, like a person on call, counts every flagged row, while a surge that lasts an
 *     hour is one event. A row whose likelihood reaches `alarm` raises an alarm unless another
 *     was raised in the last `quiet` rows; with peak_wait > 0 the alarm waits up to that many
 *     rows for the event's peak and carries the peak as its score. Alarms map to [0.5, 1], all
 *     other rows to [0, 0.5), so the output ranks alarms first and keeps the order within each.
 *
 * The parameters (tocsin_detector_params_init) were chosen once for the whole NAB corpus by a
 * coordinate search on its standard profile; never per file, and the labels are never seen here.
 * Cost per row: O(log window) search plus an O(window) shift of the sorted copies (a few
 * microseconds at 5000), O(1) for the rest; memory is bounded by the windows (about 0.6 MB at
 * the defaults) and a cap on distinct contexts. */
#include "common/common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DETECT_MAX_CONTEXTS (1u << 20)
#define DETECT_HOURS 24

/* A ring buffer of doubles with running sum and sum of squares; the sums are recomputed from
 * scratch every `cap` pushes so rounding cannot drift. */
typedef struct ring {
    double *v;
    size_t cap, n, head, since_exact;
    double sum, sumsq;
} ring;

static bool ring_init(ring *r, size_t cap)
{
    memset(r, 0, sizeof *r);
    r->v = malloc(cap * sizeof *r->v);
    r->cap = cap;
    return r->v != NULL;
}

static void ring_push(ring *r, double x)
{
    if (r->n == r->cap) {
        double old = r->v[r->head];
        r->sum -= old;
        r->sumsq -= old * old;
    } else {
        r->n++;
    }
    r->v[r->head] = x;
    r->head = (r->head + 1) % r->cap;
    r->sum += x;
    r->sumsq += x * x;
    if (++r->since_exact >= r->cap) {
        r->since_exact = 0;
        r->sum = r->sumsq = 0;
        for (size_t i = 0; i < r->n; i++) {
            r->sum += r->v[i];
            r->sumsq += r->v[i] * r->v[i];
        }
    }
}

static double ring_mean(const ring *r) { return r->n ? r->sum / (double)r->n : 0.0; }

static double ring_sd(const ring *r)
{
    if (r->n < 2)
        return 0.0;
    double m = r->sum / (double)r->n;
    double var = r->sumsq / (double)r->n - m * m;
    return var > 0 ? sqrt(var) : 0.0;
}

/* A small trailing window kept both in arrival order and sorted (for the seasonal buckets). */
typedef struct swin {
    double *ring, *sorted;
    size_t cap, n, head;
} swin;

static bool swin_init(swin *w, size_t cap);

/* Open-addressing table: context key -> times seen. */
typedef struct ctx_table {
    uint64_t *key; /* 0 = empty; keys are made nonzero */
    uint32_t *count;
    size_t cap, n;
} ctx_table;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static bool ctx_grow(ctx_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    uint64_t *key = calloc(cap, sizeof *key);
    uint32_t *count = calloc(cap, sizeof *count);
    if (!key || !count) {
        free(key);
        free(count);
        return false;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->key[i])
            continue;
        size_t j = (size_t)mix64(t->key[i]) & (cap - 1);
        while (key[j])
            j = (j + 1) & (cap - 1);
        key[j] = t->key[i];
        count[j] = t->count[i];
    }
    free(t->key);
    free(t->count);
    t->key = key;
    t->count = count;
    t->cap = cap;
    return true;
}

/* Counts one more sighting of `k` and returns how many times it was seen before. When the table
 * is full (DETECT_MAX_CONTEXTS), unseen contexts are reported as unseen but not stored. */
static uint32_t ctx_see(ctx_table *t, uint64_t k, bool *nomem)
{
    k = k ? k : 1;
    if ((t->n + 1) * 2 > t->cap && t->n < DETECT_MAX_CONTEXTS && !ctx_grow(t)) {
        *nomem = true;
        return 0;
    }
    size_t j = (size_t)mix64(k) & (t->cap - 1);
    while (t->key[j] && t->key[j] != k)
        j = (j + 1) & (t->cap - 1);
    if (t->key[j]) {
        uint32_t c = t->count[j];
        if (t->count[j] < UINT32_MAX)
            t->count[j]++;
        return c;
    }
    if (t->n < DETECT_MAX_CONTEXTS && (t->n + 1) * 2 <= t->cap) {
        t->key[j] = k;
        t->count[j] = 1;
        t->n++;
    }
    return 0;
}

struct tocsin_detector {
    tocsin_detector_params p;
    uint64_t rows;
    ring values;        /* trailing values for the value surprise, in arrival order */
    double *sorted;     /* the same values, sorted */
    swin season[DETECT_HOURS]; /* recent values per hour of the day (UTC) */
    double *learned;    /* the first `learn` values, replayed into the context table */
    double q_lo, q_step; /* quantization, fixed at the end of learning */
    int64_t *levels;    /* last `context` levels, newest last */
    size_t n_levels;
    ctx_table ctx;
    ring surprise_short, surprise_hist;
    uint64_t last_alarm; /* row index + 1 of the last alarm, 0 = none */
    bool pending;        /* an event crossed the alarm level; waiting for its peak */
    uint64_t pending_since;
    double peak;
};

void tocsin_detector_params_init(tocsin_detector_params *p)
{
    p->learn = 200;
    p->window = 5000;
    p->season_window = 1000;
    p->levels = 12;
    p->context = 3;
    p->context_weight = 0.5;
    p->short_window = 30;
    p->history = 8000;
    p->spread_floor = 0.08;
    p->spike_gain = 80;
    p->quiet = 200;
    p->peak_wait = 0;
    p->alarm = 0.2;
}

static tocsin_status check_params(const tocsin_detector_params *p, tocsin_error *err)
{
#define NEED(cond, field, msg)                                                                  \
    if (!(cond))                                                                                \
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, field, msg);
    NEED(p->learn >= 10 && p->learn <= 1000000, "learn", "must be between 10 and 1000000 rows");
    NEED(p->window >= 2 && p->window <= 1000000, "window", "must be between 2 and 1000000 rows");
    NEED(p->season_window <= 1000000, "season_window", "must be at most 1000000 rows");
    NEED(p->levels >= 2 && p->levels <= 100000, "levels", "must be between 2 and 100000");
    NEED(p->context >= 1 && p->context <= 8, "context", "must be between 1 and 8");
    NEED(p->short_window >= 1 && p->short_window <= 100000, "short_window",
         "must be between 1 and 100000 rows");
    NEED(p->history >= 2 && p->history <= 10000000, "history",
         "must be between 2 and 10000000 rows");
    NEED(p->quiet <= 10000000, "quiet", "must be at most 10000000 rows");
    NEED(p->peak_wait <= 100000, "peak_wait", "must be at most 100000 rows");
    NEED(p->context_weight >= 0 && p->context_weight <= 1, "context_weight",
         "must be between 0 and 1");
    NEED(p->spread_floor > 0 && p->spread_floor <= 1, "spread_floor",
         "must be in (0, 1]");
    NEED(p->spike_gain >= 0 && p->spike_gain <= 1000, "spike_gain", "must be between 0 and 1000");
    NEED(p->alarm > 0 && p->alarm < 1, "alarm", "must be strictly between 0 and 1");
#undef NEED
    return TOCSIN_OK;
}

void tocsin_detector_free(tocsin_detector *d)
{
    if (!d)
        return;
    free(d->values.v);
    free(d->sorted);
    for (int h = 0; h < DETECT_HOURS; h++) {
        free(d->season[h].ring);
        free(d->season[h].sorted);
    }
    free(d->learned);
    free(d->levels);
    free(d->ctx.key);
    free(d->ctx.count);
    free(d->surprise_short.v);
    free(d->surprise_hist.v);
    free(d);
}

tocsin_status tocsin_detector_new(const tocsin_detector_params *params, tocsin_detector **out,
                                  tocsin_error *err)
{
    tocsin_detector_params p;
    if (params)
        p = *params;
    else
        tocsin_detector_params_init(&p);
    tocsin_status st = check_params(&p, err);
    if (st)
        return st;
    tocsin_detector *d = calloc(1, sizeof *d);
    if (!d)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    d->p = p;
    d->learned = malloc(p.learn * sizeof *d->learned);
    d->levels = malloc(p.context * sizeof *d->levels);
    d->sorted = malloc(p.window * sizeof *d->sorted);
    bool season_ok = true;
    for (int h = 0; h < DETECT_HOURS && p.season_window; h++)
        season_ok &= swin_init(&d->season[h], p.season_window);
    if (!season_ok || !d->learned || !d->levels || !d->sorted || !ring_init(&d->values, p.window) ||
        !ring_init(&d->surprise_short, p.short_window) ||
        !ring_init(&d->surprise_hist, p.history) || !ctx_grow(&d->ctx)) {
        tocsin_detector_free(d);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    *out = d;
    return TOCSIN_OK;
}

uint64_t tocsin_detector_rows(const tocsin_detector *d) { return d->rows; }

/* First index i of a[0..n) with a[i] >= x (lower) or a[i] > x (upper). */
static size_t bound(const double *a, size_t n, double x, bool upper)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x || (upper && a[mid] == x))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Adds x to the trailing window (ring in arrival order + sorted copy), dropping the oldest. */
static void window_push(tocsin_detector *d, double x)
{
    ring *r = &d->values;
    size_t n = r->n;
    if (n == r->cap) {
        double old = r->v[r->head];
        size_t i = bound(d->sorted, n, old, false);
        memmove(d->sorted + i, d->sorted + i + 1, (n - i - 1) * sizeof *d->sorted);
        n--;
    }
    size_t i = bound(d->sorted, n, x, true);
    memmove(d->sorted + i + 1, d->sorted + i, (n - i) * sizeof *d->sorted);
    d->sorted[i] = x;
    ring_push(r, x);
}

/* How extreme x is among the trailing values: -log10 of its two-sided empirical tail
 * probability, scaled so that a value beyond every one of them scores 1. */
static double value_surprise(const tocsin_detector *d, double x)
{
    size_t n = d->values.n;
    if (n < 20)
        return 0.0;
    size_t below_or_eq = bound(d->sorted, n, x, true);
    size_t above_or_eq = n - bound(d->sorted, n, x, false);
    size_t tail = below_or_eq < above_or_eq ? below_or_eq : above_or_eq;
    double p = (2.0 * (double)tail + 1.0) / ((double)n + 1.0);
    if (p >= 1)
        return 0.0;
    return -log10(p) / log10((double)n + 1.0);
}

static bool swin_init(swin *w, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->ring = malloc(cap * sizeof *w->ring);
    w->sorted = malloc(cap * sizeof *w->sorted);
    w->cap = cap;
    return w->ring && w->sorted;
}

static void swin_push(swin *w, double x)
{
    size_t n = w->n;
    if (n == w->cap) {
        double old = w->ring[w->head];
        size_t i = bound(w->sorted, n, old, false);
        memmove(w->sorted + i, w->sorted + i + 1, (n - i - 1) * sizeof *w->sorted);
        n--;
    } else {
        w->n++;
    }
    size_t i = bound(w->sorted, n, x, true);
    memmove(w->sorted + i + 1, w->sorted + i, (n - i) * sizeof *w->sorted);
    w->sorted[i] = x;
    w->ring[w->head] = x;
    w->head = (w->head + 1) % w->cap;
}

static double swin_surprise(const swin *w, double x, size_t min_n)
{
    size_t n = w->n;
    if (n < min_n)
        return 0.0;
    size_t below_or_eq = bound(w->sorted, n, x, true);
    size_t above_or_eq = n - bound(w->sorted, n, x, false);
    size_t tail = below_or_eq < above_or_eq ? below_or_eq : above_or_eq;
    double p = (2.0 * (double)tail + 1.0) / ((double)n + 1.0);
    if (p >= 1)
        return 0.0;
    return -log10(p) / log10((double)n + 1.0);
}

/* A value beyond every trailing value: how far beyond, as r = distance from the median over
 * the largest distance seen (r > 1 for a new extreme), mapped to the likelihood scale with
 * x = spike_gain (r - 1) decades. 0 for values inside the trailing range. */
static double spike_score(const tocsin_detector *d, double x)
{
    size_t n = d->values.n;
    if (n < 100 || d->p.spike_gain <= 0)
        return 0.0;
    double lo = d->sorted[0], hi = d->sorted[n - 1], med = d->sorted[n / 2];
    double r;
    if (x > hi && hi > med)
        r = (x - med) / (hi - med);
    else if (x < lo && lo < med)
        r = (med - x) / (med - lo);
    else
        return 0.0;
    double dec = d->p.spike_gain * (r - 1.0);
    return dec / (dec + 10.0);
}

/* Standard normal upper tail. */
static double upper_tail(double z) { return 0.5 * erfc(z / sqrt(2.0)); }

/* Maps a z value to x / (x + 10) with x = -log10 of its upper-tail probability: 0 for ordinary
 * values, 0.5 at a one-in-10^10 tail, and still increasing far beyond where the probability
 * underflows (an asymptotic expansion takes over there), so alarms keep their order. */
static double likelihood_score(double z)
{
    double x;
    if (z < 30) {
        double q = upper_tail(z);
        x = q > 0 ? -log10(q) : 300;
    } else {
        x = (z * z / 2 + log(z * sqrt(2 * M_PI))) / log(10.0);
    }
    if (x < 0)
        x = 0;
    return x / (x + 10);
}

static int64_t quantize(const tocsin_detector *d, double x)
{
    double l = floor((x - d->q_lo) / d->q_step);
    if (l > 1e15)
        l = 1e15;
    if (l < -1e15)
        l = -1e15;
    return (int64_t)l;
}

/* Pushes a level into the context and returns the context's novelty in [0, 1]. */
static double context_novelty(tocsin_detector *d, int64_t level, bool *nomem)
{
    if (d->n_levels == d->p.context) {
        memmove(d->levels, d->levels + 1, (d->p.context - 1) * sizeof *d->levels);
        d->n_levels--;
    }
    d->levels[d->n_levels++] = level;
    if (d->n_levels < d->p.context)
        return 0.0;
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < d->n_levels; i++)
        h = mix64(h ^ (uint64_t)d->levels[i]) + i;
    uint32_t seen = ctx_see(&d->ctx, h, nomem);
    return 1.0 / ((1.0 + (double)seen) * (1.0 + (double)seen));
}

/* Fixes the quantization from the learning rows and replays them into the context table. */
static void finish_learning(tocsin_detector *d, bool *nomem)
{
    double lo = d->learned[0], hi = d->learned[0];
    for (size_t i = 1; i < d->p.learn; i++) {
        if (d->learned[i] < lo)
            lo = d->learned[i];
        if (d->learned[i] > hi)
            hi = d->learned[i];
    }
    double span = hi - lo;
    if (!(span > 0))
        span = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1.0; /* a flat start: any change is news */
    d->q_lo = lo;
    d->q_step = span / (double)d->p.levels;
    for (size_t i = 0; i < d->p.learn; i++)
        (void)context_novelty(d, quantize(d, d->learned[i]), nomem);
}

tocsin_status tocsin_detector_update(tocsin_detector *d, int64_t ts, double value, double *score,
                                     tocsin_error *err)
{
    if (!isfinite(value))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, d->rows + 1, "value",
                            "not a finite number");
    bool nomem = false;
    uint64_t row = d->rows++;
    double out = 0.0;
    /* 1. Surprise. Context novelty waits for the quantization, learned from the first rows. */
    double value_s = value_surprise(d, value);
    double spike = spike_score(d, value);
    window_push(d, value);
    if (d->p.season_window) {
        /* The same value may be ordinary at noon and extreme at 3 a.m. */
        int hour = (int)(((ts % 86400) + 86400) % 86400 / 3600);
        double seasonal = swin_surprise(&d->season[hour], value, 30);
        swin_push(&d->season[hour], value);
        if (seasonal > value_s)
            value_s = seasonal;
    }
    double ctx_s = 0.0;
    if (row < d->p.learn) {
        d->learned[row] = value;
        if (row + 1 == d->p.learn)
            finish_learning(d, &nomem);
    } else {
        ctx_s = d->p.context_weight * context_novelty(d, quantize(d, value), &nomem);
    }
    double s = value_s > ctx_s ? value_s : ctx_s;

    /* 2. Likelihood of the recent surprise against this series' own history. */
    ring_push(&d->surprise_short, s);
    double recent = ring_mean(&d->surprise_short);
    double hm = ring_mean(&d->surprise_hist), hsd = ring_sd(&d->surprise_hist);
    if (hsd < d->p.spread_floor)
        hsd = d->p.spread_floor;
    ring_push(&d->surprise_hist, recent);
    double like = likelihood_score((recent - hm) / hsd);
    if (d->surprise_hist.n < 100)
        like = 0; /* too little history to judge */
    if (spike > like)
        like = spike;

    /* 3. Alarms, each scored by the peak of its event (see the design note). */
    bool quiet = d->last_alarm && row + 1 - d->last_alarm <= d->p.quiet;
    if (!d->pending && !quiet && like >= d->p.alarm) {
        d->pending = true;
        d->pending_since = row;
        d->peak = like;
    }
    out = 0.5 * like;
    if (d->pending) {
        if (like > d->peak)
            d->peak = like;
        if (like < d->peak || row - d->pending_since >= d->p.peak_wait) {
            d->pending = false;
            d->last_alarm = row + 1;
            out = 0.5 + 0.5 * d->peak;
        } else {
            out = 0.5 * like * 0.999; /* still rising: wait for the peak */
        }
    }
    if (nomem)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, row + 1, NULL, "out of memory");
    *score = out;
    return TOCSIN_OK;
}
