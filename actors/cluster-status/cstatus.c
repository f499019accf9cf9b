/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cluster-status core; see cstatus/cstatus.h and docs/health.md.
 *
 * Per cluster: the run of equal report outcomes (the streak) with the time
 * of its first report, the debounced Ready, the last reported data, and the
 * last status published. A status is published when anything but the
 * report times and the resource summary changed; a changed summary alone is
 * published at most once per statusPeriod.
 */
#define LOG_MODULE "cluster-status"
#include "cstatus/cstatus.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/subject.h"
#include "config/config.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/time.h"

enum outcome {
    OUT_NONE,
    OUT_OK,
    OUT_NOT_READY,
    OUT_NO_ANSWER,
};

struct cs_cluster {
    bool has_spec;
    bool pull;
    int64_t registered_ns;      /* when the spec was first seen */
    /* The debounced Ready condition ("" before the first decision). */
    char ready[8];
    char reason[32];
    char message[256];
    int64_t ready_since_ns;
    /* The current run of equal outcomes and its first report's time. */
    enum outcome streak;
    int64_t streak_start_ns;
    char detail[160];           /* what the run's first report said */
    int64_t last_obs_ns;        /* newest report time taken in */
    int64_t last_probe_ns;
    int64_t last_hb_ns;
    /* Last status published or read back (owned), and its summary's time. */
    Flotilla__V1__ClusterStatus *pub;
    int64_t summary_pub_ns;
    /* The newest report that carried data (at most one is set; owned). */
    Flotilla__V1__ProbeResult *probe;
    Flotilla__V1__Heartbeat *hb;
    uint64_t publishes;
};

struct cs_state {
    struct cfg_settings set;
    struct strmap clusters;     /* name -> struct cs_cluster */
};

/* What goes into a status besides Ready: borrowed from a report or pub. */
struct cs_data {
    Flotilla__V1__ResourceSummary *summary;
    size_t n_api;
    Flotilla__V1__APIEnablement **api;
    bool complete;
    char *version;
    size_t n_cond;
    Flotilla__V1__Condition **cond;
};

static const struct actor_input cs_inputs[] = {
    { "FL_CLUSTERS", "cluster.spec.*", true },
    { "FL_REQUESTS", "cluster.probe.*", false },
    { "FL_REQUESTS", "cluster.heartbeat.*", false },
    { NULL, NULL, false },
};

static const struct actor_input cs_own[] = {
    { "FL_CLUSTERS", "cluster.status.*", true },
    { NULL, NULL, false },
};

/* ---------------------------------------------------------------- helpers */

static const char *
outcome_name(enum outcome o)
{
    switch (o) {
    case OUT_OK:
        return CSTATUS_OUTCOME_OK;
    case OUT_NOT_READY:
        return CSTATUS_OUTCOME_NOT_READY;
    case OUT_NO_ANSWER:
        return CSTATUS_OUTCOME_NO_ANSWER;
    default:
        return "";
    }
}

static enum outcome
outcome_parse(const char *s)
{
    if (s == NULL) {
        return OUT_NONE;
    }
    if (strcmp(s, CSTATUS_OUTCOME_OK) == 0) {
        return OUT_OK;
    }
    if (strcmp(s, CSTATUS_OUTCOME_NOT_READY) == 0) {
        return OUT_NOT_READY;
    }
    if (strcmp(s, CSTATUS_OUTCOME_NO_ANSWER) == 0) {
        return OUT_NO_ANSWER;
    }
    return OUT_NONE;
}

/* The Ready status and reason an outcome leads to. */
static const char *
outcome_ready(enum outcome o, const char **reason)
{
    switch (o) {
    case OUT_OK:
        *reason = "ClusterReady";
        return "True";
    case OUT_NOT_READY:
        *reason = "ClusterNotReady";
        return "False";
    default:
        *reason = "ClusterNotReachable";
        return "Unknown";
    }
}

static int64_t
max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static void
cluster_free(struct cs_cluster *c)
{
    if (c == NULL) {
        return;
    }
    if (c->pub != NULL) {
        flotilla__v1__cluster_status__free_unpacked(c->pub, NULL);
    }
    if (c->probe != NULL) {
        flotilla__v1__probe_result__free_unpacked(c->probe, NULL);
    }
    if (c->hb != NULL) {
        flotilla__v1__heartbeat__free_unpacked(c->hb, NULL);
    }
    free(c);
}

static struct cs_cluster *
cluster_get(struct cs_state *s, const char *name, bool create)
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
        e->ptr = calloc(1, sizeof(struct cs_cluster));
        if (e->ptr == NULL) {
            (void)util_strmap_del(&s->clusters, name);
        }
    }
    return e->ptr;
}

static void
cluster_drop(struct cs_state *s, const char *name)
{
    cluster_free(util_strmap_del(&s->clusters, name));
}

/* The cluster name the subject names (token after @skip tokens). */
static int
subject_name(const char *subject, int skip, char name[256])
{
    char names[1][256];

    if (bus_subject_names(subject, skip, names, 1) != 1) {
        return -EINVAL;
    }
    memcpy(name, names[0], 256);
    return 0;
}

/* How long without a report before the cluster counts as silent. */
static int64_t
silence_limit(const struct cs_state *s, const struct cs_cluster *c)
{
    if (c->pull) {
        return s->set.heartbeat_grace_ns;
    }
    /*
     * Two probe periods: the probe due one period after the last result has
     * missed its answer deadline (probeTimeout < probePeriod), and a whole
     * period of slack is left for a slow bus.
     */
    return 2 * s->set.probe_period_ns;
}

static int64_t
last_report(const struct cs_cluster *c)
{
    return max64(max64(c->last_probe_ns, c->last_hb_ns), c->registered_ns);
}

static int
arm(struct actor_fx *fx, const char *kind, const char *cluster, int64_t due)
{
    char name[300];

    snprintf(name, sizeof(name), "%s/%s", kind, cluster);
    return actor_fx_timer(fx, name, due);
}

/* ---------------------------------------------------------------- status */

/* Fills @d from the newest report with data, else from the last status. */
static void
data_of(const struct cs_cluster *c, struct cs_data *d)
{
    memset(d, 0, sizeof(*d));
    if (c->probe != NULL) {
        d->summary = c->probe->resource_summary;
        d->n_api = c->probe->n_api_enablements;
        d->api = c->probe->api_enablements;
        d->complete = c->probe->api_enablements_complete;
        d->version = c->probe->kubernetes_version;
        d->n_cond = c->probe->n_conditions;
        d->cond = c->probe->conditions;
    } else if (c->hb != NULL) {
        d->summary = c->hb->resource_summary;
        d->n_api = c->hb->n_api_enablements;
        d->api = c->hb->api_enablements;
        d->complete = c->hb->api_enablements_complete;
        d->version = c->hb->kubernetes_version;
        d->n_cond = c->hb->n_conditions;
        d->cond = c->hb->conditions;
    } else if (c->pub != NULL) {
        d->summary = c->pub->resource_summary;
        d->n_api = c->pub->n_api_enablements;
        d->api = c->pub->api_enablements;
        d->complete = c->pub->api_enablements_complete;
        d->version = c->pub->kubernetes_version;
        d->n_cond = c->pub->n_conditions;
        d->cond = c->pub->conditions;
    }
}

static const Flotilla__V1__Condition *
pub_condition(const struct cs_cluster *c, const char *type)
{
    if (c->pub == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < c->pub->n_conditions; i++) {
        if (c->pub->conditions[i]->type != NULL &&
            strcmp(c->pub->conditions[i]->type, type) == 0) {
            return c->pub->conditions[i];
        }
    }
    return NULL;
}

static int
cmp_cond(const void *a, const void *b)
{
    const Flotilla__V1__Condition *x = a;
    const Flotilla__V1__Condition *y = b;

    return strcmp(x->type, y->type);
}

/*
 * The status the state says, into @st. @conds (n_cond + 1 structs) and
 * @ptrs (as many pointers) are the caller's buffers. Other conditions keep
 * their last transition time while their status stays.
 */
static void
build_status(const struct cs_cluster *c, const char *name, int64_t now,
             Flotilla__V1__ClusterStatus *st, Flotilla__V1__Condition *conds,
             Flotilla__V1__Condition **ptrs, const struct cs_data *d)
{
    size_t n = 1;

    flotilla__v1__cluster_status__init(st);
    flotilla__v1__condition__init(&conds[0]);
    conds[0].type = "Ready";
    conds[0].status = (char *)c->ready;
    conds[0].reason = (char *)c->reason;
    conds[0].message = (char *)c->message;
    conds[0].last_transition_ns = c->ready_since_ns;
    for (size_t i = 0; i < d->n_cond; i++) {
        const Flotilla__V1__Condition *in = d->cond[i];
        const Flotilla__V1__Condition *old;

        if (in->type == NULL || in->type[0] == '\0' ||
            strcmp(in->type, "Ready") == 0) {
            continue;
        }
        conds[n] = *in;
        old = pub_condition(c, in->type);
        if (old != NULL && strcmp(old->status, in->status) == 0) {
            conds[n].last_transition_ns = old->last_transition_ns;
        } else if (in->last_transition_ns == 0) {
            conds[n].last_transition_ns = now;
        }
        n++;
    }
    qsort(conds + 1, n - 1, sizeof(*conds), cmp_cond);
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = &conds[i];
    }
    st->name = (char *)name;
    /* No Ready condition before the first decision. */
    st->n_conditions = c->ready[0] != '\0' ? n : n - 1;
    st->conditions = c->ready[0] != '\0' ? ptrs : ptrs + 1;
    st->resource_summary = d->summary;
    st->n_api_enablements = d->n_api;
    st->api_enablements = d->api;
    st->api_enablements_complete = d->complete;
    st->kubernetes_version = d->version != NULL ? d->version : "";
    st->ready = (char *)c->ready;
    st->reason = (char *)c->reason;
    st->streak_outcome = (char *)outcome_name(c->streak);
    st->streak_start_ns = c->streak_start_ns;
    st->streak_detail = (char *)c->detail;
    st->last_probe_ns = c->last_probe_ns;
    st->last_heartbeat_ns = c->last_hb_ns;
    st->ready_since_ns = c->ready_since_ns;
}

/* Packs @msg into a new buffer; NULL and *len 0 for NULL or on ENOMEM. */
static uint8_t *
pack(const ProtobufCMessage *msg, size_t *len)
{
    uint8_t *buf;

    *len = 0;
    if (msg == NULL) {
        return NULL;
    }
    *len = protobuf_c_message_get_packed_size(msg);
    buf = malloc(*len > 0 ? *len : 1);
    if (buf != NULL) {
        protobuf_c_message_pack(msg, buf);
    }
    return buf;
}

/* Everything but report times and summary: what "changed" means. */
static uint8_t *
signature(const Flotilla__V1__ClusterStatus *st, size_t *len)
{
    Flotilla__V1__ClusterStatus s = *st;

    s.last_probe_ns = 0;
    s.last_heartbeat_ns = 0;
    s.resource_summary = NULL;
    return pack(&s.base, len);
}

static uint8_t *
summary_sig(const Flotilla__V1__ResourceSummary *rs, size_t *len)
{
    Flotilla__V1__ResourceSummary s;

    if (rs == NULL) {
        *len = 0;
        return NULL;
    }
    s = *rs;
    s.observed_ns = 0;
    return pack(&s.base, len);
}

static bool
same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static int
publish(struct cs_state *s, struct cs_cluster *c, const char *name,
        const Flotilla__V1__ClusterStatus *st, int64_t now,
        struct actor_fx *fx)
{
    Flotilla__V1__ClusterStatus *copy;
    char subject[BUS_SUBJECT_MAX];
    uint8_t *buf;
    size_t len;
    int rc;

    (void)s;
    if (bus_subject_build(subject, sizeof(subject), "cluster.status", name,
                          NULL, NULL) < 0) {
        return -EINVAL;
    }
    buf = pack(&st->base, &len);
    if (buf == NULL) {
        return -ENOMEM;
    }
    copy = flotilla__v1__cluster_status__unpack(NULL, len, buf);
    free(buf);
    if (copy == NULL) {
        return -ENOMEM;
    }
    rc = actor_fx_publish(fx, subject, name, "ClusterStatus", &st->base,
                          ACTOR_PUB_OWNED);
    if (rc != 0) {
        flotilla__v1__cluster_status__free_unpacked(copy, NULL);
        return rc;
    }
    if (c->pub != NULL) {
        flotilla__v1__cluster_status__free_unpacked(c->pub, NULL);
    }
    c->pub = copy;
    c->summary_pub_ns = now;
    c->publishes++;
    return 0;
}

/*
 * Publishes the state's status when it differs from the last one in more
 * than report times and summary; a changed summary alone at most once per
 * statusPeriod (a timer publishes it later).
 */
static int
publish_if_changed(struct cs_state *s, struct cs_cluster *c, const char *name,
                   int64_t now, struct actor_fx *fx)
{
    Flotilla__V1__ClusterStatus st;
    Flotilla__V1__Condition *conds = NULL;
    Flotilla__V1__Condition **ptrs = NULL;
    uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    struct cs_data d;
    int64_t due;
    int rc = 0;

    data_of(c, &d);
    conds = calloc(d.n_cond + 1, sizeof(*conds));
    ptrs = calloc(d.n_cond + 1, sizeof(*ptrs));
    if (conds == NULL || ptrs == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    build_status(c, name, now, &st, conds, ptrs, &d);
    if (c->pub == NULL) {
        rc = publish(s, c, name, &st, now, fx);
        goto out;
    }
    a = signature(&st, &alen);
    b = signature(c->pub, &blen);
    if (!same_bytes(a, alen, b, blen)) {
        rc = publish(s, c, name, &st, now, fx);
        goto out;
    }
    free(a);
    free(b);
    a = summary_sig(st.resource_summary, &alen);
    b = summary_sig(c->pub->resource_summary, &blen);
    if (same_bytes(a, alen, b, blen)) {
        goto out;
    }
    due = c->summary_pub_ns + s->set.status_period_ns;
    if (now >= due) {
        rc = publish(s, c, name, &st, now, fx);
    } else {
        rc = arm(fx, "summary", name, due);
    }

out:
    free(a);
    free(b);
    free(ptrs);
    free(conds);
    return rc;
}

/* ---------------------------------------------------------------- machine */

static void
decision_event(struct actor_fx *fx, const char *name, const char *decision,
               const char *reason, int64_t now)
{
    Flotilla__V1__DecisionEvent ev = FLOTILLA__V1__DECISION_EVENT__INIT;

    actor_fx_decision(fx, name, decision, reason);
    ev.actor = "cluster-status";
    ev.key = (char *)name;
    ev.decision = (char *)decision;
    ev.reason = (char *)reason;
    ev.at_ns = now;
    (void)actor_fx_publish(fx, "events.cluster-status", name, "DecisionEvent",
                           &ev.base, 0);
}

/* Ready becomes what the streak says, now; one decision line and event. */
static void
transition(struct cs_cluster *c, const char *name, int64_t now,
           struct actor_fx *fx)
{
    const char *reason = NULL;
    const char *target = outcome_ready(c->streak, &reason);
    char held[32];
    char why[256];
    char decision[64];

    util_duration_format(now - c->streak_start_ns, held, sizeof(held));
    if (c->ready[0] == '\0') {
        snprintf(why, sizeof(why), "first report: %s%s%s",
                 outcome_name(c->streak), c->detail[0] ? ", " : "",
                 c->detail);
    } else if (c->streak == OUT_OK) {
        snprintf(why, sizeof(why), "healthy for %s", held);
    } else if (c->streak == OUT_NOT_READY) {
        snprintf(why, sizeof(why), "not ready for %s%s%s", held,
                 c->detail[0] ? ": " : "", c->detail);
    } else {
        snprintf(why, sizeof(why), "no answer for %s%s%s", held,
                 c->detail[0] ? ": " : "", c->detail);
    }
    snprintf(decision, sizeof(decision), "Ready %s -> %s",
             c->ready[0] ? c->ready : "none", target);
    snprintf(c->ready, sizeof(c->ready), "%s", target);
    snprintf(c->reason, sizeof(c->reason), "%s", reason);
    snprintf(c->message, sizeof(c->message), "%s", why);
    c->ready_since_ns = now;
    decision_event(fx, name, decision, why, now);
}

/* Decides Ready from the streak at @now; arms the threshold timer. */
static int
evaluate(struct cs_state *s, struct cs_cluster *c, const char *name,
         int64_t now, struct actor_fx *fx)
{
    const char *reason = NULL;
    const char *target;
    int64_t due;

    if (c->streak == OUT_NONE) {
        return 0;
    }
    target = outcome_ready(c->streak, &reason);
    if (strcmp(c->ready, target) == 0) {
        return arm(fx, "ready", name, 0);
    }
    if (c->ready[0] == '\0') {
        /* Nothing decided yet: there is no Ready to protect. */
        transition(c, name, now, fx);
        return arm(fx, "ready", name, 0);
    }
    due = c->streak_start_ns + (c->streak == OUT_OK
                                    ? s->set.success_threshold_ns
                                    : s->set.failure_threshold_ns);
    if (now >= due) {
        transition(c, name, now, fx);
        return arm(fx, "ready", name, 0);
    }
    return arm(fx, "ready", name, due);
}

/* Takes in one report outcome at @t (not older than the newest one). */
static void
observe(struct cs_cluster *c, int64_t t, enum outcome o, const char *detail)
{
    c->last_obs_ns = t;
    if (o != c->streak) {
        c->streak = o;
        c->streak_start_ns = t;
        snprintf(c->detail, sizeof(c->detail), "%s",
                 detail != NULL ? detail : "");
    }
}

/* ---------------------------------------------------------------- inputs */

static int
on_spec(struct cs_state *s, const struct actor_msg *m, int64_t now,
        struct actor_fx *fx)
{
    Flotilla__V1__ClusterSpec *spec = NULL;
    struct cs_cluster *c;
    char name[256];
    bool was_pull;
    int rc = 0;

    if (subject_name(m->subject, 2, name) != 0) {
        return -EBADMSG;
    }
    if (m->env->deleted) {
        c = cluster_get(s, name, false);
        if (c == NULL) {
            return 0;
        }
        if (c->pub != NULL) {
            char subject[BUS_SUBJECT_MAX];

            bus_subject_build(subject, sizeof(subject), "cluster.status",
                              name, NULL, NULL);
            rc = actor_fx_publish(fx, subject, name, "ClusterStatus", NULL,
                                  ACTOR_PUB_OWNED | ACTOR_PUB_TOMBSTONE);
            actor_fx_decision(fx, name, "status removed", "cluster deleted");
        }
        (void)arm(fx, "ready", name, 0);
        (void)arm(fx, "silence", name, 0);
        (void)arm(fx, "summary", name, 0);
        cluster_drop(s, name);
        return rc;
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
    was_pull = c->pull;
    c->pull = spec->sync_mode == FLOTILLA__V1__SYNC_MODE__SYNC_MODE_PULL;
    if (!c->has_spec || was_pull != c->pull) {
        if (!c->has_spec) {
            c->registered_ns = now;
        }
        c->has_spec = true;
        rc = arm(fx, "silence", name,
                 max64(last_report(c), now) + silence_limit(s, c));
        if (rc == 0 && c->streak != OUT_NONE) {
            /* Reports that came before the spec. */
            rc = evaluate(s, c, name, now, fx);
            if (rc == 0) {
                rc = publish_if_changed(s, c, name, now, fx);
            }
        }
    }

out:
    flotilla__v1__cluster_spec__free_unpacked(spec, NULL);
    return rc;
}

/* Keeps @probe (or @hb) as the cluster's newest data; takes ownership. */
static void
keep_data(struct cs_cluster *c, Flotilla__V1__ProbeResult *probe,
          Flotilla__V1__Heartbeat *hb)
{
    if (c->probe != NULL) {
        flotilla__v1__probe_result__free_unpacked(c->probe, NULL);
    }
    if (c->hb != NULL) {
        flotilla__v1__heartbeat__free_unpacked(c->hb, NULL);
    }
    c->probe = probe;
    c->hb = hb;
}

/* One report at @t with @o: the machine, the data, the silence timer. */
static int
report(struct cs_state *s, struct cs_cluster *c, const char *name, int64_t t,
       enum outcome o, const char *detail, int64_t now, struct actor_fx *fx)
{
    int rc;

    observe(c, t, o, detail);
    if (!c->has_spec) {
        /* The spec is read by another consumer and may come later. */
        return 0;
    }
    rc = evaluate(s, c, name, now, fx);
    if (rc == 0) {
        rc = publish_if_changed(s, c, name, now, fx);
    }
    if (rc == 0) {
        rc = arm(fx, "silence", name, t + silence_limit(s, c));
    }
    return rc;
}

static int
on_probe(struct cs_state *s, const struct actor_msg *m, int64_t now,
         struct actor_fx *fx)
{
    Flotilla__V1__ProbeResult *p;
    struct cs_cluster *c;
    enum outcome o = OUT_NONE;
    char detail[160];
    char name[256];
    int64_t t;

    p = flotilla__v1__probe_result__unpack(NULL, m->env->payload.len,
                                           m->env->payload.data);
    if (p != NULL) {
        o = outcome_parse(p->outcome);
    }
    if (p == NULL || p->cluster == NULL || p->cluster[0] == '\0' ||
        o == OUT_NONE) {
        log_warn("probe result refused", "subject=%s seq=%" PRIu64
                 " reason=\"no cluster, or outcome not ok|not-ready|no-answer\"",
                 m->subject, m->seq);
        if (p != NULL) {
            flotilla__v1__probe_result__free_unpacked(p, NULL);
        }
        return -EBADMSG;
    }
    snprintf(name, sizeof(name), "%s", p->cluster);
    c = cluster_get(s, name, true);
    t = p->probed_ns != 0 ? p->probed_ns : m->env->event_time_ns;
    t = t > now ? now : t;
    if (c == NULL || t < c->last_obs_ns) {
        /* Older than what was taken in: nothing. */
        flotilla__v1__probe_result__free_unpacked(p, NULL);
        return c == NULL ? -ENOMEM : 0;
    }
    c->last_probe_ns = t;
    if (o == OUT_NOT_READY) {
        snprintf(detail, sizeof(detail), "HTTP %d%s%s", (int)p->http_code,
                 p->detail[0] ? ", " : "", p->detail);
    } else {
        snprintf(detail, sizeof(detail), "%s", p->detail);
    }
    if (o == OUT_OK && p->resource_summary != NULL) {
        keep_data(c, p, NULL);
    } else {
        flotilla__v1__probe_result__free_unpacked(p, NULL);
    }
    return report(s, c, name, t, o, detail, now, fx);
}

static int
on_heartbeat(struct cs_state *s, const struct actor_msg *m, int64_t now,
             struct actor_fx *fx)
{
    Flotilla__V1__Heartbeat *hb;
    struct cs_cluster *c;
    enum outcome o = OUT_NONE;
    char name[256];
    int64_t t;

    hb = flotilla__v1__heartbeat__unpack(NULL, m->env->payload.len,
                                         m->env->payload.data);
    if (hb != NULL && hb->ready != NULL) {
        o = strcmp(hb->ready, "True") == 0      ? OUT_OK
            : strcmp(hb->ready, "False") == 0   ? OUT_NOT_READY
            : strcmp(hb->ready, "Unknown") == 0 ? OUT_NO_ANSWER
                                                : OUT_NONE;
    }
    if (hb == NULL || hb->cluster == NULL || hb->cluster[0] == '\0' ||
        o == OUT_NONE) {
        log_warn("heartbeat refused", "subject=%s seq=%" PRIu64
                 " reason=\"no cluster, or ready not True|False|Unknown\"",
                 m->subject, m->seq);
        if (hb != NULL) {
            flotilla__v1__heartbeat__free_unpacked(hb, NULL);
        }
        return -EBADMSG;
    }
    snprintf(name, sizeof(name), "%s", hb->cluster);
    c = cluster_get(s, name, true);
    t = m->env->event_time_ns > now ? now : m->env->event_time_ns;
    if (c == NULL || t < c->last_obs_ns) {
        flotilla__v1__heartbeat__free_unpacked(hb, NULL);
        return c == NULL ? -ENOMEM : 0;
    }
    c->last_hb_ns = t;
    if (hb->resource_summary != NULL) {
        keep_data(c, NULL, hb);
    } else {
        flotilla__v1__heartbeat__free_unpacked(hb, NULL);
    }
    return report(s, c, name, t, o,
                  o == OUT_OK ? "" : "reported by the member's agent", now,
                  fx);
}

/* ---------------------------------------------------------------- core */

static void *
cs_create(const void *config)
{
    struct cs_state *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        return NULL;
    }
    if (config != NULL) {
        s->set = *(const struct cfg_settings *)config;
    } else {
        cfg_settings_init(&s->set);
    }
    return s;
}

static void
cs_destroy(void *p)
{
    struct cs_state *s = p;
    struct strmap_entry *e;
    size_t i = 0;

    if (s == NULL) {
        return;
    }
    while ((e = util_strmap_next(&s->clusters, &i)) != NULL) {
        cluster_free(e->ptr);
    }
    util_strmap_release(&s->clusters);
    free(s);
}

static void
absorb_status(struct cs_state *s, const struct actor_msg *m, const char *name)
{
    Flotilla__V1__ClusterStatus *st;
    struct cs_cluster *c;
    const Flotilla__V1__Condition *ready;

    if (m->env->deleted) {
        c = cluster_get(s, name, false);
        if (c != NULL && c->pub != NULL) {
            flotilla__v1__cluster_status__free_unpacked(c->pub, NULL);
            c->pub = NULL;
        }
        return;
    }
    st = flotilla__v1__cluster_status__unpack(NULL, m->env->payload.len,
                                              m->env->payload.data);
    c = st != NULL ? cluster_get(s, name, true) : NULL;
    if (c == NULL) {
        if (st != NULL) {
            flotilla__v1__cluster_status__free_unpacked(st, NULL);
        }
        return;
    }
    if (c->pub != NULL) {
        flotilla__v1__cluster_status__free_unpacked(c->pub, NULL);
    }
    c->pub = st;
    c->summary_pub_ns = m->env->event_time_ns;
    snprintf(c->ready, sizeof(c->ready), "%s", st->ready);
    snprintf(c->reason, sizeof(c->reason), "%s", st->reason);
    ready = pub_condition(c, "Ready");
    snprintf(c->message, sizeof(c->message), "%s",
             ready != NULL ? ready->message : "");
    c->ready_since_ns = st->ready_since_ns;
    c->streak = outcome_parse(st->streak_outcome);
    c->streak_start_ns = st->streak_start_ns;
    snprintf(c->detail, sizeof(c->detail), "%s", st->streak_detail);
    c->last_probe_ns = st->last_probe_ns;
    c->last_hb_ns = st->last_heartbeat_ns;
    c->last_obs_ns = max64(max64(st->last_probe_ns, st->last_heartbeat_ns),
                           st->streak_start_ns);
}

static int
cs_absorb(void *p, const struct actor_msg *m)
{
    struct cs_state *s = p;
    Flotilla__V1__ClusterSpec *spec;
    struct cs_cluster *c;
    char name[256];

    if (subject_name(m->subject, 2, name) != 0) {
        return -EBADMSG;
    }
    if (strncmp(m->subject, "cluster.status.", 15) == 0) {
        absorb_status(s, m, name);
        return 0;
    }
    if (strncmp(m->subject, "cluster.spec.", 13) != 0) {
        return 0;
    }
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
    if (c != NULL) {
        c->has_spec = true;
        c->pull = spec->sync_mode == FLOTILLA__V1__SYNC_MODE__SYNC_MODE_PULL;
        c->registered_ns = m->env->event_time_ns;
    }
    flotilla__v1__cluster_spec__free_unpacked(spec, NULL);
    return c != NULL ? 0 : -ENOMEM;
}

static int
cs_handle(void *p, const struct actor_msg *m, int64_t now,
          struct actor_fx *fx)
{
    struct cs_state *s = p;

    if (strncmp(m->subject, "cluster.spec.", 13) == 0) {
        return on_spec(s, m, now, fx);
    }
    if (strncmp(m->subject, "cluster.probe.", 14) == 0) {
        return on_probe(s, m, now, fx);
    }
    if (strncmp(m->subject, "cluster.heartbeat.", 18) == 0) {
        return on_heartbeat(s, m, now, fx);
    }
    return 0;
}

/* Nothing heard for the silence limit: treated as no answer. */
static int
on_silence(struct cs_state *s, struct cs_cluster *c, const char *name,
           int64_t now, struct actor_fx *fx)
{
    int64_t last = last_report(c);
    int64_t limit = silence_limit(s, c);
    char detail[160];
    char d[32];
    int rc;

    if (now < last + limit) {
        return arm(fx, "silence", name, last + limit);
    }
    util_duration_format(now - last, d, sizeof(d));
    if (!c->pull) {
        /* The probe due one period after the last result never reported. */
        snprintf(detail, sizeof(detail), "no probe result for %s", d);
        if (c->streak != OUT_NO_ANSWER) {
            observe(c, max64(last + s->set.probe_period_ns, c->last_obs_ns),
                    OUT_NO_ANSWER, detail);
        }
        rc = evaluate(s, c, name, now, fx);
        return rc == 0 ? publish_if_changed(s, c, name, now, fx) : rc;
    }
    /* Pull: heartbeatGrace is the debounce of silence; Unknown now. */
    snprintf(detail, sizeof(detail), "no heartbeat for %s", d);
    if (c->streak != OUT_NO_ANSWER) {
        observe(c, max64(last + s->set.heartbeat_period_ns, c->last_obs_ns),
                OUT_NO_ANSWER, detail);
    }
    if (strcmp(c->ready, "Unknown") != 0) {
        transition(c, name, now, fx);
        snprintf(c->message, sizeof(c->message), "%s", detail);
    }
    rc = arm(fx, "ready", name, 0);
    return rc == 0 ? publish_if_changed(s, c, name, now, fx) : rc;
}

static int
cs_timer(void *p, const char *timer, int64_t now, struct actor_fx *fx)
{
    struct cs_state *s = p;
    const char *slash = strchr(timer, '/');
    struct cs_cluster *c;
    const char *name;

    if (slash == NULL) {
        return 0;
    }
    name = slash + 1;
    c = cluster_get(s, name, false);
    if (c == NULL || !c->has_spec) {
        return 0;
    }
    if (strncmp(timer, "ready/", 6) == 0) {
        int rc = evaluate(s, c, name, now, fx);

        return rc == 0 ? publish_if_changed(s, c, name, now, fx) : rc;
    }
    if (strncmp(timer, "silence/", 8) == 0) {
        return on_silence(s, c, name, now, fx);
    }
    if (strncmp(timer, "summary/", 8) == 0) {
        return publish_if_changed(s, c, name, now, fx);
    }
    return 0;
}

static int
cs_resume(void *p, int64_t now, struct actor_fx *fx)
{
    struct cs_state *s = p;
    struct strmap_entry *e;
    char **gone = NULL;
    size_t ngone = 0;
    size_t i = 0;
    int rc = 0;

    gone = calloc(s->clusters.len + 1, sizeof(*gone));
    if (gone == NULL) {
        return -ENOMEM;
    }
    while ((e = util_strmap_next(&s->clusters, &i)) != NULL && rc == 0) {
        struct cs_cluster *c = e->ptr;

        if (!c->has_spec) {
            /* Published for a cluster that is gone: withdraw. */
            if (c->pub != NULL) {
                gone[ngone++] = e->key;
            }
            continue;
        }
        /* A fresh limit from now: report times are not published on each. */
        rc = arm(fx, "silence", e->key,
                 max64(last_report(c), now) + silence_limit(s, c));
        if (rc == 0) {
            rc = evaluate(s, c, e->key, now, fx);
        }
        if (rc == 0 && c->pub != NULL) {
            rc = publish_if_changed(s, c, e->key, now, fx);
        }
    }
    for (size_t k = 0; k < ngone && rc == 0; k++) {
        struct cs_cluster *c = cluster_get(s, gone[k], false);
        char subject[BUS_SUBJECT_MAX];
        char *name = strdup(gone[k]);

        if (name == NULL) {
            rc = -ENOMEM;
            break;
        }
        if (c->pub != NULL) {
            bus_subject_build(subject, sizeof(subject), "cluster.status",
                              name, NULL, NULL);
            rc = actor_fx_publish(fx, subject, name, "ClusterStatus", NULL,
                                  ACTOR_PUB_OWNED | ACTOR_PUB_TOMBSTONE);
        }
        cluster_drop(s, name);
        free(name);
    }
    free(gone);
    return rc;
}

const struct actor_core cstatus_core = {
    .name = "cluster-status",
    .inputs = cs_inputs,
    .own_state = cs_own,
    .create = cs_create,
    .destroy = cs_destroy,
    .absorb = cs_absorb,
    .handle = cs_handle,
    .on_timer = cs_timer,
    .resume = cs_resume,
};

const char *
cstatus_ready(void *state, const char *cluster)
{
    struct cs_cluster *c = cluster_get(state, cluster, false);

    return c != NULL ? c->ready : NULL;
}

uint64_t
cstatus_publish_count(void *state, const char *cluster)
{
    struct cs_cluster *c = cluster_get(state, cluster, false);

    return c != NULL ? c->publishes : 0;
}
