/* SPDX-License-Identifier: Apache-2.0 */
/* The member agent; see magent/agent.h. */
#define LOG_MODULE "member-agent"
#include "magent/agent.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "actor/actor.h"
#include "bus/bus.h"
#include "bus/envelope.h"
#include "bus/subject.h"
#include "bus/token.h"
#include "config/config.h"
#include "kube/client.h"
#include "kube/objects.h"
#include "kube/path.h"
#include "model/interp.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/time.h"

#define MANAGED_LABEL   "flotilla.io/managed"
#define BACKOFF_MIN_NS  (1 * NS_PER_S)
#define BACKOFF_MAX_NS  (30 * NS_PER_S)
#define WATCHED_KINDS   2   /* the rows of watched_kinds */

/* One object the member should (or should no longer) hold. */
struct work {
    Flotilla__V1__WorkSpec *spec;
    json_t *manifest;          /* parsed manifest_json; NULL for deletes */
    char *status_subject;
    uint64_t status_hash;      /* of the last WorkStatus published */
    bool done;                 /* applied, or deleted, as the spec says */
    char *error;               /* the last failure, or NULL */
    int64_t retry_ns;
    int64_t backoff_ns;
    /*
     * The object the last apply answered with, until poll_one() reads it:
     * the API server returns the object as stored, so the status read
     * right after an apply needs no GET of its own.
     */
    json_t *answer;
    /*
     * The manifest of the last apply that succeeded, and the object as last
     * read (no status, managedFields or resourceVersion): a new spec that
     * keeps all of the first and is already all in the second needs no
     * write (see already_applied()).
     */
    json_t *applied;
    json_t *seen;
    /* metadata.resourceVersion of the object last reported ("" for none):
     * a watch event of the same version has nothing new */
    char reported_rv[KUBE_RV_MAX];
};

struct am_member {
    struct member_agent *agent;
    char name[128];
    char token[400];
    struct kube_client *client;
    struct bus_consumer *consumer;
    struct strmap works;       /* spec subject -> struct work */
    /*
     * Namespaces this thread saw exist (or created): no GET before each
     * apply into them. Forgotten when an apply fails or Flotilla deletes
     * one, so a namespace removed behind our back is made again.
     */
    struct strmap namespaces;
    pthread_t thread;
    bool started;
    /*
     * WATCHes of the kinds whose status moves on its own (see
     * watched_kinds): started when the first work of the kind arrives, they
     * queue what they see in @events for the member's thread, which owns
     * the works. The periodic read stays as the safety net.
     */
    struct am_watch {
        struct am_member *m;
        const char *api_version;
        const char *kind;
        pthread_t thread;
        bool started;
    } watches[WATCHED_KINDS];
    pthread_mutex_t events_lock;
    /* object keys of the works of watched kinds: events of other objects
     * (a real member holds many) are dropped by the watch thread at once */
    struct strmap wanted;
    json_t *events;            /* [{"key", "type", "object"}], oldest first */
    bool events_dropped;       /* the queue overflowed: read everything */
};

struct member_agent {
    struct bus_conn *conn;
    char producer[160];
    int64_t status_period_ns;
    pthread_mutex_t lock;
    bool stopping;
    atomic_bool stop_watches;
    struct am_member *members;
    size_t n;
};

/* ---------------------------------------------------------------- work */

static void
work_free(struct work *w)
{
    if (w == NULL) {
        return;
    }
    if (w->spec != NULL) {
        flotilla__v1__work_spec__free_unpacked(w->spec, NULL);
    }
    json_decref(w->manifest);
    json_decref(w->answer);
    json_decref(w->applied);
    json_decref(w->seen);
    free(w->status_subject);
    free(w->error);
    free(w);
}

static struct work *
work_get(struct am_member *m, const char *subject)
{
    struct strmap_entry *e = util_strmap_put(&m->works, subject);
    struct work *w;

    if (e == NULL) {
        return NULL;
    }
    if (e->ptr == NULL) {
        w = calloc(1, sizeof(*w));
        if (w == NULL) {
            return NULL;
        }
        /* work.spec.<c>.<ns>.<b> -> work.status.<c>.<ns>.<b> */
        size_t len = strlen(subject) + 8;

        w->status_subject = malloc(len);
        if (w->status_subject == NULL) {
            free(w);
            return NULL;
        }
        snprintf(w->status_subject, len, "work.status.%s",
                 subject + strlen("work.spec."));
        e->ptr = w;
    }
    return e->ptr;
}

static void
fail(struct work *w, const char *why, int64_t now)
{
    free(w->error);
    w->error = strdup(why);
    w->done = false;
    w->backoff_ns = w->backoff_ns == 0 ? BACKOFF_MIN_NS
                                       : w->backoff_ns * 2 > BACKOFF_MAX_NS
                                             ? BACKOFF_MAX_NS
                                             : w->backoff_ns * 2;
    w->retry_ns = now + w->backoff_ns;
}

static void
succeed(struct work *w)
{
    free(w->error);
    w->error = NULL;
    w->done = true;
    w->backoff_ns = 0;
    w->retry_ns = 0;
}

/* True when every field of @small is in @big with the same value; lists
 * must have the same length and cover element by element. */
static bool
covers(const json_t *big, const json_t *small)
{
    const char *k;
    const json_t *v;
    size_t i;

    if (json_is_object(small)) {
        if (!json_is_object(big)) {
            return false;
        }
        json_object_foreach((json_t *)small, k, v) {
            if (!covers(json_object_get(big, k), v)) {
                return false;
            }
        }
        return true;
    }
    if (json_is_array(small)) {
        if (!json_is_array(big) || json_array_size(big) != json_array_size(small)) {
            return false;
        }
        json_array_foreach((json_t *)small, i, v) {
            if (!covers(json_array_get(big, i), v)) {
                return false;
            }
        }
        return true;
    }
    return big != NULL && json_equal(big, small);
}

/*
 * A new manifest needs no server-side apply when the last one applied is all
 * in it (so the apply would remove none of our fields) and it is all in the
 * object as last read (so it would change no value). The common case is the
 * executor's second render, which retains what the member added (the
 * revision annotation, defaulted fields) and so differs from the first
 * without asking for anything new.
 */
static bool
already_applied(const struct work *w, const json_t *next)
{
    const Flotilla__V1__ObjectReference *r = w->spec->resource;

    return w->done && w->error == NULL && w->applied != NULL &&
           w->seen != NULL && next != NULL && !w->spec->delete_ &&
           r != NULL && strcmp(r->kind, "Namespace") != 0 &&
           covers(next, w->applied) && covers(w->seen, next);
}

/* Takes a WorkSpec message; returns the work to act on, or NULL. */
static struct work *
take(struct am_member *m, const char *subject, const void *data, size_t len)
{
    Flotilla__V1__Envelope *env = NULL;
    Flotilla__V1__WorkSpec *spec;
    struct work *w;
    char why[200];

    if (bus_envelope_unpack(data, len, &env, why, sizeof(why)) != 0) {
        log_warn("work spec not readable", "cluster=%s subject=%s reason=\"%s\"",
                 m->name, subject, why);
        return NULL;
    }
    if (env->deleted) {
        /* The executor withdrew the key; deletes come as delete=true. */
        bus_envelope_free(env);
        return NULL;
    }
    spec = flotilla__v1__work_spec__unpack(NULL, env->payload.len,
                                           env->payload.data);
    bus_envelope_free(env);
    w = spec != NULL ? work_get(m, subject) : NULL;
    if (w == NULL) {
        if (spec != NULL) {
            flotilla__v1__work_spec__free_unpacked(spec, NULL);
        }
        return NULL;
    }
    bool was_done = w->done;

    if (w->spec != NULL) {
        flotilla__v1__work_spec__free_unpacked(w->spec, NULL);
    }
    json_decref(w->manifest);
    w->manifest = NULL;
    w->spec = spec;
    if (!spec->delete_ && spec->manifest_json.len > 0) {
        json_error_t jerr;

        w->manifest = json_loadb((const char *)spec->manifest_json.data,
                                 spec->manifest_json.len, 0, &jerr);
    }
    w->retry_ns = 0;
    w->backoff_ns = 0;
    w->done = was_done && already_applied(w, w->manifest);
    if (w->done) {
        json_decref(w->applied);
        w->applied = json_incref(w->manifest);
        log_debug("apply skipped", "cluster=%s binding=%s reason=\"the member already holds the new manifest and it drops nothing applied before\"",
                  m->name, spec->binding);
    } else if (spec->delete_) {
        json_decref(w->applied);
        w->applied = NULL;
    }
    return w;
}

/* ---------------------------------------------------------------- status */

static int32_t
int_at(const json_t *obj, const char *a, const char *b)
{
    return (int32_t)json_integer_value(json_object_get(json_object_get(obj, a), b));
}

/* Ordinals ready and claim phases of a StatefulSet @sts. */
static void
stateful_status(struct am_member *m, const json_t *sts,
                Flotilla__V1__StatefulStatus *out,
                Flotilla__V1__OrdinalStatus ***ords,
                Flotilla__V1__PersistentVolumeClaimStatus ***vols)
{
    const json_t *spec = json_object_get(sts, "spec");
    const json_t *st = json_object_get(sts, "status");
    const char *ns = json_string_value(json_object_get(
        json_object_get(sts, "metadata"), "namespace"));
    const char *name = json_string_value(json_object_get(
        json_object_get(sts, "metadata"), "name"));
    int32_t start = int_at(spec, "ordinals", "start");
    int32_t count = (int32_t)json_integer_value(json_object_get(spec, "replicas"));
    struct kube_ref pods = { "v1", "Pod", ns, NULL, NULL, NULL, 0 };
    struct kube_ref pvcs = { "v1", "PersistentVolumeClaim", ns, NULL, NULL,
                             NULL, 0 };
    struct kube_list_result lp = { 0 }, lv = { 0 };
    struct kube_error err;
    size_t i;
    json_t *it;

    out->ordinals_start = start;
    out->ordinals_count = count;
    out->current_revision = (char *)json_string_value(
        json_object_get(st, "currentRevision"));
    out->update_revision = (char *)json_string_value(
        json_object_get(st, "updateRevision"));
    if (out->current_revision == NULL) {
        out->current_revision = "";
    }
    if (out->update_revision == NULL) {
        out->update_revision = "";
    }
    if (name == NULL || count <= 0 || count > 10000) {
        return;
    }
    *ords = calloc((size_t)count, sizeof(**ords));
    *vols = NULL;
    if (*ords == NULL) {
        return;
    }
    if (kube_list(m->client, &pods, NULL, &lp, &err) == 0) {
        for (int32_t k = 0; k < count; k++) {
            Flotilla__V1__OrdinalStatus *o = calloc(1, sizeof(*o));
            char pod[300];

            if (o == NULL) {
                break;
            }
            flotilla__v1__ordinal_status__init(o);
            o->ordinal = start + k;
            snprintf(pod, sizeof(pod), "%s-%d", name, start + k);
            json_array_foreach(lp.items, i, it) {
                const json_t *md = json_object_get(it, "metadata");
                const json_t *conds;
                const json_t *c;
                size_t j;

                if (strcmp(json_string_value(json_object_get(md, "name"))
                               ? json_string_value(json_object_get(md, "name"))
                               : "",
                           pod) != 0) {
                    continue;
                }
                conds = json_object_get(json_object_get(it, "status"),
                                        "conditions");
                json_array_foreach(conds, j, c) {
                    const char *t = json_string_value(json_object_get(c, "type"));
                    const char *v = json_string_value(json_object_get(c, "status"));

                    if (t != NULL && v != NULL && strcmp(t, "Ready") == 0) {
                        o->ready = strcmp(v, "True") == 0;
                    }
                }
            }
            (*ords)[out->n_ordinals++] = o;
        }
        out->ordinals = *ords;
    }
    kube_list_result_release(&lp);
    if (kube_list(m->client, &pvcs, NULL, &lv, &err) == 0 &&
        json_array_size(lv.items) > 0) {
        size_t cap = json_array_size(lv.items);
        char suffix[300];

        *vols = calloc(cap, sizeof(**vols));
        snprintf(suffix, sizeof(suffix), "-%s-", name);
        json_array_foreach(lv.items, i, it) {
            const char *pn = json_string_value(json_object_get(
                json_object_get(it, "metadata"), "name"));
            Flotilla__V1__PersistentVolumeClaimStatus *v;

            if (*vols == NULL || pn == NULL || strstr(pn, suffix) == NULL) {
                continue;
            }
            v = calloc(1, sizeof(*v));
            if (v == NULL) {
                break;
            }
            flotilla__v1__persistent_volume_claim_status__init(v);
            v->name = strdup(pn);
            v->phase = strdup(json_string_value(json_object_get(
                               json_object_get(it, "status"), "phase"))
                               ? json_string_value(json_object_get(
                                     json_object_get(it, "status"), "phase"))
                               : "Pending");
            (*vols)[out->n_volumes++] = v;
        }
        out->volumes = *vols;
    }
    kube_list_result_release(&lv);
}

static void
stateful_release(Flotilla__V1__StatefulStatus *s,
                 Flotilla__V1__OrdinalStatus **ords,
                 Flotilla__V1__PersistentVolumeClaimStatus **vols)
{
    for (size_t i = 0; i < s->n_ordinals; i++) {
        free(ords[i]);
    }
    for (size_t i = 0; i < s->n_volumes; i++) {
        free(vols[i]->name);
        free(vols[i]->phase);
        free(vols[i]);
    }
    free(ords);
    free(vols);
}

static uint64_t
status_hash(Flotilla__V1__WorkStatus *st)
{
    int64_t observed = st->observed_ns;
    uint64_t h = UTIL_FNV64_INIT;
    uint8_t *buf;
    size_t n;

    st->observed_ns = 0;
    n = flotilla__v1__work_status__get_packed_size(st);
    buf = malloc(n > 0 ? n : 1);
    if (buf != NULL) {
        flotilla__v1__work_status__pack(st, buf);
        h = util_fnv64(buf, n);
        free(buf);
    }
    st->observed_ns = observed;
    return h;
}

static int
publish_status(struct am_member *m, struct work *w,
               Flotilla__V1__WorkStatus *st)
{
    struct actor_fx fx = { 0 };
    struct bus_pub p = { 0 };
    char id[96];
    uint64_t h = status_hash(st);
    int rc;

    if (h == w->status_hash) {
        return 0;
    }
    snprintf(id, sizeof(id), "%" PRId64, st->observed_ns);
    actor_fx_begin(&fx, "member-agent", m->agent->producer, st->observed_ns,
                   NULL, id);
    rc = actor_fx_publish(&fx, w->status_subject, w->spec->binding,
                          "WorkStatus", &st->base, 0);
    if (rc == 0) {
        p.subject = w->status_subject;
        p.data = fx.outs[0].data;
        p.len = fx.outs[0].len;
        rc = bus_publish(m->agent->conn, &p, NULL, NULL);
    }
    actor_fx_release(&fx);
    if (rc == 0) {
        w->status_hash = h;
        log_debug("status published", "cluster=%s binding=%s present=%d ready=%d/%d health=%s",
                  m->name, w->spec->binding, (int)st->present,
                  st->ready_replicas, st->replicas, st->health);
    }
    return rc;
}

/*
 * Publishes the status of @w from what the member said of its object: @rc
 * 0 with @live (a reference taken), -ENOENT for no such object, any other
 * error for no answer (nothing new to say then).
 */
static void
report(struct am_member *m, struct work *w, int rc, json_t *live)
{
    Flotilla__V1__WorkStatus st = FLOTILLA__V1__WORK_STATUS__INIT;
    Flotilla__V1__StatefulStatus ss = FLOTILLA__V1__STATEFUL_STATUS__INIT;
    Flotilla__V1__OrdinalStatus **ords = NULL;
    Flotilla__V1__PersistentVolumeClaimStatus **vols = NULL;
    const Flotilla__V1__ObjectReference *r = w->spec->resource;
    json_t *reflected = NULL;
    char *status_text = NULL;
    char *live_text = NULL;

    if (r == NULL) {
        json_decref(live);
        return;
    }
    st.cluster = m->name;
    st.namespace_ = w->spec->namespace_;
    st.binding = w->spec->binding;
    st.observed_ns = util_time_now_ns();
    st.applied = w->done && !w->spec->delete_;
    st.apply_error = w->error != NULL ? w->error : "";
    st.health = "Unknown";
    w->reported_rv[0] = '\0';
    if (rc == -ENOENT) {
        st.present = false;
        json_decref(w->seen);
        w->seen = NULL;
        if (w->done && !w->spec->delete_) {
            /* Applied, and gone: someone deleted it in the member. The spec
             * still wants it there, so it is applied again (by the caller,
             * see reapply_if_missing()). */
            log_info("copy missing", "cluster=%s binding=%s kind=%s reason=\"deleted in the member, not by Flotilla; applying it again\"",
                     m->name, w->spec->binding, r->kind);
            w->done = false;
            w->retry_ns = 0;
            w->backoff_ns = 0;
        }
    } else if (rc != 0 || live == NULL) {
        /* The member did not answer: nothing new to say about it. */
        json_decref(live);
        return;
    } else {
        json_t *copy = json_deep_copy(live);
        const char *rv = json_string_value(json_object_get(
            json_object_get(live, "metadata"), "resourceVersion"));

        snprintf(w->reported_rv, sizeof(w->reported_rv), "%s",
                 rv != NULL ? rv : "");
        st.present = true;
        st.health = (char *)model_health_name(model_interp_health(live));
        st.replicas = (int32_t)json_integer_value(
            json_object_get(json_object_get(live, "spec"), "replicas"));
        st.ready_replicas = int_at(live, "status", "readyReplicas");
        st.generation = json_integer_value(
            json_object_get(json_object_get(live, "metadata"), "generation"));
        st.observed_generation = json_integer_value(json_object_get(
            json_object_get(live, "status"), "observedGeneration"));
        if (model_interp_reflect_status(live, &reflected) == 0 &&
            reflected != NULL) {
            status_text = json_dumps(reflected, JSON_COMPACT | JSON_SORT_KEYS);
        }
        if (status_text != NULL) {
            st.status_json.data = (uint8_t *)status_text;
            st.status_json.len = strlen(status_text);
        }
        if (copy != NULL) {
            json_object_del(copy, "status");
            json_object_del(json_object_get(copy, "metadata"), "managedFields");
            json_object_del(json_object_get(copy, "metadata"), "resourceVersion");
            live_text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
            json_decref(w->seen);
            w->seen = copy;
        }
        if (live_text != NULL) {
            st.live_json.data = (uint8_t *)live_text;
            st.live_json.len = strlen(live_text);
        }
        if (strcmp(r->kind, "StatefulSet") == 0) {
            stateful_status(m, live, &ss, &ords, &vols);
            st.stateful = &ss;
        }
    }
    (void)publish_status(m, w, &st);
    if (st.stateful != NULL) {
        stateful_release(&ss, ords, vols);
    }
    json_decref(reflected);
    json_decref(live);
    free(status_text);
    free(live_text);
}

/* Reads the object of @w from the member and publishes its status. */
static void
poll_one(struct am_member *m, struct work *w)
{
    const Flotilla__V1__ObjectReference *r = w->spec->resource;
    struct kube_ref ref = { 0 };
    struct kube_error err;
    json_t *live = NULL;
    int rc;

    if (r == NULL) {
        return;
    }
    if (w->answer != NULL) {
        /* what the last apply answered: the object as stored */
        live = w->answer;
        w->answer = NULL;
        report(m, w, 0, live);
        return;
    }
    ref.api_version = r->api_version;
    ref.kind = r->kind;
    ref.ns = r->namespace_;
    ref.name = r->name;
    rc = kube_get(m->client, &ref, &live, &err);
    report(m, w, rc, live);
}

/* ---------------------------------------------------------------- acting */

static int
ensure_namespace(struct am_member *m, const char *ns, struct kube_error *err)
{
    struct kube_ref ref = { "v1", "Namespace", NULL, ns, NULL, NULL, 0 };
    json_t *got = NULL;
    json_t *obj;
    int rc;

    if (util_strmap_get(&m->namespaces, ns) != NULL) {
        return 0;
    }
    rc = kube_get(m->client, &ref, &got, err);
    json_decref(got);
    if (rc == 0) {
        (void)util_strmap_put(&m->namespaces, ns);
    }
    if (rc != -ENOENT) {
        return rc;
    }
    obj = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion", "v1", "kind",
                    "Namespace", "metadata", "name", ns, "labels",
                    MANAGED_LABEL, "true");
    if (obj == NULL) {
        return -ENOMEM;
    }
    rc = kube_apply(m->client, obj, NULL, NULL, err);
    json_decref(obj);
    if (rc == 0) {
        (void)util_strmap_put(&m->namespaces, ns);
        log_info("namespace created", "cluster=%s namespace=%s label=%s",
                 m->name, ns, MANAGED_LABEL);
    }
    return rc;
}

/* True when namespace @ns is Flotilla's and nothing else lives in it. */
static bool
namespace_deletable(struct am_member *m, const char *ns)
{
    static const char *const kinds[][2] = {
        { "apps/v1", "Deployment" }, { "apps/v1", "StatefulSet" },
        { "v1", "Service" },         { "v1", "Secret" },
        { "v1", "PersistentVolumeClaim" },
    };
    struct kube_ref ref = { "v1", "Namespace", NULL, ns, NULL, NULL, 0 };
    struct kube_error err;
    json_t *got = NULL;
    const char *label;
    bool ok;

    if (kube_get(m->client, &ref, &got, &err) != 0) {
        return false;
    }
    label = json_string_value(json_object_get(
        json_object_get(json_object_get(got, "metadata"), "labels"),
        MANAGED_LABEL));
    ok = label != NULL && strcmp(label, "true") == 0;
    json_decref(got);
    for (size_t i = 0; ok && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        struct kube_ref l = { kinds[i][0], kinds[i][1], ns, NULL, NULL, NULL, 0 };
        struct kube_list_result res = { 0 };

        ok = kube_list(m->client, &l, NULL, &res, &err) == 0 &&
             json_array_size(res.items) == 0;
        kube_list_result_release(&res);
    }
    return ok;
}

/*
 * Sets *@out to the manifest to apply for @w: itself, but for a Namespace
 * that already exists in the member without Flotilla's label, a copy
 * without the label, so that a pre-existing namespace never becomes
 * Flotilla's (and so never deletable by it: docs/executor.md, Namespaces).
 * Returns 0, or the error of reading the namespace (in @err), or -ENOMEM.
 */
static int
manifest_for(struct am_member *m, const struct work *w, json_t **out,
             struct kube_error *err)
{
    const Flotilla__V1__ObjectReference *r = w->spec->resource;
    struct kube_ref ref = { "v1", "Namespace", NULL, NULL, NULL, NULL, 0 };
    json_t *got = NULL;
    const char *label;
    int rc;

    *out = NULL;
    if (r == NULL || strcmp(r->kind, "Namespace") != 0) {
        *out = json_incref(w->manifest);
        return 0;
    }
    ref.name = r->name;
    rc = kube_get(m->client, &ref, &got, err);
    if (rc == -ENOENT) {
        *out = json_incref(w->manifest);
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    label = json_string_value(json_object_get(
        json_object_get(json_object_get(got, "metadata"), "labels"),
        MANAGED_LABEL));
    if (label != NULL && strcmp(label, "true") == 0) {
        *out = json_incref(w->manifest);
    } else {
        *out = json_deep_copy(w->manifest);
        json_object_del(json_object_get(json_object_get(*out, "metadata"),
                                        "labels"),
                        MANAGED_LABEL);
    }
    json_decref(got);
    if (*out == NULL) {
        snprintf(err->text, sizeof(err->text), "member %s: out of memory",
                 m->name);
        return -ENOMEM;
    }
    return 0;
}

static void
act(struct am_member *m, struct work *w, int64_t now)
{
    const Flotilla__V1__WorkSpec *s = w->spec;
    struct kube_error err;
    int rc = 0;

    memset(&err, 0, sizeof(err));
    if (w->done) {
        return;
    }
    if (s->delete_) {
        struct kube_ref ref = { 0 };

        if (s->resource == NULL) {
            succeed(w);
            return;
        }
        ref.api_version = s->resource->api_version;
        ref.kind = s->resource->kind;
        ref.ns = s->resource->namespace_;
        ref.name = s->resource->name;
        if (s->delete_only_if_owned_and_empty &&
            !namespace_deletable(m, s->resource->name)) {
            log_info("namespace kept", "cluster=%s namespace=%s reason=\"not Flotilla's, or not empty\"",
                     m->name, s->resource->name);
            succeed(w);
            return;
        }
        if (strcmp(ref.kind, "Namespace") == 0) {
            (void)util_strmap_del(&m->namespaces, ref.name);
        }
        rc = kube_delete(m->client, &ref, "Background", &err);
        if (rc == 0 || rc == -ENOENT) {
            log_info("deleted", "cluster=%s binding=%s kind=%s reason=\"%s\"",
                     m->name, s->binding, s->resource->kind, s->reason);
            succeed(w);
        } else {
            fail(w, err.text, now);
        }
        return;
    }
    if (w->manifest == NULL) {
        fail(w, "the work spec carries no manifest", now);
        return;
    }
    if (s->needs_namespace && s->namespace_ != NULL && s->namespace_[0]) {
        rc = ensure_namespace(m, s->namespace_, &err);
    }
    if (rc == 0) {
        json_t *manifest = NULL;

        rc = manifest_for(m, w, &manifest, &err);
        json_decref(w->answer);
        w->answer = NULL;
        if (rc == 0) {
            rc = kube_apply(m->client, manifest, NULL, &w->answer, &err);
        }
        json_decref(w->applied);
        w->applied = rc == 0 ? json_incref(manifest) : NULL;
        json_decref(manifest);
    }
    if (rc == 0) {
        if (w->error != NULL || !w->done) {
            log_info("applied", "cluster=%s binding=%s replicas=%d reason=\"%s\"",
                     m->name, s->binding, s->replicas, s->reason);
        }
        succeed(w);
    } else {
        log_warn("apply failed", "cluster=%s binding=%s retry_in_ms=%" PRId64
                 " detail=\"%s\"", m->name, s->binding,
                 (w->backoff_ns ? w->backoff_ns * 2 : BACKOFF_MIN_NS) / NS_PER_MS,
                 err.text);
        if (s->namespace_ != NULL && s->namespace_[0]) {
            (void)util_strmap_del(&m->namespaces, s->namespace_);
        }
        fail(w, err.text, now);
    }
}

/* ---------------------------------------------------------------- loop */

static int
absorb(const struct bus_msg *msg, void *arg)
{
    (void)take(arg, msg->subject, msg->data, msg->len);
    return 0;
}

static int
absorb_status(const struct bus_msg *msg, void *arg)
{
    struct am_member *m = arg;
    Flotilla__V1__Envelope *env = NULL;
    Flotilla__V1__WorkStatus *st;
    struct strmap_entry *e;
    char spec_subject[BUS_SUBJECT_MAX];
    char why[128];

    snprintf(spec_subject, sizeof(spec_subject), "work.spec.%s",
             msg->subject + strlen("work.status."));
    e = util_strmap_get(&m->works, spec_subject);
    if (e == NULL ||
        bus_envelope_unpack(msg->data, msg->len, &env, why, sizeof(why)) != 0) {
        return 0;
    }
    st = flotilla__v1__work_status__unpack(NULL, env->payload.len,
                                           env->payload.data);
    if (st != NULL) {
        ((struct work *)e->ptr)->status_hash = status_hash(st);
        flotilla__v1__work_status__free_unpacked(st, NULL);
    }
    bus_envelope_free(env);
    return 0;
}

static bool
stopping(struct member_agent *a)
{
    bool s;

    pthread_mutex_lock(&a->lock);
    s = a->stopping;
    pthread_mutex_unlock(&a->lock);
    return s;
}

/* Applies @w again at once when a report found its copy missing. */
static void
reapply_if_missing(struct am_member *m, struct work *w)
{
    int64_t now = util_time_now_ns();

    if (!w->done && !w->spec->delete_ && w->retry_ns <= now) {
        act(m, w, now);
        poll_one(m, w);
    }
}

/* ---------------------------------------------------------------- watching */

/* Kinds watched, cluster-wide: their status changes without a write of ours. */
static const char *const watched_kinds[WATCHED_KINDS][2] = {
    { "apps/v1", "Deployment" },
    { "apps/v1", "StatefulSet" },
};

/* Events waiting for the member's thread; past this, they are dropped and
 * the next read covers everything. */
#define EVENTS_MAX 20000

static void
object_key(const char *api_version, const char *kind, const char *ns,
           const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s %s %s/%s", api_version, kind, ns != NULL ? ns : "",
             name != NULL ? name : "");
}

static int
on_watch_event(void *arg, enum kube_event_type type, json_t *object)
{
    struct am_watch *wt = arg;
    struct am_member *m = wt->m;
    const json_t *meta = json_object_get(object, "metadata");
    const char *name = json_string_value(json_object_get(meta, "name"));
    char key[700];
    json_t *ev;

    if (type == KUBE_EVENT_BOOKMARK || name == NULL) {
        return atomic_load(&m->agent->stop_watches) ? 1 : 0;
    }
    object_key(wt->api_version, wt->kind,
               json_string_value(json_object_get(meta, "namespace")), name,
               key, sizeof(key));
    pthread_mutex_lock(&m->events_lock);
    if (util_strmap_get(&m->wanted, key) == NULL) {
        pthread_mutex_unlock(&m->events_lock);
        return atomic_load(&m->agent->stop_watches) ? 1 : 0;
    }
    ev = json_pack("{s:s, s:b, s:O}", "key", key, "deleted",
                   type == KUBE_EVENT_DELETED, "object", object);
    if (ev != NULL && json_array_size(m->events) < EVENTS_MAX) {
        json_array_append_new(m->events, ev);
    } else {
        json_decref(ev);
        m->events_dropped = true;
    }
    pthread_mutex_unlock(&m->events_lock);
    return atomic_load(&m->agent->stop_watches) ? 1 : 0;
}

/*
 * One kind, every namespace, for as long as the agent runs: the server ends
 * each stream after a minute and the watch goes on from the last
 * resourceVersion it saw; a resourceVersion too old (410) starts over from
 * the current state, and a member that does not answer is tried again
 * with backoff.
 */
static void *
watch_main(void *arg)
{
    struct am_watch *wt = arg;
    struct am_member *m = wt->m;
    struct member_agent *a = m->agent;
    char rv[KUBE_RV_MAX] = "";
    int64_t backoff = BACKOFF_MIN_NS;

    while (!atomic_load(&a->stop_watches)) {
        struct kube_ref ref = { 0 };
        struct kube_watch_opts o = { 0 };
        struct kube_watch_result res = { 0 };
        struct kube_error err;
        int rc;

        ref.api_version = wt->api_version;
        ref.kind = wt->kind;
        o.resource_version = rv;
        o.timeout_s = 60;
        o.stop = &a->stop_watches;
        rc = kube_watch(m->client, &ref, &o, on_watch_event, wt, &res, &err);
        snprintf(rv, sizeof(rv), "%s", res.resource_version);
        if (rc == 0 || atomic_load(&a->stop_watches)) {
            backoff = BACKOFF_MIN_NS;
            continue;
        }
        if (rc == -ESTALE) {
            rv[0] = '\0';
            continue;
        }
        log_info("watch interrupted", "cluster=%s kind=%s rc=%d events=%" PRIu64
                 " retry_ms=%" PRId64 " error=\"%s\"",
                 m->name, wt->kind, rc, res.events, backoff / NS_PER_MS,
                 err.text);
        if (res.events == 0) {
            rv[0] = '\0';
        }
        for (int64_t slept = 0; slept < backoff && !atomic_load(&a->stop_watches);
             slept += 100 * NS_PER_MS) {
            struct timespec ts = { 0, 100 * 1000 * 1000 };

            nanosleep(&ts, NULL);
        }
        backoff = backoff * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : backoff * 2;
    }
    return NULL;
}

/* Starts the watch of @w's kind when it is watched and not running yet. */
static void
watch_kind_of(struct am_member *m, const struct work *w)
{
    const Flotilla__V1__ObjectReference *r = w->spec->resource;

    if (r == NULL || r->kind == NULL || r->api_version == NULL) {
        return;
    }
    for (size_t i = 0; i < sizeof(watched_kinds) / sizeof(watched_kinds[0]);
         i++) {
        struct am_watch *wt = &m->watches[i];
        char key[700];

        if (strcmp(r->api_version, watched_kinds[i][0]) != 0 ||
            strcmp(r->kind, watched_kinds[i][1]) != 0) {
            continue;
        }
        /* A work deleted later leaves its key behind: its events then go
         * to drain_events(), which finds no work for them. */
        object_key(r->api_version, r->kind, r->namespace_, r->name, key,
                   sizeof(key));
        pthread_mutex_lock(&m->events_lock);
        (void)util_strmap_put(&m->wanted, key);
        pthread_mutex_unlock(&m->events_lock);
        if (wt->started) {
            continue;
        }
        wt->m = m;
        wt->api_version = watched_kinds[i][0];
        wt->kind = watched_kinds[i][1];
        wt->started = pthread_create(&wt->thread, NULL, watch_main, wt) == 0;
        if (wt->started) {
            log_info("watching", "cluster=%s kind=%s", m->name, wt->kind);
        }
    }
}

/*
 * Reports what the watches saw since the last call, for the works they
 * concern (others are not ours). Returns true when events were dropped,
 * so that the caller reads everything instead.
 */
static bool
drain_events(struct am_member *m)
{
    struct strmap index = { 0 };   /* object key -> struct work */
    struct strmap_entry *e;
    json_t *events;
    json_t *ev;
    size_t i = 0;
    bool dropped;

    pthread_mutex_lock(&m->events_lock);
    events = m->events;
    dropped = m->events_dropped;
    m->events = json_array();
    m->events_dropped = false;
    pthread_mutex_unlock(&m->events_lock);
    if (json_array_size(events) == 0) {
        json_decref(events);
        return dropped;
    }
    while ((e = util_strmap_next(&m->works, &i)) != NULL) {
        struct work *w = e->ptr;
        const Flotilla__V1__ObjectReference *r = w->spec->resource;
        struct strmap_entry *x;
        char key[700];

        if (r == NULL || w->answer != NULL) {
            continue;   /* a fresher answer of our own is waiting */
        }
        object_key(r->api_version, r->kind, r->namespace_, r->name, key,
                   sizeof(key));
        x = util_strmap_put(&index, key);
        if (x != NULL) {
            x->ptr = w;
        }
    }
    /* Newest first: only the last event of an object counts. */
    for (i = json_array_size(events); i-- > 0;) {
        struct strmap_entry *x;
        struct work *w;
        const char *rv;
        json_t *obj;

        ev = json_array_get(events, i);
        x = util_strmap_get(&index, json_string_value(json_object_get(ev, "key")));
        if (x == NULL || x->ptr == NULL) {
            continue;
        }
        w = x->ptr;
        x->ptr = NULL;
        obj = json_object_get(ev, "object");
        rv = json_string_value(json_object_get(json_object_get(obj, "metadata"),
                                               "resourceVersion"));
        if (json_is_true(json_object_get(ev, "deleted"))) {
            report(m, w, -ENOENT, NULL);
            reapply_if_missing(m, w);
        } else if (rv == NULL || strcmp(rv, w->reported_rv) != 0) {
            report(m, w, 0, json_incref(obj));
        }
    }
    util_strmap_release(&index);
    json_decref(events);
    return dropped;
}

/* One collection read by poll_all(): "apiVersion kind namespace". */
struct listed {
    int rc;          /* of the LIST */
    json_t *by_name; /* name -> the object, when rc is 0 */
};

static void
listed_free(void *p)
{
    struct listed *l = p;

    if (l != NULL) {
        json_decref(l->by_name);
        free(l);
    }
}

/* LISTs the collection of @r once per poll; NULL when out of memory. */
static struct listed *
list_collection(struct am_member *m, struct strmap *lists,
                const Flotilla__V1__ObjectReference *r)
{
    struct kube_ref ref = { 0 };
    struct kube_list_result res = { 0 };
    struct kube_error err;
    struct strmap_entry *e;
    struct listed *l;
    char key[600];
    size_t i;
    json_t *it;

    snprintf(key, sizeof(key), "%s %s %s", r->api_version, r->kind,
             r->namespace_ != NULL ? r->namespace_ : "");
    e = util_strmap_put(lists, key);
    if (e == NULL) {
        return NULL;
    }
    if (e->ptr != NULL) {
        return e->ptr;
    }
    l = calloc(1, sizeof(*l));
    if (l == NULL) {
        return NULL;
    }
    e->ptr = l;
    ref.api_version = r->api_version;
    ref.kind = r->kind;
    ref.ns = r->namespace_;
    l->rc = kube_list(m->client, &ref, NULL, &res, &err);
    if (l->rc != 0) {
        log_debug("list failed", "cluster=%s collection=\"%s\" rc=%d error=\"%s\"",
                  m->name, key, l->rc, err.text);
        return l;
    }
    l->by_name = json_object();
    json_array_foreach(res.items, i, it) {
        const char *name = json_string_value(
            json_object_get(json_object_get(it, "metadata"), "name"));

        if (name != NULL && l->by_name != NULL) {
            json_object_set(l->by_name, name, it);
        }
    }
    kube_list_result_release(&res);
    if (l->by_name == NULL) {
        l->rc = -ENOMEM;
    }
    return l;
}

/*
 * Every period: retries what is due, then reports the status of every
 * work. Objects of a collection (kind and namespace) that holds more than
 * one work are read with one LIST instead of a GET each: against a real API
 * server, n GETs every period is the load to avoid. A collection that does
 * not answer leaves its works' last status standing.
 */
static void
poll_all(struct am_member *m, int64_t now)
{
    struct strmap groups = { 0 };   /* collection -> works in it */
    struct strmap lists = { 0 };    /* collection -> struct listed */
    struct strmap_entry *e;
    size_t i = 0;

    while ((e = util_strmap_next(&m->works, &i)) != NULL) {
        struct work *w = e->ptr;
        const Flotilla__V1__ObjectReference *r = w->spec->resource;
        char key[600];

        if (!w->done && w->retry_ns <= now) {
            act(m, w, now);
        }
        if (r != NULL && w->answer == NULL) {
            struct strmap_entry *g;

            snprintf(key, sizeof(key), "%s %s %s", r->api_version, r->kind,
                     r->namespace_ != NULL ? r->namespace_ : "");
            g = util_strmap_put(&groups, key);
            if (g != NULL) {
                g->num++;
            }
        }
    }
    i = 0;
    while ((e = util_strmap_next(&m->works, &i)) != NULL) {
        struct work *w = e->ptr;
        const Flotilla__V1__ObjectReference *r = w->spec->resource;
        struct strmap_entry *g = NULL;
        struct listed *l;
        char key[600];

        if (r != NULL && w->answer == NULL && r->name != NULL) {
            snprintf(key, sizeof(key), "%s %s %s", r->api_version, r->kind,
                     r->namespace_ != NULL ? r->namespace_ : "");
            g = util_strmap_get(&groups, key);
        }
        if (g == NULL || g->num < 2 ||
            (l = list_collection(m, &lists, r)) == NULL) {
            poll_one(m, w);
            reapply_if_missing(m, w);
            continue;
        }
        if (l->rc != 0) {
            continue;
        }
        {
            json_t *obj = json_object_get(l->by_name, r->name);

            report(m, w, obj != NULL ? 0 : -ENOENT, json_incref(obj));
            reapply_if_missing(m, w);
        }
    }
    util_strmap_release(&groups);
    i = 0;
    while ((e = util_strmap_next(&lists, &i)) != NULL) {
        listed_free(e->ptr);
    }
    util_strmap_release(&lists);
}

static void *
member_main(void *arg)
{
    struct am_member *m = arg;
    struct member_agent *a = m->agent;
    char filter[BUS_SUBJECT_MAX];
    int64_t next_poll;

    snprintf(filter, sizeof(filter), "work.spec.%s.*.*", m->token);
    (void)bus_read_last_per_subject(a->conn, "FL_WORK", filter, absorb, m);
    snprintf(filter, sizeof(filter), "work.status.%s.*.*", m->token);
    (void)bus_read_last_per_subject(a->conn, "FL_WORK", filter, absorb_status, m);
    log_info("member agent ready", "cluster=%s works=%zu", m->name,
             m->works.len);
    {
        struct strmap_entry *e;
        size_t i = 0;

        while ((e = util_strmap_next(&m->works, &i)) != NULL) {
            watch_kind_of(m, e->ptr);
        }
    }
    poll_all(m, util_time_now_ns());
    next_poll = util_time_now_ns() + a->status_period_ns / 2;
    while (!stopping(a)) {
        struct bus_msg *msgs = NULL;
        int n = 0;

        if (bus_consumer_fetch(m->consumer, 128, 250, &msgs, &n) == 0) {
            int64_t now = util_time_now_ns();

            for (int i = 0; i < n; i++) {
                struct work *w = take(m, msgs[i].subject, msgs[i].data,
                                      msgs[i].len);

                if (w != NULL) {
                    /* first: the events of the apply must not be missed */
                    watch_kind_of(m, w);
                    act(m, w, now);
                    poll_one(m, w);
                }
                (void)bus_msg_ack(&msgs[i]);
            }
            bus_msgs_free(msgs, n);
        }
        if (drain_events(m)) {
            next_poll = 0;   /* events were dropped: read everything now */
        }
        if (util_time_now_ns() >= next_poll) {
            poll_all(m, util_time_now_ns());
            /* Half the period: a change reaches the bus within one. */
            next_poll = util_time_now_ns() + a->status_period_ns / 2;
        }
    }
    return NULL;
}

static int
start(const struct cfg *c, struct bus_conn *conn, const char *instance,
      bool pull, struct member_agent **out)
{
    struct member_agent *a = calloc(1, sizeof(*a));
    int rc = 0;

    if (a == NULL) {
        return -ENOMEM;
    }
    a->conn = conn;
    a->status_period_ns = c->settings.status_period_ns;
    snprintf(a->producer, sizeof(a->producer), "member-agent/%s",
             instance != NULL ? instance : "0");
    pthread_mutex_init(&a->lock, NULL);
    a->members = calloc(c->n_members + 1, sizeof(*a->members));
    if (a->members == NULL) {
        member_agent_stop(a);
        return -ENOMEM;
    }
    for (size_t i = 0; i < c->n_members && rc == 0; i++) {
        const struct cfg_member *cm = &c->members[i];
        struct am_member *m = &a->members[a->n];
        struct bus_consumer_def d = { 0 };
        struct kube_client_config kc;
        struct kube_error err;
        char durable[512], filter[BUS_SUBJECT_MAX];

        if (cm->sync_mode != (pull ? CFG_SYNC_PULL : CFG_SYNC_PUSH) ||
            cm->api_endpoint == NULL) {
            continue;
        }
        m->agent = a;
        snprintf(m->name, sizeof(m->name), "%s", cm->name);
        if (bus_token_encode(cm->name, m->token, sizeof(m->token)) < 0) {
            rc = -ENAMETOOLONG;
            break;
        }
        kube_client_config_init(&kc);
        kube_client_config_from_member(&kc, cm);
        rc = kube_client_new(&kc, &m->client, &err);
        if (rc != 0) {
            log_error("member client not made", "cluster=%s detail=\"%s\"",
                      cm->name, err.text);
            break;
        }
        pthread_mutex_init(&m->events_lock, NULL);
        m->events = json_array();
        a->n++;
        snprintf(durable, sizeof(durable), "member-agent-%s", m->token);
        snprintf(filter, sizeof(filter), "work.spec.%s.*.*", m->token);
        d.stream = "FL_WORK";
        d.durable = durable;
        d.filter = filter;
        rc = bus_consumer_open(conn, &d, &m->consumer);
        if (rc == 0 && pthread_create(&m->thread, NULL, member_main, m) != 0) {
            rc = -EAGAIN;
        }
        m->started = rc == 0;
    }
    if (rc != 0) {
        member_agent_stop(a);
        return rc;
    }
    log_info("member agent started", "members=%zu sync_mode=%s status_period_ms=%" PRId64,
             a->n, pull ? "Pull" : "Push", a->status_period_ns / NS_PER_MS);
    *out = a;
    return 0;
}

int
member_agent_start(const struct cfg *c, struct bus_conn *conn,
                   const char *instance, struct member_agent **out)
{
    return start(c, conn, instance, false, out);
}

int
member_agent_start_pull(const struct cfg *c, struct bus_conn *conn,
                        const char *instance, struct member_agent **out)
{
    return start(c, conn, instance, true, out);
}

void
member_agent_stop(struct member_agent *a)
{
    if (a == NULL) {
        return;
    }
    pthread_mutex_lock(&a->lock);
    a->stopping = true;
    pthread_mutex_unlock(&a->lock);
    atomic_store(&a->stop_watches, true);
    for (size_t i = 0; i < a->n; i++) {
        if (a->members[i].client != NULL) {
            kube_client_cancel(a->members[i].client);
        }
    }
    for (size_t i = 0; i < a->n; i++) {
        struct am_member *m = &a->members[i];
        struct strmap_entry *e;
        size_t k = 0;

        if (m->started) {
            pthread_join(m->thread, NULL);
        }
        /* after the member's thread: it is the one that starts watches */
        for (size_t j = 0; j < sizeof(m->watches) / sizeof(m->watches[0]);
             j++) {
            if (m->watches[j].started) {
                pthread_join(m->watches[j].thread, NULL);
            }
        }
        json_decref(m->events);
        util_strmap_release(&m->wanted);
        pthread_mutex_destroy(&m->events_lock);
        bus_consumer_close(m->consumer);
        kube_client_free(m->client);
        while ((e = util_strmap_next(&m->works, &k)) != NULL) {
            work_free(e->ptr);
        }
        util_strmap_release(&m->works);
        util_strmap_release(&m->namespaces);
    }
    free(a->members);
    pthread_mutex_destroy(&a->lock);
    free(a);
}
