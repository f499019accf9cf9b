/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for util/metrics: registration, updates, rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/metrics.h"

static int
reg_setup(void **state)
{
    struct util_metrics *reg = NULL;

    if (util_metrics_new(&reg) != 0) {
        return -1;
    }
    *state = reg;
    return 0;
}

static int
reg_teardown(void **state)
{
    util_metrics_free(*state);
    return 0;
}

/* Renders @reg and compares with @want. */
static void
assert_render(struct util_metrics *reg, const char *want)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    rc = util_metrics_render(reg, &text, &len);

    assert_int_equal(rc, 0);
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(want));
    free(text);
}

static void
counter__renders_help_type_and_sorted_series(void **state)
{
    struct util_metrics *reg = *state;
    struct util_metric *fit = NULL, *fail = NULL, *again = NULL;

    assert_int_equal(util_metrics_counter(reg, &fit, "fl_decisions_total",
                                          "Decisions by actor and reason.",
                                          "actor", "scheduler", "reason",
                                          "Fit", NULL),
                     0);
    assert_int_equal(util_metrics_counter(reg, &fail, "fl_decisions_total",
                                          "ignored", "actor", "scheduler",
                                          "reason", "FitError", NULL),
                     0);
    assert_int_equal(util_metrics_counter(reg, &again, "fl_decisions_total",
                                          "", "actor", "scheduler", "reason",
                                          "Fit", NULL),
                     0);

    util_metrics_inc(fit);
    util_metrics_inc(again);
    util_metrics_add(fail, 3);

    assert_ptr_equal(fit, again);
    assert_true(util_metrics_value(fit) == 2);
    assert_render(reg,
                  "# HELP fl_decisions_total Decisions by actor and reason.\n"
                  "# TYPE fl_decisions_total counter\n"
                  "fl_decisions_total{actor=\"scheduler\",reason=\"Fit\"} 2\n"
                  "fl_decisions_total{actor=\"scheduler\",reason=\"FitError\"}"
                  " 3\n");
}

static void
counter__never_goes_down(void **state)
{
    struct util_metrics *reg = *state;
    struct util_metric *c = NULL;

    assert_int_equal(util_metrics_counter(reg, &c, "fl_redeliveries_total",
                                          "Redelivered inputs.", NULL),
                     0);

    util_metrics_add(c, 5);
    util_metrics_add(c, -2);
    util_metrics_add(c, NAN);
    util_metrics_set(c, 0);

    assert_true(util_metrics_value(c) == 5);
    assert_render(reg, "# HELP fl_redeliveries_total Redelivered inputs.\n"
                       "# TYPE fl_redeliveries_total counter\n"
                       "fl_redeliveries_total 5\n");
}

static void
gauge__sets_and_adds_any_sign(void **state)
{
    struct util_metrics *reg = *state;
    struct util_metric *g = NULL, *h = NULL;

    assert_int_equal(util_metrics_gauge(reg, &g, "fl_consumer_lag",
                                        "Messages not yet delivered.",
                                        "actor", "scheduler", "consumer",
                                        "sched-0", NULL),
                     0);
    assert_int_equal(util_metrics_gauge(reg, &h, "fl_brake", "Brake.", NULL),
                     0);

    util_metrics_set(g, 10);
    util_metrics_add(g, -2.5);
    util_metrics_set(h, INFINITY);

    assert_true(util_metrics_value(g) == 7.5);
    assert_render(reg,
                  "# HELP fl_brake Brake.\n"
                  "# TYPE fl_brake gauge\n"
                  "fl_brake +Inf\n"
                  "# HELP fl_consumer_lag Messages not yet delivered.\n"
                  "# TYPE fl_consumer_lag gauge\n"
                  "fl_consumer_lag{actor=\"scheduler\",consumer=\"sched-0\"} "
                  "7.5\n");
}

static void
histogram__renders_cumulative_buckets_sum_count(void **state)
{
    static const double bounds[] = { 0.1, 1, 10 };
    struct util_metrics *reg = *state;
    struct util_metric *h = NULL;

    assert_int_equal(util_metrics_histogram(reg, &h, "fl_handle_seconds",
                                            "Time to handle one input.",
                                            bounds, 3, "actor", "scheduler",
                                            NULL),
                     0);

    util_metrics_observe(h, 0.05);
    util_metrics_observe(h, 0.1);
    util_metrics_observe(h, 0.5);
    util_metrics_observe(h, 20);
    util_metrics_observe(h, NAN);
    util_metrics_inc(h);

    assert_true(util_metrics_value(h) == 4);
    assert_render(
        reg,
        "# HELP fl_handle_seconds Time to handle one input.\n"
        "# TYPE fl_handle_seconds histogram\n"
        "fl_handle_seconds_bucket{actor=\"scheduler\",le=\"0.1\"} 2\n"
        "fl_handle_seconds_bucket{actor=\"scheduler\",le=\"1\"} 3\n"
        "fl_handle_seconds_bucket{actor=\"scheduler\",le=\"10\"} 3\n"
        "fl_handle_seconds_bucket{actor=\"scheduler\",le=\"+Inf\"} 4\n"
        "fl_handle_seconds_sum{actor=\"scheduler\"} 20.65\n"
        "fl_handle_seconds_count{actor=\"scheduler\"} 4\n");
}

static void
histogram__default_bounds_are_latency_seconds(void **state)
{
    struct util_metrics *reg = *state;
    struct util_metric *h = NULL;
    char *text = NULL;
    size_t len;

    assert_int_equal(util_metrics_histogram(reg, &h, "fl_publish_seconds",
                                            "Publish latency.", NULL, 0,
                                            NULL),
                     0);
    util_metrics_observe(h, 0.003);

    assert_int_equal(util_metrics_render(reg, &text, &len), 0);
    assert_non_null(strstr(text,
                           "fl_publish_seconds_bucket{le=\"0.0025\"} 0\n"
                           "fl_publish_seconds_bucket{le=\"0.005\"} 1\n"));
    assert_non_null(strstr(text, "fl_publish_seconds_bucket{le=\"10\"} 1\n"
                                 "fl_publish_seconds_bucket{le=\"+Inf\"} 1\n"));
    free(text);
}

static void
render__escapes_label_values_and_help(void **state)
{
    struct util_metrics *reg = *state;
    struct util_metric *c = NULL;

    assert_int_equal(util_metrics_counter(reg, &c, "fl_dead_letters_total",
                                          "Dead letters \\ by\nreason.",
                                          "actor", "a\"b\\c\nd", "reason",
                                          "", NULL),
                     0);
    util_metrics_inc(c);

    assert_render(reg, "# HELP fl_dead_letters_total Dead letters \\\\ "
                       "by\\nreason.\n"
                       "# TYPE fl_dead_letters_total counter\n"
                       "fl_dead_letters_total{actor=\"a\\\"b\\\\c\\nd\","
                       "reason=\"\"} 1\n");
}

static void
render__formats_values_shortest_round_trip(void **state)
{
    struct util_metrics *reg = *state;
    struct util_metric *a = NULL, *b = NULL, *c = NULL, *d = NULL;

    assert_int_equal(util_metrics_gauge(reg, &a, "g", "", "k", "a", NULL), 0);
    assert_int_equal(util_metrics_gauge(reg, &b, "g", "", "k", "b", NULL), 0);
    assert_int_equal(util_metrics_gauge(reg, &c, "g", "", "k", "c", NULL), 0);
    assert_int_equal(util_metrics_gauge(reg, &d, "g", "", "k", "d", NULL), 0);

    util_metrics_set(a, 0.1);
    util_metrics_set(b, 1e21);
    util_metrics_set(c, NAN);
    util_metrics_set(d, -1.0 / 3.0);

    assert_render(reg, "# HELP g \n"
                       "# TYPE g gauge\n"
                       "g{k=\"a\"} 0.1\n"
                       "g{k=\"b\"} 1e+21\n"
                       "g{k=\"c\"} NaN\n"
                       "g{k=\"d\"} -0.3333333333333333\n");
}

static void
register__rejects_invalid_names_and_labels(void **state)
{
    struct util_metrics *reg = *state;
    struct util_metric *m = NULL;

    assert_int_equal(util_metrics_counter(reg, &m, "9lives", "", NULL),
                     -EINVAL);
    assert_int_equal(util_metrics_counter(reg, &m, "fl-total", "", NULL),
                     -EINVAL);
    assert_int_equal(util_metrics_counter(reg, &m, "", "", NULL), -EINVAL);
    assert_int_equal(util_metrics_counter(reg, &m, "ok", "", "__name", "x",
                                          NULL),
                     -EINVAL);
    assert_int_equal(util_metrics_counter(reg, &m, "ok", "", "a:b", "x",
                                          NULL),
                     -EINVAL);
    assert_int_equal(util_metrics_counter(reg, &m, "ok", "", "a", "x", "a",
                                          "y", NULL),
                     -EINVAL);
    assert_int_equal(util_metrics_counter(reg, &m, "ok", "", "a",
                                          (const char *)NULL, NULL),
                     -EINVAL);
    assert_int_equal(util_metrics_histogram(reg, &m, "h", "", NULL, 0, "le",
                                            "1", NULL),
                     -EINVAL);
    assert_null(m);
    assert_int_equal(util_metrics_counter(reg, &m, "ns:ok_total", "", NULL),
                     0);
    assert_non_null(m);
}

static void
register__rejects_conflicting_families(void **state)
{
    static const double b1[] = { 1, 2 }, b2[] = { 1, 3 }, bad[] = { 2, 1 };
    struct util_metrics *reg = *state;
    struct util_metric *m = NULL;

    assert_int_equal(util_metrics_counter(reg, &m, "x_total", "", "a", "1",
                                          NULL),
                     0);
    assert_int_equal(util_metrics_gauge(reg, &m, "x_total", "", "a", "1",
                                        NULL),
                     -EEXIST);
    assert_int_equal(util_metrics_counter(reg, &m, "x_total", "", "b", "1",
                                          NULL),
                     -EEXIST);
    assert_int_equal(util_metrics_counter(reg, &m, "x_total", "", NULL),
                     -EEXIST);
    assert_int_equal(util_metrics_histogram(reg, &m, "h", "", b1, 2, NULL),
                     0);
    assert_int_equal(util_metrics_histogram(reg, &m, "h", "", b2, 2, NULL),
                     -EEXIST);
    assert_int_equal(util_metrics_histogram(reg, &m, "h2", "", bad, 2, NULL),
                     -EINVAL);
}

static void
update__null_handle_is_a_no_op(void **state)
{
    (void)state;

    util_metrics_inc(NULL);
    util_metrics_add(NULL, 1);
    util_metrics_set(NULL, 1);
    util_metrics_observe(NULL, 1);

    assert_true(util_metrics_value(NULL) == 0);
}

#define THREADS 4
#define ROUNDS  100000

struct hot {
    struct util_metric *counter;
    struct util_metric *hist;
    struct util_metric *gauge;
};

static void *
hammer(void *arg)
{
    struct hot *h = arg;

    for (int i = 0; i < ROUNDS; i++) {
        util_metrics_inc(h->counter);
        util_metrics_observe(h->hist, 0.001);
        util_metrics_add(h->gauge, i % 2 == 0 ? 1 : -1);
    }
    return NULL;
}

static void
update__is_exact_under_concurrent_threads(void **state)
{
    struct util_metrics *reg = *state;
    pthread_t t[THREADS];
    struct hot h = { 0 };
    char *text = NULL;
    size_t len;

    assert_int_equal(util_metrics_counter(reg, &h.counter, "c_total", "",
                                          NULL),
                     0);
    assert_int_equal(util_metrics_histogram(reg, &h.hist, "h", "", NULL, 0,
                                            NULL),
                     0);
    assert_int_equal(util_metrics_gauge(reg, &h.gauge, "g", "", NULL), 0);

    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, hammer, &h), 0);
    }
    /* Rendering while the others write must not block or crash. */
    assert_int_equal(util_metrics_render(reg, &text, &len), 0);
    free(text);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
    }

    assert_true(util_metrics_value(h.counter) == THREADS * ROUNDS);
    assert_true(util_metrics_value(h.hist) == THREADS * ROUNDS);
    assert_true(util_metrics_value(h.gauge) == 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            counter__renders_help_type_and_sorted_series, reg_setup,
            reg_teardown),
        cmocka_unit_test_setup_teardown(counter__never_goes_down, reg_setup,
                                        reg_teardown),
        cmocka_unit_test_setup_teardown(gauge__sets_and_adds_any_sign,
                                        reg_setup, reg_teardown),
        cmocka_unit_test_setup_teardown(
            histogram__renders_cumulative_buckets_sum_count, reg_setup,
            reg_teardown),
        cmocka_unit_test_setup_teardown(
            histogram__default_bounds_are_latency_seconds, reg_setup,
            reg_teardown),
        cmocka_unit_test_setup_teardown(render__escapes_label_values_and_help,
                                        reg_setup, reg_teardown),
        cmocka_unit_test_setup_teardown(
            render__formats_values_shortest_round_trip, reg_setup,
            reg_teardown),
        cmocka_unit_test_setup_teardown(
            register__rejects_invalid_names_and_labels, reg_setup,
            reg_teardown),
        cmocka_unit_test_setup_teardown(
            register__rejects_conflicting_families, reg_setup, reg_teardown),
        cmocka_unit_test(update__null_handle_is_a_no_op),
        cmocka_unit_test_setup_teardown(
            update__is_exact_under_concurrent_threads, reg_setup,
            reg_teardown),
    };

    return cmocka_run_group_tests_name("util.metrics", tests, NULL, NULL);
}
