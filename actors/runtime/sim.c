/* SPDX-License-Identifier: Apache-2.0 */
/* Virtual-time runner for actor cores; see actor/sim.h. */
#define LOG_MODULE "sim"
#include "actor/sim.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/envelope.h"
#include "bus/subject.h"
#include "util/log.h"
#include "util/strmap.h"

struct sim_msg {
    char *subject;
    const char *stream;
    uint64_t seq;
    Flotilla__V1__Envelope *env;
};

struct sim_actor {
    const struct actor_core *core;
    const void *config;
    char producer[160];
    void *state;
    struct strmap timers;   /* name -> due */
};

struct actor_sim {
    int64_t now;
    struct sim_msg *log;
    size_t len, cap;
    size_t cursor;          /* next log entry to deliver */
    struct sim_actor *actors;
    size_t nactors;
    struct strmap last;     /* subject -> index + 1 of its last message */
    actor_sim_tap_fn *tap;
    void *tap_arg;
    actor_sim_decision_fn *dtap;
    void *dtap_arg;
    struct actor_fx fx;
};

int
actor_sim_new(int64_t start_ns, struct actor_sim **out)
{
    struct actor_sim *sim = calloc(1, sizeof(*sim));

    if (sim == NULL) {
        return -ENOMEM;
    }
    sim->now = start_ns;
    *out = sim;
    return 0;
}

void
actor_sim_free(struct actor_sim *sim)
{
    if (sim == NULL) {
        return;
    }
    for (size_t i = 0; i < sim->nactors; i++) {
        if (sim->actors[i].state != NULL) {
            sim->actors[i].core->destroy(sim->actors[i].state);
        }
        util_strmap_release(&sim->actors[i].timers);
    }
    for (size_t i = 0; i < sim->len; i++) {
        free(sim->log[i].subject);
        bus_envelope_free(sim->log[i].env);
    }
    free(sim->log);
    free(sim->actors);
    util_strmap_release(&sim->last);
    actor_fx_release(&sim->fx);
    free(sim);
}

static int
store(struct actor_sim *sim, const char *subject, const uint8_t *data,
      size_t len)
{
    const struct bus_subject_class *cls = bus_subject_classify(subject);
    Flotilla__V1__Envelope *env = NULL;
    struct strmap_entry *e;
    struct sim_msg *m;
    char why[160];
    int rc;

    rc = bus_envelope_unpack(data, len, &env, why, sizeof(why));
    if (rc != 0) {
        log_warn("message not stored", "subject=%s reason=\"%s\"", subject,
                 why);
        return rc;
    }
    if (sim->len == sim->cap) {
        size_t cap = sim->cap ? sim->cap * 2 : 256;
        struct sim_msg *n = realloc(sim->log, cap * sizeof(*n));

        if (n == NULL) {
            bus_envelope_free(env);
            return -ENOMEM;
        }
        sim->log = n;
        sim->cap = cap;
    }
    m = &sim->log[sim->len];
    m->subject = strdup(subject);
    m->stream = cls != NULL ? cls->stream : "FL_UNKNOWN";
    m->seq = sim->len + 1;
    m->env = env;
    if (m->subject == NULL) {
        bus_envelope_free(env);
        return -ENOMEM;
    }
    sim->len++;
    e = util_strmap_put(&sim->last, subject);
    if (e != NULL) {
        e->num = m->seq;
    }
    if (sim->tap != NULL) {
        sim->tap(subject, env, m->seq, sim->now, sim->tap_arg);
    }
    return 0;
}

static void
apply_effects(struct actor_sim *sim, struct sim_actor *a, struct actor_fx *fx)
{
    for (size_t i = 0; i < fx->nouts; i++) {
        (void)store(sim, fx->outs[i].subject, fx->outs[i].data,
                    fx->outs[i].len);
    }
    for (size_t i = 0; i < fx->ntimers; i++) {
        if (fx->timers[i].due_ns == 0) {
            (void)util_strmap_del(&a->timers, fx->timers[i].name);
        } else {
            struct strmap_entry *e = util_strmap_put(&a->timers,
                                                     fx->timers[i].name);

            if (e != NULL) {
                e->num = (uint64_t)fx->timers[i].due_ns;
            }
        }
    }
    actor_fx_log_decisions(fx);
    if (sim->dtap != NULL) {
        for (size_t i = 0; i < fx->ndecisions; i++) {
            sim->dtap(fx->actor, fx->decisions[i].key,
                      fx->decisions[i].decision, fx->decisions[i].reason,
                      fx->now_ns, sim->dtap_arg);
        }
    }
    actor_fx_reset(fx);
}

static bool
matches_any(const struct actor_input *in, const char *subject, bool state_only)
{
    for (; in != NULL && in->stream != NULL; in++) {
        if ((!state_only || in->state) &&
            bus_subject_matches(in->filter, subject)) {
            return true;
        }
    }
    return false;
}

static int
rebuild(struct actor_sim *sim, struct sim_actor *a)
{
    const struct actor_core *c = a->core;

    if (a->state != NULL) {
        c->destroy(a->state);
    }
    util_strmap_release(&a->timers);
    a->state = c->create(a->config);
    if (a->state == NULL) {
        return -ENOMEM;
    }
    /* The last message per subject, in log order, as a stream read would. */
    for (size_t i = 0; i < sim->len; i++) {
        struct sim_msg *m = &sim->log[i];
        struct strmap_entry *e = util_strmap_get(&sim->last, m->subject);
        struct actor_msg am;

        if (e == NULL || e->num != m->seq ||
            !(matches_any(c->own_state, m->subject, false) ||
              matches_any(c->inputs, m->subject, true))) {
            continue;
        }
        am.subject = m->subject;
        am.stream = m->stream;
        am.seq = m->seq;
        am.env = m->env;
        (void)c->absorb(a->state, &am);
    }
    if (c->resume != NULL) {
        actor_fx_begin(&sim->fx, c->name, a->producer, sim->now, NULL,
                       "resume");
        (void)c->resume(a->state, sim->now, &sim->fx);
        apply_effects(sim, a, &sim->fx);
    }
    return 0;
}

int
actor_sim_add(struct actor_sim *sim, const struct actor_core *core,
              const void *config)
{
    struct sim_actor *n;
    struct sim_actor *a;

    n = realloc(sim->actors, (sim->nactors + 1) * sizeof(*n));
    if (n == NULL) {
        return -ENOMEM;
    }
    sim->actors = n;
    a = &sim->actors[sim->nactors++];
    memset(a, 0, sizeof(*a));
    a->core = core;
    a->config = config;
    snprintf(a->producer, sizeof(a->producer), "%s/sim", core->name);
    return rebuild(sim, a);
}

static int
publish_ext(struct actor_sim *sim, const char *subject, const char *key,
            const char *producer, const char *type,
            const ProtobufCMessage *payload, unsigned flags)
{
    struct actor_fx fx = { 0 };
    char id[64];
    int rc;

    snprintf(id, sizeof(id), "ext:%zu", sim->len);
    actor_fx_begin(&fx, "external", producer, sim->now, NULL, id);
    rc = actor_fx_publish(&fx, subject, key, type, payload, flags);
    if (rc == 0) {
        rc = store(sim, subject, fx.outs[0].data, fx.outs[0].len);
    }
    actor_fx_release(&fx);
    return rc;
}

int
actor_sim_publish(struct actor_sim *sim, const char *subject, const char *key,
                  const char *producer, const char *type,
                  const ProtobufCMessage *payload)
{
    return publish_ext(sim, subject, key, producer, type, payload, 0);
}

int
actor_sim_delete(struct actor_sim *sim, const char *subject, const char *key,
                 const char *producer, const char *type)
{
    return publish_ext(sim, subject, key, producer, type, NULL,
                       ACTOR_PUB_TOMBSTONE);
}

static void
deliver_pending(struct actor_sim *sim)
{
    while (sim->cursor < sim->len) {
        size_t idx = sim->cursor++;

        for (size_t k = 0; k < sim->nactors; k++) {
            struct sim_actor *a = &sim->actors[k];
            struct sim_msg *m = &sim->log[idx];
            struct actor_msg am;

            if (!matches_any(a->core->inputs, m->subject, false)) {
                continue;
            }
            am.subject = m->subject;
            am.stream = m->stream;
            am.seq = m->seq;
            am.env = m->env;
            actor_fx_begin(&sim->fx, a->core->name, a->producer, sim->now,
                           &am, NULL);
            (void)a->core->handle(a->state, &am, sim->now, &sim->fx);
            sim->fx.input = NULL;
            apply_effects(sim, a, &sim->fx);
        }
    }
}

/* Finds the earliest timer due at or before @t_ns, ties by actor then name. */
static bool
earliest_timer(struct actor_sim *sim, int64_t t_ns, size_t *actor,
               char *name, size_t namelen, int64_t *due)
{
    bool found = false;

    for (size_t k = 0; k < sim->nactors; k++) {
        struct strmap_entry *e;
        size_t i = 0;

        while ((e = util_strmap_next(&sim->actors[k].timers, &i)) != NULL) {
            if ((int64_t)e->num > t_ns) {
                continue;
            }
            if (!found || (int64_t)e->num < *due ||
                ((int64_t)e->num == *due && k == *actor &&
                 strcmp(e->key, name) < 0)) {
                found = true;
                *actor = k;
                *due = (int64_t)e->num;
                snprintf(name, namelen, "%s", e->key);
            }
        }
    }
    return found;
}

int
actor_sim_run_until(struct actor_sim *sim, int64_t t_ns)
{
    char name[256];
    size_t k = 0;
    int64_t due = 0;

    for (;;) {
        deliver_pending(sim);
        if (!earliest_timer(sim, t_ns, &k, name, sizeof(name), &due)) {
            break;
        }
        if (due > sim->now) {
            sim->now = due;
        }
        (void)util_strmap_del(&sim->actors[k].timers, name);
        {
            char id[320];
            struct sim_actor *a = &sim->actors[k];

            snprintf(id, sizeof(id), "t:%s:%" PRId64, name, due);
            actor_fx_begin(&sim->fx, a->core->name, a->producer, sim->now,
                           NULL, id);
            (void)a->core->on_timer(a->state, name, sim->now, &sim->fx);
            apply_effects(sim, a, &sim->fx);
        }
    }
    if (t_ns > sim->now) {
        sim->now = t_ns;
    }
    return 0;
}

int
actor_sim_restart(struct actor_sim *sim, const char *actor)
{
    for (size_t k = 0; k < sim->nactors; k++) {
        if (strcmp(sim->actors[k].core->name, actor) == 0) {
            return rebuild(sim, &sim->actors[k]);
        }
    }
    return -ENOENT;
}

int64_t
actor_sim_now(const struct actor_sim *sim)
{
    return sim->now;
}

void *
actor_sim_state(struct actor_sim *sim, const char *name)
{
    for (size_t k = 0; k < sim->nactors; k++) {
        if (strcmp(sim->actors[k].core->name, name) == 0) {
            return sim->actors[k].state;
        }
    }
    return NULL;
}

void
actor_sim_set_tap(struct actor_sim *sim, actor_sim_tap_fn *fn, void *arg)
{
    sim->tap = fn;
    sim->tap_arg = arg;
}

size_t
actor_sim_log_len(const struct actor_sim *sim)
{
    return sim->len;
}

const Flotilla__V1__Envelope *
actor_sim_last(struct actor_sim *sim, const char *subject)
{
    struct strmap_entry *e = util_strmap_get(&sim->last, subject);

    return e != NULL ? sim->log[e->num - 1].env : NULL;
}

void
actor_sim_set_decision_tap(struct actor_sim *sim, actor_sim_decision_fn *fn,
                           void *arg)
{
    sim->dtap = fn;
    sim->dtap_arg = arg;
}

int
actor_sim_next_due(const struct actor_sim *sim, int64_t *due_ns)
{
    bool found = false;

    for (size_t k = 0; k < sim->nactors; k++) {
        struct strmap_entry *e;
        size_t i = 0;

        while ((e = util_strmap_next(&sim->actors[k].timers, &i)) != NULL) {
            if (!found || (int64_t)e->num < *due_ns) {
                *due_ns = (int64_t)e->num;
                found = true;
            }
        }
    }
    return found ? 0 : -ENOENT;
}
