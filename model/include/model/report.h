/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Human and test-friendly printing of load verdicts, bindings and policy
 * matches, shared by `flotilla apply --dry-run` and `flotilla explain`.
 */
#ifndef MODEL_REPORT_H
#define MODEL_REPORT_H

#include <stdio.h>

#include "model/load.h"
#include "model/object.h"

/*
 * model_verdict_fn printing one line per document to stdout (accepted) or
 * stderr (rejected, unsupported): "FILE: document N: Kind ns/name: accepted",
 * "FILE: document N, line L: PATH: message", "FILE: document N: kind not
 * supported: ...". @ctx is unused.
 */
void model_report_verdict_text(void *ctx, const char *file, int document,
                               enum model_verdict verdict,
                               const struct model_object *obj,
                               const struct model_error *err);

/*
 * model_verdict_fn printing "FILE\tDOC\tOUTCOME\tDETAIL" to stdout, the
 * format of tests/corpus/expected.tsv. DETAIL is "Kind ns/name" when
 * accepted, "line L: PATH: message" when rejected, the rule when
 * unsupported. Tabs and newlines in messages become spaces.
 */
void model_report_verdict_tsv(void *ctx, const char *file, int document,
                              enum model_verdict verdict,
                              const struct model_object *obj,
                              const struct model_error *err);

/*
 * Prints to @f, for every template of @set that a (Cluster)PropagationPolicy
 * of @set selects, the binding that would be created: key, policy, replicas
 * and replica requirements; then the templates that no policy selects.
 */
void model_report_bindings(FILE *f, const struct model_set *set);

/*
 * Prints to @f, for every template of @set, each policy of @set that was
 * considered with its implicit and explicit priority and the verdict (the
 * winner, and why the others lost).
 */
void model_report_explain(FILE *f, const struct model_set *set);

#endif /* MODEL_REPORT_H */
