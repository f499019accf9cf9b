/* SPDX-License-Identifier: Apache-2.0 */
/* bus/ against a real nats-server with JetStream on loopback. */
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

#include "bus/bus.h"
#include "support/natsd.h"

struct fixture {
    struct natsd d;
    struct bus_conn *c;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct bus_options o;
    char path[512];
    char err[256];

    if (f == NULL || natsd_start(&f->d) != 0) {
        return -1;
    }
    bus_options_init(&o);
    o.url = f->d.url;
    o.name = "test-bus";
    if (bus_conn_new(&o, &f->c) != 0) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/deploy/nats/streams.json",
             getenv("FL_SOURCE_DIR"));
    if (bus_streams_provision(f->c, path, 0, err, sizeof(err)) != 0) {
        fprintf(stderr, "provision: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    bus_conn_free(f->c);
    natsd_cleanup(&f->d);
    free(f);
    return 0;
}

static int
pub(struct bus_conn *c, const char *subject, const char *data,
    const char *msg_id, bool expect, uint64_t last, uint64_t *seq, bool *dup)
{
    struct bus_pub p = { 0 };

    p.subject = subject;
    p.data = data;
    p.len = strlen(data);
    p.msg_id = msg_id;
    p.expect_subject_seq = expect;
    p.last_subject_seq = last;
    return bus_publish(c, &p, seq, dup);
}

static void
provision__is_idempotent(void **state)
{
    struct fixture *f = *state;
    char path[512];
    char err[256];
    int rc;

    snprintf(path, sizeof(path), "%s/deploy/nats/streams.json",
             getenv("FL_SOURCE_DIR"));

    rc = bus_streams_provision(f->c, path, 0, err, sizeof(err));

    assert_int_equal(rc, 0);
}

static void
publish__duplicate_id_is_dropped(void **state)
{
    struct fixture *f = *state;
    uint64_t s1 = 0, s2 = 0, msgs = 0;
    bool d1 = true, d2 = false;

    assert_int_equal(pub(f->c, "events.test", "one", "id-1", false, 0, &s1,
                         &d1), 0);
    assert_int_equal(pub(f->c, "events.test", "one", "id-1", false, 0, &s2,
                         &d2), 0);

    assert_false(d1);
    assert_true(d2);
    assert_true(s1 == s2);
    assert_int_equal(bus_stream_info(f->c, "FL_EVENTS", &msgs, NULL), 0);
    assert_true(msgs == 1);
}

static void
publish__second_writer_on_owned_key_is_refused(void **state)
{
    struct fixture *f = *state;
    const char *subj = "cluster.status.m1";
    uint64_t s1 = 0, s2 = 0;
    int rc;

    /* The owner writes the key first, expecting it empty, then again. */
    assert_int_equal(pub(f->c, subj, "a", "o-1", true, 0, &s1, NULL), 0);
    assert_int_equal(pub(f->c, subj, "b", "o-2", true, s1, &s2, NULL), 0);

    /* A second writer that saw only the first state is refused... */
    rc = pub(f->c, subj, "rogue", "r-1", true, s1, NULL, NULL);
    assert_int_equal(rc, -ESTALE);
    /* ...and so is one that believes the key is new. */
    rc = pub(f->c, subj, "rogue", "r-2", true, 0, NULL, NULL);
    assert_int_equal(rc, -ESTALE);
}

static int
collect(const struct bus_msg *m, void *arg)
{
    char *out = arg;

    strncat(out, m->data, m->len);
    strcat(out, ";");
    return 0;
}

static void
read_last_per_subject__returns_latest_of_each(void **state)
{
    struct fixture *f = *state;
    char got[256] = "";

    assert_int_equal(pub(f->c, "cluster.taint.a", "a1", NULL, false, 0, NULL,
                         NULL), 0);
    assert_int_equal(pub(f->c, "cluster.taint.b", "b1", NULL, false, 0, NULL,
                         NULL), 0);
    assert_int_equal(pub(f->c, "cluster.taint.a", "a2", NULL, false, 0, NULL,
                         NULL), 0);

    assert_int_equal(bus_read_last_per_subject(f->c, "FL_CLUSTERS",
                                               "cluster.taint.*", collect, got),
                     0);

    assert_string_equal(got, "b1;a2;");
}

static void
read_last_per_subject__empty_stream_returns_at_once(void **state)
{
    struct fixture *f = *state;
    char got[64] = "";

    assert_int_equal(bus_read_last_per_subject(f->c, "FL_WORK", "work.>",
                                               collect, got), 0);

    assert_string_equal(got, "");
}

static void
server_restart__keeps_every_acknowledged_message(void **state)
{
    struct fixture *f = *state;
    uint64_t msgs = 0;
    char data[32];

    for (int i = 0; i < 200; i++) {
        snprintf(data, sizeof(data), "m%d", i);
        assert_int_equal(pub(f->c, "events.restart", data, data, false, 0,
                             NULL, NULL), 0);
    }

    natsd_stop(&f->d, SIGKILL);
    assert_int_equal(natsd_start(&f->d), 0);

    /* The client reconnects by itself; wait for it, then count. */
    for (int i = 0; i < 100 && !bus_conn_is_connected(f->c); i++) {
        usleep(50 * 1000);
    }
    assert_true(bus_conn_is_connected(f->c));
    for (int i = 0; i < 50; i++) {
        if (bus_stream_info(f->c, "FL_EVENTS", &msgs, NULL) == 0) {
            break;
        }
        usleep(100 * 1000);
    }
    assert_true(msgs == 200);
    assert_int_equal(pub(f->c, "events.restart", "after", "after", false, 0,
                         NULL, NULL), 0);
}

static void
dlq_put__keeps_reason_and_origin(void **state)
{
    struct fixture *f = *state;
    struct bus_msg m = { 0 };
    struct bus_consumer *k = NULL;
    struct bus_consumer_def d = { 0 };
    struct bus_msg *got = NULL;
    char reason[128];
    int n = 0;

    m.subject = "cluster.heartbeat.m1";
    m.data = "\xff\xfe";
    m.len = 2;
    m.stream = "FL_REQUESTS";
    m.stream_seq = 7;
    assert_int_equal(bus_dlq_put(f->c, "tester", &m, "bad bytes"), 0);
    assert_int_equal(bus_dlq_put(f->c, "tester", &m, "bad bytes"), 0);

    d.stream = "FL_DLQ";
    d.durable = "dlq-reader";
    d.filter = "dlq.tester";
    assert_int_equal(bus_consumer_open(f->c, &d, &k), 0);
    assert_int_equal(bus_consumer_fetch(k, 10, 2000, &got, &n), 0);

    assert_int_equal(n, 1);
    assert_int_equal(bus_msg_header(&got[0], "Fl-Reason", reason,
                                    sizeof(reason)), 0);
    assert_string_equal(reason, "bad bytes");
    assert_int_equal(bus_msg_header(&got[0], "Fl-Seq", reason,
                                    sizeof(reason)), 0);
    assert_string_equal(reason, "7");
    bus_msg_ack(&got[0]);
    bus_msgs_free(got, n);
    bus_consumer_close(k);
}

static bool
idle_within(struct bus_conn *c, const char *stream, bool want)
{
    bool idle = !want;

    for (int i = 0; i < 40 && idle != want; i++) {
        assert_int_equal(bus_stream_consumers_idle(c, stream, &idle), 0);
        if (idle != want) {
            usleep(50 * 1000);
        }
    }
    return idle == want;
}

static void
consumers_idle__only_once_delivered_and_acked(void **state)
{
    struct fixture *f = *state;
    struct bus_msg m = { 0 };
    struct bus_consumer *k = NULL;
    struct bus_consumer_def d = { 0 };
    struct bus_msg *got = NULL;
    int n = 0;

    d.stream = "FL_DLQ";
    d.durable = "idle-reader";
    d.filter = "dlq.idler";
    assert_int_equal(bus_consumer_open(f->c, &d, &k), 0);
    assert_true(idle_within(f->c, "FL_DLQ", true));

    m.subject = "cluster.heartbeat.m1";
    m.data = "x";
    m.len = 1;
    m.stream = "FL_REQUESTS";
    m.stream_seq = 1;
    assert_int_equal(bus_dlq_put(f->c, "idler", &m, "test"), 0);
    assert_true(idle_within(f->c, "FL_DLQ", false));   /* not delivered */
    assert_int_equal(bus_consumer_fetch(k, 10, 2000, &got, &n), 0);
    assert_int_equal(n, 1);
    assert_true(idle_within(f->c, "FL_DLQ", false));   /* not acked */
    bus_msg_ack(&got[0]);
    assert_true(idle_within(f->c, "FL_DLQ", true));
    bus_msgs_free(got, n);
    bus_consumer_close(k);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(provision__is_idempotent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(publish__duplicate_id_is_dropped,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            publish__second_writer_on_owned_key_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(
            read_last_per_subject__returns_latest_of_each, setup, teardown),
        cmocka_unit_test_setup_teardown(
            read_last_per_subject__empty_stream_returns_at_once, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            server_restart__keeps_every_acknowledged_message, setup, teardown),
        cmocka_unit_test_setup_teardown(dlq_put__keeps_reason_and_origin,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            consumers_idle__only_once_delivered_and_acked, setup, teardown),
    };

    int rc = cmocka_run_group_tests_name("integration.bus", tests, NULL, NULL);

    bus_shutdown();
    return rc;
}
