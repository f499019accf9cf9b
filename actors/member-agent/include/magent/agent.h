/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The member agent: makes each Push member hold what the executor decided
 * (work.spec.<cluster>.<ns>.<binding>) and reports what the member holds
 * (work.status.<cluster>.<ns>.<binding>). It is I/O, not a core: one thread
 * per member, each with its own durable consumer, so an unreachable member
 * delays only its own work.
 *
 * Applying is server-side apply with field manager "flotilla" and force;
 * deleting tolerates an object already gone. A namespace a WorkSpec needs is
 * created first, labelled flotilla.io/managed=true; a namespace is deleted
 * only when the WorkSpec asks for it and it carries that label and holds
 * nothing else. Failures are retried with backoff (1 s doubling to 30 s)
 * and reported in the object's WorkStatus (apply_error).
 *
 * Status is read every statusPeriod for every object the member should hold
 * and published when it changed: presence, replicas, ready replicas, health
 * and the reflected status from the object model's interpreter, and for
 * StatefulSets the revisions, the ordinals that are ready and the phase of
 * each claim.
 */
#ifndef MAGENT_AGENT_H
#define MAGENT_AGENT_H

struct bus_conn;
struct cfg;
struct member_agent;

/*
 * Starts one thread per Push member of @c, publishing on @conn (not owned;
 * must outlive the agent). Returns 0 or a negative errno (logged with the
 * member's name).
 */
int member_agent_start(const struct cfg *c, struct bus_conn *conn,
                       const char *instance, struct member_agent **out);

/*
 * The same for the Pull members of @c that have an apiEndpoint: what a Pull
 * member's agent runs next to it (`flotilla run --actors pull-agent`),
 * taking the member's work from the bus instead of the control plane
 * reaching into the member.
 */
int member_agent_start_pull(const struct cfg *c, struct bus_conn *conn,
                            const char *instance, struct member_agent **out);

/* Stops every member thread and frees @a. NULL is fine. */
void member_agent_stop(struct member_agent *a);

#endif /* MAGENT_AGENT_H */
