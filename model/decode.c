/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML/JSON decoder over libyaml's event API. The event API (rather than
 * yaml_parser_load) lets us stop at the depth, scalar and alias-expansion
 * limits before the memory is spent, and keep every node's position.
 */
#include "model/decode.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

struct model_file {
    char *name;
    size_t ndocs;
    struct model_document *docs;
    /* Every node ever allocated, freed together. */
    struct model_node **arena;
    size_t narena;
    size_t arena_cap;
};

struct anchor {
    char *name;
    struct model_node *node;
};

/* Decoder state for one file. */
struct builder {
    struct model_file *file;
    const struct model_limits *lim;
    struct model_error *err;
    int doc_index;
    struct model_node **stack;
    unsigned depth;
    struct anchor *anchors;
    size_t nanchors;
    /* Anchor names of the open nodes, registered when they close. */
    char **stack_anchor;
    size_t total_weight;
};

void
model_limits_init(struct model_limits *l)
{
    l->max_input_bytes = 8u * 1024 * 1024;
    l->max_depth = 100;
    l->max_documents = 1000;
    l->max_scalar_bytes = 1024 * 1024;
    l->max_nodes = 500000;
    l->max_map_keys = 10000;
}

void
model_error_set(struct model_error *err, int document, int line, int column,
                const char *path, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL) {
        return;
    }
    err->document = document;
    err->line = line;
    err->column = column;
    snprintf(err->path, sizeof(err->path), "%s", path != NULL ? path : "");
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

void
model_error_format(const struct model_error *err, char *buf, size_t len)
{
    char where[96] = "";
    char pathpart[300] = "";

    if (err->document > 0 && err->line > 0) {
        snprintf(where, sizeof(where), ": document %d, line %d",
                 err->document, err->line);
    } else if (err->document > 0) {
        snprintf(where, sizeof(where), ": document %d", err->document);
    } else if (err->line > 0) {
        snprintf(where, sizeof(where), ": line %d", err->line);
    }
    if (err->path[0] != '\0') {
        snprintf(pathpart, sizeof(pathpart), " %s:", err->path);
    }
    snprintf(buf, len, "%s%s:%s %s", err->file, where, pathpart,
             err->message);
}

static int
arena_add(struct model_file *f, struct model_node *n)
{
    if (f->narena == f->arena_cap) {
        size_t cap = f->arena_cap == 0 ? 64 : f->arena_cap * 2;
        struct model_node **a = realloc(f->arena, cap * sizeof(*a));

        if (a == NULL) {
            return -ENOMEM;
        }
        f->arena = a;
        f->arena_cap = cap;
    }
    f->arena[f->narena++] = n;
    return 0;
}

static void
node_free(struct model_node *n)
{
    free(n->value);
    free(n->keys);
    free(n->items);
    free(n);
}

void
model_file_free(struct model_file *f)
{
    if (f == NULL) {
        return;
    }
    for (size_t i = 0; i < f->narena; i++) {
        node_free(f->arena[i]);
    }
    free(f->arena);
    free(f->docs);
    free(f->name);
    free(f);
}

const char *
model_file_name(const struct model_file *f)
{
    return f->name;
}

size_t
model_file_document_count(const struct model_file *f)
{
    return f->ndocs;
}

const struct model_document *
model_file_document(const struct model_file *f, size_t i)
{
    return i < f->ndocs ? &f->docs[i] : NULL;
}

const struct model_node *
model_node_get(const struct model_node *map, const char *key)
{
    if (map == NULL || map->type != MODEL_NODE_MAP) {
        return NULL;
    }
    for (size_t i = 0; i < map->n; i++) {
        if (strcmp(map->keys[i]->value, key) == 0) {
            return map->items[i];
        }
    }
    return NULL;
}

const char *
model_node_type_name(const struct model_node *node)
{
    if (node == NULL) {
        return "nothing";
    }
    switch (node->type) {
    case MODEL_NODE_MAP:
        return "object";
    case MODEL_NODE_SEQ:
        return "array";
    case MODEL_NODE_SCALAR:
        break;
    }
    switch (node->scalar_kind) {
    case MODEL_SCALAR_NULL:
        return "null";
    case MODEL_SCALAR_BOOL:
        return "boolean";
    case MODEL_SCALAR_INT:
        return "integer";
    case MODEL_SCALAR_FLOAT:
        return "number";
    case MODEL_SCALAR_STRING:
        break;
    }
    return "string";
}

/* ---------------------------------------------------------- scalars */

static bool
is_one_of(const char *s, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strcmp(s, *list) == 0) {
            return true;
        }
    }
    return false;
}

static bool
all_chars(const char *s, const char *set)
{
    if (*s == '\0') {
        return false;
    }
    return strspn(s, set) == strlen(s);
}

static bool
is_core_int(const char *s)
{
    if (strncmp(s, "0x", 2) == 0) {
        return all_chars(s + 2, "0123456789abcdefABCDEF");
    }
    if (strncmp(s, "0o", 2) == 0) {
        return all_chars(s + 2, "01234567");
    }
    if (*s == '-' || *s == '+') {
        s++;
    }
    return all_chars(s, "0123456789");
}

static bool
is_core_float(const char *s)
{
    static const char *const special[] = {
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf",
        "-.INF", ".nan", ".NaN", ".NAN", NULL,
    };
    bool digits = false;

    if (is_one_of(s, special)) {
        return true;
    }
    if (*s == '-' || *s == '+') {
        s++;
    }
    while (*s >= '0' && *s <= '9') {
        s++;
        digits = true;
    }
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9') {
            s++;
            digits = true;
        }
    }
    if (!digits) {
        return false;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+') {
            s++;
        }
        return all_chars(s, "0123456789");
    }
    return *s == '\0';
}

/* YAML 1.2 core schema resolution of a plain scalar; explicit tags win. */
static enum model_scalar_kind
resolve_scalar(const char *value, size_t len, const char *tag, bool plain)
{
    static const char *const nulls[] = { "", "~", "null", "Null", "NULL",
                                         NULL };
    static const char *const bools[] = { "true", "True", "TRUE", "false",
                                         "False", "FALSE", NULL };

    if (tag != NULL && strncmp(tag, "tag:yaml.org,2002:", 18) == 0) {
        const char *t = tag + 18;

        if (strcmp(t, "str") == 0) {
            return MODEL_SCALAR_STRING;
        }
        if (strcmp(t, "null") == 0) {
            return MODEL_SCALAR_NULL;
        }
        if (strcmp(t, "bool") == 0 && is_one_of(value, bools)) {
            return MODEL_SCALAR_BOOL;
        }
        if (strcmp(t, "int") == 0 && is_core_int(value)) {
            return MODEL_SCALAR_INT;
        }
        if (strcmp(t, "float") == 0 && is_core_float(value)) {
            return MODEL_SCALAR_FLOAT;
        }
        return MODEL_SCALAR_STRING;
    }
    if (!plain || strlen(value) != len) {
        return MODEL_SCALAR_STRING;
    }
    if (is_one_of(value, nulls)) {
        return MODEL_SCALAR_NULL;
    }
    if (is_one_of(value, bools)) {
        return MODEL_SCALAR_BOOL;
    }
    if (is_core_int(value)) {
        return MODEL_SCALAR_INT;
    }
    if (is_core_float(value)) {
        return MODEL_SCALAR_FLOAT;
    }
    return MODEL_SCALAR_STRING;
}

/* ---------------------------------------------------------- builder */

static struct model_node *
node_new(struct builder *b, enum model_node_type type,
         const yaml_mark_t *mark)
{
    struct model_node *n = calloc(1, sizeof(*n));

    if (n == NULL) {
        return NULL;
    }
    if (arena_add(b->file, n) != 0) {
        free(n);
        return NULL;
    }
    n->type = type;
    n->line = (int)mark->line + 1;
    n->column = (int)mark->column + 1;
    n->weight = 1;
    n->height = 1;
    return n;
}

static int
node_append(struct model_node *parent, struct model_node *key,
            struct model_node *item)
{
    struct model_node **items = realloc(parent->items,
                                        (parent->n + 1) * sizeof(*items));

    if (items == NULL) {
        return -ENOMEM;
    }
    parent->items = items;
    if (parent->type == MODEL_NODE_MAP) {
        struct model_node **keys = realloc(parent->keys,
                                           (parent->n + 1) * sizeof(*keys));

        if (keys == NULL) {
            return -ENOMEM;
        }
        parent->keys = keys;
        parent->keys[parent->n] = key;
    }
    parent->items[parent->n++] = item;
    return 0;
}

static int
fail(struct builder *b, int rc, int line, int column, const char *fmt,
     const char *arg)
{
    model_error_set(b->err, b->doc_index, line, column, "", fmt, arg);
    return rc;
}

/*
 * Adds @n under the innermost open node. Maps are built as key, value,
 * key, value...: a pending key is parked as a NULL-valued entry.
 */
static int
attach(struct builder *b, struct model_node *n, struct model_document *doc)
{
    struct model_node *parent;

    b->total_weight += n->weight;
    if (b->total_weight > b->lim->max_nodes) {
        return fail(b, -EMSGSIZE, n->line, n->column,
                    "too many nodes after alias expansion (limit %s)",
                    "max_nodes");
    }
    if (b->depth + n->height > b->lim->max_depth) {
        return fail(b, -EMSGSIZE, n->line, n->column,
                    "nesting after alias expansion deeper than the limit "
                    "(%s)", "max_depth");
    }
    if (b->depth == 0) {
        /* An empty document reads as an empty plain scalar: keep NULL. */
        if (!(n->type == MODEL_NODE_SCALAR && n->len == 0 &&
              n->scalar_kind == MODEL_SCALAR_NULL)) {
            doc->root = n;
        }
        return 0;
    }
    parent = b->stack[b->depth - 1];
    parent->weight += n->weight;
    if (n->height + 1 > parent->height) {
        parent->height = n->height + 1;
    }
    if (parent->type == MODEL_NODE_SEQ) {
        return node_append(parent, NULL, n);
    }
    if (parent->n > 0 && parent->items[parent->n - 1] == NULL) {
        parent->items[parent->n - 1] = n;
        return 0;
    }
    if (n->type != MODEL_NODE_SCALAR) {
        return fail(b, -EINVAL, n->line, n->column,
                    "mapping key must be a scalar, found %s (an unquoted "
                    "'{' or '[' starts a flow collection)",
                    model_node_type_name(n));
    }
    if (parent->n >= b->lim->max_map_keys) {
        return fail(b, -EMSGSIZE, n->line, n->column,
                    "more keys in one mapping than the limit (%s)",
                    "max_map_keys");
    }
    for (size_t i = 0; i < parent->n; i++) {
        if (strcmp(parent->keys[i]->value, n->value) == 0) {
            return fail(b, -EINVAL, n->line, n->column,
                        "duplicate key \"%s\"", n->value);
        }
    }
    return node_append(parent, n, NULL);
}

static int
anchor_add(struct builder *b, const char *name, struct model_node *n)
{
    struct anchor *a = realloc(b->anchors, (b->nanchors + 1) * sizeof(*a));

    if (a == NULL) {
        return -ENOMEM;
    }
    b->anchors = a;
    a[b->nanchors].name = strdup(name);
    if (a[b->nanchors].name == NULL) {
        return -ENOMEM;
    }
    a[b->nanchors].node = n;
    b->nanchors++;
    return 0;
}

static void
anchors_clear(struct builder *b)
{
    for (size_t i = 0; i < b->nanchors; i++) {
        free(b->anchors[i].name);
    }
    free(b->anchors);
    b->anchors = NULL;
    b->nanchors = 0;
}

static struct model_node *
anchor_find(struct builder *b, const char *name)
{
    /* The latest definition wins, as YAML allows redefinition. */
    for (size_t i = b->nanchors; i > 0; i--) {
        if (strcmp(b->anchors[i - 1].name, name) == 0) {
            return b->anchors[i - 1].node;
        }
    }
    return NULL;
}

static int
on_scalar(struct builder *b, yaml_event_t *ev, struct model_document *doc)
{
    struct model_node *n;
    size_t len = ev->data.scalar.length;
    int rc;

    if (len > b->lim->max_scalar_bytes) {
        return fail(b, -EMSGSIZE, (int)ev->start_mark.line + 1,
                    (int)ev->start_mark.column + 1,
                    "scalar longer than the limit (%s)", "max_scalar_bytes");
    }
    n = node_new(b, MODEL_NODE_SCALAR, &ev->start_mark);
    if (n == NULL) {
        return -ENOMEM;
    }
    n->value = malloc(len + 1);
    if (n->value == NULL) {
        return -ENOMEM;
    }
    memcpy(n->value, ev->data.scalar.value, len);
    n->value[len] = '\0';
    n->len = len;
    n->scalar_kind = resolve_scalar(n->value, len,
                                    (const char *)ev->data.scalar.tag,
                                    ev->data.scalar.plain_implicit &&
                                        ev->data.scalar.style ==
                                            YAML_PLAIN_SCALAR_STYLE);
    if (ev->data.scalar.anchor != NULL) {
        rc = anchor_add(b, (const char *)ev->data.scalar.anchor, n);
        if (rc != 0) {
            return rc;
        }
    }
    return attach(b, n, doc);
}

static int
on_start(struct builder *b, yaml_event_t *ev, enum model_node_type type,
         const yaml_char_t *anchor)
{
    struct model_node *n;

    if (b->depth >= b->lim->max_depth) {
        return fail(b, -EMSGSIZE, (int)ev->start_mark.line + 1,
                    (int)ev->start_mark.column + 1,
                    "nesting deeper than the limit (%s)", "max_depth");
    }
    n = node_new(b, type, &ev->start_mark);
    if (n == NULL) {
        return -ENOMEM;
    }
    b->stack_anchor[b->depth] = anchor != NULL ? strdup((const char *)anchor)
                                               : NULL;
    b->stack[b->depth++] = n;
    if (anchor != NULL && b->stack_anchor[b->depth - 1] == NULL) {
        return -ENOMEM;
    }
    return 0;
}

static int
on_end(struct builder *b, struct model_document *doc)
{
    struct model_node *n = b->stack[--b->depth];
    char *anchor = b->stack_anchor[b->depth];
    int rc = 0;

    b->stack_anchor[b->depth] = NULL;
    if (anchor != NULL) {
        rc = anchor_add(b, anchor, n);
        free(anchor);
    }
    if (rc != 0) {
        return rc;
    }
    /* The open node's own weight was not yet counted in total_weight. */
    b->total_weight -= n->weight - 1;
    return attach(b, n, doc);
}

static int
on_alias(struct builder *b, yaml_event_t *ev, struct model_document *doc)
{
    const char *name = (const char *)ev->data.alias.anchor;
    struct model_node *target = anchor_find(b, name);

    if (target == NULL) {
        return fail(b, -EINVAL, (int)ev->start_mark.line + 1,
                    (int)ev->start_mark.column + 1,
                    "alias *%s names no anchor defined before it", name);
    }
    return attach(b, target, doc);
}

static int
doc_begin(struct builder *b, yaml_event_t *ev)
{
    struct model_file *f = b->file;
    struct model_document *d;

    if (f->ndocs >= b->lim->max_documents) {
        return fail(b, -EMSGSIZE, (int)ev->start_mark.line + 1,
                    (int)ev->start_mark.column + 1,
                    "more documents than the limit (%s)", "max_documents");
    }
    d = realloc(f->docs, (f->ndocs + 1) * sizeof(*d));
    if (d == NULL) {
        return -ENOMEM;
    }
    f->docs = d;
    d = &f->docs[f->ndocs++];
    memset(d, 0, sizeof(*d));
    d->index = (int)f->ndocs;
    d->line = (int)ev->start_mark.line + 1;
    b->doc_index = d->index;
    anchors_clear(b);
    return 0;
}

static int
handle_event(struct builder *b, yaml_event_t *ev, bool *done)
{
    struct model_document *doc = b->file->ndocs > 0
                                     ? &b->file->docs[b->file->ndocs - 1]
                                     : NULL;

    switch (ev->type) {
    case YAML_STREAM_END_EVENT:
        *done = true;
        return 0;
    case YAML_DOCUMENT_START_EVENT:
        return doc_begin(b, ev);
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev, doc);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(b, ev, MODEL_NODE_SEQ,
                        ev->data.sequence_start.anchor);
    case YAML_MAPPING_START_EVENT:
        return on_start(b, ev, MODEL_NODE_MAP,
                        ev->data.mapping_start.anchor);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return on_end(b, doc);
    case YAML_ALIAS_EVENT:
        return on_alias(b, ev, doc);
    default:
        return 0;
    }
}

static int
parser_error(struct builder *b, const yaml_parser_t *p, const char *buf,
             size_t len)
{
    const yaml_mark_t *m = &p->problem_mark;
    const char *hint = "";
    char msg[400];

    if (m->index < len && buf[m->index] == '\t') {
        hint = "; a tab character: YAML indentation must use spaces";
    }
    if (p->error == YAML_MEMORY_ERROR) {
        return -ENOMEM;
    }
    if (p->context != NULL) {
        snprintf(msg, sizeof(msg), "%s (%s)%s", p->problem, p->context,
                 hint);
    } else {
        snprintf(msg, sizeof(msg), "%s%s",
                 p->problem != NULL ? p->problem : "invalid YAML", hint);
    }
    /* A syntax error belongs to the document being read, or the next one. */
    model_error_set(b->err,
                    b->doc_index > 0 ? b->doc_index : 1, (int)m->line + 1,
                    (int)m->column + 1, "", "YAML syntax error: %s", msg);
    return -EINVAL;
}

static int
run_parser(struct builder *b, const char *buf, size_t len)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    bool done = false;
    int rc = 0;

    if (!yaml_parser_initialize(&parser)) {
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    while (!done) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = parser_error(b, &parser, buf, len);
            break;
        }
        rc = handle_event(b, &ev, &done);
        yaml_event_delete(&ev);
        if (rc != 0) {
            break;
        }
    }
    yaml_parser_delete(&parser);
    return rc;
}

int
model_decode_buffer(const char *name, const char *buf, size_t len,
                    const struct model_limits *limits,
                    struct model_file **out, struct model_error *err)
{
    struct model_limits defaults;
    struct builder b;
    struct model_file *f = NULL;
    int rc;

    memset(&b, 0, sizeof(b));
    if (err != NULL) {
        memset(err, 0, sizeof(*err));
        snprintf(err->file, sizeof(err->file), "%s", name);
    }
    if (limits == NULL) {
        model_limits_init(&defaults);
        limits = &defaults;
    }
    if (len > limits->max_input_bytes) {
        model_error_set(err, 0, 0, 0, "",
                        "input of %zu bytes exceeds the limit of %zu bytes",
                        len, limits->max_input_bytes);
        return -EMSGSIZE;
    }
    f = calloc(1, sizeof(*f));
    b.stack = calloc(limits->max_depth + 1, sizeof(*b.stack));
    b.stack_anchor = calloc(limits->max_depth + 1, sizeof(*b.stack_anchor));
    if (f == NULL || b.stack == NULL || b.stack_anchor == NULL ||
        (f->name = strdup(name)) == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    b.file = f;
    b.lim = limits;
    b.err = err;

    rc = run_parser(&b, buf, len);
    if (rc == -ENOMEM) {
        model_error_set(err, b.doc_index, 0, 0, "", "out of memory");
    }
    if (rc == 0) {
        *out = f;
        f = NULL;
    }

out:
    for (unsigned i = 0; b.stack_anchor != NULL && i <= limits->max_depth;
         i++) {
        free(b.stack_anchor[i]);
    }
    free(b.stack_anchor);
    free(b.stack);
    anchors_clear(&b);
    model_file_free(f);
    return rc;
}

static int
read_all(int fd, size_t max, char **out, size_t *out_len)
{
    size_t cap = 65536;
    size_t len = 0;
    char *buf = malloc(cap);

    if (buf == NULL) {
        return -ENOMEM;
    }
    for (;;) {
        ssize_t n;

        if (len == cap) {
            char *nb;

            if (cap > max) {
                free(buf);
                return -EMSGSIZE;
            }
            cap *= 2;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                return -ENOMEM;
            }
            buf = nb;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int rc = -errno;

            free(buf);
            return rc;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

int
model_decode_file(const char *path, const struct model_limits *limits,
                  struct model_file **out, struct model_error *err)
{
    struct model_limits defaults;
    char *buf = NULL;
    size_t len = 0;
    int fd = -1;
    int rc;

    if (err != NULL) {
        memset(err, 0, sizeof(*err));
        snprintf(err->file, sizeof(err->file), "%s", path);
    }
    if (limits == NULL) {
        model_limits_init(&defaults);
        limits = &defaults;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        model_error_set(err, 0, 0, 0, "", "cannot open: %s", strerror(-rc));
        goto out;
    }
    rc = read_all(fd, limits->max_input_bytes, &buf, &len);
    if (rc == 0 && len > limits->max_input_bytes) {
        rc = -EMSGSIZE;
    }
    if (rc != 0) {
        model_error_set(err, 0, 0, 0, "", "cannot read: %s%s",
                        strerror(-rc),
                        rc == -EMSGSIZE ? " (file larger than the limit)"
                                        : "");
        goto out;
    }
    rc = model_decode_buffer(path, buf, len, limits, out, err);

out:
    free(buf);
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

/* ---------------------------------------------------------- to JSON */

static int
scalar_to_json(const struct model_node *n, json_t **out)
{
    switch (n->scalar_kind) {
    case MODEL_SCALAR_NULL:
        *out = json_null();
        return 0;
    case MODEL_SCALAR_BOOL:
        *out = json_boolean(n->value[0] == 't' || n->value[0] == 'T');
        return 0;
    case MODEL_SCALAR_INT: {
        char *end = NULL;
        long long v;
        const char *s = n->value;
        int base = 10;

        if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0o", 2) == 0) {
            base = s[1] == 'x' ? 16 : 8;
            s += 2;
        }
        errno = 0;
        v = strtoll(s, &end, base);
        if (errno == ERANGE || end == s || *end != '\0') {
            return -ERANGE;
        }
        *out = json_integer((json_int_t)v);
        break;
    }
    case MODEL_SCALAR_FLOAT: {
        double d = strtod(n->value, NULL);

        if (!isfinite(d)) {
            /* JSON has no infinity or NaN. */
            return -ERANGE;
        }
        *out = json_real(d);
        break;
    }
    case MODEL_SCALAR_STRING:
        *out = json_stringn_nocheck(n->value, n->len);
        break;
    }
    return *out == NULL ? -ENOMEM : 0;
}

static int
to_json(const struct model_node *n, json_t **out)
{
    json_t *v = NULL;
    int rc = 0;

    if (n->type == MODEL_NODE_SCALAR) {
        return scalar_to_json(n, out);
    }
    v = n->type == MODEL_NODE_MAP ? json_object() : json_array();
    if (v == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n->n && rc == 0; i++) {
        json_t *child = NULL;

        rc = to_json(n->items[i], &child);
        if (rc != 0) {
            break;
        }
        if (n->type == MODEL_NODE_MAP) {
            rc = json_object_set_new_nocheck(v, n->keys[i]->value, child);
        } else {
            rc = json_array_append_new(v, child);
        }
        rc = rc != 0 ? -ENOMEM : 0;
    }
    if (rc != 0) {
        json_decref(v);
        return rc;
    }
    *out = v;
    return 0;
}

int
model_node_to_json(const struct model_node *node, json_t **out)
{
    if (node == NULL) {
        *out = json_null();
        return 0;
    }
    return to_json(node, out);
}
