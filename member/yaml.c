/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML to JSON over libyaml's event parser; see member/yaml.h.
 */
#include "member/yaml.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 64

static json_t *
scalar_value(const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    char *end = NULL;

    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        return json_stringn(s, n);
    }
    if (n == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
        strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0) {
        return json_null();
    }
    if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
        strcmp(s, "TRUE") == 0) {
        return json_true();
    }
    if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
        strcmp(s, "FALSE") == 0) {
        return json_false();
    }
    if ((s[0] >= '0' && s[0] <= '9') ||
        ((s[0] == '-' || s[0] == '+') && s[1] >= '0' && s[1] <= '9')) {
        long long v;
        double d;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (*end == '\0' && errno == 0 && !(s[0] == '0' && n > 1)) {
            return json_integer(v);
        }
        d = strtod(s, &end);
        if (*end == '\0' && strchr(s, '.') != NULL) {
            return json_real(d);
        }
    }
    return json_stringn(s, n);
}

struct frame {
    json_t *node;
    /* pending key while filling a mapping, NULL when a key is expected */
    char *key;
};

/* Adds @v (reference stolen) to the open container; -EINVAL on a bad key. */
static int
attach(struct frame *stack, int depth, json_t *v, json_t **root)
{
    struct frame *top;

    if (depth == 0) {
        *root = v;
        return 0;
    }
    top = &stack[depth - 1];
    if (json_is_array(top->node)) {
        return json_array_append_new(top->node, v) == 0 ? 0 : -ENOMEM;
    }
    if (top->key == NULL) {
        if (!json_is_string(v)) {
            if (json_is_null(v) || json_is_boolean(v) || json_is_number(v)) {
                char buf[64];

                if (json_is_integer(v)) {
                    snprintf(buf, sizeof(buf), "%lld",
                             (long long)json_integer_value(v));
                } else if (json_is_null(v)) {
                    snprintf(buf, sizeof(buf), "null");
                } else if (json_is_boolean(v)) {
                    snprintf(buf, sizeof(buf), "%s",
                             json_is_true(v) ? "true" : "false");
                } else {
                    snprintf(buf, sizeof(buf), "%g", json_real_value(v));
                }
                top->key = strdup(buf);
                json_decref(v);
                return top->key != NULL ? 0 : -ENOMEM;
            }
            json_decref(v);
            return -EINVAL;
        }
        top->key = strdup(json_string_value(v));
        json_decref(v);
        return top->key != NULL ? 0 : -ENOMEM;
    }
    json_object_set_new(top->node, top->key, v);
    free(top->key);
    top->key = NULL;
    return 0;
}

static void
set_err(char *err, size_t errlen, size_t line, const char *what)
{
    snprintf(err, errlen, "line %zu: %s", line + 1, what);
}

static int
handle_event(yaml_event_t *ev, struct frame *stack, int *depth, json_t *docs,
             json_t **root, char *err, size_t errlen)
{
    size_t line = ev->start_mark.line;
    json_t *v;
    int rc = 0;

    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        set_err(err, errlen, line, "aliases are not supported");
        return -EINVAL;
    case YAML_SCALAR_EVENT:
        v = scalar_value(ev);
        rc = v == NULL ? -ENOMEM : attach(stack, *depth, v, root);
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (*depth >= MAX_DEPTH) {
            set_err(err, errlen, line, "nesting too deep");
            return -EINVAL;
        }
        v = ev->type == YAML_MAPPING_START_EVENT ? json_object() : json_array();
        if (v == NULL) {
            return -ENOMEM;
        }
        rc = attach(stack, *depth, json_incref(v), root);
        if (rc != 0) {
            json_decref(v);
            break;
        }
        stack[*depth].node = v;
        stack[*depth].key = NULL;
        (*depth)++;
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        (*depth)--;
        json_decref(stack[*depth].node);
        free(stack[*depth].key);
        stack[*depth].key = NULL;
        break;
    case YAML_DOCUMENT_END_EVENT:
        if (*root != NULL && !json_is_null(*root)) {
            json_array_append_new(docs, *root);
        } else {
            json_decref(*root);
        }
        *root = NULL;
        break;
    default:
        break;
    }
    if (rc == -EINVAL) {
        set_err(err, errlen, line, "mapping key is not a scalar");
    }
    return rc;
}

int
member_yaml_parse(const char *buf, size_t len, json_t **out, char *err,
                  size_t errlen)
{
    struct frame stack[MAX_DEPTH];
    yaml_parser_t parser;
    yaml_event_t ev;
    json_t *docs = NULL;
    json_t *root = NULL;
    int depth = 0;
    bool done = false;
    int rc = 0;

    if (!yaml_parser_initialize(&parser)) {
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    docs = json_array();
    if (docs == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            snprintf(err, errlen, "line %zu: %s",
                     parser.problem_mark.line + 1,
                     parser.problem != NULL ? parser.problem : "syntax error");
            rc = -EINVAL;
            goto out;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = handle_event(&ev, stack, &depth, docs, &root, err, errlen);
        yaml_event_delete(&ev);
        if (rc != 0) {
            goto out;
        }
    }
    *out = docs;
    docs = NULL;

out:
    while (depth > 0) {
        depth--;
        json_decref(stack[depth].node);
        free(stack[depth].key);
    }
    json_decref(root);
    json_decref(docs);
    yaml_parser_delete(&parser);
    return rc;
}

int
member_yaml_load_file(const char *path, json_t **out, char *err,
                      size_t errlen)
{
    FILE *f = NULL;
    char *buf = NULL;
    long size;
    int rc = 0;

    f = fopen(path, "rb");
    if (f == NULL) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return rc;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        rc = -EIO;
        goto out;
    }
    buf = malloc((size_t)size + 1);
    if (buf == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        rc = -EIO;
        snprintf(err, errlen, "%s: read failed", path);
        goto out;
    }
    rc = member_yaml_parse(buf, (size_t)size, out, err, errlen);

out:
    free(buf);
    fclose(f);
    return rc;
}
