/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading a file or a directory tree of manifests (*.yaml, *.yml, *.json,
 * in byte-wise path order) into a model_set, reporting each document's
 * verdict through a callback (the CLI prints them).
 */
#ifndef MODEL_LOAD_H
#define MODEL_LOAD_H

#include "model/decode.h"
#include "model/object.h"

enum model_verdict {
    MODEL_VERDICT_ACCEPTED,
    MODEL_VERDICT_REJECTED,
    MODEL_VERDICT_UNSUPPORTED,
};

/*
 * Called once per non-empty document (and once for a file that cannot be
 * decoded). @obj is set for ACCEPTED (owned by the set), @err otherwise.
 */
typedef void model_verdict_fn(void *ctx, const char *file, int document,
                              enum model_verdict verdict,
                              const struct model_object *obj,
                              const struct model_error *err);

/*
 * Loads @path (file or directory) into @set. Every document is reported to
 * @fn (may be NULL). Returns 0 when every document was accepted or skipped
 * as unsupported, -EINVAL when at least one was rejected (the others are
 * still loaded), -ENOENT etc. when @path cannot be read, -ENOMEM.
 */
int model_load_path(const char *path, struct model_set *set,
                    model_verdict_fn *fn, void *ctx);

#endif /* MODEL_LOAD_H */
