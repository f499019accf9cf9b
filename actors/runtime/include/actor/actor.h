/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Actors: deterministic cores run by a shell.
 *
 * A core is (state, input, now) -> (new state, messages, timers). It never
 * reads a clock, never does I/O and never sees NATS: the shell (NATS, real
 * time; actor/shell.h) or the simulator (in memory, virtual time;
 * actor/sim.h) hands it inputs and now, and carries out the effects it
 * records in a struct actor_fx. Running the same core under both is what
 * makes unit tests, drills, replays and scale-out agree.
 *
 * Inputs are envelopes read from subjects. State inputs (compacted streams)
 * are also read at start-up, last value per subject, and given to absorb()
 * together with the actor's own earlier state outputs, so a restarted actor
 * rebuilds its state before it takes new input. Every input may arrive
 * twice; handle() must be idempotent.
 */
#ifndef ACTOR_ACTOR_H
#define ACTOR_ACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "proto/flotilla.pb-c.h"

/* One message handed to a core. */
struct actor_msg {
    const char *subject;
    const char *stream;
    uint64_t seq;                       /* stream sequence */
    const Flotilla__V1__Envelope *env;  /* decoded and checked */
};

/*
 * The payload of @m decoded as a @d message (free it with
 * protobuf_c_message_free_unpacked()); NULL when it does not decode.
 */
void *actor_msg_unpack(const struct actor_msg *m,
                       const ProtobufCMessageDescriptor *d);

/* A subject the actor reads. */
struct actor_input {
    const char *stream;
    const char *filter;  /* NATS subject filter */
    bool state;          /* compacted: also read at start-up, last per subject */
};

struct actor_fx;

struct actor_core {
    const char *name;                     /* "scheduler", "cluster", ... */
    const struct actor_input *inputs;     /* terminated by { NULL } */
    const struct actor_input *own_state;  /* own outputs read back at start */
    /* Allocates the empty state; @config is the core's own (may be NULL). */
    void *(*create)(const void *config);
    void (*destroy)(void *state);
    /* Takes in a message during the start-up read; no effects allowed. */
    int (*absorb)(void *state, const struct actor_msg *m);
    /* Decides on one input. Returns 0, or -EBADMSG for an undecodable payload. */
    int (*handle)(void *state, const struct actor_msg *m, int64_t now_ns,
                  struct actor_fx *fx);
    /* A timer the core armed is due. */
    int (*on_timer)(void *state, const char *name, int64_t now_ns,
                    struct actor_fx *fx);
    /* After the start-up read: re-arm timers kept in state, finish work. */
    int (*resume)(void *state, int64_t now_ns, struct actor_fx *fx);
};

enum actor_pub_flags {
    /* The actor owns this key: publish with the subject's expected last
     * sequence, so a second writer is refused. */
    ACTOR_PUB_OWNED = 1u << 0,
    /* The envelope marks the key's state as gone. */
    ACTOR_PUB_TOMBSTONE = 1u << 1,
};

/*
 * Records a message to publish on @subject about @key, carrying @payload
 * (packed now; may be NULL for a tombstone) as type @type. The envelope gets
 * the event time and decided-at of now, the producer, the input's trace id
 * and its causation. Returns 0 or -ENOMEM.
 */
int actor_fx_publish(struct actor_fx *fx, const char *subject, const char *key,
                     const char *type, const ProtobufCMessage *payload,
                     unsigned flags);

/*
 * Arms timer @name (unique within the actor) for @due_ns, replacing an
 * armed timer of the same name; @due_ns 0 cancels it.
 */
int actor_fx_timer(struct actor_fx *fx, const char *name, int64_t due_ns);

struct strmap;

/*
 * A short timer name for @key into @buf: @prefix and a 64-bit hash of @key,
 * remembered in @names (name -> key, the value strdup'ed) so a due timer
 * leads back to its key. Timer outputs are identified by name and due time
 * and the runtime keeps 200 bytes of that id: whole keys as names would cut
 * the due time off long binding names and let two firings share an id.
 */
int actor_timer_name(struct strmap *names, const char *prefix,
                     const char *key, char *buf, size_t len);

/* The key timer @name stands for in @names (NULL when unknown). */
const char *actor_timer_key(const struct strmap *names, const char *name);

/*
 * Records a decision: one log line (actor, key, decision, reason) and the
 * decisions counter by actor and reason.
 */
void actor_fx_decision(struct actor_fx *fx, const char *key,
                       const char *decision, const char *reason);

/* Adds a cause beyond the current input (for decisions made from several). */
int actor_fx_cause(struct actor_fx *fx, const char *stream, uint64_t seq,
                   const char *subject);

/* ---- used by shells and the simulator, not by cores ---- */

struct actor_out {
    char *subject;
    char *msg_id;
    uint8_t *data;     /* packed envelope */
    size_t len;
    unsigned flags;
};

struct actor_timer {
    char *name;
    int64_t due_ns;
};

struct actor_decision_rec {
    char *key;
    char *decision;
    char *reason;
};

struct actor_fx {
    const char *actor;
    const char *producer;       /* "<actor>/<instance>" */
    int64_t now_ns;
    const struct actor_msg *input;
    char trace_id[33];
    char id_base[200];          /* message ids are "<id_base>:<k>" */
    size_t first_out;           /* outs[first_out..] belong to this step */
    Flotilla__V1__Cause **causes;
    size_t ncauses;
    struct actor_out *outs;
    size_t nouts, capouts;
    struct actor_timer *timers;
    size_t ntimers, captimers;
    struct actor_decision_rec *decisions;
    size_t ndecisions, capdecisions;
};

/*
 * Prepares @fx for one step of @actor (instance @producer) at @now_ns,
 * triggered by @input (NULL for a timer or resume; then @id_base names the
 * trigger, e.g. "t:<timer>:<due>").
 */
void actor_fx_begin(struct actor_fx *fx, const char *actor,
                    const char *producer, int64_t now_ns,
                    const struct actor_msg *input, const char *id_base);

/* Frees what @fx collected; @fx can be begun again. */
void actor_fx_reset(struct actor_fx *fx);

/* Frees everything @fx holds, including its buffers. */
void actor_fx_release(struct actor_fx *fx);

/* Logs the recorded decisions (one line each). */
void actor_fx_log_decisions(const struct actor_fx *fx);

#endif /* ACTOR_ACTOR_H */
