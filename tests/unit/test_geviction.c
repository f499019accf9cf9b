/* SPDX-License-Identifier: Apache-2.0 */
/* The graceful-eviction core on the virtual clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "actor/sim.h"
#include "geviction/geviction.h"
#include "support/fotest.h"

#define S(x) ((int64_t)(x) * 1000000000LL)
#define T0 1000

static struct geviction_config conf;
static bool old_copy;     /* m0 reports its copy before the actor starts */

/* Three Ready clusters; binding ns/web (4 replicas) moved from m0. */
static struct actor_sim *
world(bool duplicated, int replicas, const char *task)
{
    struct actor_sim *sim = NULL;
    const char *tasks[] = { task, NULL };
    char a[32];
    char b[32];
    const char *pl[] = { a, b, NULL };

    geviction_config_init(&conf);
    assert_int_equal(actor_sim_new(S(T0), &sim), 0);
    fotest_reset(sim);
    fotest_status(sim, "m0", "True", S(1));
    fotest_status(sim, "m1", "True", S(1));
    fotest_status(sim, "m2", "True", S(1));
    fotest_spec(sim, "ns", "web", replicas, duplicated, NULL, -1, NULL,
                NULL);
    snprintf(a, sizeof(a), "m1=%d", duplicated ? replicas : replicas / 2);
    snprintf(b, sizeof(b), "m2=%d", duplicated ? replicas : replicas / 2);
    fotest_schedule(sim, "ns", "web", pl, tasks);
    if (old_copy) {
        fotest_work(sim, "m0", "ns", "web", 4, 4, true, "Healthy", NULL);
    }
    assert_int_equal(actor_sim_add(sim, &geviction_core, &conf), 0);
    actor_sim_run_until(sim, S(T0));
    return sim;
}

static const char *
machine(struct actor_sim *sim)
{
    return geviction_state_machine(actor_sim_state(sim, "graceful-eviction"),
                                   "ns", "web", "m0");
}

static void
done(struct actor_sim *sim)
{
    actor_sim_free(sim);
    fotest_reset(NULL);
}

static void
graceful__released_when_new_placement_fully_ready(void **state)
{
    struct actor_sim *sim = world(false, 4, "m0:Gracefully:-1:1000");

    (void)state;
    fotest_work(sim, "m1", "ns", "web", 2, 2, true, "Healthy", NULL);
    fotest_work(sim, "m2", "ns", "web", 2, 1, true, "Healthy", NULL);
    actor_sim_run_until(sim, S(T0 + 5));
    assert_string_equal(machine(sim), "waiting");
    assert_int_equal(fotest_count("binding.release.*.*.*"), 0);

    fotest_work(sim, "m2", "ns", "web", 2, 2, true, "Healthy", NULL);
    actor_sim_run_until(sim, S(T0 + 6));
    assert_string_equal(fotest_last_release(sim, "ns", "web", "m0"),
                        "Released");
    assert_string_equal(machine(sim), "Released");
    /* ReplacementReady and Released recorded; nothing more on repeats. */
    assert_int_equal(fotest_count("failover.record.*.*.*"), 2);
    fotest_work(sim, "m2", "ns", "web", 2, 2, true, "Healthy", NULL);
    actor_sim_run_until(sim, S(T0 + 7));
    assert_int_equal(fotest_count("binding.release.*.*.*"), 1);
    done(sim);
}

static void
graceful__stale_status_from_not_ready_cluster_counts_zero(void **state)
{
    struct actor_sim *sim = world(false, 4, "m0:Gracefully:-1:1000");
    int64_t ready = -1;
    int64_t placed = -1;

    (void)state;
    fotest_status(sim, "m2", "Unknown", S(T0));
    fotest_work(sim, "m1", "ns", "web", 2, 2, true, "Healthy", NULL);
    fotest_work(sim, "m2", "ns", "web", 2, 2, true, "Healthy", NULL);
    actor_sim_run_until(sim, S(T0 + 5));
    assert_int_equal(geviction_state_readiness(
                         actor_sim_state(sim, "graceful-eviction"), "ns",
                         "web", &ready, &placed), 0);
    assert_int_equal(ready, 2);
    assert_int_equal(placed, 4);
    assert_string_equal(machine(sim), "waiting");

    fotest_status(sim, "m2", "True", S(T0 + 6));
    actor_sim_run_until(sim, S(T0 + 6));
    assert_string_equal(machine(sim), "Released");
    done(sim);
}

/* m1 reports 10 ready of the 2 placed there (a copy not scaled down yet,
 * or a member that lies): that does not stand in for m2's 2. */
static void
graceful__a_member_counts_at_most_its_placed_replicas(void **state)
{
    struct actor_sim *sim = world(false, 4, "m0:Gracefully:-1:1000");
    int64_t ready = -1;
    int64_t placed = -1;

    (void)state;
    fotest_work(sim, "m1", "ns", "web", 10, 10, true, "Healthy", NULL);
    fotest_work(sim, "m2", "ns", "web", 2, 0, true, "Healthy", NULL);
    actor_sim_run_until(sim, S(T0 + 5));
    assert_int_equal(geviction_state_readiness(
                         actor_sim_state(sim, "graceful-eviction"), "ns",
                         "web", &ready, &placed), 0);
    assert_int_equal(ready, 2);
    assert_int_equal(placed, 4);
    assert_string_equal(machine(sim), "waiting");
    assert_int_equal(fotest_count("binding.release.*.*.*"), 0);

    fotest_work(sim, "m2", "ns", "web", 2, 2, true, "Healthy", NULL);
    actor_sim_run_until(sim, S(T0 + 6));
    assert_string_equal(machine(sim), "Released");
    done(sim);
}

static void
graceful__duplicated_needs_every_cluster_ready(void **state)
{
    struct actor_sim *sim = world(true, 3, "m0:Gracefully:-1:1000");

    (void)state;
    /* 3 + 2 = 5 ≥ 3 would do for a sum, but m2 is not fully ready. */
    fotest_work(sim, "m1", "ns", "web", 3, 3, true, "Healthy", NULL);
    fotest_work(sim, "m2", "ns", "web", 3, 2, true, "Healthy", NULL);
    actor_sim_run_until(sim, S(T0 + 5));
    assert_string_equal(machine(sim), "waiting");
    fotest_work(sim, "m2", "ns", "web", 3, 3, true, "Healthy", NULL);
    actor_sim_run_until(sim, S(T0 + 6));
    assert_string_equal(machine(sim), "Released");
    done(sim);
}

static void
graceful__object_without_replicas_released_once_applied(void **state)
{
    struct actor_sim *sim = world(true, 0, "m0:Gracefully:-1:1000");

    (void)state;
    fotest_work(sim, "m1", "ns", "web", 0, 0, true, "", NULL);
    actor_sim_run_until(sim, S(T0 + 1));
    assert_string_equal(machine(sim), "waiting");
    fotest_work(sim, "m2", "ns", "web", 0, 0, true, "", NULL);
    actor_sim_run_until(sim, S(T0 + 2));
    assert_string_equal(machine(sim), "Released");
    done(sim);
}

static void
graceful__deadline_from_task_else_grace_period(void **state)
{
    struct actor_sim *sim = world(false, 4, "m0:Gracefully:60:1000");

    (void)state;
    actor_sim_run_until(sim, S(T0 + 59));
    assert_string_equal(machine(sim), "waiting");
    actor_sim_run_until(sim, S(T0 + 60));
    assert_string_equal(fotest_last_release(sim, "ns", "web", "m0"),
                        "Deadline");
    done(sim);

    sim = world(false, 4, "m0:Gracefully:-1:1000");
    actor_sim_run_until(sim, S(T0 + 599));
    assert_string_equal(machine(sim), "waiting");
    actor_sim_run_until(sim, S(T0 + 600));
    assert_string_equal(machine(sim), "Deadline");
    done(sim);
}

static void
graceful__never_is_recorded_and_kept(void **state)
{
    struct actor_sim *sim = world(false, 4, "m0:Never:-1:1000");

    (void)state;
    fotest_work(sim, "m1", "ns", "web", 2, 2, true, "Healthy", NULL);
    fotest_work(sim, "m2", "ns", "web", 2, 2, true, "Healthy", NULL);
    actor_sim_run_until(sim, S(T0 + 3600));
    /* One release, outcome Suppressed: it keeps the copy, and a restart
     * reads it back instead of recording again. */
    assert_int_equal(fotest_count("binding.release.*.*.*"), 1);
    assert_string_equal(machine(sim), "Suppressed");
    assert_string_equal(fotest_last_record(sim, "ns", "web", "m0"),
                        "Suppressed");
    assert_int_equal(fotest_count("failover.record.*.*.*"), 1);
    done(sim);
}

static void
graceful__directly_releases_once_the_old_copy_is_gone(void **state)
{
    struct actor_sim *sim;

    (void)state;
    old_copy = true;
    sim = world(false, 4, "m0:Directly:-1:1000");
    old_copy = false;
    /* m0 still holds its copy: the task keeps the new copy back. */
    actor_sim_run_until(sim, S(T0 + 3600));
    assert_string_equal(machine(sim), "waiting");
    assert_int_equal(fotest_count("binding.release.*.*.*"), 0);
    /* The executor deleted it; the member says it is gone. */
    fotest_work(sim, "m0", "ns", "web", 0, 0, false, "", NULL);
    actor_sim_run_until(sim, S(T0 + 3601));
    assert_string_equal(fotest_last_release(sim, "ns", "web", "m0"),
                        "Released");
    done(sim);

    /* Karmada's old name; a cluster that never reported a copy. */
    sim = world(false, 4, "m0:Immediately:-1:1000");
    actor_sim_run_until(sim, S(T0));
    assert_string_equal(machine(sim), "Released");
    done(sim);
}

static void
graceful__fenced_after_dead_after_unknown(void **state)
{
    struct actor_sim *sim = world(false, 4, "m0:Gracefully:7200:1000");

    (void)state;
    fotest_status(sim, "m0", "Unknown", S(T0));
    actor_sim_run_until(sim, S(T0 + 599));
    assert_string_equal(machine(sim), "waiting");
    actor_sim_run_until(sim, S(T0 + 600));
    assert_string_equal(fotest_last_release(sim, "ns", "web", "m0"),
                        "Fenced");
    assert_int_equal(fotest_count("binding.release.*.*.*"), 1);
    done(sim);

    /* Directly from an unreachable cluster: nothing until deadAfter, then
     * fenced (one release), which lets the new copy be created. */
    old_copy = true;
    sim = world(false, 4, "m0:Directly:-1:1000");
    old_copy = false;
    fotest_status(sim, "m0", "Unknown", S(T0));
    actor_sim_run_until(sim, S(T0 + 599));
    assert_int_equal(fotest_count("binding.release.*.*.*"), 0);
    actor_sim_run_until(sim, S(T0 + 600));
    assert_string_equal(fotest_last_release(sim, "ns", "web", "m0"),
                        "Fenced");
    fotest_schedule(sim, "ns", "web", (const char *[]){ "m1=2", "m2=2",
                                                        NULL }, NULL);
    /* It answers again: the machine is gone, nothing more. */
    fotest_status(sim, "m0", "True", S(T0 + 700));
    actor_sim_run_until(sim, S(T0 + 800));
    assert_string_equal(machine(sim), "none");
    assert_int_equal(fotest_count("binding.release.*.*.*"), 1);
    done(sim);

    /* Gracefully, released on readiness while the old cluster is Unknown
     * with its copy: fenced deadAfter later. */
    old_copy = true;
    sim = world(false, 4, "m0:Gracefully:7200:1000");
    old_copy = false;
    fotest_status(sim, "m0", "Unknown", S(T0));
    fotest_work(sim, "m1", "ns", "web", 2, 2, true, "Healthy", NULL);
    fotest_work(sim, "m2", "ns", "web", 2, 2, true, "Healthy", NULL);
    actor_sim_run_until(sim, S(T0 + 1));
    assert_string_equal(fotest_last_release(sim, "ns", "web", "m0"),
                        "Released");
    fotest_schedule(sim, "ns", "web", (const char *[]){ "m1=2", "m2=2",
                                                        NULL }, NULL);
    actor_sim_run_until(sim, S(T0 + 600));
    assert_string_equal(fotest_last_release(sim, "ns", "web", "m0"),
                        "Fenced");
    done(sim);
}

static void
graceful__restart_repeats_no_release(void **state)
{
    struct actor_sim *sim = world(false, 4, "m0:Gracefully:60:1000");
    size_t before;
    size_t len;

    (void)state;
    actor_sim_run_until(sim, S(T0 + 30));
    assert_int_equal(actor_sim_restart(sim, "graceful-eviction"), 0);
    actor_sim_run_until(sim, S(T0 + 61));      /* deadline re-armed */
    assert_string_equal(machine(sim), "Deadline");
    before = fotest_count("binding.release.*.*.*");
    assert_int_equal(before, 1);
    len = actor_sim_log_len(sim);
    assert_int_equal(actor_sim_restart(sim, "graceful-eviction"), 0);
    actor_sim_run_until(sim, S(T0 + 200));
    assert_int_equal(fotest_count("binding.release.*.*.*"), before);
    assert_int_equal(actor_sim_log_len(sim), len);   /* no record either */
    assert_string_equal(machine(sim), "Deadline");
    done(sim);
}

static void
graceful__deleted_binding_ends_its_machines(void **state)
{
    struct actor_sim *sim = world(false, 4, "m0:Gracefully:60:1000");

    (void)state;
    actor_sim_run_until(sim, S(T0 + 10));
    fotest_schedule_deleted(sim, "ns", "web", (const char *[]){ "m1=2",
                                                                NULL });
    actor_sim_run_until(sim, S(T0 + 120));
    assert_string_equal(machine(sim), "none");
    assert_int_equal(fotest_count("binding.release.*.*.*"), 0);
    done(sim);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(graceful__released_when_new_placement_fully_ready),
        cmocka_unit_test(
            graceful__stale_status_from_not_ready_cluster_counts_zero),
        cmocka_unit_test(graceful__a_member_counts_at_most_its_placed_replicas),
        cmocka_unit_test(graceful__duplicated_needs_every_cluster_ready),
        cmocka_unit_test(
            graceful__object_without_replicas_released_once_applied),
        cmocka_unit_test(graceful__deadline_from_task_else_grace_period),
        cmocka_unit_test(graceful__never_is_recorded_and_kept),
        cmocka_unit_test(
            graceful__directly_releases_once_the_old_copy_is_gone),
        cmocka_unit_test(graceful__fenced_after_dead_after_unknown),
        cmocka_unit_test(graceful__restart_repeats_no_release),
        cmocka_unit_test(graceful__deleted_binding_ends_its_machines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
