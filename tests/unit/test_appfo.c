/* SPDX-License-Identifier: Apache-2.0 */
/* The application-failover core and its JSONPath subset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "actor/sim.h"
#include "appfo/appfo.h"
#include "appfo/jsonpath.h"
#include "support/fotest.h"

#define S(x) ((int64_t)(x) * 1000000000LL)
#define T0 1000

static const char *
jp(const char *doc, const char *expr, int *rc)
{
    static char out[256];
    json_t *j = json_loads(doc, 0, NULL);

    assert_non_null(j);
    *rc = appfo_jsonpath_eval(j, expr, out, sizeof(out));
    json_decref(j);
    return out;
}

static void
jsonpath__karmada_forms(void **state)
{
    const char *doc = "{\"replicas\": 2, \"health\": true, \"ratio\": 0.5,"
                      "\"metadata\": {\"labels\": {\"foo\": \"bar\","
                      "\"a.b\": \"dot\"}},"
                      "\"items\": [{\"id\": 1148, \"n\": \"x\"},"
                      "{\"id\": 1149, \"n\": \"y\"}],"
                      "\"status\": {\"x\": \"s\"}}";
    int rc = 0;

    (void)state;
    assert_string_equal(jp(doc, "{ .replicas }", &rc), "2");
    assert_int_equal(rc, 0);
    assert_string_equal(jp(doc, "{.health}", &rc), "true");
    assert_string_equal(jp(doc, "{ .metadata.labels.foo }", &rc), "bar");
    assert_string_equal(jp(doc, "{.metadata.labels['a.b']}", &rc), "dot");
    assert_string_equal(jp(doc, "{..id}", &rc), "1148 1149");
    assert_string_equal(jp(doc, "{.items[*].n}", &rc), "x y");
    assert_string_equal(jp(doc, "{.items[1].id}", &rc), "1149");
    assert_string_equal(jp(doc, "{.items[-1].n}", &rc), "y");
    assert_string_equal(jp(doc, "{ .status.x }", &rc), "s");
    assert_string_equal(jp(doc, ".ratio", &rc), "0.5");
    assert_string_equal(jp(doc, "{.items[0]}", &rc),
                        "{\"id\":1148,\"n\":\"x\"}");
    jp(doc, "{ .missing }", &rc);
    assert_int_equal(rc, -ENOENT);
    jp(doc, "{ .items[?(@.id>1)] }", &rc);
    assert_int_equal(rc, -EINVAL);
    jp(doc, "{ replicas", &rc);
    assert_int_equal(rc, -EINVAL);
}

static struct appfo_config conf;

static struct actor_sim *
world(int tol_s, const char *const *rules)
{
    struct actor_sim *sim = NULL;

    appfo_config_init(&conf);
    assert_int_equal(actor_sim_new(S(T0), &sim), 0);
    fotest_reset(sim);
    fotest_spec(sim, "ns", "app", 2, false, NULL, tol_s, "Gracefully",
                rules);
    fotest_schedule(sim, "ns", "app", (const char *[]){ "m1=1", "m2=1",
                                                        NULL }, NULL);
    fotest_work(sim, "m1", "ns", "app", 1, 1, true, "Healthy",
                "{\"replicas\": 1}");
    assert_int_equal(actor_sim_add(sim, &appfo_core, &conf), 0);
    actor_sim_run_until(sim, S(T0));
    return sim;
}

static void
done(struct actor_sim *sim)
{
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
app_failover__unhealthy_for_toleration_requests_eviction(void **state)
{
    struct actor_sim *sim = world(300, NULL);
    bool withdraw = true;
    char reason[64];

    (void)state;
    fotest_work(sim, "m1", "ns", "app", 1, 0, true, "Unhealthy", "{}");
    actor_sim_run_until(sim, S(T0 + 299));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);
    assert_string_equal(fotest_last_record(sim, "ns", "app", "m1"),
                        "Detected");
    actor_sim_run_until(sim, S(T0 + 300));
    assert_true(fotest_last_request(sim, "ns", "app", "m1", &withdraw,
                                    reason));
    assert_false(withdraw);
    assert_string_equal(reason, "ApplicationFailure");
    /* More unhealthy reports: never a second request. */
    fotest_work(sim, "m1", "ns", "app", 1, 0, true, "Unhealthy", "{}");
    actor_sim_run_until(sim, S(T0 + 900));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 1);
    done(sim);
}

static void
app_failover__unknown_pauses_and_only_healthy_resets(void **state)
{
    struct actor_sim *sim = world(100, NULL);
    struct appfo_state *st;

    (void)state;
    fotest_work(sim, "m1", "ns", "app", 1, 0, true, "Unhealthy", "{}");
    actor_sim_run_until(sim, S(T0 + 60));
    fotest_work(sim, "m1", "ns", "app", 1, 0, true, "Unknown", "{}");
    actor_sim_run_until(sim, S(T0 + 500));
    st = actor_sim_state(sim, "application-failover");
    /* 60 s counted, paused since. */
    assert_true(appfo_state_unhealthy_ns(st, "ns", "app", "m1", S(T0 + 500))
                == S(60));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);

    fotest_work(sim, "m1", "ns", "app", 1, 0, true, "Unhealthy", "{}");
    actor_sim_run_until(sim, S(T0 + 539));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);
    actor_sim_run_until(sim, S(T0 + 540));   /* 60 + 40 = 100 */
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 1);
    done(sim);

    /* Healthy resets the clock. */
    sim = world(100, NULL);
    fotest_work(sim, "m1", "ns", "app", 1, 0, true, "Unhealthy", "{}");
    actor_sim_run_until(sim, S(T0 + 90));
    fotest_work(sim, "m1", "ns", "app", 1, 1, true, "Healthy", "{}");
    actor_sim_run_until(sim, S(T0 + 91));
    fotest_work(sim, "m1", "ns", "app", 1, 0, true, "Unhealthy", "{}");
    actor_sim_run_until(sim, S(T0 + 190));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);
    actor_sim_run_until(sim, S(T0 + 191));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 1);
    done(sim);
}

static void
app_failover__zero_toleration_evicts_at_first_sighting(void **state)
{
    struct actor_sim *sim = world(0, NULL);

    (void)state;
    fotest_work(sim, "m2", "ns", "app", 1, 0, true, "Unhealthy", "{}");
    actor_sim_run_until(sim, S(T0));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 1);
    done(sim);
}

static void
app_failover__state_preserved_in_request_and_record(void **state)
{
    const char *rules[] = { "updated={ .updatedReplicas }",
                            "phase={ .status.phase }",
                            "gone={ .nothing }", NULL };
    struct actor_sim *sim = world(10, rules);
    const Flotilla__V1__Envelope *env;
    Flotilla__V1__FailoverEvent *ev;
    bool found = false;

    (void)state;
    fotest_work(sim, "m1", "ns", "app", 1, 0, true, "Unhealthy",
                "{\"updatedReplicas\": 3, \"phase\": \"Degraded\"}");
    actor_sim_run_until(sim, S(T0 + 10));
    assert_string_equal(fotest_preserved(sim, "ns", "app", "m1", "updated"),
                        "3");
    assert_string_equal(fotest_preserved(sim, "ns", "app", "m1", "phase"),
                        "Degraded");
    assert_string_equal(fotest_preserved(sim, "ns", "app", "m1", "gone"), "");

    env = actor_sim_last(sim, "failover.record.ns.app.m1");
    assert_non_null(env);
    ev = flotilla__v1__failover_event__unpack(NULL, env->payload.len,
                                              env->payload.data);
    assert_string_equal(ev->step, "Requested");
    for (size_t i = 0; i < ev->n_preserved_label_state; i++) {
        if (strcmp(ev->preserved_label_state[i]->key, "updated") == 0) {
            found = strcmp(ev->preserved_label_state[i]->value, "3") == 0;
        }
    }
    assert_true(found);
    /* A rule that found nothing is named, and did not block the request. */
    assert_non_null(strstr(ev->message, "gone (field missing)"));
    flotilla__v1__failover_event__free_unpacked(ev, NULL);
    done(sim);
}

static void
app_failover__restart_keeps_the_clock_and_asks_once(void **state)
{
    struct actor_sim *sim = world(100, NULL);
    size_t recs;

    (void)state;
    fotest_work(sim, "m1", "ns", "app", 1, 0, true, "Unhealthy", "{}");
    actor_sim_run_until(sim, S(T0 + 50));
    assert_int_equal(actor_sim_restart(sim, "application-failover"), 0);
    actor_sim_run_until(sim, S(T0 + 99));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);
    actor_sim_run_until(sim, S(T0 + 100));   /* not 150: clock survived */
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 1);
    recs = fotest_count("failover.record.*.*.*");
    assert_int_equal(actor_sim_restart(sim, "application-failover"), 0);
    actor_sim_run_until(sim, S(T0 + 400));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 1);
    assert_int_equal(fotest_count("failover.record.*.*.*"), recs);
    done(sim);
}

static void
app_failover__observe_records_and_disabled_decides_nothing(void **state)
{
    struct actor_sim *sim = NULL;

    (void)state;
    appfo_config_init(&conf);
    conf.mode = CFG_FAILOVER_OBSERVE;
    assert_int_equal(actor_sim_new(S(T0), &sim), 0);
    fotest_reset(sim);
    fotest_spec(sim, "ns", "app", 1, false, NULL, 10, "Gracefully", NULL);
    fotest_schedule(sim, "ns", "app", (const char *[]){ "m1=1", NULL },
                    NULL);
    assert_int_equal(actor_sim_add(sim, &appfo_core, &conf), 0);
    fotest_work(sim, "m1", "ns", "app", 1, 0, true, "Unhealthy", "{}");
    actor_sim_run_until(sim, S(T0 + 20));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);
    assert_string_equal(fotest_last_record(sim, "ns", "app", "m1"),
                        "Blocked");
    assert_int_equal(actor_sim_restart(sim, "application-failover"), 0);
    actor_sim_run_until(sim, S(T0 + 60));
    assert_int_equal(fotest_count("failover.record.*.*.*"), 2);
    done(sim);

    conf.mode = CFG_FAILOVER_DISABLED;
    assert_int_equal(actor_sim_new(S(T0), &sim), 0);
    fotest_reset(sim);
    fotest_spec(sim, "ns", "app", 1, false, NULL, 10, "Gracefully", NULL);
    fotest_schedule(sim, "ns", "app", (const char *[]){ "m1=1", NULL },
                    NULL);
    assert_int_equal(actor_sim_add(sim, &appfo_core, &conf), 0);
    fotest_work(sim, "m1", "ns", "app", 1, 0, true, "Unhealthy", "{}");
    actor_sim_run_until(sim, S(T0 + 60));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);
    assert_int_equal(fotest_count("failover.record.*.*.*"), 0);
    done(sim);
}

static void
app_failover__deleted_binding_stops_the_clock(void **state)
{
    struct actor_sim *sim = world(30, NULL);

    (void)state;
    fotest_work(sim, "m1", "ns", "app", 1, 0, true, "Unhealthy", "{}");
    actor_sim_run_until(sim, S(T0 + 10));
    fotest_schedule_deleted(sim, "ns", "app", (const char *[]){ "m1=1",
                                                                NULL });
    actor_sim_run_until(sim, S(T0 + 100));
    assert_int_equal(fotest_count("binding.evict.*.*.*"), 0);
    done(sim);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jsonpath__karmada_forms),
        cmocka_unit_test(
            app_failover__unhealthy_for_toleration_requests_eviction),
        cmocka_unit_test(app_failover__unknown_pauses_and_only_healthy_resets),
        cmocka_unit_test(
            app_failover__zero_toleration_evicts_at_first_sighting),
        cmocka_unit_test(app_failover__state_preserved_in_request_and_record),
        cmocka_unit_test(app_failover__restart_keeps_the_clock_and_asks_once),
        cmocka_unit_test(
            app_failover__observe_records_and_disabled_decides_nothing),
        cmocka_unit_test(app_failover__deleted_binding_stops_the_clock),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
