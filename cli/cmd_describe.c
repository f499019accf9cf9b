/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla describe binding NAMESPACE/NAME` and `describe cluster NAME`:
 * everything the streams know about one key, for a person: placement and
 * why clusters were left out, eviction tasks and blocked evictions, the
 * failover record, recent decisions, and per member what runs there
 * (StatefulSet ordinals and claim phases included).
 */
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "bus/envelope.h"
#include "bus/subject.h"
#include "bus/token.h"
#include "executor/status.h"
#include "util/log.h"
#include "util/time.h"

#define RECENT 20

/* The last envelope read, for single-subject lookups. */
static int
grab_last(const struct bus_msg *m, void *arg)
{
    Flotilla__V1__Envelope **out = arg;
    char why[128];

    bus_envelope_free(*out);
    *out = NULL;
    (void)bus_envelope_unpack(m->data, m->len, out, why, sizeof(why));
    if (*out != NULL && (*out)->deleted) {
        bus_envelope_free(*out);
        *out = NULL;
    }
    return 0;
}

static Flotilla__V1__Envelope *
read_one(struct bus_conn *c, const char *stream, const char *prefix,
         const char *a, const char *b)
{
    Flotilla__V1__Envelope *env = NULL;
    char subject[BUS_SUBJECT_MAX];

    bus_subject_build(subject, sizeof(subject), prefix, a, b, NULL);
    (void)bus_read_last_per_subject(c, stream, subject, grab_last, &env);
    return env;
}

static void
when(int64_t ns, char *buf, size_t len)
{
    if (ns <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    util_time_format_rfc3339(ns, buf, len);
}

/* ---------------------------------------------------------------- binding */

/* Decoded messages of one kind, in the order read. */
struct msgs {
    void **v;
    size_t n, cap;
    bool work;      /* WorkStatus, else ClusterStatus */
};

static int
collect_msg(const struct bus_msg *m, void *arg)
{
    struct msgs *l = arg;
    Flotilla__V1__Envelope *env = NULL;
    void *x;
    char why[128];

    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) != 0) {
        return 0;
    }
    x = env->deleted ? NULL
        : l->work ? (void *)flotilla__v1__work_status__unpack(
                        NULL, env->payload.len, env->payload.data)
                  : (void *)flotilla__v1__cluster_status__unpack(
                        NULL, env->payload.len, env->payload.data);
    bus_envelope_free(env);
    if (x == NULL) {
        return 0;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        void **v = realloc(l->v, cap * sizeof(*v));

        if (v == NULL) {
            goto fail;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return 0;
fail:
    if (l->work) {
        flotilla__v1__work_status__free_unpacked(x, NULL);
    } else {
        flotilla__v1__cluster_status__free_unpacked(x, NULL);
    }
    return -ENOMEM;
}

static void
msgs_release(struct msgs *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->work) {
            flotilla__v1__work_status__free_unpacked(l->v[i], NULL);
        } else {
            flotilla__v1__cluster_status__free_unpacked(l->v[i], NULL);
        }
    }
    free(l->v);
}

static void
print_stateful(const Flotilla__V1__StatefulStatus *s)
{
    printf("               ordinals %d..%d, revision %s%s%s\n",
           s->ordinals_start, s->ordinals_start + s->ordinals_count - 1,
           s->current_revision,
           strcmp(s->current_revision, s->update_revision) != 0 ? " -> " : "",
           strcmp(s->current_revision, s->update_revision) != 0
               ? s->update_revision
               : "");
    for (size_t i = 0; i < s->n_ordinals; i++) {
        printf("               ordinal %d %s\n", s->ordinals[i]->ordinal,
               s->ordinals[i]->ready ? "ready" : "not ready");
    }
    for (size_t i = 0; i < s->n_volumes; i++) {
        printf("               claim %s %s\n", s->volumes[i]->name,
               s->volumes[i]->phase);
    }
}

/*
 * One line per member with the aggregated view (executor/status.h): a
 * report from a cluster that is not Ready is stale and shown as such, with
 * the time of its last report, never as ready.
 */
static void
print_work(const Flotilla__V1__WorkStatus *st,
           const struct executor_status_member *m)
{
    char at[40];

    when(st->observed_ns, at, sizeof(at));
    if (m != NULL && m->stale) {
        printf("  %-12s present=%s ready=0/%d health=Unknown stale: cluster "
               "%s is %s, last report at %s (said ready=%d/%d)\n",
               st->cluster, st->present ? "yes" : "no", st->replicas,
               st->cluster, m->cluster_ready, at, st->ready_replicas,
               st->replicas);
    } else {
        printf("  %-12s present=%s ready=%d/%d health=%s%s%s (read %s)\n",
               st->cluster, st->present ? "yes" : "no", st->ready_replicas,
               st->replicas, st->health, st->apply_error[0] ? " error: " : "",
               st->apply_error, at);
    }
    if (m != NULL && !m->in_placement) {
        printf("               not in the placement (not counted)\n");
    }
    if (st->stateful != NULL) {
        print_stateful(st->stateful);
    }
}

static void
print_members(struct bus_conn *c, const Flotilla__V1__ScheduleDecision *d,
              const char *filter)
{
    struct msgs works = { .work = true }, clusters = { .work = false };
    struct executor_status s;
    bool agg;

    (void)bus_read_last_per_subject(c, "FL_WORK", filter, collect_msg, &works);
    (void)bus_read_last_per_subject(c, "FL_CLUSTERS", "cluster.status.*",
                                    collect_msg, &clusters);
    agg = executor_status_aggregate(
              d, (Flotilla__V1__ClusterStatus *const *)clusters.v, clusters.n,
              (Flotilla__V1__WorkStatus *const *)works.v, works.n, &s) == 0;
    if (agg) {
        printf("Ready:       %d/%d%s\n", s.ready_replicas, s.want_replicas,
               s.n_stale ? " (stale members count 0)" : "");
    }
    printf("Members:\n");
    for (size_t i = 0; i < works.n; i++) {
        const Flotilla__V1__WorkStatus *st = works.v[i];

        print_work(st, agg ? executor_status_member(&s, st->cluster) : NULL);
    }
    for (size_t i = 0; agg && i < s.n_members; i++) {
        if (!s.members[i].reported) {
            printf("  %-12s no report yet (wants %d)\n", s.members[i].cluster,
                   s.members[i].want_replicas);
        }
    }
    if (agg) {
        executor_status_release(&s);
    }
    msgs_release(&works);
    msgs_release(&clusters);
}

static int
print_record(const struct bus_msg *m, void *arg)
{
    Flotilla__V1__Envelope *env = NULL;
    Flotilla__V1__FailoverEvent *ev;
    char why[128], at[40];
    size_t *printed = arg;

    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) != 0) {
        return 0;
    }
    ev = flotilla__v1__failover_event__unpack(NULL, env->payload.len,
                                              env->payload.data);
    bus_envelope_free(env);
    if (ev == NULL) {
        return 0;
    }
    when(ev->at_ns, at, sizeof(at));
    printf("  %s  %-12s %-17s %s%s%s\n", at, ev->cluster, ev->step, ev->reason,
           ev->message[0] ? ": " : "", ev->message);
    (*printed)++;
    flotilla__v1__failover_event__free_unpacked(ev, NULL);
    return 0;
}

struct recent {
    const char *key;
    char lines[RECENT][400];
    size_t n;
};

static int
collect_decision(const struct bus_msg *m, void *arg)
{
    struct recent *r = arg;
    Flotilla__V1__Envelope *env = NULL;
    Flotilla__V1__DecisionEvent *ev;
    char why[128], at[40];

    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) != 0) {
        return 0;
    }
    ev = strcmp(env->key, r->key) == 0
             ? flotilla__v1__decision_event__unpack(NULL, env->payload.len,
                                                    env->payload.data)
             : NULL;
    bus_envelope_free(env);
    if (ev == NULL) {
        return 0;
    }
    when(ev->at_ns, at, sizeof(at));
    snprintf(r->lines[r->n % RECENT], sizeof(r->lines[0]), "  %s  %-16s %s (%s)",
             at, ev->actor, ev->decision, ev->reason);
    r->n++;
    flotilla__v1__decision_event__free_unpacked(ev, NULL);
    return 0;
}

static void
print_recent(struct bus_conn *c, const char *key)
{
    struct recent r;
    size_t first;

    memset(&r, 0, sizeof(r));
    r.key = key;
    (void)bus_read_range(c, "FL_EVENTS", "events.*", 1, collect_decision, &r);
    printf("Recent decisions:\n");
    if (r.n == 0) {
        printf("  <none recorded>\n");
    }
    first = r.n > RECENT ? r.n - RECENT : 0;
    for (size_t i = first; i < r.n; i++) {
        printf("%s\n", r.lines[i % RECENT]);
    }
}

static int
describe_binding(struct bus_conn *c, const char *arg)
{
    Flotilla__V1__Envelope *e;
    Flotilla__V1__BindingSpec *b = NULL;
    Flotilla__V1__ScheduleDecision *d = NULL;
    char ns[256] = "", name[256], filter[2048], tok[2][800];
    const char *slash = strchr(arg, '/');
    char at[40];

    if (slash != NULL) {
        snprintf(ns, sizeof(ns), "%.*s", (int)(slash - arg), arg);
        snprintf(name, sizeof(name), "%s", slash + 1);
    } else {
        snprintf(name, sizeof(name), "%s", arg);
    }
    e = read_one(c, "FL_BINDINGS", "binding.spec", ns, name);
    if (e == NULL && slash == NULL) {
        snprintf(ns, sizeof(ns), "default");
        e = read_one(c, "FL_BINDINGS", "binding.spec", ns, name);
    }
    if (e == NULL) {
        fprintf(stderr, "flotilla describe: no binding %s%s%s (names look like "
                        "default/nginx-deployment; see flotilla get bindings)\n",
                ns, ns[0] ? "/" : "", name);
        return 1;
    }
    b = flotilla__v1__binding_spec__unpack(NULL, e->payload.len, e->payload.data);
    bus_envelope_free(e);
    e = read_one(c, "FL_BINDINGS", "binding.schedule", ns, name);
    if (e != NULL) {
        d = flotilla__v1__schedule_decision__unpack(NULL, e->payload.len,
                                                    e->payload.data);
        bus_envelope_free(e);
    }
    if (b == NULL) {
        return 1;
    }
    printf("Name:        %s\nNamespace:   %s\n", b->name, ns[0] ? ns : "-");
    if (b->resource != NULL) {
        printf("Resource:    %s %s/%s (uid %s)\n", b->resource->kind,
               b->resource->namespace_, b->resource->name, b->resource->uid);
    }
    printf("Replicas:    %d\nPolicy:      %s%s%s (generation %" PRId64 ")\n",
           b->replicas, b->policy_namespace, b->policy_namespace[0] ? "/" : "",
           b->policy_name, b->generation);
    if (d == NULL) {
        printf("Placement:   not decided yet\n");
    } else {
        when(d->last_scheduled_ns, at, sizeof(at));
        printf("Placement:   ");
        for (size_t i = 0; i < d->n_clusters; i++) {
            printf("%s%s:%d", i ? " " : "", d->clusters[i]->name,
                   d->clusters[i]->replicas);
        }
        printf("%s\nScheduled:   %s (%s%s%s), at %s, decision %" PRIu64 "\n",
               d->n_clusters == 0 ? "<none>" : "",
               d->schedulable ? "True" : "False", d->reason,
               d->message[0] ? ": " : "", d->message, at, d->decision_seq);
        printf("Left out:\n");
        if (d->n_excluded == 0) {
            printf("  <none>\n");
        }
        for (size_t i = 0; i < d->n_excluded; i++) {
            printf("  %-12s %-18s %s\n", d->excluded[i]->cluster,
                   d->excluded[i]->filter, d->excluded[i]->reason);
        }
        printf("Eviction tasks:\n");
        if (d->n_eviction_tasks == 0) {
            printf("  <none>\n");
        }
        for (size_t i = 0; i < d->n_eviction_tasks; i++) {
            const Flotilla__V1__GracefulEvictionTask *t = d->eviction_tasks[i];

            when(t->creation_ns, at, sizeof(at));
            printf("  %-12s %s, purge %s, %d replicas, since %s\n",
                   t->from_cluster, t->reason, t->purge_mode, t->replicas, at);
        }
        printf("Blocked evictions:\n");
        if (d->n_blocked_evictions == 0) {
            printf("  <none>\n");
        }
        for (size_t i = 0; i < d->n_blocked_evictions; i++) {
            when(d->blocked_evictions[i]->since_ns, at, sizeof(at));
            printf("  %-12s %s (since %s)\n", d->blocked_evictions[i]->cluster,
                   d->blocked_evictions[i]->reason, at);
        }
    }
    bus_token_encode(ns, tok[0], sizeof(tok[0]));
    bus_token_encode(name, tok[1], sizeof(tok[1]));
    snprintf(filter, sizeof(filter), "work.status.*.%s.%s", tok[0], tok[1]);
    print_members(c, d, filter);
    printf("Failover record:\n");
    snprintf(filter, sizeof(filter), "failover.record.%s.%s.*", tok[0], tok[1]);
    {
        size_t printed = 0;

        (void)bus_read_range(c, "FL_EVENTS", filter, 1, print_record, &printed);
        if (printed == 0) {
            printf("  <none>\n");
        }
    }
    {
        char key[600];

        snprintf(key, sizeof(key), "%s/%s", ns, name);
        print_recent(c, key);
    }
    flotilla__v1__binding_spec__free_unpacked(b, NULL);
    if (d != NULL) {
        flotilla__v1__schedule_decision__free_unpacked(d, NULL);
    }
    return 0;
}

/* ---------------------------------------------------------------- cluster */

static void
print_list(const char *title, const Flotilla__V1__ResourceList *l)
{
    printf("  %-12s", title);
    for (size_t i = 0; l != NULL && i < l->n_milli; i++) {
        printf(" %s=%" PRId64 "%s", l->milli[i]->key,
               l->milli[i]->value % 1000 == 0 ? l->milli[i]->value / 1000
                                              : l->milli[i]->value,
               l->milli[i]->value % 1000 == 0 ? "" : "m");
    }
    printf("\n");
}

static int
describe_cluster(struct bus_conn *c, const char *name)
{
    Flotilla__V1__Envelope *e;
    Flotilla__V1__ClusterSpec *spec = NULL;
    Flotilla__V1__ClusterStatus *st = NULL;
    Flotilla__V1__ClusterTaints *tt = NULL;
    char at[40], at2[40];

    e = read_one(c, "FL_CLUSTERS", "cluster.spec", name, NULL);
    if (e == NULL) {
        fprintf(stderr, "flotilla describe: no cluster %s (see flotilla get "
                        "clusters)\n", name);
        return 1;
    }
    spec = flotilla__v1__cluster_spec__unpack(NULL, e->payload.len,
                                              e->payload.data);
    bus_envelope_free(e);
    if ((e = read_one(c, "FL_CLUSTERS", "cluster.status", name, NULL)) != NULL) {
        st = flotilla__v1__cluster_status__unpack(NULL, e->payload.len,
                                                  e->payload.data);
        bus_envelope_free(e);
    }
    if ((e = read_one(c, "FL_CLUSTERS", "cluster.taint", name, NULL)) != NULL) {
        tt = flotilla__v1__cluster_taints__unpack(NULL, e->payload.len,
                                                  e->payload.data);
        bus_envelope_free(e);
    }
    if (spec == NULL) {
        return 1;
    }
    printf("Name:        %s\nEndpoint:    %s (%s)\nRegion:      %s\nZone:        %s\n"
           "Provider:    %s\nLabels:     ", spec->name, spec->api_endpoint,
           spec->sync_mode == FLOTILLA__V1__SYNC_MODE__SYNC_MODE_PULL ? "Pull"
                                                                    : "Push",
           spec->region[0] ? spec->region : "-", spec->zone[0] ? spec->zone : "-",
           spec->provider[0] ? spec->provider : "-");
    for (size_t i = 0; i < spec->n_labels; i++) {
        printf(" %s=%s", spec->labels[i]->key, spec->labels[i]->value);
    }
    printf("%s\n", spec->n_labels == 0 ? " <none>" : "");
    if (st != NULL) {
        when(st->ready_since_ns, at, sizeof(at));
        when(st->streak_start_ns, at2, sizeof(at2));
        printf("Ready:       %s (%s) since %s\n", st->ready, st->reason, at);
        printf("Probes:      %s since %s%s%s\n", st->streak_outcome, at2,
               st->streak_detail[0] ? ": " : "", st->streak_detail);
        printf("Version:     %s\nAPIs:        %zu group versions%s\n",
               st->kubernetes_version[0] ? st->kubernetes_version : "-",
               st->n_api_enablements,
               st->api_enablements_complete ? "" : " (incomplete)");
        printf("Resources:\n");
        if (st->resource_summary != NULL) {
            print_list("allocatable", st->resource_summary->allocatable);
            print_list("allocated", st->resource_summary->allocated);
        }
        for (size_t i = 0; i < st->n_conditions; i++) {
            printf("Condition:   %s=%s (%s)\n", st->conditions[i]->type,
                   st->conditions[i]->status, st->conditions[i]->reason);
        }
    } else {
        printf("Ready:       not reported yet\n");
    }
    printf("Taints:\n");
    if (tt == NULL || tt->n_taints == 0) {
        printf("  <none>\n");
    }
    for (size_t i = 0; tt != NULL && i < tt->n_taints; i++) {
        when(tt->taints[i]->time_added_ns, at, sizeof(at));
        printf("  %s%s%s:%s (from %s, added %s)\n", tt->taints[i]->key,
               tt->taints[i]->value[0] ? "=" : "", tt->taints[i]->value,
               tt->taints[i]->effect, tt->taints[i]->source, at);
    }
    print_recent(c, name);
    flotilla__v1__cluster_spec__free_unpacked(spec, NULL);
    if (st != NULL) {
        flotilla__v1__cluster_status__free_unpacked(st, NULL);
    }
    if (tt != NULL) {
        flotilla__v1__cluster_taints__free_unpacked(tt, NULL);
    }
    return 0;
}

int
cmd_describe(int argc, char **argv)
{
    struct bus_conn *c = NULL;
    const char *server = NULL;
    int rc;

    if (argc >= 5 && strcmp(argv[3], "--server") == 0) {
        server = argv[4];
    }
    if (argc < 3 || strcmp(argv[1], "--help") == 0 ||
        (strcmp(argv[1], "binding") != 0 && strcmp(argv[1], "cluster") != 0)) {
        printf("usage: flotilla describe binding NAMESPACE/NAME [--server URL]\n"
               "       flotilla describe cluster NAME [--server URL]\n\n"
               "Everything the control plane knows about one binding or cluster:\n"
               "placement and the filters that left clusters out, eviction tasks,\n"
               "blocked evictions, the failover record, recent decisions, and per\n"
               "member what runs there (StatefulSet ordinals and claims).\n");
        return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    if (cli_connect(cli_server_url(server), &c) != 0) {
        return 1;
    }
    rc = strcmp(argv[1], "binding") == 0 ? describe_binding(c, argv[2])
                                         : describe_cluster(c, argv[2]);
    bus_conn_free(c);
    bus_shutdown();
    return rc;
}
