/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metrics registry; see util/metrics.h. Families and series are linked
 * lists guarded by one mutex that only registration and rendering take;
 * values are doubles stored as bits in 64-bit atomics, so updates need no
 * lock. Nothing is ever removed before util_metrics_free(), which is what
 * keeps handles valid.
 */
#include "util/metrics.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABELS_MAX 16

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

static const char *const type_names[] = { "counter", "gauge", "histogram" };

const double util_metrics_latency_bounds[] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1,    0.25,  0.5,    1,     2.5,  5,     10,
};
const size_t util_metrics_latency_bounds_count =
    sizeof(util_metrics_latency_bounds) /
    sizeof(util_metrics_latency_bounds[0]);

struct family;

struct util_metric {
    struct family *fam;
    char **values;               /* one per label name */
    _Atomic uint64_t bits;       /* counter/gauge value, or histogram sum */
    _Atomic uint64_t *buckets;   /* histogram: n_bounds + 1 (last is +Inf) */
    struct util_metric *next;
};

struct family {
    char *name;
    char *help;
    enum metric_type type;
    char **labels;
    size_t n_labels;
    double *bounds;
    size_t n_bounds;
    struct util_metric *series;
    struct family *next;
};

struct util_metrics {
    pthread_mutex_t lock;
    struct family *families;
};

/* A growable text buffer; once out of memory it stays failed. */
struct sbuf {
    char *buf;
    size_t len;
    size_t cap;
    bool failed;
};

static uint64_t
to_bits(double v)
{
    uint64_t b;

    memcpy(&b, &v, sizeof(b));
    return b;
}

static double
from_bits(uint64_t b)
{
    double v;

    memcpy(&v, &b, sizeof(v));
    return v;
}

static void
atomic_add_double(_Atomic uint64_t *p, double d)
{
    uint64_t old = atomic_load_explicit(p, memory_order_relaxed);

    while (!atomic_compare_exchange_weak_explicit(
        p, &old, to_bits(from_bits(old) + d), memory_order_relaxed,
        memory_order_relaxed)) {
    }
}

int
util_metrics_new(struct util_metrics **out)
{
    struct util_metrics *reg = calloc(1, sizeof(*reg));

    if (reg == NULL) {
        return -ENOMEM;
    }
    if (pthread_mutex_init(&reg->lock, NULL) != 0) {
        free(reg);
        return -ENOMEM;
    }
    *out = reg;
    return 0;
}

static void
strv_free(char **v, size_t n)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

static void
series_free(struct util_metric *m, size_t n_labels)
{
    strv_free(m->values, n_labels);
    free(m->buckets);
    free(m);
}

static void
family_free(struct family *f)
{
    struct util_metric *m, *next;

    for (m = f->series; m != NULL; m = next) {
        next = m->next;
        series_free(m, f->n_labels);
    }
    strv_free(f->labels, f->n_labels);
    free(f->bounds);
    free(f->name);
    free(f->help);
    free(f);
}

void
util_metrics_free(struct util_metrics *reg)
{
    struct family *f, *next;

    if (reg == NULL) {
        return;
    }
    for (f = reg->families; f != NULL; f = next) {
        next = f->next;
        family_free(f);
    }
    pthread_mutex_destroy(&reg->lock);
    free(reg);
}

static bool
is_name(const char *s, bool colon)
{
    if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9')) {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || (colon && *s == ':'))) {
            return false;
        }
    }
    return true;
}

/* The label pairs of one call, borrowed from the caller. */
struct labels {
    const char *names[LABELS_MAX];
    const char *values[LABELS_MAX];
    size_t n;
};

static int
labels_collect(struct labels *l, bool histogram, va_list ap)
{
    const char *name;

    l->n = 0;
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);

        if (l->n == LABELS_MAX || value == NULL || !is_name(name, false) ||
            strncmp(name, "__", 2) == 0 ||
            (histogram && strcmp(name, "le") == 0)) {
            return -EINVAL;
        }
        for (size_t i = 0; i < l->n; i++) {
            if (strcmp(l->names[i], name) == 0) {
                return -EINVAL;
            }
        }
        l->names[l->n] = name;
        l->values[l->n] = value;
        l->n++;
    }
    return 0;
}

static char **
strv_dup(const char *const *v, size_t n)
{
    char **out = calloc(n > 0 ? n : 1, sizeof(*out));

    if (out == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = strdup(v[i]);
        if (out[i] == NULL) {
            strv_free(out, i);
            return NULL;
        }
    }
    return out;
}

static bool
family_matches(const struct family *f, enum metric_type type,
               const struct labels *l, const double *bounds, size_t n_bounds)
{
    if (f->type != type || f->n_labels != l->n) {
        return false;
    }
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(f->labels[i], l->names[i]) != 0) {
            return false;
        }
    }
    if (type == METRIC_HISTOGRAM) {
        if (f->n_bounds != n_bounds) {
            return false;
        }
        for (size_t i = 0; i < n_bounds; i++) {
            if (f->bounds[i] != bounds[i]) {
                return false;
            }
        }
    }
    return true;
}

static struct family *
family_new(const char *name, const char *help, enum metric_type type,
           const struct labels *l, const double *bounds, size_t n_bounds)
{
    struct family *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return NULL;
    }
    f->type = type;
    f->n_labels = l->n;
    f->name = strdup(name);
    f->help = strdup(help != NULL ? help : "");
    f->labels = strv_dup(l->names, l->n);
    if (type == METRIC_HISTOGRAM) {
        f->n_bounds = n_bounds;
        f->bounds = malloc((n_bounds > 0 ? n_bounds : 1) * sizeof(double));
        if (f->bounds != NULL) {
            memcpy(f->bounds, bounds, n_bounds * sizeof(double));
        }
    }
    if (f->name == NULL || f->help == NULL || f->labels == NULL ||
        (type == METRIC_HISTOGRAM && f->bounds == NULL)) {
        family_free(f);
        return NULL;
    }
    return f;
}

static struct util_metric *
series_new(struct family *f, const struct labels *l)
{
    struct util_metric *m = calloc(1, sizeof(*m));

    if (m == NULL) {
        return NULL;
    }
    m->fam = f;
    m->values = strv_dup(l->values, l->n);
    atomic_init(&m->bits, to_bits(0.0));
    if (f->type == METRIC_HISTOGRAM) {
        m->buckets = calloc(f->n_bounds + 1, sizeof(*m->buckets));
        for (size_t i = 0; m->buckets != NULL && i <= f->n_bounds; i++) {
            atomic_init(&m->buckets[i], 0);
        }
    }
    if (m->values == NULL ||
        (f->type == METRIC_HISTOGRAM && m->buckets == NULL)) {
        series_free(m, l->n);
        return NULL;
    }
    return m;
}

static struct util_metric *
series_find(struct family *f, const struct labels *l)
{
    for (struct util_metric *m = f->series; m != NULL; m = m->next) {
        size_t i;

        for (i = 0; i < l->n; i++) {
            if (strcmp(m->values[i], l->values[i]) != 0) {
                break;
            }
        }
        if (i == l->n) {
            return m;
        }
    }
    return NULL;
}

static int
bounds_check(const double *bounds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
            return -EINVAL;
        }
    }
    return 0;
}

/* Finds or creates family and series; called with the registry unlocked. */
static int
get_series(struct util_metrics *reg, struct util_metric **out,
           const char *name, const char *help, enum metric_type type,
           const double *bounds, size_t n_bounds, va_list ap)
{
    struct util_metric *m;
    struct family *f;
    struct labels l;
    int rc;

    if (reg == NULL || out == NULL || !is_name(name, true)) {
        return -EINVAL;
    }
    rc = labels_collect(&l, type == METRIC_HISTOGRAM, ap);
    if (rc == 0 && type == METRIC_HISTOGRAM) {
        rc = bounds_check(bounds, n_bounds);
    }
    if (rc != 0) {
        return rc;
    }

    pthread_mutex_lock(&reg->lock);
    for (f = reg->families; f != NULL; f = f->next) {
        if (strcmp(f->name, name) == 0) {
            break;
        }
    }
    if (f != NULL && !family_matches(f, type, &l, bounds, n_bounds)) {
        rc = -EEXIST;
        goto out;
    }
    if (f == NULL) {
        f = family_new(name, help, type, &l, bounds, n_bounds);
        if (f == NULL) {
            rc = -ENOMEM;
            goto out;
        }
        f->next = reg->families;
        reg->families = f;
    }
    m = series_find(f, &l);
    if (m == NULL) {
        m = series_new(f, &l);
        if (m == NULL) {
            rc = -ENOMEM;
            goto out;
        }
        m->next = f->series;
        f->series = m;
    }
    *out = m;

out:
    pthread_mutex_unlock(&reg->lock);
    return rc;
}

int
util_metrics_counter(struct util_metrics *reg, struct util_metric **out,
                     const char *name, const char *help, ...)
{
    va_list ap;
    int rc;

    va_start(ap, help);
    rc = get_series(reg, out, name, help, METRIC_COUNTER, NULL, 0, ap);
    va_end(ap);
    return rc;
}

int
util_metrics_gauge(struct util_metrics *reg, struct util_metric **out,
                   const char *name, const char *help, ...)
{
    va_list ap;
    int rc;

    va_start(ap, help);
    rc = get_series(reg, out, name, help, METRIC_GAUGE, NULL, 0, ap);
    va_end(ap);
    return rc;
}

int
util_metrics_histogram(struct util_metrics *reg, struct util_metric **out,
                       const char *name, const char *help,
                       const double *bounds, size_t n_bounds, ...)
{
    va_list ap;
    int rc;

    if (bounds == NULL) {
        bounds = util_metrics_latency_bounds;
        n_bounds = util_metrics_latency_bounds_count;
    }
    va_start(ap, n_bounds);
    rc = get_series(reg, out, name, help, METRIC_HISTOGRAM, bounds, n_bounds,
                    ap);
    va_end(ap);
    return rc;
}

void
util_metrics_inc(struct util_metric *m)
{
    util_metrics_add(m, 1.0);
}

void
util_metrics_add(struct util_metric *m, double v)
{
    if (m == NULL || m->fam->type == METRIC_HISTOGRAM) {
        return;
    }
    if (m->fam->type == METRIC_COUNTER && !(v >= 0)) {
        return;
    }
    atomic_add_double(&m->bits, v);
}

void
util_metrics_set(struct util_metric *m, double v)
{
    if (m == NULL || m->fam->type != METRIC_GAUGE) {
        return;
    }
    atomic_store_explicit(&m->bits, to_bits(v), memory_order_relaxed);
}

void
util_metrics_observe(struct util_metric *m, double v)
{
    size_t i;

    if (m == NULL || m->fam->type != METRIC_HISTOGRAM || isnan(v)) {
        return;
    }
    for (i = 0; i < m->fam->n_bounds && v > m->fam->bounds[i]; i++) {
    }
    atomic_fetch_add_explicit(&m->buckets[i], 1, memory_order_relaxed);
    atomic_add_double(&m->bits, v);
}

static uint64_t
histogram_count(const struct util_metric *m)
{
    uint64_t n = 0;

    for (size_t i = 0; i <= m->fam->n_bounds; i++) {
        n += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
    }
    return n;
}

double
util_metrics_value(const struct util_metric *m)
{
    if (m == NULL) {
        return 0;
    }
    if (m->fam->type == METRIC_HISTOGRAM) {
        return (double)histogram_count(m);
    }
    return from_bits(atomic_load_explicit(&m->bits, memory_order_relaxed));
}

/* ---- rendering --------------------------------------------------------- */

static void
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->failed) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap > 0 ? b->cap : 4096;
        char *nb;

        while (b->len + n + 1 > cap) {
            cap *= 2;
        }
        nb = realloc(b->buf, cap);
        if (nb == NULL) {
            b->failed = true;
            return;
        }
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void
sbuf_str(struct sbuf *b, const char *s)
{
    sbuf_add(b, s, strlen(s));
}

/* Appends @s escaped: backslash and newline always, '"' when @quote. */
static void
sbuf_escaped(struct sbuf *b, const char *s, bool quote)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\') {
            sbuf_str(b, "\\\\");
        } else if (*s == '\n') {
            sbuf_str(b, "\\n");
        } else if (quote && *s == '"') {
            sbuf_str(b, "\\\"");
        } else {
            sbuf_add(b, s, 1);
        }
    }
}

/* Shortest text that reads back as @v; Prometheus spellings for NaN, Inf. */
static void
format_value(double v, char *buf, size_t len)
{
    if (isnan(v)) {
        snprintf(buf, len, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, len, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) {
            return;
        }
    }
}

/* Renders {a="x",b="y"} (with @extra_name=@extra_value last), or "". */
static char *
label_text(const struct util_metric *m, const char *extra_name,
           const char *extra_value)
{
    const struct family *f = m->fam;
    struct sbuf b = { 0 };

    sbuf_str(&b, "");
    if (f->n_labels == 0 && extra_name == NULL) {
        return b.failed ? NULL : b.buf;
    }
    sbuf_str(&b, "{");
    for (size_t i = 0; i < f->n_labels; i++) {
        sbuf_str(&b, i > 0 ? "," : "");
        sbuf_str(&b, f->labels[i]);
        sbuf_str(&b, "=\"");
        sbuf_escaped(&b, m->values[i], true);
        sbuf_str(&b, "\"");
    }
    if (extra_name != NULL) {
        sbuf_str(&b, f->n_labels > 0 ? "," : "");
        sbuf_str(&b, extra_name);
        sbuf_str(&b, "=\"");
        sbuf_str(&b, extra_value);
        sbuf_str(&b, "\"");
    }
    sbuf_str(&b, "}");
    if (b.failed) {
        free(b.buf);
        return NULL;
    }
    return b.buf;
}

static void
render_line(struct sbuf *b, const char *name, const char *suffix,
            const char *labels, double v)
{
    char num[40];

    format_value(v, num, sizeof(num));
    sbuf_str(b, name);
    sbuf_str(b, suffix);
    sbuf_str(b, labels);
    sbuf_str(b, " ");
    sbuf_str(b, num);
    sbuf_str(b, "\n");
}

static void
render_histogram(struct sbuf *b, const struct util_metric *m,
                 const char *labels)
{
    const struct family *f = m->fam;
    uint64_t cumulative = 0;
    char le[40];

    for (size_t i = 0; i <= f->n_bounds; i++) {
        char *text;

        cumulative +=
            atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
        if (i < f->n_bounds) {
            format_value(f->bounds[i], le, sizeof(le));
        } else {
            snprintf(le, sizeof(le), "+Inf");
        }
        text = label_text(m, "le", le);
        if (text == NULL) {
            b->failed = true;
            return;
        }
        render_line(b, f->name, "_bucket", text, (double)cumulative);
        free(text);
    }
    render_line(b, f->name, "_sum", labels,
                from_bits(atomic_load_explicit(&m->bits,
                                               memory_order_relaxed)));
    render_line(b, f->name, "_count", labels, (double)cumulative);
}

struct keyed {
    char *key;
    const void *item;
};

static int
keyed_cmp(const void *a, const void *b)
{
    return strcmp(((const struct keyed *)a)->key,
                  ((const struct keyed *)b)->key);
}

static void
render_family(struct sbuf *b, const struct family *f)
{
    struct keyed *rows = NULL;
    size_t n = 0, i;

    sbuf_str(b, "# HELP ");
    sbuf_str(b, f->name);
    sbuf_str(b, " ");
    sbuf_escaped(b, f->help, false);
    sbuf_str(b, "\n# TYPE ");
    sbuf_str(b, f->name);
    sbuf_str(b, " ");
    sbuf_str(b, type_names[f->type]);
    sbuf_str(b, "\n");

    for (const struct util_metric *m = f->series; m != NULL; m = m->next) {
        n++;
    }
    rows = calloc(n > 0 ? n : 1, sizeof(*rows));
    if (rows == NULL) {
        b->failed = true;
        return;
    }
    i = 0;
    for (const struct util_metric *m = f->series; m != NULL; m = m->next) {
        rows[i].item = m;
        rows[i].key = label_text(m, NULL, NULL);
        if (rows[i++].key == NULL) {
            b->failed = true;
            goto out;
        }
    }
    qsort(rows, n, sizeof(*rows), keyed_cmp);
    for (i = 0; i < n; i++) {
        const struct util_metric *m = rows[i].item;

        if (f->type == METRIC_HISTOGRAM) {
            render_histogram(b, m, rows[i].key);
        } else {
            render_line(b, f->name, "", rows[i].key, util_metrics_value(m));
        }
    }

out:
    for (i = 0; i < n; i++) {
        free(rows[i].key);
    }
    free(rows);
}

int
util_metrics_render(struct util_metrics *reg, char **out, size_t *len)
{
    struct keyed *fams = NULL;
    struct sbuf b = { 0 };
    struct family *f;
    size_t n = 0, i;
    int rc = 0;

    sbuf_str(&b, "");
    pthread_mutex_lock(&reg->lock);
    for (f = reg->families; f != NULL; f = f->next) {
        n++;
    }
    fams = calloc(n > 0 ? n : 1, sizeof(*fams));
    if (fams == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (f = reg->families, i = 0; f != NULL; f = f->next, i++) {
        fams[i].key = f->name;
        fams[i].item = f;
    }
    qsort(fams, n, sizeof(*fams), keyed_cmp);
    for (i = 0; i < n; i++) {
        render_family(&b, fams[i].item);
    }
    if (b.failed) {
        rc = -ENOMEM;
    }

out:
    pthread_mutex_unlock(&reg->lock);
    free(fams);
    if (rc != 0) {
        free(b.buf);
        return rc;
    }
    *out = b.buf;
    if (len != NULL) {
        *len = b.len;
    }
    return 0;
}
