/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Toleration matching for NoExecute taints, with Kubernetes' rules as
 * Karmada's taint manager applies them (spec/failover.md §2.4): first
 * matching toleration per taint, tolerationSeconds counted from the taint's
 * timeAdded. Pure functions, no state.
 */
#ifndef TMGR_TOLERATION_H
#define TMGR_TOLERATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/flotilla.pb-c.h"

/*
 * True when @tol tolerates @taint: effect empty or equal; key empty or
 * equal; operator Exists (any value), Equal or "" (values equal); any other
 * operator (Lt, Gt, unknown) never tolerates.
 */
bool tmgr_toleration_tolerates(const Flotilla__V1__Toleration *tol,
                               const Flotilla__V1__Taint *taint);

enum tmgr_verdict {
    TMGR_VERDICT_NEVER,  /* no NoExecute taint, or all tolerated forever */
    TMGR_VERDICT_LATER,  /* tolerated until *due_ns */
    TMGR_VERDICT_NOW,    /* untolerated, or a tolerationSeconds has passed */
};

/*
 * Classifies the NoExecute taints among @taints (@ntaints; other effects
 * are ignored) against @tols at @now_ns:
 * - a NoExecute taint no toleration tolerates → NOW;
 * - else the earliest timeAdded + tolerationSeconds over every used
 *   toleration with seconds and every taint it tolerates that has a
 *   timeAdded: ≤ now → NOW, else LATER with *@due_ns set;
 * - no such deadline → NEVER (a taint without timeAdded, as Karmada).
 * *@episode_ns (may be NULL) gets the earliest timeAdded among the NoExecute
 * taints that are not tolerated forever (0 when none has one): the episode
 * an eviction belongs to, so the same episode is never asked for twice.
 */
enum tmgr_verdict tmgr_toleration_check(Flotilla__V1__Taint *const *taints,
                                        size_t ntaints,
                                        Flotilla__V1__Toleration *const *tols,
                                        size_t ntols, int64_t now_ns,
                                        int64_t *due_ns, int64_t *episode_ns);

#endif /* TMGR_TOLERATION_H */
