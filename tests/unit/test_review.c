/* test_review.c: regression tests for defects found in review (one test per defect, each
 * failing before its fix): calendar validation of the platform date parsers, ... */
#include "check.h"
#include "read/fmt_util.h"
#include "tocsin.h"

#include <string.h>

/* fu_iso8601 / fu_rfc822 took February 29 in any year (read as March 1) and 24:30 as the next
 * day's 00:30. */
static void platform_dates_reject_impossible_days(void)
{
    int64_t ts = 0;
    bool off = false;
    CHECK(!fu_iso8601("2021-02-29T10:00:00Z", 20, &ts, &off));
    CHECK(!fu_iso8601("1900-02-29", 10, &ts, &off));
    CHECK(fu_iso8601("2000-02-29", 10, &ts, &off));
    CHECK_INT(ts, 951782400);
    CHECK(fu_iso8601("2024-02-29T00:00:00Z", 20, &ts, &off) && off);
    CHECK_INT(ts, 1709164800);
    CHECK(!fu_iso8601("2024-01-01T24:30:00Z", 20, &ts, &off));
    CHECK(fu_iso8601("2024-01-01T24:00:00Z", 20, &ts, &off));
    CHECK_INT(ts, 1704153600);
    CHECK(!fu_rfc822("Mon, 29 Feb 2021 10:00:00 GMT", 29, &ts));
    CHECK(fu_rfc822("Thu, 29 Feb 2024 10:00:00 GMT", 29, &ts));
    CHECK_INT(ts, 1709200800);
}

int main(void)
{
    RUN(platform_dates_reject_impossible_days);
    return check_summary();
}
