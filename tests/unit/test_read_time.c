/* test_read_time.c: tocsin_time_parse in every form the exports use, zones with DST from the
 * TZif files, and tocsin_time_format. */
#include "check.h"
#include "tocsin.h"

static void expect(const char *s, const char *tz, int64_t want)
{
    int64_t got = 0;
    tocsin_status st = tocsin_time_parse(s, strlen(s), tz, &got);
    if (st != TOCSIN_OK)
        fprintf(stderr, "  cannot parse \"%s\" (tz %s)\n", s, tz ? tz : "-");
    CHECK_INT(st, TOCSIN_OK);
    CHECK_INT(got, want);
}

static void reject(const char *s)
{
    int64_t got = 0;
    if (tocsin_time_parse(s, strlen(s), NULL, &got) == TOCSIN_OK)
        fprintf(stderr, "  \"%s\" parsed as %lld\n", s, (long long)got);
    CHECK_INT(tocsin_time_parse(s, strlen(s), NULL, &got), TOCSIN_ERR_PARSE);
}

static void test_epoch(void)
{
    expect("1526671496", NULL, 1526671496);
    expect("1526671496000", NULL, 1526671496);  /* milliseconds */
    expect("1526671496.789", NULL, 1526671496); /* float seconds (4CAT) */
    expect(" 1689224078 ", NULL, 1689224078);
    expect("0", NULL, 0);
    expect("-1", NULL, -1);
    expect("1526671496000000", NULL, 1526671496); /* microseconds */
}

/* Eight digits that form a date 1900..2100 are YYYYMMDD, at midnight in the zone; anything
 * else with eight digits (or a sign, or a fraction) stays epoch seconds. */
static void test_yyyymmdd(void)
{
    expect("20210315", NULL, 1615766400);
    expect(" 20210315 ", NULL, 1615766400);
    expect("20210315", "Europe/Berlin", 1615766400 - 3600);
    expect("20210315", "-05:00", 1615766400 + 5 * 3600);
    expect("19000101", NULL, -2208988800);
    expect("21001231", NULL, 4133894400);
    expect("20240229", NULL, 1709164800); /* a leap day */
    expect("19700823", NULL, 20217600);   /* a date, not 19,700,823 seconds */
    /* not a date: epoch seconds */
    expect("18991231", NULL, 18991231);
    expect("21010101", NULL, 21010101);
    expect("20210229", NULL, 20210229); /* 2021 is not a leap year */
    expect("20211301", NULL, 20211301);
    expect("20210300", NULL, 20210300);
    expect("12345678", NULL, 12345678);
    expect("+20210315", NULL, 20210315);
    expect("-20210315", NULL, -20210315);
    expect("20210315.0", NULL, 20210315); /* a fraction: a float epoch */
    expect("2021031", NULL, 2021031);
    expect("202103150", NULL, 202103150);
    /* 10 and 13 digits: seconds and milliseconds as before */
    expect("1615766400", NULL, 1615766400);
    expect("1615766400123", NULL, 1615766400);
}

static void test_iso(void)
{
    expect("2021-05-18T19:24:56.000Z", NULL, 1621365896);
    expect("2021-05-18T19:24:56Z", NULL, 1621365896);
    expect("2024-01-25 16:13:00.000000", NULL, 1706199180); /* TeleScope: no offset = UTC */
    expect("2023-07-13T10:24:38+05:30", NULL, 1689224078);
    expect("2023-07-13T10:24:38+0530", NULL, 1689224078);
    expect("2023-07-13T04:54:38+00:00", NULL, 1689224078);
    expect("2018-01-31T10:00:00-05:00", NULL, 1517410800);
    expect("2018-01-31", NULL, 1517356800);
    expect("2018-01-31T10:00", NULL, 1517392800);
}

static void test_rfc2822(void)
{
    expect("Wed, 31 Jan 2018 10:00:00 GMT", NULL, 1517392800);
    expect("Wed, 31 Jan 2018 10:00:00 +0100", NULL, 1517389200);
    expect("Wed, 31 Jan 2018 10:00:00 EST", NULL, 1517410800);
    expect("31 Jan 2018 10:00:00 +0000", NULL, 1517392800);
    expect("Wed, 31 Jan 2018 10:00 GMT", NULL, 1517392800);
}

static void test_twitter(void)
{
    expect("Wed Oct 10 20:19:24 +0000 2018", NULL, 1539202764);
    expect("Tue Jul 18 23:25:04 +0000 2017", NULL, 1500420304);
}

static void test_zones(void)
{
    expect("2023-07-13T10:24:38", "Asia/Kolkata", 1689224078); /* Telegram Desktop `date` */
    expect("2023-07-13T10:24:38", "+05:30", 1689224078);
    expect("2023-07-13T10:24:38", "+0530", 1689224078);
    expect("2021-07-01 12:00:00", "America/New_York", 1625155200); /* EDT */
    expect("2021-01-01 12:00:00", "America/New_York", 1609520400); /* EST */
    expect("2024-03-31T03:30:00", "Europe/Berlin", 1711848600);    /* just after the change */
    expect("2024-03-31T01:30:00", "Europe/Berlin", 1711845000);    /* just before */
    /* an explicit offset wins over the zone */
    expect("2021-07-01T12:00:00Z", "America/New_York", 1625140800);
    expect("1625140800", "America/New_York", 1625140800);
    int64_t t;
    CHECK_INT(tocsin_time_parse("2021-07-01", 10, "Mars/Olympus_Mons", &t), TOCSIN_ERR_PARSE);
    CHECK_INT(tocsin_time_parse("2021-07-01", 10, "../../etc/passwd", &t), TOCSIN_ERR_PARSE);
}

static void test_reject(void)
{
    reject("");
    reject("yesterday");
    reject("2021-02-30T00:00:00Z");
    reject("2021-13-01");
    reject("2021-05-18T25:00:00Z");
    reject("Wed Oct 10 20:19:24 +0000");
    reject("12:00:00");
    reject("2021-05-18T19:24:56+99:00");
    reject("99999999999999999999999");
}

static void test_format(void)
{
    char buf[32];
    tocsin_time_format(1621365896, buf, sizeof buf);
    CHECK_STR(buf, "2021-05-18T19:24:56Z");
    tocsin_time_format(0, buf, sizeof buf);
    CHECK_STR(buf, "1970-01-01T00:00:00Z");
    tocsin_time_format(-1, buf, sizeof buf);
    CHECK_STR(buf, "1969-12-31T23:59:59Z");
    tocsin_time_format(951782400, buf, sizeof buf); /* leap day */
    CHECK_STR(buf, "2000-02-29T00:00:00Z");
}

int main(void)
{
    RUN(test_epoch);
    RUN(test_yyyymmdd);
    RUN(test_iso);
    RUN(test_rfc2822);
    RUN(test_twitter);
    RUN(test_zones);
    RUN(test_reject);
    RUN(test_format);
    return check_summary();
}
