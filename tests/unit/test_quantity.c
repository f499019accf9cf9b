/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for util/quantity: Kubernetes quantity syntax and rounding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "util/quantity.h"

static int64_t
milli(const char *s)
{
    int64_t m = -12345;

    assert_int_equal(util_quantity_parse_milli(s, &m), 0);
    return m;
}

static void
parse_milli__handles_decimal_suffixes(void **state)
{
    (void)state;

    assert_true(milli("500m") == 500);
    assert_true(milli("1.5") == 1500);
    assert_true(milli("2") == 2000);
    assert_true(milli("1k") == 1000000);
    assert_true(milli("3M") == INT64_C(3000000000));
    assert_true(milli("100u") == 1);
    assert_true(milli("1n") == 1);
    assert_true(milli("0") == 0);
    assert_true(milli("+.5") == 500);
    assert_true(milli("-1.5") == -1500);
}

static void
parse_milli__handles_binary_suffixes_and_exponents(void **state)
{
    (void)state;

    assert_true(milli("1Ki") == 1024000);
    assert_true(milli("2Gi") == INT64_C(2147483648000));
    assert_true(milli("1e3") == 1000000);
    assert_true(milli("5E-2") == 50);
    assert_true(milli("1.5Mi") == INT64_C(1572864000));
}

static void
parse_milli__rounds_up_sub_milli_values(void **state)
{
    (void)state;

    assert_true(milli("0.0001") == 1);
    assert_true(milli("1001u") == 2);
    assert_true(milli("0.0000000001") == 1);
}

static void
parse__rejects_malformed_input(void **state)
{
    struct util_quantity q;
    int64_t m;

    (void)state;

    assert_int_equal(util_quantity_parse("", &q), -EINVAL);
    assert_int_equal(util_quantity_parse(NULL, &q), -EINVAL);
    assert_int_equal(util_quantity_parse("abc", &q), -EINVAL);
    assert_int_equal(util_quantity_parse("1.2.3", &q), -EINVAL);
    assert_int_equal(util_quantity_parse("1Xi", &q), -EINVAL);
    assert_int_equal(util_quantity_parse("1e", &q), -EINVAL);
    assert_int_equal(util_quantity_parse("1 ", &q), -EINVAL);
    assert_int_equal(util_quantity_parse(".", &q), -EINVAL);
    assert_int_equal(util_quantity_parse_milli("m", &m), -EINVAL);
}

static void
parse__reports_out_of_range(void **state)
{
    struct util_quantity q;
    int64_t m;

    (void)state;

    assert_int_equal(util_quantity_parse("100Ei", &q), -ERANGE);
    assert_int_equal(util_quantity_parse("1e40", &q), -ERANGE);
    assert_int_equal(util_quantity_parse("1Ei", &q), 0);
    assert_int_equal(util_quantity_parse_milli("1Ei", &m), -ERANGE);
}

static void
value__is_ceiling_and_keeps_format(void **state)
{
    struct util_quantity q;

    (void)state;

    assert_int_equal(util_quantity_parse("1.2", &q), 0);
    assert_true(util_quantity_value(&q) == 2);
    assert_int_equal(q.format, UTIL_QUANTITY_DECIMAL_SI);
    assert_int_equal(util_quantity_parse("-1.5", &q), 0);
    assert_true(util_quantity_value(&q) == -1);
    assert_int_equal(util_quantity_parse("1Gi", &q), 0);
    assert_int_equal(q.format, UTIL_QUANTITY_BINARY_SI);
    assert_int_equal(util_quantity_parse("1e2", &q), 0);
    assert_int_equal(q.format, UTIL_QUANTITY_DECIMAL_EXPONENT);
    assert_true(util_quantity_value(&q) == 100);
}

static void
sub__is_exact_and_keeps_left_format(void **state)
{
    struct util_quantity a, b, r, zero;
    char buf[32];

    (void)state;

    assert_int_equal(util_quantity_parse("1Gi", &a), 0);
    assert_int_equal(util_quantity_parse("0.1", &b), 0);
    assert_int_equal(util_quantity_sub(&a, &b, &r), 0);
    assert_int_equal(r.format, UTIL_QUANTITY_BINARY_SI);
    assert_int_equal(util_quantity_format(&r, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "1073741823.9");

    util_quantity_init(&zero);
    assert_int_equal(util_quantity_sub(&zero, &a, &r), 0);
    assert_int_equal(r.format, UTIL_QUANTITY_BINARY_SI);
    assert_true(util_quantity_value(&r) == -1073741824);
    assert_true(util_quantity_cmp(&r, &zero) < 0);
}

static void
add__reports_overflow(void **state)
{
    struct util_quantity a, r;

    (void)state;

    util_quantity_from_int(&a, INT64_MAX);
    assert_int_equal(util_quantity_add(&a, &a, &r), -ERANGE);
    util_quantity_from_milli(&a, 1500);
    assert_int_equal(util_quantity_add(&a, &a, &r), 0);
    assert_true(util_quantity_milli_value(&r) == 3000);
}

static void
format__reports_small_buffer(void **state)
{
    struct util_quantity q;
    char buf[3];

    (void)state;

    util_quantity_from_int(&q, 12345);
    assert_int_equal(util_quantity_format(&q, buf, sizeof(buf)), -ENOSPC);
    assert_string_equal(buf, "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_milli__handles_decimal_suffixes),
        cmocka_unit_test(parse_milli__handles_binary_suffixes_and_exponents),
        cmocka_unit_test(parse_milli__rounds_up_sub_milli_values),
        cmocka_unit_test(parse__rejects_malformed_input),
        cmocka_unit_test(parse__reports_out_of_range),
        cmocka_unit_test(value__is_ceiling_and_keeps_format),
        cmocka_unit_test(sub__is_exact_and_keeps_left_format),
        cmocka_unit_test(add__reports_overflow),
        cmocka_unit_test(format__reports_small_buffer),
    };

    return cmocka_run_group_tests_name("util.quantity", tests, NULL, NULL);
}
