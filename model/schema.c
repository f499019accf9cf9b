/* SPDX-License-Identifier: Apache-2.0 */
/* Strict, position-aware validation of decoded nodes against field schemas. */
#include "schema.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/quantity.h"

static int validate_value(const struct model_node *n, const struct vfield *f,
                          enum vt type, const char *path, int doc,
                          struct model_error *err);

static void
describe(const struct model_node *n, char *buf, size_t len)
{
    if (n->type == MODEL_NODE_SCALAR &&
        n->scalar_kind != MODEL_SCALAR_NULL) {
        snprintf(buf, len, "%s \"%.40s%s\"", model_node_type_name(n),
                 n->value, n->len > 40 ? "..." : "");
    } else {
        snprintf(buf, len, "%s", model_node_type_name(n));
    }
}

static int
type_error(const struct model_node *n, const char *want, const char *path,
           int doc, struct model_error *err)
{
    char got[96];

    describe(n, got, sizeof(got));
    model_error_set(err, doc, n->line, n->column, path, "expected %s, got %s",
                    want, got);
    return -EINVAL;
}

static bool
is_scalar(const struct model_node *n, enum model_scalar_kind k)
{
    return n->type == MODEL_NODE_SCALAR && n->scalar_kind == k;
}

static int
check_enum(const struct model_node *n, const char *const *values,
           const char *path, int doc, struct model_error *err)
{
    char list[256] = "";
    size_t used = 0;

    for (const char *const *v = values; *v != NULL; v++) {
        if (strcmp(*v, n->value) == 0) {
            return 0;
        }
    }
    for (const char *const *v = values; *v != NULL && used < sizeof(list);
         v++) {
        int w = snprintf(list + used, sizeof(list) - used, "%s\"%s\"",
                         v == values ? "" : ", ", *v);

        used += w > 0 ? (size_t)w : 0;
    }
    model_error_set(err, doc, n->line, n->column, path,
                    "unsupported value \"%.60s\": supported values: %s",
                    n->value, list);
    return -EINVAL;
}

static int
check_quantity(const struct model_node *n, const char *path, int doc,
               struct model_error *err)
{
    int64_t milli;
    int rc;

    if (is_scalar(n, MODEL_SCALAR_INT) || is_scalar(n, MODEL_SCALAR_FLOAT) ||
        is_scalar(n, MODEL_SCALAR_STRING)) {
        rc = util_quantity_parse_milli(n->value, &milli);
        if (rc == 0 || rc == -ERANGE) {
            /* Out of milli range is still a quantity (e.g. 1Ei memory). */
            return 0;
        }
        model_error_set(err, doc, n->line, n->column, path,
                        "\"%.40s\" is not a Kubernetes quantity", n->value);
        return -EINVAL;
    }
    return type_error(n, "quantity (number or string)", path, doc, err);
}

static void
child_path(char *buf, size_t len, const char *path, const char *key)
{
    if (path[0] == '\0') {
        snprintf(buf, len, "%s", key);
    } else {
        snprintf(buf, len, "%s.%s", path, key);
    }
}

static int
validate_map_of(const struct model_node *n, enum vt elem, const char *path,
                int doc, struct model_error *err)
{
    char sub[512];
    int rc;

    if (n->type != MODEL_NODE_MAP) {
        return type_error(n, "object", path, doc, err);
    }
    for (size_t i = 0; i < n->n; i++) {
        child_path(sub, sizeof(sub), path, n->keys[i]->value);
        if (elem == VT_STRING && is_scalar(n->items[i], MODEL_SCALAR_NULL)) {
            /* Kubernetes decodes a null map value as "". */
            continue;
        }
        rc = validate_value(n->items[i], NULL, elem, sub, doc, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int
validate_array(const struct model_node *n, const struct vfield *f,
               const char *path, int doc, struct model_error *err)
{
    char sub[512];
    int rc;

    if (n->type != MODEL_NODE_SEQ) {
        return type_error(n, "array", path, doc, err);
    }
    for (size_t i = 0; i < n->n; i++) {
        snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
        if (f->elem == VT_OBJECT) {
            if (n->items[i]->type != MODEL_NODE_MAP) {
                return type_error(n->items[i], "object", sub, doc, err);
            }
            rc = f->obj != NULL
                     ? schema_validate(n->items[i], f->obj, sub, doc, err)
                     : 0;
        } else {
            rc = validate_value(n->items[i], NULL, f->elem, sub, doc, err);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int
validate_value(const struct model_node *n, const struct vfield *f,
               enum vt type, const char *path, int doc,
               struct model_error *err)
{
    switch (type) {
    case VT_ANY:
        return 0;
    case VT_STRING:
        if (!is_scalar(n, MODEL_SCALAR_STRING)) {
            return type_error(n, "string", path, doc, err);
        }
        if (f != NULL && f->values != NULL) {
            return check_enum(n, f->values, path, doc, err);
        }
        return 0;
    case VT_INT:
        return is_scalar(n, MODEL_SCALAR_INT)
                   ? 0
                   : type_error(n, "integer", path, doc, err);
    case VT_BOOL:
        return is_scalar(n, MODEL_SCALAR_BOOL)
                   ? 0
                   : type_error(n, "boolean", path, doc, err);
    case VT_NUMBER:
        return is_scalar(n, MODEL_SCALAR_INT) ||
                       is_scalar(n, MODEL_SCALAR_FLOAT)
                   ? 0
                   : type_error(n, "number", path, doc, err);
    case VT_INT_OR_STRING:
        return is_scalar(n, MODEL_SCALAR_INT) ||
                       is_scalar(n, MODEL_SCALAR_STRING)
                   ? 0
                   : type_error(n, "integer or string", path, doc, err);
    case VT_QUANTITY:
        return check_quantity(n, path, doc, err);
    case VT_OBJECT:
        if (n->type != MODEL_NODE_MAP) {
            return type_error(n, "object", path, doc, err);
        }
        return f != NULL && f->obj != NULL
                   ? schema_validate(n, f->obj, path, doc, err)
                   : 0;
    case VT_ARRAY:
        return validate_array(n, f, path, doc, err);
    case VT_STRMAP:
        return validate_map_of(n, VT_STRING, path, doc, err);
    case VT_QMAP:
        return validate_map_of(n, VT_QUANTITY, path, doc, err);
    }
    return 0;
}

static const struct vfield *
find_field(const struct vschema *schema, const char *name)
{
    for (const struct vfield *f = schema->fields; f->name != NULL; f++) {
        if (strcmp(f->name, name) == 0) {
            return f;
        }
    }
    return NULL;
}

static int
check_required(const struct model_node *node, const struct vschema *schema,
               const char *path, int doc, struct model_error *err)
{
    char sub[512];

    for (const struct vfield *f = schema->fields; f->name != NULL; f++) {
        const struct model_node *v;

        if ((f->flags & VF_REQUIRED) == 0) {
            continue;
        }
        v = model_node_get(node, f->name);
        if (v == NULL || is_scalar(v, MODEL_SCALAR_NULL) ||
            (v->type != MODEL_NODE_SCALAR && v->n == 0 &&
             f->type == VT_ARRAY)) {
            child_path(sub, sizeof(sub), path, f->name);
            model_error_set(err, doc, v != NULL ? v->line : node->line,
                            v != NULL ? v->column : node->column, sub,
                            "required field is missing or empty");
            return -EINVAL;
        }
    }
    return 0;
}

int
schema_validate(const struct model_node *node, const struct vschema *schema,
                const char *path, int doc, struct model_error *err)
{
    char sub[512];
    int rc;

    if (node->type != MODEL_NODE_MAP) {
        return type_error(node, "object", path, doc, err);
    }
    for (size_t i = 0; i < node->n; i++) {
        const struct model_node *k = node->keys[i];
        const struct model_node *v = node->items[i];
        const struct vfield *f = find_field(schema, k->value);

        child_path(sub, sizeof(sub), path, k->value);
        if (f == NULL) {
            if (schema->strict) {
                model_error_set(err, doc, k->line, k->column, sub,
                                "unknown field");
                return -EINVAL;
            }
            continue;
        }
        if (is_scalar(v, MODEL_SCALAR_NULL)) {
            /* null is "not set", as for the Kubernetes API. */
            continue;
        }
        rc = validate_value(v, f, f->type, sub, doc, err);
        if (rc != 0) {
            return rc;
        }
    }
    return check_required(node, schema, path, doc, err);
}
