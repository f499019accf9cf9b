/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla schedule -f FILE`: runs the scheduler core on a problem and
 * prints the assignment and, for every cluster left out, the filter and the
 * reason. FILE is either a vector-style JSON problem
 *   {"clusters": [...], "binding": {...}, "feature_gates": {...},
 *    "assumed_workloads_by_cluster": {...}}
 * (or a whole test vector, whose "input" is used), or Karmada manifests
 * (YAML/JSON: Cluster objects, resource templates and propagation
 * policies) read through the object model.
 */
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model/load.h"
#include "model/policy.h"
#include "sched/core.h"
#include "sched/from_proto.h"
#include "sched/json.h"

struct opts {
    const char *file;
    bool all_apis;
};

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: flotilla schedule -f FILE [--all-apis]\n\n"
            "Schedules a workload onto clusters with Karmada's rules and prints\n"
            "the assignment, then every cluster left out with the filter that\n"
            "excluded it and why.\n\n"
            "FILE is a vector-style JSON problem ({\"clusters\": [...],\n"
            "\"binding\": {...}}, the format of scheduler-vectors.json inputs) or\n"
            "Karmada manifests (Cluster objects with optional status.resourceSummary\n"
            "and status.apiEnablements, resource templates, PropagationPolicies).\n\n"
            "  --all-apis  a Cluster manifest without status.apiEnablements serves\n"
            "              every API (Karmada would exclude it as 'API unknown')\n\n"
            "Exit 0 when every workload was placed, 1 when one was not, 2 on bad\n"
            "input.\n");
}

static void
print_decision(const char *what, int rc, const struct sched_decision *d)
{
    printf("%s\n", what);
    if (rc == 0) {
        printf("  assignment:\n");
        for (size_t i = 0; i < d->assignment.n; i++) {
            const struct sched_target *t = &d->assignment.items[i];

            printf("    %-24s %d\n", t->name, t->replicas);
            for (size_t k = 0; k < t->n_components; k++) {
                printf("      component %-14s %d\n", t->components[k].name,
                       t->components[k].replicas);
            }
        }
        if (d->assignment.n == 0) {
            printf("    (no cluster)\n");
        }
    } else {
        printf("  not scheduled: %s\n", d->error.message);
        printf("  result is %s\n",
               d->write ? "written (spec.clusters cleared)" : "not written");
    }
    if (d->observed_affinity != NULL && d->observed_affinity[0] != '\0') {
        printf("  cluster affinity term: %s\n", d->observed_affinity);
    }
    if (d->n_excluded > 0) {
        printf("  left out:\n");
        for (size_t i = 0; i < d->n_excluded; i++) {
            printf("    %-24s %-18s %s\n", d->excluded[i].cluster,
                   d->excluded[i].filter, d->excluded[i].reason);
        }
    }
}

/* ---- vector-style JSON ---- */

static int
schedule_json(json_t *root, const char *path)
{
    struct sched_arena a;
    struct sched_json_ctx cx;
    struct sched_input in;
    struct sched_cluster *c = NULL;
    struct sched_binding b;
    struct sched_assumed *assumed = NULL;
    struct sched_decision d;
    json_t *input = json_object_get(root, "input");
    json_t *by;
    char err[512];
    size_t n = 0, n_assumed = 0;
    const char *k;
    json_t *v;
    int rc;

    if (input == NULL) {
        input = root;
    }
    sched_arena_init(&a);
    cx = (struct sched_json_ctx){ &a, err, sizeof(err) };
    memset(&in, 0, sizeof(in));
    sched_gates_init(&in.gates);
    rc = sched_json_clusters(&cx, json_object_get(input, "clusters"), "clusters",
                             &c, &n);
    if (rc == 0) {
        rc = sched_json_binding(&cx, json_object_get(input, "binding"),
                                "binding", &b);
    }
    if (rc == 0) {
        rc = sched_json_gates(&cx, json_object_get(input, "feature_gates"),
                              "feature_gates", &in.gates);
    }
    by = json_object_get(input, "assumed_workloads_by_cluster");
    if (rc == 0 && by == NULL) {
        by = json_object_get(json_object_get(input, "params"),
                             "assumed_workloads_by_cluster");
    }
    json_object_foreach(by, k, v) {
        char p[160];

        snprintf(p, sizeof(p), "assumed_workloads_by_cluster.%s", k);
        if (rc == 0) {
            rc = sched_json_assumed(&cx, v, p, k, &assumed, &n_assumed);
        }
    }
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", path, rc == -ENOMEM ? "out of memory" : err);
        sched_arena_release(&a);
        return 2;
    }
    if (json_object_get(input, "clusters") == NULL ||
        json_object_get(input, "binding") == NULL) {
        fprintf(stderr, "%s: a problem needs 'clusters' and 'binding'\n", path);
        sched_arena_release(&a);
        return 2;
    }
    if (b.has_placement &&
        sched_placement_validate(&b.placement, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: binding.%s\n", path, err);
        sched_arena_release(&a);
        return 2;
    }
    in.clusters = c;
    in.n_clusters = n;
    in.binding = &b;
    in.assumed = assumed;
    in.n_assumed = n_assumed;
    in.use_given = true;
    rc = sched_schedule(&a, &in, &d);
    if (rc == -ENOMEM) {
        fprintf(stderr, "%s: out of memory\n", path);
        sched_arena_release(&a);
        return 2;
    }
    print_decision(b.name != NULL && b.name[0] != '\0' ? b.name : "binding", rc,
                   &d);
    sched_arena_release(&a);
    return rc == 0 ? 0 : 1;
}

/* ---- Karmada manifests ---- */

static void
on_verdict(void *ctx, const char *file, int document, enum model_verdict v,
           const struct model_object *obj, const struct model_error *err)
{
    char buf[512];

    (void)ctx;
    (void)obj;
    if (v == MODEL_VERDICT_ACCEPTED) {
        return;
    }
    model_error_format(err, buf, sizeof(buf));
    fprintf(stderr, "%s: document %d: %s: %s\n", file, document,
            v == MODEL_VERDICT_REJECTED ? "rejected" : "skipped", buf);
}

/* status.resourceSummary and status.apiEnablements of a Cluster manifest. */
static int
cluster_status(struct sched_arena *a, const struct model_object *o,
               struct sched_cluster *c, bool all_apis, char *err, size_t errlen)
{
    struct sched_json_ctx cx = { a, err, errlen };
    json_t *status = json_object_get(o->json, "status");
    json_t *rs = json_object_get(status, "resourceSummary");
    json_t *apis = json_object_get(status, "apiEnablements");
    json_t *e, *r;
    size_t i, k;
    int rc;

    if (rs != NULL) {
        c->has_summary = true;
        if ((rc = sched_json_resources(&cx, json_object_get(rs, "allocatable"),
                                       "status.resourceSummary.allocatable",
                                       &c->summary.allocatable)) != 0 ||
            (rc = sched_json_resources(&cx, json_object_get(rs, "allocated"),
                                       "status.resourceSummary.allocated",
                                       &c->summary.allocated)) != 0 ||
            (rc = sched_json_resources(&cx, json_object_get(rs, "allocating"),
                                       "status.resourceSummary.allocating",
                                       &c->summary.allocating)) != 0) {
            return rc;
        }
    }
    if (apis == NULL && all_apis) {
        /* Served-everything marker: one enablement per kind is not needed,
         * the filter is skipped for this cluster (see cmd usage). */
        c->n_apis = 0;
        return 1;
    }
    if (!json_is_array(apis)) {
        return 0;
    }
    c->apis = sched_arena_alloc(a, (json_array_size(apis) + 1) * sizeof(*c->apis));
    if (c->apis == NULL) {
        return -ENOMEM;
    }
    json_array_foreach(apis, i, e) {
        json_t *res = json_object_get(e, "resources");

        c->apis[i].group_version =
            sched_arena_strdup(a, json_string_value(json_object_get(e, "groupVersion")) != NULL
                                      ? json_string_value(json_object_get(e, "groupVersion"))
                                      : "");
        c->apis[i].kinds =
            sched_arena_alloc(a, (json_array_size(res) + 1) * sizeof(char *));
        if (c->apis[i].kinds == NULL) {
            return -ENOMEM;
        }
        json_array_foreach(res, k, r) {
            const char *kind = json_string_value(json_object_get(r, "kind"));

            c->apis[i].kinds[c->apis[i].n_kinds++] =
                sched_arena_strdup(a, kind != NULL ? kind : "");
        }
    }
    c->n_apis = json_array_size(apis);
    return 0;
}

static int
load_clusters(struct sched_arena *a, const struct model_set *set, bool all_apis,
              struct sched_cluster **out, size_t *n_out, bool **open_apis)
{
    struct sched_cluster *c = sched_arena_alloc(a, (set->n + 1) * sizeof(*c));
    bool *open = sched_arena_alloc(a, set->n + 1);
    size_t n = 0;
    char err[256];

    if (c == NULL || open == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < set->n; i++) {
        const struct model_object *o = set->items[i];
        Flotilla__V1__ClusterSpec *spec = NULL;
        int rc;

        if (o->cls != MODEL_CLASS_CLUSTER) {
            continue;
        }
        rc = model_cluster_spec_from_object(o, &spec);
        if (rc == 0) {
            rc = sched_cluster_from_proto(a, spec, NULL, NULL, &c[n], err,
                                          sizeof(err));
        }
        if (spec != NULL) {
            protobuf_c_message_free_unpacked(&spec->base, NULL);
        }
        if (rc == 0) {
            rc = cluster_status(a, o, &c[n], all_apis, err, sizeof(err));
        }
        if (rc < 0) {
            fprintf(stderr, "%s: Cluster %s: %s\n", o->file != NULL ? o->file : "?",
                    o->name, rc == -ENOMEM ? "out of memory" : err);
            return rc;
        }
        open[n] = rc == 1;
        n++;
    }
    *out = c;
    *n_out = n;
    *open_apis = open;
    return 0;
}

static int
schedule_manifests(const struct opts *o)
{
    struct model_set set = { NULL, 0 };
    struct sched_arena a;
    struct sched_cluster *c = NULL;
    bool *open = NULL;
    size_t n = 0, workloads = 0;
    int worst = 0;
    int rc;

    sched_arena_init(&a);
    rc = model_load_path(o->file, &set, on_verdict, NULL);
    if (rc != 0 && rc != -EINVAL) {
        fprintf(stderr, "%s: %s\n", o->file, strerror(-rc));
        worst = 2;
        goto out;
    }
    if (load_clusters(&a, &set, o->all_apis, &c, &n, &open) != 0) {
        worst = 2;
        goto out;
    }
    if (n == 0) {
        fprintf(stderr, "%s: no Cluster objects to schedule onto\n", o->file);
        worst = 2;
        goto out;
    }
    for (size_t i = 0; i < set.n; i++) {
        const struct model_object *t = set.items[i];
        const struct model_object *p;
        Flotilla__V1__BindingSpec *bs = NULL;
        struct model_candidate cands[8];
        struct model_error merr;
        struct sched_binding b;
        struct sched_input in;
        struct sched_decision d;
        char what[320], err[256];
        size_t nc = 0;

        if (t->cls != MODEL_CLASS_TEMPLATE) {
            continue;
        }
        p = model_policy_match(&set, t, cands, 8, &nc);
        snprintf(what, sizeof(what), "%s %s%s%s", t->kind,
                 t->namespace_[0] != '\0' ? t->namespace_ : "",
                 t->namespace_[0] != '\0' ? "/" : "", t->name);
        if (p == NULL) {
            printf("%s\n  no propagation policy claims it\n", what);
            continue;
        }
        memset(&merr, 0, sizeof(merr));
        if (model_binding_build(t, p, &bs, &merr) != 0) {
            model_error_format(&merr, err, sizeof(err));
            printf("%s\n  no binding: %s\n", what, err);
            worst = worst > 1 ? worst : 1;
            continue;
        }
        rc = sched_binding_from_proto(&a, bs, NULL, &b, err, sizeof(err));
        model_binding_free(bs);
        if (rc == 0 && b.has_placement) {
            rc = sched_placement_validate(&b.placement, err, sizeof(err));
        }
        if (rc != 0) {
            printf("%s\n  bad binding: policy %s: %s\n", what, p->name, err);
            worst = 2;
            continue;
        }
        /* --all-apis: clusters without an API list serve this kind. */
        for (size_t k = 0; k < n; k++) {
            if (open[k]) {
                struct sched_api *api = sched_arena_alloc(&a, sizeof(*api));
                const char **kinds = sched_arena_alloc(&a, sizeof(*kinds));

                if (api == NULL || kinds == NULL) {
                    worst = 2;
                    goto out;
                }
                kinds[0] = b.kind;
                *api = (struct sched_api){ b.api_version, kinds, 1 };
                c[k].apis = api;
                c[k].n_apis = 1;
            }
        }
        memset(&in, 0, sizeof(in));
        sched_gates_init(&in.gates);
        in.clusters = c;
        in.n_clusters = n;
        in.binding = &b;
        rc = sched_schedule(&a, &in, &d);
        if (rc == -ENOMEM) {
            worst = 2;
            goto out;
        }
        snprintf(what + strlen(what), sizeof(what) - strlen(what),
                 " (policy %s, %d replicas)", p->name, b.replicas);
        print_decision(what, rc, &d);
        workloads++;
        if (rc != 0 && worst < 1) {
            worst = 1;
        }
    }
    if (workloads == 0 && worst == 0) {
        fprintf(stderr, "%s: no resource template to schedule\n", o->file);
        worst = 2;
    }
out:
    model_set_release(&set);
    sched_arena_release(&a);
    return worst;
}

int
cmd_schedule(int argc, char **argv)
{
    struct opts o = { NULL, false };
    json_error_t jerr;
    json_t *root;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
            o.file = argv[++i];
        } else if (strcmp(argv[i], "--all-apis") == 0) {
            o.all_apis = true;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (o.file == NULL) {
        usage(stderr);
        return 2;
    }
    /* A JSON object with clusters/binding (or input) is a vector-style problem. */
    root = json_load_file(o.file, 0, &jerr);
    if (root != NULL && json_is_object(root) &&
        (json_object_get(root, "binding") != NULL ||
         json_object_get(root, "input") != NULL)) {
        rc = schedule_json(root, o.file);
        json_decref(root);
        return rc;
    }
    json_decref(root);
    return schedule_manifests(&o);
}
