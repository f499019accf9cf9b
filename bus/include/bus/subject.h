/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The subject catalogue: every subject Flotilla uses, its message, its one
 * owner (the only actor that may publish state on it) and its stream.
 * docs/subjects.md is the prose version of this table.
 *
 * Names inside subjects are encoded with bus_token_encode(), so a namespace
 * or binding name holding '.' stays one token.
 */
#ifndef BUS_SUBJECT_H
#define BUS_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>

#define BUS_SUBJECT_MAX 512

/* Retention class of a stream. */
enum bus_retention {
    BUS_RETENTION_STATE, /* compacted: last message per subject */
    BUS_RETENTION_LOG,   /* every message, kept for a set age */
};

struct bus_subject_class {
    const char *pattern;  /* NATS wildcard pattern, e.g. "cluster.status.*" */
    const char *message;  /* payload type in the envelope, e.g. "ClusterStatus" */
    const char *owner;    /* producing actor; "*" = any (requests, logs) */
    const char *stream;   /* stream that stores it */
    const char *key;      /* what the tokens name, e.g. "cluster" */
};

/* The catalogue, terminated by an entry with pattern NULL. */
extern const struct bus_subject_class bus_subject_classes[];

/*
 * Returns the class whose pattern matches @subject, or NULL when none does.
 */
const struct bus_subject_class *bus_subject_classify(const char *subject);

/* True when @subject matches NATS pattern @pattern ('*' and a final '>'). */
bool bus_subject_matches(const char *pattern, const char *subject);

/*
 * Builds "<prefix>.<tok(a)>[.<tok(b)>[.<tok(c)>]]" into @buf, encoding each
 * name with bus_token_encode(). @b and @c may be NULL. Returns the length,
 * or -ENAMETOOLONG.
 */
int bus_subject_build(char *buf, size_t len, const char *prefix, const char *a,
                      const char *b, const char *c);

/*
 * Splits the tokens of @subject after the first @skip tokens and decodes
 * up to @n of them into @out (each @each bytes). Returns how many were
 * decoded, or -EINVAL when a token is not a valid encoding.
 */
int bus_subject_names(const char *subject, int skip, char (*out)[256], int n);

#endif /* BUS_SUBJECT_H */
