/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers for the failover cores; see fotest.h. */
#include "support/fotest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/subject.h"

#define NS 1000000000LL

static char **seen;
static size_t nseen, capseen;

static void
tap(const char *subject, const Flotilla__V1__Envelope *env, uint64_t seq,
    int64_t now_ns, void *arg)
{
    (void)env;
    (void)seq;
    (void)now_ns;
    (void)arg;
    if (nseen == capseen) {
        capseen = capseen ? capseen * 2 : 256;
        seen = realloc(seen, capseen * sizeof(*seen));
    }
    seen[nseen++] = strdup(subject);
}

void
fotest_reset(struct actor_sim *sim)
{
    for (size_t i = 0; i < nseen; i++) {
        free(seen[i]);
    }
    free(seen);
    seen = NULL;
    nseen = 0;
    capseen = 0;
    if (sim != NULL) {
        actor_sim_set_tap(sim, tap, NULL);
    }
}

size_t
fotest_count(const char *pattern)
{
    size_t n = 0;

    for (size_t i = 0; i < nseen; i++) {
        n += bus_subject_matches(pattern, seen[i]) ? 1 : 0;
    }
    return n;
}

static void
pub(struct actor_sim *sim, const char *subject, const char *key,
    const char *type, const ProtobufCMessage *m)
{
    if (actor_sim_publish(sim, subject, key, "test/0", type, m) != 0) {
        fprintf(stderr, "publish %s failed\n", subject);
        abort();
    }
}

void
fotest_status(struct actor_sim *sim, const char *name, const char *ready,
              int64_t since_ns)
{
    Flotilla__V1__ClusterStatus st = FLOTILLA__V1__CLUSTER_STATUS__INIT;
    char subject[BUS_SUBJECT_MAX];

    st.name = (char *)name;
    st.ready = (char *)ready;
    st.ready_since_ns = since_ns;
    bus_subject_build(subject, sizeof(subject), "cluster.status", name, NULL,
                      NULL);
    pub(sim, subject, name, "ClusterStatus", &st.base);
}

void
fotest_taints(struct actor_sim *sim, const char *name,
              const char *const *taints)
{
    Flotilla__V1__ClusterTaints ct = FLOTILLA__V1__CLUSTER_TAINTS__INIT;
    Flotilla__V1__Taint t[16];
    Flotilla__V1__Taint *tp[16];
    char buf[16][3][64];
    char subject[BUS_SUBJECT_MAX];
    size_t n = 0;

    for (; taints != NULL && taints[n] != NULL && n < 16; n++) {
        long at = 0;

        flotilla__v1__taint__init(&t[n]);
        buf[n][0][0] = buf[n][1][0] = '\0';
        sscanf(taints[n], "%63[^:]:%63[^@]@%ld", buf[n][0], buf[n][1], &at);
        t[n].key = buf[n][0];
        t[n].effect = buf[n][1];
        t[n].time_added_ns = at * NS;
        tp[n] = &t[n];
    }
    ct.cluster = (char *)name;
    ct.taints = tp;
    ct.n_taints = n;
    bus_subject_build(subject, sizeof(subject), "cluster.taint", name, NULL,
                      NULL);
    pub(sim, subject, name, "ClusterTaints", &ct.base);
}

static void
split5(const char *in, char out[5][64])
{
    const char *p = in;

    for (int i = 0; i < 5; i++) {
        size_t l = strcspn(p, ":");

        snprintf(out[i], 64, "%.*s", (int)l, p);
        p += l;
        if (*p == ':') {
            p++;
        }
    }
}

void
fotest_spec(struct actor_sim *sim, const char *ns, const char *name,
            int replicas, bool duplicated, const char *const *tols,
            int app_tol_s, const char *purge, const char *const *rules)
{
    Flotilla__V1__BindingSpec sp = FLOTILLA__V1__BINDING_SPEC__INIT;
    Flotilla__V1__Placement pl = FLOTILLA__V1__PLACEMENT__INIT;
    Flotilla__V1__ReplicaSchedulingStrategy rs =
        FLOTILLA__V1__REPLICA_SCHEDULING_STRATEGY__INIT;
    Flotilla__V1__FailoverBehavior fo = FLOTILLA__V1__FAILOVER_BEHAVIOR__INIT;
    Flotilla__V1__Toleration t[8];
    Flotilla__V1__Toleration *tp[8];
    Flotilla__V1__StatePreservationRule r[8];
    Flotilla__V1__StatePreservationRule *rp[8];
    char parts[8][5][64];
    char rb[8][2][128];
    char subject[BUS_SUBJECT_MAX];
    char key[300];
    size_t n = 0;
    size_t nr = 0;

    for (; tols != NULL && tols[n] != NULL && n < 8; n++) {
        flotilla__v1__toleration__init(&t[n]);
        split5(tols[n], parts[n]);
        t[n].key = parts[n][0];
        t[n].operator_ = parts[n][1];
        t[n].value = parts[n][2];
        t[n].effect = parts[n][3];
        if (strcmp(parts[n][4], "-") != 0) {
            t[n].has_toleration_seconds = true;
            t[n].toleration_seconds = atol(parts[n][4]);
        }
        tp[n] = &t[n];
    }
    for (; rules != NULL && rules[nr] != NULL && nr < 8; nr++) {
        flotilla__v1__state_preservation_rule__init(&r[nr]);
        sscanf(rules[nr], "%127[^=]=%127[^\n]", rb[nr][0], rb[nr][1]);
        r[nr].alias_label_name = rb[nr][0];
        r[nr].json_path = rb[nr][1];
        rp[nr] = &r[nr];
    }
    pl.cluster_tolerations = tp;
    pl.n_cluster_tolerations = n;
    rs.replica_scheduling_type = duplicated ? "Duplicated" : "Divided";
    pl.replica_scheduling = &rs;
    sp.namespace_ = (char *)ns;
    sp.name = (char *)name;
    sp.replicas = replicas;
    sp.placement = &pl;
    if (app_tol_s >= 0) {
        fo.has_application = true;
        fo.application_toleration_seconds = app_tol_s;
        fo.application_purge_mode = (char *)(purge ? purge : "Gracefully");
        fo.application_state_preservation = rp;
        fo.n_application_state_preservation = nr;
        sp.failover = &fo;
    } else if (purge != NULL) {
        fo.has_cluster = true;
        fo.cluster_purge_mode = (char *)purge;
        fo.cluster_state_preservation = rp;
        fo.n_cluster_state_preservation = nr;
        sp.failover = &fo;
    }
    bus_subject_build(subject, sizeof(subject), "binding.spec", ns, name,
                      NULL);
    snprintf(key, sizeof(key), "%s/%s", ns, name);
    pub(sim, subject, key, "BindingSpec", &sp.base);
}

static bool deleted_next;

void
fotest_schedule_deleted(struct actor_sim *sim, const char *ns,
                        const char *name, const char *const *placement)
{
    deleted_next = true;
    fotest_schedule(sim, ns, name, placement,
                    (const char *[]){ "gone:Gracefully:-1:1", NULL });
    deleted_next = false;
}

void
fotest_schedule(struct actor_sim *sim, const char *ns, const char *name,
                const char *const *placement, const char *const *tasks)
{
    Flotilla__V1__ScheduleDecision d = FLOTILLA__V1__SCHEDULE_DECISION__INIT;
    Flotilla__V1__TargetCluster tc[16];
    Flotilla__V1__TargetCluster *tcp[16];
    Flotilla__V1__GracefulEvictionTask gt[16];
    Flotilla__V1__GracefulEvictionTask *gtp[16];
    char names[16][64];
    char tnames[16][2][64];
    char subject[BUS_SUBJECT_MAX];
    char key[300];
    size_t n = 0;
    size_t nt = 0;

    for (; placement != NULL && placement[n] != NULL && n < 16; n++) {
        int reps = 0;

        flotilla__v1__target_cluster__init(&tc[n]);
        sscanf(placement[n], "%63[^=]=%d", names[n], &reps);
        tc[n].name = names[n];
        tc[n].replicas = reps;
        tcp[n] = &tc[n];
    }
    for (; tasks != NULL && tasks[nt] != NULL && nt < 16; nt++) {
        int grace = -1;
        long created = 0;

        flotilla__v1__graceful_eviction_task__init(&gt[nt]);
        sscanf(tasks[nt], "%63[^:]:%63[^:]:%d:%ld", tnames[nt][0],
               tnames[nt][1], &grace, &created);
        gt[nt].from_cluster = tnames[nt][0];
        gt[nt].purge_mode = tnames[nt][1];
        gt[nt].has_grace_period = grace >= 0;
        gt[nt].grace_period_seconds = grace >= 0 ? grace : 0;
        gt[nt].suppress_deletion = strcmp(tnames[nt][1], "Never") == 0;
        gt[nt].creation_ns = created * NS;
        gt[nt].reason = "TaintUntolerated";
        gtp[nt] = &gt[nt];
    }
    d.namespace_ = (char *)ns;
    d.name = (char *)name;
    d.clusters = tcp;
    d.n_clusters = n;
    d.eviction_tasks = gtp;
    d.n_eviction_tasks = nt;
    d.schedulable = true;
    d.reason = "Success";
    d.deleted = deleted_next;
    bus_subject_build(subject, sizeof(subject), "binding.schedule", ns, name,
                      NULL);
    snprintf(key, sizeof(key), "%s/%s", ns, name);
    pub(sim, subject, key, "ScheduleDecision", &d.base);
}

void
fotest_work(struct actor_sim *sim, const char *cluster, const char *ns,
            const char *name, int replicas, int ready, bool applied,
            const char *health, const char *status_json)
{
    Flotilla__V1__WorkStatus ws = FLOTILLA__V1__WORK_STATUS__INIT;
    char subject[BUS_SUBJECT_MAX];
    char key[300];

    ws.cluster = (char *)cluster;
    ws.namespace_ = (char *)ns;
    ws.binding = (char *)name;
    ws.applied = applied;
    ws.present = applied;
    ws.health = (char *)health;
    ws.replicas = replicas;
    ws.ready_replicas = ready;
    ws.observed_ns = actor_sim_now(sim);
    if (status_json != NULL) {
        ws.status_json.data = (uint8_t *)status_json;
        ws.status_json.len = strlen(status_json);
    }
    bus_subject_build(subject, sizeof(subject), "work.status", cluster, ns,
                      name);
    snprintf(key, sizeof(key), "%s/%s", ns, name);
    pub(sim, subject, key, "WorkStatus", &ws.base);
}

static const Flotilla__V1__Envelope *
last(struct actor_sim *sim, const char *prefix, const char *ns,
     const char *name, const char *cluster)
{
    char subject[BUS_SUBJECT_MAX];

    bus_subject_build(subject, sizeof(subject), prefix, ns, name, cluster);
    return actor_sim_last(sim, subject);
}

bool
fotest_last_request(struct actor_sim *sim, const char *ns, const char *name,
                    const char *cluster, bool *withdraw, char *reason)
{
    const Flotilla__V1__Envelope *env = last(sim, "binding.evict", ns, name,
                                             cluster);
    Flotilla__V1__EvictionRequest *r;

    if (env == NULL) {
        return false;
    }
    r = flotilla__v1__eviction_request__unpack(NULL, env->payload.len,
                                               env->payload.data);
    *withdraw = r->withdraw;
    snprintf(reason, 64, "%s", r->reason);
    flotilla__v1__eviction_request__free_unpacked(r, NULL);
    return true;
}

const char *
fotest_last_release(struct actor_sim *sim, const char *ns, const char *name,
                    const char *cluster)
{
    static char out[64];
    const Flotilla__V1__Envelope *env = last(sim, "binding.release", ns, name,
                                             cluster);
    Flotilla__V1__EvictionRelease *r;

    out[0] = '\0';
    if (env == NULL) {
        return out;
    }
    r = flotilla__v1__eviction_release__unpack(NULL, env->payload.len,
                                               env->payload.data);
    snprintf(out, sizeof(out), "%s", r->outcome);
    flotilla__v1__eviction_release__free_unpacked(r, NULL);
    return out;
}

const char *
fotest_last_record(struct actor_sim *sim, const char *ns, const char *name,
                   const char *cluster)
{
    static char out[64];
    const Flotilla__V1__Envelope *env = last(sim, "failover.record", ns, name,
                                             cluster);
    Flotilla__V1__FailoverEvent *r;

    out[0] = '\0';
    if (env == NULL) {
        return out;
    }
    r = flotilla__v1__failover_event__unpack(NULL, env->payload.len,
                                             env->payload.data);
    snprintf(out, sizeof(out), "%s", r->step);
    flotilla__v1__failover_event__free_unpacked(r, NULL);
    return out;
}

const char *
fotest_preserved(struct actor_sim *sim, const char *ns, const char *name,
                 const char *cluster, const char *alias)
{
    static char out[256];
    const Flotilla__V1__Envelope *env = last(sim, "binding.evict", ns, name,
                                             cluster);
    Flotilla__V1__EvictionRequest *r;

    out[0] = '\0';
    if (env == NULL) {
        return out;
    }
    r = flotilla__v1__eviction_request__unpack(NULL, env->payload.len,
                                               env->payload.data);
    for (size_t i = 0; i < r->n_preserved_label_state; i++) {
        if (strcmp(r->preserved_label_state[i]->key, alias) == 0) {
            snprintf(out, sizeof(out), "%s",
                     r->preserved_label_state[i]->value);
        }
    }
    flotilla__v1__eviction_request__free_unpacked(r, NULL);
    return out;
}
