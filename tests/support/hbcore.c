/* SPDX-License-Identifier: Apache-2.0 */
/* The heartbeat test core; see hbcore.h. */
#include "support/hbcore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/subject.h"
#include "util/strmap.h"

struct hb {
    char ready[16];
    int64_t last_ns;
    int changes;
};

struct hbcore_state {
    struct strmap clusters;
};

static const struct actor_input hb_inputs[] = {
    { "FL_REQUESTS", "cluster.heartbeat.*", false },
    { NULL, NULL, false },
};

static const struct actor_input hb_own[] = {
    { "FL_CLUSTERS", "cluster.status.*", true },
    { NULL, NULL, false },
};

static void *
hb_create(const void *config)
{
    (void)config;
    return calloc(1, sizeof(struct hbcore_state));
}

static void
hb_destroy(void *p)
{
    struct hbcore_state *s = p;
    struct strmap_entry *e;
    size_t i = 0;

    while ((e = util_strmap_next(&s->clusters, &i)) != NULL) {
        free(e->ptr);
    }
    util_strmap_release(&s->clusters);
    free(s);
}

static struct hb *
get(struct hbcore_state *s, const char *name)
{
    struct strmap_entry *e = util_strmap_put(&s->clusters, name);

    if (e == NULL) {
        return NULL;
    }
    if (e->ptr == NULL) {
        e->ptr = calloc(1, sizeof(struct hb));
    }
    return e->ptr;
}

static int
hb_absorb(void *p, const struct actor_msg *m)
{
    Flotilla__V1__ClusterStatus *st;
    struct hb *h;

    st = flotilla__v1__cluster_status__unpack(NULL, m->env->payload.len,
                                              m->env->payload.data);
    if (st == NULL) {
        return -EBADMSG;
    }
    h = get(p, st->name);
    if (h != NULL) {
        snprintf(h->ready, sizeof(h->ready), "%s", st->ready);
        h->last_ns = st->last_heartbeat_ns;
        h->changes = (int)st->last_probe_ns;
    }
    flotilla__v1__cluster_status__free_unpacked(st, NULL);
    return 0;
}

static int
publish_status(struct actor_fx *fx, const char *name, struct hb *h)
{
    Flotilla__V1__ClusterStatus st = FLOTILLA__V1__CLUSTER_STATUS__INIT;
    char subject[BUS_SUBJECT_MAX];

    h->changes++;
    st.name = (char *)name;
    st.ready = h->ready;
    st.last_heartbeat_ns = h->last_ns;
    /* This test core keeps its change count in last_probe_ns. */
    st.last_probe_ns = h->changes;
    bus_subject_build(subject, sizeof(subject), "cluster.status", name, NULL,
                      NULL);
    actor_fx_decision(fx, name, h->ready, "heartbeat");
    return actor_fx_publish(fx, subject, name, "ClusterStatus",
                            &st.base, ACTOR_PUB_OWNED);
}

static int
hb_handle(void *p, const struct actor_msg *m, int64_t now, struct actor_fx *fx)
{
    Flotilla__V1__Heartbeat *hb;
    struct hb *h;
    char timer[300];
    int rc = 0;

    (void)now;
    hb = flotilla__v1__heartbeat__unpack(NULL, m->env->payload.len,
                                         m->env->payload.data);
    if (hb == NULL || hb->cluster == NULL || hb->cluster[0] == '\0') {
        if (hb != NULL) {
            flotilla__v1__heartbeat__free_unpacked(hb, NULL);
        }
        return -EBADMSG;
    }
    h = get(p, hb->cluster);
    /* Idempotent: an old or repeated heartbeat changes nothing. */
    if (h != NULL && m->env->event_time_ns > h->last_ns) {
        h->last_ns = m->env->event_time_ns;
        snprintf(timer, sizeof(timer), "grace/%s", hb->cluster);
        rc = actor_fx_timer(fx, timer, h->last_ns + HBCORE_GRACE_NS);
        if (rc == 0 && strcmp(h->ready, hb->ready) != 0) {
            snprintf(h->ready, sizeof(h->ready), "%s", hb->ready);
            rc = publish_status(fx, hb->cluster, h);
        }
    }
    flotilla__v1__heartbeat__free_unpacked(hb, NULL);
    return rc;
}

static int
hb_timer(void *p, const char *name, int64_t now, struct actor_fx *fx)
{
    const char *cluster = name + strlen("grace/");
    struct hb *h = get(p, cluster);

    if (h == NULL || now < h->last_ns + HBCORE_GRACE_NS ||
        strcmp(h->ready, "Unknown") == 0) {
        return 0;
    }
    snprintf(h->ready, sizeof(h->ready), "Unknown");
    return publish_status(fx, cluster, h);
}

static int
hb_resume(void *p, int64_t now, struct actor_fx *fx)
{
    struct hbcore_state *s = p;
    struct strmap_entry *e;
    size_t i = 0;

    (void)now;
    while ((e = util_strmap_next(&s->clusters, &i)) != NULL) {
        struct hb *h = e->ptr;
        char timer[300];

        if (strcmp(h->ready, "Unknown") != 0) {
            snprintf(timer, sizeof(timer), "grace/%s", e->key);
            (void)actor_fx_timer(fx, timer, h->last_ns + HBCORE_GRACE_NS);
        }
    }
    return 0;
}

const struct actor_core hbcore = {
    .name = "cluster-status",
    .inputs = hb_inputs,
    .own_state = hb_own,
    .create = hb_create,
    .destroy = hb_destroy,
    .absorb = hb_absorb,
    .handle = hb_handle,
    .on_timer = hb_timer,
    .resume = hb_resume,
};

int
hbcore_changes(struct hbcore_state *s, const char *cluster)
{
    struct strmap_entry *e = util_strmap_get(&s->clusters, cluster);

    return e != NULL && e->ptr != NULL ? ((struct hb *)e->ptr)->changes : 0;
}

const char *
hbcore_ready(struct hbcore_state *s, const char *cluster)
{
    struct strmap_entry *e = util_strmap_get(&s->clusters, cluster);

    return e != NULL && e->ptr != NULL ? ((struct hb *)e->ptr)->ready : NULL;
}
