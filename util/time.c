/* SPDX-License-Identifier: Apache-2.0 */
/* Clocks and the duration syntax; see util/time.h. */
#include "util/time.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t
util_time_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int64_t
util_time_mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static int64_t
unit_ns(const char *u, size_t n)
{
    static const struct {
        const char *name;
        int64_t ns;
    } units[] = {
        { "ns", 1 },           { "us", 1000 },         { "ms", NS_PER_MS },
        { "s", NS_PER_S },     { "m", 60 * NS_PER_S }, { "h", 3600 * NS_PER_S },
    };

    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strlen(units[i].name) == n && strncmp(u, units[i].name, n) == 0) {
            return units[i].ns;
        }
    }
    return 0;
}

int
util_duration_parse(const char *s, int64_t *out_ns)
{
    double total = 0;

    if (s == NULL || *s == '\0') {
        return -EINVAL;
    }
    if (strcmp(s, "0") == 0) {
        *out_ns = 0;
        return 0;
    }
    while (*s != '\0') {
        double whole = 0, frac = 0, scale = 1;
        const char *unit;
        int64_t ns;
        int digits = 0;

        for (; *s >= '0' && *s <= '9'; s++, digits++) {
            whole = whole * 10 + (*s - '0');
        }
        if (*s == '.') {
            for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
                scale /= 10;
                frac += (*s - '0') * scale;
            }
        }
        if (digits == 0) {
            return -EINVAL;
        }
        unit = s;
        while ((*s >= 'a' && *s <= 'z')) {
            s++;
        }
        ns = unit_ns(unit, (size_t)(s - unit));
        if (ns == 0) {
            return -EINVAL;
        }
        total += (whole + frac) * (double)ns;
        if (total > 9.2e18) {
            return -ERANGE;
        }
    }
    *out_ns = (int64_t)total;
    return 0;
}

void
util_duration_format(int64_t ns, char *buf, size_t len)
{
    int64_t h, m, s, ms;
    size_t off = 0;

    if (ns == 0) {
        snprintf(buf, len, "0s");
        return;
    }
    if (ns < NS_PER_S) {
        if (ns % NS_PER_MS == 0) {
            snprintf(buf, len, "%" PRId64 "ms", ns / NS_PER_MS);
        } else {
            snprintf(buf, len, "%" PRId64 "ns", ns);
        }
        return;
    }
    h = ns / (3600 * NS_PER_S);
    m = ns / (60 * NS_PER_S) % 60;
    s = ns / NS_PER_S % 60;
    ms = ns / NS_PER_MS % 1000;
    buf[0] = '\0';
    if (h > 0) {
        off += (size_t)snprintf(buf + off, len - off, "%" PRId64 "h", h);
    }
    if (m > 0 && off < len) {
        off += (size_t)snprintf(buf + off, len - off, "%" PRId64 "m", m);
    }
    if ((s > 0 || ms > 0) && off < len) {
        if (ms > 0) {
            snprintf(buf + off, len - off, "%" PRId64 ".%03" PRId64 "s", s, ms);
        } else {
            snprintf(buf + off, len - off, "%" PRId64 "s", s);
        }
    }
}

void
util_time_format_rfc3339(int64_t ns, char *buf, size_t len)
{
    time_t secs = (time_t)(ns / NS_PER_S);
    struct tm tm;
    char stamp[32];

    gmtime_r(&secs, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03dZ", stamp, (int)(ns % NS_PER_S / NS_PER_MS));
}
