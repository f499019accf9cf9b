/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cluster actor core ("cluster"): the single owner of each cluster's
 * taint set, published in full on cluster.taint.<cluster> (docs/health.md).
 *
 * A taint is identified by (key, effect) and present while at least one
 * source holds it: the spec (what the user declared on the Cluster), a
 * manual request (req.taint.<cluster>), the Ready condition (the two
 * NoSchedule condition taints) or a ClusterTaintPolicy. Its timeAdded is
 * set when it first appears and kept while any source holds it. Sources are
 * published with each taint, so a restart rebuilds manual taints and policy
 * holds from the actor's own output.
 */
#ifndef CTAINT_CTAINT_H
#define CTAINT_CTAINT_H

#include <stddef.h>

#include "actor/actor.h"

/* The core; it takes no config (NULL). */
extern const struct actor_core ctaint_core;

/* The condition taint keys. */
#define CTAINT_KEY_NOT_READY   "cluster.karmada.io/not-ready"
#define CTAINT_KEY_UNREACHABLE "cluster.karmada.io/unreachable"

/*
 * Writes the published taint set of @cluster in the core's @state into
 * @buf as "key[=value]:Effect" items joined by ",", in the published
 * (canonical) order. Returns the number of taints, -ENOENT when nothing is
 * published for @cluster, or -ENAMETOOLONG when @buf is too small.
 */
int ctaint_format(void *state, const char *cluster, char *buf, size_t len);

#endif /* CTAINT_CTAINT_H */
