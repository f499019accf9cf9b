/* SPDX-License-Identifier: Apache-2.0 */
/* The actor shell on a real nats-server, with the heartbeat test core. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/shell.h"
#include "bus/bus.h"
#include "bus/envelope.h"
#include "bus/subject.h"
#include "support/hbcore.h"
#include "support/busfix.h"
#include "util/time.h"

struct fixture {
    struct busfix bus;
    struct bus_conn *c;          /* the test's own connection (bus.c) */
    struct busfix_actor actor;
    struct actor_shell *shell;   /* actor.shell */
    int next_id;
};

static void
start_actor(struct fixture *f)
{
    assert_int_equal(busfix_actor_start(&f->bus, &hbcore, NULL, &f->actor), 0);
    f->shell = f->actor.shell;
}

static void
stop_actor(struct fixture *f)
{
    busfix_actor_stop(&f->actor);
    f->shell = NULL;
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL || busfix_start(&f->bus) != 0) {
        return -1;
    }
    f->c = f->bus.c;
    start_actor(f);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    stop_actor(f);
    busfix_stop(&f->bus);
    free(f);
    return 0;
}

/* Publishes a heartbeat envelope for @cluster with event time @t_ns. */
static void
heartbeat(struct fixture *f, const char *cluster, const char *ready,
          int64_t t_ns)
{
    Flotilla__V1__Heartbeat hb = FLOTILLA__V1__HEARTBEAT__INIT;
    struct actor_fx fx = { 0 };
    struct bus_pub p = { 0 };
    char subject[BUS_SUBJECT_MAX];
    char id[64];

    hb.cluster = (char *)cluster;
    hb.ready = (char *)ready;
    snprintf(id, sizeof(id), "hb-%d", f->next_id++);
    actor_fx_begin(&fx, "agent", "agent/test", t_ns, NULL, id);
    bus_subject_build(subject, sizeof(subject), "cluster.heartbeat", cluster,
                      NULL, NULL);
    assert_int_equal(actor_fx_publish(&fx, subject, cluster, "Heartbeat",
                                      &hb.base, 0), 0);
    p.subject = subject;
    p.data = fx.outs[0].data;
    p.len = fx.outs[0].len;
    p.msg_id = fx.outs[0].msg_id;
    assert_int_equal(bus_publish(f->c, &p, NULL, NULL), 0);
    actor_fx_release(&fx);
}

static void
raw_publish(struct fixture *f, const char *subject, const void *data,
            size_t len)
{
    struct bus_pub p = { 0 };

    p.subject = subject;
    p.data = data;
    p.len = len;
    assert_int_equal(bus_publish(f->c, &p, NULL, NULL), 0);
}

static int
read_ready(const struct bus_msg *m, void *arg)
{
    Flotilla__V1__Envelope *env = NULL;
    Flotilla__V1__ClusterStatus *st;
    char why[128];

    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) != 0) {
        return -EBADMSG;
    }
    st = flotilla__v1__cluster_status__unpack(NULL, env->payload.len,
                                              env->payload.data);
    if (st != NULL) {
        snprintf(arg, 16, "%s", st->ready);
        flotilla__v1__cluster_status__free_unpacked(st, NULL);
    }
    bus_envelope_free(env);
    return 0;
}

/* The Ready value stored for @cluster, and its sequence ("" and 0: none). */
static uint64_t
stored_status(struct fixture *f, const char *cluster, char ready[16])
{
    char subject[BUS_SUBJECT_MAX];
    uint64_t seq = 0;

    ready[0] = '\0';
    bus_subject_build(subject, sizeof(subject), "cluster.status", cluster,
                      NULL, NULL);
    if (bus_last_subject_seq(f->c, "FL_CLUSTERS", subject, &seq) != 0 ||
        seq == 0) {
        return 0;
    }
    (void)bus_read_seq(f->c, "FL_CLUSTERS", seq, read_ready, ready);
    return seq;
}

/* Waits up to 5 s for the stored status of @cluster to say @ready. */
static bool
wait_status(struct fixture *f, const char *cluster, const char *ready)
{
    char got[16];

    for (int i = 0; i < 100; i++) {
        if (stored_status(f, cluster, got) > 0 && strcmp(got, ready) == 0) {
            return true;
        }
        usleep(50 * 1000);
    }
    return false;
}

/* Waits until the actor has handled @n inputs in all. */
static bool
wait_handled(struct fixture *f, uint64_t n)
{
    struct actor_shell_stats st;

    for (int i = 0; i < 100; i++) {
        actor_shell_get_stats(f->shell, &st);
        if (st.handled + st.dead_letters >= n) {
            return true;
        }
        usleep(50 * 1000);
    }
    return false;
}

static void
shell__publishes_decisions_from_inputs(void **state)
{
    struct fixture *f = *state;
    int64_t now = util_time_now_ns();

    heartbeat(f, "member.1", "True", now);

    assert_true(wait_status(f, "member.1", "True"));
}

static void
shell__dead_letters_undecodable_input_and_goes_on(void **state)
{
    struct fixture *f = *state;
    struct actor_shell_stats st;
    uint64_t msgs = 0;

    raw_publish(f, "cluster.heartbeat.m2", "\x08\xff\xff garbage", 11);
    heartbeat(f, "m2", "False", util_time_now_ns());

    assert_true(wait_status(f, "m2", "False"));
    actor_shell_get_stats(f->shell, &st);
    assert_true(st.dead_letters == 1);
    assert_int_equal(bus_stream_info(f->c, "FL_DLQ", &msgs, NULL), 0);
    assert_true(msgs == 1);
}

static void
shell__restart_rebuilds_without_deciding_again(void **state)
{
    struct fixture *f = *state;
    char ready[16];
    uint64_t before, after, msgs_before = 0, msgs_after = 0;

    heartbeat(f, "m3", "True", util_time_now_ns());
    assert_true(wait_status(f, "m3", "True"));
    before = stored_status(f, "m3", ready);
    assert_int_equal(bus_stream_info(f->c, "FL_CLUSTERS", &msgs_before, NULL),
                     0);

    stop_actor(f);
    start_actor(f);
    /* The same heartbeat again: already decided, nothing to publish. */
    heartbeat(f, "m3", "True", util_time_now_ns());
    assert_true(wait_handled(f, 1));

    after = stored_status(f, "m3", ready);
    assert_int_equal(bus_stream_info(f->c, "FL_CLUSTERS", &msgs_after, NULL),
                     0);
    assert_true(after == before);
    assert_true(msgs_after == msgs_before);
    assert_int_equal(hbcore_changes(actor_shell_state(f->shell), "m3"), 1);
}

static void
shell__second_writer_is_refused_and_owner_recovers(void **state)
{
    struct fixture *f = *state;
    struct actor_shell_stats st;
    char ready[16];

    heartbeat(f, "m4", "True", util_time_now_ns());
    assert_true(wait_status(f, "m4", "True"));

    /* Someone else writes the owner's key behind its back. */
    raw_publish(f, "cluster.status.m4", "x", 1);
    heartbeat(f, "m4", "False", util_time_now_ns());

    /* The owner's publish is refused, it rebuilds and decides again. */
    assert_true(wait_status(f, "m4", "False"));
    actor_shell_get_stats(f->shell, &st);
    assert_true(st.refused >= 1);
    assert_true(st.rebuilds >= 2);
    assert_true(stored_status(f, "m4", ready) > 0);
}

static void
shell__resumes_after_server_restart(void **state)
{
    struct fixture *f = *state;

    heartbeat(f, "m5", "True", util_time_now_ns());
    assert_true(wait_status(f, "m5", "True"));

    natsd_stop(&f->bus.d, SIGKILL);
    assert_int_equal(natsd_start(&f->bus.d), 0);
    for (int i = 0; i < 100 && !(bus_conn_is_connected(f->c) &&
                                 bus_conn_is_connected(f->actor.conn)); i++) {
        usleep(50 * 1000);
    }
    /* JetStream needs a moment after a restart before it takes writes. */
    for (int i = 0; i < 50; i++) {
        if (bus_stream_info(f->c, "FL_REQUESTS", NULL, NULL) == 0) {
            break;
        }
        usleep(100 * 1000);
    }
    heartbeat(f, "m5", "False", util_time_now_ns());

    assert_true(wait_status(f, "m5", "False"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(shell__publishes_decisions_from_inputs,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            shell__dead_letters_undecodable_input_and_goes_on, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            shell__restart_rebuilds_without_deciding_again, setup, teardown),
        cmocka_unit_test_setup_teardown(
            shell__second_writer_is_refused_and_owner_recovers, setup,
            teardown),
        cmocka_unit_test_setup_teardown(shell__resumes_after_server_restart,
                                        setup, teardown),
    };

    int rc = cmocka_run_group_tests_name("integration.runtime", tests, NULL,
                                       NULL);

    bus_shutdown();
    return rc;
}
