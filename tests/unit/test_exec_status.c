/* SPDX-License-Identifier: Apache-2.0 */
/* executor_status_aggregate(): the freshness rule of spec/scenarios.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "executor/status.h"

#define MAXN 4

struct fixture {
    Flotilla__V1__ScheduleDecision d;
    Flotilla__V1__TargetCluster tc[MAXN];
    Flotilla__V1__TargetCluster *tcp[MAXN];
    Flotilla__V1__ClusterStatus cs[MAXN];
    Flotilla__V1__ClusterStatus *csp[MAXN];
    size_t n_cs;
    Flotilla__V1__WorkStatus ws[MAXN];
    Flotilla__V1__WorkStatus *wsp[MAXN];
    size_t n_ws;
};

static void
fx_init(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    flotilla__v1__schedule_decision__init(&f->d);
    f->d.clusters = f->tcp;
}

static void
fx_place(struct fixture *f, const char *cluster, int32_t replicas)
{
    Flotilla__V1__TargetCluster *t = &f->tc[f->d.n_clusters];

    flotilla__v1__target_cluster__init(t);
    t->name = (char *)cluster;
    t->replicas = replicas;
    f->tcp[f->d.n_clusters++] = t;
}

static void
fx_cluster(struct fixture *f, const char *cluster, const char *ready)
{
    Flotilla__V1__ClusterStatus *c = &f->cs[f->n_cs];

    flotilla__v1__cluster_status__init(c);
    c->name = (char *)cluster;
    c->ready = (char *)ready;
    f->csp[f->n_cs++] = c;
}

static void
fx_report(struct fixture *f, const char *cluster, int32_t ready, int64_t at_ns)
{
    Flotilla__V1__WorkStatus *w = &f->ws[f->n_ws];

    flotilla__v1__work_status__init(w);
    w->cluster = (char *)cluster;
    w->ready_replicas = ready;
    w->replicas = ready;
    w->present = true;
    w->observed_ns = at_ns;
    f->wsp[f->n_ws++] = w;
}

static void
aggregate(struct fixture *f, struct executor_status *s)
{
    assert_int_equal(executor_status_aggregate(&f->d, f->csp, f->n_cs, f->wsp,
                                               f->n_ws, s),
                     0);
}

static void
status_aggregate__fresh_members_sum_ready(void **state)
{
    struct fixture f;
    struct executor_status s;

    (void)state;
    fx_init(&f);
    fx_place(&f, "member1", 1);
    fx_place(&f, "member2", 3);
    fx_cluster(&f, "member1", "True");
    fx_cluster(&f, "member2", "True");
    fx_report(&f, "member1", 1, 100);
    fx_report(&f, "member2", 2, 200);
    aggregate(&f, &s);
    assert_int_equal(s.want_replicas, 4);
    assert_int_equal(s.ready_replicas, 3);
    assert_int_equal(s.n_stale, 0);
    assert_int_equal(s.n_members, 2);
    assert_false(executor_status_member(&s, "member2")->stale);
    assert_int_equal(executor_status_member(&s, "member2")->ready_replicas, 2);
    executor_status_release(&s);
}

/* A member counts at most its placed replicas: member1's 9 (a copy not yet
 * scaled down, or a member that lies) do not hide member2's missing ones. */
static void
status_aggregate__member_counts_at_most_its_placement(void **state)
{
    struct fixture f;
    struct executor_status s;

    (void)state;
    fx_init(&f);
    fx_place(&f, "member1", 1);
    fx_place(&f, "member2", 3);
    fx_cluster(&f, "member1", "True");
    fx_cluster(&f, "member2", "True");
    fx_report(&f, "member1", 9, 100);
    fx_report(&f, "member2", 0, 200);
    aggregate(&f, &s);
    assert_int_equal(s.want_replicas, 4);
    assert_int_equal(s.ready_replicas, 1);
    assert_int_equal(executor_status_member(&s, "member1")->reported_ready, 9);
    assert_int_equal(executor_status_member(&s, "member1")->ready_replicas, 1);
    executor_status_release(&s);
}

static void
status_aggregate__not_ready_cluster_is_stale_and_counts_zero(void **state)
{
    struct fixture f;
    struct executor_status s;
    const struct executor_status_member *m;

    (void)state;
    fx_init(&f);
    fx_place(&f, "member1", 2);
    fx_place(&f, "member2", 2);
    fx_cluster(&f, "member1", "Unknown");
    fx_cluster(&f, "member2", "True");
    fx_report(&f, "member1", 2, 12345);
    fx_report(&f, "member2", 2, 67890);
    aggregate(&f, &s);
    assert_int_equal(s.want_replicas, 4);
    assert_int_equal(s.ready_replicas, 2);
    assert_int_equal(s.n_stale, 1);
    m = executor_status_member(&s, "member1");
    assert_non_null(m);
    assert_true(m->stale);
    assert_int_equal(m->ready_replicas, 0);
    assert_int_equal(m->reported_ready, 2);
    assert_int_equal(m->last_report_ns, 12345);
    assert_string_equal(m->cluster_ready, "Unknown");
    executor_status_release(&s);
}

static void
status_aggregate__cluster_without_status_is_stale(void **state)
{
    struct fixture f;
    struct executor_status s;

    (void)state;
    fx_init(&f);
    fx_place(&f, "member1", 2);
    fx_cluster(&f, "member1", "False");
    fx_place(&f, "member3", 1);
    fx_report(&f, "member1", 2, 1);
    fx_report(&f, "member3", 1, 1);
    aggregate(&f, &s);
    assert_int_equal(s.ready_replicas, 0);
    assert_int_equal(s.n_stale, 2);
    assert_string_equal(executor_status_member(&s, "member1")->cluster_ready,
                        "False");
    assert_string_equal(executor_status_member(&s, "member3")->cluster_ready,
                        "Unknown");
    executor_status_release(&s);
}

static void
status_aggregate__duplicated_wants_replicas_in_every_cluster(void **state)
{
    struct fixture f;
    struct executor_status s;

    (void)state;
    fx_init(&f);
    /* Duplicated: every cluster gets the binding's 3 replicas. */
    fx_place(&f, "member1", 3);
    fx_place(&f, "member2", 3);
    fx_place(&f, "member3", 3);
    fx_cluster(&f, "member1", "True");
    fx_cluster(&f, "member2", "True");
    fx_cluster(&f, "member3", "Unknown");
    fx_report(&f, "member1", 3, 1);
    fx_report(&f, "member2", 1, 1);
    fx_report(&f, "member3", 3, 1);
    aggregate(&f, &s);
    assert_int_equal(s.want_replicas, 9);
    assert_int_equal(s.ready_replicas, 4);
    assert_int_equal(s.n_stale, 1);
    executor_status_release(&s);
}

static void
status_aggregate__member_not_in_placement_is_listed_not_counted(void **state)
{
    struct fixture f;
    struct executor_status s;
    const struct executor_status_member *m;

    (void)state;
    fx_init(&f);
    fx_place(&f, "member2", 2);
    fx_cluster(&f, "member1", "True");
    fx_cluster(&f, "member2", "True");
    fx_report(&f, "member1", 2, 1);     /* the old copy, being evicted */
    fx_report(&f, "member2", 1, 1);
    aggregate(&f, &s);
    assert_int_equal(s.want_replicas, 2);
    assert_int_equal(s.ready_replicas, 1);
    assert_int_equal(s.n_members, 2);
    m = executor_status_member(&s, "member1");
    assert_non_null(m);
    assert_false(m->in_placement);
    assert_int_equal(m->want_replicas, 0);
    assert_int_equal(m->reported_ready, 2);
    executor_status_release(&s);
}

static void
status_aggregate__placed_member_without_report_counts_zero(void **state)
{
    struct fixture f;
    struct executor_status s;
    const struct executor_status_member *m;

    (void)state;
    fx_init(&f);
    fx_place(&f, "member1", 2);
    fx_cluster(&f, "member1", "True");
    aggregate(&f, &s);
    m = executor_status_member(&s, "member1");
    assert_false(m->reported);
    assert_false(m->stale);
    assert_int_equal(s.ready_replicas, 0);
    assert_int_equal(s.want_replicas, 2);
    executor_status_release(&s);
}

static void
status_aggregate__no_decision_wants_nothing(void **state)
{
    struct fixture f;
    struct executor_status s;

    (void)state;
    fx_init(&f);
    fx_cluster(&f, "member1", "True");
    fx_report(&f, "member1", 1, 1);
    assert_int_equal(executor_status_aggregate(NULL, f.csp, f.n_cs, f.wsp,
                                               f.n_ws, &s),
                     0);
    assert_int_equal(s.want_replicas, 0);
    assert_int_equal(s.ready_replicas, 0);
    assert_int_equal(s.n_members, 1);
    executor_status_release(&s);
    executor_status_release(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_aggregate__fresh_members_sum_ready),
        cmocka_unit_test(status_aggregate__member_counts_at_most_its_placement),
        cmocka_unit_test(
            status_aggregate__not_ready_cluster_is_stale_and_counts_zero),
        cmocka_unit_test(status_aggregate__cluster_without_status_is_stale),
        cmocka_unit_test(
            status_aggregate__duplicated_wants_replicas_in_every_cluster),
        cmocka_unit_test(
            status_aggregate__member_not_in_placement_is_listed_not_counted),
        cmocka_unit_test(
            status_aggregate__placed_member_without_report_counts_zero),
        cmocka_unit_test(status_aggregate__no_decision_wants_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
