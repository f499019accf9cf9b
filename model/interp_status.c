/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Health, status reflection, aggregation, retention and pruning of the
 * native interpreter (interpreter.md §3.3-§3.9, §4).
 */
#include "model/interp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp_aggregate.h"

static const char *
jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : "";
}

static bool
is_gvk(const json_t *obj, const char *api_version, const char *kind)
{
    return strcmp(jstr(obj, "apiVersion"), api_version) == 0 &&
           strcmp(jstr(obj, "kind"), kind) == 0;
}

static bool
is_apps_workload(const json_t *obj)
{
    return is_gvk(obj, "apps/v1", "Deployment") ||
           is_gvk(obj, "apps/v1", "StatefulSet") ||
           is_gvk(obj, "apps/v1", "ReplicaSet") ||
           is_gvk(obj, "apps/v1", "DaemonSet");
}

/*
 * Integer field @key of @o: absent or null is 0; another type sets *bad.
 * Karmada decodes into typed structs, where a mistyped field fails.
 */
static int64_t
ival(const json_t *o, const char *key, bool *bad)
{
    const json_t *v = json_object_get(o, key);

    if (v == NULL || json_is_null(v)) {
        return 0;
    }
    if (!json_is_integer(v)) {
        *bad = true;
        return 0;
    }
    return json_integer_value(v);
}

/* ------------------------------------------------------------ health */

static bool
condition_true(const json_t *status, const char *type)
{
    size_t i;
    json_t *c;

    json_array_foreach(json_object_get(status, "conditions"), i, c) {
        if (strcmp(jstr(c, "type"), type) == 0) {
            return strcmp(jstr(c, "status"), "True") == 0;
        }
    }
    return false;
}

static bool
lb_has_ingress(const json_t *status)
{
    size_t i;
    json_t *e;

    json_array_foreach(
        json_object_get(json_object_get(status, "loadBalancer"), "ingress"),
        i, e) {
        if (jstr(e, "ip")[0] != '\0' || jstr(e, "hostname")[0] != '\0') {
            return true;
        }
    }
    return false;
}

static enum model_health
workload_health(const json_t *obj, bool *bad)
{
    const json_t *st = json_object_get(obj, "status");
    const json_t *spec = json_object_get(obj, "spec");
    int64_t gen = ival(json_object_get(obj, "metadata"), "generation", bad);
    int64_t og = ival(st, "observedGeneration", bad);
    bool has_replicas = json_object_get(spec, "replicas") != NULL;
    int64_t want = ival(spec, "replicas", bad);
    bool ok = og == gen;

    if (is_gvk(obj, "apps/v1", "DaemonSet")) {
        int64_t upd = ival(st, "updatedNumberScheduled", bad);

        ok = ok && upd >= ival(st, "desiredNumberScheduled", bad) &&
             ival(st, "numberAvailable", bad) >= upd;
    } else if (is_gvk(obj, "apps/v1", "ReplicaSet")) {
        ok = ok &&
             (!has_replicas || ival(st, "availableReplicas", bad) >= want);
    } else {
        int64_t upd = ival(st, "updatedReplicas", bad);

        ok = ok && (!has_replicas || upd >= want) &&
             ival(st, "availableReplicas", bad) >= upd;
    }
    return ok ? MODEL_HEALTH_HEALTHY : MODEL_HEALTH_UNHEALTHY;
}

enum model_health
model_interp_health(const json_t *obj)
{
    const json_t *st = json_object_get(obj, "status");
    bool bad = false;
    bool ok = true;

    if (st != NULL && !json_is_null(st) && !json_is_object(st)) {
        return is_apps_workload(obj) || is_gvk(obj, "v1", "Pod")
                   ? MODEL_HEALTH_UNKNOWN
                   : MODEL_HEALTH_HEALTHY;
    }
    if (is_apps_workload(obj)) {
        enum model_health h = workload_health(obj, &bad);

        return bad ? MODEL_HEALTH_UNKNOWN : h;
    }
    if (is_gvk(obj, "v1", "Pod")) {
        const char *phase = jstr(st, "phase");

        ok = strcmp(phase, "Succeeded") == 0 ||
             (strcmp(phase, "Running") == 0 && condition_true(st, "Ready"));
    } else if (is_gvk(obj, "v1", "Service")) {
        ok = strcmp(jstr(json_object_get(obj, "spec"), "type"),
                    "LoadBalancer") != 0 ||
             lb_has_ingress(st);
    } else if (is_gvk(obj, "networking.k8s.io/v1", "Ingress")) {
        ok = lb_has_ingress(st);
    } else if (is_gvk(obj, "v1", "PersistentVolumeClaim")) {
        ok = strcmp(jstr(st, "phase"), "Bound") == 0;
    } else if (is_gvk(obj, "policy/v1", "PodDisruptionBudget")) {
        ok = ival(st, "currentHealthy", &bad) >=
             ival(st, "desiredHealthy", &bad);
    }
    if (bad) {
        return MODEL_HEALTH_UNKNOWN;
    }
    return ok ? MODEL_HEALTH_HEALTHY : MODEL_HEALTH_UNHEALTHY;
}

/* ------------------------------------------------------------ reflect */

static int
copy_counters(const json_t *st, json_t *out, const char *const *fields,
              const char *const *always)
{
    bool bad = false;

    for (const char *const *f = fields; *f != NULL; f++) {
        int64_t v = ival(st, *f, &bad);
        bool keep = v != 0;

        for (const char *const *a = always; a != NULL && *a != NULL; a++) {
            keep = keep || strcmp(*a, *f) == 0;
        }
        if (keep) {
            json_object_set_new(out, *f, json_integer(v));
        }
    }
    return bad ? -EINVAL : 0;
}

static int
reflect_workload(const json_t *obj, json_t *out)
{
    static const char *const deploy[] = {
        "replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
        "unavailableReplicas", "observedGeneration", NULL,
    };
    static const char *const sts[] = { "availableReplicas", "currentReplicas",
                                       "readyReplicas", "replicas",
                                       "updatedReplicas", NULL };
    static const char *const sts_always[] = { "replicas", "availableReplicas",
                                              NULL };
    static const char *const rs[] = { "replicas", "readyReplicas",
                                      "availableReplicas",
                                      "observedGeneration", NULL };
    static const char *const rs_always[] = { "replicas", NULL };
    static const char *const ds[] = {
        "currentNumberScheduled", "desiredNumberScheduled", "numberAvailable",
        "numberMisscheduled", "numberReady", "updatedNumberScheduled",
        "numberUnavailable", "observedGeneration", NULL,
    };
    static const char *const ds_always[] = { "currentNumberScheduled",
                                             "numberMisscheduled",
                                             "desiredNumberScheduled",
                                             "numberReady", NULL };
    const json_t *st = json_object_get(obj, "status");
    const json_t *meta = json_object_get(obj, "metadata");
    const char *ann = jstr(json_object_get(meta, "annotations"),
                           "resourcetemplate.karmada.io/generation");
    char *end = NULL;
    long long tg;
    bool bad = false;
    int rc;

    tg = strtoll(ann, &end, 10);
    if (ann[0] == '\0' || *end != '\0') {
        return -EINVAL;
    }
    json_object_set_new(out, "generation",
                        json_integer(ival(meta, "generation", &bad)));
    json_object_set_new(out, "resourceTemplateGeneration", json_integer(tg));
    if (is_gvk(obj, "apps/v1", "Deployment")) {
        rc = copy_counters(st, out, deploy, NULL);
    } else if (is_gvk(obj, "apps/v1", "StatefulSet")) {
        rc = copy_counters(st, out, sts, sts_always);
    } else if (is_gvk(obj, "apps/v1", "ReplicaSet")) {
        rc = copy_counters(st, out, rs, rs_always);
    } else {
        rc = copy_counters(st, out, ds, ds_always);
    }
    return bad ? -EINVAL : rc;
}

/* Job, PDB and HPA keep only their listed fields; others the whole map. */
static int
reflect_listed(const json_t *obj, const json_t *st, json_t **out)
{
    static const char *const job[] = { "active", "succeeded", "failed",
                                       "conditions", "startTime",
                                       "completionTime", NULL };
    static const char *const pdb[] = { "disruptionsAllowed", "expectedPods",
                                       "desiredHealthy", "currentHealthy",
                                       "disruptedPods", NULL };
    static const char *const pdb_always[] = { "disruptionsAllowed",
                                              "expectedPods",
                                              "desiredHealthy",
                                              "currentHealthy", NULL };
    static const char *const hpa[] = { "currentReplicas", "desiredReplicas",
                                       NULL };
    static const char *const hpa_always[] = { "desiredReplicas", NULL };
    const char *const *fields = NULL;
    const char *const *always = NULL;
    bool bad = false;
    json_t *r;

    if (is_gvk(obj, "batch/v1", "Job")) {
        fields = job;
    } else if (is_gvk(obj, "policy/v1", "PodDisruptionBudget")) {
        fields = pdb;
        always = pdb_always;
    } else if (is_gvk(obj, "autoscaling/v2", "HorizontalPodAutoscaler")) {
        fields = hpa;
        always = hpa_always;
    }
    if (fields == NULL) {
        *out = json_deep_copy(st);
        return *out == NULL ? -ENOMEM : 0;
    }
    r = json_object();
    if (r == NULL) {
        return -ENOMEM;
    }
    for (const char *const *f = fields; *f != NULL; f++) {
        const json_t *v = json_object_get(st, *f);
        bool keep = v != NULL && !json_is_null(v);

        if (json_is_integer(v) && json_integer_value(v) == 0) {
            keep = false;
        }
        for (const char *const *a = always; a != NULL && *a != NULL; a++) {
            if (strcmp(*a, *f) == 0) {
                keep = true;
                (void)ival(st, *f, &bad);
            }
        }
        if (keep) {
            json_object_set_new(r, *f, v != NULL ? json_deep_copy(v)
                                                 : json_integer(0));
        }
    }
    if (bad) {
        json_decref(r);
        return -EINVAL;
    }
    *out = r;
    return 0;
}

int
model_interp_reflect_status(const json_t *obj, json_t **out)
{
    const json_t *st = json_object_get(obj, "status");
    json_t *r = NULL;
    int rc = 0;

    *out = NULL;
    if (st == NULL || json_is_null(st)) {
        return 0;
    }
    if (!json_is_object(st)) {
        return -EINVAL;
    }
    if (is_gvk(obj, "v1", "Service")) {
        if (strcmp(jstr(json_object_get(obj, "spec"), "type"),
                   "LoadBalancer") != 0) {
            return 0;
        }
        if (json_object_get(st, "loadBalancer") != NULL) {
            r = json_pack("{s:O}", "loadBalancer",
                          json_object_get(st, "loadBalancer"));
        } else {
            r = json_pack("{s:{}}", "loadBalancer");
        }
        *out = r;
        return r == NULL ? -ENOMEM : 0;
    }
    if (!is_apps_workload(obj)) {
        return reflect_listed(obj, st, out);
    }
    r = json_object();
    if (r == NULL) {
        return -ENOMEM;
    }
    rc = reflect_workload(obj, r);
    if (rc != 0) {
        json_decref(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* ------------------------------------------------------------ aggregate */

static json_t *
status_of(json_t *tmpl)
{
    json_t *st = json_object_get(tmpl, "status");

    if (!json_is_object(st)) {
        st = json_object();
        if (st == NULL || json_object_set_new(tmpl, "status", st) != 0) {
            return NULL;
        }
    }
    return st;
}

/* §3.6 for Deployment, ReplicaSet, DaemonSet; StatefulSet per §4.2. */
static bool
generation_current(const json_t *tmpl, const struct model_status_item *items,
                   size_t n, bool sts)
{
    bool bad = false;
    int64_t tg = ival(json_object_get(tmpl, "metadata"), "generation", &bad);
    size_t c = 0;

    for (size_t i = 0; i < n; i++) {
        const json_t *s = items[i].status;
        int64_t g = ival(s, "generation", &bad);

        if (s != NULL && ival(s, "observedGeneration", &bad) >= g &&
            ival(s, "resourceTemplateGeneration", &bad) >= (sts ? g : tg)) {
            c++;
        }
    }
    return c == n;
}

static int
aggregate_sums(json_t *tmpl, const struct model_status_item *items, size_t n,
               const char *const *fields, bool sts)
{
    json_t *st = status_of(tmpl);
    bool bad = false;

    if (st == NULL) {
        return -ENOMEM;
    }
    for (const char *const *f = fields; *f != NULL; f++) {
        int32_t sum = 0;

        for (size_t i = 0; i < n; i++) {
            /* Karmada sums in int32 and wraps. */
            sum = (int32_t)((uint32_t)sum +
                            (uint32_t)ival(items[i].status, *f, &bad));
        }
        if (sum != 0) {
            json_object_set_new(st, *f, json_integer(sum));
        } else {
            json_object_del(st, *f);
        }
    }
    if (generation_current(tmpl, items, n, sts)) {
        int64_t g = ival(json_object_get(tmpl, "metadata"), "generation",
                         &bad);

        /* Zero is omitted, as Go's omitempty does. */
        if (g != 0) {
            json_object_set_new(st, "observedGeneration", json_integer(g));
        } else {
            json_object_del(st, "observedGeneration");
        }
    }
    return bad ? -EINVAL : 0;
}

/* Phase aggregation of Pod and PersistentVolume (§4.7, §4.11). */
static const char *
phase_by_priority(const struct model_status_item *items, size_t n,
                  const char *const *order)
{
    for (const char *const *p = order; *p != NULL; p++) {
        for (size_t i = 0; i < n; i++) {
            const char *ph = items[i].status != NULL
                                 ? jstr(items[i].status, "phase")
                                 : "Pending";

            if (strcmp(ph, *p) == 0) {
                return *p;
            }
        }
    }
    return "";
}

static const char *
pvc_phase(const struct model_status_item *items, size_t n)
{
    const char *result = "Bound";

    for (size_t i = 0; i < n; i++) {
        const char *ph;

        if (items[i].status == NULL) {
            continue;
        }
        ph = jstr(items[i].status, "phase");
        if (strcmp(ph, "Lost") == 0) {
            return "Lost";
        }
        if (strcmp(ph, "Bound") != 0) {
            result = ph;
        }
    }
    return result;
}

static int
set_status(json_t *tmpl, json_t *status)
{
    if (status == NULL) {
        return -ENOMEM;
    }
    return json_object_set_new(tmpl, "status", status) == 0 ? 0 : -ENOMEM;
}

static int
aggregate_pod(json_t *tmpl, const struct model_status_item *items, size_t n)
{
    static const char *const order[] = { "Failed", "Pending", "Running",
                                         "Succeeded", NULL };
    json_t *st = json_pack("{s:s}", "phase",
                           phase_by_priority(items, n, order));
    static const char *const lists[] = { "containerStatuses",
                                         "initContainerStatuses" };

    if (st == NULL) {
        return -ENOMEM;
    }
    for (size_t l = 0; l < 2; l++) {
        json_t *out = json_array();
        size_t j;
        json_t *c;

        for (size_t i = 0; i < n; i++) {
            json_array_foreach(json_object_get(items[i].status, lists[l]), j,
                               c) {
                json_t *e = json_object();

                json_object_set(e, "ready", json_object_get(c, "ready")
                                                ? json_object_get(c, "ready")
                                                : json_false());
                if (json_object_get(c, "state") != NULL) {
                    json_object_set(e, "state", json_object_get(c, "state"));
                }
                json_array_append_new(out, e);
            }
        }
        if (json_array_size(out) > 0) {
            json_object_set_new(st, lists[l], out);
        } else {
            json_decref(out);
        }
    }
    return set_status(tmpl, st);
}

int
model_interp_aggregate_status(json_t *tmpl,
                              const struct model_status_item *items, size_t n,
                              const char *now_rfc3339)
{
    static const char *const deploy[] = { "replicas", "readyReplicas",
                                          "updatedReplicas",
                                          "availableReplicas",
                                          "unavailableReplicas", NULL };
    static const char *const sts[] = { "availableReplicas", "currentReplicas",
                                       "readyReplicas", "replicas",
                                       "updatedReplicas", NULL };
    static const char *const rs[] = { "replicas", "readyReplicas",
                                      "availableReplicas", NULL };
    static const char *const ds[] = {
        "currentNumberScheduled", "desiredNumberScheduled", "numberAvailable",
        "numberMisscheduled", "numberReady", "updatedNumberScheduled",
        "numberUnavailable", NULL,
    };
    static const char *const pv_order[] = { "Failed", "Pending", "Available",
                                            "Bound", "Released", NULL };

    if (is_gvk(tmpl, "apps/v1", "Deployment")) {
        return aggregate_sums(tmpl, items, n, deploy, false);
    }
    if (is_gvk(tmpl, "apps/v1", "StatefulSet")) {
        return aggregate_sums(tmpl, items, n, sts, true);
    }
    if (is_gvk(tmpl, "apps/v1", "ReplicaSet")) {
        return aggregate_sums(tmpl, items, n, rs, false);
    }
    if (is_gvk(tmpl, "apps/v1", "DaemonSet")) {
        return aggregate_sums(tmpl, items, n, ds, false);
    }
    if (is_gvk(tmpl, "v1", "Pod")) {
        return aggregate_pod(tmpl, items, n);
    }
    if (is_gvk(tmpl, "v1", "PersistentVolumeClaim")) {
        return set_status(tmpl, json_pack("{s:s}", "phase",
                                          pvc_phase(items, n)));
    }
    if (is_gvk(tmpl, "v1", "PersistentVolume")) {
        return set_status(tmpl, json_pack("{s:s}", "phase",
                                          phase_by_priority(items, n,
                                                            pv_order)));
    }
    if (is_gvk(tmpl, "v1", "Service")) {
        return strcmp(jstr(json_object_get(tmpl, "spec"), "type"),
                      "LoadBalancer") == 0
                   ? aggregate_lb(tmpl, items, n, true)
                   : 0;
    }
    if (is_gvk(tmpl, "networking.k8s.io/v1", "Ingress")) {
        return aggregate_lb(tmpl, items, n, false);
    }
    if (is_gvk(tmpl, "batch/v1", "Job")) {
        return aggregate_job(tmpl, items, n, now_rfc3339);
    }
    if (is_gvk(tmpl, "batch/v1", "CronJob")) {
        return aggregate_cronjob(tmpl, items, n);
    }
    if (is_gvk(tmpl, "policy/v1", "PodDisruptionBudget")) {
        return aggregate_pdb(tmpl, items, n);
    }
    if (is_gvk(tmpl, "autoscaling/v2", "HorizontalPodAutoscaler")) {
        return aggregate_hpa(tmpl, items, n);
    }
    return 0;
}

/* ------------------------------------------------------------ retain */

static int
keep_observed(json_t *desired, const json_t *observed, const char *key)
{
    json_t *dm = json_object_get(desired, "metadata");
    const json_t *v = json_object_get(json_object_get(observed, "metadata"),
                                      key);

    if (!json_is_object(dm)) {
        return 0;
    }
    if (v == NULL) {
        json_object_del(dm, key);
        return 0;
    }
    return json_object_set(dm, key, (json_t *)v) == 0 ? 0 : -ENOMEM;
}

/* Generic label/annotation retention of §3.3. */
static int
merge_observed_map(json_t *desired, const json_t *observed, const char *field,
                   const char *managed_key)
{
    const json_t *om = json_object_get(observed, "metadata");
    const json_t *obs = json_object_get(om, field);
    const char *managed = jstr(json_object_get(om, "annotations"),
                               managed_key);
    json_t *dm = json_object_get(desired, "metadata");
    json_t *des;
    const char *k;
    json_t *v;

    if (json_object_size(obs) == 0 || !json_is_object(dm)) {
        return 0;
    }
    des = json_object_get(dm, field);
    if (!json_is_object(des)) {
        des = json_object();
        if (des == NULL || json_object_set_new(dm, field, des) != 0) {
            return -ENOMEM;
        }
    }
    json_object_foreach((json_t *)obs, k, v) {
        char pattern[512];
        char list[4096];

        if (json_object_get(des, k) != NULL) {
            continue;
        }
        /* Previously managed and now gone from desired: dropped. */
        snprintf(pattern, sizeof(pattern), ",%s,", k);
        snprintf(list, sizeof(list), ",%s,", managed);
        if (strstr(list, pattern) != NULL) {
            continue;
        }
        json_object_set(des, k, v);
    }
    return 0;
}

/* Pod (§4.7): node, service account, volumes and matching mounts. */
static int
retain_pod(json_t *dspec, const json_t *ospec)
{
    static const char *const lists[] = { "containers", "initContainers" };
    static const char *const fields[] = { "nodeName", "serviceAccountName",
                                          "volumes" };

    for (size_t f = 0; f < 3; f++) {
        const json_t *v = json_object_get(ospec, fields[f]);

        if (v != NULL) {
            json_object_set(dspec, fields[f], (json_t *)v);
        } else {
            json_object_del(dspec, fields[f]);
        }
    }
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        size_t j;
        json_t *oc;
        json_t *dc;

        json_array_foreach(json_object_get(ospec, lists[l]), i, oc) {
            json_array_foreach(json_object_get(dspec, lists[l]), j, dc) {
                if (strcmp(jstr(dc, "name"), jstr(oc, "name")) != 0) {
                    continue;
                }
                if (json_object_get(oc, "volumeMounts") != NULL) {
                    json_object_set(dc, "volumeMounts",
                                    json_object_get(oc, "volumeMounts"));
                } else {
                    json_object_del(dc, "volumeMounts");
                }
            }
        }
    }
    return 0;
}

/* ServiceAccount (§4.14): desired entries, then observed ones not present. */
static void
retain_named_list(json_t *desired, const json_t *observed, const char *field)
{
    json_t *out = json_array();
    size_t i;
    size_t j;
    json_t *e;
    json_t *x;

    json_array_extend(out, json_object_get(desired, field));
    json_array_foreach(json_object_get(observed, field), i, e) {
        bool present = false;

        json_array_foreach(out, j, x) {
            present = present || strcmp(jstr(x, "name"), jstr(e, "name")) == 0;
        }
        if (!present) {
            json_array_append(out, e);
        }
    }
    if (json_array_size(out) == 0) {
        json_decref(out);
        json_object_set_new(desired, field, json_null());
        return;
    }
    json_object_set_new(desired, field, out);
}

static int
retain_kind(json_t *desired, json_t *dspec, const json_t *observed,
            const json_t *ospec)
{
    if (is_gvk(desired, "v1", "Pod") && json_is_object(dspec)) {
        return retain_pod(dspec, ospec);
    }
    if (is_gvk(desired, "batch/v1", "Job") && json_is_object(dspec)) {
        const json_t *ml = json_object_get(json_object_get(ospec, "selector"),
                                           "matchLabels");
        const json_t *tl = json_object_get(
            json_object_get(json_object_get(ospec, "template"), "metadata"),
            "labels");
        json_t *dsel = json_object_get(dspec, "selector");
        json_t *dtm = json_object_get(json_object_get(dspec, "template"),
                                      "metadata");

        if (ml != NULL && json_is_object(dsel)) {
            json_object_set(dsel, "matchLabels", (json_t *)ml);
        }
        if (tl != NULL && json_is_object(dtm)) {
            json_object_set(dtm, "labels", (json_t *)tl);
        }
        return 0;
    }
    if (is_gvk(desired, "v1", "PersistentVolume") && json_is_object(dspec) &&
        json_object_get(ospec, "claimRef") != NULL) {
        json_object_set(dspec, "claimRef", json_object_get(ospec, "claimRef"));
        return 0;
    }
    if (is_gvk(desired, "v1", "ServiceAccount")) {
        retain_named_list(desired, observed, "secrets");
        retain_named_list(desired, observed, "imagePullSecrets");
        return 0;
    }
    if (is_gvk(desired, "v1", "Secret") &&
        strcmp(jstr(desired, "type"), "kubernetes.io/service-account-token") ==
            0 &&
        json_object_get(observed, "data") != NULL) {
        json_object_set(desired, "data", json_object_get(observed, "data"));
    }
    return 0;
}

int
model_interp_retain(json_t *desired, const json_t *observed)
{
    json_t *dspec = json_object_get(desired, "spec");
    const json_t *ospec = json_object_get(observed, "spec");
    int rc = 0;

    rc |= keep_observed(desired, observed, "resourceVersion");
    rc |= keep_observed(desired, observed, "finalizers");
    rc |= keep_observed(desired, observed, "ownerReferences");
    rc |= merge_observed_map(desired, observed, "annotations",
                             "resourcetemplate.karmada.io/managed-annotations");
    rc |= merge_observed_map(desired, observed, "labels",
                             "resourcetemplate.karmada.io/managed-labels");
    if (rc != 0) {
        return -ENOMEM;
    }
    if (is_gvk(desired, "apps/v1", "Deployment")) {
        /* §3.4 prunes these from every manifest placed in a Work: the
         * member's controller writes them, and an apply that carried them
         * back would make Flotilla a co-owner of the rollout's revision. */
        json_t *ann = json_object_get(json_object_get(desired, "metadata"),
                                      "annotations");

        json_object_del(ann, "deployment.kubernetes.io/revision");
        json_object_del(ann, "deployment.kubernetes.io/revision-history");
    }
    if (is_gvk(desired, "apps/v1", "Deployment") &&
        strcmp(jstr(json_object_get(json_object_get(desired, "metadata"),
                                    "labels"),
                    "resourcetemplate.karmada.io/retain-replicas"),
               "true") == 0) {
        const json_t *r = json_object_get(ospec, "replicas");

        if (!json_is_integer(r)) {
            return -EINVAL;
        }
        json_object_set(dspec, "replicas", (json_t *)r);
    } else if (is_gvk(desired, "v1", "PersistentVolumeClaim") &&
               jstr(ospec, "volumeName")[0] != '\0') {
        json_object_set(dspec, "volumeName",
                        json_object_get(ospec, "volumeName"));
    } else if (is_gvk(desired, "v1", "Service") && json_is_object(dspec)) {
        const json_t *ip = json_object_get(ospec, "clusterIP");
        const json_t *hc = json_object_get(ospec, "healthCheckNodePort");

        if ((ip != NULL && !json_is_string(ip)) ||
            (hc != NULL && !json_is_integer(hc))) {
            return -EINVAL;
        }
        if (json_is_string(ip) && json_string_length(ip) > 0) {
            json_object_set(dspec, "clusterIP", (json_t *)ip);
        }
        if (json_integer_value(hc) > 0) {
            json_object_set(dspec, "healthCheckNodePort", (json_t *)hc);
        }
    }
    return retain_kind(desired, dspec, observed, ospec);
}

/* ------------------------------------------------------------ prune */

static void
prune_job_labels(json_t *spec)
{
    json_t *ml = json_object_get(json_object_get(spec, "selector"),
                                 "matchLabels");
    json_t *tl = json_object_get(
        json_object_get(json_object_get(spec, "template"), "metadata"),
        "labels");

    json_object_del(ml, "controller-uid");
    json_object_del(ml, "batch.kubernetes.io/controller-uid");
    json_object_del(tl, "controller-uid");
    json_object_del(tl, "job-name");
    json_object_del(tl, "batch.kubernetes.io/controller-uid");
    json_object_del(tl, "batch.kubernetes.io/job-name");
}

/*
 * Token secrets "<name>-token-*" are made by the member's controller.
 * Karmada's loop skips the entry right after a removed one (interpreter.md
 * §7); kept, so manifests stay identical to Karmada's.
 */
static void
prune_sa_secrets(json_t *m)
{
    const char *name = jstr(json_object_get(m, "metadata"), "name");
    json_t *secrets = json_object_get(m, "secrets");
    char prefix[300];

    snprintf(prefix, sizeof(prefix), "%s-token-", name);
    for (size_t i = 0; i < json_array_size(secrets); i++) {
        if (strncmp(jstr(json_array_get(secrets, i), "name"), prefix,
                    strlen(prefix)) == 0) {
            json_array_remove(secrets, i);
        }
    }
}

int
model_interp_prune(json_t *m)
{
    static const char *const meta_fields[] = {
        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
        "generation", "managedFields", "resourceVersion", "selfLink", "uid",
        "ownerReferences", "finalizers", NULL,
    };
    json_t *meta = json_object_get(m, "metadata");
    json_t *spec = json_object_get(m, "spec");
    json_t *ann = json_object_get(meta, "annotations");
    const char *kind = jstr(m, "kind");

    for (const char *const *f = meta_fields; *f != NULL; f++) {
        json_object_del(meta, *f);
    }
    json_object_del(m, "status");
    if (strcmp(kind, "Deployment") == 0) {
        json_object_del(ann, "deployment.kubernetes.io/revision");
        json_object_del(ann, "deployment.kubernetes.io/revision-history");
    } else if (strcmp(kind, "Service") == 0) {
        const json_t *ip = json_object_get(spec, "clusterIP");

        if (ip != NULL && strcmp(jstr(spec, "clusterIP"), "None") != 0) {
            json_object_del(spec, "clusterIP");
            json_object_del(spec, "clusterIPs");
        }
    } else if (strcmp(kind, "PersistentVolumeClaim") == 0) {
        json_object_del(ann, "volume.kubernetes.io/selected-node");
    } else if (strcmp(kind, "Job") == 0) {
        json_object_del(spec, "ttlSecondsAfterFinished");
        if (!json_is_true(json_object_get(spec, "manualSelector"))) {
            prune_job_labels(spec);
        }
    } else if (strcmp(kind, "ServiceAccount") == 0) {
        prune_sa_secrets(m);
    } else if (strcmp(kind, "Secret") == 0 &&
               strcmp(jstr(m, "type"),
                      "kubernetes.io/service-account-token") == 0) {
        json_object_del(ann, "kubernetes.io/service-account.uid");
        json_object_set_new(m, "data", json_null());
    }
    return 0;
}
