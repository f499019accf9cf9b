/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the model decoder: arbitrary bytes through
 * model_decode_buffer, then every document through validation, defaulting,
 * JSON conversion, the interpreter, policy matching, binding building and
 * the per-cluster manifest with every override policy of the input, as
 * `flotilla apply --dry-run` would run them. Built with -DFL_FUZZ=ON (clang).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/decode.h"
#include "model/interp.h"
#include "model/object.h"
#include "model/override.h"
#include "model/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The manifest of @t for each cluster named in its binding's placement. */
static void
render_all(struct model_set *set, const struct model_object *t,
           const Flotilla__V1__BindingSpec *b)
{
    const Flotilla__V1__ClusterAffinity *a = b->placement->cluster_affinity;
    struct model_render_args args;
    struct model_error err;

    for (size_t i = 0; a != NULL && i < a->n_cluster_names && i < 4; i++) {
        json_t *m = NULL;
        json_t *applied = NULL;

        model_render_args_init(&args);
        args.tmpl = t;
        args.cluster = a->cluster_names[i];
        args.replicas = b->replicas > 1 ? b->replicas / 2 : -1;
        args.completions = 1;
        args.policies = set;
        args.observed = t->json;
        args.binding_namespace = b->namespace_;
        args.binding_name = b->name;
        args.binding_id = "fuzz";
        args.conflict_resolution = b->conflict_resolution;
        if (model_render_manifest(&args, &m, &applied, &err) == 0) {
            json_t *st = NULL;
            struct model_status_item item = { args.cluster, NULL };

            if (model_interp_reflect_status(m, &st) == 0) {
                item.status = st;
                (void)model_interp_aggregate_status(m, &item, 1, "now");
            }
            json_decref(st);
        }
        json_decref(m);
        json_decref(applied);
    }
}

static void
exercise(struct model_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct model_object *t = set->items[i];
        const struct model_object *p;
        Flotilla__V1__BindingSpec *b = NULL;
        struct model_error err;
        json_t *deps = NULL;

        if (t->cls == MODEL_CLASS_CLUSTER) {
            Flotilla__V1__ClusterSpec *c = NULL;

            if (model_cluster_spec_from_object(t, &c) == 0) {
                protobuf_c_message_free_unpacked(&c->base, NULL);
            }
            continue;
        }
        (void)model_interp_health(t->json);
        if (model_interp_dependencies(t->json, &deps) == 0) {
            json_decref(deps);
        }
        p = model_policy_match(set, t, NULL, 0, NULL);
        if (p != NULL && model_binding_build(t, p, &b, &err) == 0) {
            render_all(set, t, b);
            model_binding_free(b);
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct model_limits lim;
    struct model_file *f = NULL;
    struct model_error err;
    struct model_set set = { NULL, 0 };

    model_limits_init(&lim);
    /* Smaller limits keep each run fast; the logic is the same. */
    lim.max_nodes = 20000;
    lim.max_input_bytes = 256 * 1024;
    if (model_decode_buffer("fuzz.yaml", (const char *)data, size, &lim, &f,
                            &err) != 0) {
        return 0;
    }
    for (size_t i = 0; i < model_file_document_count(f); i++) {
        struct model_object *o = NULL;

        if (model_object_from_document(f, model_file_document(f, i), &o,
                                       &err) == 0) {
            (void)model_set_add(&set, o);
        }
    }
    exercise(&set);
    model_set_release(&set);
    model_file_free(f);
    return 0;
}
