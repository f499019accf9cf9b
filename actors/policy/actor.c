/* SPDX-License-Identifier: Apache-2.0 */
/* The policy actor (resource detector); see policy/actor.h. */
#define LOG_MODULE "policy"
#include "policy/actor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bus/subject.h"
#include "model/object.h"
#include "model/policy.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/strmap.h"

/* One user object, as last applied. */
struct pa_obj {
    struct model_object *obj;
    int64_t rebalance_ns;   /* templates: last WorkloadRebalancer naming it */
};

/* One output the actor published (rebuilt from the streams at start). */
struct pa_out {
    uint64_t hash;          /* of the packed message without its generation */
    int64_t generation;
    char *claim;            /* binding outputs: the claiming policy's key */
};

struct policy_state {
    struct strmap objects;  /* object subject -> struct pa_obj */
    struct strmap outs;     /* output subject -> struct pa_out */
    struct model_set set;   /* view of every object, rebuilt when dirty */
    bool dirty;
};

static const struct actor_input pa_inputs[] = {
    { "FL_OBJECTS", "object.*.*.*", true },
    { NULL, NULL, false },
};

static const struct actor_input pa_own[] = {
    { "FL_BINDINGS", "binding.spec.*.*", true },
    { "FL_CLUSTERS", "cluster.spec.*", true },
    { NULL, NULL, false },
};

/* ---------------------------------------------------------------- state */

static void *
pa_create(const void *config)
{
    struct policy_state *s = calloc(1, sizeof(*s));

    (void)config;
    if (s != NULL) {
        s->dirty = true;
    }
    return s;
}

static void
obj_free(struct pa_obj *o)
{
    if (o != NULL) {
        model_object_free(o->obj);
        free(o);
    }
}

static void
out_free(struct pa_out *o)
{
    if (o != NULL) {
        free(o->claim);
        free(o);
    }
}

static void
pa_destroy(void *p)
{
    struct policy_state *s = p;
    struct strmap_entry *e;
    size_t i = 0;

    while ((e = util_strmap_next(&s->objects, &i)) != NULL) {
        obj_free(e->ptr);
    }
    i = 0;
    while ((e = util_strmap_next(&s->outs, &i)) != NULL) {
        out_free(e->ptr);
    }
    util_strmap_release(&s->objects);
    util_strmap_release(&s->outs);
    free(s->set.items);
    free(s);
}

static int
cmp_obj(const void *a, const void *b)
{
    const struct model_object *x = *(struct model_object *const *)a;
    const struct model_object *y = *(struct model_object *const *)b;
    int c = strcmp(x->kind, y->kind);

    if (c == 0) {
        c = strcmp(x->namespace_, y->namespace_);
    }
    return c != 0 ? c : strcmp(x->name, y->name);
}

/* The view the object model matches against; sorted for stable results. */
static struct model_set *
view(struct policy_state *s)
{
    struct strmap_entry *e;
    size_t i = 0;

    if (!s->dirty) {
        return &s->set;
    }
    free(s->set.items);
    s->set.items = calloc(s->objects.len + 1, sizeof(*s->set.items));
    s->set.n = 0;
    while (s->set.items != NULL &&
           (e = util_strmap_next(&s->objects, &i)) != NULL) {
        s->set.items[s->set.n++] = ((struct pa_obj *)e->ptr)->obj;
    }
    if (s->set.items != NULL) {
        qsort(s->set.items, s->set.n, sizeof(*s->set.items), cmp_obj);
    }
    s->dirty = false;
    return &s->set;
}

static void
policy_key(const struct model_object *p, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", p->namespace_, p->name);
}

static const struct model_object *
find_policy(struct policy_state *s, const char *key)
{
    struct model_set *set = view(s);
    char k[600];

    for (size_t i = 0; key != NULL && key[0] != '\0' && i < set->n; i++) {
        const struct model_object *o = set->items[i];

        if (o->cls != MODEL_CLASS_PROPAGATION_POLICY &&
            o->cls != MODEL_CLASS_CLUSTER_PROPAGATION_POLICY) {
            continue;
        }
        policy_key(o, k, sizeof(k));
        if (strcmp(k, key) == 0) {
            return o;
        }
    }
    return NULL;
}

static bool
selects(const struct model_object *p, const struct model_object *t)
{
    const json_t *sel = json_object_get(json_object_get(p->json, "spec"),
                                        "resourceSelectors");

    if (p->cls == MODEL_CLASS_PROPAGATION_POLICY &&
        strcmp(p->namespace_, t->namespace_) != 0) {
        return false;
    }
    return model_selectors_match(sel, t) != MODEL_MATCH_NONE;
}

static int
binding_subject(const struct model_object *t, char *subject, size_t len,
                char *bname, size_t blen)
{
    if (model_binding_name(t->kind, t->name, bname, blen) != 0) {
        return -ENAMETOOLONG;
    }
    return bus_subject_build(subject, len, "binding.spec", t->namespace_,
                             bname, NULL) < 0
               ? -ENAMETOOLONG
               : 0;
}

static uint64_t
hash_message(const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n > 0 ? n : 1);
    uint64_t h;

    if (buf == NULL) {
        return 0;
    }
    protobuf_c_message_pack(m, buf);
    h = util_fnv64(buf, n);
    free(buf);
    return h;
}

static struct pa_out *
out_get(struct policy_state *s, const char *subject)
{
    struct strmap_entry *e = util_strmap_put(&s->outs, subject);

    if (e == NULL) {
        return NULL;
    }
    if (e->ptr == NULL) {
        e->ptr = calloc(1, sizeof(struct pa_out));
    }
    return e->ptr;
}

/* ---------------------------------------------------------------- outputs */

static int
publish_binding(struct policy_state *s, const char *subject, const char *key,
                Flotilla__V1__BindingSpec *b, const char *claim,
                struct actor_fx *fx)
{
    struct pa_out *o = out_get(s, subject);
    char line[700];
    uint64_t h;

    if (o == NULL) {
        return -ENOMEM;
    }
    b->generation = 0;
    h = hash_message(&b->base);
    if (o->hash == h && o->generation > 0) {
        return 0;   /* nothing the binding says has changed */
    }
    o->hash = h;
    o->generation++;
    free(o->claim);
    o->claim = strdup(claim);
    b->generation = o->generation;
    snprintf(line, sizeof(line), "binding generation %" PRId64 " (policy %s, %d replicas)",
             o->generation, claim, b->replicas);
    actor_fx_decision(fx, key, line, "PolicyApplied");
    return actor_fx_publish(fx, subject, key, "BindingSpec", &b->base,
                            ACTOR_PUB_OWNED);
}

static int
withdraw(struct policy_state *s, const char *subject, const char *key,
         const char *why, struct actor_fx *fx)
{
    struct strmap_entry *e = util_strmap_get(&s->outs, subject);

    if (e == NULL) {
        return 0;
    }
    out_free(util_strmap_del(&s->outs, subject));
    actor_fx_decision(fx, key, "withdrawn", why);
    return actor_fx_publish(fx, subject, key, "BindingSpec", NULL,
                            ACTOR_PUB_OWNED | ACTOR_PUB_TOMBSTONE);
}

/* The policy that should claim @t now, or NULL (§4.4, §4.8-4.10). */
static const struct model_object *
choose_policy(struct policy_state *s, const struct model_object *t,
              const char *current)
{
    const struct model_object *claimer = find_policy(s, current);
    struct model_set *set = view(s);

    if (claimer != NULL && selects(claimer, t)) {
        /* A claim sticks; only preemption moves it. */
        for (size_t i = 0; i < set->n; i++) {
            if ((set->items[i]->cls == MODEL_CLASS_PROPAGATION_POLICY ||
                 set->items[i]->cls ==
                     MODEL_CLASS_CLUSTER_PROPAGATION_POLICY) &&
                selects(set->items[i], t) &&
                model_policy_preempts(set->items[i], claimer, t)) {
                claimer = set->items[i];
            }
        }
        return claimer;
    }
    return model_policy_match(set, t, NULL, 0, NULL);
}

static int
reconcile_template(struct policy_state *s, struct pa_obj *po,
                   struct actor_fx *fx)
{
    const struct model_object *t = po->obj;
    const struct model_object *p;
    Flotilla__V1__BindingSpec *b = NULL;
    struct model_error err;
    struct strmap_entry *e;
    char subject[BUS_SUBJECT_MAX];
    char bname[300], key[600], claim[600];
    int rc;

    if (binding_subject(t, subject, sizeof(subject), bname, sizeof(bname))) {
        return 0;
    }
    snprintf(key, sizeof(key), "%s/%s", t->namespace_, bname);
    e = util_strmap_get(&s->outs, subject);
    p = choose_policy(s, t, e != NULL ? ((struct pa_out *)e->ptr)->claim
                                      : NULL);
    if (p == NULL) {
        /* No policy: the binding (if any) keeps its last placement. */
        return 0;
    }
    policy_key(p, claim, sizeof(claim));
    memset(&err, 0, sizeof(err));
    rc = model_binding_build(t, p, &b, &err);
    if (rc != 0) {
        char msg[600];

        model_error_format(&err, msg, sizeof(msg));
        actor_fx_decision(fx, key, msg, "TemplateRejected");
        return 0;
    }
    b->reschedule_triggered_ns = po->rebalance_ns;
    rc = publish_binding(s, subject, key, b, claim, fx);
    model_binding_free(b);
    return rc;
}

static int
reconcile_all(struct policy_state *s, struct actor_fx *fx)
{
    struct model_set *set = view(s);
    int rc = 0;

    for (size_t i = 0; i < set->n && rc == 0; i++) {
        const struct model_object *o = set->items[i];
        struct strmap_entry *e;
        char subject[BUS_SUBJECT_MAX];

        if (o->cls != MODEL_CLASS_TEMPLATE) {
            continue;
        }
        bus_subject_build(subject, sizeof(subject), "object", o->kind,
                          o->namespace_, o->name);
        e = util_strmap_get(&s->objects, subject);
        if (e != NULL) {
            rc = reconcile_template(s, e->ptr, fx);
        }
    }
    return rc;
}

static int
publish_cluster(const struct model_object *c, struct policy_state *s,
                struct actor_fx *fx)
{
    Flotilla__V1__ClusterSpec *spec = NULL;
    char subject[BUS_SUBJECT_MAX];
    struct pa_out *o;
    uint64_t h;
    int rc;

    rc = model_cluster_spec_from_object(c, &spec);
    if (rc != 0) {
        actor_fx_decision(fx, c->name, "cluster object not understood",
                          "ClusterRejected");
        return 0;
    }
    bus_subject_build(subject, sizeof(subject), "cluster.spec", c->name, NULL,
                      NULL);
    o = out_get(s, subject);
    h = hash_message(&spec->base);
    if (o != NULL && (o->hash != h || o->generation == 0)) {
        o->hash = h;
        o->generation++;
        actor_fx_decision(fx, c->name, "cluster registered or changed",
                          "ClusterApplied");
        rc = actor_fx_publish(fx, subject, c->name, "ClusterSpec",
                              &spec->base, ACTOR_PUB_OWNED);
    }
    protobuf_c_message_free_unpacked(&spec->base, NULL);
    return rc;
}

/* A WorkloadRebalancer asks for a fresh schedule of the workloads it names. */
static void
apply_rebalancer(struct policy_state *s, const struct model_object *r,
                 int64_t t_ns)
{
    const json_t *list = json_object_get(json_object_get(r->json, "spec"),
                                         "workloads");
    const json_t *w;
    size_t i;

    json_array_foreach(list, i, w) {
        const char *kind = json_string_value(json_object_get(w, "kind"));
        const char *name = json_string_value(json_object_get(w, "name"));
        const char *ns = json_string_value(json_object_get(w, "namespace"));
        char subject[BUS_SUBJECT_MAX];
        struct strmap_entry *e;

        if (kind == NULL || name == NULL) {
            continue;
        }
        bus_subject_build(subject, sizeof(subject), "object", kind,
                          ns != NULL ? ns : "", name);
        e = util_strmap_get(&s->objects, subject);
        if (e != NULL) {
            ((struct pa_obj *)e->ptr)->rebalance_ns = t_ns;
        }
    }
}

/* ---------------------------------------------------------------- inputs */

/*
 * Takes an object message into state. Returns the object (NULL when it was
 * deleted) and its previous version's class through @old_cls (-1: new).
 */
static int
take_object(struct policy_state *s, const struct actor_msg *m,
            struct pa_obj **out, int *old_cls)
{
    Flotilla__V1__ObjectRecord *rec;
    struct model_object *obj = NULL;
    struct model_error err;
    struct strmap_entry *e;
    struct pa_obj *po;
    char *text;
    int rc;

    *out = NULL;
    e = util_strmap_get(&s->objects, m->subject);
    *old_cls = e != NULL ? (int)((struct pa_obj *)e->ptr)->obj->cls : -1;
    if (m->env->deleted) {
        if (e != NULL) {
            obj_free(util_strmap_del(&s->objects, m->subject));
            s->dirty = true;
        }
        return 0;
    }
    rec = flotilla__v1__object_record__unpack(NULL, m->env->payload.len,
                                              m->env->payload.data);
    if (rec == NULL) {
        return -EBADMSG;
    }
    text = strndup((const char *)rec->json.data, rec->json.len);
    memset(&err, 0, sizeof(err));
    rc = text != NULL ? model_object_from_json_text(m->subject, text, &obj, &err)
                      : -ENOMEM;
    free(text);
    flotilla__v1__object_record__free_unpacked(rec, NULL);
    if (rc != 0) {
        char msg[600];

        model_error_format(&err, msg, sizeof(msg));
        log_warn("object rejected", "subject=%s reason=\"%s\"", m->subject,
                 msg);
        return -EBADMSG;
    }
    e = util_strmap_put(&s->objects, m->subject);
    if (e == NULL) {
        model_object_free(obj);
        return -ENOMEM;
    }
    po = e->ptr;
    if (po == NULL) {
        po = calloc(1, sizeof(*po));
        if (po == NULL) {
            model_object_free(obj);
            return -ENOMEM;
        }
        e->ptr = po;
    }
    model_object_free(po->obj);
    po->obj = obj;
    s->dirty = true;
    *out = po;
    return 0;
}

static int
take_own(struct policy_state *s, const struct actor_msg *m)
{
    struct pa_out *o;

    if (m->env->deleted) {
        out_free(util_strmap_del(&s->outs, m->subject));
        return 0;
    }
    o = out_get(s, m->subject);
    if (o == NULL) {
        return -ENOMEM;
    }
    if (strncmp(m->subject, "binding.spec.", 13) == 0) {
        Flotilla__V1__BindingSpec *b = flotilla__v1__binding_spec__unpack(
            NULL, m->env->payload.len, m->env->payload.data);
        char claim[600];

        if (b == NULL) {
            return -EBADMSG;
        }
        o->generation = b->generation;
        b->generation = 0;
        o->hash = hash_message(&b->base);
        snprintf(claim, sizeof(claim), "%s/%s", b->policy_namespace,
                 b->policy_name);
        free(o->claim);
        o->claim = strdup(claim);
        flotilla__v1__binding_spec__free_unpacked(b, NULL);
    } else {
        Flotilla__V1__ClusterSpec *c = flotilla__v1__cluster_spec__unpack(
            NULL, m->env->payload.len, m->env->payload.data);

        if (c == NULL) {
            return -EBADMSG;
        }
        o->hash = hash_message(&c->base);
        o->generation = 1;
        flotilla__v1__cluster_spec__free_unpacked(c, NULL);
    }
    return 0;
}

static int
pa_absorb(void *p, const struct actor_msg *m)
{
    struct policy_state *s = p;
    struct pa_obj *po = NULL;
    int old;

    if (strncmp(m->subject, "object.", 7) == 0) {
        int rc = take_object(s, m, &po, &old);

        if (rc == 0 && po != NULL &&
            po->obj->cls == MODEL_CLASS_WORKLOAD_REBALANCER) {
            apply_rebalancer(s, po->obj, m->env->event_time_ns);
        }
        return rc == -EBADMSG ? 0 : rc;
    }
    return take_own(s, m);
}

/* A template, Cluster or policy went away. */
static int
object_deleted(struct policy_state *s, const struct actor_msg *m, int old_cls,
               struct actor_fx *fx)
{
    char names[3][256];
    char subject[BUS_SUBJECT_MAX];
    char bname[300], key[600];

    if (bus_subject_names(m->subject, 1, names, 3) != 3) {
        return 0;
    }
    if (old_cls == MODEL_CLASS_TEMPLATE) {
        if (model_binding_name(names[0], names[2], bname, sizeof(bname)) != 0) {
            return 0;
        }
        bus_subject_build(subject, sizeof(subject), "binding.spec", names[1],
                          bname, NULL);
        snprintf(key, sizeof(key), "%s/%s", names[1], bname);
        return withdraw(s, subject, key, "TemplateDeleted", fx);
    }
    if (old_cls == MODEL_CLASS_CLUSTER) {
        bus_subject_build(subject, sizeof(subject), "cluster.spec", names[2],
                          NULL, NULL);
        if (util_strmap_get(&s->outs, subject) == NULL) {
            return 0;
        }
        out_free(util_strmap_del(&s->outs, subject));
        actor_fx_decision(fx, names[2], "cluster removed", "ClusterDeleted");
        return actor_fx_publish(fx, subject, names[2], "ClusterSpec", NULL,
                                ACTOR_PUB_OWNED | ACTOR_PUB_TOMBSTONE);
    }
    /* A policy went away: claims it held are matched again. */
    return reconcile_all(s, fx);
}

static int
pa_handle(void *p, const struct actor_msg *m, int64_t now, struct actor_fx *fx)
{
    struct policy_state *s = p;
    struct pa_obj *po = NULL;
    int old = -1;
    int rc;

    (void)now;
    if (strncmp(m->subject, "object.", 7) != 0) {
        return 0;
    }
    rc = take_object(s, m, &po, &old);
    if (rc != 0) {
        return rc;
    }
    if (po == NULL) {
        return old >= 0 ? object_deleted(s, m, old, fx) : 0;
    }
    switch (po->obj->cls) {
    case MODEL_CLASS_TEMPLATE:
        return reconcile_template(s, po, fx);
    case MODEL_CLASS_CLUSTER:
        return publish_cluster(po->obj, s, fx);
    case MODEL_CLASS_WORKLOAD_REBALANCER:
        apply_rebalancer(s, po->obj, m->env->event_time_ns);
        return reconcile_all(s, fx);
    case MODEL_CLASS_CLUSTER_TAINT_POLICY:
        return 0;   /* the cluster actor's */
    default:
        /* Propagation and override policies: every claim may move. */
        return reconcile_all(s, fx);
    }
}

static int
pa_timer(void *p, const char *name, int64_t now, struct actor_fx *fx)
{
    (void)p;
    (void)name;
    (void)now;
    (void)fx;
    return 0;
}

/* After a restart: anything applied while the actor was down is caught up. */
static int
pa_resume(void *p, int64_t now, struct actor_fx *fx)
{
    struct policy_state *s = p;
    struct model_set *set = view(s);
    int rc = 0;

    (void)now;
    for (size_t i = 0; i < set->n && rc == 0; i++) {
        if (set->items[i]->cls == MODEL_CLASS_CLUSTER) {
            rc = publish_cluster(set->items[i], s, fx);
        }
    }
    return rc == 0 ? reconcile_all(s, fx) : rc;
}

const struct actor_core policy_actor_core = {
    .name = "policy",
    .inputs = pa_inputs,
    .own_state = pa_own,
    .create = pa_create,
    .destroy = pa_destroy,
    .absorb = pa_absorb,
    .handle = pa_handle,
    .on_timer = pa_timer,
    .resume = pa_resume,
};

const char *
policy_actor_claim(struct policy_state *s, const char *subject)
{
    struct strmap_entry *e = util_strmap_get(&s->outs, subject);

    return e != NULL ? ((struct pa_out *)e->ptr)->claim : NULL;
}
