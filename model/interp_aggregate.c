/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Status aggregation of Job, CronJob, PodDisruptionBudget, HPA and the
 * load-balancer merge of Service and Ingress (interpreter.md §3.8, §4.5,
 * §4.6, §4.12, §4.13).
 */
#include "interp_aggregate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : "";
}

static bool
has_true_condition(const json_t *status, const char *type)
{
    size_t i;
    json_t *c;

    json_array_foreach(json_object_get(status, "conditions"), i, c) {
        if (strcmp(jstr(c, "type"), type) == 0 &&
            strcmp(jstr(c, "status"), "True") == 0) {
            return true;
        }
    }
    return false;
}

/* "Complete", "Failed" or "" from the first finishing condition. */
static const char *
job_finish(const json_t *status)
{
    size_t i;
    json_t *c;

    json_array_foreach(json_object_get(status, "conditions"), i, c) {
        const char *t = jstr(c, "type");

        if ((strcmp(t, "Complete") == 0 || strcmp(t, "Failed") == 0) &&
            strcmp(jstr(c, "status"), "True") == 0) {
            return t;
        }
    }
    return "";
}

static json_t *
condition(const char *type, const char *reason, const char *message,
          const char *now)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "type", type, "status",
                     "True", "reason", reason, "message", message,
                     "lastProbeTime", now, "lastTransitionTime", now);
}

/* Earliest (@latest false) or latest time over all items; NULL unless all
 * @n items have one. RFC 3339 UTC strings compare as text. */
static const char *
time_over(const struct model_status_item *items, size_t n, const char *key,
          bool latest)
{
    const char *best = NULL;

    for (size_t i = 0; i < n; i++) {
        const char *t = jstr(items[i].status, key);

        if (t[0] == '\0') {
            return NULL;
        }
        if (best == NULL || (latest ? strcmp(t, best) > 0
                                    : strcmp(t, best) < 0)) {
            best = t;
        }
    }
    return n > 0 ? best : NULL;
}

static int
job_conditions(json_t *st, const struct model_status_item *items, size_t n,
               const char *now)
{
    char failed[1024] = "";
    size_t complete = 0;
    size_t met = 0;
    json_t *conds = json_array();

    if (conds == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const char *fin = job_finish(items[i].status);

        if (strcmp(fin, "Failed") == 0) {
            size_t used = strlen(failed);

            snprintf(failed + used, sizeof(failed) - used, "%s%s",
                     used > 0 ? "," : "", items[i].cluster);
        } else if (strcmp(fin, "Complete") == 0) {
            complete++;
        }
        met += has_true_condition(items[i].status, "SuccessCriteriaMet");
    }
    if (failed[0] != '\0') {
        char msg[1100];

        snprintf(msg, sizeof(msg), "Job executed failed in member clusters %s",
                 failed);
        json_array_append_new(conds, condition("Failed", "JobFailed", msg,
                                               now));
    } else if (n > 0 && complete == n) {
        json_array_append_new(conds, condition("Complete", "Completed",
                                               "Job completed", now));
        if (met == n) {
            json_array_append_new(
                conds, condition("SuccessCriteriaMet", "CompletionsReached",
                                 "All member clusters have met success "
                                 "criteria",
                                 now));
        }
    }
    if (json_array_size(conds) > 0) {
        return json_object_set_new(st, "conditions", conds) == 0 ? 0
                                                                 : -ENOMEM;
    }
    json_decref(conds);
    return 0;
}

int
aggregate_job(json_t *tmpl, const struct model_status_item *items, size_t n,
              const char *now)
{
    json_t *old = json_object_get(tmpl, "status");
    static const char *const sums[] = { "active", "succeeded", "failed",
                                        NULL };
    const char *start = jstr(old, "startTime");
    const char *end;
    json_t *st;
    int rc;

    if (has_true_condition(old, "Complete") ||
        has_true_condition(old, "Failed")) {
        return 0;
    }
    st = json_object();
    if (st == NULL) {
        return -ENOMEM;
    }
    for (const char *const *f = sums; *f != NULL; f++) {
        json_int_t sum = 0;

        for (size_t i = 0; i < n; i++) {
            sum += json_integer_value(json_object_get(items[i].status, *f));
        }
        if (sum != 0) {
            json_object_set_new(st, *f, json_integer(sum));
        }
    }
    rc = job_conditions(st, items, n, now != NULL ? now : "");
    if (start[0] == '\0') {
        start = time_over(items, n, "startTime", false);
    }
    if (start != NULL) {
        json_object_set_new(st, "startTime", json_string(start));
    }
    end = time_over(items, n, "completionTime", true);
    if (end != NULL) {
        json_object_set_new(st, "completionTime", json_string(end));
    }
    if (rc != 0 || json_object_set_new(tmpl, "status", st) != 0) {
        return -ENOMEM;
    }
    return 0;
}

static const char *
latest_time(const struct model_status_item *items, size_t n, const char *key)
{
    const char *best = NULL;

    for (size_t i = 0; i < n; i++) {
        const char *t = jstr(items[i].status, key);

        if (t[0] != '\0' && (best == NULL || strcmp(t, best) > 0)) {
            best = t;
        }
    }
    return best;
}

int
aggregate_cronjob(json_t *tmpl, const struct model_status_item *items,
                  size_t n)
{
    json_t *st = json_object_get(tmpl, "status");
    json_t *active = json_array();
    const char *ls = latest_time(items, n, "lastScheduleTime");
    const char *lsucc = latest_time(items, n, "lastSuccessfulTime");

    if (active == NULL) {
        return -ENOMEM;
    }
    if (!json_is_object(st)) {
        st = json_object();
        if (st == NULL || json_object_set_new(tmpl, "status", st) != 0) {
            json_decref(active);
            return -ENOMEM;
        }
    }
    for (size_t i = 0; i < n; i++) {
        json_array_extend(active, json_object_get(items[i].status, "active"));
    }
    json_object_set_new(st, "active", active);
    json_object_set_new(st, "lastScheduleTime",
                        ls != NULL ? json_string(ls) : json_null());
    json_object_set_new(st, "lastSuccessfulTime",
                        lsucc != NULL ? json_string(lsucc) : json_null());
    return 0;
}

int
aggregate_pdb(json_t *tmpl, const struct model_status_item *items, size_t n)
{
    static const char *const sums[] = { "currentHealthy", "desiredHealthy",
                                        "disruptionsAllowed", "expectedPods",
                                        NULL };
    json_t *st = json_object();
    json_t *disrupted = json_object();

    if (st == NULL || disrupted == NULL) {
        json_decref(st);
        json_decref(disrupted);
        return -ENOMEM;
    }
    for (const char *const *f = sums; *f != NULL; f++) {
        json_int_t sum = 0;

        for (size_t i = 0; i < n; i++) {
            sum += json_integer_value(json_object_get(items[i].status, *f));
        }
        json_object_set_new(st, *f, json_integer(sum));
    }
    for (size_t i = 0; i < n; i++) {
        const char *pod;
        json_t *t;

        json_object_foreach(json_object_get(items[i].status, "disruptedPods"),
                            pod, t) {
            char key[512];

            snprintf(key, sizeof(key), "%s/%s", items[i].cluster, pod);
            json_object_set(disrupted, key, t);
        }
    }
    if (json_object_size(disrupted) > 0) {
        json_object_set_new(st, "disruptedPods", disrupted);
    } else {
        json_decref(disrupted);
    }
    return json_object_set_new(tmpl, "status", st) == 0 ? 0 : -ENOMEM;
}

int
aggregate_hpa(json_t *tmpl, const struct model_status_item *items, size_t n)
{
    json_int_t cur = 0;
    json_int_t want = 0;
    json_t *st;

    for (size_t i = 0; i < n; i++) {
        cur += json_integer_value(json_object_get(items[i].status,
                                                  "currentReplicas"));
        want += json_integer_value(json_object_get(items[i].status,
                                                   "desiredReplicas"));
    }
    st = cur != 0 ? json_pack("{s:I,s:I}", "currentReplicas", cur,
                              "desiredReplicas", want)
                  : json_pack("{s:I}", "desiredReplicas", want);
    if (st == NULL) {
        return -ENOMEM;
    }
    return json_object_set_new(tmpl, "status", st) == 0 ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------ §3.8 */

static int
cmp_ports(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a;
    const json_t *y = *(json_t *const *)b;
    json_int_t px = json_integer_value(json_object_get(x, "port"));
    json_int_t py = json_integer_value(json_object_get(y, "port"));
    const char *ex = jstr(x, "error");
    const char *ey = jstr(y, "error");
    int c;

    if (px != py) {
        return px < py ? -1 : 1;
    }
    c = strcmp(jstr(x, "protocol"), jstr(y, "protocol"));
    if (c != 0) {
        return c;
    }
    if ((ex[0] == '\0') != (ey[0] == '\0')) {
        return ex[0] == '\0' ? -1 : 1;
    }
    return strcmp(ex, ey);
}

static int
cmp_entries(const json_t *x, const json_t *y, bool service)
{
    const char *hx = jstr(x, "hostname");
    const char *hy = jstr(y, "hostname");
    const char *mx = jstr(x, "ipMode");
    const char *my = jstr(y, "ipMode");
    int c;

    if ((hx[0] == '\0') != (hy[0] == '\0')) {
        return hx[0] != '\0' ? -1 : 1;
    }
    c = strcmp(hx, hy);
    if (c != 0) {
        return c;
    }
    c = strcmp(jstr(x, "ip"), jstr(y, "ip"));
    if (c != 0 || !service) {
        return c;
    }
    if ((mx[0] == '\0') != (my[0] == '\0')) {
        return mx[0] != '\0' ? -1 : 1;
    }
    return strcmp(mx, my);
}

static int
cmp_service_entries(const void *a, const void *b)
{
    return cmp_entries(*(json_t *const *)a, *(json_t *const *)b, true);
}

static int
cmp_ingress_entries(const void *a, const void *b)
{
    return cmp_entries(*(json_t *const *)a, *(json_t *const *)b, false);
}

static bool
same_key(const json_t *a, const json_t *b, bool service)
{
    return strcmp(jstr(a, "hostname"), jstr(b, "hostname")) == 0 &&
           strcmp(jstr(a, "ip"), jstr(b, "ip")) == 0 &&
           (!service || strcmp(jstr(a, "ipMode"), jstr(b, "ipMode")) == 0);
}

static void
sort_array(json_t *arr, int (*cmp)(const void *, const void *))
{
    size_t n = json_array_size(arr);
    json_t **v = calloc(n + 1, sizeof(*v));

    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = json_incref(json_array_get(arr, i));
    }
    qsort(v, n, sizeof(*v), cmp);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, v[i]);
    }
    free(v);
}

static void
merge_ports(json_t *into, const json_t *ports)
{
    size_t i;
    size_t j;
    json_t *p;
    json_t *q;

    json_array_foreach((json_t *)ports, i, p) {
        bool dup = false;

        json_array_foreach(into, j, q) {
            dup = dup || json_equal(p, q);
        }
        if (!dup) {
            json_array_append(into, p);
        }
    }
}

int
aggregate_lb(json_t *tmpl, const struct model_status_item *items, size_t n,
             bool service)
{
    json_t *out = json_array();
    size_t j;
    size_t k;
    json_t *e;
    json_t *g;

    if (out == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        json_array_foreach(
            json_object_get(json_object_get(items[i].status, "loadBalancer"),
                            "ingress"),
            j, e) {
            json_t *group = NULL;

            json_array_foreach(out, k, g) {
                if (same_key(g, e, service)) {
                    group = g;
                }
            }
            if (group == NULL) {
                group = json_deep_copy(e);
                json_object_del(group, "ports");
                json_object_set_new(group, "ports", json_array());
                json_array_append_new(out, group);
            }
            merge_ports(json_object_get(group, "ports"),
                        json_object_get(e, "ports"));
        }
    }
    json_array_foreach(out, k, g) {
        if (json_array_size(json_object_get(g, "ports")) == 0) {
            json_object_del(g, "ports");
        } else {
            sort_array(json_object_get(g, "ports"), cmp_ports);
        }
    }
    sort_array(out, service ? cmp_service_entries : cmp_ingress_entries);
    return json_object_set_new(tmpl, "status",
                               json_pack("{s:{s:o}}", "loadBalancer",
                                         "ingress", out)) == 0
               ? 0
               : -ENOMEM;
}
