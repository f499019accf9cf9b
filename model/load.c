/* SPDX-License-Identifier: Apache-2.0 */
/* File and directory loading with per-document verdicts. */
#include "model/load.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool
is_manifest_name(const char *name)
{
    static const char *const exts[] = { ".yaml", ".yml", ".json", NULL };
    size_t n = strlen(name);

    for (const char *const *e = exts; *e != NULL; e++) {
        size_t m = strlen(*e);

        if (n > m && strcmp(name + n - m, *e) == 0) {
            return true;
        }
    }
    return false;
}

static int
load_file(const char *path, struct model_set *set, model_verdict_fn *fn,
          void *ctx)
{
    struct model_file *f = NULL;
    struct model_error err;
    int worst = 0;
    int rc;

    rc = model_decode_file(path, NULL, &f, &err);
    if (rc != 0) {
        if (fn != NULL) {
            fn(ctx, path, err.document, MODEL_VERDICT_REJECTED, NULL, &err);
        }
        return rc == -ENOMEM ? rc : -EINVAL;
    }
    for (size_t i = 0; i < model_file_document_count(f); i++) {
        const struct model_document *doc = model_file_document(f, i);
        struct model_object *o = NULL;

        memset(&err, 0, sizeof(err));
        snprintf(err.file, sizeof(err.file), "%s", path);
        rc = model_object_from_document(f, doc, &o, &err);
        if (rc == -ENODATA) {
            continue;
        }
        if (rc == -ENOMEM) {
            worst = rc;
            break;
        }
        if (rc == 0) {
            rc = model_set_add(set, o);
            if (rc != 0) {
                worst = rc;
                break;
            }
            if (fn != NULL) {
                fn(ctx, path, doc->index, MODEL_VERDICT_ACCEPTED, o, NULL);
            }
            continue;
        }
        if (fn != NULL) {
            fn(ctx, path, doc->index,
               rc == -ENOTSUP ? MODEL_VERDICT_UNSUPPORTED
                              : MODEL_VERDICT_REJECTED,
               NULL, &err);
        }
        if (rc != -ENOTSUP) {
            worst = -EINVAL;
        }
    }
    model_file_free(f);
    return worst;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
load_dir(const char *path, struct model_set *set, model_verdict_fn *fn,
         void *ctx)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;
    int worst = 0;

    if (d == NULL) {
        return -errno;
    }
    while ((e = readdir(d)) != NULL) {
        char **nn;

        if (e->d_name[0] == '.') {
            continue;
        }
        nn = realloc(names, (n + 1) * sizeof(*nn));
        if (nn == NULL || (nn[n] = strdup(e->d_name)) == NULL) {
            names = nn != NULL ? nn : names;
            worst = -ENOMEM;
            break;
        }
        names = nn;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n && worst != -ENOMEM; i++) {
        char *sub = NULL;
        struct stat st;
        int rc = 0;

        sub = malloc(strlen(path) + strlen(names[i]) + 2);
        if (sub == NULL) {
            worst = -ENOMEM;
            break;
        }
        sprintf(sub, "%s/%s", path, names[i]);
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = load_dir(sub, set, fn, ctx);
        } else if (is_manifest_name(names[i])) {
            rc = load_file(sub, set, fn, ctx);
        }
        if (rc != 0 && worst == 0) {
            worst = rc;
        }
        free(sub);
    }
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    return worst;
}

int
model_load_path(const char *path, struct model_set *set, model_verdict_fn *fn,
                void *ctx)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        return -errno;
    }
    if (S_ISDIR(st.st_mode)) {
        return load_dir(path, set, fn, ctx);
    }
    return load_file(path, set, fn, ctx);
}
