/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time as int64 nanoseconds since the Unix epoch, and the duration syntax
 * shared by the config file, the drills and the CLI: "500ms", "30s", "5m",
 * "1h30m" (Go's time.ParseDuration subset: ns, us, ms, s, m, h; a leading
 * integer or decimal per unit).
 */
#ifndef UTIL_TIME_H
#define UTIL_TIME_H

#include <stddef.h>
#include <stdint.h>

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S  INT64_C(1000000000)

/* Wall-clock now (CLOCK_REALTIME) in ns. Only shells call this: cores get now. */
int64_t util_time_now_ns(void);

/* Monotonic clock in ns, for measuring intervals. */
int64_t util_time_mono_ns(void);

/*
 * Parses @s as a duration into *out_ns. Returns 0, or -EINVAL when @s is
 * empty, has an unknown unit, a unit without a number, or is negative;
 * -ERANGE when it does not fit in int64 nanoseconds.
 */
int util_duration_parse(const char *s, int64_t *out_ns);

/* Formats @ns as the shortest duration text ("1h30m", "500ms", "0s"). */
void util_duration_format(int64_t ns, char *buf, size_t len);

/* Formats @ns since the epoch as RFC 3339 UTC with milliseconds. */
void util_time_format_rfc3339(int64_t ns, char *buf, size_t len);

#endif /* UTIL_TIME_H */
