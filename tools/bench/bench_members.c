/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flotilla-bench members: N workloads (Deployments, one replica, Duplicated
 * over M members: N x M objects) through the whole control plane into
 * simulated members. Each run starts its own nats-server, flotilla-sim and
 * `flotilla run` (every actor, the member agent included) on loopback, as
 * tools/up.sh does, then measures:
 *   - the apply rate: member objects per second, from `flotilla apply` of
 *     the workloads and their policy until the members' LISTs hold them all;
 *   - the status delay: K objects crash in their members (flotilla-sim's
 *     crash fault: readyReplicas drops to 0 at once); the time from each
 *     crash until the binding's aggregated status (executor/status.h over
 *     the decision, cluster statuses and work statuses seen on the bus) no
 *     longer counts that replica ready; p50 and p99.
 * Prints each run and the median of the runs.
 */
#define LOG_MODULE "bench"
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "bus/bus.h"
#include "bus/envelope.h"
#include "bus/subject.h"
#include "executor/status.h"
#include "support/natsd.h"
#include "util/log.h"
#include "util/strmap.h"
#include "util/time.h"

#define MAX_MEMBERS 64
#define NS "bench"

struct mb_opts {
    size_t n_workloads;
    size_t n_members;
    size_t n_crashes;
    size_t runs;
    const char *status_period;
    int64_t status_period_ns;
    bool spread_all;        /* every workload in every member, else in one */
};

struct mb_sample {
    size_t member;
    size_t workload;
    int64_t t0_ns;          /* when the crash was made; 0 before */
    int64_t delay_ns;       /* 0 until seen */
};

struct mb_run {
    const struct mb_opts *o;
    char dir[256];
    char bindir[2048];
    struct natsd d;
    pid_t sim_pid, run_pid;
    int ctl_port;
    int ports[MAX_MEMBERS];
    int http_port;
    struct bus_conn *c;
    struct bus_sub *subs[3];
    pthread_mutex_t lock;
    struct strmap clusters;     /* cluster name -> ClusterStatus */
    struct strmap decisions;    /* binding name -> ScheduleDecision */
    struct strmap works;        /* work.status subject -> WorkStatus */
    struct strmap sampled;      /* work.status subject -> sample index + 1 */
    struct mb_sample *samples;
    size_t n_samples;
    size_t n_done;
    size_t n_present;           /* member objects first reported present */
    int64_t t_first_present_ns;
    int64_t t_last_present_ns;
    int64_t t_last_decision_ns; /* a binding's first placement decision */
    CURL *curl;
};

/* ---------------------------------------------------------------- helpers */

static void
member_name(size_t i, char *buf, size_t len)
{
    snprintf(buf, len, "m%02zu", i + 1);
}

static void
workload_name(size_t i, char *buf, size_t len)
{
    snprintf(buf, len, "w%04zu", i);
}

static pid_t
spawn(const char *log, char *const argv[])
{
    pid_t pid;

    fflush(stdout);
    fflush(stderr);
    pid = fork();

    if (pid == 0) {
        FILE *f = freopen(log, "a", stdout);

        if (f != NULL) {
            (void)dup2(fileno(f), 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int
wait_child(pid_t pid)
{
    int st = 0;

    if (waitpid(pid, &st, 0) < 0) {
        return -errno;
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static void
stop_child(pid_t pid)
{
    if (pid <= 0) {
        return;
    }
    kill(pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            return;
        }
        usleep(50000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
    FILE *f = arg;

    return fwrite(p, size, n, f);
}

/* An HTTP request to 127.0.0.1:@port; the body in *@out (free it). */
static long
http(struct mb_run *r, const char *method, int port, const char *path,
     const char *body, char **out)
{
    char url[512];
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    long code = 0;

    if (f == NULL) {
        return 0;
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_reset(r->curl);
    curl_easy_setopt(r->curl, CURLOPT_URL, url);
    curl_easy_setopt(r->curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, f);
    if (body != NULL) {
        curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
    }
    if (curl_easy_perform(r->curl) == CURLE_OK) {
        curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &code);
    }
    fclose(f);
    if (out != NULL) {
        *out = text;
    } else {
        free(text);
    }
    return code;
}

/* ---------------------------------------------------------------- bus feed */

static void
put_msg(struct strmap *m, const char *key, void *msg,
        void (*free_fn)(void *, ProtobufCAllocator *))
{
    struct strmap_entry *e = util_strmap_put(m, key);

    if (e == NULL) {
        free_fn(msg, NULL);
        return;
    }
    if (e->ptr != NULL) {
        free_fn(e->ptr, NULL);
    }
    e->ptr = msg;
}

/* Called with the lock held, after a WorkStatus for sample @i arrived. */
static void
check_sample(struct mb_run *r, size_t i, int64_t now)
{
    struct mb_sample *s = &r->samples[i];
    Flotilla__V1__ClusterStatus *cs[MAX_MEMBERS];
    Flotilla__V1__WorkStatus *ws[MAX_MEMBERS];
    struct strmap_entry *e;
    struct executor_status agg;
    char wl[48], subject[BUS_SUBJECT_MAX];

    if (s->t0_ns == 0 || s->delay_ns != 0) {
        return;
    }
    workload_name(s->workload, wl, sizeof(wl));
    strcat(wl, "-deployment");
    for (size_t k = 0; k < r->o->n_members; k++) {
        char mn[32];

        member_name(k, mn, sizeof(mn));
        e = util_strmap_get(&r->clusters, mn);
        cs[k] = e != NULL ? e->ptr : NULL;
        bus_subject_build(subject, sizeof(subject), "work.status", mn, NS, wl);
        e = util_strmap_get(&r->works, subject);
        ws[k] = e != NULL ? e->ptr : NULL;
    }
    e = util_strmap_get(&r->decisions, wl);
    if (e == NULL || executor_status_aggregate(e->ptr, cs, r->o->n_members, ws,
                                               r->o->n_members, &agg) != 0) {
        return;
    }
    if (agg.ready_replicas < agg.want_replicas) {
        s->delay_ns = now - s->t0_ns;
        r->n_done++;
    }
    executor_status_release(&agg);
}

static void
feed(const char *subject, const void *data, size_t len, void *arg)
{
    struct mb_run *r = arg;
    Flotilla__V1__Envelope *env = NULL;
    int64_t now = util_time_now_ns();
    char why[128], names[3][256];

    if (bus_envelope_unpack(data, len, &env, why, sizeof(why)) != 0) {
        return;
    }
    pthread_mutex_lock(&r->lock);
    if (strncmp(subject, "cluster.status.", 15) == 0 &&
        bus_subject_names(subject, 2, names, 1) == 1) {
        void *m = flotilla__v1__cluster_status__unpack(NULL, env->payload.len,
                                                       env->payload.data);

        if (m != NULL) {
            put_msg(&r->clusters, names[0], m,
                    (void (*)(void *, ProtobufCAllocator *))
                        flotilla__v1__cluster_status__free_unpacked);
        }
    } else if (strncmp(subject, "binding.schedule.", 17) == 0 &&
               bus_subject_names(subject, 2, names, 2) == 2) {
        void *m = flotilla__v1__schedule_decision__unpack(
            NULL, env->payload.len, env->payload.data);

        if (m != NULL) {
            if (util_strmap_get(&r->decisions, names[1]) == NULL) {
                r->t_last_decision_ns = now;
            }
            put_msg(&r->decisions, names[1], m,
                    (void (*)(void *, ProtobufCAllocator *))
                        flotilla__v1__schedule_decision__free_unpacked);
        }
    } else if (strncmp(subject, "work.status.", 12) == 0) {
        void *m = flotilla__v1__work_status__unpack(NULL, env->payload.len,
                                                    env->payload.data);
        struct strmap_entry *e;

        if (m != NULL) {
            e = util_strmap_get(&r->works, subject);
            if (((Flotilla__V1__WorkStatus *)m)->present &&
                (e == NULL || !((Flotilla__V1__WorkStatus *)e->ptr)->present) &&
                bus_subject_names(subject, 2, names, 3) == 3 &&
                strcmp(names[1], NS) == 0) {
                r->n_present++;
                r->t_last_present_ns = now;
                if (r->t_first_present_ns == 0) {
                    r->t_first_present_ns = now;
                }
            }
            put_msg(&r->works, subject, m,
                    (void (*)(void *, ProtobufCAllocator *))
                        flotilla__v1__work_status__free_unpacked);
            e = util_strmap_get(&r->sampled, subject);
            if (e != NULL) {
                check_sample(r, e->num - 1, now);
            }
        }
    }
    pthread_mutex_unlock(&r->lock);
    bus_envelope_free(env);
}

static void
free_all(struct strmap *m, void (*free_fn)(void *, ProtobufCAllocator *))
{
    struct strmap_entry *e;
    size_t i = 0;

    while ((e = util_strmap_next(m, &i)) != NULL) {
        if (e->ptr != NULL) {
            free_fn(e->ptr, NULL);
        }
    }
    util_strmap_release(m);
}

/* ---------------------------------------------------------------- setup */

static int
write_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL) {
        return -errno;
    }
    fputs(text, f);
    return fclose(f) == 0 ? 0 : -EIO;
}

static int
start_sim(struct mb_run *r)
{
    char cfg[8192], path[PATH_MAX], state[PATH_MAX], log[PATH_MAX];
    size_t off = 0;
    json_t *j = NULL;
    int rc = -ETIMEDOUT;

    off += (size_t)snprintf(cfg + off, sizeof(cfg) - off, "members:\n");
    for (size_t i = 0; i < r->o->n_members; i++) {
        char mn[32];

        member_name(i, mn, sizeof(mn));
        off += (size_t)snprintf(cfg + off, sizeof(cfg) - off,
                                "  - name: %s\n    readyDelay: 100ms\n"
                                "    allocatable: {cpu: \"1000\", memory: 4000Gi,"
                                " pods: \"%zu\"}\n",
                                mn, r->o->n_workloads * 2 + 100);
    }
    if (write_file(r->dir, "sim.yaml", cfg) != 0) {
        return -EIO;
    }
    snprintf(path, sizeof(path), "%s/sim.yaml", r->dir);
    snprintf(state, sizeof(state), "%s/sim.json", r->dir);
    snprintf(log, sizeof(log), "%s/sim.log", r->dir);
    {
        char bin[PATH_MAX + 16];
        char *argv[] = { bin, "--config", path, "--state-file", state,
                         "--log-level", "error", NULL };

        snprintf(bin, sizeof(bin), "%s/flotilla-sim", r->bindir);
        r->sim_pid = spawn(log, argv);
    }
    for (int i = 0; i < 200 && rc != 0; i++) {
        usleep(50000);
        j = json_load_file(state, 0, NULL);
        rc = j != NULL ? 0 : -ETIMEDOUT;
    }
    if (rc != 0) {
        fprintf(stderr, "flotilla-bench members: flotilla-sim did not start; "
                        "see %s\n", log);
        return rc;
    }
    r->ctl_port = (int)json_integer_value(json_object_get(j, "control"));
    for (size_t i = 0; i < r->o->n_members; i++) {
        char mn[32];

        member_name(i, mn, sizeof(mn));
        r->ports[i] = (int)json_integer_value(
            json_object_get(json_object_get(j, "members"), mn));
    }
    json_decref(j);
    return 0;
}

static int
start_daemon(struct mb_run *r)
{
    char cfg[16384], path[PATH_MAX], log[PATH_MAX], bin[PATH_MAX + 16];
    char clusters[8192];
    size_t off = 0, coff = 0;
    long code = 0;

    r->http_port = natsd_free_port();
    off += (size_t)snprintf(cfg + off, sizeof(cfg) - off,
                            "nats:\n  urls: [%s]\ndaemon:\n  listen: "
                            "127.0.0.1:%d\n  dataDir: %s\nsettings:\n"
                            "  statusPeriod: %s\n"
                            "members:\n",
                            r->d.url, r->http_port, r->dir,
                            r->o->status_period);
    for (size_t i = 0; i < r->o->n_members; i++) {
        char mn[32];

        member_name(i, mn, sizeof(mn));
        off += (size_t)snprintf(cfg + off, sizeof(cfg) - off,
                                "  - name: %s\n    apiEndpoint: "
                                "http://127.0.0.1:%d\n", mn, r->ports[i]);
        coff += (size_t)snprintf(clusters + coff, sizeof(clusters) - coff,
                                 "---\napiVersion: cluster.karmada.io/v1alpha1\n"
                                 "kind: Cluster\nmetadata:\n  name: %s\nspec:\n"
                                 "  apiEndpoint: http://127.0.0.1:%d\n"
                                 "  syncMode: Push\n", mn, r->ports[i]);
    }
    if (write_file(r->dir, "flotilla.yaml", cfg) != 0 ||
        write_file(r->dir, "clusters.yaml", clusters) != 0) {
        return -EIO;
    }
    snprintf(path, sizeof(path), "%s/flotilla.yaml", r->dir);
    snprintf(log, sizeof(log), "%s/flotilla.log", r->dir);
    snprintf(bin, sizeof(bin), "%s/flotilla", r->bindir);
    {
        char *argv[] = { bin, "run", "--config", path, NULL };

        r->run_pid = spawn(log, argv);
    }
    for (int i = 0; i < 400 && code != 200; i++) {
        usleep(25000);
        code = http(r, "GET", r->http_port, "/readyz", NULL, NULL);
    }
    if (code != 200) {
        fprintf(stderr, "flotilla-bench members: the daemon did not become "
                        "ready; see %s\n", log);
        return -ETIMEDOUT;
    }
    return 0;
}

static int
flotilla_apply(struct mb_run *r, const char *file)
{
    char path[PATH_MAX], log[PATH_MAX], bin[PATH_MAX + 16];
    char *argv[] = { bin, "apply", "-f", path, "--server", r->d.url, NULL };

    snprintf(path, sizeof(path), "%s/%s", r->dir, file);
    snprintf(log, sizeof(log), "%s/apply.log", r->dir);
    snprintf(bin, sizeof(bin), "%s/flotilla", r->bindir);
    return wait_child(spawn(log, argv));
}

static bool
members_ready(struct mb_run *r)
{
    size_t n = 0;

    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->o->n_members; i++) {
        char mn[32];
        struct strmap_entry *e;

        member_name(i, mn, sizeof(mn));
        e = util_strmap_get(&r->clusters, mn);
        if (e != NULL &&
            strcmp(((Flotilla__V1__ClusterStatus *)e->ptr)->ready, "True") == 0) {
            n++;
        }
    }
    pthread_mutex_unlock(&r->lock);
    return n == r->o->n_members;
}

/*
 * workloads/: the policy, then the Deployments in files of 250 documents
 * (flotilla apply takes at most 1,000 documents per file).
 */
static int
write_workloads(struct mb_run *r)
{
    FILE *f = NULL;
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/workloads", r->dir);
    if (mkdir(path, 0700) != 0) {
        return -errno;
    }
    snprintf(path, sizeof(path), "%s/workloads/policy.yaml", r->dir);
    f = fopen(path, "w");
    if (f == NULL) {
        return -errno;
    }
    /* --spread all: one policy, every member; else one per member. */
    for (size_t k = 0; k < (r->o->spread_all ? 1 : r->o->n_members); k++) {
        char mn[32];

        member_name(k, mn, sizeof(mn));
        fprintf(f, "---\napiVersion: policy.karmada.io/v1alpha1\n"
                   "kind: PropagationPolicy\nmetadata:\n  name: bench-%s\n"
                   "  namespace: " NS "\nspec:\n  resourceSelectors:\n"
                   "    - apiVersion: apps/v1\n      kind: Deployment\n",
                r->o->spread_all ? "all" : mn);
        if (!r->o->spread_all) {
            fprintf(f, "      labelSelector:\n        matchLabels: "
                       "{member: %s}\n  placement:\n    clusterAffinity:\n"
                       "      clusterNames: [%s]\n", mn, mn);
        } else {
            fprintf(f, "  placement:\n");
        }
        fprintf(f, "    replicaScheduling:\n"
                   "      replicaSchedulingType: Duplicated\n");
    }
    for (size_t i = 0; i < r->o->n_workloads; i++) {
        char wl[48], mn[32];

        if (i % 250 == 0) {
            if (fclose(f) != 0) {
                return -EIO;
            }
            snprintf(path, sizeof(path), "%s/workloads/w%04zu.yaml", r->dir, i);
            f = fopen(path, "w");
            if (f == NULL) {
                return -errno;
            }
        }
        workload_name(i, wl, sizeof(wl));
        member_name(i % r->o->n_members, mn, sizeof(mn));
        fprintf(f, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                   "  name: %s\n  namespace: " NS "\n"
                   "  labels: {app: %s, member: %s}\n"
                   "spec:\n  replicas: 1\n  selector:\n    matchLabels: "
                   "{app: %s}\n  template:\n    metadata:\n      labels: "
                   "{app: %s}\n    spec:\n      containers:\n        - name: "
                   "app\n          image: registry.example/%s:1\n",
                wl, wl, mn, wl, wl, wl);
    }
    return fclose(f) == 0 ? 0 : -EIO;
}

/* Objects in namespace bench over all members (LIST), or -1. */
static long
count_objects(struct mb_run *r)
{
    long total = 0;

    for (size_t i = 0; i < r->o->n_members; i++) {
        char *body = NULL;
        json_t *j;

        if (http(r, "GET", r->ports[i],
                 "/apis/apps/v1/namespaces/" NS "/deployments", NULL,
                 &body) != 200) {
            free(body);
            continue;
        }
        j = json_loads(body, 0, NULL);
        total += (long)json_array_size(json_object_get(j, "items"));
        json_decref(j);
        free(body);
    }
    return total;
}

/* ---------------------------------------------------------------- measure */

static int
measure_apply(struct mb_run *r, double *rate, double *secs, double *placed,
              double *member_rate)
{
    long want = (long)(r->o->n_workloads *
                       (r->o->spread_all ? r->o->n_members : 1));
    long have = 0;
    int64_t t0, t1, deadline;
    int rc;

    rc = write_workloads(r);
    if (rc != 0) {
        return rc;
    }
    t0 = util_time_now_ns();
    rc = flotilla_apply(r, "workloads");
    if (rc != 0) {
        fprintf(stderr, "flotilla-bench members: flotilla apply failed; see "
                        "%s/apply.log\n", r->dir);
        return rc;
    }
    /*
     * The member agent reads an object back right after applying it and
     * reports it present: the last first-present report is when the last
     * object reached its member (polling the members' LISTs instead would
     * load the simulator the benchmark measures). The LISTs confirm it.
     */
    deadline = t0 + 300 * NS_PER_S;
    for (;;) {
        pthread_mutex_lock(&r->lock);
        have = (long)r->n_present;
        t1 = r->t_last_present_ns;
        pthread_mutex_unlock(&r->lock);
        if (have >= want || util_time_now_ns() >= deadline) {
            break;
        }
        usleep(20000);
    }
    if (have >= want) {
        have = count_objects(r);
    }
    if (have < want) {
        fprintf(stderr, "flotilla-bench members: %ld of %ld objects reached "
                        "the members in 300s\n", have, want);
        return -ETIMEDOUT;
    }
    *secs = (double)(t1 - t0) / 1e9;
    *rate = (double)want / *secs;
    pthread_mutex_lock(&r->lock);
    *placed = (double)(r->t_last_decision_ns - t0) / 1e9;
    *member_rate = (double)want /
                   ((double)(t1 - r->t_first_present_ns) / 1e9 + 1e-9);
    pthread_mutex_unlock(&r->lock);
    return 0;
}

/* True when every sampled binding's aggregated status is fully ready. */
static bool
samples_ready(struct mb_run *r)
{
    bool ok = true;

    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; ok && i < r->n_samples; i++) {
        Flotilla__V1__ClusterStatus *cs[MAX_MEMBERS];
        Flotilla__V1__WorkStatus *ws[MAX_MEMBERS];
        struct executor_status agg;
        struct strmap_entry *e;
        char wl[48], subject[BUS_SUBJECT_MAX];

        workload_name(r->samples[i].workload, wl, sizeof(wl));
        strcat(wl, "-deployment");
        for (size_t k = 0; k < r->o->n_members; k++) {
            char mn[32];

            member_name(k, mn, sizeof(mn));
            e = util_strmap_get(&r->clusters, mn);
            cs[k] = e != NULL ? e->ptr : NULL;
            bus_subject_build(subject, sizeof(subject), "work.status", mn, NS,
                              wl);
            e = util_strmap_get(&r->works, subject);
            ws[k] = e != NULL ? e->ptr : NULL;
        }
        e = util_strmap_get(&r->decisions, wl);
        ok = e != NULL &&
             executor_status_aggregate(e->ptr, cs, r->o->n_members, ws,
                                       r->o->n_members, &agg) == 0;
        if (ok) {
            ok = agg.want_replicas > 0 &&
                 agg.ready_replicas == agg.want_replicas;
            executor_status_release(&agg);
        }
    }
    pthread_mutex_unlock(&r->lock);
    return ok;
}

static int
measure_status(struct mb_run *r, double *p50_ms, double *p99_ms,
               size_t *seen)
{
    size_t k = r->o->n_crashes;
    int64_t deadline;
    double *v;

    r->samples = calloc(k + 1, sizeof(*r->samples));
    if (r->samples == NULL) {
        return -ENOMEM;
    }
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < k; i++) {
        char mn[32], wl[48], subject[BUS_SUBJECT_MAX];
        struct strmap_entry *e;

        r->samples[i].workload = (i * r->o->n_workloads) / k;
        r->samples[i].member = r->o->spread_all
                                   ? i % r->o->n_members
                                   : r->samples[i].workload % r->o->n_members;
        member_name(r->samples[i].member, mn, sizeof(mn));
        workload_name(r->samples[i].workload, wl, sizeof(wl));
        strcat(wl, "-deployment");
        bus_subject_build(subject, sizeof(subject), "work.status", mn, NS, wl);
        e = util_strmap_put(&r->sampled, subject);
        if (e != NULL) {
            e->num = i + 1;
        }
    }
    r->n_samples = k;
    pthread_mutex_unlock(&r->lock);
    deadline = util_time_now_ns() + 60 * NS_PER_S;
    while (!samples_ready(r) && util_time_now_ns() < deadline) {
        usleep(50000);
    }
    if (!samples_ready(r)) {
        fprintf(stderr, "flotilla-bench members: the sampled bindings were "
                        "not all ready within 60s\n");
        return -ETIMEDOUT;
    }
    for (size_t i = 0; i < k; i++) {
        char mn[32], wl[48], body[128];
        long code;

        member_name(r->samples[i].member, mn, sizeof(mn));
        workload_name(r->samples[i].workload, wl, sizeof(wl));
        snprintf(body, sizeof(body),
                 "{\"kind\":\"crash\",\"object\":\"Deployment/" NS "/%s\"}", wl);
        /*
         * The clock starts before the request (the member changes while
         * answering it), so a report racing the answer is not missed; the
         * delay includes the request's own time.
         */
        pthread_mutex_lock(&r->lock);
        r->samples[i].t0_ns = util_time_now_ns();
        pthread_mutex_unlock(&r->lock);
        {
            char path[64];

            snprintf(path, sizeof(path), "/members/%s/fault", mn);
            code = http(r, "POST", r->ctl_port, path, body, NULL);
        }
        if (code != 200) {
            fprintf(stderr, "flotilla-bench members: crash of %s in %s: "
                            "HTTP %ld\n", wl, mn, code);
            return -EIO;
        }
    }
    deadline = util_time_now_ns() + 4 * r->o->status_period_ns + 5 * NS_PER_S;
    for (;;) {
        size_t done;

        pthread_mutex_lock(&r->lock);
        done = r->n_done;
        pthread_mutex_unlock(&r->lock);
        if (done == k || util_time_now_ns() >= deadline) {
            break;
        }
        usleep(20000);
    }
    v = calloc(k + 1, sizeof(*v));
    if (v == NULL) {
        return -ENOMEM;
    }
    pthread_mutex_lock(&r->lock);
    *seen = r->n_done;
    for (size_t i = 0; i < k; i++) {
        if (r->samples[i].delay_ns == 0) {
            fprintf(stderr, "flotilla-bench members: w%04zu in m%02zu: its "
                            "crash did not reach the aggregated status in "
                            "time\n", r->samples[i].workload,
                    r->samples[i].member + 1);
        }
        /* Not seen in time: counted as the deadline, so p99 shows it. */
        v[i] = r->samples[i].delay_ns != 0
                   ? (double)r->samples[i].delay_ns / 1e6
                   : (double)(deadline - r->samples[i].t0_ns) / 1e6;
    }
    pthread_mutex_unlock(&r->lock);
    *p50_ms = bench_percentile(v, k, 0.50);
    /* A sample never seen is not hidden by rounding: p99 is then the max. */
    *p99_ms = *seen < k ? v[k - 1] : bench_percentile(v, k, 0.99);
    free(v);
    return 0;
}

static void
teardown(struct mb_run *r)
{
    char cmd[PATH_MAX + 16];

    for (size_t i = 0; i < 3; i++) {
        bus_unsubscribe(r->subs[i]);
    }
    bus_conn_free(r->c);
    stop_child(r->run_pid);
    stop_child(r->sim_pid);
    natsd_cleanup(&r->d);
    free_all(&r->clusters, (void (*)(void *, ProtobufCAllocator *))
                               flotilla__v1__cluster_status__free_unpacked);
    free_all(&r->decisions, (void (*)(void *, ProtobufCAllocator *))
                                flotilla__v1__schedule_decision__free_unpacked);
    free_all(&r->works, (void (*)(void *, ProtobufCAllocator *))
                            flotilla__v1__work_status__free_unpacked);
    util_strmap_release(&r->sampled);
    free(r->samples);
    if (r->curl != NULL) {
        curl_easy_cleanup(r->curl);
    }
    if (r->dir[0] != '\0' && getenv("FL_BENCH_KEEP") == NULL) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "flotilla-bench members: could not remove %s\n",
                    r->dir);
        }
    }
    pthread_mutex_destroy(&r->lock);
}

static int
setup(struct mb_run *r)
{
    static const char *const feeds[] = { "cluster.status.>",
                                         "binding.schedule.>",
                                         "work.status.>" };
    struct bus_options bo;
    int64_t deadline;
    int rc;

    snprintf(r->dir, sizeof(r->dir), "/tmp/fl-bench-members-XXXXXX");
    if (mkdtemp(r->dir) == NULL) {
        r->dir[0] = '\0';
        return -errno;
    }
    r->curl = curl_easy_init();
    if (r->curl == NULL) {
        return -ENOMEM;
    }
    if (natsd_start(&r->d) != 0) {
        fprintf(stderr, "flotilla-bench members: nats-server did not start\n");
        return -EIO;
    }
    rc = start_sim(r);
    if (rc == 0) {
        rc = start_daemon(r);
    }
    if (rc != 0) {
        return rc;
    }
    bus_options_init(&bo);
    bo.url = r->d.url;
    rc = bus_conn_new(&bo, &r->c);
    for (size_t i = 0; rc == 0 && i < 3; i++) {
        rc = bus_subscribe(r->c, feeds[i], feed, r, &r->subs[i]);
    }
    if (rc == 0) {
        rc = flotilla_apply(r, "clusters.yaml");
    }
    if (rc != 0) {
        fprintf(stderr, "flotilla-bench members: setup failed: %s\n",
                strerror(-rc));
        return rc;
    }
    deadline = util_time_now_ns() + 30 * NS_PER_S;
    while (!members_ready(r) && util_time_now_ns() < deadline) {
        usleep(50000);
    }
    if (!members_ready(r)) {
        fprintf(stderr, "flotilla-bench members: not every member Ready in "
                        "30s; see %s/flotilla.log\n", r->dir);
        return -ETIMEDOUT;
    }
    return 0;
}

static int
one_run(const struct mb_opts *o, const char *bindir, double *rate,
        double *secs, double *placed, double *member_rate, double *p50,
        double *p99, size_t *seen)
{
    struct mb_run r;
    int rc;

    memset(&r, 0, sizeof(r));
    r.o = o;
    snprintf(r.bindir, sizeof(r.bindir), "%s", bindir);
    pthread_mutex_init(&r.lock, NULL);
    rc = setup(&r);
    if (rc == 0) {
        rc = measure_apply(&r, rate, secs, placed, member_rate);
    }
    if (rc == 0) {
        rc = measure_status(&r, p50, p99, seen);
    }
    teardown(&r);
    return rc;
}

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: flotilla-bench members [--workloads N] [--members M] "
            "[--crashes K] [--runs R] [--status-period D] [--spread one|all]\n\n"
            "N Deployments (default 1000) of one replica over M simulated\n"
            "members (default 10): each in one member, N/M per member (--spread\n"
            "one, the default), or in every member (--spread all: N x M\n"
            "objects), through nats-server + flotilla run + flotilla-sim\n"
            "started on loopback: the apply rate (member objects/s, target\n"
            ">= 500) and the delay from K objects crashing in their members\n"
            "(default 100) to the aggregated binding status (p99 target <= 2 x\n"
            "statusPeriod, default 5s). Median of R runs (default 5).\n");
}

static int
parse(int argc, char **argv, struct mb_opts *o)
{
    o->n_workloads = 1000;
    o->n_members = 10;
    o->n_crashes = 100;
    o->runs = 5;
    o->status_period = "5s";
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 1;
        }
        if (v == NULL) {
            usage(stderr);
            return -EINVAL;
        }
        if (strcmp(argv[i], "--workloads") == 0) {
            o->n_workloads = strtoul(v, NULL, 10);
        } else if (strcmp(argv[i], "--members") == 0) {
            o->n_members = strtoul(v, NULL, 10);
        } else if (strcmp(argv[i], "--crashes") == 0) {
            o->n_crashes = strtoul(v, NULL, 10);
        } else if (strcmp(argv[i], "--runs") == 0) {
            o->runs = strtoul(v, NULL, 10);
        } else if (strcmp(argv[i], "--status-period") == 0) {
            o->status_period = v;
        } else if (strcmp(argv[i], "--spread") == 0 &&
                   (strcmp(v, "one") == 0 || strcmp(v, "all") == 0)) {
            o->spread_all = strcmp(v, "all") == 0;
        } else {
            usage(stderr);
            return -EINVAL;
        }
        i++;
    }
    if (util_duration_parse(o->status_period, &o->status_period_ns) != 0 ||
        o->n_workloads == 0 || o->n_members == 0 ||
        o->n_members > MAX_MEMBERS || o->n_crashes == 0 || o->runs == 0 ||
        o->n_crashes > o->n_workloads) {
        fprintf(stderr, "flotilla-bench members: bad options (1..%d members, "
                        "crashes <= workloads, a duration like 5s)\n",
                MAX_MEMBERS);
        return -EINVAL;
    }
    return 0;
}

int
bench_members(int argc, char **argv)
{
    struct mb_opts o;
    char bindir[2048];
    double rate[16], secs[16], placed[16], mrate[16], p50[16], p99[16];
    ssize_t n;
    size_t runs;
    int rc;

    rc = parse(argc, argv, &o);
    if (rc != 0) {
        return rc > 0 ? 0 : 2;
    }
    n = readlink("/proc/self/exe", bindir, sizeof(bindir) - 1);
    if (n <= 0) {
        return 1;
    }
    bindir[n] = '\0';
    *strrchr(bindir, '/') = '\0';
    runs = o.runs < 16 ? o.runs : 16;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    printf("members: %zu workloads over %zu members (%s, %zu objects), "
           "statusPeriod %s, %zu crashes per run\n", o.n_workloads,
           o.n_members, o.spread_all ? "each in every member"
                                     : "each in one member",
           o.n_workloads * (o.spread_all ? o.n_members : 1), o.status_period,
           o.n_crashes);
    for (size_t i = 0; i < runs; i++) {
        size_t seen = 0;

        rc = one_run(&o, bindir, &rate[i], &secs[i], &placed[i], &mrate[i],
                     &p50[i], &p99[i], &seen);
        if (rc != 0) {
            fprintf(stderr, "flotilla-bench members: run %zu failed: %s\n",
                    i + 1, strerror(-rc));
            curl_global_cleanup();
            return 1;
        }
        printf("  run %zu: apply %.0f objects/s (%.2f s; every binding "
               "placed after %.2f s; %.0f objects/s from the first object "
               "in a member), status delay p50 %.0f ms p99 %.0f ms (%zu/%zu "
               "seen)\n", i + 1, rate[i], secs[i], placed[i], mrate[i],
               p50[i], p99[i], seen, o.n_crashes);
        fflush(stdout);
    }
    printf("median of %zu: apply %.0f objects/s (target >= 500; every "
           "binding placed after %.2f s; %.0f objects/s from the first object "
           "in a member), status delay p50 %.0f ms, p99 %.0f ms (target <= "
           "%.0f ms = 2 x statusPeriod)\n", runs,
           bench_median(rate, (int)runs), bench_median(placed, (int)runs),
           bench_median(mrate, (int)runs),
           bench_median(p50, (int)runs), bench_median(p99, (int)runs),
           2.0 * (double)o.status_period_ns / 1e6);
    curl_global_cleanup();
    return 0;
}
