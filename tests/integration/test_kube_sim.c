/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fl_kube against flotilla-sim (docs/simulator.md) on free loopback ports:
 * the same client code that talks to a real API server probes, discovers,
 * summarises, creates, applies, watches and deletes on a simulated member,
 * and sees the member's faults (unhealthy, down, black-holed) as the three
 * probe outcomes while another member keeps answering.
 * Skipped (77) when build/flotilla-sim has not been built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kube/client.h"
#include "kube/discovery.h"
#include "kube/objects.h"
#include "kube/summary.h"

#define TOKEN "sim-token-42"

struct sim {
    pid_t pid;
    char dir[64];
    char token_file[128];
    int control_port;
    int port[2];
    struct kube_client *c[2];
    struct kube_client *control;
};

static struct sim sim;

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static struct kube_client *
client(const char *name, int port, const char *token_file, long timeout_ms)
{
    struct kube_client_config cfg;
    struct kube_client *c = NULL;
    struct kube_error err;
    char url[64];

    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    kube_client_config_init(&cfg);
    cfg.name = name;
    cfg.endpoint = url;
    cfg.token_file = token_file;
    cfg.request_timeout_ms = timeout_ms;
    if (kube_client_new(&cfg, &c, &err) != 0) {
        fail_msg("%s", err.text);
    }
    return c;
}

/* Reads the state file flotilla-sim writes once it listens. */
static bool
read_state(const char *path)
{
    json_t *st = json_load_file(path, 0, NULL);
    json_t *members = json_object_get(st, "members");
    bool ok = json_is_object(members);

    if (ok) {
        sim.control_port = (int)json_integer_value(json_object_get(st,
                                                                   "control"));
        sim.port[0] = (int)json_integer_value(json_object_get(members, "s1"));
        sim.port[1] = (int)json_integer_value(json_object_get(members, "s2"));
        ok = sim.control_port > 0 && sim.port[0] > 0 && sim.port[1] > 0;
    }
    json_decref(st);
    return ok;
}

static int
group_setup(void **state)
{
    const char *build = getenv("FL_BUILD_DIR");
    char bin[512];
    char state_file[128];
    FILE *f;
    int64_t t0;

    (void)state;
    snprintf(bin, sizeof(bin), "%s/flotilla-sim", build != NULL ? build : ".");
    if (access(bin, X_OK) != 0) {
        printf("skip: %s not built\n", bin);
        exit(77);
    }
    snprintf(sim.dir, sizeof(sim.dir), "/tmp/kube-sim-XXXXXX");
    assert_non_null(mkdtemp(sim.dir));
    snprintf(sim.token_file, sizeof(sim.token_file), "%s/token", sim.dir);
    snprintf(state_file, sizeof(state_file), "%s/state.json", sim.dir);
    f = fopen(sim.token_file, "w");
    assert_non_null(f);
    fputs(TOKEN "\n", f);
    fclose(f);
    sim.pid = fork();
    assert_true(sim.pid >= 0);
    if (sim.pid == 0) {
        execl(bin, bin, "--members", "s1,s2", "--token", TOKEN,
              "--state-file", state_file, "--ready-delay", "200ms",
              "--log-level", "warn", (char *)NULL);
        _exit(127);
    }
    t0 = now_ms();
    while (!read_state(state_file)) {
        assert_true(now_ms() - t0 < 10000);
        sleep_ms(20);
    }
    sim.c[0] = client("s1", sim.port[0], sim.token_file, 5000);
    sim.c[1] = client("s2", sim.port[1], sim.token_file, 5000);
    sim.control = client("sim-control", sim.control_port, NULL, 5000);
    return 0;
}

static int
group_teardown(void **state)
{
    char cmd[128];
    int status = 0;

    (void)state;
    kube_client_free(sim.c[0]);
    kube_client_free(sim.c[1]);
    kube_client_free(sim.control);
    if (sim.pid > 0) {
        kill(sim.pid, SIGTERM);
        waitpid(sim.pid, &status, 0);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf %s", sim.dir);
    if (system(cmd) != 0) {
        return -1;
    }
    kube_global_cleanup();
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* POSTs a fault to the simulator's control port. */
static void
fault(const char *member, const char *body)
{
    struct kube_error err;
    char path[128];
    long status = 0;
    int rc;

    snprintf(path, sizeof(path), "/members/%s/fault", member);
    rc = kube_client_request(sim.control, "POST", path, "application/json",
                             body, 0, &status, NULL, &err);
    if (rc != 0) {
        fail_msg("%s", err.text);
    }
    assert_int_equal(status, 200);
}

static void
sim__probe_version_and_discovery(void **state)
{
    struct kube_discovery *d = NULL;
    struct kube_probe_result res;
    struct kube_error err;
    char v[64];
    int rc;

    (void)state;

    assert_int_equal(kube_probe(sim.c[0], 2000, &res), 0);
    assert_int_equal(res.outcome, KUBE_PROBE_OK);
    assert_int_equal(kube_version(sim.c[0], v, sizeof(v), &err), 0);
    assert_string_equal(v, "v1.29.0-flotilla-sim");
    rc = kube_discover(sim.c[0], &d, &err);

    assert_int_equal(rc, 0);
    assert_true(d->complete);
    assert_non_null(kube_discovery_find(d, "apps/v1", "StatefulSet"));
    assert_non_null(kube_discovery_find(d, "v1", "PersistentVolumeClaim"));
    assert_true(kube_discovery_find(d, "v1", "Namespace") != NULL &&
                !kube_discovery_find(d, "v1", "Namespace")->namespaced);
    kube_discovery_free(d);
}

struct wait_ready {
    int64_t want;
    int64_t seen_ready;
};

static int
until_ready(void *arg, enum kube_event_type type, json_t *obj)
{
    struct wait_ready *w = arg;
    json_t *ready = json_object_get(json_object_get(obj, "status"),
                                    "readyReplicas");

    if (type != KUBE_EVENT_DELETED && json_is_integer(ready)) {
        w->seen_ready = json_integer_value(ready);
    }
    return w->seen_ready >= w->want ? 1 : 0;
}

static int64_t
milli(const struct kube_resource_list *l, const char *name)
{
    const struct util_quantity *q = kube_resource_list_get(l, name);

    return q != NULL ? util_quantity_milli_value(q) : 0;
}

static json_t *
deployment(int replicas)
{
    return json_pack(
        "{s:s, s:s, s:{s:s, s:s}, s:{s:i, s:{s:{s:s}}, s:{s:{s:{s:s}}, "
        "s:{s:[{s:s, s:s, s:{s:{s:s, s:s}}}]}}}}",
        "apiVersion", "apps/v1", "kind", "Deployment", "metadata", "name",
        "web", "namespace", "team", "spec", "replicas", replicas, "selector",
        "matchLabels", "app", "web", "template", "metadata", "labels", "app",
        "web", "spec", "containers", "name", "web", "image", "nginx:1.25",
        "resources", "requests", "cpu", "500m", "memory", "64Mi");
}

static void
sim__objects_apply_watch_summary_delete(void **state)
{
    struct kube_ref deps = { .api_version = "apps/v1", .kind = "Deployment",
                             .ns = "team" };
    struct kube_ref web = { .api_version = "apps/v1", .kind = "Deployment",
                            .ns = "team", .name = "web" };
    json_t *ns = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
                           "Namespace", "metadata", "name", "team");
    json_t *dep = deployment(2);
    struct wait_ready w = { .want = 2 };
    struct kube_watch_opts wopts = { .timeout_s = 10 };
    struct kube_summary before;
    struct kube_summary after;
    struct kube_list_result list;
    struct kube_watch_result wres;
    struct kube_error err;
    json_t *got = NULL;
    int rc;

    (void)state;
    kube_summary_init(&before);
    kube_summary_init(&after);
    assert_int_equal(kube_summary_fetch(sim.c[0], &before, &err), 0);
    assert_int_equal(before.nodes_ready, 3);

    assert_int_equal(kube_create(sim.c[0], ns, NULL, NULL, &err), 0);
    assert_int_equal(kube_create(sim.c[0], ns, NULL, NULL, &err), -EEXIST);
    assert_string_equal(err.reason, "AlreadyExists");
    rc = kube_apply(sim.c[0], dep, NULL, &got, &err);
    if (rc != 0) {
        fail_msg("%s", err.text);
    }
    json_decref(got);
    got = NULL;
    assert_int_equal(kube_list(sim.c[0], &deps, NULL, &list, &err), 0);
    assert_int_equal(json_array_size(list.items), 1);
    wopts.resource_version = list.resource_version;
    rc = kube_watch(sim.c[0], &deps, &wopts, until_ready, &w, &wres, &err);
    kube_list_result_release(&list);
    if (rc != 0) {
        fail_msg("%s", err.text);
    }
    assert_true(wres.stopped);
    assert_int_equal(w.seen_ready, 2);
    assert_int_equal(kube_summary_fetch(sim.c[0], &after, &err), 0);
    assert_int_equal(milli(&after.allocated, "cpu") -
                         milli(&before.allocated, "cpu"),
                     1000);
    assert_int_equal(milli(&after.allocated, "pods") -
                         milli(&before.allocated, "pods"),
                     2000);

    assert_int_equal(kube_delete(sim.c[0], &web, "Foreground", &err), 0);
    assert_int_equal(kube_get(sim.c[0], &web, &got, &err), -ENOENT);
    assert_string_equal(err.text, "member s1: GET /apis/apps/v1/namespaces/team/deployments/web: 404 NotFound: deployments.apps \"web\" not found");
    kube_summary_release(&before);
    kube_summary_release(&after);
    json_decref(dep);
    json_decref(ns);
}

static void
sim__invalid_object_gives_422_with_the_field(void **state)
{
    json_t *bad = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:i}}", "apiVersion",
                            "apps/v1", "kind", "Deployment", "metadata",
                            "name", "bad", "namespace", "default", "spec",
                            "replicas", 1);
    struct kube_error err;
    int rc;

    (void)state;

    rc = kube_apply(sim.c[0], bad, NULL, NULL, &err);

    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err.reason, "Invalid");
    assert_non_null(strstr(err.text, "member s1: PATCH /apis/apps/v1/namespaces/default/deployments/bad: 422 Invalid: "));
    json_decref(bad);
}

static void
sim__faults_are_the_three_probe_outcomes(void **state)
{
    struct kube_probe_result res;
    struct kube_error err;
    char v[64];
    int64_t t0;

    (void)state;

    fault("s2", "{\"kind\":\"unhealthy\",\"code\":500}");
    assert_int_equal(kube_probe(sim.c[1], 1000, &res), 0);
    assert_int_equal(res.outcome, KUBE_PROBE_NOT_READY);
    assert_int_equal(res.http_status, 500);
    fault("s2", "{\"kind\":\"healthy\"}");
    fault("s2", "{\"kind\":\"down\"}");
    /* the simulator closes the listening socket on its next tick (50 ms) */
    sleep_ms(200);
    assert_int_equal(kube_probe(sim.c[1], 1000, &res), 0);
    assert_int_equal(res.outcome, KUBE_PROBE_NO_ANSWER);
    assert_int_equal(res.errno_code, -ECONNREFUSED);
    fault("s2", "{\"kind\":\"up\"}");
    /* ... and reopens it on the next tick */
    sleep_ms(200);
    fault("s2", "{\"kind\":\"blackhole\"}");
    t0 = now_ms();
    assert_int_equal(kube_probe(sim.c[1], 500, &res), 0);
    assert_int_equal(res.outcome, KUBE_PROBE_NO_ANSWER);
    assert_int_equal(res.errno_code, -ETIMEDOUT);
    assert_true(now_ms() - t0 < 1500);
    /* s1 answers at once while s2 hangs */
    t0 = now_ms();
    assert_int_equal(kube_version(sim.c[0], v, sizeof(v), &err), 0);
    assert_true(now_ms() - t0 < 500);
    fault("s2", "{\"kind\":\"up\"}");

    assert_int_equal(kube_probe(sim.c[1], 2000, &res), 0);
    assert_int_equal(res.outcome, KUBE_PROBE_OK);
}

struct applier {
    struct kube_client *c;
    int first;
    int n;
    int failed;
};

static void *
apply_many(void *arg)
{
    struct applier *a = arg;
    char name[32];

    for (int i = a->first; i < a->first + a->n; i++) {
        json_t *cm;

        snprintf(name, sizeof(name), "cm-%d", i);
        cm = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion",
                       "v1", "kind", "ConfigMap", "metadata", "name", name,
                       "namespace", "default", "data", "k", name);
        a->failed += kube_apply(a->c, cm, NULL, NULL, NULL) != 0;
        json_decref(cm);
    }
    return NULL;
}

/* Server-side applies per second on one client, from 1 and from 4 threads. */
static void
sim__apply_rate_on_one_client(void **state)
{
    struct applier a[4];
    pthread_t t[4];
    int64_t t0;
    double one;
    double four;

    (void)state;
    memset(a, 0, sizeof(a));
    a[0] = (struct applier){ sim.c[1], 0, 400, 0 };
    t0 = now_ms();
    apply_many(&a[0]);
    one = 400.0 * 1000.0 / (double)(now_ms() - t0 + 1);
    assert_int_equal(a[0].failed, 0);

    t0 = now_ms();
    for (int i = 0; i < 4; i++) {
        a[i] = (struct applier){ sim.c[1], 1000 + i * 100, 100, 0 };
        assert_int_equal(pthread_create(&t[i], NULL, apply_many, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].failed, 0);
    }
    four = 400.0 * 1000.0 / (double)(now_ms() - t0 + 1);

    print_message("server-side apply on flotilla-sim: %.0f objects/s from 1 thread, %.0f objects/s from 4 threads sharing one client\n",
                  one, four);
    assert_true(one > 0 && four > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sim__probe_version_and_discovery),
        cmocka_unit_test(sim__objects_apply_watch_summary_delete),
        cmocka_unit_test(sim__invalid_object_gives_422_with_the_field),
        cmocka_unit_test(sim__faults_are_the_three_probe_outcomes),
        cmocka_unit_test(sim__apply_rate_on_one_client),
    };

    return cmocka_run_group_tests_name("kube.sim", tests, group_setup,
                                       group_teardown);
}
