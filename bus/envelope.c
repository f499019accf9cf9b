/* SPDX-License-Identifier: Apache-2.0 */
/* Envelope packing and checks; see bus/envelope.h. */
#include "bus/envelope.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int
bus_envelope_pack(const Flotilla__V1__Envelope *env, uint8_t **buf,
                  size_t *len)
{
    size_t n = flotilla__v1__envelope__get_packed_size(env);
    uint8_t *b;

    b = malloc(n > 0 ? n : 1);
    if (b == NULL) {
        return -ENOMEM;
    }
    flotilla__v1__envelope__pack(env, b);
    *buf = b;
    *len = n;
    return 0;
}

int
bus_envelope_unpack(const void *data, size_t len,
                    Flotilla__V1__Envelope **out, char *why, size_t whylen)
{
    Flotilla__V1__Envelope *env;
    const char *missing = NULL;

    if (len > BUS_ENVELOPE_MAX) {
        snprintf(why, whylen, "envelope of %zu bytes exceeds %d", len,
                 BUS_ENVELOPE_MAX);
        return -EMSGSIZE;
    }
    env = flotilla__v1__envelope__unpack(NULL, len, data);
    if (env == NULL) {
        snprintf(why, whylen, "not a protobuf Envelope (%zu bytes)", len);
        return -EBADMSG;
    }
    if (env->key == NULL || env->key[0] == '\0') {
        missing = "key";
    } else if (env->producer == NULL || env->producer[0] == '\0') {
        missing = "producer";
    } else if (env->type == NULL || env->type[0] == '\0') {
        missing = "type";
    }
    if (missing != NULL) {
        snprintf(why, whylen, "envelope field %s is empty", missing);
        flotilla__v1__envelope__free_unpacked(env, NULL);
        return -EBADMSG;
    }
    if (env->schema_version < 1 || env->schema_version > BUS_SCHEMA_VERSION) {
        snprintf(why, whylen, "schema_version %u is not one this build reads (1..%d)",
                 env->schema_version, BUS_SCHEMA_VERSION);
        flotilla__v1__envelope__free_unpacked(env, NULL);
        return -EPROTO;
    }
    *out = env;
    return 0;
}

void
bus_envelope_free(Flotilla__V1__Envelope *env)
{
    if (env != NULL) {
        flotilla__v1__envelope__free_unpacked(env, NULL);
    }
}

void
bus_trace_id(const void *seed, size_t len, char out[33])
{
    /* Two FNV-1a lanes: cheap, deterministic, good enough to correlate. */
    uint64_t a = 0xcbf29ce484222325ULL;
    uint64_t b = 0x84222325cbf29ce4ULL;
    const unsigned char *p = seed;

    for (size_t i = 0; i < len; i++) {
        a = (a ^ p[i]) * 0x100000001b3ULL;
        b = (b ^ p[len - 1 - i]) * 0x100000001b3ULL;
    }
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)a,
             (unsigned long long)b);
}
