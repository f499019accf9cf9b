/* SPDX-License-Identifier: Apache-2.0 */
/* NoExecute toleration matching; see tmgr/toleration.h. */
#include "tmgr/toleration.h"

#include <string.h>

static const char *
str(const char *s)
{
    return s != NULL ? s : "";
}

bool
tmgr_toleration_tolerates(const Flotilla__V1__Toleration *tol,
                          const Flotilla__V1__Taint *taint)
{
    const char *op = str(tol->operator_);

    if (str(tol->effect)[0] != '\0' &&
        strcmp(str(tol->effect), str(taint->effect)) != 0) {
        return false;
    }
    if (str(tol->key)[0] != '\0' &&
        strcmp(str(tol->key), str(taint->key)) != 0) {
        return false;
    }
    if (strcmp(op, "Exists") == 0) {
        return true;
    }
    if (strcmp(op, "Equal") == 0 || op[0] == '\0') {
        return strcmp(str(tol->value), str(taint->value)) == 0;
    }
    return false;
}

static bool
is_no_execute(const Flotilla__V1__Taint *t)
{
    return strcmp(str(t->effect), "NoExecute") == 0;
}

/* The first toleration in list order that tolerates @t, or -1. */
static long
first_match(const Flotilla__V1__Taint *t, Flotilla__V1__Toleration *const *tols,
            size_t ntols)
{
    for (size_t j = 0; j < ntols; j++) {
        if (tmgr_toleration_tolerates(tols[j], t)) {
            return (long)j;
        }
    }
    return -1;
}

/* Earliest deadline from used toleration @tol over the taints it tolerates. */
static void
deadlines(const Flotilla__V1__Toleration *tol,
          Flotilla__V1__Taint *const *taints, size_t ntaints, int64_t *best,
          bool *have)
{
    if (!tol->has_toleration_seconds) {
        return;
    }
    for (size_t i = 0; i < ntaints; i++) {
        int64_t d;

        if (!is_no_execute(taints[i]) || taints[i]->time_added_ns == 0 ||
            !tmgr_toleration_tolerates(tol, taints[i])) {
            continue;
        }
        d = taints[i]->time_added_ns + tol->toleration_seconds * 1000000000LL;
        if (!*have || d < *best) {
            *best = d;
            *have = true;
        }
    }
}

enum tmgr_verdict
tmgr_toleration_check(Flotilla__V1__Taint *const *taints, size_t ntaints,
                      Flotilla__V1__Toleration *const *tols, size_t ntols,
                      int64_t now_ns, int64_t *due_ns, int64_t *episode_ns)
{
    enum tmgr_verdict v = TMGR_VERDICT_NEVER;
    bool untolerated = false;
    bool have = false;
    int64_t best = 0;
    int64_t episode = 0;

    for (size_t i = 0; i < ntaints; i++) {
        long j;

        if (!is_no_execute(taints[i])) {
            continue;
        }
        j = first_match(taints[i], tols, ntols);
        if (j < 0) {
            untolerated = true;
        } else {
            deadlines(tols[j], taints, ntaints, &best, &have);
        }
        if ((j < 0 || tols[j]->has_toleration_seconds) &&
            taints[i]->time_added_ns != 0 &&
            (episode == 0 || taints[i]->time_added_ns < episode)) {
            episode = taints[i]->time_added_ns;
        }
    }
    if (untolerated || (have && best <= now_ns)) {
        v = TMGR_VERDICT_NOW;
    } else if (have) {
        v = TMGR_VERDICT_LATER;
        if (due_ns != NULL) {
            *due_ns = best;
        }
    }
    if (episode_ns != NULL) {
        *episode_ns = episode;
    }
    return v;
}
