/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flotilla drill run --realtime: the scenario against a live bus. A
 * nats-server, flotilla-sim (the file's clusters) and `flotilla run` (every
 * actor, the file's settings) are started in a temporary directory on free
 * loopback ports; the timeline is played on the wall clock; the decisions
 * the daemon logs are compared per actor and key, ignoring time, with the
 * virtual-time run of the same file. See drill/drill.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>
#include <jansson.h>

#include "actor/actor.h"
#include "bus/bus.h"
#include "bus/envelope.h"
#include "bus/subject.h"
#include "internal.h"
#include "member/kinds.h"
#include "model/object.h"
#include "proto/flotilla.pb-c.h"
#include "util/strmap.h"
#include "util/time.h"

extern char **environ;

/* One decision: who, on what, what and why, and when (ns from the start). */
struct rt_dec {
    char *actor;
    char *key;
    char *decision;
    char *reason;
    int64_t at;
};

struct rt_decs {
    struct rt_dec *v;
    size_t n, cap;
};

struct live {
    struct drill *d;
    const struct drill_rt_options *o;
    FILE *out;
    struct drill_result *res;
    char *err;
    size_t errlen;
    char dir[64];
    char daemon_log[600];
    char daemon_cfg[600];
    int nats_port;
    int http_port;
    int ctl_port;
    int *member_ports;
    pid_t nats, sim, daemon;
    struct bus_conn *bus;
    int64_t t0;                 /* wall clock of t = 0 */
    int64_t grace;              /* how long a failed expectation is retried */
    unsigned skipped;           /* expectation fields not checked live */
};

/*
 * Decisions whose count depends on how the live shell batches its inputs:
 * a repeat in a row, on the same actor and key, of the virtual-time run
 * may be missing in real time (documented in tests/scenarios/README.md
 * "Real time"); an extra one in real time is still a difference.
 */
static const struct {
    const char *actor;
    const char *decision;
    const char *why;
} rt_collapsed[] = {
    { "executor", "apply",
      "the shell publishes only the last output per subject of a batch, so "
      "a placement superseded within one batch (two evictions accepted "
      "together) never reaches the executor in real time, while virtual "
      "time delivers every step" },
    { NULL, NULL, NULL },
};

/* ---------------------------------------------------------------- helpers */

static int
rt_fail(struct live *l, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(l->err, l->errlen, fmt, ap);
    va_end(ap);
    return rc;
}

static int
dec_add(struct rt_decs *ds, const char *actor, const char *key,
        const char *decision, const char *reason, int64_t at)
{
    struct rt_dec *x;

    if (ds->n == ds->cap) {
        size_t cap = ds->cap ? ds->cap * 2 : 128;
        struct rt_dec *n = realloc(ds->v, cap * sizeof(*n));

        if (n == NULL) {
            return -ENOMEM;
        }
        ds->v = n;
        ds->cap = cap;
    }
    x = &ds->v[ds->n];
    x->actor = strdup(actor);
    x->key = strdup(key);
    x->decision = strdup(decision);
    x->reason = strdup(reason != NULL ? reason : "");
    x->at = at;
    if (x->actor == NULL || x->key == NULL || x->decision == NULL ||
        x->reason == NULL) {
        free(x->actor);
        free(x->key);
        free(x->decision);
        free(x->reason);
        return -ENOMEM;
    }
    ds->n++;
    return 0;
}

static void
decs_release(struct rt_decs *ds)
{
    for (size_t i = 0; i < ds->n; i++) {
        free(ds->v[i].actor);
        free(ds->v[i].key);
        free(ds->v[i].decision);
        free(ds->v[i].reason);
    }
    free(ds->v);
    memset(ds, 0, sizeof(*ds));
}

/* A free loopback TCP port (the kernel's pick; closed again at once). */
static int
free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port = -1;

    if (fd < 0) {
        return -errno;
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
        port = ntohs(a.sin_port);
    }
    close(fd);
    return port;
}

static bool
port_open(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool ok;

    if (fd < 0) {
        return false;
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

static void
sleep_ns(int64_t ns)
{
    struct timespec ts;

    if (ns <= 0) {
        return;
    }
    ts.tv_sec = (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/*
 * Starts @argv with stdout and stderr appended to @log; 0 and *@pid. The
 * child gets SIGTERM when this process dies (Ctrl-C, a crash), so no
 * server outlives the drill. Written with fork/exec rather than
 * posix_spawn because posix_spawn cannot set the parent-death signal.
 */
static int
spawn(char *const argv[], const char *log, pid_t *pid)
{
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    pid_t parent = getpid();
    pid_t child;

    if (fd < 0) {
        return -errno;
    }
    child = fork();
    if (child < 0) {
        int rc = -errno;

        close(fd);
        return rc;
    }
    if (child == 0) {
        int in = open("/dev/null", O_RDONLY);

        (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) {
            _exit(127);
        }
        if (in >= 0) {
            dup2(in, 0);
        }
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd);
    *pid = child;
    return 0;
}

/* Signals @pid and waits up to 5 s for it, then kills it. */
static void
stop_child(pid_t *pid, int sig)
{
    int status;

    if (*pid <= 0) {
        return;
    }
    kill(*pid, sig);
    for (int i = 0; i < 100; i++) {
        if (waitpid(*pid, &status, WNOHANG) == *pid) {
            *pid = 0;
            return;
        }
        sleep_ns(50 * NS_PER_MS);
    }
    kill(*pid, SIGKILL);
    waitpid(*pid, &status, 0);
    *pid = 0;
}

struct body {
    char *data;
    size_t len;
};

static size_t
curl_sink(char *p, size_t size, size_t n, void *arg)
{
    struct body *b = arg;
    size_t take = size * n;
    char *grown;

    if (b->len + take > 8 * 1024 * 1024) {
        return 0;
    }
    grown = realloc(b->data, b->len + take + 1);
    if (grown == NULL) {
        return 0;
    }
    b->data = grown;
    memcpy(b->data + b->len, p, take);
    b->len += take;
    b->data[b->len] = '\0';
    return take;
}

/*
 * GET (@body NULL) or POST @url; the HTTP code, or a negative errno. The
 * answer goes to *@answer when given (free it), else it is dropped.
 */
static long
http_call(const char *url, const char *body, char **answer)
{
    CURL *h = curl_easy_init();
    struct body b = { NULL, 0 };
    long code = -EIO;

    if (answer != NULL) {
        *answer = NULL;
    }
    if (h == NULL) {
        return -ENOMEM;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 3000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    if (body != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    if (curl_easy_perform(h) == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    }
    curl_easy_cleanup(h);
    if (answer != NULL) {
        *answer = b.data;
    } else {
        free(b.data);
    }
    return code;
}

static yaml_node_t *
root_get(struct drill *d, const char *key)
{
    return drill_yget(d, yaml_document_get_root_node(&d->doc), key);
}

/* ---------------------------------------------------------------- start */

static int
start_nats(struct live *l)
{
    char port[16];
    char store[300];
    char log[300];
    char *argv[] = { (char *)l->o->nats_server, "-a", "127.0.0.1", "-p",
                     port, "-js", "-sd", store, NULL };
    int rc;

    l->nats_port = free_port();
    if (l->nats_port < 0) {
        return rt_fail(l, -EADDRNOTAVAIL, "no free loopback port");
    }
    snprintf(port, sizeof(port), "%d", l->nats_port);
    snprintf(store, sizeof(store), "%s/nats", l->dir);
    snprintf(log, sizeof(log), "%s/nats.log", l->dir);
    rc = spawn(argv, log, &l->nats);
    if (rc != 0) {
        return rt_fail(l, rc, "%s did not start: %s", l->o->nats_server,
                       strerror(-rc));
    }
    for (int i = 0; i < 200 && !port_open(l->nats_port); i++) {
        int status;

        if (waitpid(l->nats, &status, WNOHANG) == l->nats) {
            l->nats = 0;
            return rt_fail(l, -ECHILD, "%s exited at once (status %d); see "
                                       "%s",
                           l->o->nats_server, WEXITSTATUS(status), log);
        }
        sleep_ns(50 * NS_PER_MS);
    }
    if (!port_open(l->nats_port)) {
        return rt_fail(l, -ETIMEDOUT, "nats-server did not listen; see %s",
                       log);
    }
    return 0;
}

static int
start_sim(struct live *l)
{
    struct drill *d = l->d;
    char cfg[300], state[300], log[300];
    char *argv[] = { (char *)l->o->sim, "--config", cfg, "--state-file",
                     state, "--log-level", "warn", NULL };
    json_t *st = NULL;
    json_error_t jerr;
    FILE *f;
    int rc;

    snprintf(cfg, sizeof(cfg), "%s/sim.yaml", l->dir);
    snprintf(state, sizeof(state), "%s/sim.json", l->dir);
    snprintf(log, sizeof(log), "%s/sim.log", l->dir);
    f = fopen(cfg, "w");
    if (f == NULL) {
        return rt_fail(l, -errno, "%s: %s", cfg, strerror(errno));
    }
    fprintf(f, "# written by flotilla drill run --realtime for %s\n"
               "members:\n", d->path);
    for (size_t i = 0; i < d->nclusters; i++) {
        const struct member_config *m = &d->clusters[i].mcfg;

        fprintf(f,
                "  - name: %s\n"
                "    nodes: %d\n"
                "    allocatable: {cpu: \"%lldm\", memory: \"%lld\", pods: \"%lld\"}\n"
                "    allocated: {cpu: \"%lldm\", memory: \"%lld\", pods: \"%lld\"}\n"
                "    readyDelay: %lldms\n"
                "    bindDelay: %lldms\n",
                d->clusters[i].name, m->nodes, (long long)m->cpu_milli,
                (long long)m->memory_bytes, (long long)m->pods,
                (long long)m->used_cpu_milli, (long long)m->used_memory_bytes,
                (long long)m->used_pods,
                (long long)(m->ready_delay_ns / NS_PER_MS),
                (long long)(m->bind_delay_ns / NS_PER_MS));
    }
    fclose(f);
    rc = spawn(argv, log, &l->sim);
    if (rc != 0) {
        return rt_fail(l, rc, "%s did not start: %s", l->o->sim,
                       strerror(-rc));
    }
    for (int i = 0; i < 200 && st == NULL; i++) {
        int status;

        if (waitpid(l->sim, &status, WNOHANG) == l->sim) {
            l->sim = 0;
            return rt_fail(l, -ECHILD, "%s exited at once (status %d); see "
                                       "%s",
                           l->o->sim, WEXITSTATUS(status), log);
        }
        sleep_ns(50 * NS_PER_MS);
        st = json_load_file(state, 0, &jerr);
    }
    if (st == NULL) {
        return rt_fail(l, -ETIMEDOUT, "flotilla-sim did not start; see %s",
                       log);
    }
    l->ctl_port = (int)json_integer_value(json_object_get(st, "control"));
    for (size_t i = 0; i < d->nclusters; i++) {
        l->member_ports[i] = (int)json_integer_value(json_object_get(
            json_object_get(st, "members"), d->clusters[i].name));
    }
    json_decref(st);
    return 0;
}

/* The daemon's configuration: this bus, the file's settings, the members. */
static int
write_daemon_config(struct live *l)
{
    struct drill *d = l->d;
    yaml_node_t *s = root_get(d, "settings");
    FILE *f;

    l->http_port = free_port();
    snprintf(l->daemon_cfg, sizeof(l->daemon_cfg), "%s/flotilla.yaml",
             l->dir);
    snprintf(l->daemon_log, sizeof(l->daemon_log), "%s/flotilla.log", l->dir);
    f = fopen(l->daemon_cfg, "w");
    if (f == NULL) {
        return rt_fail(l, -errno, "%s: %s", l->daemon_cfg, strerror(errno));
    }
    fprintf(f,
            "# written by flotilla drill run --realtime for %s\n"
            "nats:\n  urls: [nats://127.0.0.1:%d]\n"
            "daemon:\n  instance: drill\n  listen: 127.0.0.1:%d\n"
            "  dataDir: %s\n  logLevel: info\n",
            d->path, l->nats_port, l->http_port, l->dir);
    if (s != NULL && s->type == YAML_MAPPING_NODE &&
        s->data.mapping.pairs.start < s->data.mapping.pairs.top) {
        fprintf(f, "settings:\n");
        for (yaml_node_pair_t *p = s->data.mapping.pairs.start;
             p < s->data.mapping.pairs.top; p++) {
            const char *k = drill_ystr(yaml_document_get_node(&d->doc,
                                                              p->key));
            const char *v = drill_ystr(yaml_document_get_node(&d->doc,
                                                              p->value));

            fprintf(f, "  %s: \"%s\"\n", k != NULL ? k : "",
                    v != NULL ? v : "");
        }
    }
    fprintf(f, "members:\n");
    for (size_t i = 0; i < d->nclusters; i++) {
        fprintf(f, "  - name: %s\n    apiEndpoint: http://127.0.0.1:%d\n",
                d->clusters[i].name, l->member_ports[i]);
    }
    fclose(f);
    return 0;
}

static int
start_daemon(struct live *l)
{
    char url[64];
    char *argv[] = { (char *)l->o->flotilla, "run", "--config", l->daemon_cfg,
                     NULL };
    int rc;

    rc = spawn(argv, l->daemon_log, &l->daemon);
    if (rc != 0) {
        return rt_fail(l, rc, "%s run did not start: %s", l->o->flotilla,
                       strerror(-rc));
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/readyz", l->http_port);
    for (int i = 0; i < 300; i++) {
        int status;

        if (http_call(url, NULL, NULL) == 200) {
            return 0;
        }
        if (waitpid(l->daemon, &status, WNOHANG) == l->daemon) {
            l->daemon = 0;
            break;
        }
        sleep_ns(50 * NS_PER_MS);
    }
    return rt_fail(l, -ETIMEDOUT, "the daemon did not become ready; see %s",
                   l->daemon_log);
}

/* ---------------------------------------------------------------- bus */

static int
publish(struct live *l, const char *subject, const char *key,
        const char *type, const ProtobufCMessage *msg, int flags)
{
    struct actor_fx fx = { 0 };
    struct bus_pub p = { 0 };
    int rc;

    actor_fx_begin(&fx, "cli", "cli/drill", util_time_now_ns(), NULL,
                   subject);
    rc = actor_fx_publish(&fx, subject, key, type, msg, flags);
    if (rc == 0) {
        p.subject = subject;
        p.data = fx.outs[0].data;
        p.len = fx.outs[0].len;
        rc = bus_publish(l->bus, &p, NULL, NULL);
    }
    actor_fx_release(&fx);
    return rc;
}

static int
publish_object(struct live *l, const struct model_object *o, bool del)
{
    Flotilla__V1__ObjectRecord rec = FLOTILLA__V1__OBJECT_RECORD__INIT;
    char subject[BUS_SUBJECT_MAX];
    char key[600];
    char *text = NULL;
    int rc;

    if (bus_subject_build(subject, sizeof(subject), "object", o->kind,
                          o->namespace_, o->name) < 0) {
        return -ENAMETOOLONG;
    }
    snprintf(key, sizeof(key), "%s/%s/%s", o->kind, o->namespace_, o->name);
    if (!del) {
        text = json_dumps(o->json, JSON_COMPACT | JSON_SORT_KEYS);
        if (text == NULL) {
            return -ENOMEM;
        }
        rec.api_version = (char *)o->api_version;
        rec.kind = (char *)o->kind;
        rec.namespace_ = (char *)o->namespace_;
        rec.name = (char *)o->name;
        rec.uid = (char *)o->uid;
        rec.json.data = (uint8_t *)text;
        rec.json.len = strlen(text);
        rec.applied_by = (char *)"drill";
    }
    rc = publish(l, subject, key, "ObjectRecord", del ? NULL : &rec.base,
                 del ? ACTOR_PUB_TOMBSTONE : 0);
    free(text);
    return rc;
}

static int
publish_set(struct live *l, const struct model_set *set, bool del)
{
    for (size_t i = 0; i < set->n; i++) {
        int rc = publish_object(l, set->items[i], del);

        if (rc != 0) {
            return rt_fail(l, rc, "%s: %s/%s not sent: %s", l->d->path,
                           set->items[i]->kind, set->items[i]->name,
                           strerror(-rc));
        }
    }
    return 0;
}

/* The Cluster objects of the file, with the simulator's endpoints. */
static int
register_clusters(struct live *l)
{
    struct drill *d = l->d;

    for (size_t i = 0; i < d->nclusters; i++) {
        struct drill_cluster *c = &d->clusters[i];
        struct model_object *o = NULL;
        struct model_error merr;
        json_t *obj = json_deep_copy(c->object);
        char ep[64];
        char *text;
        int rc;

        if (obj == NULL) {
            return -ENOMEM;
        }
        snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", l->member_ports[i]);
        json_object_set_new(json_object_get(obj, "spec"), "apiEndpoint",
                            json_string(ep));
        text = json_dumps(obj, JSON_COMPACT);
        json_decref(obj);
        memset(&merr, 0, sizeof(merr));
        rc = text != NULL ? model_object_from_json_text(c->name, text, &o,
                                                        &merr)
                          : -ENOMEM;
        free(text);
        if (rc == 0) {
            rc = publish_object(l, o, false);
            model_object_free(o);
        }
        if (rc != 0) {
            return rt_fail(l, rc, "%s:%d: cluster %s not registered: %s",
                           d->path, c->line, c->name, strerror(-rc));
        }
    }
    return 0;
}

/* The streams' last message per subject, as flotilla get reads them. */
static int
collect(const struct bus_msg *m, void *arg)
{
    struct strmap *seen = arg;
    Flotilla__V1__Envelope *env = NULL;
    struct strmap_entry *e;
    char why[128];

    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) != 0) {
        return 0;
    }
    e = util_strmap_put(seen, m->subject);
    if (e == NULL) {
        bus_envelope_free(env);
        return -ENOMEM;
    }
    bus_envelope_free(e->ptr);
    e->ptr = env->deleted ? NULL : env;
    if (env->deleted) {
        bus_envelope_free(env);
    }
    return 0;
}

static void
state_release(struct strmap *seen)
{
    struct strmap_entry *e;
    size_t i = 0;

    while ((e = util_strmap_next(seen, &i)) != NULL) {
        bus_envelope_free(e->ptr);
    }
    util_strmap_release(seen);
}

static int
state_read(struct live *l, struct strmap *seen)
{
    int rc;

    memset(seen, 0, sizeof(*seen));
    rc = bus_read_last_per_subject(l->bus, "FL_CLUSTERS", "cluster.>",
                                   collect, seen);
    if (rc == 0) {
        rc = bus_read_last_per_subject(l->bus, "FL_BINDINGS", "binding.>",
                                       collect, seen);
    }
    if (rc == 0) {
        rc = bus_read_last_per_subject(l->bus, "FL_WORK", "work.status.>",
                                       collect, seen);
    }
    return rc;
}

static void *
state_get(struct strmap *seen, const ProtobufCMessageDescriptor *desc,
          const char *prefix, const char *a, const char *b, const char *c)
{
    char subject[BUS_SUBJECT_MAX];
    struct strmap_entry *e;
    const Flotilla__V1__Envelope *env;

    bus_subject_build(subject, sizeof(subject), prefix, a, b, c);
    e = util_strmap_get(seen, subject);
    env = e != NULL ? e->ptr : NULL;
    if (env == NULL) {
        return NULL;
    }
    return protobuf_c_message_unpack(desc, NULL, env->payload.len,
                                     env->payload.data);
}

/* Every member has a Ready condition published (its first probe). */
static bool
all_reported(struct live *l)
{
    struct strmap seen;
    bool ok = true;

    if (state_read(l, &seen) != 0) {
        state_release(&seen);
        return false;
    }
    for (size_t i = 0; ok && i < l->d->nclusters; i++) {
        Flotilla__V1__ClusterStatus *cs = state_get(
            &seen, &flotilla__v1__cluster_status__descriptor,
            "cluster.status", l->d->clusters[i].name, NULL, NULL);

        ok = cs != NULL && cs->ready[0] != '\0';
        if (cs != NULL) {
            flotilla__v1__cluster_status__free_unpacked(cs, NULL);
        }
    }
    state_release(&seen);
    return ok;
}

/* Every actor reading FL_CLUSTERS has been delivered and has acked all of
 * it. */
static bool
clusters_absorbed(struct live *l)
{
    bool idle = false;

    return bus_stream_consumers_idle(l->bus, "FL_CLUSTERS", &idle) == 0 &&
           idle;
}

/* ---------------------------------------------------------------- expect */

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Sorts @items and joins them with ", " between @open and @close into
 * @buf; frees the items.
 */
static void
join_free(char **items, size_t n, const char *open, const char *close,
          char *buf, size_t len)
{
    size_t off = (size_t)snprintf(buf, len, "%s", open);

    qsort(items, n, sizeof(*items), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (off < len) {
            off += (size_t)snprintf(buf + off, len - off, "%s%s",
                                    i ? ", " : "", items[i]);
        }
        free(items[i]);
    }
    free(items);
    if (off < len) {
        snprintf(buf + off, len - off, "%s", close);
    }
}

/* An expected value as text: scalars as written, lists "[a, b]" and maps
 * "{k: v}" sorted, numbers of @number fields as integers. */
static void
exp_text(struct drill *d, yaml_node_t *v, bool number, char *buf, size_t len)
{
    size_t n = 0;
    char **items = NULL;

    if (v->type == YAML_SCALAR_NODE) {
        if (number) {
            snprintf(buf, len, "%ld", strtol(drill_ystr(v), NULL, 10));
        } else {
            snprintf(buf, len, "%s", drill_ystr(v));
        }
        return;
    }
    if (v->type == YAML_MAPPING_NODE) {
        items = calloc((size_t)(v->data.mapping.pairs.top -
                                v->data.mapping.pairs.start) + 1,
                       sizeof(*items));
        for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
             items != NULL && p < v->data.mapping.pairs.top; p++) {
            if (asprintf(&items[n], "%s: %ld",
                         drill_ystr(yaml_document_get_node(&d->doc, p->key)),
                         strtol(drill_ystr(yaml_document_get_node(
                                    &d->doc, p->value)),
                                NULL, 10)) > 0) {
                n++;
            }
        }
    } else {
        items = calloc((size_t)(v->data.sequence.items.top -
                                v->data.sequence.items.start) + 1,
                       sizeof(*items));
        for (yaml_node_item_t *it = v->data.sequence.items.start;
             items != NULL && it < v->data.sequence.items.top; it++) {
            items[n] = strdup(drill_ystr(yaml_document_get_node(&d->doc,
                                                                *it)));
            if (items[n] != NULL) {
                n++;
            }
        }
    }
    if (items == NULL) {
        buf[0] = '\0';
        return;
    }
    join_free(items, n, v->type == YAML_MAPPING_NODE ? "{" : "[",
              v->type == YAML_MAPPING_NODE ? "}" : "]", buf, len);
}

static bool
live_ready_true(struct strmap *seen, const char *cluster)
{
    Flotilla__V1__ClusterStatus *cs = state_get(
        seen, &flotilla__v1__cluster_status__descriptor, "cluster.status",
        cluster, NULL, NULL);
    bool ok = cs != NULL && strcmp(cs->ready, "True") == 0;

    if (cs != NULL) {
        flotilla__v1__cluster_status__free_unpacked(cs, NULL);
    }
    return ok;
}

/*
 * The object @ref ("Kind/ns/name" or "Kind/name") in member @cname, read
 * from the simulator; *@answered false when the member did not answer.
 */
static json_t *
member_get(struct live *l, const char *cname, const char *ref, bool *answered)
{
    const struct member_kind *k;
    char kind[128], ns[256] = "", name[512];
    const char *a = strchr(ref, '/');
    const char *b = a != NULL ? strchr(a + 1, '/') : NULL;
    char url[1200];
    char *body = NULL;
    json_t *obj = NULL;
    int port = 0;
    long code;

    *answered = false;
    for (size_t i = 0; i < l->d->nclusters; i++) {
        if (strcmp(l->d->clusters[i].name, cname) == 0) {
            port = l->member_ports[i];
        }
    }
    if (a == NULL || port == 0) {
        return NULL;
    }
    snprintf(kind, sizeof(kind), "%.*s", (int)(a - ref), ref);
    if (b != NULL) {
        snprintf(ns, sizeof(ns), "%.*s", (int)(b - a - 1), a + 1);
        snprintf(name, sizeof(name), "%s", b + 1);
    } else {
        snprintf(name, sizeof(name), "%s", a + 1);
    }
    k = member_kinds_by_kind(kind);
    if (k == NULL) {
        *answered = true;
        return NULL;
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s%s%s%s%s%s/%s/%s", port,
             k->group[0] ? "/apis/" : "/api", k->group,
             k->group[0] ? "/" : "", k->group[0] ? k->version : "/v1",
             k->namespaced ? "/namespaces/" : "", k->namespaced ? ns : "",
             k->resource, name);
    code = http_call(url, NULL, &body);
    if (code == 200 || code == 404) {
        *answered = true;
    }
    if (code == 200 && body != NULL) {
        obj = json_loads(body, 0, NULL);
    }
    free(body);
    return obj;
}

/* members.X.present / absent / ready, read from the simulator. */
static bool
live_member(struct live *l, const char *cname, const char *field,
            yaml_node_t *v, char *found, size_t len)
{
    struct drill *d = l->d;
    bool ready = strcmp(field, "ready") == 0;
    size_t n = ready ? (size_t)(v->data.mapping.pairs.top -
                                v->data.mapping.pairs.start)
                     : (size_t)(v->data.sequence.items.top -
                                v->data.sequence.items.start);
    char **items = calloc(n + 1, sizeof(*items));
    size_t k = 0;

    for (size_t i = 0; items != NULL && i < n; i++) {
        const char *ref = drill_ystr(yaml_document_get_node(
            &d->doc, ready ? v->data.mapping.pairs.start[i].key
                           : v->data.sequence.items.start[i]));
        bool answered;
        json_t *obj = member_get(l, cname, ref, &answered);
        int w = 0;

        if (!answered) {
            /* A member that does not answer cannot be read in real time
             * (the virtual-time run reads its model directly). */
            for (size_t j = 0; j < k; j++) {
                free(items[j]);
            }
            free(items);
            json_decref(obj);
            snprintf(found, len, "(member %s does not answer)", cname);
            return false;
        }
        if (ready) {
            w = obj != NULL
                    ? asprintf(&items[k], "%s: %lld", ref,
                               (long long)json_integer_value(json_object_get(
                                   json_object_get(obj, "status"),
                                   "readyReplicas")))
                    : asprintf(&items[k], "%s: (absent)", ref);
        } else if ((obj != NULL) == (field[0] == 'p')) {
            w = asprintf(&items[k], "%s", ref);
        }
        if (w > 0) {
            k++;
        }
        json_decref(obj);
    }
    if (items != NULL) {
        join_free(items, k, ready ? "{" : "[", ready ? "}" : "]", found, len);
    }
    return true;
}

/* clusters.X.ready / taints / scheduledReplicas from the streams. */
static void
live_cluster(struct strmap *seen, const char *name, const char *field,
             char *found, size_t len)
{
    struct strmap_entry *e;
    size_t i = 0;
    long sum = 0;

    if (strcmp(field, "ready") == 0) {
        Flotilla__V1__ClusterStatus *cs = state_get(
            seen, &flotilla__v1__cluster_status__descriptor, "cluster.status",
            name, NULL, NULL);

        snprintf(found, len, "%s",
                 cs != NULL && cs->ready[0] ? cs->ready : "(no status)");
        if (cs != NULL) {
            flotilla__v1__cluster_status__free_unpacked(cs, NULL);
        }
        return;
    }
    if (strcmp(field, "taints") == 0) {
        Flotilla__V1__ClusterTaints *ct = state_get(
            seen, &flotilla__v1__cluster_taints__descriptor, "cluster.taint",
            name, NULL, NULL);
        size_t n = ct != NULL ? ct->n_taints : 0;
        char **items = calloc(n + 1, sizeof(*items));
        size_t k = 0;

        for (size_t t = 0; items != NULL && t < n; t++) {
            const Flotilla__V1__Taint *x = ct->taints[t];

            if (asprintf(&items[k], "%s%s%s:%s", x->key,
                         x->value[0] ? "=" : "", x->value, x->effect) > 0) {
                k++;
            }
        }
        if (items != NULL) {
            join_free(items, k, "[", "]", found, len);
        }
        if (ct != NULL) {
            flotilla__v1__cluster_taints__free_unpacked(ct, NULL);
        }
        return;
    }
    /* scheduledReplicas: the replicas of every binding placed here. */
    while ((e = util_strmap_next(seen, &i)) != NULL) {
        const Flotilla__V1__Envelope *env = e->ptr;
        Flotilla__V1__ScheduleDecision *sd;

        if (env == NULL || strncmp(e->key, "binding.schedule.", 17) != 0) {
            continue;
        }
        sd = flotilla__v1__schedule_decision__unpack(NULL, env->payload.len,
                                                     env->payload.data);
        for (size_t k = 0; sd != NULL && k < sd->n_clusters; k++) {
            if (strcmp(sd->clusters[k]->name, name) == 0) {
                sum += sd->clusters[k]->replicas;
            }
        }
        if (sd != NULL) {
            flotilla__v1__schedule_decision__free_unpacked(sd, NULL);
        }
    }
    snprintf(found, len, "%ld", sum);
}

/* bindings.K.readyReplicas: fresh reports of Ready clusters only. */
static long
live_ready_replicas(struct strmap *seen,
                    const Flotilla__V1__ScheduleDecision *sd, const char *ns,
                    const char *name)
{
    long sum = 0;

    for (size_t i = 0; sd != NULL && i < sd->n_clusters; i++) {
        Flotilla__V1__WorkStatus *ws;

        if (!live_ready_true(seen, sd->clusters[i]->name)) {
            continue;
        }
        ws = state_get(seen, &flotilla__v1__work_status__descriptor,
                       "work.status", sd->clusters[i]->name, ns, name);
        if (ws != NULL) {
            sum += ws->present ? ws->ready_replicas : 0;
            flotilla__v1__work_status__free_unpacked(ws, NULL);
        }
    }
    return sum;
}

/* bindings.K.placement / evictionTasks / readyReplicas / schedulable. */
static void
live_binding(struct strmap *seen, const char *key, const char *field,
             char *found, size_t len)
{
    const char *slash = strchr(key, '/');
    bool tasks = strcmp(field, "evictionTasks") == 0;
    Flotilla__V1__ScheduleDecision *sd;
    char ns[256] = "";
    char name[512];
    char **items;
    size_t n;
    size_t k = 0;

    if (slash != NULL) {
        snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
        snprintf(name, sizeof(name), "%s", slash + 1);
    } else {
        snprintf(name, sizeof(name), "%s", key);
    }
    sd = state_get(seen, &flotilla__v1__schedule_decision__descriptor,
                   "binding.schedule", ns, name, NULL);
    if (strcmp(field, "readyReplicas") == 0) {
        snprintf(found, len, "%ld", live_ready_replicas(seen, sd, ns, name));
        goto out;
    }
    if (strcmp(field, "schedulable") == 0) {
        snprintf(found, len, "%s",
                 sd == NULL ? "(no decision)"
                 : sd->schedulable && sd->n_blocked_evictions == 0 ? "true"
                                                                   : "false");
        goto out;
    }
    n = sd == NULL ? 0 : tasks ? sd->n_eviction_tasks : sd->n_clusters;
    items = calloc(n + 1, sizeof(*items));
    for (size_t i = 0; items != NULL && i < n; i++) {
        int w = tasks ? asprintf(&items[k], "%s",
                                 sd->eviction_tasks[i]->from_cluster)
                      : asprintf(&items[k], "%s: %d", sd->clusters[i]->name,
                                 sd->clusters[i]->replicas);

        if (w > 0) {
            k++;
        }
    }
    if (items != NULL) {
        join_free(items, k, tasks ? "[" : "{", tasks ? "]" : "}", found, len);
    }

out:
    if (sd != NULL) {
        flotilla__v1__schedule_decision__free_unpacked(sd, NULL);
    }
}

/*
 * What the live state shows for one expectation field into @found, in the
 * form exp_text() gives; false when the field cannot be checked now.
 */
static bool
live_field(struct live *l, struct strmap *seen, const char *section,
           const char *name, const char *field, yaml_node_t *v, char *found,
           size_t len)
{
    found[0] = '\0';
    if (strcmp(section, "members") == 0) {
        return live_member(l, name, field, v, found, len);
    }
    if (strcmp(section, "clusters") == 0) {
        live_cluster(seen, name, field, found, len);
    } else {
        live_binding(seen, name, field, found, len);
    }
    return true;
}

/*
 * Checks one expectation field against the live state, retrying while it
 * does not hold for up to l->grace: probes in real time are not aligned to
 * t = 0, so a change due at t may be seen up to a probe period later.
 */
static int
expect_field(struct live *l, const struct drill_step *st, const char *section,
             const char *name, const char *f, yaml_node_t *v)
{
    int64_t until = util_time_now_ns() + l->grace;
    double at = (double)st->at_ns / 1e9;
    char exp[2048];
    char found[2048];
    bool checked = false;
    bool ok = false;

    exp_text(l->d, v, strcmp(f, "readyReplicas") == 0 ||
                          strcmp(f, "scheduledReplicas") == 0,
             exp, sizeof(exp));
    for (;;) {
        struct strmap seen;
        int rc = state_read(l, &seen);

        if (rc == 0) {
            checked = live_field(l, &seen, section, name, f, v, found,
                                 sizeof(found));
        }
        state_release(&seen);
        if (rc != 0) {
            return rt_fail(l, rc, "reading the streams: %s", strerror(-rc));
        }
        ok = checked && strcmp(exp, found) == 0;
        if (!checked || ok || util_time_now_ns() >= until) {
            break;
        }
        sleep_ns(200 * NS_PER_MS);
    }
    if (!checked) {
        l->skipped++;
        fprintf(l->out, "  %9.3fs  not checked %s.%s.%s: %s\n", at, section,
                name, f, found);
    } else if (ok) {
        l->res->passed++;
        fprintf(l->out, "  %9.3fs  ok   %s.%s.%s = %s (at %.3fs)\n", at,
                section, name, f, exp,
                (double)(util_time_now_ns() - l->t0) / 1e9);
    } else {
        l->res->failed++;
        fprintf(l->out, "  %9.3fs  FAIL %s.%s.%s: expected %s, found %s "
                        "(until %.3fs)\n",
                at, section, name, f, exp, found,
                (double)(util_time_now_ns() - l->t0) / 1e9);
    }
    return 0;
}

/* Checks every field of expect step @st (sections, objects, fields). */
static int
do_expect(struct live *l, const struct drill_step *st)
{
    yaml_document_t *doc = &l->d->doc;
    yaml_node_t *e = st->body;
    int rc = 0;

    for (yaml_node_pair_t *sp = e->data.mapping.pairs.start;
         rc == 0 && sp < e->data.mapping.pairs.top; sp++) {
        const char *section = drill_ystr(yaml_document_get_node(doc,
                                                                sp->key));
        yaml_node_t *objs = yaml_document_get_node(doc, sp->value);

        for (yaml_node_pair_t *op = objs->data.mapping.pairs.start;
             rc == 0 && op < objs->data.mapping.pairs.top; op++) {
            const char *name = drill_ystr(yaml_document_get_node(doc,
                                                                 op->key));
            yaml_node_t *fields = yaml_document_get_node(doc, op->value);

            for (yaml_node_pair_t *fp = fields->data.mapping.pairs.start;
                 rc == 0 && fp < fields->data.mapping.pairs.top; fp++) {
                rc = expect_field(
                    l, st, section, name,
                    drill_ystr(yaml_document_get_node(doc, fp->key)),
                    yaml_document_get_node(doc, fp->value));
            }
        }
    }
    return rc;
}

/* ---------------------------------------------------------------- actions */

static int
do_fault(struct live *l, const struct drill_step *st, const char *cname,
         const char *kind)
{
    struct drill *d = l->d;
    json_t *body = json_object();
    static const char *const keys[] = { "kind", "code", "delay", "period",
                                        "object", NULL };
    char url[300];
    char *answer = NULL;
    char *text;
    long code;

    for (int i = 0; keys[i] != NULL; i++) {
        const char *v = st != NULL ? drill_ystr(drill_yget(d, st->body,
                                                           keys[i]))
                                   : NULL;

        if (i == 0 && kind != NULL) {
            v = kind;
        }
        if (v == NULL) {
            continue;
        }
        if (strcmp(keys[i], "code") == 0) {
            json_object_set_new(body, keys[i], json_integer(atoi(v)));
        } else {
            json_object_set_new(body, keys[i], json_string(v));
        }
    }
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (text == NULL) {
        return -ENOMEM;
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/members/%s/fault",
             l->ctl_port, cname);
    code = http_call(url, text, &answer);
    free(text);
    if (code != 200) {
        rt_fail(l, -EIO, "%s:%d: fault on %s: the simulator answered %ld %s",
                d->path, st != NULL ? st->line : 0, cname, code,
                answer != NULL ? answer : "");
        free(answer);
        return -EIO;
    }
    free(answer);
    return 0;
}

static Flotilla__V1__Taint **
taint_list(struct drill *d, yaml_node_t *n, size_t *count)
{
    size_t k = n != NULL && n->type == YAML_SEQUENCE_NODE
                   ? (size_t)(n->data.sequence.items.top -
                              n->data.sequence.items.start)
                   : 0;
    Flotilla__V1__Taint **out = calloc(k + 1, sizeof(*out));

    *count = 0;
    for (size_t i = 0; out != NULL && i < k; i++) {
        yaml_node_t *t = yaml_document_get_node(&d->doc,
                                                n->data.sequence.items.start[i]);
        Flotilla__V1__Taint *x = calloc(1, sizeof(*x));
        const char *v = drill_ystr(drill_yget(d, t, "value"));

        if (x == NULL) {
            break;
        }
        flotilla__v1__taint__init(x);
        x->key = (char *)drill_ystr(drill_yget(d, t, "key"));
        x->value = (char *)(v != NULL ? v : "");
        x->effect = (char *)drill_ystr(drill_yget(d, t, "effect"));
        x->source = (char *)"manual";
        out[(*count)++] = x;
    }
    return out;
}

static int
do_taint(struct live *l, const struct drill_step *st, const char *cname)
{
    Flotilla__V1__TaintRequest req = FLOTILLA__V1__TAINT_REQUEST__INIT;
    char subject[BUS_SUBJECT_MAX];
    int rc;

    req.cluster = (char *)cname;
    req.add = taint_list(l->d, drill_yget(l->d, st->body, "add"), &req.n_add);
    req.remove = taint_list(l->d, drill_yget(l->d, st->body, "remove"),
                            &req.n_remove);
    req.requested_by = (char *)"cli/drill";
    bus_subject_build(subject, sizeof(subject), "req.taint", cname, NULL,
                      NULL);
    rc = publish(l, subject, cname, "TaintRequest", &req.base, 0);
    for (size_t i = 0; i < req.n_add; i++) {
        free(req.add[i]);
    }
    for (size_t i = 0; i < req.n_remove; i++) {
        free(req.remove[i]);
    }
    free(req.add);
    free(req.remove);
    if (rc != 0) {
        return rt_fail(l, rc, "%s:%d: taint request not sent: %s",
                       l->d->path, st->line, strerror(-rc));
    }
    return 0;
}

/* kill -9 of `flotilla run` and a new start: every actor restarts. */
static int
do_restart(struct live *l)
{
    int status;

    if (l->daemon > 0) {
        kill(l->daemon, SIGKILL);
        waitpid(l->daemon, &status, 0);
        l->daemon = 0;
    }
    return start_daemon(l);
}

/* A file the real-time run cannot play; 0 when every step can be. */
static int
check_playable(struct live *l)
{
    struct drill *d = l->d;

    for (size_t i = 0; i < d->nclusters; i++) {
        if (d->clusters[i].pull) {
            /* TODO: a Pull member needs its agent (`flotilla run --actors
             * pull-agent` with the member's endpoint) started beside the
             * daemon; until the runner does, a file with one is refused. */
            return rt_fail(l, -ENOTSUP,
                           "%s:%d: clusters.%s: Pull members cannot be run "
                           "in real time yet",
                           d->path, d->clusters[i].line,
                           d->clusters[i].name);
        }
    }
    for (size_t i = 0; i < d->nclusters; i++) {
        if (d->clusters[i].api_enablements != NULL) {
            /* TODO: flotilla-sim serves a fixed set of kinds; a member
             * with fewer (apiEnablements) is refused until it can. */
            return rt_fail(l, -ENOTSUP,
                           "%s:%d: clusters.%s: apiEnablements cannot be "
                           "played in real time yet",
                           d->path, drill_yline(d->clusters[i].api_enablements),
                           d->clusters[i].name);
        }
    }
    for (size_t i = 0; i < d->nsteps; i++) {
        if (d->steps[i].kind == DRILL_STEP_CONDITION) {
            /* TODO: a `condition` step needs the simulator to report a
             * condition; refused until flotilla-sim can. */
            return rt_fail(l, -ENOTSUP,
                           "%s:%d: condition: cannot be played in real time "
                           "yet",
                           d->path, d->steps[i].line);
        }
    }
    return 0;
}

static int
step_cmp(const void *a, const void *b)
{
    const struct drill_step *x = a;
    const struct drill_step *y = b;

    if (x->at_ns != y->at_ns) {
        return x->at_ns < y->at_ns ? -1 : 1;
    }
    return x->line - y->line;
}

static int
play(struct live *l)
{
    struct drill *d = l->d;
    int64_t restarted_at = -1;
    int rc = 0;

    qsort(d->steps, d->nsteps, sizeof(*d->steps), step_cmp);
    for (size_t i = 0; rc == 0 && i < d->nsteps; i++) {
        struct drill_step *st = &d->steps[i];
        const char *cname = drill_ystr(drill_yget(d, st->body, "cluster"));
        int64_t late;

        sleep_ns(l->t0 + st->at_ns - util_time_now_ns());
        late = util_time_now_ns() - (l->t0 + st->at_ns);
        switch (st->kind) {
        case DRILL_STEP_FAULT:
            rc = do_fault(l, st, cname, NULL);
            fprintf(l->out, "  %9.3fs  drill  %-30s fault %s (%.3fs late)\n",
                    (double)st->at_ns / 1e9, cname,
                    drill_ystr(drill_yget(d, st->body, "kind")),
                    (double)late / 1e9);
            break;
        case DRILL_STEP_TAINT:
            rc = do_taint(l, st, cname);
            break;
        case DRILL_STEP_APPLY:
        case DRILL_STEP_DELETE:
            rc = publish_set(l, &st->objects, st->kind == DRILL_STEP_DELETE);
            break;
        case DRILL_STEP_RESTART:
            /* Every actor lives in the one daemon: restart steps at the
             * same instant are one kill -9 and one start. */
            if (restarted_at != st->at_ns) {
                restarted_at = st->at_ns;
                rc = do_restart(l);
                fprintf(l->out, "  %9.3fs  drill  %-30s kill -9 and start "
                                "(every actor)\n",
                        (double)st->at_ns / 1e9, "flotilla run");
            }
            break;
        case DRILL_STEP_EXPECT:
            rc = do_expect(l, st);
            break;
        case DRILL_STEP_CONDITION:
            rc = -ENOTSUP;
            break;
        }
        fflush(l->out);
    }
    return rc;
}

/* ---------------------------------------------------------------- decisions */

/* Copies the text of @line after @start up to @end into a new string. */
static char *
field(const char *line, const char *start, const char *end)
{
    const char *a = strstr(line, start);
    const char *b;

    if (a == NULL) {
        return NULL;
    }
    a += strlen(start);
    b = strstr(a, end);
    if (b == NULL) {
        b = a + strcspn(a, "\n");
    }
    return strndup(a, (size_t)(b - a));
}

/* The decision lines of the daemon's log, in order. */
static int
read_log(struct live *l, struct rt_decs *ds)
{
    FILE *f = fopen(l->daemon_log, "r");
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;

    if (f == NULL) {
        return rt_fail(l, -errno, "%s: %s", l->daemon_log, strerror(errno));
    }
    while (rc == 0 && getline(&line, &cap, f) > 0) {
        char *actor, *key, *dec, *why, *ts;
        int64_t at = 0;

        if (strstr(line, " msg=\"decision\" ") == NULL) {
            continue;
        }
        actor = field(line, " actor=", " ");
        key = field(line, " key=", " decision=\"");
        dec = field(line, " decision=\"", "\" reason=\"");
        why = field(line, "\" reason=\"", "\" trace=");
        ts = field(line, "ts=", " ");
        if (ts != NULL) {
            struct tm tm;
            char *rest;

            memset(&tm, 0, sizeof(tm));
            rest = strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm);
            at = (int64_t)timegm(&tm) * NS_PER_S;
            if (rest != NULL && rest[0] == '.') {
                at += strtol(rest + 1, NULL, 10) * NS_PER_MS;
            }
            at -= l->t0;
        }
        if (actor != NULL && key != NULL && dec != NULL) {
            rc = dec_add(ds, actor, key, dec, why, at);
        }
        free(actor);
        free(key);
        free(dec);
        free(why);
        free(ts);
    }
    free(line);
    fclose(f);
    return rc;
}

static void
on_virtual(const char *actor, const char *key, const char *decision,
           const char *reason, int64_t at_ns, void *arg)
{
    (void)dec_add(arg, actor, key, decision, reason, at_ns);
}

/* True when @x repeats @prev and rt_collapsed[] lets real time omit it. */
static bool
omissible(const struct rt_dec *prev, const struct rt_dec *x)
{
    if (prev == NULL || strcmp(prev->decision, x->decision) != 0) {
        return false;
    }
    for (size_t i = 0; rt_collapsed[i].why != NULL; i++) {
        if (strcmp(rt_collapsed[i].actor, x->actor) == 0 &&
            strcmp(rt_collapsed[i].decision, x->decision) == 0) {
            return true;
        }
    }
    return false;
}

static bool
same_group(const struct rt_dec *a, const struct rt_dec *b)
{
    return strcmp(a->actor, b->actor) == 0 && strcmp(a->key, b->key) == 0;
}

static void
print_list(FILE *out, const char *what, const struct rt_decs *ds,
           const struct rt_dec *g)
{
    fprintf(out, "    %s:\n", what);
    for (size_t i = 0; i < ds->n; i++) {
        if (same_group(&ds->v[i], g)) {
            fprintf(out, "      %9.3fs  %s (%s)\n",
                    (double)ds->v[i].at / 1e9, ds->v[i].decision,
                    ds->v[i].reason);
        }
    }
}

/* The decisions of @ds in group @g, in order; *@n of them. */
static const struct rt_dec **
group_of(const struct rt_decs *ds, const struct rt_dec *g, size_t *n)
{
    const struct rt_dec **out = calloc(ds->n + 1, sizeof(*out));

    *n = 0;
    for (size_t i = 0; out != NULL && i < ds->n; i++) {
        if (same_group(&ds->v[i], g)) {
            out[(*n)++] = &ds->v[i];
        }
    }
    return out;
}

/*
 * True when the real-time list of group @g equals the virtual-time one,
 * decision text in order; a virtual-time repeat that rt_collapsed[] names
 * may be missing in real time (counted in *@omitted), never the reverse:
 * a decision repeated only in real time (e.g. after a restart) differs.
 */
static bool
group_equal(const struct rt_decs *virt, const struct rt_decs *live,
            const struct rt_dec *g, unsigned *omitted)
{
    size_t nv, nl;
    const struct rt_dec **v = group_of(virt, g, &nv);
    const struct rt_dec **r = group_of(live, g, &nl);
    size_t i = 0, k = 0;
    unsigned skipped = 0;
    bool equal = v != NULL && r != NULL;

    while (equal && (i < nv || k < nl)) {
        if (i < nv && k < nl &&
            strcmp(v[i]->decision, r[k]->decision) == 0) {
            i++;
            k++;
        } else if (i < nv && i > 0 && omissible(v[i - 1], v[i])) {
            i++;
            skipped++;
        } else {
            equal = false;
        }
    }
    if (equal) {
        *omitted += skipped;
    }
    free(v);
    free(r);
    return equal;
}

/*
 * Compares the two lists per actor and key (the decision text, in order,
 * without time; reasons are printed, not compared: they quote durations
 * measured on the clock and error texts). Returns the number of groups
 * that differ.
 */
static unsigned
compare(struct live *l, const struct rt_decs *live, const struct rt_decs *virt)
{
    const struct rt_decs *both[2] = { virt, live };
    struct strmap done;
    unsigned differ = 0;
    unsigned groups = 0;
    unsigned omitted = 0;

    memset(&done, 0, sizeof(done));
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < both[s]->n; i++) {
            const struct rt_dec *g = &both[s]->v[i];
            char gk[1024];

            snprintf(gk, sizeof(gk), "%s\t%s", g->actor, g->key);
            if (util_strmap_get(&done, gk) != NULL) {
                continue;
            }
            (void)util_strmap_put(&done, gk);
            groups++;
            if (!group_equal(virt, live, g, &omitted)) {
                differ++;
                fprintf(l->out, "  DIFFER %s %s\n", g->actor, g->key);
                print_list(l->out, "virtual time", virt, g);
                print_list(l->out, "real time", live, g);
            }
        }
    }
    util_strmap_release(&done);
    if (omitted > 0) {
        fprintf(l->out, "  %u repeated %s %s of virtual time not in real "
                        "time, allowed: %s\n",
                omitted, rt_collapsed[0].actor, rt_collapsed[0].decision,
                rt_collapsed[0].why);
    }
    fprintf(l->out, "decisions: %zu in virtual time, %zu in real time; %u "
                    "actor/key lists, %u differ\n",
            virt->n, live->n, groups, differ);
    return differ;
}

/* ---------------------------------------------------------------- run */

static void
live_stop(struct live *l)
{
    bus_conn_free(l->bus);
    l->bus = NULL;
    stop_child(&l->daemon, SIGTERM);
    stop_child(&l->sim, SIGTERM);
    stop_child(&l->nats, SIGTERM);
}

static int
remove_tree(const char *dir)
{
    char *argv[] = { "rm", "-rf", (char *)dir, NULL };
    pid_t pid;
    int status;

    if (posix_spawnp(&pid, "rm", NULL, NULL, argv, environ) != 0) {
        return -EIO;
    }
    waitpid(pid, &status, 0);
    return 0;
}

/*
 * Starts the bus, the simulator (initialReady faults set) and the daemon,
 * connects, registers the clusters and waits for their first reports: the
 * moment after that is t = 0.
 */
static int
live_start(struct live *l)
{
    struct drill *d = l->d;
    struct bus_options bo;
    char url[64];
    int64_t until;
    int rc;

    rc = start_nats(l);
    if (rc == 0) {
        rc = start_sim(l);
    }
    /* initialReady False / Unknown: the member starts unhealthy / down,
     * as the virtual-time run plays it. */
    for (size_t i = 0; rc == 0 && i < d->nclusters; i++) {
        const char *ir = d->clusters[i].initial_ready;

        if (strcmp(ir, "True") != 0) {
            rc = do_fault(l, NULL, d->clusters[i].name,
                          strcmp(ir, "False") == 0 ? "unhealthy" : "down");
        }
    }
    if (rc == 0) {
        rc = write_daemon_config(l);
    }
    if (rc == 0) {
        rc = start_daemon(l);
    }
    if (rc != 0) {
        return rc;
    }
    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", l->nats_port);
    bus_options_init(&bo);
    bo.url = url;
    bo.name = "flotilla-drill";
    rc = bus_conn_new(&bo, &l->bus);
    if (rc != 0) {
        return rt_fail(l, rc, "cannot reach the bus at %s: %s", url,
                       strerror(-rc));
    }
    rc = register_clusters(l);
    until = util_time_now_ns() + 10 * NS_PER_S + d->settings.probe_timeout_ns;
    while (rc == 0 && !all_reported(l) && util_time_now_ns() < until) {
        sleep_ns(100 * NS_PER_MS);
    }
    /* The reports are on the bus; t = 0 is when the actors have taken them
     * in too, as in virtual time. Otherwise a slow scheduler can see the
     * objects before the members' API lists and place by a fleet the
     * virtual-time run never had. */
    while (rc == 0 && !clusters_absorbed(l) && util_time_now_ns() < until) {
        sleep_ns(50 * NS_PER_MS);
    }
    return rc;
}

/* Runs the file in virtual time and compares; counts the result in res. */
static int
live_compare(struct live *l, const struct rt_decs *live)
{
    struct rt_decs virt = { 0 };
    struct drill_result vres;
    FILE *devnull = fopen("/dev/null", "w");
    int rc;

    drill_set_decision_tap(l->d, on_virtual, &virt);
    rc = drill_run(l->d, devnull != NULL ? devnull : l->out, true, &vres,
                   l->err, l->errlen);
    drill_set_decision_tap(l->d, NULL, NULL);
    if (devnull != NULL) {
        fclose(devnull);
    }
    if (rc == 0) {
        if (vres.failed > 0) {
            fprintf(l->out, "  the virtual-time run failed %u expectation "
                            "field(s): see flotilla drill run %s\n",
                    vres.failed, l->d->path);
        }
        if (compare(l, live, &virt) > 0) {
            l->res->failed++;
        } else {
            l->res->passed++;
        }
    }
    decs_release(&virt);
    return rc;
}

int
drill_run_realtime(struct drill *d, const struct drill_rt_options *o,
                   FILE *out, struct drill_result *res, char *err,
                   size_t errlen)
{
    struct live l;
    struct rt_decs live = { 0 };
    int rc;

    memset(&l, 0, sizeof(l));
    memset(res, 0, sizeof(*res));
    err[0] = '\0';
    l.d = d;
    l.o = o;
    l.out = out;
    l.res = res;
    l.err = err;
    l.errlen = errlen;
    l.grace = d->settings.probe_period_ns + d->settings.status_period_ns;
    rc = check_playable(&l);
    if (rc != 0) {
        return rc;
    }
    snprintf(l.dir, sizeof(l.dir), "/tmp/fl-drill-rt-XXXXXX");
    if (mkdtemp(l.dir) == NULL) {
        return rt_fail(&l, -errno, "mkdtemp: %s", strerror(errno));
    }
    l.member_ports = calloc(d->nclusters + 1, sizeof(*l.member_ports));
    if (l.member_ports == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    fprintf(out, "scenario: %s (%s), real time in %s\n", d->name, d->path,
            l.dir);
    rc = live_start(&l);
    /* t = 0: the members are registered and have reported; the objects
     * are applied (spec/scenarios.md "How a run proceeds"). */
    if (rc == 0) {
        l.t0 = util_time_now_ns();
        rc = publish_set(&l, &d->objects, false);
    }
    if (rc == 0) {
        rc = play(&l);
    }
    if (rc == 0) {
        /* What is already under way at the last step may still log. */
        sleep_ns(d->settings.status_period_ns);
    }
    live_stop(&l);
    if (rc == 0) {
        rc = read_log(&l, &live);
    }
    if (rc != 0) {
        goto out;
    }
    for (size_t i = 0; o->verbose && i < live.n; i++) {
        fprintf(out, "  %9.3fs  %-20s %-30s %s (%s)\n",
                (double)live.v[i].at / 1e9, live.v[i].actor, live.v[i].key,
                live.v[i].decision, live.v[i].reason);
    }
    rc = live_compare(&l, &live);
    if (rc != 0) {
        goto out;
    }
    res->decisions = (unsigned)live.n;
    fprintf(out, "scenario: %s: %u passed, %u failed, %u not checked in "
                 "real time\n",
            d->name, res->passed, res->failed, l.skipped);

out:
    live_stop(&l);
    decs_release(&live);
    free(l.member_ports);
    if (rc == 0 && !o->keep && res->failed == 0) {
        remove_tree(l.dir);
    } else {
        fprintf(out, "  logs and configuration kept in %s\n", l.dir);
    }
    return rc;
}
