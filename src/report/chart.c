/* chart.c: SVG drawing for the report. Every chart is plain SVG markup (no script), so the
 * report renders offline, prints, and cannot run anything. Coordinates are written with one
 * decimal; text is escaped with rp_html_escape (labels come from the store: hostile).
 *
 * Series chart: counts (raw posts, unique posts) on the left axis from 0 to a "nice" maximum,
 * the share on its own right axis (0 to its nice maximum), one x step per day. Changes are
 * shaded from their first to their last bucket, with their change-time interval drawn as a bar
 * along the top edge (the time the change happened is uncertain; the bar says how much). */
#include "report/chart.h"
#include "report/html.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DAY 86400

void rp_day(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm))
        strftime(buf, cap, "%Y-%m-%d", &tm);
    else
        snprintf(buf, cap, "%lld", (long long)t);
}

/* The smallest 1, 2 or 5 times a power of ten that is >= v (v > 0). */
static double nice_max(double v)
{
    if (!(v > 0) || !isfinite(v))
        return 1;
    double p = pow(10, floor(log10(v)));
    for (int i = 0; i < 3; i++) {
        double m = (i == 0 ? 1 : i == 1 ? 2 : 5) * p;
        if (m >= v * (1 - 1e-12))
            return m;
    }
    return 10 * p;
}

static void fmt_count(double v, char *buf, size_t cap)
{
    if (v >= 1e6)
        snprintf(buf, cap, "%gM", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, cap, "%gk", v / 1e3);
    else
        snprintf(buf, cap, "%g", v);
}

static void fmt_share(double v, char *buf, size_t cap)
{
    snprintf(buf, cap, "%g%%", v * 100);
}

typedef struct frame {
    double x0, x1, y0, y1; /* plot area: x0..x1 left to right, y0 top, y1 bottom */
    int64_t t0;
    double span;           /* seconds across the plot */
} frame;

static double fx(const frame *f, int64_t t)
{
    return f->x0 + (f->x1 - f->x0) * (double)(t - f->t0) / f->span;
}

/* A line through the days' values (x at the middle of each day); NAN values break the line. */
static tocsin_status line(tc_buf *b, const frame *f, const rp_series *s, const double *v,
                          double vmax, const char *cls)
{
    tocsin_status rc = rp_printf(b, "<path class=\"%s\" d=\"", cls);
    bool pen = false;
    for (size_t i = 0; i < s->n && rc == TOCSIN_OK; i++) {
        if (isnan(v[i])) {
            pen = false;
            continue;
        }
        double x = fx(f, s->first + (int64_t)i * DAY + DAY / 2);
        double y = f->y1 - (f->y1 - f->y0) * (v[i] / vmax);
        rc = rp_printf(b, "%s%.1f %.1f", pen ? "L" : "M", x, y);
        pen = true;
    }
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "\"/>\n");
    return rc;
}

static double series_max(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; v && i < n; i++)
        if (!isnan(v[i]) && v[i] > m)
            m = v[i];
    return m;
}

tocsin_status rp_chart_series(tc_buf *b, const rp_series *s, int w, int h, const char *title)
{
    bool small = h < 150;
    frame f = {small ? 6 : 56, w - (small ? 6 : 56), small ? 18 : 14, h - (small ? 6 : 28),
               s->first, (double)(s->n ? s->n : 1) * DAY};
    tocsin_status rc = rp_printf(b,
                                 "<svg class=\"chart%s\" role=\"img\" viewBox=\"0 0 %d %d\" "
                                 "width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">"
                                 "<title>",
                                 small ? " small" : "", w, h, w, h);
    if (rc == TOCSIN_OK)
        rc = rp_html_escape_str(b, title);
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "</title>\n");
    double cmax = series_max(s->posts, s->n);
    double umax = series_max(s->unique, s->n);
    cmax = nice_max(cmax > umax ? cmax : umax);
    double smax = nice_max(series_max(s->share, s->n));
    /* windows and changes under the lines */
    for (size_t i = 0; i < s->n_marks && rc == TOCSIN_OK; i++) {
        const rp_mark *m = &s->marks[i];
        int64_t a = m->from < s->first ? s->first : m->from;
        int64_t z = m->to > s->first + (int64_t)s->n * DAY ? s->first + (int64_t)s->n * DAY : m->to;
        if (z <= a)
            continue;
        const char *cls = m->kind == 0 ? "m-change" : m->kind == 1 ? "m-before" : "m-after";
        rc = rp_printf(b, "<g class=\"%s\"><title>", cls);
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(b, m->label);
        if (rc == TOCSIN_OK)
            rc = rp_printf(b, "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                           fx(&f, a), f.y0, fx(&f, z) - fx(&f, a), f.y1 - f.y0);
        if (rc == TOCSIN_OK && m->kind != 0) /* a window: a band along the bottom, named */
            rc = rp_printf(b, "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                              "height=\"4\"/>",
                           fx(&f, a), f.y1 - 4, fx(&f, z) - fx(&f, a));
        if (rc == TOCSIN_OK && m->kind != 0 && !small)
            rc = rp_printf(b, "<text class=\"wl\" x=\"%.1f\" y=\"%.1f\">%s</text>", fx(&f, a) + 3,
                           f.y0 + 11, m->kind == 1 ? "before" : "after");
        if (rc == TOCSIN_OK && m->kind == 0 && m->hi > m->lo) {
            int64_t lo = m->lo < s->first ? s->first : m->lo;
            double x0 = fx(&f, lo), x1 = fx(&f, m->hi);
            rc = rp_printf(b, "<rect class=\"ci\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                              "height=\"5\"/><line class=\"cp\" x1=\"%.1f\" x2=\"%.1f\" "
                              "y1=\"%.1f\" y2=\"%.1f\"/>",
                           x0, f.y0 - 6, x1 - x0 > 1 ? x1 - x0 : 1, fx(&f, m->from),
                           fx(&f, m->from), f.y0 - 6, f.y1);
        }
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "</g>\n");
    }
    /* axes and grid */
    for (int g = 0; g <= 4 && rc == TOCSIN_OK; g++) {
        double y = f.y1 - (f.y1 - f.y0) * g / 4.0;
        rc = rp_printf(b, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
                       f.x0, f.x1, y, y);
        if (!small && rc == TOCSIN_OK) {
            char l[32], r[32];
            fmt_count(cmax * g / 4.0, l, sizeof l);
            fmt_share(smax * g / 4.0, r, sizeof r);
            rc = rp_printf(b, "<text class=\"ax\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s"
                              "</text>",
                           f.x0 - 4, y + 4, l);
            if (rc == TOCSIN_OK && s->share)
                rc = rp_printf(b, "<text class=\"ax sh\" x=\"%.1f\" y=\"%.1f\">%s</text>",
                               f.x1 + 4, y + 4, r);
        }
    }
    if (!small && rc == TOCSIN_OK && s->n) {
        size_t step = 1;
        static const size_t steps[] = {1, 2, 7, 14, 30, 61, 91, 182, 365};
        for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
            step = steps[i];
            if (s->n / step <= 7)
                break;
        }
        for (size_t d = 0; d < s->n && rc == TOCSIN_OK; d += step) {
            char day[16];
            rp_day(s->first + (int64_t)d * DAY, day, sizeof day);
            double x = fx(&f, s->first + (int64_t)d * DAY);
            rc = rp_printf(b, "<line class=\"tick\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                              "y2=\"%.1f\"/><text class=\"ax\" x=\"%.1f\" y=\"%.1f\" "
                              "text-anchor=\"middle\">%s</text>",
                           x, x, f.y1, f.y1 + 4, x, f.y1 + 17, day);
        }
    }
    if (rc == TOCSIN_OK && s->posts)
        rc = line(b, &f, s, s->posts, cmax, "s-posts");
    if (rc == TOCSIN_OK && s->unique)
        rc = line(b, &f, s, s->unique, cmax, "s-unique");
    if (rc == TOCSIN_OK && s->share)
        rc = line(b, &f, s, s->share, smax, "s-share");
    if (rc == TOCSIN_OK && small) {
        char l[32];
        fmt_count(cmax, l, sizeof l);
        rc = rp_printf(b, "<text class=\"ax\" x=\"%.1f\" y=\"12\">max %s</text>", f.x0, l);
    }
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "</svg>\n");
    return rc;
}

tocsin_status rp_chart_coverage(tc_buf *b, const rp_cov_row *rows, size_t n, int64_t t0,
                                int64_t t1, int w)
{
    const int row_h = 14, label_w = 200, top = 4, axis_h = 22;
    int h = top + (int)n * row_h + axis_h;
    if (t1 <= t0)
        t1 = t0 + 3600;
    frame f = {label_w, w - 10, top, (double)(h - axis_h), t0, (double)(t1 - t0)};
    tocsin_status rc = rp_printf(b,
                                 "<svg class=\"coverage\" role=\"img\" viewBox=\"0 0 %d %d\" "
                                 "width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">"
                                 "<title>Channels: when each posted</title>\n",
                                 w, h, w, h);
    for (size_t i = 0; i < n && rc == TOCSIN_OK; i++) {
        const rp_cov_row *r = &rows[i];
        double y = top + (double)i * row_h;
        rc = rp_printf(b, "<g class=\"cov%s\"><title>", r->flagged ? " flagged" : "");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(b, r->label);
        if (rc == TOCSIN_OK)
            rc = rp_printf(b, ": %llu posts, %zu gap%s</title><text x=\"%d\" y=\"%.1f\" "
                              "text-anchor=\"end\">",
                           (unsigned long long)r->posts, r->n_gaps, r->n_gaps == 1 ? "" : "s",
                           label_w - 6, y + 11);
        /* labels are cut to 32 bytes at a character boundary */
        size_t len = strlen(r->label);
        size_t cut = len > 32 ? 32 : len;
        while (cut < len && cut > 0 && ((unsigned char)r->label[cut] & 0xC0) == 0x80)
            cut--;
        if (rc == TOCSIN_OK)
            rc = rp_html_escape(b, r->label, cut);
        if (rc == TOCSIN_OK)
            rc = rp_printf(b, "%s</text>", cut < len ? "\xe2\x80\xa6" : "");
        int64_t at = r->first;
        int64_t end = r->last + 3600;
        for (size_t g = 0; g <= r->n_gaps && rc == TOCSIN_OK; g++) {
            int64_t z = g < r->n_gaps ? r->gap_from[g] : end;
            if (z > at) {
                double x0 = fx(&f, at), x1 = fx(&f, z);
                rc = rp_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\"/>",
                               x0, y + 2, x1 - x0 > 1 ? x1 - x0 : 1, row_h - 4);
            }
            if (g < r->n_gaps)
                at = r->gap_to[g];
        }
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "</g>\n");
    }
    /* a date at each end and the middle */
    for (int k = 0; k <= 2 && rc == TOCSIN_OK; k++) {
        int64_t t = t0 + (t1 - t0) * k / 2;
        char day[16];
        rp_day(t, day, sizeof day);
        rc = rp_printf(b, "<text class=\"ax\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>",
                       fx(&f, t), h - 6, k == 0 ? "start" : k == 1 ? "middle" : "end", day);
    }
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "</svg>\n");
    return rc;
}
