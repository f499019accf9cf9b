/* SPDX-License-Identifier: Apache-2.0 */
/* Publishing with de-duplication ids and expected subject sequences. */
#define LOG_MODULE "bus"
#include "bus_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

static natsStatus
make_msg(const struct bus_pub *p, natsMsg **out)
{
    natsMsg *m = NULL;
    natsStatus s;

    if (p->len > INT32_MAX) {
        return NATS_MAX_PAYLOAD;
    }
    s = natsMsg_Create(&m, p->subject, NULL, p->data, (int)p->len);
    if (s == NATS_OK && p->msg_id != NULL) {
        s = natsMsgHeader_Set(m, "Nats-Msg-Id", p->msg_id);
    }
    if (s == NATS_OK && p->expect_subject_seq) {
        char seq[32];

        snprintf(seq, sizeof(seq), "%" PRIu64, p->last_subject_seq);
        s = natsMsgHeader_Set(m, "Nats-Expected-Last-Subject-Sequence", seq);
    }
    for (size_t i = 0; s == NATS_OK && i < p->header_count; i++) {
        s = natsMsgHeader_Set(m, p->headers[i].name, p->headers[i].value);
    }
    if (s != NATS_OK) {
        natsMsg_Destroy(m);
        return s;
    }
    *out = m;
    return NATS_OK;
}

int
bus_publish(struct bus_conn *c, const struct bus_pub *p, uint64_t *seq_out,
            bool *duplicate)
{
    natsMsg *m = NULL;
    jsPubAck *ack = NULL;
    jsErrCode jerr = 0;
    natsStatus s;
    int rc;

    s = make_msg(p, &m);
    if (s == NATS_OK) {
        s = js_PublishMsg(&ack, c->js, m, NULL, &jerr);
    }
    rc = bus_errno_from_nats(s, jerr);
    if (rc != 0) {
        log_warn("publish failed",
                 "subject=%s msg_id=%s jerr=%d rc=%d detail=\"%s\"",
                 p->subject, p->msg_id ? p->msg_id : "-", (int)jerr, rc,
                 nats_GetLastError(NULL));
        goto out;
    }
    if (seq_out != NULL) {
        *seq_out = ack->Sequence;
    }
    if (duplicate != NULL) {
        *duplicate = ack->Duplicate;
    }
out:
    jsPubAck_Destroy(ack);
    natsMsg_Destroy(m);
    return rc;
}

int
bus_publish_async(struct bus_conn *c, const struct bus_pub *p)
{
    natsMsg *m = NULL;
    natsStatus s;

    s = make_msg(p, &m);
    if (s == NATS_OK) {
        s = js_PublishMsgAsync(c->js, &m, NULL);
    }
    natsMsg_Destroy(m);
    return bus_errno_from_nats(s, 0);
}

int
bus_publish_wait(struct bus_conn *c, int timeout_ms, bus_ack_fn *on_ack,
                 void *arg)
{
    struct bus_ack_rec *acks;
    jsPubOptions po;
    size_t n;
    natsStatus s;
    int rc;

    jsPubOptions_Init(&po);
    po.MaxWait = timeout_ms;
    s = js_PublishAsyncComplete(c->js, &po);
    rc = bus_errno_from_nats(s, 0);

    pthread_mutex_lock(&c->ack_lock);
    acks = c->acks;
    n = c->acks_len;
    c->acks = NULL;
    c->acks_len = 0;
    c->acks_cap = 0;
    if (rc == 0) {
        rc = c->ack_overflow_err;
    }
    c->ack_overflow_err = 0;
    pthread_mutex_unlock(&c->ack_lock);

    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && acks[i].err != 0) {
            rc = acks[i].err;
        }
        if (on_ack != NULL) {
            on_ack(acks[i].subject, acks[i].seq, acks[i].err, arg);
        }
        free(acks[i].subject);
    }
    free(acks);
    return rc;
}
