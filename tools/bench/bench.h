/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of flotilla-bench; each prints its figures to stdout. */
#ifndef TOOLS_BENCH_H
#define TOOLS_BENCH_H

int bench_bus(int argc, char **argv);
int bench_scheduler(int argc, char **argv);

/* Median of @n values (sorts @v in place). */
double bench_median(double *v, int n);

#endif /* TOOLS_BENCH_H */
