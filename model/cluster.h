/* SPDX-License-Identifier: Apache-2.0 */
/* Private: Cluster resource models (policy.md §7.1). */
#ifndef MODEL_CLUSTER_H
#define MODEL_CLUSTER_H

#include <stddef.h>

#include <jansson.h>

#include "proto/flotilla.pb-c.h"

/*
 * Fills the nine default grades when spec.resourceModels is empty, else
 * sorts by grade, forces the first grade's minimums to 0 and the last
 * grade's maximums to unbounded. Returns 0 or -ENOMEM.
 */
int cluster_default_models(json_t *spec);

/*
 * Checks distinct grades, same resources in the same order, max > min and
 * contiguity on a normalised list. Returns 0 or -EINVAL with @why.
 */
int cluster_validate_models(const json_t *spec, char *why, size_t len);

/* Adds the models to @m (milli-units, unbounded = INT64_MAX). 0, -ENOMEM. */
int cluster_models_to_proto(const json_t *spec, Flotilla__V1__ClusterSpec *m);

#endif /* MODEL_CLUSTER_H */
