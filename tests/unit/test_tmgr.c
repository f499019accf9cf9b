/* SPDX-License-Identifier: Apache-2.0 */
/* The taint-manager core on the virtual clock: tolerations, pacing, brake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "actor/sim.h"
#include "support/fotest.h"
#include "tmgr/tmgr.h"
#include "tmgr/toleration.h"

#define S(x) ((int64_t)(x) * 1000000000LL)
#define T0 1000

static struct tmgr_config conf;

static Flotilla__V1__Taint
taint(const char *key, const char *value, const char *effect, int64_t at)
{
    Flotilla__V1__Taint t = FLOTILLA__V1__TAINT__INIT;

    t.key = (char *)key;
    t.value = (char *)value;
    t.effect = (char *)effect;
    t.time_added_ns = at;
    return t;
}

static Flotilla__V1__Toleration
tol(const char *key, const char *op, const char *value, const char *effect,
    long secs)
{
    Flotilla__V1__Toleration t = FLOTILLA__V1__TOLERATION__INIT;

    t.key = (char *)key;
    t.operator_ = (char *)op;
    t.value = (char *)value;
    t.effect = (char *)effect;
    t.has_toleration_seconds = secs >= 0;
    t.toleration_seconds = secs >= 0 ? secs : 0;
    return t;
}

static void
toleration__every_matching_rule(void **state)
{
    Flotilla__V1__Taint t = taint("k", "v", "NoExecute", S(10));
    Flotilla__V1__Toleration a;

    (void)state;
    a = tol("k", "Exists", "", "", -1);
    assert_true(tmgr_toleration_tolerates(&a, &t));
    a = tol("k", "Equal", "v", "NoExecute", -1);
    assert_true(tmgr_toleration_tolerates(&a, &t));
    a = tol("k", "", "v", "", -1);         /* "" is Equal */
    assert_true(tmgr_toleration_tolerates(&a, &t));
    a = tol("k", "Equal", "w", "", -1);
    assert_false(tmgr_toleration_tolerates(&a, &t));
    a = tol("", "Exists", "", "", -1);     /* empty key: every taint */
    assert_true(tmgr_toleration_tolerates(&a, &t));
    a = tol("", "Equal", "v", "", -1);     /* empty key, Equal: by value */
    assert_true(tmgr_toleration_tolerates(&a, &t));
    a = tol("k", "Exists", "", "NoSchedule", -1);  /* other effect */
    assert_false(tmgr_toleration_tolerates(&a, &t));
    a = tol("other", "Exists", "", "", -1);
    assert_false(tmgr_toleration_tolerates(&a, &t));
    a = tol("k", "Gt", "v", "", -1);       /* comparison operators: never */
    assert_false(tmgr_toleration_tolerates(&a, &t));
}

static void
toleration__seconds_first_match_and_no_timestamp(void **state)
{
    Flotilla__V1__Taint t1 = taint("k", "", "NoExecute", S(100));
    Flotilla__V1__Taint t2 = taint("x", "", "NoExecute", S(50));
    Flotilla__V1__Taint ns = taint("n", "", "NoSchedule", S(1));
    Flotilla__V1__Taint nots = taint("k", "", "NoExecute", 0);
    Flotilla__V1__Toleration a = tol("k", "Exists", "", "NoExecute", 60);
    Flotilla__V1__Toleration b = tol("k", "Exists", "", "", -1);
    Flotilla__V1__Toleration all = tol("", "Exists", "", "", 30);
    Flotilla__V1__Taint *one[] = { &t1 };
    Flotilla__V1__Taint *two[] = { &t1, &t2 };
    Flotilla__V1__Taint *sched[] = { &ns };
    Flotilla__V1__Taint *bare[] = { &nots };
    Flotilla__V1__Toleration *ab[] = { &a, &b };
    Flotilla__V1__Toleration *ba[] = { &b, &a };
    Flotilla__V1__Toleration *al[] = { &all };
    int64_t due = 0;
    int64_t ep = 0;

    (void)state;
    /* No toleration: now. */
    assert_int_equal(tmgr_toleration_check(one, 1, NULL, 0, S(101), &due,
                                           &ep), TMGR_VERDICT_NOW);
    assert_true(ep == S(100));
    /* First matching toleration decides: 60 s → due at 160 s. */
    assert_int_equal(tmgr_toleration_check(one, 1, ab, 2, S(101), &due, &ep),
                     TMGR_VERDICT_LATER);
    assert_true(due == S(160));
    assert_int_equal(tmgr_toleration_check(one, 1, ab, 2, S(160), &due, &ep),
                     TMGR_VERDICT_NOW);
    /* ...and with the unlimited one first: never. */
    assert_int_equal(tmgr_toleration_check(one, 1, ba, 2, S(101), &due, &ep),
                     TMGR_VERDICT_NEVER);
    /* One untolerated taint among two decides. */
    assert_int_equal(tmgr_toleration_check(two, 2, ab, 2, S(101), &due, &ep),
                     TMGR_VERDICT_NOW);
    /* A toleration used for one taint counts against every taint it
     * tolerates: 30 s after the older taint (50 s) → 80 s. */
    assert_int_equal(tmgr_toleration_check(two, 2, al, 1, S(60), &due, &ep),
                     TMGR_VERDICT_LATER);
    assert_true(due == S(80));
    assert_true(ep == S(50));
    /* NoSchedule taints never evict; a taint without timeAdded gives no
     * deadline (Karmada scenario 37). */
    assert_int_equal(tmgr_toleration_check(sched, 1, NULL, 0, S(5), &due,
                                           &ep), TMGR_VERDICT_NEVER);
    assert_int_equal(tmgr_toleration_check(bare, 1, ab, 2, S(5), &due, &ep),
                     TMGR_VERDICT_NEVER);
}

static struct actor_sim *
world(int nclusters, int nbindings, const char *const *tols)
{
    struct actor_sim *sim = NULL;
    char name[32];
    char place[32];

    assert_int_equal(actor_sim_new(S(T0), &sim), 0);
    fotest_reset(sim);
    for (int i = 0; i < nclusters; i++) {
        snprintf(name, sizeof(name), "m%d", i);
        fotest_status(sim, name, "True", S(1));
    }
    for (int i = 0; i < nbindings; i++) {
        const char *pl[] = { place, NULL };

        snprintf(name, sizeof(name), "b%03d", i);
        snprintf(place, sizeof(place), "m%d=1", i % nclusters);
        fotest_spec(sim, "ns", name, 1, false, tols, -1, NULL, NULL);
        fotest_schedule(sim, "ns", name, pl, NULL);
    }
    assert_int_equal(actor_sim_add(sim, &tmgr_core, &conf), 0);
    actor_sim_run_until(sim, S(T0));
    return sim;
}

static void
setup_conf(void)
{
    tmgr_config_init(&conf);
}

static void
taint_manager__untolerated_taint_requests_once(void **state)
{
    const char *taints[] = { "nr:NoExecute@1000", NULL };
    struct actor_sim *sim;
    bool withdraw = true;
    char reason[64];

    (void)state;
    setup_conf();
    sim = world(2, 1, NULL);
    fotest_taints(sim, "m0", taints);
    actor_sim_run_until(sim, S(T0) + S(1));

    assert_true(fotest_last_request(sim, "ns", "b000", "m0", &withdraw,
                                    reason));
    assert_false(withdraw);
    assert_string_equal(reason, "TaintUntolerated");
    /* The same taint set again, and more time: nothing new. */
    fotest_taints(sim, "m0", taints);
    actor_sim_run_until(sim, S(T0) + S(60));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 1);
    assert_int_equal(fotest_count("failover.record.*.*.*"), 2);
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
taint_manager__toleration_seconds_arm_a_timer(void **state)
{
    const char *tols[] = { "nr:Exists::NoExecute:60", NULL };
    const char *taints[] = { "nr:NoExecute@1000", NULL };
    struct actor_sim *sim;
    bool withdraw;
    char reason[64];

    (void)state;
    setup_conf();
    sim = world(2, 1, tols);
    fotest_taints(sim, "m0", taints);
    actor_sim_run_until(sim, S(T0 + 59));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);
    assert_string_equal(tmgr_state_pair(actor_sim_state(sim,
                                                        "taint-manager"),
                                        "ns", "b000", "m0"), "timer");

    actor_sim_run_until(sim, S(T0 + 61));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 1);
    assert_true(fotest_last_request(sim, "ns", "b000", "m0", &withdraw,
                                    reason));
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
taint_manager__taint_removed_before_timer_evicts_nothing(void **state)
{
    const char *tols[] = { "nr:Exists::NoExecute:300", NULL };
    const char *taints[] = { "nr:NoExecute@1000", NULL };
    struct actor_sim *sim;

    (void)state;
    setup_conf();
    sim = world(2, 1, tols);
    fotest_taints(sim, "m0", taints);
    actor_sim_run_until(sim, S(T0 + 120));
    fotest_taints(sim, "m0", NULL);
    actor_sim_run_until(sim, S(T0 + 600));

    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);
    assert_string_equal(tmgr_state_pair(actor_sim_state(sim,
                                                        "taint-manager"),
                                        "ns", "b000", "m0"), "none");
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
taint_manager__undecided_request_is_withdrawn(void **state)
{
    const char *taints[] = { "nr:NoExecute@1000", NULL };
    const char *tols[] = { "nr:Exists::NoExecute:-", NULL };
    struct actor_sim *sim;
    bool withdraw = false;
    char reason[64];

    (void)state;
    setup_conf();
    sim = world(2, 2, NULL);
    fotest_taints(sim, "m0", taints);
    actor_sim_run_until(sim, S(T0 + 5));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 1);

    /* The taint goes before the scheduler decided: withdraw. */
    fotest_taints(sim, "m0", NULL);
    actor_sim_run_until(sim, S(T0 + 6));
    assert_true(fotest_last_request(sim, "ns", "b000", "m0", &withdraw,
                                    reason));
    assert_true(withdraw);
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 2);

    /* A new episode; now the user tolerates it forever: withdraw again. */
    fotest_taints(sim, "m0", (const char *[]){ "nr:NoExecute@1010", NULL });
    actor_sim_run_until(sim, S(T0 + 12));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 3);
    fotest_spec(sim, "ns", "b000", 1, false, tols, -1, NULL, NULL);
    actor_sim_run_until(sim, S(T0 + 13));
    assert_true(fotest_last_request(sim, "ns", "b000", "m0", &withdraw,
                                    reason));
    assert_true(withdraw);

    /* An accepted request is never withdrawn. */
    fotest_taints(sim, "m1", (const char *[]){ "x:NoExecute@1013", NULL });
    actor_sim_run_until(sim, S(T0 + 14));
    fotest_schedule(sim, "ns", "b001", (const char *[]){ "m0=1", NULL },
                    (const char *[]){ "m1:Gracefully:-1:1014", NULL });
    fotest_taints(sim, "m1", NULL);
    actor_sim_run_until(sim, S(T0 + 20));
    assert_true(fotest_last_request(sim, "ns", "b001", "m1", &withdraw,
                                    reason));
    assert_false(withdraw);
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
pacing__burst_then_rate_and_only_real_evictions_spend(void **state)
{
    const char *taints[] = { "nr:NoExecute@1000", NULL };
    const char *forever[] = { "nr:Exists::NoExecute:-", NULL };
    struct actor_sim *sim = NULL;
    char name[32];

    (void)state;
    setup_conf();
    conf.settings.eviction_burst = 3;
    conf.settings.eviction_rate_per_s = 1.0;
    assert_int_equal(actor_sim_new(S(T0), &sim), 0);
    fotest_reset(sim);
    fotest_status(sim, "m0", "True", S(1));
    fotest_status(sim, "m1", "True", S(1));
    /* 20 bindings that tolerate the taint forever: never asked, no token. */
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "tol%02d", i);
        fotest_spec(sim, "ns", name, 1, false, forever, -1, NULL, NULL);
        fotest_schedule(sim, "ns", name, (const char *[]){ "m0=1", NULL },
                        NULL);
    }
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof(name), "b%02d", i);
        fotest_spec(sim, "ns", name, 1, false, NULL, -1, NULL, NULL);
        fotest_schedule(sim, "ns", name, (const char *[]){ "m0=1", NULL },
                        NULL);
    }
    assert_int_equal(actor_sim_add(sim, &tmgr_core, &conf), 0);
    fotest_taints(sim, "m0", taints);

    /* Burst of 3 right after the settle time... */
    actor_sim_run_until(sim, S(T0) + S(1) / 2);
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 3);
    /* ...then one per second. */
    actor_sim_run_until(sim, S(T0) + S(1) / 2 + S(1));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 4);
    actor_sim_run_until(sim, S(T0) + S(1) / 2 + S(4));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 7);
    actor_sim_run_until(sim, S(T0 + 60));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 10);
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
pacing__queued_request_whose_cause_went_spends_nothing(void **state)
{
    const char *taints[] = { "nr:NoExecute@1000", NULL };
    struct actor_sim *sim = NULL;
    struct tmgr_stats st;

    (void)state;
    setup_conf();
    conf.settings.eviction_burst = 1;
    conf.settings.eviction_rate_per_s = 0.1;
    sim = world(2, 4, NULL);            /* b000, b002 on m0 */
    fotest_taints(sim, "m0", taints);
    actor_sim_run_until(sim, S(T0 + 1));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 1);
    /* b002 waits for a token; its taint goes away before. */
    fotest_taints(sim, "m0", NULL);
    actor_sim_run_until(sim, S(T0 + 2));
    tmgr_state_stats(actor_sim_state(sim, "taint-manager"), &st);
    assert_int_equal(st.queued, 0);
    /* The withdrawal of b000 is published; b002 was never asked. */
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 2);
    actor_sim_run_until(sim, S(T0 + 11));
    tmgr_state_stats(actor_sim_state(sim, "taint-manager"), &st);
    assert_true(st.tokens >= 0.99);   /* refilled: nothing spent since */
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
brake__three_clusters_still_fail_over(void **state)
{
    struct actor_sim *sim;
    struct tmgr_stats st;

    (void)state;
    setup_conf();
    sim = world(3, 3, NULL);
    fotest_status(sim, "m0", "Unknown", S(T0));
    fotest_status(sim, "m1", "Unknown", S(T0));
    fotest_taints(sim, "m0", (const char *[]){ "ur:NoExecute@1000", NULL });
    fotest_taints(sim, "m1", (const char *[]){ "ur:NoExecute@1000", NULL });
    actor_sim_run_until(sim, S(T0 + 5));

    tmgr_state_stats(actor_sim_state(sim, "taint-manager"), &st);
    assert_false(st.brake_engaged);
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 2);
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
brake__six_of_ten_at_once_evict_nothing_until_recovery(void **state)
{
    struct actor_sim *sim;
    struct tmgr_stats st;
    char name[16];

    (void)state;
    setup_conf();
    sim = world(10, 20, NULL);
    /* One probe round: six clusters flip, then their taints arrive. */
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "m%d", i);
        fotest_status(sim, name, "Unknown", S(T0));
        fotest_taints(sim, name, (const char *[]){ "ur:NoExecute@1000",
                                                   NULL });
    }
    actor_sim_run_until(sim, S(T0 + 300));

    tmgr_state_stats(actor_sim_state(sim, "taint-manager"), &st);
    assert_true(st.brake_engaged);
    assert_int_equal(st.not_ready, 6);
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);
    assert_int_equal(fotest_count("events.taint-manager"), 1);
    assert_string_equal(fotest_last_record(sim, "ns", "b000", "m0"),
                        "Blocked");

    /* One comes back: 5 of 10 is not above 55%, the brake releases. */
    fotest_taints(sim, "m5", NULL);
    actor_sim_run_until(sim, S(T0 + 301));
    tmgr_state_stats(actor_sim_state(sim, "taint-manager"), &st);
    assert_true(st.brake_engaged);
    fotest_status(sim, "m5", "True", S(T0 + 301));
    actor_sim_run_until(sim, S(T0 + 301));
    /* Released, but a cluster recovering in the same instant is counted
     * first: nothing leaves before the settle time. */
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);
    actor_sim_run_until(sim, S(T0 + 310));
    tmgr_state_stats(actor_sim_state(sim, "taint-manager"), &st);
    assert_false(st.brake_engaged);
    assert_int_equal(fotest_count("events.taint-manager"), 2);
    /* m0..m4 still tainted: their 10 bindings are evicted now. */
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 10);
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
restart__no_repeated_request_and_timers_rearmed(void **state)
{
    const char *tols[] = { "nr:Exists::NoExecute:100", NULL };
    struct actor_sim *sim;
    size_t before;

    (void)state;
    setup_conf();
    sim = world(2, 4, NULL);
    fotest_spec(sim, "ns", "b002", 1, false, tols, -1, NULL, NULL);
    fotest_taints(sim, "m0", (const char *[]){ "nr:NoExecute@1000", NULL });
    actor_sim_run_until(sim, S(T0 + 10));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 1);   /* b000 */
    before = actor_sim_log_len(sim);

    assert_int_equal(actor_sim_restart(sim, "taint-manager"), 0);
    actor_sim_run_until(sim, S(T0 + 20));
    /* Nothing re-decided after the rebuild. */
    assert_int_equal(actor_sim_log_len(sim), before);
    assert_string_equal(tmgr_state_pair(actor_sim_state(sim,
                                                        "taint-manager"),
                                        "ns", "b000", "m0"), "requested");
    /* b002's toleration timer came back: due at 1100 s. */
    assert_string_equal(tmgr_state_pair(actor_sim_state(sim,
                                                        "taint-manager"),
                                        "ns", "b002", "m0"), "timer");
    actor_sim_run_until(sim, S(T0 + 101));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 2);
    actor_sim_restart(sim, "taint-manager");
    actor_sim_run_until(sim, S(T0 + 200));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 2);
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
mode__observe_records_and_disabled_decides_nothing(void **state)
{
    struct actor_sim *sim;

    (void)state;
    setup_conf();
    conf.mode = CFG_FAILOVER_OBSERVE;
    sim = world(2, 2, NULL);
    fotest_taints(sim, "m0", (const char *[]){ "nr:NoExecute@1000", NULL });
    actor_sim_run_until(sim, S(T0 + 10));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);
    assert_string_equal(fotest_last_record(sim, "ns", "b000", "m0"),
                        "Blocked");
    actor_sim_restart(sim, "taint-manager");
    actor_sim_run_until(sim, S(T0 + 20));
    assert_int_equal(fotest_count("failover.record.*.*.*"), 2);
    /* Switched to Evict: what was only observed is now asked for. */
    conf.mode = CFG_FAILOVER_EVICT;
    actor_sim_restart(sim, "taint-manager");
    actor_sim_run_until(sim, S(T0 + 30));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 1);
    actor_sim_free(sim);
    fotest_reset(NULL);

    conf.mode = CFG_FAILOVER_DISABLED;
    sim = world(2, 2, NULL);
    fotest_taints(sim, "m0", (const char *[]){ "nr:NoExecute@1000", NULL });
    actor_sim_run_until(sim, S(T0 + 10));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);
    assert_int_equal(fotest_count("failover.record.*.*.*"), 0);
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static const char *
request_purge(struct actor_sim *sim, const char *subject)
{
    static char out[32];
    const Flotilla__V1__Envelope *env = actor_sim_last(sim, subject);
    Flotilla__V1__EvictionRequest *r;

    assert_non_null(env);
    r = flotilla__v1__eviction_request__unpack(NULL, env->payload.len,
                                               env->payload.data);
    snprintf(out, sizeof(out), "%s", r->purge_mode);
    flotilla__v1__eviction_request__free_unpacked(r, NULL);
    return out;
}

static void
taint_manager__purge_mode_from_policy_with_old_names(void **state)
{
    struct actor_sim *sim;

    (void)state;
    setup_conf();
    sim = world(2, 6, NULL);     /* b000, b002, b004 on m0 */
    fotest_spec(sim, "ns", "b002", 1, false, NULL, -1, "Immediately", NULL);
    fotest_spec(sim, "ns", "b004", 1, false, NULL, -1, "Directly", NULL);
    fotest_taints(sim, "m0", (const char *[]){ "nr:NoExecute@1000", NULL });
    actor_sim_run_until(sim, S(T0 + 1));
    assert_string_equal(request_purge(sim, "binding.evict.ns.b000.m0"),
                        "Gracefully");
    assert_string_equal(request_purge(sim, "binding.evict.ns.b002.m0"),
                        "Directly");
    assert_string_equal(request_purge(sim, "binding.evict.ns.b004.m0"),
                        "Directly");
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
taint_manager__cluster_state_preserved_in_request(void **state)
{
    const char *rules[] = { "replicas={ .replicas }", "gone={ .nope }",
                            NULL };
    struct actor_sim *sim;

    (void)state;
    setup_conf();
    sim = world(2, 1, NULL);
    fotest_spec(sim, "ns", "b000", 1, false, NULL, -1, "Directly", rules);
    fotest_work(sim, "m0", "ns", "b000", 1, 1, true, "Healthy",
                "{\"replicas\": 7}");
    fotest_taints(sim, "m0", (const char *[]){ "nr:NoExecute@1000", NULL });
    actor_sim_run_until(sim, S(T0 + 1));
    assert_string_equal(fotest_preserved(sim, "ns", "b000", "m0",
                                         "replicas"), "7");
    assert_string_equal(fotest_preserved(sim, "ns", "b000", "m0", "gone"), "");
    assert_string_equal(fotest_last_record(sim, "ns", "b000", "m0"),
                        "Requested");
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
taint_manager__timer_of_a_long_binding_name_finds_its_pair(void **state)
{
    const char *tols[] = { "nr:Exists::NoExecute:60", NULL };
    char name[230];
    char subject[600];
    struct actor_sim *sim;
    bool withdraw = true;
    char reason[64];

    (void)state;
    setup_conf();
    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    sim = world(2, 0, NULL);
    fotest_spec(sim, "ns", name, 1, false, tols, -1, NULL, NULL);
    fotest_schedule(sim, "ns", name, (const char *[]){ "m0=1", NULL }, NULL);
    fotest_taints(sim, "m0", (const char *[]){ "nr:NoExecute@1000", NULL });
    actor_sim_run_until(sim, S(T0 + 30));
    actor_sim_restart(sim, "taint-manager");    /* timers re-armed */
    actor_sim_run_until(sim, S(T0 + 61));
    assert_true(fotest_last_request(sim, "ns", name, "m0", &withdraw,
                                    reason));
    assert_false(withdraw);
    snprintf(subject, sizeof(subject), "binding.evict.*.*.*");
    assert_int_equal(fotest_count(subject), 1);
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
taint_manager__deleted_binding_and_taints_are_forgotten(void **state)
{
    struct actor_sim *sim;
    bool withdraw = false;
    char reason[64];

    (void)state;
    setup_conf();
    conf.settings.eviction_burst = 1;
    conf.settings.eviction_rate_per_s = 0.01;
    sim = world(2, 4, NULL);
    fotest_taints(sim, "m0", (const char *[]){ "nr:NoExecute@1000", NULL });
    actor_sim_run_until(sim, S(T0 + 1));
    /* b000 asked; b002 waits for a token. Both bindings go away. */
    fotest_schedule_deleted(sim, "ns", "b000", (const char *[]){ "m0=1",
                                                                 NULL });
    fotest_schedule_deleted(sim, "ns", "b002", (const char *[]){ "m0=1",
                                                                 NULL });
    actor_sim_run_until(sim, S(T0 + 300));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 1);
    assert_true(fotest_last_request(sim, "ns", "b000", "m0", &withdraw,
                                    reason));
    assert_false(withdraw);
    actor_sim_free(sim);
    fotest_reset(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(toleration__every_matching_rule),
        cmocka_unit_test(toleration__seconds_first_match_and_no_timestamp),
        cmocka_unit_test(taint_manager__untolerated_taint_requests_once),
        cmocka_unit_test(taint_manager__toleration_seconds_arm_a_timer),
        cmocka_unit_test(
            taint_manager__taint_removed_before_timer_evicts_nothing),
        cmocka_unit_test(taint_manager__undecided_request_is_withdrawn),
        cmocka_unit_test(pacing__burst_then_rate_and_only_real_evictions_spend),
        cmocka_unit_test(
            pacing__queued_request_whose_cause_went_spends_nothing),
        cmocka_unit_test(brake__three_clusters_still_fail_over),
        cmocka_unit_test(
            brake__six_of_ten_at_once_evict_nothing_until_recovery),
        cmocka_unit_test(restart__no_repeated_request_and_timers_rearmed),
        cmocka_unit_test(mode__observe_records_and_disabled_decides_nothing),
        cmocka_unit_test(taint_manager__purge_mode_from_policy_with_old_names),
        cmocka_unit_test(taint_manager__cluster_state_preserved_in_request),
        cmocka_unit_test(
            taint_manager__deleted_binding_and_taints_are_forgotten),
        cmocka_unit_test(
            taint_manager__timer_of_a_long_binding_name_finds_its_pair),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
