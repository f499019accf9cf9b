/* SPDX-License-Identifier: Apache-2.0 */
/* The actor runtime's virtual-clock runner, with the heartbeat test core. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "actor/sim.h"
#include "bus/subject.h"
#include "support/hbcore.h"
#include "util/time.h"

static void
heartbeat(struct actor_sim *sim, const char *cluster, const char *ready)
{
    Flotilla__V1__Heartbeat hb = FLOTILLA__V1__HEARTBEAT__INIT;
    char subject[128];

    hb.cluster = (char *)cluster;
    hb.ready = (char *)ready;
    bus_subject_build(subject, sizeof(subject), "cluster.heartbeat", cluster,
                      NULL, NULL);
    assert_int_equal(actor_sim_publish(sim, subject, cluster, "agent/m",
                                       "Heartbeat", &hb.base), 0);
}

static const char *
published_ready(struct actor_sim *sim, const char *subject)
{
    static char ready[16];
    const Flotilla__V1__Envelope *env = actor_sim_last(sim, subject);
    Flotilla__V1__ClusterStatus *st;

    if (env == NULL) {
        return NULL;
    }
    st = flotilla__v1__cluster_status__unpack(NULL, env->payload.len,
                                              env->payload.data);
    snprintf(ready, sizeof(ready), "%s", st->ready);
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
    return ready;
}

static void
sim__timer_fires_in_virtual_time(void **state)
{
    struct actor_sim *sim = NULL;

    (void)state;
    assert_int_equal(actor_sim_new(1000 * NS_PER_S, &sim), 0);
    assert_int_equal(actor_sim_add(sim, &hbcore, NULL), 0);

    heartbeat(sim, "m1", "True");
    actor_sim_run_until(sim, 1039 * NS_PER_S);
    assert_string_equal(published_ready(sim, "cluster.status.m1"), "True");

    actor_sim_run_until(sim, 1040 * NS_PER_S);

    assert_string_equal(published_ready(sim, "cluster.status.m1"), "Unknown");
    actor_sim_free(sim);
}

static void
sim__duplicate_input_changes_nothing(void **state)
{
    struct actor_sim *sim = NULL;
    size_t before;

    (void)state;
    assert_int_equal(actor_sim_new(1000 * NS_PER_S, &sim), 0);
    assert_int_equal(actor_sim_add(sim, &hbcore, NULL), 0);
    heartbeat(sim, "m1", "True");
    actor_sim_run_until(sim, 1001 * NS_PER_S);
    before = actor_sim_log_len(sim);

    heartbeat(sim, "m1", "True");
    actor_sim_run_until(sim, 1002 * NS_PER_S);

    /* Only the second heartbeat itself was added: no new decision. */
    assert_int_equal(actor_sim_log_len(sim), before + 1);
    actor_sim_free(sim);
}

static void
sim__restart_rebuilds_state_and_timers(void **state)
{
    struct actor_sim *sim = NULL;
    size_t before;

    (void)state;
    assert_int_equal(actor_sim_new(1000 * NS_PER_S, &sim), 0);
    assert_int_equal(actor_sim_add(sim, &hbcore, NULL), 0);
    heartbeat(sim, "m.1", "True");
    actor_sim_run_until(sim, 1010 * NS_PER_S);
    before = actor_sim_log_len(sim);

    assert_int_equal(actor_sim_restart(sim, "cluster-status"), 0);

    /* Rebuilt, not re-decided: nothing new published... */
    assert_int_equal(actor_sim_log_len(sim), before);
    assert_int_equal(hbcore_changes(actor_sim_state(sim, "cluster-status"),
                                    "m.1"), 1);
    /* ...and the grace timer came back from state. */
    actor_sim_run_until(sim, 1041 * NS_PER_S);
    assert_string_equal(published_ready(sim, "cluster.status.m_2E1"),
                        "Unknown");
    actor_sim_free(sim);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sim__timer_fires_in_virtual_time),
        cmocka_unit_test(sim__duplicate_input_changes_nothing),
        cmocka_unit_test(sim__restart_rebuilds_state_and_timers),
    };

    return cmocka_run_group_tests_name("actor.sim", tests, NULL, NULL);
}
