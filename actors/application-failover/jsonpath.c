/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small JSONPath evaluator; see appfo/jsonpath.h. Written here because no
 * packaged C library implements Kubernetes' JSONPath printing rules (raw
 * strings, space-separated matches); jansson holds the document.
 */
#include "appfo/jsonpath.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A set of matched nodes (borrowed references into the document). */
struct nodes {
    const json_t **v;
    size_t n, cap;
};

static int
nodes_add(struct nodes *s, const json_t *j)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        const json_t **n = realloc(s->v, cap * sizeof(*n));

        if (n == NULL) {
            return -ENOMEM;
        }
        s->v = n;
        s->cap = cap;
    }
    s->v[s->n++] = j;
    return 0;
}

static int
children(const json_t *j, struct nodes *out)
{
    const char *k;
    json_t *v;
    size_t i;
    int rc = 0;

    if (json_is_object(j)) {
        json_object_foreach((json_t *)j, k, v) {
            if ((rc = nodes_add(out, v)) != 0) {
                break;
            }
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            if ((rc = nodes_add(out, v)) != 0) {
                break;
            }
        }
    }
    return rc;
}

/* @name of @j and of every descendant, in document order. */
static int
descend(const json_t *j, const char *name, struct nodes *out)
{
    const char *k;
    json_t *v;
    size_t i;
    int rc = 0;

    if (json_is_object(j)) {
        v = json_object_get(j, name);
        if (v != NULL && (rc = nodes_add(out, v)) != 0) {
            return rc;
        }
        json_object_foreach((json_t *)j, k, v) {
            if ((rc = descend(v, name, out)) != 0) {
                return rc;
            }
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            if ((rc = descend(v, name, out)) != 0) {
                return rc;
            }
        }
    }
    return 0;
}

/* One step: @kind '.', 'D' (..), '*' or '[' with @name / @index. */
static int
step(const struct nodes *in, char kind, const char *name, long index,
     struct nodes *out)
{
    int rc = 0;

    for (size_t i = 0; i < in->n && rc == 0; i++) {
        const json_t *j = in->v[i];
        const json_t *v = NULL;

        if (kind == '*') {
            rc = children(j, out);
        } else if (kind == 'D') {
            rc = descend(j, name, out);
        } else if (kind == '.' && json_is_object(j)) {
            v = json_object_get(j, name);
        } else if (kind == '[' && json_is_array(j)) {
            long n = (long)json_array_size(j);
            long at = index < 0 ? n + index : index;

            v = at >= 0 && at < n ? json_array_get(j, (size_t)at) : NULL;
        }
        if (v != NULL) {
            rc = nodes_add(out, v);
        }
    }
    return rc;
}

static size_t
ident_len(const char *p)
{
    size_t n = 0;

    while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '-' ||
           p[n] == '$' || p[n] == '/') {
        n++;
    }
    return n;
}

/* Parses a bracket at @p ("[3]", "[*]", "['a.b']"); returns its length. */
static size_t
bracket(const char *p, char *kind, char *name, size_t namelen, long *index)
{
    const char *q = p + 1;
    char *end;

    if (*q == '*' && q[1] == ']') {
        *kind = '*';
        return 3;
    }
    if (*q == '\'' || *q == '"') {
        const char *close = strchr(q + 1, *q);

        if (close == NULL || close[1] != ']' ||
            (size_t)(close - q - 1) >= namelen) {
            return 0;
        }
        memcpy(name, q + 1, (size_t)(close - q - 1));
        name[close - q - 1] = '\0';
        *kind = '.';
        return (size_t)(close + 2 - p);
    }
    *index = strtol(q, &end, 10);
    if (end == q || *end != ']') {
        return 0;
    }
    *kind = '[';
    return (size_t)(end + 1 - p);
}

/* Parses the next step at *@pp; 0 at the end, 1 for a step, -EINVAL. */
static int
next_step(const char **pp, char *kind, char *name, size_t namelen,
          long *index)
{
    const char *p = *pp;
    size_t n;

    if (*p == '\0') {
        return 0;
    }
    if (*p == '[') {
        n = bracket(p, kind, name, namelen, index);
        if (n == 0) {
            return -EINVAL;
        }
        *pp = p + n;
        return 1;
    }
    if (*p != '.') {
        return -EINVAL;
    }
    p++;
    *kind = '.';
    if (*p == '.') {
        *kind = 'D';
        p++;
    }
    if (*p == '*') {
        *kind = '*';
        *pp = p + 1;
        return 1;
    }
    if (*p == '[' && *kind == '.') {
        *pp = p;
        return next_step(pp, kind, name, namelen, index);
    }
    n = ident_len(p);
    if (n == 0 && *kind == '.' && (*p == '\0')) {
        *pp = p;        /* "{.}" is the document itself */
        return 2;
    }
    if (n == 0 || n >= namelen) {
        return -EINVAL;
    }
    memcpy(name, p, n);
    name[n] = '\0';
    *pp = p + n;
    return 1;
}

/* Copies @expr without its braces and surrounding blanks into @buf. */
static int
strip(const char *expr, char *buf, size_t len)
{
    size_t n;

    while (isspace((unsigned char)*expr)) {
        expr++;
    }
    n = strlen(expr);
    while (n > 0 && isspace((unsigned char)expr[n - 1])) {
        n--;
    }
    if (n > 0 && expr[0] == '{') {
        if (expr[n - 1] != '}') {
            return -EINVAL;
        }
        expr++;
        n -= 2;
    }
    while (n > 0 && isspace((unsigned char)*expr)) {
        expr++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)expr[n - 1])) {
        n--;
    }
    if (n >= len) {
        return -EINVAL;
    }
    memcpy(buf, expr, n);
    buf[n] = '\0';
    if (buf[0] == '$') {
        memmove(buf, buf + 1, n);
    }
    return buf[0] == '.' || buf[0] == '[' ? 0 : -EINVAL;
}

static int
print_one(const json_t *j, char *out, size_t outlen, size_t *off)
{
    char *dump = NULL;
    char num[64];
    const char *text;
    size_t n;

    if (json_is_string(j)) {
        text = json_string_value(j);
    } else if (json_is_integer(j)) {
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(j));
        text = num;
    } else if (json_is_real(j)) {
        snprintf(num, sizeof(num), "%.17g", json_real_value(j));
        text = num;
    } else if (json_is_boolean(j)) {
        text = json_is_true(j) ? "true" : "false";
    } else if (json_is_null(j)) {
        text = "null";
    } else {
        dump = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        if (dump == NULL) {
            return -ENOMEM;
        }
        text = dump;
    }
    n = strlen(text);
    if (*off + n + (*off > 0 ? 1 : 0) + 1 > outlen) {
        free(dump);
        return -ENOSPC;
    }
    if (*off > 0) {
        out[(*off)++] = ' ';
    }
    memcpy(out + *off, text, n + 1);
    *off += n;
    free(dump);
    return 0;
}

int
appfo_jsonpath_eval(const json_t *doc, const char *expr, char *out,
                    size_t outlen)
{
    struct nodes cur = { 0 };
    struct nodes nxt = { 0 };
    char path[512];
    char name[256];
    const char *p = path;
    size_t off = 0;
    long index = 0;
    char kind = 0;
    int rc;

    if (outlen > 0) {
        out[0] = '\0';
    }
    rc = strip(expr, path, sizeof(path));
    if (rc != 0 || (rc = nodes_add(&cur, doc)) != 0) {
        goto out;
    }
    while ((rc = next_step(&p, &kind, name, sizeof(name), &index)) > 0) {
        if (rc == 2) {
            continue;
        }
        nxt.n = 0;
        rc = step(&cur, kind, name, index, &nxt);
        if (rc != 0) {
            goto out;
        }
        {
            struct nodes t = cur;

            cur = nxt;
            nxt = t;
        }
    }
    if (rc < 0) {
        goto out;
    }
    rc = cur.n == 0 ? -ENOENT : 0;
    for (size_t i = 0; i < cur.n && rc == 0; i++) {
        rc = print_one(cur.v[i], out, outlen, &off);
    }
out:
    free(cur.v);
    free(nxt.v);
    return rc;
}
