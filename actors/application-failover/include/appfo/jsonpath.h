/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The subset of Kubernetes JSONPath that Karmada's state preservation rules
 * use (spec/failover.md §2.11, scenario 64): `{ .a.b }`, `{.a[0].b}`,
 * `{.a[*].b}`, `{.a.*}`, `{..name}` (recursive descent), `{.a['b.c']}`;
 * the braces may be left out. Several matches print space-separated, in
 * document order; strings print raw, numbers and booleans as JSON, objects
 * and arrays as compact JSON. Filters, unions, slices and functions are not
 * supported and are refused as malformed.
 */
#ifndef APPFO_JSONPATH_H
#define APPFO_JSONPATH_H

#include <stddef.h>

#include <jansson.h>

/*
 * Evaluates @expr over @doc and writes the printed result to @out
 * (@outlen bytes, always terminated). Returns 0; -ENOENT when nothing
 * matches (a missing field); -EINVAL for a malformed or unsupported
 * expression; -ENOSPC when the result does not fit; -ENOMEM.
 */
int appfo_jsonpath_eval(const json_t *doc, const char *expr, char *out,
                        size_t outlen);

#endif /* APPFO_JSONPATH_H */
