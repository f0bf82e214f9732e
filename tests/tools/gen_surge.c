/* gen_surge.c: writes the synthetic "must show" scenario of issue 6 for the analyse tests:
 * 60 days of chatter in three languages and nine channels, with known changes of one topic's
 * share, channel churn and a copy-paste flood, as JSON Lines plus its watchlist and the truth.
 *
 * usage: gen_surge OUTDIR [SEED]   (writes OUTDIR/scenario.jsonl, watchlist.yaml, truth.txt)
 *
 * Every channel posts Poisson(volume) posts a day; each post is about the topic "quake" with
 * the language's probability of that day (so the topic's share of all posts of a language is
 * exactly that probability, whatever the channels do):
 *   en: 2 % before day 30, 8 % from day 30          (true share ratio 4, change at day 30)
 *   ar: 3 % before day 20, 9 % from day 20          (ratio 3, change at day 20)
 *   ru: 2 %, 10 % on days 40..47, 2 % again from 48 (a surge of ratio 5 that ends)
 * Churn: en_c (the busiest English channel) posts nothing from day 25 (banned); ar_d joins
 * on day 35. Flood: on day 12, ru_a posts 400 copies of one topic message with a different
 * link, number and mention each (near-duplicates: 400 posts, 1 unique).
 * Texts are 9 pseudo-words drawn from 6,000 (letters only, so the near-duplicate features see
 * them), so two ordinary posts are never near-duplicates. Deterministic for a given seed. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unif(void) { return (double)(next_u64() >> 11) / 9007199254740992.0; }

/* Poisson by multiplication (Knuth), in chunks of mean <= 50 so exp() stays representable. */
static unsigned poisson(double mean)
{
    unsigned total = 0;
    while (mean > 0) {
        double m = mean > 50 ? 50 : mean;
        mean -= m;
        double l = exp(-m), p = 1.0;
        unsigned k = 0;
        do {
            k++;
            p *= unif();
        } while (p > l);
        total += k - 1;
    }
    return total;
}

#define NWORDS 6000
static char words[NWORDS][12];

static void make_words(void)
{
    for (int i = 0; i < NWORDS; i++) {
        int len = 4 + (int)(next_u64() % 6);
        for (int j = 0; j < len; j++)
            words[i][j] = (char)('a' + next_u64() % 26);
        words[i][len] = '\0';
    }
}

typedef struct chan {
    const char *name, *lang;
    double volume;
    int first_day, last_day; /* posts on days [first_day, last_day] */
} chan;

static const chan chans[] = {
    {"en_a", "en", 100, 0, 59}, {"en_b", "en", 150, 0, 59}, {"en_c", "en", 200, 0, 24},
    {"ar_a", "ar", 120, 0, 59}, {"ar_b", "ar", 160, 0, 59}, {"ar_d", "ar", 140, 35, 59},
    {"ru_a", "ru", 150, 0, 59}, {"ru_b", "ru", 120, 0, 59}, {"ru_c", "ru", 100, 0, 59},
};

static double share_of(const char *lang, int day)
{
    if (!strcmp(lang, "en"))
        return day < 30 ? 0.02 : 0.08;
    if (!strcmp(lang, "ar"))
        return day < 20 ? 0.03 : 0.09;
    return day >= 40 && day <= 47 ? 0.10 : 0.02;
}

static const char *term_of(const char *lang)
{
    if (!strcmp(lang, "en"))
        return "earthquake";
    if (!strcmp(lang, "ar"))
        return "\xd8\xb2\xd9\x84\xd8\xb2\xd8\xa7\xd9\x84"; /* zilzal */
    return "\xd0\xb7\xd0\xb5\xd0\xbc\xd0\xbb\xd0\xb5\xd1\x82\xd1\x80\xd1\x8f\xd1\x81\xd0\xb5"
           "\xd0\xbd\xd0\xb8\xd0\xb5"; /* zemletryasenie */
}

static const int64_t T0 = 1709251200; /* 2024-03-01T00:00:00Z */
static unsigned long long post_id;

static void stamp(FILE *f, int64_t t)
{
    int64_t days = t / 86400, secs = t % 86400;
    /* civil from days (Hinnant) */
    int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    fprintf(f, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y, (long long)m,
            (long long)d, (long long)(secs / 3600), (long long)(secs / 60 % 60),
            (long long)(secs % 60));
}

static void post(FILE *f, const chan *c, int day, const char *text)
{
    int64_t t = T0 + (int64_t)day * 86400 + (int64_t)(next_u64() % 86400);
    fprintf(f, "{\"id\":\"%llu\",\"created_at\":\"", ++post_id);
    stamp(f, t);
    fprintf(f, "\",\"author\":\"%s_u%llu\",\"channel\":\"%s\",\"lang\":\"%s\",\"text\":\"%s\"}\n",
            c->lang, (unsigned long long)(next_u64() % 3000), c->name, c->lang, text);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gen_surge OUTDIR [SEED]\n");
        return 3;
    }
    rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) : 20240301;
    make_words();
    char path[4096];
    snprintf(path, sizeof path, "%s/scenario.jsonl", argv[1]);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 2;
    }
    char text[512];
    unsigned long long topic_posts[3][60] = {{0}}, all_posts[3][60] = {{0}};
    static const char *langs[] = {"en", "ar", "ru"};
    for (int day = 0; day < 60; day++) {
        for (size_t ci = 0; ci < sizeof chans / sizeof chans[0]; ci++) {
            const chan *c = &chans[ci];
            if (day < c->first_day || day > c->last_day)
                continue;
            unsigned n = poisson(c->volume);
            int li = c->lang[0] == 'e' ? 0 : c->lang[0] == 'a' ? 1 : 2;
            for (unsigned k = 0; k < n; k++) {
                bool topic = unif() < share_of(c->lang, day);
                size_t len = 0;
                int at = topic ? (int)(next_u64() % 9) : -1;
                for (int w = 0; w < 9; w++) {
                    if (w == at)
                        len += (size_t)snprintf(text + len, sizeof text - len, "%s ",
                                                term_of(c->lang));
                    len += (size_t)snprintf(text + len, sizeof text - len, "%s%s",
                                            words[next_u64() % NWORDS], w < 8 ? " " : "");
                }
                post(f, c, day, text);
                all_posts[li][day]++;
                topic_posts[li][day] += topic;
            }
            if (day == 12 && !strcmp(c->name, "ru_a")) {
                for (int k = 0; k < 400; k++) {
                    snprintf(text, sizeof text,
                             "%s %s %s: repost now @user%d https://t.me/x%d %d people",
                             term_of("ru"), words[1], words[2], k, k * 7 + 1, 1000 + k);
                    post(f, c, day, text);
                    all_posts[2][day]++;
                    topic_posts[2][day]++;
                }
            }
        }
    }
    if (fclose(f)) {
        perror(path);
        return 2;
    }
    snprintf(path, sizeof path, "%s/watchlist.yaml", argv[1]);
    if (!(f = fopen(path, "w"))) {
        perror(path);
        return 2;
    }
    fprintf(f, "topics:\n  - id: quake\n    label: Earthquake\n    terms: [%s, %s, %s]\n",
            term_of("en"), term_of("ar"), term_of("ru"));
    fclose(f);
    snprintf(path, sizeof path, "%s/truth.txt", argv[1]);
    if (!(f = fopen(path, "w"))) {
        perror(path);
        return 2;
    }
    fprintf(f, "# lang change_day direction true_share_ratio (day 0 = 2024-03-01)\n"
               "en 30 up 4\nar 20 up 3\nru 40 up 5\nru 48 down 0.2\n"
               "# churn: en_c last posts on day 24; ar_d first posts on day 35\n"
               "# flood: day 12, ru_a, 400 near-identical topic posts\n");
    for (int li = 0; li < 3; li++)
        for (int day = 0; day < 60; day++)
            fprintf(f, "daily %s %d %llu %llu\n", langs[li], day, topic_posts[li][day],
                    all_posts[li][day]);
    fclose(f);
    return 0;
}
