/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The patch formats the Kubernetes API accepts, applied to jansson values:
 * JSON merge patch (RFC 7386), a strategic-merge subset, JSON patch
 * (RFC 6902) and the merge that server-side apply performs.
 *
 * Strategic-merge subset: maps merge recursively and null deletes a key, as
 * in a merge patch; a list whose elements are all objects carrying the
 * list's merge key ("name" for most lists; "containerPort" for
 * containers[].ports, "port" for a Service's spec.ports, "ip" for
 * hostAliases) is merged element by element on that key, an element with
 * "$patch": "delete" removes the match; every other list is replaced.
 * Directives $retainKeys, $setElementOrder and $deleteFromPrimitiveList are
 * dropped without effect.
 */
#ifndef MEMBER_PATCH_H
#define MEMBER_PATCH_H

#include <jansson.h>

/*
 * Applies merge patch @patch to @target in place (RFC 7386). @target must be
 * an object; a non-object @patch replaces nothing and returns -EINVAL.
 * Returns 0 or -ENOMEM.
 */
int member_patch_merge(json_t *target, const json_t *patch);

/* As member_patch_merge() with the strategic-merge subset described above. */
int member_patch_strategic(json_t *target, const json_t *patch);

/*
 * Applies JSON patch @ops (an array of operations) to *@doc. *@doc may be
 * replaced (an op on path ""); the caller owns the result. Returns 0,
 * -EINVAL for a malformed op or path and -ENOENT for a missing target,
 * writing a one-line reason into @err (@errlen bytes). A failed "test" op
 * returns -EINVAL. On error *@doc is unchanged.
 */
int member_patch_json(json_t **doc, const json_t *ops, char *err,
                      unsigned long errlen);

/*
 * Server-side apply merge: like the strategic subset, but keys absent from
 * @applied are kept and null values in @applied are ignored (apply
 * configurations have no deletion syntax). Returns 0 or -ENOMEM.
 */
int member_patch_apply(json_t *target, const json_t *applied);

#endif /* MEMBER_PATCH_H */
