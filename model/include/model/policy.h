/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Karmada's resource detector as pure functions (policy.md §2, §4): names,
 * resource-selector matching with implicit priority, choosing the policy of
 * a template, and building the BindingSpec for a (template, policy) match.
 */
#ifndef MODEL_POLICY_H
#define MODEL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "model/decode.h"
#include "model/object.h"
#include "proto/flotilla.pb-c.h"

/* Implicit priorities of a selector match (policy.md §4.2). */
enum model_match {
    MODEL_MATCH_NONE = 0,
    MODEL_MATCH_ALL = 1,
    MODEL_MATCH_LABEL_SELECTOR = 2,
    MODEL_MATCH_NAME = 3,
};

/*
 * Karmada's binding name: lower(name with ':' -> '.' + "-" + kind), written
 * into @buf. Returns 0 or -ENOSPC.
 */
int model_binding_name(const char *kind, const char *name, char *buf,
                       size_t len);

/*
 * Karmada's ShortHash (§2.2): FNV-1a 32 of @s, in decimal, each digit mapped
 * through Karmada's alphabet, into @buf (at least 11 bytes).
 */
void model_short_hash(const char *s, char *buf, size_t len);

/*
 * The label an attached (dependency) binding carries for its referring
 * binding @namespace_/@name (§2.4, §6.4):
 * "resourcebinding.karmada.io/depended-by-" + ShortHash("ns/name"), or of
 * "name" alone when @namespace_ is empty. Returns 0 or -ENOSPC.
 */
int model_depended_by_label(const char *namespace_, const char *name,
                            char *buf, size_t len);

/* Work name of §2.3 into @buf. Returns 0 or -ENOSPC. */
int model_work_name(const char *kind, const char *name, const char *namespace_,
                    char *buf, size_t len);

/*
 * Does the Kubernetes label selector @sel (JSON {matchLabels,
 * matchExpressions}) select @labels (JSON object or NULL)? Returns 1, 0, or
 * -EINVAL for an invalid selector (empty key, unknown operator, In/NotIn
 * without values). An empty selector selects everything.
 */
int model_label_selector_matches(const json_t *sel, const json_t *labels);

/* Implicit priority of one resource selector for template @t. */
enum model_match model_selector_match(const json_t *selector,
                                      const struct model_object *t);

/* Maximum over the selector list @selectors (JSON array; NULL = none). */
enum model_match model_selectors_match(const json_t *selectors,
                                       const struct model_object *t);

/* Why a policy won or lost for a template (for `flotilla explain`). */
struct model_candidate {
    const struct model_object *policy;
    enum model_match match;
    int64_t priority;
};

/*
 * Chooses the policy of template @t among the policies of @set (§4.3-4.4):
 * PropagationPolicies of @t's namespace first, then ClusterPropagation
 * Policies; higher explicit priority, then better implicit match, then the
 * smaller name. Returns the winner or NULL. When @cands is not NULL, up to
 * @max matching candidates are written there and their count to *ncands.
 */
const struct model_object *model_policy_match(const struct model_set *set,
                                              const struct model_object *t,
                                              struct model_candidate *cands,
                                              size_t max, size_t *ncands);

/*
 * Builds the BindingSpec the detector writes for template @t claimed by
 * policy @p (§3.1): name, resource, template JSON, replicas and
 * requirements from the interpreter, placement, failover, policy fields.
 * Returns 0 with *out (free with model_binding_free), -EINVAL when the
 * interpreter rejects the template (@err says why), -ENOMEM.
 */
int model_binding_build(const struct model_object *t,
                        const struct model_object *p,
                        Flotilla__V1__BindingSpec **out,
                        struct model_error *err);

/* Frees a BindingSpec built by this library. Accepts NULL. */
void model_binding_free(Flotilla__V1__BindingSpec *b);

/*
 * Converts a Karmada placement (JSON) into the protobuf Placement. Returns
 * 0, -ENOMEM. *out is freed with protobuf_c_message_free_unpacked().
 */
int model_placement_from_json(const json_t *placement,
                              Flotilla__V1__Placement **out);

/* Converts a Karmada Cluster object into a ClusterSpec (§7.1). */
int model_cluster_spec_from_object(const struct model_object *cluster,
                                   Flotilla__V1__ClusterSpec **out);

/*
 * The work.karmada.io/conflict-resolution value for a manifest (§4.14,
 * scenario 53): the template annotation @tmpl_annotation when it is exactly
 * "overwrite" or "abort" (may be NULL), else "overwrite" when the binding's
 * @binding_value is "Overwrite", else "abort".
 */
const char *model_conflict_resolution(const char *tmpl_annotation,
                                      const char *binding_value);

/*
 * Is dispatching to @cluster suspended by the policy suspension @susp (JSON
 * {dispatching, dispatchingOnClusters: {clusterNames}}; NULL = none)?
 * (§4.12, scenario 54.)
 */
bool model_suspend_dispatching(const json_t *susp, const char *cluster);

/*
 * Merges the policy suspension @policy (NULL = none) into the binding
 * suspension @binding (NULL = none; may carry a "scheduling" flag owned by
 * third parties) as §4.12 says (scenario 55). *out is a new object or NULL
 * for "no suspension". Returns 0 or -ENOMEM.
 */
int model_suspension_merge(const json_t *binding, const json_t *policy,
                           json_t **out);

/*
 * Writes the claim of policy @p (PropagationPolicy or ClusterPropagation
 * Policy) onto the object @obj (template or binding JSON, §4.5): the
 * permanent-id label and the name annotations; a PropagationPolicy claim
 * also removes any ClusterPropagationPolicy claim (§4.4 step 1). Returns 0,
 * -EINVAL when @p is not a propagation policy, -ENOMEM.
 */
int model_claim_apply(json_t *obj, const struct model_object *p);

/*
 * Removes the claim of @p from @obj only if @obj's claim label still holds
 * @p's permanent id (§4.5, scenario 18). Returns 1 when removed, 0 when the
 * object is claimed by someone else or not at all.
 */
int model_claim_cleanup(json_t *obj, const struct model_object *p);

/* The permanent id of propagation policy @p (its label, else its UID). */
const char *model_policy_permanent_id(const struct model_object *p);

/*
 * Does policy @p (with preemption Always) take template @t from its current
 * claimer @claimer (§4.8)? A PropagationPolicy preempts another
 * PropagationPolicy of strictly lower priority and any ClusterPropagation
 * Policy; a ClusterPropagationPolicy preempts only a ClusterPropagation
 * Policy of strictly lower priority. @t must be selected by name. False when
 * @p's preemption is not Always or @claimer is @p.
 */
bool model_policy_preempts(const struct model_object *p,
                           const struct model_object *claimer,
                           const struct model_object *t);

/*
 * Is @namespace_ reserved by Karmada (karmada-system, karmada-cluster,
 * karmada-es-*, policy.md §2.4)?
 */
bool model_namespace_is_reserved(const char *namespace_);

/*
 * Does the detector drop events for the object @kind/@namespace_/@name
 * (§4.1, scenario 6)? True for reserved namespaces, namespaces matching
 * one of @skip_patterns (POSIX extended regexes, each anchored ^...$;
 * NULL-terminated list or NULL for the default "kube-.*"), and
 * kube-system/ConfigMap/extension-apiserver-authentication.
 */
bool model_template_ignored(const char *kind, const char *namespace_,
                            const char *name,
                            const char *const *skip_patterns);

/*
 * Does an update from @old to @new need a reconcile (§4.1, scenario 7)?
 * False when the objects differ only in status, metadata.managedFields and
 * metadata.resourceVersion.
 */
bool model_template_changed(const json_t *old, const json_t *new_);

/*
 * Policies to re-queue when @p's priority drops from @old_priority to
 * @new_priority (§4.8, scenario 21): the other policies of the same kind
 * (and namespace, for PropagationPolicies) in @set with preemption Always
 * and new < priority < old, highest first. Writes up to @max pointers into
 * @out and returns how many there are.
 */
size_t model_policy_deprioritized(const struct model_set *set,
                                  const struct model_object *p,
                                  int64_t old_priority, int64_t new_priority,
                                  const struct model_object **out, size_t max);

/*
 * Does the object @obj (apiVersion, kind, metadata) match one entry of the
 * resourcebinding.karmada.io/dependencies annotation text @annotation
 * (§6.3, scenario 60)? Returns 1, 0, or -EINVAL when the annotation is not
 * a JSON array or a label selector is invalid.
 */
int model_dependencies_match(const char *annotation, const json_t *obj);

#endif /* MODEL_POLICY_H */
