/* detect.h: internal helpers of the streaming detector stage shared by detect.c and
 * detect_series.c (the public part is the "Streaming detection" section of tocsin.h). */
#ifndef TOCSIN_STATS_DETECT_H
#define TOCSIN_STATS_DETECT_H

#include "common/common.h"

/* Parses "YYYY-MM-DD HH:MM:SS" (a 'T' may replace the space; an optional ".fraction" and a final
 * 'Z' are accepted, the fraction is dropped) as UTC. @return true and *out (epoch seconds). */
bool detect_time_parse(const char *s, size_t len, int64_t *out);

#endif
