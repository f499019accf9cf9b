/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The application-failover actor core (docs/eviction.md): per binding with
 * failover.application and per cluster of its placement, a clock of how
 * long the workload has been Unhealthy there (work.status health). The
 * clock pauses while health is Unknown and only Healthy resets it; when it
 * reaches tolerationSeconds the core asks the scheduler to evict the
 * cluster (EvictionRequest, reason ApplicationFailure) with the values of
 * the policy's state preservation rules taken from the reported status.
 * The clock is published in the failover records and read back after a
 * restart, so a restart neither forgets nor restarts it.
 */
#ifndef APPFO_APPFO_H
#define APPFO_APPFO_H

#include <stdint.h>

#include "actor/actor.h"
#include "config/config.h"

struct appfo_config {
    enum cfg_failover_mode mode;   /* Disabled: decide nothing */
};

/* Fills @c with the defaults (mode Evict). */
void appfo_config_init(struct appfo_config *c);

/*
 * Builds the core's configuration from the daemon's, for cli_actors[]; the
 * result is static storage (one per process), overwritten by the next call.
 */
const void *appfo_config_build(const struct cfg *c);

/* The core; config is a struct appfo_config (NULL: defaults). */
extern const struct actor_core appfo_core;

struct appfo_state;

/*
 * The Unhealthy time counted for (@ns/@binding, @cluster) at @now_ns, or -1
 * when the core tracks no clock for it.
 */
int64_t appfo_state_unhealthy_ns(const struct appfo_state *s, const char *ns,
                                 const char *binding, const char *cluster,
                                 int64_t now_ns);

#endif /* APPFO_APPFO_H */
