/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The controllers of a simulated member: defaulting on write, the
 * Deployment and StatefulSet controllers (pods, claims, status as the
 * upstream controllers report it), the scheduler (first the node with the
 * most free CPU; Pending with reason Unschedulable when no node fits), the
 * kubelet (Ready readyDelay after scheduling, unless crashed or a claim is
 * not Bound) and the volume binder (Bound bindDelay after creation when
 * the claim has a StorageClass).
 */
#include "internal.h"
#include "util/quantity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PASSES 16

static const char *
str_at(const json_t *obj, const char *a, const char *b)
{
    const json_t *v = json_object_get(obj, a);

    if (b != NULL) {
        v = json_object_get(v, b);
    }
    return json_string_value(v);
}

void
controllers_quantity(int64_t v, bool milli, char *buf, unsigned long len)
{
    if (milli) {
        if (v % 1000 == 0) {
            snprintf(buf, len, "%lld", (long long)(v / 1000));
        } else {
            snprintf(buf, len, "%lldm", (long long)v);
        }
    } else if (v % 1024 == 0) {
        snprintf(buf, len, "%lldKi", (long long)(v / 1024));
    } else {
        snprintf(buf, len, "%lld", (long long)v);
    }
}

int64_t
controllers_hash_text(const char *s)
{
    uint32_t h = 2166136261u;

    while (*s != '\0') {
        h ^= (unsigned char)*s++;
        h *= 16777619u;
    }
    return (int64_t)h;
}

/* The pod-template-hash / controller-revision-hash of @tmpl. */
static void
template_hash(const json_t *tmpl, char *buf, size_t len)
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    char *text = json_dumps(tmpl, JSON_COMPACT | JSON_SORT_KEYS);
    uint32_t h = (uint32_t)controllers_hash_text(text != NULL ? text : "");
    size_t i;

    free(text);
    for (i = 0; i < 10 && i + 1 < len; i++) {
        buf[i] = alphabet[h % (sizeof(alphabet) - 1)];
        h = h / (sizeof(alphabet) - 1) + (uint32_t)i * 7919u;
    }
    buf[i] = '\0';
}

/* Defaulting. */

static void
set_default(json_t *obj, const char *key, json_t *value)
{
    if (json_object_get(obj, key) == NULL) {
        json_object_set_new(obj, key, value);
    } else {
        json_decref(value);
    }
}

static json_t *
ensure_obj(json_t *parent, const char *key)
{
    json_t *v = json_object_get(parent, key);

    if (!json_is_object(v)) {
        v = json_object();
        json_object_set_new(parent, key, v);
    }
    return v;
}

static void
default_pod_spec(json_t *spec)
{
    json_t *c;
    size_t i;

    if (!json_is_object(spec)) {
        return;
    }
    set_default(spec, "restartPolicy", json_string("Always"));
    set_default(spec, "terminationGracePeriodSeconds", json_integer(30));
    set_default(spec, "dnsPolicy", json_string("ClusterFirst"));
    set_default(spec, "schedulerName", json_string("default-scheduler"));
    set_default(spec, "securityContext", json_object());
    json_array_foreach(json_object_get(spec, "containers"), i, c) {
        const char *image = str_at(c, "image", NULL);
        bool latest = image != NULL && (strchr(image, ':') == NULL ||
                                        strstr(image, ":latest") != NULL);

        if (!json_is_object(c)) {
            continue;
        }
        set_default(c, "imagePullPolicy",
                    json_string(latest ? "Always" : "IfNotPresent"));
        set_default(c, "terminationMessagePath",
                    json_string("/dev/termination-log"));
        set_default(c, "terminationMessagePolicy", json_string("File"));
        set_default(c, "resources", json_object());
    }
}

static void
default_service(struct member_cluster *mc, json_t *obj)
{
    json_t *spec = ensure_obj(obj, "spec");
    json_t *port;
    size_t i;

    set_default(spec, "type", json_string("ClusterIP"));
    if (json_object_get(spec, "clusterIP") == NULL) {
        char ip[32];
        unsigned n = (unsigned)(json_object_size(cluster_bucket(mc,
                                                                "services")) +
                                mc->seq % 200 + 10);

        snprintf(ip, sizeof(ip), "10.96.%u.%u", n / 250, n % 250 + 1);
        json_object_set_new(spec, "clusterIP", json_string(ip));
        json_object_set_new(spec, "clusterIPs", json_pack("[s]", ip));
    }
    set_default(spec, "sessionAffinity", json_string("None"));
    set_default(spec, "ipFamilies", json_pack("[s]", "IPv4"));
    set_default(spec, "ipFamilyPolicy", json_string("SingleStack"));
    set_default(spec, "internalTrafficPolicy", json_string("Cluster"));
    json_array_foreach(json_object_get(spec, "ports"), i, port) {
        set_default(port, "protocol", json_string("TCP"));
        if (json_object_get(port, "port") != NULL) {
            set_default(port, "targetPort",
                        json_deep_copy(json_object_get(port, "port")));
        }
    }
    set_default(obj, "status", json_pack("{s:{}}", "loadBalancer"));
}

static void
default_workload(json_t *obj, bool sts)
{
    json_t *spec = ensure_obj(obj, "spec");
    json_t *tmpl = ensure_obj(spec, "template");
    json_t *vct;
    size_t i;

    set_default(spec, "replicas", json_integer(1));
    set_default(spec, "revisionHistoryLimit", json_integer(10));
    if (sts) {
        set_default(spec, "podManagementPolicy", json_string("OrderedReady"));
        set_default(spec, "updateStrategy",
                    json_pack("{s:s, s:{s:i}}", "type", "RollingUpdate",
                              "rollingUpdate", "partition", 0));
        set_default(spec, "persistentVolumeClaimRetentionPolicy",
                    json_pack("{s:s, s:s}", "whenDeleted", "Retain",
                              "whenScaled", "Retain"));
        json_array_foreach(json_object_get(spec, "volumeClaimTemplates"), i,
                           vct) {
            set_default(vct, "apiVersion", json_string("v1"));
            set_default(vct, "kind", json_string("PersistentVolumeClaim"));
            set_default(ensure_obj(vct, "spec"), "volumeMode",
                        json_string("Filesystem"));
            set_default(vct, "status", json_pack("{s:s}", "phase", "Pending"));
        }
    } else {
        set_default(spec, "strategy",
                    json_pack("{s:s, s:{s:s, s:s}}", "type", "RollingUpdate",
                              "rollingUpdate", "maxUnavailable", "25%",
                              "maxSurge", "25%"));
        set_default(spec, "progressDeadlineSeconds", json_integer(600));
    }
    ensure_obj(tmpl, "metadata");
    default_pod_spec(json_object_get(tmpl, "spec"));
}

void
controllers_apply_defaults(struct member_cluster *mc,
                           const struct member_kind *k, json_t *obj)
{
    const char *r = k->resource;

    if (strcmp(r, "deployments") == 0 || strcmp(r, "statefulsets") == 0) {
        default_workload(obj, r[0] == 's');
    } else if (strcmp(r, "pods") == 0) {
        default_pod_spec(json_object_get(obj, "spec"));
        set_default(obj, "status",
                    json_pack("{s:s, s:s}", "phase", "Pending", "qosClass",
                              "BestEffort"));
    } else if (strcmp(r, "services") == 0) {
        default_service(mc, obj);
    } else if (strcmp(r, "namespaces") == 0) {
        json_t *labels = ensure_obj(ensure_obj(obj, "metadata"), "labels");

        json_object_set_new(labels, "kubernetes.io/metadata.name",
                            json_string(str_at(obj, "metadata", "name")));
        set_default(obj, "spec", json_pack("{s:[s]}", "finalizers",
                                           "kubernetes"));
        set_default(obj, "status", json_pack("{s:s}", "phase", "Active"));
    } else if (strcmp(r, "secrets") == 0) {
        set_default(obj, "type", json_string("Opaque"));
    } else if (strcmp(r, "persistentvolumeclaims") == 0) {
        json_t *spec = ensure_obj(obj, "spec");

        set_default(spec, "volumeMode", json_string("Filesystem"));
        if (json_object_get(spec, "storageClassName") == NULL &&
            mc->storage_class[0] != '\0') {
            json_object_set_new(spec, "storageClassName",
                                json_string(mc->storage_class));
        }
        set_default(obj, "status", json_pack("{s:s}", "phase", "Pending"));
    }
}

/* Pods and nodes. */

static void
pod_requests(const json_t *pod, int64_t *cpu, int64_t *mem)
{
    const json_t *c;
    size_t i;

    *cpu = 0;
    *mem = 0;
    json_array_foreach(json_object_get(json_object_get(pod, "spec"),
                                       "containers"),
                       i, c) {
        const json_t *res = json_object_get(c, "resources");
        const json_t *req = json_object_get(res, "requests");
        const json_t *lim = json_object_get(res, "limits");
        const char *cs = str_at(req, "cpu", NULL);
        const char *ms = str_at(req, "memory", NULL);
        struct util_quantity q;
        int64_t v = 0;

        cs = cs != NULL ? cs : str_at(lim, "cpu", NULL);
        ms = ms != NULL ? ms : str_at(lim, "memory", NULL);
        if (cs != NULL && util_quantity_parse_milli(cs, &v) == 0) {
            *cpu += v;
        }
        if (ms != NULL && util_quantity_parse(ms, &q) == 0) {
            *mem += util_quantity_value(&q);
        }
    }
}

static struct node_state *
node_by_name(struct member_cluster *mc, const char *name)
{
    int i;

    for (i = 0; name != NULL && i < mc->node_count; i++) {
        if (strcmp(mc->nodes[i].name, name) == 0) {
            return &mc->nodes[i];
        }
    }
    return NULL;
}

static void
pod_key(const json_t *pod, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", str_at(pod, "metadata", "namespace"),
             str_at(pod, "metadata", "name"));
}

/* Counts a change to the pods of @owner (see member_cluster.owner_ver). */
static void
owner_touch(struct member_cluster *mc, const char *owner)
{
    if (owner == NULL || owner[0] == '\0') {
        return;
    }
    json_object_set_new(mc->owner_ver, owner,
                        json_integer(json_integer_value(json_object_get(
                                         mc->owner_ver, owner)) +
                                     1));
}

void
controllers_pod_touched(struct member_cluster *mc, const char *key)
{
    owner_touch(mc, json_string_value(json_object_get(
                        json_object_get(mc->pods, key), "owner")));
}

int
controllers_on_pod_created(struct member_cluster *mc, json_t *pod)
{
    const char *owner = json_string_value(json_object_get(
        json_object_get(json_object_get(pod, "metadata"), "annotations"),
        "sim.flotilla.io/owner"));
    char key[600];
    int64_t cpu;
    int64_t mem;

    pod_requests(pod, &cpu, &mem);
    pod_key(pod, key, sizeof(key));
    if (owner != NULL && owner[0] != '\0') {
        json_t *set = json_object_get(mc->pods_by_owner, owner);

        if (set == NULL) {
            set = json_object();
            json_object_set_new(mc->pods_by_owner, owner, set);
        }
        json_object_set_new(set, key, json_true());
    }
    json_object_set_new(mc->pods, key,
                        json_pack("{s:n, s:I, s:I, s:I, s:s}", "node", "cpu",
                                  (json_int_t)cpu, "mem", (json_int_t)mem,
                                  "ready_at", (json_int_t)-1, "owner",
                                  owner != NULL ? owner : ""));
    owner_touch(mc, owner);
    return 0;
}

static void
release_pod(struct member_cluster *mc, const char *pod)
{
    json_t *st = json_object_get(mc->pods, pod);
    struct node_state *n;
    char key[600];

    if (st == NULL) {
        return;
    }
    /* @pod may be a key of the owner's set deleted below (collect_pods) */
    snprintf(key, sizeof(key), "%s", pod);
    n = node_by_name(mc, json_string_value(json_object_get(st, "node")));
    if (n != NULL) {
        n->used_cpu_milli -= json_integer_value(json_object_get(st, "cpu"));
        n->used_memory_bytes -= json_integer_value(json_object_get(st, "mem"));
        n->used_pods--;
    }
    {
        const char *owner = json_string_value(json_object_get(st, "owner"));
        json_t *set = owner != NULL ? json_object_get(mc->pods_by_owner, owner)
                                    : NULL;

        owner_touch(mc, owner);

        if (set != NULL) {
            json_object_del(set, key);
            if (json_object_size(set) == 0) {
                json_object_del(mc->pods_by_owner, owner);
            }
        }
    }
    json_object_del(mc->pods, key);
}

int
controllers_on_delete(struct member_cluster *mc, const struct member_kind *k,
                      const json_t *obj)
{
    const char *ns = str_at(obj, "metadata", "namespace");
    const char *name = str_at(obj, "metadata", "name");
    char key[600];

    snprintf(key, sizeof(key), "%s/%s", ns != NULL ? ns : "", name);
    if (strcmp(k->resource, "pods") == 0) {
        release_pod(mc, key);
    } else if (strcmp(k->resource, "persistentvolumeclaims") == 0) {
        json_object_del(mc->claims, key);
    } else if (strcmp(k->resource, "deployments") == 0 ||
               strcmp(k->resource, "statefulsets") == 0) {
        char owner[700];
        const char *pk;
        json_t *st;
        void *tmp;

        snprintf(owner, sizeof(owner), "%s/%s", k->kind, key);
        json_object_del(mc->workloads, owner);
        json_object_del(mc->crashed, owner);
        json_object_del(mc->owner_ver, owner);
        json_object_foreach_safe(mc->pods, tmp, pk, st) {
            char pns[256];
            char pname[300];

            if (strcmp(json_string_value(json_object_get(st, "owner")),
                       owner) != 0 ||
                sscanf(pk, "%255[^/]/%299s", pns, pname) != 2) {
                continue;
            }
            cluster_remove(mc, member_kinds_by_resource("pods"), pns, pname,
                           NULL);
            release_pod(mc, pk);
        }
    }
    return 0;
}

/* Stores @status (reference stolen) on @pod when it differs. */
static void
store_pod_status(struct member_cluster *mc, json_t *pod, json_t *status)
{
    if (json_equal(json_object_get(pod, "status"), status)) {
        json_decref(status);
        return;
    }
    json_object_set_new(pod, "status", status);
    cluster_put(mc, member_kinds_by_resource("pods"), pod, false);
}

static json_t *
condition(const char *type, const char *status, const char *reason,
          const char *message, const char *ts)
{
    json_t *c = json_pack("{s:s, s:s, s:n, s:s}", "type", type, "status",
                          status, "lastProbeTime", "lastTransitionTime", ts);

    if (reason != NULL) {
        json_object_set_new(c, "reason", json_string(reason));
    }
    if (message != NULL) {
        json_object_set_new(c, "message", json_string(message));
    }
    return c;
}

static const char *
old_transition(const json_t *pod, const char *type, const char *status,
               const char *now)
{
    const json_t *c;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(pod, "status"),
                                       "conditions"),
                       i, c) {
        if (strcmp(str_at(c, "type", NULL), type) == 0 &&
            strcmp(str_at(c, "status", NULL), status) == 0) {
            return str_at(c, "lastTransitionTime", NULL);
        }
    }
    return now;
}

static bool
claims_bound(struct member_cluster *mc, const json_t *pod)
{
    const char *ns = str_at(pod, "metadata", "namespace");
    const json_t *v;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(pod, "spec"),
                                       "volumes"),
                       i, v) {
        const char *claim = str_at(json_object_get(v, "persistentVolumeClaim"),
                                   "claimName", NULL);
        json_t *pvc;

        if (claim == NULL) {
            continue;
        }
        pvc = cluster_lookup(mc, "persistentvolumeclaims", ns, claim);
        if (pvc == NULL ||
            strcmp(str_at(json_object_get(pvc, "status"), "phase", NULL),
                   "Bound") != 0) {
            return false;
        }
    }
    return true;
}

static struct node_state *
pick_node(struct member_cluster *mc, int64_t cpu, int64_t mem,
          char *why, size_t whylen)
{
    struct node_state *best = NULL;
    int no_cpu = 0, no_mem = 0, no_pods = 0;
    int i;

    for (i = 0; i < mc->node_count; i++) {
        struct node_state *n = &mc->nodes[i];
        bool fit = true;

        if (n->cpu_milli - n->used_cpu_milli < cpu) {
            no_cpu++;
            fit = false;
        }
        if (n->memory_bytes - n->used_memory_bytes < mem) {
            no_mem++;
            fit = false;
        }
        if (n->pods - n->used_pods < 1) {
            no_pods++;
            fit = false;
        }
        if (fit && (best == NULL || n->cpu_milli - n->used_cpu_milli >
                                        best->cpu_milli -
                                            best->used_cpu_milli)) {
            best = n;
        }
    }
    if (best == NULL) {
        char part[64];

        snprintf(why, whylen, "0/%d nodes are available:", mc->node_count);
        if (no_cpu > 0) {
            snprintf(part, sizeof(part), " %d Insufficient cpu,", no_cpu);
            strncat(why, part, whylen - strlen(why) - 1);
        }
        if (no_mem > 0) {
            snprintf(part, sizeof(part), " %d Insufficient memory,", no_mem);
            strncat(why, part, whylen - strlen(why) - 1);
        }
        if (no_pods > 0) {
            snprintf(part, sizeof(part), " %d Too many pods,", no_pods);
            strncat(why, part, whylen - strlen(why) - 1);
        }
        why[strlen(why) - 1] = '.';
    }
    return best;
}

static json_t *
pending_status(const json_t *pod, const char *reason, const char *why,
               const char *ts)
{
    return json_pack("{s:s, s:[o], s:s}", "phase", "Pending", "conditions",
                     condition("PodScheduled", "False", reason, why,
                               old_transition(pod, "PodScheduled", "False",
                                              ts)),
                     "qosClass", "BestEffort");
}

/* When container @i started running, kept from the previous status. */
static const char *
started_at(const json_t *pod, size_t i, const char *now)
{
    const json_t *cs = json_array_get(
        json_object_get(json_object_get(pod, "status"), "containerStatuses"),
        i);
    const char *t = str_at(json_object_get(json_object_get(cs, "state"),
                                           "running"),
                           "startedAt", NULL);

    return t != NULL ? t : now;
}

static json_t *
scheduled_status(const json_t *pod, const json_t *st, bool ready,
                 const char *ts)
{
    const char *rs = ready ? "True" : "False";
    json_t *containers = json_array();
    const json_t *c;
    json_t *status;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(pod, "spec"),
                                       "containers"),
                       i, c) {
        json_t *cs = json_pack("{s:O, s:O, s:b, s:b, s:i}", "name",
                               json_object_get(c, "name"), "image",
                               json_object_get(c, "image"), "ready", ready,
                               "started", ready,
                               "restartCount",
                               (int)json_integer_value(
                                   json_object_get(st, "restarts")));

        if (ready) {
            json_object_set_new(cs, "state",
                                json_pack("{s:{s:s}}", "running", "startedAt",
                                          started_at(pod, i, ts)));
        } else if (json_integer_value(json_object_get(st, "restarts")) > 0) {
            json_object_set_new(cs, "state",
                                json_pack("{s:{s:s}}", "waiting", "reason",
                                          "CrashLoopBackOff"));
        } else {
            json_object_set_new(cs, "state",
                                json_pack("{s:{s:s}}", "waiting", "reason",
                                          "ContainerCreating"));
        }
        json_array_append_new(containers, cs);
    }
    status = json_pack(
        "{s:s, s:[o, o, o, o], s:s, s:s, s:o, s:s}", "phase",
        ready ? "Running" : "Pending", "conditions",
        condition("Initialized", "True", NULL, NULL,
                  old_transition(pod, "Initialized", "True", ts)),
        condition("Ready", rs, ready ? NULL : "ContainersNotReady", NULL,
                  old_transition(pod, "Ready", rs, ts)),
        condition("ContainersReady", rs, ready ? NULL : "ContainersNotReady",
                  NULL, old_transition(pod, "ContainersReady", rs, ts)),
        condition("PodScheduled", "True", NULL, NULL,
                  old_transition(pod, "PodScheduled", "True", ts)),
        "hostIP", "10.0.0.10", "qosClass", "BestEffort", "containerStatuses",
        containers, "startTime",
        str_at(json_object_get(pod, "status"), "startTime", NULL) != NULL
            ? str_at(json_object_get(pod, "status"), "startTime", NULL)
            : ts);
    return status;
}

static bool
owner_crashed(struct member_cluster *mc, const json_t *st)
{
    const char *owner = json_string_value(json_object_get(st, "owner"));

    return owner != NULL && json_object_get(mc->crashed, owner) != NULL;
}

/* Schedules and readies one pod; true when something changed. */
static bool
kubelet_pod(struct member_cluster *mc, json_t *pod, json_t *st,
            const char *ts)
{
    const char *node = json_string_value(json_object_get(st, "node"));
    int64_t ready_at = json_integer_value(json_object_get(st, "ready_at"));
    uint64_t before = mc->rv;
    json_int_t restarts;
    const json_t *seen;
    const char *rv;
    bool ready;

    if (node == NULL) {
        char why[160];
        struct node_state *n;

        if (!claims_bound(mc, pod)) {
            store_pod_status(mc, pod,
                             pending_status(pod, "Unschedulable",
                                            "pod has unbound immediate PersistentVolumeClaims.",
                                            ts));
            return mc->rv != before;
        }
        n = pick_node(mc, json_integer_value(json_object_get(st, "cpu")),
                      json_integer_value(json_object_get(st, "mem")), why,
                      sizeof(why));
        if (n == NULL) {
            store_pod_status(mc, pod,
                             pending_status(pod, "Unschedulable", why, ts));
            return mc->rv != before;
        }
        n->used_cpu_milli += json_integer_value(json_object_get(st, "cpu"));
        n->used_memory_bytes += json_integer_value(json_object_get(st, "mem"));
        n->used_pods++;
        json_object_set_new(st, "node", json_string(n->name));
        ready_at = mc->now + mc->cfg.ready_delay_ns;
        json_object_set_new(st, "ready_at", json_integer(ready_at));
        owner_touch(mc, json_string_value(json_object_get(st, "owner")));
        json_object_set_new(json_object_get(pod, "spec"), "nodeName",
                            json_string(n->name));
    }
    ready = ready_at >= 0 && ready_at <= mc->now && !owner_crashed(mc, st);
    /* the status of a placed pod follows from the pod, its readiness and
     * its restarts: when none of them moved since the last pass, it is the
     * status already stored and building it again is the cost to avoid */
    restarts = json_integer_value(json_object_get(st, "restarts"));
    seen = json_object_get(st, "seen");
    rv = str_at(pod, "metadata", "resourceVersion");
    if (seen != NULL && rv != NULL &&
        json_is_true(json_object_get(seen, "ready")) == ready &&
        json_integer_value(json_object_get(seen, "restarts")) == restarts &&
        strcmp(json_string_value(json_object_get(seen, "rv")), rv) == 0) {
        return false;
    }
    store_pod_status(mc, pod, scheduled_status(pod, st, ready, ts));
    rv = str_at(pod, "metadata", "resourceVersion");
    json_object_set_new(st, "seen",
                        json_pack("{s:b, s:I, s:s}", "ready", ready,
                                  "restarts", restarts, "rv",
                                  rv != NULL ? rv : ""));
    return mc->rv != before;
}

static bool
run_kubelet(struct member_cluster *mc)
{
    json_t *bucket = cluster_bucket(mc, "pods");
    const char *key;
    json_t *pod;
    bool changed = false;
    char ts[32];

    cluster_timestamp(mc->now, ts, sizeof(ts));
    json_object_foreach(bucket, key, pod) {
        json_t *st = json_object_get(mc->pods, key);

        if (st == NULL) {
            continue;
        }
        json_incref(pod);
        if (kubelet_pod(mc, pod, st, ts)) {
            changed = true;
        }
        json_decref(pod);
    }
    return changed;
}

static bool
pod_is_ready(struct member_cluster *mc, const char *key)
{
    json_t *st = json_object_get(mc->pods, key);
    int64_t at;

    if (st == NULL || owner_crashed(mc, st) ||
        json_object_get(st, "node") == NULL ||
        json_is_null(json_object_get(st, "node"))) {
        return false;
    }
    at = json_integer_value(json_object_get(st, "ready_at"));
    return at >= 0 && at <= mc->now;
}

/* Claims. */

static bool
run_binder(struct member_cluster *mc)
{
    json_t *bucket = cluster_bucket(mc, "persistentvolumeclaims");
    const struct member_kind *k = member_kinds_by_resource(
        "persistentvolumeclaims");
    const char *key;
    json_t *pvc;
    bool changed = false;

    json_object_foreach(bucket, key, pvc) {
        json_t *at = json_object_get(mc->claims, key);
        const char *sc = str_at(json_object_get(pvc, "spec"),
                                "storageClassName", NULL);
        json_t *spec = json_object_get(pvc, "spec");
        char vol[64];

        if (at == NULL) {
            /* a StorageClass this cluster has: the default one */
            bool known = sc != NULL && sc[0] != '\0' &&
                         strcmp(sc, mc->storage_class) == 0;

            at = json_integer(known ? mc->now + mc->cfg.bind_delay_ns : -1);
            json_object_set_new(mc->claims, key, at);
        }
        if (json_integer_value(at) < 0 || json_integer_value(at) > mc->now ||
            strcmp(str_at(json_object_get(pvc, "status"), "phase", NULL),
                   "Bound") == 0) {
            continue;
        }
        json_incref(pvc);
        snprintf(vol, sizeof(vol), "pvc-%s", str_at(pvc, "metadata", "uid"));
        json_object_set_new(spec, "volumeName", json_string(vol));
        json_object_set_new(
            pvc, "status",
            json_pack("{s:s, s:O, s:{s:O}}", "phase", "Bound", "accessModes",
                      json_object_get(spec, "accessModes") != NULL
                          ? json_object_get(spec, "accessModes")
                          : json_array(),
                      "capacity", "storage",
                      json_object_get(json_object_get(json_object_get(
                                          spec, "resources"),
                                                      "requests"),
                                      "storage")));
        cluster_put(mc, k, pvc, false);
        json_decref(pvc);
        changed = true;
    }
    return changed;
}

/* Workloads. */

struct owned_pod {
    const char *key;
    const char *name;
    bool ready;
    bool current;
    int ordinal;
};

static int
collect_pods(struct member_cluster *mc, const char *owner, const char *hash,
             struct owned_pod **out)
{
    struct owned_pod *list = NULL;
    json_t *mine = json_object_get(mc->pods_by_owner, owner);
    const char *key;
    json_t *yes;
    int n = 0;

    list = calloc(json_object_size(mine) + 1, sizeof(*list));
    if (list == NULL) {
        return -ENOMEM;
    }
    json_object_foreach(mine, key, yes) {
        json_t *st = json_object_get(mc->pods, key);
        const char *slash = strchr(key, '/');
        const char *dash;

        if (st == NULL || slash == NULL) {
            continue;
        }
        list[n].key = key;
        list[n].name = slash + 1;
        list[n].ready = pod_is_ready(mc, key);
        list[n].current = strcmp(json_string_value(json_object_get(st, "rev")),
                                 hash) == 0;
        dash = strrchr(key, '-');
        list[n].ordinal = dash != NULL ? atoi(dash + 1) : 0;
        n++;
    }
    *out = list;
    return n;
}

/* A StatefulSet pod's hostname and one volume per claim template. */
static void
add_claim_volumes(json_t *spec, const json_t *wl, const char *pod)
{
    json_t *vols = json_object_get(spec, "volumes");
    const json_t *vct;
    size_t i;

    json_object_set_new(spec, "hostname", json_string(pod));
    if (!json_is_array(vols)) {
        vols = json_array();
        json_object_set_new(spec, "volumes", vols);
    }
    json_array_foreach(json_object_get(json_object_get(wl, "spec"),
                                       "volumeClaimTemplates"),
                       i, vct) {
        char claim[600];

        snprintf(claim, sizeof(claim), "%s-%s", str_at(vct, "metadata", "name"),
                 pod);
        json_array_append_new(
            vols, json_pack("{s:O, s:{s:s}}", "name",
                            json_object_get(json_object_get(vct, "metadata"),
                                            "name"),
                            "persistentVolumeClaim", "claimName", claim));
    }
}

static int
create_pod(struct member_cluster *mc, const json_t *wl, const char *owner,
           const char *name, const char *hash, bool sts)
{
    const struct member_kind *pk = member_kinds_by_resource("pods");
    const json_t *tmpl = json_object_get(json_object_get(wl, "spec"),
                                         "template");
    const char *ns = str_at(wl, "metadata", "namespace");
    json_t *pod = NULL;
    json_t *meta;
    json_t *labels;
    json_t *ref;
    char rs[300];
    char key[600];

    pod = json_pack("{s:{s:s}, s:o}", "metadata", "name", name, "spec",
                    json_deep_copy(json_object_get(tmpl, "spec")));
    if (pod == NULL) {
        return -ENOMEM;
    }
    meta = json_object_get(pod, "metadata");
    labels = json_deep_copy(json_object_get(json_object_get(tmpl, "metadata"),
                                            "labels"));
    labels = labels != NULL ? labels : json_object();
    json_object_set_new(labels, sts ? "controller-revision-hash"
                                    : "pod-template-hash",
                        json_string(hash));
    if (sts) {
        char rev[300];

        snprintf(rev, sizeof(rev), "%s-%s", str_at(wl, "metadata", "name"),
                 hash);
        json_object_set_new(labels, "controller-revision-hash",
                            json_string(rev));
        json_object_set_new(labels, "statefulset.kubernetes.io/pod-name",
                            json_string(name));
        snprintf(rs, sizeof(rs), "%s", str_at(wl, "metadata", "name"));
    } else {
        snprintf(rs, sizeof(rs), "%s-%s", str_at(wl, "metadata", "name"),
                 hash);
    }
    json_object_set_new(meta, "labels", labels);
    json_object_set_new(meta, "annotations",
                        json_pack("{s:s}", "sim.flotilla.io/owner", owner));
    ref = json_pack("{s:s, s:s, s:s, s:O, s:b, s:b}", "apiVersion", "apps/v1",
                    "kind", sts ? "StatefulSet" : "ReplicaSet", "name", rs,
                    "uid", json_object_get(json_object_get(wl, "metadata"),
                                           "uid"),
                    "controller", 1, "blockOwnerDeletion", 1);
    json_object_set_new(meta, "ownerReferences", json_pack("[o]", ref));
    if (sts) {
        add_claim_volumes(json_object_get(pod, "spec"), wl, name);
    }
    cluster_fill_meta(mc, pk, pod, ns);
    controllers_apply_defaults(mc, pk, pod);
    cluster_put(mc, pk, pod, true);
    controllers_on_pod_created(mc, pod);
    snprintf(key, sizeof(key), "%s/%s", ns, name);
    json_object_set_new(json_object_get(mc->pods, key), "rev",
                        json_string(hash));
    owner_touch(mc, owner);
    json_decref(pod);
    return 0;
}

static void
delete_pod(struct member_cluster *mc, const char *key)
{
    char ns[256];
    char name[300];

    if (sscanf(key, "%255[^/]/%299s", ns, name) != 2) {
        return;
    }
    release_pod(mc, key);
    cluster_remove(mc, member_kinds_by_resource("pods"), ns, name, NULL);
}

static void
create_claims(struct member_cluster *mc, const json_t *wl, const char *pod)
{
    const struct member_kind *k = member_kinds_by_resource(
        "persistentvolumeclaims");
    const char *ns = str_at(wl, "metadata", "namespace");
    const json_t *vct;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(wl, "spec"),
                                       "volumeClaimTemplates"),
                       i, vct) {
        char claim[600];
        json_t *pvc;
        json_t *labels;

        snprintf(claim, sizeof(claim), "%s-%s", str_at(vct, "metadata", "name"),
                 pod);
        if (cluster_lookup(mc, "persistentvolumeclaims", ns, claim) != NULL) {
            continue;
        }
        labels = json_deep_copy(json_object_get(
            json_object_get(json_object_get(wl, "spec"), "selector"),
            "matchLabels"));
        pvc = json_pack("{s:{s:s, s:o}, s:O}", "metadata", "name", claim,
                        "labels", labels != NULL ? labels : json_object(),
                        "spec", json_object_get(vct, "spec"));
        json_object_set_new(pvc, "spec",
                            json_deep_copy(json_object_get(pvc, "spec")));
        cluster_fill_meta(mc, k, pvc, ns);
        controllers_apply_defaults(mc, k, pvc);
        cluster_put(mc, k, pvc, true);
        json_decref(pvc);
    }
}

static int
cmp_unready_first(const void *a, const void *b)
{
    const struct owned_pod *x = a;
    const struct owned_pod *y = b;

    if (x->ready != y->ready) {
        return x->ready ? 1 : -1;
    }
    return strcmp(y->name, x->name);
}

static int64_t
spec_int(const json_t *wl, const char *key, int64_t dflt)
{
    const json_t *v = json_object_get(json_object_get(wl, "spec"), key);

    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static json_t *
workload_state(struct member_cluster *mc, const char *owner, const char *hash)
{
    json_t *ws = json_object_get(mc->workloads, owner);

    if (ws == NULL) {
        ws = json_pack("{s:s, s:i, s:s}", "hash", hash, "revision", 1,
                       "current", hash);
        json_object_set_new(mc->workloads, owner, ws);
    } else if (strcmp(json_string_value(json_object_get(ws, "hash")), hash) !=
               0) {
        json_object_set_new(ws, "hash", json_string(hash));
        json_object_set_new(ws, "revision",
                            json_integer(json_integer_value(json_object_get(
                                             ws, "revision")) +
                                         1));
    }
    return ws;
}

/* The template hash of workload @wl, computed again only when its uid or
 * generation moved: the generation goes up with every change to its spec
 * (cluster.c), and hashing the template is most of a controller pass. */
static void
workload_hash(struct member_cluster *mc, const char *owner, const json_t *wl,
              char *buf, size_t len)
{
    const json_t *ws = json_object_get(mc->workloads, owner);
    const char *uid = str_at(wl, "metadata", "uid");
    const json_t *gen = json_object_get(json_object_get(wl, "metadata"),
                                        "generation");
    char key[128];

    key[0] = '\0';
    if (uid != NULL && json_is_integer(gen)) {
        snprintf(key, sizeof(key), "%s/%lld", uid,
                 (long long)json_integer_value(gen));
    }
    if (ws != NULL && key[0] != '\0' &&
        json_string_value(json_object_get(ws, "hkey")) != NULL &&
        strcmp(json_string_value(json_object_get(ws, "hkey")), key) == 0) {
        snprintf(buf, len, "%s",
                 json_string_value(json_object_get(ws, "hash")));
        return;
    }
    template_hash(json_object_get(json_object_get(wl, "spec"), "template"),
                  buf, len);
    if (key[0] != '\0') {
        json_t *w = workload_state(mc, owner, buf);

        json_object_set_new(w, "hkey", json_string(key));
    }
}

static void
set_condition(json_t *conds, const char *type, const char *status,
              const char *reason, const char *message, const char *ts)
{
    json_t *c;
    size_t i;

    json_array_foreach(conds, i, c) {
        if (strcmp(str_at(c, "type", NULL), type) != 0) {
            continue;
        }
        if (strcmp(str_at(c, "status", NULL), status) != 0) {
            json_object_set_new(c, "lastTransitionTime", json_string(ts));
        }
        if (strcmp(str_at(c, "status", NULL), status) != 0 ||
            strcmp(str_at(c, "reason", NULL), reason) != 0) {
            json_object_set_new(c, "lastUpdateTime", json_string(ts));
        }
        json_object_set_new(c, "status", json_string(status));
        json_object_set_new(c, "reason", json_string(reason));
        json_object_set_new(c, "message", json_string(message));
        return;
    }
    json_array_append_new(conds,
                          json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type",
                                    type, "status", status, "lastUpdateTime",
                                    ts, "lastTransitionTime", ts, "reason",
                                    reason, "message", message));
}

static void
put_count(json_t *status, const char *key, int v, bool always)
{
    if (v != 0 || always) {
        json_object_set_new(status, key, json_integer(v));
    } else {
        json_object_del(status, key);
    }
}

static void
store_workload_status(struct member_cluster *mc, const struct member_kind *k,
                      json_t *wl, json_t *status)
{
    if (json_equal(json_object_get(wl, "status"), status)) {
        json_decref(status);
        return;
    }
    json_incref(wl);
    json_object_set_new(wl, "status", status);
    cluster_put(mc, k, wl, false);
    json_decref(wl);
}

static void
deployment_status(struct member_cluster *mc, json_t *wl, const char *rs,
                  int desired, int total, int updated, int ready, int old)
{
    json_t *status = json_deep_copy(json_object_get(wl, "status"));
    json_t *conds;
    char ts[32];
    char msg[512];
    int max_unavail = desired / 4;

    status = status != NULL ? status : json_object();
    cluster_timestamp(mc->now, ts, sizeof(ts));
    put_count(status, "observedGeneration",
              (int)json_integer_value(json_object_get(
                  json_object_get(wl, "metadata"), "generation")),
              false);
    put_count(status, "replicas", total, false);
    put_count(status, "updatedReplicas", updated, false);
    put_count(status, "readyReplicas", ready, false);
    put_count(status, "availableReplicas", ready, false);
    put_count(status, "unavailableReplicas",
              total - ready > 0 ? total - ready : 0, false);
    conds = json_object_get(status, "conditions");
    if (!json_is_array(conds)) {
        conds = json_array();
        json_object_set_new(status, "conditions", conds);
    }
    if (ready >= desired - max_unavail) {
        set_condition(conds, "Available", "True", "MinimumReplicasAvailable",
                      "Deployment has minimum availability.", ts);
    } else {
        set_condition(conds, "Available", "False",
                      "MinimumReplicasUnavailable",
                      "Deployment does not have minimum availability.", ts);
    }
    if (updated == desired && ready == desired && old == 0) {
        snprintf(msg, sizeof(msg),
                 "ReplicaSet \"%s\" has successfully progressed.", rs);
        set_condition(conds, "Progressing", "True", "NewReplicaSetAvailable",
                      msg, ts);
    } else {
        snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" is progressing.", rs);
        set_condition(conds, "Progressing", "True", "ReplicaSetUpdated", msg,
                      ts);
    }
    store_workload_status(mc, member_kinds_by_resource("deployments"), wl,
                          status);
}

/* The deployment.kubernetes.io/revision annotation, as the controller sets. */
static void
set_revision(struct member_cluster *mc, json_t *wl, const json_t *ws)
{
    json_t *ann = ensure_obj(ensure_obj(wl, "metadata"), "annotations");
    const char *cur;
    char rev[32];

    snprintf(rev, sizeof(rev), "%lld",
             (long long)json_integer_value(json_object_get(ws, "revision")));
    cur = json_string_value(json_object_get(
        ann, "deployment.kubernetes.io/revision"));
    if (cur != NULL && strcmp(cur, rev) == 0) {
        return;
    }
    json_object_set_new(ann, "deployment.kubernetes.io/revision",
                        json_string(rev));
    cluster_put(mc, member_kinds_by_resource("deployments"), wl, false);
}

static int
reconcile_deployment(struct member_cluster *mc, json_t *wl)
{
    const char *ns = str_at(wl, "metadata", "namespace");
    const char *name = str_at(wl, "metadata", "name");
    int desired = (int)spec_int(wl, "replicas", 1);
    struct owned_pod *pods = NULL;
    json_t *ws;
    char owner[600];
    char hash[16];
    char rs[400];
    char pname[420];
    char sfx[8];
    int n;
    int i;
    int n_new = 0;
    int ready_new = 0;
    int old = 0;
    int ready = 0;

    snprintf(owner, sizeof(owner), "Deployment/%s/%s", ns, name);
    workload_hash(mc, owner, wl, hash, sizeof(hash));
    snprintf(rs, sizeof(rs), "%s-%s", name, hash);
    ws = workload_state(mc, owner, hash);
    set_revision(mc, wl, ws);
    n = collect_pods(mc, owner, hash, &pods);
    if (n < 0) {
        return n;
    }
    qsort(pods, (size_t)n, sizeof(*pods), cmp_unready_first);
    for (i = 0; i < n; i++) {
        n_new += pods[i].current;
        ready_new += pods[i].current && pods[i].ready;
    }
    /* surplus new pods go first, unready ones before ready ones */
    for (i = 0; i < n && n_new > desired; i++) {
        if (pods[i].current) {
            delete_pod(mc, pods[i].key);
            pods[i].key = NULL;
            n_new--;
        }
    }
    /* old pods stay while the new ones are not ready yet */
    for (i = 0; i < n; i++) {
        if (pods[i].key == NULL || pods[i].current) {
            continue;
        }
        if (old >= desired - ready_new) {
            delete_pod(mc, pods[i].key);
            pods[i].key = NULL;
            continue;
        }
        old++;
    }
    for (i = 0; i < n; i++) {
        ready += pods[i].key != NULL && pods[i].ready;
    }
    free(pods);
    for (; n_new < desired; n_new++) {
        cluster_suffix(mc, sfx, 5);
        snprintf(pname, sizeof(pname), "%s-%s", rs, sfx);
        create_pod(mc, wl, owner, pname, hash, false);
    }
    {
        /* the status follows from these counts and the object: when neither
         * moved since it was last stored, it is the status already there */
        const char *rv = str_at(wl, "metadata", "resourceVersion");
        char sig[480];

        snprintf(sig, sizeof(sig), "%s/%d/%d/%d/%d/%d/%s", rv ? rv : "",
                 desired, n_new + old, n_new, ready, old, rs);
        if (rv != NULL && json_string_value(json_object_get(ws, "ssig")) &&
            strcmp(json_string_value(json_object_get(ws, "ssig")), sig) ==
                0) {
            return 0;
        }
        deployment_status(mc, wl, rs, desired, n_new + old, n_new, ready,
                          old);
        rv = str_at(wl, "metadata", "resourceVersion");
        snprintf(sig, sizeof(sig), "%s/%d/%d/%d/%d/%d/%s", rv ? rv : "",
                 desired, n_new + old, n_new, ready, old, rs);
        json_object_set_new(ws, "ssig", json_string(sig));
    }
    return 0;
}

static void
statefulset_status(struct member_cluster *mc, json_t *wl, json_t *ws,
                   int total, int ready, int current, int updated)
{
    json_t *status = json_object();
    char cur[300];
    char upd[300];
    const char *name = str_at(wl, "metadata", "name");

    snprintf(cur, sizeof(cur), "%s-%s", name,
             json_string_value(json_object_get(ws, "current")));
    snprintf(upd, sizeof(upd), "%s-%s", name,
             json_string_value(json_object_get(ws, "hash")));
    put_count(status, "observedGeneration",
              (int)json_integer_value(json_object_get(
                  json_object_get(wl, "metadata"), "generation")),
              false);
    put_count(status, "replicas", total, true);
    put_count(status, "readyReplicas", ready, false);
    put_count(status, "currentReplicas", current, false);
    put_count(status, "updatedReplicas", updated, false);
    put_count(status, "availableReplicas", ready, true);
    json_object_set_new(status, "currentRevision", json_string(cur));
    json_object_set_new(status, "updateRevision", json_string(upd));
    json_object_set_new(status, "collisionCount", json_integer(0));
    store_workload_status(mc, member_kinds_by_resource("statefulsets"), wl,
                          status);
}

static int
reconcile_statefulset(struct member_cluster *mc, json_t *wl)
{
    const char *ns = str_at(wl, "metadata", "namespace");
    const char *name = str_at(wl, "metadata", "name");
    int desired = (int)spec_int(wl, "replicas", 1);
    int start = (int)json_integer_value(json_object_get(
        json_object_get(json_object_get(wl, "spec"), "ordinals"), "start"));
    bool parallel = str_at(json_object_get(wl, "spec"), "podManagementPolicy",
                           NULL) != NULL &&
                    strcmp(str_at(json_object_get(wl, "spec"),
                                  "podManagementPolicy", NULL),
                           "Parallel") == 0;
    struct owned_pod *pods = NULL;
    char owner[600];
    char hash[16];
    char pname[400];
    char key[1100];
    json_t *ws;
    int ord;
    int n;
    int i;
    int total = 0, ready = 0, current = 0, updated = 0;
    int newest_old = -1;
    bool all_ready = true;

    snprintf(owner, sizeof(owner), "StatefulSet/%s/%s", ns, name);
    workload_hash(mc, owner, wl, hash, sizeof(hash));
    ws = workload_state(mc, owner, hash);
    n = collect_pods(mc, owner, hash, &pods);
    if (n < 0) {
        return n;
    }
    for (i = 0; i < n; i++) {
        if (pods[i].ordinal < start || pods[i].ordinal >= start + desired) {
            delete_pod(mc, pods[i].key);
            pods[i].key = NULL;
            continue;
        }
        all_ready = all_ready && pods[i].ready;
        if (!pods[i].current && pods[i].ordinal > newest_old) {
            newest_old = pods[i].ordinal;
        }
    }
    /* rolling update: replace the highest old ordinal once all are ready */
    if (newest_old >= 0 && all_ready) {
        snprintf(key, sizeof(key), "%s/%s-%d", ns, name, newest_old);
        delete_pod(mc, key);
    }
    free(pods);
    for (ord = start; ord < start + desired; ord++) {
        snprintf(pname, sizeof(pname), "%s-%d", name, ord);
        snprintf(key, sizeof(key), "%s/%s", ns, pname);
        if (json_object_get(mc->pods, key) == NULL) {
            create_claims(mc, wl, pname);
            create_pod(mc, wl, owner, pname, hash, true);
            if (!parallel) {
                break;
            }
            continue;
        }
        if (!parallel && !pod_is_ready(mc, key)) {
            break;
        }
    }
    n = collect_pods(mc, owner, hash, &pods);
    if (n < 0) {
        return n;
    }
    for (i = 0; i < n; i++) {
        total++;
        ready += pods[i].ready;
        updated += pods[i].current;
    }
    free(pods);
    if (updated == desired && ready == desired) {
        json_object_set_new(ws, "current", json_string(hash));
    }
    current = strcmp(json_string_value(json_object_get(ws, "current")),
                     hash) == 0
                  ? updated
                  : total - updated;
    statefulset_status(mc, wl, ws, total, ready, current, updated);
    return 0;
}

/* What a workload's reconcile depends on: its object and its pods. */
static void
reconcile_sig(struct member_cluster *mc, const json_t *wl, const char *owner,
              char *buf, size_t len)
{
    const char *rv = str_at(wl, "metadata", "resourceVersion");

    snprintf(buf, len, "%s/%lld", rv != NULL ? rv : "",
             (long long)json_integer_value(json_object_get(mc->owner_ver,
                                                           owner)));
}

static int
run_workloads(struct member_cluster *mc, const char *resource)
{
    json_t *bucket = cluster_bucket(mc, resource);
    const char *key;
    json_t *wl;
    int rc = 0;

    json_object_foreach(bucket, key, wl) {
        char owner[700];
        char sig[64];
        json_t *ws;

        snprintf(owner, sizeof(owner), "%s/%s",
                 resource[0] == 'd' ? "Deployment" : "StatefulSet", key);
        /* unchanged object, unchanged pods: the last reconcile stands */
        reconcile_sig(mc, wl, owner, sig, sizeof(sig));
        ws = json_object_get(mc->workloads, owner);
        if (json_string_value(json_object_get(ws, "rsig")) != NULL &&
            strcmp(json_string_value(json_object_get(ws, "rsig")), sig) == 0) {
            continue;
        }
        json_incref(wl);
        if (resource[0] == 'd') {
            rc = reconcile_deployment(mc, wl);
        } else {
            rc = reconcile_statefulset(mc, wl);
        }
        if (rc == 0 && (ws = json_object_get(mc->workloads, owner)) != NULL) {
            reconcile_sig(mc, wl, owner, sig, sizeof(sig));
            json_object_set_new(ws, "rsig", json_string(sig));
        }
        json_decref(wl);
        if (rc != 0) {
            break;
        }
    }
    return rc;
}

int
controllers_run(struct member_cluster *mc)
{
    int pass;
    int rc;

    /* down, black-holed or slow: the member changes nothing (scenarios.md) */
    if (!cluster_is_serving(mc) || mc->slow) {
        return 0;
    }

    for (pass = 0; pass < MAX_PASSES; pass++) {
        uint64_t before = mc->rv;

        rc = run_workloads(mc, "deployments");
        if (rc == 0) {
            rc = run_workloads(mc, "statefulsets");
        }
        if (rc != 0) {
            return rc;
        }
        run_binder(mc);
        run_kubelet(mc);
        if (mc->rv == before) {
            break;
        }
    }
    return 0;
}

int
controllers_crash(struct member_cluster *mc, const char *owner, bool crashed)
{
    const char *key;
    json_t *st;

    if (crashed) {
        json_object_set_new(mc->crashed, owner, json_true());
    } else {
        json_object_del(mc->crashed, owner);
    }
    owner_touch(mc, owner);
    json_object_foreach(mc->pods, key, st) {
        if (strcmp(json_string_value(json_object_get(st, "owner")), owner) !=
            0) {
            continue;
        }
        if (crashed) {
            json_object_set_new(st, "restarts",
                                json_integer(json_integer_value(
                                                 json_object_get(st,
                                                                 "restarts")) +
                                             1));
        } else if (json_is_string(json_object_get(st, "node"))) {
            json_object_set_new(st, "ready_at",
                                json_integer(mc->now +
                                             mc->cfg.ready_delay_ns));
        }
    }
    return controllers_run(mc);
}

int64_t
controllers_next_due(const struct member_cluster *mc)
{
    int64_t due = -1;
    const char *key;
    json_t *v;

    json_object_foreach(mc->pods, key, v) {
        int64_t at = json_integer_value(json_object_get(v, "ready_at"));

        if (at > mc->now && (due < 0 || at < due)) {
            due = at;
        }
    }
    json_object_foreach(mc->claims, key, v) {
        int64_t at = json_integer_value(v);

        if (at > mc->now && (due < 0 || at < due)) {
            due = at;
        }
    }
    return due;
}

void
member_cluster_resources(const struct member_cluster *mc,
                         struct member_resources *out)
{
    const char *key;
    json_t *st;
    int i;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < mc->node_count; i++) {
        const struct node_state *n = &mc->nodes[i];

        out->allocatable.cpu_milli += n->cpu_milli;
        out->allocatable.memory_bytes += n->memory_bytes;
        out->allocatable.pods += n->pods;
        out->allocated.cpu_milli += n->used_cpu_milli;
        out->allocated.memory_bytes += n->used_memory_bytes;
        out->allocated.pods += n->used_pods;
    }
    json_object_foreach(mc->pods, key, st) {
        if (json_is_string(json_object_get(st, "node"))) {
            continue;
        }
        out->allocating.cpu_milli += json_integer_value(json_object_get(st,
                                                                        "cpu"));
        out->allocating.memory_bytes +=
            json_integer_value(json_object_get(st, "mem"));
        out->allocating.pods++;
    }
}
