/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML and JSON decoding into a position-keeping node tree. Every node
 * remembers its line and column so that validation errors can name the file,
 * the document and the line. Hostile input is bounded by struct
 * model_limits: input size, nesting depth, document count, scalar length and
 * the number of nodes after alias expansion (billion laughs).
 */
#ifndef MODEL_DECODE_H
#define MODEL_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum model_node_type {
    MODEL_NODE_MAP,
    MODEL_NODE_SEQ,
    MODEL_NODE_SCALAR,
};

/* The JSON type a scalar resolves to (YAML 1.2 core schema). */
enum model_scalar_kind {
    MODEL_SCALAR_NULL,
    MODEL_SCALAR_BOOL,
    MODEL_SCALAR_INT,
    MODEL_SCALAR_FLOAT,
    MODEL_SCALAR_STRING,
};

/*
 * One node. Nodes are owned by their document's arena; an alias is the same
 * pointer reached twice, so the tree is a DAG and never freed node by node.
 */
struct model_node {
    enum model_node_type type;
    /* 1-based position of the node's first character in the input. */
    int line;
    int column;
    /* Scalars: the text (NUL-terminated, may hold NULs: see len) and type. */
    char *value;
    size_t len;
    enum model_scalar_kind scalar_kind;
    /* Maps: keys[i] (always scalars) maps to items[i]. Sequences: items. */
    size_t n;
    struct model_node **keys;
    struct model_node **items;
    /* Nodes in this subtree counting alias expansion (for the limit). */
    size_t weight;
    /* Levels in this subtree counting alias expansion (a scalar is 1). */
    unsigned height;
};

/* One YAML document ("---" separated). */
struct model_document {
    /* 1-based index of the document in the file, empty ones included. */
    int index;
    /* Line of the document's first node. */
    int line;
    /* NULL for an empty document. */
    struct model_node *root;
};

struct model_limits {
    size_t max_input_bytes;
    unsigned max_depth;
    unsigned max_documents;
    size_t max_scalar_bytes;
    /* Nodes per file, counting every alias expansion. */
    size_t max_nodes;
    /* Keys in one mapping (duplicate detection is quadratic). */
    size_t max_map_keys;
};

/* Where and why decoding or validation failed. */
struct model_error {
    char file[256];
    /* 0 when the error concerns the whole file. */
    int document;
    /* 0 when unknown. */
    int line;
    int column;
    /* Field path such as "spec.placement.clusterAffinity", or "". */
    char path[256];
    char message[512];
};

/* A decoded file: its documents and the arena owning every node. */
struct model_file;

/* Fills @l with the defaults documented in docs/model.md. */
void model_limits_init(struct model_limits *l);

/*
 * Decodes the YAML or JSON text @buf (@len bytes, need not be
 * NUL-terminated) named @name (used in errors only). @limits may be NULL for
 * the defaults. On success returns 0 and *out (free with model_file_free);
 * on failure returns -EINVAL (syntax, duplicate or non-scalar key, undefined
 * alias), -EMSGSIZE (a limit was exceeded) or -ENOMEM, fills @err when it is
 * not NULL and leaves *out untouched. Thread-safe (no shared state).
 */
int model_decode_buffer(const char *name, const char *buf, size_t len,
                        const struct model_limits *limits,
                        struct model_file **out, struct model_error *err);

/*
 * Reads @path and decodes it as model_decode_buffer() does, naming the file
 * @path in errors. Also returns -ENOENT/-EACCES/... from opening the file
 * and -EMSGSIZE when it is larger than limits->max_input_bytes.
 */
int model_decode_file(const char *path, const struct model_limits *limits,
                      struct model_file **out, struct model_error *err);

/* Frees @f and all its nodes. Accepts NULL. */
void model_file_free(struct model_file *f);

/* The file name given when decoding (owned by @f). */
const char *model_file_name(const struct model_file *f);

/* Number of documents, empty ones included. */
size_t model_file_document_count(const struct model_file *f);

/* Document @i (0-based, < count); owned by @f. */
const struct model_document *model_file_document(const struct model_file *f,
                                                 size_t i);

/* Looks up @key in map @map; NULL when absent or @map is not a map. */
const struct model_node *model_node_get(const struct model_node *map,
                                        const char *key);

/*
 * Converts @node to a new JSON value (caller owns the reference). Integers
 * that do not fit in int64 become -ERANGE. Returns 0, -ERANGE, -ENOMEM.
 */
int model_node_to_json(const struct model_node *node, json_t **out);

/* Short name of a node's type for messages: "object", "string", ... */
const char *model_node_type_name(const struct model_node *node);

/*
 * Writes "file: document N, line L: path: message" (parts that are unknown
 * left out) into @buf of @len bytes.
 */
void model_error_format(const struct model_error *err, char *buf, size_t len);

/* printf-style setter used by the model library; exported for tests. */
void model_error_set(struct model_error *err, int document, int line,
                     int column, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif /* MODEL_DECODE_H */
