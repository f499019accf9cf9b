/* SPDX-License-Identifier: Apache-2.0 */
/* Printing of verdicts, bindings and policy choices for the CLI. */
#include "model/report.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "model/override.h"
#include "model/policy.h"

static void
one_line(char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\t' || *s == '\n' || *s == '\r') {
            *s = ' ';
        }
    }
}

static void
object_label(const struct model_object *o, char *buf, size_t len)
{
    if (o->namespace_[0] != '\0') {
        snprintf(buf, len, "%s %s/%s", o->kind, o->namespace_, o->name);
    } else {
        snprintf(buf, len, "%s %s", o->kind, o->name);
    }
}

/* Remarks a user needs about an accepted object. */
static void
note_object(const struct model_object *o)
{
    const json_t *ref = json_object_get(json_object_get(o->json, "spec"),
                                        "secretRef");

    if (o->cls == MODEL_CLASS_CLUSTER && json_is_object(ref)) {
        printf("  note: Cluster %s: spec.secretRef is not read: member "
               "credentials never travel on the bus; name this cluster's "
               "files in the configuration under members: (tokenFile, "
               "caFile, certFile, keyFile; see docs/config.md)\n",
               o->name);
    }
    if (o->cls == MODEL_CLASS_TEMPLATE &&
        model_template_ignored(o->kind, o->namespace_, o->name, NULL)) {
        printf("  note: %s %s/%s is in a reserved or skipped namespace "
               "(karmada-system, karmada-cluster, karmada-es-*, kube-*): "
               "the detector ignores it, it is never propagated\n",
               o->kind, o->namespace_, o->name);
    }
}

void
model_report_verdict_text(void *ctx, const char *file, int document,
                          enum model_verdict verdict,
                          const struct model_object *obj,
                          const struct model_error *err)
{
    char text[1200];

    (void)ctx;
    if (verdict == MODEL_VERDICT_ACCEPTED) {
        object_label(obj, text, sizeof(text));
        printf("%s: document %d: %s: accepted (%s)\n", file, document, text,
               model_class_name(obj->cls));
        note_object(obj);
        return;
    }
    model_error_format(err, text, sizeof(text));
    fprintf(stderr, "%s%s\n",
            verdict == MODEL_VERDICT_UNSUPPORTED ? "skipped: " : "error: ",
            text);
}

void
model_report_verdict_tsv(void *ctx, const char *file, int document,
                         enum model_verdict verdict,
                         const struct model_object *obj,
                         const struct model_error *err)
{
    char detail[1200];

    (void)ctx;
    if (verdict == MODEL_VERDICT_ACCEPTED) {
        object_label(obj, detail, sizeof(detail));
        printf("%s\t%d\taccepted\t%s\n", file, document, detail);
        return;
    }
    if (verdict == MODEL_VERDICT_UNSUPPORTED) {
        snprintf(detail, sizeof(detail), "%s", err->message);
    } else if (err->path[0] != '\0') {
        snprintf(detail, sizeof(detail), "line %d: %s: %s", err->line,
                 err->path, err->message);
    } else {
        snprintf(detail, sizeof(detail), "line %d: %s", err->line,
                 err->message);
    }
    one_line(detail);
    printf("%s\t%d\t%s\t%s\n", file, document,
           verdict == MODEL_VERDICT_UNSUPPORTED ? "unsupported" : "rejected",
           detail);
}

static void
print_requirements(FILE *f, const Flotilla__V1__ReplicaRequirements *r)
{
    if (r == NULL) {
        fprintf(f, "    requirements: none\n");
        return;
    }
    if (r->resource_request != NULL) {
        fprintf(f, "    requests per replica (milli-units):");
        for (size_t i = 0; i < r->resource_request->n_milli; i++) {
            fprintf(f, " %s=%" PRId64, r->resource_request->milli[i]->key,
                    r->resource_request->milli[i]->value);
        }
        fprintf(f, "\n");
    }
    if (r->node_claim != NULL) {
        fprintf(f, "    node claim: %zu node selector term(s), %zu "
                   "toleration(s)%s\n",
                r->node_claim->n_node_selector, r->node_claim->n_tolerations,
                r->node_claim->hard_node_affinity_json.len > 0
                    ? ", required node affinity"
                    : "");
    }
}

static void
print_placement(FILE *f, const Flotilla__V1__Placement *p)
{
    const Flotilla__V1__ClusterAffinity *a = p->cluster_affinity;

    if (a != NULL && a->n_cluster_names > 0) {
        fprintf(f, "    clusters:");
        for (size_t i = 0; i < a->n_cluster_names; i++) {
            fprintf(f, " %s", a->cluster_names[i]);
        }
        fprintf(f, "\n");
    } else if (a != NULL) {
        fprintf(f, "    clusters: by selector\n");
    } else if (p->n_cluster_affinities > 0) {
        fprintf(f, "    clusters: %zu affinity group(s)\n",
                p->n_cluster_affinities);
    } else {
        fprintf(f, "    clusters: all\n");
    }
    if (p->replica_scheduling != NULL) {
        fprintf(f, "    scheduling: %s %s\n",
                p->replica_scheduling->replica_scheduling_type,
                p->replica_scheduling->replica_division_preference);
    } else {
        fprintf(f, "    scheduling: Duplicated\n");
    }
}

static const json_t *
cluster_json(const struct model_set *set, const char *name)
{
    for (size_t i = 0; i < set->n; i++) {
        if (set->items[i]->cls == MODEL_CLASS_CLUSTER &&
            strcmp(set->items[i]->name, name) == 0) {
            return set->items[i]->json;
        }
    }
    return NULL;
}

/* Renders the manifest for @cluster and reports an error it would hit. */
static void
render_check(FILE *f, const Flotilla__V1__BindingSpec *b,
             const struct model_set *set, const struct model_object *t,
             const char *cluster)
{
    struct model_render_args a;
    struct model_error err;
    json_t *m = NULL;
    char text[1200];

    model_render_args_init(&a);
    memset(&err, 0, sizeof(err));
    snprintf(err.file, sizeof(err.file), "%s", t->file != NULL ? t->file : "");
    a.tmpl = t;
    a.cluster = cluster;
    a.cluster_obj = cluster_json(set, cluster);
    a.policies = set;
    a.binding_namespace = b->namespace_;
    a.binding_name = b->name;
    a.binding_id = "";
    a.conflict_resolution = b->conflict_resolution;
    if (model_render_manifest(&a, &m, NULL, &err) != 0) {
        model_error_format(&err, text, sizeof(text));
        fprintf(f, "    error: no manifest for %s: %s\n", cluster, text);
    }
    json_decref(m);
}

/* The override entries for each named target cluster (policy.md §5.2). */
static void
print_overrides(FILE *f, const Flotilla__V1__BindingSpec *b,
                const struct model_set *set, const struct model_object *t)
{
    const Flotilla__V1__ClusterAffinity *a = b->placement->cluster_affinity;

    for (size_t i = 0; a != NULL && i < a->n_cluster_names; i++) {
        const char *c = a->cluster_names[i];
        json_t *entries = NULL;
        size_t j;
        json_t *e;

        if (model_override_match(set, t, c, cluster_json(set, c),
                                 &entries) != 0 ||
            json_array_size(entries) == 0) {
            json_decref(entries);
            continue;
        }
        render_check(f, b, set, t, c);
        fprintf(f, "    overrides on %s:", c);
        json_array_foreach(entries, j, e) {
            fprintf(f, " %s%s",
                    json_is_true(json_object_get(e, "cluster"))
                        ? "ClusterOverridePolicy/"
                        : "OverridePolicy/",
                    json_string_value(json_object_get(e, "policyName")));
        }
        fprintf(f, "\n");
        json_decref(entries);
    }
}

static void
print_binding(FILE *f, const Flotilla__V1__BindingSpec *b,
              const struct model_object *p)
{
    bool rb = b->namespace_[0] != '\0';

    fprintf(f, "  %s %s%s%s\n",
            rb ? "ResourceBinding" : "ClusterResourceBinding", b->namespace_,
            rb ? "/" : "", b->name);
    fprintf(f, "    template: %s %s uid=%s\n", b->resource->api_version,
            b->resource->kind, b->resource->uid);
    fprintf(f, "    policy: %s %s%s%s (priority %d)\n",
            model_class_name(p->cls), b->policy_namespace,
            b->policy_namespace[0] != '\0' ? "/" : "", b->policy_name,
            b->priority);
    fprintf(f, "    replicas: %d\n", b->replicas);
    print_requirements(f, b->replica_requirements);
    print_placement(f, b->placement);
    for (size_t i = 0; i < b->n_requires; i++) {
        fprintf(f, "    depends on: %s %s/%s\n", b->requires[i]->kind,
                b->requires[i]->namespace_, b->requires[i]->name);
    }
}

/* Namespaces go to every cluster without a policy (policy.md §3.4). */
static const char *
namespace_note(const struct model_object *t)
{
    const json_t *skip = json_object_get(
        json_object_get(json_object_get(t->json, "metadata"), "labels"),
        "namespace.karmada.io/skip-auto-propagation");

    if (strcmp(t->group, "") != 0 || strcmp(t->kind, "Namespace") != 0) {
        return "";
    }
    if (model_namespace_is_reserved(t->name) || strcmp(t->name, "default") == 0 ||
        strncmp(t->name, "kube-", 5) == 0) {
        return " (reserved or skipped namespace: never propagated)";
    }
    if (json_is_string(skip) &&
        strcasecmp(json_string_value(skip), "true") == 0) {
        return " (skip-auto-propagation: not propagated)";
    }
    return " (namespaces need no policy: propagated to every cluster)";
}

void
model_report_bindings(FILE *f, const struct model_set *set)
{
    size_t unmatched = 0;
    size_t made = 0;

    fprintf(f, "\nbindings that would be created:\n");
    for (size_t i = 0; i < set->n; i++) {
        const struct model_object *t = set->items[i];
        const struct model_object *p;
        Flotilla__V1__BindingSpec *b = NULL;
        struct model_error err;
        char text[1200];

        if (t->cls != MODEL_CLASS_TEMPLATE ||
            model_template_ignored(t->kind, t->namespace_, t->name, NULL)) {
            continue;
        }
        p = model_policy_match(set, t, NULL, 0, NULL);
        if (p == NULL) {
            unmatched++;
            continue;
        }
        memset(&err, 0, sizeof(err));
        snprintf(err.file, sizeof(err.file), "%s", t->file ? t->file : "");
        if (model_binding_build(t, p, &b, &err) != 0) {
            model_error_format(&err, text, sizeof(text));
            fprintf(f, "  error: %s\n", text);
            continue;
        }
        print_binding(f, b, p);
        print_overrides(f, b, set, t);
        model_binding_free(b);
        made++;
    }
    if (made == 0) {
        fprintf(f, "  (none)\n");
    }
    if (unmatched > 0) {
        fprintf(f, "\ntemplates no policy selects (would wait):\n");
        for (size_t i = 0; i < set->n; i++) {
            const struct model_object *t = set->items[i];
            char label[600];

            if (t->cls != MODEL_CLASS_TEMPLATE ||
                model_template_ignored(t->kind, t->namespace_, t->name,
                                       NULL) ||
                model_policy_match(set, t, NULL, 0, NULL) != NULL) {
                continue;
            }
            object_label(t, label, sizeof(label));
            fprintf(f, "  %s%s\n", label, namespace_note(t));
        }
    }
}

static const char *
match_name(enum model_match m)
{
    switch (m) {
    case MODEL_MATCH_NAME:
        return "by name (implicit priority 3)";
    case MODEL_MATCH_LABEL_SELECTOR:
        return "by label selector (implicit priority 2)";
    case MODEL_MATCH_ALL:
        return "by apiVersion/kind only (implicit priority 1)";
    case MODEL_MATCH_NONE:
        break;
    }
    return "no match";
}

static int64_t
policy_prio(const struct model_object *p)
{
    return json_integer_value(
        json_object_get(json_object_get(p->json, "spec"), "priority"));
}

static enum model_match
winner_match(const struct model_candidate *c, size_t n,
             const struct model_object *w)
{
    for (size_t i = 0; i < n && i < 64; i++) {
        if (c[i].policy == w) {
            return c[i].match;
        }
    }
    return MODEL_MATCH_NONE;
}

void
model_report_explain(FILE *f, const struct model_set *set)
{
    struct model_candidate cands[64];

    for (size_t i = 0; i < set->n; i++) {
        const struct model_object *t = set->items[i];
        const struct model_object *w;
        size_t n = 0;
        char label[600];
        char bname[600];

        if (t->cls != MODEL_CLASS_TEMPLATE) {
            continue;
        }
        object_label(t, label, sizeof(label));
        w = model_policy_match(set, t, cands, 64, &n);
        if (model_binding_name(t->kind, t->name, bname, sizeof(bname)) != 0) {
            snprintf(bname, sizeof(bname), "(name too long)");
        }
        fprintf(f, "%s (binding %s%s%s):\n", label, t->namespace_,
                t->namespace_[0] != '\0' ? "/" : "", bname);
        if (w == NULL) {
            fprintf(f, "  no PropagationPolicy or ClusterPropagationPolicy "
                       "selects it: it waits until one does\n");
            continue;
        }
        for (size_t c = 0; c < n && c < 64; c++) {
            const struct model_object *p = cands[c].policy;
            const char *why = "loses: same priority and match, and its "
                              "name sorts after the winner's";

            if (p == w) {
                why = "WINNER";
            } else if (w->cls == MODEL_CLASS_PROPAGATION_POLICY &&
                       p->cls == MODEL_CLASS_CLUSTER_PROPAGATION_POLICY) {
                why = "loses: a PropagationPolicy of the namespace always "
                      "wins over a ClusterPropagationPolicy";
            } else if (cands[c].priority < policy_prio(w)) {
                why = "loses: lower explicit priority than the winner";
            } else if (cands[c].match < winner_match(cands, n, w)) {
                why = "loses: same explicit priority, weaker match";
            }
            fprintf(f, "  %s %s%s%s: matches %s, explicit priority %" PRId64
                       ": %s\n",
                    model_class_name(p->cls), p->namespace_,
                    p->namespace_[0] != '\0' ? "/" : "", p->name,
                    match_name(cands[c].match), cands[c].priority, why);
        }
    }
}
