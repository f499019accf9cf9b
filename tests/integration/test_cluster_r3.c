/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A three-server JetStream cluster on loopback: an R3 stream keeps its data
 * and takes writes when one server stops.
 */
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

static int
pub(struct bus_conn *c, int i)
{
    struct bus_pub p = { 0 };
    char data[32];

    snprintf(data, sizeof(data), "msg-%d", i);
    p.subject = "events.r3";
    p.data = data;
    p.len = strlen(data);
    p.msg_id = data;
    return bus_publish(c, &p, NULL, NULL);
}

static void
r3_stream__survives_loss_of_one_server(void **state)
{
    static const char *const subjects[] = { "events.*", NULL };
    struct bus_stream_def def = { "R3_TEST", subjects, false, 0, 0, 0, 3,
                                  false };
    struct natsd d[3];
    struct bus_options o;
    struct bus_conn *c = NULL;
    char urls[256];
    uint64_t msgs = 0;
    int rc = -1;

    (void)state;
    memset(d, 0, sizeof(d));
    for (int i = 0; i < 3; i++) {
        d[i].port = natsd_free_port();
        d[i].cluster_port = natsd_free_port();
        snprintf(d[i].name, sizeof(d[i].name), "s%d", i);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(d[i].routes, sizeof(d[i].routes),
                 "nats-route://127.0.0.1:%d, nats-route://127.0.0.1:%d",
                 d[(i + 1) % 3].cluster_port, d[(i + 2) % 3].cluster_port);
        assert_int_equal(natsd_start(&d[i]), 0);
    }
    snprintf(urls, sizeof(urls), "%s,%s,%s", d[0].url, d[1].url, d[2].url);
    bus_options_init(&o);
    o.url = urls;
    o.name = "r3";
    o.publish_wait_ms = 3000;
    assert_int_equal(bus_conn_new(&o, &c), 0);

    /* The cluster elects its meta leader shortly after the routes form. */
    for (int i = 0; i < 100 && rc != 0; i++) {
        rc = bus_stream_ensure(c, &def);
        if (rc != 0) {
            usleep(200 * 1000);
        }
    }
    assert_int_equal(rc, 0);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(pub(c, i), 0);
    }

    natsd_stop(&d[0], SIGKILL);

    /* Reads and writes go on with two of three servers. */
    rc = -1;
    for (int i = 0; i < 100 && rc != 0; i++) {
        rc = pub(c, 100);
        if (rc != 0) {
            usleep(200 * 1000);
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(bus_stream_info(c, "R3_TEST", &msgs, NULL), 0);
    assert_true(msgs == 101);

    bus_conn_free(c);
    for (int i = 0; i < 3; i++) {
        natsd_cleanup(&d[i]);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(r3_stream__survives_loss_of_one_server),
    };

    int rc = cmocka_run_group_tests_name("integration.cluster_r3", tests, NULL,
                                       NULL);

    bus_shutdown();
    return rc;
}
