/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flotilla-bench failover: one cluster of ten, holding 10,000 bindings,
 * stops answering its probes. Measured from its Ready change (the
 * cluster.status message that says Unknown) to the last eviction request
 * and to the last new placement published:
 *
 * - through NATS: a nats-server on loopback, cluster-status, cluster,
 *   taint-manager, scheduler and graceful-eviction each in its NATS shell;
 *   the bench plays the prober (ProbeResults, no real members), the policy
 *   actor (ClusterSpec, BindingSpec) and the CLI (a ClusterTaintPolicy
 *   turning Ready NotIn [True] into cluster.karmada.io/not-ready:NoExecute);
 *   pacing off (evictionRate unlimited). Times are the stream's storage
 *   times of the messages.
 * - in virtual time: the same cores and the same inputs on an actor_sim,
 *   with the default pacing (evictionRate 10/s, evictionBurst 100).
 *
 * Health thresholds are short so that detection does not dominate the run;
 * the figures start at the Ready change and do not depend on them.
 */
#define LOG_MODULE "bench"
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actor/shell.h"
#include "actor/sim.h"
#include "bus/bus.h"
#include "bus/subject.h"
#include "config/config.h"
#include "cstatus/cstatus.h"
#include "ctaint/ctaint.h"
#include "geviction/geviction.h"
#include "prober/prober.h"
#include "sched/actor.h"
#include "support/natsd.h"
#include "tmgr/tmgr.h"
#include "util/log.h"
#include "util/time.h"

#define FO_CLUSTERS 10
#define FO_SMALL_PER_CLUSTER 10
#define FO_NS "bench"
#define FO_POLICY "evict-not-ready"

enum fo_mode { FO_NATS, FO_SIM };

/* What the readers saw, from either the streams or the simulator's log. */
struct fo_obs {
    char ready[FO_CLUSTERS][16];
    size_t n_big;
    unsigned char *on_failed;   /* per big binding: placed on c000 now */
    unsigned char *decided;     /* per big binding: has a decision */
    unsigned char *moved;       /* per big binding: placed away after failure */
    unsigned char *asked;       /* per big binding: eviction requested */
    size_t n_decided, n_small_decided, n_moved, n_asked, n_withdrawn;
    size_t n_blocked;
    size_t n_sched_after;       /* binding.schedule messages after failure */
    int64_t t_ev[64], t_pl[64]; /* debug: counts per 100 ms from t_fail */
    int64_t t_base;
    bool failed;                /* c000 has been failed */
    int64_t t_unknown, t_taint, t_first_evict, t_last_evict, t_last_place;
};

/* Command-line choices. */
struct fo_opts {
    size_t n_big;
    int batch;                  /* shell inputs per fetch; 0 = its default */
    int fetch_wait_ms;          /* shell fetch wait; 0 = its default */
    bool geviction;             /* run graceful-eviction too */
    bool timeline;              /* print counts per 100 ms */
};

struct fo_run {
    enum fo_mode mode;
    const struct fo_opts *opt;
    struct cfg_settings set;
    struct tmgr_config tc;
    struct geviction_config gc;
    struct fo_obs obs;
    atomic_int others_ready;     /* c001..c009 answer ok (else not-ready) */
    atomic_int failed;           /* c000 does not answer */
    /* NATS */
    struct natsd d;
    struct bus_conn *c;          /* publisher and reader */
    struct bus_conn *pc;         /* the prober thread's */
    struct bus_conn *ac[5];
    struct actor_shell *shell[5];
    struct bus_consumer *rk[3];
    pthread_t prober;
    bool prober_on;
    atomic_int stop;
    /* CPU seconds of the failover phase (NATS): this process, nats-server */
    double cpu_self, cpu_server;
    double load1;               /* 1-minute load average at the end */
    /* virtual time */
    struct actor_sim *sim;
    int64_t vnow;
    int64_t next_probe;
};

/* ---------------------------------------------------------------- inputs */

static int
fo_publish(struct fo_run *x, struct bus_conn *c, const char *subject,
           const char *key, const char *producer, const char *type,
           const ProtobufCMessage *m)
{
    static atomic_ulong serial;
    struct actor_fx fx = { 0 };
    struct bus_pub p = { 0 };
    char id[160];
    int rc;

    if (x->mode == FO_SIM) {
        return actor_sim_publish(x->sim, subject, key, producer, type, m);
    }
    /* A message id of its own: probes repeat their subject every round. */
    snprintf(id, sizeof(id), "bench:%lu", atomic_fetch_add(&serial, 1));
    actor_fx_begin(&fx, "bench", producer, util_time_now_ns(), NULL, id);
    rc = actor_fx_publish(&fx, subject, key, type, m, 0);
    if (rc == 0) {
        p.subject = subject;
        p.data = fx.outs[0].data;
        p.len = fx.outs[0].len;
        p.msg_id = fx.outs[0].msg_id;
        rc = bus_publish_async(c, &p);
    }
    actor_fx_release(&fx);
    return rc;
}

static int
fo_flush(struct fo_run *x, struct bus_conn *c)
{
    return x->mode == FO_NATS ? bus_publish_wait(c, 30000, NULL, NULL) : 0;
}

static void
cluster_name(char *buf, size_t len, size_t i)
{
    snprintf(buf, len, "c%03zu", i);
}

/* The ClusterTaintPolicy, as the CLI publishes an applied object. */
static int
send_policy(struct fo_run *x)
{
    static const char json[] =
        "{\"apiVersion\":\"policy.karmada.io/v1alpha1\","
        "\"kind\":\"ClusterTaintPolicy\","
        "\"metadata\":{\"name\":\"" FO_POLICY "\"},"
        "\"spec\":{\"addOnConditions\":[{\"conditionType\":\"Ready\","
        "\"operator\":\"NotIn\",\"statusValues\":[\"True\"]}],"
        "\"removeOnConditions\":[{\"conditionType\":\"Ready\","
        "\"operator\":\"In\",\"statusValues\":[\"True\"]}],"
        "\"taints\":[{\"key\":\"cluster.karmada.io/not-ready\","
        "\"effect\":\"NoExecute\"}]}}";
    Flotilla__V1__ObjectRecord rec = FLOTILLA__V1__OBJECT_RECORD__INIT;
    char subject[BUS_SUBJECT_MAX];

    rec.api_version = "policy.karmada.io/v1alpha1";
    rec.kind = "ClusterTaintPolicy";
    rec.namespace_ = "";
    rec.name = FO_POLICY;
    rec.uid = FO_POLICY;
    rec.json.data = (uint8_t *)json;
    rec.json.len = strlen(json);
    rec.applied_by = "cli/bench";
    bus_subject_build(subject, sizeof(subject), "object", "ClusterTaintPolicy",
                      "", FO_POLICY);
    return fo_publish(x, x->c, subject, "ClusterTaintPolicy//" FO_POLICY,
                      "cli/bench", "ObjectRecord", &rec.base);
}

static int
send_cluster_spec(struct fo_run *x, size_t i)
{
    Flotilla__V1__ClusterSpec spec = FLOTILLA__V1__CLUSTER_SPEC__INIT;
    char name[16], region[16], subject[BUS_SUBJECT_MAX];

    cluster_name(name, sizeof(name), i);
    snprintf(region, sizeof(region), "r%zu", i % 3);
    spec.name = name;
    spec.region = region;
    spec.api_endpoint = "https://127.0.0.1:1";
    bus_subject_build(subject, sizeof(subject), "cluster.spec", name, NULL,
                      NULL);
    return fo_publish(x, x->c, subject, name, "policy/bench", "ClusterSpec",
                      &spec.base);
}

/* One probe round, as the prober reports it: c000 fails when told to. */
static int
send_probes(struct fo_run *x, struct bus_conn *c, int64_t now)
{
    Flotilla__V1__ResourceSummary rs = FLOTILLA__V1__RESOURCE_SUMMARY__INIT;
    Flotilla__V1__ResourceList alloc = FLOTILLA__V1__RESOURCE_LIST__INIT;
    Flotilla__V1__ResourceList__MilliEntry e[3] = {
        FLOTILLA__V1__RESOURCE_LIST__MILLI_ENTRY__INIT,
        FLOTILLA__V1__RESOURCE_LIST__MILLI_ENTRY__INIT,
        FLOTILLA__V1__RESOURCE_LIST__MILLI_ENTRY__INIT,
    };
    Flotilla__V1__ResourceList__MilliEntry *ents[3] = { &e[0], &e[1], &e[2] };
    Flotilla__V1__APIEnablement apps = FLOTILLA__V1__APIENABLEMENT__INIT;
    Flotilla__V1__APIEnablement *apis[1] = { &apps };
    char *kinds[1] = { "Deployment" };
    int rc = 0;

    /* Room for every replica of the fleet on any one cluster. */
    e[0].key = "cpu";
    e[0].value = (int64_t)100000 * 1000;
    e[1].key = "memory";
    e[1].value = (int64_t)400 * 1024 * 1024 * 1024 * 1024;
    e[2].key = "pods";
    e[2].value = (int64_t)1000000 * 1000;
    alloc.milli = ents;
    alloc.n_milli = 3;
    rs.allocatable = &alloc;
    apps.group_version = "apps/v1";
    apps.kinds = kinds;
    apps.n_kinds = 1;
    for (size_t i = 0; rc == 0 && i < FO_CLUSTERS; i++) {
        Flotilla__V1__ProbeResult pr = FLOTILLA__V1__PROBE_RESULT__INIT;
        char name[16], subject[BUS_SUBJECT_MAX];
        int outcome = 0;

        if (i == 0 && atomic_load(&x->failed)) {
            outcome = 2;
        } else if (i > 0 && !atomic_load(&x->others_ready)) {
            outcome = 1;
        }
        cluster_name(name, sizeof(name), i);
        prober_result_fill(&pr, name, outcome,
                           outcome == 0 ? 200 : outcome == 1 ? 500 : 0,
                           outcome == 0   ? "ok"
                           : outcome == 1 ? "/readyz answered 500"
                                          : "timed out",
                           now - x->set.probe_timeout_ns / 10,
                           x->set.probe_timeout_ns / 10);
        if (outcome == 0) {
            rs.observed_ns = now;
            pr.resource_summary = &rs;
            pr.api_enablements = apis;
            pr.n_api_enablements = 1;
            pr.api_enablements_complete = true;
            pr.kubernetes_version = "v1.31.0";
        }
        bus_subject_build(subject, sizeof(subject), "cluster.probe", name,
                          NULL, NULL);
        rc = fo_publish(x, c, subject, name, "prober/bench", "ProbeResult",
                        &pr.base);
    }
    return rc == 0 ? fo_flush(x, c) : rc;
}

/*
 * Binding @i. Big ones: 2 replicas, Divided/Aggregated, any cluster (placed
 * on c000 while it is the only Ready one). Small ones: Duplicated on one of
 * the other clusters.
 */
static int
send_binding(struct fo_run *x, size_t i, bool big)
{
    Flotilla__V1__BindingSpec b = FLOTILLA__V1__BINDING_SPEC__INIT;
    Flotilla__V1__ObjectReference ref = FLOTILLA__V1__OBJECT_REFERENCE__INIT;
    Flotilla__V1__ReplicaRequirements rr =
        FLOTILLA__V1__REPLICA_REQUIREMENTS__INIT;
    Flotilla__V1__ResourceList req = FLOTILLA__V1__RESOURCE_LIST__INIT;
    Flotilla__V1__ResourceList__MilliEntry cpu =
        FLOTILLA__V1__RESOURCE_LIST__MILLI_ENTRY__INIT;
    Flotilla__V1__ResourceList__MilliEntry *ents[1] = { &cpu };
    Flotilla__V1__Placement pl = FLOTILLA__V1__PLACEMENT__INIT;
    Flotilla__V1__ClusterAffinity aff = FLOTILLA__V1__CLUSTER_AFFINITY__INIT;
    Flotilla__V1__ReplicaSchedulingStrategy rs =
        FLOTILLA__V1__REPLICA_SCHEDULING_STRATEGY__INIT;
    char cname[16], *np[1] = { cname };
    char rname[64], bname[80], key[100], subject[BUS_SUBJECT_MAX];

    snprintf(rname, sizeof(rname), "%s%05zu", big ? "big" : "small", i);
    snprintf(bname, sizeof(bname), "%s-deployment", rname);
    snprintf(key, sizeof(key), FO_NS "/%s", bname);
    ref.api_version = "apps/v1";
    ref.kind = "Deployment";
    ref.namespace_ = FO_NS;
    ref.name = rname;
    ref.uid = bname;
    cpu.key = "cpu";
    cpu.value = 100;
    req.milli = ents;
    req.n_milli = 1;
    rr.resource_request = &req;
    if (big) {
        rs.replica_scheduling_type = "Divided";
        rs.replica_division_preference = "Aggregated";
        pl.replica_scheduling = &rs;
        b.replicas = 2;
    } else {
        cluster_name(cname, sizeof(cname), 1 + i % (FO_CLUSTERS - 1));
        aff.cluster_names = np;
        aff.n_cluster_names = 1;
        pl.cluster_affinity = &aff;
        b.replicas = 1;
    }
    b.namespace_ = FO_NS;
    b.name = bname;
    b.resource = &ref;
    b.replica_requirements = &rr;
    b.has_replica_requirements = true;
    b.placement = &pl;
    b.generation = 1;
    bus_subject_build(subject, sizeof(subject), "binding.spec", FO_NS, bname,
                      NULL);
    return fo_publish(x, x->c, subject, key, "policy/bench", "BindingSpec",
                      &b.base);
}

/* ---------------------------------------------------------------- readers */

static long
cluster_index(const char *name)
{
    if (name == NULL || name[0] != 'c') {
        return -1;
    }
    return strtol(name + 1, NULL, 10);
}

/* Big binding index from "binding.X.bench.big00042-deployment..." or -1. */
static long
big_index(const char *subject)
{
    const char *p = strstr(subject, "." FO_NS ".big");

    return p != NULL ? strtol(p + strlen("." FO_NS ".big"), NULL, 10) : -1;
}

static void
obs_status(struct fo_obs *o, const Flotilla__V1__Envelope *env, int64_t t)
{
    Flotilla__V1__ClusterStatus *st;
    long i;

    st = flotilla__v1__cluster_status__unpack(NULL, env->payload.len,
                                              env->payload.data);
    if (st == NULL) {
        return;
    }
    i = cluster_index(st->name);
    if (i >= 0 && i < FO_CLUSTERS) {
        snprintf(o->ready[i], sizeof(o->ready[i]), "%s", st->ready);
        if (i == 0 && o->failed && o->t_unknown == 0 &&
            strcmp(st->ready, "Unknown") == 0) {
            o->t_unknown = t;
        }
    }
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
}

static void
obs_taint(struct fo_obs *o, const Flotilla__V1__Envelope *env, int64_t t)
{
    Flotilla__V1__ClusterTaints *ts;

    ts = flotilla__v1__cluster_taints__unpack(NULL, env->payload.len,
                                              env->payload.data);
    if (ts == NULL) {
        return;
    }
    if (o->failed && o->t_taint == 0 && cluster_index(ts->cluster) == 0) {
        for (size_t k = 0; k < ts->n_taints; k++) {
            if (strcmp(ts->taints[k]->effect, "NoExecute") == 0) {
                o->t_taint = t;
            }
        }
    }
    flotilla__v1__cluster_taints__free_unpacked(ts, NULL);
}

static void
obs_evict(struct fo_obs *o, const char *subject,
          const Flotilla__V1__Envelope *env, int64_t t)
{
    Flotilla__V1__EvictionRequest *r;
    long i = big_index(subject);

    r = flotilla__v1__eviction_request__unpack(NULL, env->payload.len,
                                               env->payload.data);
    if (r == NULL) {
        return;
    }
    if (r->withdraw) {
        o->n_withdrawn++;
    } else if (o->failed && cluster_index(r->cluster) == 0 && i >= 0 &&
               (size_t)i < o->n_big && !o->asked[i]) {
        o->asked[i] = 1;
        o->n_asked++;
        if (o->t_unknown && (t - o->t_unknown) / 100000000 < 64) {
            o->t_ev[(t - o->t_unknown) / 100000000]++;
        }
        if (o->t_first_evict == 0) {
            o->t_first_evict = t;
        }
        o->t_last_evict = t;
    }
    flotilla__v1__eviction_request__free_unpacked(r, NULL);
}

static void
obs_schedule(struct fo_obs *o, const char *subject,
             const Flotilla__V1__Envelope *env, int64_t t)
{
    Flotilla__V1__ScheduleDecision *d;
    long i = big_index(subject);
    bool on_failed = false;
    int32_t placed = 0;

    d = flotilla__v1__schedule_decision__unpack(NULL, env->payload.len,
                                                env->payload.data);
    if (d == NULL) {
        return;
    }
    for (size_t k = 0; k < d->n_clusters; k++) {
        placed += d->clusters[k]->replicas;
        if (cluster_index(d->clusters[k]->name) == 0) {
            on_failed = true;
        }
    }
    if (d->n_blocked_evictions > 0) {
        o->n_blocked++;
    }
    o->n_sched_after += o->failed;
    if (i < 0 || (size_t)i >= o->n_big) {
        o->n_small_decided += strstr(subject, ".small") != NULL &&
                              d->n_clusters > 0;
    } else {
        if (!o->decided[i] && d->n_clusters > 0) {
            o->decided[i] = 1;
            o->n_decided++;
        }
        o->on_failed[i] = on_failed;
        if (o->failed && !on_failed && placed > 0 && !o->moved[i]) {
            o->moved[i] = 1;
            o->n_moved++;
            if (o->t_unknown && (t - o->t_unknown) / 100000000 < 64) {
                o->t_pl[(t - o->t_unknown) / 100000000]++;
            }
            o->t_last_place = t;
        }
    }
    flotilla__v1__schedule_decision__free_unpacked(d, NULL);
}

static void
obs_take(struct fo_obs *o, const char *subject,
         const Flotilla__V1__Envelope *env, int64_t t)
{
    if (env->deleted) {
        return;
    }
    if (strncmp(subject, "cluster.status.", 15) == 0) {
        obs_status(o, env, t);
    } else if (strncmp(subject, "cluster.taint.", 14) == 0) {
        obs_taint(o, env, t);
    } else if (strncmp(subject, "binding.evict.", 14) == 0) {
        obs_evict(o, subject, env, t);
    } else if (strncmp(subject, "binding.schedule.", 17) == 0) {
        obs_schedule(o, subject, env, t);
    }
}

static void
sim_tap(const char *subject, const Flotilla__V1__Envelope *env, uint64_t seq,
        int64_t now_ns, void *arg)
{
    (void)seq;
    obs_take(arg, subject, env, now_ns);
}

/* NATS: reads what the readers have; returns how many messages came. */
static int
nats_drain(struct fo_run *x, int timeout_ms)
{
    int total = 0;

    for (int r = 0; r < 3; r++) {
        struct bus_msg *msgs = NULL;
        int n = 0;

        if (bus_consumer_fetch(x->rk[r], 2000, timeout_ms, &msgs, &n) != 0) {
            continue;
        }
        for (int i = 0; i < n; i++) {
            Flotilla__V1__Envelope *env;

            env = flotilla__v1__envelope__unpack(NULL, msgs[i].len,
                                                 msgs[i].data);
            if (env != NULL) {
                obs_take(&x->obs, msgs[i].subject, env, msgs[i].timestamp_ns);
                flotilla__v1__envelope__free_unpacked(env, NULL);
            }
        }
        if (n > 0) {
            (void)bus_msg_ack(&msgs[n - 1]);
        }
        bus_msgs_free(msgs, n);
        total += n;
    }
    return total;
}

/* ---------------------------------------------------------------- driving */

typedef bool fo_cond_fn(const struct fo_run *x);

/*
 * Lets the system run until @cond holds (NULL: until @limit_ns passes
 * without input in NATS mode, or for @limit_ns of virtual time). Returns 0,
 * or -ETIMEDOUT when @limit_ns passed first.
 */
static int
fo_advance(struct fo_run *x, fo_cond_fn *cond, int64_t limit_ns)
{
    if (x->mode == FO_NATS) {
        int64_t start = util_time_mono_ns();
        int64_t quiet_since = start;

        for (;;) {
            int64_t now;

            if (cond != NULL && cond(x)) {
                return 0;
            }
            if (nats_drain(x, 5) > 0) {
                quiet_since = util_time_mono_ns();
            }
            now = util_time_mono_ns();
            if (cond == NULL && now - quiet_since >= limit_ns) {
                return 0;
            }
            if (cond != NULL && now - start >= limit_ns) {
                return -ETIMEDOUT;
            }
        }
    }
    for (int64_t end = x->vnow + limit_ns;;) {
        int rc;

        if (cond != NULL && cond(x)) {
            return 0;
        }
        if (x->vnow >= end) {
            return cond == NULL ? 0 : -ETIMEDOUT;
        }
        if (x->vnow >= x->next_probe) {
            rc = send_probes(x, NULL, x->vnow);
            x->next_probe += x->set.probe_period_ns;
            if (rc != 0) {
                return rc;
            }
        }
        x->vnow = x->next_probe < end ? x->next_probe : end;
        rc = actor_sim_run_until(x->sim, x->vnow);
        if (rc != 0) {
            return rc;
        }
    }
}

static void *
prober_main(void *arg)
{
    struct fo_run *x = arg;

    while (!atomic_load(&x->stop)) {
        int64_t next = util_time_mono_ns() + x->set.probe_period_ns;

        (void)send_probes(x, x->pc, util_time_now_ns());
        while (!atomic_load(&x->stop) && util_time_mono_ns() < next) {
            usleep(10000);
        }
    }
    return NULL;
}

static bool
cond_first_ready(const struct fo_run *x)
{
    if (strcmp(x->obs.ready[0], "True") != 0) {
        return false;
    }
    for (size_t i = 1; i < FO_CLUSTERS; i++) {
        if (strcmp(x->obs.ready[i], "False") != 0) {
            return false;
        }
    }
    return true;
}

static bool
cond_all_ready(const struct fo_run *x)
{
    for (size_t i = 0; i < FO_CLUSTERS; i++) {
        if (strcmp(x->obs.ready[i], "True") != 0) {
            return false;
        }
    }
    return true;
}

static bool
cond_big_placed(const struct fo_run *x)
{
    return x->obs.n_decided == x->obs.n_big;
}

static bool
cond_small_placed(const struct fo_run *x)
{
    return x->obs.n_small_decided >= (FO_CLUSTERS - 1) * FO_SMALL_PER_CLUSTER;
}

static bool
cond_failed_over(const struct fo_run *x)
{
    return x->obs.n_asked == x->obs.n_big && x->obs.n_moved == x->obs.n_big;
}

/* ---------------------------------------------------------------- set-up */

static int
nats_setup(struct fo_run *x)
{
    static const char *const names[5] = { "cluster-status", "cluster",
                                          "scheduler", "taint-manager",
                                          "graceful-eviction" };
    const struct actor_core *cores[5] = { &cstatus_core, &ctaint_core,
                                          &sched_actor_core, &tmgr_core,
                                          &geviction_core };
    const void *cfgs[5] = { &x->set, NULL, NULL, &x->tc, &x->gc };
    struct bus_consumer_def rd[3] = {
        { "FL_CLUSTERS", "bench-clusters", "cluster.>", 0, 0, 50000, true },
        { "FL_EVICTIONS", "bench-evict", "binding.evict.>", 0, 0, 50000,
          true },
        { "FL_BINDINGS", "bench-schedule", "binding.schedule.>", 0, 0, 50000,
          true },
    };
    struct bus_options o;
    char path[1024];
    char err[256];
    int rc;

    if (natsd_start(&x->d) != 0) {
        return -EIO;
    }
    bus_options_init(&o);
    o.url = x->d.url;
    o.name = "bench";
    rc = bus_conn_new(&o, &x->c);
    o.name = "bench-prober";
    if (rc == 0) {
        rc = bus_conn_new(&o, &x->pc);
    }
    snprintf(path, sizeof(path), "%s/deploy/nats/streams.json", FL_SOURCE_DIR);
    if (rc == 0) {
        rc = bus_streams_provision(x->c, path, 0, err, sizeof(err));
    }
    for (int r = 0; rc == 0 && r < 3; r++) {
        rc = bus_consumer_open(x->c, &rd[r], &x->rk[r]);
    }
    for (int a = 0; rc == 0 && a < (x->opt->geviction ? 5 : 4); a++) {
        struct actor_shell_options so = { 0 };

        o.name = names[a];
        rc = bus_conn_new(&o, &x->ac[a]);
        so.core = cores[a];
        so.core_config = cfgs[a];
        so.conn = x->ac[a];
        so.batch = x->opt->batch;
        so.fetch_wait_ms = x->opt->fetch_wait_ms;
        if (rc == 0) {
            rc = actor_shell_new(&so, &x->shell[a]);
        }
        if (rc == 0) {
            rc = actor_shell_start(x->shell[a]);
        }
    }
    return rc;
}

static void
nats_teardown(struct fo_run *x)
{
    atomic_store(&x->stop, 1);
    if (x->prober_on) {
        pthread_join(x->prober, NULL);
    }
    for (int a = 4; a >= 0; a--) {
        actor_shell_free(x->shell[a]);
        bus_conn_free(x->ac[a]);
    }
    for (int r = 0; r < 3; r++) {
        bus_consumer_close(x->rk[r]);
    }
    bus_conn_free(x->pc);
    bus_conn_free(x->c);
    natsd_cleanup(&x->d);
}

static int
sim_setup(struct fo_run *x)
{
    int rc = actor_sim_new(x->vnow, &x->sim);

    if (rc == 0) {
        actor_sim_set_tap(x->sim, sim_tap, &x->obs);
        rc = actor_sim_add(x->sim, &cstatus_core, &x->set);
    }
    if (rc == 0) {
        rc = actor_sim_add(x->sim, &ctaint_core, NULL);
    }
    if (rc == 0) {
        rc = actor_sim_add(x->sim, &sched_actor_core, NULL);
    }
    if (rc == 0) {
        rc = actor_sim_add(x->sim, &tmgr_core, &x->tc);
    }
    if (rc == 0 && x->opt->geviction) {
        rc = actor_sim_add(x->sim, &geviction_core, &x->gc);
    }
    return rc;
}

/* CPU seconds used so far by this process, or by process @pid. */
static double
cpu_seconds(pid_t pid)
{
    char path[64];
    unsigned long ut = 0, st = 0;
    FILE *f;

    if (pid == 0) {
        struct rusage ru;

        if (getrusage(RUSAGE_SELF, &ru) != 0) {
            return 0;
        }
        return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    }
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    /* Fields 14 and 15 (utime, stime); the name in () has no spaces here. */
    if (fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
                  "%lu %lu", &ut, &st) != 2) {
        ut = st = 0;
    }
    fclose(f);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double
load_average(void)
{
    double l = 0;
    FILE *f = fopen("/proc/loadavg", "r");

    if (f != NULL) {
        if (fscanf(f, "%lf", &l) != 1) {
            l = 0;
        }
        fclose(f);
    }
    return l;
}

static const char *
step_name(int rc)
{
    return rc == -ETIMEDOUT ? "timed out" : strerror(-rc);
}

/*
 * Builds the fleet, fails c000 and follows the failover. The figures are in
 * x->obs. @limit_ns bounds the failover (real or virtual time).
 */
static int
fo_run(struct fo_run *x, int64_t limit_ns)
{
    int64_t setup_limit = x->mode == FO_NATS ? 120 * NS_PER_S
                                             : 600 * NS_PER_S;
    const char *step = "start";
    int rc;

    step = "start the actors";
    rc = x->mode == FO_NATS ? nats_setup(x) : sim_setup(x);
    if (rc == 0 && x->mode == FO_NATS) {
        rc = pthread_create(&x->prober, NULL, prober_main, x) == 0 ? 0
                                                                   : -EAGAIN;
        x->prober_on = rc == 0;
    }
    /* c000 alone is Ready: the big bindings land there. */
    step = "register the clusters";
    rc = rc == 0 ? send_policy(x) : rc;
    for (size_t i = 0; rc == 0 && i < FO_CLUSTERS; i++) {
        rc = send_cluster_spec(x, i);
    }
    rc = rc == 0 ? fo_flush(x, x->c) : rc;
    rc = rc == 0 ? fo_advance(x, cond_first_ready, setup_limit) : rc;
    step = "place the bindings on c000";
    for (size_t i = 0; rc == 0 && i < x->obs.n_big; i++) {
        rc = send_binding(x, i, true);
        if (rc == 0 && i % 1000 == 999) {
            rc = fo_flush(x, x->c);
        }
    }
    rc = rc == 0 ? fo_flush(x, x->c) : rc;
    rc = rc == 0 ? fo_advance(x, cond_big_placed, setup_limit) : rc;
    /* The other nine become Ready and get a few bindings of their own. */
    step = "bring up the other clusters";
    atomic_store(&x->others_ready, 1);
    rc = rc == 0 ? fo_advance(x, cond_all_ready, setup_limit) : rc;
    for (size_t i = 0;
         rc == 0 && i < (FO_CLUSTERS - 1) * FO_SMALL_PER_CLUSTER; i++) {
        rc = send_binding(x, i, false);
    }
    rc = rc == 0 ? fo_flush(x, x->c) : rc;
    rc = rc == 0 ? fo_advance(x, cond_small_placed, setup_limit) : rc;
    step = "settle before the failure";
    rc = rc == 0 ? fo_advance(x, NULL, 2 * NS_PER_S) : rc;
    if (rc == 0) {
        size_t on = 0;

        for (size_t i = 0; i < x->obs.n_big; i++) {
            on += x->obs.on_failed[i];
        }
        if (on != x->obs.n_big) {
            fprintf(stderr, "failover: only %zu of %zu bindings are on c000 "
                            "before the failure\n", on, x->obs.n_big);
            rc = -EPROTO;
        }
    }
    step = "fail over";
    if (rc == 0) {
        x->obs.failed = true;
        if (getenv("FLOTILLA_BENCH_LOG") != NULL) {
            /* For a profile of the failover alone (perf -k monotonic). */
            fprintf(stderr, "failover: c000 fails at monotonic %.6f s\n",
                    (double)util_time_mono_ns() / 1e9);
        }
        atomic_store(&x->failed, 1);
        {
            int64_t t0 = util_time_mono_ns();
            double c0 = cpu_seconds(0);
            double s0 = x->mode == FO_NATS ? cpu_seconds(x->d.pid) : 0;

            rc = fo_advance(x, cond_failed_over, limit_ns);
            x->cpu_self = cpu_seconds(0) - c0;
            x->cpu_server = x->mode == FO_NATS ? cpu_seconds(x->d.pid) - s0
                                               : 0;
            x->load1 = load_average();
            if (getenv("FLOTILLA_BENCH_LOG") != NULL) {
                fprintf(stderr, "failover: the failover phase took %.3f s "
                                "of wall time\n",
                        (double)(util_time_mono_ns() - t0) / 1e9);
            }
        }
    }
    if (rc != 0) {
        fprintf(stderr, "failover (%s): %s: %s; ready c000=%s, decided %zu, "
                        "asked %zu, moved %zu of %zu, blocked decisions %zu\n",
                x->mode == FO_NATS ? "NATS" : "virtual time", step,
                step_name(rc), x->obs.ready[0], x->obs.n_decided,
                x->obs.n_asked, x->obs.n_moved, x->obs.n_big,
                x->obs.n_blocked);
    }
    if (x->mode == FO_NATS) {
        nats_teardown(x);
    } else {
        actor_sim_free(x->sim);
    }
    return rc;
}

static int
fo_init(struct fo_run *x, enum fo_mode mode, const struct fo_opts *opt,
        bool unlimited)
{
    size_t n_big = opt->n_big;
    char err[CFG_ERR_MAX];
    int rc = 0;

    memset(x, 0, sizeof(*x));
    x->mode = mode;
    x->opt = opt;
    cfg_settings_init(&x->set);
    /* Short health thresholds: the figure is about the pipeline. */
    rc = cfg_settings_apply(&x->set, "probePeriod", "1s", err, sizeof(err));
    rc = rc == 0 ? cfg_settings_apply(&x->set, "probeTimeout", "500ms", err,
                                      sizeof(err))
                 : rc;
    rc = rc == 0 ? cfg_settings_apply(&x->set, "failureThreshold", "1s", err,
                                      sizeof(err))
                 : rc;
    rc = rc == 0 ? cfg_settings_apply(&x->set, "successThreshold", "1s", err,
                                      sizeof(err))
                 : rc;
    if (rc == 0 && unlimited) {
        rc = cfg_settings_apply(&x->set, "evictionRate", "unlimited", err,
                                sizeof(err));
    }
    rc = rc == 0 ? cfg_settings_validate(&x->set, err, sizeof(err)) : rc;
    if (rc != 0) {
        fprintf(stderr, "failover: %s\n", err);
        return rc;
    }
    tmgr_config_init(&x->tc);
    x->tc.settings = x->set;
    geviction_config_init(&x->gc);
    x->gc.grace_period_ns = x->set.grace_period_ns;
    x->gc.dead_after_ns = x->set.dead_after_ns;
    x->vnow = (int64_t)1767225600 * NS_PER_S; /* 2026-01-01 */
    x->next_probe = x->vnow;
    x->obs.n_big = n_big;
    x->obs.on_failed = calloc(n_big, 1);
    x->obs.decided = calloc(n_big, 1);
    x->obs.moved = calloc(n_big, 1);
    x->obs.asked = calloc(n_big, 1);
    if (x->obs.on_failed == NULL || x->obs.decided == NULL ||
        x->obs.moved == NULL || x->obs.asked == NULL) {
        return -ENOMEM;
    }
    return 0;
}

static void
fo_fini(struct fo_run *x)
{
    free(x->obs.on_failed);
    free(x->obs.decided);
    free(x->obs.moved);
    free(x->obs.asked);
}

static double
ms_since(int64_t t0, int64_t t)
{
    return t == 0 ? NAN : (double)(t - t0) / 1e6;
}

static void
fmt_duration(char *buf, size_t len, int64_t ns)
{
    int64_t s = (ns + NS_PER_S / 2) / NS_PER_S;

    if (s >= 3600) {
        snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m%02" PRId64 "s",
                 s / 3600, s / 60 % 60, s % 60);
    } else if (s >= 60) {
        snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
    } else {
        snprintf(buf, len, "%.2fs", (double)ns / 1e9);
    }
}

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: flotilla-bench failover [--bindings N] [--skip-nats] "
            "[--skip-virtual]\n"
            "         [--batch N] [--fetch-wait-ms MS] "
            "[--without-graceful-eviction] [--timeline]\n\n"
            "Ten clusters; c000 holds N bindings (default 10000, 2 replicas "
            "each), the others %d each.\nc000 stops answering its probes; "
            "printed: the time from its Ready change (Unknown) to the\n"
            "last eviction request and to the last new placement, through "
            "NATS with pacing off,\nand in virtual time with the default "
            "pacing.\n\n"
            "--batch, --fetch-wait-ms  the NATS shells' inputs per fetch and "
            "fetch wait\n"
            "                          (default: the shell's, as flotilla run "
            "uses them: 256, 200 ms)\n"
            "--timeline                eviction requests and new placements "
            "per 100 ms\n"
            "FLOTILLA_BENCH_LOG=LEVEL  the actors' log lines on stderr "
            "(info: every decision)\n",
            FO_SMALL_PER_CLUSTER);
}

int
bench_failover(int argc, char **argv)
{
    struct fo_opts opt = { 10000, 0, 0, true, false };
    size_t n_big;
    bool nats = true, virt = true;
    struct fo_run *x;
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--bindings") == 0 && i + 1 < argc) {
            char *end = NULL;

            opt.n_big = strtoul(argv[++i], &end, 10);
            if (end == NULL || *end != '\0' || opt.n_big == 0 ||
                opt.n_big > 99999) {
                fprintf(stderr, "failover: --bindings: \"%s\" is not a "
                                "number from 1 to 99999\n", argv[i]);
                return 2;
            }
        } else if ((strcmp(argv[i], "--batch") == 0 ||
                    strcmp(argv[i], "--fetch-wait-ms") == 0) &&
                   i + 1 < argc) {
            char *end = NULL;
            long v = strtol(argv[i + 1], &end, 10);

            if (end == NULL || *end != '\0' || v < 1 || v > 100000) {
                fprintf(stderr, "failover: %s: \"%s\" is not a number "
                                "from 1 to 100000\n", argv[i], argv[i + 1]);
                return 2;
            }
            if (strcmp(argv[i], "--batch") == 0) {
                opt.batch = (int)v;
            } else {
                opt.fetch_wait_ms = (int)v;
            }
            i++;
        } else if (strcmp(argv[i], "--without-graceful-eviction") == 0) {
            opt.geviction = false;
        } else if (strcmp(argv[i], "--timeline") == 0) {
            opt.timeline = true;
        } else if (strcmp(argv[i], "--skip-nats") == 0) {
            nats = false;
        } else if (strcmp(argv[i], "--skip-virtual") == 0) {
            virt = false;
        } else {
            usage(stderr);
            return 2;
        }
    }
    /* The actors' decision lines, for finding out why a run stalls. */
    if (getenv("FLOTILLA_BENCH_LOG") != NULL) {
        (void)util_log_set_level(getenv("FLOTILLA_BENCH_LOG"));
    }
    n_big = opt.n_big;
    x = calloc(1, sizeof(*x));
    if (x == NULL) {
        return 1;
    }
    printf("failover: %d clusters; c000 holds %zu bindings (2 replicas each, "
           "Divided/Aggregated), the other %d hold %d each; c000 stops "
           "answering probes\n", FO_CLUSTERS, n_big, FO_CLUSTERS - 1,
           FO_SMALL_PER_CLUSTER);
    printf("health thresholds shortened so the figure is about the pipeline: "
           "probePeriod 1s, probeTimeout 500ms, failureThreshold 1s, "
           "successThreshold 1s (defaults 10s, 5s, 30s, 30s); times count "
           "from c000's Ready change to Unknown\n");
    printf("ClusterTaintPolicy: Ready NotIn [True] -> "
           "cluster.karmada.io/not-ready:NoExecute\n");
    if (nats) {
        rc = fo_init(x, FO_NATS, &opt, true);
        rc = rc == 0 ? fo_run(x, 120 * NS_PER_S) : rc;
        if (rc == 0) {
            const struct fo_obs *o = &x->obs;
            int64_t t0 = o->t_unknown;
            double last = ms_since(t0, o->t_last_place);

            printf("\nthrough NATS (nats-server on loopback; cluster-status, "
                   "cluster, taint-manager, scheduler%s in their NATS shells, "
                   "batch %d, fetch wait %d ms), pacing off (evictionRate "
                   "unlimited):\n",
                   opt.geviction ? ", graceful-eviction" : "",
                   opt.batch > 0 ? opt.batch : 256,
                   opt.fetch_wait_ms > 0 ? opt.fetch_wait_ms : 200);
            printf("  NoExecute taint on c000 published   %8.1f ms\n",
                   ms_since(t0, o->t_taint));
            printf("  first eviction request             %8.1f ms  "
                   "(includes the taint manager's settle time, %" PRId64
                   " ms)\n", ms_since(t0, o->t_first_evict),
                   x->tc.settle_ns / NS_PER_MS);
            printf("  last eviction request (%zu)      %8.1f ms\n",
                   o->n_asked, ms_since(t0, o->t_last_evict));
            printf("  last new placement (%zu)         %8.1f ms  "
                   "(target < 2000 ms: %s)\n", o->n_moved, last,
                   last < 2000 ? "met" : "MISSED");
            printf("  of which the settle time            %8.1f ms; "
                   "pipeline without it %.1f ms\n",
                   (double)x->tc.settle_ns / 1e6,
                   last - (double)x->tc.settle_ns / 1e6);
            if (opt.timeline) {
                printf("  timeline from the Ready change (per 100 ms):\n");
                for (int k = 0; k < 64 && o->t_unknown +
                     (int64_t)k * 100000000 <= o->t_last_place; k++) {
                    printf("    %5d ms: eviction requests %5" PRId64
                           ", new placements %5" PRId64 "\n", k * 100,
                            o->t_ev[k], o->t_pl[k]);
                }
            }
            printf("  CPU used from the failure to the last placement: "
                   "actors and bench %.2f s, nats-server %.2f s; "
                   "load average %.1f on %ld CPUs (other work on the machine "
                   "lengthens the figure)\n", x->cpu_self, x->cpu_server,
                   x->load1, sysconf(_SC_NPROCESSORS_ONLN));
            printf("  withdrawals %zu, decisions with blocked evictions "
                   "%zu, binding.schedule messages after the failure %zu\n",
                   o->n_withdrawn, o->n_blocked, o->n_sched_after);
        }
        fo_fini(x);
    }
    if (rc == 0 && virt) {
        rc = fo_init(x, FO_SIM, &opt, false);
        rc = rc == 0 ? fo_run(x, 6 * 3600 * NS_PER_S) : rc;
        if (rc == 0) {
            const struct fo_obs *o = &x->obs;
            char a[32], b[32], c[32];

            fmt_duration(a, sizeof(a), o->t_first_evict - o->t_unknown);
            fmt_duration(b, sizeof(b), o->t_last_evict - o->t_unknown);
            fmt_duration(c, sizeof(c), o->t_last_place - o->t_unknown);
            printf("\nvirtual time (actor_sim: the same cores and inputs), "
                   "default pacing (evictionRate %.0f/s, evictionBurst "
                   "%" PRIu32 "):\n", x->set.eviction_rate_per_s,
                   x->set.eviction_burst);
            printf("  first eviction request    %s\n", a);
            printf("  last eviction request     %s (%zu)\n", b, o->n_asked);
            printf("  last new placement        %s (%zu)\n", c, o->n_moved);
            printf("  for scale: Karmada's default pacing needs about two "
                   "hours for the same outage\n");
        }
        fo_fini(x);
    }
    free(x);
    return rc == 0 ? 0 : 1;
}
