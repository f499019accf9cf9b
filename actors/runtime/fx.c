/* SPDX-License-Identifier: Apache-2.0 */
/* Collecting a core's effects; see actor/actor.h. */
#define LOG_MODULE "actor"
#include "actor/actor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/envelope.h"
#include "util/hash.h"
#include "util/strmap.h"
#include "util/log.h"

static int
grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    size_t ncap;
    void *n;

    if (need <= *cap) {
        return 0;
    }
    ncap = *cap ? *cap * 2 : 8;
    while (ncap < need) {
        ncap *= 2;
    }
    n = realloc(*arr, ncap * elem);
    if (n == NULL) {
        return -ENOMEM;
    }
    *arr = n;
    *cap = ncap;
    return 0;
}

void
actor_fx_begin(struct actor_fx *fx, const char *actor, const char *producer,
               int64_t now_ns, const struct actor_msg *input,
               const char *id_base)
{
    fx->actor = actor;
    fx->producer = producer;
    fx->now_ns = now_ns;
    fx->input = input;
    fx->first_out = fx->nouts;
    for (size_t i = 0; i < fx->ncauses; i++) {
        free(fx->causes[i]->stream);
        free(fx->causes[i]->subject);
        free(fx->causes[i]);
    }
    fx->ncauses = 0;
    if (input != NULL) {
        snprintf(fx->id_base, sizeof(fx->id_base), "%s:%s:%" PRIu64, actor,
                 input->stream ? input->stream : "-", input->seq);
    } else {
        snprintf(fx->id_base, sizeof(fx->id_base), "%s:%s", actor,
                 id_base ? id_base : "-");
    }
    if (input != NULL && input->env->trace_id != NULL &&
        input->env->trace_id[0] != '\0') {
        snprintf(fx->trace_id, sizeof(fx->trace_id), "%s",
                 input->env->trace_id);
    } else {
        bus_trace_id(fx->id_base, strlen(fx->id_base), fx->trace_id);
    }
}

int
actor_fx_cause(struct actor_fx *fx, const char *stream, uint64_t seq,
               const char *subject)
{
    Flotilla__V1__Cause *c;
    Flotilla__V1__Cause **n;

    n = realloc(fx->causes, (fx->ncauses + 1) * sizeof(*n));
    if (n == NULL) {
        return -ENOMEM;
    }
    fx->causes = n;
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return -ENOMEM;
    }
    flotilla__v1__cause__init(c);
    c->stream = strdup(stream ? stream : "");
    c->subject = strdup(subject ? subject : "");
    c->seq = seq;
    fx->causes[fx->ncauses++] = c;
    return 0;
}

static int
pack_payload(const ProtobufCMessage *payload, ProtobufCBinaryData *out)
{
    out->len = 0;
    out->data = NULL;
    if (payload == NULL) {
        return 0;
    }
    out->len = protobuf_c_message_get_packed_size(payload);
    out->data = malloc(out->len > 0 ? out->len : 1);
    if (out->data == NULL) {
        return -ENOMEM;
    }
    protobuf_c_message_pack(payload, out->data);
    return 0;
}

int
actor_fx_publish(struct actor_fx *fx, const char *subject, const char *key,
                 const char *type, const ProtobufCMessage *payload,
                 unsigned flags)
{
    Flotilla__V1__Envelope env = FLOTILLA__V1__ENVELOPE__INIT;
    Flotilla__V1__Cause in = FLOTILLA__V1__CAUSE__INIT;
    Flotilla__V1__Cause **causes = NULL;
    struct actor_out *o;
    char id[256];
    int rc;

    rc = grow((void **)&fx->outs, &fx->capouts, fx->nouts + 1,
              sizeof(*fx->outs));
    if (rc != 0) {
        return rc;
    }
    causes = calloc(fx->ncauses + 1, sizeof(*causes));
    if (causes == NULL) {
        return -ENOMEM;
    }
    env.n_causation = 0;
    if (fx->input != NULL) {
        in.stream = (char *)(fx->input->stream ? fx->input->stream : "");
        in.seq = fx->input->seq;
        in.subject = (char *)fx->input->subject;
        causes[env.n_causation++] = &in;
    }
    for (size_t i = 0; i < fx->ncauses; i++) {
        causes[env.n_causation++] = fx->causes[i];
    }
    env.causation = causes;
    env.key = (char *)key;
    env.event_time_ns = fx->now_ns;
    env.decided_at_ns = fx->now_ns;
    env.producer = (char *)fx->producer;
    env.trace_id = fx->trace_id;
    env.schema_version = BUS_SCHEMA_VERSION;
    env.type = (char *)type;
    env.deleted = (flags & ACTOR_PUB_TOMBSTONE) != 0;
    rc = pack_payload(payload, &env.payload);
    if (rc != 0) {
        free(causes);
        return rc;
    }

    o = &fx->outs[fx->nouts];
    memset(o, 0, sizeof(*o));
    snprintf(id, sizeof(id), "%s:%zu", fx->id_base, fx->nouts - fx->first_out);
    o->subject = strdup(subject);
    o->msg_id = strdup(id);
    o->flags = flags;
    rc = bus_envelope_pack(&env, &o->data, &o->len);
    free(env.payload.data);
    free(causes);
    if (rc != 0 || o->subject == NULL || o->msg_id == NULL) {
        free(o->subject);
        free(o->msg_id);
        free(o->data);
        return -ENOMEM;
    }
    fx->nouts++;
    return 0;
}

int
actor_fx_timer(struct actor_fx *fx, const char *name, int64_t due_ns)
{
    int rc;

    rc = grow((void **)&fx->timers, &fx->captimers, fx->ntimers + 1,
              sizeof(*fx->timers));
    if (rc != 0) {
        return rc;
    }
    fx->timers[fx->ntimers].name = strdup(name);
    if (fx->timers[fx->ntimers].name == NULL) {
        return -ENOMEM;
    }
    fx->timers[fx->ntimers].due_ns = due_ns;
    fx->ntimers++;
    return 0;
}

void
actor_fx_decision(struct actor_fx *fx, const char *key, const char *decision,
                  const char *reason)
{
    struct actor_decision_rec *d;

    if (grow((void **)&fx->decisions, &fx->capdecisions, fx->ndecisions + 1,
             sizeof(*fx->decisions)) != 0) {
        return;
    }
    d = &fx->decisions[fx->ndecisions];
    d->key = strdup(key);
    d->decision = strdup(decision);
    d->reason = strdup(reason);
    if (d->key == NULL || d->decision == NULL || d->reason == NULL) {
        free(d->key);
        free(d->decision);
        free(d->reason);
        return;
    }
    fx->ndecisions++;
}

void
actor_fx_log_decisions(const struct actor_fx *fx)
{
    for (size_t i = 0; i < fx->ndecisions; i++) {
        log_info("decision", "actor=%s key=%s decision=\"%s\" reason=\"%s\" trace=%s",
                 fx->actor, fx->decisions[i].key, fx->decisions[i].decision,
                 fx->decisions[i].reason, fx->trace_id);
    }
}

void
actor_fx_reset(struct actor_fx *fx)
{
    for (size_t i = 0; i < fx->nouts; i++) {
        free(fx->outs[i].subject);
        free(fx->outs[i].msg_id);
        free(fx->outs[i].data);
    }
    for (size_t i = 0; i < fx->ntimers; i++) {
        free(fx->timers[i].name);
    }
    for (size_t i = 0; i < fx->ndecisions; i++) {
        free(fx->decisions[i].key);
        free(fx->decisions[i].decision);
        free(fx->decisions[i].reason);
    }
    for (size_t i = 0; i < fx->ncauses; i++) {
        free(fx->causes[i]->stream);
        free(fx->causes[i]->subject);
        free(fx->causes[i]);
    }
    free(fx->causes);
    fx->causes = NULL;
    fx->ncauses = 0;
    fx->nouts = 0;
    fx->ntimers = 0;
    fx->ndecisions = 0;
}

void
actor_fx_release(struct actor_fx *fx)
{
    actor_fx_reset(fx);
    free(fx->outs);
    free(fx->timers);
    free(fx->decisions);
    fx->outs = NULL;
    fx->timers = NULL;
    fx->decisions = NULL;
    fx->capouts = fx->captimers = fx->capdecisions = 0;
}

int
actor_timer_name(struct strmap *names, const char *prefix, const char *key,
                 char *buf, size_t len)
{
    /* the seed the actors' timer names were first made with: kept so names
     * stay the same across an upgrade */
    uint64_t h = util_fnv64_update(UINT64_C(1469598103934665603), key,
                                   strlen(key));
    struct strmap_entry *e;

    snprintf(buf, len, "%s%016" PRIx64, prefix, h);
    e = util_strmap_put(names, buf);
    if (e == NULL) {
        return -ENOMEM;
    }
    if (e->ptr == NULL && (e->ptr = strdup(key)) == NULL) {
        return -ENOMEM;
    }
    return 0;
}

const char *
actor_timer_key(const struct strmap *names, const char *name)
{
    struct strmap_entry *e = util_strmap_get(names, name);

    return e != NULL ? e->ptr : NULL;
}

void *
actor_msg_unpack(const struct actor_msg *m, const ProtobufCMessageDescriptor *d)
{
    return protobuf_c_message_unpack(d, NULL, m->env->payload.len,
                                     m->env->payload.data);
}
