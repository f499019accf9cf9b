/* SPDX-License-Identifier: Apache-2.0 */
/* The NATS shell around an actor core; see actor/shell.h. */
#define LOG_MODULE "actor"
#include "actor/shell.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus/bus.h"
#include "bus/envelope.h"
#include "bus/subject.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/strmap.h"
#include "util/time.h"

#define MAX_INPUTS 16

/* One fetched batch waiting for the worker. */
struct batch {
    struct batch *next;
    struct bus_msg *msgs;
    int n;
    bool ack_all;   /* acking the last message acks the batch */
};

struct fetcher {
    struct actor_shell *shell;
    struct bus_consumer *consumer;
    pthread_t thread;
    bool started;
};

struct actor_shell {
    struct actor_shell_options o;
    const struct actor_core *core;
    char producer[160];
    void *state;
    struct fetcher fetchers[MAX_INPUTS];
    int nfetchers;
    pthread_t worker;
    bool worker_started;
    atomic_bool stopping;
    atomic_bool ready;

    pthread_mutex_t lock;   /* guards queue, stats */
    pthread_cond_t cond;
    struct batch *head, *tail;
    int queued;
    struct actor_shell_stats stats;

    struct util_metric *m_handled, *m_published, *m_dead, *m_redelivered,
        *m_refused, *m_rebuilds;
    struct util_metric *m_lag[MAX_INPUTS], *m_ack_pending[MAX_INPUTS];
    struct strmap timers;   /* name -> due (num) */
    struct strmap seqs;     /* owned subject -> last stored sequence */
    struct actor_fx fx;
};

static int64_t
now_ns(struct actor_shell *s)
{
    return s->o.clock != NULL ? s->o.clock() : util_time_now_ns();
}

static void
register_metrics(struct actor_shell *s)
{
    struct util_metrics *r = s->o.metrics;
    const char *a = s->core->name;

    if (r == NULL) {
        return;
    }
    (void)util_metrics_counter(r, &s->m_handled, "fl_inputs_total",
                               "Inputs handed to an actor core.", "actor", a,
                               NULL);
    (void)util_metrics_counter(r, &s->m_published, "fl_outputs_total",
                               "Messages an actor published and the stream stored.",
                               "actor", a, NULL);
    (void)util_metrics_counter(r, &s->m_dead, "fl_dead_letters_total",
                               "Inputs copied to the dead-letter subject.",
                               "actor", a, NULL);
    (void)util_metrics_counter(r, &s->m_redelivered, "fl_redeliveries_total",
                               "Inputs delivered more than once.", "actor", a,
                               NULL);
    (void)util_metrics_counter(r, &s->m_refused, "fl_owned_writes_refused_total",
                               "Publishes on owned keys refused because another writer moved the key.",
                               "actor", a, NULL);
    (void)util_metrics_counter(r, &s->m_rebuilds, "fl_rebuilds_total",
                               "State rebuilds from the streams.", "actor", a,
                               NULL);
}

static void
count_decisions(struct actor_shell *s, const struct actor_fx *fx)
{
    for (size_t i = 0; s->o.metrics != NULL && i < fx->ndecisions; i++) {
        struct util_metric *m = NULL;

        if (util_metrics_counter(s->o.metrics, &m, "fl_decisions_total",
                                 "Decisions by actor and reason.", "actor",
                                 s->core->name, "reason",
                                 fx->decisions[i].reason, NULL) == 0) {
            util_metrics_inc(m);
        }
    }
}

int
actor_shell_new(const struct actor_shell_options *o, struct actor_shell **out)
{
    struct actor_shell *s;

    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return -ENOMEM;
    }
    s->o = *o;
    s->core = o->core;
    if (s->o.batch <= 0) {
        s->o.batch = 256;
    }
    if (s->o.fetch_wait_ms <= 0) {
        s->o.fetch_wait_ms = 200;
    }
    snprintf(s->producer, sizeof(s->producer), "%s/%s", o->core->name,
             o->instance != NULL ? o->instance : "0");
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    register_metrics(s);
    *out = s;
    return 0;
}

/* ---------------------------------------------------------------- timers */

static void
apply_timers(struct actor_shell *s, const struct actor_fx *fx)
{
    for (size_t i = 0; i < fx->ntimers; i++) {
        if (fx->timers[i].due_ns == 0) {
            (void)util_strmap_del(&s->timers, fx->timers[i].name);
        } else {
            struct strmap_entry *e = util_strmap_put(&s->timers,
                                                     fx->timers[i].name);

            if (e != NULL) {
                e->num = (uint64_t)fx->timers[i].due_ns;
            }
        }
    }
}

/* The earliest armed timer, or NULL. */
static struct strmap_entry *
next_timer(struct actor_shell *s)
{
    struct strmap_entry *best = NULL;
    struct strmap_entry *e;
    size_t i = 0;

    while ((e = util_strmap_next(&s->timers, &i)) != NULL) {
        if (best == NULL || e->num < best->num ||
            (e->num == best->num && strcmp(e->key, best->key) < 0)) {
            best = e;
        }
    }
    return best;
}

/* ---------------------------------------------------------------- publishing */

struct ack_ctx {
    struct actor_shell *s;
};

static void
on_ack(const char *subject, uint64_t seq, int err, void *arg)
{
    struct ack_ctx *a = arg;
    struct strmap_entry *e;

    if (err != 0) {
        return;
    }
    e = util_strmap_get(&a->s->seqs, subject);
    if (e != NULL) {
        e->num = seq;
    }
}

static bool
own_state_covers(const struct actor_shell *s, const char *subject)
{
    for (const struct actor_input *in = s->core->own_state;
         in != NULL && in->stream != NULL; in++) {
        if (bus_subject_matches(in->filter, subject)) {
            return true;
        }
    }
    return false;
}

/* Sequence to expect on owned @subject: known, or asked of the stream. */
static uint64_t
expected_seq(struct actor_shell *s, const char *subject)
{
    struct strmap_entry *e = util_strmap_get(&s->seqs, subject);
    const struct bus_subject_class *cls;
    uint64_t seq = 0;

    if (e != NULL) {
        return e->num;
    }
    /*
     * The start-up read took the last message of every subject of the
     * actor's own state: one it did not see has none. Only subjects outside
     * own_state cost a question to the stream.
     */
    cls = own_state_covers(s, subject) ? NULL : bus_subject_classify(subject);
    if (cls != NULL) {
        (void)bus_last_subject_seq(s->o.conn, cls->stream, subject, &seq);
    }
    e = util_strmap_put(&s->seqs, subject);
    if (e != NULL) {
        e->num = seq;
    }
    return seq;
}

/*
 * Publishes the outputs in @fx and waits until all are stored. For an owned
 * subject only the last output in @fx is published: state messages are full
 * snapshots, and one publish per subject per batch is what lets the expected
 * sequence be known without waiting for each ack.
 */
static int
publish_outputs(struct actor_shell *s, struct actor_fx *fx)
{
    struct ack_ctx actx = { s };
    struct strmap last = { 0 };   /* owned subject -> index + 1 of its last output */
    size_t sent = 0;
    int rc = 0;

    for (size_t i = 0; i < fx->nouts; i++) {
        if (fx->outs[i].flags & ACTOR_PUB_OWNED) {
            struct strmap_entry *e = util_strmap_put(&last, fx->outs[i].subject);

            if (e != NULL) {
                e->num = i + 1;
            }
        }
    }
    for (size_t i = 0; i < fx->nouts && rc == 0; i++) {
        struct actor_out *o = &fx->outs[i];
        struct bus_pub p = { 0 };

        if (o->flags & ACTOR_PUB_OWNED) {
            struct strmap_entry *e = util_strmap_get(&last, o->subject);

            if (e != NULL && e->num != i + 1) {
                continue;   /* a later output of this batch replaces it */
            }
            p.expect_subject_seq = true;
            p.last_subject_seq = expected_seq(s, o->subject);
        }
        p.subject = o->subject;
        p.data = o->data;
        p.len = o->len;
        p.msg_id = o->msg_id;
        rc = bus_publish_async(s->o.conn, &p);
        sent++;
    }
    util_strmap_release(&last);
    if (sent == 0) {
        return rc;
    }
    {
        int wrc = bus_publish_wait(s->o.conn, 10000, on_ack, &actx);

        if (rc == 0) {
            rc = wrc;
        }
    }
    pthread_mutex_lock(&s->lock);
    if (rc == 0) {
        s->stats.published += sent;
        util_metrics_add(s->m_published, (double)sent);
    } else if (rc == -ESTALE) {
        s->stats.refused++;
        util_metrics_inc(s->m_refused);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---------------------------------------------------------------- rebuild */

struct absorb_ctx {
    struct actor_shell *s;
    bool own;
};

static int
absorb_one(const struct bus_msg *m, void *arg)
{
    struct absorb_ctx *a = arg;
    Flotilla__V1__Envelope *env = NULL;
    struct actor_msg am;
    char why[160];

    if (a->own) {
        struct strmap_entry *e = util_strmap_put(&a->s->seqs, m->subject);

        if (e != NULL) {
            e->num = m->stream_seq;
        }
    }
    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) != 0) {
        log_warn("state message skipped", "actor=%s subject=%s seq=%" PRIu64
                 " reason=\"%s\"", a->s->core->name, m->subject,
                 m->stream_seq, why);
        return 0;
    }
    am.subject = m->subject;
    am.stream = m->stream;
    am.seq = m->stream_seq;
    am.env = env;
    (void)a->s->core->absorb(a->s->state, &am);
    bus_envelope_free(env);
    return 0;
}

static int
rebuild(struct actor_shell *s)
{
    const struct actor_core *c = s->core;
    int64_t t0 = util_time_mono_ns();
    int rc = 0;

    if (s->state != NULL) {
        c->destroy(s->state);
    }
    util_strmap_release(&s->timers);
    util_strmap_release(&s->seqs);
    s->state = c->create(s->o.core_config);
    if (s->state == NULL) {
        return -ENOMEM;
    }
    for (const struct actor_input *in = c->own_state; in && in->stream && rc == 0;
         in++) {
        struct absorb_ctx a = { s, true };

        rc = bus_read_last_per_subject(s->o.conn, in->stream, in->filter,
                                       absorb_one, &a);
    }
    for (const struct actor_input *in = c->inputs; in->stream && rc == 0;
         in++) {
        struct absorb_ctx a = { s, false };

        if (in->state) {
            rc = bus_read_last_per_subject(s->o.conn, in->stream, in->filter,
                                           absorb_one, &a);
        }
    }
    if (rc != 0) {
        log_error("rebuild failed", "actor=%s rc=%d", c->name, rc);
        return rc;
    }
    if (c->resume != NULL) {
        int64_t now = now_ns(s);

        actor_fx_begin(&s->fx, c->name, s->producer, now, NULL, "resume");
        rc = c->resume(s->state, now, &s->fx);
        if (rc == 0) {
            rc = publish_outputs(s, &s->fx);
        }
        apply_timers(s, &s->fx);
        actor_fx_log_decisions(&s->fx);
        actor_fx_reset(&s->fx);
    }
    pthread_mutex_lock(&s->lock);
    s->stats.rebuilds++;
    pthread_mutex_unlock(&s->lock);
    util_metrics_inc(s->m_rebuilds);
    log_info("state rebuilt", "actor=%s owned_keys=%zu timers=%zu ms=%" PRId64,
             c->name, s->seqs.len, s->timers.len,
             (util_time_mono_ns() - t0) / NS_PER_MS);
    return rc;
}

/* ---------------------------------------------------------------- inputs */

static const char *
owner_refusal(const struct actor_msg *am)
{
    const struct bus_subject_class *cls = bus_subject_classify(am->subject);
    size_t n;

    if (cls == NULL || strcmp(cls->owner, "*") == 0) {
        return NULL;
    }
    n = strcspn(am->env->producer, "/");
    if (strlen(cls->owner) == n &&
        strncmp(cls->owner, am->env->producer, n) == 0) {
        return NULL;
    }
    return cls->owner;
}

static void
dead_letter(struct actor_shell *s, struct bus_msg *m, const char *why)
{
    (void)bus_dlq_put(s->o.conn, s->core->name, m, why);
    pthread_mutex_lock(&s->lock);
    s->stats.dead_letters++;
    pthread_mutex_unlock(&s->lock);
    util_metrics_inc(s->m_dead);
}

/* Runs the core on one input; returns false when it was dead-lettered. */
static bool
handle_one(struct actor_shell *s, struct bus_msg *m, int64_t now)
{
    Flotilla__V1__Envelope *env = NULL;
    struct actor_msg am;
    const char *owner;
    char why[200];
    int rc;

    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) != 0) {
        dead_letter(s, m, why);
        return false;
    }
    am.subject = m->subject;
    am.stream = m->stream;
    am.seq = m->stream_seq;
    am.env = env;
    owner = owner_refusal(&am);
    if (owner != NULL) {
        snprintf(why, sizeof(why), "producer %s is not the owner (%s) of %s",
                 env->producer, owner, m->subject);
        bus_envelope_free(env);
        dead_letter(s, m, why);
        return false;
    }
    log_debug("input", "actor=%s subject=%s seq=%" PRIu64 " producer=%s type=%s",
              s->core->name, m->subject, m->stream_seq, env->producer,
              env->type);
    actor_fx_begin(&s->fx, s->core->name, s->producer, now, &am, NULL);
    rc = s->core->handle(s->state, &am, now, &s->fx);
    bus_envelope_free(env);
    if (rc == -EBADMSG) {
        snprintf(why, sizeof(why), "payload of type %s does not decode",
                 "(see envelope)");
        dead_letter(s, m, why);
        return false;
    }
    return true;
}

/*
 * Handles every batch of the chain @first (linked by next) with one fx, so
 * their outputs are published together and waited for once; then acks every
 * input (or returns them all when the outputs were not stored).
 */
static void
process_batches(struct actor_shell *s, struct batch *first)
{
    int64_t now = now_ns(s);
    uint64_t redelivered = 0;
    uint64_t handled = 0;
    int rc;

    for (struct batch *b = first; b != NULL; b = b->next) {
        for (int i = 0; i < b->n; i++) {
            if (b->msgs[i].delivered > 1) {
                redelivered++;
            }
            (void)handle_one(s, &b->msgs[i], now);
            s->fx.input = NULL;
        }
        handled += (uint64_t)b->n;
    }
    rc = publish_outputs(s, &s->fx);
    apply_timers(s, &s->fx);
    if (rc == 0) {
        actor_fx_log_decisions(&s->fx);
        count_decisions(s, &s->fx);
    } else {
        log_error("outputs not stored, inputs returned",
                  "actor=%s inputs=%" PRIu64 " outputs=%zu rc=%d",
                  s->core->name, handled, s->fx.nouts, rc);
    }
    for (struct batch *b = first; b != NULL; b = b->next) {
        for (int i = b->ack_all && rc == 0 ? b->n - 1 : 0; i < b->n; i++) {
            (void)(rc == 0 ? bus_msg_ack(&b->msgs[i])
                           : bus_msg_nak(&b->msgs[i], 500));
        }
    }
    actor_fx_reset(&s->fx);
    pthread_mutex_lock(&s->lock);
    s->stats.handled += handled;
    s->stats.redelivered += redelivered;
    pthread_mutex_unlock(&s->lock);
    util_metrics_add(s->m_handled, (double)handled);
    util_metrics_add(s->m_redelivered, (double)redelivered);
    if (rc != 0) {
        /* Someone else wrote our keys, or the bus failed: start again from
         * what the streams hold. */
        (void)rebuild(s);
    }
}

static void
fire_timers(struct actor_shell *s)
{
    int64_t now = now_ns(s);
    struct strmap_entry *e;
    int fired = 0;
    int rc;

    while ((e = next_timer(s)) != NULL && (int64_t)e->num <= now) {
        char name[256];
        char id[320];
        int64_t due = (int64_t)e->num;

        snprintf(name, sizeof(name), "%s", e->key);
        (void)util_strmap_del(&s->timers, name);
        snprintf(id, sizeof(id), "t:%s:%" PRId64, name, due);
        actor_fx_begin(&s->fx, s->core->name, s->producer, now, NULL, id);
        (void)s->core->on_timer(s->state, name, now, &s->fx);
        fired++;
        /* Timers armed while firing may be due already; apply them now. */
        apply_timers(s, &s->fx);
        for (size_t i = 0; i < s->fx.ntimers; i++) {
            free(s->fx.timers[i].name);
        }
        s->fx.ntimers = 0;
    }
    if (fired == 0) {
        return;
    }
    rc = publish_outputs(s, &s->fx);
    if (rc == 0) {
        actor_fx_log_decisions(&s->fx);
        count_decisions(s, &s->fx);
    }
    actor_fx_reset(&s->fx);
    pthread_mutex_lock(&s->lock);
    s->stats.timers_fired += (uint64_t)fired;
    pthread_mutex_unlock(&s->lock);
    if (rc != 0) {
        log_error("timer outputs not stored", "actor=%s rc=%d", s->core->name,
                  rc);
        (void)rebuild(s);
    }
}

static void *
worker_main(void *arg)
{
    struct actor_shell *s = arg;

    while (!atomic_load(&s->stopping)) {
        struct strmap_entry *t = next_timer(s);
        struct batch *b = NULL;

        pthread_mutex_lock(&s->lock);
        if (s->head == NULL && !atomic_load(&s->stopping)) {
            struct timespec ts;
            int64_t wake = util_time_now_ns() + 100 * NS_PER_MS;

            if (t != NULL) {
                int64_t left = (int64_t)t->num - now_ns(s);

                if (left < 100 * NS_PER_MS) {
                    wake = util_time_now_ns() + (left > 0 ? left : 0);
                }
            }
            ts.tv_sec = wake / NS_PER_S;
            ts.tv_nsec = wake % NS_PER_S;
            (void)pthread_cond_timedwait(&s->cond, &s->lock, &ts);
        }
        /* Take every batch in hand: one publish round for all of them. */
        b = s->head;
        s->head = NULL;
        s->tail = NULL;
        s->queued = 0;
        if (b != NULL) {
            pthread_cond_broadcast(&s->cond);
        }
        pthread_mutex_unlock(&s->lock);

        if (b != NULL) {
            process_batches(s, b);
        }
        while (b != NULL) {
            struct batch *next = b->next;

            bus_msgs_free(b->msgs, b->n);
            free(b);
            b = next;
        }
        fire_timers(s);
    }
    return NULL;
}

static void *
fetcher_main(void *arg)
{
    struct fetcher *f = arg;
    struct actor_shell *s = f->shell;

    while (!atomic_load(&s->stopping)) {
        struct bus_msg *msgs = NULL;
        struct batch *b;
        int n = 0;
        int rc;

        rc = bus_consumer_fetch(f->consumer, s->o.batch, s->o.fetch_wait_ms,
                                &msgs, &n);
        if (rc == -ETIMEDOUT) {
            continue;
        }
        if (rc != 0) {
            struct timespec ts = { 0, 100 * 1000 * 1000 };

            nanosleep(&ts, NULL);
            continue;
        }
        b = calloc(1, sizeof(*b));
        if (b == NULL) {
            bus_msgs_free(msgs, n);
            continue;
        }
        b->msgs = msgs;
        b->n = n;
        b->ack_all = bus_consumer_acks_all(f->consumer);
        pthread_mutex_lock(&s->lock);
        /* Keep at most a few batches in hand: the server holds the rest. */
        while (s->queued >= 4 && !atomic_load(&s->stopping)) {
            pthread_cond_wait(&s->cond, &s->lock);
        }
        if (s->tail != NULL) {
            s->tail->next = b;
        } else {
            s->head = b;
        }
        s->tail = b;
        s->queued++;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

int
actor_shell_start(struct actor_shell *s)
{
    const struct actor_core *c = s->core;
    int i = 0;
    int rc;

    for (const struct actor_input *in = c->inputs; in->stream; in++, i++) {
        struct bus_consumer_def d = { 0 };
        char durable[128];

        if (i >= MAX_INPUTS) {
            return -E2BIG;
        }
        snprintf(durable, sizeof(durable), "%s-%d", c->name, i);
        d.stream = in->stream;
        d.durable = durable;
        d.filter = in->filter;
        /* Explicit acks: with cumulative acks, a batch returned after a
         * failed publish would be acked by the next batch's ack. */
        d.ack_all = false;
        rc = bus_consumer_open(s->o.conn, &d, &s->fetchers[i].consumer);
        if (rc != 0) {
            return rc;
        }
        if (s->o.metrics != NULL) {
            (void)util_metrics_gauge(s->o.metrics, &s->m_lag[i],
                                     "fl_consumer_lag",
                                     "Messages a consumer has not been delivered yet.",
                                     "actor", c->name, "consumer", durable,
                                     NULL);
            (void)util_metrics_gauge(s->o.metrics, &s->m_ack_pending[i],
                                     "fl_consumer_ack_pending",
                                     "Messages delivered and not yet acknowledged.",
                                     "actor", c->name, "consumer", durable,
                                     NULL);
        }
        s->fetchers[i].shell = s;
        s->nfetchers = i + 1;
    }
    rc = rebuild(s);
    if (rc != 0) {
        return rc;
    }
    for (i = 0; i < s->nfetchers; i++) {
        if (pthread_create(&s->fetchers[i].thread, NULL, fetcher_main,
                           &s->fetchers[i]) != 0) {
            return -EAGAIN;
        }
        s->fetchers[i].started = true;
    }
    if (pthread_create(&s->worker, NULL, worker_main, s) != 0) {
        return -EAGAIN;
    }
    s->worker_started = true;
    atomic_store(&s->ready, true);
    log_info("actor ready", "actor=%s producer=%s inputs=%d", c->name,
             s->producer, s->nfetchers);
    return 0;
}

bool
actor_shell_is_ready(struct actor_shell *s)
{
    return atomic_load(&s->ready);
}

void
actor_shell_stop(struct actor_shell *s)
{
    if (atomic_exchange(&s->stopping, true)) {
        return;
    }
    atomic_store(&s->ready, false);
    pthread_mutex_lock(&s->lock);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    for (int i = 0; i < s->nfetchers; i++) {
        if (s->fetchers[i].started) {
            pthread_join(s->fetchers[i].thread, NULL);
        }
    }
    if (s->worker_started) {
        pthread_join(s->worker, NULL);
    }
    /* Batches fetched but not handled go back to the server unacked. */
    while (s->head != NULL) {
        struct batch *b = s->head;

        s->head = b->next;
        for (int i = 0; i < b->n; i++) {
            (void)bus_msg_nak(&b->msgs[i], 0);
        }
        bus_msgs_free(b->msgs, b->n);
        free(b);
    }
    s->tail = NULL;
    log_info("actor stopped", "actor=%s", s->core->name);
}

void
actor_shell_free(struct actor_shell *s)
{
    if (s == NULL) {
        return;
    }
    actor_shell_stop(s);
    for (int i = 0; i < s->nfetchers; i++) {
        bus_consumer_close(s->fetchers[i].consumer);
    }
    if (s->state != NULL) {
        s->core->destroy(s->state);
    }
    util_strmap_release(&s->timers);
    util_strmap_release(&s->seqs);
    actor_fx_release(&s->fx);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}

void
actor_shell_get_stats(struct actor_shell *s, struct actor_shell_stats *out)
{
    pthread_mutex_lock(&s->lock);
    *out = s->stats;
    pthread_mutex_unlock(&s->lock);
}

void *
actor_shell_state(struct actor_shell *s)
{
    return s->state;
}

int
actor_shell_update_lag(struct actor_shell *s)
{
    int rc = 0;

    for (int i = 0; i < s->nfetchers; i++) {
        uint64_t pending = 0, ack_pending = 0, redelivered = 0;
        int r = bus_consumer_lag(s->fetchers[i].consumer, &pending,
                                 &ack_pending, &redelivered);

        if (r != 0) {
            rc = rc ? rc : r;
            continue;
        }
        util_metrics_set(s->m_lag[i], (double)pending);
        util_metrics_set(s->m_ack_pending[i], (double)ack_pending);
    }
    return rc;
}
