/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The application-failover core; see appfo/appfo.h.
 *
 * Per (binding, cluster): the last reported health and status, and the
 * Unhealthy clock as accumulated time plus the start of the running span.
 * Every clock change is published as a failover record carrying the clock,
 * which is what absorb() reads back.
 */
#define LOG_MODULE "application-failover"
#include "appfo/appfo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "appfo/jsonpath.h"
#include "bus/subject.h"
#include "util/log.h"
#include "util/strmap.h"

#define NS_PER_SEC INT64_C(1000000000)
#define MAX_RULES 32

struct bnd {
    char *ns;
    char *name;
    bool has_app;
    int64_t tol_ns;
    char purge[16];
    bool has_grace;
    int32_t grace_s;
    bool warned;             /* deprecated purge mode logged */
    size_t nrules;
    char *alias[MAX_RULES];
    char *path[MAX_RULES];
    Flotilla__V1__ScheduleDecision *sched;   /* owned */
};

struct pair {
    char *ns;
    char *name;
    char *cluster;
    char health[16];
    char *status_json;       /* last reported status, or NULL */
    int64_t accum_ns;        /* Unhealthy time before since_ns */
    int64_t since_ns;        /* start of the running span, 0: paused */
    int64_t episode_ns;      /* start of the unhealthy run (first sighting) */
    bool requested;          /* asked (or observed) for this episode */
    bool decided;            /* the scheduler acted on the request */
    bool timer;
};

struct appfo_state {
    struct appfo_config cfg;
    struct strmap bindings;   /* "ns/name" -> struct bnd */
    struct strmap pairs;      /* "ns/name/cluster" -> struct pair */
    struct strmap timer_keys; /* timer name -> pair key (char *) */
};

static const struct actor_input af_inputs[] = {
    { "FL_BINDINGS", "binding.spec.*.*", true },
    { "FL_BINDINGS", "binding.schedule.*.*", true },
    { "FL_WORK", "work.status.*.*.*", true },
    { NULL, NULL, false },
};

static const struct actor_input af_own[] = {
    { "FL_EVICTIONS", "binding.evict.*.*.*", true },
    { "FL_EVENTS", "failover.record.*.*.*", true },
    { NULL, NULL, false },
};

void
appfo_config_init(struct appfo_config *c)
{
    c->mode = CFG_FAILOVER_EVICT;
}

const void *
appfo_config_build(const struct cfg *c)
{
    static struct appfo_config ac;

    appfo_config_init(&ac);
    if (c != NULL) {
        ac.mode = c->failover.mode;
    }
    return &ac;
}

/* ------------------------------------------------------------ state */

static void *
af_create(const void *config)
{
    struct appfo_state *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        return NULL;
    }
    if (config != NULL) {
        s->cfg = *(const struct appfo_config *)config;
    } else {
        appfo_config_init(&s->cfg);
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
    free(p->status_json);
    free(p);
}

static void
af_destroy(void *v)
{
    struct appfo_state *s = v;
    struct strmap_entry *e;
    size_t i = 0;

    if (s == NULL) {
        return;
    }
    while ((e = util_strmap_next(&s->bindings, &i)) != NULL) {
        bnd_free(e->ptr);
    }
    i = 0;
    while ((e = util_strmap_next(&s->pairs, &i)) != NULL) {
        pair_free(e->ptr);
    }
    i = 0;
    while ((e = util_strmap_next(&s->timer_keys, &i)) != NULL) {
        free(e->ptr);
    }
    util_strmap_release(&s->timer_keys);
    util_strmap_release(&s->bindings);
    util_strmap_release(&s->pairs);
    free(s);
}

static void
pkey(char *buf, size_t len, const char *ns, const char *name,
     const char *cluster)
{
    snprintf(buf, len, "%s/%s/%s", ns, name, cluster);
}

static struct bnd *
bnd_get(struct appfo_state *s, const char *ns, const char *name, bool create)
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

static struct pair *
pair_get(struct appfo_state *s, const char *ns, const char *name,
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

static bool
placed_on(const struct bnd *b, const char *cluster)
{
    for (size_t i = 0; b->sched != NULL && i < b->sched->n_clusters; i++) {
        if (strcmp(b->sched->clusters[i]->name, cluster) == 0) {
            return true;
        }
    }
    return false;
}

static bool
has_task(const struct bnd *b, const char *cluster)
{
    for (size_t i = 0; b->sched != NULL && i < b->sched->n_eviction_tasks;
         i++) {
        if (strcmp(b->sched->eviction_tasks[i]->from_cluster, cluster) == 0) {
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------ effects */

static void
bkey(char *buf, size_t len, const struct pair *p)
{
    if (p->ns[0] != '\0') {
        snprintf(buf, len, "%s/%s", p->ns, p->name);
    } else {
        snprintf(buf, len, "%s", p->name);
    }
}

static int
record(struct actor_fx *fx, const struct pair *p, const char *step,
       const char *reason, const char *message, int64_t now,
       Flotilla__V1__FailoverEvent__PreservedLabelStateEntry **kv, size_t nkv)
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
    /* Counted up to now; a step with the clock running reads back as
     * "running since at_ns" (take_own_record). */
    ev.unhealthy_ns = p->accum_ns + (p->since_ns != 0 ? now - p->since_ns : 0);
    ev.episode_ns = p->episode_ns;
    ev.preserved_label_state = kv;
    ev.n_preserved_label_state = nkv;
    if (bus_subject_build(subject, sizeof(subject), "failover.record", p->ns,
                          p->name, p->cluster) < 0) {
        return -ENAMETOOLONG;
    }
    bkey(key, sizeof(key), p);
    return actor_fx_publish(fx, subject, key, "FailoverEvent", &ev.base, 0);
}


static int
arm(struct appfo_state *s, struct actor_fx *fx, struct pair *p, int64_t due)
{
    char name[64];
    char key[900];
    int rc;

    if (due == 0 && !p->timer) {
        return 0;
    }
    p->timer = due != 0;
    pkey(key, sizeof(key), p->ns, p->name, p->cluster);
    rc = actor_timer_name(&s->timer_keys, "tol/", key, name, sizeof(name));
    return rc == 0 ? actor_fx_timer(fx, name, due) : rc;
}

/* Karmada's aliases, logged once per binding; the rest as written. */
static const char *
purge_name(struct bnd *b, const char *m)
{
    if (m == NULL || m[0] == '\0') {
        return "Gracefully";
    }
    if (strcmp(m, "Immediately") == 0 || strcmp(m, "Graciously") == 0) {
        if (!b->warned) {
            b->warned = true;
            log_warn("deprecated purge mode name, taken as its new name",
                     "binding=%s/%s mode=%s", b->ns, b->name, m);
        }
        return m[0] == 'I' ? "Directly" : "Gracefully";
    }
    return m;
}

struct preserved {
    Flotilla__V1__EvictionRequest__PreservedLabelStateEntry req[MAX_RULES];
    Flotilla__V1__EvictionRequest__PreservedLabelStateEntry *reqp[MAX_RULES];
    Flotilla__V1__FailoverEvent__PreservedLabelStateEntry rec[MAX_RULES];
    Flotilla__V1__FailoverEvent__PreservedLabelStateEntry *recp[MAX_RULES];
    char values[MAX_RULES][256];
    size_t n;
    char failed[512];        /* aliases that could not be preserved */
};

static int
eval_rule(const json_t *doc, const char *path, char *out, size_t len)
{
    const char *rest;
    char alt[512];
    int rc = appfo_jsonpath_eval(doc, path, out, len);

    /* `{ .status.x }` over a document that is the status itself. */
    if (rc == -ENOENT && (rest = strstr(path, ".status")) != NULL &&
        json_object_get(doc, "status") == NULL) {
        snprintf(alt, sizeof(alt), "%s%s", strchr(path, '{') ? "{" : "",
                 rest + strlen(".status"));
        rc = appfo_jsonpath_eval(doc, alt, out, len);
    }
    return rc;
}

/* Runs the rules over the last reported status; never blocks eviction. */
static void
preserve(const struct bnd *b, const struct pair *p, struct preserved *pv)
{
    json_t *doc = NULL;
    size_t off = 0;

    memset(pv, 0, sizeof(*pv));
    if (b->nrules == 0) {
        return;
    }
    if (p->status_json != NULL) {
        doc = json_loads(p->status_json, JSON_DECODE_ANY, NULL);
    }
    for (size_t i = 0; i < b->nrules; i++) {
        int rc = doc != NULL ? eval_rule(doc, b->path[i], pv->values[pv->n],
                                         sizeof(pv->values[0]))
                             : -ENODATA;

        if (rc != 0) {
            int n = snprintf(pv->failed + off, sizeof(pv->failed) - off,
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
request(struct appfo_state *s, struct actor_fx *fx, struct pair *p,
        const struct bnd *b, bool withdraw, const char *why, int64_t now)
{
    Flotilla__V1__EvictionRequest r = FLOTILLA__V1__EVICTION_REQUEST__INIT;
    struct preserved pv;
    char subject[BUS_SUBJECT_MAX];
    char key[600];
    char msg[900];
    char dkey[900];
    int rc;

    preserve(b, p, &pv);
    snprintf(msg, sizeof(msg), "%s%s%s", why,
             pv.failed[0] ? "; not preserved: " : "", pv.failed);
    if (s->cfg.mode == CFG_FAILOVER_OBSERVE && !withdraw) {
        p->requested = true;
        p->decided = false;
        return record(fx, p, "Blocked", "FailoverObserveOnly", msg, now,
                      pv.recp, pv.n);
    }
    r.namespace_ = p->ns;
    r.name = p->name;
    r.cluster = p->cluster;
    r.reason = "ApplicationFailure";
    r.message = msg;
    r.purge_mode = (char *)b->purge;
    r.has_grace_period = b->has_grace && strcmp(b->purge, "Gracefully") == 0;
    r.grace_period_seconds = r.has_grace_period ? b->grace_s : 0;
    r.preserved_label_state = withdraw ? NULL : pv.reqp;
    r.n_preserved_label_state = withdraw ? 0 : pv.n;
    r.requested_ns = now;
    r.withdraw = withdraw;
    r.episode_ns = p->episode_ns;
    if (bus_subject_build(subject, sizeof(subject), "binding.evict", p->ns,
                          p->name, p->cluster) < 0) {
        return -ENAMETOOLONG;
    }
    bkey(key, sizeof(key), p);
    rc = actor_fx_publish(fx, subject, key, "EvictionRequest", &r.base, 0);
    if (rc != 0) {
        return rc;
    }
    pkey(dkey, sizeof(dkey), p->ns, p->name, p->cluster);
    actor_fx_decision(fx, dkey, withdraw ? "withdraw" : "request", why);
    p->requested = !withdraw;
    p->decided = false;
    return record(fx, p, withdraw ? "Withdrawn" : "Requested",
                  withdraw ? "Recovered" : "ApplicationFailure", msg, now,
                  withdraw ? NULL : pv.recp, withdraw ? 0 : pv.n);
}

/* ------------------------------------------------------------ decisions */

static int
clock_stop(struct appfo_state *s, struct actor_fx *fx, struct pair *p,
           bool reset, int64_t now)
{
    int rc = 0;

    if (reset) {
        if (p->since_ns != 0 || p->accum_ns != 0) {
            p->accum_ns = 0;
            p->since_ns = 0;
            rc = record(fx, p, "Recovered", "Healthy",
                        "healthy again: the clock is reset", now, NULL, 0);
        }
        p->episode_ns = 0;
    } else if (p->since_ns != 0) {
        p->accum_ns += now - p->since_ns;
        p->since_ns = 0;
        rc = record(fx, p, "Paused", "HealthUnknown",
                    "health Unknown: the clock is paused", now, NULL, 0);
    }
    if (rc == 0) {
        rc = arm(s, fx, p, 0);
    }
    return rc;
}

static int
unhealthy(struct appfo_state *s, struct actor_fx *fx, struct pair *p,
          const struct bnd *b, int64_t now)
{
    char msg[200];
    int64_t elapsed;
    int rc = 0;

    if (p->since_ns == 0) {
        bool first = p->accum_ns == 0;

        p->since_ns = now;
        if (first) {
            p->episode_ns = now;
        }
        rc = record(fx, p, first ? "Detected" : "Resumed", "Unhealthy",
                    first ? "workload Unhealthy: the clock starts"
                          : "Unhealthy again: the clock resumes",
                    now, NULL, 0);
    }
    if (rc != 0 || p->requested) {
        return rc;
    }
    elapsed = p->accum_ns + (now - p->since_ns);
    if (elapsed < b->tol_ns) {
        return arm(s, fx, p, p->since_ns + (b->tol_ns - p->accum_ns));
    }
    snprintf(msg, sizeof(msg),
             "Unhealthy for %" PRId64 "s (tolerationSeconds %" PRId64 ")",
             elapsed / NS_PER_SEC, b->tol_ns / NS_PER_SEC);
    rc = arm(s, fx, p, 0);
    return rc == 0 ? request(s, fx, p, b, false, msg, now) : rc;
}

static int
evaluate(struct appfo_state *s, struct actor_fx *fx, const char *ns,
         const char *name, const char *cluster, int64_t now)
{
    struct bnd *b = bnd_get(s, ns, name, false);
    struct pair *p = pair_get(s, ns, name, cluster, false);
    bool placed;

    if (p == NULL || s->cfg.mode == CFG_FAILOVER_DISABLED) {
        return 0;
    }
    placed = b != NULL && placed_on(b, cluster) && !has_task(b, cluster);
    if (p->requested && (b == NULL || !placed)) {
        p->decided = true;
    }
    if (p->requested && p->decided && placed) {
        /* Placed here again after an eviction: a new life. */
        p->requested = false;
        p->decided = false;
        p->accum_ns = 0;
        p->since_ns = 0;
        p->episode_ns = 0;
    }
    if (b == NULL || !b->has_app || !placed) {
        if (p->requested && !p->decided && b != NULL && placed) {
            return request(s, fx, p, b, true, "application failover off",
                           now);
        }
        return arm(s, fx, p, 0);
    }
    if (strcmp(p->health, "Unhealthy") == 0) {
        return unhealthy(s, fx, p, b, now);
    }
    if (strcmp(p->health, "Healthy") == 0) {
        int rc = clock_stop(s, fx, p, true, now);

        if (rc == 0 && p->requested && !p->decided) {
            rc = request(s, fx, p, b, true, "workload Healthy again", now);
        }
        return rc;
    }
    return clock_stop(s, fx, p, false, now);
}

/* ------------------------------------------------------------ inputs */

static int
set_rules(struct bnd *b, const Flotilla__V1__FailoverBehavior *f)
{
    rules_free(b);
    for (size_t i = 0; i < f->n_application_state_preservation &&
                       b->nrules < MAX_RULES;
         i++) {
        const Flotilla__V1__StatePreservationRule *r =
            f->application_state_preservation[i];

        b->alias[b->nrules] = strdup(r->alias_label_name);
        b->path[b->nrules] = strdup(r->json_path);
        if (b->alias[b->nrules] == NULL || b->path[b->nrules] == NULL) {
            free(b->alias[b->nrules]);
            free(b->path[b->nrules]);
            return -ENOMEM;
        }
        b->nrules++;
    }
    return 0;
}

static int
take_spec(struct appfo_state *s, const struct actor_msg *m, struct bnd **out)
{
    Flotilla__V1__BindingSpec *sp;
    const Flotilla__V1__FailoverBehavior *f;
    struct bnd *b = NULL;
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
    f = sp->failover;
    b->has_app = !m->env->deleted && f != NULL && f->has_application;
    if (b->has_app) {
        b->tol_ns = (int64_t)(f->application_toleration_seconds > 0
                                  ? f->application_toleration_seconds
                                  : 0) * NS_PER_SEC;
        snprintf(b->purge, sizeof(b->purge), "%s",
                 purge_name(b, f->application_purge_mode));
        b->has_grace = f->has_grace_period;
        b->grace_s = f->grace_period_seconds;
        rc = set_rules(b, f);
    }
out:
    if (sp != NULL) {
        flotilla__v1__binding_spec__free_unpacked(sp, NULL);
    }
    *out = b;
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

static int
take_schedule(struct appfo_state *s, const struct actor_msg *m,
              struct bnd **out, Flotilla__V1__ScheduleDecision **old)
{
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
    if (m->env->deleted || d->deleted) {
        decision_clear(d);
    }
    *old = b->sched;
    b->sched = d;
    *out = b;
    return 0;
}

static int
take_work(struct appfo_state *s, const struct actor_msg *m,
          struct pair **out)
{
    Flotilla__V1__WorkStatus *ws;
    struct pair *p = NULL;
    int rc = 0;

    ws = actor_msg_unpack(m, &flotilla__v1__work_status__descriptor);
    if (ws == NULL || ws->cluster == NULL || ws->cluster[0] == '\0' ||
        ws->binding == NULL || ws->binding[0] == '\0') {
        rc = -EBADMSG;
        goto out;
    }
    p = pair_get(s, ws->namespace_, ws->binding, ws->cluster, true);
    if (p == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    snprintf(p->health, sizeof(p->health), "%s",
             m->env->deleted || !ws->present ? "Unknown" : ws->health);
    free(p->status_json);
    p->status_json = NULL;
    if (ws->status_json.len > 0) {
        p->status_json = strndup((const char *)ws->status_json.data,
                                 ws->status_json.len);
    }
out:
    if (ws != NULL) {
        flotilla__v1__work_status__free_unpacked(ws, NULL);
    }
    *out = p;
    return rc;
}

static bool
own_producer(const Flotilla__V1__Envelope *env)
{
    return env->producer != NULL &&
           strncmp(env->producer, "application-failover/", 21) == 0;
}

static int
take_own_request(struct appfo_state *s, const struct actor_msg *m)
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
    if (p != NULL) {
        p->requested = !r->withdraw;
        if (!r->withdraw) {
            p->episode_ns = r->episode_ns;
        }
    }
    flotilla__v1__eviction_request__free_unpacked(r, NULL);
    return p != NULL ? 0 : -ENOMEM;
}

static int
take_own_record(struct appfo_state *s, const struct actor_msg *m)
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
        /* An Observe-mode record counts as asked only in Observe mode. */
        bool asked = strcmp(ev->step, "Requested") == 0 ||
                     (strcmp(ev->step, "Blocked") == 0 &&
                      s->cfg.mode == CFG_FAILOVER_OBSERVE);

        p->accum_ns = ev->unhealthy_ns;
        p->episode_ns = ev->episode_ns;
        p->since_ns = 0;
        if (asked || strcmp(ev->step, "Detected") == 0 ||
            strcmp(ev->step, "Resumed") == 0) {
            p->since_ns = ev->at_ns;   /* running since then */
        } else if (strcmp(ev->step, "Recovered") == 0 ||
                   strcmp(ev->step, "Withdrawn") == 0) {
            p->accum_ns = 0;
        }
        if (asked) {
            p->requested = true;
        } else if (strcmp(ev->step, "Withdrawn") == 0) {
            p->requested = false;
        }
    }
    flotilla__v1__failover_event__free_unpacked(ev, NULL);
    return p != NULL ? 0 : -ENOMEM;
}

static int
af_absorb(void *v, const struct actor_msg *m)
{
    struct appfo_state *s = v;
    Flotilla__V1__ScheduleDecision *old = NULL;
    struct bnd *b = NULL;
    struct pair *p = NULL;
    int rc = 0;

    if (bus_subject_matches("binding.spec.*.*", m->subject)) {
        rc = take_spec(s, m, &b);
    } else if (bus_subject_matches("binding.schedule.*.*", m->subject)) {
        rc = take_schedule(s, m, &b, &old);
        if (old != NULL) {
            flotilla__v1__schedule_decision__free_unpacked(old, NULL);
        }
    } else if (bus_subject_matches("work.status.*.*.*", m->subject)) {
        rc = take_work(s, m, &p);
    } else if (bus_subject_matches("binding.evict.*.*.*", m->subject)) {
        rc = take_own_request(s, m);
    } else if (bus_subject_matches("failover.record.*.*.*", m->subject)) {
        rc = take_own_record(s, m);
    }
    return rc;
}

static int
evaluate_binding(struct appfo_state *s, struct actor_fx *fx, struct bnd *b,
                 const Flotilla__V1__ScheduleDecision *old, int64_t now)
{
    const Flotilla__V1__ScheduleDecision *ds[2] = { b->sched, old };
    int rc = 0;

    for (int k = 0; k < 2 && rc == 0; k++) {
        for (size_t i = 0; ds[k] != NULL && i < ds[k]->n_clusters && rc == 0;
             i++) {
            rc = evaluate(s, fx, b->ns, b->name, ds[k]->clusters[i]->name,
                          now);
        }
        for (size_t i = 0;
             ds[k] != NULL && i < ds[k]->n_eviction_tasks && rc == 0; i++) {
            rc = evaluate(s, fx, b->ns, b->name,
                          ds[k]->eviction_tasks[i]->from_cluster, now);
        }
    }
    return rc;
}

static int
af_handle(void *v, const struct actor_msg *m, int64_t now,
          struct actor_fx *fx)
{
    struct appfo_state *s = v;
    Flotilla__V1__ScheduleDecision *old = NULL;
    struct bnd *b = NULL;
    struct pair *p = NULL;
    int rc = 0;

    if (bus_subject_matches("binding.spec.*.*", m->subject)) {
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
        rc = take_work(s, m, &p);
        if (rc == 0) {
            rc = evaluate(s, fx, p->ns, p->name, p->cluster, now);
        }
    }
    return rc;
}

static int
evaluate_all(struct appfo_state *s, struct actor_fx *fx, int64_t now)
{
    size_t n = 0;
    const char **keys = util_strmap_sorted_keys(&s->pairs, &n);
    int rc = 0;

    if (keys == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct pair *p = util_strmap_get(&s->pairs, keys[i])->ptr;

        rc = evaluate(s, fx, p->ns, p->name, p->cluster, now);
    }
    free(keys);
    return rc;
}

static int
af_timer(void *v, const char *name, int64_t now, struct actor_fx *fx)
{
    struct appfo_state *s = v;
    struct strmap_entry *e;
    struct pair *p;

    if (strcmp(name, "resume") == 0) {
        return evaluate_all(s, fx, now);
    }
    if (strncmp(name, "tol/", 4) != 0) {
        return 0;
    }
    e = actor_timer_key(&s->timer_keys, name) != NULL
            ? util_strmap_get(&s->pairs, actor_timer_key(&s->timer_keys, name))
            : NULL;
    p = e != NULL ? e->ptr : NULL;
    if (p == NULL) {
        return 0;
    }
    p->timer = false;
    return evaluate(s, fx, p->ns, p->name, p->cluster, now);
}

static int
af_resume(void *v, int64_t now, struct actor_fx *fx)
{
    (void)v;
    /* Decided in the "resume" timer, so outputs get unique message ids. */
    return actor_fx_timer(fx, "resume", now);
}

const struct actor_core appfo_core = {
    .name = "application-failover",
    .inputs = af_inputs,
    .own_state = af_own,
    .create = af_create,
    .destroy = af_destroy,
    .absorb = af_absorb,
    .handle = af_handle,
    .on_timer = af_timer,
    .resume = af_resume,
};

int64_t
appfo_state_unhealthy_ns(const struct appfo_state *s, const char *ns,
                         const char *binding, const char *cluster,
                         int64_t now_ns)
{
    char key[900];
    struct strmap_entry *e;
    const struct pair *p;

    pkey(key, sizeof(key), ns, binding, cluster);
    e = util_strmap_get(&s->pairs, key);
    p = e != NULL ? e->ptr : NULL;
    if (p == NULL || (p->accum_ns == 0 && p->since_ns == 0)) {
        return -1;
    }
    return p->accum_ns + (p->since_ns != 0 ? now_ns - p->since_ns : 0);
}
