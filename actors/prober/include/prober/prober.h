/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The prober: the agent that probes each Push member and puts what it saw on
 * the bus as a ProbeResult (cluster.probe.<cluster>), for the cluster-status
 * core to decide on. It is I/O, not a core: one thread per member, so a
 * member that hangs delays only its own probes (each bounded by
 * probeTimeout).
 *
 * Every probePeriod: GET /readyz (/healthz when /readyz is 404) within
 * probeTimeout. When the member answers, the prober also reads its resource
 * summary (nodes and pods) and, on the first answer and every tenth after,
 * its API discovery and version, and sends them with the result.
 */
#ifndef PROBER_PROBER_H
#define PROBER_PROBER_H

#include <stdint.h>

#include "proto/flotilla.pb-c.h"

struct bus_conn;
struct cfg;
struct prober;

/*
 * Starts probing the Push members of @c on @conn (not owned; must outlive
 * the prober). Returns 0, or a negative errno when a member's client cannot
 * be made (the error is logged with the member's name).
 */
int prober_start(const struct cfg *c, struct bus_conn *conn,
                 const char *instance, struct prober **out);

/*
 * The Pull side, run by a Pull member's agent (`flotilla run --actors
 * pull-agent`, where the member's API server can be reached): for every Pull
 * member of @c that has an apiEndpoint, the same probe every
 * heartbeatPeriod, sent as a Heartbeat on cluster.heartbeat.<cluster>
 * (ready "True", "False" for a not-ready answer, "Unknown" for none).
 */
int prober_start_heartbeats(const struct cfg *c, struct bus_conn *conn,
                            const char *instance, struct prober **out);

/* Stops every probe thread and frees @p. NULL is fine. */
void prober_stop(struct prober *p);

/*
 * Fills @out from a probe outcome: outcome "ok", "not-ready" or "no-answer",
 * the HTTP code and the reason. Pure; used by the prober and by drills.
 */
void prober_result_fill(Flotilla__V1__ProbeResult *out, const char *cluster,
                        int outcome, long http_code, const char *detail,
                        int64_t probed_ns, int64_t latency_ns);

#endif /* PROBER_PROBER_H */
