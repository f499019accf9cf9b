/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small real core for runtime tests: Pull-cluster heartbeats in, cluster
 * status out. Each heartbeat on cluster.heartbeat.<c> makes the cluster
 * Ready as the heartbeat says and arms a grace timer; when the timer fires
 * with no newer heartbeat the cluster becomes Unknown. The state (last
 * heartbeat per cluster, how many status changes were published) is
 * rebuilt from its own cluster.status.<c> outputs.
 */
#ifndef TESTS_HBCORE_H
#define TESTS_HBCORE_H

#include <stdint.h>

#include "actor/actor.h"

#define HBCORE_GRACE_NS (40LL * 1000000000LL)

extern const struct actor_core hbcore;

struct hbcore_state;

/* Published status changes seen or made for @cluster (0 when unknown). */
int hbcore_changes(struct hbcore_state *s, const char *cluster);
/* The Ready value the state holds for @cluster, or NULL. */
const char *hbcore_ready(struct hbcore_state *s, const char *cluster);

#endif /* TESTS_HBCORE_H */
