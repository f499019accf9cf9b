/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: publish a message in an envelope, read a subject's last one. */
#ifndef TESTS_BUSPUB_H
#define TESTS_BUSPUB_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "proto/flotilla.pb-c.h"

struct bus_conn;

/*
 * Publishes @msg as @type about @key on the subject "<prefix>.<a>[.<b>[.<c>]]"
 * (names token-encoded), as the subject's owner would (producer
 * "<owner>/test"), waiting for the stream's ack.
 */
int test_publish(struct bus_conn *c, const char *prefix, const char *a,
                 const char *b, const char *cc, const char *key,
                 const char *type, const ProtobufCMessage *msg);

/*
 * Reads the last envelope stored on the subject built as above from
 * @stream. Returns NULL when there is none; free with bus_envelope_free().
 */
Flotilla__V1__Envelope *test_read_last(struct bus_conn *c, const char *stream,
                                       const char *prefix, const char *a,
                                       const char *b, const char *cc);

#endif /* TESTS_BUSPUB_H */
