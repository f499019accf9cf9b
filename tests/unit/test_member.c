/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Member cluster model: pod readiness, capacity, StatefulSet ordinals and
 * claims, workload status, the API errors and every fault kind of
 * spec/scenarios.md, all in virtual time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "member/cluster.h"
#include "member/patch.h"
#include "member/yaml.h"

#include <errno.h>
#include <string.h>

#define S(n) ((int64_t)(n) * INT64_C(1000000000))
#define MS(n) ((int64_t)(n) * INT64_C(1000000))

static struct member_cluster *
new_cluster(struct member_config *cfg)
{
    struct member_cluster *mc = NULL;
    struct member_config def;

    if (cfg == NULL) {
        member_config_init(&def);
        def.name = "member1";
        cfg = &def;
    }
    assert_int_equal(member_cluster_new(cfg, 0, &mc), 0);
    return mc;
}

static json_t *
parse(const char *yaml)
{
    json_t *docs = NULL;
    json_t *obj;
    char err[128];

    assert_int_equal(member_yaml_parse(yaml, strlen(yaml), &docs, err,
                                       sizeof(err)),
                     0);
    obj = json_incref(json_array_get(docs, 0));
    json_decref(docs);
    return obj;
}

static const char *deployment_yaml =
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata: {name: nginx, namespace: default}\n"
    "spec:\n"
    "  replicas: 3\n"
    "  selector: {matchLabels: {app: nginx}}\n"
    "  template:\n"
    "    metadata: {labels: {app: nginx}}\n"
    "    spec:\n"
    "      containers:\n"
    "      - name: nginx\n"
    "        image: nginx:1.25\n"
    "        resources: {requests: {cpu: 900m, memory: 64Mi}}\n";

static void
create_yaml(struct member_cluster *mc, const char *resource, const char *y)
{
    json_t *obj = parse(y);
    struct member_error err;

    memset(&err, 0, sizeof(err));
    assert_int_equal(member_cluster_create(mc, resource, NULL, obj, "test",
                                           NULL, &err),
                     0);
    json_decref(obj);
}

static json_int_t
status_int(struct member_cluster *mc, const char *resource, const char *name,
           const char *field)
{
    json_t *obj = NULL;
    json_int_t v;

    assert_int_equal(member_cluster_get(mc, resource, "default", name, &obj),
                     0);
    v = json_integer_value(json_object_get(json_object_get(obj, "status"),
                                           field));
    json_decref(obj);
    return v;
}

static const char *
pod_phase(struct member_cluster *mc, const char *name, json_t **keep)
{
    json_t *obj = NULL;

    if (member_cluster_get(mc, "pods", "default", name, &obj) != 0) {
        return NULL;
    }
    *keep = obj;
    return json_string_value(json_object_get(json_object_get(obj, "status"),
                                             "phase"));
}

static size_t
count(struct member_cluster *mc, const char *resource, const char *labels)
{
    json_t *items = NULL;
    uint64_t rv = 0;
    size_t n;

    assert_int_equal(member_cluster_list(mc, resource, "default", labels,
                                         NULL, &items, &rv),
                     0);
    n = json_array_size(items);
    json_decref(items);
    return n;
}

static void
new__starts_with_nodes_and_namespaces(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    json_t *items = NULL;
    uint64_t rv = 0;

    (void)state;

    assert_int_equal(member_cluster_list(mc, "namespaces", NULL, NULL, NULL,
                                         &items, &rv),
                     0);
    assert_int_equal(json_array_size(items), 4);
    json_decref(items);
    assert_int_equal(member_cluster_list(mc, "nodes", NULL, NULL, NULL,
                                         &items, &rv),
                     0);
    assert_int_equal(json_array_size(items), 3);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(json_array_get(items, 0),
                                            "status"),
                            "allocatable"),
            "pods")),
        "110");
    json_decref(items);
    member_cluster_free(mc);
}

static void
advance__pods_ready_after_ready_delay(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    json_t *changes = NULL;
    int64_t due = 0;

    (void)state;
    create_yaml(mc, "deployments", deployment_yaml);

    assert_int_equal(member_cluster_advance(mc, 0, NULL), 0);
    assert_int_equal(count(mc, "pods", "app=nginx"), 3);
    assert_int_equal(status_int(mc, "deployments", "nginx", "replicas"), 3);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     0);
    assert_int_equal(member_cluster_next_due(mc, &due), 0);
    assert_true(due == S(2));

    assert_int_equal(member_cluster_advance(mc, MS(1999), NULL), 0);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     0);
    assert_int_equal(member_cluster_advance(mc, S(2), &changes), 0);
    /* three pods and the Deployment's status */
    assert_int_equal(json_array_size(changes), 4);
    json_decref(changes);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     3);
    assert_int_equal(status_int(mc, "deployments", "nginx",
                                "availableReplicas"),
                     3);
    /* a settled cluster changes nothing on its own */
    assert_int_equal(member_cluster_advance(mc, S(60), &changes), 0);
    assert_int_equal(json_array_size(changes), 0);
    json_decref(changes);
    assert_int_equal(status_int(mc, "deployments", "nginx",
                                "observedGeneration"),
                     1);
    member_cluster_free(mc);
}

/*
 * Two nodes of 2 CPUs and nginx (3 x 900m) after 10 s: two pods ready, the
 * third pending for CPU.
 */
static struct member_cluster *
small_cluster_with_nginx(void)
{
    struct member_config cfg;
    struct member_cluster *mc;

    member_config_init(&cfg);
    cfg.name = "small";
    cfg.nodes = 2;
    cfg.cpu_milli = 2000;
    mc = new_cluster(&cfg);
    create_yaml(mc, "deployments", deployment_yaml);
    assert_int_equal(member_cluster_advance(mc, S(10), NULL), 0);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     2);
    return mc;
}

static void
advance__capacity_runs_out_and_pods_stay_pending(void **state)
{
    struct member_resources res;
    struct member_cluster *mc;
    json_t *items = NULL;
    json_t *pod;
    uint64_t rv;
    size_t i;
    int pending = 0;

    (void)state;
    mc = small_cluster_with_nginx();
    assert_int_equal(member_cluster_list(mc, "pods", "default", NULL, NULL,
                                         &items, &rv),
                     0);
    json_array_foreach(items, i, pod) {
        json_t *st = json_object_get(pod, "status");

        if (strcmp(json_string_value(json_object_get(st, "phase")),
                   "Pending") == 0) {
            const char *msg = json_string_value(json_object_get(
                json_array_get(json_object_get(st, "conditions"), 0),
                "message"));

            pending++;
            assert_non_null(strstr(msg, "Insufficient cpu"));
        }
    }
    assert_int_equal(pending, 1);
    member_cluster_resources(mc, &res);
    assert_true(res.allocatable.cpu_milli == 2000);
    assert_true(res.allocated.cpu_milli == 1800);
    assert_true(res.allocated.pods == 2);
    assert_true(res.allocating.cpu_milli == 900);
    assert_true(res.allocating.memory_bytes == INT64_C(64) << 20);
    json_decref(items);
    member_cluster_free(mc);
}

static const char *sts_yaml =
    "apiVersion: apps/v1\n"
    "kind: StatefulSet\n"
    "metadata: {name: web, namespace: default}\n"
    "spec:\n"
    "  replicas: 2\n"
    "  ordinals: {start: 5}\n"
    "  serviceName: web\n"
    "  selector: {matchLabels: {app: web}}\n"
    "  template:\n"
    "    metadata: {labels: {app: web}}\n"
    "    spec:\n"
    "      containers: [{name: web, image: nginx:1.25}]\n"
    "  volumeClaimTemplates:\n"
    "  - metadata: {name: data}\n"
    "    spec:\n"
    "      accessModes: [ReadWriteOnce]\n"
    "      resources: {requests: {storage: 1Gi}}\n";

static const char *
claim_phase(struct member_cluster *mc, const char *name, char *buf)
{
    json_t *obj = NULL;

    if (member_cluster_get(mc, "persistentvolumeclaims", "default", name,
                           &obj) != 0) {
        return NULL;
    }
    strcpy(buf, json_string_value(json_object_get(
                    json_object_get(obj, "status"), "phase")));
    json_decref(obj);
    return buf;
}

/*
 * A controller pass skips a workload whose object and pods stand still, so
 * every change to its pods must bring it back: a pod deleted through the
 * API is replaced, and a pod left pending for capacity is placed once
 * another workload's pods go.
 */
static void
advance__workload_reconciled_again_when_its_pods_change(void **state)
{
    struct member_cluster *mc;
    json_t *items = NULL;
    json_t *pod;
    uint64_t rv;
    size_t i;
    char victim[256] = "";

    (void)state;
    mc = small_cluster_with_nginx();

    /* a ready pod deleted behind the controller's back is replaced */
    assert_int_equal(member_cluster_list(mc, "pods", "default", NULL, NULL,
                                         &items, &rv),
                     0);
    json_array_foreach(items, i, pod) {
        if (strcmp(json_string_value(json_object_get(
                       json_object_get(pod, "status"), "phase")),
                   "Running") == 0) {
            snprintf(victim, sizeof(victim), "%s",
                     json_string_value(json_object_get(
                         json_object_get(pod, "metadata"), "name")));
            break;
        }
    }
    json_decref(items);
    assert_true(victim[0] != '\0');
    assert_int_equal(member_cluster_delete(mc, "pods", "default", victim,
                                           NULL),
                     0);
    assert_int_equal(member_cluster_advance(mc, S(11), NULL), 0);
    assert_int_equal(count(mc, "pods", "app=nginx"), 3);
    /* the pending pod took the freed node; the replacement waits */
    assert_int_equal(member_cluster_advance(mc, S(20), NULL), 0);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     2);

    /* scaling down to one frees a node for nobody; scaling up again
     * places the new pods and they turn ready with time */
    {
        json_t *obj = NULL;
        struct member_error err;

        memset(&err, 0, sizeof(err));
        assert_int_equal(member_cluster_get(mc, "deployments", "default",
                                            "nginx", &obj),
                         0);
        json_object_set_new(json_object_get(obj, "spec"), "replicas",
                            json_integer(1));
        assert_int_equal(member_cluster_update(mc, "deployments", "default",
                                               "nginx", obj, MEMBER_UPDATE_MAIN,
                                               "test", NULL, &err),
                         0);
        json_decref(obj);
    }
    assert_int_equal(member_cluster_advance(mc, S(21), NULL), 0);
    assert_int_equal(count(mc, "pods", "app=nginx"), 1);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     1);
    member_cluster_free(mc);
}

static void
statefulset__ordinals_from_start_one_at_a_time(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    json_t *keep = NULL;
    char buf[32];

    (void)state;
    create_yaml(mc, "statefulsets", sts_yaml);

    assert_int_equal(member_cluster_advance(mc, 0, NULL), 0);
    assert_non_null(pod_phase(mc, "web-5", &keep));
    json_decref(keep);
    assert_null(pod_phase(mc, "web-0", &keep));
    assert_null(pod_phase(mc, "web-6", &keep));
    assert_string_equal(claim_phase(mc, "data-web-5", buf), "Pending");

    /* claim Bound at 1s, pod ready at 1s + 2s, then web-6 starts */
    assert_int_equal(member_cluster_advance(mc, S(1), NULL), 0);
    assert_string_equal(claim_phase(mc, "data-web-5", buf), "Bound");
    assert_int_equal(member_cluster_advance(mc, S(3), NULL), 0);
    assert_int_equal(status_int(mc, "statefulsets", "web", "readyReplicas"),
                     1);
    assert_non_null(pod_phase(mc, "web-6", &keep));
    json_decref(keep);
    assert_int_equal(member_cluster_advance(mc, S(4), NULL), 0);
    assert_int_equal(member_cluster_advance(mc, S(6), NULL), 0);
    assert_int_equal(status_int(mc, "statefulsets", "web", "readyReplicas"),
                     2);
    assert_int_equal(status_int(mc, "statefulsets", "web", "replicas"), 2);
    member_cluster_free(mc);
}

static void
claim__pending_for_ever_without_storage_class(void **state)
{
    struct member_config cfg;
    struct member_cluster *mc;
    json_t *keep = NULL;
    int64_t due = 0;
    char buf[32];

    (void)state;
    member_config_init(&cfg);
    cfg.name = "nostorage";
    cfg.default_storage_class = NULL;
    mc = new_cluster(&cfg);
    create_yaml(mc, "statefulsets", sts_yaml);

    assert_int_equal(member_cluster_advance(mc, S(3600), NULL), 0);

    assert_string_equal(claim_phase(mc, "data-web-5", buf), "Pending");
    assert_string_equal(pod_phase(mc, "web-5", &keep), "Pending");
    json_decref(keep);
    assert_int_equal(status_int(mc, "statefulsets", "web", "readyReplicas"),
                     0);
    assert_int_equal(member_cluster_next_due(mc, &due), -ENOENT);
    member_cluster_free(mc);
}

/* Steps the model through every due time up to @t, as a drill does. */
static void
run_until(struct member_cluster *mc, int64_t t)
{
    int64_t due = 0;

    while (member_cluster_next_due(mc, &due) == 0 && due <= t) {
        assert_int_equal(member_cluster_advance(mc, due, NULL), 0);
    }
    assert_int_equal(member_cluster_advance(mc, t, NULL), 0);
}

static json_t *
get_obj(struct member_cluster *mc, const char *resource, const char *name)
{
    json_t *obj = NULL;

    assert_int_equal(member_cluster_get(mc, resource, "default", name, &obj),
                     0);
    return obj;
}

static void
set_image(struct member_cluster *mc, const char *resource, const char *name,
          const char *image)
{
    json_t *obj = get_obj(mc, resource, name);
    json_t *c = json_array_get(json_object_get(json_object_get(
                                   json_object_get(json_object_get(obj, "spec"),
                                                   "template"),
                                   "spec"),
                                               "containers"),
                               0);
    struct member_error err;

    json_object_set_new(c, "image", json_string(image));
    assert_int_equal(member_cluster_update(mc, resource, "default", name, obj,
                                           MEMBER_UPDATE_MAIN, "test", NULL,
                                           &err),
                     0);
    json_decref(obj);
}

static void
deployment_rollout__new_pods_replace_old_once_ready(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    json_t *obj;

    (void)state;
    create_yaml(mc, "deployments", deployment_yaml);
    assert_int_equal(member_cluster_advance(mc, S(2), NULL), 0);

    set_image(mc, "deployments", "nginx", "nginx:1.26");

    obj = get_obj(mc, "deployments", "nginx");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(obj, "metadata"), "generation")),
                     2);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(obj, "metadata"),
                                            "annotations"),
                            "deployment.kubernetes.io/revision")),
                        "2");
    json_decref(obj);
    /* old pods serve until the new ones are ready */
    assert_int_equal(status_int(mc, "deployments", "nginx", "replicas"), 6);
    assert_int_equal(status_int(mc, "deployments", "nginx", "updatedReplicas"),
                     3);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     3);
    assert_int_equal(status_int(mc, "deployments", "nginx",
                                "observedGeneration"),
                     2);
    assert_int_equal(member_cluster_advance(mc, S(4), NULL), 0);
    assert_int_equal(status_int(mc, "deployments", "nginx", "replicas"), 3);
    assert_int_equal(status_int(mc, "deployments", "nginx", "updatedReplicas"),
                     3);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     3);
    assert_int_equal(count(mc, "pods", "app=nginx"), 3);
    member_cluster_free(mc);
}

static const char *
status_str(struct member_cluster *mc, const char *resource, const char *name,
           const char *field, char *buf, size_t len)
{
    json_t *obj = get_obj(mc, resource, name);

    snprintf(buf, len, "%s",
             json_string_value(json_object_get(json_object_get(obj, "status"),
                                               field)));
    json_decref(obj);
    return buf;
}

static const char *
pod_revision(const json_t *pod)
{
    return json_string_value(json_object_get(
        json_object_get(json_object_get(pod, "metadata"), "labels"),
        "controller-revision-hash"));
}

static void
statefulset_rollout__revisions_and_scale_down(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    json_t *keep = NULL;
    char cur[64];
    char upd[64];
    char first[64];
    json_t *obj;
    struct member_error err;

    (void)state;
    create_yaml(mc, "statefulsets", sts_yaml);
    run_until(mc, S(10));
    assert_int_equal(status_int(mc, "statefulsets", "web", "readyReplicas"),
                     2);
    status_str(mc, "statefulsets", "web", "currentRevision", first,
               sizeof(first));
    assert_string_equal(status_str(mc, "statefulsets", "web",
                                   "updateRevision", upd, sizeof(upd)),
                        first);

    set_image(mc, "statefulsets", "web", "nginx:1.26");

    status_str(mc, "statefulsets", "web", "currentRevision", cur, sizeof(cur));
    status_str(mc, "statefulsets", "web", "updateRevision", upd, sizeof(upd));
    assert_string_equal(cur, first);
    assert_string_not_equal(upd, first);
    /* highest ordinal first, one at a time */
    assert_string_equal(pod_phase(mc, "web-6", &keep), "Pending");
    assert_string_equal(pod_revision(keep), upd);
    json_decref(keep);
    assert_string_equal(pod_phase(mc, "web-5", &keep), "Running");
    assert_string_equal(pod_revision(keep), first);
    json_decref(keep);
    run_until(mc, S(30));
    assert_int_equal(status_int(mc, "statefulsets", "web", "updatedReplicas"),
                     2);
    assert_int_equal(status_int(mc, "statefulsets", "web", "readyReplicas"),
                     2);
    assert_string_equal(status_str(mc, "statefulsets", "web",
                                   "currentRevision", cur, sizeof(cur)),
                        upd);

    obj = get_obj(mc, "statefulsets", "web");
    json_object_set_new(json_object_get(obj, "spec"), "replicas",
                        json_integer(1));
    assert_int_equal(member_cluster_update(mc, "statefulsets", "default",
                                           "web", obj, MEMBER_UPDATE_MAIN,
                                           "test", NULL, &err),
                     0);
    json_decref(obj);
    assert_null(pod_phase(mc, "web-6", &keep));
    assert_int_equal(status_int(mc, "statefulsets", "web", "replicas"), 1);
    /* claims stay after scale-down, as upstream's Retain policy says */
    assert_non_null(claim_phase(mc, "data-web-6", cur));
    member_cluster_free(mc);
}

static void
fault_down__refuses_keeps_objects_changes_nothing(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    struct member_fault f = { .kind = MEMBER_FAULT_DOWN };
    json_t *obj = NULL;
    int code = 0;

    (void)state;
    create_yaml(mc, "deployments", deployment_yaml);
    assert_int_equal(member_cluster_advance(mc, 0, NULL), 0);

    assert_int_equal(member_cluster_fault(mc, &f), 0);
    assert_int_equal(member_cluster_advance(mc, S(30), NULL), 0);

    assert_int_equal(member_cluster_serving(mc), MEMBER_SERVING_REFUSE);
    assert_int_equal(member_cluster_probe(mc, S(5), &code), -ECONNREFUSED);
    assert_int_equal(member_cluster_get(mc, "deployments", "default", "nginx",
                                        &obj),
                     -EHOSTUNREACH);
    assert_int_equal(member_cluster_delete(mc, "deployments", "default",
                                           "nginx", NULL),
                     -EHOSTUNREACH);
    f.kind = MEMBER_FAULT_UP;
    assert_int_equal(member_cluster_fault(mc, &f), 0);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     0);
    assert_int_equal(member_cluster_advance(mc, S(31), NULL), 0);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     3);
    assert_int_equal(member_cluster_probe(mc, S(5), &code), 0);
    assert_int_equal(code, 200);
    member_cluster_free(mc);
}

static void
fault_slow__changes_nothing_until_up(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    struct member_fault f = { .kind = MEMBER_FAULT_SLOW };
    json_t *obj = NULL;

    (void)state;
    create_yaml(mc, "deployments", deployment_yaml);
    assert_int_equal(member_cluster_fault(mc, &f), 0);

    assert_int_equal(member_cluster_advance(mc, S(10), NULL), 0);

    assert_int_equal(member_cluster_get(mc, "deployments", "default", "nginx",
                                        &obj),
                     0);
    json_decref(obj);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     0);
    f.kind = MEMBER_FAULT_UP;
    assert_int_equal(member_cluster_fault(mc, &f), 0);
    assert_int_equal(member_cluster_advance(mc, S(10), NULL), 0);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     3);
    member_cluster_free(mc);
}

static void
fault_blackhole_and_slow__probe_times_out(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    struct member_fault f = { .kind = MEMBER_FAULT_BLACKHOLE };
    int code = 0;

    (void)state;

    assert_int_equal(member_cluster_fault(mc, &f), 0);
    assert_int_equal(member_cluster_serving(mc), MEMBER_SERVING_HANG);
    assert_int_equal(member_cluster_probe(mc, S(5), &code), -ETIMEDOUT);
    f.kind = MEMBER_FAULT_UP;
    assert_int_equal(member_cluster_fault(mc, &f), 0);
    f.kind = MEMBER_FAULT_SLOW;
    assert_int_equal(member_cluster_fault(mc, &f), 0);
    assert_true(member_cluster_answer_delay(mc) == S(40));
    assert_int_equal(member_cluster_probe(mc, S(5), &code), -ETIMEDOUT);
    f.delay_ns = S(1);
    assert_int_equal(member_cluster_fault(mc, &f), 0);
    assert_int_equal(member_cluster_probe(mc, S(5), &code), 0);
    assert_int_equal(code, 200);
    f.kind = MEMBER_FAULT_UP;
    assert_int_equal(member_cluster_fault(mc, &f), 0);
    assert_true(member_cluster_answer_delay(mc) == 0);
    member_cluster_free(mc);
}

static void
fault_unhealthy__answers_code_until_healthy(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    struct member_fault f = { .kind = MEMBER_FAULT_UNHEALTHY };
    json_t *obj = NULL;
    int code = 0;

    (void)state;

    assert_int_equal(member_cluster_fault(mc, &f), 0);
    assert_int_equal(member_cluster_probe(mc, S(5), &code), 0);
    assert_int_equal(code, 503);
    assert_int_equal(member_cluster_get(mc, "namespaces", NULL, "default",
                                        &obj),
                     0);
    json_decref(obj);
    f.code = 500;
    assert_int_equal(member_cluster_fault(mc, &f), 0);
    assert_int_equal(member_cluster_health_code(mc), 500);
    f.kind = MEMBER_FAULT_UP;
    assert_int_equal(member_cluster_fault(mc, &f), 0);
    assert_int_equal(member_cluster_health_code(mc), 500);
    f.kind = MEMBER_FAULT_HEALTHY;
    assert_int_equal(member_cluster_fault(mc, &f), 0);
    assert_int_equal(member_cluster_health_code(mc), 200);
    member_cluster_free(mc);
}

static void
fault_flap__alternates_each_period_until_up(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    struct member_fault f = { .kind = MEMBER_FAULT_FLAP };
    int64_t due = 0;

    (void)state;
    assert_int_equal(member_cluster_advance(mc, S(100), NULL), 0);

    assert_int_equal(member_cluster_fault(mc, &f), 0);

    assert_int_equal(member_cluster_serving(mc), MEMBER_SERVING_REFUSE);
    assert_int_equal(member_cluster_next_due(mc, &due), 0);
    assert_true(due == S(120));
    assert_int_equal(member_cluster_advance(mc, S(119), NULL), 0);
    assert_int_equal(member_cluster_serving(mc), MEMBER_SERVING_REFUSE);
    assert_int_equal(member_cluster_advance(mc, S(120), NULL), 0);
    assert_int_equal(member_cluster_serving(mc), MEMBER_SERVING_OK);
    assert_int_equal(member_cluster_advance(mc, S(140), NULL), 0);
    assert_int_equal(member_cluster_serving(mc), MEMBER_SERVING_REFUSE);
    f.kind = MEMBER_FAULT_UP;
    assert_int_equal(member_cluster_fault(mc, &f), 0);
    assert_int_equal(member_cluster_serving(mc), MEMBER_SERVING_OK);
    member_cluster_free(mc);
}

static void
fault_crash__ready_drops_at_once_recover_after_delay(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    struct member_fault f = { .kind = MEMBER_FAULT_CRASH,
                              .object = "Deployment/default/nginx" };

    (void)state;
    create_yaml(mc, "deployments", deployment_yaml);
    assert_int_equal(member_cluster_advance(mc, S(5), NULL), 0);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     3);

    assert_int_equal(member_cluster_fault(mc, &f), 0);

    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     0);
    assert_int_equal(member_cluster_advance(mc, S(60), NULL), 0);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     0);
    f.kind = MEMBER_FAULT_RECOVER;
    assert_int_equal(member_cluster_fault(mc, &f), 0);
    assert_int_equal(member_cluster_advance(mc, S(61), NULL), 0);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     0);
    assert_int_equal(member_cluster_advance(mc, S(62), NULL), 0);
    assert_int_equal(status_int(mc, "deployments", "nginx", "readyReplicas"),
                     3);
    f.object = "Deployment/default/missing";
    assert_int_equal(member_cluster_fault(mc, &f), -ENOENT);
    f.object = "nonsense";
    assert_int_equal(member_cluster_fault(mc, &f), -EINVAL);
    member_cluster_free(mc);
}

static void
update__stale_resource_version_is_a_conflict(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    struct member_error err;
    json_t *obj = NULL;
    json_t *out = NULL;

    (void)state;
    create_yaml(mc, "configmaps",
                "kind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1'}\n");
    assert_int_equal(member_cluster_get(mc, "configmaps", "default", "c",
                                        &obj),
                     0);
    json_object_set_new(json_object_get(obj, "data"), "a", json_string("2"));

    assert_int_equal(member_cluster_update(mc, "configmaps", "default", "c",
                                           obj, MEMBER_UPDATE_MAIN, "t",
                                           &out, &err),
                     0);
    assert_int_equal(member_cluster_update(mc, "configmaps", "default", "c",
                                           obj, MEMBER_UPDATE_MAIN, "t", NULL,
                                           &err),
                     -ESTALE);
    assert_int_equal(member_cluster_create(mc, "configmaps", "default", obj,
                                           "t", NULL, &err),
                     -EEXIST);
    json_decref(obj);
    json_decref(out);
    member_cluster_free(mc);
}

static void
create__invalid_and_missing_namespace(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    struct member_error err;
    json_t *obj = parse("kind: Deployment\nmetadata: {name: x}\nspec: {}\n");
    json_t *cm = parse("kind: ConfigMap\nmetadata: {name: c, namespace: "
                       "nope}\n");

    (void)state;
    memset(&err, 0, sizeof(err));

    assert_int_equal(member_cluster_create(mc, "deployments", NULL, obj, "t",
                                           NULL, &err),
                     -EINVAL);
    assert_string_equal(err.field, "spec.selector");
    assert_string_equal(err.cause, "FieldValueRequired");
    assert_int_equal(member_cluster_create(mc, "configmaps", NULL, cm, "t",
                                           NULL, &err),
                     -ENOENT);
    assert_string_equal(err.missing_resource, "namespaces");
    assert_string_equal(err.missing_name, "nope");
    json_decref(obj);
    json_decref(cm);
    member_cluster_free(mc);
}

static void
apply__conflicts_with_other_manager_unless_forced(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    json_t *cm = parse("kind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1'}\n");
    json_t *mine = parse("kind: ConfigMap\nmetadata: {name: c}\n"
                         "data: {a: '2', b: '3'}\n");
    struct member_error err;
    json_t *out = NULL;
    bool created = true;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(member_cluster_create(mc, "configmaps", NULL, cm,
                                           "kubectl-create", NULL, &err),
                     0);

    assert_int_equal(member_cluster_apply(mc, "configmaps", "default", "c",
                                          mine, "flotilla", false,
                                          MEMBER_UPDATE_MAIN, NULL, &created,
                                          &err),
                     -EBUSY);
    assert_non_null(strstr(err.detail, "kubectl-create"));
    assert_int_equal(member_cluster_apply(mc, "configmaps", "default", "c",
                                          mine, "flotilla", true,
                                          MEMBER_UPDATE_MAIN, &out, &created,
                                          &err),
                     0);
    assert_false(created);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(out, "data"), "b")),
                        "3");
    json_decref(out);
    json_decref(cm);
    json_decref(mine);
    member_cluster_free(mc);
}

static void
apply__creates_when_absent_then_updates(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    json_t *cm = parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
                       "data: {a: '1', b: '2'}\n");
    json_t *less = parse("apiVersion: v1\nkind: ConfigMap\n"
                         "metadata: {name: c}\ndata: {a: '1'}\n");
    struct member_error err;
    json_t *out = NULL;
    bool created = false;

    (void)state;
    memset(&err, 0, sizeof(err));

    assert_int_equal(member_cluster_apply(mc, "configmaps", "default", "c", cm,
                                          "kubectl", false,
                                          MEMBER_UPDATE_MAIN, &out, &created,
                                          &err),
                     0);
    assert_true(created);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(
                                               json_object_get(out,
                                                               "metadata"),
                                               "managedFields"),
                                           0),
                            "operation")),
                        "Apply");
    json_decref(out);
    /* a field the manager stops applying is removed */
    assert_int_equal(member_cluster_apply(mc, "configmaps", "default", "c",
                                          less, "kubectl", false,
                                          MEMBER_UPDATE_MAIN, &out, &created,
                                          &err),
                     0);
    assert_false(created);
    assert_null(json_object_get(json_object_get(out, "data"), "b"));
    json_decref(out);
    json_decref(cm);
    json_decref(less);
    member_cluster_free(mc);
}

static void
apply_status__changes_only_status(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    json_t *svc = parse("apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
                        "spec: {ports: [{port: 80}]}\n");
    json_t *st = parse("apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
                       "spec: {type: NodePort}\n"
                       "status: {loadBalancer: {ingress: [{ip: 1.2.3.4}]}}\n");
    struct member_error err;
    json_t *out = NULL;
    bool created = true;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(member_cluster_create(mc, "services", NULL, svc, "t",
                                           NULL, &err),
                     0);

    assert_int_equal(member_cluster_apply(mc, "services", "default", "web", st,
                                          "lb", false, MEMBER_UPDATE_STATUS,
                                          &out, &created, &err),
                     0);

    assert_false(created);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_object_get(json_object_get(
                                               out, "status"),
                                                           "loadBalancer"),
                                           "ingress"),
                           0),
            "ip")),
        "1.2.3.4");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(out, "spec"), "type")),
                        "ClusterIP");
    json_decref(out);
    json_decref(svc);
    json_decref(st);
    member_cluster_free(mc);
}

static void
events_since__lists_changes_in_order(void **state)
{
    struct member_cluster *mc = new_cluster(NULL);
    uint64_t rv = member_cluster_resource_version(mc);
    json_t *events = NULL;

    (void)state;
    create_yaml(mc, "configmaps", "kind: ConfigMap\nmetadata: {name: c}\n");
    assert_int_equal(member_cluster_delete(mc, "configmaps", "default", "c",
                                           NULL),
                     0);

    assert_int_equal(member_cluster_events_since(mc, rv, "configmaps", NULL,
                                                 &events),
                     0);
    assert_int_equal(json_array_size(events), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(events, 0), "type")),
                        "ADDED");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(events, 1), "type")),
                        "DELETED");
    json_decref(events);
    member_cluster_free(mc);
}

static void
patch__merge_strategic_and_json(void **state)
{
    json_t *doc = parse("spec: {containers: [{name: a, image: x}, "
                        "{name: b, image: y}], keep: 1, drop: 2}\n");
    json_t *smp = parse("spec: {containers: [{name: b, image: z}], "
                        "drop: null}\n");
    json_t *ops = json_loads("[{\"op\":\"replace\",\"path\":"
                             "\"/spec/keep\",\"value\":5},"
                             "{\"op\":\"test\",\"path\":\"/spec/keep\","
                             "\"value\":5}]",
                             0, NULL);
    json_t *bad = json_loads("[{\"op\":\"remove\",\"path\":\"/nope\"}]", 0,
                             NULL);
    json_t *c;
    char err[128];

    (void)state;

    assert_int_equal(member_patch_strategic(doc, smp), 0);
    c = json_object_get(json_object_get(doc, "spec"), "containers");
    assert_int_equal(json_array_size(c), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(c, 1), "image")),
                        "z");
    assert_null(json_object_get(json_object_get(doc, "spec"), "drop"));
    assert_int_equal(member_patch_json(&doc, ops, err, sizeof(err)), 0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(doc, "spec"), "keep")),
                     5);
    assert_int_equal(member_patch_json(&doc, bad, err, sizeof(err)), -ENOENT);
    assert_int_equal(member_patch_merge(doc, smp), 0);
    assert_int_equal(json_array_size(json_object_get(
                         json_object_get(doc, "spec"), "containers")),
                     1);
    json_decref(doc);
    json_decref(smp);
    json_decref(ops);
    json_decref(bad);
}

static void
yaml_parse__reports_line_of_error(void **state)
{
    const char *bad = "a: 1\nb: [1, 2\n";
    json_t *docs = NULL;
    char err[128] = "";

    (void)state;

    assert_int_equal(member_yaml_parse(bad, strlen(bad), &docs, err,
                                       sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "line"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new__starts_with_nodes_and_namespaces),
        cmocka_unit_test(advance__pods_ready_after_ready_delay),
        cmocka_unit_test(advance__capacity_runs_out_and_pods_stay_pending),
        cmocka_unit_test(advance__workload_reconciled_again_when_its_pods_change),
        cmocka_unit_test(statefulset__ordinals_from_start_one_at_a_time),
        cmocka_unit_test(claim__pending_for_ever_without_storage_class),
        cmocka_unit_test(deployment_rollout__new_pods_replace_old_once_ready),
        cmocka_unit_test(statefulset_rollout__revisions_and_scale_down),
        cmocka_unit_test(fault_down__refuses_keeps_objects_changes_nothing),
        cmocka_unit_test(fault_blackhole_and_slow__probe_times_out),
        cmocka_unit_test(fault_slow__changes_nothing_until_up),
        cmocka_unit_test(fault_unhealthy__answers_code_until_healthy),
        cmocka_unit_test(fault_flap__alternates_each_period_until_up),
        cmocka_unit_test(fault_crash__ready_drops_at_once_recover_after_delay),
        cmocka_unit_test(update__stale_resource_version_is_a_conflict),
        cmocka_unit_test(create__invalid_and_missing_namespace),
        cmocka_unit_test(apply__conflicts_with_other_manager_unless_forced),
        cmocka_unit_test(apply__creates_when_absent_then_updates),
        cmocka_unit_test(apply_status__changes_only_status),
        cmocka_unit_test(events_since__lists_changes_in_order),
        cmocka_unit_test(patch__merge_strategic_and_json),
        cmocka_unit_test(yaml_parse__reports_line_of_error),
    };

    return cmocka_run_group_tests_name("member.cluster", tests, NULL, NULL);
}
