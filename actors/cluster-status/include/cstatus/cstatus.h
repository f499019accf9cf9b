/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cluster-status actor core ("cluster-status"): one health state machine
 * per member cluster, fed by probe results (Push members) and heartbeats
 * (Pull members), publishing the debounced Ready condition and what the
 * member reported on cluster.status.<cluster> (docs/health.md).
 *
 * Invariant: Ready changes only after the probe outcome held continuously
 * for failureThreshold (leaving True) or successThreshold (returning to
 * True), measured from the first report of the run; the run's outcome and
 * start are published, so a restart neither forgets nor shortens it.
 */
#ifndef CSTATUS_CSTATUS_H
#define CSTATUS_CSTATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "actor/actor.h"

/*
 * The core. Its config pointer is a const struct cfg_settings * (timing:
 * probePeriod, failureThreshold, successThreshold, heartbeatPeriod,
 * heartbeatGrace, statusPeriod), read at create(); NULL means the defaults.
 * The settings must outlive the core's state.
 */
extern const struct actor_core cstatus_core;

/* Probe outcomes as ProbeResult.outcome and ClusterStatus.streak_outcome. */
#define CSTATUS_OUTCOME_OK        "ok"
#define CSTATUS_OUTCOME_NOT_READY "not-ready"
#define CSTATUS_OUTCOME_NO_ANSWER "no-answer"

/*
 * The debounced Ready of @cluster in the core's @state ("True", "False",
 * "Unknown"), "" when nothing was decided yet, or NULL when the cluster is
 * not known. The pointer is valid until the next call into the core.
 */
const char *cstatus_ready(void *state, const char *cluster);

/*
 * How many times the core published cluster.status.<@cluster> since it was
 * created (rebuilds count from zero). For tests.
 */
uint64_t cstatus_publish_count(void *state, const char *cluster);

#endif /* CSTATUS_CSTATUS_H */
