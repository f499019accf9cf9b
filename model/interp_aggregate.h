/* SPDX-License-Identifier: Apache-2.0 */
/* Private: per-kind aggregation used by model_interp_aggregate_status. */
#ifndef MODEL_INTERP_AGGREGATE_H
#define MODEL_INTERP_AGGREGATE_H

#include <stdbool.h>

#include "model/interp.h"

/* Each writes tmpl.status; returns 0 or -ENOMEM. */
int aggregate_job(json_t *tmpl, const struct model_status_item *items,
                  size_t n, const char *now);
int aggregate_cronjob(json_t *tmpl, const struct model_status_item *items,
                      size_t n);
int aggregate_pdb(json_t *tmpl, const struct model_status_item *items,
                  size_t n);
int aggregate_hpa(json_t *tmpl, const struct model_status_item *items,
                  size_t n);
/* §3.8; @service adds ipMode to the key and the order. */
int aggregate_lb(json_t *tmpl, const struct model_status_item *items,
                 size_t n, bool service);

#endif /* MODEL_INTERP_AGGREGATE_H */
