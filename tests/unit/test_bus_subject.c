/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for bus/token.c and bus/subject.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "bus/subject.h"
#include "bus/token.h"

static void
token_encode__round_trips_names_with_dots(void **state)
{
    const char *names[] = { "nginx", "app.v1", "a_b", "x~y%z", "kube-system",
                            "", "日本", "a.b.c.d", "_", "_2E" };
    char tok[256];
    char back[256];

    (void)state;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_true(bus_token_encode(names[i], tok, sizeof(tok)) > 0);
        assert_null(strpbrk(tok, ".*> \t"));
        assert_true(bus_token_decode(tok, back, sizeof(back)) >= 0);
        assert_string_equal(back, names[i]);
    }
}

static void
token_encode__escapes_dot_as_hex(void **state)
{
    char tok[64];
    int rc;

    (void)state;

    rc = bus_token_encode("app.v1", tok, sizeof(tok));

    assert_int_equal(rc, 8);
    assert_string_equal(tok, "app_2Ev1");
}

static void
token_decode__rejects_non_canonical(void **state)
{
    char out[64];

    (void)state;

    assert_int_equal(bus_token_decode("a.b", out, sizeof(out)), -EINVAL);
    assert_int_equal(bus_token_decode("a_2", out, sizeof(out)), -EINVAL);
    assert_int_equal(bus_token_decode("a_61", out, sizeof(out)), -EINVAL);
    assert_int_equal(bus_token_decode("a_2e", out, sizeof(out)), -EINVAL);
    assert_int_equal(bus_token_decode("", out, sizeof(out)), -EINVAL);
    assert_string_equal(out, "");
}

static void
token_encode__reports_short_buffer(void **state)
{
    char tok[4];

    (void)state;

    assert_int_equal(bus_token_encode("a.b", tok, sizeof(tok)), -ENAMETOOLONG);
    assert_string_equal(tok, "");
}

static void
subject_build__encodes_each_name(void **state)
{
    char s[BUS_SUBJECT_MAX];
    char names[3][256];
    int n;

    (void)state;

    n = bus_subject_build(s, sizeof(s), "binding.evict", "shop.eu",
                          "web.v2-deployment", "member.1");

    assert_true(n > 0);
    assert_string_equal(s, "binding.evict.shop_2Eeu.web_2Ev2-deployment.member_2E1");
    assert_int_equal(bus_subject_names(s, 2, names, 3), 3);
    assert_string_equal(names[0], "shop.eu");
    assert_string_equal(names[1], "web.v2-deployment");
    assert_string_equal(names[2], "member.1");
}

static void
subject_matches__follows_nats_wildcards(void **state)
{
    (void)state;

    assert_true(bus_subject_matches("cluster.status.*", "cluster.status.m1"));
    assert_false(bus_subject_matches("cluster.status.*", "cluster.status.m1.x"));
    assert_false(bus_subject_matches("cluster.status.*", "cluster.status"));
    assert_true(bus_subject_matches("object.>", "object.a.b.c"));
    assert_false(bus_subject_matches("object.>", "object"));
    assert_false(bus_subject_matches("cluster.taint.*", "cluster.status.m1"));
}

static void
subject_classify__names_the_owner(void **state)
{
    const struct bus_subject_class *c;

    (void)state;

    c = bus_subject_classify("binding.schedule.default.nginx-deployment");

    assert_non_null(c);
    assert_string_equal(c->owner, "scheduler");
    assert_string_equal(c->stream, "FL_BINDINGS");
    assert_null(bus_subject_classify("nothing.here"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_encode__round_trips_names_with_dots),
        cmocka_unit_test(token_encode__escapes_dot_as_hex),
        cmocka_unit_test(token_decode__rejects_non_canonical),
        cmocka_unit_test(token_encode__reports_short_buffer),
        cmocka_unit_test(subject_build__encodes_each_name),
        cmocka_unit_test(subject_matches__follows_nats_wildcards),
        cmocka_unit_test(subject_classify__names_the_owner),
    };

    return cmocka_run_group_tests_name("bus.subject", tests, NULL, NULL);
}
