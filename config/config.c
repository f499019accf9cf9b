/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration file: libyaml's document loader builds a node tree
 * with line marks, and one function per section walks it against the
 * schema. Every error is written once, as "FILE:LINE: KEY: reason".
 */
#include "config/config.h"

#include "util/http.h"
#include "util/time.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The actors flotilla knows; add a new actor here and bump CFG_ACTOR_COUNT. */
static const char *const actor_names[CFG_ACTOR_COUNT] = {
    "application-failover", "cluster",  "cluster-status", "executor",
    "graceful-eviction",    "policy",   "scheduler",      "taint-manager",
};

/* Indexed by enum cfg_failover_mode. */
static const char *const failover_modes[] = { "Disabled", "Observe", "Evict",
                                              NULL };

#define PARTITIONS_MAX 1024
#define COUNT_MAX      1000000u

enum setting_kind { SK_DURATION, SK_RATE, SK_COUNT, SK_SHARE };

enum setting_id {
    S_PROBE_PERIOD,
    S_PROBE_TIMEOUT,
    S_FAILURE_THRESHOLD,
    S_SUCCESS_THRESHOLD,
    S_HEARTBEAT_PERIOD,
    S_HEARTBEAT_GRACE,
    S_STATUS_PERIOD,
    S_EVICTION_RATE,
    S_EVICTION_BURST,
    S_MASS_OUTAGE_SHARE,
    S_MASS_OUTAGE_MIN_CLUSTERS,
    S_GRACE_PERIOD,
    S_DEAD_AFTER,
    S_COUNT,
};

static const struct {
    const char *key;
    enum setting_kind kind;
    size_t off;
} settings_keys[S_COUNT] = {
    [S_PROBE_PERIOD] = { "probePeriod", SK_DURATION,
                         offsetof(struct cfg_settings, probe_period_ns) },
    [S_PROBE_TIMEOUT] = { "probeTimeout", SK_DURATION,
                          offsetof(struct cfg_settings, probe_timeout_ns) },
    [S_FAILURE_THRESHOLD] = { "failureThreshold", SK_DURATION,
                              offsetof(struct cfg_settings,
                                       failure_threshold_ns) },
    [S_SUCCESS_THRESHOLD] = { "successThreshold", SK_DURATION,
                              offsetof(struct cfg_settings,
                                       success_threshold_ns) },
    [S_HEARTBEAT_PERIOD] = { "heartbeatPeriod", SK_DURATION,
                             offsetof(struct cfg_settings,
                                      heartbeat_period_ns) },
    [S_HEARTBEAT_GRACE] = { "heartbeatGrace", SK_DURATION,
                            offsetof(struct cfg_settings,
                                     heartbeat_grace_ns) },
    [S_STATUS_PERIOD] = { "statusPeriod", SK_DURATION,
                          offsetof(struct cfg_settings, status_period_ns) },
    [S_EVICTION_RATE] = { "evictionRate", SK_RATE,
                          offsetof(struct cfg_settings,
                                   eviction_rate_per_s) },
    [S_EVICTION_BURST] = { "evictionBurst", SK_COUNT,
                           offsetof(struct cfg_settings, eviction_burst) },
    [S_MASS_OUTAGE_SHARE] = { "massOutageShare", SK_SHARE,
                              offsetof(struct cfg_settings,
                                       mass_outage_share) },
    [S_MASS_OUTAGE_MIN_CLUSTERS] = { "massOutageMinClusters", SK_COUNT,
                                     offsetof(struct cfg_settings,
                                              mass_outage_min_clusters) },
    [S_GRACE_PERIOD] = { "gracePeriod", SK_DURATION,
                         offsetof(struct cfg_settings, grace_period_ns) },
    [S_DEAD_AFTER] = { "deadAfter", SK_DURATION,
                       offsetof(struct cfg_settings, dead_after_ns) },
};

/* One walk over one document. */
struct ctx {
    const char *file;
    char *base_dir;             /* absolute, for relative paths */
    yaml_document_t *doc;
    char *err;
    size_t errlen;
    int settings_line[S_COUNT]; /* 1-based line of each key; 0 = default */
    int settings_map_line;
    int mode_line;
};

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int
node_line(const yaml_node_t *n)
{
    return n != NULL ? (int)n->start_mark.line + 1 : 0;
}

/* Writes "FILE:LINE: PATH: reason" (or "FILE: PATH: ..." without a line). */
static int
fail_at(struct ctx *c, int line, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail_at(struct ctx *c, int line, const char *path, const char *fmt, ...)
{
    char msg[CFG_ERR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (line > 0) {
        set_err(c->err, c->errlen, "%s:%d: %s: %s", c->file, line, path, msg);
    } else {
        set_err(c->err, c->errlen, "%s: %s: %s", c->file, path, msg);
    }
    return -EINVAL;
}

static const char *
scalar(const yaml_node_t *n)
{
    if (n == NULL || n->type != YAML_SCALAR_NODE) {
        return NULL;
    }
    return (const char *)n->data.scalar.value;
}

/* A plain empty scalar, "~" or "null": the key is there without a value. */
static bool
is_null(const yaml_node_t *n)
{
    const char *v = scalar(n);

    if (v == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        return false;
    }
    return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0;
}

static const char *
kind_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    default:
        return "a scalar";
    }
}

static bool
in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strcmp(s, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

static void
join_list(const char *const *list, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; list[i] != NULL && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i > 0 ? ", " : "",
                         list[i]);
        if (n < 0) {
            break;
        }
        used += (size_t)n;
    }
}

/*
 * Checks that @map is a mapping whose keys are scalars from @known, each at
 * most once. A null node counts as an empty mapping.
 */
static int
map_check(struct ctx *c, yaml_node_t *map, const char *path,
          const char *const *known)
{
    yaml_node_pair_t *p, *q;
    char list[CFG_ERR_MAX / 2];

    if (is_null(map)) {
        return 0;
    }
    if (map->type != YAML_MAPPING_NODE) {
        return fail_at(c, node_line(map), path, "expected a mapping, not %s",
                       kind_name(map));
    }
    for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        const char *name = scalar(k);

        if (name == NULL) {
            return fail_at(c, node_line(k), path, "keys must be scalars");
        }
        if (!in_list(name, known)) {
            join_list(known, list, sizeof(list));
            return fail_at(c, node_line(k), path,
                           "unknown key \"%s\" (known: %s)", name, list);
        }
        for (q = map->data.mapping.pairs.start; q < p; q++) {
            const char *prev = scalar(yaml_document_get_node(c->doc, q->key));

            if (prev != NULL && strcmp(prev, name) == 0) {
                return fail_at(c, node_line(k), path,
                               "key \"%s\" given twice", name);
            }
        }
    }
    return 0;
}

/* Returns the value of @key in the (checked) mapping @map, or NULL. */
static yaml_node_t *
map_get(struct ctx *c, yaml_node_t *map, const char *key)
{
    yaml_node_pair_t *p;

    if (map == NULL || map->type != YAML_MAPPING_NODE) {
        return NULL;
    }
    for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *name = scalar(yaml_document_get_node(c->doc, p->key));

        if (name != NULL && strcmp(name, key) == 0) {
            return yaml_document_get_node(c->doc, p->value);
        }
    }
    return NULL;
}

static int
get_text(struct ctx *c, yaml_node_t *n, const char *path, const char **out)
{
    const char *v = scalar(n);

    if (v == NULL) {
        return fail_at(c, node_line(n), path, "expected a scalar, not %s",
                       kind_name(n));
    }
    if (is_null(n) || *v == '\0') {
        return fail_at(c, node_line(n), path, "needs a value");
    }
    *out = v;
    return 0;
}

static int
replace_str(char **dst, const char *v)
{
    char *copy = strdup(v);

    if (copy == NULL) {
        return -ENOMEM;
    }
    free(*dst);
    *dst = copy;
    return 0;
}

static int
get_string(struct ctx *c, yaml_node_t *n, const char *path, char **dst)
{
    const char *v;
    int rc;

    rc = get_text(c, n, path, &v);
    if (rc == 0) {
        rc = replace_str(dst, v);
    }
    return rc;
}

/* Makes @p absolute against the context's base directory. */
static char *
resolve_path(const char *base, const char *p)
{
    size_t len;
    char *out;

    if (p[0] == '/') {
        return strdup(p);
    }
    len = strlen(base) + strlen(p) + 2;
    out = malloc(len);
    if (out != NULL) {
        snprintf(out, len, "%s/%s", base, p);
    }
    return out;
}

/* A path to a file that must exist and be readable now. */
static int
get_file(struct ctx *c, yaml_node_t *n, const char *path, char **dst)
{
    const char *v;
    char *abs;
    int rc;

    rc = get_text(c, n, path, &v);
    if (rc != 0) {
        return rc;
    }
    abs = resolve_path(c->base_dir, v);
    if (abs == NULL) {
        return -ENOMEM;
    }
    if (access(abs, R_OK) != 0) {
        rc = fail_at(c, node_line(n), path, "cannot read \"%s\": %s", abs,
                     strerror(errno));
        free(abs);
        return rc;
    }
    free(*dst);
    *dst = abs;
    return 0;
}

static int
get_int(struct ctx *c, yaml_node_t *n, const char *path, long min, long max,
        long *out)
{
    const char *v;
    char *end;
    long x;
    int rc;

    rc = get_text(c, n, path, &v);
    if (rc != 0) {
        return rc;
    }
    errno = 0;
    x = strtol(v, &end, 10);
    if (*end != '\0' || errno != 0) {
        return fail_at(c, node_line(n), path, "\"%s\" is not a whole number",
                       v);
    }
    if (x < min || x > max) {
        return fail_at(c, node_line(n), path, "%ld is not in %ld..%ld", x,
                       min, max);
    }
    *out = x;
    return 0;
}

static int
get_duration(struct ctx *c, yaml_node_t *n, const char *path, int64_t *out)
{
    const char *v;
    int rc;

    rc = get_text(c, n, path, &v);
    if (rc != 0) {
        return rc;
    }
    rc = util_duration_parse(v, out);
    if (rc == -ERANGE) {
        return fail_at(c, node_line(n), path, "\"%s\" is too long", v);
    }
    if (rc != 0) {
        return fail_at(c, node_line(n), path,
                       "\"%s\" is not a duration (write e.g. 500ms, 30s, "
                       "1h30m)",
                       v);
    }
    return 0;
}

/* One of the NULL-terminated @names; *out is its index. */
static int
get_enum(struct ctx *c, yaml_node_t *n, const char *path,
         const char *const *names, int *out)
{
    char list[CFG_ERR_MAX / 2];
    const char *v;
    int rc;

    rc = get_text(c, n, path, &v);
    if (rc != 0) {
        return rc;
    }
    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    join_list(names, list, sizeof(list));
    return fail_at(c, node_line(n), path, "\"%s\" is not one of %s", v, list);
}

/* ---- settings ---------------------------------------------------------- */

void
cfg_settings_init(struct cfg_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->probe_period_ns = 10 * NS_PER_S;
    s->probe_timeout_ns = 5 * NS_PER_S;
    s->failure_threshold_ns = 30 * NS_PER_S;
    s->success_threshold_ns = 30 * NS_PER_S;
    s->heartbeat_period_ns = 10 * NS_PER_S;
    s->heartbeat_grace_ns = 40 * NS_PER_S;
    s->status_period_ns = 5 * NS_PER_S;
    s->eviction_rate_per_s = 10.0;
    s->eviction_burst = 100;
    s->mass_outage_share = 0.55;
    s->mass_outage_min_clusters = 4;
    s->grace_period_ns = 600 * NS_PER_S;
    s->dead_after_ns = 600 * NS_PER_S;
}

static int
setting_find(const char *key)
{
    for (int i = 0; i < S_COUNT; i++) {
        if (strcmp(settings_keys[i].key, key) == 0) {
            return i;
        }
    }
    return -1;
}

/* "10/s", "30/m", "600/h", "2.5" (per second) or "unlimited". */
static int
parse_rate(const char *v, double *out, char *why, size_t whylen)
{
    double x, per = 1.0;
    char *end;

    if (strcmp(v, "unlimited") == 0) {
        *out = INFINITY;
        return 0;
    }
    errno = 0;
    x = strtod(v, &end);
    if (end == v || errno != 0 || !isfinite(x)) {
        goto bad;
    }
    if (strcmp(end, "/m") == 0) {
        per = 60.0;
    } else if (strcmp(end, "/h") == 0) {
        per = 3600.0;
    } else if (*end != '\0' && strcmp(end, "/s") != 0) {
        goto bad;
    }
    if (x < 0) {
        goto bad;
    }
    if (x == 0) {
        set_err(why, whylen,
                "\"%s\" would stop every eviction; set failover.mode to "
                "Disabled or Observe instead",
                v);
        return -EINVAL;
    }
    *out = x / per;
    return 0;

bad:
    set_err(why, whylen,
            "\"%s\" is not a rate (write e.g. \"10/s\", \"30/m\" or "
            "\"unlimited\")",
            v);
    return -EINVAL;
}

/* "55%" or a fraction such as 0.55. */
static int
parse_share(const char *v, double *out, char *why, size_t whylen)
{
    char *end;
    double x;

    errno = 0;
    x = strtod(v, &end);
    if (end == v || errno != 0 || !isfinite(x)) {
        set_err(why, whylen, "\"%s\" is not a share (write e.g. \"55%%\")",
                v);
        return -EINVAL;
    }
    if (strcmp(end, "%") == 0) {
        if (x < 0 || x > 100) {
            set_err(why, whylen, "\"%s\" is not within 0%%..100%%", v);
            return -EINVAL;
        }
        x /= 100.0;
    } else if (*end != '\0') {
        set_err(why, whylen, "\"%s\" is not a share (write e.g. \"55%%\")",
                v);
        return -EINVAL;
    } else if (x < 0 || x > 1) {
        set_err(why, whylen,
                "\"%s\" is not within 0..1 (write a percentage as "
                "\"%s%%\")",
                v, v);
        return -EINVAL;
    }
    *out = x;
    return 0;
}

static int
parse_count(const char *v, uint32_t *out, char *why, size_t whylen)
{
    unsigned long x;
    char *end;

    errno = 0;
    x = strtoul(v, &end, 10);
    if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0) {
        set_err(why, whylen, "\"%s\" is not a whole number", v);
        return -EINVAL;
    }
    if (x > COUNT_MAX) {
        set_err(why, whylen, "%s is more than %u", v, COUNT_MAX);
        return -EINVAL;
    }
    *out = (uint32_t)x;
    return 0;
}

/* Sets setting @id from @v; on error @why holds the reason without key. */
static int
setting_set(struct cfg_settings *s, int id, const char *v, char *why,
            size_t whylen)
{
    char *dst = (char *)s + settings_keys[id].off;
    int64_t ns;
    double d;
    uint32_t n;
    int rc;

    switch (settings_keys[id].kind) {
    case SK_DURATION:
        rc = util_duration_parse(v, &ns);
        if (rc == -ERANGE) {
            set_err(why, whylen, "\"%s\" is too long", v);
        } else if (rc != 0) {
            set_err(why, whylen,
                    "\"%s\" is not a duration (write e.g. 500ms, 30s, "
                    "1h30m)",
                    v);
        } else {
            memcpy(dst, &ns, sizeof(ns));
        }
        return rc != 0 ? -EINVAL : 0;
    case SK_RATE:
        rc = parse_rate(v, &d, why, whylen);
        break;
    case SK_SHARE:
        rc = parse_share(v, &d, why, whylen);
        break;
    default:
        rc = parse_count(v, &n, why, whylen);
        if (rc == 0) {
            memcpy(dst, &n, sizeof(n));
        }
        return rc;
    }
    if (rc == 0) {
        memcpy(dst, &d, sizeof(d));
    }
    return rc;
}

int
cfg_settings_apply(struct cfg_settings *s, const char *key, const char *value,
                   char *err, size_t errlen)
{
    char why[CFG_ERR_MAX];
    int id;

    id = setting_find(key);
    if (id < 0) {
        set_err(err, errlen, "settings.%s: unknown key", key);
        return -EINVAL;
    }
    if (value == NULL || *value == '\0') {
        set_err(err, errlen, "settings.%s: needs a value", key);
        return -EINVAL;
    }
    if (setting_set(s, id, value, why, sizeof(why)) != 0) {
        set_err(err, errlen, "settings.%s: %s", key, why);
        return -EINVAL;
    }
    return 0;
}

static void
fmt_dur(int64_t ns, char *buf, size_t len)
{
    util_duration_format(ns, buf, len);
}

/*
 * Checks the relations between keys. On failure *a names the key the
 * message is about and *b the other key involved (or -1), and @why holds
 * "reason" written from *a's point of view; the caller may swap the blame
 * with check_blame().
 */
static int
settings_check(const struct cfg_settings *s, int *a, int *b, char *why,
               size_t len)
{
    static const struct {
        int shorter, longer;
    } lt[] = {
        { S_PROBE_TIMEOUT, S_PROBE_PERIOD },
        { S_HEARTBEAT_PERIOD, S_HEARTBEAT_GRACE },
    };
    static const int positive[] = { S_PROBE_PERIOD, S_PROBE_TIMEOUT,
                                    S_HEARTBEAT_PERIOD, S_STATUS_PERIOD,
                                    S_DEAD_AFTER };
    char x[32], y[32];

    for (size_t i = 0; i < sizeof(positive) / sizeof(positive[0]); i++) {
        int64_t v;

        memcpy(&v, (const char *)s + settings_keys[positive[i]].off,
               sizeof(v));
        if (v <= 0) {
            *a = positive[i];
            *b = -1;
            set_err(why, len, "must be longer than 0s");
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < sizeof(lt) / sizeof(lt[0]); i++) {
        int64_t sv, lv;

        memcpy(&sv, (const char *)s + settings_keys[lt[i].shorter].off,
               sizeof(sv));
        memcpy(&lv, (const char *)s + settings_keys[lt[i].longer].off,
               sizeof(lv));
        if (sv >= lv) {
            *a = lt[i].shorter;
            *b = lt[i].longer;
            fmt_dur(sv, x, sizeof(x));
            fmt_dur(lv, y, sizeof(y));
            set_err(why, len, "%s must be shorter than settings.%s (%s)", x,
                    settings_keys[*b].key, y);
            return -EINVAL;
        }
    }
    return 0;
}

int
cfg_settings_validate(const struct cfg_settings *s, char *err, size_t errlen)
{
    char why[CFG_ERR_MAX];
    int a = -1, b = -1;

    if (settings_check(s, &a, &b, why, sizeof(why)) != 0) {
        set_err(err, errlen, "settings.%s: %s", settings_keys[a].key, why);
        return -EINVAL;
    }
    return 0;
}

/*
 * Reports a failed relation at the line of the key the user wrote: of the
 * two keys involved, the one given later in the file (a default has no line).
 */
static int
settings_fail(struct ctx *c, const struct cfg_settings *s, int a, int b,
              const char *why)
{
    char path[64], x[32], y[32];
    int64_t av, bv;

    if (b >= 0 && c->settings_line[b] > c->settings_line[a]) {
        memcpy(&av, (const char *)s + settings_keys[a].off, sizeof(av));
        memcpy(&bv, (const char *)s + settings_keys[b].off, sizeof(bv));
        fmt_dur(av, x, sizeof(x));
        fmt_dur(bv, y, sizeof(y));
        snprintf(path, sizeof(path), "settings.%s", settings_keys[b].key);
        return fail_at(c, c->settings_line[b], path,
                       "%s must be longer than settings.%s (%s)", y,
                       settings_keys[a].key, x);
    }
    snprintf(path, sizeof(path), "settings.%s", settings_keys[a].key);
    return fail_at(c, c->settings_line[a] > 0 ? c->settings_line[a]
                                              : c->settings_map_line,
                   path, "%s", why);
}

/* Applies the keys of @map (not validated as a whole). */
static int
settings_walk(struct ctx *c, struct cfg_settings *s, yaml_node_t *map)
{
    const char *known[S_COUNT + 1];
    char why[CFG_ERR_MAX], path[64];
    int rc;

    for (int i = 0; i < S_COUNT; i++) {
        known[i] = settings_keys[i].key;
    }
    known[S_COUNT] = NULL;
    c->settings_map_line = node_line(map);
    rc = map_check(c, map, "settings", known);
    if (rc != 0) {
        return rc;
    }
    for (int i = 0; i < S_COUNT; i++) {
        yaml_node_t *v = map_get(c, map, settings_keys[i].key);
        const char *text;

        if (v == NULL) {
            continue;
        }
        snprintf(path, sizeof(path), "settings.%s", settings_keys[i].key);
        rc = get_text(c, v, path, &text);
        if (rc != 0) {
            return rc;
        }
        if (setting_set(s, i, text, why, sizeof(why)) != 0) {
            return fail_at(c, node_line(v), path, "%s", why);
        }
        c->settings_line[i] = node_line(v);
    }
    return 0;
}

static int
settings_finish(struct ctx *c, const struct cfg_settings *s)
{
    char why[CFG_ERR_MAX];
    int a = -1, b = -1;

    if (settings_check(s, &a, &b, why, sizeof(why)) != 0) {
        return settings_fail(c, s, a, b, why);
    }
    return 0;
}

int
cfg_settings_from_yaml_node(struct cfg_settings *s, yaml_document_t *doc,
                            yaml_node_t *node, const char *file, char *err,
                            size_t errlen)
{
    struct ctx c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.file = file != NULL ? file : "<settings>";
    c.doc = doc;
    c.err = err;
    c.errlen = errlen;
    rc = settings_walk(&c, s, node);
    if (rc == 0) {
        rc = settings_finish(&c, s);
    }
    return rc;
}

/* ---- nats, daemon ------------------------------------------------------ */

static void
strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

static int
check_url(struct ctx *c, yaml_node_t *n, const char *path, const char *url)
{
    if ((strncmp(url, "nats://", 7) != 0 || url[7] == '\0') &&
        (strncmp(url, "tls://", 6) != 0 || url[6] == '\0')) {
        return fail_at(c, node_line(n), path,
                       "\"%s\" is not a nats:// or tls:// URL", url);
    }
    return 0;
}

static int
nats_urls(struct ctx *c, struct cfg_nats *nc, yaml_node_t *n)
{
    yaml_node_item_t *it;
    char path[48];
    char **urls = NULL;
    size_t count = 0;
    const char *v;
    int rc = 0;

    if (n->type == YAML_SCALAR_NODE) {
        rc = get_text(c, n, "nats.urls", &v);
        if (rc == 0) {
            rc = check_url(c, n, "nats.urls", v);
        }
        if (rc != 0) {
            return rc;
        }
        urls = calloc(1, sizeof(*urls));
        if (urls == NULL || (urls[0] = strdup(v)) == NULL) {
            free(urls);
            return -ENOMEM;
        }
        count = 1;
        goto out;
    }
    if (n->type != YAML_SEQUENCE_NODE ||
        n->data.sequence.items.top == n->data.sequence.items.start) {
        return fail_at(c, node_line(n), "nats.urls",
                       "expected a URL or a non-empty list of URLs");
    }
    urls = calloc((size_t)(n->data.sequence.items.top -
                           n->data.sequence.items.start),
                  sizeof(*urls));
    if (urls == NULL) {
        return -ENOMEM;
    }
    for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *u = yaml_document_get_node(c->doc, *it);

        snprintf(path, sizeof(path), "nats.urls[%zu]", count);
        rc = get_text(c, u, path, &v);
        if (rc == 0) {
            rc = check_url(c, u, path, v);
        }
        if (rc != 0) {
            strv_free(urls, count);
            return rc;
        }
        urls[count] = strdup(v);
        if (urls[count] == NULL) {
            strv_free(urls, count);
            return -ENOMEM;
        }
        count++;
    }

out:
    strv_free(nc->urls, nc->n_urls);
    nc->urls = urls;
    nc->n_urls = count;
    return rc;
}

static int
tls_walk(struct ctx *c, struct cfg_tls *t, yaml_node_t *map, const char *path)
{
    static const char *const known[] = { "caFile", "certFile", "keyFile",
                                         NULL };
    char **dst[] = { &t->ca_file, &t->cert_file, &t->key_file };
    yaml_node_t *cert, *key;
    char sub[64];
    int rc;

    rc = map_check(c, map, path, known);
    for (int i = 0; rc == 0 && known[i] != NULL; i++) {
        yaml_node_t *v = map_get(c, map, known[i]);

        if (v != NULL) {
            snprintf(sub, sizeof(sub), "%s.%s", path, known[i]);
            rc = get_file(c, v, sub, dst[i]);
        }
    }
    if (rc != 0) {
        return rc;
    }
    cert = map_get(c, map, "certFile");
    key = map_get(c, map, "keyFile");
    if ((cert == NULL) != (key == NULL)) {
        snprintf(sub, sizeof(sub), "%s.%s", path,
                 cert != NULL ? "certFile" : "keyFile");
        return fail_at(c, node_line(cert != NULL ? cert : key), sub,
                       "certFile and keyFile go together");
    }
    return 0;
}

static int
nats_walk(struct ctx *c, struct cfg_nats *nc, yaml_node_t *map)
{
    static const char *const known[] = {
        "urls", "name", "user", "password", "nkeySeedFile", "tls",
        "reconnectWait", "maxReconnects", NULL,
    };
    yaml_node_t *v, *user, *pass, *seed;
    long x = 0;
    int rc;

    rc = map_check(c, map, "nats", known);
    if (rc == 0 && (v = map_get(c, map, "urls")) != NULL) {
        rc = nats_urls(c, nc, v);
    }
    if (rc == 0 && (v = map_get(c, map, "name")) != NULL) {
        rc = get_string(c, v, "nats.name", &nc->name);
    }
    user = map_get(c, map, "user");
    pass = map_get(c, map, "password");
    seed = map_get(c, map, "nkeySeedFile");
    if (rc == 0 && user != NULL) {
        rc = get_string(c, user, "nats.user", &nc->user);
    }
    if (rc == 0 && pass != NULL) {
        rc = get_string(c, pass, "nats.password", &nc->password);
    }
    if (rc == 0 && seed != NULL) {
        rc = get_file(c, seed, "nats.nkeySeedFile", &nc->nkey_seed_file);
    }
    if (rc == 0 && (v = map_get(c, map, "tls")) != NULL) {
        rc = tls_walk(c, &nc->tls, v, "nats.tls");
    }
    if (rc == 0 && (v = map_get(c, map, "reconnectWait")) != NULL) {
        rc = get_duration(c, v, "nats.reconnectWait", &nc->reconnect_wait_ns);
    }
    if (rc == 0 && (v = map_get(c, map, "maxReconnects")) != NULL) {
        rc = get_int(c, v, "nats.maxReconnects", -1, INT_MAX, &x);
        if (rc == 0) {
            nc->max_reconnects = (int)x;
        }
    }
    if (rc != 0) {
        return rc;
    }
    if ((user == NULL) != (pass == NULL)) {
        return fail_at(c, node_line(user != NULL ? user : pass),
                       user != NULL ? "nats.user" : "nats.password",
                       "user and password go together");
    }
    if (seed != NULL && user != NULL) {
        return fail_at(c, node_line(seed), "nats.nkeySeedFile",
                       "use either an NKey seed or user and password, not "
                       "both");
    }
    return 0;
}

static bool
is_token_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

static bool
is_token_safe(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n == 0 || n > max) {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (!is_token_char(*s)) {
            return false;
        }
    }
    return true;
}

static int
daemon_walk(struct ctx *c, struct cfg_daemon *d, yaml_node_t *map)
{
    static const char *const known[] = { "instance", "listen", "logLevel",
                                         "dataDir", NULL };
    static const char *const levels[] = { "error", "warn", "info", "debug",
                                          NULL };
    char host[64], why[128];
    yaml_node_t *v;
    uint16_t port;
    const char *text;
    int rc, level;

    rc = map_check(c, map, "daemon", known);
    if (rc == 0 && (v = map_get(c, map, "instance")) != NULL) {
        rc = get_text(c, v, "daemon.instance", &text);
        if (rc == 0 && !is_token_safe(text, 64)) {
            rc = fail_at(c, node_line(v), "daemon.instance",
                         "\"%s\" must be 1 to 64 of A-Z a-z 0-9 - _", text);
        }
        if (rc == 0) {
            rc = replace_str(&d->instance, text);
        }
    }
    if (rc == 0 && (v = map_get(c, map, "listen")) != NULL) {
        rc = get_text(c, v, "daemon.listen", &text);
        if (rc == 0 && util_http_parse_listen(text, host, sizeof(host),
                                              &port, why, sizeof(why)) != 0) {
            rc = fail_at(c, node_line(v), "daemon.listen", "\"%s\": %s",
                         text, why);
        }
        if (rc == 0) {
            rc = replace_str(&d->listen, text);
        }
    }
    if (rc == 0 && (v = map_get(c, map, "logLevel")) != NULL) {
        rc = get_enum(c, v, "daemon.logLevel", levels, &level);
        if (rc == 0) {
            rc = replace_str(&d->log_level, levels[level]);
        }
    }
    if (rc == 0 && (v = map_get(c, map, "dataDir")) != NULL) {
        rc = get_text(c, v, "daemon.dataDir", &text);
        if (rc == 0) {
            char *abs = resolve_path(c->base_dir, text);

            if (abs == NULL) {
                return -ENOMEM;
            }
            free(d->data_dir);
            d->data_dir = abs;
        }
    }
    return rc;
}

/* ---- failover, members, actors ----------------------------------------- */

static int
failover_walk(struct ctx *c, struct cfg_failover *f, yaml_node_t *map)
{
    static const char *const known[] = { "mode", NULL };
    yaml_node_t *v;
    int rc, mode = 0;

    rc = map_check(c, map, "failover", known);
    if (rc == 0 && (v = map_get(c, map, "mode")) != NULL) {
        rc = get_enum(c, v, "failover.mode", failover_modes, &mode);
        if (rc == 0) {
            f->mode = (enum cfg_failover_mode)mode;
            c->mode_line = node_line(v);
        }
    }
    return rc;
}

/* The failover mode's dependencies on the settings. */
static int
failover_finish(struct ctx *c, const struct cfg *cfg)
{
    int line;

    if (cfg->failover.mode != CFG_FAILOVER_EVICT ||
        cfg->settings.eviction_burst >= 1) {
        return 0;
    }
    line = c->settings_line[S_EVICTION_BURST];
    if (line > 0) {
        return fail_at(c, line, "settings.evictionBurst",
                       "0 allows no eviction, but failover.mode is Evict "
                       "(set at least 1, or failover.mode: Observe)");
    }
    return fail_at(c, c->mode_line, "failover.mode",
                   "Evict needs settings.evictionBurst of at least 1");
}

static bool
is_dns_label(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-')) {
            return false;
        }
    }
    return true;
}

static void
member_release(struct cfg_member *m)
{
    free(m->name);
    free(m->api_endpoint);
    free(m->token_file);
    free(m->ca_file);
    free(m->cert_file);
    free(m->key_file);
}

static int
member_files(struct ctx *c, struct cfg_member *m, yaml_node_t *map,
             const char *base)
{
    static const char *const keys[] = { "tokenFile", "caFile", "certFile",
                                        "keyFile" };
    char **dst[] = { &m->token_file, &m->ca_file, &m->cert_file,
                     &m->key_file };
    yaml_node_t *cert, *key;
    char path[96];
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < 4; i++) {
        yaml_node_t *v = map_get(c, map, keys[i]);

        if (v != NULL) {
            snprintf(path, sizeof(path), "%s.%s", base, keys[i]);
            rc = get_file(c, v, path, dst[i]);
        }
    }
    if (rc != 0) {
        return rc;
    }
    cert = map_get(c, map, "certFile");
    key = map_get(c, map, "keyFile");
    if ((cert == NULL) != (key == NULL)) {
        snprintf(path, sizeof(path), "%s.%s", base,
                 cert != NULL ? "certFile" : "keyFile");
        return fail_at(c, node_line(cert != NULL ? cert : key), path,
                       "certFile and keyFile go together");
    }
    return 0;
}

static int
member_walk(struct ctx *c, struct cfg *cfg, size_t idx, yaml_node_t *map)
{
    static const char *const known[] = {
        "name", "apiEndpoint", "syncMode", "tokenFile", "caFile",
        "certFile", "keyFile", NULL,
    };
    static const char *const modes[] = { "Push", "Pull", NULL };
    struct cfg_member *m = &cfg->members[idx];
    char base[32], path[96];
    const char *text;
    yaml_node_t *v;
    int rc, mode;

    snprintf(base, sizeof(base), "members[%zu]", idx);
    rc = map_check(c, map, base, known);
    if (rc == 0 && is_null(map)) {
        rc = fail_at(c, node_line(map), base, "expected a mapping");
    }
    if (rc != 0) {
        return rc;
    }
    v = map_get(c, map, "name");
    if (v == NULL) {
        return fail_at(c, node_line(map), base, "needs a name");
    }
    snprintf(path, sizeof(path), "%s.name", base);
    rc = get_text(c, v, path, &text);
    if (rc == 0 && !is_dns_label(text)) {
        rc = fail_at(c, node_line(v), path,
                     "\"%s\" is not a DNS label (a-z 0-9 -, at most 63)",
                     text);
    }
    for (size_t i = 0; rc == 0 && i < idx; i++) {
        if (strcmp(cfg->members[i].name, text) == 0) {
            rc = fail_at(c, node_line(v), path,
                         "\"%s\" is already members[%zu]", text, i);
        }
    }
    if (rc == 0) {
        rc = replace_str(&m->name, text);
    }
    if (rc == 0 && (v = map_get(c, map, "syncMode")) != NULL) {
        snprintf(path, sizeof(path), "%s.syncMode", base);
        rc = get_enum(c, v, path, modes, &mode);
        if (rc == 0) {
            m->sync_mode = (enum cfg_sync_mode)mode;
        }
    }
    if (rc == 0 && (v = map_get(c, map, "apiEndpoint")) != NULL) {
        snprintf(path, sizeof(path), "%s.apiEndpoint", base);
        rc = get_text(c, v, path, &text);
        if (rc == 0 && !((strncmp(text, "https://", 8) == 0 && text[8]) ||
                         (strncmp(text, "http://", 7) == 0 && text[7]))) {
            rc = fail_at(c, node_line(v), path,
                         "\"%s\" is not an https:// or http:// URL", text);
        }
        if (rc == 0) {
            rc = replace_str(&m->api_endpoint, text);
        }
    }
    if (rc == 0 && m->sync_mode == CFG_SYNC_PUSH && m->api_endpoint == NULL) {
        snprintf(path, sizeof(path), "%s.apiEndpoint", base);
        rc = fail_at(c, node_line(map), path,
                     "a Push member (%s) needs an apiEndpoint", m->name);
    }
    if (rc == 0) {
        rc = member_files(c, m, map, base);
    }
    return rc;
}

static int
members_walk(struct ctx *c, struct cfg *cfg, yaml_node_t *seq)
{
    yaml_node_item_t *it;
    size_t n;
    int rc = 0;

    if (is_null(seq)) {
        return 0;
    }
    if (seq->type != YAML_SEQUENCE_NODE) {
        return fail_at(c, node_line(seq), "members", "expected a list, not %s",
                       kind_name(seq));
    }
    n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    if (n == 0) {
        return 0;
    }
    cfg->members = calloc(n, sizeof(*cfg->members));
    if (cfg->members == NULL) {
        return -ENOMEM;
    }
    for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++) {
        yaml_node_t *m = yaml_document_get_node(c->doc, *it);

        cfg->n_members++;
        rc = member_walk(c, cfg, cfg->n_members - 1, m);
        if (rc != 0) {
            break;
        }
    }
    return rc;
}

static int
actor_index(const char *name)
{
    for (int i = 0; i < CFG_ACTOR_COUNT; i++) {
        if (strcmp(actor_names[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

static int
actors_run(struct ctx *c, struct cfg *cfg, yaml_node_t *n)
{
    char list[CFG_ERR_MAX / 2], path[48];
    const char *names[CFG_ACTOR_COUNT + 1];
    yaml_node_item_t *it;
    bool run[CFG_ACTOR_COUNT] = { false };
    size_t i = 0;

    if (scalar(n) != NULL && strcmp(scalar(n), "all") == 0) {
        for (int k = 0; k < CFG_ACTOR_COUNT; k++) {
            cfg->actors[k].run = true;
        }
        return 0;
    }
    if (n->type != YAML_SEQUENCE_NODE ||
        n->data.sequence.items.top == n->data.sequence.items.start) {
        return fail_at(c, node_line(n), "actors.run",
                       "expected \"all\" or a non-empty list of actors");
    }
    for (int k = 0; k < CFG_ACTOR_COUNT; k++) {
        names[k] = actor_names[k];
    }
    names[CFG_ACTOR_COUNT] = NULL;
    for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, i++) {
        yaml_node_t *a = yaml_document_get_node(c->doc, *it);
        const char *text;
        int k, rc;

        snprintf(path, sizeof(path), "actors.run[%zu]", i);
        rc = get_text(c, a, path, &text);
        if (rc != 0) {
            return rc;
        }
        k = actor_index(text);
        if (k < 0) {
            join_list(names, list, sizeof(list));
            return fail_at(c, node_line(a), path,
                           "unknown actor \"%s\" (known: %s)", text, list);
        }
        if (run[k]) {
            return fail_at(c, node_line(a), path, "\"%s\" is listed twice",
                           text);
        }
        run[k] = true;
    }
    for (int k = 0; k < CFG_ACTOR_COUNT; k++) {
        cfg->actors[k].run = run[k];
    }
    return 0;
}

static int
actor_walk(struct ctx *c, struct cfg_actor *a, yaml_node_t *map)
{
    static const char *const known[] = { "partitions", "instances",
                                         "ackWait", "maxDeliver", NULL };
    char base[48], path[80];
    yaml_node_t *v, *inst;
    long x = 0;
    int rc;

    snprintf(base, sizeof(base), "actors.%s", a->name);
    rc = map_check(c, map, base, known);
    if (rc == 0 && (v = map_get(c, map, "partitions")) != NULL) {
        snprintf(path, sizeof(path), "%s.partitions", base);
        rc = get_int(c, v, path, 1, PARTITIONS_MAX, &x);
        if (rc == 0) {
            a->partitions = (uint32_t)x;
        }
    }
    inst = map_get(c, map, "instances");
    if (rc == 0 && inst != NULL) {
        snprintf(path, sizeof(path), "%s.instances", base);
        rc = get_int(c, inst, path, 1, PARTITIONS_MAX, &x);
        if (rc == 0) {
            a->instances = (uint32_t)x;
        }
    }
    if (rc == 0 && (v = map_get(c, map, "ackWait")) != NULL) {
        snprintf(path, sizeof(path), "%s.ackWait", base);
        rc = get_duration(c, v, path, &a->ack_wait_ns);
        if (rc == 0 && a->ack_wait_ns < NS_PER_MS) {
            rc = fail_at(c, node_line(v), path, "must be at least 1ms");
        }
    }
    if (rc == 0 && (v = map_get(c, map, "maxDeliver")) != NULL) {
        snprintf(path, sizeof(path), "%s.maxDeliver", base);
        rc = get_int(c, v, path, -1, 1000000, &x);
        if (rc == 0 && x == 0) {
            rc = fail_at(c, node_line(v), path,
                         "0 is not allowed (-1 means never give up)");
        }
        if (rc == 0) {
            a->max_deliver = (int32_t)x;
        }
    }
    if (rc == 0 && a->instances > a->partitions) {
        snprintf(path, sizeof(path), "%s.instances", base);
        rc = fail_at(c, node_line(inst != NULL ? inst : map), path,
                     "%u instances cannot share %u partition(s)",
                     a->instances, a->partitions);
    }
    return rc;
}

static int
actors_walk(struct ctx *c, struct cfg *cfg, yaml_node_t *map)
{
    const char *known[CFG_ACTOR_COUNT + 2];
    yaml_node_t *v;
    int rc;

    known[0] = "run";
    for (int k = 0; k < CFG_ACTOR_COUNT; k++) {
        known[k + 1] = actor_names[k];
    }
    known[CFG_ACTOR_COUNT + 1] = NULL;
    rc = map_check(c, map, "actors", known);
    if (rc == 0 && (v = map_get(c, map, "run")) != NULL) {
        rc = actors_run(c, cfg, v);
    }
    for (int k = 0; rc == 0 && k < CFG_ACTOR_COUNT; k++) {
        v = map_get(c, map, actor_names[k]);
        if (v != NULL) {
            rc = actor_walk(c, &cfg->actors[k], v);
        }
    }
    return rc;
}

/* ---- whole file -------------------------------------------------------- */

static int
root_walk(struct ctx *c, struct cfg *cfg, yaml_node_t *root)
{
    static const char *const known[] = { "nats",     "daemon",  "settings",
                                         "failover", "members", "actors",
                                         NULL };
    yaml_node_t *v;
    int rc;

    if (root == NULL || is_null(root)) {
        return 0;
    }
    if (root->type != YAML_MAPPING_NODE) {
        return fail_at(c, node_line(root), "(top level)",
                       "expected a mapping, not %s", kind_name(root));
    }
    rc = map_check(c, root, "(top level)", known);
    if (rc == 0 && (v = map_get(c, root, "nats")) != NULL) {
        rc = nats_walk(c, &cfg->nats, v);
    }
    if (rc == 0 && (v = map_get(c, root, "daemon")) != NULL) {
        rc = daemon_walk(c, &cfg->daemon, v);
    }
    if (rc == 0 && (v = map_get(c, root, "settings")) != NULL) {
        rc = settings_walk(c, &cfg->settings, v);
    }
    if (rc == 0 && (v = map_get(c, root, "failover")) != NULL) {
        rc = failover_walk(c, &cfg->failover, v);
    }
    if (rc == 0 && (v = map_get(c, root, "members")) != NULL) {
        rc = members_walk(c, cfg, v);
    }
    if (rc == 0 && (v = map_get(c, root, "actors")) != NULL) {
        rc = actors_walk(c, cfg, v);
    }
    if (rc == 0) {
        rc = settings_finish(c, &cfg->settings);
    }
    if (rc == 0) {
        rc = failover_finish(c, cfg);
    }
    return rc;
}

static void
default_instance(char *buf, size_t len)
{
    if (gethostname(buf, len) != 0) {
        buf[0] = '\0';
    }
    buf[len - 1] = '\0';
    for (char *p = buf; *p != '\0'; p++) {
        if (!is_token_char(*p)) {
            *p = '-';
        }
    }
    if (strlen(buf) > 64) {
        buf[64] = '\0';
    }
    if (buf[0] == '\0') {
        snprintf(buf, len, "flotilla");
    }
}

int
cfg_defaults(struct cfg **out)
{
    char host[256];
    struct cfg *c;

    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return -ENOMEM;
    }
    default_instance(host, sizeof(host));
    c->nats.urls = calloc(1, sizeof(*c->nats.urls));
    if (c->nats.urls != NULL) {
        c->nats.urls[0] = strdup("nats://127.0.0.1:4222");
        c->nats.n_urls = c->nats.urls[0] != NULL ? 1 : 0;
    }
    c->nats.name = strdup("flotilla");
    c->nats.reconnect_wait_ns = 2 * NS_PER_S;
    c->nats.max_reconnects = -1;
    c->daemon.instance = strdup(host);
    c->daemon.listen = strdup(UTIL_HTTP_LISTEN_DEFAULT);
    c->daemon.log_level = strdup("info");
    c->daemon.data_dir = strdup("/var/lib/flotilla");
    cfg_settings_init(&c->settings);
    c->failover.mode = CFG_FAILOVER_EVICT;
    for (int k = 0; k < CFG_ACTOR_COUNT; k++) {
        c->actors[k].name = actor_names[k];
        c->actors[k].run = true;
        c->actors[k].partitions = 1;
        c->actors[k].instances = 1;
        c->actors[k].ack_wait_ns = 30 * NS_PER_S;
        c->actors[k].max_deliver = 5;
    }
    if (c->nats.n_urls == 0 || c->nats.name == NULL ||
        c->daemon.instance == NULL || c->daemon.listen == NULL ||
        c->daemon.log_level == NULL || c->daemon.data_dir == NULL) {
        cfg_free(c);
        return -ENOMEM;
    }
    *out = c;
    return 0;
}

void
cfg_free(struct cfg *c)
{
    if (c == NULL) {
        return;
    }
    free(c->source);
    strv_free(c->nats.urls, c->nats.n_urls);
    free(c->nats.name);
    free(c->nats.user);
    free(c->nats.password);
    free(c->nats.nkey_seed_file);
    free(c->nats.tls.ca_file);
    free(c->nats.tls.cert_file);
    free(c->nats.tls.key_file);
    free(c->daemon.instance);
    free(c->daemon.listen);
    free(c->daemon.log_level);
    free(c->daemon.data_dir);
    for (size_t i = 0; i < c->n_members; i++) {
        member_release(&c->members[i]);
    }
    free(c->members);
    free(c);
}

/* Loads the one document of @parser and walks it into a fresh config. */
static int
load(yaml_parser_t *parser, const char *name, const char *base_dir,
     struct cfg **out, char *err, size_t errlen)
{
    yaml_document_t doc, extra;
    struct cfg *cfg = NULL;
    bool have_doc = false;
    struct ctx c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.file = name;
    c.doc = &doc;
    c.err = err;
    c.errlen = errlen;
    c.base_dir = (char *)base_dir;

    if (!yaml_parser_load(parser, &doc)) {
        set_err(err, errlen, "%s:%zu: YAML syntax error: %s%s%s", name,
                parser->problem_mark.line + 1,
                parser->problem != NULL ? parser->problem : "unknown",
                parser->context != NULL ? " " : "",
                parser->context != NULL ? parser->context : "");
        return -EINVAL;
    }
    have_doc = true;
    if (yaml_document_get_root_node(&doc) != NULL) {
        if (!yaml_parser_load(parser, &extra)) {
            rc = fail_at(&c, (int)parser->problem_mark.line + 1, "(file)",
                         "YAML syntax error: %s",
                         parser->problem != NULL ? parser->problem
                                                 : "unknown");
            goto out;
        }
        if (yaml_document_get_root_node(&extra) != NULL) {
            rc = fail_at(&c, (int)extra.start_mark.line + 1, "(file)",
                         "expected one YAML document, found a second");
            yaml_document_delete(&extra);
            goto out;
        }
        yaml_document_delete(&extra);
    }

    rc = cfg_defaults(&cfg);
    if (rc != 0) {
        goto out;
    }
    cfg->source = strdup(name);
    if (cfg->source == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    rc = root_walk(&c, cfg, yaml_document_get_root_node(&doc));
    if (rc == -ENOMEM) {
        set_err(err, errlen, "%s: out of memory", name);
    }
    if (rc == 0) {
        *out = cfg;
        cfg = NULL;
    }

out:
    if (have_doc) {
        yaml_document_delete(&doc);
    }
    cfg_free(cfg);
    return rc;
}

/* The absolute directory of @path (the working directory when it has none). */
static char *
dir_of(const char *path)
{
    char cwd[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t dlen = slash != NULL ? (size_t)(slash - path) : 0;
    size_t len;
    char *out;

    if (slash == path) {
        return strdup("/");
    }
    if (path[0] == '/') {
        return strndup(path, dlen);
    }
    if (getcwd(cwd, sizeof(cwd)) == NULL) {
        return NULL;
    }
    if (slash == NULL) {
        return strdup(cwd);
    }
    len = strlen(cwd) + dlen + 2;
    out = malloc(len);
    if (out != NULL) {
        snprintf(out, len, "%s/%.*s", cwd, (int)dlen, path);
    }
    return out;
}

int
cfg_load_file(const char *path, struct cfg **out, char *err, size_t errlen)
{
    yaml_parser_t parser;
    char *base = NULL;
    FILE *f = NULL;
    int rc;

    f = fopen(path, "rb");
    if (f == NULL) {
        rc = -errno;
        set_err(err, errlen, "%s: cannot read: %s", path, strerror(-rc));
        return rc;
    }
    base = dir_of(path);
    if (base == NULL || !yaml_parser_initialize(&parser)) {
        fclose(f);
        free(base);
        set_err(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    yaml_parser_set_input_file(&parser, f);
    rc = load(&parser, path, base, out, err, errlen);
    yaml_parser_delete(&parser);
    fclose(f);
    free(base);
    return rc;
}

int
cfg_load_string(const char *yaml, const char *name, struct cfg **out,
                char *err, size_t errlen)
{
    yaml_parser_t parser;
    char *base;
    int rc;

    if (name == NULL) {
        name = "<string>";
    }
    base = dir_of("x");
    if (base == NULL || !yaml_parser_initialize(&parser)) {
        free(base);
        set_err(err, errlen, "%s: out of memory", name);
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml,
                                 strlen(yaml));
    rc = load(&parser, name, base, out, err, errlen);
    yaml_parser_delete(&parser);
    free(base);
    return rc;
}

const struct cfg_actor *
cfg_actor_find(const struct cfg *c, const char *name)
{
    int k = actor_index(name);

    return k >= 0 ? &c->actors[k] : NULL;
}

const char *
cfg_failover_mode_name(enum cfg_failover_mode mode)
{
    size_t n = sizeof(failover_modes) / sizeof(failover_modes[0]) - 1;

    if ((size_t)mode >= n) {
        return "?";
    }
    return failover_modes[mode];
}
