/* SPDX-License-Identifier: Apache-2.0 */
/* The seven overriders of policy.md §5.4, applied in the order of §5.3. */
#include "model/override.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpatch.h"
#include "yamlout.h"

#define IMG_MAX 512

static const char *
jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : "";
}

static int
fail(char *why, size_t len, const char *what, const char *detail)
{
    if (why != NULL) {
        snprintf(why, len, "%s: %s", what, detail);
    }
    return -EINVAL;
}

/* ------------------------------------------------------------ images */

static bool
valid_repo(const char *r)
{
    if (r[0] == '\0') {
        return false;
    }
    for (const char *p = r; *p != '\0'; p++) {
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
              *p == '.' || *p == '_' || *p == '-' || *p == '/')) {
            return false;
        }
    }
    return true;
}

int
model_image_parse(const char *image, char *host, char *repo, char *tag,
                  char *digest, size_t len)
{
    const char *slash = strchr(image, '/');
    const char *rest = image;
    const char *at;
    const char *colon;
    char buf[IMG_MAX];

    host[0] = repo[0] = tag[0] = digest[0] = '\0';
    if (strlen(image) >= sizeof(buf) || strlen(image) >= len) {
        return -EINVAL;
    }
    if (slash != NULL) {
        size_t hl = (size_t)(slash - image);

        if (memchr(image, '.', hl) != NULL || memchr(image, ':', hl) != NULL ||
            (hl == 9 && strncmp(image, "localhost", 9) == 0)) {
            snprintf(host, len, "%.*s", (int)hl, image);
            rest = slash + 1;
        }
    }
    snprintf(buf, sizeof(buf), "%s", rest);
    at = strchr(buf, '@');
    if (at != NULL) {
        snprintf(digest, len, "%s", at + 1);
        buf[at - buf] = '\0';
    }
    colon = strrchr(buf, ':');
    if (colon != NULL && strchr(colon, '/') == NULL) {
        snprintf(tag, len, "%s", colon + 1);
        buf[colon - buf] = '\0';
    }
    snprintf(repo, len, "%s", buf);
    if (tag[0] != '\0') {
        /* Karmada keeps only the tag when both are present. */
        digest[0] = '\0';
    }
    return valid_repo(repo) ? 0 : -EINVAL;
}

static bool
is_tag(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_')) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.' ||
              *p == '-')) {
            return false;
        }
    }
    return true;
}

static bool
is_digest(const char *s)
{
    const char *colon = strchr(s, ':');
    size_t hex = 0;

    if (colon == NULL || !isalpha((unsigned char)s[0])) {
        return false;
    }
    /* [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* */
    for (const char *p = s; p < colon; p++) {
        if (strchr("-_+.", *p) != NULL) {
            if (p + 1 >= colon || !isalpha((unsigned char)p[1])) {
                return false;
            }
        } else if (!isalnum((unsigned char)*p)) {
            return false;
        }
    }
    for (const char *p = colon + 1; *p != '\0'; p++, hex++) {
        if (!isxdigit((unsigned char)*p)) {
            return false;
        }
    }
    return hex >= 32;
}

/* Copies @v (shorter than @len, checked by the caller) into @dst. */
static void
copy_part(char *dst, const char *v, size_t len)
{
    size_t n = strnlen(v, len - 1);

    memcpy(dst, v, n);
    dst[n] = '\0';
}

static void
set_tag_or_digest(char *tag, char *digest, const char *v, size_t len)
{
    if (is_tag(v)) {
        copy_part(tag, v, len);
        digest[0] = '\0';
    } else if (is_digest(v)) {
        copy_part(digest, v, len);
        tag[0] = '\0';
    }
}

static int
image_rewrite(const char *image, const json_t *io, char *out, size_t len)
{
    char host[IMG_MAX], repo[IMG_MAX], tag[IMG_MAX], dig[IMG_MAX];
    char tmp[IMG_MAX * 2];
    const char *comp = jstr(io, "component");
    const char *op = jstr(io, "operator");
    const char *val = jstr(io, "value");
    char *target = strcmp(comp, "Registry") == 0 ? host : repo;

    if (model_image_parse(image, host, repo, tag, dig, IMG_MAX) != 0) {
        return -EINVAL;
    }
    if (strcmp(comp, "Tag") == 0) {
        if (strcmp(op, "remove") == 0) {
            if (tag[0] != '\0') {
                tag[0] = '\0';
            } else {
                dig[0] = '\0';
            }
        } else {
            snprintf(tmp, sizeof(tmp), "%s%s",
                     strcmp(op, "add") == 0 ? (tag[0] != '\0' ? tag : dig)
                                            : "",
                     val);
            if (strlen(tmp) >= IMG_MAX) {
                return -EINVAL;
            }
            set_tag_or_digest(tag, dig, tmp, IMG_MAX);
        }
    } else if (strcmp(op, "add") == 0 || strcmp(op, "replace") == 0) {
        snprintf(tmp, sizeof(tmp), "%s%s",
                 strcmp(op, "add") == 0 ? target : "", val);
        if (strlen(tmp) >= IMG_MAX) {
            return -EINVAL;
        }
        memcpy(target, tmp, strlen(tmp) + 1);
    } else {
        target[0] = '\0';
    }
    snprintf(out, len, "%s%s%s%s%s", host, host[0] != '\0' ? "/" : "", repo,
             tag[0] != '\0' ? ":" : (dig[0] != '\0' ? "@" : ""),
             tag[0] != '\0' ? tag : dig);
    return 0;
}

/* The containers list of the kinds the image/command overriders know. */
static json_t *
containers_of(json_t *m)
{
    static const char *const templated[] = { "ReplicaSet", "Deployment",
                                             "DaemonSet", "StatefulSet",
                                             "Job", NULL };
    const char *kind = jstr(m, "kind");
    json_t *spec = json_object_get(m, "spec");

    if (strcmp(kind, "Pod") == 0) {
        return json_object_get(spec, "containers");
    }
    for (const char *const *k = templated; *k != NULL; k++) {
        if (strcmp(kind, *k) == 0) {
            return json_object_get(
                json_object_get(json_object_get(spec, "template"), "spec"),
                "containers");
        }
    }
    return NULL;
}

static int
image_one(json_t *holder, const char *key, const json_t *io, char *why,
          size_t why_len)
{
    char out[IMG_MAX * 3];
    json_t *v = json_object_get(holder, key);

    if (!json_is_string(v)) {
        return fail(why, why_len, "imageOverrider", "target is not a string");
    }
    if (image_rewrite(json_string_value(v), io, out, sizeof(out)) != 0) {
        return fail(why, why_len, "imageOverrider", "invalid image");
    }
    return json_object_set_new(holder, key, json_string(out)) == 0 ? 0
                                                                    : -ENOMEM;
}

static int
apply_image(json_t *m, const json_t *io, char *why, size_t why_len)
{
    const char *pred = jstr(json_object_get(io, "predicate"), "path");
    json_t *list;
    size_t i;
    json_t *c;

    if (pred[0] != '\0') {
        json_t *target = jsonpatch_get(m, pred);
        json_t *tmp;
        char out[IMG_MAX * 3];
        int rc;

        if (pred[0] != '/' || !json_is_string(target)) {
            return fail(why, why_len, "imageOverrider", "predicate path");
        }
        if (image_rewrite(json_string_value(target), io, out, sizeof(out)) !=
            0) {
            return fail(why, why_len, "imageOverrider", "invalid image");
        }
        tmp = json_string(out);
        rc = jsonpatch_op(m, "replace", pred, tmp);
        json_decref(tmp);
        return rc;
    }
    list = containers_of(m);
    json_array_foreach(list, i, c) {
        int rc = image_one(c, "image", io, why, why_len);

        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ command */

static int
apply_cmd(json_t *m, const json_t *co, const char *field)
{
    const char *name = jstr(co, "containerName");
    const char *op = jstr(co, "operator");
    const json_t *value = json_object_get(co, "value");
    json_t *list = containers_of(m);
    size_t i;
    json_t *c;

    json_array_foreach(list, i, c) {
        json_t *cur = json_object_get(c, field);
        json_t *next;
        size_t j;
        json_t *v;

        if (strcmp(jstr(c, "name"), name) != 0) {
            continue;
        }
        if (cur == NULL || json_is_null(cur)) {
            next = strcmp(op, "add") == 0 && value != NULL
                       ? json_deep_copy(value)
                       : json_array();
        } else {
            next = json_array();
            json_array_foreach(cur, j, v) {
                if (strcmp(op, "remove") == 0 && json_is_string(v) &&
                    value != NULL) {
                    size_t k;
                    json_t *x;
                    bool drop = false;

                    json_array_foreach((json_t *)value, k, x) {
                        drop = drop || json_equal(x, v);
                    }
                    if (drop) {
                        continue;
                    }
                }
                json_array_append(next, v);
            }
            if (strcmp(op, "add") == 0 && value != NULL) {
                json_array_extend(next, (json_t *)value);
            }
        }
        if (next == NULL || json_object_set_new(c, field, next) != 0) {
            return -ENOMEM;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ labels */

static int
apply_map(json_t *m, const json_t *mo, const char *field)
{
    const char *op = jstr(mo, "operator");
    const json_t *value = json_object_get(mo, "value");
    json_t *meta = json_object_get(m, "metadata");
    json_t *map;
    const char *k;
    json_t *v;

    if (!json_is_object(meta)) {
        return -EINVAL;
    }
    map = json_object_get(meta, field);
    if (!json_is_object(map)) {
        if (strcmp(op, "add") != 0 || json_object_size(value) == 0) {
            return 0;
        }
        map = json_object();
        if (map == NULL || json_object_set_new(meta, field, map) != 0) {
            return -ENOMEM;
        }
    }
    json_object_foreach((json_t *)value, k, v) {
        bool has = json_object_get(map, k) != NULL;

        if (strcmp(op, "remove") == 0) {
            json_object_del(map, k);
        } else if (strcmp(op, "add") == 0 || has) {
            json_object_set(map, k, v);
        }
    }
    return 0;
}

/* ------------------------------------------------------------ field */

/* jansson's compact JSON with Go's HTML escaping of <, >, &. */
static char *
dump_go_json(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    char *out;
    size_t n = 0;

    if (s == NULL) {
        return NULL;
    }
    out = malloc(strlen(s) * 6 + 1);
    if (out == NULL) {
        free(s);
        return NULL;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '<' || *p == '>' || *p == '&') {
            n += (size_t)sprintf(out + n, "\\u%04x", (unsigned)*p);
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    free(s);
    return out;
}

static int
apply_field(json_t *m, const json_t *fo, char *why, size_t why_len)
{
    const char *path = jstr(fo, "fieldPath");
    json_t *target = jsonpatch_get(m, path);
    const json_t *jops = json_object_get(fo, "json");
    bool yaml = json_array_size(jops) == 0;
    json_t *doc = NULL;
    char *text = NULL;
    json_t *str;
    int rc;

    if (!json_is_string(target)) {
        return fail(why, why_len, "fieldOverrider",
                    "fieldPath does not name a string");
    }
    rc = yaml ? yamlout_parse(json_string_value(target), &doc)
              : ((doc = json_loads(json_string_value(target),
                                   JSON_DECODE_ANY, NULL)) != NULL
                     ? 0
                     : -EINVAL);
    if (rc != 0) {
        return fail(why, why_len, "fieldOverrider", "value does not parse");
    }
    rc = jsonpatch_apply(&doc, yaml ? json_object_get(fo, "yaml") : jops,
                         "subPath");
    if (rc == 0) {
        text = yaml ? yamlout_emit(doc) : dump_go_json(doc);
        rc = text == NULL ? -ENOMEM : 0;
    }
    json_decref(doc);
    if (rc != 0) {
        return rc == -EINVAL ? fail(why, why_len, "fieldOverrider",
                                    "a subPath operation failed")
                             : rc;
    }
    str = json_string(text);
    free(text);
    rc = jsonpatch_op(m, "replace", path, str);
    json_decref(str);
    return rc;
}

/* ------------------------------------------------------------ order */

int
model_override_apply_one(json_t **m, const json_t *o, char *why,
                         size_t why_len)
{
    size_t i;
    json_t *x;
    int rc = 0;

    json_array_foreach(json_object_get(o, "imageOverrider"), i, x) {
        rc = rc != 0 ? rc : apply_image(*m, x, why, why_len);
    }
    json_array_foreach(json_object_get(o, "commandOverrider"), i, x) {
        rc = rc != 0 ? rc : apply_cmd(*m, x, "command");
    }
    json_array_foreach(json_object_get(o, "argsOverrider"), i, x) {
        rc = rc != 0 ? rc : apply_cmd(*m, x, "args");
    }
    json_array_foreach(json_object_get(o, "labelsOverrider"), i, x) {
        rc = rc != 0 ? rc : apply_map(*m, x, "labels");
    }
    json_array_foreach(json_object_get(o, "annotationsOverrider"), i, x) {
        rc = rc != 0 ? rc : apply_map(*m, x, "annotations");
    }
    json_array_foreach(json_object_get(o, "fieldOverrider"), i, x) {
        rc = rc != 0 ? rc : apply_field(*m, x, why, why_len);
    }
    if (rc == 0 && json_array_size(json_object_get(o, "plaintext")) > 0) {
        rc = jsonpatch_apply(m, json_object_get(o, "plaintext"), "path");
        if (rc == -EINVAL) {
            fail(why, why_len, "plaintext", "a patch operation failed");
        }
    }
    return rc;
}
