/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The graceful-eviction actor core (docs/eviction.md): one state machine per
 * (binding, evicted cluster), created from the eviction tasks of the
 * scheduler's decisions. It releases the old copy (EvictionRelease on
 * binding.release.<ns>.<binding>.<cluster>) when the new placement is fully
 * ready, at once for purge mode Directly, at the task's deadline, or fences
 * the old cluster when it stays Unknown for deadAfter; a suppressed task
 * (Never) is only recorded. Readiness counts a member's report only while
 * its cluster is Ready. Releases are read back after a restart, so none is
 * published twice.
 */
#ifndef GEVICTION_GEVICTION_H
#define GEVICTION_GEVICTION_H

#include <stddef.h>
#include <stdint.h>

#include "actor/actor.h"
#include "config/config.h"

struct geviction_config {
    int64_t grace_period_ns;   /* gracePeriod: deadline without the task's */
    int64_t dead_after_ns;     /* deadAfter: Unknown this long → Fenced */
};

/* Fills @c with the defaults of spec/scenarios.md. */
void geviction_config_init(struct geviction_config *c);

/*
 * Builds the core's configuration from the daemon's, for cli_actors[]; the
 * result is static storage (one per process), overwritten by the next call.
 */
const void *geviction_config_build(const struct cfg *c);

/* The core; config is a struct geviction_config (NULL: defaults). */
extern const struct actor_core geviction_core;

struct geviction_state;

/*
 * The state of the machine for (@ns/@binding, @cluster): "none" (no
 * machine), "waiting", or the outcome published ("Released", "Deadline",
 * "Fenced", "Suppressed").
 */
const char *geviction_state_machine(const struct geviction_state *s,
                                    const char *ns, const char *binding,
                                    const char *cluster);

/*
 * The ready and placed replicas of @ns/@binding's placement as the core
 * counts them (a report from a cluster that is not Ready counts 0).
 * Returns 0, or -ENOENT when the binding is unknown.
 */
int geviction_state_readiness(const struct geviction_state *s,
                              const char *ns, const char *binding,
                              int64_t *ready, int64_t *placed);

#endif /* GEVICTION_GEVICTION_H */
