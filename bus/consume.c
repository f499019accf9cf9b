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

/*
 * A durable pull consumer, pulled by hand: each fetch publishes one
 * "$JS.API.CONSUMER.MSG.NEXT" request whose reply subject is this
 * consumer's own inbox, and reads the messages and the status that ends
 * the request from a plain subscription. The client library's own
 * natsSubscription_Fetch() is not used: in libnats 3.4.1 it can write past
 * the array it allocated for the batch under load (valgrind: invalid
 * write in _fetch), corrupting the heap of whoever calls it.
 */
struct bus_consumer {
    struct bus_conn *conn;
    natsSubscription *sub;      /* on inbox.* */
    bool ack_all;
    char stream[64];
    char durable[128];
    char inbox[128];
    char next_subject[320];     /* $JS.API.CONSUMER.MSG.NEXT.<stream>.<durable> */
    uint64_t request;           /* number of the request in flight */
};

int
bus_consumer_open(struct bus_conn *c, const struct bus_consumer_def *d,
                  struct bus_consumer **out)
{
    struct bus_consumer *k = NULL;
    jsConsumerInfo *ci = NULL;
    jsConsumerConfig cc;
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
        char wildcard[160];
        natsInbox *inbox = NULL;

        s = natsInbox_Create(&inbox);
        if (s == NATS_OK) {
            snprintf(k->inbox, sizeof(k->inbox), "%s", (const char *)inbox);
            natsInbox_Destroy(inbox);
        }
        snprintf(wildcard, sizeof(wildcard), "%s.*", k->inbox);
        snprintf(k->next_subject, sizeof(k->next_subject),
                 "$JS.API.CONSUMER.MSG.NEXT.%s.%s", d->stream, d->durable);
        if (s == NATS_OK) {
            s = natsConnection_SubscribeSync(&k->sub, c->nc, wildcard);
        }
        if (s == NATS_OK) {
            /* Never drop what the server sends us: it is pending our ack. */
            s = natsSubscription_SetPendingLimits(k->sub, -1, -1);
        }
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
    if (k->sub != NULL) {
        (void)natsSubscription_Unsubscribe(k->sub);
    }
    natsSubscription_Destroy(k->sub);
    free(k);
}

/*
 * Reads stream sequence, delivery count, pending count and time from the
 * reply subject JetStream gives each delivered message:
 *   $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ns>.<pending>
 * or, with a domain, $JS.ACK.<domain>.<hash>.<stream>.<consumer>.<delivered>...
 */
static void
parse_ack_subject(struct bus_msg *m, const char *reply)
{
    const char *tok[16];
    char buf[512];
    int n = 0;
    int at;

    if (reply == NULL || strncmp(reply, "$JS.ACK.", 8) != 0 ||
        strlen(reply) >= sizeof(buf)) {
        return;
    }
    strcpy(buf, reply);
    for (char *p = buf, *save = NULL, *t = strtok_r(p, ".", &save);
         t != NULL && n < 16; t = strtok_r(NULL, ".", &save)) {
        tok[n++] = t;
    }
    if (n == 9) {
        at = 4;     /* $JS ACK stream consumer | delivered ... */
    } else if (n >= 11) {
        at = 6;     /* $JS ACK domain hash stream consumer | delivered ... */
    } else {
        return;
    }
    m->delivered = strtoull(tok[at], NULL, 10);
    m->stream_seq = strtoull(tok[at + 1], NULL, 10);
    m->timestamp_ns = (int64_t)strtoll(tok[at + 3], NULL, 10);
    m->pending = strtoull(tok[at + 4], NULL, 10);
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
    } else {
        parse_ack_subject(m, natsMsg_GetReply(raw));
    }
}

/* The status code of a status message (404, 408, 409...), or 0 for data. */
static int
status_of(natsMsg *msg)
{
    const char *v = NULL;

    if (natsMsg_GetDataLength(msg) != 0 ||
        natsMsgHeader_Get(msg, "Status", &v) != NATS_OK || v == NULL) {
        return 0;
    }
    return atoi(v);
}

/* How long a started batch waits for its next message. */
#define FETCH_GRACE_MS 2

int
bus_consumer_fetch(struct bus_consumer *k, int max, int timeout_ms,
                   struct bus_msg **msgs, int *n)
{
    struct bus_msg *out = NULL;
    int64_t deadline = util_time_mono_ns() + (int64_t)timeout_ms * NS_PER_MS;
    int64_t expires_ns;
    char reply[200];
    char body[96];
    int count = 0, cap = 0;
    natsStatus s;

    *msgs = NULL;
    *n = 0;
    if (max <= 0) {
        return -EINVAL;
    }
    /* The server ends the request a little before we stop waiting, so its
     * end (408) is what closes it, not our timeout. */
    expires_ns = (int64_t)(timeout_ms > 20 ? timeout_ms - 10 : timeout_ms) *
                 NS_PER_MS;
    k->request++;
    snprintf(reply, sizeof(reply), "%s.%" PRIu64, k->inbox, k->request);
    snprintf(body, sizeof(body), "{\"batch\":%d,\"expires\":%" PRId64 "}", max,
             expires_ns);
    s = natsConnection_PublishRequest(k->conn->nc, k->next_subject, reply,
                                      body, (int)strlen(body));
    if (s != NATS_OK) {
        return bus_errno_from_nats(s, 0);
    }
    for (;;) {
        int64_t left = (deadline - util_time_mono_ns()) / NS_PER_MS;
        natsMsg *raw = NULL;
        int status;

        /* Messages already queued are taken without waiting, so a batch
         * that filled up returns at once. Once one message is in, a pause
         * of FETCH_GRACE_MS in the flow ends the batch too: waiting for a
         * full batch would hold a lone message until the request expires
         * (hundreds of ms per hop of the pipeline). The request stays open
         * on the server; what it still delivers is taken by the next call
         * (counted in as an older request's messages, below). */
        if (count > 0 && left > FETCH_GRACE_MS) {
            left = FETCH_GRACE_MS;
        }
        s = natsSubscription_NextMsg(&raw, k->sub, left > 0 ? left : 0);
        if (s != NATS_OK) {
            break;
        }
        status = status_of(raw);
        if (status != 0) {
            bool ours = strcmp(natsMsg_GetSubject(raw), reply) == 0;

            natsMsg_Destroy(raw);
            if (ours && status != 100) {
                break;  /* 404 no messages, 408 expired, 409...: done */
            }
            continue;   /* an older request's end, or a heartbeat */
        }
        if (count == cap) {
            int ncap = cap ? cap * 2 : (max < 64 ? max : 64);
            struct bus_msg *grown = realloc(out, (size_t)ncap * sizeof(*out));

            if (grown == NULL) {
                natsMsg_Destroy(raw);
                break;
            }
            out = grown;
            cap = ncap;
        }
        fill_msg(&out[count], raw);
        out[count].stream = k->stream;
        out[count].conn = k->conn;
        count++;
        /* A full batch ends the request on the server too. Messages of an
         * older request that arrived late are counted in and simply make
         * this batch larger than asked. */
        if (count >= max) {
            uint64_t queued = 0;

            if (natsSubscription_QueuedMsgs(k->sub, &queued) != NATS_OK ||
                queued == 0) {
                break;
            }
        }
    }
    if (count == 0) {
        free(out);
        return -ETIMEDOUT;
    }
    *msgs = out;
    *n = count;
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
bus_stream_consumers_idle(struct bus_conn *c, const char *stream, bool *idle)
{
    jsConsumerInfoList *list = NULL;
    jsErrCode jerr = 0;
    natsStatus s;
    int rc;

    *idle = false;
    s = js_Consumers(&list, c->js, stream, NULL, &jerr);
    if (s == NATS_NOT_FOUND) {
        /* a stream without consumers */
        *idle = true;
        return 0;
    }
    rc = bus_errno_from_nats(s, jerr);
    if (rc == 0) {
        *idle = true;
        for (int i = 0; i < list->Count; i++) {
            if (list->List[i]->NumPending > 0 ||
                list->List[i]->NumAckPending > 0) {
                *idle = false;
            }
        }
    }
    jsConsumerInfoList_Destroy(list);
    return rc;
}

/*
 * Acknowledges @m by publishing @body to its reply subject, which is what
 * natsMsg_Ack() and friends do for messages of a JetStream subscription;
 * ours come through a plain one (see struct bus_consumer).
 */
static int
reply_ack(struct bus_msg *m, const char *body)
{
    const char *reply = natsMsg_GetReply(m->raw);

    if (m->conn == NULL || reply == NULL || strncmp(reply, "$JS.ACK.", 8)) {
        return -EINVAL;
    }
    return bus_errno_from_nats(
        natsConnection_Publish(m->conn->nc, reply, body, (int)strlen(body)),
        0);
}

int
bus_msg_ack(struct bus_msg *m)
{
    return reply_ack(m, "+ACK");
}

int
bus_msg_nak(struct bus_msg *m, int delay_ms)
{
    char body[64];

    if (delay_ms > 0) {
        snprintf(body, sizeof(body), "-NAK {\"delay\":%" PRId64 "}",
                 (int64_t)delay_ms * NS_PER_MS);
        return reply_ack(m, body);
    }
    return reply_ack(m, "-NAK");
}

int
bus_msg_term(struct bus_msg *m)
{
    return reply_ack(m, "+TERM");
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
