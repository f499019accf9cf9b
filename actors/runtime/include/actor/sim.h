/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running actor cores without NATS, on a virtual clock: the same cores the
 * shell runs, for unit tests, drills and replays.
 *
 * The simulator keeps one in-memory log of every message published, in
 * order. Each message is offered, in log order, to every actor with an input
 * matching its subject; delivery takes no virtual time. Timers fire at
 * their due time; run_until() processes everything due at or before t, in
 * order, until nothing more is due. A restarted actor rebuilds its state
 * from the log (the last message per subject of its state inputs and its
 * own state outputs), exactly as the shell does from the streams.
 */
#ifndef ACTOR_SIM_H
#define ACTOR_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "actor/actor.h"

struct actor_sim;

/* Called for every message stored in the log, after it is stored. */
typedef void actor_sim_tap_fn(const char *subject,
                              const Flotilla__V1__Envelope *env,
                              uint64_t seq, int64_t now_ns, void *arg);

int actor_sim_new(int64_t start_ns, struct actor_sim **out);
void actor_sim_free(struct actor_sim *sim);

/* Adds an actor and rebuilds it from the log so far. */
int actor_sim_add(struct actor_sim *sim, const struct actor_core *core,
                  const void *config);

/* Publishes a message from outside (a user, a test) into the log. */
int actor_sim_publish(struct actor_sim *sim, const char *subject,
                      const char *key, const char *producer, const char *type,
                      const ProtobufCMessage *payload);

/* Publishes a tombstone (the key's state is gone) from outside. */
int actor_sim_delete(struct actor_sim *sim, const char *subject,
                     const char *key, const char *producer, const char *type);

/* Processes messages and timers up to and including @t_ns. */
int actor_sim_run_until(struct actor_sim *sim, int64_t t_ns);

/* The actor forgets everything and rebuilds from the log. */
int actor_sim_restart(struct actor_sim *sim, const char *actor);

int64_t actor_sim_now(const struct actor_sim *sim);

/* The state of actor @name (NULL when there is none). */
void *actor_sim_state(struct actor_sim *sim, const char *name);

void actor_sim_set_tap(struct actor_sim *sim, actor_sim_tap_fn *fn, void *arg);

/* Called for every decision an actor records (actor_fx_decision()). */
typedef void actor_sim_decision_fn(const char *actor, const char *key,
                                   const char *decision, const char *reason,
                                   int64_t now_ns, void *arg);

/* Installs @fn (NULL: none) for the decisions of every actor. For drills. */
void actor_sim_set_decision_tap(struct actor_sim *sim,
                                actor_sim_decision_fn *fn, void *arg);

/*
 * Writes into *@due_ns the earliest time an armed timer of any actor is
 * due. Returns 0, or -ENOENT when no timer is armed. For drills, which
 * advance their own agents between the actors' timers.
 */
int actor_sim_next_due(const struct actor_sim *sim, int64_t *due_ns);

/* Number of messages in the log, and the last one stored on @subject. */
size_t actor_sim_log_len(const struct actor_sim *sim);
const Flotilla__V1__Envelope *actor_sim_last(struct actor_sim *sim,
                                             const char *subject);

#endif /* ACTOR_SIM_H */
