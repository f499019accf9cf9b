/* SPDX-License-Identifier: Apache-2.0 */
/* Test support; see buspub.h. */
#include "support/buspub.h"

#include <stdio.h>
#include <string.h>

#include "actor/actor.h"
#include "bus/bus.h"
#include "bus/envelope.h"
#include "bus/subject.h"
#include "util/time.h"

int
test_publish(struct bus_conn *c, const char *prefix, const char *a,
             const char *b, const char *cc, const char *key, const char *type,
             const ProtobufCMessage *msg)
{
    static int n;
    struct actor_fx fx = { 0 };
    struct bus_pub p = { 0 };
    char subject[BUS_SUBJECT_MAX];
    char id[64];
    int rc;

    const struct bus_subject_class *cls;
    char producer[96];

    bus_subject_build(subject, sizeof(subject), prefix, a, b, cc);
    /* Speak as the owner of the subject, as the real producer would. */
    cls = bus_subject_classify(subject);
    snprintf(producer, sizeof(producer), "%s/test",
             cls != NULL && strcmp(cls->owner, "*") != 0 ? cls->owner : "test");
    snprintf(id, sizeof(id), "test-%d", n++);
    actor_fx_begin(&fx, "test", producer, util_time_now_ns(), NULL, id);
    rc = actor_fx_publish(&fx, subject, key, type, msg, 0);
    if (rc == 0) {
        p.subject = subject;
        p.data = fx.outs[0].data;
        p.len = fx.outs[0].len;
        p.msg_id = fx.outs[0].msg_id;
        rc = bus_publish(c, &p, NULL, NULL);
    }
    actor_fx_release(&fx);
    return rc;
}

static int
grab(const struct bus_msg *m, void *arg)
{
    Flotilla__V1__Envelope **out = arg;
    char why[128];

    return bus_envelope_unpack(m->data, m->len, out, why, sizeof(why));
}

Flotilla__V1__Envelope *
test_read_last(struct bus_conn *c, const char *stream, const char *prefix,
               const char *a, const char *b, const char *cc)
{
    Flotilla__V1__Envelope *env = NULL;
    char subject[BUS_SUBJECT_MAX];
    uint64_t seq = 0;

    bus_subject_build(subject, sizeof(subject), prefix, a, b, cc);
    if (bus_last_subject_seq(c, stream, subject, &seq) != 0 || seq == 0) {
        return NULL;
    }
    if (bus_read_seq(c, stream, seq, grab, &env) != 0) {
        return NULL;
    }
    return env;
}
