/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of flotilla-bench; each prints its figures to stdout. */
#ifndef TOOLS_BENCH_H
#define TOOLS_BENCH_H

#include <stddef.h>

int bench_bus(int argc, char **argv);
int bench_failover(int argc, char **argv);
int bench_members(int argc, char **argv);
int bench_scheduler(int argc, char **argv);

/* Median of @n values (sorts @v in place). */
double bench_median(double *v, int n);

/* The @q quantile (0..1) of @n values (sorts @v in place). */
double bench_percentile(double *v, size_t n, double q);

/* The scheduler end to end through NATS (bench_sched_e2e.c). */
int bench_sched_e2e(size_t n_clusters, size_t n_bindings, size_t runs);

#endif /* TOOLS_BENCH_H */
