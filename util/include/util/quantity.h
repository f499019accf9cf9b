/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kubernetes resource quantities ("500m", "1.5", "2Gi", "1e3") with exact
 * arithmetic. A quantity is held as a whole part plus a fraction in
 * nano-units (10^-9), so every value Kubernetes can represent after its own
 * parse-time rounding (it rounds up to nano precision) is held exactly and
 * Value() / MilliValue() are exact ceilings, as in k8s.io/apimachinery.
 */
#ifndef UTIL_QUANTITY_H
#define UTIL_QUANTITY_H

#include <stdbool.h>
#include <stdint.h>

/* How the quantity was written; kept because Kubernetes keeps it. */
enum util_quantity_format {
    UTIL_QUANTITY_DECIMAL_SI,       /* no suffix, m, k, M, G, T, P, E, n, u */
    UTIL_QUANTITY_BINARY_SI,        /* Ki, Mi, Gi, Ti, Pi, Ei */
    UTIL_QUANTITY_DECIMAL_EXPONENT, /* 1e3, 5E-2 */
};

/*
 * The value is whole + nano / 10^9 with 0 <= nano < 10^9 (so -0.5 is
 * whole = -1, nano = 500000000). Fill it with the functions below.
 */
struct util_quantity {
    int64_t whole;
    int32_t nano;
    enum util_quantity_format format;
};

/* Sets @q to zero in DecimalSI. */
void util_quantity_init(struct util_quantity *q);

/*
 * Parses the Kubernetes quantity @s into *q. Digits below 10^-9 are rounded
 * up in magnitude to the next nano, as Kubernetes does. Returns 0,
 * -EINVAL when @s is NULL, empty or not a quantity (no digits, unknown
 * suffix, junk after it), or -ERANGE when the magnitude does not fit in
 * int64 units. *q is written only on success.
 */
int util_quantity_parse(const char *s, struct util_quantity *q);

/*
 * Parses @s and writes ceil(q * 1000) into *out_milli (Kubernetes
 * MilliValue). Returns 0, -EINVAL as util_quantity_parse(), or -ERANGE when
 * the quantity or its milli-value does not fit in int64.
 */
int util_quantity_parse_milli(const char *s, int64_t *out_milli);

/* ceil(q) (Kubernetes Value()); saturates at INT64_MAX / INT64_MIN. */
int64_t util_quantity_value(const struct util_quantity *q);

/* ceil(q * 1000) (Kubernetes MilliValue()); saturates at the int64 limits. */
int64_t util_quantity_milli_value(const struct util_quantity *q);

/* Sets @q to @v units (DecimalSI). */
void util_quantity_from_int(struct util_quantity *q, int64_t v);

/* Sets @q to @milli / 1000 units (DecimalSI). */
void util_quantity_from_milli(struct util_quantity *q, int64_t milli);

/*
 * *out = a + b or a - b, exactly. The result keeps @a's format unless @a is
 * zero, in which case it takes @b's (Kubernetes Add/Sub). @out may alias
 * either operand. Returns 0 or -ERANGE on int64 overflow (*out untouched).
 */
int util_quantity_add(const struct util_quantity *a,
                      const struct util_quantity *b, struct util_quantity *out);
int util_quantity_sub(const struct util_quantity *a,
                      const struct util_quantity *b, struct util_quantity *out);

/* Returns <0, 0 or >0 as @a is less than, equal to or greater than @b. */
int util_quantity_cmp(const struct util_quantity *a,
                      const struct util_quantity *b);

/* True when @q is exactly zero. */
bool util_quantity_is_zero(const struct util_quantity *q);

/*
 * Writes @q as a plain decimal number ("1.5", "-0.25", "3") into @buf of
 * @len bytes (at least 32 holds every value). Returns 0 or -ENOSPC.
 */
int util_quantity_format(const struct util_quantity *q, char *buf,
                         unsigned long len);

#endif /* UTIL_QUANTITY_H */
