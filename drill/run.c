/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running a scenario in virtual time: the real cores on an actor_sim, the
 * members in member/cluster.h, and the agents played here (prober, Pull
 * heartbeats, member agent). See drill/drill.h and tests/scenarios/README.md.
 */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/sim.h"
#include "appfo/appfo.h"
#include "bus/subject.h"
#include "cstatus/cstatus.h"
#include "ctaint/ctaint.h"
#include "executor/executor.h"
#include "geviction/geviction.h"
#include "member/kinds.h"
#include "model/interp.h"
#include "policy/actor.h"
#include "prober/prober.h"
#include "sched/actor.h"
#include "tmgr/tmgr.h"
#include "util/strmap.h"
#include "util/time.h"

#define SEP "\x1f"
/* 2026-01-01T00:00:00Z: the virtual clock's zero. */
#define DRILL_T0_NS (INT64_C(1767225600) * NS_PER_S)
#define SETTLE_MAX 10000

struct rt_work {
    char *ns;                          /* binding namespace ("" cluster-scoped) */
    char *binding;
    char *resource;                    /* plural, "" when not served */
    char *obj_ns;
    char *obj_name;
    Flotilla__V1__WorkSpec *pending;   /* received, not applied yet */
    bool queued;
    bool deleted;                      /* last applied spec was a delete */
    bool applied_once;
    char apply_error[700];
    uint8_t *last;                     /* last published status, packed */
    size_t last_len;
};

struct rt_cluster {
    struct drill_cluster *dc;
    struct member_cluster *mc;
    int64_t next_probe;
    bool answer_pending;
    int64_t answer_due;
    int64_t answer_probed;
    int answer_rc;
    int answer_code;
    int64_t next_hb;
    json_t *conditions;                /* [{type,status,reason,message,t}] */
    struct strmap works;               /* ns SEP binding -> rt_work */
    struct rt_work **queue;            /* works with a pending spec, in order */
    size_t nqueue, capqueue;
    struct strmap mirror;              /* resource SEP ns SEP name -> json */
    uint64_t mirror_rv;
    Flotilla__V1__APIEnablement **apis;
    size_t napis;
};

struct rt_decision {
    int64_t at;
    char *actor;
    char *key;
    char *text;
};

struct rt {
    struct drill *d;
    struct actor_sim *sim;
    FILE *out;
    bool quiet;
    bool trace;                        /* DRILL_TRACE set: every message */
    struct rt_cluster *cl;
    size_t ncl;
    struct strmap sched_subjects;      /* binding.schedule.* seen */
    struct strmap generations;         /* object subject -> applies */
    struct rt_decision *dec;
    size_t ndec, capdec;
    struct drill_result *res;
    int rc;                            /* first hard error */
    char *err;
    size_t errlen;
    struct tmgr_config tmgr;
    struct geviction_config gev;
    struct appfo_config appfo;
    struct executor_config exec;
};

static double
secs(const struct rt *r, int64_t t)
{
    (void)r;
    return (double)(t - DRILL_T0_NS) / 1e9;
}

static struct rt_cluster *
rt_cluster_find(struct rt *r, const char *name)
{
    for (size_t i = 0; name != NULL && i < r->ncl; i++) {
        if (strcmp(r->cl[i].dc->name, name) == 0) {
            return &r->cl[i];
        }
    }
    return NULL;
}

static void
rt_error(struct rt *r, int rc, const char *fmt, const char *a, const char *b)
{
    if (r->rc == 0) {
        r->rc = rc;
        snprintf(r->err, r->errlen, fmt, a, b);
    }
}

/* ---------------------------------------------------------------- taps */

static void
on_decision(const char *actor, const char *key, const char *decision,
            const char *reason, int64_t now_ns, void *arg)
{
    struct rt *r = arg;
    struct rt_decision *x;
    char text[1024];

    snprintf(text, sizeof(text), "%s%s%s%s", decision,
             reason != NULL && reason[0] != '\0' ? " (" : "",
             reason != NULL ? reason : "",
             reason != NULL && reason[0] != '\0' ? ")" : "");
    if (!r->quiet) {
        fprintf(r->out, "  %9.3fs  %-20s %-30s %s\n", secs(r, now_ns), actor,
                key, text);
    }
    r->res->decisions++;
    if (r->d->tap != NULL) {
        r->d->tap(actor, key, decision, reason, now_ns - DRILL_T0_NS,
                  r->d->tap_arg);
    }
    if (r->ndec == r->capdec) {
        size_t cap = r->capdec ? r->capdec * 2 : 256;
        struct rt_decision *n = realloc(r->dec, cap * sizeof(*n));

        if (n == NULL) {
            return;
        }
        r->dec = n;
        r->capdec = cap;
    }
    x = &r->dec[r->ndec];
    x->at = now_ns;
    x->actor = strdup(actor);
    x->key = strdup(key);
    x->text = strdup(text);
    if (x->actor == NULL || x->key == NULL || x->text == NULL) {
        free(x->actor);
        free(x->key);
        free(x->text);
        return;
    }
    r->ndec++;
}

static struct rt_work *
work_get(struct rt_cluster *c, const char *ns, const char *binding)
{
    char key[600];
    struct strmap_entry *e;
    struct rt_work *w;

    snprintf(key, sizeof(key), "%s" SEP "%s", ns, binding);
    e = util_strmap_put(&c->works, key);
    if (e == NULL) {
        return NULL;
    }
    if (e->ptr != NULL) {
        return e->ptr;
    }
    w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return NULL;
    }
    w->ns = strdup(ns);
    w->binding = strdup(binding);
    w->resource = strdup("");
    w->obj_ns = strdup("");
    w->obj_name = strdup("");
    e->ptr = w;
    return w;
}

static void
on_message(const char *subject, const Flotilla__V1__Envelope *env,
           uint64_t seq, int64_t now_ns, void *arg)
{
    struct rt *r = arg;

    (void)seq;
    if (r->trace) {
        fprintf(r->out, "  %9.3fs  %-20s %-30s message %s\n",
                secs(r, now_ns), env->producer, env->key, subject);
    }
    if (strncmp(subject, "binding.schedule.", 17) == 0) {
        (void)util_strmap_put(&r->sched_subjects, subject);
        return;
    }
    if (strncmp(subject, "work.spec.", 10) == 0 && !env->deleted) {
        Flotilla__V1__WorkSpec *ws = flotilla__v1__work_spec__unpack(
            NULL, env->payload.len, env->payload.data);
        struct rt_cluster *c = ws != NULL ? rt_cluster_find(r, ws->cluster)
                                          : NULL;
        struct rt_work *w = c != NULL ? work_get(c, ws->namespace_,
                                                 ws->binding)
                                      : NULL;

        if (w == NULL) {
            if (ws != NULL) {
                flotilla__v1__work_spec__free_unpacked(ws, NULL);
            }
            return;
        }
        if (w->pending != NULL) {
            flotilla__v1__work_spec__free_unpacked(w->pending, NULL);
        }
        w->pending = ws;
        if (!w->queued) {
            if (c->nqueue == c->capqueue) {
                size_t cap = c->capqueue ? c->capqueue * 2 : 16;
                struct rt_work **n = realloc(c->queue, cap * sizeof(*n));

                if (n == NULL) {
                    return;
                }
                c->queue = n;
                c->capqueue = cap;
            }
            c->queue[c->nqueue++] = w;
            w->queued = true;
        }
    }
}

/* ---------------------------------------------------------------- members */

static void
mirror_key(char *buf, size_t len, const char *resource, const char *ns,
           const char *name)
{
    snprintf(buf, len, "%s" SEP "%s" SEP "%s", resource, ns ? ns : "",
             name ? name : "");
}

static const char *
jstr(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);

    if (b != NULL) {
        v = json_object_get(v, b);
    }
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void
mirror_sync(struct rt *r, struct rt_cluster *c)
{
    json_t *events = NULL;
    json_t *ev;
    size_t i;
    int rc;

    rc = member_cluster_events_since(c->mc, c->mirror_rv, NULL, NULL,
                                     &events);
    if (rc != 0) {
        /* TODO: relist on -ESTALE (more than 4096 changes between two
         * syncs); until then the mirror may miss objects. */
        rt_error(r, rc, "member %s: change log lost (%s)", c->dc->name,
                 strerror(-rc));
        return;
    }
    json_array_foreach(events, i, ev) {
        const char *res = jstr(ev, "resource", NULL);
        const json_t *obj = json_object_get(ev, "object");
        const char *type = jstr(ev, "type", NULL);
        char key[800];

        if (res == NULL || obj == NULL || type == NULL) {
            continue;
        }
        mirror_key(key, sizeof(key), res, jstr(obj, "metadata", "namespace"),
                   jstr(obj, "metadata", "name"));
        if (strcmp(type, "DELETED") == 0) {
            json_decref(util_strmap_del(&c->mirror, key));
        } else {
            struct strmap_entry *e = util_strmap_put(&c->mirror, key);

            if (e != NULL) {
                json_decref(e->ptr);
                e->ptr = json_deep_copy(obj);
            }
        }
    }
    json_decref(events);
    c->mirror_rv = member_cluster_resource_version(c->mc);
}

static const json_t *
mirror_get(struct rt_cluster *c, const char *resource, const char *ns,
           const char *name)
{
    char key[800];
    struct strmap_entry *e;

    mirror_key(key, sizeof(key), resource, ns, name);
    e = util_strmap_get(&c->mirror, key);
    return e != NULL ? e->ptr : NULL;
}

static bool
member_serves(const struct rt_cluster *c)
{
    return member_cluster_serving(c->mc) == MEMBER_SERVING_OK &&
           member_cluster_answer_delay(c->mc) == 0;
}

static void
work_set_target(struct rt_work *w, const Flotilla__V1__WorkSpec *ws)
{
    const struct member_kind *k = NULL;

    if (ws->resource != NULL && ws->resource->kind != NULL) {
        k = member_kinds_by_kind(ws->resource->kind);
    }
    free(w->resource);
    free(w->obj_ns);
    free(w->obj_name);
    w->resource = strdup(k != NULL ? k->resource : "");
    w->obj_ns = strdup(k != NULL && k->namespaced && ws->resource->namespace_
                           ? ws->resource->namespace_
                           : "");
    w->obj_name = strdup(ws->resource != NULL && ws->resource->name
                             ? ws->resource->name
                             : "");
}

static bool
namespace_is_empty(struct rt_cluster *c, const char *ns)
{
    struct strmap_entry *e;
    size_t i = 0;

    while ((e = util_strmap_next(&c->mirror, &i)) != NULL) {
        const char *obj_ns = jstr(e->ptr, "metadata", "namespace");

        if (obj_ns != NULL && strcmp(obj_ns, ns) == 0) {
            return false;
        }
    }
    return true;
}

/* The member agent applies one WorkSpec. */
static void
agent_apply_one(struct rt *r, struct rt_cluster *c, struct rt_work *w,
                const Flotilla__V1__WorkSpec *ws)
{
    struct member_error merr;
    int rc = 0;

    (void)r;
    work_set_target(w, ws);
    w->apply_error[0] = '\0';
    memset(&merr, 0, sizeof(merr));
    if (w->resource[0] == '\0') {
        snprintf(w->apply_error, sizeof(w->apply_error),
                 "kind %s is not served by the member",
                 ws->resource != NULL ? ws->resource->kind : "?");
        return;
    }
    if (ws->delete_) {
        if (ws->delete_only_if_owned_and_empty &&
            strcmp(w->resource, "namespaces") == 0) {
            const json_t *nsobj = mirror_get(c, "namespaces", "", w->obj_name);
            const char *mark = jstr(json_object_get(nsobj, "metadata"),
                                    "labels", EXECUTOR_MANAGED_LABEL);

            if (nsobj == NULL || mark == NULL || strcmp(mark, "true") != 0 ||
                !namespace_is_empty(c, w->obj_name)) {
                w->deleted = true;
                return;
            }
        }
        rc = member_cluster_delete(c->mc, w->resource, w->obj_ns, w->obj_name,
                                   NULL);
        if (rc != 0 && rc != -ENOENT) {
            snprintf(w->apply_error, sizeof(w->apply_error), "delete: %s",
                     strerror(-rc));
        }
        w->deleted = true;
        return;
    }
    if (ws->needs_namespace && w->obj_ns[0] != '\0' &&
        mirror_get(c, "namespaces", "", w->obj_ns) == NULL) {
        json_t *nsobj = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion",
                                  "v1", "kind", "Namespace", "metadata",
                                  "name", w->obj_ns, "labels",
                                  EXECUTOR_MANAGED_LABEL, "true");

        rc = member_cluster_create(c->mc, "namespaces", NULL, nsobj,
                                   "flotilla", NULL, &merr);
        json_decref(nsobj);
        if (rc != 0 && rc != -EEXIST) {
            snprintf(w->apply_error, sizeof(w->apply_error),
                     "namespace %s: %s", w->obj_ns, strerror(-rc));
            return;
        }
        mirror_sync(r, c);
    }
    {
        json_error_t jerr;
        json_t *m = json_loadb((const char *)ws->manifest_json.data,
                               ws->manifest_json.len, 0, &jerr);
        bool created = false;

        if (m == NULL) {
            snprintf(w->apply_error, sizeof(w->apply_error),
                     "manifest is not JSON: %s", jerr.text);
            return;
        }
        rc = member_cluster_apply(c->mc, w->resource, w->obj_ns, w->obj_name,
                                  m, "flotilla", true, MEMBER_UPDATE_MAIN,
                                  NULL, &created, &merr);
        json_decref(m);
        if (rc != 0) {
            snprintf(w->apply_error, sizeof(w->apply_error), "%s: %s %s",
                     strerror(-rc), merr.field, merr.detail);
            return;
        }
        w->deleted = false;
        w->applied_once = true;
    }
}

/* Applies what is queued while the member serves; true when it did. */
static bool
agent_apply(struct rt *r, struct rt_cluster *c)
{
    size_t n = c->nqueue;

    if (n == 0 || !member_serves(c)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        struct rt_work *w = c->queue[i];
        Flotilla__V1__WorkSpec *ws = w->pending;

        w->pending = NULL;
        w->queued = false;
        if (ws != NULL) {
            agent_apply_one(r, c, w, ws);
            flotilla__v1__work_spec__free_unpacked(ws, NULL);
        }
    }
    /* Specs published while applying (none: the agent does not run actors)
     * would sit after @n. */
    memmove(c->queue, c->queue + n, (c->nqueue - n) * sizeof(*c->queue));
    c->nqueue -= n;
    mirror_sync(r, c);
    return true;
}

static int64_t
jint(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);

    if (b != NULL) {
        v = json_object_get(v, b);
    }
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* Publishes the status of every work whose member object changed. */
static bool
agent_report(struct rt *r, struct rt_cluster *c, int64_t now)
{
    struct strmap_entry *e;
    size_t i = 0;
    bool published = false;

    if (!member_serves(c)) {
        return false;
    }
    while ((e = util_strmap_next(&c->works, &i)) != NULL) {
        struct rt_work *w = e->ptr;
        Flotilla__V1__WorkStatus st = FLOTILLA__V1__WORK_STATUS__INIT;
        const json_t *obj;
        json_t *reflected = NULL;
        char *status_text = NULL;
        char *live_text = NULL;
        char subject[BUS_SUBJECT_MAX];
        char key[600];
        uint8_t *buf;
        size_t len;

        if (!w->applied_once && w->apply_error[0] == '\0' && !w->deleted) {
            continue;
        }
        obj = w->resource[0] != '\0'
                  ? mirror_get(c, w->resource, w->obj_ns, w->obj_name)
                  : NULL;
        st.cluster = (char *)c->dc->name;
        st.namespace_ = w->ns;
        st.binding = w->binding;
        st.present = obj != NULL;
        st.applied = obj != NULL && !w->deleted && w->apply_error[0] == '\0';
        st.apply_error = w->apply_error;
        st.health = (char *)(obj != NULL
                                 ? model_health_name(model_interp_health(obj))
                                 : "Unknown");
        if (obj != NULL) {
            st.replicas = (int32_t)jint(obj, "spec", "replicas");
            st.ready_replicas = (int32_t)jint(obj, "status", "readyReplicas");
            st.generation = jint(obj, "metadata", "generation");
            st.observed_generation = jint(obj, "status",
                                          "observedGeneration");
            if (model_interp_reflect_status(obj, &reflected) == 0 &&
                reflected != NULL) {
                status_text = json_dumps(reflected, JSON_COMPACT |
                                                        JSON_SORT_KEYS);
                if (status_text != NULL) {
                    st.status_json.data = (uint8_t *)status_text;
                    st.status_json.len = strlen(status_text);
                }
            }
        }
        /* live_json: the object as the member holds it, without status,
         * managedFields and resourceVersion, as the member agent reports
         * it (the executor renders the retained fields from it).
         * TODO: StatefulSet ordinals and claim phases are not reported yet;
         * the executor then renders without them. */
        if (obj != NULL) {
            json_t *copy = json_deep_copy(obj);

            if (copy != NULL) {
                json_object_del(copy, "status");
                json_object_del(json_object_get(copy, "metadata"),
                                "managedFields");
                json_object_del(json_object_get(copy, "metadata"),
                                "resourceVersion");
                live_text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
                json_decref(copy);
            }
            if (live_text != NULL) {
                st.live_json.data = (uint8_t *)live_text;
                st.live_json.len = strlen(live_text);
            }
        }
        len = protobuf_c_message_get_packed_size(&st.base);
        buf = malloc(len + 1);
        if (buf != NULL) {
            protobuf_c_message_pack(&st.base, buf);
            if (w->last == NULL || w->last_len != len ||
                memcmp(w->last, buf, len) != 0) {
                free(w->last);
                w->last = buf;
                w->last_len = len;
                buf = NULL;
                st.observed_ns = now;
                bus_subject_build(subject, sizeof(subject), "work.status",
                                  c->dc->name, w->ns, w->binding);
                snprintf(key, sizeof(key), "%s/%s/%s", c->dc->name, w->ns,
                         w->binding);
                (void)actor_sim_publish(r->sim, subject, key,
                                        "member-agent/drill", "WorkStatus",
                                        &st.base);
                published = true;
            }
            free(buf);
        }
        free(status_text);
        free(live_text);
        json_decref(reflected);
    }
    return published;
}

/* ---------------------------------------------------------------- probes */

static Flotilla__V1__ResourceList *
rlist(int64_t cpu_milli, int64_t mem_bytes, int64_t pods)
{
    Flotilla__V1__ResourceList *l = calloc(1, sizeof(*l));
    const char *names[] = { "cpu", "memory", "pods" };
    int64_t vals[] = { cpu_milli, mem_bytes * 1000, pods * 1000 };

    if (l == NULL) {
        return NULL;
    }
    flotilla__v1__resource_list__init(l);
    l->milli = calloc(3, sizeof(*l->milli));
    l->binary_si = calloc(1, sizeof(*l->binary_si));
    if (l->milli == NULL || l->binary_si == NULL) {
        return l;
    }
    for (int i = 0; i < 3; i++) {
        Flotilla__V1__ResourceList__MilliEntry *e = calloc(1, sizeof(*e));

        if (e == NULL) {
            break;
        }
        flotilla__v1__resource_list__milli_entry__init(e);
        e->key = (char *)names[i];
        e->value = vals[i];
        l->milli[l->n_milli++] = e;
    }
    l->binary_si[0] = (char *)"memory";
    l->n_binary_si = 1;
    return l;
}

static void
rlist_free(Flotilla__V1__ResourceList *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < l->n_milli; i++) {
        free(l->milli[i]);
    }
    free(l->milli);
    free(l->binary_si);
    free(l);
}

static void
summary_fill(struct rt_cluster *c, int64_t now,
             Flotilla__V1__ResourceSummary *s)
{
    struct member_resources mr;

    member_cluster_resources(c->mc, &mr);
    flotilla__v1__resource_summary__init(s);
    s->allocatable = rlist(mr.allocatable.cpu_milli,
                           mr.allocatable.memory_bytes, mr.allocatable.pods);
    s->allocated = rlist(mr.allocated.cpu_milli, mr.allocated.memory_bytes,
                         mr.allocated.pods);
    s->allocating = rlist(mr.allocating.cpu_milli,
                          mr.allocating.memory_bytes, mr.allocating.pods);
    s->observed_ns = now;
}

static void
summary_release(Flotilla__V1__ResourceSummary *s)
{
    rlist_free(s->allocatable);
    rlist_free(s->allocated);
    rlist_free(s->allocating);
}

/* Conditions the drill set, as protobuf (array owned by the caller). */
static Flotilla__V1__Condition **
conditions(struct rt_cluster *c, size_t *n)
{
    size_t k = json_array_size(c->conditions);
    Flotilla__V1__Condition **out = calloc(k + 1, sizeof(*out));
    json_t *v;
    size_t i;

    *n = 0;
    if (out == NULL) {
        return NULL;
    }
    json_array_foreach(c->conditions, i, v) {
        Flotilla__V1__Condition *x = calloc(1, sizeof(*x));

        if (x == NULL) {
            break;
        }
        flotilla__v1__condition__init(x);
        x->type = (char *)jstr(v, "type", NULL);
        x->status = (char *)jstr(v, "status", NULL);
        x->reason = (char *)(jstr(v, "reason", NULL) ? jstr(v, "reason", NULL)
                                                     : "");
        x->message = (char *)(jstr(v, "message", NULL)
                                  ? jstr(v, "message", NULL)
                                  : "");
        x->last_transition_ns = jint(v, "t", NULL);
        out[(*n)++] = x;
    }
    return out;
}

static void
conditions_free(Flotilla__V1__Condition **cs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(cs[i]);
    }
    free(cs);
}

static void
publish_probe(struct rt *r, struct rt_cluster *c, int64_t probed, int rc,
              int code, int64_t now)
{
    Flotilla__V1__ProbeResult pr = FLOTILLA__V1__PROBE_RESULT__INIT;
    Flotilla__V1__ResourceSummary rs;
    Flotilla__V1__Condition **cs = NULL;
    size_t ncs = 0;
    char subject[BUS_SUBJECT_MAX];
    char detail[96];
    int outcome;

    if (rc == -ECONNREFUSED) {
        outcome = 2;
        snprintf(detail, sizeof(detail), "connection refused");
    } else if (rc != 0) {
        outcome = 2;
        snprintf(detail, sizeof(detail), "timed out after %" PRId64 "ms",
                 r->d->settings.probe_timeout_ns / NS_PER_MS);
    } else if (code >= 200 && code <= 299) {
        outcome = 0;
        snprintf(detail, sizeof(detail), "ok");
    } else {
        outcome = 1;
        snprintf(detail, sizeof(detail), "/readyz answered %d", code);
    }
    prober_result_fill(&pr, c->dc->name, outcome, rc == 0 ? code : 0, detail,
                       probed, now - probed);
    flotilla__v1__resource_summary__init(&rs);
    if (outcome == 0) {
        summary_fill(c, now, &rs);
        pr.resource_summary = &rs;
        pr.api_enablements = c->apis;
        pr.n_api_enablements = c->napis;
        pr.api_enablements_complete = true;
        pr.kubernetes_version = (char *)"v1.31.0";
    }
    if (rc == 0) {
        cs = conditions(c, &ncs);
        pr.conditions = cs;
        pr.n_conditions = ncs;
    }
    bus_subject_build(subject, sizeof(subject), "cluster.probe", c->dc->name,
                      NULL, NULL);
    (void)actor_sim_publish(r->sim, subject, c->dc->name, "prober/drill",
                            "ProbeResult", &pr.base);
    summary_release(&rs);
    conditions_free(cs, ncs);
}

/* Probes and heartbeats due at @t. */
static void
agents_periodic(struct rt *r, int64_t t)
{
    const struct cfg_settings *s = &r->d->settings;

    for (size_t i = 0; i < r->ncl; i++) {
        struct rt_cluster *c = &r->cl[i];

        if (c->answer_pending && c->answer_due <= t) {
            c->answer_pending = false;
            publish_probe(r, c, c->answer_probed, c->answer_rc,
                          c->answer_code, t);
        }
        if (!c->dc->pull && c->next_probe <= t) {
            int code = 0;
            int rc = member_cluster_probe(c->mc, s->probe_timeout_ns, &code);
            int64_t delay = member_cluster_answer_delay(c->mc);

            c->next_probe += s->probe_period_ns;
            if (rc == -ETIMEDOUT || (rc == 0 && delay > 0)) {
                c->answer_pending = true;
                c->answer_probed = t;
                c->answer_rc = rc;
                c->answer_code = code;
                c->answer_due = t + (rc == 0 ? delay : s->probe_timeout_ns);
            } else {
                publish_probe(r, c, t, rc, code, t);
            }
        }
        if (c->dc->pull && c->next_hb <= t) {
            c->next_hb += s->heartbeat_period_ns;
            if (member_serves(c)) {
                Flotilla__V1__Heartbeat hb = FLOTILLA__V1__HEARTBEAT__INIT;
                Flotilla__V1__ResourceSummary rs;
                char subject[BUS_SUBJECT_MAX];
                int code = member_cluster_health_code(c->mc);
                size_t ncs = 0;
                Flotilla__V1__Condition **cs = conditions(c, &ncs);

                summary_fill(c, t, &rs);
                hb.cluster = (char *)c->dc->name;
                hb.ready = (char *)(code >= 200 && code <= 299 ? "True"
                                                               : "False");
                hb.resource_summary = &rs;
                hb.api_enablements = c->apis;
                hb.n_api_enablements = c->napis;
                hb.api_enablements_complete = true;
                hb.kubernetes_version = (char *)"v1.31.0";
                hb.conditions = cs;
                hb.n_conditions = ncs;
                bus_subject_build(subject, sizeof(subject),
                                  "cluster.heartbeat", c->dc->name, NULL,
                                  NULL);
                (void)actor_sim_publish(r->sim, subject, c->dc->name,
                                        "member-agent/drill", "Heartbeat",
                                        &hb.base);
                summary_release(&rs);
                conditions_free(cs, ncs);
            }
        }
    }
}

/* Everything due at @t, until nothing more is. */
static void
settle(struct rt *r, int64_t t)
{
    for (int iter = 0; iter < SETTLE_MAX; iter++) {
        bool changed = false;

        (void)actor_sim_run_until(r->sim, t);
        for (size_t i = 0; i < r->ncl; i++) {
            struct rt_cluster *c = &r->cl[i];

            (void)member_cluster_advance(c->mc, t, NULL);
            mirror_sync(r, c);
            changed = agent_apply(r, c) || changed;
            changed = agent_report(r, c, t) || changed;
        }
        if (!changed) {
            return;
        }
    }
    rt_error(r, -ELOOP, "%s: no quiet state at one instant after %s rounds",
             r->d->path, "10000");
}

/* ---------------------------------------------------------------- actions */

static int
publish_objects(struct rt *r, const struct model_set *set, bool del)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct model_object *o = set->items[i];
        Flotilla__V1__ObjectRecord rec = FLOTILLA__V1__OBJECT_RECORD__INIT;
        char subject[BUS_SUBJECT_MAX];
        struct strmap_entry *e;
        char *text;
        int rc;

        if (bus_subject_build(subject, sizeof(subject), "object", o->kind,
                              o->namespace_, o->name) < 0) {
            return -ENAMETOOLONG;
        }
        if (del) {
            rc = actor_sim_delete(r->sim, subject, o->name, "cli/drill",
                                  "ObjectRecord");
            if (rc != 0) {
                return rc;
            }
            continue;
        }
        e = util_strmap_put(&r->generations, subject);
        if (e == NULL) {
            return -ENOMEM;
        }
        e->num++;
        text = json_dumps(o->json, JSON_COMPACT);
        if (text == NULL) {
            return -ENOMEM;
        }
        rec.api_version = (char *)o->api_version;
        rec.kind = (char *)o->kind;
        rec.namespace_ = (char *)o->namespace_;
        rec.name = (char *)o->name;
        rec.uid = (char *)o->uid;
        rec.json.data = (uint8_t *)text;
        rec.json.len = strlen(text);
        rec.generation = (int64_t)e->num;
        rec.applied_by = (char *)"drill";
        rc = actor_sim_publish(r->sim, subject, o->name, "cli/drill",
                               "ObjectRecord", &rec.base);
        free(text);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static Flotilla__V1__Taint **
taint_list(struct rt *r, yaml_node_t *l, size_t *n)
{
    size_t k = l != NULL ? (size_t)(l->data.sequence.items.top -
                                    l->data.sequence.items.start)
                         : 0;
    Flotilla__V1__Taint **out = calloc(k + 1, sizeof(*out));

    *n = 0;
    for (size_t i = 0; out != NULL && i < k; i++) {
        yaml_node_t *t = yaml_document_get_node(&r->d->doc,
                                                l->data.sequence.items.start[i]);
        Flotilla__V1__Taint *x = calloc(1, sizeof(*x));
        const char *v = drill_ystr(drill_yget(r->d, t, "value"));

        if (x == NULL) {
            break;
        }
        flotilla__v1__taint__init(x);
        x->key = (char *)drill_ystr(drill_yget(r->d, t, "key"));
        x->value = (char *)(v != NULL ? v : "");
        x->effect = (char *)drill_ystr(drill_yget(r->d, t, "effect"));
        x->source = (char *)"manual";
        out[(*n)++] = x;
    }
    return out;
}

static void
taint_list_free(Flotilla__V1__Taint **l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(l[i]);
    }
    free(l);
}

static int
do_action(struct rt *r, struct drill_step *st, int64_t t)
{
    struct drill *d = r->d;
    const char *cname = drill_ystr(drill_yget(d, st->body, "cluster"));
    struct rt_cluster *c = rt_cluster_find(r, cname);
    char subject[BUS_SUBJECT_MAX];
    int rc = 0;

    switch (st->kind) {
    case DRILL_STEP_FAULT: {
        struct member_fault f;
        yaml_node_t *v;

        memset(&f, 0, sizeof(f));
        (void)member_fault_kind_parse(drill_ystr(drill_yget(d, st->body,
                                                            "kind")),
                                      &f.kind);
        if ((v = drill_yget(d, st->body, "code")) != NULL) {
            f.code = atoi(drill_ystr(v));
        }
        if ((v = drill_yget(d, st->body, "delay")) != NULL) {
            (void)util_duration_parse(drill_ystr(v), &f.delay_ns);
        }
        if ((v = drill_yget(d, st->body, "period")) != NULL) {
            (void)util_duration_parse(drill_ystr(v), &f.period_ns);
        }
        f.object = drill_ystr(drill_yget(d, st->body, "object"));
        (void)member_cluster_advance(c->mc, t, NULL);
        rc = member_cluster_fault(c->mc, &f);
        if (rc != 0) {
            snprintf(r->err, r->errlen, "%s:%d: fault: %s on %s: %s", d->path,
                     st->line, member_fault_kind_name(f.kind), cname,
                     strerror(-rc));
            return rc;
        }
        mirror_sync(r, c);
        if (!r->quiet) {
            fprintf(r->out, "  %9.3fs  %-20s %-30s fault %s\n", secs(r, t),
                    "drill", cname, member_fault_kind_name(f.kind));
        }
        return 0;
    }
    case DRILL_STEP_TAINT: {
        Flotilla__V1__TaintRequest req = FLOTILLA__V1__TAINT_REQUEST__INIT;

        req.cluster = (char *)cname;
        req.add = taint_list(r, drill_yget(d, st->body, "add"), &req.n_add);
        req.remove = taint_list(r, drill_yget(d, st->body, "remove"),
                                &req.n_remove);
        req.requested_by = (char *)"drill";
        bus_subject_build(subject, sizeof(subject), "req.taint", cname, NULL,
                          NULL);
        rc = actor_sim_publish(r->sim, subject, cname, "cli/drill",
                               "TaintRequest", &req.base);
        taint_list_free(req.add, req.n_add);
        taint_list_free(req.remove, req.n_remove);
        return rc;
    }
    case DRILL_STEP_CONDITION: {
        const char *type = drill_ystr(drill_yget(d, st->body, "type"));
        const char *status = drill_ystr(drill_yget(d, st->body, "status"));
        const char *reason = drill_ystr(drill_yget(d, st->body, "reason"));
        const char *msg = drill_ystr(drill_yget(d, st->body, "message"));
        json_t *v;
        size_t i;
        int64_t since = t;

        json_array_foreach(c->conditions, i, v) {
            if (strcmp(jstr(v, "type", NULL), type) == 0) {
                if (strcmp(jstr(v, "status", NULL), status) == 0) {
                    since = jint(v, "t", NULL);
                }
                json_array_remove(c->conditions, i);
                break;
            }
        }
        json_array_append_new(c->conditions,
                              json_pack("{s:s, s:s, s:s, s:s, s:I}", "type",
                                        type, "status", status, "reason",
                                        reason ? reason : "", "message",
                                        msg ? msg : "", "t",
                                        (json_int_t)since));
        return 0;
    }
    case DRILL_STEP_APPLY:
    case DRILL_STEP_DELETE:
        return publish_objects(r, &st->objects, st->kind == DRILL_STEP_DELETE);
    case DRILL_STEP_RESTART: {
        const char *a = drill_ystr(drill_yget(d, st->body, "actor"));

        rc = actor_sim_restart(r->sim, a);
        if (rc != 0) {
            snprintf(r->err, r->errlen,
                     "%s:%d: restart.actor: %s is not running in this drill",
                     d->path, st->line, a);
            return rc;
        }
        if (!r->quiet) {
            fprintf(r->out, "  %9.3fs  %-20s %-30s restarted\n", secs(r, t),
                    "drill", a);
        }
        return 0;
    }
    case DRILL_STEP_EXPECT:
        break;
    }
    return 0;
}

/* ---------------------------------------------------------------- expect */

static void *
last_payload(struct rt *r, const char *subject,
             const ProtobufCMessageDescriptor *desc)
{
    const Flotilla__V1__Envelope *env = actor_sim_last(r->sim, subject);

    if (env == NULL || env->deleted) {
        return NULL;
    }
    return protobuf_c_message_unpack(desc, NULL, env->payload.len,
                                     env->payload.data);
}

static int
str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Joins @items (sorted in place) as "[a, b]" into @buf. */
static void
join_sorted(char **items, size_t n, char *buf, size_t len)
{
    size_t off = 0;

    qsort(items, n, sizeof(*items), str_cmp);
    off += (size_t)snprintf(buf + off, len - off, "[");
    for (size_t i = 0; i < n && off < len; i++) {
        off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
                                items[i]);
    }
    if (off < len) {
        snprintf(buf + off, len - off, "]");
    }
}

/* A YAML list of strings as a sorted "[a, b]". */
static void
yaml_list_text(struct rt *r, yaml_node_t *l, char *buf, size_t len)
{
    size_t k = (size_t)(l->data.sequence.items.top -
                        l->data.sequence.items.start);
    char **items = calloc(k + 1, sizeof(*items));

    for (size_t i = 0; items != NULL && i < k; i++) {
        items[i] = (char *)drill_ystr(yaml_document_get_node(
            &r->d->doc, l->data.sequence.items.start[i]));
    }
    if (items != NULL) {
        join_sorted(items, k, buf, len);
    }
    free(items);
}

/* A YAML map name -> number as a sorted "{a: 1, b: 2}". */
static void
yaml_map_text(struct rt *r, yaml_node_t *m, char *buf, size_t len)
{
    size_t k = (size_t)(m->data.mapping.pairs.top -
                        m->data.mapping.pairs.start);
    char **items = calloc(k + 1, sizeof(*items));
    size_t off = 0;

    for (size_t i = 0; items != NULL && i < k; i++) {
        yaml_node_pair_t *p = &m->data.mapping.pairs.start[i];
        const char *key = drill_ystr(yaml_document_get_node(&r->d->doc,
                                                            p->key));
        const char *val = drill_ystr(yaml_document_get_node(&r->d->doc,
                                                            p->value));
        char tmp[400];

        snprintf(tmp, sizeof(tmp), "%s: %ld", key ? key : "?",
                 val ? strtol(val, NULL, 10) : -1L);
        items[i] = strdup(tmp);
    }
    if (items != NULL) {
        qsort(items, k, sizeof(*items), str_cmp);
        off += (size_t)snprintf(buf, len, "{");
        for (size_t i = 0; i < k && off < len; i++) {
            off += (size_t)snprintf(buf + off, len - off, "%s%s",
                                    i ? ", " : "", items[i] ? items[i] : "");
            free(items[i]);
        }
        if (off < len) {
            snprintf(buf + off, len - off, "}");
        }
    }
    free(items);
}

static void
report(struct rt *r, const struct drill_step *st, const char *field,
       const char *expected, const char *found, const char *touch)
{
    bool ok = strcmp(expected, found) == 0;

    if (ok) {
        r->res->passed++;
    } else {
        r->res->failed++;
    }
    if (ok && r->quiet) {
        return;
    }
    fprintf(r->out, "  %s  line %d, at %.3fs: %s = %s", ok ? "PASS" : "FAIL",
            st->line, (double)st->at_ns / 1e9, field, expected);
    if (ok) {
        fprintf(r->out, "\n");
        return;
    }
    fprintf(r->out, "\n        found %s\n", found);
    {
        size_t shown = 0;

        for (size_t i = r->ndec; i-- > 0 && shown < 4;) {
            if (strstr(r->dec[i].key, touch) != NULL) {
                fprintf(r->out, "        last decision: %9.3fs  %-20s %-30s %s\n",
                        secs(r, r->dec[i].at), r->dec[i].actor, r->dec[i].key,
                        r->dec[i].text);
                shown++;
            }
        }
        if (shown == 0) {
            fprintf(r->out, "        no decision touched %s\n", touch);
        }
    }
}

static void
taint_text(const Flotilla__V1__Taint *t, char *buf, size_t len)
{
    if (t->value != NULL && t->value[0] != '\0') {
        snprintf(buf, len, "%s=%s:%s", t->key, t->value, t->effect);
    } else {
        snprintf(buf, len, "%s:%s", t->key, t->effect);
    }
}

static void
expect_cluster(struct rt *r, const struct drill_step *st, const char *name,
               yaml_node_t *fields)
{
    char subject[BUS_SUBJECT_MAX];
    char field[400];
    char exp[2048];
    char found[2048];

    for (yaml_node_pair_t *p = fields->data.mapping.pairs.start;
         p < fields->data.mapping.pairs.top; p++) {
        const char *f = drill_ystr(yaml_document_get_node(&r->d->doc, p->key));
        yaml_node_t *v = yaml_document_get_node(&r->d->doc, p->value);

        snprintf(field, sizeof(field), "clusters.%s.%s", name, f);
        if (strcmp(f, "ready") == 0) {
            Flotilla__V1__ClusterStatus *cs;

            bus_subject_build(subject, sizeof(subject), "cluster.status",
                              name, NULL, NULL);
            cs = last_payload(r, subject,
                              &flotilla__v1__cluster_status__descriptor);
            snprintf(exp, sizeof(exp), "%s", drill_ystr(v));
            snprintf(found, sizeof(found), "%s",
                     cs != NULL && cs->ready[0] != '\0' ? cs->ready
                                                        : "(no status)");
            if (cs != NULL) {
                flotilla__v1__cluster_status__free_unpacked(cs, NULL);
            }
        } else if (strcmp(f, "taints") == 0) {
            Flotilla__V1__ClusterTaints *ct;
            char **items;
            size_t n = 0;

            bus_subject_build(subject, sizeof(subject), "cluster.taint", name,
                              NULL, NULL);
            ct = last_payload(r, subject,
                              &flotilla__v1__cluster_taints__descriptor);
            yaml_list_text(r, v, exp, sizeof(exp));
            items = calloc((ct != NULL ? ct->n_taints : 0) + 1,
                           sizeof(*items));
            for (size_t i = 0; ct != NULL && items != NULL &&
                               i < ct->n_taints; i++) {
                char tmp[600];

                taint_text(ct->taints[i], tmp, sizeof(tmp));
                items[n++] = strdup(tmp);
            }
            if (items != NULL) {
                join_sorted(items, n, found, sizeof(found));
                for (size_t i = 0; i < n; i++) {
                    free(items[i]);
                }
            }
            free(items);
            if (ct != NULL) {
                flotilla__v1__cluster_taints__free_unpacked(ct, NULL);
            }
        } else {
            struct strmap_entry *e;
            size_t i = 0;
            long sum = 0;

            while ((e = util_strmap_next(&r->sched_subjects, &i)) != NULL) {
                Flotilla__V1__ScheduleDecision *sd = last_payload(
                    r, e->key, &flotilla__v1__schedule_decision__descriptor);

                for (size_t k = 0; sd != NULL && k < sd->n_clusters; k++) {
                    if (strcmp(sd->clusters[k]->name, name) == 0) {
                        sum += sd->clusters[k]->replicas;
                    }
                }
                if (sd != NULL) {
                    flotilla__v1__schedule_decision__free_unpacked(sd, NULL);
                }
            }
            snprintf(exp, sizeof(exp), "%ld", strtol(drill_ystr(v), NULL, 10));
            snprintf(found, sizeof(found), "%ld", sum);
        }
        report(r, st, field, exp, found, name);
    }
}

static bool
ready_true(struct rt *r, const char *cluster)
{
    char subject[BUS_SUBJECT_MAX];
    Flotilla__V1__ClusterStatus *cs;
    bool ok;

    bus_subject_build(subject, sizeof(subject), "cluster.status", cluster,
                      NULL, NULL);
    cs = last_payload(r, subject, &flotilla__v1__cluster_status__descriptor);
    ok = cs != NULL && strcmp(cs->ready, "True") == 0;
    if (cs != NULL) {
        flotilla__v1__cluster_status__free_unpacked(cs, NULL);
    }
    return ok;
}

static void
expect_binding(struct rt *r, const struct drill_step *st, const char *key,
               yaml_node_t *fields)
{
    char ns[256] = "";
    char name[512];
    const char *slash = strchr(key, '/');
    char subject[BUS_SUBJECT_MAX];
    Flotilla__V1__ScheduleDecision *sd;
    char field[700];
    char exp[2048];
    char found[2048];

    if (slash != NULL) {
        snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
        snprintf(name, sizeof(name), "%s", slash + 1);
    } else {
        snprintf(name, sizeof(name), "%s", key);
    }
    bus_subject_build(subject, sizeof(subject), "binding.schedule", ns, name,
                      NULL);
    sd = last_payload(r, subject, &flotilla__v1__schedule_decision__descriptor);
    for (yaml_node_pair_t *p = fields->data.mapping.pairs.start;
         p < fields->data.mapping.pairs.top; p++) {
        const char *f = drill_ystr(yaml_document_get_node(&r->d->doc, p->key));
        yaml_node_t *v = yaml_document_get_node(&r->d->doc, p->value);

        snprintf(field, sizeof(field), "bindings.%s.%s", key, f);
        if (strcmp(f, "placement") == 0 || strcmp(f, "evictionTasks") == 0) {
            bool tasks = f[0] == 'e';
            size_t n = sd == NULL ? 0 : tasks ? sd->n_eviction_tasks
                                              : sd->n_clusters;
            char **items = calloc(n + 1, sizeof(*items));

            if (tasks) {
                yaml_list_text(r, v, exp, sizeof(exp));
            } else {
                yaml_map_text(r, v, exp, sizeof(exp));
            }
            for (size_t i = 0; items != NULL && i < n; i++) {
                char tmp[400];

                if (tasks) {
                    snprintf(tmp, sizeof(tmp), "%s",
                             sd->eviction_tasks[i]->from_cluster);
                } else {
                    snprintf(tmp, sizeof(tmp), "%s: %d",
                             sd->clusters[i]->name,
                             (int)sd->clusters[i]->replicas);
                }
                items[i] = strdup(tmp);
            }
            if (items != NULL) {
                join_sorted(items, n, found, sizeof(found));
                if (!tasks) {
                    found[0] = '{';
                    found[strlen(found) - 1] = '}';
                }
                for (size_t i = 0; i < n; i++) {
                    free(items[i]);
                }
            }
            free(items);
            /* No decision (or a deleted binding) is placed nowhere. */
        } else if (strcmp(f, "readyReplicas") == 0) {
            long sum = 0;

            for (size_t i = 0; sd != NULL && i < sd->n_clusters; i++) {
                Flotilla__V1__WorkStatus *ws;
                char ws_subject[BUS_SUBJECT_MAX];

                if (!ready_true(r, sd->clusters[i]->name)) {
                    continue;
                }
                bus_subject_build(ws_subject, sizeof(ws_subject),
                                  "work.status", sd->clusters[i]->name, ns,
                                  name);
                ws = last_payload(r, ws_subject,
                                  &flotilla__v1__work_status__descriptor);
                if (ws != NULL) {
                    sum += ws->present ? ws->ready_replicas : 0;
                    flotilla__v1__work_status__free_unpacked(ws, NULL);
                }
            }
            snprintf(exp, sizeof(exp), "%ld", strtol(drill_ystr(v), NULL, 10));
            snprintf(found, sizeof(found), "%ld", sum);
        } else {
            snprintf(exp, sizeof(exp), "%s", drill_ystr(v));
            snprintf(found, sizeof(found), "%s",
                     sd == NULL ? "(no decision)"
                     : sd->schedulable && sd->n_blocked_evictions == 0
                         ? "true"
                         : "false");
        }
        report(r, st, field, exp, found, name);
    }
    if (sd != NULL) {
        flotilla__v1__schedule_decision__free_unpacked(sd, NULL);
    }
}

/* "Kind/ns/name" or "Kind/name" -> the member object in the mirror. */
static const json_t *
member_object(struct rt_cluster *c, const char *ref)
{
    char kind[128];
    char ns[256] = "";
    char name[512];
    const char *a = strchr(ref, '/');
    const char *b = a != NULL ? strchr(a + 1, '/') : NULL;
    const struct member_kind *k;

    if (a == NULL) {
        return NULL;
    }
    snprintf(kind, sizeof(kind), "%.*s", (int)(a - ref), ref);
    if (b != NULL) {
        snprintf(ns, sizeof(ns), "%.*s", (int)(b - a - 1), a + 1);
        snprintf(name, sizeof(name), "%s", b + 1);
    } else {
        snprintf(name, sizeof(name), "%s", a + 1);
    }
    k = member_kinds_by_kind(kind);
    if (k == NULL) {
        return NULL;
    }
    return mirror_get(c, k->resource, k->namespaced ? ns : "", name);
}

static void
expect_member(struct rt *r, const struct drill_step *st, const char *cname,
              yaml_node_t *fields)
{
    struct rt_cluster *c = rt_cluster_find(r, cname);
    char field[900];
    char found[512];

    for (yaml_node_pair_t *p = fields->data.mapping.pairs.start;
         p < fields->data.mapping.pairs.top; p++) {
        const char *f = drill_ystr(yaml_document_get_node(&r->d->doc, p->key));
        yaml_node_t *v = yaml_document_get_node(&r->d->doc, p->value);

        if (strcmp(f, "ready") == 0) {
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
                 q < v->data.mapping.pairs.top; q++) {
                const char *ref = drill_ystr(yaml_document_get_node(
                    &r->d->doc, q->key));
                const char *want = drill_ystr(yaml_document_get_node(
                    &r->d->doc, q->value));
                const json_t *obj = ref != NULL ? member_object(c, ref) : NULL;
                char exp[64];

                snprintf(field, sizeof(field), "members.%s.ready.%s", cname,
                         ref ? ref : "?");
                snprintf(exp, sizeof(exp), "%ld",
                         want ? strtol(want, NULL, 10) : -1L);
                if (obj == NULL) {
                    snprintf(found, sizeof(found), "(absent)");
                } else {
                    snprintf(found, sizeof(found), "%" PRId64,
                             jint(obj, "status", "readyReplicas"));
                    if (strcmp(found, exp) != 0) {
                        char *stj = json_dumps(json_object_get(obj, "status"),
                                              JSON_COMPACT | JSON_SORT_KEYS);

                        snprintf(found + strlen(found),
                                 sizeof(found) - strlen(found),
                                 " (status %.400s)", stj ? stj : "none");
                        free(stj);
                    }
                }
                report(r, st, field, exp, found, cname);
            }
            continue;
        }
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top; it++) {
            const char *ref = drill_ystr(yaml_document_get_node(&r->d->doc,
                                                                *it));
            bool present = member_object(c, ref) != NULL;

            snprintf(field, sizeof(field), "members.%s.%s", cname, f);
            snprintf(field + strlen(field), sizeof(field) - strlen(field),
                     " %s", ref);
            report(r, st, field, f[0] == 'p' ? "present" : "absent",
                   present ? "present" : "absent", cname);
        }
    }
}

static void
do_expect(struct rt *r, const struct drill_step *st)
{
    const char *secs_names[] = { "clusters", "bindings", "members" };

    for (int s = 0; s < 3; s++) {
        yaml_node_t *m = drill_yget(r->d, st->body, secs_names[s]);

        if (m == NULL) {
            continue;
        }
        for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
             p < m->data.mapping.pairs.top; p++) {
            const char *k = drill_ystr(yaml_document_get_node(&r->d->doc,
                                                              p->key));
            yaml_node_t *v = yaml_document_get_node(&r->d->doc, p->value);

            if (s == 0) {
                expect_cluster(r, st, k, v);
            } else if (s == 1) {
                expect_binding(r, st, k, v);
            } else {
                expect_member(r, st, k, v);
            }
        }
    }
}

/* ---------------------------------------------------------------- run */

static int
apis_build(struct rt *r, struct rt_cluster *c)
{
    yaml_node_t *l = c->dc->api_enablements;

    if (l != NULL) {
        size_t k = (size_t)(l->data.sequence.items.top -
                            l->data.sequence.items.start);

        c->apis = calloc(k + 1, sizeof(*c->apis));
        for (size_t i = 0; c->apis != NULL && i < k; i++) {
            yaml_node_t *e = yaml_document_get_node(
                &r->d->doc, l->data.sequence.items.start[i]);
            yaml_node_t *kinds = drill_yget(r->d, e, "kinds");
            size_t nk = (size_t)(kinds->data.sequence.items.top -
                                 kinds->data.sequence.items.start);
            Flotilla__V1__APIEnablement *a = calloc(1, sizeof(*a));

            if (a == NULL) {
                return -ENOMEM;
            }
            flotilla__v1__apienablement__init(a);
            a->group_version = (char *)drill_ystr(drill_yget(r->d, e,
                                                             "groupVersion"));
            a->kinds = calloc(nk + 1, sizeof(*a->kinds));
            for (size_t j = 0; a->kinds != NULL && j < nk; j++) {
                a->kinds[a->n_kinds++] = (char *)drill_ystr(
                    yaml_document_get_node(&r->d->doc,
                                           kinds->data.sequence.items.start[j]));
            }
            c->apis[c->napis++] = a;
        }
        return c->apis != NULL ? 0 : -ENOMEM;
    }
    c->apis = calloc((size_t)member_kinds_count() + 1, sizeof(*c->apis));
    if (c->apis == NULL) {
        return -ENOMEM;
    }
    for (int i = 0; i < member_kinds_count(); i++) {
        const struct member_kind *k = member_kinds_at(i);
        Flotilla__V1__APIEnablement *a = NULL;

        for (size_t j = 0; j < c->napis; j++) {
            if (strcmp(c->apis[j]->group_version, k->api_version) == 0) {
                a = c->apis[j];
            }
        }
        if (a == NULL) {
            a = calloc(1, sizeof(*a));
            if (a == NULL) {
                return -ENOMEM;
            }
            flotilla__v1__apienablement__init(a);
            a->group_version = (char *)k->api_version;
            a->kinds = calloc((size_t)member_kinds_count() + 1,
                              sizeof(*a->kinds));
            if (a->kinds == NULL) {
                free(a);
                return -ENOMEM;
            }
            c->apis[c->napis++] = a;
        }
        a->kinds[a->n_kinds++] = (char *)k->kind;
    }
    return 0;
}

static void
rt_release(struct rt *r)
{
    for (size_t i = 0; i < r->ncl; i++) {
        struct rt_cluster *c = &r->cl[i];
        struct strmap_entry *e;
        size_t k = 0;

        while ((e = util_strmap_next(&c->works, &k)) != NULL) {
            struct rt_work *w = e->ptr;

            if (w->pending != NULL) {
                flotilla__v1__work_spec__free_unpacked(w->pending, NULL);
            }
            free(w->ns);
            free(w->binding);
            free(w->resource);
            free(w->obj_ns);
            free(w->obj_name);
            free(w->last);
            free(w);
        }
        util_strmap_release(&c->works);
        k = 0;
        while ((e = util_strmap_next(&c->mirror, &k)) != NULL) {
            json_decref(e->ptr);
        }
        util_strmap_release(&c->mirror);
        for (size_t j = 0; j < c->napis; j++) {
            free(c->apis[j]->kinds);
            free(c->apis[j]);
        }
        free(c->apis);
        free(c->queue);
        json_decref(c->conditions);
        member_cluster_free(c->mc);
    }
    free(r->cl);
    for (size_t i = 0; i < r->ndec; i++) {
        free(r->dec[i].actor);
        free(r->dec[i].key);
        free(r->dec[i].text);
    }
    free(r->dec);
    util_strmap_release(&r->sched_subjects);
    util_strmap_release(&r->generations);
    actor_sim_free(r->sim);
}

static int
add_actors(struct rt *r)
{
    const struct cfg_settings *s = &r->d->settings;
    int rc;

    tmgr_config_init(&r->tmgr);
    r->tmgr.settings = *s;
    geviction_config_init(&r->gev);
    r->gev.grace_period_ns = s->grace_period_ns;
    r->gev.dead_after_ns = s->dead_after_ns;
    appfo_config_init(&r->appfo);
    executor_config_init(&r->exec);
    r->exec.dead_after_ns = s->dead_after_ns;
    rc = actor_sim_add(r->sim, &policy_actor_core, NULL);
    if (rc == 0) {
        rc = actor_sim_add(r->sim, &cstatus_core, s);
    }
    if (rc == 0) {
        rc = actor_sim_add(r->sim, &ctaint_core, NULL);
    }
    if (rc == 0) {
        rc = actor_sim_add(r->sim, &sched_actor_core, NULL);
    }
    if (rc == 0) {
        rc = actor_sim_add(r->sim, &tmgr_core, &r->tmgr);
    }
    if (rc == 0) {
        rc = actor_sim_add(r->sim, &geviction_core, &r->gev);
    }
    if (rc == 0) {
        rc = actor_sim_add(r->sim, &appfo_core, &r->appfo);
    }
    if (rc == 0) {
        rc = actor_sim_add(r->sim, &executor_core, &r->exec);
    }
    return rc;
}

static int
step_cmp(const void *a, const void *b)
{
    const struct drill_step *x = a;
    const struct drill_step *y = b;

    if (x->at_ns != y->at_ns) {
        return x->at_ns < y->at_ns ? -1 : 1;
    }
    return x->line - y->line;
}

/* The next instant anything is due after the current one. */
static int64_t
next_instant(struct rt *r, size_t si)
{
    int64_t t = DRILL_T0_NS + r->d->steps[si].at_ns;
    int64_t due;

    for (size_t i = 0; i < r->ncl; i++) {
        struct rt_cluster *c = &r->cl[i];

        if (!c->dc->pull && c->next_probe < t) {
            t = c->next_probe;
        }
        if (c->dc->pull && c->next_hb < t) {
            t = c->next_hb;
        }
        if (c->answer_pending && c->answer_due < t) {
            t = c->answer_due;
        }
        if (member_cluster_next_due(c->mc, &due) == 0 && due < t) {
            t = due;
        }
    }
    if (actor_sim_next_due(r->sim, &due) == 0 && due < t) {
        t = due;
    }
    return t;
}

int
drill_run(struct drill *d, FILE *out, bool quiet, struct drill_result *res,
          char *err, size_t errlen)
{
    struct rt r;
    int64_t now = DRILL_T0_NS;
    size_t si = 0;
    int rc;

    memset(&r, 0, sizeof(r));
    memset(res, 0, sizeof(*res));
    r.d = d;
    r.out = out;
    r.quiet = quiet;
    r.trace = getenv("DRILL_TRACE") != NULL;
    r.res = res;
    r.err = err;
    r.errlen = errlen;
    err[0] = '\0';
    qsort(d->steps, d->nsteps, sizeof(*d->steps), step_cmp);
    rc = actor_sim_new(DRILL_T0_NS, &r.sim);
    if (rc != 0) {
        return rc;
    }
    actor_sim_set_tap(r.sim, on_message, &r);
    actor_sim_set_decision_tap(r.sim, on_decision, &r);
    rc = add_actors(&r);
    r.cl = calloc(d->nclusters, sizeof(*r.cl));
    if (rc == 0 && r.cl == NULL) {
        rc = -ENOMEM;
    }
    /* t = 0: the members, serving, with their initial Ready. */
    for (size_t i = 0; rc == 0 && i < d->nclusters; i++) {
        struct rt_cluster *c = &r.cl[i];

        c->dc = &d->clusters[i];
        r.ncl = i + 1;
        c->next_probe = DRILL_T0_NS;
        c->next_hb = DRILL_T0_NS;
        c->conditions = json_array();
        rc = member_cluster_new(&c->dc->mcfg, DRILL_T0_NS, &c->mc);
        if (rc != 0) {
            snprintf(err, errlen, "%s:%d: clusters: %s: member not created: %s",
                     d->path, c->dc->line, c->dc->name, strerror(-rc));
            break;
        }
        rc = apis_build(&r, c);
        if (rc == 0 && strcmp(c->dc->initial_ready, "True") != 0) {
            /* TODO: "False" is played as the unhealthy fault and "Unknown"
             * as down from t = 0 (a probe decides Ready; nothing else can
             * publish it); a later `healthy` / `up` fault ends it. */
            struct member_fault f;

            memset(&f, 0, sizeof(f));
            f.kind = strcmp(c->dc->initial_ready, "False") == 0
                         ? MEMBER_FAULT_UNHEALTHY
                         : MEMBER_FAULT_DOWN;
            rc = member_cluster_fault(c->mc, &f);
        }
        if (rc == 0) {
            struct model_object *o = NULL;
            struct model_error merr;
            char *text = json_dumps(c->dc->object, JSON_COMPACT);
            struct model_set one = { NULL, 0 };

            memset(&merr, 0, sizeof(merr));
            rc = text != NULL ? model_object_from_json_text(c->dc->name, text,
                                                            &o, &merr)
                              : -ENOMEM;
            free(text);
            if (rc != 0) {
                char msg[700];

                model_error_format(&merr, msg, sizeof(msg));
                snprintf(err, errlen, "%s:%d: clusters: %s", d->path,
                         c->dc->line, msg);
                break;
            }
            rc = model_set_add(&one, o);
            if (rc == 0) {
                rc = publish_objects(&r, &one, false);
            }
            model_set_release(&one);
        }
        if (rc == 0) {
            mirror_sync(&r, c);
        }
    }
    if (rc == 0 && !quiet) {
        fprintf(out, "scenario: %s (%s)\n", d->name, d->path);
    }
    /* The members are registered and report before any object is applied
     * (spec/scenarios.md "How a run proceeds", 1 and 2): the probes and
     * heartbeats of t = 0 go first. */
    if (rc == 0) {
        settle(&r, DRILL_T0_NS);
        agents_periodic(&r, DRILL_T0_NS);
        settle(&r, DRILL_T0_NS);
        rc = publish_objects(&r, &d->objects, false);
    }
    if (rc == 0) {
        settle(&r, DRILL_T0_NS);
    }
    while (rc == 0 && r.rc == 0 && si < d->nsteps) {
        size_t first;

        now = next_instant(&r, si);
        settle(&r, now);
        first = si;
        while (si < d->nsteps && DRILL_T0_NS + d->steps[si].at_ns == now) {
            if (d->steps[si].kind != DRILL_STEP_EXPECT) {
                rc = do_action(&r, &d->steps[si], now);
                if (rc != 0) {
                    break;
                }
                settle(&r, now);
            }
            si++;
        }
        if (rc != 0) {
            break;
        }
        agents_periodic(&r, now);
        settle(&r, now);
        for (size_t k = first; k < si; k++) {
            if (d->steps[k].kind == DRILL_STEP_EXPECT) {
                do_expect(&r, &d->steps[k]);
            }
        }
    }
    if (rc == 0 && r.rc != 0) {
        rc = r.rc;
    }
    if (rc != 0 && err[0] == '\0') {
        snprintf(err, errlen, "%s: run stopped: %s", d->path, strerror(-rc));
    }
    if (!quiet || res->failed > 0) {
        fprintf(out, "scenario: %s: %u passed, %u failed\n", d->name,
                res->passed, res->failed);
    }
    rt_release(&r);
    return rc;
}

void
drill_set_decision_tap(struct drill *d, drill_decision_fn *fn, void *arg)
{
    d->tap = fn;
    d->tap_arg = arg;
}
