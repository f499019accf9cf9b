/* SPDX-License-Identifier: Apache-2.0 */
/* flotilla-bench: benchmarks that print figures, one subcommand each. */
#include "bench.h"

#include "util/log.h"
#include "util/tune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bench_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

static const struct bench_cmd cmds[] = {
    { "bus", "runtime consume->handle->publish->ack vs the plain NATS client",
      bench_bus },
    { "failover", "one cluster of ten with 10,000 bindings fails: time to "
      "evictions and new placements", bench_failover },
    { "members", "1,000 workloads into 10 simulated members: apply rate and "
      "status delay", bench_members },
    { "scheduler", "scheduler core: decisions/s, p50/p99, memory per binding",
      bench_scheduler },
    { NULL, NULL, NULL },
};

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

double
bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double
bench_percentile(double *v, size_t n, double q)
{
    size_t i;

    if (n == 0) {
        return 0;
    }
    qsort(v, n, sizeof(*v), cmp_double);
    i = (size_t)(q * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

int
main(int argc, char **argv)
{
    util_tune_malloc();
    /* Figures, not logs: only errors go to stderr. */
    (void)util_log_set_level("error");
    if (argc >= 2) {
        for (const struct bench_cmd *c = cmds; c->name != NULL; c++) {
            if (strcmp(argv[1], c->name) == 0) {
                return c->run(argc - 1, argv + 1);
            }
        }
    }
    fprintf(stderr, "usage: flotilla-bench BENCHMARK [--help]\n\n");
    for (const struct bench_cmd *c = cmds; c->name != NULL; c++) {
        fprintf(stderr, "  %-10s %s\n", c->name, c->summary);
    }
    return 2;
}
