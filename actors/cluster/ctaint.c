/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cluster actor core; see ctaint/ctaint.h and docs/health.md.
 *
 * Every input recomputes the affected clusters' taint sets from their
 * sources and publishes a set only when it differs from the one published.
 */
#define LOG_MODULE "cluster"
#include "ctaint/ctaint.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bus/subject.h"
#include "model/override.h"
#include "policy.h"
#include "util/log.h"
#include "util/strmap.h"

struct ct_taint {
    char *key;
    char *value;
    char *effect;
    int64_t time_added_ns;
    char *source;       /* holders joined by ",", e.g. "condition,policy/x" */
};

struct ct_set {
    struct ct_taint *v;
    size_t n;
};

struct ct_cluster {
    bool has_spec;
    json_t *cluster;        /* the Cluster as affinity matching reads it */
    struct ct_set spec;
    bool has_status;
    char ready[8];
    json_t *conds;          /* condition type -> status */
    struct ct_set manual;
    struct strmap holds;    /* policy name -> held (num 1) */
    bool published;
    struct ct_set pub;
};

struct ct_state {
    struct strmap clusters; /* name -> struct ct_cluster */
    struct strmap policies; /* name -> struct ct_policy (valid ones) */
};

static const struct actor_input ct_inputs[] = {
    { "FL_CLUSTERS", "cluster.spec.*", true },
    { "FL_CLUSTERS", "cluster.status.*", true },
    { "FL_OBJECTS", "object.ClusterTaintPolicy.*.*", true },
    { "FL_REQUESTS", "req.taint.*", false },
    { NULL, NULL, false },
};

static const struct actor_input ct_own[] = {
    { "FL_CLUSTERS", "cluster.taint.*", true },
    { NULL, NULL, false },
};

/* ---------------------------------------------------------------- sets */

static void
set_release(struct ct_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].key);
        free(s->v[i].value);
        free(s->v[i].effect);
        free(s->v[i].source);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static struct ct_taint *
set_find(const struct ct_set *s, const char *key, const char *effect)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->v[i].key, key) == 0 &&
            strcmp(s->v[i].effect, effect) == 0) {
            return &s->v[i];
        }
    }
    return NULL;
}

static int
set_add(struct ct_set *s, const char *key, const char *value,
        const char *effect, int64_t t, const char *source)
{
    struct ct_taint *n = realloc(s->v, (s->n + 1) * sizeof(*n));
    struct ct_taint *x;

    if (n == NULL) {
        return -ENOMEM;
    }
    s->v = n;
    x = &s->v[s->n];
    x->key = strdup(key);
    x->value = strdup(value != NULL ? value : "");
    x->effect = strdup(effect);
    x->source = strdup(source);
    x->time_added_ns = t;
    s->n++;
    if (x->key == NULL || x->value == NULL || x->effect == NULL ||
        x->source == NULL) {
        return -ENOMEM;
    }
    return 0;
}

static void
set_remove_at(struct ct_set *s, size_t i)
{
    free(s->v[i].key);
    free(s->v[i].value);
    free(s->v[i].effect);
    free(s->v[i].source);
    memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
    s->n--;
}

static int
cmp_taint(const void *a, const void *b)
{
    const struct ct_taint *x = a;
    const struct ct_taint *y = b;
    int c = strcmp(x->key, y->key);

    return c != 0 ? c : strcmp(x->effect, y->effect);
}

static bool
set_equal(const struct ct_set *a, const struct ct_set *b)
{
    if (a->n != b->n) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->v[i].key, b->v[i].key) != 0 ||
            strcmp(a->v[i].value, b->v[i].value) != 0 ||
            strcmp(a->v[i].effect, b->v[i].effect) != 0 ||
            strcmp(a->v[i].source, b->v[i].source) != 0 ||
            a->v[i].time_added_ns != b->v[i].time_added_ns) {
            return false;
        }
    }
    return true;
}

/* Does the ","-joined @sources name @one? */
static bool
has_source(const char *sources, const char *one)
{
    size_t n = strlen(one);

    for (const char *p = sources; p != NULL && *p != '\0';) {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

        if (len == n && strncmp(p, one, n) == 0) {
            return true;
        }
        p = end != NULL ? end + 1 : NULL;
    }
    return false;
}

static void
taint_text(const struct ct_taint *t, char *buf, size_t len)
{
    if (t->value[0] != '\0') {
        snprintf(buf, len, "%s=%s:%s", t->key, t->value, t->effect);
    } else {
        snprintf(buf, len, "%s:%s", t->key, t->effect);
    }
}

/* ---------------------------------------------------------------- clusters */

static void
cluster_free(struct ct_cluster *c)
{
    if (c == NULL) {
        return;
    }
    json_decref(c->cluster);
    json_decref(c->conds);
    set_release(&c->spec);
    set_release(&c->manual);
    set_release(&c->pub);
    util_strmap_release(&c->holds);
    free(c);
}

static struct ct_cluster *
cluster_get(struct ct_state *s, const char *name, bool create)
{
    struct strmap_entry *e;

    if (!create) {
        e = util_strmap_get(&s->clusters, name);
        return e != NULL ? e->ptr : NULL;
    }
    e = util_strmap_put(&s->clusters, name);
    if (e == NULL) {
        return NULL;
    }
    if (e->ptr == NULL) {
        e->ptr = calloc(1, sizeof(struct ct_cluster));
        if (e->ptr == NULL) {
            (void)util_strmap_del(&s->clusters, name);
        }
    }
    return e->ptr;
}

/* Updates whether policy @p holds its taints on cluster @c (@name). */
static int
update_hold(struct ct_cluster *c, const char *name, const struct ct_policy *p)
{
    struct strmap_entry *e = util_strmap_get(&c->holds, p->name);
    bool held = e != NULL;
    bool now = held;

    if (p->target != NULL &&
        !model_cluster_affinity_matches(p->target, name, c->cluster)) {
        now = false;
    } else if (c->has_status) {
        if (ct_policy_conditions_match(p->remove, c->conds)) {
            now = false;
        } else if (ct_policy_conditions_match(p->add, c->conds)) {
            now = true;
        }
    }
    if (now && !held) {
        e = util_strmap_put(&c->holds, p->name);
        if (e == NULL) {
            return -ENOMEM;
        }
        e->num = 1;
    } else if (!now && held) {
        (void)util_strmap_del(&c->holds, p->name);
    }
    return 0;
}

/* Adds @source's claim on (key, effect) to @out, merging holders. */
static int
claim(struct ct_set *out, const char *key, const char *value,
      const char *effect, int64_t t, const char *source)
{
    struct ct_taint *x = set_find(out, key, effect);
    char *joined;

    if (x == NULL) {
        return set_add(out, key, value, effect, t, source);
    }
    if (has_source(x->source, source)) {
        return 0;
    }
    joined = malloc(strlen(x->source) + strlen(source) + 2);
    if (joined == NULL) {
        return -ENOMEM;
    }
    sprintf(joined, "%s,%s", x->source, source);
    free(x->source);
    x->source = joined;
    return 0;
}

static int
claim_set(struct ct_set *out, const struct ct_set *in, const char *source)
{
    int rc = 0;

    for (size_t i = 0; i < in->n && rc == 0; i++) {
        rc = claim(out, in->v[i].key, in->v[i].value, in->v[i].effect,
                   in->v[i].time_added_ns, source);
    }
    return rc;
}

static int
claim_policies(struct ct_state *s, struct ct_cluster *c, const char *name,
               struct ct_set *out)
{
    const char **names = util_strmap_sorted_keys(&s->policies, NULL);
    const char **held = NULL;
    int rc = 0;

    if (names == NULL) {
        return -ENOMEM;
    }
    /* Holds of policies that are gone go with them. */
    held = util_strmap_sorted_keys(&c->holds, NULL);
    for (size_t i = 0; held != NULL && held[i] != NULL; i++) {
        if (util_strmap_get(&s->policies, held[i]) == NULL) {
            (void)util_strmap_del(&c->holds, held[i]);
        }
    }
    for (size_t i = 0; names[i] != NULL && rc == 0; i++) {
        const struct ct_policy *p =
            util_strmap_get(&s->policies, names[i])->ptr;
        char source[300];

        rc = update_hold(c, name, p);
        if (rc != 0 || util_strmap_get(&c->holds, p->name) == NULL) {
            continue;
        }
        snprintf(source, sizeof(source), "policy/%s", p->name);
        for (size_t k = 0; k < p->ntaints && rc == 0; k++) {
            rc = claim(out, p->taints[k].key, p->taints[k].value,
                       p->taints[k].effect, 0, source);
        }
    }
    free(held);
    free(names);
    return held == NULL && rc == 0 ? -ENOMEM : rc;
}

/*
 * The taint set the sources of @c say, in canonical order, with timeAdded
 * kept from the published set. Sources in precedence order for the value:
 * spec, manual, condition, policies by name.
 */
static int
desired(struct ct_state *s, struct ct_cluster *c, const char *name,
        int64_t now, struct ct_set *out)
{
    int rc;

    rc = claim_set(out, &c->spec, "spec");
    if (rc == 0) {
        rc = claim_set(out, &c->manual, "manual");
    }
    if (rc == 0 && c->has_status && strcmp(c->ready, "True") != 0) {
        /* False or missing: not-ready; Unknown: unreachable. */
        rc = claim(out, strcmp(c->ready, "Unknown") == 0
                            ? CTAINT_KEY_UNREACHABLE
                            : CTAINT_KEY_NOT_READY,
                   "", "NoSchedule", 0, "condition");
    }
    if (rc == 0) {
        rc = claim_policies(s, c, name, out);
    }
    for (size_t i = 0; i < out->n && rc == 0; i++) {
        struct ct_taint *old = set_find(&c->pub, out->v[i].key,
                                        out->v[i].effect);

        if (old != NULL && old->time_added_ns != 0) {
            out->v[i].time_added_ns = old->time_added_ns;
        } else if (out->v[i].time_added_ns == 0) {
            out->v[i].time_added_ns = now;
        }
    }
    if (out->n > 1) {
        qsort(out->v, out->n, sizeof(*out->v), cmp_taint);
    }
    return rc;
}

/* ---------------------------------------------------------------- output */

static void
decide(struct actor_fx *fx, const char *name, const char *decision,
       const char *reason, int64_t now)
{
    Flotilla__V1__DecisionEvent ev = FLOTILLA__V1__DECISION_EVENT__INIT;

    actor_fx_decision(fx, name, decision, reason);
    ev.actor = "cluster";
    ev.key = (char *)name;
    ev.decision = (char *)decision;
    ev.reason = (char *)reason;
    ev.at_ns = now;
    (void)actor_fx_publish(fx, "events.cluster", name, "DecisionEvent",
                           &ev.base, 0);
}

/* Why a taint is held (for added) or was released (for removed). */
static void
why_text(const struct ct_cluster *c, const char *sources, bool added,
         char *buf, size_t len)
{
    if (has_source(sources, "condition")) {
        snprintf(buf, len, "%s (Ready=%s)", added ? sources : "condition",
                 c->has_status ? c->ready : "none");
        return;
    }
    snprintf(buf, len, "%s%s", added ? "" : "released by ", sources);
}

static void
log_changes(const struct ct_cluster *c, const char *name,
            const struct ct_set *old, const struct ct_set *now_set,
            int64_t now, struct actor_fx *fx)
{
    char text[600];
    char decision[700];
    char why[400];

    for (size_t i = 0; i < now_set->n; i++) {
        const struct ct_taint *t = &now_set->v[i];
        const struct ct_taint *o = set_find(old, t->key, t->effect);

        taint_text(t, text, sizeof(text));
        if (o == NULL) {
            why_text(c, t->source, true, why, sizeof(why));
            snprintf(decision, sizeof(decision), "taint + %s", text);
            decide(fx, name, decision, why, now);
        } else if (strcmp(o->value, t->value) != 0) {
            snprintf(decision, sizeof(decision), "taint ~ %s", text);
            decide(fx, name, decision, t->source, now);
        }
    }
    for (size_t i = 0; i < old->n; i++) {
        const struct ct_taint *o = &old->v[i];

        if (set_find(now_set, o->key, o->effect) == NULL) {
            taint_text(o, text, sizeof(text));
            why_text(c, o->source, false, why, sizeof(why));
            snprintf(decision, sizeof(decision), "taint - %s", text);
            decide(fx, name, decision, why, now);
        }
    }
}

static int
publish_set(const char *name, const struct ct_set *set, struct actor_fx *fx)
{
    Flotilla__V1__ClusterTaints msg = FLOTILLA__V1__CLUSTER_TAINTS__INIT;
    Flotilla__V1__Taint *taints = NULL;
    Flotilla__V1__Taint **ptrs = NULL;
    char subject[BUS_SUBJECT_MAX];
    int rc;

    if (bus_subject_build(subject, sizeof(subject), "cluster.taint", name,
                          NULL, NULL) < 0) {
        return -EINVAL;
    }
    taints = calloc(set->n + 1, sizeof(*taints));
    ptrs = calloc(set->n + 1, sizeof(*ptrs));
    if (taints == NULL || ptrs == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < set->n; i++) {
        flotilla__v1__taint__init(&taints[i]);
        taints[i].key = set->v[i].key;
        taints[i].value = set->v[i].value;
        taints[i].effect = set->v[i].effect;
        taints[i].time_added_ns = set->v[i].time_added_ns;
        taints[i].source = set->v[i].source;
        ptrs[i] = &taints[i];
    }
    msg.cluster = (char *)name;
    msg.n_taints = set->n;
    msg.taints = ptrs;
    rc = actor_fx_publish(fx, subject, name, "ClusterTaints", &msg.base,
                          ACTOR_PUB_OWNED);

out:
    free(ptrs);
    free(taints);
    return rc;
}

/* Recomputes @name's set; publishes it and logs the changes if it moved. */
static int
recompute(struct ct_state *s, const char *name, int64_t now,
          struct actor_fx *fx)
{
    struct ct_cluster *c = cluster_get(s, name, false);
    struct ct_set next = { 0 };
    int rc;

    if (c == NULL || !c->has_spec) {
        return 0;
    }
    rc = desired(s, c, name, now, &next);
    if (rc != 0) {
        set_release(&next);
        return rc;
    }
    if (c->published && set_equal(&next, &c->pub)) {
        set_release(&next);
        return 0;
    }
    rc = publish_set(name, &next, fx);
    if (rc != 0) {
        set_release(&next);
        return rc;
    }
    log_changes(c, name, &c->pub, &next, now, fx);
    set_release(&c->pub);
    c->pub = next;
    c->published = true;
    return 0;
}

static int
recompute_all(struct ct_state *s, int64_t now, struct actor_fx *fx)
{
    const char **names = util_strmap_sorted_keys(&s->clusters, NULL);
    int rc = 0;

    if (names == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; names[i] != NULL && rc == 0; i++) {
        rc = recompute(s, names[i], now, fx);
    }
    free(names);
    return rc;
}

/* ---------------------------------------------------------------- inputs */

static int
subject_token(const char *subject, int skip, int idx, char name[256])
{
    char names[3][256];
    int n = bus_subject_names(subject, skip, names, 3);

    if (n <= idx) {
        return -EINVAL;
    }
    memcpy(name, names[idx], 256);
    return 0;
}

static json_t *
cluster_json(const char *name, const Flotilla__V1__ClusterSpec *spec)
{
    json_t *labels = json_object();
    json_t *zones = json_array();

    for (size_t i = 0; i < spec->n_labels; i++) {
        json_object_set_new(labels, spec->labels[i]->key,
                            json_string(spec->labels[i]->value));
    }
    for (size_t i = 0; i < spec->n_zones; i++) {
        json_array_append_new(zones, json_string(spec->zones[i]));
    }
    return json_pack("{s:{s:s,s:o},s:{s:s,s:s,s:s,s:o}}", "metadata", "name",
                     name, "labels", labels, "spec", "provider",
                     spec->provider, "region", spec->region, "zone",
                     spec->zone, "zones", zones);
}

/* Takes a spec (or its tombstone) into the state. */
static int
take_spec(struct ct_state *s, const struct actor_msg *m, const char *name)
{
    Flotilla__V1__ClusterSpec *spec;
    struct ct_cluster *c;
    int rc = 0;

    if (m->env->deleted) {
        c = cluster_get(s, name, false);
        if (c != NULL) {
            c->has_spec = false;
        }
        return 0;
    }
    spec = flotilla__v1__cluster_spec__unpack(NULL, m->env->payload.len,
                                              m->env->payload.data);
    if (spec == NULL) {
        return -EBADMSG;
    }
    c = cluster_get(s, name, true);
    if (c == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    c->has_spec = true;
    json_decref(c->cluster);
    c->cluster = cluster_json(name, spec);
    set_release(&c->spec);
    for (size_t i = 0; i < spec->n_taints && rc == 0; i++) {
        const Flotilla__V1__Taint *t = spec->taints[i];

        if (ct_key_problem(t->key) != NULL || !ct_effect_is_valid(t->effect) ||
            set_find(&c->spec, t->key, t->effect) != NULL) {
            log_warn("spec taint ignored", "cluster=%s key=%s effect=%s "
                     "reason=\"invalid key or effect, or listed twice\"",
                     name, t->key, t->effect);
            continue;
        }
        rc = set_add(&c->spec, t->key, t->value, t->effect, t->time_added_ns,
                     "spec");
    }

out:
    flotilla__v1__cluster_spec__free_unpacked(spec, NULL);
    return rc;
}

static int
take_status(struct ct_state *s, const struct actor_msg *m, const char *name)
{
    Flotilla__V1__ClusterStatus *st;
    struct ct_cluster *c;

    c = cluster_get(s, name, !m->env->deleted);
    if (m->env->deleted) {
        if (c != NULL) {
            c->has_status = false;
        }
        return 0;
    }
    if (c == NULL) {
        return -ENOMEM;
    }
    st = flotilla__v1__cluster_status__unpack(NULL, m->env->payload.len,
                                              m->env->payload.data);
    if (st == NULL) {
        return -EBADMSG;
    }
    json_decref(c->conds);
    c->conds = json_object();
    for (size_t i = 0; i < st->n_conditions; i++) {
        json_object_set_new(c->conds, st->conditions[i]->type,
                            json_string(st->conditions[i]->status));
    }
    if (st->ready[0] != '\0') {
        json_object_set_new(c->conds, "Ready", json_string(st->ready));
    }
    /* A status with no Ready decided yet counts as no status. */
    c->has_status = st->ready[0] != '\0';
    snprintf(c->ready, sizeof(c->ready), "%s", st->ready);
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
    return 0;
}

/* Takes a policy (or its deletion); -EINVAL leaves it out, logged. */
static int
take_policy(struct ct_state *s, const struct actor_msg *m, char *name)
{
    Flotilla__V1__ObjectRecord *rec;
    struct ct_policy *p = NULL;
    struct strmap_entry *e;
    char err[300];
    int rc;

    if (subject_token(m->subject, 1, 2, name) != 0) {
        return -EBADMSG;
    }
    ct_policy_free(util_strmap_del(&s->policies, name));
    if (m->env->deleted) {
        return 0;
    }
    rec = flotilla__v1__object_record__unpack(NULL, m->env->payload.len,
                                              m->env->payload.data);
    if (rec == NULL) {
        return -EBADMSG;
    }
    rc = ct_policy_parse(name, (const char *)rec->json.data, rec->json.len,
                         &p, err, sizeof(err));
    flotilla__v1__object_record__free_unpacked(rec, NULL);
    if (rc == -EINVAL) {
        log_warn("policy ignored", "kind=ClusterTaintPolicy name=%s "
                 "reason=\"%s\"", name, err);
        return -EINVAL;
    }
    if (rc != 0) {
        return rc;
    }
    e = util_strmap_put(&s->policies, name);
    if (e == NULL) {
        ct_policy_free(p);
        return -ENOMEM;
    }
    e->ptr = p;
    return 0;
}

/* Takes the published set back: manual taints and policy holds. */
static int
take_own(struct ct_state *s, const struct actor_msg *m, const char *name)
{
    Flotilla__V1__ClusterTaints *ts;
    struct ct_cluster *c;
    int rc = 0;

    if (m->env->deleted) {
        return 0;
    }
    ts = flotilla__v1__cluster_taints__unpack(NULL, m->env->payload.len,
                                              m->env->payload.data);
    if (ts == NULL) {
        return -EBADMSG;
    }
    c = cluster_get(s, name, true);
    if (c == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    set_release(&c->pub);
    set_release(&c->manual);
    util_strmap_release(&c->holds);
    c->published = true;
    for (size_t i = 0; i < ts->n_taints && rc == 0; i++) {
        const Flotilla__V1__Taint *t = ts->taints[i];
        const char *p = t->source;

        rc = set_add(&c->pub, t->key, t->value, t->effect, t->time_added_ns,
                     t->source);
        if (rc == 0 && has_source(t->source, "manual")) {
            rc = set_add(&c->manual, t->key, t->value, t->effect,
                         t->time_added_ns, "manual");
        }
        while (rc == 0 && p != NULL && (p = strstr(p, "policy/")) != NULL) {
            char pol[256];
            size_t len = strcspn(p + 7, ",");
            struct strmap_entry *e;

            snprintf(pol, sizeof(pol), "%.*s", (int)len, p + 7);
            e = util_strmap_put(&c->holds, pol);
            if (e == NULL) {
                rc = -ENOMEM;
            } else {
                e->num = 1;
            }
            p += 7 + len;
        }
    }

out:
    flotilla__v1__cluster_taints__free_unpacked(ts, NULL);
    return rc;
}

/* Checks a manual request; NULL or what is wrong with which field. */
static const char *
request_problem(const Flotilla__V1__TaintRequest *r, char *buf, size_t len)
{
    for (size_t i = 0; i < r->n_add; i++) {
        const char *why = ct_key_problem(r->add[i]->key);

        if (why != NULL) {
            snprintf(buf, len, "add[%zu].key \"%s\": %s", i, r->add[i]->key,
                     why);
            return buf;
        }
        if (!ct_effect_is_valid(r->add[i]->effect)) {
            snprintf(buf, len, "add[%zu].effect \"%s\" is not NoSchedule or "
                     "NoExecute", i, r->add[i]->effect);
            return buf;
        }
    }
    for (size_t i = 0; i < r->n_remove; i++) {
        if (r->remove[i]->key[0] == '\0') {
            snprintf(buf, len, "remove[%zu].key: empty", i);
            return buf;
        }
    }
    return NULL;
}

static int
apply_request(struct ct_cluster *c, const Flotilla__V1__TaintRequest *r,
              int64_t now)
{
    int rc = 0;

    for (size_t i = 0; i < r->n_remove; i++) {
        for (size_t k = c->manual.n; k-- > 0;) {
            if (strcmp(c->manual.v[k].key, r->remove[i]->key) == 0 &&
                (r->remove[i]->effect[0] == '\0' ||
                 strcmp(c->manual.v[k].effect, r->remove[i]->effect) == 0)) {
                set_remove_at(&c->manual, k);
            }
        }
    }
    for (size_t i = 0; i < r->n_add && rc == 0; i++) {
        const Flotilla__V1__Taint *t = r->add[i];
        struct ct_taint *x = set_find(&c->manual, t->key, t->effect);

        if (x == NULL) {
            rc = set_add(&c->manual, t->key, t->value, t->effect, now,
                         "manual");
        } else if (strcmp(x->value, t->value) != 0) {
            char *v = strdup(t->value);

            if (v == NULL) {
                return -ENOMEM;
            }
            free(x->value);
            x->value = v;
        }
    }
    return rc;
}

static int
on_request(struct ct_state *s, const struct actor_msg *m, int64_t now,
           struct actor_fx *fx)
{
    Flotilla__V1__TaintRequest *r;
    struct ct_cluster *c;
    const char *why;
    char buf[400];
    char name[256];
    int rc = 0;

    r = flotilla__v1__taint_request__unpack(NULL, m->env->payload.len,
                                            m->env->payload.data);
    if (r == NULL || r->cluster[0] == '\0') {
        if (r != NULL) {
            flotilla__v1__taint_request__free_unpacked(r, NULL);
        }
        return -EBADMSG;
    }
    snprintf(name, sizeof(name), "%s", r->cluster);
    why = request_problem(r, buf, sizeof(buf));
    if (why != NULL) {
        decide(fx, name, "taint request refused", why, now);
        goto out;
    }
    c = cluster_get(s, name, true);
    if (c == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    if (!c->has_spec) {
        /* The spec is read by another consumer and may come later. */
        decide(fx, name, "taint request pending",
               "cluster not registered yet", now);
    }
    rc = apply_request(c, r, now);
    if (rc == 0) {
        rc = recompute(s, name, now, fx);
    }
    for (size_t i = 0; i < r->n_remove && rc == 0; i++) {
        /* Removing the manual claim leaves other holders' taints in place. */
        for (size_t k = 0; k < c->pub.n; k++) {
            const struct ct_taint *t = &c->pub.v[k];

            if (strcmp(t->key, r->remove[i]->key) == 0 &&
                (r->remove[i]->effect[0] == '\0' ||
                 strcmp(t->effect, r->remove[i]->effect) == 0)) {
                char text[600];

                taint_text(t, text, sizeof(text));
                snprintf(buf, sizeof(buf), "held by %s", t->source);
                decide(fx, name, text, buf, now);
            }
        }
    }

out:
    flotilla__v1__taint_request__free_unpacked(r, NULL);
    return rc;
}

/* ---------------------------------------------------------------- core */

static void *
ct_create(const void *config)
{
    (void)config;
    return calloc(1, sizeof(struct ct_state));
}

static void
ct_destroy(void *p)
{
    struct ct_state *s = p;
    struct strmap_entry *e;
    size_t i = 0;

    if (s == NULL) {
        return;
    }
    while ((e = util_strmap_next(&s->clusters, &i)) != NULL) {
        cluster_free(e->ptr);
    }
    i = 0;
    while ((e = util_strmap_next(&s->policies, &i)) != NULL) {
        ct_policy_free(e->ptr);
    }
    util_strmap_release(&s->clusters);
    util_strmap_release(&s->policies);
    free(s);
}

static int
ct_absorb(void *p, const struct actor_msg *m)
{
    struct ct_state *s = p;
    char name[256];

    if (strncmp(m->subject, "object.", 7) == 0) {
        return take_policy(s, m, name);
    }
    if (subject_token(m->subject, 2, 0, name) != 0) {
        return -EBADMSG;
    }
    if (strncmp(m->subject, "cluster.spec.", 13) == 0) {
        return take_spec(s, m, name);
    }
    if (strncmp(m->subject, "cluster.status.", 15) == 0) {
        return take_status(s, m, name);
    }
    if (strncmp(m->subject, "cluster.taint.", 14) == 0) {
        return take_own(s, m, name);
    }
    return 0;
}

static int
drop_cluster(struct ct_state *s, const char *name, struct actor_fx *fx)
{
    struct ct_cluster *c = cluster_get(s, name, false);
    char subject[BUS_SUBJECT_MAX];
    int rc = 0;

    if (c == NULL) {
        return 0;
    }
    if (c->published) {
        bus_subject_build(subject, sizeof(subject), "cluster.taint", name,
                          NULL, NULL);
        rc = actor_fx_publish(fx, subject, name, "ClusterTaints", NULL,
                              ACTOR_PUB_OWNED | ACTOR_PUB_TOMBSTONE);
        actor_fx_decision(fx, name, "taints removed", "cluster deleted");
    }
    cluster_free(util_strmap_del(&s->clusters, name));
    return rc;
}

static int
ct_handle(void *p, const struct actor_msg *m, int64_t now,
          struct actor_fx *fx)
{
    struct ct_state *s = p;
    char name[256];
    int rc;

    if (strncmp(m->subject, "req.taint.", 10) == 0) {
        return on_request(s, m, now, fx);
    }
    if (strncmp(m->subject, "object.", 7) == 0) {
        rc = take_policy(s, m, name);
        if (rc == -EINVAL) {
            /* Logged; an invalid policy holds nothing. */
            rc = 0;
        }
        return rc == 0 ? recompute_all(s, now, fx) : rc;
    }
    rc = ct_absorb(p, m);
    if (rc != 0) {
        return rc;
    }
    (void)subject_token(m->subject, 2, 0, name);
    if (strncmp(m->subject, "cluster.spec.", 13) == 0 && m->env->deleted) {
        return drop_cluster(s, name, fx);
    }
    return recompute(s, name, now, fx);
}

static int
ct_timer(void *p, const char *name, int64_t now, struct actor_fx *fx)
{
    (void)p;
    (void)name;
    (void)now;
    (void)fx;
    return 0;
}

static int
ct_resume(void *p, int64_t now, struct actor_fx *fx)
{
    struct ct_state *s = p;
    const char **names = util_strmap_sorted_keys(&s->clusters, NULL);
    int rc = 0;

    if (names == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; names[i] != NULL && rc == 0; i++) {
        struct ct_cluster *c = cluster_get(s, names[i], false);

        if (!c->has_spec) {
            char name[256];

            /* Published for a cluster that is gone: withdraw. A status
             * without a spec yet waits for the spec. */
            snprintf(name, sizeof(name), "%s", names[i]);
            rc = c->published ? drop_cluster(s, name, fx) : 0;
            continue;
        }
        rc = recompute(s, names[i], now, fx);
    }
    free(names);
    return rc;
}

const struct actor_core ctaint_core = {
    .name = "cluster",
    .inputs = ct_inputs,
    .own_state = ct_own,
    .create = ct_create,
    .destroy = ct_destroy,
    .absorb = ct_absorb,
    .handle = ct_handle,
    .on_timer = ct_timer,
    .resume = ct_resume,
};

int
ctaint_format(void *state, const char *cluster, char *buf, size_t len)
{
    struct ct_cluster *c = cluster_get(state, cluster, false);
    size_t off = 0;

    if (len > 0) {
        buf[0] = '\0';
    }
    if (c == NULL || !c->published) {
        return -ENOENT;
    }
    for (size_t i = 0; i < c->pub.n; i++) {
        char text[600];
        int n;

        taint_text(&c->pub.v[i], text, sizeof(text));
        n = snprintf(buf + off, len - off, "%s%s", i > 0 ? "," : "", text);
        if (n < 0 || (size_t)n >= len - off) {
            return -ENAMETOOLONG;
        }
        off += (size_t)n;
    }
    return (int)c->pub.n;
}
