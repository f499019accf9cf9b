/* SPDX-License-Identifier: Apache-2.0 */
/* Private: admission-style rules checked after the field schemas. */
#ifndef MODEL_SEMANTIC_H
#define MODEL_SEMANTIC_H

#include "model/decode.h"
#include "model/object.h"

/*
 * Checks the rules of Karmada's admission for an object of class @cls whose
 * fields already passed the schema. Returns 0 or -EINVAL with @err filled.
 */
int semantic_check(const struct model_node *root, enum model_class cls,
                   int doc, struct model_error *err);

#endif /* MODEL_SEMANTIC_H */
