/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the model decoder: arbitrary bytes through
 * model_decode_buffer, then every document through validation, defaulting,
 * JSON conversion, the interpreter and policy matching, as
 * `flotilla apply --dry-run` would run them. Built with -DFL_FUZZ=ON (clang).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/decode.h"
#include "model/interp.h"
#include "model/object.h"
#include "model/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(struct model_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct model_object *t = set->items[i];
        const struct model_object *p;
        Flotilla__V1__BindingSpec *b = NULL;
        struct model_error err;
        json_t *deps = NULL;

        (void)model_interp_health(t->json);
        if (model_interp_dependencies(t->json, &deps) == 0) {
            json_decref(deps);
        }
        p = model_policy_match(set, t, NULL, 0, NULL);
        if (p != NULL && model_binding_build(t, p, &b, &err) == 0) {
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
