/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The taint-manager core; see tmgr/tmgr.h and docs/eviction.md.
 *
 * State: per cluster its Ready and NoExecute taints, per binding its
 * tolerations, placement and eviction tasks, per (binding, cluster) the
 * request state. Every decision is made in evaluate() from those; inputs
 * only update them and name the pairs to evaluate again.
 */
#define LOG_MODULE "taint-manager"
#include "tmgr/tmgr.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "appfo/jsonpath.h"
#include "bus/subject.h"
#include "tmgr/toleration.h"
#include "util/log.h"
#include "util/strmap.h"

#define NS_PER_SEC INT64_C(1000000000)
#define MAX_RULES 16

struct cl {
    bool has_status;
    bool ready;                          /* Ready == "True" */
    Flotilla__V1__ClusterTaints *taints; /* owned; NULL: none known */
};

struct bnd {
    char *ns;
    char *name;
    Flotilla__V1__Placement *tols;       /* owned copy: tolerations only */
    char purge[16];                      /* for requests */
    bool has_spec;
    bool warned;                         /* deprecated purge mode logged */
    size_t nrules;          /* failover.cluster.statePreservation rules */
    char *alias[MAX_RULES];
    char *path[MAX_RULES];
    Flotilla__V1__ScheduleDecision *sched;  /* owned; NULL: not placed */
};

enum pst {
    P_NONE,
    P_TIMER,
    P_QUEUED,
    P_REQUESTED,
    P_OBSERVED,
};

struct pair {
    char *ns;
    char *name;
    char *cluster;
    enum pst st;
    int64_t episode_ns;     /* episode of the timer, queue entry or request */
    int64_t due_ns;         /* P_TIMER */
    int64_t detected_ep;    /* episode a Detected record was published for */
    bool has_detected;
    bool decided;           /* P_REQUESTED: the scheduler acted on it */
    bool held;              /* Blocked(MassOutageBrake) recorded */
};

struct qitem {
    char *key;
    int64_t ready_ns;
};

struct tmgr_state {
    struct tmgr_config cfg;
    struct strmap clusters;   /* name -> struct cl */
    struct strmap bindings;   /* "ns/name" -> struct bnd */
    struct strmap pairs;      /* "ns/name/cluster" -> struct pair */
    struct strmap works;      /* "ns/name/cluster" -> status JSON (char *) */
    struct strmap timer_keys; /* timer name -> pair key (char *) */
    struct strmap by_cluster; /* cluster -> struct strmap of binding keys */
    struct qitem *q;
    size_t qhead, qlen, qcap;
    double tokens;
    int64_t bucket_ns;
    bool bucket_init;
    bool brake;               /* engaged now */
    bool announced;           /* the last brake event said engaged */
    int64_t pump_due;
    int64_t pump_fired;       /* due of the last pump that ran */
    uint64_t requested, withdrawn;
    int64_t *replay;          /* requested_ns of requests read back */
    size_t nreplay, capreplay;
    uint32_t nclusters, not_ready;
};

static const struct actor_input tm_inputs[] = {
    { "FL_CLUSTERS", "cluster.taint.*", true },
    { "FL_CLUSTERS", "cluster.status.*", true },
    { "FL_BINDINGS", "binding.spec.*.*", true },
    { "FL_BINDINGS", "binding.schedule.*.*", true },
    { "FL_WORK", "work.status.*.*.*", true },
    { NULL, NULL, false },
};

static const struct actor_input tm_own[] = {
    { "FL_EVICTIONS", "binding.evict.*.*.*", true },
    { "FL_EVENTS", "events.taint-manager", true },
    { "FL_EVENTS", "failover.record.*.*.*", true },
    { NULL, NULL, false },
};

void
tmgr_config_init(struct tmgr_config *c)
{
    memset(c, 0, sizeof(*c));
    cfg_settings_init(&c->settings);
    c->mode = CFG_FAILOVER_EVICT;
    c->settle_ns = 500 * 1000000LL;
}

const void *
tmgr_config_build(const struct cfg *c)
{
    static struct tmgr_config tc;

    tmgr_config_init(&tc);
    if (c != NULL) {
        tc.settings = c->settings;
        tc.mode = c->failover.mode;
    }
    return &tc;
}

/* ------------------------------------------------------------ state */

static void *
tm_create(const void *config)
{
    struct tmgr_state *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        return NULL;
    }
    if (config != NULL) {
        s->cfg = *(const struct tmgr_config *)config;
    } else {
        tmgr_config_init(&s->cfg);
    }
    return s;
}

static void
rules_free(struct bnd *b)
{
    for (size_t i = 0; i < b->nrules; i++) {
        free(b->alias[i]);
        free(b->path[i]);
    }
    b->nrules = 0;
}

static void
bnd_free(struct bnd *b)
{
    if (b == NULL) {
        return;
    }
    rules_free(b);
    free(b->ns);
    free(b->name);
    if (b->tols != NULL) {
        flotilla__v1__placement__free_unpacked(b->tols, NULL);
    }
    if (b->sched != NULL) {
        flotilla__v1__schedule_decision__free_unpacked(b->sched, NULL);
    }
    free(b);
}

static void
pair_free(struct pair *p)
{
    if (p == NULL) {
        return;
    }
    free(p->ns);
    free(p->name);
    free(p->cluster);
    free(p);
}

static void
cl_free(struct cl *c)
{
    if (c == NULL) {
        return;
    }
    if (c->taints != NULL) {
        flotilla__v1__cluster_taints__free_unpacked(c->taints, NULL);
    }
    free(c);
}

static void
tm_destroy(void *p)
{
    struct tmgr_state *s = p;
    struct strmap_entry *e;
    size_t i = 0;

    if (s == NULL) {
        return;
    }
    while ((e = util_strmap_next(&s->clusters, &i)) != NULL) {
        cl_free(e->ptr);
    }
    i = 0;
    while ((e = util_strmap_next(&s->bindings, &i)) != NULL) {
        bnd_free(e->ptr);
    }
    i = 0;
    while ((e = util_strmap_next(&s->pairs, &i)) != NULL) {
        pair_free(e->ptr);
    }
    i = 0;
    while ((e = util_strmap_next(&s->works, &i)) != NULL) {
        free(e->ptr);
    }
    util_strmap_release(&s->works);
    i = 0;
    while ((e = util_strmap_next(&s->timer_keys, &i)) != NULL) {
        free(e->ptr);
    }
    util_strmap_release(&s->timer_keys);
    i = 0;
    while ((e = util_strmap_next(&s->by_cluster, &i)) != NULL) {
        util_strmap_release(e->ptr);
        free(e->ptr);
    }
    util_strmap_release(&s->by_cluster);
    util_strmap_release(&s->clusters);
    util_strmap_release(&s->bindings);
    util_strmap_release(&s->pairs);
    for (size_t k = s->qhead; k < s->qlen; k++) {
        free(s->q[k].key);
    }
    free(s->q);
    free(s->replay);
    free(s);
}

static void
bkey(char *buf, size_t len, const char *ns, const char *name)
{
    snprintf(buf, len, "%s/%s", ns, name);
}

static void
pkey(char *buf, size_t len, const char *ns, const char *name,
     const char *cluster)
{
    snprintf(buf, len, "%s/%s/%s", ns, name, cluster);
}

static struct cl *
cl_get(struct tmgr_state *s, const char *name, bool create)
{
    struct strmap_entry *e;

    if (!create) {
        e = util_strmap_get(&s->clusters, name);
        return e != NULL ? e->ptr : NULL;
    }
    e = util_strmap_put(&s->clusters, name);
    if (e != NULL && e->ptr == NULL) {
        e->ptr = calloc(1, sizeof(struct cl));
    }
    return e != NULL ? e->ptr : NULL;
}

static struct bnd *
bnd_get(struct tmgr_state *s, const char *ns, const char *name, bool create)
{
    char key[600];
    struct strmap_entry *e;
    struct bnd *b;

    bkey(key, sizeof(key), ns, name);
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
        snprintf(b->purge, sizeof(b->purge), "Gracefully");
        e->ptr = b;
    }
    return e->ptr;
}

static struct pair *
pair_get(struct tmgr_state *s, const char *ns, const char *name,
         const char *cluster, bool create)
{
    char key[900];
    struct strmap_entry *e;
    struct pair *p;

    pkey(key, sizeof(key), ns, name, cluster);
    if (!create) {
        e = util_strmap_get(&s->pairs, key);
        return e != NULL ? e->ptr : NULL;
    }
    e = util_strmap_put(&s->pairs, key);
    if (e == NULL) {
        return NULL;
    }
    if (e->ptr == NULL) {
        p = calloc(1, sizeof(*p));
        if (p == NULL || (p->ns = strdup(ns)) == NULL ||
            (p->name = strdup(name)) == NULL ||
            (p->cluster = strdup(cluster)) == NULL) {
            pair_free(p);
            util_strmap_del(&s->pairs, key);
            return NULL;
        }
        e->ptr = p;
    }
    return e->ptr;
}

static void
pair_drop(struct tmgr_state *s, struct pair *p)
{
    char key[900];

    pkey(key, sizeof(key), p->ns, p->name, p->cluster);
    util_strmap_del(&s->pairs, key);
    pair_free(p);
}

/* The keys of @m, sorted, for a deterministic order; free the array only. */
/* ------------------------------------------------------------ helpers */

static bool
placed_on(const struct bnd *b, const char *cluster)
{
    if (b->sched == NULL) {
        return false;
    }
    for (size_t i = 0; i < b->sched->n_clusters; i++) {
        if (strcmp(b->sched->clusters[i]->name, cluster) == 0) {
            return true;
        }
    }
    return false;
}

static bool
has_task(const struct bnd *b, const char *cluster)
{
    if (b->sched == NULL) {
        return false;
    }
    for (size_t i = 0; i < b->sched->n_eviction_tasks; i++) {
        if (strcmp(b->sched->eviction_tasks[i]->from_cluster, cluster) == 0) {
            return true;
        }
    }
    return false;
}

static void
taint_list(const struct cl *c, char *buf, size_t len)
{
    size_t off = 0;

    buf[0] = '\0';
    if (c == NULL || c->taints == NULL) {
        return;
    }
    for (size_t i = 0; i < c->taints->n_taints && off + 1 < len; i++) {
        const Flotilla__V1__Taint *t = c->taints->taints[i];
        int n;

        if (strcmp(t->effect, "NoExecute") != 0) {
            continue;
        }
        n = snprintf(buf + off, len - off, "%s%s%s%s:NoExecute",
                     off > 0 ? " " : "", t->key, t->value[0] ? "=" : "",
                     t->value);
        if (n < 0 || (size_t)n >= len - off) {
            break;
        }
        off += (size_t)n;
    }
}

static int
record_kv(struct actor_fx *fx, const struct pair *p, const char *step,
          const char *reason, const char *message, int64_t now,
          Flotilla__V1__FailoverEvent__PreservedLabelStateEntry **kv,
          size_t nkv)
{
    Flotilla__V1__FailoverEvent ev = FLOTILLA__V1__FAILOVER_EVENT__INIT;
    char subject[BUS_SUBJECT_MAX];
    char key[600];

    ev.namespace_ = p->ns;
    ev.name = p->name;
    ev.cluster = p->cluster;
    ev.step = (char *)step;
    ev.reason = (char *)reason;
    ev.message = (char *)message;
    ev.at_ns = now;
    ev.episode_ns = p->episode_ns;
    ev.preserved_label_state = kv;
    ev.n_preserved_label_state = nkv;
    if (bus_subject_build(subject, sizeof(subject), "failover.record", p->ns,
                          p->name, p->cluster) < 0) {
        return -ENAMETOOLONG;
    }
    if (p->ns[0] != '\0') {
        bkey(key, sizeof(key), p->ns, p->name);
    } else {
        snprintf(key, sizeof(key), "%s", p->name);
    }
    return actor_fx_publish(fx, subject, key, "FailoverEvent", &ev.base, 0);
}

static int
record(struct actor_fx *fx, const struct pair *p, const char *step,
       const char *reason, const char *message, int64_t now)
{
    return record_kv(fx, p, step, reason, message, now, NULL, 0);
}

struct preserved {
    Flotilla__V1__EvictionRequest__PreservedLabelStateEntry req[MAX_RULES];
    Flotilla__V1__EvictionRequest__PreservedLabelStateEntry *reqp[MAX_RULES];
    Flotilla__V1__FailoverEvent__PreservedLabelStateEntry rec[MAX_RULES];
    Flotilla__V1__FailoverEvent__PreservedLabelStateEntry *recp[MAX_RULES];
    char values[MAX_RULES][256];
    size_t n;
    char failed[300];        /* aliases that could not be preserved */
};

/*
 * Runs the binding's cluster state preservation rules over the status the
 * evicted cluster last reported. A value that cannot be had is named in
 * @pv->failed and the eviction goes on without it (Karmada blocks it).
 */
static void
preserve(struct tmgr_state *s, const struct bnd *b, const struct pair *p,
         struct preserved *pv)
{
    struct strmap_entry *e;
    json_t *doc = NULL;
    char key[900];
    size_t off = 0;

    memset(pv, 0, sizeof(*pv));
    if (b == NULL || b->nrules == 0) {
        return;
    }
    pkey(key, sizeof(key), p->ns, p->name, p->cluster);
    e = util_strmap_get(&s->works, key);
    if (e != NULL && e->ptr != NULL) {
        doc = json_loads(e->ptr, JSON_DECODE_ANY, NULL);
    }
    for (size_t i = 0; i < b->nrules; i++) {
        int rc = doc != NULL
                     ? appfo_jsonpath_eval(doc, b->path[i], pv->values[pv->n],
                                           sizeof(pv->values[0]))
                     : -ENODATA;
        int n;

        if (rc != 0) {
            n = snprintf(pv->failed + off, sizeof(pv->failed) - off,
                         "%s%s (%s)", off ? ", " : "", b->alias[i],
                         rc == -ENOENT    ? "field missing"
                         : rc == -ENODATA ? "no status reported"
                                          : "bad path");
            if (n > 0 && (size_t)n < sizeof(pv->failed) - off) {
                off += (size_t)n;
            }
            continue;
        }
        flotilla__v1__eviction_request__preserved_label_state_entry__init(
            &pv->req[pv->n]);
        flotilla__v1__failover_event__preserved_label_state_entry__init(
            &pv->rec[pv->n]);
        pv->req[pv->n].key = b->alias[i];
        pv->req[pv->n].value = pv->values[pv->n];
        pv->rec[pv->n].key = b->alias[i];
        pv->rec[pv->n].value = pv->values[pv->n];
        pv->reqp[pv->n] = &pv->req[pv->n];
        pv->recp[pv->n] = &pv->rec[pv->n];
        pv->n++;
    }
    json_decref(doc);
}

static int
publish_request(struct tmgr_state *s, struct actor_fx *fx, struct pair *p,
                const struct bnd *b, bool withdraw, const char *why,
                int64_t now)
{
    Flotilla__V1__EvictionRequest r = FLOTILLA__V1__EVICTION_REQUEST__INIT;
    char subject[BUS_SUBJECT_MAX];
    char key[600];
    char taints[512];
    char msg[1100];
    char dkey[900];
    struct preserved pv;
    int rc;

    taint_list(cl_get(s, p->cluster, false), taints, sizeof(taints));
    if (!withdraw) {
        preserve(s, b, p, &pv);
    } else {
        memset(&pv, 0, sizeof(pv));
    }
    snprintf(msg, sizeof(msg), "%s%s%s%s%s", why, taints[0] ? ": " : "",
             taints, pv.failed[0] ? "; not preserved: " : "", pv.failed);
    r.preserved_label_state = pv.reqp;
    r.n_preserved_label_state = pv.n;
    r.namespace_ = p->ns;
    r.name = p->name;
    r.cluster = p->cluster;
    r.reason = "TaintUntolerated";
    r.message = msg;
    r.purge_mode = (char *)(b != NULL ? b->purge : "Gracefully");
    r.requested_ns = now;
    r.withdraw = withdraw;
    r.episode_ns = p->episode_ns;
    if (bus_subject_build(subject, sizeof(subject), "binding.evict", p->ns,
                          p->name, p->cluster) < 0) {
        return -ENAMETOOLONG;
    }
    bkey(key, sizeof(key), p->ns, p->name);
    rc = actor_fx_publish(fx, subject, key, "EvictionRequest", &r.base, 0);
    if (rc == 0) {
        pkey(dkey, sizeof(dkey), p->ns, p->name, p->cluster);
        actor_fx_decision(fx, dkey, withdraw ? "withdraw" : "request", why);
        rc = record_kv(fx, p, withdraw ? "Withdrawn" : "Requested",
                       withdraw ? "CauseGone" : "TaintUntolerated", msg, now,
                       pv.recp, pv.n);
    }
    return rc;
}


static int
timer_name(struct tmgr_state *s, char *buf, size_t len, const struct pair *p)
{
    char key[900];

    pkey(key, sizeof(key), p->ns, p->name, p->cluster);
    return actor_timer_name(&s->timer_keys, "due/", key, buf, len);
}

/* ------------------------------------------------------------ pacing */

static void
bucket_refill(struct tmgr_state *s, int64_t now)
{
    double burst = (double)s->cfg.settings.eviction_burst;

    if (!s->bucket_init) {
        s->tokens = burst;
        s->bucket_ns = now;
        s->bucket_init = true;
        return;
    }
    if (now > s->bucket_ns) {
        s->tokens += (double)(now - s->bucket_ns) *
                     s->cfg.settings.eviction_rate_per_s / (double)NS_PER_SEC;
        if (s->tokens > burst) {
            s->tokens = burst;
        }
        s->bucket_ns = now;
    }
}

static bool
bucket_unlimited(const struct tmgr_state *s)
{
    return isinf(s->cfg.settings.eviction_rate_per_s);
}

/* When the bucket will next hold a whole token. */
static int64_t
bucket_next(const struct tmgr_state *s)
{
    double need = 1.0 - s->tokens;
    double rate = s->cfg.settings.eviction_rate_per_s;

    if (rate <= 0.0) {
        return INT64_MAX;
    }
    return s->bucket_ns + (int64_t)ceil(need / rate * (double)NS_PER_SEC);
}

static int
pump_arm(struct tmgr_state *s, struct actor_fx *fx, int64_t due)
{
    /* Never twice at one instant: a timer's outputs are identified by its
     * name and due time, and the bus drops repeated ids. */
    if (due <= s->pump_fired) {
        due = s->pump_fired + 1;
    }
    if (s->pump_due != 0 && s->pump_due <= due) {
        return 0;
    }
    s->pump_due = due;
    return actor_fx_timer(fx, "pump", due);
}

static int
enqueue(struct tmgr_state *s, struct actor_fx *fx, struct pair *p,
        int64_t now)
{
    char key[900];

    if (s->qlen == s->qcap) {
        size_t cap = s->qcap ? s->qcap * 2 : 64;
        struct qitem *n;

        if (s->qhead > 0) {
            memmove(s->q, s->q + s->qhead,
                    (s->qlen - s->qhead) * sizeof(*s->q));
            s->qlen -= s->qhead;
            s->qhead = 0;
        }
        if (s->qlen == s->qcap) {
            n = realloc(s->q, cap * sizeof(*n));
            if (n == NULL) {
                return -ENOMEM;
            }
            s->q = n;
            s->qcap = cap;
        }
    }
    pkey(key, sizeof(key), p->ns, p->name, p->cluster);
    s->q[s->qlen].key = strdup(key);
    if (s->q[s->qlen].key == NULL) {
        return -ENOMEM;
    }
    s->q[s->qlen].ready_ns = now + s->cfg.settle_ns;
    s->qlen++;
    p->st = P_QUEUED;
    return pump_arm(s, fx, now + s->cfg.settle_ns);
}

/* ------------------------------------------------------------ decisions */

static enum tmgr_verdict
verdict(struct tmgr_state *s, const struct bnd *b, const char *cluster,
        int64_t now, int64_t *due, int64_t *ep)
{
    struct cl *c = cl_get(s, cluster, false);
    size_t ntols = 0;
    Flotilla__V1__Toleration **tols = NULL;

    *due = 0;
    *ep = 0;
    if (b == NULL || !b->has_spec || c == NULL || c->taints == NULL ||
        !placed_on(b, cluster) || has_task(b, cluster)) {
        return TMGR_VERDICT_NEVER;
    }
    if (b->tols != NULL) {
        tols = b->tols->cluster_tolerations;
        ntols = b->tols->n_cluster_tolerations;
    }
    return tmgr_toleration_check(c->taints->taints, c->taints->n_taints,
                                 tols, ntols, now, due, ep);
}

static bool
cluster_has_no_execute(struct tmgr_state *s, const char *cluster)
{
    struct cl *c = cl_get(s, cluster, false);

    if (c == NULL || c->taints == NULL) {
        return false;
    }
    for (size_t i = 0; i < c->taints->n_taints; i++) {
        if (strcmp(c->taints->taints[i]->effect, "NoExecute") == 0) {
            return true;
        }
    }
    return false;
}

static int
detected(struct tmgr_state *s, struct actor_fx *fx, struct pair *p,
         enum tmgr_verdict v, int64_t now)
{
    char taints[512];
    char msg[700];
    char when[64];

    if (p->has_detected && p->detected_ep == p->episode_ns) {
        return 0;
    }
    p->has_detected = true;
    p->detected_ep = p->episode_ns;
    taint_list(cl_get(s, p->cluster, false), taints, sizeof(taints));
    if (v == TMGR_VERDICT_LATER) {
        snprintf(when, sizeof(when), "; tolerated until %" PRId64 "ns",
                 p->due_ns);
    } else {
        when[0] = '\0';
    }
    snprintf(msg, sizeof(msg), "%s%s", taints, when);
    return record(fx, p, "Detected",
                  v == TMGR_VERDICT_LATER ? "TolerationSeconds"
                                          : "TaintUntolerated",
                  msg, now);
}

/* Leaves the timer or queue state when the verdict no longer calls for it. */
static int
leave_waiting(struct tmgr_state *s, struct actor_fx *fx, struct pair *p,
              enum tmgr_verdict v, int64_t due, int64_t ep)
{
    char name[1000];

    if (p->st == P_TIMER &&
        !(v == TMGR_VERDICT_LATER && p->due_ns == due && p->episode_ns == ep)) {
        if (timer_name(s, name, sizeof(name), p) != 0) {
            return -ENOMEM;
        }
        p->st = P_NONE;
        return actor_fx_timer(fx, name, 0);
    }
    if (p->st == P_QUEUED && !(v == TMGR_VERDICT_NOW && p->episode_ns == ep)) {
        p->st = P_NONE;   /* the queue entry is skipped when popped */
    }
    return 0;
}

/* A request not yet decided is withdrawn when its cause is gone. */
static int
maybe_withdraw(struct tmgr_state *s, struct actor_fx *fx, struct pair *p,
               const struct bnd *b, enum tmgr_verdict v, int64_t now,
               const char *why)
{
    int rc;

    if (p->st != P_REQUESTED) {
        if (p->st == P_OBSERVED && v != TMGR_VERDICT_NOW) {
            p->st = P_NONE;
        }
        return 0;
    }
    if (b == NULL || has_task(b, p->cluster) || !placed_on(b, p->cluster)) {
        p->decided = true;
    }
    if (p->decided || v == TMGR_VERDICT_NOW) {
        return 0;
    }
    rc = publish_request(s, fx, p, b, true, why, now);
    p->st = P_NONE;
    s->withdrawn++;
    return rc;
}

static int
evaluate(struct tmgr_state *s, struct actor_fx *fx, const char *ns,
         const char *name, const char *cluster, int64_t now)
{
    struct bnd *b = bnd_get(s, ns, name, false);
    struct pair *p = pair_get(s, ns, name, cluster, false);
    enum tmgr_verdict v;
    int64_t due;
    int64_t ep;
    char tname[1000];
    int rc;

    if (s->cfg.mode == CFG_FAILOVER_DISABLED) {
        return 0;
    }
    v = verdict(s, b, cluster, now, &due, &ep);
    if (p == NULL && v == TMGR_VERDICT_NEVER) {
        return 0;
    }
    if (p == NULL && (p = pair_get(s, ns, name, cluster, true)) == NULL) {
        return -ENOMEM;
    }
    rc = leave_waiting(s, fx, p, v, due, ep);
    if (rc == 0) {
        rc = maybe_withdraw(s, fx, p, b, v, now,
                            cluster_has_no_execute(s, cluster)
                                ? "taint now tolerated"
                                : "NoExecute taint removed");
    }
    if (rc != 0) {
        return rc;
    }
    if (p->st == P_REQUESTED || p->st == P_OBSERVED) {
        /* Asked once for this episode (or one still pending): never again. */
        if (!cluster_has_no_execute(s, cluster) && p->decided) {
            pair_drop(s, p);
        }
        return 0;
    }
    switch (v) {
    case TMGR_VERDICT_LATER:
        if (p->st != P_TIMER) {
            p->st = P_TIMER;
            p->due_ns = due;
            p->episode_ns = ep;
            rc = timer_name(s, tname, sizeof(tname), p);
            if (rc == 0) {
                rc = actor_fx_timer(fx, tname, due);
            }
            if (rc == 0) {
                rc = detected(s, fx, p, v, now);
            }
        }
        break;
    case TMGR_VERDICT_NOW:
        if (p->st != P_QUEUED) {
            p->episode_ns = ep;
            p->held = false;
            rc = enqueue(s, fx, p, now);
            if (rc == 0) {
                rc = detected(s, fx, p, v, now);
            }
        }
        break;
    case TMGR_VERDICT_NEVER:
        if (p->st == P_NONE) {
            pair_drop(s, p);
        }
        break;
    }
    return rc;
}

/* Evaluates every binding placed on @cluster (every binding when NULL). */
static int
evaluate_bindings(struct tmgr_state *s, struct actor_fx *fx,
                  const char *cluster, int64_t now)
{
    struct strmap_entry *ix = cluster != NULL
                                  ? util_strmap_get(&s->by_cluster, cluster)
                                  : NULL;
    static const struct strmap none = { 0 };
    const struct strmap *from = cluster == NULL ? &s->bindings
                                : ix != NULL    ? ix->ptr
                                                : &none;
    size_t n = 0;
    const char **keys = util_strmap_sorted_keys(from, &n);
    int rc = 0;

    if (keys == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct strmap_entry *e = util_strmap_get(&s->bindings, keys[i]);
        struct bnd *b = e != NULL ? e->ptr : NULL;

        if (b == NULL || b->sched == NULL) {
            continue;
        }
        for (size_t k = 0; k < b->sched->n_clusters && rc == 0; k++) {
            const char *c = b->sched->clusters[k]->name;

            if (cluster == NULL || strcmp(c, cluster) == 0) {
                rc = evaluate(s, fx, b->ns, b->name, c, now);
            }
        }
    }
    free(keys);
    return rc;
}

/* ------------------------------------------------------------ the brake */

static void
brake_count(struct tmgr_state *s)
{
    struct strmap_entry *e;
    size_t i = 0;

    s->nclusters = 0;
    s->not_ready = 0;
    while ((e = util_strmap_next(&s->clusters, &i)) != NULL) {
        struct cl *c = e->ptr;

        if (c != NULL && c->has_status) {
            s->nclusters++;
            s->not_ready += c->ready ? 0 : 1;
        }
    }
    s->brake = s->nclusters >= s->cfg.settings.mass_outage_min_clusters &&
               s->nclusters > 0 &&
               (double)s->not_ready >
                   s->cfg.settings.mass_outage_share * (double)s->nclusters;
}

static int
brake_event(struct tmgr_state *s, struct actor_fx *fx, int64_t now)
{
    Flotilla__V1__DecisionEvent ev = FLOTILLA__V1__DECISION_EVENT__INIT;
    char reason[200];
    char subject[BUS_SUBJECT_MAX];

    snprintf(reason, sizeof(reason),
             "%u of %u clusters not Ready (brake above %.0f%% of a fleet of "
             "at least %u)",
             s->not_ready, s->nclusters,
             s->cfg.settings.mass_outage_share * 100.0,
             s->cfg.settings.mass_outage_min_clusters);
    if (s->brake) {
        log_warn("MASS OUTAGE BRAKE ENGAGED: no automatic eviction",
                 "not_ready=%u clusters=%u share=%.2f", s->not_ready,
                 s->nclusters, s->cfg.settings.mass_outage_share);
    } else {
        log_warn("mass outage brake released: evictions resume",
                 "not_ready=%u clusters=%u", s->not_ready, s->nclusters);
    }
    ev.actor = "taint-manager";
    ev.key = "fleet";
    ev.decision = s->brake ? "BrakeEngaged" : "BrakeReleased";
    ev.reason = reason;
    ev.at_ns = now;
    s->announced = s->brake;
    actor_fx_decision(fx, "fleet", ev.decision, reason);
    bus_subject_build(subject, sizeof(subject), "events", "taint-manager",
                      NULL, NULL);
    return actor_fx_publish(fx, subject, "fleet", "DecisionEvent", &ev.base,
                            0);
}

/* Withdraws every request the scheduler has not decided yet. */
static int
withdraw_undecided(struct tmgr_state *s, struct actor_fx *fx, int64_t now)
{
    size_t n = 0;
    const char **keys = util_strmap_sorted_keys(&s->pairs, &n);
    int rc = 0;

    if (keys == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct strmap_entry *e = util_strmap_get(&s->pairs, keys[i]);
        struct pair *p = e != NULL ? e->ptr : NULL;
        struct bnd *b;

        if (p == NULL || p->st != P_REQUESTED || p->decided) {
            continue;
        }
        b = bnd_get(s, p->ns, p->name, false);
        if (b == NULL || has_task(b, p->cluster) ||
            !placed_on(b, p->cluster)) {
            p->decided = true;
            continue;
        }
        rc = publish_request(s, fx, p, b, true, "mass outage brake engaged",
                             now);
        p->st = P_NONE;
        s->withdrawn++;
    }
    free(keys);
    return rc;
}

static int
brake_update(struct tmgr_state *s, struct actor_fx *fx, int64_t now)
{
    int rc = 0;

    brake_count(s);
    if (s->brake == s->announced || s->cfg.mode == CFG_FAILOVER_DISABLED) {
        return 0;
    }
    rc = brake_event(s, fx, now);
    if (rc == 0 && s->brake && s->cfg.mode != CFG_FAILOVER_DISABLED) {
        rc = withdraw_undecided(s, fx, now);
    }
    if (rc == 0 && !s->brake) {
        rc = evaluate_bindings(s, fx, NULL, now);
        if (rc == 0) {
            rc = pump_arm(s, fx, now + s->cfg.settle_ns);
        }
    }
    return rc;
}

/* ------------------------------------------------------------ the pump */

static int
pump_send(struct tmgr_state *s, struct actor_fx *fx, struct pair *p,
          int64_t now)
{
    struct bnd *b = bnd_get(s, p->ns, p->name, false);
    char msg[700];
    char taints[512];
    char dkey[900];

    if (!bucket_unlimited(s)) {
        s->tokens -= 1.0;
    }
    if (s->cfg.mode == CFG_FAILOVER_OBSERVE) {
        p->st = P_OBSERVED;
        taint_list(cl_get(s, p->cluster, false), taints, sizeof(taints));
        snprintf(msg, sizeof(msg), "would evict: %s", taints);
        pkey(dkey, sizeof(dkey), p->ns, p->name, p->cluster);
        actor_fx_decision(fx, dkey, "observe", "FailoverObserveOnly");
        return record(fx, p, "Blocked", "FailoverObserveOnly", msg, now);
    }
    p->st = P_REQUESTED;
    p->decided = false;
    s->requested++;
    return publish_request(s, fx, p, b, false, "NoExecute taint not tolerated",
                           now);
}

/* Records once per pair that the brake holds its eviction. */
static int
hold_all(struct tmgr_state *s, struct actor_fx *fx, int64_t now)
{
    int rc = 0;

    for (size_t k = s->qhead; k < s->qlen && rc == 0; k++) {
        struct strmap_entry *e = util_strmap_get(&s->pairs, s->q[k].key);
        struct pair *p = e != NULL ? e->ptr : NULL;

        if (p == NULL || p->st != P_QUEUED || p->held) {
            continue;
        }
        p->held = true;
        rc = record(fx, p, "Blocked", "MassOutageBrake",
                    "held: too much of the fleet is not Ready", now);
    }
    return rc;
}

static int
pump(struct tmgr_state *s, struct actor_fx *fx, int64_t now)
{
    int rc = 0;

    s->pump_due = 0;
    s->pump_fired = now;
    bucket_refill(s, now);
    while (s->qhead < s->qlen && rc == 0) {
        struct qitem *it = &s->q[s->qhead];
        struct strmap_entry *e = util_strmap_get(&s->pairs, it->key);
        struct pair *p = e != NULL ? e->ptr : NULL;

        if (p == NULL || p->st != P_QUEUED) {
            free(it->key);
            s->qhead++;
            continue;
        }
        if (it->ready_ns > now) {
            return pump_arm(s, fx, it->ready_ns);
        }
        if (s->brake) {
            return hold_all(s, fx, now);
        }
        if (!bucket_unlimited(s) && s->tokens < 1.0) {
            return pump_arm(s, fx, bucket_next(s));
        }
        free(it->key);
        s->qhead++;
        rc = pump_send(s, fx, p, now);
    }
    if (s->qhead == s->qlen) {
        s->qhead = 0;
        s->qlen = 0;
    }
    return rc;
}

/* ------------------------------------------------------------ inputs */

static int
take_taints(struct tmgr_state *s, const struct actor_msg *m,
            const char **cluster)
{
    Flotilla__V1__ClusterTaints *t;
    struct cl *c;

    t = actor_msg_unpack(m, &flotilla__v1__cluster_taints__descriptor);
    if (t == NULL || t->cluster == NULL || t->cluster[0] == '\0') {
        if (t != NULL) {
            flotilla__v1__cluster_taints__free_unpacked(t, NULL);
        }
        return -EBADMSG;
    }
    c = cl_get(s, t->cluster, true);
    if (c == NULL) {
        flotilla__v1__cluster_taints__free_unpacked(t, NULL);
        return -ENOMEM;
    }
    if (c->taints != NULL) {
        flotilla__v1__cluster_taints__free_unpacked(c->taints, NULL);
    }
    c->taints = t;
    if (m->env->deleted) {
        for (size_t i = 0; i < t->n_taints; i++) {
            flotilla__v1__taint__free_unpacked(t->taints[i], NULL);
        }
        free(t->taints);
        t->taints = NULL;
        t->n_taints = 0;
    }
    *cluster = t->cluster;
    return 0;
}

static int
take_status(struct tmgr_state *s, const struct actor_msg *m)
{
    Flotilla__V1__ClusterStatus *st;
    struct cl *c;

    st = actor_msg_unpack(m, &flotilla__v1__cluster_status__descriptor);
    if (st == NULL || st->name == NULL || st->name[0] == '\0') {
        if (st != NULL) {
            flotilla__v1__cluster_status__free_unpacked(st, NULL);
        }
        return -EBADMSG;
    }
    c = cl_get(s, st->name, true);
    if (c != NULL) {
        c->has_status = !m->env->deleted;
        c->ready = strcmp(st->ready, "True") == 0;
    }
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
    return c != NULL ? 0 : -ENOMEM;
}

/* Keeps only the tolerations of @p: a packed and unpacked copy. */
static Flotilla__V1__Placement *
copy_tolerations(const Flotilla__V1__Placement *p)
{
    Flotilla__V1__Placement only = FLOTILLA__V1__PLACEMENT__INIT;
    Flotilla__V1__Placement *out;
    uint8_t *buf;
    size_t len;

    if (p == NULL) {
        return NULL;
    }
    only.n_cluster_tolerations = p->n_cluster_tolerations;
    only.cluster_tolerations = p->cluster_tolerations;
    len = flotilla__v1__placement__get_packed_size(&only);
    buf = malloc(len + 1);
    if (buf == NULL) {
        return NULL;
    }
    flotilla__v1__placement__pack(&only, buf);
    out = flotilla__v1__placement__unpack(NULL, len, buf);
    free(buf);
    return out;
}

/* Karmada's older names are taken as the new ones, logged once per binding. */
static const char *
purge_name(struct bnd *b, const char *m)
{
    const char *n;

    if (m == NULL || m[0] == '\0') {
        return "Gracefully";
    }
    if (strcmp(m, "Immediately") != 0 && strcmp(m, "Graciously") != 0) {
        return m;
    }
    n = m[0] == 'I' ? "Directly" : "Gracefully";
    if (!b->warned) {
        b->warned = true;
        log_warn("deprecated purge mode name, taken as its new name",
                 "binding=%s/%s mode=%s use=%s", b->ns, b->name, m, n);
    }
    return n;
}

static int
take_spec(struct tmgr_state *s, const struct actor_msg *m, struct bnd **out)
{
    Flotilla__V1__BindingSpec *sp;
    struct bnd *b;
    int rc = 0;

    sp = actor_msg_unpack(m, &flotilla__v1__binding_spec__descriptor);
    if (sp == NULL || sp->name == NULL || sp->name[0] == '\0') {
        rc = -EBADMSG;
        goto out;
    }
    b = bnd_get(s, sp->namespace_, sp->name, true);
    if (b == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    if (b->tols != NULL) {
        flotilla__v1__placement__free_unpacked(b->tols, NULL);
    }
    b->tols = copy_tolerations(sp->placement);
    b->has_spec = !m->env->deleted;
    rules_free(b);
    for (size_t i = 0;
         sp->failover != NULL && sp->failover->has_cluster &&
         i < sp->failover->n_cluster_state_preservation && i < MAX_RULES;
         i++) {
        const Flotilla__V1__StatePreservationRule *r =
            sp->failover->cluster_state_preservation[i];

        b->alias[b->nrules] = strdup(r->alias_label_name);
        b->path[b->nrules] = strdup(r->json_path);
        if (b->alias[b->nrules] == NULL || b->path[b->nrules] == NULL) {
            free(b->alias[b->nrules]);
            free(b->path[b->nrules]);
            rc = -ENOMEM;
            goto out;
        }
        b->nrules++;
    }
    snprintf(b->purge, sizeof(b->purge), "%s",
             sp->failover != NULL && sp->failover->has_cluster
                 ? purge_name(b, sp->failover->cluster_purge_mode)
                 : "Gracefully");
    *out = b;
out:
    if (sp != NULL) {
        flotilla__v1__binding_spec__free_unpacked(sp, NULL);
    }
    return rc;
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

/* Adds (or removes) binding @key to the index of the clusters of @d. */
static int
index_decision(struct tmgr_state *s, const Flotilla__V1__ScheduleDecision *d,
               const char *key, bool add)
{
    for (size_t i = 0; d != NULL && i < d->n_clusters; i++) {
        const char *c = d->clusters[i]->name;
        struct strmap_entry *e = add ? util_strmap_put(&s->by_cluster, c)
                                     : util_strmap_get(&s->by_cluster, c);

        if (e == NULL) {
            if (add) {
                return -ENOMEM;
            }
            continue;
        }
        if (e->ptr == NULL &&
            (e->ptr = calloc(1, sizeof(struct strmap))) == NULL) {
            return -ENOMEM;
        }
        if (!add) {
            (void)util_strmap_del(e->ptr, key);
        } else if (util_strmap_put(e->ptr, key) == NULL) {
            return -ENOMEM;
        }
    }
    return 0;
}

static int
take_schedule(struct tmgr_state *s, const struct actor_msg *m,
              struct bnd **out, Flotilla__V1__ScheduleDecision **old)
{
    char key[600];
    Flotilla__V1__ScheduleDecision *d;
    struct bnd *b;

    *old = NULL;
    d = actor_msg_unpack(m, &flotilla__v1__schedule_decision__descriptor);
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
    *old = b->sched;
    b->sched = d;
    if (m->env->deleted || d->deleted) {
        decision_clear(d);
    }
    *out = b;
    bkey(key, sizeof(key), b->ns, b->name);
    (void)index_decision(s, *old, key, false);
    return index_decision(s, d, key, true);
}

/* Keeps the reported status of bindings with state preservation rules. */
static int
take_work(struct tmgr_state *s, const struct actor_msg *m)
{
    Flotilla__V1__WorkStatus *ws;
    struct strmap_entry *e;
    struct bnd *b;
    char key[900];
    int rc = 0;

    ws = actor_msg_unpack(m, &flotilla__v1__work_status__descriptor);
    if (ws == NULL || ws->cluster == NULL || ws->cluster[0] == '\0' ||
        ws->binding == NULL || ws->binding[0] == '\0') {
        rc = -EBADMSG;
        goto out;
    }
    pkey(key, sizeof(key), ws->namespace_, ws->binding, ws->cluster);
    b = bnd_get(s, ws->namespace_, ws->binding, false);
    free(util_strmap_del(&s->works, key));
    if (b == NULL || b->nrules == 0 || m->env->deleted ||
        ws->status_json.len == 0) {
        goto out;
    }
    e = util_strmap_put(&s->works, key);
    if (e == NULL || (e->ptr = strndup((const char *)ws->status_json.data,
                                       ws->status_json.len)) == NULL) {
        rc = -ENOMEM;
    }
out:
    if (ws != NULL) {
        flotilla__v1__work_status__free_unpacked(ws, NULL);
    }
    return rc;
}

static bool
own_producer(const Flotilla__V1__Envelope *env)
{
    return env->producer != NULL &&
           strncmp(env->producer, "taint-manager/", 14) == 0;
}

static int
take_own_request(struct tmgr_state *s, const struct actor_msg *m)
{
    Flotilla__V1__EvictionRequest *r;
    struct pair *p;

    if (!own_producer(m->env)) {
        return 0;
    }
    r = actor_msg_unpack(m, &flotilla__v1__eviction_request__descriptor);
    if (r == NULL) {
        return -EBADMSG;
    }
    p = pair_get(s, r->namespace_, r->name, r->cluster, true);
    if (p != NULL && !r->withdraw) {
        p->st = P_REQUESTED;
        p->episode_ns = r->episode_ns;
        p->has_detected = true;
        p->detected_ep = r->episode_ns;
        if (s->nreplay == s->capreplay) {
            size_t cap = s->capreplay ? s->capreplay * 2 : 64;
            int64_t *n = realloc(s->replay, cap * sizeof(*n));

            if (n != NULL) {
                s->replay = n;
                s->capreplay = cap;
            }
        }
        if (s->nreplay < s->capreplay) {
            s->replay[s->nreplay++] = r->requested_ns;
        }
    } else if (p != NULL) {
        p->st = P_NONE;
    }
    flotilla__v1__eviction_request__free_unpacked(r, NULL);
    return p != NULL ? 0 : -ENOMEM;
}

static int
take_own_record(struct tmgr_state *s, const struct actor_msg *m)
{
    Flotilla__V1__FailoverEvent *ev;
    struct pair *p;

    if (!own_producer(m->env)) {
        return 0;
    }
    ev = actor_msg_unpack(m, &flotilla__v1__failover_event__descriptor);
    if (ev == NULL) {
        return -EBADMSG;
    }
    p = pair_get(s, ev->namespace_, ev->name, ev->cluster, true);
    if (p != NULL) {
        /* Observed in Observe mode; after a switch to Evict, evict. */
        if (strcmp(ev->step, "Blocked") == 0 &&
            strcmp(ev->reason, "FailoverObserveOnly") == 0 &&
            s->cfg.mode == CFG_FAILOVER_OBSERVE) {
            p->st = P_OBSERVED;
            p->episode_ns = ev->episode_ns;
        }
        if (p->st == P_NONE || p->st == P_OBSERVED) {
            p->has_detected = true;
            p->detected_ep = ev->episode_ns;
        }
    }
    flotilla__v1__failover_event__free_unpacked(ev, NULL);
    return p != NULL ? 0 : -ENOMEM;
}

static int
take_own_event(struct tmgr_state *s, const struct actor_msg *m)
{
    Flotilla__V1__DecisionEvent *ev;

    ev = actor_msg_unpack(m, &flotilla__v1__decision_event__descriptor);
    if (ev == NULL) {
        return -EBADMSG;
    }
    if (strcmp(ev->decision, "BrakeEngaged") == 0) {
        s->announced = true;
    } else if (strcmp(ev->decision, "BrakeReleased") == 0) {
        s->announced = false;
    }
    flotilla__v1__decision_event__free_unpacked(ev, NULL);
    return 0;
}

static int
tm_absorb(void *p, const struct actor_msg *m)
{
    struct tmgr_state *s = p;
    const char *cluster = NULL;
    struct bnd *b = NULL;
    Flotilla__V1__ScheduleDecision *old = NULL;
    int rc = 0;

    if (bus_subject_matches("cluster.taint.*", m->subject)) {
        rc = take_taints(s, m, &cluster);
    } else if (bus_subject_matches("cluster.status.*", m->subject)) {
        rc = take_status(s, m);
    } else if (bus_subject_matches("binding.spec.*.*", m->subject)) {
        rc = take_spec(s, m, &b);
    } else if (bus_subject_matches("binding.schedule.*.*", m->subject)) {
        rc = take_schedule(s, m, &b, &old);
        if (old != NULL) {
            flotilla__v1__schedule_decision__free_unpacked(old, NULL);
        }
    } else if (bus_subject_matches("work.status.*.*.*", m->subject)) {
        rc = take_work(s, m);
    } else if (bus_subject_matches("binding.evict.*.*.*", m->subject)) {
        rc = take_own_request(s, m);
    } else if (bus_subject_matches("failover.record.*.*.*", m->subject)) {
        rc = take_own_record(s, m);
    } else if (bus_subject_matches("events.*", m->subject)) {
        rc = take_own_event(s, m);
    }
    return rc;
}

/* Evaluates @b on its clusters before and after a schedule change. */
static int
evaluate_binding(struct tmgr_state *s, struct actor_fx *fx, struct bnd *b,
                 const Flotilla__V1__ScheduleDecision *old, int64_t now)
{
    const Flotilla__V1__ScheduleDecision *ds[2] = { b->sched, old };
    int rc = 0;

    for (int k = 0; k < 2 && rc == 0; k++) {
        if (ds[k] == NULL) {
            continue;
        }
        for (size_t i = 0; i < ds[k]->n_clusters && rc == 0; i++) {
            rc = evaluate(s, fx, b->ns, b->name, ds[k]->clusters[i]->name,
                          now);
        }
        for (size_t i = 0; i < ds[k]->n_eviction_tasks && rc == 0; i++) {
            rc = evaluate(s, fx, b->ns, b->name,
                          ds[k]->eviction_tasks[i]->from_cluster, now);
        }
    }
    return rc;
}

static int
tm_handle(void *p, const struct actor_msg *m, int64_t now,
          struct actor_fx *fx)
{
    struct tmgr_state *s = p;
    const char *cluster = NULL;
    struct bnd *b = NULL;
    Flotilla__V1__ScheduleDecision *old = NULL;
    int rc = 0;

    if (bus_subject_matches("cluster.taint.*", m->subject)) {
        rc = take_taints(s, m, &cluster);
        if (rc == 0) {
            rc = evaluate_bindings(s, fx, cluster, now);
        }
    } else if (bus_subject_matches("cluster.status.*", m->subject)) {
        rc = take_status(s, m);
        if (rc == 0) {
            rc = brake_update(s, fx, now);
        }
    } else if (bus_subject_matches("binding.spec.*.*", m->subject)) {
        rc = take_spec(s, m, &b);
        if (rc == 0) {
            rc = evaluate_binding(s, fx, b, NULL, now);
        }
    } else if (bus_subject_matches("binding.schedule.*.*", m->subject)) {
        rc = take_schedule(s, m, &b, &old);
        if (rc == 0) {
            rc = evaluate_binding(s, fx, b, old, now);
        }
        if (old != NULL) {
            flotilla__v1__schedule_decision__free_unpacked(old, NULL);
        }
    } else if (bus_subject_matches("work.status.*.*.*", m->subject)) {
        rc = take_work(s, m);
    }
    return rc;
}

/* Spends the bucket as the requests read back did, so a restart is paced. */
static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

static void
bucket_replay(struct tmgr_state *s, int64_t now)
{
    if (s->nreplay > 0) {
        qsort(s->replay, s->nreplay, sizeof(*s->replay), cmp_i64);
    }
    for (size_t i = 0; i < s->nreplay && !bucket_unlimited(s); i++) {
        if (s->replay[i] > now) {
            break;
        }
        bucket_refill(s, s->replay[i]);
        s->tokens = s->tokens >= 1.0 ? s->tokens - 1.0 : 0.0;
    }
    free(s->replay);
    s->replay = NULL;
    s->nreplay = 0;
    s->capreplay = 0;
    bucket_refill(s, now);
}

static int
tm_timer(void *p, const char *name, int64_t now, struct actor_fx *fx)
{
    struct tmgr_state *s = p;
    struct pair *pr;
    int rc = 0;

    if (strcmp(name, "pump") == 0) {
        return pump(s, fx, now);
    }
    if (strcmp(name, "resume") == 0) {
        bucket_replay(s, now);
        brake_count(s);
        if (s->brake != s->announced &&
            s->cfg.mode != CFG_FAILOVER_DISABLED) {
            rc = brake_event(s, fx, now);
        }
        if (rc == 0) {
            rc = evaluate_bindings(s, fx, NULL, now);
        }
        if (rc == 0 && s->brake && s->cfg.mode != CFG_FAILOVER_DISABLED) {
            rc = withdraw_undecided(s, fx, now);
        }
        return rc;
    }
    if (strncmp(name, "due/", 4) == 0) {
        const char *key = actor_timer_key(&s->timer_keys, name);
        struct strmap_entry *e = key != NULL ? util_strmap_get(&s->pairs, key)
                                             : NULL;

        pr = e != NULL ? e->ptr : NULL;
        if (pr == NULL || pr->st != P_TIMER) {
            return 0;
        }
        pr->st = P_NONE;
        return evaluate(s, fx, pr->ns, pr->name, pr->cluster, now);
    }
    return 0;
}

static int
tm_resume(void *p, int64_t now, struct actor_fx *fx)
{
    (void)p;
    /* Work is done in the "resume" timer so its outputs get unique ids. */
    return actor_fx_timer(fx, "resume", now);
}

const struct actor_core tmgr_core = {
    .name = "taint-manager",
    .inputs = tm_inputs,
    .own_state = tm_own,
    .create = tm_create,
    .destroy = tm_destroy,
    .absorb = tm_absorb,
    .handle = tm_handle,
    .on_timer = tm_timer,
    .resume = tm_resume,
};

/* ------------------------------------------------------------ inspection */

void
tmgr_state_stats(const struct tmgr_state *s, struct tmgr_stats *out)
{
    struct strmap_entry *e;
    size_t i = 0;

    memset(out, 0, sizeof(*out));
    out->brake_engaged = s->brake;
    out->clusters = s->nclusters;
    out->not_ready = s->not_ready;
    out->requested = s->requested;
    out->withdrawn = s->withdrawn;
    out->tokens = s->tokens;
    while ((e = util_strmap_next(&s->pairs, &i)) != NULL) {
        const struct pair *p = e->ptr;

        out->queued += p->st == P_QUEUED;
        out->timers += p->st == P_TIMER;
    }
}

const char *
tmgr_state_pair(const struct tmgr_state *s, const char *ns,
                const char *binding, const char *cluster)
{
    static const char *names[] = { "none", "timer", "queued", "requested",
                                   "observed" };
    char key[900];
    struct strmap_entry *e;

    pkey(key, sizeof(key), ns, binding, cluster);
    e = util_strmap_get(&s->pairs, key);
    if (e == NULL || e->ptr == NULL) {
        return "none";
    }
    return names[((const struct pair *)e->ptr)->st];
}
