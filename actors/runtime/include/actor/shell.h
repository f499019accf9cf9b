/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NATS shell around one actor core: binds the core's inputs to durable
 * pull consumers, rebuilds state from the compacted streams before taking
 * input, runs the core on each input in order on one thread, publishes its
 * outputs (de-duplication id from actor, input and output index; expected
 * last subject sequence on owned keys) and acks an input only after every
 * output it caused is stored. Undecodable inputs go to the dead-letter
 * subject with the reason, and the actor goes on. Timers live in the core's
 * state and are re-armed by resume() after every rebuild.
 */
#ifndef ACTOR_SHELL_H
#define ACTOR_SHELL_H

#include <stdbool.h>
#include <stdint.h>

#include "actor/actor.h"

struct bus_conn;
struct actor_shell;

struct actor_shell_options {
    const struct actor_core *core;
    const void *core_config;
    const char *instance;    /* "0" when NULL; part of the producer id */
    struct bus_conn *conn;   /* not owned; used by this shell only */
    int batch;               /* inputs per fetch; 0 = 256 */
    int fetch_wait_ms;       /* 0 = 200 */
    /* Registry for the actor's metrics (not owned), or NULL for none. */
    struct util_metrics *metrics;
    /* Wall clock, replaceable by tests; NULL = util_time_now_ns. */
    int64_t (*clock)(void);
};

struct actor_shell_stats {
    uint64_t handled;        /* inputs handed to the core */
    uint64_t published;      /* outputs stored */
    uint64_t duplicates;     /* outputs the stream already had */
    uint64_t dead_letters;
    uint64_t redelivered;    /* inputs seen more than once */
    uint64_t rebuilds;
    uint64_t refused;        /* owned-key publishes refused (-ESTALE) */
    uint64_t timers_fired;
};

/* Creates the shell; nothing runs until actor_shell_start(). */
int actor_shell_new(const struct actor_shell_options *o,
                    struct actor_shell **out);

/*
 * Binds the consumers, rebuilds state, then runs the actor on its own
 * threads. Returns once the actor is ready (state rebuilt, consumers bound)
 * or failed to become so.
 */
int actor_shell_start(struct actor_shell *s);

/* True once the state is rebuilt and the consumers are bound. */
bool actor_shell_is_ready(struct actor_shell *s);

/*
 * Stops taking input, finishes the batch in hand (publishes, acks) and
 * joins the threads. Safe to call twice.
 */
void actor_shell_stop(struct actor_shell *s);

/* Stops if needed and frees. NULL is a no-op. */
void actor_shell_free(struct actor_shell *s);

void actor_shell_get_stats(struct actor_shell *s,
                           struct actor_shell_stats *out);

/*
 * Asks the server for each consumer's lag and sets the fl_consumer_lag and
 * fl_consumer_ack_pending gauges. Returns 0 or the first bus error.
 */
int actor_shell_update_lag(struct actor_shell *s);

/* The core's state, for tests and describe (read it only while stopped). */
void *actor_shell_state(struct actor_shell *s);

#endif /* ACTOR_SHELL_H */
