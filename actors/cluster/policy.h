/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ClusterTaintPolicy objects as the cluster actor reads them: the fields of
 * failover.md §2.3 parsed from the object's JSON, and condition matching.
 * Private to actors/cluster.
 */
#ifndef CTAINT_POLICY_H
#define CTAINT_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct ct_policy_taint {
    char *key;
    char *value;
    char *effect;
};

struct ct_policy {
    char *name;
    json_t *target;      /* spec.targetClusters, NULL: every cluster */
    json_t *add;         /* spec.addOnConditions (array, maybe empty) */
    json_t *remove;      /* spec.removeOnConditions */
    struct ct_policy_taint *taints;
    size_t ntaints;
};

/*
 * Parses the ClusterTaintPolicy @name from its JSON text (@len bytes).
 * Returns 0 and *out (free with ct_policy_free()), or -EINVAL with @err
 * naming the field ("spec.taints[1].effect: ..."), or -ENOMEM.
 */
int ct_policy_parse(const char *name, const char *json, size_t len,
                    struct ct_policy **out, char *err, size_t errlen);

void ct_policy_free(struct ct_policy *p);

/*
 * Do the ANDed condition items @list match @conds (a JSON object, condition
 * type -> status)? An empty list never matches. A condition type the
 * cluster does not report matches NotIn and never In.
 */
bool ct_policy_conditions_match(const json_t *list, const json_t *conds);

/* Is @effect one a cluster taint may have (NoSchedule, NoExecute)? */
bool ct_effect_is_valid(const char *effect);

/*
 * Checks a taint key as Kubernetes checks a label name: an optional DNS
 * subdomain prefix and "/", then 1-63 of [A-Za-z0-9._-] starting and ending
 * alphanumeric. Returns NULL or what is wrong.
 */
const char *ct_key_problem(const char *key);

#endif /* CTAINT_POLICY_H */
