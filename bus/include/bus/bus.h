/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bus: one JetStream connection and what actors do with it. Only bus/
 * includes <nats/nats.h>; the rest of Flotilla sees these types.
 *
 * Errors are negative errno values: -ESTALE when an expected last subject
 * sequence did not hold (a second writer on an owned key), -ETIMEDOUT,
 * -ENOTCONN, -EHOSTUNREACH (no responders), -ENOENT (no such stream,
 * consumer or message), -EEXIST, -EMSGSIZE, -EINVAL, -ENOMEM, -EIO.
 */
#ifndef BUS_BUS_H
#define BUS_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bus_conn;
struct bus_consumer;

struct bus_options {
    const char *url;            /* one or several, comma separated */
    const char *name;           /* connection name shown by the server */
    const char *user;           /* user/password authentication, or NULL */
    const char *password;
    const char *nkey_public;    /* NKey authentication: public key "U..." */
    const char *nkey_seed_file; /* ...and the file holding its seed */
    const char *tls_ca_file;    /* TLS: trust these CAs (turns TLS on) */
    const char *tls_cert_file;  /* client certificate (mutual TLS), or NULL */
    const char *tls_key_file;
    const char *tls_hostname;   /* expected server name, or NULL */
    int reconnect_wait_ms;      /* 0 = 250 ms */
    int connect_timeout_ms;     /* 0 = 2000 ms */
    int publish_wait_ms;        /* JetStream API and ack wait; 0 = 5000 ms */
    bool retry_first_connect;   /* keep trying when the server is not up yet */
};

/* Fills @o with defaults (url "nats://127.0.0.1:4222"). */
void bus_options_init(struct bus_options *o);

/*
 * Connects and opens a JetStream context. Reconnects forever with jittered
 * waits; connection events are logged. On success *@out is a new
 * connection; it is untouched on failure.
 */
int bus_conn_new(const struct bus_options *o, struct bus_conn **out);

/* Drains subscriptions, closes and frees @c. NULL is a no-op. */
void bus_conn_free(struct bus_conn *c);

/*
 * Releases the NATS library's own threads and memory at process exit,
 * after every connection is freed. Optional; it keeps leak checkers quiet.
 */
void bus_shutdown(void);

/* True while connected (not reconnecting or closed). */
bool bus_conn_is_connected(struct bus_conn *c);

/* ---------------------------------------------------------------- streams */

struct bus_stream_def {
    const char *name;
    const char *const *subjects; /* NULL-terminated */
    bool state;                  /* compacted: last message per subject */
    int64_t max_age_ns;          /* log streams: age kept; 0 = for ever */
    int64_t max_bytes;           /* 0 = unlimited */
    int64_t duplicates_ns;       /* de-duplication window; 0 = 2 min */
    int replicas;                /* 0 = 1 */
    bool memory;                 /* memory storage (tests) */
};

/*
 * Creates the stream, or updates it to @d when it exists with another
 * configuration. Idempotent.
 */
int bus_stream_ensure(struct bus_conn *c, const struct bus_stream_def *d);

/*
 * Reads stream definitions from the JSON file @path (deploy/nats/streams.json)
 * and ensures each. @replicas > 0 overrides the file's replica counts;
 * @name_prefix (or NULL) is prepended to every stream name and subject
 * (tests use it to keep their own streams apart). Returns 0 or the first
 * error; @err (of @errlen bytes) then says which stream and why.
 */
int bus_streams_provision(struct bus_conn *c, const char *path, int replicas,
                          char *err, size_t errlen);

/* Deletes stream @name. -ENOENT when there is none. */
int bus_stream_delete(struct bus_conn *c, const char *name);

/* Stored message count and last sequence of stream @name. */
int bus_stream_info(struct bus_conn *c, const char *name, uint64_t *msgs,
                    uint64_t *last_seq);

/* ---------------------------------------------------------------- publish */

struct bus_header {
    const char *name;
    const char *value;
};

struct bus_pub {
    const char *subject;
    const void *data;
    size_t len;
    const char *msg_id;        /* Nats-Msg-Id: a retry with it is dropped */
    bool expect_subject_seq;   /* check the subject's last sequence... */
    uint64_t last_subject_seq; /* ...is this one (0 = no message yet) */
    const struct bus_header *headers; /* extra headers, or NULL */
    size_t header_count;
};

/*
 * Publishes @p and waits for the stream's ack. *@seq_out (may be NULL) gets
 * the stored sequence; *@duplicate (may be NULL) says the stream had it
 * already under the same message id. -ESTALE when the expected subject
 * sequence did not hold.
 */
int bus_publish(struct bus_conn *c, const struct bus_pub *p, uint64_t *seq_out,
                bool *duplicate);

/* Called once per asynchronous publish when its ack or error arrives. */
typedef void bus_ack_fn(const char *subject, uint64_t seq, int err, void *arg);

/*
 * Queues @p for publishing without waiting for its ack. Complete the batch
 * with bus_publish_wait() before relying on any of it.
 */
int bus_publish_async(struct bus_conn *c, const struct bus_pub *p);

/*
 * Waits up to @timeout_ms for every queued publish to be acknowledged and
 * reports each through @on_ack (may be NULL). Returns 0 when all were
 * stored (or were duplicates), else the first error (-ESTALE, -ETIMEDOUT...).
 */
int bus_publish_wait(struct bus_conn *c, int timeout_ms, bus_ack_fn *on_ack,
                     void *arg);

/* ---------------------------------------------------------------- consume */

struct bus_msg {
    const char *subject;
    const void *data;
    size_t len;
    const char *stream;
    uint64_t stream_seq;
    uint64_t delivered;  /* how many times it has been delivered */
    uint64_t pending;    /* messages left after this one */
    int64_t timestamp_ns;
    void *raw;           /* the library's message; owned by the batch */
    struct bus_conn *conn; /* where acks go (consumed messages only) */
};

struct bus_consumer_def {
    const char *stream;
    const char *durable;
    const char *filter;      /* subject filter, or NULL for all */
    int64_t ack_wait_ns;     /* 0 = 30 s */
    int max_deliver;         /* 0 = unlimited */
    int max_ack_pending;     /* 0 = 10000 */
    bool ack_all;            /* acking a message acks every earlier one */
};

/*
 * Creates the durable pull consumer when missing (idempotent) and binds to
 * it. Messages are acked explicitly.
 */
int bus_consumer_open(struct bus_conn *c, const struct bus_consumer_def *d,
                      struct bus_consumer **out);

/*
 * True when the consumer (as the server has it) acks cumulatively: acking a
 * message acks every earlier one. A durable made before with explicit acks
 * keeps them; callers must then ack each message.
 */
bool bus_consumer_acks_all(const struct bus_consumer *k);

/* Unbinds; the durable consumer stays on the server. NULL is a no-op. */
void bus_consumer_close(struct bus_consumer *k);

/*
 * Fetches up to @max messages, waiting up to @timeout_ms. *@msgs is an
 * array of *@n messages valid until bus_msgs_free(); rarely *@n exceeds @max
 * (messages of an earlier request that arrived late). -ETIMEDOUT when
 * nothing came (then *@n is 0). One caller per consumer at a time.
 */
int bus_consumer_fetch(struct bus_consumer *k, int max, int timeout_ms,
                       struct bus_msg **msgs, int *n);

/* Number of messages the consumer has not been delivered yet, and redeliveries. */
int bus_consumer_lag(struct bus_consumer *k, uint64_t *pending,
                     uint64_t *ack_pending, uint64_t *redelivered);

/*
 * Sets *idle when every durable consumer of @stream has been delivered all
 * its messages and has acknowledged them (nothing pending, nothing awaiting
 * an ack): the actors reading the stream have taken in all it holds.
 */
int bus_stream_consumers_idle(struct bus_conn *c, const char *stream,
                              bool *idle);

int bus_msg_ack(struct bus_msg *m);
int bus_msg_nak(struct bus_msg *m, int delay_ms);
/* Tells the server never to redeliver @m. */
int bus_msg_term(struct bus_msg *m);

/* Reads header @name of a consumed message into @buf; -ENOENT when absent. */
int bus_msg_header(struct bus_msg *m, const char *name, char *buf, size_t len);

void bus_msgs_free(struct bus_msg *msgs, int n);

/* ---------------------------------------------------------------- reading state */

/* Called for each message by the readers below; non-zero stops the read. */
typedef int bus_read_fn(const struct bus_msg *m, void *arg);

/*
 * Reads the last message of every subject matching @filter in @stream, in
 * stream order, then returns (0). This is the start-up read that rebuilds
 * an actor's state from a compacted stream.
 */
int bus_read_last_per_subject(struct bus_conn *c, const char *stream,
                              const char *filter, bus_read_fn *fn, void *arg);

/*
 * Reads every message of @stream matching @filter (NULL = all) from
 * sequence @from_seq (1 = the start) to the end as it was when the read
 * began. Used by replay and `flotilla dlq list`.
 */
int bus_read_range(struct bus_conn *c, const char *stream, const char *filter,
                   uint64_t from_seq, bus_read_fn *fn, void *arg);

/* Reads message @seq of @stream. */
int bus_read_seq(struct bus_conn *c, const char *stream, uint64_t seq,
                 bus_read_fn *fn, void *arg);

/* Last sequence stored for exactly @subject in @stream (0 when none). */
int bus_last_subject_seq(struct bus_conn *c, const char *stream,
                         const char *subject, uint64_t *seq);

/* ---------------------------------------------------------------- live traffic */

struct bus_sub;

/* Called on the library's thread for every message a subscription gets. */
typedef void bus_live_fn(const char *subject, const void *data, size_t len,
                         void *arg);

/*
 * Subscribes to core NATS traffic on @subject (wildcards allowed): every
 * message published there from now on, stored by a stream or not, once
 * (a stream's deliveries to consumers are left out). For `flotilla events
 * -f`; actors use durable consumers instead.
 */
int bus_subscribe(struct bus_conn *c, const char *subject, bus_live_fn *fn,
                  void *arg, struct bus_sub **out);

/* Ends the subscription and frees it. NULL is a no-op. */
void bus_unsubscribe(struct bus_sub *s);

/* ---------------------------------------------------------------- dead letters */

/*
 * Copies a message that cannot be handled to "dlq.<actor>" with the reason
 * and its origin in headers (Fl-Reason, Fl-Subject, Fl-Stream, Fl-Seq). The
 * copy's message id derives from (actor, stream, seq), so doing it twice
 * stores it once.
 */
int bus_dlq_put(struct bus_conn *c, const char *actor, const struct bus_msg *m,
                const char *reason);

#endif /* BUS_BUS_H */
