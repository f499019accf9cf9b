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
#include <stdint.h>
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

/*
 * Called for every decision a run takes, in order: the actor, the key, the
 * decision and its reason, and the time since the start of the run.
 */
typedef void drill_decision_fn(const char *actor, const char *key,
                               const char *decision, const char *reason,
                               int64_t at_ns, void *arg);

/* Makes drill_run() call @fn (NULL: none) for each decision of @d's runs. */
void drill_set_decision_tap(struct drill *d, drill_decision_fn *fn,
                            void *arg);

/* Where drill_run_realtime() finds its programs. */
struct drill_rt_options {
    const char *flotilla;    /* the flotilla binary (its `run` is started) */
    const char *sim;         /* flotilla-sim */
    const char *nats_server; /* nats-server (PATH is searched) */
    bool verbose;            /* also print the live decisions as they come */
    bool keep;               /* keep the temporary directory (logs, config) */
};

/*
 * Runs @d in real time against a live bus (spec/scenarios.md, --realtime):
 * starts a nats-server, flotilla-sim with the file's clusters and `flotilla
 * run` with the file's settings in a temporary directory on free loopback
 * ports, registers the clusters, applies the objects, plays the timeline
 * (faults through the simulator's control endpoint, taints as
 * TaintRequests, `restart` as kill -9 of the daemon and a new start),
 * checks the expectations it can check against the streams, then runs @d
 * in virtual time and compares the decisions per actor and key, ignoring
 * time. Prints both lists where they differ. A differing list counts as a
 * failed expectation in @res. Returns 0 when the run completed, or a
 * negative errno with @err filled (a process did not start, a step the
 * real-time run cannot play).
 */
int drill_run_realtime(struct drill *d, const struct drill_rt_options *o,
                       FILE *out, struct drill_result *res, char *err,
                       size_t errlen);

#endif /* DRILL_DRILL_H */
