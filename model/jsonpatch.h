/* SPDX-License-Identifier: Apache-2.0 */
/* Private: JSON Pointer and JSON Patch (add/remove/replace) over jansson. */
#ifndef MODEL_JSONPATCH_H
#define MODEL_JSONPATCH_H

#include <stdbool.h>

#include <jansson.h>

/* The value at pointer @ptr ("" = @doc), borrowed; NULL when absent. */
json_t *jsonpatch_get(json_t *doc, const char *ptr);

/*
 * One operation ("add", "remove", "replace") at @ptr; @value is borrowed
 * (NULL = JSON null). Returns 0, -EINVAL (bad pointer, missing parent or
 * target), -ENOMEM.
 */
int jsonpatch_op(json_t *doc, const char *op, const char *ptr, json_t *value);

/*
 * Applies the list @ops of {operator, <path_key>, value} atomically to *doc
 * (all or nothing): on success *doc is replaced by the patched copy (the old
 * reference released). Returns 0, -EINVAL, -ENOMEM.
 */
int jsonpatch_apply(json_t **doc, const json_t *ops, const char *path_key);

#endif /* MODEL_JSONPATCH_H */
