/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Patch formats; see member/patch.h. Written here because jansson only has
 * a shallow json_object_update() and no JSON patch.
 */
#include "member/patch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mode { MODE_MERGE, MODE_STRATEGIC, MODE_APPLY };

static int merge_value(json_t *target, const json_t *patch, enum mode mode,
                       const char *parent_key);

static const char *
list_merge_key(const char *list_name, const char *parent_key)
{
    if (strcmp(list_name, "ports") == 0) {
        if (parent_key != NULL && strcmp(parent_key, "spec") == 0) {
            return "port";
        }
        return "containerPort";
    }
    if (strcmp(list_name, "hostAliases") == 0) {
        return "ip";
    }
    if (strcmp(list_name, "containers") == 0 ||
        strcmp(list_name, "initContainers") == 0 ||
        strcmp(list_name, "volumes") == 0 ||
        strcmp(list_name, "env") == 0 ||
        strcmp(list_name, "volumeMounts") == 0 ||
        strcmp(list_name, "imagePullSecrets") == 0 ||
        strcmp(list_name, "volumeClaimTemplates") == 0) {
        return strcmp(list_name, "volumeMounts") == 0 ? "mountPath" : "name";
    }
    return NULL;
}

static bool
all_have_key(const json_t *list, const char *key)
{
    size_t i;
    json_t *el;

    json_array_foreach(list, i, el) {
        if (!json_is_object(el)) {
            return false;
        }
        if (key == NULL) {
            continue;
        }
        if (json_object_get(el, key) == NULL) {
            return false;
        }
    }
    return true;
}

static json_t *
find_by_key(json_t *list, const char *key, const json_t *value, size_t *idx)
{
    size_t i;
    json_t *el;

    json_array_foreach(list, i, el) {
        if (json_equal(json_object_get(el, key), value)) {
            *idx = i;
            return el;
        }
    }
    return NULL;
}

static int
merge_list(json_t *target, const char *name, const json_t *patch,
           enum mode mode, const char *parent_key)
{
    const char *key = list_merge_key(name, parent_key);
    json_t *cur = json_object_get(target, name);
    const json_t *el;
    size_t i;

    if (mode == MODE_MERGE || key == NULL || !json_is_array(cur) ||
        !all_have_key(patch, key) || !all_have_key(cur, key)) {
        return json_object_set_new(target, name, json_deep_copy(patch));
    }
    json_array_foreach(patch, i, el) {
        const json_t *kv = json_object_get(el, key);
        const json_t *directive = json_object_get(el, "$patch");
        size_t at = 0;
        json_t *match = find_by_key(cur, key, kv, &at);

        if (json_is_string(directive) &&
            strcmp(json_string_value(directive), "delete") == 0) {
            if (match != NULL) {
                json_array_remove(cur, at);
            }
            continue;
        }
        if (match == NULL) {
            json_array_append_new(cur, json_deep_copy(el));
            continue;
        }
        if (merge_value(match, el, mode, name) != 0) {
            return -ENOMEM;
        }
    }
    return 0;
}

static bool
is_directive(const char *key)
{
    return key[0] == '$';
}

static int
merge_value(json_t *target, const json_t *patch, enum mode mode,
            const char *parent_key)
{
    const char *key;
    json_t *val;

    json_object_foreach((json_t *)patch, key, val) {
        json_t *cur = json_object_get(target, key);
        int rc = 0;

        if (is_directive(key) && mode != MODE_MERGE) {
            continue;
        }
        if (json_is_null(val)) {
            if (mode != MODE_APPLY) {
                json_object_del(target, key);
            }
            continue;
        }
        if (json_is_object(val)) {
            if (!json_is_object(cur)) {
                cur = json_object();
                json_object_set_new(target, key, cur);
            }
            rc = merge_value(cur, val, mode, key);
        } else if (json_is_array(val)) {
            rc = merge_list(target, key, val, mode, parent_key);
        } else {
            rc = json_object_set_new(target, key, json_deep_copy(val));
        }
        if (rc != 0) {
            return -ENOMEM;
        }
    }
    return 0;
}

int
member_patch_merge(json_t *target, const json_t *patch)
{
    if (!json_is_object(target) || !json_is_object(patch)) {
        return -EINVAL;
    }
    return merge_value(target, patch, MODE_MERGE, NULL);
}

int
member_patch_strategic(json_t *target, const json_t *patch)
{
    if (!json_is_object(target) || !json_is_object(patch)) {
        return -EINVAL;
    }
    return merge_value(target, patch, MODE_STRATEGIC, NULL);
}

int
member_patch_apply(json_t *target, const json_t *applied)
{
    if (!json_is_object(target) || !json_is_object(applied)) {
        return -EINVAL;
    }
    return merge_value(target, applied, MODE_APPLY, NULL);
}

/* JSON pointer (RFC 6901) helpers. */

static int
pointer_token(const char **p, char *tok, size_t toklen)
{
    size_t n = 0;
    const char *s = *p;

    if (*s != '/') {
        return -EINVAL;
    }
    s++;
    while (*s != '\0' && *s != '/') {
        char c = *s;

        if (c == '~') {
            if (s[1] == '0') {
                c = '~';
            } else if (s[1] == '1') {
                c = '/';
            } else {
                return -EINVAL;
            }
            s++;
        }
        if (n + 1 >= toklen) {
            return -EINVAL;
        }
        tok[n++] = c;
        s++;
    }
    tok[n] = '\0';
    *p = s;
    return 0;
}

static int
array_index(const json_t *arr, const char *tok, bool allow_end, size_t *out)
{
    char *end = NULL;
    unsigned long v;

    if (allow_end && strcmp(tok, "-") == 0) {
        *out = json_array_size(arr);
        return 0;
    }
    if (tok[0] < '0' || tok[0] > '9' || (tok[0] == '0' && tok[1] != '\0')) {
        return -EINVAL;
    }
    v = strtoul(tok, &end, 10);
    if (*end != '\0') {
        return -EINVAL;
    }
    if (v > json_array_size(arr) ||
        (!allow_end && v == json_array_size(arr))) {
        return -ENOENT;
    }
    *out = v;
    return 0;
}

/* Resolves @path into its parent container and last token. */
static int
resolve_parent(json_t *doc, const char *path, json_t **parent, char *last,
               size_t lastlen)
{
    json_t *cur = doc;
    const char *p = path;
    char tok[256];
    int rc;

    for (;;) {
        rc = pointer_token(&p, tok, sizeof(tok));
        if (rc != 0) {
            return rc;
        }
        if (*p == '\0') {
            break;
        }
        if (json_is_object(cur)) {
            cur = json_object_get(cur, tok);
        } else if (json_is_array(cur)) {
            size_t i;

            rc = array_index(cur, tok, false, &i);
            if (rc != 0) {
                return rc;
            }
            cur = json_array_get(cur, i);
        } else {
            cur = NULL;
        }
        if (cur == NULL) {
            return -ENOENT;
        }
    }
    snprintf(last, lastlen, "%s", tok);
    *parent = cur;
    return 0;
}

static json_t *
pointer_get(json_t *doc, const char *path)
{
    json_t *parent;
    char last[256];
    size_t i;

    if (path[0] == '\0') {
        return doc;
    }
    if (resolve_parent(doc, path, &parent, last, sizeof(last)) != 0) {
        return NULL;
    }
    if (json_is_object(parent)) {
        return json_object_get(parent, last);
    }
    if (json_is_array(parent) &&
        array_index(parent, last, false, &i) == 0) {
        return json_array_get(parent, i);
    }
    return NULL;
}

static int
pointer_remove(json_t *doc, const char *path, json_t **removed)
{
    json_t *parent;
    char last[256];
    size_t i;
    int rc;

    rc = resolve_parent(doc, path, &parent, last, sizeof(last));
    if (rc != 0) {
        return rc;
    }
    if (json_is_object(parent)) {
        json_t *v = json_object_get(parent, last);

        if (v == NULL) {
            return -ENOENT;
        }
        *removed = json_incref(v);
        json_object_del(parent, last);
        return 0;
    }
    if (!json_is_array(parent)) {
        return -ENOENT;
    }
    rc = array_index(parent, last, false, &i);
    if (rc != 0) {
        return rc;
    }
    *removed = json_incref(json_array_get(parent, i));
    json_array_remove(parent, i);
    return 0;
}

/* Adds @value (reference stolen) at @path; "replace" semantics when @replace. */
static int
pointer_add(json_t **doc, const char *path, json_t *value, bool replace)
{
    json_t *parent;
    char last[256];
    size_t i;
    int rc;

    if (path[0] == '\0') {
        json_decref(*doc);
        *doc = value;
        return 0;
    }
    rc = resolve_parent(*doc, path, &parent, last, sizeof(last));
    if (rc != 0) {
        json_decref(value);
        return rc;
    }
    if (json_is_object(parent)) {
        if (replace && json_object_get(parent, last) == NULL) {
            json_decref(value);
            return -ENOENT;
        }
        return json_object_set_new(parent, last, value) == 0 ? 0 : -ENOMEM;
    }
    if (!json_is_array(parent)) {
        json_decref(value);
        return -ENOENT;
    }
    rc = array_index(parent, last, !replace, &i);
    if (rc != 0) {
        json_decref(value);
        return rc;
    }
    if (replace) {
        return json_array_set_new(parent, i, value) == 0 ? 0 : -ENOMEM;
    }
    return json_array_insert_new(parent, i, value) == 0 ? 0 : -ENOMEM;
}

static int
apply_op(json_t **doc, const json_t *op, char *err, unsigned long errlen)
{
    const char *name = json_string_value(json_object_get(op, "op"));
    const char *path = json_string_value(json_object_get(op, "path"));
    const char *from = json_string_value(json_object_get(op, "from"));
    json_t *value = json_object_get(op, "value");
    json_t *moved = NULL;
    int rc;

    if (name == NULL || path == NULL) {
        snprintf(err, errlen, "operation needs \"op\" and \"path\"");
        return -EINVAL;
    }
    if (strcmp(name, "add") == 0 || strcmp(name, "replace") == 0) {
        if (value == NULL) {
            snprintf(err, errlen, "%s operation needs \"value\"", name);
            return -EINVAL;
        }
        rc = pointer_add(doc, path, json_deep_copy(value),
                         name[0] == 'r');
    } else if (strcmp(name, "remove") == 0) {
        rc = pointer_remove(*doc, path, &moved);
        json_decref(moved);
    } else if (strcmp(name, "test") == 0) {
        json_t *cur = pointer_get(*doc, path);

        rc = (cur != NULL && json_equal(cur, value)) ? 0 : -EINVAL;
        if (rc != 0) {
            snprintf(err, errlen, "test failed at %s", path);
            return rc;
        }
    } else if ((strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) &&
               from != NULL) {
        if (name[0] == 'm') {
            rc = pointer_remove(*doc, from, &moved);
        } else {
            json_t *src = pointer_get(*doc, from);

            rc = src != NULL ? 0 : -ENOENT;
            moved = src != NULL ? json_deep_copy(src) : NULL;
        }
        if (rc == 0) {
            rc = pointer_add(doc, path, moved, false);
        }
    } else {
        snprintf(err, errlen, "unknown operation \"%s\"", name);
        return -EINVAL;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s %s: %s", name, path,
                 rc == -ENOENT ? "path not found" : "invalid path");
    }
    return rc;
}

int
member_patch_json(json_t **doc, const json_t *ops, char *err,
                  unsigned long errlen)
{
    json_t *work = NULL;
    const json_t *op;
    size_t i;
    int rc = 0;

    if (!json_is_array(ops)) {
        snprintf(err, errlen, "a JSON patch must be an array");
        return -EINVAL;
    }
    work = json_deep_copy(*doc);
    if (work == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(ops, i, op) {
        rc = apply_op(&work, op, err, errlen);
        if (rc != 0) {
            goto out;
        }
    }
    json_decref(*doc);
    *doc = work;
    work = NULL;

out:
    json_decref(work);
    return rc;
}
