/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packing and checking envelopes. An envelope that fails these checks is
 * undecodable: its consumer dead-letters it with the reason and goes on.
 */
#ifndef BUS_ENVELOPE_H
#define BUS_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/flotilla.pb-c.h"

/* The schema version this build writes; readers accept 1..this. */
#define BUS_SCHEMA_VERSION 1

/* Largest envelope accepted from the bus (NATS' default max payload). */
#define BUS_ENVELOPE_MAX (1024 * 1024)

/*
 * Packs @env into a new buffer *@buf of *@len bytes (free() it).
 */
int bus_envelope_pack(const Flotilla__V1__Envelope *env, uint8_t **buf,
                      size_t *len);

/*
 * Unpacks and checks @len bytes at @data: size within BUS_ENVELOPE_MAX,
 * valid protobuf, a key, a producer, a type and a schema version this build
 * reads. On success *@out must be freed with bus_envelope_free(). On failure
 * returns -EBADMSG (or -EMSGSIZE, -EPROTO for an unknown schema version)
 * and writes the reason into @why.
 */
int bus_envelope_unpack(const void *data, size_t len,
                        Flotilla__V1__Envelope **out, char *why,
                        size_t whylen);

void bus_envelope_free(Flotilla__V1__Envelope *env);

/*
 * Builds a trace id (32 hex digits) from @seed bytes, deterministic for the
 * same seed, so a replayed input gets the trace id it had.
 */
void bus_trace_id(const void *seed, size_t len, char out[33]);

#endif /* BUS_ENVELOPE_H */
