/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kubernetes quantities; see util/quantity.h. Written here rather than taken
 * from a library because no C library implements the Kubernetes syntax and
 * its rounding; parsing uses 128-bit integers in nano-units so every step is
 * exact.
 */
#include "util/quantity.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define NANO INT64_C(1000000000)

__extension__ typedef __int128 i128;

/* Largest nano magnitude whose whole part still fits in int64. */
static i128
nano_limit(void)
{
    return ((i128)INT64_MAX + 1) * NANO;
}

void
util_quantity_init(struct util_quantity *q)
{
    q->whole = 0;
    q->nano = 0;
    q->format = UTIL_QUANTITY_DECIMAL_SI;
}

static int
from_nano(i128 n, enum util_quantity_format format, struct util_quantity *q)
{
    i128 whole = n / NANO;
    i128 rest = n % NANO;

    if (rest < 0) {
        rest += NANO;
        whole -= 1;
    }
    if (whole > INT64_MAX || whole < INT64_MIN) {
        return -ERANGE;
    }
    q->whole = (int64_t)whole;
    q->nano = (int32_t)rest;
    q->format = format;
    return 0;
}

static i128
to_nano(const struct util_quantity *q)
{
    return (i128)q->whole * NANO + q->nano;
}

/*
 * Reads the suffix at @s: sets the power of ten (*e10) and of two (*e2) it
 * stands for and its format. Returns 0 or -EINVAL.
 */
static int
parse_suffix(const char *s, int *e10, int *e2, enum util_quantity_format *fmt)
{
    static const struct {
        const char *name;
        int e10;
        int e2;
        enum util_quantity_format fmt;
    } table[] = {
        { "", 0, 0, UTIL_QUANTITY_DECIMAL_SI },
        { "n", -9, 0, UTIL_QUANTITY_DECIMAL_SI },
        { "u", -6, 0, UTIL_QUANTITY_DECIMAL_SI },
        { "m", -3, 0, UTIL_QUANTITY_DECIMAL_SI },
        { "k", 3, 0, UTIL_QUANTITY_DECIMAL_SI },
        { "M", 6, 0, UTIL_QUANTITY_DECIMAL_SI },
        { "G", 9, 0, UTIL_QUANTITY_DECIMAL_SI },
        { "T", 12, 0, UTIL_QUANTITY_DECIMAL_SI },
        { "P", 15, 0, UTIL_QUANTITY_DECIMAL_SI },
        { "E", 18, 0, UTIL_QUANTITY_DECIMAL_SI },
        { "Ki", 0, 10, UTIL_QUANTITY_BINARY_SI },
        { "Mi", 0, 20, UTIL_QUANTITY_BINARY_SI },
        { "Gi", 0, 30, UTIL_QUANTITY_BINARY_SI },
        { "Ti", 0, 40, UTIL_QUANTITY_BINARY_SI },
        { "Pi", 0, 50, UTIL_QUANTITY_BINARY_SI },
        { "Ei", 0, 60, UTIL_QUANTITY_BINARY_SI },
    };
    const char *p;
    int sign = 1;
    long v = 0;

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(s, table[i].name) == 0) {
            *e10 = table[i].e10;
            *e2 = table[i].e2;
            *fmt = table[i].fmt;
            return 0;
        }
    }
    if ((s[0] != 'e' && s[0] != 'E') || s[1] == '\0') {
        return -EINVAL;
    }
    p = s + 1;
    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    if (*p == '\0') {
        return -EINVAL;
    }
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return -EINVAL;
        }
        if (v < 100000) {
            v = v * 10 + (*p - '0');
        }
    }
    *e10 = (int)(sign * v);
    *e2 = 0;
    *fmt = UTIL_QUANTITY_DECIMAL_EXPONENT;
    return 0;
}

/*
 * Scales the magnitude @m (an integer count of 10^-@frac units) by 10^@e10
 * and 2^@e2 into nano-units, rounding a remainder up. Returns 0 or -ERANGE.
 */
static int
scale_to_nano(i128 m, int frac, int e10, int e2, bool sticky, i128 *out)
{
    i128 limit = nano_limit();
    int shift = 9 - frac + e10;
    bool rem = sticky;

    for (int i = 0; i < e2; i++) {
        if (m > limit / 2) {
            return -ERANGE;
        }
        m *= 2;
    }
    for (; shift > 0; shift--) {
        if (m > limit / 10) {
            return -ERANGE;
        }
        m *= 10;
    }
    for (; shift < 0 && m != 0; shift++) {
        if (m % 10 != 0) {
            rem = true;
        }
        m /= 10;
    }
    if (rem) {
        m += 1;
    }
    if (m > limit) {
        return -ERANGE;
    }
    *out = m;
    return 0;
}

int
util_quantity_parse(const char *s, struct util_quantity *q)
{
    enum util_quantity_format fmt;
    const char *p = s;
    bool negative = false;
    bool seen_dot = false;
    bool sticky = false;
    int digits = 0;
    int frac = 0;
    int sig = 0;
    int e10 = 0;
    int e2 = 0;
    i128 m = 0;
    i128 n;
    int rc;

    if (s == NULL || *s == '\0') {
        return -EINVAL;
    }
    if (*p == '+' || *p == '-') {
        negative = *p == '-';
        p++;
    }
    for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
        if (*p == '.') {
            if (seen_dot) {
                return -EINVAL;
            }
            seen_dot = true;
            continue;
        }
        digits++;
        if (sig == 0 && *p == '0') {
            if (seen_dot) {
                frac++;
            }
            continue;
        }
        if (sig >= 36) {
            /* Beyond 36 significant digits: whole digits overflow anyway. */
            if (!seen_dot) {
                return -ERANGE;
            }
            if (*p != '0') {
                sticky = true;
            }
            continue;
        }
        m = m * 10 + (*p - '0');
        sig++;
        if (seen_dot) {
            frac++;
        }
    }
    if (digits == 0) {
        return -EINVAL;
    }
    rc = parse_suffix(p, &e10, &e2, &fmt);
    if (rc != 0) {
        return rc;
    }
    if (m == 0) {
        n = 0;
    } else if (9 - frac + e10 > 60) {
        return -ERANGE;
    } else if (9 - frac + e10 < -60) {
        n = 1;
    } else {
        rc = scale_to_nano(m, frac, e10, e2, sticky, &n);
        if (rc != 0) {
            return rc;
        }
    }
    if (negative) {
        n = -n;
    }
    return from_nano(n, fmt, q);
}

int64_t
util_quantity_value(const struct util_quantity *q)
{
    if (q->nano > 0) {
        return q->whole == INT64_MAX ? INT64_MAX : q->whole + 1;
    }
    return q->whole;
}

int64_t
util_quantity_milli_value(const struct util_quantity *q)
{
    i128 m = (i128)q->whole * 1000 + (q->nano + 999999) / 1000000;

    if (m > INT64_MAX) {
        return INT64_MAX;
    }
    if (m < INT64_MIN) {
        return INT64_MIN;
    }
    return (int64_t)m;
}

int
util_quantity_parse_milli(const char *s, int64_t *out_milli)
{
    struct util_quantity q;
    i128 m;
    int rc;

    rc = util_quantity_parse(s, &q);
    if (rc != 0) {
        return rc;
    }
    m = (i128)q.whole * 1000 + (q.nano + 999999) / 1000000;
    if (m > INT64_MAX || m < INT64_MIN) {
        return -ERANGE;
    }
    *out_milli = (int64_t)m;
    return 0;
}

void
util_quantity_from_int(struct util_quantity *q, int64_t v)
{
    q->whole = v;
    q->nano = 0;
    q->format = UTIL_QUANTITY_DECIMAL_SI;
}

void
util_quantity_from_milli(struct util_quantity *q, int64_t milli)
{
    (void)from_nano((i128)milli * 1000000, UTIL_QUANTITY_DECIMAL_SI, q);
}

bool
util_quantity_is_zero(const struct util_quantity *q)
{
    return q->whole == 0 && q->nano == 0;
}

static int
combine(const struct util_quantity *a, const struct util_quantity *b, int sign,
        struct util_quantity *out)
{
    enum util_quantity_format fmt;
    int64_t whole;
    int64_t nano;

    /* Whole and nano parts separately: no 128-bit division on this path. */
    fmt = util_quantity_is_zero(a) ? b->format : a->format;
    if (sign > 0) {
        if (__builtin_add_overflow(a->whole, b->whole, &whole)) {
            return -ERANGE;
        }
        nano = (int64_t)a->nano + b->nano;
    } else {
        if (__builtin_sub_overflow(a->whole, b->whole, &whole)) {
            return -ERANGE;
        }
        nano = (int64_t)a->nano - b->nano;
    }
    if (nano >= NANO) {
        nano -= NANO;
        if (__builtin_add_overflow(whole, 1, &whole)) {
            return -ERANGE;
        }
    } else if (nano < 0) {
        nano += NANO;
        if (__builtin_sub_overflow(whole, 1, &whole)) {
            return -ERANGE;
        }
    }
    out->whole = whole;
    out->nano = (int32_t)nano;
    out->format = fmt;
    return 0;
}

int
util_quantity_add(const struct util_quantity *a, const struct util_quantity *b,
                  struct util_quantity *out)
{
    return combine(a, b, 1, out);
}

int
util_quantity_sub(const struct util_quantity *a, const struct util_quantity *b,
                  struct util_quantity *out)
{
    return combine(a, b, -1, out);
}

int
util_quantity_cmp(const struct util_quantity *a, const struct util_quantity *b)
{
    if (a->whole != b->whole) {
        return a->whole < b->whole ? -1 : 1;
    }
    if (a->nano != b->nano) {
        return a->nano < b->nano ? -1 : 1;
    }
    return 0;
}

int
util_quantity_format(const struct util_quantity *q, char *buf,
                     unsigned long len)
{
    i128 n = to_nano(q);
    bool negative = n < 0;
    uint64_t whole;
    uint32_t frac;
    char digits[16];
    int w;

    if (negative) {
        n = -n;
    }
    whole = (uint64_t)(n / NANO);
    frac = (uint32_t)(n % NANO);
    if (frac == 0) {
        w = snprintf(buf, len, "%s%" PRIu64, negative ? "-" : "", whole);
    } else {
        snprintf(digits, sizeof(digits), "%09" PRIu32, frac);
        for (int i = 8; i > 0 && digits[i] == '0'; i--) {
            digits[i] = '\0';
        }
        w = snprintf(buf, len, "%s%" PRIu64 ".%s", negative ? "-" : "", whole,
                     digits);
    }
    if (w < 0 || (unsigned long)w >= len) {
        if (len > 0) {
            buf[0] = '\0';
        }
        return -ENOSPC;
    }
    return 0;
}
