/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 6901 JSON Pointer and the add/remove/replace operations of RFC 6902,
 * with the negative array indices Karmada's patch library accepts. Written
 * here because jansson has no JSON Patch and the subset is small.
 */
#include "jsonpatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Decodes one reference token (~1 -> /, ~0 -> ~) into @buf. */
static int
token(const char *start, size_t len, char *buf, size_t cap)
{
    size_t j = 0;

    for (size_t i = 0; i < len; i++) {
        char c = start[i];

        if (c == '~' && i + 1 < len && (start[i + 1] == '0' ||
                                         start[i + 1] == '1')) {
            c = start[i + 1] == '0' ? '~' : '/';
            i++;
        } else if (c == '~') {
            return -EINVAL;
        }
        if (j + 1 >= cap) {
            return -EINVAL;
        }
        buf[j++] = c;
    }
    buf[j] = '\0';
    return 0;
}

/* Array index: digits, or negative from the end; -1 for "-". */
static int
array_index(const json_t *arr, const char *tok, bool allow_end, size_t *out)
{
    char *end = NULL;
    long v;
    size_t n = json_array_size(arr);

    if (strcmp(tok, "-") == 0) {
        if (!allow_end) {
            return -EINVAL;
        }
        *out = n;
        return 0;
    }
    if (tok[0] == '\0' || (tok[0] == '0' && tok[1] != '\0')) {
        return -EINVAL;
    }
    v = strtol(tok, &end, 10);
    if (*end != '\0') {
        return -EINVAL;
    }
    if (v < 0) {
        v += (long)n;
    }
    if (v < 0 || (size_t)v > n || ((size_t)v == n && !allow_end)) {
        return -EINVAL;
    }
    *out = (size_t)v;
    return 0;
}

/*
 * Walks @doc to the parent of the last token of @ptr; *last gets the last
 * token. Returns the parent or NULL.
 */
static json_t *
walk_parent(json_t *doc, const char *ptr, char *last, size_t cap)
{
    json_t *cur = doc;
    const char *p = ptr;

    if (ptr[0] != '/') {
        return NULL;
    }
    for (;;) {
        const char *next = strchr(p + 1, '/');
        size_t len = next != NULL ? (size_t)(next - p - 1) : strlen(p + 1);
        size_t idx;

        if (token(p + 1, len, last, cap) != 0) {
            return NULL;
        }
        if (next == NULL) {
            return cur;
        }
        if (json_is_object(cur)) {
            cur = json_object_get(cur, last);
        } else if (json_is_array(cur) &&
                   array_index(cur, last, false, &idx) == 0) {
            cur = json_array_get(cur, idx);
        } else {
            return NULL;
        }
        if (cur == NULL) {
            return NULL;
        }
        p = next;
    }
}

json_t *
jsonpatch_get(json_t *doc, const char *ptr)
{
    char last[1024];
    json_t *parent;
    size_t idx;

    if (ptr[0] == '\0') {
        return doc;
    }
    parent = walk_parent(doc, ptr, last, sizeof(last));
    if (json_is_object(parent)) {
        return json_object_get(parent, last);
    }
    if (json_is_array(parent) &&
        array_index(parent, last, false, &idx) == 0) {
        return json_array_get(parent, idx);
    }
    return NULL;
}

int
jsonpatch_op(json_t *doc, const char *op, const char *ptr, json_t *value)
{
    char last[1024];
    json_t *parent = walk_parent(doc, ptr, last, sizeof(last));
    bool add = strcmp(op, "add") == 0;
    bool rep = strcmp(op, "replace") == 0;
    bool rem = strcmp(op, "remove") == 0;
    size_t idx;

    if (parent == NULL || (!add && !rep && !rem)) {
        return -EINVAL;
    }
    if (value == NULL) {
        value = json_null();
    }
    if (json_is_object(parent)) {
        if ((rep || rem) && json_object_get(parent, last) == NULL) {
            return -EINVAL;
        }
        if (rem) {
            return json_object_del(parent, last) == 0 ? 0 : -EINVAL;
        }
        return json_object_set(parent, last, value) == 0 ? 0 : -ENOMEM;
    }
    if (!json_is_array(parent) ||
        array_index(parent, last, add, &idx) != 0) {
        return -EINVAL;
    }
    if (rem) {
        return json_array_remove(parent, idx) == 0 ? 0 : -EINVAL;
    }
    if (rep) {
        return json_array_set(parent, idx, value) == 0 ? 0 : -ENOMEM;
    }
    return json_array_insert(parent, idx, value) == 0 ? 0 : -ENOMEM;
}

int
jsonpatch_apply(json_t **doc, const json_t *ops, const char *path_key)
{
    json_t *work = json_deep_copy(*doc);
    size_t i;
    json_t *o;
    int rc = 0;

    /* Atomic: applied on a copy, then swapped in. */
    if (work == NULL) {
        return -ENOMEM;
    }
    json_array_foreach((json_t *)ops, i, o) {
        const char *op = json_string_value(json_object_get(o, "operator"));
        const char *path = json_string_value(json_object_get(o, path_key));

        if (op == NULL || path == NULL) {
            rc = -EINVAL;
            break;
        }
        rc = jsonpatch_op(work, op, path, json_object_get(o, "value"));
        if (rc != 0) {
            break;
        }
    }
    if (rc != 0) {
        json_decref(work);
        return rc;
    }
    json_decref(*doc);
    *doc = work;
    return 0;
}
