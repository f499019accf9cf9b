/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private state of a member cluster, shared by cluster.c (store, API,
 * faults) and controllers.c (pods, workloads, claims).
 */
#ifndef MEMBER_INTERNAL_H
#define MEMBER_INTERNAL_H

#include "member/cluster.h"
#include "member/kinds.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define MEMBER_LOG_MAX 4096

struct node_state {
    char name[96];
    int64_t cpu_milli;
    int64_t memory_bytes;
    int64_t pods;
    /* what pods (and the initial usage) take */
    int64_t used_cpu_milli;
    int64_t used_memory_bytes;
    int64_t used_pods;
};

struct member_cluster {
    char *name;
    char *storage_class;
    struct member_config cfg;
    int64_t now;
    uint64_t rv;
    uint64_t seq;
    /* resource -> { "ns/name" or "name" -> object } */
    json_t *store;
    /* "ns/name" -> {node, cpu, mem, ready_at (-1 none), owner, rev} */
    json_t *pods;
    /* owner -> {"ns/name": true}: the pods of each workload, so a
     * controller pass costs the pods of a workload, not of the member */
    json_t *pods_by_owner;
    /* "ns/name" -> bind_at (-1: never) */
    json_t *claims;
    /* "Kind/ns/name" -> {hash, revision, current} of a workload */
    json_t *workloads;
    /* "Kind/ns/name" -> true while crashed */
    json_t *crashed;
    /* "Kind/ns/name" -> a count bumped by every change to its pods: with it
     * and the workload's resourceVersion unchanged since its last
     * reconcile, a controller pass skips the workload */
    json_t *owner_ver;
    /* "resource/key" -> {manager -> {op, time, paths: {path: true}}} */
    json_t *owners;
    /* change log, oldest first; events with rv <= log_floor are gone */
    json_t *log;
    uint64_t log_floor;
    struct node_state *nodes;
    int node_count;
    /* fault state */
    bool down;
    bool blackhole;
    bool slow;
    int64_t slow_delay_ns;
    int unhealthy_code;
    bool flap;
    int64_t flap_start_ns;
    int64_t flap_period_ns;
};

/* cluster.c */
json_t *cluster_bucket(struct member_cluster *mc, const char *resource);
void cluster_key(const struct member_kind *k, const char *ns,
                 const char *name, char *buf, unsigned long len);
json_t *cluster_lookup(struct member_cluster *mc, const char *resource,
                       const char *ns, const char *name);
int cluster_put(struct member_cluster *mc, const struct member_kind *k,
                json_t *obj, bool created);
int cluster_remove(struct member_cluster *mc, const struct member_kind *k,
                   const char *ns, const char *name, json_t **out);
void cluster_timestamp(int64_t ns, char *buf, unsigned long len);
void cluster_uid(struct member_cluster *mc, char *buf, unsigned long len);
void cluster_suffix(struct member_cluster *mc, char *buf, int n);
bool cluster_is_serving(const struct member_cluster *mc);
void cluster_fill_meta(struct member_cluster *mc, const struct member_kind *k,
                       json_t *obj, const char *ns);

/* controllers.c */
int controllers_run(struct member_cluster *mc);
void controllers_apply_defaults(struct member_cluster *mc,
                                const struct member_kind *k, json_t *obj);
int controllers_on_delete(struct member_cluster *mc,
                          const struct member_kind *k, const json_t *obj);
int controllers_on_pod_created(struct member_cluster *mc, json_t *pod);
void controllers_pod_touched(struct member_cluster *mc, const char *key);
int controllers_crash(struct member_cluster *mc, const char *owner,
                      bool crashed);
int64_t controllers_next_due(const struct member_cluster *mc);
void controllers_quantity(int64_t v, bool milli, char *buf, unsigned long len);
int64_t controllers_hash_text(const char *s);

#endif /* MEMBER_INTERNAL_H */
