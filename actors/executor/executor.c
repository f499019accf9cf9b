/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The executor core: bindings and placements in, one WorkSpec per
 * (member, binding) out. See executor/executor.h and docs/executor.md.
 */
#define LOG_MODULE "executor"
#include "executor/executor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bus/subject.h"
#include "config/config.h"
#include "model/object.h"
#include "model/override.h"
#include "sched/core.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/time.h"

#define DEFAULT_DEAD_AFTER_NS (10 * 60 * NS_PER_S)
#define SEP "\x1f"

struct ex_cluster {
    bool have_status;
    char ready[16];          /* "True", "False", "Unknown" */
    int64_t ready_since_ns;
    json_t *obj;             /* Cluster object built from the ClusterSpec */
    bool deleting;           /* the Cluster is being deleted */
};

/* What the executor keeps of one work: its own last output and the report. */
struct ex_work {
    char *cluster;
    char *ns;
    char *binding;
    Flotilla__V1__WorkSpec *spec;   /* last published (or read back), NULL */
    uint8_t *cmp;                   /* spec packed without reason/seq */
    size_t cmp_len;
    bool status_seen;
    bool present;
    char *live;                     /* live_json as reported, or NULL */
    bool pending_logged;            /* "delete waits" already said */
};

struct ex_release {
    int64_t task_creation_ns;
    bool fenced;
    bool suppressed;
};

/* What one member's copy gets beyond the template, decided per binding. */
struct ex_plan {
    int32_t ordinal;       /* spec.ordinals.start, or -1 */
    int64_t completions;   /* Job spec.completions share, or -1 */
};

#define COMPLETIONS_MISSING (-2)

struct ex_binding {
    char *ns;
    char *name;
    Flotilla__V1__BindingSpec *spec;
    bool spec_deleted;
    Flotilla__V1__ScheduleDecision *dec;
    struct model_object *tmpl;     /* parsed template_json */
    char *tmpl_err;                /* why it does not parse */
    struct strmap works;           /* cluster -> struct ex_work (borrowed) */
    struct strmap releases;        /* cluster -> struct ex_release */
};

struct executor_state {
    struct executor_config cfg;
    int64_t now_ns;                /* the step being decided */
    struct strmap clusters;        /* name -> struct ex_cluster */
    struct strmap bindings;        /* ns SEP name -> struct ex_binding */
    struct strmap works;           /* cluster SEP ns SEP binding -> ex_work */
    struct strmap ns_use;          /* cluster SEP ns -> num = applied works */
    struct strmap policies;        /* kind SEP ns SEP name -> model_object */
    struct model_set polset;       /* borrowed view of @policies, sorted */
    bool pol_dirty;
};

/* ---------------------------------------------------------------- config */

void
executor_config_init(struct executor_config *c)
{
    memset(c, 0, sizeof(*c));
    c->dead_after_ns = DEFAULT_DEAD_AFTER_NS;
    c->delete_empty_namespaces = false;
}

const void *
executor_config_from_cfg(const struct cfg *c)
{
    static struct executor_config ec;

    executor_config_init(&ec);
    if (c != NULL && c->settings.dead_after_ns > 0) {
        ec.dead_after_ns = c->settings.dead_after_ns;
    }
    /* TODO: no YAML key for delete_empty_namespaces in config/ yet; until
     * then `flotilla run` always leaves Flotilla's namespaces in place. */
    return &ec;
}

/* ---------------------------------------------------------------- inputs */

static const struct actor_input ex_inputs[] = {
    { "FL_CLUSTERS", "cluster.spec.*", true },
    { "FL_CLUSTERS", "cluster.status.*", true },
    { "FL_BINDINGS", "binding.spec.*.*", true },
    { "FL_BINDINGS", "binding.schedule.*.*", true },
    { "FL_WORK", "work.status.*.*.*", true },
    { "FL_OBJECTS", "object.OverridePolicy.*.*", true },
    { "FL_OBJECTS", "object.ClusterOverridePolicy.*.*", true },
    { "FL_EVICTIONS", "binding.release.*.*.*", false },
    { NULL, NULL, false },
};

static const struct actor_input ex_own[] = {
    { "FL_WORK", "work.spec.*.*.*", true },
    /* Releases are a log; the last one per (binding, cluster) is enough. */
    { "FL_EVICTIONS", "binding.release.*.*.*", false },
    { NULL, NULL, false },
};

/* ---------------------------------------------------------------- state */

static void *
ex_create(const void *config)
{
    struct executor_state *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        return NULL;
    }
    executor_config_init(&s->cfg);
    if (config != NULL) {
        s->cfg = *(const struct executor_config *)config;
    }
    if (s->cfg.dead_after_ns <= 0) {
        s->cfg.dead_after_ns = DEFAULT_DEAD_AFTER_NS;
    }
    return s;
}

static void
work_free(struct ex_work *w)
{
    if (w == NULL) {
        return;
    }
    if (w->spec != NULL) {
        flotilla__v1__work_spec__free_unpacked(w->spec, NULL);
    }
    free(w->cmp);
    free(w->live);
    free(w->cluster);
    free(w->ns);
    free(w->binding);
    free(w);
}

static void
binding_free(struct ex_binding *b)
{
    struct strmap_entry *e;
    size_t i = 0;

    if (b == NULL) {
        return;
    }
    if (b->spec != NULL) {
        flotilla__v1__binding_spec__free_unpacked(b->spec, NULL);
    }
    if (b->dec != NULL) {
        flotilla__v1__schedule_decision__free_unpacked(b->dec, NULL);
    }
    model_object_free(b->tmpl);
    free(b->tmpl_err);
    util_strmap_release(&b->works);
    while ((e = util_strmap_next(&b->releases, &i)) != NULL) {
        free(e->ptr);
    }
    util_strmap_release(&b->releases);
    free(b->ns);
    free(b->name);
    free(b);
}

static void
ex_destroy(void *p)
{
    struct executor_state *s = p;
    struct strmap_entry *e;
    size_t i = 0;

    if (s == NULL) {
        return;
    }
    while ((e = util_strmap_next(&s->clusters, &i)) != NULL) {
        struct ex_cluster *c = e->ptr;

        json_decref(c->obj);
        free(c);
    }
    i = 0;
    while ((e = util_strmap_next(&s->bindings, &i)) != NULL) {
        binding_free(e->ptr);
    }
    i = 0;
    while ((e = util_strmap_next(&s->works, &i)) != NULL) {
        work_free(e->ptr);
    }
    i = 0;
    while ((e = util_strmap_next(&s->policies, &i)) != NULL) {
        model_object_free(e->ptr);
    }
    util_strmap_release(&s->clusters);
    util_strmap_release(&s->bindings);
    util_strmap_release(&s->works);
    util_strmap_release(&s->ns_use);
    util_strmap_release(&s->policies);
    free(s->polset.items);
    free(s);
}

static struct ex_cluster *
cluster_get(struct executor_state *s, const char *name)
{
    struct strmap_entry *e = util_strmap_put(&s->clusters, name);

    if (e == NULL) {
        return NULL;
    }
    if (e->ptr == NULL) {
        e->ptr = calloc(1, sizeof(struct ex_cluster));
    }
    return e->ptr;
}

static struct ex_binding *
binding_find(const struct executor_state *s, const char *ns, const char *name)
{
    char key[600];
    struct strmap_entry *e;

    snprintf(key, sizeof(key), "%s" SEP "%s", ns, name);
    e = util_strmap_get(&s->bindings, key);
    return e != NULL ? e->ptr : NULL;
}

static struct ex_binding *
binding_get(struct executor_state *s, const char *ns, const char *name)
{
    char key[600];
    struct strmap_entry *e;
    struct ex_binding *b;

    snprintf(key, sizeof(key), "%s" SEP "%s", ns, name);
    e = util_strmap_put(&s->bindings, key);
    if (e == NULL) {
        return NULL;
    }
    if (e->ptr == NULL) {
        b = calloc(1, sizeof(*b));
        if (b == NULL) {
            return NULL;
        }
        b->ns = strdup(ns);
        b->name = strdup(name);
        if (b->ns == NULL || b->name == NULL) {
            binding_free(b);
            return NULL;
        }
        e->ptr = b;
    }
    return e->ptr;
}

static struct ex_work *
work_find(const struct executor_state *s, const char *cluster, const char *ns,
          const char *binding)
{
    char key[900];
    struct strmap_entry *e;

    snprintf(key, sizeof(key), "%s" SEP "%s" SEP "%s", cluster, ns, binding);
    e = util_strmap_get(&s->works, key);
    return e != NULL ? e->ptr : NULL;
}

static struct ex_work *
work_get(struct executor_state *s, const char *cluster, const char *ns,
         const char *binding)
{
    char key[900];
    struct strmap_entry *e;
    struct strmap_entry *be;
    struct ex_binding *b;
    struct ex_work *w;

    snprintf(key, sizeof(key), "%s" SEP "%s" SEP "%s", cluster, ns, binding);
    e = util_strmap_put(&s->works, key);
    if (e == NULL) {
        return NULL;
    }
    if (e->ptr != NULL) {
        return e->ptr;
    }
    b = binding_get(s, ns, binding);
    w = calloc(1, sizeof(*w));
    if (b == NULL || w == NULL) {
        free(w);
        return NULL;
    }
    w->cluster = strdup(cluster);
    w->ns = strdup(ns);
    w->binding = strdup(binding);
    be = util_strmap_put(&b->works, cluster);
    if (w->cluster == NULL || w->ns == NULL || w->binding == NULL ||
        be == NULL) {
        work_free(w);
        return NULL;
    }
    be->ptr = w;
    e->ptr = w;
    return w;
}

/* ---------------------------------------------------------------- helpers */

static const char *const system_namespaces[] = {
    "default", "kube-system", "kube-public", "kube-node-lease", NULL,
};

/* Namespaces every member has: never created, never deleted. */
static bool
ns_is_system(const char *ns)
{
    for (const char *const *p = system_namespaces; *p != NULL; p++) {
        if (strcmp(ns, *p) == 0) {
            return true;
        }
    }
    return false;
}

static bool cluster_fenced(const struct executor_state *s, const char *name,
                           int64_t now);

/*
 * Deletes go to a member only while it is Ready, or when the Cluster itself
 * is being deleted (failover.md §2.8, the execution controller's rule), or
 * once it is fenced: then the delete waits in the member agent and is
 * carried out as soon as the member answers again, before anything new can
 * be placed there (issue 7 item 4).
 */
static bool
cluster_takes_deletes(const struct executor_state *s, const char *name)
{
    struct strmap_entry *e = util_strmap_get(&s->clusters, name);
    const struct ex_cluster *c = e != NULL ? e->ptr : NULL;

    return c != NULL && (c->deleting ||
                         (c->have_status && strcmp(c->ready, "True") == 0) ||
                         cluster_fenced(s, name, s->now_ns));
}

/* Unknown for deadAfter: its copies count as gone (docs/executor.md). */
static bool
cluster_fenced(const struct executor_state *s, const char *name, int64_t now)
{
    struct strmap_entry *e = util_strmap_get(&s->clusters, name);
    const struct ex_cluster *c = e != NULL ? e->ptr : NULL;

    return c != NULL && c->have_status && strcmp(c->ready, "Unknown") == 0 &&
           now - c->ready_since_ns >= s->cfg.dead_after_ns;
}

static bool
work_applied(const struct ex_work *w)
{
    return w != NULL && w->spec != NULL && !w->spec->delete_;
}

/* Nothing of it can be in the member any more. */
static bool
work_absent(const struct ex_work *w)
{
    if (w == NULL || w->spec == NULL) {
        return true;
    }
    return w->spec->delete_ && w->status_seen && !w->present;
}

static bool
is_duplicated(const Flotilla__V1__BindingSpec *spec)
{
    const Flotilla__V1__ReplicaSchedulingStrategy *rs =
        spec->placement != NULL ? spec->placement->replica_scheduling : NULL;

    return rs == NULL || rs->replica_scheduling_type == NULL ||
           rs->replica_scheduling_type[0] == '\0' ||
           strcmp(rs->replica_scheduling_type, "Duplicated") == 0;
}

static bool
is_workload(const Flotilla__V1__BindingSpec *spec)
{
    return spec->replicas > 0 || spec->has_replica_requirements ||
           spec->n_components > 0;
}

static const char *
spec_kind(const struct ex_binding *b)
{
    if (b->tmpl != NULL) {
        return b->tmpl->kind;
    }
    if (b->spec != NULL && b->spec->resource != NULL &&
        b->spec->resource->kind != NULL) {
        return b->spec->resource->kind;
    }
    return "";
}

static bool
is_divided_statefulset(const struct ex_binding *b)
{
    return b->spec != NULL && strcmp(spec_kind(b), "StatefulSet") == 0 &&
           !is_duplicated(b->spec);
}

static const Flotilla__V1__TargetCluster *
target_of(const Flotilla__V1__ScheduleDecision *d, const char *cluster)
{
    for (size_t i = 0; d != NULL && i < d->n_clusters; i++) {
        if (d->clusters[i]->name != NULL &&
            strcmp(d->clusters[i]->name, cluster) == 0) {
            return d->clusters[i];
        }
    }
    return NULL;
}

static bool
purge_directly(const char *mode)
{
    /* "Immediately" is Karmada's older name for Directly. */
    return mode != NULL && (strcmp(mode, "Directly") == 0 ||
                            strcmp(mode, "Immediately") == 0);
}

/*
 * Does an eviction task keep the old copy in @cluster (failover.md §2.8)?
 * Gracefully: until the task is gone or released; Never (suppressed): kept;
 * Directly: not kept.
 */
static bool
task_holds(const struct ex_binding *b, const char *cluster)
{
    const Flotilla__V1__ScheduleDecision *d = b->dec;

    for (size_t i = 0; d != NULL && i < d->n_eviction_tasks; i++) {
        const Flotilla__V1__GracefulEvictionTask *t = d->eviction_tasks[i];
        struct strmap_entry *e;
        const struct ex_release *r;

        if (t->from_cluster == NULL || strcmp(t->from_cluster, cluster) != 0) {
            continue;
        }
        if (t->suppress_deletion) {
            return true;
        }
        if (purge_directly(t->purge_mode)) {
            return false;
        }
        e = util_strmap_get(&b->releases, cluster);
        r = e != NULL ? e->ptr : NULL;
        if (r != NULL && !r->suppressed &&
            (r->task_creation_ns == 0 || t->creation_ns == 0 ||
             r->task_creation_ns >= t->creation_ns)) {
            return false;
        }
        return true;
    }
    return false;
}

/* The Cluster object the override policies' targetCluster is matched on. */
static json_t *
cluster_json(const Flotilla__V1__ClusterSpec *cs)
{
    json_t *o = json_object();
    json_t *meta = json_object();
    json_t *labels = json_object();
    json_t *spec = json_object();
    json_t *zones = json_array();

    if (o == NULL || meta == NULL || labels == NULL || spec == NULL ||
        zones == NULL) {
        json_decref(o);
        json_decref(meta);
        json_decref(labels);
        json_decref(spec);
        json_decref(zones);
        return NULL;
    }
    for (size_t i = 0; i < cs->n_labels; i++) {
        json_object_set_new(labels, cs->labels[i]->key,
                            json_string(cs->labels[i]->value));
    }
    for (size_t i = 0; i < cs->n_zones; i++) {
        json_array_append_new(zones, json_string(cs->zones[i]));
    }
    json_object_set_new(meta, "name", json_string(cs->name));
    json_object_set_new(meta, "labels", labels);
    if (cs->provider != NULL && cs->provider[0] != '\0') {
        json_object_set_new(spec, "provider", json_string(cs->provider));
    }
    if (cs->region != NULL && cs->region[0] != '\0') {
        json_object_set_new(spec, "region", json_string(cs->region));
    }
    if (cs->zone != NULL && cs->zone[0] != '\0') {
        json_object_set_new(spec, "zone", json_string(cs->zone));
    }
    json_object_set_new(spec, "zones", zones);
    json_object_set_new(o, "apiVersion",
                        json_string("cluster.karmada.io/v1alpha1"));
    json_object_set_new(o, "kind", json_string("Cluster"));
    json_object_set_new(o, "metadata", meta);
    json_object_set_new(o, "spec", spec);
    return o;
}

static int
cmp_obj_ptr(const void *a, const void *b)
{
    const struct model_object *x = *(const struct model_object *const *)a;
    const struct model_object *y = *(const struct model_object *const *)b;
    int c = strcmp(x->kind, y->kind);

    if (c == 0) {
        c = strcmp(x->namespace_, y->namespace_);
    }
    return c != 0 ? c : strcmp(x->name, y->name);
}

/* The override policies as one set, in a fixed order. */
static const struct model_set *
policies(struct executor_state *s)
{
    struct strmap_entry *e;
    size_t i = 0;
    size_t n = 0;
    struct model_object **items;

    if (!s->pol_dirty) {
        return &s->polset;
    }
    items = realloc(s->polset.items,
                    (s->policies.len + 1) * sizeof(*items));
    if (items == NULL) {
        return &s->polset;
    }
    while ((e = util_strmap_next(&s->policies, &i)) != NULL) {
        items[n++] = e->ptr;
    }
    qsort(items, n, sizeof(*items), cmp_obj_ptr);
    s->polset.items = items;
    s->polset.n = n;
    s->pol_dirty = false;
    return &s->polset;
}

/* ---------------------------------------------------------------- output */

/* The WorkSpec packed without what does not change the member's object. */
static uint8_t *
spec_cmp_bytes(const Flotilla__V1__WorkSpec *ws, size_t *len)
{
    Flotilla__V1__WorkSpec c = *ws;
    uint8_t *buf;

    c.reason = NULL;
    c.decision_seq = 0;
    *len = flotilla__v1__work_spec__get_packed_size(&c);
    buf = malloc(*len > 0 ? *len : 1);
    if (buf != NULL) {
        flotilla__v1__work_spec__pack(&c, buf);
    }
    return buf;
}

static void
ns_use_adjust(struct executor_state *s, const struct ex_work *w, int delta)
{
    char key[600];
    struct strmap_entry *e;

    if (w->ns[0] == '\0') {
        return;
    }
    snprintf(key, sizeof(key), "%s" SEP "%s", w->cluster, w->ns);
    e = util_strmap_put(&s->ns_use, key);
    if (e == NULL) {
        return;
    }
    if (delta < 0 && e->num == 0) {
        return;
    }
    e->num = (uint64_t)((int64_t)e->num + delta);
}

static uint64_t
ns_use(const struct executor_state *s, const char *cluster, const char *ns)
{
    char key[600];
    struct strmap_entry *e;

    snprintf(key, sizeof(key), "%s" SEP "%s", cluster, ns);
    e = util_strmap_get(&s->ns_use, key);
    return e != NULL ? e->num : 0;
}

/*
 * Makes @ws (packed as @cmp) the work's current spec: keeps a copy and
 * keeps the namespace use counts. Takes @cmp.
 */
static int
work_set(struct executor_state *s, struct ex_work *w,
         const Flotilla__V1__WorkSpec *ws, uint8_t *cmp, size_t cmp_len)
{
    size_t n = flotilla__v1__work_spec__get_packed_size(ws);
    uint8_t *buf = malloc(n > 0 ? n : 1);
    Flotilla__V1__WorkSpec *copy;
    bool was = work_applied(w);

    if (buf == NULL) {
        free(cmp);
        return -ENOMEM;
    }
    flotilla__v1__work_spec__pack(ws, buf);
    copy = flotilla__v1__work_spec__unpack(NULL, n, buf);
    free(buf);
    if (copy == NULL) {
        free(cmp);
        return -ENOMEM;
    }
    if (w->spec != NULL) {
        flotilla__v1__work_spec__free_unpacked(w->spec, NULL);
    }
    free(w->cmp);
    w->spec = copy;
    w->cmp = cmp;
    w->cmp_len = cmp_len;
    w->pending_logged = false;
    if (was != work_applied(w)) {
        ns_use_adjust(s, w, work_applied(w) ? 1 : -1);
    }
    return 0;
}

/*
 * Publishes @ws for @w when it differs from what the member was last told.
 * Returns 1 when published, 0 when unchanged, or a negative errno.
 */
static int
work_publish(struct executor_state *s, struct ex_work *w,
             Flotilla__V1__WorkSpec *ws, struct actor_fx *fx)
{
    char subject[BUS_SUBJECT_MAX];
    char key[900];
    uint8_t *cmp;
    size_t cmp_len;
    int rc;

    cmp = spec_cmp_bytes(ws, &cmp_len);
    if (cmp == NULL) {
        return -ENOMEM;
    }
    if (w->spec != NULL && w->cmp_len == cmp_len &&
        memcmp(w->cmp, cmp, cmp_len) == 0) {
        free(cmp);
        return 0;
    }
    if (bus_subject_build(subject, sizeof(subject), "work.spec", w->cluster,
                          w->ns, w->binding) < 0) {
        free(cmp);
        return -ENAMETOOLONG;
    }
    snprintf(key, sizeof(key), "%s/%s/%s", w->cluster, w->ns, w->binding);
    rc = actor_fx_publish(fx, subject, key, "WorkSpec", &ws->base,
                          ACTOR_PUB_OWNED);
    if (rc != 0) {
        free(cmp);
        return rc;
    }
    actor_fx_decision(fx, key, ws->delete_ ? "delete" : "apply", ws->reason);
    if (!ws->delete_ && !w->present) {
        /* A report of "absent" from before this apply says nothing about
         * what the apply made: only a newer report may count it gone. */
        w->status_seen = false;
    }
    rc = work_set(s, w, ws, cmp, cmp_len);
    return rc == 0 ? 1 : rc;
}

/*
 * Publishes a delete for @w unless it is already one. Held back while the
 * cluster is not Ready: the member agent could not carry it out, and the
 * copy must not be counted as gone (failover.md §2.8).
 */
static int
work_delete(struct executor_state *s, struct ex_work *w, const char *reason,
            uint64_t seq, bool ns_guard, struct actor_fx *fx)
{
    Flotilla__V1__WorkSpec ws = FLOTILLA__V1__WORK_SPEC__INIT;
    char key[900];

    if (w == NULL || w->spec == NULL || w->spec->delete_) {
        return 0;
    }
    if (!cluster_takes_deletes(s, w->cluster)) {
        if (!w->pending_logged) {
            snprintf(key, sizeof(key), "%s/%s/%s", w->cluster, w->ns,
                     w->binding);
            actor_fx_decision(fx, key, "delete-waits",
                              "cluster not Ready: deleted when it answers");
            w->pending_logged = true;
        }
        return 0;
    }
    ws.cluster = w->cluster;
    ws.namespace_ = w->ns;
    ws.binding = w->binding;
    ws.resource = w->spec->resource;
    ws.delete_ = true;
    ws.reason = (char *)reason;
    ws.decision_seq = seq;
    /* The range stays reserved until the member says the copy is gone. */
    ws.replicas = w->spec->replicas;
    ws.ordinals_start = w->spec->ordinals_start;
    ws.delete_only_if_owned_and_empty = ns_guard;
    return work_publish(s, w, &ws, fx);
}

/* ------------------------------------------------------------ namespaces */

static int
ns_work_name(const char *ns, char *buf, size_t len)
{
    return (size_t)snprintf(buf, len, "%s-namespace", ns) < len ? 0
                                                                : -ENAMETOOLONG;
}

/* The propagated Namespace binding places it on @cluster. */
static bool
ns_propagated_to(const struct executor_state *s, const char *ns,
                 const char *cluster)
{
    char name[300];
    const struct ex_binding *b;

    if (ns_work_name(ns, name, sizeof(name)) != 0) {
        return false;
    }
    b = binding_find(s, "", name);
    return b != NULL && b->spec != NULL && !b->spec_deleted &&
           b->dec != NULL && !b->dec->deleted &&
           target_of(b->dec, cluster) != NULL;
}

/*
 * Namespace @ns in @cluster: created (labelled as Flotilla's) while a
 * binding placed there needs it; when nothing needs it any more, left in
 * place, or deleted when the setting says so (the agent deletes it only
 * when it is Flotilla's and empty of objects Flotilla does not own). A
 * propagated Namespace object placed on @cluster is its binding's business.
 */
static int
ns_eval(struct executor_state *s, const char *cluster, const char *ns,
        struct actor_fx *fx)
{
    char name[300];
    struct ex_work *w;
    Flotilla__V1__WorkSpec ws = FLOTILLA__V1__WORK_SPEC__INIT;
    Flotilla__V1__ObjectReference ref = FLOTILLA__V1__OBJECT_REFERENCE__INIT;
    char *text;
    int rc;

    if (ns[0] == '\0' || ns_is_system(ns) ||
        ns_work_name(ns, name, sizeof(name)) != 0 ||
        ns_propagated_to(s, ns, cluster)) {
        return 0;
    }
    w = work_find(s, cluster, "", name);
    if (ns_use(s, cluster, ns) == 0) {
        if (w == NULL || !s->cfg.delete_empty_namespaces) {
            return 0;
        }
        return work_delete(s, w, "namespace no longer needed here", 0, true,
                           fx);
    }
    w = work_get(s, cluster, "", name);
    if (w == NULL) {
        return -ENOMEM;
    }
    {
        json_t *m = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion",
                              "v1", "kind", "Namespace", "metadata", "name",
                              ns, "labels", EXECUTOR_MANAGED_LABEL, "true");

        text = m != NULL ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(m);
    }
    if (text == NULL) {
        return -ENOMEM;
    }
    ref.api_version = "v1";
    ref.kind = "Namespace";
    ref.namespace_ = "";
    ref.name = (char *)ns;
    ws.cluster = w->cluster;
    ws.namespace_ = "";
    ws.binding = w->binding;
    ws.resource = &ref;
    ws.manifest_json.data = (uint8_t *)text;
    ws.manifest_json.len = strlen(text);
    ws.reason = "namespace needed by a binding placed here";
    rc = work_publish(s, w, &ws, fx);
    free(text);
    return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------------- rendering */

static int
tmpl_parse(struct ex_binding *b)
{
    struct model_error err;
    char *text;
    int rc;

    model_object_free(b->tmpl);
    b->tmpl = NULL;
    free(b->tmpl_err);
    b->tmpl_err = NULL;
    if (b->spec == NULL) {
        return 0;
    }
    text = strndup((const char *)b->spec->template_json.data,
                   b->spec->template_json.len);
    if (text == NULL) {
        return -ENOMEM;
    }
    memset(&err, 0, sizeof(err));
    rc = model_object_from_json_text(b->name, text, &b->tmpl, &err);
    free(text);
    if (rc != 0) {
        char msg[900];

        b->tmpl = NULL;
        model_error_format(&err, msg, sizeof(msg));
        size_t n = strlen(b->ns) + strlen(b->name) + strlen(msg) + 40;

        b->tmpl_err = malloc(n);
        if (b->tmpl_err != NULL) {
            snprintf(b->tmpl_err, n, "binding %s/%s: template_json: %s",
                     b->ns, b->name, msg);
        }
        log_warn("template does not parse", "binding=%s/%s reason=\"%s\"",
                 b->ns, b->name, msg);
    }
    return rc == -ENOMEM ? rc : 0;
}

static int
set_label(json_t *m, const char *key, const char *value)
{
    json_t *meta = json_object_get(m, "metadata");
    json_t *labels = json_object_get(meta, "labels");

    if (!json_is_object(meta)) {
        return -EINVAL;
    }
    if (!json_is_object(labels)) {
        labels = json_object();
        if (labels == NULL || json_object_set_new(meta, "labels", labels)) {
            return -ENOMEM;
        }
    }
    return json_object_set_new(labels, key, json_string(value)) == 0
               ? 0
               : -ENOMEM;
}

static int
set_ordinals(json_t *m, int32_t start)
{
    json_t *spec = json_object_get(m, "spec");

    if (!json_is_object(spec)) {
        return -EINVAL;
    }
    return json_object_set_new(spec, "ordinals",
                               json_pack("{s:i}", "start", (int)start)) == 0
               ? 0
               : -ENOMEM;
}

static int32_t
ordinals_base(const struct ex_binding *b)
{
    json_t *start = b->tmpl != NULL
                        ? json_object_get(
                              json_object_get(
                                  json_object_get(b->tmpl->json, "spec"),
                                  "ordinals"),
                              "start")
                        : NULL;

    return json_is_integer(start) && json_integer_value(start) >= 0 &&
                   json_integer_value(start) < INT32_MAX
               ? (int32_t)json_integer_value(start)
               : 0;
}

/*
 * State preservation (failover.md §2.11): with exactly one target, the
 * last eviction task purging Directly and the target not among its
 * clusters before failover, the preserved label state is merged into the
 * workload's labels. Re-evaluated on every render, so the labels go away
 * with the task.
 */
static int
inject_preserved(const struct ex_binding *b, const char *cluster, json_t *m)
{
    const Flotilla__V1__ScheduleDecision *d = b->dec;
    const Flotilla__V1__GracefulEvictionTask *t;
    int rc = 0;

    if (d->n_clusters != 1 || d->n_eviction_tasks == 0) {
        return 0;
    }
    t = d->eviction_tasks[d->n_eviction_tasks - 1];
    if (!purge_directly(t->purge_mode)) {
        return 0;
    }
    for (size_t i = 0; i < t->n_clusters_before_failover; i++) {
        if (strcmp(t->clusters_before_failover[i], cluster) == 0) {
            return 0;
        }
    }
    for (size_t i = 0; i < t->n_preserved_label_state && rc == 0; i++) {
        rc = set_label(m, t->preserved_label_state[i]->key,
                       t->preserved_label_state[i]->value);
    }
    return rc;
}

/* The live object for the update path, without resourceVersion. */
static json_t *
observed_of(const struct ex_work *w)
{
    json_t *o;

    if (w == NULL || !w->present || w->live == NULL) {
        return NULL;
    }
    o = json_loads(w->live, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    /* Server-side apply needs no resourceVersion; keeping it would make
     * every member write a new manifest. */
    json_object_del(json_object_get(o, "metadata"), "resourceVersion");
    return o;
}

/* What the object model renders from @b for target @t, into *out. */
static int
render_model(struct executor_state *s, const struct ex_binding *b,
             const Flotilla__V1__TargetCluster *t, const struct ex_work *w,
             int64_t completions, json_t **out, struct model_error *err)
{
    struct model_render_args a;
    struct strmap_entry *ce = util_strmap_get(&s->clusters, t->name);
    const struct ex_cluster *c = ce != NULL ? ce->ptr : NULL;
    char binding_id[40];
    json_t *observed;
    int rc;

    if (model_uid_compute("work.karmada.io", "ResourceBinding", b->ns,
                          b->name, binding_id, sizeof(binding_id)) != 0) {
        return -ENOMEM;
    }
    observed = observed_of(w);
    memset(&a, 0, sizeof(a));
    a.tmpl = b->tmpl;
    a.cluster = t->name;
    a.cluster_obj = c != NULL ? c->obj : NULL;
    a.replicas = is_workload(b->spec) ? t->replicas : -1;
    a.completions = completions;
    a.policies = policies(s);
    a.observed = observed;
    a.binding_namespace = b->ns;
    a.binding_name = b->name;
    a.binding_id = binding_id;
    a.conflict_resolution = b->spec->conflict_resolution;
    rc = model_render_manifest(&a, out, NULL, err);
    json_decref(observed);
    return rc;
}

/*
 * The manifest text of @b for target @t (compact, sorted keys), or *out
 * NULL with a render-failed decision when it cannot be rendered. Returns 0
 * or -ENOMEM.
 */
static int
render_text(struct executor_state *s, const struct ex_binding *b,
            const Flotilla__V1__TargetCluster *t, const struct ex_work *w,
            const struct ex_plan *plan, const char *key,
            struct actor_fx *fx, char **out)
{
    struct model_error err;
    json_t *m = NULL;
    char msg[900];
    int rc;

    *out = NULL;
    if (b->tmpl == NULL) {
        actor_fx_decision(fx, key, "render-failed",
                          b->tmpl_err != NULL ? b->tmpl_err
                                              : "no template in the binding");
        return 0;
    }
    if (plan->completions == COMPLETIONS_MISSING) {
        actor_fx_decision(fx, key, "render-failed",
                          "Job completions: cluster missing from the split");
        return 0;
    }
    memset(&err, 0, sizeof(err));
    rc = render_model(s, b, t, w, plan->completions, &m, &err);
    if (rc == 0 && strcmp(b->tmpl->kind, "Namespace") == 0) {
        rc = set_label(m, EXECUTOR_MANAGED_LABEL, "true");
    }
    if (rc == 0) {
        rc = inject_preserved(b, t->name, m);
    }
    if (rc == 0 && plan->ordinal >= 0) {
        rc = set_ordinals(m, plan->ordinal);
        if (rc == -EINVAL) {
            model_error_set(&err, 0, 0, 0, "spec", "not an object");
        }
    }
    if (rc == 0) {
        *out = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
        rc = *out != NULL ? 0 : -ENOMEM;
    }
    json_decref(m);
    if (rc != 0 && rc != -ENOMEM) {
        model_error_format(&err, msg, sizeof(msg));
        actor_fx_decision(fx, key, "render-failed", msg);
        rc = 0;
    }
    return rc;
}

/*
 * Renders and publishes the copy of @b for target @t following @plan.
 * Returns 0 or a negative errno (render failures are decisions, not
 * errors).
 */
static int
render_target(struct executor_state *s, struct ex_binding *b,
              const Flotilla__V1__TargetCluster *t,
              const struct ex_plan *plan, struct actor_fx *fx)
{
    Flotilla__V1__WorkSpec ws = FLOTILLA__V1__WORK_SPEC__INIT;
    Flotilla__V1__ObjectReference ref = FLOTILLA__V1__OBJECT_REFERENCE__INIT;
    struct ex_work *w = work_get(s, t->name, b->ns, b->name);
    char key[900];
    char *text = NULL;
    int rc;

    if (w == NULL) {
        return -ENOMEM;
    }
    snprintf(key, sizeof(key), "%s/%s/%s", t->name, b->ns, b->name);
    rc = render_text(s, b, t, w, plan, key, fx, &text);
    if (rc != 0 || text == NULL) {
        return rc;
    }
    ref.api_version = (char *)b->tmpl->api_version;
    ref.kind = (char *)b->tmpl->kind;
    ref.namespace_ = (char *)b->tmpl->namespace_;
    ref.name = (char *)b->tmpl->name;
    ref.uid = b->tmpl->uid;
    ws.cluster = w->cluster;
    ws.namespace_ = w->ns;
    ws.binding = w->binding;
    ws.resource = &ref;
    ws.manifest_json.data = (uint8_t *)text;
    ws.manifest_json.len = strlen(text);
    ws.replicas = is_workload(b->spec) ? t->replicas : 0;
    ws.needs_namespace = b->ns[0] != '\0' && !ns_is_system(b->ns);
    ws.decision_seq = b->dec->decision_seq;
    ws.ordinals_start = plan->ordinal >= 0 ? plan->ordinal : 0;
    ws.reason = "placed here";
    if (!work_applied(w) && ws.needs_namespace) {
        /* The namespace first, so the agent finds it there. */
        ns_use_adjust(s, w, 1);
        rc = ns_eval(s, w->cluster, w->ns, fx);
        ns_use_adjust(s, w, -1);
    }
    if (rc == 0) {
        rc = work_publish(s, w, &ws, fx);
    }
    free(text);
    return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------------- deciding */

/*
 * The clusters to look at for @b: its targets, its eviction tasks and every
 * member holding a copy; sorted, deduplicated. *out is malloc'd.
 */
static int
binding_clusters(const struct ex_binding *b, const char ***out, size_t *n)
{
    const Flotilla__V1__ScheduleDecision *d = b->dec;
    size_t cap = b->works.len + 1;
    const char **v;
    struct strmap_entry *e;
    size_t i = 0;
    size_t k = 0;

    if (d != NULL) {
        cap += d->n_clusters + d->n_eviction_tasks;
    }
    v = calloc(cap, sizeof(*v));
    if (v == NULL) {
        return -ENOMEM;
    }
    while ((e = util_strmap_next(&b->works, &i)) != NULL) {
        v[k++] = e->key;
    }
    for (size_t j = 0; d != NULL && j < d->n_clusters; j++) {
        if (d->clusters[j]->name != NULL && d->clusters[j]->name[0] != '\0') {
            v[k++] = d->clusters[j]->name;
        }
    }
    for (size_t j = 0; d != NULL && j < d->n_eviction_tasks; j++) {
        if (d->eviction_tasks[j]->from_cluster != NULL &&
            d->eviction_tasks[j]->from_cluster[0] != '\0') {
            v[k++] = d->eviction_tasks[j]->from_cluster;
        }
    }
    qsort(v, k, sizeof(*v), util_cmp_str);
    i = 0;
    for (size_t j = 0; j < k; j++) {
        if (i == 0 || strcmp(v[i - 1], v[j]) != 0) {
            v[i++] = v[j];
        }
    }
    *out = v;
    *n = i;
    return 0;
}

static struct ex_work *
binding_work(const struct ex_binding *b, const char *cluster)
{
    struct strmap_entry *e = util_strmap_get(&b->works, cluster);

    return e != NULL ? e->ptr : NULL;
}

/*
 * A Directly purge in progress: the old copy in a task's cluster is not
 * gone yet (and its cluster not fenced). Writes the cluster to @who.
 */
static bool
directly_pending(const struct executor_state *s, const struct ex_binding *b,
                 int64_t now, const char **who)
{
    const Flotilla__V1__ScheduleDecision *d = b->dec;

    for (size_t i = 0; d != NULL && i < d->n_eviction_tasks; i++) {
        const Flotilla__V1__GracefulEvictionTask *t = d->eviction_tasks[i];
        const struct ex_work *w;
        struct strmap_entry *e;
        const struct ex_release *r;

        if (!purge_directly(t->purge_mode) || t->from_cluster == NULL ||
            t->suppress_deletion) {
            continue;
        }
        if (target_of(d, t->from_cluster) != NULL) {
            continue;   /* placed there again: nothing to purge */
        }
        w = binding_work(b, t->from_cluster);
        e = util_strmap_get(&b->releases, t->from_cluster);
        r = e != NULL ? e->ptr : NULL;
        if (work_absent(w) || cluster_fenced(s, t->from_cluster, now) ||
            (r != NULL && r->fenced)) {
            continue;
        }
        *who = t->from_cluster;
        return true;
    }
    return false;
}

/* Ordinal ranges for the targets of a StatefulSet divided over members. */
static int
assign_ordinals(const struct executor_state *s, const struct ex_binding *b,
                const char **clusters, size_t n, struct ex_plan *plan)
{
    struct executor_ordinal_slot *slots = calloc(n + 1, sizeof(*slots));
    int rc;

    (void)s;
    if (slots == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const struct ex_work *w = binding_work(b, clusters[i]);
        const Flotilla__V1__TargetCluster *t = target_of(b->dec, clusters[i]);

        slots[i].cluster = clusters[i];
        if (w != NULL && w->spec != NULL && !work_absent(w)) {
            slots[i].had = true;
            slots[i].old_start = w->spec->ordinals_start;
            slots[i].old_count = w->spec->replicas;
        }
        if (t != NULL) {
            slots[i].wants = true;
            slots[i].count = t->replicas;
        }
    }
    rc = executor_ordinals_assign(slots, n, ordinals_base(b));
    for (size_t i = 0; i < n; i++) {
        plan[i].ordinal = slots[i].wants ? slots[i].start : -1;
    }
    free(slots);
    return rc;
}

/*
 * Is @b the binding of a propagated Namespace ("_/<ns>-namespace")? Writes
 * the namespace's name to @buf. Works also for a binding already deleted.
 */
static bool
ns_binding_name(const struct ex_binding *b, char *buf, size_t len)
{
    static const char suffix[] = "-namespace";
    size_t n = strlen(b->name);
    size_t k = sizeof(suffix) - 1;

    if (b->ns[0] != '\0' || n <= k || strcmp(b->name + n - k, suffix) != 0) {
        return false;
    }
    if (b->spec != NULL && strcmp(spec_kind(b), "Namespace") != 0) {
        return false;
    }
    snprintf(buf, len, "%.*s", (int)(n - k), b->name);
    return true;
}

static bool
is_divided_job(const struct ex_binding *b)
{
    return b->tmpl != NULL && strcmp(b->tmpl->kind, "Job") == 0 &&
           !is_duplicated(b->spec) && b->spec->replicas > 0;
}

/*
 * The Job completions split (interpreter.md §3.2 step 2, §4.5): the
 * template's spec.completions apportioned over the targets with each one's
 * parallelism as its weight, by the scheduler's dispenser (Webster with the
 * UID tie-break). A target left out gets COMPLETIONS_MISSING.
 */
static int
split_completions(const struct ex_binding *b, const char **clusters,
                  size_t n, struct ex_plan *plan)
{
    const json_t *c = json_object_get(json_object_get(b->tmpl->json, "spec"),
                                      "completions");
    const char *uid = b->spec->resource != NULL &&
                              b->spec->resource->uid != NULL &&
                              b->spec->resource->uid[0] != '\0'
                          ? b->spec->resource->uid
                          : b->tmpl->uid;
    struct sched_arena a;
    struct sched_party *p;
    struct sched_target *out = NULL;
    size_t np = 0;
    size_t nout = 0;
    int rc = 0;

    if (!json_is_integer(c) || json_integer_value(c) < 0) {
        return 0;
    }
    sched_arena_init(&a);
    p = sched_arena_alloc(&a, (n + 1) * sizeof(*p));
    if (p == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const Flotilla__V1__TargetCluster *t = target_of(b->dec, clusters[i]);

        if (t != NULL) {
            p[np].name = clusters[i];
            p[np].votes = t->replicas > 0 ? t->replicas : 0;
            np++;
            plan[i].completions = COMPLETIONS_MISSING;
        }
    }
    rc = sched_dispense(&a, json_integer_value(c), NULL, 0, p, np, uid, &out,
                        &nout);
    for (size_t j = 0; rc == 0 && j < nout; j++) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(clusters[i], out[j].name) == 0) {
                plan[i].completions = out[j].replicas;
            }
        }
    }
out:
    sched_arena_release(&a);
    return rc;
}

/*
 * Removes @b's copy in @cluster for @reason, then decides that member's
 * namespace again. For a propagated Namespace (@ns_name set) the namespace
 * rules decide instead of a plain delete.
 */
static int
copy_remove(struct executor_state *s, struct ex_binding *b,
            const char *cluster, const char *ns_name, const char *reason,
            struct actor_fx *fx)
{
    struct ex_work *w = binding_work(b, cluster);
    uint64_t seq = b->dec != NULL ? b->dec->decision_seq : 0;
    int rc;

    if (ns_name != NULL) {
        return ns_eval(s, cluster, ns_name, fx);
    }
    rc = work_delete(s, w, reason, seq, false, fx);
    if (rc >= 0 && w != NULL && w->ns[0] != '\0' && !work_applied(w)) {
        rc = ns_eval(s, w->cluster, w->ns, fx);
    }
    return rc < 0 ? rc : 0;
}

/*
 * No copy of @b is created or updated now: dispatching is suspended, or a
 * Directly purge waits for the old copy to go. Says why.
 */
static bool
applies_held(const struct executor_state *s, const struct ex_binding *b,
             int64_t now, struct actor_fx *fx)
{
    const char *blocker = NULL;
    char bkey[600];
    char why[400];

    snprintf(bkey, sizeof(bkey), "%s/%s", b->ns, b->name);
    if (b->spec->suspended) {
        actor_fx_decision(fx, bkey, "suspended",
                          "dispatching suspended: members keep what they have");
        return true;
    }
    if (directly_pending(s, b, now, &blocker)) {
        snprintf(why, sizeof(why),
                 "purge mode Directly: waiting until the copy in %s is gone",
                 blocker);
        actor_fx_decision(fx, bkey, "wait", why);
        return true;
    }
    return false;
}

/* Decides every member's copy of @b. */
static int
binding_eval(struct executor_state *s, struct ex_binding *b, int64_t now,
             struct actor_fx *fx)
{
    const char **clusters = NULL;
    struct ex_plan *plan = NULL;
    char ns_name[256];
    bool gone = b->spec_deleted || (b->dec != NULL && b->dec->deleted);
    bool is_ns;
    size_t n = 0;
    int rc;

    if (!gone && (b->spec == NULL || b->dec == NULL)) {
        return 0;   /* not decided yet */
    }
    is_ns = ns_binding_name(b, ns_name, sizeof(ns_name));
    rc = binding_clusters(b, &clusters, &n);
    if (rc != 0) {
        return rc;
    }
    plan = calloc(n + 1, sizeof(*plan));
    if (plan == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        plan[i].ordinal = -1;
        plan[i].completions = -1;
    }
    if (gone) {
        for (size_t i = 0; i < n && rc == 0; i++) {
            rc = copy_remove(s, b, clusters[i], is_ns ? ns_name : NULL,
                             "binding deleted", fx);
        }
        goto out;
    }
    if (is_divided_statefulset(b)) {
        rc = assign_ordinals(s, b, clusters, n, plan);
    }
    if (rc == 0 && is_divided_job(b)) {
        rc = split_completions(b, clusters, n, plan);
    }
    if (rc != 0) {
        goto out;
    }
    /* Copies no longer placed and not held go first. */
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct ex_work *w = binding_work(b, clusters[i]);

        if (target_of(b->dec, clusters[i]) == NULL && work_applied(w) &&
            !task_holds(b, clusters[i])) {
            rc = copy_remove(s, b, clusters[i], is_ns ? ns_name : NULL,
                             "no longer placed here", fx);
        }
    }
    if (rc != 0) {
        goto out;
    }
    if (applies_held(s, b, now, fx)) {
        goto out;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        const Flotilla__V1__TargetCluster *t = target_of(b->dec, clusters[i]);

        if (t != NULL) {
            rc = render_target(s, b, t, &plan[i], fx);
        }
    }
out:
    free(clusters);
    free(plan);
    return rc < 0 ? rc : 0;
}

static int
cmp_entry_key(const void *a, const void *b)
{
    return strcmp((*(const struct strmap_entry *const *)a)->key,
                  (*(const struct strmap_entry *const *)b)->key);
}

/*
 * The entries of @m sorted by key, so decisions come out in the same order
 * after a restart. Deciding adds keys to the maps, which would disturb an
 * iteration; the entries are copied first. *out is malloc'd.
 */
static int
entries_sorted(const struct strmap *m, struct strmap_entry **out, size_t *n)
{
    struct strmap_entry **ptrs = calloc(m->len + 1, sizeof(*ptrs));
    struct strmap_entry *copy = calloc(m->len + 1, sizeof(*copy));
    struct strmap_entry *e;
    size_t i = 0;
    size_t k = 0;

    if (ptrs == NULL || copy == NULL) {
        free(ptrs);
        free(copy);
        return -ENOMEM;
    }
    while ((e = util_strmap_next(m, &i)) != NULL && k < m->len) {
        ptrs[k++] = e;
    }
    qsort(ptrs, k, sizeof(*ptrs), cmp_entry_key);
    for (size_t j = 0; j < k; j++) {
        copy[j] = *ptrs[j];
        copy[j].key = strdup(ptrs[j]->key);
        if (copy[j].key == NULL) {
            k = j;
            break;
        }
    }
    free(ptrs);
    *out = copy;
    *n = k;
    return 0;
}

static void
entries_free(struct strmap_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].key);
    }
    free(v);
}

/*
 * Re-decides every binding with a copy in @cluster, or all bindings when
 * @cluster is NULL, then @cluster's namespaces.
 */
static int
cluster_eval(struct executor_state *s, const char *cluster, int64_t now,
             struct actor_fx *fx)
{
    struct strmap_entry *v = NULL;
    size_t clen = cluster != NULL ? strlen(cluster) : 0;
    size_t n = 0;
    int rc;

    rc = entries_sorted(&s->bindings, &v, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct ex_binding *b = v[i].ptr;

        if (cluster == NULL || util_strmap_get(&b->works, cluster) != NULL ||
            target_of(b->dec, cluster) != NULL) {
            rc = binding_eval(s, b, now, fx);
        }
    }
    entries_free(v, n);
    if (rc != 0 || cluster == NULL) {
        return rc;
    }
    rc = entries_sorted(&s->ns_use, &v, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (strncmp(v[i].key, cluster, clen) == 0 &&
            v[i].key[clen] == SEP[0]) {
            rc = ns_eval(s, cluster, v[i].key + clen + 1, fx);
        }
    }
    entries_free(v, n);
    return rc;
}

/* ---------------------------------------------------------- taking input */

static int
names_of(const struct actor_msg *m, int skip, char (*names)[256], int want)
{
    return bus_subject_names(m->subject, skip, names, want) == want ? 0
                                                                    : -EBADMSG;
}

static int
take_binding_spec(struct executor_state *s, const struct actor_msg *m,
                  struct ex_binding **out)
{
    char names[2][256];
    Flotilla__V1__BindingSpec *spec = NULL;
    struct ex_binding *b;

    if (names_of(m, 2, names, 2) != 0) {
        return -EBADMSG;
    }
    if (!m->env->deleted) {
        spec = flotilla__v1__binding_spec__unpack(NULL, m->env->payload.len,
                                                  m->env->payload.data);
        if (spec == NULL) {
            return -EBADMSG;
        }
    }
    b = binding_get(s, names[0], names[1]);
    if (b == NULL) {
        if (spec != NULL) {
            flotilla__v1__binding_spec__free_unpacked(spec, NULL);
        }
        return -ENOMEM;
    }
    if (b->spec != NULL) {
        flotilla__v1__binding_spec__free_unpacked(b->spec, NULL);
    }
    b->spec = spec;
    b->spec_deleted = spec == NULL;
    *out = b;
    return tmpl_parse(b);
}

static int
take_decision(struct executor_state *s, const struct actor_msg *m,
              struct ex_binding **out)
{
    char names[2][256];
    Flotilla__V1__ScheduleDecision *d;
    struct ex_binding *b;

    if (names_of(m, 2, names, 2) != 0 || m->env->deleted) {
        return m->env->deleted ? 0 : -EBADMSG;
    }
    d = flotilla__v1__schedule_decision__unpack(NULL, m->env->payload.len,
                                                m->env->payload.data);
    if (d == NULL) {
        return -EBADMSG;
    }
    b = binding_get(s, names[0], names[1]);
    if (b == NULL) {
        flotilla__v1__schedule_decision__free_unpacked(d, NULL);
        return -ENOMEM;
    }
    if (b->dec != NULL && b->dec->decision_seq > d->decision_seq) {
        flotilla__v1__schedule_decision__free_unpacked(d, NULL);
        return 0;   /* an older decision, read again */
    }
    if (b->dec != NULL) {
        flotilla__v1__schedule_decision__free_unpacked(b->dec, NULL);
    }
    b->dec = d;
    *out = b;
    return 0;
}

static int
take_release(struct executor_state *s, const struct actor_msg *m,
             struct ex_binding **out)
{
    char names[3][256];
    Flotilla__V1__EvictionRelease *r;
    struct ex_binding *b;
    struct strmap_entry *e;
    struct ex_release *rel;

    if (names_of(m, 2, names, 3) != 0) {
        return -EBADMSG;
    }
    r = flotilla__v1__eviction_release__unpack(NULL, m->env->payload.len,
                                               m->env->payload.data);
    if (r == NULL) {
        return -EBADMSG;
    }
    b = binding_get(s, names[0], names[1]);
    e = b != NULL ? util_strmap_put(&b->releases, names[2]) : NULL;
    if (e == NULL) {
        flotilla__v1__eviction_release__free_unpacked(r, NULL);
        return -ENOMEM;
    }
    if (e->ptr == NULL) {
        e->ptr = calloc(1, sizeof(struct ex_release));
    }
    rel = e->ptr;
    if (rel != NULL) {
        rel->task_creation_ns = r->task_creation_ns;
        rel->fenced = r->outcome != NULL && strcmp(r->outcome, "Fenced") == 0;
        rel->suppressed = r->outcome != NULL &&
                          strcmp(r->outcome, "Suppressed") == 0;
    }
    flotilla__v1__eviction_release__free_unpacked(r, NULL);
    *out = b;
    return rel != NULL ? 0 : -ENOMEM;
}

/* Returns 1 when the cluster's readiness changed, 0 when not. */
static int
take_cluster_status(struct executor_state *s, const struct actor_msg *m,
                    char *name, size_t len)
{
    char names[1][256];
    Flotilla__V1__ClusterStatus *st;
    struct ex_cluster *c;
    int changed;

    if (names_of(m, 2, names, 1) != 0) {
        return -EBADMSG;
    }
    snprintf(name, len, "%s", names[0]);
    c = cluster_get(s, names[0]);
    if (c == NULL) {
        return -ENOMEM;
    }
    if (m->env->deleted) {
        changed = c->have_status;
        c->have_status = false;
        return changed;
    }
    st = flotilla__v1__cluster_status__unpack(NULL, m->env->payload.len,
                                              m->env->payload.data);
    if (st == NULL) {
        return -EBADMSG;
    }
    changed = !c->have_status ||
              strcmp(c->ready, st->ready != NULL ? st->ready : "") != 0 ||
              c->ready_since_ns != st->ready_since_ns;
    c->have_status = true;
    snprintf(c->ready, sizeof(c->ready), "%s",
             st->ready != NULL ? st->ready : "");
    c->ready_since_ns = st->ready_since_ns;
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
    return changed;
}

static int
take_cluster_spec(struct executor_state *s, const struct actor_msg *m,
                  char *name, size_t len)
{
    char names[1][256];
    Flotilla__V1__ClusterSpec *cs;
    struct ex_cluster *c;
    json_t *obj = NULL;
    bool deleting = false;
    int changed;

    if (names_of(m, 2, names, 1) != 0) {
        return -EBADMSG;
    }
    snprintf(name, len, "%s", names[0]);
    c = cluster_get(s, names[0]);
    if (c == NULL) {
        return -ENOMEM;
    }
    if (!m->env->deleted) {
        cs = flotilla__v1__cluster_spec__unpack(NULL, m->env->payload.len,
                                                m->env->payload.data);
        if (cs == NULL) {
            return -EBADMSG;
        }
        obj = cluster_json(cs);
        deleting = cs->deleting;
        flotilla__v1__cluster_spec__free_unpacked(cs, NULL);
        if (obj == NULL) {
            return -ENOMEM;
        }
    }
    changed = (!json_equal(c->obj, obj) && !(c->obj == NULL && obj == NULL)) ||
              c->deleting != deleting;
    json_decref(c->obj);
    c->obj = obj;
    c->deleting = deleting;
    return changed;
}

/* Returns 1 when what the executor uses of the report changed. */
static int
take_work_status(struct executor_state *s, const struct actor_msg *m,
                 struct ex_work **out)
{
    char names[3][256];
    Flotilla__V1__WorkStatus *st = NULL;
    struct ex_work *w;
    bool present = false;
    char *live = NULL;
    int changed;

    if (names_of(m, 2, names, 3) != 0) {
        return -EBADMSG;
    }
    if (!m->env->deleted) {
        st = flotilla__v1__work_status__unpack(NULL, m->env->payload.len,
                                               m->env->payload.data);
        if (st == NULL) {
            return -EBADMSG;
        }
        present = st->present;
        if (st->present && st->live_json.len > 0) {
            live = strndup((const char *)st->live_json.data,
                           st->live_json.len);
        }
        flotilla__v1__work_status__free_unpacked(st, NULL);
    }
    w = work_get(s, names[0], names[1], names[2]);
    if (w == NULL) {
        free(live);
        return -ENOMEM;
    }
    changed = !w->status_seen || w->present != present ||
              (w->live == NULL) != (live == NULL) ||
              (live != NULL && strcmp(w->live, live) != 0);
    w->status_seen = true;
    w->present = present;
    free(w->live);
    w->live = live;
    *out = w;
    return changed;
}

static int
take_policy(struct executor_state *s, const struct actor_msg *m)
{
    char names[3][256];
    char key[800];
    Flotilla__V1__ObjectRecord *rec;
    struct model_object *o = NULL;
    struct model_error err;
    struct strmap_entry *e;
    char *text;
    int rc;

    if (names_of(m, 1, names, 3) != 0) {
        return -EBADMSG;
    }
    snprintf(key, sizeof(key), "%s" SEP "%s" SEP "%s", names[0], names[1],
             names[2]);
    if (m->env->deleted) {
        model_object_free(util_strmap_del(&s->policies, key));
        s->pol_dirty = true;
        return 1;
    }
    rec = flotilla__v1__object_record__unpack(NULL, m->env->payload.len,
                                              m->env->payload.data);
    if (rec == NULL) {
        return -EBADMSG;
    }
    text = strndup((const char *)rec->json.data, rec->json.len);
    flotilla__v1__object_record__free_unpacked(rec, NULL);
    if (text == NULL) {
        return -ENOMEM;
    }
    memset(&err, 0, sizeof(err));
    rc = model_object_from_json_text(key, text, &o, &err);
    free(text);
    if (rc != 0 || (o->cls != MODEL_CLASS_OVERRIDE_POLICY &&
                    o->cls != MODEL_CLASS_CLUSTER_OVERRIDE_POLICY)) {
        char msg[900];

        model_error_format(&err, msg, sizeof(msg));
        log_warn("override policy ignored", "object=%s reason=\"%s\"",
                 m->subject, rc != 0 ? msg : "not an override policy");
        model_object_free(rc == 0 ? o : NULL);
        return rc == -ENOMEM ? rc : -EBADMSG;
    }
    e = util_strmap_put(&s->policies, key);
    if (e == NULL) {
        model_object_free(o);
        return -ENOMEM;
    }
    if (e->ptr != NULL && json_equal(((struct model_object *)e->ptr)->json,
                                     o->json)) {
        model_object_free(o);
        return 0;
    }
    model_object_free(e->ptr);
    e->ptr = o;
    s->pol_dirty = true;
    return 1;
}

static int
take_own_spec(struct executor_state *s, const struct actor_msg *m)
{
    char names[3][256];
    Flotilla__V1__WorkSpec *ws;
    struct ex_work *w;
    uint8_t *cmp;
    size_t cmp_len;
    int rc;

    if (names_of(m, 2, names, 3) != 0) {
        return -EBADMSG;
    }
    if (m->env->deleted) {
        return 0;
    }
    ws = flotilla__v1__work_spec__unpack(NULL, m->env->payload.len,
                                         m->env->payload.data);
    if (ws == NULL) {
        return -EBADMSG;
    }
    w = work_get(s, names[0], names[1], names[2]);
    cmp = spec_cmp_bytes(ws, &cmp_len);
    if (w == NULL || cmp == NULL) {
        free(cmp);
        flotilla__v1__work_spec__free_unpacked(ws, NULL);
        return -ENOMEM;
    }
    rc = work_set(s, w, ws, cmp, cmp_len);
    flotilla__v1__work_spec__free_unpacked(ws, NULL);
    return rc;
}

static bool
prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int
ex_absorb(void *p, const struct actor_msg *m)
{
    struct executor_state *s = p;
    struct ex_binding *b = NULL;
    struct ex_work *w = NULL;
    char name[256];
    int rc;

    if (prefix(m->subject, "work.spec.")) {
        return take_own_spec(s, m);
    }
    if (prefix(m->subject, "binding.spec.")) {
        return take_binding_spec(s, m, &b);
    }
    if (prefix(m->subject, "binding.schedule.")) {
        return take_decision(s, m, &b);
    }
    if (prefix(m->subject, "binding.release.")) {
        return take_release(s, m, &b);
    }
    if (prefix(m->subject, "cluster.status.")) {
        rc = take_cluster_status(s, m, name, sizeof(name));
        return rc < 0 ? rc : 0;
    }
    if (prefix(m->subject, "cluster.spec.")) {
        rc = take_cluster_spec(s, m, name, sizeof(name));
        return rc < 0 ? rc : 0;
    }
    if (prefix(m->subject, "work.status.")) {
        rc = take_work_status(s, m, &w);
        return rc < 0 ? rc : 0;
    }
    if (prefix(m->subject, "object.")) {
        rc = take_policy(s, m);
        return rc < 0 ? rc : 0;
    }
    return 0;
}

static void
fence_timer(struct executor_state *s, const char *cluster, struct actor_fx *fx)
{
    struct strmap_entry *e = util_strmap_get(&s->clusters, cluster);
    const struct ex_cluster *c = e != NULL ? e->ptr : NULL;
    char timer[300];

    snprintf(timer, sizeof(timer), "fence/%s", cluster);
    if (c != NULL && c->have_status && strcmp(c->ready, "Unknown") == 0) {
        (void)actor_fx_timer(fx, timer,
                             c->ready_since_ns + s->cfg.dead_after_ns);
    } else {
        (void)actor_fx_timer(fx, timer, 0);
    }
}

static int
ex_handle(void *p, const struct actor_msg *m, int64_t now, struct actor_fx *fx)
{
    struct executor_state *s = p;

    s->now_ns = now;
    struct ex_binding *b = NULL;
    struct ex_work *w = NULL;
    char name[256];
    int rc;

    if (prefix(m->subject, "binding.spec.")) {
        rc = take_binding_spec(s, m, &b);
    } else if (prefix(m->subject, "binding.schedule.")) {
        rc = take_decision(s, m, &b);
    } else if (prefix(m->subject, "binding.release.")) {
        rc = take_release(s, m, &b);
    } else if (prefix(m->subject, "cluster.status.")) {
        rc = take_cluster_status(s, m, name, sizeof(name));
        if (rc > 0) {
            fence_timer(s, name, fx);
            rc = cluster_eval(s, name, now, fx);
        }
        return rc < 0 ? rc : 0;
    } else if (prefix(m->subject, "cluster.spec.")) {
        rc = take_cluster_spec(s, m, name, sizeof(name));
        if (rc > 0) {
            rc = cluster_eval(s, name, now, fx);
        }
        return rc < 0 ? rc : 0;
    } else if (prefix(m->subject, "work.status.")) {
        rc = take_work_status(s, m, &w);
        if (rc > 0) {
            b = binding_find(s, w->ns, w->binding);
            rc = 0;
            if (b != NULL && b->spec != NULL) {
                rc = binding_eval(s, b, now, fx);
            }
        }
        return rc < 0 ? rc : 0;
    } else if (prefix(m->subject, "object.")) {
        rc = take_policy(s, m);
        if (rc > 0) {
            rc = cluster_eval(s, NULL, now, fx);
        }
        return rc < 0 ? rc : 0;
    } else {
        return 0;
    }
    if (rc != 0 || b == NULL) {
        return rc;
    }
    return binding_eval(s, b, now, fx);
}

static int
ex_timer(void *p, const char *name, int64_t now, struct actor_fx *fx)
{
    struct executor_state *s = p;

    s->now_ns = now;
    if (!prefix(name, "fence/")) {
        return 0;
    }
    if (!cluster_fenced(s, name + strlen("fence/"), now)) {
        return 0;
    }
    actor_fx_decision(fx, name + strlen("fence/"), "fenced",
                      "Unknown for deadAfter: its copies count as gone");
    return cluster_eval(s, name + strlen("fence/"), now, fx);
}

static int
ex_resume(void *p, int64_t now, struct actor_fx *fx)
{
    struct executor_state *s = p;
    struct strmap_entry *e;
    size_t i = 0;

    (void)now;
    while ((e = util_strmap_next(&s->clusters, &i)) != NULL) {
        fence_timer(s, e->key, fx);
    }
    return 0;
}

const struct actor_core executor_core = {
    .name = "executor",
    .inputs = ex_inputs,
    .own_state = ex_own,
    .create = ex_create,
    .destroy = ex_destroy,
    .absorb = ex_absorb,
    .handle = ex_handle,
    .on_timer = ex_timer,
    .resume = ex_resume,
};

/* ---------------------------------------------------------------- queries */

const Flotilla__V1__WorkSpec *
executor_work(const struct executor_state *s, const char *cluster,
              const char *ns, const char *binding)
{
    const struct ex_work *w = work_find(s, cluster, ns, binding);

    return w != NULL ? w->spec : NULL;
}

int
executor_ordinals(const struct executor_state *s, const char *ns,
                  const char *binding, const char *cluster, int32_t *start,
                  int32_t *count)
{
    const struct ex_binding *b = binding_find(s, ns, binding);
    const struct ex_work *w = work_find(s, cluster, ns, binding);

    if (b == NULL || w == NULL || w->spec == NULL ||
        !is_divided_statefulset(b)) {
        return -ENOENT;
    }
    *start = w->spec->ordinals_start;
    *count = w->spec->replicas;
    return w->spec->delete_ ? -ESTALE : 0;
}

int
executor_ordinals_describe(const struct executor_state *s, const char *ns,
                           const char *binding, char *buf, size_t len)
{
    const struct ex_binding *b = binding_find(s, ns, binding);
    const char **v = NULL;
    size_t n = 0;
    size_t off = 0;
    int listed = 0;
    int rc = 0;

    if (len > 0) {
        buf[0] = '\0';
    }
    if (b == NULL || !is_divided_statefulset(b)) {
        return 0;
    }
    rc = binding_clusters(b, &v, &n);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        int32_t start;
        int32_t count;
        int k;

        if (executor_ordinals(s, ns, binding, v[i], &start, &count) != 0 ||
            count <= 0) {
            continue;
        }
        k = snprintf(buf + off, len - off, "%s%s=%d-%d", listed ? " " : "",
                     v[i], start, start + count - 1);
        if (k < 0 || (size_t)k >= len - off) {
            rc = -ENOSPC;
            break;
        }
        off += (size_t)k;
        listed++;
    }
    free(v);
    return rc != 0 ? rc : listed;
}
