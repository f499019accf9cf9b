/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for util/: durations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include <stdlib.h>
#include <string.h>

#include "util/strmap.h"
#include "util/time.h"

static void
duration_parse__accepts_compound_units(void **state)
{
    int64_t ns = 0;
    int rc;

    (void)state;

    rc = util_duration_parse("1h30m", &ns);

    assert_int_equal(rc, 0);
    assert_true(ns == 90 * 60 * NS_PER_S);
}

static void
duration_parse__accepts_fractions_and_ms(void **state)
{
    int64_t a = 0, b = 0;

    (void)state;

    assert_int_equal(util_duration_parse("500ms", &a), 0);
    assert_int_equal(util_duration_parse("1.5s", &b), 0);

    assert_true(a == 500 * NS_PER_MS);
    assert_true(b == 1500 * NS_PER_MS);
}

static void
duration_parse__rejects_bad_text(void **state)
{
    int64_t ns = 42;

    (void)state;

    assert_int_equal(util_duration_parse("", &ns), -EINVAL);
    assert_int_equal(util_duration_parse("10", &ns), -EINVAL);
    assert_int_equal(util_duration_parse("5x", &ns), -EINVAL);
    assert_int_equal(util_duration_parse("s", &ns), -EINVAL);
    assert_int_equal(util_duration_parse("-5s", &ns), -EINVAL);
    assert_int_equal(util_duration_parse("99999999999h", &ns), -ERANGE);
    assert_true(ns == 42);
}

static void
duration_format__round_trips(void **state)
{
    const char *cases[] = { "1h30m", "500ms", "30s", "10m", "1.500s", "0s" };
    char buf[32];
    int64_t ns;

    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(util_duration_parse(cases[i], &ns), 0);
        util_duration_format(ns, buf, sizeof(buf));
        assert_string_equal(buf, cases[i]);
    }
}

/* The keys in byte order, whatever the slot order; an empty map gives none. */
static void
strmap_sorted_keys__byte_order_and_count(void **state)
{
    static const char *const in[] = { "m2", "b", "m10", "a/b", "B", "m1" };
    static const char *const want[] = { "B", "a/b", "b", "m1", "m10", "m2" };
    struct strmap m = { 0 };
    const char **keys;
    size_t n = 99;

    (void)state;
    keys = util_strmap_sorted_keys(&m, &n);
    assert_non_null(keys);
    assert_int_equal(n, 0);
    assert_null(keys[0]);
    free(keys);
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        assert_non_null(util_strmap_put(&m, in[i]));
    }
    (void)util_strmap_del(&m, "b");
    keys = util_strmap_sorted_keys(&m, &n);
    assert_int_equal(n, 5);
    for (size_t i = 0, j = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (strcmp(want[i], "b") == 0) {
            continue;
        }
        assert_string_equal(keys[j++], want[i]);
    }
    assert_null(keys[5]);
    free(keys);
    util_strmap_release(&m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(duration_parse__accepts_compound_units),
        cmocka_unit_test(duration_parse__accepts_fractions_and_ms),
        cmocka_unit_test(duration_parse__rejects_bad_text),
        cmocka_unit_test(duration_format__round_trips),
        cmocka_unit_test(strmap_sorted_keys__byte_order_and_count),
    };

    return cmocka_run_group_tests_name("util.time", tests, NULL, NULL);
}
