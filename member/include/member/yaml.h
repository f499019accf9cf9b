/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML documents to jansson values, with the scalar typing Kubernetes
 * clients use (YAML 1.1 core subset): unquoted integers, floats, true/false
 * and null/~ become JSON numbers, booleans and null; everything quoted or
 * otherwise is a string. Anchors and aliases are rejected.
 */
#ifndef MEMBER_YAML_H
#define MEMBER_YAML_H

#include <jansson.h>
#include <stddef.h>

/*
 * Parses every document of @buf (@len bytes) into a new JSON array
 * *@out (one element per non-empty document; the caller owns it).
 * Returns 0, -EINVAL on a syntax error or alias (writing "line N: reason"
 * into @err of @errlen bytes), or -ENOMEM.
 */
int member_yaml_parse(const char *buf, size_t len, json_t **out, char *err,
                      size_t errlen);

/*
 * Reads file @path and parses it as member_yaml_parse() does. Returns
 * additionally -errno when the file cannot be read.
 */
int member_yaml_load_file(const char *path, json_t **out, char *err,
                          size_t errlen);

#endif /* MEMBER_YAML_H */
