/* SPDX-License-Identifier: Apache-2.0 */
/* Durable pull consumers, fetch, acks; start-up and range reads. */
#define LOG_MODULE "bus"
#include "bus_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/time.h"

struct bus_consumer {
    struct bus_conn *conn;
    natsSubscription *sub;
    bool ack_all;
    char stream[64];
    char durable[128];
};

int
bus_consumer_open(struct bus_conn *c, const struct bus_consumer_def *d,
                  struct bus_consumer **out)
{
    struct bus_consumer *k = NULL;
    jsConsumerInfo *ci = NULL;
    jsConsumerConfig cc;
    jsSubOptions so;
    jsErrCode jerr = 0;
    natsStatus s;
    int rc;

    k = calloc(1, sizeof(*k));
    if (k == NULL) {
        return -ENOMEM;
    }
    k->conn = c;
    snprintf(k->stream, sizeof(k->stream), "%s", d->stream);
    snprintf(k->durable, sizeof(k->durable), "%s", d->durable);

    jsConsumerConfig_Init(&cc);
    cc.Durable = d->durable;
    cc.AckPolicy = d->ack_all ? js_AckAll : js_AckExplicit;
    cc.DeliverPolicy = js_DeliverAll;
    cc.FilterSubject = d->filter;
    cc.AckWait = d->ack_wait_ns > 0 ? d->ack_wait_ns : 30 * NS_PER_S;
    cc.MaxDeliver = d->max_deliver > 0 ? d->max_deliver : -1;
    cc.MaxAckPending = d->max_ack_pending > 0 ? d->max_ack_pending : 10000;
    s = js_AddConsumer(&ci, c->js, d->stream, &cc, NULL, &jerr);
    if (s != NATS_OK && jerr == JSConsumerNameExistErr) {
        jsErrCode jerr2 = 0;

        /* It exists: go by what the server has, not by what we asked. */
        jsConsumerInfo_Destroy(ci);
        ci = NULL;
        s = js_GetConsumerInfo(&ci, c->js, d->stream, d->durable, NULL, &jerr2);
    }
    if (s == NATS_OK && ci != NULL && ci->Config != NULL) {
        k->ack_all = ci->Config->AckPolicy == js_AckAll;
    }
    jsConsumerInfo_Destroy(ci);
    if (s == NATS_OK) {
        jsSubOptions_Init(&so);
        so.Stream = d->stream;
        so.Consumer = d->durable;
        s = js_PullSubscribe(&k->sub, c->js, d->filter ? d->filter : ">",
                             d->durable, NULL, &so, &jerr);
    }
    rc = bus_errno_from_nats(s, jerr);
    if (rc != 0) {
        log_error("consumer bind failed",
                  "stream=%s durable=%s jerr=%d detail=\"%s\"", d->stream,
                  d->durable, (int)jerr, nats_GetLastError(NULL));
        free(k);
        return rc;
    }
    log_info("consumer bound", "stream=%s durable=%s filter=%s", d->stream,
             d->durable, d->filter ? d->filter : ">");
    *out = k;
    return 0;
}

bool
bus_consumer_acks_all(const struct bus_consumer *k)
{
    return k->ack_all;
}

void
bus_consumer_close(struct bus_consumer *k)
{
    if (k == NULL) {
        return;
    }
    natsSubscription_Destroy(k->sub);
    free(k);
}

static void
fill_msg(struct bus_msg *m, natsMsg *raw)
{
    jsMsgMetaData *md = NULL;

    memset(m, 0, sizeof(*m));
    m->raw = raw;
    m->subject = natsMsg_GetSubject(raw);
    m->data = natsMsg_GetData(raw);
    m->len = (size_t)natsMsg_GetDataLength(raw);
    if (natsMsg_GetMetaData(&md, raw) == NATS_OK) {
        m->stream_seq = md->Sequence.Stream;
        m->delivered = md->NumDelivered;
        m->pending = md->NumPending;
        m->timestamp_ns = md->Timestamp;
        jsMsgMetaData_Destroy(md);
    }
}

int
bus_consumer_fetch(struct bus_consumer *k, int max, int timeout_ms,
                   struct bus_msg **msgs, int *n)
{
    natsMsgList list = { 0 };
    struct bus_msg *out;
    jsErrCode jerr = 0;
    natsStatus s;
    int rc;

    *msgs = NULL;
    *n = 0;
    s = natsSubscription_Fetch(&list, k->sub, max, timeout_ms, &jerr);
    if (s == NATS_TIMEOUT || (s == NATS_OK && list.Count == 0)) {
        natsMsgList_Destroy(&list);
        return -ETIMEDOUT;
    }
    rc = bus_errno_from_nats(s, jerr);
    if (rc != 0) {
        natsMsgList_Destroy(&list);
        return rc;
    }
    out = calloc((size_t)list.Count, sizeof(*out));
    if (out == NULL) {
        natsMsgList_Destroy(&list);
        return -ENOMEM;
    }
    for (int i = 0; i < list.Count; i++) {
        fill_msg(&out[i], list.Msgs[i]);
        out[i].stream = k->stream;
        list.Msgs[i] = NULL;
    }
    *n = list.Count;
    *msgs = out;
    natsMsgList_Destroy(&list);
    return 0;
}

int
bus_consumer_lag(struct bus_consumer *k, uint64_t *pending,
                 uint64_t *ack_pending, uint64_t *redelivered)
{
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    natsStatus s;
    int rc;

    s = js_GetConsumerInfo(&ci, k->conn->js, k->stream, k->durable, NULL,
                           &jerr);
    rc = bus_errno_from_nats(s, jerr);
    if (rc == 0) {
        *pending = ci->NumPending;
        *ack_pending = (uint64_t)ci->NumAckPending;
        *redelivered = (uint64_t)ci->NumRedelivered;
    }
    jsConsumerInfo_Destroy(ci);
    return rc;
}

int
bus_msg_ack(struct bus_msg *m)
{
    return bus_errno_from_nats(natsMsg_Ack(m->raw, NULL), 0);
}

int
bus_msg_nak(struct bus_msg *m, int delay_ms)
{
    natsStatus s;

    s = delay_ms > 0 ? natsMsg_NakWithDelay(m->raw, delay_ms, NULL)
                     : natsMsg_Nak(m->raw, NULL);
    return bus_errno_from_nats(s, 0);
}

int
bus_msg_term(struct bus_msg *m)
{
    return bus_errno_from_nats(natsMsg_Term(m->raw, NULL), 0);
}

int
bus_msg_header(struct bus_msg *m, const char *name, char *buf, size_t len)
{
    const char *v = NULL;

    if (natsMsgHeader_Get(m->raw, name, &v) != NATS_OK || v == NULL) {
        return -ENOENT;
    }
    snprintf(buf, len, "%s", v);
    return 0;
}

void
bus_msgs_free(struct bus_msg *msgs, int n)
{
    for (int i = 0; msgs != NULL && i < n; i++) {
        natsMsg_Destroy(msgs[i].raw);
    }
    free(msgs);
}

/*
 * Reads an ordered, ephemeral push consumer with @policy until the messages
 * pending when it started have all arrived.
 */
static int
read_ordered(struct bus_conn *c, const char *stream, const char *filter,
             jsDeliverPolicy policy, uint64_t from_seq, bus_read_fn *fn,
             void *arg)
{
    natsSubscription *sub = NULL;
    jsConsumerInfo *ci = NULL;
    jsSubOptions so;
    jsErrCode jerr = 0;
    uint64_t left;
    natsStatus s;
    int rc;

    jsSubOptions_Init(&so);
    so.Stream = stream;
    so.Ordered = true;
    so.Config.DeliverPolicy = policy;
    so.Config.OptStartSeq = policy == js_DeliverByStartSequence ? from_seq : 0;
    s = js_SubscribeSync(&sub, c->js, filter ? filter : ">", NULL, &so, &jerr);
    if (s == NATS_OK) {
        s = natsSubscription_GetConsumerInfo(&ci, sub, NULL, &jerr);
    }
    rc = bus_errno_from_nats(s, jerr);
    if (rc != 0) {
        log_warn("state read failed", "stream=%s filter=%s detail=\"%s\"",
                 stream, filter ? filter : ">", nats_GetLastError(NULL));
        goto out;
    }
    left = ci->NumPending + (uint64_t)ci->NumAckPending +
           ci->Delivered.Consumer;
    while (left > 0) {
        natsMsg *raw = NULL;
        struct bus_msg m;

        s = natsSubscription_NextMsg(&raw, sub, c->wait_ms);
        if (s != NATS_OK) {
            rc = bus_errno_from_nats(s, 0);
            break;
        }
        fill_msg(&m, raw);
        m.stream = stream;
        rc = fn(&m, arg);
        left = m.pending;
        natsMsg_Destroy(raw);
        if (rc != 0) {
            break;
        }
    }
out:
    jsConsumerInfo_Destroy(ci);
    if (sub != NULL) {
        (void)natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
    return rc;
}

int
bus_read_last_per_subject(struct bus_conn *c, const char *stream,
                          const char *filter, bus_read_fn *fn, void *arg)
{
    return read_ordered(c, stream, filter, js_DeliverLastPerSubject, 0, fn,
                        arg);
}

int
bus_read_range(struct bus_conn *c, const char *stream, const char *filter,
               uint64_t from_seq, bus_read_fn *fn, void *arg)
{
    return read_ordered(c, stream, filter,
                        from_seq > 1 ? js_DeliverByStartSequence
                                     : js_DeliverAll,
                        from_seq, fn, arg);
}

int
bus_read_seq(struct bus_conn *c, const char *stream, uint64_t seq,
             bus_read_fn *fn, void *arg)
{
    natsMsg *raw = NULL;
    jsErrCode jerr = 0;
    struct bus_msg m;
    natsStatus s;
    int rc;

    s = js_GetMsg(&raw, c->js, stream, seq, NULL, &jerr);
    rc = bus_errno_from_nats(s, jerr);
    if (rc != 0) {
        return rc;
    }
    memset(&m, 0, sizeof(m));
    m.raw = raw;
    m.subject = natsMsg_GetSubject(raw);
    m.data = natsMsg_GetData(raw);
    m.len = (size_t)natsMsg_GetDataLength(raw);
    m.stream = stream;
    m.stream_seq = natsMsg_GetSequence(raw);
    m.timestamp_ns = natsMsg_GetTime(raw);
    rc = fn(&m, arg);
    natsMsg_Destroy(raw);
    return rc;
}

int
bus_last_subject_seq(struct bus_conn *c, const char *stream,
                     const char *subject, uint64_t *seq)
{
    natsMsg *raw = NULL;
    jsErrCode jerr = 0;
    natsStatus s;
    int rc;

    s = js_GetLastMsg(&raw, c->js, stream, subject, NULL, &jerr);
    rc = bus_errno_from_nats(s, jerr);
    if (rc == -ENOENT) {
        *seq = 0;
        return 0;
    }
    if (rc == 0) {
        *seq = natsMsg_GetSequence(raw);
    }
    natsMsg_Destroy(raw);
    return rc;
}

int
bus_dlq_put(struct bus_conn *c, const char *actor, const struct bus_msg *m,
            const char *reason)
{
    char subject[160];
    char msg_id[256];
    char seq[32];
    struct bus_header h[4];
    struct bus_pub p = { 0 };
    int rc;

    snprintf(subject, sizeof(subject), "dlq.%s", actor);
    snprintf(msg_id, sizeof(msg_id), "dlq:%s:%s:%" PRIu64, actor,
             m->stream ? m->stream : "-", m->stream_seq);
    snprintf(seq, sizeof(seq), "%" PRIu64, m->stream_seq);
    h[0] = (struct bus_header){ "Fl-Reason", reason };
    h[1] = (struct bus_header){ "Fl-Subject", m->subject ? m->subject : "" };
    h[2] = (struct bus_header){ "Fl-Stream", m->stream ? m->stream : "" };
    h[3] = (struct bus_header){ "Fl-Seq", seq };
    p.subject = subject;
    p.data = m->data;
    p.len = m->len;
    p.msg_id = msg_id;
    p.headers = h;
    p.header_count = 4;
    rc = bus_publish(c, &p, NULL, NULL);
    log_warn("dead letter", "actor=%s subject=%s stream=%s seq=%" PRIu64
             " reason=\"%s\" rc=%d", actor, m->subject ? m->subject : "",
             m->stream ? m->stream : "", m->stream_seq, reason, rc);
    return rc;
}

struct bus_sub {
    natsSubscription *sub;
    bus_live_fn *fn;
    void *arg;
};

static void
on_live(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    struct bus_sub *s = closure;

    const char *reply = natsMsg_GetReply(msg);

    (void)nc;
    (void)sub;
    /* A stream's delivery to a consumer carries the original subject too;
     * only the publication itself is traffic. */
    if (reply == NULL || strncmp(reply, "$JS.ACK.", 8) != 0) {
        s->fn(natsMsg_GetSubject(msg), natsMsg_GetData(msg),
              (size_t)natsMsg_GetDataLength(msg), s->arg);
    }
    natsMsg_Destroy(msg);
}

int
bus_subscribe(struct bus_conn *c, const char *subject, bus_live_fn *fn,
              void *arg, struct bus_sub **out)
{
    struct bus_sub *s = calloc(1, sizeof(*s));
    natsStatus st;

    if (s == NULL) {
        return -ENOMEM;
    }
    s->fn = fn;
    s->arg = arg;
    st = natsConnection_Subscribe(&s->sub, c->nc, subject, on_live, s);
    if (st != NATS_OK) {
        free(s);
        return bus_errno_from_nats(st, 0);
    }
    *out = s;
    return 0;
}

void
bus_unsubscribe(struct bus_sub *s)
{
    if (s == NULL) {
        return;
    }
    (void)natsSubscription_Unsubscribe(s->sub);
    natsSubscription_Destroy(s->sub);
    free(s);
}
