/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connection, JetStream context and the one place where NATS statuses turn
 * into errno values (bus_errno_from_nats()).
 */
#define LOG_MODULE "bus"
#include "bus_internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

int
bus_errno_from_nats(natsStatus s, jsErrCode jerr)
{
    if (s == NATS_OK) {
        return 0;
    }
    switch ((int)jerr) {
    case JSStreamWrongLastSequenceErr:
        return -ESTALE;
    case JSStreamNotFoundErr:
    case JSConsumerNotFoundErr:
    case JSNoMessageFoundErr:
        return -ENOENT;
    case JSStreamNameExistErr:
    case JSConsumerNameExistErr:
        return -EEXIST;
    default:
        break;
    }
    switch (s) {
    case NATS_TIMEOUT:
        return -ETIMEDOUT;
    case NATS_NO_MEMORY:
        return -ENOMEM;
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
        return -EINVAL;
    case NATS_NO_RESPONDERS:
        return -EHOSTUNREACH;
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_SERVER:
    case NATS_STALE_CONNECTION:
        return -ENOTCONN;
    case NATS_NOT_FOUND:
        return -ENOENT;
    case NATS_MAX_PAYLOAD:
        return -EMSGSIZE;
    default:
        return -EIO;
    }
}

void
bus_options_init(struct bus_options *o)
{
    memset(o, 0, sizeof(*o));
    o->url = "nats://127.0.0.1:4222";
    o->name = "flotilla";
}

/*
 * The library calls the connection callbacks from its own thread, possibly
 * after natsConnection_Destroy() returned; they get this small context,
 * which on_closed(), the last of them, frees.
 */
struct bus_cbctx {
    char name[128];
    atomic_bool closing;
};

static void
on_disconnected(natsConnection *nc, void *closure)
{
    struct bus_cbctx *c = closure;

    (void)nc;
    if (!atomic_load(&c->closing)) {
        log_warn("disconnected", "conn=%s", c->name);
    }
}

static void
on_reconnected(natsConnection *nc, void *closure)
{
    struct bus_cbctx *c = closure;
    char url[256] = "";

    (void)natsConnection_GetConnectedUrl(nc, url, sizeof(url));
    log_info("reconnected", "conn=%s url=%s", c->name, url);
}

static void
on_closed(natsConnection *nc, void *closure)
{
    struct bus_cbctx *c = closure;

    (void)nc;
    log_info("connection closed", "conn=%s", c->name);
    free(c);
}

static void
on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err,
               void *closure)
{
    struct bus_cbctx *c = closure;

    (void)nc;
    (void)sub;
    log_warn("async error", "conn=%s status=%s", c->name,
             natsStatus_GetText(err));
}

static void
on_pub_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae,
           void *closure)
{
    struct bus_conn *c = closure;
    struct bus_ack_rec rec = { 0 };

    (void)js;
    rec.subject = strdup(natsMsg_GetSubject(msg));
    if (pa != NULL) {
        rec.seq = pa->Sequence;
    } else if (pae != NULL) {
        rec.err = bus_errno_from_nats(pae->Err, pae->ErrCode);
        if (rec.err == 0) {
            rec.err = -EIO;
        }
        log_warn("publish failed", "conn=%s subject=%s jerr=%d detail=\"%s\"",
                 c->name, natsMsg_GetSubject(msg), (int)pae->ErrCode,
                 pae->ErrText != NULL ? pae->ErrText : "");
    }
    pthread_mutex_lock(&c->ack_lock);
    if (c->acks_len == c->acks_cap) {
        size_t cap = c->acks_cap ? c->acks_cap * 2 : 256;
        struct bus_ack_rec *n = realloc(c->acks, cap * sizeof(*n));

        if (n == NULL) {
            c->ack_overflow_err = -ENOMEM;
            pthread_mutex_unlock(&c->ack_lock);
            free(rec.subject);
            natsMsg_Destroy(msg);
            return;
        }
        c->acks = n;
        c->acks_cap = cap;
    }
    c->acks[c->acks_len++] = rec;
    pthread_mutex_unlock(&c->ack_lock);
    natsMsg_Destroy(msg);
}

static natsStatus
apply_auth(natsOptions *opts, const struct bus_options *o)
{
    natsStatus s = NATS_OK;

    if (o->user != NULL) {
        s = natsOptions_SetUserInfo(opts, o->user, o->password);
    }
    if (s == NATS_OK && o->nkey_public != NULL && o->nkey_seed_file != NULL) {
        s = natsOptions_SetNKeyFromSeed(opts, o->nkey_public,
                                        o->nkey_seed_file);
    }
    if (s == NATS_OK && o->tls_ca_file != NULL) {
        s = natsOptions_SetSecure(opts, true);
        if (s == NATS_OK) {
            s = natsOptions_LoadCATrustedCertificates(opts, o->tls_ca_file);
        }
        if (s == NATS_OK && o->tls_cert_file != NULL) {
            s = natsOptions_LoadCertificatesChain(opts, o->tls_cert_file,
                                                  o->tls_key_file);
        }
        if (s == NATS_OK && o->tls_hostname != NULL) {
            s = natsOptions_SetExpectedHostname(opts, o->tls_hostname);
        }
    }
    return s;
}

/* Hands each URL of the comma-separated @urls to the client. */
static natsStatus
set_servers(natsOptions *opts, const char *urls)
{
    const char *list[16];
    char *copy = strdup(urls);
    char *save = NULL;
    int n = 0;
    natsStatus s;

    if (copy == NULL) {
        return NATS_NO_MEMORY;
    }
    for (char *t = strtok_r(copy, ", ", &save); t != NULL && n < 16;
         t = strtok_r(NULL, ", ", &save)) {
        list[n++] = t;
    }
    s = n > 0 ? natsOptions_SetServers(opts, list, n) : NATS_INVALID_ARG;
    free(copy);
    return s;
}

static natsStatus
build_options(struct bus_conn *c, const struct bus_options *o,
              natsOptions **out)
{
    natsOptions *opts = NULL;
    natsStatus s;

    s = natsOptions_Create(&opts);
    if (s == NATS_OK) {
        s = set_servers(opts, o->url);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetName(opts, c->name);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetMaxReconnect(opts, -1);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetReconnectWait(
            opts, o->reconnect_wait_ms > 0 ? o->reconnect_wait_ms : 250);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetReconnectJitter(opts, 100, 1000);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetTimeout(
            opts, o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 2000);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetDisconnectedCB(opts, on_disconnected, c->cb);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetReconnectedCB(opts, on_reconnected, c->cb);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetClosedCB(opts, on_closed, c->cb);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetErrorHandler(opts, on_async_error, c->cb);
    }
    if (s == NATS_OK && o->retry_first_connect) {
        s = natsOptions_SetRetryOnFailedConnect(opts, true, NULL, NULL);
    }
    if (s == NATS_OK) {
        s = apply_auth(opts, o);
    }
    if (s != NATS_OK) {
        natsOptions_Destroy(opts);
        return s;
    }
    *out = opts;
    return NATS_OK;
}

int
bus_conn_new(const struct bus_options *o, struct bus_conn **out)
{
    struct bus_conn *c = NULL;
    natsOptions *opts = NULL;
    jsOptions jo;
    natsStatus s;
    int rc;

    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return -ENOMEM;
    }
    c->cb = calloc(1, sizeof(*c->cb));
    if (c->cb == NULL) {
        free(c);
        return -ENOMEM;
    }
    pthread_mutex_init(&c->ack_lock, NULL);
    snprintf(c->name, sizeof(c->name), "%s", o->name ? o->name : "flotilla");
    snprintf(c->cb->name, sizeof(c->cb->name), "%s", c->name);
    c->wait_ms = o->publish_wait_ms > 0 ? o->publish_wait_ms : 5000;

    s = build_options(c, o, &opts);
    if (s == NATS_OK) {
        s = natsConnection_Connect(&c->nc, opts);
    }
    if (s != NATS_OK) {
        rc = bus_errno_from_nats(s, 0);
        log_error("connect failed", "conn=%s url=%s status=%s detail=\"%s\"",
                  c->name, o->url, natsStatus_GetText(s),
                  nats_GetLastError(NULL));
        goto fail;
    }
    jsOptions_Init(&jo);
    jo.Wait = c->wait_ms;
    jo.PublishAsync.MaxPending = 4000;
    jo.PublishAsync.AckHandler = on_pub_ack;
    jo.PublishAsync.AckHandlerClosure = c;
    s = natsConnection_JetStream(&c->js, c->nc, &jo);
    if (s != NATS_OK) {
        rc = bus_errno_from_nats(s, 0);
        goto fail;
    }
    natsOptions_Destroy(opts);
    log_info("connected", "conn=%s url=%s", c->name, o->url);
    *out = c;
    return 0;

fail:
    natsOptions_Destroy(opts);
    if (c->nc != NULL) {
        /* on_closed() frees the callback context. */
        natsConnection_Close(c->nc);
        natsConnection_Destroy(c->nc);
    } else {
        free(c->cb);
    }
    pthread_mutex_destroy(&c->ack_lock);
    free(c);
    return rc;
}

void
bus_conn_free(struct bus_conn *c)
{
    if (c == NULL) {
        return;
    }
    if (c->js != NULL) {
        jsPubOptions po;

        jsPubOptions_Init(&po);
        po.MaxWait = 2000;
        (void)js_PublishAsyncComplete(c->js, &po);
    }
    jsCtx_Destroy(c->js);
    atomic_store(&c->cb->closing, true);
    if (c->nc != NULL) {
        natsConnection_Close(c->nc);
        natsConnection_Destroy(c->nc);
    }
    for (size_t i = 0; i < c->acks_len; i++) {
        free(c->acks[i].subject);
    }
    free(c->acks);
    pthread_mutex_destroy(&c->ack_lock);
    free(c);
}

bool
bus_conn_is_connected(struct bus_conn *c)
{
    return c != NULL && natsConnection_Status(c->nc) == NATS_CONN_STATUS_CONNECTED;
}

void
bus_shutdown(void)
{
    /* Waits up to 2 s for the library's threads to end. */
    (void)nats_CloseAndWait(2000);
}
