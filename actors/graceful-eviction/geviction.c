/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The graceful-eviction core; see geviction/geviction.h.
 *
 * A machine is "live" while its task is in the binding's last decision.
 * After its release it stays (not live) only while the old cluster is
 * Unknown, to fence that cluster once deadAfter has passed.
 */
#define LOG_MODULE "graceful-eviction"
#include "geviction/geviction.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/subject.h"
#include "util/log.h"
#include "util/strmap.h"

#define NS_PER_SEC INT64_C(1000000000)

struct cl {
    char ready[16];       /* "True", "False", "Unknown" */
    int64_t since_ns;     /* when ready last changed */
};

struct work {
    int32_t replicas;
    int32_t ready;
    bool applied;
    bool present;         /* the object exists in the member */
};

struct bnd {
    char *ns;
    char *name;
    bool duplicated;
    bool warned;          /* deprecated purge-mode name logged */
    Flotilla__V1__ScheduleDecision *sched;   /* owned */
};

enum outcome {
    O_NONE,
    O_RELEASED,
    O_DEADLINE,
    O_FENCED,
    O_SUPPRESSED,
};

static const char *const outcome_names[] = { "waiting", "Released",
                                             "Deadline", "Fenced",
                                             "Suppressed" };

struct machine {
    char *ns;
    char *name;
    char *cluster;
    bool live;
    char purge[16];
    bool has_grace;
    int32_t grace_s;
    bool suppress;
    int64_t creation_ns;     /* of the task */
    enum outcome outcome;
    int64_t outcome_creation_ns;   /* the task the outcome was for */
    bool fenced;
    bool ready_recorded;
    int64_t timer_due;
};

struct geviction_state {
    struct geviction_config cfg;
    struct strmap clusters;   /* name -> struct cl */
    struct strmap works;      /* "cluster/ns/name" -> struct work */
    struct strmap bindings;   /* "ns/name" -> struct bnd */
    struct strmap machines;   /* "ns/name/cluster" -> struct machine */
    struct strmap timer_keys; /* timer name -> machine key (char *) */
};

static const struct actor_input ge_inputs[] = {
    { "FL_BINDINGS", "binding.schedule.*.*", true },
    { "FL_BINDINGS", "binding.spec.*.*", true },
    { "FL_WORK", "work.status.*.*.*", true },
    { "FL_CLUSTERS", "cluster.status.*", true },
    { NULL, NULL, false },
};

static const struct actor_input ge_own[] = {
    { "FL_EVICTIONS", "binding.release.*.*.*", true },
    { NULL, NULL, false },
};

void
geviction_config_init(struct geviction_config *c)
{
    struct cfg_settings s;

    cfg_settings_init(&s);
    c->grace_period_ns = s.grace_period_ns;
    c->dead_after_ns = s.dead_after_ns;
}

const void *
geviction_config_build(const struct cfg *c)
{
    static struct geviction_config gc;

    geviction_config_init(&gc);
    if (c != NULL) {
        gc.grace_period_ns = c->settings.grace_period_ns;
        gc.dead_after_ns = c->settings.dead_after_ns;
    }
    return &gc;
}

/* ------------------------------------------------------------ state */

static void *
ge_create(const void *config)
{
    struct geviction_state *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        return NULL;
    }
    if (config != NULL) {
        s->cfg = *(const struct geviction_config *)config;
    } else {
        geviction_config_init(&s->cfg);
    }
    return s;
}

static void
bnd_free(struct bnd *b)
{
    if (b == NULL) {
        return;
    }
    free(b->ns);
    free(b->name);
    if (b->sched != NULL) {
        flotilla__v1__schedule_decision__free_unpacked(b->sched, NULL);
    }
    free(b);
}

static void
machine_free(struct machine *m)
{
    if (m == NULL) {
        return;
    }
    free(m->ns);
    free(m->name);
    free(m->cluster);
    free(m);
}

static void
free_all(struct strmap *map, void (*fn)(void *))
{
    struct strmap_entry *e;
    size_t i = 0;

    while ((e = util_strmap_next(map, &i)) != NULL) {
        fn(e->ptr);
    }
    util_strmap_release(map);
}

static void
bnd_free_v(void *p)
{
    bnd_free(p);
}

static void
machine_free_v(void *p)
{
    machine_free(p);
}

static void
ge_destroy(void *p)
{
    struct geviction_state *s = p;

    if (s == NULL) {
        return;
    }
    free_all(&s->clusters, free);
    free_all(&s->works, free);
    free_all(&s->bindings, bnd_free_v);
    free_all(&s->machines, machine_free_v);
    free_all(&s->timer_keys, free);
    free(s);
}

static void
mkey(char *buf, size_t len, const char *ns, const char *name,
     const char *cluster)
{
    snprintf(buf, len, "%s/%s/%s", ns, name, cluster);
}

static struct cl *
cl_get(const struct geviction_state *s, const char *name)
{
    struct strmap_entry *e = util_strmap_get(&s->clusters, name);

    return e != NULL ? e->ptr : NULL;
}

static struct bnd *
bnd_get(struct geviction_state *s, const char *ns, const char *name,
        bool create)
{
    char key[600];
    struct strmap_entry *e;
    struct bnd *b;

    snprintf(key, sizeof(key), "%s/%s", ns, name);
    if (!create) {
        e = util_strmap_get(&s->bindings, key);
        return e != NULL ? e->ptr : NULL;
    }
    e = util_strmap_put(&s->bindings, key);
    if (e == NULL) {
        return NULL;
    }
    if (e->ptr == NULL) {
        b = calloc(1, sizeof(*b));
        if (b == NULL || (b->ns = strdup(ns)) == NULL ||
            (b->name = strdup(name)) == NULL) {
            bnd_free(b);
            util_strmap_del(&s->bindings, key);
            return NULL;
        }
        e->ptr = b;
    }
    return e->ptr;
}

static struct machine *
machine_get(struct geviction_state *s, const char *ns, const char *name,
            const char *cluster, bool create)
{
    char key[900];
    struct strmap_entry *e;
    struct machine *m;

    mkey(key, sizeof(key), ns, name, cluster);
    if (!create) {
        e = util_strmap_get(&s->machines, key);
        return e != NULL ? e->ptr : NULL;
    }
    e = util_strmap_put(&s->machines, key);
    if (e == NULL) {
        return NULL;
    }
    if (e->ptr == NULL) {
        m = calloc(1, sizeof(*m));
        if (m == NULL || (m->ns = strdup(ns)) == NULL ||
            (m->name = strdup(name)) == NULL ||
            (m->cluster = strdup(cluster)) == NULL) {
            machine_free(m);
            util_strmap_del(&s->machines, key);
            return NULL;
        }
        snprintf(m->purge, sizeof(m->purge), "Gracefully");
        e->ptr = m;
    }
    return e->ptr;
}

static void
machine_drop(struct geviction_state *s, struct machine *m)
{
    char key[900];

    mkey(key, sizeof(key), m->ns, m->name, m->cluster);
    util_strmap_del(&s->machines, key);
    machine_free(m);
}

/* ------------------------------------------------------------ readiness */

struct readiness {
    int64_t ready;
    int64_t placed;
    bool all;        /* every cluster of the placement has what it needs */
    size_t clusters;
};

static void
count_ready(const struct geviction_state *s, const struct bnd *b,
            struct readiness *r)
{
    memset(r, 0, sizeof(*r));
    r->all = true;
    if (b == NULL || b->sched == NULL) {
        r->all = false;
        return;
    }
    for (size_t i = 0; i < b->sched->n_clusters; i++) {
        const Flotilla__V1__TargetCluster *tc = b->sched->clusters[i];
        const struct cl *c = cl_get(s, tc->name);
        char key[900];
        struct strmap_entry *e;
        const struct work *w;
        bool fresh;
        int64_t rr;

        mkey(key, sizeof(key), tc->name, b->ns, b->name);
        e = util_strmap_get(&s->works, key);
        w = e != NULL ? e->ptr : NULL;
        /* A report from a cluster that is not Ready is stale: it counts 0.
         * A member counts at most the replicas placed there: one that
         * reports more (a copy not yet scaled down, or a member that lies)
         * must not make up for another that has none ready yet. */
        fresh = w != NULL && c != NULL && strcmp(c->ready, "True") == 0;
        rr = fresh ? w->ready : 0;
        rr = rr < 0 ? 0 : rr;
        if (tc->replicas > 0 && rr > tc->replicas) {
            rr = tc->replicas;
        }
        r->ready += rr;
        r->placed += tc->replicas;
        r->clusters++;
        if (!fresh || !w->applied || (b->duplicated && rr < tc->replicas)) {
            r->all = false;
        }
    }
}

static bool
replacement_ready(const struct geviction_state *s, const struct bnd *b,
                  struct readiness *r)
{
    count_ready(s, b, r);
    if (r->clusters == 0) {
        return false;   /* nowhere else: never "vacuously" ready */
    }
    if (r->placed == 0 || b->duplicated) {
        /* No replicas: applied where it now belongs; Duplicated: every
         * remaining cluster ready. */
        return r->all;
    }
    return r->ready >= r->placed;
}

/* ------------------------------------------------------------ effects */

static void
bkey(char *buf, size_t len, const struct machine *m)
{
    if (m->ns[0] != '\0') {
        snprintf(buf, len, "%s/%s", m->ns, m->name);
    } else {
        snprintf(buf, len, "%s", m->name);
    }
}

static int
record(struct actor_fx *fx, const struct machine *m, const char *step,
       const char *reason, const char *message, int64_t now)
{
    Flotilla__V1__FailoverEvent ev = FLOTILLA__V1__FAILOVER_EVENT__INIT;
    char subject[BUS_SUBJECT_MAX];
    char key[600];

    ev.namespace_ = m->ns;
    ev.name = m->name;
    ev.cluster = m->cluster;
    ev.step = (char *)step;
    ev.reason = (char *)reason;
    ev.message = (char *)message;
    ev.at_ns = now;
    ev.episode_ns = m->creation_ns;
    if (bus_subject_build(subject, sizeof(subject), "failover.record", m->ns,
                          m->name, m->cluster) < 0) {
        return -ENAMETOOLONG;
    }
    bkey(key, sizeof(key), m);
    return actor_fx_publish(fx, subject, key, "FailoverEvent", &ev.base, 0);
}

static int
release(struct actor_fx *fx, struct machine *m, enum outcome o,
        const char *message, int64_t now)
{
    Flotilla__V1__EvictionRelease r = FLOTILLA__V1__EVICTION_RELEASE__INIT;
    char subject[BUS_SUBJECT_MAX];
    char key[600];
    char dkey[900];
    int rc;

    r.namespace_ = m->ns;
    r.name = m->name;
    r.cluster = m->cluster;
    r.outcome = (char *)outcome_names[o];
    r.message = (char *)message;
    r.task_creation_ns = m->creation_ns;
    if (o == O_FENCED) {
        m->fenced = true;
    } else {
        m->outcome = o;
    }
    m->outcome_creation_ns = m->creation_ns;
    if (m->outcome == O_NONE) {
        m->outcome = o;
    }
    if (bus_subject_build(subject, sizeof(subject), "binding.release", m->ns,
                          m->name, m->cluster) < 0) {
        return -ENAMETOOLONG;
    }
    bkey(key, sizeof(key), m);
    rc = actor_fx_publish(fx, subject, key, "EvictionRelease", &r.base, 0);
    if (rc == 0) {
        mkey(dkey, sizeof(dkey), m->ns, m->name, m->cluster);
        actor_fx_decision(fx, dkey, outcome_names[o], message);
        rc = record(fx, m,
                    o == O_FENCED       ? "Fenced"
                    : o == O_SUPPRESSED ? "Suppressed"
                                        : "Released",
                    o == O_SUPPRESSED ? "Never" : outcome_names[o], message,
                    now);
    }
    return rc;
}


static int
arm(struct geviction_state *s, struct actor_fx *fx, struct machine *m,
    int64_t due)
{
    char name[64];
    char key[900];
    int rc;

    if (m->timer_due == due) {
        return 0;
    }
    m->timer_due = due;
    mkey(key, sizeof(key), m->ns, m->name, m->cluster);
    rc = actor_timer_name(&s->timer_keys, "m/", key, name, sizeof(name));
    return rc == 0 ? actor_fx_timer(fx, name, due) : rc;
}

/* ------------------------------------------------------------ decisions */

/*
 * True when the old cluster holds no copy of the binding any more: its
 * member reported the object absent, or never reported it.
 */
static bool
old_copy_gone(const struct geviction_state *s, const struct machine *m)
{
    char key[900];
    struct strmap_entry *e;
    const struct work *w;

    mkey(key, sizeof(key), m->cluster, m->ns, m->name);
    e = util_strmap_get(&s->works, key);
    w = e != NULL ? e->ptr : NULL;
    return w == NULL || !w->present;
}

/* When the old cluster will have been Unknown for deadAfter, or 0. */
static int64_t
fence_due(const struct geviction_state *s, const struct machine *m)
{
    const struct cl *c = cl_get(s, m->cluster);

    if (c == NULL || strcmp(c->ready, "Unknown") != 0) {
        return 0;
    }
    return c->since_ns + s->cfg.dead_after_ns;
}

static int
fence_watch(struct geviction_state *s, struct actor_fx *fx,
            struct machine *m, int64_t now)
{
    int64_t due = fence_due(s, m);
    char msg[160];

    if (m->fenced || due == 0) {
        return arm(s, fx, m, 0);
    }
    if (now >= due) {
        snprintf(msg, sizeof(msg), "%s Unknown for deadAfter (%" PRId64 "s)",
                 m->cluster, s->cfg.dead_after_ns / NS_PER_SEC);
        (void)arm(s, fx, m, 0);
        return release(fx, m, O_FENCED, msg, now);
    }
    return arm(s, fx, m, due);
}

static int
decide_waiting(struct geviction_state *s, struct actor_fx *fx,
               struct machine *m, const struct bnd *b, int64_t now)
{
    struct readiness r;
    int64_t grace = m->has_grace ? (int64_t)m->grace_s * NS_PER_SEC
                                 : s->cfg.grace_period_ns;
    int64_t deadline = m->creation_ns + grace;
    int64_t fdue = fence_due(s, m);
    char msg[200];
    int rc;

    if (strcmp(m->purge, "Directly") == 0) {
        /*
         * The task holds the new copy back (the executor creates it only
         * when no Directly task has a copy left): release once the old copy
         * is gone, or fence its dead cluster. No deadline: releasing a
         * copy that still runs would run two.
         */
        if (old_copy_gone(s, m)) {
            return release(fx, m, O_RELEASED,
                           "purge mode Directly: the old copy is gone", now);
        }
        if (fdue != 0 && now >= fdue) {
            return fence_watch(s, fx, m, now);
        }
        return arm(s, fx, m, fdue);
    }
    if (replacement_ready(s, b, &r)) {
        snprintf(msg, sizeof(msg), "new placement ready %" PRId64 "/%" PRId64,
                 r.ready, r.placed);
        if (!m->ready_recorded) {
            m->ready_recorded = true;
            rc = record(fx, m, "ReplacementReady", "Ready", msg, now);
            if (rc != 0) {
                return rc;
            }
        }
        return release(fx, m, O_RELEASED, msg, now);
    }
    if (fdue != 0 && now >= fdue) {
        return fence_watch(s, fx, m, now);
    }
    if (now >= deadline) {
        snprintf(msg, sizeof(msg),
                 "deadline after %" PRId64 "s; new placement ready %" PRId64
                 "/%" PRId64,
                 grace / NS_PER_SEC, r.ready, r.placed);
        return release(fx, m, O_DEADLINE, msg, now);
    }
    return arm(s, fx, m, fdue != 0 && fdue < deadline ? fdue : deadline);
}

static int
decide(struct geviction_state *s, struct actor_fx *fx, struct machine *m,
       int64_t now)
{
    struct bnd *b = bnd_get(s, m->ns, m->name, false);
    const struct cl *c = cl_get(s, m->cluster);

    if (m->live && m->outcome != O_NONE &&
        m->outcome_creation_ns != m->creation_ns) {
        /* A new task for the same cluster: a new machine. */
        m->outcome = O_NONE;
        m->fenced = false;
        m->ready_recorded = false;
    }
    if (!m->live) {
        /* Released: fence the old cluster only while a copy may be left. */
        if (m->outcome == O_NONE || m->outcome == O_SUPPRESSED || m->fenced ||
            c == NULL || strcmp(c->ready, "Unknown") != 0 ||
            old_copy_gone(s, m)) {
            (void)arm(s, fx, m, 0);
            machine_drop(s, m);
            return 0;
        }
        return fence_watch(s, fx, m, now);
    }
    if (m->suppress || strcmp(m->purge, "Never") == 0) {
        if (m->outcome == O_NONE) {
            /* A Suppressed release keeps the copy (the scheduler and the
             * executor read it so) and, being our own output, tells a
             * restarted actor the record was made. */
            return release(fx, m, O_SUPPRESSED,
                           "deletion suppressed: the old copy is kept", now);
        }
        return 0;
    }
    if (m->outcome == O_NONE) {
        return decide_waiting(s, fx, m, b, now);
    }
    return fence_watch(s, fx, m, now);
}

/* ------------------------------------------------------------ inputs */

static const char *
purge_name(struct bnd *b, const char *mode)
{
    const char *n = mode;

    if (mode == NULL || mode[0] == '\0') {
        return "Gracefully";
    }
    if (strcmp(mode, "Immediately") == 0) {
        n = "Directly";
    } else if (strcmp(mode, "Graciously") == 0) {
        n = "Gracefully";
    }
    if (n != mode && !b->warned) {
        b->warned = true;
        log_warn("deprecated purge mode name, taken as its new name",
                 "binding=%s/%s mode=%s use=%s", b->ns, b->name, mode, n);
    }
    return n;
}

static int
sync_tasks(struct geviction_state *s, struct bnd *b,
           const Flotilla__V1__ScheduleDecision *old)
{
    const Flotilla__V1__ScheduleDecision *d = b->sched;

    if (old != NULL) {
        for (size_t i = 0; i < old->n_eviction_tasks; i++) {
            struct machine *m = machine_get(
                s, b->ns, b->name, old->eviction_tasks[i]->from_cluster,
                false);

            if (m != NULL) {
                m->live = false;
            }
        }
    }
    for (size_t i = 0; d != NULL && i < d->n_eviction_tasks; i++) {
        const Flotilla__V1__GracefulEvictionTask *t = d->eviction_tasks[i];
        struct machine *m = machine_get(s, b->ns, b->name, t->from_cluster,
                                        true);

        if (m == NULL) {
            return -ENOMEM;
        }
        m->live = true;
        snprintf(m->purge, sizeof(m->purge), "%s",
                 purge_name(b, t->purge_mode));
        m->has_grace = t->has_grace_period;
        m->grace_s = t->grace_period_seconds;
        m->suppress = t->suppress_deletion;
        m->creation_ns = t->creation_ns;
    }
    return 0;
}

/* Empties the placement and tasks of @d without leaking them (a deleted
 * binding); protobuf-c frees what is left. */
static void
decision_clear(Flotilla__V1__ScheduleDecision *d)
{
    for (size_t i = 0; i < d->n_clusters; i++) {
        flotilla__v1__target_cluster__free_unpacked(d->clusters[i], NULL);
    }
    free(d->clusters);
    d->clusters = NULL;
    d->n_clusters = 0;
    for (size_t i = 0; i < d->n_eviction_tasks; i++) {
        flotilla__v1__graceful_eviction_task__free_unpacked(
            d->eviction_tasks[i], NULL);
    }
    free(d->eviction_tasks);
    d->eviction_tasks = NULL;
    d->n_eviction_tasks = 0;
}

static int
take_schedule(struct geviction_state *s, const struct actor_msg *msg,
              struct bnd **out, Flotilla__V1__ScheduleDecision **old)
{
    Flotilla__V1__ScheduleDecision *d;
    struct bnd *b;

    *old = NULL;
    d = actor_msg_unpack(msg, &flotilla__v1__schedule_decision__descriptor);
    if (d == NULL || d->name == NULL || d->name[0] == '\0') {
        if (d != NULL) {
            flotilla__v1__schedule_decision__free_unpacked(d, NULL);
        }
        return -EBADMSG;
    }
    b = bnd_get(s, d->namespace_, d->name, true);
    if (b == NULL) {
        flotilla__v1__schedule_decision__free_unpacked(d, NULL);
        return -ENOMEM;
    }
    if (msg->env->deleted || d->deleted) {
        decision_clear(d);
    }
    /* A task without a creation time starts when it is first seen. */
    for (size_t i = 0; i < d->n_eviction_tasks; i++) {
        if (d->eviction_tasks[i]->creation_ns == 0) {
            d->eviction_tasks[i]->creation_ns = msg->env->event_time_ns;
        }
    }
    *old = b->sched;
    b->sched = d;
    *out = b;
    return sync_tasks(s, b, *old);
}

static int
take_spec(struct geviction_state *s, const struct actor_msg *msg,
          struct bnd **out)
{
    Flotilla__V1__BindingSpec *sp;
    const char *type;
    struct bnd *b;

    sp = actor_msg_unpack(msg, &flotilla__v1__binding_spec__descriptor);
    if (sp == NULL || sp->name == NULL || sp->name[0] == '\0') {
        if (sp != NULL) {
            flotilla__v1__binding_spec__free_unpacked(sp, NULL);
        }
        return -EBADMSG;
    }
    b = bnd_get(s, sp->namespace_, sp->name, true);
    if (b != NULL) {
        type = sp->placement != NULL &&
                       sp->placement->replica_scheduling != NULL
                   ? sp->placement->replica_scheduling->replica_scheduling_type
                   : "";
        b->duplicated = type[0] == '\0' || strcmp(type, "Duplicated") == 0;
    }
    flotilla__v1__binding_spec__free_unpacked(sp, NULL);
    *out = b;
    return b != NULL ? 0 : -ENOMEM;
}

static int
take_work(struct geviction_state *s, const struct actor_msg *msg,
          struct bnd **out)
{
    Flotilla__V1__WorkStatus *ws;
    struct strmap_entry *e;
    struct work *w;
    char key[900];

    ws = actor_msg_unpack(msg, &flotilla__v1__work_status__descriptor);
    if (ws == NULL || ws->cluster == NULL || ws->cluster[0] == '\0' ||
        ws->binding == NULL || ws->binding[0] == '\0') {
        if (ws != NULL) {
            flotilla__v1__work_status__free_unpacked(ws, NULL);
        }
        return -EBADMSG;
    }
    mkey(key, sizeof(key), ws->cluster, ws->namespace_, ws->binding);
    if (msg->env->deleted) {
        free(util_strmap_del(&s->works, key));
    } else if ((e = util_strmap_put(&s->works, key)) != NULL) {
        if (e->ptr == NULL) {
            e->ptr = calloc(1, sizeof(struct work));
        }
        w = e->ptr;
        if (w != NULL) {
            w->replicas = ws->replicas;
            w->ready = ws->present ? ws->ready_replicas : 0;
            w->applied = ws->applied && ws->present;
            w->present = ws->present;
        }
    }
    *out = bnd_get(s, ws->namespace_, ws->binding, false);
    flotilla__v1__work_status__free_unpacked(ws, NULL);
    return 0;
}

static int
take_status(struct geviction_state *s, const struct actor_msg *msg)
{
    Flotilla__V1__ClusterStatus *st;
    struct strmap_entry *e;
    struct cl *c;

    st = actor_msg_unpack(msg, &flotilla__v1__cluster_status__descriptor);
    if (st == NULL || st->name == NULL || st->name[0] == '\0') {
        if (st != NULL) {
            flotilla__v1__cluster_status__free_unpacked(st, NULL);
        }
        return -EBADMSG;
    }
    e = util_strmap_put(&s->clusters, st->name);
    if (e != NULL && e->ptr == NULL) {
        e->ptr = calloc(1, sizeof(struct cl));
    }
    c = e != NULL ? e->ptr : NULL;
    if (c != NULL) {
        snprintf(c->ready, sizeof(c->ready), "%s",
                 msg->env->deleted ? "Unknown" : st->ready);
        c->since_ns = st->ready_since_ns != 0 ? st->ready_since_ns
                                              : msg->env->event_time_ns;
    }
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
    return c != NULL ? 0 : -ENOMEM;
}

static int
take_own_release(struct geviction_state *s, const struct actor_msg *msg)
{
    Flotilla__V1__EvictionRelease *r;
    struct machine *m;

    r = actor_msg_unpack(msg, &flotilla__v1__eviction_release__descriptor);
    if (r == NULL) {
        return -EBADMSG;
    }
    m = machine_get(s, r->namespace_, r->name, r->cluster, true);
    if (m != NULL) {
        for (int o = O_RELEASED; o <= O_SUPPRESSED; o++) {
            if (strcmp(r->outcome, outcome_names[o]) == 0) {
                if (o == O_FENCED) {
                    m->fenced = true;
                }
                if (o != O_FENCED || m->outcome == O_NONE) {
                    m->outcome = (enum outcome)o;
                }
            }
        }
        m->outcome_creation_ns = r->task_creation_ns;
        if (!m->live) {
            m->creation_ns = r->task_creation_ns;
        }
    }
    flotilla__v1__eviction_release__free_unpacked(r, NULL);
    return m != NULL ? 0 : -ENOMEM;
}

static int
ge_absorb(void *p, const struct actor_msg *msg)
{
    struct geviction_state *s = p;
    Flotilla__V1__ScheduleDecision *old = NULL;
    struct bnd *b = NULL;
    int rc = 0;

    if (bus_subject_matches("binding.schedule.*.*", msg->subject)) {
        rc = take_schedule(s, msg, &b, &old);
        if (old != NULL) {
            flotilla__v1__schedule_decision__free_unpacked(old, NULL);
        }
    } else if (bus_subject_matches("binding.spec.*.*", msg->subject)) {
        rc = take_spec(s, msg, &b);
    } else if (bus_subject_matches("work.status.*.*.*", msg->subject)) {
        rc = take_work(s, msg, &b);
    } else if (bus_subject_matches("cluster.status.*", msg->subject)) {
        rc = take_status(s, msg);
    } else if (bus_subject_matches("binding.release.*.*.*", msg->subject)) {
        rc = take_own_release(s, msg);
    }
    return rc;
}

static int
decide_named(struct geviction_state *s, struct actor_fx *fx, const char *ns,
             const char *name, const char *cluster, int64_t now)
{
    struct machine *m = machine_get(s, ns, name, cluster, false);

    return m != NULL ? decide(s, fx, m, now) : 0;
}

/* Decides every machine of @b: its tasks now and before. */
static int
decide_binding(struct geviction_state *s, struct actor_fx *fx, struct bnd *b,
               const Flotilla__V1__ScheduleDecision *old, int64_t now)
{
    const Flotilla__V1__ScheduleDecision *ds[2] = { b->sched, old };
    int rc = 0;

    for (int k = 0; k < 2 && rc == 0; k++) {
        for (size_t i = 0; ds[k] != NULL && i < ds[k]->n_eviction_tasks &&
                           rc == 0;
             i++) {
            rc = decide_named(s, fx, b->ns, b->name,
                              ds[k]->eviction_tasks[i]->from_cluster, now);
        }
    }
    return rc;
}

/* Decides every machine, in key order (deterministic output ids). */
static int
decide_all(struct geviction_state *s, struct actor_fx *fx, int64_t now)
{
    char **keys = malloc((s->machines.len + 1) * sizeof(*keys));
    struct strmap_entry *e;
    size_t n = 0;
    size_t i = 0;
    int rc = 0;

    if (keys == NULL) {
        return -ENOMEM;
    }
    while ((e = util_strmap_next(&s->machines, &i)) != NULL) {
        keys[n] = strdup(e->key);
        if (keys[n] == NULL) {
            rc = -ENOMEM;
            break;
        }
        n++;
    }
    qsort(keys, n, sizeof(*keys), util_cmp_str);
    for (i = 0; i < n && rc == 0; i++) {
        e = util_strmap_get(&s->machines, keys[i]);
        if (e != NULL && e->ptr != NULL) {
            rc = decide(s, fx, e->ptr, now);
        }
    }
    for (i = 0; i < n; i++) {
        free(keys[i]);
    }
    free(keys);
    return rc;
}

static int
ge_handle(void *p, const struct actor_msg *msg, int64_t now,
          struct actor_fx *fx)
{
    struct geviction_state *s = p;
    Flotilla__V1__ScheduleDecision *old = NULL;
    struct bnd *b = NULL;
    int rc = 0;

    if (bus_subject_matches("binding.schedule.*.*", msg->subject)) {
        rc = take_schedule(s, msg, &b, &old);
        if (rc == 0) {
            rc = decide_binding(s, fx, b, old, now);
        }
        if (old != NULL) {
            flotilla__v1__schedule_decision__free_unpacked(old, NULL);
        }
    } else if (bus_subject_matches("binding.spec.*.*", msg->subject)) {
        rc = take_spec(s, msg, &b);
        if (rc == 0) {
            rc = decide_binding(s, fx, b, NULL, now);
        }
    } else if (bus_subject_matches("work.status.*.*.*", msg->subject)) {
        rc = take_work(s, msg, &b);
        if (rc == 0 && b != NULL) {
            rc = decide_binding(s, fx, b, NULL, now);
        }
    } else if (bus_subject_matches("cluster.status.*", msg->subject)) {
        rc = take_status(s, msg);
        if (rc == 0) {
            rc = decide_all(s, fx, now);
        }
    }
    return rc;
}

static int
ge_timer(void *p, const char *name, int64_t now, struct actor_fx *fx)
{
    struct geviction_state *s = p;
    struct strmap_entry *e;
    struct machine *m;

    if (strcmp(name, "resume") == 0) {
        return decide_all(s, fx, now);
    }
    if (strncmp(name, "m/", 2) != 0) {
        return 0;
    }
    e = actor_timer_key(&s->timer_keys, name) != NULL
            ? util_strmap_get(&s->machines, actor_timer_key(&s->timer_keys, name))
            : NULL;
    m = e != NULL ? e->ptr : NULL;
    if (m == NULL) {
        return 0;
    }
    m->timer_due = 0;
    return decide(s, fx, m, now);
}

static int
ge_resume(void *p, int64_t now, struct actor_fx *fx)
{
    (void)p;
    /* Decided in the "resume" timer, so outputs get unique message ids. */
    return actor_fx_timer(fx, "resume", now);
}

const struct actor_core geviction_core = {
    .name = "graceful-eviction",
    .inputs = ge_inputs,
    .own_state = ge_own,
    .create = ge_create,
    .destroy = ge_destroy,
    .absorb = ge_absorb,
    .handle = ge_handle,
    .on_timer = ge_timer,
    .resume = ge_resume,
};

const char *
geviction_state_machine(const struct geviction_state *s, const char *ns,
                        const char *binding, const char *cluster)
{
    char key[900];
    struct strmap_entry *e;
    const struct machine *m;

    mkey(key, sizeof(key), ns, binding, cluster);
    e = util_strmap_get(&s->machines, key);
    m = e != NULL ? e->ptr : NULL;
    if (m == NULL) {
        return "none";
    }
    return m->fenced ? "Fenced" : outcome_names[m->outcome];
}

int
geviction_state_readiness(const struct geviction_state *s, const char *ns,
                          const char *binding, int64_t *ready,
                          int64_t *placed)
{
    char key[600];
    struct strmap_entry *e;
    struct readiness r;

    snprintf(key, sizeof(key), "%s/%s", ns, binding);
    e = util_strmap_get(&s->bindings, key);
    if (e == NULL || e->ptr == NULL) {
        return -ENOENT;
    }
    count_ready(s, e->ptr, &r);
    *ready = r.ready;
    *placed = r.placed;
    return 0;
}
