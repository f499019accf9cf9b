/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla get clusters|bindings|works|taints|evictions`: the control
 * plane's state as the streams hold it (the last message of each key), in
 * aligned tables, or as JSON/YAML with -o, or again on every change with -w.
 */
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bus/bus.h"
#include "bus/envelope.h"
#include "bus/subject.h"
#include "executor/status.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/time.h"

#include "pbjson.h"
#include "table.h"

enum out_format { OUT_TABLE, OUT_WIDE, OUT_JSON, OUT_YAML };

struct get_ctx {
    struct bus_conn *c;
    enum out_format fmt;
    struct strmap seen;     /* subject -> decoded envelope (ptr) */
};

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: flotilla get clusters|bindings|works|taints|evictions "
            "[-o wide|json|yaml] [-w] [--server URL]\n\n"
            "Shows the control plane's state: the last message of every key in\n"
            "the streams. -w prints it again whenever it changes. -o json and\n"
            "-o yaml print the whole objects as a List (every message of the\n"
            "key, with templates and manifests as JSON), for scripts.\n");
}

static int
collect(const struct bus_msg *m, void *arg)
{
    struct get_ctx *g = arg;
    Flotilla__V1__Envelope *env = NULL;
    struct strmap_entry *e;
    char why[128];

    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) != 0) {
        return 0;
    }
    e = util_strmap_put(&g->seen, m->subject);
    if (e == NULL) {
        bus_envelope_free(env);
        return -ENOMEM;
    }
    bus_envelope_free(e->ptr);
    e->ptr = env->deleted ? NULL : env;
    if (env->deleted) {
        bus_envelope_free(env);
    }
    return 0;
}

static void
release(struct get_ctx *g)
{
    struct strmap_entry *e;
    size_t i = 0;

    while ((e = util_strmap_next(&g->seen, &i)) != NULL) {
        bus_envelope_free(e->ptr);
    }
    util_strmap_release(&g->seen);
}

static const Flotilla__V1__Envelope *
lookup(struct get_ctx *g, const char *prefix, const char *a, const char *b,
       const char *c)
{
    char subject[BUS_SUBJECT_MAX];
    struct strmap_entry *e;

    bus_subject_build(subject, sizeof(subject), prefix, a, b, c);
    e = util_strmap_get(&g->seen, subject);
    return e != NULL ? e->ptr : NULL;
}

/* Subjects starting with @prefix, sorted. */
static size_t
keys(struct get_ctx *g, const char *prefix, const char ***out)
{
    struct strmap_entry *e;
    size_t i = 0, n = 0;
    const char **k = calloc(g->seen.len + 1, sizeof(*k));

    while (k != NULL && (e = util_strmap_next(&g->seen, &i)) != NULL) {
        if (e->ptr != NULL && strncmp(e->key, prefix, strlen(prefix)) == 0) {
            k[n++] = e->key;
        }
    }
    if (k != NULL) {
        qsort(k, n, sizeof(*k), util_cmp_str);
    }
    *out = k;
    return n;
}

static char *
taints_text(const Flotilla__V1__ClusterTaints *t)
{
    char buf[2048] = "";
    size_t off = 0;

    for (size_t i = 0; t != NULL && i < t->n_taints && off < sizeof(buf); i++) {
        const Flotilla__V1__Taint *x = t->taints[i];

        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s%s%s:%s",
                                i ? "," : "", x->key, x->value[0] ? "=" : "",
                                x->value, x->effect);
    }
    return strdup(off > 0 ? buf : "<none>");
}

static void
get_clusters(struct get_ctx *g, struct table *t)
{
    const char **k = NULL;
    size_t n = keys(g, "cluster.spec.", &k);

    table_header(t, "NAME", "READY", "REASON", "REGION", "ZONE", "TAINTS",
                 g->fmt == OUT_WIDE ? "APIS" : NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        char name[1][256];
        const Flotilla__V1__Envelope *e;
        Flotilla__V1__ClusterSpec *spec = NULL;
        Flotilla__V1__ClusterStatus *st = NULL;
        Flotilla__V1__ClusterTaints *tt = NULL;
        char *taints;
        char apis[32];

        if (bus_subject_names(k[i], 2, name, 1) != 1) {
            continue;
        }
        e = lookup(g, "cluster.spec", name[0], NULL, NULL);
        spec = flotilla__v1__cluster_spec__unpack(NULL, e->payload.len,
                                                  e->payload.data);
        e = lookup(g, "cluster.status", name[0], NULL, NULL);
        if (e != NULL) {
            st = flotilla__v1__cluster_status__unpack(NULL, e->payload.len,
                                                      e->payload.data);
        }
        e = lookup(g, "cluster.taint", name[0], NULL, NULL);
        if (e != NULL) {
            tt = flotilla__v1__cluster_taints__unpack(NULL, e->payload.len,
                                                      e->payload.data);
        }
        taints = taints_text(tt);
        snprintf(apis, sizeof(apis), "%zu", st != NULL ? st->n_api_enablements
                                                       : (size_t)0);
        table_row(t, name[0], st != NULL && st->ready[0] ? st->ready : "-",
                  st != NULL && st->reason[0] ? st->reason : "-",
                  spec != NULL && spec->region[0] ? spec->region : "-",
                  spec != NULL && spec->zone[0] ? spec->zone : "-", taints,
                  g->fmt == OUT_WIDE ? apis : NULL, NULL);
        free(taints);
        if (spec != NULL) {
            flotilla__v1__cluster_spec__free_unpacked(spec, NULL);
        }
        if (st != NULL) {
            flotilla__v1__cluster_status__free_unpacked(st, NULL);
        }
        if (tt != NULL) {
            flotilla__v1__cluster_taints__free_unpacked(tt, NULL);
        }
    }
    free(k);
}

static void
placement_text(const Flotilla__V1__ScheduleDecision *d, char *buf, size_t len)
{
    size_t off = 0;

    buf[0] = '\0';
    for (size_t i = 0; d != NULL && i < d->n_clusters && off < len; i++) {
        off += (size_t)snprintf(buf + off, len - off, "%s%s:%d", i ? " " : "",
                                d->clusters[i]->name, d->clusters[i]->replicas);
    }
    if (off == 0) {
        snprintf(buf, len, "<none>");
    }
}

/*
 * The binding's aggregated READY (ready/wanted, with the freshness rule of
 * executor/status.h) and, for -o wide, the clusters whose report is stale;
 * with @obj, also as readyReplicas, wantReplicas and staleClusters in it.
 */
static void
ready_text(struct get_ctx *g, const char **k, size_t n, const char *ns,
           const char *name, const Flotilla__V1__ScheduleDecision *d,
           char *ready, size_t rlen, char *stale, size_t slen, json_t *obj)
{
    Flotilla__V1__ClusterStatus **cs = calloc(n + 1, sizeof(*cs));
    Flotilla__V1__WorkStatus **ws = calloc(n + 1, sizeof(*ws));
    struct executor_status s;
    size_t off = 0;

    snprintf(ready, rlen, "-");
    snprintf(stale, slen, "-");
    if (d == NULL) {
        /* Not scheduled yet: nothing is wanted anywhere. */
        n = 0;
    }
    for (size_t i = 0; cs != NULL && ws != NULL && i < n; i++) {
        char cl[1][256];
        const Flotilla__V1__Envelope *e;

        if (bus_subject_names(k[i], 2, cl, 1) != 1) {
            continue;
        }
        e = lookup(g, "cluster.status", cl[0], NULL, NULL);
        if (e != NULL) {
            cs[i] = flotilla__v1__cluster_status__unpack(NULL, e->payload.len,
                                                         e->payload.data);
        }
        e = lookup(g, "work.status", cl[0], ns, name);
        if (e != NULL) {
            ws[i] = flotilla__v1__work_status__unpack(NULL, e->payload.len,
                                                      e->payload.data);
        }
    }
    if (d != NULL && cs != NULL && ws != NULL &&
        executor_status_aggregate(d, cs, n, ws, n, &s) == 0) {
        json_t *names = obj != NULL ? json_array() : NULL;

        snprintf(ready, rlen, "%d/%d", s.ready_replicas, s.want_replicas);
        for (size_t i = 0; i < s.n_members; i++) {
            if (s.members[i].stale && s.members[i].in_placement) {
                if (off < slen) {
                    off += (size_t)snprintf(stale + off, slen - off, "%s%s",
                                            off ? "," : "",
                                            s.members[i].cluster);
                }
                json_array_append_new(names,
                                      json_string(s.members[i].cluster));
            }
        }
        if (obj != NULL) {
            json_object_set_new(obj, "readyReplicas",
                                json_integer(s.ready_replicas));
            json_object_set_new(obj, "wantReplicas",
                                json_integer(s.want_replicas));
            json_object_set_new(obj, "staleClusters",
                                names != NULL ? names : json_array());
        }
        executor_status_release(&s);
    }
    for (size_t i = 0; i < n; i++) {
        if (cs != NULL && cs[i] != NULL) {
            flotilla__v1__cluster_status__free_unpacked(cs[i], NULL);
        }
        if (ws != NULL && ws[i] != NULL) {
            flotilla__v1__work_status__free_unpacked(ws[i], NULL);
        }
    }
    free(cs);
    free(ws);
}

static void
get_bindings(struct get_ctx *g, struct table *t, bool evictions)
{
    const char **k = NULL;
    size_t n = keys(g, "binding.spec.", &k);
    const char **ck = NULL;
    size_t nc = evictions ? 0 : keys(g, "cluster.spec.", &ck);

    if (evictions) {
        table_header(t, "NAMESPACE", "BINDING", "CLUSTER", "STATE", "REASON",
                     "PURGE", NULL);
    } else {
        table_header(t, "NAMESPACE", "NAME", "REPLICAS", "PLACEMENT",
                     "SCHEDULABLE", "REASON", "EVICTING", "READY",
                     g->fmt == OUT_WIDE ? "POLICY" : NULL,
                     g->fmt == OUT_WIDE ? "STALE" : NULL, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        char names[2][256];
        const Flotilla__V1__Envelope *e;
        Flotilla__V1__BindingSpec *b;
        Flotilla__V1__ScheduleDecision *d = NULL;
        char place[1024], reps[16], ev[512] = "", policy[600];
        char ready[32], stale[512];
        size_t off = 0;

        if (bus_subject_names(k[i], 2, names, 2) != 2) {
            continue;
        }
        e = lookup(g, "binding.spec", names[0], names[1], NULL);
        b = flotilla__v1__binding_spec__unpack(NULL, e->payload.len,
                                               e->payload.data);
        e = lookup(g, "binding.schedule", names[0], names[1], NULL);
        if (e != NULL) {
            d = flotilla__v1__schedule_decision__unpack(NULL, e->payload.len,
                                                        e->payload.data);
        }
        if (b == NULL) {
            continue;
        }
        if (evictions) {
            for (size_t j = 0; d != NULL && j < d->n_eviction_tasks; j++) {
                const Flotilla__V1__GracefulEvictionTask *x = d->eviction_tasks[j];

                table_row(t, names[0][0] ? names[0] : "-", names[1],
                          x->from_cluster, "accepted", x->reason,
                          x->purge_mode, NULL);
            }
            for (size_t j = 0; d != NULL && j < d->n_blocked_evictions; j++) {
                const Flotilla__V1__BlockedEviction *x = d->blocked_evictions[j];

                table_row(t, names[0][0] ? names[0] : "-", names[1], x->cluster,
                          "blocked", x->reason, "-", NULL);
            }
        } else {
            placement_text(d, place, sizeof(place));
            snprintf(reps, sizeof(reps), "%d", b->replicas);
            for (size_t j = 0; d != NULL && j < d->n_eviction_tasks &&
                               off < sizeof(ev); j++) {
                off += (size_t)snprintf(ev + off, sizeof(ev) - off, "%s%s",
                                        j ? "," : "",
                                        d->eviction_tasks[j]->from_cluster);
            }
            snprintf(policy, sizeof(policy), "%s%s%s", b->policy_namespace,
                     b->policy_namespace[0] ? "/" : "", b->policy_name);
            ready_text(g, ck, nc, names[0], names[1], d, ready, sizeof(ready),
                       stale, sizeof(stale), NULL);
            table_row(t, names[0][0] ? names[0] : "-", names[1], reps, place,
                      d == NULL ? "-" : d->schedulable ? "True" : "False",
                      d == NULL ? "Pending" : d->reason, off ? ev : "-", ready,
                      g->fmt == OUT_WIDE ? policy : NULL,
                      g->fmt == OUT_WIDE ? stale : NULL, NULL);
        }
        flotilla__v1__binding_spec__free_unpacked(b, NULL);
        if (d != NULL) {
            flotilla__v1__schedule_decision__free_unpacked(d, NULL);
        }
    }
    free(k);
    free(ck);
}

/* The Ready condition of cluster @name as last reported, or "". */
static void
cluster_ready(struct get_ctx *g, const char *name, char *buf, size_t len)
{
    const Flotilla__V1__Envelope *e = lookup(g, "cluster.status", name, NULL,
                                             NULL);
    Flotilla__V1__ClusterStatus *cs = NULL;

    buf[0] = '\0';
    if (e != NULL) {
        cs = flotilla__v1__cluster_status__unpack(NULL, e->payload.len,
                                                  e->payload.data);
    }
    if (cs != NULL) {
        snprintf(buf, len, "%s", cs->ready);
        flotilla__v1__cluster_status__free_unpacked(cs, NULL);
    }
}

/*
 * True when the last placement of binding @ns/@name no longer names
 * @cluster, neither as a target nor as an eviction task that still holds
 * the copy there: the executor deletes it once the cluster is Ready.
 */
static bool
unwanted_on(struct get_ctx *g, const char *cluster, const char *ns,
            const char *name)
{
    const Flotilla__V1__Envelope *e = lookup(g, "binding.schedule", ns, name,
                                             NULL);
    Flotilla__V1__ScheduleDecision *d;
    bool named = false;

    if (e == NULL) {
        return false;
    }
    d = flotilla__v1__schedule_decision__unpack(NULL, e->payload.len,
                                                e->payload.data);
    if (d == NULL) {
        return false;
    }
    for (size_t i = 0; !named && i < d->n_clusters; i++) {
        named = strcmp(d->clusters[i]->name, cluster) == 0;
    }
    for (size_t i = 0; !named && i < d->n_eviction_tasks; i++) {
        named = strcmp(d->eviction_tasks[i]->from_cluster, cluster) == 0;
    }
    flotilla__v1__schedule_decision__free_unpacked(d, NULL);
    return !named;
}

static void
get_works(struct get_ctx *g, struct table *t)
{
    const char **k = NULL;
    size_t n = keys(g, "work.spec.", &k);
    char last[256] = "";
    char cready[32] = "";

    table_header(t, "CLUSTER", "NAMESPACE", "BINDING", "WANT", "PRESENT",
                 "READY", "HEALTH", "ERROR", NULL);
    for (size_t i = 0; i < n; i++) {
        char names[3][256];
        const Flotilla__V1__Envelope *e;
        Flotilla__V1__WorkSpec *w;
        Flotilla__V1__WorkStatus *st = NULL;
        char want[32], ready[32], why[320];
        bool stale;

        if (bus_subject_names(k[i], 2, names, 3) != 3) {
            continue;
        }
        e = lookup(g, "work.spec", names[0], names[1], names[2]);
        w = flotilla__v1__work_spec__unpack(NULL, e->payload.len,
                                            e->payload.data);
        e = lookup(g, "work.status", names[0], names[1], names[2]);
        if (e != NULL) {
            st = flotilla__v1__work_status__unpack(NULL, e->payload.len,
                                                   e->payload.data);
        }
        if (w == NULL) {
            continue;
        }
        snprintf(want, sizeof(want), "%s", w->delete_ ? "deleted" : "applied");
        /* keys come sorted, a cluster's works together: read each status once */
        if (strcmp(last, names[0]) != 0) {
            snprintf(last, sizeof(last), "%s", names[0]);
            cluster_ready(g, names[0], cready, sizeof(cready));
        }
        stale = st != NULL && st->present && strcmp(cready, "True") != 0;
        /* a report from a cluster that is not Ready is its last word, not
         * its state: counted 0 ready, as the binding's status counts it */
        snprintf(ready, sizeof(ready), "%d/%d",
                 st && !stale ? st->ready_replicas : 0, st ? st->replicas : 0);
        if (stale) {
            bool held = !w->delete_ && unwanted_on(g, names[0], names[1],
                                                    names[2]);

            snprintf(why, sizeof(why), "stale: cluster %s is %s%s", names[0],
                     cready[0] ? cready : "not reporting",
                     held ? "; delete held until it is Ready" : "");
            if (held) {
                snprintf(want, sizeof(want), "delete");
            }
        }
        table_row(t, names[0], names[1][0] ? names[1] : "-", names[2], want,
                  st == NULL ? "-" : st->present ? "yes" : "no", ready,
                  stale ? "Unknown"
                  : st != NULL && st->health[0] ? st->health : "-",
                  stale ? why
                  : st != NULL && st->apply_error[0] ? st->apply_error : "-",
                  NULL);
        flotilla__v1__work_spec__free_unpacked(w, NULL);
        if (st != NULL) {
            flotilla__v1__work_status__free_unpacked(st, NULL);
        }
    }
    free(k);
}

static void
get_taints(struct get_ctx *g, struct table *t)
{
    const char **k = NULL;
    size_t n = keys(g, "cluster.taint.", &k);

    table_header(t, "CLUSTER", "KEY", "VALUE", "EFFECT", "SOURCE", "ADDED",
                 NULL);
    for (size_t i = 0; i < n; i++) {
        const Flotilla__V1__Envelope *e;
        Flotilla__V1__ClusterTaints *tt;
        char name[1][256];

        if (bus_subject_names(k[i], 2, name, 1) != 1) {
            continue;
        }
        e = lookup(g, "cluster.taint", name[0], NULL, NULL);
        tt = flotilla__v1__cluster_taints__unpack(NULL, e->payload.len,
                                                  e->payload.data);
        for (size_t j = 0; tt != NULL && j < tt->n_taints; j++) {
            char when[40];

            util_time_format_rfc3339(tt->taints[j]->time_added_ns, when,
                                     sizeof(when));
            table_row(t, name[0], tt->taints[j]->key,
                      tt->taints[j]->value[0] ? tt->taints[j]->value : "-",
                      tt->taints[j]->effect,
                      tt->taints[j]->source[0] ? tt->taints[j]->source : "-",
                      when, NULL);
        }
        if (tt != NULL) {
            flotilla__v1__cluster_taints__free_unpacked(tt, NULL);
        }
    }
    free(k);
}

/* ------------------------------------------------ -o json|yaml: objects */

/* The message last published on a key, as JSON; NULL when there is none. */
static json_t *
part(struct get_ctx *g, const ProtobufCMessageDescriptor *d,
     const char *prefix, const char *a, const char *b, const char *c)
{
    const Flotilla__V1__Envelope *e = lookup(g, prefix, a, b, c);

    return e != NULL ? pbjson_unpack(d, e->payload.data, e->payload.len)
                     : NULL;
}

static void
put(json_t *o, const char *key, json_t *v)
{
    if (v != NULL) {
        json_object_set_new(o, key, v);
    }
}

/* Clusters: spec, status and taint set of each (taints: the set alone). */
static json_t *
cluster_items(struct get_ctx *g, bool taints_only)
{
    const char **k = NULL;
    size_t n = keys(g, taints_only ? "cluster.taint." : "cluster.spec.", &k);
    json_t *items = json_array();

    for (size_t i = 0; items != NULL && i < n; i++) {
        char name[1][256];
        json_t *it;

        if (bus_subject_names(k[i], 2, name, 1) != 1) {
            continue;
        }
        it = json_pack("{s:s}", taints_only ? "cluster" : "name", name[0]);
        if (!taints_only) {
            put(it, "spec", part(g, &flotilla__v1__cluster_spec__descriptor,
                                 "cluster.spec", name[0], NULL, NULL));
            put(it, "status",
                part(g, &flotilla__v1__cluster_status__descriptor,
                     "cluster.status", name[0], NULL, NULL));
        }
        put(it, "taints", part(g, &flotilla__v1__cluster_taints__descriptor,
                               "cluster.taint", name[0], NULL, NULL));
        json_array_append_new(items, it);
    }
    free(k);
    return items;
}

/*
 * Bindings: spec, schedule decision, the aggregated READY with the stale
 * clusters, and every member's work status. Evictions: one item per
 * accepted or blocked eviction.
 */
static json_t *
binding_items(struct get_ctx *g, bool evictions)
{
    const char **k = NULL;
    size_t n = keys(g, "binding.spec.", &k);
    const char **ck = NULL;
    size_t nc = keys(g, "cluster.spec.", &ck);
    json_t *items = json_array();

    for (size_t i = 0; items != NULL && i < n; i++) {
        char names[2][256];
        const Flotilla__V1__Envelope *e;
        Flotilla__V1__ScheduleDecision *d = NULL;
        json_t *sched;

        if (bus_subject_names(k[i], 2, names, 2) != 2) {
            continue;
        }
        sched = part(g, &flotilla__v1__schedule_decision__descriptor,
                     "binding.schedule", names[0], names[1], NULL);
        if (evictions) {
            static const char *const lists[][2] = {
                { "evictionTasks", "accepted" },
                { "blockedEvictions", "blocked" } };

            for (size_t l = 0; l < 2; l++) {
                size_t j;
                json_t *x;

                json_array_foreach(json_object_get(sched, lists[l][0]), j, x) {
                    json_array_append_new(
                        items, json_pack("{s:s, s:s, s:s, s:O}", "namespace",
                                         names[0], "binding", names[1],
                                         "state", lists[l][1], "eviction", x));
                }
            }
            json_decref(sched);
            continue;
        }
        {
            json_t *it = json_pack("{s:s, s:s}", "namespace", names[0], "name",
                                   names[1]);
            json_t *works = json_object();
            char ready[32], stale[512];

            put(it, "spec", part(g, &flotilla__v1__binding_spec__descriptor,
                                 "binding.spec", names[0], names[1], NULL));
            put(it, "schedule", sched);
            e = lookup(g, "binding.schedule", names[0], names[1], NULL);
            if (e != NULL) {
                d = flotilla__v1__schedule_decision__unpack(
                    NULL, e->payload.len, e->payload.data);
            }
            ready_text(g, ck, nc, names[0], names[1], d, ready, sizeof(ready),
                       stale, sizeof(stale), it);
            if (d != NULL) {
                flotilla__v1__schedule_decision__free_unpacked(d, NULL);
            }
            for (size_t c = 0; works != NULL && c < nc; c++) {
                char cl[1][256];

                if (bus_subject_names(ck[c], 2, cl, 1) == 1) {
                    put(works, cl[0],
                        part(g, &flotilla__v1__work_status__descriptor,
                             "work.status", cl[0], names[0], names[1]));
                }
            }
            put(it, "workStatus", works);
            json_array_append_new(items, it);
        }
    }
    free(k);
    free(ck);
    return items;
}

/* Works: what each member was told (WorkSpec) and what it reported. */
static json_t *
work_items(struct get_ctx *g)
{
    const char **k = NULL;
    size_t n = keys(g, "work.spec.", &k);
    json_t *items = json_array();
    char last[256] = "";
    char cready[32] = "";

    for (size_t i = 0; items != NULL && i < n; i++) {
        char names[3][256];
        json_t *it;
        json_t *st;

        if (bus_subject_names(k[i], 2, names, 3) != 3) {
            continue;
        }
        /* as get_works(): a cluster's works come together, its status
         * is read once */
        if (strcmp(last, names[0]) != 0) {
            snprintf(last, sizeof(last), "%s", names[0]);
            cluster_ready(g, names[0], cready, sizeof(cready));
        }
        st = part(g, &flotilla__v1__work_status__descriptor, "work.status",
                  names[0], names[1], names[2]);
        it = json_pack("{s:s, s:s, s:s}", "cluster", names[0], "namespace",
                       names[1], "binding", names[2]);
        put(it, "spec", part(g, &flotilla__v1__work_spec__descriptor,
                             "work.spec", names[0], names[1], names[2]));
        /* as in the table: a report from a cluster that is not Ready is
         * its last word, not its state; a copy the placement no longer
         * wants there waits for Ready to be deleted */
        put(it, "stale", json_boolean(st != NULL && strcmp(cready, "True") != 0));
        put(it, "deleteHeld",
            json_boolean(strcmp(cready, "True") != 0 &&
                         !json_is_true(json_object_get(
                             json_object_get(it, "spec"), "delete")) &&
                         unwanted_on(g, names[0], names[1], names[2])));
        put(it, "status", st);
        json_array_append_new(items, it);
    }
    free(k);
    return items;
}

/* Every object of @what, as {"kind": "List", "items": [...]}. */
static json_t *
object_list(struct get_ctx *g, const char *what)
{
    json_t *items;

    if (strncmp(what, "cluster", 7) == 0) {
        items = cluster_items(g, false);
    } else if (strncmp(what, "binding", 7) == 0) {
        items = binding_items(g, false);
    } else if (strncmp(what, "eviction", 8) == 0) {
        items = binding_items(g, true);
    } else if (strncmp(what, "work", 4) == 0) {
        items = work_items(g);
    } else {
        items = cluster_items(g, true);
    }
    return json_pack("{s:s, s:s, s:o*}", "apiVersion", "flotilla.io/v1",
                     "kind", "List", "items", items);
}

struct source {
    const char *stream;
    const char *filter;
};

static int
read_state(struct get_ctx *g, const char *what)
{
    static const struct source clusters[] = {
        { "FL_CLUSTERS", "cluster.>" }, { NULL, NULL } };
    static const struct source bindings[] = {
        { "FL_BINDINGS", "binding.>" }, { "FL_CLUSTERS", "cluster.>" },
        { "FL_WORK", "work.status.>" }, { NULL, NULL } };
    static const struct source works[] = {
        { "FL_WORK", "work.>" }, { "FL_CLUSTERS", "cluster.status.>" },
        { "FL_BINDINGS", "binding.schedule.>" }, { NULL, NULL } };
    const struct source *src = strcmp(what, "works") == 0 ? works
                               : strncmp(what, "binding", 7) == 0 ||
                                         strncmp(what, "eviction", 8) == 0
                                   ? bindings
                                   : clusters;
    int rc = 0;

    for (; src->stream != NULL && rc == 0; src++) {
        rc = bus_read_last_per_subject(g->c, src->stream, src->filter,
                                       collect, g);
    }
    return rc;
}

/*
 * Prints the state once; with @last (watching) only when the text differs
 * from what *@last holds, which it then replaces.
 */
static int
show(struct get_ctx *g, const char *what, char **last)
{
    struct table t;
    char *text = NULL;
    size_t len = 0;
    FILE *out;
    int rc;

    table_init(&t);
    rc = read_state(g, what);
    if (rc != 0) {
        fprintf(stderr, "flotilla get: %s\n", strerror(-rc));
        return 1;
    }
    if (g->fmt == OUT_JSON || g->fmt == OUT_YAML) {
        json_t *list = object_list(g, what);

        out = open_memstream(&text, &len);
        if (out == NULL || list == NULL) {
            if (out != NULL) {
                fclose(out);
            }
            free(text);
            json_decref(list);
            release(g);
            return 1;
        }
        if (g->fmt == OUT_YAML) {
            pbjson_print_yaml(out, list);
        } else {
            json_dumpf(list, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            fputc('\n', out);
        }
        json_decref(list);
        goto print;
    }
    if (strncmp(what, "cluster", 7) == 0) {
        get_clusters(g, &t);
    } else if (strncmp(what, "binding", 7) == 0) {
        get_bindings(g, &t, false);
    } else if (strncmp(what, "eviction", 8) == 0) {
        get_bindings(g, &t, true);
    } else if (strncmp(what, "work", 4) == 0) {
        get_works(g, &t);
    } else {
        get_taints(g, &t);
    }
    out = open_memstream(&text, &len);
    if (out == NULL) {
        table_release(&t);
        release(g);
        return 1;
    }
    table_print(&t, out);
print:
    fclose(out);
    if (last == NULL || *last == NULL || strcmp(*last, text) != 0) {
        fputs(last != NULL && *last != NULL ? "\n" : "", stdout);
        fputs(text, stdout);
        fflush(stdout);
    }
    if (last != NULL) {
        free(*last);
        *last = text;
    } else {
        free(text);
    }
    table_release(&t);
    release(g);
    return 0;
}

int
cmd_get(int argc, char **argv)
{
    static const char *const kinds[] = { "clusters", "cluster", "bindings",
        "binding", "works", "work", "taints", "taint", "evictions",
        "eviction", NULL };
    struct get_ctx g;
    const char *server = NULL;
    const char *what = NULL;
    char *last = NULL;
    bool watch = false;
    int rc;

    memset(&g, 0, sizeof(g));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            const char *o = argv[++i];

            g.fmt = strcmp(o, "wide") == 0   ? OUT_WIDE
                    : strcmp(o, "json") == 0 ? OUT_JSON
                    : strcmp(o, "yaml") == 0 ? OUT_YAML
                                             : (enum out_format)-1;
            if ((int)g.fmt < 0) {
                fprintf(stderr, "flotilla get: -o %s: use wide, json or yaml\n", o);
                return 2;
            }
        } else if (strcmp(argv[i], "-w") == 0 || strcmp(argv[i], "--watch") == 0) {
            watch = true;
        } else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) {
            server = argv[++i];
        } else if (what == NULL) {
            what = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    for (size_t k = 0; what != NULL && kinds[k] != NULL; k++) {
        if (strcmp(what, kinds[k]) == 0) {
            goto known;
        }
    }
    fprintf(stderr, "flotilla get: %s: say clusters, bindings, works, taints "
                    "or evictions\n", what ? what : "nothing to get");
    return 2;
known:
    if (cli_connect(cli_server_url(server), &g.c) != 0) {
        return 1;
    }
    rc = show(&g, what, watch ? &last : NULL);
    while (watch && rc == 0) {
        sleep(1);
        rc = show(&g, what, &last);
    }
    free(last);
    bus_conn_free(g.c);
    bus_shutdown();
    return rc;
}
