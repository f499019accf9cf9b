/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small canonical YAML writer for JSON values (libyaml's emitter keeps
 * neither Go's key order nor its sequence indentation), and YAML reading
 * through the model decoder.
 */
#include "yamlout.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/decode.h"
#include "util/strmap.h"

struct buf {
    char *s;
    size_t len;
    size_t cap;
    bool oom;
};

static void
put(struct buf *b, const char *s, size_t n)
{
    if (b->oom) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap + n + 1) * 2;
        char *s2 = realloc(b->s, cap);

        if (s2 == NULL) {
            b->oom = true;
            return;
        }
        b->s = s2;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void
indent(struct buf *b, int n)
{
    for (int i = 0; i < n; i++) {
        put(b, " ", 1);
    }
}

/* Would a plain scalar be read back as something other than this string? */
static bool
needs_quotes(const char *s)
{
    static const char *const reserved[] = {
        "true", "false", "True", "False", "TRUE", "FALSE", "null", "Null",
        "NULL", "~", "yes", "no", "on", "off", "y", "n", "Yes", "No", "On",
        "Off", NULL,
    };
    char *end = NULL;

    if (s[0] == '\0' || strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) != NULL ||
        s[strlen(s) - 1] == ' ' || strstr(s, ": ") != NULL ||
        strstr(s, " #") != NULL || strchr(s, '\n') != NULL) {
        return true;
    }
    for (const char *const *r = reserved; *r != NULL; r++) {
        if (strcmp(s, *r) == 0) {
            return true;
        }
    }
    (void)strtod(s, &end);
    return *end == '\0';
}

static void
scalar(struct buf *b, const json_t *v)
{
    char num[64];

    if (json_is_string(v)) {
        const char *s = json_string_value(v);

        if (!needs_quotes(s)) {
            puts_(b, s);
            return;
        }
        if (strchr(s, '\n') == NULL) {
            put(b, "'", 1);
            for (const char *p = s; *p != '\0'; p++) {
                put(b, p, 1);
                if (*p == '\'') {
                    put(b, "'", 1);
                }
            }
            put(b, "'", 1);
            return;
        }
        {
            char *j = json_dumps(v, JSON_ENCODE_ANY);

            puts_(b, j != NULL ? j : "\"\"");
            free(j);
        }
        return;
    }
    if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
    } else if (json_is_real(v)) {
        snprintf(num, sizeof(num), "%.17g", json_real_value(v));
    } else if (json_is_true(v)) {
        snprintf(num, sizeof(num), "true");
    } else if (json_is_false(v)) {
        snprintf(num, sizeof(num), "false");
    } else {
        snprintf(num, sizeof(num), "null");
    }
    puts_(b, num);
}

static void emit(struct buf *b, const json_t *v, int col);

static bool
is_empty_collection(const json_t *v)
{
    return (json_is_object(v) && json_object_size(v) == 0) ||
           (json_is_array(v) && json_array_size(v) == 0);
}

/* Writes the value after "key:" or "- ". */
static void
emit_value(struct buf *b, const json_t *v, int col, bool in_seq)
{
    if (is_empty_collection(v)) {
        puts_(b, json_is_object(v) ? " {}\n" : " []\n");
        return;
    }
    if (json_is_object(v) || json_is_array(v)) {
        if (in_seq && json_is_object(v)) {
            put(b, " ", 1);
            emit(b, v, -(col + 2));
            return;
        }
        put(b, "\n", 1);
        emit(b, v, json_is_array(v) && !in_seq ? col : col + 2);
        return;
    }
    put(b, " ", 1);
    scalar(b, v);
    put(b, "\n", 1);
}

/* @col < 0: the first line continues the current one at column -col. */
static void
emit(struct buf *b, const json_t *v, int col)
{
    bool first_inline = col < 0;
    int c = first_inline ? -col : col;

    if (json_is_object(v)) {
        size_t n = json_object_size(v);
        const char **keys = calloc(n + 1, sizeof(*keys));
        const char *k;
        json_t *x;
        size_t i = 0;

        if (keys == NULL) {
            b->oom = true;
            return;
        }
        json_object_foreach((json_t *)v, k, x) {
            keys[i++] = k;
        }
        qsort(keys, n, sizeof(*keys), util_cmp_str);
        for (i = 0; i < n; i++) {
            json_t *key = json_string(keys[i]);

            if (!(first_inline && i == 0)) {
                indent(b, c);
            }
            scalar(b, key);
            json_decref(key);
            put(b, ":", 1);
            emit_value(b, json_object_get(v, keys[i]), c, false);
        }
        free(keys);
        return;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *x;

        json_array_foreach((json_t *)v, i, x) {
            if (!(first_inline && i == 0)) {
                indent(b, c);
            }
            put(b, "-", 1);
            emit_value(b, x, c, true);
        }
        return;
    }
    scalar(b, v);
    put(b, "\n", 1);
}

char *
yamlout_emit(const json_t *v)
{
    struct buf b = { NULL, 0, 0, false };

    if (is_empty_collection(v)) {
        puts_(&b, json_is_object(v) ? "{}\n" : "[]\n");
    } else {
        emit(&b, v, 0);
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s != NULL ? b.s : strdup("");
}

int
yamlout_parse(const char *text, json_t **out)
{
    struct model_file *f = NULL;
    const struct model_document *d;
    int rc;

    rc = model_decode_buffer("fieldOverrider", text, strlen(text), NULL, &f,
                             NULL);
    if (rc != 0) {
        return -EINVAL;
    }
    d = model_file_document(f, 0);
    if (d == NULL || d->root == NULL) {
        *out = json_null();
        rc = 0;
    } else {
        rc = model_node_to_json(d->root, out) == 0 ? 0 : -EINVAL;
    }
    model_file_free(f);
    return rc;
}
