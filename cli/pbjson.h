/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bus messages as JSON, for `get -o json|yaml`: any protobuf-c message by
 * its descriptor, in the proto3 JSON mapping's spirit (lowerCamelCase
 * names, defaults left out, enums by name), with one Flotilla rule: a bytes
 * field whose name ends in `_json` holds JSON and is embedded as such.
 */
#ifndef CLI_PBJSON_H
#define CLI_PBJSON_H

#include <stdio.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* A new JSON object for @m (NULL: null), or NULL when out of memory. */
json_t *pbjson_message(const ProtobufCMessage *m);

/*
 * Unpacks @len bytes as a @desc message and returns its JSON; NULL when
 * they do not decode (or out of memory).
 */
json_t *pbjson_unpack(const ProtobufCMessageDescriptor *desc,
                      const uint8_t *data, size_t len);

/*
 * The descriptor of the message an envelope names in its type
 * ("WorkStatus"...), among those that travel on the bus; NULL if unknown.
 */
const ProtobufCMessageDescriptor *pbjson_descriptor(const char *type);

/*
 * A whole envelope (@data, @len as published) as JSON, its payload decoded
 * by its type under "message"; NULL when it is not an envelope.
 */
json_t *pbjson_envelope(const void *data, size_t len);

/* Prints @v as YAML (block style; strings quoted only where they must be),
 * then a newline. */
void pbjson_print_yaml(FILE *f, const json_t *v);

#endif /* CLI_PBJSON_H */
