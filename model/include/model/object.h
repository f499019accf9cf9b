/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Objects: one validated, defaulted Kubernetes or Karmada object read from a
 * document. The JSON (jansson) form is what the rest of the system uses;
 * identity fields are cached next to it. The rule for kinds (accepted,
 * opaque, or "kind not supported") is in docs/model.md.
 */
#ifndef MODEL_OBJECT_H
#define MODEL_OBJECT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "model/decode.h"

/* What an object is to Flotilla. */
enum model_class {
    /* A resource template: propagated to member clusters. */
    MODEL_CLASS_TEMPLATE,
    MODEL_CLASS_PROPAGATION_POLICY,
    MODEL_CLASS_CLUSTER_PROPAGATION_POLICY,
    MODEL_CLASS_OVERRIDE_POLICY,
    MODEL_CLASS_CLUSTER_OVERRIDE_POLICY,
    MODEL_CLASS_CLUSTER_TAINT_POLICY,
    MODEL_CLASS_CLUSTER,
    MODEL_CLASS_WORKLOAD_REBALANCER,
};

struct model_object {
    /* The object after defaulting; owned. */
    json_t *json;
    enum model_class cls;
    /* Pointers into @json (valid while it is unchanged). */
    const char *api_version;
    const char *kind;
    const char *name;
    /* "" for cluster-scoped objects. */
    const char *namespace_;
    /* API group ("" for the core group), NUL-terminated copy. */
    char group[128];
    bool namespaced;
    /* metadata.uid, or UUIDv5 of (group, kind, namespace, name). */
    char uid[40];
    /* Where it came from: file name (owned), document, line; may be unset. */
    char *file;
    int document;
    int line;
};

/*
 * Reads document @doc of @f: validates it strictly (docs/model.md), applies
 * API defaulting and sets the UID. Returns:
 *   0        *out is a new object (free with model_object_free);
 *   -ENODATA the document is empty (nothing to do, not an error);
 *   -ENOTSUP the kind is not supported: @err->message says which rule;
 *   -EINVAL  invalid: @err names document, line and field path;
 *   -ENOMEM.
 * @err->file is left as the caller set it.
 */
int model_object_from_document(const struct model_file *f,
                               const struct model_document *doc,
                               struct model_object **out,
                               struct model_error *err);

/*
 * Builds an object from the JSON text @json_text (a manifest from the bus or
 * a test), with the same validation. Same returns as above.
 */
int model_object_from_json_text(const char *name, const char *json_text,
                                struct model_object **out,
                                struct model_error *err);

/*
 * As model_object_from_json_text() for @len bytes at @buf that need not be
 * NUL-terminated (e.g. BindingSpec.template_json). Exactly one document.
 */
int model_object_from_bytes(const char *name, const void *buf, size_t len,
                            struct model_object **out,
                            struct model_error *err);

/* As model_object_from_bytes() for a JSON value (serialised first). */
int model_object_from_json(const char *name, const json_t *json,
                           struct model_object **out,
                           struct model_error *err);

/* Frees @o and its JSON. Accepts NULL. */
void model_object_free(struct model_object *o);

/*
 * Writes the deterministic UID of (group, kind, namespace, name) into @buf
 * (at least 37 bytes): UUIDv5 of "group/kind/namespace/name" under
 * MODEL_UID_NAMESPACE. Returns 0 or -ENOMEM.
 */
int model_uid_compute(const char *group, const char *kind,
                      const char *namespace_, const char *name, char *buf,
                      size_t len);

/* The fixed namespace UUID of model_uid_compute (documented value). */
#define MODEL_UID_NAMESPACE "6f1c3d2a-9b1e-5c7a-8e54-0f1a7b2c3d4e"

/* Splits "apps/v1" into group "apps"; "v1" gives "". Writes @buf. */
void model_api_group(const char *api_version, char *buf, size_t len);

/* Name of a class for output ("template", "PropagationPolicy", ...). */
const char *model_class_name(enum model_class cls);

/* A list of objects (a file or a directory read by the CLI). */
struct model_set {
    struct model_object **items;
    size_t n;
};

/* Appends @o to @s, taking ownership. Returns 0 or -ENOMEM (@o freed). */
int model_set_add(struct model_set *s, struct model_object *o);

/* Frees every object of @s and the array; @s is left empty. */
void model_set_release(struct model_set *s);

#endif /* MODEL_OBJECT_H */
