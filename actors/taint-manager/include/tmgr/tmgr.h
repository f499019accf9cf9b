/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The taint-manager actor core (docs/eviction.md): for every binding placed
 * on a cluster with NoExecute taints it decides, per (binding, cluster),
 * to ask the scheduler for an eviction now, at a toleration deadline, or
 * never, and withdraws a request not yet decided when its cause goes away.
 * Requests are paced by one fleet-wide token bucket spent only by requests
 * actually published, and held while the mass-outage brake is engaged.
 * A (binding, cluster, taint episode) is asked for at most once, also
 * across restarts: the core reads its own requests back.
 */
#ifndef TMGR_TMGR_H
#define TMGR_TMGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actor/actor.h"
#include "config/config.h"

/* The core's configuration. */
struct tmgr_config {
    struct cfg_settings settings;   /* evictionRate/Burst, massOutage* */
    enum cfg_failover_mode mode;    /* Disabled: decide nothing */
    /*
     * A request due at t is published no earlier than t + settle_ns, so
     * that clusters failing in the same instant (one probe round) are all
     * counted by the brake before anything is evicted. Default 500ms.
     */
    int64_t settle_ns;
};

/* Fills @c with the defaults of spec/scenarios.md and mode Evict. */
void tmgr_config_init(struct tmgr_config *c);

/*
 * Builds the core's configuration from the daemon's, for cli_actors[]. The
 * result lives in static storage (one configuration per process) and is
 * overwritten by the next call.
 */
const void *tmgr_config_build(const struct cfg *c);

/* The core; config is a struct tmgr_config (NULL: tmgr_config_init()). */
extern const struct actor_core tmgr_core;

struct tmgr_state;

/* What the core holds, for tests, describe and the CLI. */
struct tmgr_stats {
    bool brake_engaged;
    uint32_t clusters;          /* clusters with a status */
    uint32_t not_ready;         /* of those, Ready is not True */
    size_t queued;              /* requests waiting for a token or brake */
    size_t timers;              /* toleration deadlines armed */
    uint64_t requested;         /* requests published since start */
    uint64_t withdrawn;         /* withdrawals published since start */
    double tokens;              /* tokens in the bucket at the last step */
};

/* Fills @out from @s (the state the shell or the simulator holds). */
void tmgr_state_stats(const struct tmgr_state *s, struct tmgr_stats *out);

/*
 * The request state of (@ns/@binding, @cluster): "none", "timer", "queued",
 * "requested" or "observed" (Observe mode: recorded, not published).
 */
const char *tmgr_state_pair(const struct tmgr_state *s, const char *ns,
                            const char *binding, const char *cluster);

#endif /* TMGR_TMGR_H */
