/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a scenario file (spec/scenarios.md): libyaml document, every key
 * checked, errors "FILE:LINE: KEY: reason".
 */
#include "internal.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "member/kinds.h"
#include "util/quantity.h"
#include "util/time.h"

/* ---------------------------------------------------------------- yaml */

yaml_node_t *
drill_yget(struct drill *d, yaml_node_t *map, const char *key)
{
    yaml_node_pair_t *p;

    if (map == NULL || map->type != YAML_MAPPING_NODE) {
        return NULL;
    }
    for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(&d->doc, p->key);

        if (k != NULL && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, key) == 0) {
            return yaml_document_get_node(&d->doc, p->value);
        }
    }
    return NULL;
}

const char *
drill_ystr(const yaml_node_t *n)
{
    if (n == NULL || n->type != YAML_SCALAR_NODE) {
        return NULL;
    }
    return (const char *)n->data.scalar.value;
}

int
drill_yline(const yaml_node_t *n)
{
    return n != NULL ? (int)n->start_mark.line + 1 : 0;
}

int
drill_fail(struct drill *d, const yaml_node_t *n, const char *key,
           const char *fmt, ...)
{
    char msg[700];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(d->err, sizeof(d->err), "%s:%d: %s: %s", d->path,
             drill_yline(n), key, msg);
    return -EINVAL;
}

/* Every key of mapping @n must be in @allowed (NULL-terminated). */
static int
check_keys(struct drill *d, yaml_node_t *n, const char *what,
           const char *const *allowed)
{
    yaml_node_pair_t *p;

    if (n == NULL || n->type != YAML_MAPPING_NODE) {
        return drill_fail(d, n, what, "must be a mapping");
    }
    for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(&d->doc, p->key);
        const char *ks = drill_ystr(k);
        bool ok = false;

        for (size_t i = 0; ks != NULL && allowed[i] != NULL; i++) {
            ok = ok || strcmp(ks, allowed[i]) == 0;
        }
        if (!ok) {
            return drill_fail(d, k, what, "unknown key \"%s\"",
                              ks != NULL ? ks : "?");
        }
    }
    return 0;
}

static int
need_str(struct drill *d, yaml_node_t *map, const char *key,
         const char *what, const char **out)
{
    yaml_node_t *n = drill_yget(d, map, key);
    char full[300];

    snprintf(full, sizeof(full), "%s.%s", what, key);
    if (n == NULL) {
        return drill_fail(d, map, full, "required");
    }
    *out = drill_ystr(n);
    if (*out == NULL || (*out)[0] == '\0') {
        return drill_fail(d, n, full, "must be a non-empty string");
    }
    return 0;
}

static int
parse_duration(struct drill *d, yaml_node_t *n, const char *what,
               int64_t *out)
{
    const char *s = drill_ystr(n);

    if (s == NULL || util_duration_parse(s, out) != 0 || *out < 0) {
        return drill_fail(d, n, what, "\"%s\" is not a duration",
                          s != NULL ? s : "?");
    }
    return 0;
}

/* ---------------------------------------------------------------- objects */

static int
load_objects(struct drill *d, yaml_node_t *entry, const char *what,
             struct model_set *set)
{
    static const char *const keys[] = { "file", "yaml", NULL };
    yaml_node_t *fn = drill_yget(d, entry, "file");
    yaml_node_t *yn = drill_yget(d, entry, "yaml");
    struct model_file *f = NULL;
    struct model_error err;
    char name[1200];
    char msg[900];
    int rc;

    rc = check_keys(d, entry, what, keys);
    if (rc != 0) {
        return rc;
    }
    if ((fn == NULL) == (yn == NULL)) {
        return drill_fail(d, entry, what, "needs exactly one of file, yaml");
    }
    memset(&err, 0, sizeof(err));
    if (fn != NULL) {
        const char *rel = drill_ystr(fn);

        if (rel == NULL) {
            return drill_fail(d, fn, what, "file must be a path");
        }
        if (rel[0] == '/') {
            snprintf(name, sizeof(name), "%s", rel);
        } else {
            snprintf(name, sizeof(name), "%s/%s", d->dir, rel);
        }
        rc = model_decode_file(name, NULL, &f, &err);
        if (rc != 0 && err.message[0] == '\0') {
            return drill_fail(d, fn, what, "%s: %s", name, strerror(-rc));
        }
    } else {
        const char *text = drill_ystr(yn);

        if (text == NULL) {
            return drill_fail(d, yn, what, "yaml must be a text block");
        }
        snprintf(name, sizeof(name), "%s:%d (inline yaml)", d->path,
                 drill_yline(yn));
        rc = model_decode_buffer(name, text, strlen(text), NULL, &f, &err);
    }
    if (rc != 0) {
        model_error_format(&err, msg, sizeof(msg));
        return drill_fail(d, fn != NULL ? fn : yn, what, "%s", msg);
    }
    for (size_t i = 0; i < model_file_document_count(f); i++) {
        struct model_object *o = NULL;

        memset(&err, 0, sizeof(err));
        snprintf(err.file, sizeof(err.file), "%s", model_file_name(f));
        rc = model_object_from_document(f, model_file_document(f, i), &o,
                                        &err);
        if (rc == -ENODATA) {
            continue;
        }
        if (rc != 0) {
            model_error_format(&err, msg, sizeof(msg));
            model_file_free(f);
            return drill_fail(d, fn != NULL ? fn : yn, what, "%s", msg);
        }
        rc = model_set_add(set, o);
        if (rc != 0) {
            model_file_free(f);
            return rc;
        }
    }
    model_file_free(f);
    return 0;
}

/* ---------------------------------------------------------------- clusters */

static struct drill_cluster *
find_cluster(struct drill *d, const char *name)
{
    for (size_t i = 0; name != NULL && i < d->nclusters; i++) {
        if (strcmp(d->clusters[i].name, name) == 0) {
            return &d->clusters[i];
        }
    }
    return NULL;
}

static int
parse_amount(struct drill *d, yaml_node_t *n, const char *what,
             int64_t *cpu, int64_t *mem, int64_t *pods)
{
    static const char *const keys[] = { "cpu", "memory", "pods", NULL };
    const char *names[] = { "cpu", "memory", "pods" };
    int64_t *outs[] = { cpu, mem, pods };
    int rc = check_keys(d, n, what, keys);

    for (int i = 0; rc == 0 && i < 3; i++) {
        yaml_node_t *v = drill_yget(d, n, names[i]);
        int64_t milli;
        char full[200];

        if (v == NULL) {
            continue;
        }
        snprintf(full, sizeof(full), "%s.%s", what, names[i]);
        if (drill_ystr(v) == NULL ||
            util_quantity_parse_milli(drill_ystr(v), &milli) != 0 ||
            milli < 0) {
            return drill_fail(d, v, full, "\"%s\" is not a quantity",
                              drill_ystr(v) ? drill_ystr(v) : "?");
        }
        *outs[i] = i == 0 ? milli : milli / 1000;
    }
    return rc;
}

static json_t *
taint_json(struct drill *d, yaml_node_t *t, const char *what, int *rc)
{
    static const char *const keys[] = { "key", "value", "effect", NULL };
    const char *key = NULL;
    const char *effect = NULL;
    const char *value = drill_ystr(drill_yget(d, t, "value"));

    *rc = check_keys(d, t, what, keys);
    if (*rc == 0) {
        *rc = need_str(d, t, "key", what, &key);
    }
    if (*rc == 0) {
        *rc = need_str(d, t, "effect", what, &effect);
    }
    if (*rc == 0 && strcmp(effect, "NoSchedule") != 0 &&
        strcmp(effect, "NoExecute") != 0 &&
        strcmp(effect, "PreferNoSchedule") != 0) {
        *rc = drill_fail(d, drill_yget(d, t, "effect"), what,
                         "effect \"%s\" is not NoSchedule, NoExecute or "
                         "PreferNoSchedule", effect);
    }
    if (*rc != 0) {
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s}", "key", key, "value",
                     value != NULL ? value : "", "effect", effect);
}

static int
parse_cluster(struct drill *d, yaml_node_t *n, struct drill_cluster *c)
{
    static const char *const keys[] = {
        "name", "region", "zone", "zones", "provider", "labels", "syncMode",
        "taints", "initialReady", "nodes", "allocatable", "allocated",
        "apiEnablements", "readyDelay", NULL
    };
    json_t *spec;
    json_t *meta;
    yaml_node_t *v;
    char what[300];
    int rc;

    rc = check_keys(d, n, "clusters[]", keys);
    if (rc == 0) {
        rc = need_str(d, n, "name", "clusters[]", &c->name);
    }
    if (rc != 0) {
        return rc;
    }
    snprintf(what, sizeof(what), "clusters.%s", c->name);
    c->line = drill_yline(n);
    member_config_init(&c->mcfg);
    c->mcfg.name = c->name;
    c->initial_ready = "True";
    spec = json_object();
    meta = json_pack("{s:s}", "name", c->name);
    c->object = json_pack("{s:s, s:s, s:o, s:o}", "apiVersion",
                          "cluster.karmada.io/v1alpha1", "kind", "Cluster",
                          "metadata", meta, "spec", spec);
    if (c->object == NULL) {
        return -ENOMEM;
    }
    json_object_set_new(spec, "apiEndpoint", json_string("https://127.0.0.1:6443"));
    json_object_set_new(spec, "syncMode", json_string("Push"));
    {
        const char *sk[] = { "region", "zone", "provider" };

        for (int i = 0; i < 3; i++) {
            v = drill_yget(d, n, sk[i]);
            if (v != NULL) {
                if (drill_ystr(v) == NULL) {
                    return drill_fail(d, v, what, "%s must be a string",
                                      sk[i]);
                }
                json_object_set_new(spec, sk[i], json_string(drill_ystr(v)));
            }
        }
    }
    v = drill_yget(d, n, "zones");
    if (v != NULL) {
        json_t *a = json_array();

        if (v->type != YAML_SEQUENCE_NODE) {
            return drill_fail(d, v, what, "zones must be a list");
        }
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top; it++) {
            const char *z = drill_ystr(yaml_document_get_node(&d->doc, *it));

            if (z == NULL) {
                json_decref(a);
                return drill_fail(d, v, what, "zones must be strings");
            }
            json_array_append_new(a, json_string(z));
        }
        json_object_set_new(spec, "zones", a);
    }
    v = drill_yget(d, n, "labels");
    if (v != NULL) {
        json_t *l = json_object();

        if (v->type != YAML_MAPPING_NODE) {
            json_decref(l);
            return drill_fail(d, v, what, "labels must be a mapping");
        }
        for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
             p < v->data.mapping.pairs.top; p++) {
            const char *k = drill_ystr(yaml_document_get_node(&d->doc, p->key));
            const char *val = drill_ystr(yaml_document_get_node(&d->doc,
                                                                p->value));

            if (k == NULL || val == NULL) {
                json_decref(l);
                return drill_fail(d, v, what, "labels must map strings");
            }
            json_object_set_new(l, k, json_string(val));
        }
        json_object_set_new(meta, "labels", l);
    }
    v = drill_yget(d, n, "syncMode");
    if (v != NULL) {
        const char *m = drill_ystr(v);

        if (m == NULL || (strcmp(m, "Push") != 0 && strcmp(m, "Pull") != 0)) {
            return drill_fail(d, v, what, "syncMode must be Push or Pull");
        }
        c->pull = strcmp(m, "Pull") == 0;
        json_object_set_new(spec, "syncMode", json_string(m));
    }
    v = drill_yget(d, n, "taints");
    if (v != NULL) {
        json_t *a = json_array();

        json_object_set_new(spec, "taints", a);
        if (v->type != YAML_SEQUENCE_NODE) {
            return drill_fail(d, v, what, "taints must be a list");
        }
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             it < v->data.sequence.items.top; it++) {
            json_t *t = taint_json(d, yaml_document_get_node(&d->doc, *it),
                                   what, &rc);

            if (t == NULL) {
                return rc != 0 ? rc : -ENOMEM;
            }
            json_array_append_new(a, t);
        }
    }
    v = drill_yget(d, n, "initialReady");
    if (v != NULL) {
        const char *r = drill_ystr(v);

        if (r == NULL || (strcmp(r, "True") != 0 && strcmp(r, "False") != 0 &&
                          strcmp(r, "Unknown") != 0)) {
            return drill_fail(d, v, what,
                              "initialReady must be \"True\", \"False\" or "
                              "\"Unknown\"");
        }
        c->initial_ready = r;
    }
    v = drill_yget(d, n, "nodes");
    if (v != NULL) {
        const char *s = drill_ystr(v);
        char *end = NULL;
        long k = s != NULL ? strtol(s, &end, 10) : 0;

        if (s == NULL || *end != '\0' || k < 1 || k > 1000) {
            return drill_fail(d, v, what, "nodes must be a number 1..1000");
        }
        c->mcfg.nodes = (int)k;
    }
    v = drill_yget(d, n, "allocatable");
    if (v != NULL) {
        rc = parse_amount(d, v, "allocatable", &c->mcfg.cpu_milli,
                          &c->mcfg.memory_bytes, &c->mcfg.pods);
        if (rc != 0) {
            return rc;
        }
    }
    v = drill_yget(d, n, "allocated");
    if (v != NULL) {
        rc = parse_amount(d, v, "allocated", &c->mcfg.used_cpu_milli,
                          &c->mcfg.used_memory_bytes, &c->mcfg.used_pods);
        if (rc != 0) {
            return rc;
        }
    }
    v = drill_yget(d, n, "readyDelay");
    if (v != NULL) {
        rc = parse_duration(d, v, "readyDelay", &c->mcfg.ready_delay_ns);
        if (rc != 0) {
            return rc;
        }
    }
    c->api_enablements = drill_yget(d, n, "apiEnablements");
    if (c->api_enablements != NULL) {
        static const char *const ak[] = { "groupVersion", "kinds", NULL };

        if (c->api_enablements->type != YAML_SEQUENCE_NODE) {
            return drill_fail(d, c->api_enablements, "apiEnablements",
                              "must be a list");
        }
        for (yaml_node_item_t *it = c->api_enablements->data.sequence.items.start;
             it < c->api_enablements->data.sequence.items.top; it++) {
            yaml_node_t *e = yaml_document_get_node(&d->doc, *it);
            yaml_node_t *kinds = drill_yget(d, e, "kinds");
            const char *gv = NULL;

            rc = check_keys(d, e, "apiEnablements[]", ak);
            if (rc == 0) {
                rc = need_str(d, e, "groupVersion", "apiEnablements[]", &gv);
            }
            if (rc != 0) {
                return rc;
            }
            if (kinds == NULL || kinds->type != YAML_SEQUENCE_NODE) {
                return drill_fail(d, e, "apiEnablements[].kinds",
                                  "must be a list");
            }
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- timeline */

static const char *const step_kinds[] = {
    "fault", "taint", "condition", "apply", "delete", "restart", "expect",
    NULL
};

const char *const drill_actor_names[] = {
    "policy", "scheduler", "cluster-status", "cluster", "taint-manager",
    "graceful-eviction", "application-failover", "executor", NULL
};

static int
check_cluster_ref(struct drill *d, yaml_node_t *body, const char *what)
{
    const char *name = NULL;
    int rc = need_str(d, body, "cluster", what, &name);

    if (rc == 0 && find_cluster(d, name) == NULL) {
        return drill_fail(d, drill_yget(d, body, "cluster"), what,
                          "no cluster named \"%s\" in clusters", name);
    }
    return rc;
}

static int
check_taint_list(struct drill *d, yaml_node_t *l, const char *what)
{
    int rc = 0;

    if (l == NULL) {
        return 0;
    }
    if (l->type != YAML_SEQUENCE_NODE) {
        return drill_fail(d, l, what, "must be a list of taints");
    }
    for (yaml_node_item_t *it = l->data.sequence.items.start;
         rc == 0 && it < l->data.sequence.items.top; it++) {
        json_t *t = taint_json(d, yaml_document_get_node(&d->doc, *it), what,
                               &rc);

        json_decref(t);
    }
    return rc;
}

static int
check_name_list(struct drill *d, yaml_node_t *l, const char *what)
{
    if (l->type != YAML_SEQUENCE_NODE) {
        return drill_fail(d, l, what, "must be a list");
    }
    for (yaml_node_item_t *it = l->data.sequence.items.start;
         it < l->data.sequence.items.top; it++) {
        const char *s = drill_ystr(yaml_document_get_node(&d->doc, *it));

        if (s == NULL) {
            return drill_fail(d, l, what, "items must be strings");
        }
        if (strncmp(what, "members", 7) == 0) {
            char kind[128];
            const char *slash = strchr(s, '/');

            if (slash == NULL || (size_t)(slash - s) >= sizeof(kind)) {
                return drill_fail(d, l, what,
                                  "\"%s\" is not Kind/namespace/name or "
                                  "Kind/name", s);
            }
            snprintf(kind, sizeof(kind), "%.*s", (int)(slash - s), s);
            if (member_kinds_by_kind(kind) == NULL) {
                return drill_fail(d, l, what,
                                  "kind \"%s\" is not served by the "
                                  "simulated member", kind);
            }
        }
    }
    return 0;
}

static int
check_expect(struct drill *d, yaml_node_t *e)
{
    static const char *const top[] = { "clusters", "bindings", "members",
                                       NULL };
    static const char *const ck[] = { "ready", "taints", "scheduledReplicas",
                                      NULL };
    static const char *const bk[] = { "placement", "evictionTasks",
                                      "readyReplicas", "schedulable", NULL };
    static const char *const mk[] = { "present", "absent", "ready", NULL };
    static const char *const *subkeys[] = { ck, bk, mk };
    int rc = check_keys(d, e, "expect", top);

    for (int s = 0; rc == 0 && top[s] != NULL; s++) {
        yaml_node_t *m = drill_yget(d, e, top[s]);
        char what[300];

        if (m == NULL) {
            continue;
        }
        snprintf(what, sizeof(what), "expect.%s", top[s]);
        if (m->type != YAML_MAPPING_NODE) {
            return drill_fail(d, m, what, "must be a mapping");
        }
        for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
             rc == 0 && p < m->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(&d->doc, p->key);
            yaml_node_t *v = yaml_document_get_node(&d->doc, p->value);
            const char *name = drill_ystr(k);

            snprintf(what, sizeof(what), "expect.%s.%s", top[s],
                     name != NULL ? name : "?");
            if (s != 1 && find_cluster(d, name) == NULL) {
                return drill_fail(d, k, what, "no cluster named \"%s\"",
                                  name != NULL ? name : "?");
            }
            rc = check_keys(d, v, what, subkeys[s]);
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
                 rc == 0 && q < v->data.mapping.pairs.top; q++) {
                const char *f = drill_ystr(yaml_document_get_node(&d->doc,
                                                                  q->key));
                yaml_node_t *fv = yaml_document_get_node(&d->doc, q->value);
                char fw[400];

                snprintf(fw, sizeof(fw), "%s.%s", what, f);
                if (strcmp(f, "taints") == 0 || strcmp(f, "evictionTasks") == 0 ||
                    strcmp(f, "present") == 0 || strcmp(f, "absent") == 0) {
                    rc = check_name_list(d, fv, fw);
                } else if (strcmp(f, "placement") == 0 ||
                           (s == 2 && strcmp(f, "ready") == 0)) {
                    if (fv->type != YAML_MAPPING_NODE) {
                        rc = drill_fail(d, fv, fw, "must be a mapping");
                    }
                    for (yaml_node_pair_t *m2 = rc == 0
                             ? fv->data.mapping.pairs.start : NULL;
                         m2 != NULL && rc == 0 &&
                         m2 < fv->data.mapping.pairs.top; m2++) {
                        yaml_node_t *num = yaml_document_get_node(&d->doc,
                                                                  m2->value);
                        const char *t = drill_ystr(num);

                        if (t == NULL || t[0] == '\0' ||
                            strspn(t, "0123456789") != strlen(t)) {
                            rc = drill_fail(d, num, fw,
                                            "values must be whole numbers");
                        }
                    }
                } else if (strcmp(f, "ready") == 0) {
                    const char *r = drill_ystr(fv);

                    if (r == NULL || (strcmp(r, "True") != 0 &&
                                      strcmp(r, "False") != 0 &&
                                      strcmp(r, "Unknown") != 0)) {
                        rc = drill_fail(d, fv, fw,
                                        "must be True, False or Unknown");
                    }
                } else if (strcmp(f, "schedulable") == 0) {
                    const char *r = drill_ystr(fv);

                    if (r == NULL || (strcmp(r, "true") != 0 &&
                                      strcmp(r, "false") != 0)) {
                        rc = drill_fail(d, fv, fw, "must be true or false");
                    }
                } else if (drill_ystr(fv) == NULL ||
                           strspn(drill_ystr(fv), "0123456789") !=
                               strlen(drill_ystr(fv)) ||
                           drill_ystr(fv)[0] == '\0') {
                    rc = drill_fail(d, fv, fw, "must be a whole number");
                }
            }
        }
    }
    return rc;
}

static int
parse_step(struct drill *d, yaml_node_t *n, struct drill_step *st)
{
    static const char *const all[] = {
        "at", "fault", "taint", "condition", "apply", "delete", "restart",
        "expect", NULL
    };
    static const char *const fk[] = { "cluster", "kind", "code", "delay",
                                      "period", "object", NULL };
    static const char *const tk[] = { "cluster", "add", "remove", NULL };
    static const char *const ck[] = { "cluster", "type", "status", "reason",
                                      "message", NULL };
    static const char *const rk[] = { "actor", NULL };
    yaml_node_t *at;
    int found = 0;
    int rc;

    rc = check_keys(d, n, "timeline[]", all);
    if (rc != 0) {
        return rc;
    }
    st->line = drill_yline(n);
    at = drill_yget(d, n, "at");
    if (at == NULL) {
        return drill_fail(d, n, "timeline[].at", "required");
    }
    rc = parse_duration(d, at, "timeline[].at", &st->at_ns);
    if (rc != 0) {
        return rc;
    }
    for (int k = 0; step_kinds[k] != NULL; k++) {
        yaml_node_t *b = drill_yget(d, n, step_kinds[k]);

        if (b != NULL) {
            found++;
            st->kind = (enum drill_step_kind)k;
            st->body = b;
        }
    }
    if (found != 1) {
        return drill_fail(d, n, "timeline[]",
                          "needs exactly one of fault, taint, condition, "
                          "apply, delete, restart, expect");
    }
    switch (st->kind) {
    case DRILL_STEP_FAULT: {
        enum member_fault_kind fkind;
        const char *ks = NULL;

        rc = check_keys(d, st->body, "fault", fk);
        if (rc == 0) {
            rc = check_cluster_ref(d, st->body, "fault");
        }
        if (rc == 0) {
            rc = need_str(d, st->body, "kind", "fault", &ks);
        }
        if (rc == 0 && member_fault_kind_parse(ks, &fkind) != 0) {
            rc = drill_fail(d, drill_yget(d, st->body, "kind"), "fault.kind",
                            "\"%s\" is not one of down, blackhole, slow, "
                            "unhealthy, flap, up, healthy, crash, recover", ks);
        }
        if (rc == 0 && (fkind == MEMBER_FAULT_CRASH ||
                        fkind == MEMBER_FAULT_RECOVER) &&
            drill_yget(d, st->body, "object") == NULL) {
            rc = drill_fail(d, st->body, "fault.object",
                            "required for %s", ks);
        }
        if (rc == 0) {
            int64_t v;

            if (drill_yget(d, st->body, "delay") != NULL) {
                rc = parse_duration(d, drill_yget(d, st->body, "delay"),
                                    "fault.delay", &v);
            }
            if (rc == 0 && drill_yget(d, st->body, "period") != NULL) {
                rc = parse_duration(d, drill_yget(d, st->body, "period"),
                                    "fault.period", &v);
            }
        }
        if (rc == 0 && drill_yget(d, st->body, "code") != NULL) {
            const char *c = drill_ystr(drill_yget(d, st->body, "code"));

            if (c == NULL || atoi(c) < 100 || atoi(c) > 599) {
                rc = drill_fail(d, drill_yget(d, st->body, "code"),
                                "fault.code", "must be an HTTP status");
            }
        }
        break;
    }
    case DRILL_STEP_TAINT:
        rc = check_keys(d, st->body, "taint", tk);
        if (rc == 0) {
            rc = check_cluster_ref(d, st->body, "taint");
        }
        if (rc == 0) {
            rc = check_taint_list(d, drill_yget(d, st->body, "add"),
                                  "taint.add");
        }
        if (rc == 0) {
            rc = check_taint_list(d, drill_yget(d, st->body, "remove"),
                                  "taint.remove");
        }
        break;
    case DRILL_STEP_CONDITION: {
        const char *s = NULL;
        const char *t = NULL;

        rc = check_keys(d, st->body, "condition", ck);
        if (rc == 0) {
            rc = check_cluster_ref(d, st->body, "condition");
        }
        if (rc == 0) {
            rc = need_str(d, st->body, "type", "condition", &t);
        }
        if (rc == 0) {
            rc = need_str(d, st->body, "status", "condition", &s);
        }
        if (rc == 0 && strcmp(s, "True") != 0 && strcmp(s, "False") != 0 &&
            strcmp(s, "Unknown") != 0) {
            rc = drill_fail(d, drill_yget(d, st->body, "status"),
                            "condition.status",
                            "must be \"True\", \"False\" or \"Unknown\"");
        }
        if (rc == 0 && strcmp(t, "Ready") == 0) {
            rc = drill_fail(d, drill_yget(d, st->body, "type"),
                            "condition.type",
                            "Ready comes from the probes; use a fault");
        }
        break;
    }
    case DRILL_STEP_APPLY:
    case DRILL_STEP_DELETE:
        rc = load_objects(d, st->body,
                          st->kind == DRILL_STEP_APPLY ? "apply" : "delete",
                          &st->objects);
        break;
    case DRILL_STEP_RESTART: {
        const char *a = NULL;
        bool ok = false;

        rc = check_keys(d, st->body, "restart", rk);
        if (rc == 0) {
            rc = need_str(d, st->body, "actor", "restart", &a);
        }
        for (int i = 0; rc == 0 && drill_actor_names[i] != NULL; i++) {
            ok = ok || strcmp(a, drill_actor_names[i]) == 0;
        }
        if (rc == 0 && !ok) {
            rc = drill_fail(d, drill_yget(d, st->body, "actor"),
                            "restart.actor",
                            "no actor \"%s\" (policy, scheduler, "
                            "cluster-status, cluster, taint-manager, "
                            "graceful-eviction, application-failover, "
                            "executor)", a);
        }
        break;
    }
    case DRILL_STEP_EXPECT:
        rc = check_expect(d, st->body);
        break;
    }
    return rc;
}

/* ---------------------------------------------------------------- file */

int
drill_load(const char *path, struct drill **out, char *err, size_t errlen)
{
    static const char *const top[] = { "name", "description", "settings",
                                       "clusters", "objects", "timeline",
                                       NULL };
    struct drill *d = calloc(1, sizeof(*d));
    yaml_parser_t parser;
    yaml_node_t *n;
    char *copy;
    FILE *f;
    int rc = 0;

    if (d == NULL) {
        return -ENOMEM;
    }
    d->path = strdup(path);
    copy = strdup(path);
    if (d->path == NULL || copy == NULL) {
        free(copy);
        drill_free(d);
        return -ENOMEM;
    }
    d->dir = strdup(dirname(copy));
    free(copy);
    cfg_settings_init(&d->settings);
    f = fopen(path, "rb");
    if (f == NULL) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        drill_free(d);
        return rc;
    }
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &d->doc)) {
        snprintf(err, errlen, "%s:%d: %s", path,
                 (int)parser.problem_mark.line + 1,
                 parser.problem != NULL ? parser.problem : "YAML error");
        yaml_parser_delete(&parser);
        fclose(f);
        drill_free(d);
        return -EINVAL;
    }
    d->doc_loaded = true;
    yaml_parser_delete(&parser);
    fclose(f);
    n = yaml_document_get_root_node(&d->doc);
    if (n == NULL) {
        rc = drill_fail(d, NULL, "name", "the file is empty");
        goto out;
    }
    rc = check_keys(d, n, "top level", top);
    if (rc == 0) {
        rc = need_str(d, n, "name", "top level", &d->name);
    }
    if (rc == 0 && drill_yget(d, n, "settings") != NULL) {
        rc = cfg_settings_from_yaml_node(&d->settings, &d->doc,
                                         drill_yget(d, n, "settings"), path,
                                         d->err, sizeof(d->err));
    }
    if (rc == 0) {
        yaml_node_t *cl = drill_yget(d, n, "clusters");

        if (cl == NULL || cl->type != YAML_SEQUENCE_NODE ||
            cl->data.sequence.items.top == cl->data.sequence.items.start) {
            rc = drill_fail(d, cl != NULL ? cl : n, "clusters",
                            "required: a non-empty list");
        } else {
            size_t k = (size_t)(cl->data.sequence.items.top -
                                cl->data.sequence.items.start);

            d->clusters = calloc(k, sizeof(*d->clusters));
            rc = d->clusters != NULL ? 0 : -ENOMEM;
            for (size_t i = 0; rc == 0 && i < k; i++) {
                yaml_node_t *c = yaml_document_get_node(
                    &d->doc, cl->data.sequence.items.start[i]);

                rc = parse_cluster(d, c, &d->clusters[i]);
                d->nclusters = i + 1;
                if (rc == 0 && find_cluster(d, d->clusters[i].name) !=
                                   &d->clusters[i]) {
                    rc = drill_fail(d, c, "clusters[].name",
                                    "\"%s\" is listed twice",
                                    d->clusters[i].name);
                }
            }
        }
    }
    if (rc == 0 && drill_yget(d, n, "objects") != NULL) {
        yaml_node_t *ol = drill_yget(d, n, "objects");

        if (ol->type != YAML_SEQUENCE_NODE) {
            rc = drill_fail(d, ol, "objects", "must be a list");
        }
        for (yaml_node_item_t *it = ol->data.sequence.items.start;
             rc == 0 && it < ol->data.sequence.items.top; it++) {
            rc = load_objects(d, yaml_document_get_node(&d->doc, *it),
                              "objects[]", &d->objects);
        }
    }
    if (rc == 0) {
        yaml_node_t *tl = drill_yget(d, n, "timeline");

        if (tl == NULL || tl->type != YAML_SEQUENCE_NODE) {
            rc = drill_fail(d, tl != NULL ? tl : n, "timeline",
                            "required: a list");
        } else {
            size_t k = (size_t)(tl->data.sequence.items.top -
                                tl->data.sequence.items.start);

            d->steps = calloc(k + 1, sizeof(*d->steps));
            rc = d->steps != NULL ? 0 : -ENOMEM;
            for (size_t i = 0; rc == 0 && i < k; i++) {
                rc = parse_step(d, yaml_document_get_node(
                                       &d->doc, tl->data.sequence.items.start[i]),
                                &d->steps[i]);
                d->nsteps = i + 1;
            }
        }
    }
out:
    if (rc != 0) {
        snprintf(err, errlen, "%s", d->err[0] != '\0' ? d->err : strerror(-rc));
        drill_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

void
drill_free(struct drill *d)
{
    if (d == NULL) {
        return;
    }
    for (size_t i = 0; i < d->nclusters; i++) {
        json_decref(d->clusters[i].object);
    }
    for (size_t i = 0; i < d->nsteps; i++) {
        model_set_release(&d->steps[i].objects);
    }
    model_set_release(&d->objects);
    free(d->clusters);
    free(d->steps);
    if (d->doc_loaded) {
        yaml_document_delete(&d->doc);
    }
    free(d->path);
    free(d->dir);
    free(d);
}

const char *
drill_name(const struct drill *d)
{
    return d->name;
}
