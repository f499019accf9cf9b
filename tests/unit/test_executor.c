/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The executor core on the virtual clock: placements into WorkSpecs,
 * per-cluster replicas and overrides, the purge modes, not-Ready members,
 * namespaces only where needed, StatefulSet ordinals, restart and
 * duplicates (docs/executor.md).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "actor/sim.h"
#include "bus/subject.h"
#include "executor/executor.h"
#include "model/decode.h"
#include "util/time.h"

#define T0 (1000 * NS_PER_S)

/* The generated names are longer than a line. */
#define LABEL_ENTRY Flotilla__V1__GracefulEvictionTask__PreservedLabelStateEntry
#define label_entry_init \
    flotilla__v1__graceful_eviction_task__preserved_label_state_entry__init

struct tally {
    int work_specs;
};

static void
tap(const char *subject, const Flotilla__V1__Envelope *env, uint64_t seq,
    int64_t now, void *arg)
{
    struct tally *t = arg;

    (void)env;
    (void)seq;
    (void)now;
    if (strncmp(subject, "work.spec.", 10) == 0) {
        t->work_specs++;
    }
}

struct fixture {
    struct actor_sim *sim;
    struct tally tally;
    struct executor_config cfg;
};

static struct fixture *
start(bool delete_namespaces)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    executor_config_init(&f->cfg);
    f->cfg.dead_after_ns = 600 * NS_PER_S;
    f->cfg.delete_empty_namespaces = delete_namespaces;
    assert_int_equal(actor_sim_new(T0, &f->sim), 0);
    actor_sim_set_tap(f->sim, tap, &f->tally);
    assert_int_equal(actor_sim_add(f->sim, &executor_core, &f->cfg), 0);
    return f;
}

static void
stop(struct fixture *f)
{
    actor_sim_free(f->sim);
    free(f);
}

static void
run(struct fixture *f, int64_t t)
{
    assert_int_equal(actor_sim_run_until(f->sim, t), 0);
}

static void
cluster_status(struct fixture *f, const char *name, const char *ready,
               int64_t since)
{
    Flotilla__V1__ClusterStatus st = FLOTILLA__V1__CLUSTER_STATUS__INIT;
    char subject[BUS_SUBJECT_MAX];

    st.name = (char *)name;
    st.ready = (char *)ready;
    st.ready_since_ns = since;
    bus_subject_build(subject, sizeof(subject), "cluster.status", name, NULL,
                      NULL);
    assert_int_equal(actor_sim_publish(f->sim, subject, name,
                                       "cluster-status/t", "ClusterStatus",
                                       &st.base),
                     0);
}

static void
cluster_labels(struct fixture *f, const char *name, const char *key,
               const char *value)
{
    Flotilla__V1__ClusterSpec cs = FLOTILLA__V1__CLUSTER_SPEC__INIT;
    Flotilla__V1__ClusterSpec__LabelsEntry le =
        FLOTILLA__V1__CLUSTER_SPEC__LABELS_ENTRY__INIT;
    Flotilla__V1__ClusterSpec__LabelsEntry *lep[1] = { &le };
    char subject[BUS_SUBJECT_MAX];

    cs.name = (char *)name;
    le.key = (char *)key;
    le.value = (char *)value;
    cs.labels = lep;
    cs.n_labels = 1;
    bus_subject_build(subject, sizeof(subject), "cluster.spec", name, NULL,
                      NULL);
    assert_int_equal(actor_sim_publish(f->sim, subject, name, "policy/t",
                                       "ClusterSpec", &cs.base),
                     0);
}

static void
clusters_ready(struct fixture *f, int n)
{
    for (int i = 1; i <= n; i++) {
        char name[32];

        snprintf(name, sizeof(name), "member%d", i);
        cluster_status(f, name, "True", T0);
    }
}

static void
binding_spec(struct fixture *f, const char *ns, const char *name,
             const char *tmpl, int replicas, bool divided)
{
    Flotilla__V1__BindingSpec b = FLOTILLA__V1__BINDING_SPEC__INIT;
    Flotilla__V1__Placement p = FLOTILLA__V1__PLACEMENT__INIT;
    Flotilla__V1__ReplicaSchedulingStrategy rs =
        FLOTILLA__V1__REPLICA_SCHEDULING_STRATEGY__INIT;
    char subject[BUS_SUBJECT_MAX];

    b.namespace_ = (char *)ns;
    b.name = (char *)name;
    b.template_json.data = (uint8_t *)tmpl;
    b.template_json.len = strlen(tmpl);
    b.replicas = replicas;
    b.conflict_resolution = "Abort";
    rs.replica_scheduling_type = divided ? "Divided" : "Duplicated";
    p.replica_scheduling = &rs;
    b.placement = &p;
    bus_subject_build(subject, sizeof(subject), "binding.spec", ns, name,
                      NULL);
    assert_int_equal(actor_sim_publish(f->sim, subject, name, "policy/t",
                                       "BindingSpec", &b.base),
                     0);
}

struct task {
    const char *from;
    const char *mode;   /* Directly, Gracefully, Never */
    int64_t created;
    const char *preserve_key;    /* one preserved label, or NULL */
    const char *preserve_value;
};

/* @targets: "member1=2,member2=3" */
static void
decision(struct fixture *f, const char *ns, const char *name, uint64_t seq,
         const char *targets, const struct task *tasks, size_t ntasks)
{
    Flotilla__V1__ScheduleDecision d = FLOTILLA__V1__SCHEDULE_DECISION__INIT;
    Flotilla__V1__TargetCluster tc[8];
    Flotilla__V1__TargetCluster *tcp[8];
    Flotilla__V1__GracefulEvictionTask gt[4];
    Flotilla__V1__GracefulEvictionTask *gtp[4];
    LABEL_ENTRY pl[4];
    LABEL_ENTRY *plp[4];
    char names[8][32];
    char subject[BUS_SUBJECT_MAX];
    char buf[256];
    char *save = NULL;
    size_t n = 0;

    snprintf(buf, sizeof(buf), "%s", targets);
    for (char *tok = strtok_r(buf, ",", &save); tok != NULL && n < 8;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');

        flotilla__v1__target_cluster__init(&tc[n]);
        *eq = '\0';
        snprintf(names[n], sizeof(names[n]), "%s", tok);
        tc[n].name = names[n];
        tc[n].replicas = atoi(eq + 1);
        tcp[n] = &tc[n];
        n++;
    }
    for (size_t i = 0; i < ntasks; i++) {
        flotilla__v1__graceful_eviction_task__init(&gt[i]);
        gt[i].from_cluster = (char *)tasks[i].from;
        gt[i].purge_mode = strcmp(tasks[i].mode, "Never") == 0
                               ? "Gracefully"
                               : (char *)tasks[i].mode;
        gt[i].suppress_deletion = strcmp(tasks[i].mode, "Never") == 0;
        gt[i].creation_ns = tasks[i].created;
        gt[i].reason = "TaintUntolerated";
        gt[i].producer = "taint-manager";
        if (tasks[i].preserve_key != NULL) {
            label_entry_init(&pl[i]);
            pl[i].key = (char *)tasks[i].preserve_key;
            pl[i].value = (char *)tasks[i].preserve_value;
            plp[i] = &pl[i];
            gt[i].preserved_label_state = &plp[i];
            gt[i].n_preserved_label_state = 1;
        }
        gtp[i] = &gt[i];
    }
    d.namespace_ = (char *)ns;
    d.name = (char *)name;
    d.clusters = tcp;
    d.n_clusters = n;
    d.eviction_tasks = gtp;
    d.n_eviction_tasks = ntasks;
    d.schedulable = true;
    d.reason = "Success";
    d.decision_seq = seq;
    bus_subject_build(subject, sizeof(subject), "binding.schedule", ns, name,
                      NULL);
    assert_int_equal(actor_sim_publish(f->sim, subject, name, "scheduler/t",
                                       "ScheduleDecision", &d.base),
                     0);
}

static void
binding_deleted(struct fixture *f, const char *ns, const char *name,
                uint64_t seq)
{
    Flotilla__V1__ScheduleDecision d = FLOTILLA__V1__SCHEDULE_DECISION__INIT;
    char subject[BUS_SUBJECT_MAX];

    d.namespace_ = (char *)ns;
    d.name = (char *)name;
    d.deleted = true;
    d.decision_seq = seq;
    d.reason = "BindingDeleted";
    bus_subject_build(subject, sizeof(subject), "binding.schedule", ns, name,
                      NULL);
    assert_int_equal(actor_sim_publish(f->sim, subject, name, "scheduler/t",
                                       "ScheduleDecision", &d.base),
                     0);
}

static void
release(struct fixture *f, const char *ns, const char *name,
        const char *cluster, const char *outcome, int64_t task_ns)
{
    Flotilla__V1__EvictionRelease r = FLOTILLA__V1__EVICTION_RELEASE__INIT;
    char subject[BUS_SUBJECT_MAX];

    r.namespace_ = (char *)ns;
    r.name = (char *)name;
    r.cluster = (char *)cluster;
    r.outcome = (char *)outcome;
    r.task_creation_ns = task_ns;
    bus_subject_build(subject, sizeof(subject), "binding.release", ns, name,
                      cluster);
    assert_int_equal(actor_sim_publish(f->sim, subject, name,
                                       "graceful-eviction/t",
                                       "EvictionRelease", &r.base),
                     0);
}

static void
work_status(struct fixture *f, const char *cluster, const char *ns,
            const char *name, bool present, const char *live)
{
    Flotilla__V1__WorkStatus st = FLOTILLA__V1__WORK_STATUS__INIT;
    char subject[BUS_SUBJECT_MAX];

    st.cluster = (char *)cluster;
    st.namespace_ = (char *)ns;
    st.binding = (char *)name;
    st.present = present;
    st.applied = present;
    if (live != NULL) {
        st.live_json.data = (uint8_t *)live;
        st.live_json.len = strlen(live);
    }
    bus_subject_build(subject, sizeof(subject), "work.status", cluster, ns,
                      name);
    assert_int_equal(actor_sim_publish(f->sim, subject, name,
                                       "member-agent/t", "WorkStatus",
                                       &st.base),
                     0);
}

static void
object(struct fixture *f, const char *kind, const char *ns, const char *name,
       const char *json)
{
    Flotilla__V1__ObjectRecord r = FLOTILLA__V1__OBJECT_RECORD__INIT;
    char subject[BUS_SUBJECT_MAX];
    char prefix[64];

    snprintf(prefix, sizeof(prefix), "object.%s", kind);
    r.kind = (char *)kind;
    r.namespace_ = (char *)ns;
    r.name = (char *)name;
    r.json.data = (uint8_t *)json;
    r.json.len = strlen(json);
    bus_subject_build(subject, sizeof(subject), prefix, ns, name, NULL);
    assert_int_equal(actor_sim_publish(f->sim, subject, name, "cli/t",
                                       "ObjectRecord", &r.base),
                     0);
}

/* The last WorkSpec on work.spec.<cluster>.<ns>.<name> (free it), or NULL. */
static Flotilla__V1__WorkSpec *
ws_get(struct fixture *f, const char *cluster, const char *ns,
       const char *name)
{
    char subject[BUS_SUBJECT_MAX];
    const Flotilla__V1__Envelope *env;

    bus_subject_build(subject, sizeof(subject), "work.spec", cluster, ns,
                      name);
    env = actor_sim_last(f->sim, subject);
    if (env == NULL) {
        return NULL;
    }
    return flotilla__v1__work_spec__unpack(NULL, env->payload.len,
                                           env->payload.data);
}

static void
ws_free(Flotilla__V1__WorkSpec *ws)
{
    if (ws != NULL) {
        flotilla__v1__work_spec__free_unpacked(ws, NULL);
    }
}

/* 1 applied, 0 deleted, -1 no WorkSpec. */
static int
ws_state(struct fixture *f, const char *cluster, const char *ns,
         const char *name)
{
    Flotilla__V1__WorkSpec *ws = ws_get(f, cluster, ns, name);
    int r = ws == NULL ? -1 : ws->delete_ ? 0 : 1;

    ws_free(ws);
    return r;
}

static json_t *
ws_manifest(struct fixture *f, const char *cluster, const char *ns,
            const char *name)
{
    Flotilla__V1__WorkSpec *ws = ws_get(f, cluster, ns, name);
    json_t *m;

    assert_non_null(ws);
    assert_false(ws->delete_);
    m = json_loadb((const char *)ws->manifest_json.data,
                   ws->manifest_json.len, 0, NULL);
    ws_free(ws);
    assert_non_null(m);
    return m;
}

static const char *
jpath(const json_t *m, const char *a, const char *b, const char *c)
{
    const json_t *v = json_object_get(json_object_get(m, a), b);

    if (c != NULL) {
        v = json_object_get(v, c);
    }
    return json_string_value(v);
}

static json_int_t
jint(const json_t *m, const char *a, const char *b)
{
    return json_integer_value(json_object_get(json_object_get(m, a), b));
}

static const char *const web_tmpl =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
    "{\"name\":\"web\",\"namespace\":\"shop\"},\"spec\":{\"replicas\":4,"
    "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":"
    "{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
    "[{\"name\":\"web\",\"image\":\"nginx\"}]}}}}";

/* ---------------------------------------------------------------- files */

/* The first document of @path as JSON text (caller frees), or NULL. */
static char *
yaml_file_json(const char *path, const char *ns)
{
    struct model_file *mf = NULL;
    struct model_error err;
    json_t *j = NULL;
    char *text;

    if (model_decode_file(path, NULL, &mf, &err) != 0) {
        return NULL;
    }
    if (model_node_to_json(model_file_document(mf, 0)->root, &j) != 0) {
        model_file_free(mf);
        return NULL;
    }
    model_file_free(mf);
    if (ns != NULL) {
        json_object_set_new(json_object_get(j, "metadata"), "namespace",
                            json_string(ns));
    }
    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return text;
}

/* ---------------------------------------------------------------- tests */

static void
executor__workload_lands_in_placement_with_replicas_and_overrides(void **st)
{
    const char *shared = getenv("FL_SHARED_DIR");
    char dep_path[1024];
    char op_path[1024];
    char *dep;
    char *op;
    struct fixture *f;
    json_t *m1;
    json_t *m2;

    (void)st;
    snprintf(dep_path, sizeof(dep_path),
             "%s/testdata/real/karmada-samples/deployment.yaml",
             shared != NULL ? shared : "../shared");
    snprintf(op_path, sizeof(op_path),
             "%s/testdata/real/karmada-samples/overridepolicy.yaml",
             shared != NULL ? shared : "../shared");
    dep = yaml_file_json(dep_path, "default");
    op = yaml_file_json(op_path, "default");
    if (dep == NULL || op == NULL) {
        free(dep);
        free(op);
        print_message("skip: %s or %s not readable (no ../shared testdata)\n",
                      dep_path, op_path);
        skip();
    }
    f = start(false);
    clusters_ready(f, 3);
    object(f, "OverridePolicy", "default", "nginx-op", op);
    binding_spec(f, "default", "nginx-deployment", dep, 2, true);
    decision(f, "default", "nginx-deployment", 1, "member1=1,member2=3",
             NULL, 0);
    run(f, T0 + NS_PER_S);

    assert_int_equal(ws_state(f, "member1", "default", "nginx-deployment"), 1);
    assert_int_equal(ws_state(f, "member2", "default", "nginx-deployment"), 1);
    assert_int_equal(ws_state(f, "member3", "default", "nginx-deployment"),
                     -1);
    m1 = ws_manifest(f, "member1", "default", "nginx-deployment");
    m2 = ws_manifest(f, "member2", "default", "nginx-deployment");
    assert_int_equal(jint(m1, "spec", "replicas"), 1);
    assert_int_equal(jint(m2, "spec", "replicas"), 3);
    /* The sample's rules: member1 gets the annotation, member2 the labels. */
    assert_string_equal(jpath(m1, "metadata", "annotations", "env"),
                        "skoala-stage");
    assert_null(jpath(m1, "metadata", "labels", "env"));
    assert_string_equal(jpath(m2, "metadata", "labels", "env"), "skoala-dev");
    assert_string_equal(jpath(m2, "metadata", "labels", "env-stat"),
                        "skoala-stage");
    assert_null(jpath(m2, "metadata", "annotations", "env"));
    assert_string_equal(jpath(m1, "metadata", "labels", "karmada.io/managed"),
                        "true");
    /* "default" exists in every member: no namespace work for it. */
    assert_int_equal(ws_state(f, "member1", "", "default-namespace"), -1);
    json_decref(m1);
    json_decref(m2);
    free(dep);
    free(op);
    stop(f);
}

/* The image of the first container of a manifest. */
static const char *
image_of(const json_t *m)
{
    const json_t *c = json_array_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(m, "spec"),
                                            "template"),
                            "spec"),
            "containers"),
        0);

    return json_string_value(json_object_get(c, "image"));
}

static void
executor__overrides_follow_cluster_labels(void **st)
{
    const char *shared = getenv("FL_SHARED_DIR");
    char path[3][1024];
    char *text[3];
    struct fixture *f;
    json_t *m;

    (void)st;
    snprintf(path[0], sizeof(path[0]),
             "%s/testdata/real/karmada-samples/deployment.yaml",
             shared != NULL ? shared : "../shared");
    snprintf(path[1], sizeof(path[1]),
             "%s/testdata/real/karmada-samples/overridepolicy_image.yaml",
             shared != NULL ? shared : "../shared");
    snprintf(path[2], sizeof(path[2]),
             "%s/testdata/real/karmada-samples/clusteroverridepolicy.yaml",
             shared != NULL ? shared : "../shared");
    text[0] = yaml_file_json(path[0], "default");
    text[1] = yaml_file_json(path[1], NULL);
    text[2] = yaml_file_json(path[2], NULL);
    if (text[0] == NULL || text[1] == NULL || text[2] == NULL) {
        for (int i = 0; i < 3; i++) {
            free(text[i]);
        }
        print_message("skip: karmada-samples not readable (no ../shared)\n");
        skip();
        return;
    }
    f = start(false);
    clusters_ready(f, 2);
    cluster_labels(f, "member1", "location", "us");
    cluster_labels(f, "member2", "location", "cn");
    object(f, "OverridePolicy", "default", "example-override", text[1]);
    object(f, "ClusterOverridePolicy", "", "example-cluster-override",
           text[2]);
    binding_spec(f, "default", "nginx-deployment", text[0], 2, false);
    decision(f, "default", "nginx-deployment", 1, "member1=2,member2=2",
             NULL, 0);
    run(f, T0 + NS_PER_S);
    m = ws_manifest(f, "member1", "default", "nginx-deployment");
    assert_string_equal(image_of(m), "fictional.registry.us/nginx");
    /* The ClusterOverridePolicy's plaintext rule, member1 only. */
    assert_int_equal(jint(m, "spec", "replicas"), 1);
    json_decref(m);
    m = ws_manifest(f, "member2", "default", "nginx-deployment");
    assert_string_equal(image_of(m), "fictional.registry.cn/nginx");
    assert_int_equal(jint(m, "spec", "replicas"), 2);
    json_decref(m);

    /* member2 moves to the US: its copy is rendered again. */
    cluster_labels(f, "member2", "location", "us");
    run(f, T0 + 2 * NS_PER_S);
    m = ws_manifest(f, "member2", "default", "nginx-deployment");
    assert_string_equal(image_of(m), "fictional.registry.us/nginx");
    json_decref(m);
    for (int i = 0; i < 3; i++) {
        free(text[i]);
    }
    stop(f);
}

static void
executor__released_eviction_deletes_old_copy(void **st)
{
    struct fixture *f = start(false);
    struct task t = { "member1", "Gracefully", T0 + 5 * NS_PER_S, NULL, NULL };
    int before;

    (void)st;
    clusters_ready(f, 3);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    decision(f, "shop", "web-deployment", 1, "member1=4", NULL, 0);
    run(f, T0 + NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 1);

    /* Evicted from member1, Gracefully: the old copy stays. */
    decision(f, "shop", "web-deployment", 2, "member2=4", &t, 1);
    run(f, T0 + 10 * NS_PER_S);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), 1);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 1);
    /* A release of an older task does not end this one. */
    release(f, "shop", "web-deployment", "member1", "Released",
            T0 + NS_PER_S);
    run(f, T0 + 11 * NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 1);

    release(f, "shop", "web-deployment", "member1", "Released", t.created);
    run(f, T0 + 20 * NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 0);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), 1);
    assert_int_equal(ws_state(f, "member3", "shop", "web-deployment"), -1);
    /* The same release again changes nothing. */
    before = f->tally.work_specs;
    release(f, "shop", "web-deployment", "member1", "Released", t.created);
    run(f, T0 + 21 * NS_PER_S);
    assert_int_equal(f->tally.work_specs, before);
    stop(f);
}

static void
executor__gracefully_keeps_until_task_gone(void **st)
{
    struct fixture *f = start(false);
    struct task t = { "member1", "Gracefully", T0 + 5 * NS_PER_S, NULL, NULL };

    (void)st;
    clusters_ready(f, 2);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    decision(f, "shop", "web-deployment", 1, "member1=4", NULL, 0);
    decision(f, "shop", "web-deployment", 2, "member2=4", &t, 1);
    run(f, T0 + 100 * NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 1);
    /* The scheduler drops the task: no task holds the copy any more. */
    decision(f, "shop", "web-deployment", 3, "member2=4", NULL, 0);
    run(f, T0 + 101 * NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 0);
    stop(f);
}

static void
executor__never_keeps_old_copy(void **st)
{
    struct fixture *f = start(false);
    struct task t = { "member1", "Never", T0 + 5 * NS_PER_S, NULL, NULL };

    (void)st;
    clusters_ready(f, 2);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    decision(f, "shop", "web-deployment", 1, "member1=4", NULL, 0);
    decision(f, "shop", "web-deployment", 2, "member2=4", &t, 1);
    release(f, "shop", "web-deployment", "member1", "Suppressed", t.created);
    run(f, T0 + 3600 * NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 1);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), 1);
    stop(f);
}

static void
executor__directly_deletes_first_then_creates(void **st)
{
    struct fixture *f = start(false);
    struct task t = { "member1", "Directly", T0 + 5 * NS_PER_S, "app-state",
                      "leader" };
    json_t *m;

    (void)st;
    clusters_ready(f, 2);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    decision(f, "shop", "web-deployment", 1, "member1=4", NULL, 0);
    run(f, T0 + NS_PER_S);
    work_status(f, "member1", "shop", "web-deployment", true, NULL);
    decision(f, "shop", "web-deployment", 2, "member2=4", &t, 1);
    run(f, T0 + 10 * NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 0);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), -1);
    /* Not even the namespace goes ahead of the old copy's removal. */
    assert_int_equal(ws_state(f, "member2", "", "shop-namespace"), -1);

    /* Still there: still waiting. */
    work_status(f, "member1", "shop", "web-deployment", true, NULL);
    run(f, T0 + 20 * NS_PER_S);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), -1);

    work_status(f, "member1", "shop", "web-deployment", false, NULL);
    run(f, T0 + 30 * NS_PER_S);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), 1);
    assert_int_equal(ws_state(f, "member2", "", "shop-namespace"), 1);
    /* The preserved state is handed to the replacement (§2.11)... */
    m = ws_manifest(f, "member2", "shop", "web-deployment");
    assert_string_equal(jpath(m, "metadata", "labels", "app-state"), "leader");
    json_decref(m);
    /* ...and goes away with the task. */
    decision(f, "shop", "web-deployment", 3, "member2=4", NULL, 0);
    run(f, T0 + 40 * NS_PER_S);
    m = ws_manifest(f, "member2", "shop", "web-deployment");
    assert_null(jpath(m, "metadata", "labels", "app-state"));
    json_decref(m);
    stop(f);
}

static void
executor__directly_ignores_absent_report_older_than_apply(void **st)
{
    struct fixture *f = start(false);
    struct task t = { "member1", "Directly", T0 + 9 * NS_PER_S, NULL, NULL };

    (void)st;
    clusters_ready(f, 2);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    decision(f, "shop", "web-deployment", 1, "member1=4", NULL, 0);
    run(f, T0 + NS_PER_S);
    decision(f, "shop", "web-deployment", 2, "member2=4", NULL, 0);
    run(f, T0 + 2 * NS_PER_S);
    work_status(f, "member1", "shop", "web-deployment", false, NULL);
    /* Back on member1; the agent has not reported since. */
    decision(f, "shop", "web-deployment", 3, "member1=4", NULL, 0);
    run(f, T0 + 3 * NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 1);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), 0);

    /* Evicted Directly to member2: the old "absent" does not count. */
    decision(f, "shop", "web-deployment", 4, "member2=4", &t, 1);
    run(f, T0 + 10 * NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 0);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), 0);
    work_status(f, "member1", "shop", "web-deployment", true, NULL);
    run(f, T0 + 11 * NS_PER_S);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), 0);
    work_status(f, "member1", "shop", "web-deployment", false, NULL);
    run(f, T0 + 12 * NS_PER_S);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), 1);
    stop(f);
}

static void
executor__directly_from_unknown_member_waits_for_fence(void **st)
{
    struct fixture *f = start(false);
    struct task t = { "member1", "Directly", T0 + 5 * NS_PER_S, NULL, NULL };

    (void)st;
    clusters_ready(f, 2);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    decision(f, "shop", "web-deployment", 1, "member1=4", NULL, 0);
    run(f, T0 + NS_PER_S);
    cluster_status(f, "member1", "Unknown", T0 + 2 * NS_PER_S);
    decision(f, "shop", "web-deployment", 2, "member2=4", &t, 1);
    run(f, T0 + 300 * NS_PER_S);
    /* Not Ready: no delete sent, and the new copy waits. */
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 1);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), -1);

    /* deadAfter (600 s) after it went Unknown it is fenced. */
    run(f, T0 + 601 * NS_PER_S);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), -1);
    run(f, T0 + 602 * NS_PER_S);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), 1);
    /* Fenced: the delete is sent now and waits in the member agent, so it
     * is carried out the moment the member answers again. */
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 0);

    /* It answers again: its copy stays deleted. */
    cluster_status(f, "member1", "True", T0 + 700 * NS_PER_S);
    run(f, T0 + 700 * NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 0);
    stop(f);
}

static void
executor__not_ready_member_gets_no_delete_until_ready(void **st)
{
    struct fixture *f = start(false);

    (void)st;
    clusters_ready(f, 2);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    decision(f, "shop", "web-deployment", 1, "member1=4", NULL, 0);
    run(f, T0 + NS_PER_S);
    cluster_status(f, "member1", "False", T0 + 2 * NS_PER_S);
    decision(f, "shop", "web-deployment", 2, "member2=4", NULL, 0);
    run(f, T0 + 60 * NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 1);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), 1);

    cluster_status(f, "member1", "True", T0 + 61 * NS_PER_S);
    run(f, T0 + 61 * NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 0);

    /* A deleted binding: removed everywhere (member2 is Ready). */
    binding_deleted(f, "shop", "web-deployment", 3);
    run(f, T0 + 62 * NS_PER_S);
    assert_int_equal(ws_state(f, "member2", "shop", "web-deployment"), 0);
    stop(f);
}

static void
executor__deleting_cluster_takes_deletes_while_not_ready(void **st)
{
    struct fixture *f = start(false);
    Flotilla__V1__ClusterSpec cs = FLOTILLA__V1__CLUSTER_SPEC__INIT;

    (void)st;
    clusters_ready(f, 2);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    decision(f, "shop", "web-deployment", 1, "member1=4", NULL, 0);
    run(f, T0 + NS_PER_S);
    cluster_status(f, "member1", "Unknown", T0 + 2 * NS_PER_S);
    decision(f, "shop", "web-deployment", 2, "member2=4", NULL, 0);
    run(f, T0 + 10 * NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 1);

    cs.name = "member1";
    cs.deleting = true;
    assert_int_equal(actor_sim_publish(f->sim, "cluster.spec.member1",
                                       "member1", "policy/t", "ClusterSpec",
                                       &cs.base),
                     0);
    run(f, T0 + 11 * NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 0);
    stop(f);
}

static void
executor__namespaces_only_where_needed(void **st)
{
    struct fixture *f = start(false);
    static const char ns_tmpl[] =
        "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
        "{\"name\":\"team\"}}";
    json_t *m;

    (void)st;
    clusters_ready(f, 3);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    decision(f, "shop", "web-deployment", 1, "member1=4", NULL, 0);
    run(f, T0 + NS_PER_S);
    assert_int_equal(ws_state(f, "member1", "", "shop-namespace"), 1);
    assert_int_equal(ws_state(f, "member2", "", "shop-namespace"), -1);
    assert_int_equal(ws_state(f, "member3", "", "shop-namespace"), -1);
    m = ws_manifest(f, "member1", "", "shop-namespace");
    assert_string_equal(jpath(m, "metadata", "labels", EXECUTOR_MANAGED_LABEL),
                        "true");
    assert_string_equal(jpath(m, "metadata", "name", NULL), "shop");
    json_decref(m);

    /* Moved: created where needed now, the old one left (default). */
    decision(f, "shop", "web-deployment", 2, "member2=4", NULL, 0);
    run(f, T0 + 2 * NS_PER_S);
    assert_int_equal(ws_state(f, "member2", "", "shop-namespace"), 1);
    assert_int_equal(ws_state(f, "member1", "", "shop-namespace"), 1);
    assert_int_equal(ws_state(f, "member3", "", "shop-namespace"), -1);

    /* A propagated Namespace goes where its policy places it, labelled. */
    binding_spec(f, "", "team-namespace", ns_tmpl, 0, false);
    decision(f, "", "team-namespace", 1, "member3=0", NULL, 0);
    run(f, T0 + 3 * NS_PER_S);
    assert_int_equal(ws_state(f, "member3", "", "team-namespace"), 1);
    assert_int_equal(ws_state(f, "member1", "", "team-namespace"), -1);
    assert_int_equal(ws_state(f, "member2", "", "team-namespace"), -1);
    m = ws_manifest(f, "member3", "", "team-namespace");
    assert_string_equal(jpath(m, "metadata", "labels", EXECUTOR_MANAGED_LABEL),
                        "true");
    json_decref(m);
    stop(f);
}

static void
executor__own_empty_namespace_deleted_when_set(void **st)
{
    struct fixture *f = start(true);
    Flotilla__V1__WorkSpec *ws;

    (void)st;
    clusters_ready(f, 2);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    decision(f, "shop", "web-deployment", 1, "member1=4", NULL, 0);
    decision(f, "shop", "web-deployment", 2, "member2=4", NULL, 0);
    run(f, T0 + NS_PER_S);
    ws = ws_get(f, "member1", "", "shop-namespace");
    assert_non_null(ws);
    assert_true(ws->delete_);
    /* The agent deletes it only when it is Flotilla's and empty. */
    assert_true(ws->delete_only_if_owned_and_empty);
    ws_free(ws);
    assert_int_equal(ws_state(f, "member2", "", "shop-namespace"), 1);
    stop(f);
}

static void
executor__divided_job_splits_completions(void **st)
{
    struct fixture *f = start(false);
    static const char job_tmpl[] =
        "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":"
        "{\"name\":\"pi\",\"namespace\":\"shop\"},\"spec\":"
        "{\"parallelism\":4,\"completions\":10,\"template\":{\"spec\":"
        "{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"pi\","
        "\"image\":\"perl\"}]}}}}";
    json_t *m1;
    json_t *m2;

    (void)st;
    clusters_ready(f, 2);
    binding_spec(f, "shop", "pi-job", job_tmpl, 4, true);
    decision(f, "shop", "pi-job", 1, "member1=3,member2=1", NULL, 0);
    run(f, T0 + NS_PER_S);
    m1 = ws_manifest(f, "member1", "shop", "pi-job");
    m2 = ws_manifest(f, "member2", "shop", "pi-job");
    assert_int_equal(jint(m1, "spec", "parallelism"), 3);
    assert_int_equal(jint(m2, "spec", "parallelism"), 1);
    /* 10 completions weighted 3:1 (Webster): 7.5 and 2.5 round to 8, 2
     * or 7, 3 by the UID tie-break; never more or less than 10. */
    assert_int_equal(jint(m1, "spec", "completions") +
                         jint(m2, "spec", "completions"),
                     10);
    assert_true(jint(m1, "spec", "completions") >= 7);
    assert_true(jint(m2, "spec", "completions") >= 2);
    json_decref(m1);
    json_decref(m2);
    stop(f);
}

static const char *const db_tmpl =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":"
    "{\"name\":\"db\",\"namespace\":\"shop\"},\"spec\":{\"replicas\":6,"
    "\"serviceName\":\"db\",\"selector\":{\"matchLabels\":{\"app\":\"db\"}},"
    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"db\"}},\"spec\":"
    "{\"containers\":[{\"name\":\"db\",\"image\":\"postgres\"}]}}}}";

struct range {
    int32_t start;
    int32_t count;
};

static struct range
ordinals_of(struct fixture *f, const char *cluster)
{
    struct executor_state *s = actor_sim_state(f->sim, "executor");
    struct range r = { -1, -1 };
    json_t *m;

    assert_int_equal(executor_ordinals(s, "shop", "db-statefulset", cluster,
                                       &r.start, &r.count),
                     0);
    m = ws_manifest(f, cluster, "shop", "db-statefulset");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(m, "spec"),
                                         "ordinals"),
                         "start")),
                     r.start);
    assert_int_equal(jint(m, "spec", "replicas"), r.count);
    json_decref(m);
    return r;
}

static void
assert_disjoint(const struct range *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            bool apart = r[i].start + r[i].count <= r[j].start ||
                         r[j].start + r[j].count <= r[i].start;

            if (!apart) {
                fail_msg("ranges %zu [%d,+%d) and %zu [%d,+%d) overlap", i,
                         r[i].start, r[i].count, j, r[j].start, r[j].count);
            }
        }
    }
}

static void
executor__statefulset_ordinals_disjoint_and_stable(void **st)
{
    struct fixture *f = start(false);
    struct executor_state *s;
    struct range r[3];
    struct range old[3];
    char desc[256];
    int32_t a;
    int32_t b;

    (void)st;
    clusters_ready(f, 3);
    binding_spec(f, "shop", "db-statefulset", db_tmpl, 9, true);
    decision(f, "shop", "db-statefulset", 1,
             "member1=3,member2=3,member3=3", NULL, 0);
    run(f, T0 + NS_PER_S);
    for (int i = 0; i < 3; i++) {
        char c[32];

        snprintf(c, sizeof(c), "member%d", i + 1);
        r[i] = ordinals_of(f, c);
        assert_int_equal(r[i].count, 3);
    }
    assert_disjoint(r, 3);
    memcpy(old, r, sizeof(r));
    s = actor_sim_state(f->sim, "executor");
    assert_int_equal(executor_ordinals_describe(s, "shop", "db-statefulset",
                                                desc, sizeof(desc)),
                     3);
    assert_string_equal(desc, "member1=0-2 member2=3-5 member3=6-8");

    /* Scale up: member3 grows at the top and keeps its start. */
    binding_spec(f, "shop", "db-statefulset", db_tmpl, 11, true);
    decision(f, "shop", "db-statefulset", 2,
             "member1=3,member2=3,member3=5", NULL, 0);
    run(f, T0 + 2 * NS_PER_S);
    for (int i = 0; i < 3; i++) {
        char c[32];

        snprintf(c, sizeof(c), "member%d", i + 1);
        r[i] = ordinals_of(f, c);
    }
    assert_disjoint(r, 3);
    assert_int_equal(r[0].start, old[0].start);
    assert_int_equal(r[1].start, old[1].start);
    assert_int_equal(r[2].start, old[2].start);
    assert_int_equal(r[2].count, 5);

    /* member3 lost: its 5 go to the others; its copy is not gone yet, so
     * its ordinals are not handed out again. */
    memcpy(old, r, sizeof(r));
    decision(f, "shop", "db-statefulset", 3, "member1=6,member2=5", NULL, 0);
    run(f, T0 + 3 * NS_PER_S);
    assert_int_equal(ws_state(f, "member3", "shop", "db-statefulset"), 0);
    r[0] = ordinals_of(f, "member1");
    r[1] = ordinals_of(f, "member2");
    assert_int_equal(r[0].count, 6);
    assert_int_equal(r[1].count, 5);
    {
        /* New ranges apart from each other and from every other member's
         * old range (those pods may still run). */
        struct range pairs[][2] = {
            { r[0], r[1] }, { r[0], old[1] }, { r[0], old[2] },
            { r[1], old[0] }, { r[1], old[2] },
        };

        for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
            assert_disjoint(pairs[i], 2);
        }
    }
    r[2] = old[2];

    /* Stable: a later decision with the same counts moves nothing. */
    memcpy(old, r, sizeof(r));
    work_status(f, "member3", "shop", "db-statefulset", false, NULL);
    decision(f, "shop", "db-statefulset", 4, "member1=6,member2=5", NULL, 0);
    run(f, T0 + 4 * NS_PER_S);
    assert_int_equal(executor_ordinals(s, "shop", "db-statefulset", "member1",
                                       &a, &b),
                     0);
    assert_int_equal(a, old[0].start);
    assert_int_equal(executor_ordinals(s, "shop", "db-statefulset", "member2",
                                       &a, &b),
                     0);
    assert_int_equal(a, old[1].start);
    stop(f);
}

static void
ordinals_assign__random_plans_stay_disjoint(void **st)
{
    uint32_t seed = 12345;

    (void)st;
    for (int round = 0; round < 2000; round++) {
        struct executor_ordinal_slot slots[5];
        const char *names[5] = { "a", "b", "c", "d", "e" };
        int32_t next = 0;

        memset(slots, 0, sizeof(slots));
        for (int i = 0; i < 5; i++) {
            seed = seed * 1103515245u + 12345u;
            slots[i].cluster = names[i];
            if ((seed >> 16) % 3 != 0) {
                slots[i].had = true;
                slots[i].old_start = next + (int32_t)((seed >> 8) % 3);
                slots[i].old_count = (int32_t)((seed >> 4) % 5);
                next = slots[i].old_start + slots[i].old_count;
            }
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 16) % 4 != 0) {
                slots[i].wants = true;
                slots[i].count = (int32_t)((seed >> 8) % 7);
            }
        }
        assert_int_equal(executor_ordinals_assign(slots, 5, 0), 0);
        for (int i = 0; i < 5; i++) {
            if (!slots[i].wants) {
                continue;
            }
            assert_true(slots[i].start >= 0);
            if (slots[i].had && slots[i].count <= slots[i].old_count) {
                assert_int_equal(slots[i].start, slots[i].old_start);
            }
            for (int j = 0; j < 5; j++) {
                int64_t s1 = slots[i].start;
                int64_t e1 = s1 + slots[i].count;

                if (j == i || slots[i].count == 0) {
                    continue;
                }
                if (slots[j].had && slots[j].old_count > 0) {
                    assert_true(e1 <= slots[j].old_start ||
                                slots[j].old_start + slots[j].old_count <= s1);
                }
                if (slots[j].wants && slots[j].count > 0) {
                    assert_true(e1 <= slots[j].start ||
                                slots[j].start + slots[j].count <= s1);
                }
            }
        }
    }
}

static void
executor__restart_rebuilds_without_republishing(void **st)
{
    struct fixture *f = start(false);
    struct task t = { "member1", "Gracefully", T0 + 5 * NS_PER_S, NULL, NULL };
    int before;

    (void)st;
    clusters_ready(f, 3);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    binding_spec(f, "shop", "db-statefulset", db_tmpl, 6, true);
    decision(f, "shop", "web-deployment", 1, "member1=2,member2=2", NULL, 0);
    decision(f, "shop", "db-statefulset", 1, "member2=3,member3=3", NULL, 0);
    run(f, T0 + NS_PER_S);
    decision(f, "shop", "web-deployment", 2, "member2=2,member3=2", &t, 1);
    work_status(f, "member2", "shop", "web-deployment", true,
                "{\"metadata\":{\"resourceVersion\":\"17\",\"finalizers\":"
                "[\"x/y\"]}}");
    run(f, T0 + 2 * NS_PER_S);
    before = f->tally.work_specs;
    assert_true(before > 0);

    assert_int_equal(actor_sim_restart(f->sim, "executor"), 0);
    run(f, T0 + 3 * NS_PER_S);
    assert_int_equal(f->tally.work_specs, before);
    /* And it decides on from there: the held copy is kept, then released. */
    decision(f, "shop", "web-deployment", 2, "member2=2,member3=2", &t, 1);
    run(f, T0 + 4 * NS_PER_S);
    assert_int_equal(f->tally.work_specs, before);
    release(f, "shop", "web-deployment", "member1", "Released", t.created);
    run(f, T0 + 5 * NS_PER_S);
    assert_int_equal(f->tally.work_specs, before + 1);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 0);
    stop(f);
}

static void
executor__duplicate_inputs_change_nothing(void **st)
{
    struct fixture *f = start(false);
    int before;

    (void)st;
    clusters_ready(f, 2);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    decision(f, "shop", "web-deployment", 1, "member1=2,member2=2", NULL, 0);
    work_status(f, "member1", "shop", "web-deployment", true,
                "{\"metadata\":{\"labels\":{\"team\":\"a\"}}}");
    run(f, T0 + NS_PER_S);
    before = f->tally.work_specs;

    clusters_ready(f, 2);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    decision(f, "shop", "web-deployment", 1, "member1=2,member2=2", NULL, 0);
    work_status(f, "member1", "shop", "web-deployment", true,
                "{\"metadata\":{\"labels\":{\"team\":\"a\"}}}");
    /* A new decision number with the same placement changes no manifest. */
    decision(f, "shop", "web-deployment", 2, "member1=2,member2=2", NULL, 0);
    run(f, T0 + 2 * NS_PER_S);
    assert_int_equal(f->tally.work_specs, before);
    stop(f);
}

static void
executor__bad_payloads_are_refused(void **st)
{
    struct fixture *f = start(false);
    static const char bad_tmpl[] = "{\"kind\": 12";

    (void)st;
    clusters_ready(f, 1);
    binding_spec(f, "shop", "broken-deployment", bad_tmpl, 1, true);
    decision(f, "shop", "broken-deployment", 1, "member1=1", NULL, 0);
    binding_spec(f, "shop", "web-deployment", web_tmpl, 4, true);
    decision(f, "shop", "web-deployment", 1, "member1=4", NULL, 0);
    run(f, T0 + NS_PER_S);
    /* The broken one is not sent; the others are not held up. */
    assert_int_equal(ws_state(f, "member1", "shop", "broken-deployment"), -1);
    assert_int_equal(ws_state(f, "member1", "shop", "web-deployment"), 1);
    stop(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            executor__workload_lands_in_placement_with_replicas_and_overrides),
        cmocka_unit_test(executor__overrides_follow_cluster_labels),
        cmocka_unit_test(executor__released_eviction_deletes_old_copy),
        cmocka_unit_test(executor__gracefully_keeps_until_task_gone),
        cmocka_unit_test(executor__never_keeps_old_copy),
        cmocka_unit_test(executor__directly_deletes_first_then_creates),
        cmocka_unit_test(
            executor__directly_ignores_absent_report_older_than_apply),
        cmocka_unit_test(
            executor__directly_from_unknown_member_waits_for_fence),
        cmocka_unit_test(
            executor__not_ready_member_gets_no_delete_until_ready),
        cmocka_unit_test(
            executor__deleting_cluster_takes_deletes_while_not_ready),
        cmocka_unit_test(executor__namespaces_only_where_needed),
        cmocka_unit_test(executor__own_empty_namespace_deleted_when_set),
        cmocka_unit_test(executor__divided_job_splits_completions),
        cmocka_unit_test(executor__statefulset_ordinals_disjoint_and_stable),
        cmocka_unit_test(ordinals_assign__random_plans_stay_disjoint),
        cmocka_unit_test(executor__restart_rebuilds_without_republishing),
        cmocka_unit_test(executor__duplicate_inputs_change_nothing),
        cmocka_unit_test(executor__bad_payloads_are_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
