/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy actor: Karmada's resource detector on the bus.
 *
 * Input: the user's objects (object.<kind>.<ns>.<name>, ObjectRecord with
 * the object's JSON), as `flotilla apply` publishes them. Outputs (owned):
 * binding.spec.<ns>.<binding> for every resource template a propagation
 * policy claims, and cluster.spec.<cluster> for every Cluster object.
 *
 * Claims follow policy.md §4: an unclaimed template is claimed by the best
 * matching policy (explicit priority, then implicit match, then name); a
 * claim sticks while its policy exists, is moved by preemption, and is
 * released when the policy is deleted or stops selecting the template,
 * after which the template is matched again. A template without a policy
 * keeps its binding where it was (nothing is deleted because a policy went
 * away); a deleted template withdraws its binding. Every output is a full
 * snapshot, published only when it changed.
 */
#ifndef POLICY_ACTOR_H
#define POLICY_ACTOR_H

#include "actor/actor.h"

extern const struct actor_core policy_actor_core;

struct policy_state;

/* For tests: the policy ("ns/name" or "name") claiming template @subject. */
const char *policy_actor_claim(struct policy_state *s, const char *subject);

#endif /* POLICY_ACTOR_H */
