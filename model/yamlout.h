/* SPDX-License-Identifier: Apache-2.0 */
/* Private: YAML text <-> JSON for the fieldOverrider's yaml mode. */
#ifndef MODEL_YAMLOUT_H
#define MODEL_YAMLOUT_H

#include <jansson.h>

/* Parses one YAML document into *out (new reference). 0 or -EINVAL. */
int yamlout_parse(const char *text, json_t **out);

/*
 * Emits @v as canonical YAML (keys sorted, two-space indentation, block
 * sequences at their key's column), as Go's sigs.k8s.io/yaml writes it.
 * Returns a malloc'ed string or NULL on ENOMEM.
 */
char *yamlout_emit(const json_t *v);

#endif /* MODEL_YAMLOUT_H */
