/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flotilla-sim over loopback: Status bodies against the fixtures, WATCH,
 * faults through the control port, and hostile requests (huge body, bad
 * JSON, slow and silent clients, a black-holed member) that must not stop
 * the other members. Starts build/flotilla-sim on free ports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "member/yaml.h"
#include "util/time.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sim_proc {
    pid_t pid;
    char dir[256];
    int control;
    int m1;
    int m2;
    bool tls;
};

struct fixture {
    struct sim_proc plain;
};

static void
sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static int
sim_start(struct sim_proc *p, char *const extra[])
{
    const char *build = getenv("FL_BUILD_DIR");
    char bin[512];
    char state[300];
    char *argv[24];
    json_t *st = NULL;
    int i;
    int n = 0;

    snprintf(p->dir, sizeof(p->dir), "/tmp/fl-sim-test-XXXXXX");
    if (mkdtemp(p->dir) == NULL) {
        return -errno;
    }
    snprintf(bin, sizeof(bin), "%s/flotilla-sim", build != NULL ? build : ".");
    snprintf(state, sizeof(state), "%s/state.json", p->dir);
    argv[n++] = bin;
    argv[n++] = "--members";
    argv[n++] = "m1,m2";
    argv[n++] = "--ready-delay";
    argv[n++] = "500ms";
    argv[n++] = "--state-file";
    argv[n++] = state;
    argv[n++] = "--log-level";
    argv[n++] = "warn";
    for (i = 0; extra != NULL && extra[i] != NULL; i++) {
        argv[n++] = extra[i];
    }
    argv[n] = NULL;
    p->pid = fork();
    if (p->pid == 0) {
        char log[300];

        snprintf(log, sizeof(log), "%s/sim.log", p->dir);
        if (freopen(log, "w", stdout) == NULL ||
            freopen(log, "a", stderr) == NULL) {
            _exit(126);
        }
        execv(bin, argv);
        _exit(127);
    }
    for (i = 0; i < 100 && st == NULL; i++) {
        sleep_ms(50);
        st = json_load_file(state, 0, NULL);
    }
    if (st == NULL) {
        return -ETIMEDOUT;
    }
    p->control = (int)json_integer_value(json_object_get(st, "control"));
    p->m1 = (int)json_integer_value(json_object_get(
        json_object_get(st, "members"), "m1"));
    p->m2 = (int)json_integer_value(json_object_get(
        json_object_get(st, "members"), "m2"));
    json_decref(st);
    return 0;
}

/*
 * Stops the simulator; returns its exit status (0 after a clean shutdown,
 * so sanitizer reports in the simulator fail the test). The log is copied
 * to stderr when the status is not 0.
 */
static int
sim_stop(struct sim_proc *p)
{
    char cmd[400];
    int status = 0;

    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        waitpid(p->pid, &status, 0);
        p->pid = 0;
    }
    if (status != 0) {
        snprintf(cmd, sizeof(cmd), "cat '%s/sim.log' >&2", p->dir);
        (void)system(cmd);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
    (void)system(cmd);
    return status;
}

struct buf {
    char *data;
    size_t len;
};

static size_t
on_data(char *ptr, size_t size, size_t n, void *ud)
{
    struct buf *b = ud;
    char *grown = realloc(b->data, b->len + size * n + 1);

    if (grown == NULL) {
        return 0;
    }
    b->data = grown;
    memcpy(b->data + b->len, ptr, size * n);
    b->len += size * n;
    b->data[b->len] = '\0';
    return size * n;
}

struct call {
    const char *method;
    const char *body;
    size_t body_len;
    const char *type;
    const char *token;
    const char *cacert;
    long timeout_ms;
};

/*
 * Sends one request; *@code gets the HTTP status (0 when none) and *@out
 * the parsed JSON body (NULL when not JSON). Returns the curl code.
 */
static CURLcode
http(const char *url, const struct call *call, long *code, json_t **out)
{
    struct curl_slist *hdr = NULL;
    struct buf b = { NULL, 0 };
    char line[300];
    CURL *h = curl_easy_init();
    CURLcode rc;

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     call != NULL && call->timeout_ms > 0 ? call->timeout_ms
                                                          : 5000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (call != NULL && call->method != NULL) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call->method);
    }
    if (call != NULL && call->body != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, call->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(call->body_len > 0
                                          ? call->body_len
                                          : strlen(call->body)));
    }
    snprintf(line, sizeof(line), "Content-Type: %s",
             call != NULL && call->type != NULL ? call->type
                                                : "application/json");
    hdr = curl_slist_append(hdr, line);
    if (call != NULL && call->token != NULL) {
        snprintf(line, sizeof(line), "Authorization: Bearer %s", call->token);
        hdr = curl_slist_append(hdr, line);
    }
    if (call != NULL && call->cacert != NULL) {
        curl_easy_setopt(h, CURLOPT_CAINFO, call->cacert);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    rc = curl_easy_perform(h);
    *code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, code);
    if (out != NULL) {
        *out = b.data != NULL ? json_loads(b.data, 0, NULL) : NULL;
    }
    free(b.data);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return rc;
}

static void
url(char *buf, size_t len, int port, const char *path)
{
    snprintf(buf, len, "http://127.0.0.1:%d%s", port, path);
}

static long
get_code(int port, const char *path, long timeout_ms)
{
    struct call c = { .timeout_ms = timeout_ms };
    char u[300];
    long code = 0;

    url(u, sizeof(u), port, path);
    (void)http(u, &c, &code, NULL);
    return code;
}

static long
fault(struct sim_proc *p, const char *member, const char *body)
{
    struct call c = { .method = "POST", .body = body };
    char u[300];
    char path[128];
    long code = 0;

    snprintf(path, sizeof(path), "/members/%s/fault", member);
    url(u, sizeof(u), p->control, path);
    (void)http(u, &c, &code, NULL);
    return code;
}

static json_t *
fixture_load(const char *name)
{
    const char *src = getenv("FL_SOURCE_DIR");
    char path[512];
    char err[256];
    json_t *docs = NULL;
    json_t *doc;

    snprintf(path, sizeof(path), "%s/tests/fixtures/k8s/%s",
             src != NULL ? src : ".", name);
    assert_int_equal(member_yaml_load_file(path, &docs, err, sizeof(err)), 0);
    doc = json_incref(json_array_get(docs, 0));
    json_decref(docs);
    return doc;
}

/* The simulator's Status body must equal the fixture. */
static void
assert_status_like(json_t *got, const char *fixture)
{
    json_t *want = fixture_load(fixture);
    char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
    char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);

    if (!json_equal(got, want)) {
        print_error("got  %s\nwant %s\n", g, w);
    }
    assert_true(json_equal(got, want));
    free(g);
    free(w);
    json_decref(want);
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (f == NULL || sim_start(&f->plain, NULL) != 0) {
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    int status = sim_stop(&f->plain);

    free(f);
    curl_global_cleanup();
    if (status != 0) {
        print_error("flotilla-sim exited with status %d\n", status);
        return -1;
    }
    return 0;
}

static const char *cm_body =
    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
    "\"metadata\":{\"name\":\"cm1\"},\"data\":{\"a\":\"1\"}}";

static void
errors__match_upstream_status_bodies(void **state)
{
    struct fixture *f = *state;
    struct call post = { .method = "POST", .body = cm_body };
    struct call put = { .method = "PUT" };
    struct call bad = {
        .method = "POST",
        .body = "{\"metadata\":{\"name\":\"bad\"},\"spec\":{\"template\":"
                "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"b\"}]"
                "}}}}",
    };
    json_t *body = NULL;
    char u[300];
    long code = 0;

    url(u, sizeof(u), f->plain.m1,
        "/api/v1/namespaces/default/configmaps/missing");
    http(u, NULL, &code, &body);
    assert_int_equal(code, 404);
    assert_status_like(body, "status-notfound.yaml");
    json_decref(body);

    url(u, sizeof(u), f->plain.m1, "/api/v1/namespaces/default/configmaps");
    http(u, &post, &code, &body);
    assert_int_equal(code, 201);
    json_decref(body);
    http(u, &post, &code, &body);
    assert_int_equal(code, 409);
    assert_status_like(body, "status-alreadyexists.yaml");
    json_decref(body);

    url(u, sizeof(u), f->plain.m1, "/api/v1/namespaces/nope/configmaps");
    http(u, &post, &code, &body);
    assert_int_equal(code, 404);
    assert_status_like(body, "status-namespace-notfound.yaml");
    json_decref(body);

    put.body = "{\"metadata\":{\"name\":\"cm1\",\"resourceVersion\":\"1\"},"
               "\"data\":{\"a\":\"2\"}}";
    url(u, sizeof(u), f->plain.m1,
        "/api/v1/namespaces/default/configmaps/cm1");
    http(u, &put, &code, &body);
    assert_int_equal(code, 409);
    assert_status_like(body, "status-conflict.yaml");
    json_decref(body);

    url(u, sizeof(u), f->plain.m1, "/apis/apps/v1/namespaces/default/deployments");
    http(u, &bad, &code, &body);
    assert_int_equal(code, 422);
    assert_status_like(body, "status-invalid.yaml");
    json_decref(body);
}

static void
discovery__apps_v1_matches_fixture(void **state)
{
    struct fixture *f = *state;
    json_t *body = NULL;
    char u[300];
    long code = 0;

    url(u, sizeof(u), f->plain.m2, "/apis/apps/v1");
    http(u, NULL, &code, &body);

    assert_int_equal(code, 200);
    assert_status_like(body, "apiresourcelist-apps-v1.yaml");
    json_decref(body);
}

static void
deployment__ready_after_delay_with_upstream_status(void **state)
{
    struct fixture *f = *state;
    json_t *want = fixture_load("deployment.yaml");
    struct call post = { .method = "POST" };
    json_t *body = NULL;
    json_t *st;
    char *text;
    char u[300];
    long code = 0;
    int i;

    json_object_del(want, "status");
    json_object_del(json_object_get(want, "metadata"), "uid");
    json_object_del(json_object_get(want, "metadata"), "resourceVersion");
    text = json_dumps(want, JSON_COMPACT);
    post.body = text;
    url(u, sizeof(u), f->plain.m2,
        "/apis/apps/v1/namespaces/default/deployments");
    http(u, &post, &code, &body);
    assert_int_equal(code, 201);
    json_decref(body);

    url(u, sizeof(u), f->plain.m2,
        "/apis/apps/v1/namespaces/default/deployments/nginx");
    for (i = 0; i < 40; i++) {
        http(u, NULL, &code, &body);
        st = json_object_get(body, "status");
        if (json_integer_value(json_object_get(st, "readyReplicas")) == 3) {
            break;
        }
        json_decref(body);
        body = NULL;
        sleep_ms(100);
    }
    assert_non_null(body);
    assert_int_equal(json_integer_value(json_object_get(st, "readyReplicas")),
                     3);
    assert_int_equal(json_integer_value(json_object_get(st,
                                                        "availableReplicas")),
                     3);
    assert_int_equal(json_integer_value(json_object_get(st,
                                                        "updatedReplicas")),
                     3);
    assert_int_equal(json_integer_value(json_object_get(st,
                                                        "observedGeneration")),
                     1);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(st, "conditions"), 1), "reason")),
        "NewReplicaSetAvailable");
    json_decref(body);
    json_decref(want);
    free(text);
}

static void
watch__streams_added_event(void **state)
{
    struct fixture *f = *state;
    struct call post = { .method = "POST" };
    struct call w = { .timeout_ms = 5000 };
    json_t *list = NULL;
    json_t *body = NULL;
    char u[400];
    char path[300];
    long code = 0;
    pid_t child;
    int status;

    url(u, sizeof(u), f->plain.m1, "/api/v1/namespaces/default/secrets");
    http(u, NULL, &code, &list);
    assert_int_equal(code, 200);
    snprintf(path, sizeof(path),
             "/api/v1/namespaces/default/secrets?watch=true&timeoutSeconds=1&resourceVersion=%s",
             json_string_value(json_object_get(json_object_get(list,
                                                               "metadata"),
                                               "resourceVersion")));
    json_decref(list);
    child = fork();
    if (child == 0) {
        char cu[300];

        sleep_ms(200);
        url(cu, sizeof(cu), f->plain.m1,
            "/api/v1/namespaces/default/secrets");
        post.body = "{\"metadata\":{\"name\":\"s1\"},\"stringData\":{}}";
        http(cu, &post, &code, NULL);
        _exit(code == 201 ? 0 : 1);
    }

    url(u, sizeof(u), f->plain.m1, path);
    {
        struct buf b = { NULL, 0 };
        CURL *h = curl_easy_init();

        (void)w;
        curl_easy_setopt(h, CURLOPT_URL, u);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
        assert_int_equal(curl_easy_perform(h), CURLE_OK);
        curl_easy_cleanup(h);
        assert_non_null(b.data);
        body = json_loads(b.data, JSON_DISABLE_EOF_CHECK, NULL);
        free(b.data);
    }
    waitpid(child, &status, 0);

    assert_int_equal(WEXITSTATUS(status), 0);
    assert_non_null(body);
    assert_string_equal(json_string_value(json_object_get(body, "type")),
                        "ADDED");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(body, "object"),
                                            "metadata"),
                            "name")),
                        "s1");
    json_decref(body);
}

static void
hostile__huge_and_bad_bodies_answered(void **state)
{
    struct fixture *f = *state;
    size_t huge = 5u * 1024 * 1024;
    char *big = malloc(huge);
    struct call post = { .method = "POST", .body_len = huge };
    struct call bad = { .method = "POST", .body = "{\"metadata\": [" };
    json_t *body = NULL;
    char u[300];
    long code = 0;

    memset(big, 'a', huge);
    post.body = big;
    url(u, sizeof(u), f->plain.m1, "/api/v1/namespaces/default/configmaps");

    http(u, &post, &code, &body);
    assert_int_equal(code, 413);
    assert_string_equal(json_string_value(json_object_get(body, "reason")),
                        "RequestEntityTooLarge");
    json_decref(body);
    http(u, &bad, &code, &body);
    assert_int_equal(code, 400);
    assert_string_equal(json_string_value(json_object_get(body, "reason")),
                        "BadRequest");
    json_decref(body);
    assert_int_equal(get_code(f->plain.m1, "/readyz", 1000), 200);
    assert_int_equal(get_code(f->plain.m2, "/readyz", 1000), 200);
    free(big);
}

static int
connect_port(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void
hostile__slow_clients_do_not_block_others(void **state)
{
    struct fixture *f = *state;
    const char *partial = "GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n";
    int fds[20];
    int64_t t0;
    int i;

    /* 20 clients that send half a request and then nothing */
    for (i = 0; i < 20; i++) {
        fds[i] = connect_port(f->plain.m1);
        assert_true(fds[i] >= 0);
        assert_true(write(fds[i], partial, strlen(partial)) > 0);
    }
    t0 = util_time_mono_ns();

    assert_int_equal(get_code(f->plain.m1, "/readyz", 1000), 200);
    assert_int_equal(get_code(f->plain.m2, "/api/v1/namespaces", 1000), 200);
    assert_true(util_time_mono_ns() - t0 < INT64_C(1000000000));
    for (i = 0; i < 20; i++) {
        close(fds[i]);
    }
}

static void
fault_blackhole__hangs_one_member_only(void **state)
{
    struct fixture *f = *state;
    int64_t t0;

    assert_int_equal(fault(&f->plain, "m1", "{\"kind\":\"blackhole\"}"), 200);

    t0 = util_time_mono_ns();
    assert_int_equal(get_code(f->plain.m1, "/readyz", 700), 0);
    assert_true(util_time_mono_ns() - t0 >= INT64_C(600000000));
    t0 = util_time_mono_ns();
    assert_int_equal(get_code(f->plain.m2, "/readyz", 1000), 200);
    assert_true(util_time_mono_ns() - t0 < INT64_C(500000000));
    assert_int_equal(fault(&f->plain, "m1", "{\"kind\":\"up\"}"), 200);
    assert_int_equal(get_code(f->plain.m1, "/readyz", 1000), 200);
}

static void
fault_down__refuses_then_serves_with_objects_kept(void **state)
{
    struct fixture *f = *state;
    int i;
    long code = 0;

    assert_int_equal(fault(&f->plain, "m1", "{\"kind\":\"down\"}"), 200);
    for (i = 0; i < 20 && connect_port(f->plain.m1) >= 0; i++) {
        sleep_ms(50);
    }

    assert_true(connect_port(f->plain.m1) < 0);
    assert_int_equal(get_code(f->plain.m2, "/readyz", 1000), 200);
    assert_int_equal(fault(&f->plain, "m1", "{\"kind\":\"up\"}"), 200);
    for (i = 0; i < 40; i++) {
        code = get_code(f->plain.m1,
                        "/api/v1/namespaces/default/configmaps/cm1", 500);
        if (code == 200) {
            break;
        }
        sleep_ms(50);
    }
    assert_int_equal(code, 200);
}

static void
fault_slow_and_unhealthy__as_the_scenario_page_says(void **state)
{
    struct fixture *f = *state;
    int64_t t0;

    assert_int_equal(fault(&f->plain, "m2",
                           "{\"kind\":\"slow\",\"delay\":\"600ms\"}"),
                     200);
    t0 = util_time_mono_ns();
    assert_int_equal(get_code(f->plain.m2, "/readyz", 3000), 200);
    assert_true(util_time_mono_ns() - t0 >= INT64_C(550000000));
    assert_int_equal(fault(&f->plain, "m2", "{\"kind\":\"up\"}"), 200);

    assert_int_equal(fault(&f->plain, "m2",
                           "{\"kind\":\"unhealthy\",\"code\":500}"),
                     200);
    assert_int_equal(get_code(f->plain.m2, "/readyz", 1000), 500);
    assert_int_equal(get_code(f->plain.m2, "/healthz", 1000), 500);
    assert_int_equal(get_code(f->plain.m2, "/api/v1/namespaces", 1000), 200);
    assert_int_equal(fault(&f->plain, "m2", "{\"kind\":\"healthy\"}"), 200);
    assert_int_equal(get_code(f->plain.m2, "/readyz", 1000), 200);
    assert_int_equal(fault(&f->plain, "m2", "{\"kind\":\"sideways\"}"), 400);
    assert_int_equal(fault(&f->plain, "nosuch", "{\"kind\":\"up\"}"), 404);
}

static void
fault_flap__alternates_down_and_serving(void **state)
{
    struct fixture *f = *state;
    int refused = 0;
    int served = 0;
    int i;

    assert_int_equal(fault(&f->plain, "m2",
                           "{\"kind\":\"flap\",\"period\":\"400ms\"}"),
                     200);

    /* sample for 1.6s: both halves must show up */
    for (i = 0; i < 32; i++) {
        int fd = connect_port(f->plain.m2);

        if (fd < 0) {
            refused++;
        } else {
            served++;
            close(fd);
        }
        sleep_ms(50);
    }
    assert_int_equal(fault(&f->plain, "m2", "{\"kind\":\"up\"}"), 200);

    assert_true(refused >= 4);
    assert_true(served >= 4);
    for (i = 0; i < 40 && get_code(f->plain.m2, "/readyz", 300) != 200; i++) {
        sleep_ms(50);
    }
    assert_int_equal(get_code(f->plain.m2, "/readyz", 1000), 200);
}

static json_int_t
ready_replicas(int port, const char *path)
{
    json_t *body = NULL;
    json_int_t v;
    char u[300];
    long code = 0;

    url(u, sizeof(u), port, path);
    http(u, NULL, &code, &body);
    v = json_integer_value(json_object_get(json_object_get(body, "status"),
                                           "readyReplicas"));
    json_decref(body);
    return v;
}

static void
fault_crash__drops_ready_and_recover_restores(void **state)
{
    struct fixture *f = *state;
    const char *path = "/apis/apps/v1/namespaces/default/deployments/nginx";
    int i;

    /* the Deployment created by an earlier test on m2 */
    for (i = 0; i < 40 && ready_replicas(f->plain.m2, path) != 3; i++) {
        sleep_ms(100);
    }
    assert_int_equal(ready_replicas(f->plain.m2, path), 3);

    assert_int_equal(fault(&f->plain, "m2",
                           "{\"kind\":\"crash\",\"object\":"
                           "\"Deployment/default/nginx\"}"),
                     200);

    assert_int_equal(ready_replicas(f->plain.m2, path), 0);
    assert_int_equal(fault(&f->plain, "m2",
                           "{\"kind\":\"recover\",\"object\":"
                           "\"Deployment/default/nginx\"}"),
                     200);
    assert_int_equal(ready_replicas(f->plain.m2, path), 0);
    for (i = 0; i < 40 && ready_replicas(f->plain.m2, path) != 3; i++) {
        sleep_ms(100);
    }
    assert_int_equal(ready_replicas(f->plain.m2, path), 3);
    assert_int_equal(fault(&f->plain, "m2",
                           "{\"kind\":\"crash\",\"object\":"
                           "\"Deployment/default/nope\"}"),
                     404);
}

/* Pods whose ready time passed while their member was down become ready
 * once it is up again, with no write to wake its controllers. */
static void
fault_up__pods_due_while_down_become_ready(void **state)
{
    struct fixture *f = *state;
    const char *path = "/apis/apps/v1/namespaces/default/deployments/late";
    json_t *dep = fixture_load("deployment.yaml");
    struct call post = { .method = "POST" };
    json_t *body = NULL;
    char *text;
    char u[300];
    long code = 0;
    int i;

    json_object_del(dep, "status");
    json_object_del(json_object_get(dep, "metadata"), "uid");
    json_object_del(json_object_get(dep, "metadata"), "resourceVersion");
    json_object_set_new(json_object_get(dep, "metadata"), "name",
                        json_string("late"));
    text = json_dumps(dep, JSON_COMPACT);
    post.body = text;
    url(u, sizeof(u), f->plain.m1,
        "/apis/apps/v1/namespaces/default/deployments");
    http(u, &post, &code, &body);
    assert_int_equal(code, 201);
    assert_int_equal(fault(&f->plain, "m1", "{\"kind\":\"down\"}"), 200);
    sleep_ms(2500);   /* past the default readyDelay of 2 s */
    assert_int_equal(fault(&f->plain, "m1", "{\"kind\":\"up\"}"), 200);
    for (i = 0; i < 30 && ready_replicas(f->plain.m1, path) != 3; i++) {
        sleep_ms(100);
    }
    assert_int_equal(ready_replicas(f->plain.m1, path), 3);
    json_decref(body);
    json_decref(dep);
    free(text);
}

static int
run_sim_config(const char *yaml, char *out, size_t len)
{
    const char *build = getenv("FL_BUILD_DIR");
    char dir[] = "/tmp/fl-sim-cfg-XXXXXX";
    char cmd[1024];
    char path[300];
    FILE *f;
    size_t n;
    int status;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/sim.yaml", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(yaml, f);
    fclose(f);
    snprintf(cmd, sizeof(cmd),
             "timeout 5 %s/flotilla-sim --config %s --state-file %s/st.json "
             "--log-level warn 2>&1 & sleep 1; test -s %s/st.json && "
             "kill $(sed -n 's/.*\"pid\": \\([0-9]*\\).*/\\1/p' %s/st.json); wait",
             build != NULL ? build : ".", path, dir, dir, dir);
    f = popen(cmd, "r");
    n = fread(out, 1, len - 1, f);
    out[n] = '\0';
    status = pclose(f);
    snprintf(cmd, sizeof(cmd), "test -s %s/st.json", dir);
    status = system(cmd);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    (void)system(cmd);
    return status;
}

static void
config__file_members_start_and_unknown_key_is_named(void **state)
{
    char out[2048];

    (void)state;

    assert_int_equal(run_sim_config("members:\n"
                                    "  - name: east\n"
                                    "    nodes: 2\n"
                                    "    allocatable: {cpu: \"4\", memory: 8Gi, pods: \"20\"}\n"
                                    "    readyDelay: 1s\n",
                                    out, sizeof(out)),
                     0);
    assert_non_null(strstr(out, "flotilla-sim: east http://127.0.0.1:"));
    assert_int_not_equal(run_sim_config("members:\n"
                                        "  - name: east\n"
                                        "    nodez: 2\n",
                                        out, sizeof(out)),
                         0);
    assert_non_null(strstr(out, "member east: unknown key nodez"));
}

static void
tls_token__rejects_missing_token_with_status(void **state)
{
    struct sim_proc p;
    char cmd[1200];
    char cert[300];
    char key[300];
    char tmp[] = "/tmp/fl-sim-tls-XXXXXX";
    char *extra[] = { "--token", "s3cret", "--tls-cert", cert, "--tls-key",
                      key, NULL };
    struct call c = { .cacert = cert, .timeout_ms = 3000 };
    json_t *body = NULL;
    char u[300];
    long code = 0;

    (void)state;
    memset(&p, 0, sizeof(p));
    assert_non_null(mkdtemp(tmp));
    snprintf(cert, sizeof(cert), "%s/cert.pem", tmp);
    snprintf(key, sizeof(key), "%s/key.pem", tmp);
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s >/dev/null 2>&1",
             key, cert);
    if (system(cmd) != 0) {
        skip();
    }
    assert_int_equal(sim_start(&p, extra), 0);

    snprintf(u, sizeof(u), "https://127.0.0.1:%d/api/v1/namespaces", p.m1);
    assert_int_equal(http(u, &c, &code, &body), CURLE_OK);
    assert_int_equal(code, 401);
    assert_status_like(body, "status-unauthorized.yaml");
    json_decref(body);
    c.token = "s3cret";
    assert_int_equal(http(u, &c, &code, &body), CURLE_OK);
    assert_int_equal(code, 200);
    assert_int_equal(json_array_size(json_object_get(body, "items")), 4);
    json_decref(body);

    assert_int_equal(sim_stop(&p), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    (void)system(cmd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(errors__match_upstream_status_bodies),
        cmocka_unit_test(discovery__apps_v1_matches_fixture),
        cmocka_unit_test(deployment__ready_after_delay_with_upstream_status),
        cmocka_unit_test(watch__streams_added_event),
        cmocka_unit_test(hostile__huge_and_bad_bodies_answered),
        cmocka_unit_test(hostile__slow_clients_do_not_block_others),
        cmocka_unit_test(fault_blackhole__hangs_one_member_only),
        cmocka_unit_test(fault_down__refuses_then_serves_with_objects_kept),
        cmocka_unit_test(fault_slow_and_unhealthy__as_the_scenario_page_says),
        cmocka_unit_test(fault_flap__alternates_down_and_serving),
        cmocka_unit_test(fault_crash__drops_ready_and_recover_restores),
        cmocka_unit_test(fault_up__pods_due_while_down_become_ready),
        cmocka_unit_test(config__file_members_start_and_unknown_key_is_named),
        cmocka_unit_test(tls_token__rejects_missing_token_with_status),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests_name("tools.sim", tests, setup, teardown);
}
