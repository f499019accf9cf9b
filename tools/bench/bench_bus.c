/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flotilla-bench bus: the actor runtime's consume -> handle -> publish -> ack
 * path against a plain NATS C client program doing the same JetStream work
 * (1 KiB messages, the same de-duplication ids, explicit acks, async publish
 * completed per fetched batch), interleaved, on a nats-server it starts on
 * loopback. Prints each round, the medians, their spread and the ratio.
 * The baseline includes nats.h itself, the one place outside bus/ that
 * does: it must not share the code it is measured against.
 */
#define LOG_MODULE "bench"
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nats/nats.h>

#include "actor/shell.h"
#include "bus/bus.h"
#include "bus/envelope.h"
#include "support/natsd.h"
#include "util/log.h"
#include "util/time.h"

#define ENVELOPE_BYTES 1024
#define BATCH 256

static const struct actor_input bench_inputs[] = {
    { "BENCH_IN", "bench.in.*", false },
    { NULL, NULL, false },
};

static const struct actor_input bench_own[] = {
    { NULL, NULL, false },
};

static void *
bench_create(const void *config)
{
    (void)config;
    return calloc(1, sizeof(uint64_t));
}

static void
bench_destroy(void *s)
{
    free(s);
}

static int
bench_absorb(void *s, const struct actor_msg *m)
{
    (void)s;
    (void)m;
    return 0;
}

/* Echoes the input's payload as a decision on bench.out.<key>. */
static int
bench_handle(void *s, const struct actor_msg *m, int64_t now,
             struct actor_fx *fx)
{
    Flotilla__V1__DecisionEvent ev = FLOTILLA__V1__DECISION_EVENT__INIT;
    char subject[128];

    (*(uint64_t *)s)++;
    ev.actor = "bench";
    ev.key = m->env->key;
    ev.decision = (char *)m->env->payload.data;
    ev.reason = "echo";
    ev.at_ns = now;
    snprintf(subject, sizeof(subject), "bench.out.%s", m->env->key);
    return actor_fx_publish(fx, subject, m->env->key, "DecisionEvent",
                            &ev.base, 0);
}

static int
bench_timer(void *s, const char *name, int64_t now, struct actor_fx *fx)
{
    (void)s;
    (void)name;
    (void)now;
    (void)fx;
    return 0;
}

static const struct actor_core bench_core = {
    .name = "bench",
    .inputs = bench_inputs,
    .own_state = bench_own,
    .create = bench_create,
    .destroy = bench_destroy,
    .absorb = bench_absorb,
    .handle = bench_handle,
    .on_timer = bench_timer,
};

/* Builds one input envelope of ENVELOPE_BYTES bytes for key @i. */
static int
make_input(int i, uint8_t **buf, size_t *len)
{
    Flotilla__V1__Envelope env = FLOTILLA__V1__ENVELOPE__INIT;
    char key[32];
    char pad[ENVELOPE_BYTES];
    size_t n;

    snprintf(key, sizeof(key), "k%d", i % 1000);
    env.key = key;
    env.producer = "bench/loader";
    env.type = "Padding";
    env.trace_id = "00000000000000000000000000000000";
    env.schema_version = BUS_SCHEMA_VERSION;
    env.event_time_ns = util_time_now_ns();
    memset(pad, 'x', sizeof(pad));
    pad[sizeof(pad) - 1] = '\0';
    env.payload.data = (uint8_t *)pad;
    env.payload.len = 0;
    n = flotilla__v1__envelope__get_packed_size(&env);
    env.payload.len = ENVELOPE_BYTES > n + 3 ? ENVELOPE_BYTES - n - 3 : 1;
    pad[env.payload.len - 1] = '\0';
    return bus_envelope_pack(&env, buf, len);
}

static int
load_inputs(struct bus_conn *c, int n)
{
    int rc = 0;

    for (int i = 0; i < n && rc == 0; i++) {
        struct bus_pub p = { 0 };
        uint8_t *buf = NULL;
        size_t len = 0;
        char subject[64];

        rc = make_input(i, &buf, &len);
        if (rc != 0) {
            break;
        }
        snprintf(subject, sizeof(subject), "bench.in.k%d", i % 1000);
        p.subject = subject;
        p.data = buf;
        p.len = len;
        rc = bus_publish_async(c, &p);
        free(buf);
        if (i % 2000 == 1999 || i == n - 1) {
            int w = bus_publish_wait(c, 30000, NULL, NULL);

            rc = rc ? rc : w;
        }
    }
    return rc;
}

static int
fresh_streams(struct bus_conn *c)
{
    static const char *const in[] = { "bench.in.*", NULL };
    static const char *const out[] = { "bench.out.*", NULL };
    struct bus_stream_def di = { "BENCH_IN", in, false, 0, 0, 0, 1, false };
    struct bus_stream_def dout = { "BENCH_OUT", out, false, 0, 0, 0, 1,
                                   false };

    (void)bus_stream_delete(c, "BENCH_IN");
    (void)bus_stream_delete(c, "BENCH_OUT");
    if (bus_stream_ensure(c, &di) != 0 || bus_stream_ensure(c, &dout) != 0) {
        return -EIO;
    }
    return 0;
}

/*
 * The baseline: a plain NATS C client loop written straight against nats.h
 * (not bus/), doing the same JetStream work: pull 256, publish each
 * message's bytes with a de-duplication id, complete the async batch, ack.
 */
static double
run_plain(const char *url, int n)
{
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    jsConsumerInfo *ci = NULL;
    jsConsumerConfig cc;
    jsSubOptions so;
    jsOptions jo;
    jsCtx *js = NULL;
    jsErrCode jerr = 0;
    int64_t t0;
    int done = 0;
    double rate = -1;

    if (natsConnection_ConnectTo(&nc, url) != NATS_OK) {
        return -1;
    }
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = 4000;
    if (natsConnection_JetStream(&js, nc, &jo) != NATS_OK) {
        goto out;
    }
    t0 = util_time_mono_ns();
    jsConsumerConfig_Init(&cc);
    cc.Durable = "plain";
    cc.AckPolicy = js_AckExplicit;
    cc.FilterSubject = "bench.in.*";
    cc.MaxAckPending = 10000;
    if (js_AddConsumer(&ci, js, "BENCH_IN", &cc, NULL, &jerr) != NATS_OK) {
        goto out;
    }
    jsSubOptions_Init(&so);
    so.Stream = "BENCH_IN";
    so.Consumer = "plain";
    if (js_PullSubscribe(&sub, js, "bench.in.*", "plain", NULL, &so,
                         &jerr) != NATS_OK) {
        goto out;
    }
    while (done < n) {
        natsMsgList list = { 0 };

        if (natsSubscription_Fetch(&list, sub, BATCH, 1000, &jerr) !=
            NATS_OK) {
            continue;
        }
        for (int i = 0; i < list.Count; i++) {
            natsMsg *in = list.Msgs[i];
            natsMsg *out = NULL;
            jsMsgMetaData *md = NULL;
            char subject[64];
            char id[96];

            (void)natsMsg_GetMetaData(&md, in);
            snprintf(subject, sizeof(subject), "bench.out.%s",
                     natsMsg_GetSubject(in) + strlen("bench.in."));
            snprintf(id, sizeof(id), "plain:BENCH_IN:%" PRIu64 ":0",
                     md != NULL ? md->Sequence.Stream : 0);
            jsMsgMetaData_Destroy(md);
            if (natsMsg_Create(&out, subject, NULL, natsMsg_GetData(in),
                               natsMsg_GetDataLength(in)) == NATS_OK &&
                natsMsgHeader_Set(out, "Nats-Msg-Id", id) == NATS_OK) {
                (void)js_PublishMsgAsync(js, &out, NULL);
            }
            natsMsg_Destroy(out);
        }
        if (js_PublishAsyncComplete(js, NULL) == NATS_OK) {
            for (int i = 0; i < list.Count; i++) {
                (void)natsMsg_Ack(list.Msgs[i], NULL);
            }
            done += list.Count;
        }
        natsMsgList_Destroy(&list);
    }
    rate = (double)n / ((double)(util_time_mono_ns() - t0) / 1e9);
out:
    jsConsumerInfo_Destroy(ci);
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return rate;
}

static double
run_runtime(struct bus_conn *c, int n)
{
    struct actor_shell_options so = { 0 };
    struct actor_shell *s = NULL;
    struct actor_shell_stats st = { 0 };
    int64_t t0 = util_time_mono_ns();
    double rate;

    so.core = &bench_core;
    so.conn = c;
    so.batch = BATCH;
    if (actor_shell_new(&so, &s) != 0 || actor_shell_start(s) != 0) {
        actor_shell_free(s);
        return -1;
    }
    while (st.handled < (uint64_t)n) {
        usleep(500);
        actor_shell_get_stats(s, &st);
    }
    /* Handled counts after the batch's outputs were stored and acked. */
    rate = (double)n / ((double)(util_time_mono_ns() - t0) / 1e9);
    actor_shell_free(s);
    return rate;
}

int
bench_bus(int argc, char **argv)
{
    struct natsd d;
    struct bus_options o;
    struct bus_conn *c = NULL;
    double plain[16], rt[16];
    int rounds = 5;
    int n = 20000;
    double mp, mr;
    int rc = 1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            printf("usage: flotilla-bench bus [--rounds N] [--messages N]\n");
            return 0;
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--messages") == 0 && i + 1 < argc) {
            n = atoi(argv[++i]);
        }
    }
    if (rounds < 1 || rounds > 16 || n < 1) {
        fprintf(stderr, "bench bus: --rounds 1..16, --messages > 0\n");
        return 2;
    }
    util_log_set_level("error");
    memset(&d, 0, sizeof(d));
    if (natsd_start(&d) != 0) {
        fprintf(stderr, "bench bus: could not start nats-server\n");
        return 1;
    }
    bus_options_init(&o);
    o.url = d.url;
    o.name = "bench";
    if (bus_conn_new(&o, &c) != 0) {
        goto out;
    }
    printf("bus benchmark: %d messages of %d bytes per run, batches of %d, "
           "%d interleaved rounds\n", n, ENVELOPE_BYTES, BATCH, rounds);
    for (int r = 0; r < rounds; r++) {
        if (fresh_streams(c) != 0 || load_inputs(c, n) != 0) {
            goto out;
        }
        plain[r] = run_plain(d.url, n);
        if (fresh_streams(c) != 0 || load_inputs(c, n) != 0) {
            goto out;
        }
        rt[r] = run_runtime(c, n);
        printf("  round %d: plain client %8.0f msg/s   runtime %8.0f msg/s\n",
               r + 1, plain[r], rt[r]);
    }
    {
        double pmin = plain[0], pmax = plain[0], rmin = rt[0], rmax = rt[0];

        for (int r = 1; r < rounds; r++) {
            pmin = plain[r] < pmin ? plain[r] : pmin;
            pmax = plain[r] > pmax ? plain[r] : pmax;
            rmin = rt[r] < rmin ? rt[r] : rmin;
            rmax = rt[r] > rmax ? rt[r] : rmax;
        }
        mp = bench_median(plain, rounds);
        mr = bench_median(rt, rounds);
        printf("plain client: median %.0f msg/s, spread %.0f..%.0f (%.1f%%)\n",
               mp, pmin, pmax, 100 * (pmax - pmin) / mp);
        printf("runtime:      median %.0f msg/s, spread %.0f..%.0f (%.1f%%)\n",
               mr, rmin, rmax, 100 * (rmax - rmin) / mr);
        printf("ratio runtime/plain: %.3f (target >= 0.80)\n", mr / mp);
    }
    rc = 0;
out:
    bus_conn_free(c);
    natsd_cleanup(&d);
    bus_shutdown();
    return rc;
}
