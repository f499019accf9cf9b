/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drills: scenario files (spec/scenarios.md) run in virtual time with the
 * real actor cores (policy, scheduler, cluster-status, cluster,
 * taint-manager, graceful-eviction, application-failover, executor) on an
 * actor_sim, against simulated member clusters (member/cluster.h). The
 * runner plays the agents itself: the prober (Push members), the Pull
 * members' heartbeats and the member agent (work.spec in, work.status out).
 *
 * A run prints the decisions as they happen (virtual time, actor, key,
 * decision and reason) and one line per checked expectation field.
 */
#ifndef DRILL_DRILL_H
#define DRILL_DRILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct drill;

/* Room for an error message naming file, line and key. */
#define DRILL_ERR_MAX 1024

/*
 * Reads and checks scenario file @path: every key known, every value well
 * formed, every object decodable, every cluster and actor named exists.
 * Returns 0 and *@out (free with drill_free()), or -EINVAL / -ENOENT /
 * -ENOMEM with "FILE:LINE: KEY: reason" in @err.
 */
int drill_load(const char *path, struct drill **out, char *err,
               size_t errlen);

/* Frees @d; NULL is fine. */
void drill_free(struct drill *d);

/* The scenario's name. */
const char *drill_name(const struct drill *d);

/* What a run counted. */
struct drill_result {
    unsigned passed;   /* expectation fields that held */
    unsigned failed;   /* expectation fields that did not hold */
    unsigned decisions;/* decision lines printed */
};

/*
 * Runs @d in virtual time, printing the decision timeline and one line per
 * expectation field to @out (quiet: only failures and the summary line of
 * the scenario). Returns 0 when the run completed (failed expectations are
 * counted in @res, not errors), or a negative errno with @err filled when
 * the run could not go on (e.g. an object the API refused, out of memory).
 */
int drill_run(struct drill *d, FILE *out, bool quiet,
              struct drill_result *res, char *err, size_t errlen);

#endif /* DRILL_DRILL_H */
