/* SPDX-License-Identifier: Apache-2.0 */
/* The prober agent; see prober/prober.h. */
#define LOG_MODULE "prober"
#include "prober/prober.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor/actor.h"
#include "bus/bus.h"
#include "bus/subject.h"
#include "config/config.h"
#include "kube/client.h"
#include "kube/discovery.h"
#include "kube/summary.h"
#include "util/log.h"
#include "util/time.h"

#define DISCOVERY_EVERY 10

struct probe_member {
    struct prober *p;
    char name[128];
    struct kube_client *client;
    /* The last discovery, sent with every answered probe so that each
     * result stands on its own. */
    Flotilla__V1__APIEnablement **apis;
    size_t n_apis;
    bool apis_complete;
    char version[64];
    pthread_t thread;
    bool started;
};

struct prober {
    struct bus_conn *conn;
    bool pull;          /* Pull members' heartbeats instead of ProbeResults */
    char producer[160];
    int64_t period_ns;
    int64_t timeout_ns;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stopping;
    struct probe_member *members;
    size_t n;
};

void
prober_result_fill(Flotilla__V1__ProbeResult *out, const char *cluster,
                   int outcome, long http_code, const char *detail,
                   int64_t probed_ns, int64_t latency_ns)
{
    static const char *const names[] = { "ok", "not-ready", "no-answer" };

    out->cluster = (char *)cluster;
    out->outcome = (char *)(outcome >= 0 && outcome <= 2 ? names[outcome]
                                                         : "no-answer");
    out->http_code = (int32_t)http_code;
    out->detail = (char *)(detail != NULL ? detail : "");
    out->probed_ns = probed_ns;
    out->latency_ns = latency_ns;
}

/*
 * A Pull member's agent says the same as a probe, as a Heartbeat: its API
 * server ready ("True"), answering not ready ("False"), or not answering the
 * agent either ("Unknown"), with what it read of the member.
 */
static void
heartbeat_from(const Flotilla__V1__ProbeResult *r, Flotilla__V1__Heartbeat *hb)
{
    hb->cluster = r->cluster;
    hb->ready = strcmp(r->outcome, "ok") == 0          ? "True"
                : strcmp(r->outcome, "not-ready") == 0 ? "False"
                                                        : "Unknown";
    hb->resource_summary = r->resource_summary;
    hb->n_api_enablements = r->n_api_enablements;
    hb->api_enablements = r->api_enablements;
    hb->api_enablements_complete = r->api_enablements_complete;
    hb->kubernetes_version = r->kubernetes_version;
}

static int
publish(struct prober *p, const char *cluster,
        const Flotilla__V1__ProbeResult *r)
{
    Flotilla__V1__Heartbeat hb = FLOTILLA__V1__HEARTBEAT__INIT;
    struct actor_fx fx = { 0 };
    struct bus_pub pub = { 0 };
    char subject[BUS_SUBJECT_MAX];
    char id[256];
    int rc;

    bus_subject_build(subject, sizeof(subject),
                      p->pull ? "cluster.heartbeat" : "cluster.probe", cluster,
                      NULL, NULL);
    snprintf(id, sizeof(id), "%s:%" PRId64, cluster, r->probed_ns);
    actor_fx_begin(&fx, p->pull ? "pull-agent" : "prober", p->producer,
                   r->probed_ns, NULL, id);
    if (p->pull) {
        heartbeat_from(r, &hb);
        rc = actor_fx_publish(&fx, subject, cluster, "Heartbeat", &hb.base, 0);
    } else {
        rc = actor_fx_publish(&fx, subject, cluster, "ProbeResult", &r->base,
                              0);
    }
    if (rc == 0) {
        pub.subject = subject;
        pub.data = fx.outs[0].data;
        pub.len = fx.outs[0].len;
        pub.msg_id = fx.outs[0].msg_id;
        rc = bus_publish(p->conn, &pub, NULL, NULL);
    }
    actor_fx_release(&fx);
    return rc;
}

/* Adds what a member that answered can tell: summary, APIs, version. */
static void
read_member(struct probe_member *m, bool discover,
            Flotilla__V1__ProbeResult *r, Flotilla__V1__ResourceSummary *rs,
            struct kube_discovery **disc)
{
    struct kube_summary sum;
    struct kube_error err;

    kube_summary_init(&sum);
    if (kube_summary_fetch(m->client, &sum, &err) == 0 &&
        kube_summary_to_proto(&sum, util_time_now_ns(), rs) == 0) {
        r->resource_summary = rs;
    } else {
        log_warn("summary not read", "cluster=%s detail=\"%s\"", m->name,
                 err.text);
    }
    kube_summary_release(&sum);
    if (discover || m->apis == NULL) {
        if (kube_discover(m->client, disc, &err) == 0) {
            kube_discovery_enablements_free(m->apis, m->n_apis);
            m->apis = NULL;
            m->n_apis = 0;
            (void)kube_discovery_enablements(*disc, &m->apis, &m->n_apis);
            m->apis_complete = (*disc)->complete;
        } else {
            log_warn("discovery failed", "cluster=%s detail=\"%s\"", m->name,
                     err.text);
        }
        (void)kube_version(m->client, m->version, sizeof(m->version), &err);
    }
    r->api_enablements = m->apis;
    r->n_api_enablements = m->n_apis;
    r->api_enablements_complete = m->apis_complete;
    r->kubernetes_version = m->version;
}

static void
probe_once(struct probe_member *m, unsigned round)
{
    Flotilla__V1__ProbeResult r = FLOTILLA__V1__PROBE_RESULT__INIT;
    Flotilla__V1__ResourceSummary rs = FLOTILLA__V1__RESOURCE_SUMMARY__INIT;
    struct kube_discovery *disc = NULL;
    struct kube_probe_result pr;
    int64_t t0 = util_time_now_ns();

    memset(&pr, 0, sizeof(pr));
    (void)kube_probe(m->client, (long)(m->p->timeout_ns / NS_PER_MS), &pr);
    prober_result_fill(&r, m->name, (int)pr.outcome, pr.http_status,
                       pr.reason, t0, pr.duration_ns);
    if (pr.outcome == KUBE_PROBE_OK) {
        read_member(m, round % DISCOVERY_EVERY == 0, &r, &rs, &disc);
    }
    if (publish(m->p, m->name, &r) != 0) {
        log_warn("probe result not published", "cluster=%s outcome=%s",
                 m->name, r.outcome);
    }
    log_debug("probed", "cluster=%s outcome=%s code=%d ms=%" PRId64, m->name,
              r.outcome, (int)r.http_code, pr.duration_ns / NS_PER_MS);
    kube_discovery_free(disc);
    kube_summary_proto_release(&rs);
}

static void *
member_main(void *arg)
{
    struct probe_member *m = arg;
    struct prober *p = m->p;
    unsigned round = 0;
    int64_t next = util_time_now_ns();

    for (;;) {
        struct timespec ts;

        pthread_mutex_lock(&p->lock);
        while (!p->stopping && util_time_now_ns() < next) {
            ts.tv_sec = next / NS_PER_S;
            ts.tv_nsec = next % NS_PER_S;
            (void)pthread_cond_timedwait(&p->cond, &p->lock, &ts);
        }
        if (p->stopping) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        pthread_mutex_unlock(&p->lock);
        probe_once(m, round++);
        next += p->period_ns;
        if (next < util_time_now_ns()) {
            /* A slow member: probe again at once, never in a burst. */
            next = util_time_now_ns();
        }
    }
    return NULL;
}

static int
start(const struct cfg *c, struct bus_conn *conn, const char *instance,
      bool pull, struct prober **out)
{
    struct prober *p = calloc(1, sizeof(*p));
    int rc = 0;

    if (p == NULL) {
        return -ENOMEM;
    }
    p->conn = conn;
    p->pull = pull;
    p->period_ns = pull ? c->settings.heartbeat_period_ns
                        : c->settings.probe_period_ns;
    p->timeout_ns = c->settings.probe_timeout_ns;
    snprintf(p->producer, sizeof(p->producer), "%s/%s",
             pull ? "pull-agent" : "prober", instance != NULL ? instance : "0");
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->members = calloc(c->n_members + 1, sizeof(*p->members));
    if (p->members == NULL) {
        prober_stop(p);
        return -ENOMEM;
    }
    for (size_t i = 0; i < c->n_members && rc == 0; i++) {
        const struct cfg_member *cm = &c->members[i];
        struct probe_member *m = &p->members[p->n];
        struct kube_client_config kc;
        struct kube_error err;

        if (cm->sync_mode != (pull ? CFG_SYNC_PULL : CFG_SYNC_PUSH) ||
            cm->api_endpoint == NULL) {
            continue;
        }
        m->p = p;
        snprintf(m->name, sizeof(m->name), "%s", cm->name);
        kube_client_config_init(&kc);
        kube_client_config_from_member(&kc, cm);
        kc.connect_timeout_ms = (long)(p->timeout_ns / NS_PER_MS);
        kc.request_timeout_ms = (long)(p->timeout_ns / NS_PER_MS);
        rc = kube_client_new(&kc, &m->client, &err);
        if (rc != 0) {
            log_error("member client not made", "cluster=%s detail=\"%s\"",
                      cm->name, err.text);
            break;
        }
        p->n++;
        if (pthread_create(&m->thread, NULL, member_main, m) != 0) {
            rc = -EAGAIN;
            break;
        }
        m->started = true;
    }
    if (rc != 0) {
        prober_stop(p);
        return rc;
    }
    log_info(pull ? "heartbeats started" : "prober started",
             "members=%zu period_ms=%" PRId64 " timeout_ms=%" PRId64, p->n,
             p->period_ns / NS_PER_MS, p->timeout_ns / NS_PER_MS);
    *out = p;
    return 0;
}

int
prober_start(const struct cfg *c, struct bus_conn *conn, const char *instance,
             struct prober **out)
{
    return start(c, conn, instance, false, out);
}

int
prober_start_heartbeats(const struct cfg *c, struct bus_conn *conn,
                        const char *instance, struct prober **out)
{
    return start(c, conn, instance, true, out);
}

void
prober_stop(struct prober *p)
{
    if (p == NULL) {
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < p->n; i++) {
        if (p->members[i].client != NULL) {
            kube_client_cancel(p->members[i].client);
        }
    }
    for (size_t i = 0; i < p->n; i++) {
        if (p->members[i].started) {
            pthread_join(p->members[i].thread, NULL);
        }
        kube_client_free(p->members[i].client);
        kube_discovery_enablements_free(p->members[i].apis,
                                        p->members[i].n_apis);
    }
    free(p->members);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    free(p);
}
