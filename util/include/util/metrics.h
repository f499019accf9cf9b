/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small metrics registry rendered in the Prometheus text format (0.0.4):
 * counters, gauges and histograms, each a family of series told apart by
 * label values, e.g. fl_decisions_total{actor="scheduler",reason="Fit"}.
 *
 * Get a series handle once (a mutex guards registration), then update it
 * from any thread without a lock: values are atomics. A handle stays valid
 * until util_metrics_free(). Every update function accepts a NULL handle
 * and does nothing, so a failed registration never crashes a hot path.
 *
 * Rendering is sorted (families by name, series by their label text), so
 * the same state always renders the same bytes. Metric names used across
 * flotilla are listed in docs/endpoints.md.
 */
#ifndef UTIL_METRICS_H
#define UTIL_METRICS_H

#include <stddef.h>

struct util_metrics;
struct util_metric;

/* Default histogram bounds in seconds, 0.5ms..10s, for latencies. */
extern const double util_metrics_latency_bounds[];
extern const size_t util_metrics_latency_bounds_count;

/* Allocates an empty registry. Returns 0 or -ENOMEM. */
int util_metrics_new(struct util_metrics **out);

/* Frees the registry and every handle it gave out; NULL is fine. */
void util_metrics_free(struct util_metrics *reg);

/*
 * Returns in *out the counter series @name with the labels given as
 * name, value pairs ending with NULL, creating family and series on first
 * use. @help documents the family; the first registration's text is kept.
 * Asking again with the same labels returns the same handle.
 *
 * Returns 0, -EINVAL for an invalid metric or label name (Prometheus
 * syntax; label names starting with "__" are reserved), a NULL label value
 * or an odd argument list, -EEXIST when @name exists with another type or
 * other label names, -ENOMEM. *out is written only on success.
 */
int util_metrics_counter(struct util_metrics *reg, struct util_metric **out,
                         const char *name, const char *help, ...)
    __attribute__((sentinel));

/* As util_metrics_counter(), for a gauge. */
int util_metrics_gauge(struct util_metrics *reg, struct util_metric **out,
                       const char *name, const char *help, ...)
    __attribute__((sentinel));

/*
 * As util_metrics_counter(), for a histogram with the upper bounds
 * @bounds[0..n_bounds) (strictly increasing, finite; +Inf is implied).
 * NULL bounds means util_metrics_latency_bounds. The label "le" is
 * reserved. -EEXIST also when the family exists with other bounds.
 */
int util_metrics_histogram(struct util_metrics *reg, struct util_metric **out,
                           const char *name, const char *help,
                           const double *bounds, size_t n_bounds, ...)
    __attribute__((sentinel));

/* Adds 1 to a counter or gauge. Lock-free. */
void util_metrics_inc(struct util_metric *m);

/*
 * Adds @v to a counter (ignored when @v is negative or not a number: a
 * counter never goes down) or to a gauge (any sign). Lock-free.
 */
void util_metrics_add(struct util_metric *m, double v);

/* Sets a gauge to @v (ignored for other types). Lock-free. */
void util_metrics_set(struct util_metric *m, double v);

/* Records @v in a histogram (ignored for other types). Lock-free. */
void util_metrics_observe(struct util_metric *m, double v);

/*
 * Returns a counter's or gauge's value, or a histogram's number of
 * observations; 0 for NULL.
 */
double util_metrics_value(const struct util_metric *m);

/*
 * Renders the registry as Prometheus text into a malloc'd, NUL-terminated
 * buffer (*out, length *len without the NUL; the caller frees it). Each
 * family has "# HELP" and "# TYPE" lines; label values and help text are
 * escaped. Returns 0 or -ENOMEM. Thread-safe.
 */
int util_metrics_render(struct util_metrics *reg, char **out, size_t *len);

#endif /* UTIL_METRICS_H */
