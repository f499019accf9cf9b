/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A member's resource summary, as Karmada's cluster-status controller and
 * the scheduler's estimator expect it:
 *
 * - allocatable: node.status.allocatable summed over nodes that are Ready
 *   (condition Ready=True) and schedulable (not spec.unschedulable);
 * - allocated: the requests of pods bound to a node (spec.nodeName set)
 *   whose phase is not Succeeded or Failed, each pod counting
 *   max(sum of its containers, each init container) plus spec.overhead,
 *   and "pods" = the number of those pods;
 * - allocating: the same for pods not yet bound (no spec.nodeName) and not
 *   being deleted.
 *
 * Quantities are added exactly (util/quantity.h); the result converts to
 * Flotilla__V1__ResourceSummary (milli-units, binary-SI names kept).
 */
#ifndef KUBE_SUMMARY_H
#define KUBE_SUMMARY_H

#include "kube/client.h"
#include "proto/flotilla.pb-c.h"
#include "util/quantity.h"

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct kube_resource {
    char *name; /* "cpu", "memory", "nvidia.com/gpu" */
    struct util_quantity q;
};

struct kube_resource_list {
    struct kube_resource *items;
    size_t n;
    size_t cap;
};

struct kube_summary {
    struct kube_resource_list allocatable;
    struct kube_resource_list allocated;
    struct kube_resource_list allocating;
    uint32_t nodes_total;
    /* Ready and schedulable: the nodes counted in allocatable */
    uint32_t nodes_ready;
    uint32_t pods_total;
};

/* Zeroes @s. */
void kube_summary_init(struct kube_summary *s);

/* Frees what @s holds and zeroes it; NULL is fine. */
void kube_summary_release(struct kube_summary *s);

/*
 * The quantity of @name in @l, or NULL when absent (owned by @l).
 */
const struct util_quantity *
kube_resource_list_get(const struct kube_resource_list *l, const char *name);

/*
 * Computes @s (which the caller initialised) from the arrays of Node and
 * Pod objects @nodes and @pods. A node or pod that is not an object, or a
 * quantity that does not parse, fails the whole computation: a summary
 * that silently skips what it cannot read would mislead the scheduler.
 *
 * Returns 0, or -EBADMSG with "nodes[3].status.allocatable.cpu: \"x\" is
 * not a quantity" (object and field) in @why, -ERANGE on overflow, -ENOMEM.
 */
int kube_summary_compute(struct kube_summary *s, const json_t *nodes,
                         const json_t *pods, char *why, size_t why_len);

/*
 * LISTs the member's nodes and pods (all namespaces, paged) and computes
 * the summary into @s (initialised by the caller). Returns 0, or a
 * kube_list() error, or a kube_summary_compute() error with @err naming
 * the member and the object.
 */
int kube_summary_fetch(struct kube_client *c, struct kube_summary *s,
                       struct kube_error *err);

/*
 * Fills @out (a Flotilla__V1__ResourceSummary the caller initialised with
 * FLOTILLA__V1__RESOURCE_SUMMARY__INIT) from @s; @observed_ns goes to
 * observed_ns. Everything @out gets is malloc'ed: free it with
 * kube_summary_proto_release(). Returns 0 or -ENOMEM (then @out holds
 * nothing to free beyond what kube_summary_proto_release() handles).
 */
int kube_summary_to_proto(const struct kube_summary *s, int64_t observed_ns,
                          Flotilla__V1__ResourceSummary *out);

/* Frees what kube_summary_to_proto() put into @out, leaving it empty. */
void kube_summary_proto_release(Flotilla__V1__ResourceSummary *out);

#endif /* KUBE_SUMMARY_H */
