/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A simulated member cluster: nodes with allocatable resources, the objects
 * it stores (jansson values with resourceVersion), the controllers that turn
 * Deployments and StatefulSets into pods and PVCs and report their status
 * as the real controllers do, and the fault kinds of spec/scenarios.md.
 *
 * The model has no clock of its own: member_cluster_advance() moves it to
 * the time it is given, so a drill drives it in virtual time and the HTTP
 * simulator in real time. API calls act at the time of the last advance.
 * Every change, by a client or by a controller, gets the next
 * resourceVersion and an event in the cluster's change log, which feeds
 * WATCH and member_cluster_advance()'s change list.
 *
 * Not thread-safe: one caller at a time (the simulator holds a mutex).
 */
#ifndef MEMBER_CLUSTER_H
#define MEMBER_CLUSTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct member_cluster;

struct member_config {
    /* the member's name, a DNS label; copied */
    const char *name;
    int nodes;
    /* allocatable of the whole cluster, split evenly over the nodes */
    int64_t cpu_milli;
    int64_t memory_bytes;
    int64_t pods;
    /* already in use at start, split evenly over the nodes */
    int64_t used_cpu_milli;
    int64_t used_memory_bytes;
    int64_t used_pods;
    /* a pod becomes ready this long after it is scheduled */
    int64_t ready_delay_ns;
    /* a PVC with a known StorageClass is Bound this long after creation */
    int64_t bind_delay_ns;
    /*
     * Name of the default StorageClass, given to claims that name none;
     * NULL or "" for a cluster without one (such claims stay Pending).
     */
    const char *default_storage_class;
};

/*
 * Sets the scenario defaults: 3 nodes, 32 CPUs, 128Gi, 330 pods, nothing
 * in use, readyDelay 2s, bindDelay 1s, default StorageClass "standard".
 */
void member_config_init(struct member_config *cfg);

/*
 * Creates the cluster at time @now_ns with its nodes and the namespaces
 * default, kube-system, kube-public and kube-node-lease. Returns 0,
 * -EINVAL for a name that is not a DNS label or a count below 1, -ENOMEM.
 */
int member_cluster_new(const struct member_config *cfg, int64_t now_ns,
                       struct member_cluster **out);

/* Frees the cluster; NULL is accepted. */
void member_cluster_free(struct member_cluster *mc);

/* The member's name (owned by the cluster). */
const char *member_cluster_name(const struct member_cluster *mc);

/*
 * Moves the model to @now_ns (never backwards: an earlier time is treated
 * as the current one) and runs the controllers: pods created, scheduled,
 * made ready; PVCs bound; workload status updated. While the member does
 * not serve (down, black-holed, the down half of a flap) or is slow,
 * nothing changes (spec/scenarios.md); API calls still work while slow
 * (the caller applies the delay) and their writes are stored, but
 * controllers wait until the member serves normally again.
 * When @changes is not NULL it receives a new array of the events this
 * call produced (see member_cluster_events_since()). Returns 0 or -ENOMEM.
 */
int member_cluster_advance(struct member_cluster *mc, int64_t now_ns,
                           json_t **changes);

/*
 * Writes into *@due_ns the earliest time after the current one at which
 * the model changes on its own (a pod ready, a claim bound, a flap
 * turning). Returns 0, or -ENOENT when nothing is due.
 */
int member_cluster_next_due(const struct member_cluster *mc, int64_t *due_ns);

/* The current time of the model, in ns. */
int64_t member_cluster_now(const struct member_cluster *mc);

/* The resourceVersion of the last change. */
uint64_t member_cluster_resource_version(const struct member_cluster *mc);

/* An amount of the resources the scheduler counts. */
struct member_amount {
    int64_t cpu_milli;
    int64_t memory_bytes;
    int64_t pods;
};

/* The cluster's resource summary, as Karmada's Cluster.status reports it. */
struct member_resources {
    /* sum of the nodes' allocatable */
    struct member_amount allocatable;
    /* requests of scheduled pods plus the usage configured at start */
    struct member_amount allocated;
    /* requests of pods not scheduled yet (Pending for want of room) */
    struct member_amount allocating;
};

/* Fills *@out with the resource summary at the current time. */
void member_cluster_resources(const struct member_cluster *mc,
                              struct member_resources *out);

/* Errors of the API calls: what a Status body needs beyond the errno. */
struct member_error {
    /* for -EINVAL: the field path ("spec.selector") and the cause */
    char field[128];
    /* "FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported" */
    char cause[48];
    /* human text: "Required value", "must be a DNS-1123 label" */
    char detail[256];
    /* for -ENOENT: the kind and name that are missing (maybe a namespace) */
    char missing_resource[64];
    char missing_name[256];
};

/*
 * Reads one object: *@out gets a new deep copy. @ns is ignored for
 * cluster-scoped kinds. Returns 0, -ENOENT, -EPROTONOSUPPORT for a resource
 * not served, -EHOSTUNREACH while the member does not serve.
 */
int member_cluster_get(struct member_cluster *mc, const char *resource,
                       const char *ns, const char *name, json_t **out);

/*
 * Lists the objects of @resource in namespace @ns (NULL or "" for all)
 * sorted by namespace and name, keeping those whose labels match
 * @label_selector (NULL: all; equality, inequality, set-based "in",
 * "notin", "key" and "!key" terms) and whose fields match
 * @field_selector (NULL: all; metadata.name and metadata.namespace, = and
 * !=). *@items gets a new array; *@rv the list's resourceVersion. Returns
 * 0, -EINVAL for a selector it cannot parse, or as member_cluster_get().
 */
int member_cluster_list(struct member_cluster *mc, const char *resource,
                        const char *ns, const char *label_selector,
                        const char *field_selector, json_t **items,
                        uint64_t *rv);

/*
 * Sets *@match to whether @obj satisfies @label_selector and
 * @field_selector (NULL or "": anything), with the syntax of
 * member_cluster_list(). Returns 0, or -EINVAL for a selector it cannot
 * parse.
 */
int member_selector_match(const char *label_selector,
                          const char *field_selector, const json_t *obj,
                          bool *match);

/*
 * Creates @obj (borrowed; a copy is stored) in namespace @ns (NULL: the
 * object's own, else "default"), filling uid, creationTimestamp,
 * resourceVersion, generation and the defaults of its kind. @manager is the
 * field manager ("kubectl-create"; NULL for none). *@out (may be NULL) gets
 * the stored object. Returns 0, -EEXIST, -ENOENT when the namespace does
 * not exist, -EINVAL with @err filled for an invalid object, or as
 * member_cluster_get().
 */
int member_cluster_create(struct member_cluster *mc, const char *resource,
                          const char *ns, const json_t *obj,
                          const char *manager, json_t **out,
                          struct member_error *err);

/* What member_cluster_update() replaces. */
enum member_update_part {
    /* everything but .status (for kinds with a status subresource) */
    MEMBER_UPDATE_MAIN,
    /* only .status */
    MEMBER_UPDATE_STATUS,
};

/*
 * Replaces object @name with @obj (borrowed). A non-empty
 * metadata.resourceVersion in @obj must equal the stored one, else
 * -ESTALE. generation moves when the spec changes. Returns 0, -ENOENT,
 * -ESTALE, -EINVAL (@err filled; also for a name that differs from the
 * path's), or as member_cluster_get().
 */
int member_cluster_update(struct member_cluster *mc, const char *resource,
                          const char *ns, const char *name, const json_t *obj,
                          enum member_update_part part, const char *manager,
                          json_t **out, struct member_error *err);

/*
 * Server-side apply of @applied (borrowed) by @manager: creates the object
 * when absent; otherwise merges it (member_patch_apply()). A field set to
 * a different value and owned by another manager is a conflict: -EBUSY
 * with the field paths in @err->detail, unless @force. Returns 0 and sets
 * *@created, or as member_cluster_create() / member_cluster_update().
 */
int member_cluster_apply(struct member_cluster *mc, const char *resource,
                         const char *ns, const char *name,
                         const json_t *applied, const char *manager,
                         bool force, enum member_update_part part,
                         json_t **out, bool *created,
                         struct member_error *err);

/*
 * Deletes object @name. Deleting a namespace deletes everything in it;
 * deleting a Deployment or StatefulSet deletes its pods (PVCs stay, as
 * they do in Kubernetes). *@out (may be NULL) gets the object as it was.
 * Returns 0, -ENOENT, or as member_cluster_get().
 */
int member_cluster_delete(struct member_cluster *mc, const char *resource,
                          const char *ns, const char *name, json_t **out);

/*
 * Copies into *@events (a new array) the events with resourceVersion
 * greater than @rv, oldest first, each {"type": "ADDED"|"MODIFIED"|
 * "DELETED", "resource": ..., "object": ...}; only those of @resource
 * (NULL: all) in namespace @ns (NULL or "": all). Returns 0, or -ESTALE
 * when @rv is older than the retained log (a real API server answers 410
 * Gone: the client must list again).
 */
int member_cluster_events_since(struct member_cluster *mc, uint64_t rv,
                                const char *resource, const char *ns,
                                json_t **events);

/* Fault kinds of spec/scenarios.md. */
enum member_fault_kind {
    MEMBER_FAULT_DOWN,
    MEMBER_FAULT_BLACKHOLE,
    MEMBER_FAULT_SLOW,
    MEMBER_FAULT_UNHEALTHY,
    MEMBER_FAULT_FLAP,
    MEMBER_FAULT_UP,
    MEMBER_FAULT_HEALTHY,
    MEMBER_FAULT_CRASH,
    MEMBER_FAULT_RECOVER,
};

struct member_fault {
    enum member_fault_kind kind;
    /* unhealthy: the /readyz and /healthz status; 0 means 503 */
    int code;
    /* slow: the answer delay; 0 means 40s */
    int64_t delay_ns;
    /* flap: the length of each half; 0 means 20s */
    int64_t period_ns;
    /* crash/recover: "Kind/namespace/name" */
    const char *object;
};

/* Parses "down", "blackhole"... into *@kind; -EINVAL for anything else. */
int member_fault_kind_parse(const char *s, enum member_fault_kind *kind);

/* The scenario name of @kind ("down"). */
const char *member_fault_kind_name(enum member_fault_kind kind);

/*
 * Applies fault @f at the current time. Returns 0, -EINVAL for a crash or
 * recover without a well-formed object or for a negative code, delay or
 * period, -ENOENT when that object does not exist.
 */
int member_cluster_fault(struct member_cluster *mc,
                         const struct member_fault *f);

/* How the member answers at the current time. */
enum member_serving {
    /* connections accepted and answered */
    MEMBER_SERVING_OK,
    /* connections refused (down, down half of a flap) */
    MEMBER_SERVING_REFUSE,
    /* requests hang (blackhole) */
    MEMBER_SERVING_HANG,
};

/* The serving state at the current time. */
enum member_serving member_cluster_serving(const struct member_cluster *mc);

/* The delay before each answer (slow), 0 when none. */
int64_t member_cluster_answer_delay(const struct member_cluster *mc);

/* The status /readyz and /healthz answer: 200, or the unhealthy code. */
int member_cluster_health_code(const struct member_cluster *mc);

/*
 * A health probe at the current time with timeout @timeout_ns: 0 and
 * *@code set to the HTTP status it would get, or -ECONNREFUSED (down) or
 * -ETIMEDOUT (black-holed, or slower than the timeout).
 */
int member_cluster_probe(const struct member_cluster *mc, int64_t timeout_ns,
                         int *code);

#endif /* MEMBER_CLUSTER_H */
