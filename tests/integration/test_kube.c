/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fl_kube against a mock API server on loopback (tests/support/mockapi):
 * every call on real-shaped answers, then hostile answers (bad JSON, wrong
 * types, huge and dripping bodies, hanging and closed connections, HTML
 * errors, redirects, refused ports, bad tokens, TLS with a CA made by the
 * openssl CLI) each giving a clear error that names the member, and a
 * hanging member that does not hold up another client.
 *
 * The JSON answers below are written from the Kubernetes API reference
 * (Status, APIVersions, APIGroupList, APIResourceList, Deployment,
 * PodList, ConfigMap, watch events), trimmed to the fields that matter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "kube/client.h"
#include "kube/discovery.h"
#include "kube/objects.h"
#include "kube/summary.h"
#include "support/mockapi.h"

#define TOKEN "s3cret-token-abc"

struct fixture {
    struct mockapi *api;
    struct kube_client *c;
    char dir[64];
    char token_file[128];
    char url[64];
};

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static struct kube_client *
client_for(struct fixture *f, const char *name, const char *url,
           long timeout_ms)
{
    struct kube_client_config cfg;
    struct kube_client *c = NULL;
    struct kube_error err;
    int rc;

    kube_client_config_init(&cfg);
    cfg.name = name;
    cfg.endpoint = url;
    cfg.token_file = f->token_file;
    cfg.request_timeout_ms = timeout_ms;
    cfg.connect_timeout_ms = 2000;
    cfg.max_body_bytes = 1024 * 1024;
    rc = kube_client_new(&cfg, &c, &err);
    if (rc != 0) {
        fail_msg("kube_client_new: %s", err.text);
    }
    return c;
}

static int
setup(void **state)
{
    struct mockapi_opts opts = { .token = TOKEN };
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/kube-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->token_file, sizeof(f->token_file), "%s/token", f->dir);
    write_file(f->token_file, TOKEN "\n");
    assert_int_equal(mockapi_start(&opts, &f->api), 0);
    mockapi_url(f->api, f->url, sizeof(f->url));
    f->c = client_for(f, "m1", f->url, 2000);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    kube_client_free(f->c);
    mockapi_stop(f->api);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Asserts that @err names member @member and @verb @path. */
static void
assert_names(const struct kube_error *err, const char *member,
             const char *verb, const char *path)
{
    char want[512];

    snprintf(want, sizeof(want), "member %s: %s %s: ", member, verb, path);
    if (strncmp(err->text, want, strlen(want)) != 0) {
        fail_msg("error \"%s\" does not start with \"%s\"", err->text, want);
    }
    assert_null(strstr(err->text, TOKEN));
}

/* Real shapes. */

static const char status_404[] =
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
    "\"status\":\"Failure\",\"message\":\"deployments.apps \\\"nope\\\" not found\","
    "\"reason\":\"NotFound\",\"details\":{\"name\":\"nope\",\"group\":\"apps\","
    "\"kind\":\"deployments\"},\"code\":404}";

static const char deployment[] =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{"
    "\"name\":\"web\",\"namespace\":\"default\",\"uid\":\"3f1c\","
    "\"resourceVersion\":\"4711\",\"generation\":2},\"spec\":{\"replicas\":3,"
    "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{"
    "\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
    "[{\"name\":\"web\",\"image\":\"nginx:1.25\"}]}}},\"status\":{"
    "\"observedGeneration\":2,\"replicas\":3,\"readyReplicas\":3,"
    "\"updatedReplicas\":3,\"availableReplicas\":3}}";

static void
probe__ok_on_readyz(void **state)
{
    struct fixture *f = *state;
    struct kube_probe_result res;
    int rc;

    mockapi_add(f->api, &(struct mockapi_route){ .method = "GET",
                                                 .path = "/readyz",
                                                 .body = "ok",
                                                 .content_type = "text/plain" });

    rc = kube_probe(f->c, 1000, &res);

    assert_int_equal(rc, 0);
    assert_int_equal(res.outcome, KUBE_PROBE_OK);
    assert_int_equal(res.http_status, 200);
    assert_string_equal(res.path, "/readyz");
    assert_int_equal(mockapi_hits(f->api, "GET", "/healthz"), 0);
}

static void
probe__falls_back_to_healthz_only_on_404(void **state)
{
    struct fixture *f = *state;
    struct kube_probe_result res;
    int rc;

    mockapi_add(f->api, &(struct mockapi_route){ .method = "GET",
                                                 .path = "/healthz",
                                                 .status = 500,
                                                 .body = "[-]etcd failed: reason withheld\nhealthz check failed\n",
                                                 .content_type = "text/plain" });

    rc = kube_probe(f->c, 1000, &res);

    assert_int_equal(rc, 0);
    assert_int_equal(res.outcome, KUBE_PROBE_NOT_READY);
    assert_int_equal(res.http_status, 500);
    assert_string_equal(res.path, "/healthz");
    assert_string_equal(res.reason, "member m1: /healthz answered 500: [-]etcd failed: reason withheld");
    assert_int_equal(mockapi_hits(f->api, "GET", "/readyz"), 1);
}

static void
probe__not_ready_on_readyz_503_without_fallback(void **state)
{
    struct fixture *f = *state;
    struct kube_probe_result res;

    mockapi_add(f->api, &(struct mockapi_route){ .path = "/readyz",
                                                 .status = 503,
                                                 .body = "not ready" });
    mockapi_reply(f->api, "GET", "/healthz", 200, "ok");

    assert_int_equal(kube_probe(f->c, 1000, &res), 0);

    assert_int_equal(res.outcome, KUBE_PROBE_NOT_READY);
    assert_int_equal(res.http_status, 503);
    assert_int_equal(mockapi_hits(f->api, "GET", "/healthz"), 0);
}

static void
probe__no_answer_on_hang_within_timeout(void **state)
{
    struct fixture *f = *state;
    struct kube_probe_result res;
    int64_t t0;
    int64_t took;

    mockapi_add(f->api, &(struct mockapi_route){ .path = "/readyz",
                                                 .mode = MOCKAPI_HANG });

    t0 = now_ms();
    assert_int_equal(kube_probe(f->c, 300, &res), 0);
    took = now_ms() - t0;

    assert_int_equal(res.outcome, KUBE_PROBE_NO_ANSWER);
    assert_int_equal(res.errno_code, -ETIMEDOUT);
    assert_true(took >= 250 && took < 1500);
    assert_non_null(strstr(res.reason, "member m1: GET /readyz: no complete answer within 300 ms"));
}

static void
probe__no_answer_on_refused_port(void **state)
{
    struct fixture *f = *state;
    struct kube_probe_result res;
    struct kube_client *c;
    struct mockapi *gone = NULL;
    char url[64];

    /* a port that was just free: start and stop a server on it */
    assert_int_equal(mockapi_start(NULL, &gone), 0);
    mockapi_url(gone, url, sizeof(url));
    mockapi_stop(gone);
    c = client_for(f, "m-down", url, 1000);

    assert_int_equal(kube_probe(c, 1000, &res), 0);

    assert_int_equal(res.outcome, KUBE_PROBE_NO_ANSWER);
    assert_int_equal(res.errno_code, -ECONNREFUSED);
    assert_non_null(strstr(res.reason, "member m-down: GET /readyz: cannot connect: Connection refused"));
    kube_client_free(c);
}

static void
version__reads_git_version(void **state)
{
    struct fixture *f = *state;
    struct kube_error err;
    char v[64];
    int rc;

    mockapi_reply(f->api, "GET", "/version", 200,
                  "{\"major\":\"1\",\"minor\":\"29\",\"gitVersion\":\"v1.29.4\","
                  "\"platform\":\"linux/amd64\"}");

    rc = kube_version(f->c, v, sizeof(v), &err);

    assert_int_equal(rc, 0);
    assert_string_equal(v, "v1.29.4");
}

static const char api_versions[] =
    "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],"
    "\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\","
    "\"serverAddress\":\"10.0.0.1:6443\"}]}";
static const char api_groups[] =
    "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":["
    "{\"name\":\"apps\",\"versions\":[{\"groupVersion\":\"apps/v1\","
    "\"version\":\"v1\"}],\"preferredVersion\":{\"groupVersion\":\"apps/v1\","
    "\"version\":\"v1\"}},"
    "{\"name\":\"example.com\",\"versions\":[{\"groupVersion\":"
    "\"example.com/v1\",\"version\":\"v1\"}]},"
    "{\"name\":\"broken.io\",\"versions\":[{\"groupVersion\":"
    "\"broken.io/v1\",\"version\":\"v1\"}]}]}";
static const char core_resources[] =
    "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":["
    "{\"name\":\"pods\",\"singularName\":\"pod\",\"namespaced\":true,"
    "\"kind\":\"Pod\",\"verbs\":[\"get\",\"list\"]},"
    "{\"name\":\"pods/status\",\"singularName\":\"\",\"namespaced\":true,"
    "\"kind\":\"Pod\",\"verbs\":[\"get\"]},"
    "{\"name\":\"nodes\",\"singularName\":\"node\",\"namespaced\":false,"
    "\"kind\":\"Node\",\"verbs\":[\"get\",\"list\"]}]}";
static const char apps_resources[] =
    "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":"
    "\"apps/v1\",\"resources\":[{\"name\":\"deployments\",\"singularName\":"
    "\"deployment\",\"namespaced\":true,\"kind\":\"Deployment\"},"
    "{\"name\":\"deployments/scale\",\"namespaced\":true,\"group\":"
    "\"autoscaling\",\"version\":\"v1\",\"kind\":\"Scale\"}]}";
static const char moose_resources[] =
    "{\"kind\":\"APIResourceList\",\"groupVersion\":\"example.com/v1\","
    "\"resources\":[{\"name\":\"moose\",\"singularName\":\"moose\","
    "\"namespaced\":false,\"kind\":\"Moose\"}]}";

static void
discover__reads_versions_resources_and_marks_partial(void **state)
{
    struct fixture *f = *state;
    struct kube_discovery *d = NULL;
    const struct kube_api_resource *moose;
    Flotilla__V1__APIEnablement **e = NULL;
    struct kube_error err;
    size_t n = 0;
    int rc;

    mockapi_reply(f->api, "GET", "/api", 200, api_versions);
    mockapi_reply(f->api, "GET", "/apis", 200, api_groups);
    mockapi_reply(f->api, "GET", "/api/v1", 200, core_resources);
    mockapi_reply(f->api, "GET", "/apis/apps/v1", 200, apps_resources);
    mockapi_reply(f->api, "GET", "/apis/example.com/v1", 200,
                  moose_resources);
    mockapi_add(f->api, &(struct mockapi_route){ .path = "/apis/broken.io/v1",
                                                 .status = 503,
                                                 .body = "<html>unavailable</html>",
                                                 .content_type = "text/html" });

    rc = kube_discover(f->c, &d, &err);

    assert_int_equal(rc, 0);
    assert_int_equal(d->n_gvs, 3);
    assert_false(d->complete);
    assert_non_null(strstr(d->incomplete_reason, "member m1: GET /apis/broken.io/v1: 503: "));
    assert_string_equal(d->gvs[0].group_version, "v1");
    assert_int_equal(d->gvs[0].n_resources, 2);
    moose = kube_discovery_find(d, "example.com/v1", "Moose");
    assert_non_null(moose);
    assert_string_equal(moose->plural, "moose");
    assert_false(moose->namespaced);
    assert_int_equal(kube_discovery_enablements(d, &e, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(e[1]->group_version, "apps/v1");
    assert_int_equal(e[1]->n_kinds, 1);
    assert_string_equal(e[1]->kinds[0], "Deployment");
    kube_discovery_enablements_free(e, n);
    kube_discovery_free(d);
}

static void
discover__fails_on_malformed_group_list(void **state)
{
    struct fixture *f = *state;
    struct kube_discovery *d = NULL;
    struct kube_error err;
    int rc;

    mockapi_reply(f->api, "GET", "/api", 200, api_versions);
    mockapi_reply(f->api, "GET", "/apis", 200,
                  "{\"kind\":\"APIGroupList\",\"groups\":{\"apps\":1}}");

    rc = kube_discover(f->c, &d, &err);

    assert_int_equal(rc, -EBADMSG);
    assert_null(d);
    assert_names(&err, "m1", "GET", "/apis");
    assert_non_null(strstr(err.text, "groups is an object, not an array"));
}

static void
get__parses_object_and_sends_token(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "apps/v1", .kind = "Deployment",
                            .ns = "default", .name = "web" };
    struct mockapi_request last;
    struct kube_error err;
    json_t *obj = NULL;
    int rc;

    mockapi_reply(f->api, "GET", "/apis/apps/v1/namespaces/default/deployments/web",
                  200, deployment);

    rc = kube_get(f->c, &ref, &obj, &err);

    assert_int_equal(rc, 0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(obj, "status"), "readyReplicas")),
                     3);
    mockapi_last(f->api, &last);
    assert_true(last.had_token);
    json_decref(obj);
}

static void
get__not_found_gives_status_reason(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "apps/v1", .kind = "Deployment",
                            .ns = "default", .name = "nope" };
    struct kube_error err;
    json_t *obj = NULL;
    int rc;

    mockapi_reply(f->api, "GET",
                  "/apis/apps/v1/namespaces/default/deployments/nope", 404,
                  status_404);

    rc = kube_get(f->c, &ref, &obj, &err);

    assert_int_equal(rc, -ENOENT);
    assert_null(obj);
    assert_int_equal(err.http_status, 404);
    assert_string_equal(err.reason, "NotFound");
    assert_string_equal(err.text, "member m1: GET /apis/apps/v1/namespaces/default/deployments/nope: 404 NotFound: deployments.apps \"nope\" not found");
}

static const char pods_page1[] =
    "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{"
    "\"resourceVersion\":\"900\",\"continue\":\"tok2\","
    "\"remainingItemCount\":1},\"items\":["
    "{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns1\"},\"spec\":{}},"
    "{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns1\"},\"spec\":{}}]}";
static const char pods_page2[] =
    "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{"
    "\"resourceVersion\":\"900\"},\"items\":["
    "{\"metadata\":{\"name\":\"c\",\"namespace\":\"ns2\"},\"spec\":{}}]}";

static void
list__follows_continue_tokens(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "v1", .kind = "Pod" };
    struct kube_list_opts opts = { .page_size = 2,
                                   .label_selector = "app in (web,db)" };
    struct kube_list_result res;
    struct mockapi_request last;
    struct kube_error err;
    int rc;

    mockapi_add(f->api, &(struct mockapi_route){ .path = "/api/v1/pods",
                                                 .query_has = "continue=tok2",
                                                 .body = pods_page2 });
    mockapi_reply(f->api, "GET", "/api/v1/pods", 200, pods_page1);

    rc = kube_list(f->c, &ref, &opts, &res, &err);

    assert_int_equal(rc, 0);
    assert_int_equal(json_array_size(res.items), 3);
    assert_string_equal(res.resource_version, "900");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(res.items, 2), "kind")),
                        "Pod");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(res.items, 0), "apiVersion")),
                        "v1");
    mockapi_last(f->api, &last);
    assert_string_equal(last.query, "labelSelector=app in (web,db)&limit=2&continue=tok2");
    kube_list_result_release(&res);
}

static void
list__expired_continue_gives_estale(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "v1", .kind = "Pod" };
    struct kube_list_result res;
    struct kube_error err;
    int rc;

    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/pods", .query_has = "continue=tok2", .status = 410,
        .body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":"
                "\"Failure\",\"message\":\"The provided continue parameter is too old to display a consistent list result.\","
                "\"reason\":\"Expired\",\"code\":410}" });
    mockapi_reply(f->api, "GET", "/api/v1/pods", 200, pods_page1);

    rc = kube_list(f->c, &ref, NULL, &res, &err);

    assert_int_equal(rc, -ESTALE);
    assert_null(res.items);
    assert_string_equal(err.reason, "Expired");
    assert_names(&err, "m1", "GET", "/api/v1/pods");
}

/* WATCH */

struct seen {
    int n;
    enum kube_event_type types[16];
    char names[16][32];
    int stop_after;
};

static int
on_event(void *arg, enum kube_event_type type, json_t *obj)
{
    struct seen *s = arg;
    const char *name = json_string_value(json_object_get(
        json_object_get(obj, "metadata"), "name"));

    if (s->n < 16) {
        s->types[s->n] = type;
        snprintf(s->names[s->n], sizeof(s->names[0]), "%s",
                 name != NULL ? name : "");
    }
    s->n++;
    return s->stop_after > 0 && s->n >= s->stop_after ? 1 : 0;
}

static const char watch_stream[] =
    "{\"type\":\"ADDED\",\"object\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\","
    "\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"resourceVersion\":\"101\"}}}\n"
    "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\","
    "\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"resourceVersion\":\"102\"},"
    "\"data\":{\"k\":\"v\"}}}\n"
    "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\","
    "\"metadata\":{\"resourceVersion\":\"150\"}}}\n"
    "{\"type\":\"DELETED\",\"object\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\","
    "\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"resourceVersion\":\"151\"}}}\n";

static void
watch__delivers_events_as_they_arrive_and_stops_on_request(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "v1", .kind = "ConfigMap",
                            .ns = "ns" };
    struct kube_watch_opts opts = { .resource_version = "100",
                                    .timeout_s = 60, .bookmarks = true };
    struct seen s = { .stop_after = 4 };
    struct kube_watch_result res;
    struct mockapi_request last;
    struct kube_error err;
    int64_t t0;
    int rc;

    /* the server would keep the stream open for 20 s after the lines */
    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/ns/configmaps", .query_has = "watch=1",
        .mode = MOCKAPI_STREAM, .body = watch_stream, .delay_ms = 50,
        .hold_ms = 20000 });

    t0 = now_ms();
    rc = kube_watch(f->c, &ref, &opts, on_event, &s, &res, &err);

    assert_int_equal(rc, 0);
    assert_true(now_ms() - t0 < 3000);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.types[0], KUBE_EVENT_ADDED);
    assert_int_equal(s.types[1], KUBE_EVENT_MODIFIED);
    assert_int_equal(s.types[2], KUBE_EVENT_BOOKMARK);
    assert_int_equal(s.types[3], KUBE_EVENT_DELETED);
    assert_true(res.stopped);
    assert_string_equal(res.resource_version, "151");
    mockapi_last(f->api, &last);
    assert_string_equal(last.query, "watch=1&resourceVersion=100&timeoutSeconds=60&allowWatchBookmarks=true");
}

static void
watch__ends_cleanly_when_the_server_ends_the_stream(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "v1", .kind = "ConfigMap",
                            .ns = "ns", .name = "a" };
    struct seen s = { 0 };
    struct kube_watch_result res;
    struct mockapi_request last;
    struct kube_error err;
    int rc;

    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/ns/configmaps", .mode = MOCKAPI_STREAM,
        .body = watch_stream });

    rc = kube_watch(f->c, &ref, NULL, on_event, &s, &res, &err);

    assert_int_equal(rc, 0);
    assert_int_equal(s.n, 4);
    assert_false(res.stopped);
    assert_int_equal(res.events, 4);
    mockapi_last(f->api, &last);
    assert_non_null(strstr(last.query, "fieldSelector=metadata.name=a"));
}

static void
watch__gone_gives_estale_from_answer_or_event(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "v1", .kind = "Pod", .ns = "a" };
    struct kube_ref ref2 = { .api_version = "v1", .kind = "Pod", .ns = "b" };
    struct kube_watch_opts opts = { .resource_version = "5" };
    struct seen s = { 0 };
    struct kube_error err;
    int rc1, rc2;

    mockapi_reply(f->api, "GET", "/api/v1/namespaces/a/pods", 410,
                  "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                  "\"message\":\"too old resource version: 5 (900)\","
                  "\"reason\":\"Expired\",\"code\":410}");
    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/b/pods", .mode = MOCKAPI_STREAM,
        .body = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
                "\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
                "\"too old resource version: 5 (900)\",\"reason\":"
                "\"Expired\",\"code\":410}}\n",
        .hold_ms = 20000 });

    rc1 = kube_watch(f->c, &ref, &opts, on_event, &s, NULL, &err);
    assert_int_equal(rc1, -ESTALE);
    assert_names(&err, "m1", "GET", "/api/v1/namespaces/a/pods");
    rc2 = kube_watch(f->c, &ref2, &opts, on_event, &s, NULL, &err);

    assert_int_equal(rc2, -ESTALE);
    assert_int_equal(s.n, 0);
    assert_names(&err, "m1", "GET", "/api/v1/namespaces/b/pods");
    assert_non_null(strstr(err.text, "watch ERROR event: 410 Expired: too old resource version"));
}

static void
watch__bad_line_gives_ebadmsg_after_good_events(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "v1", .kind = "Pod", .ns = "a" };
    struct seen s = { 0 };
    struct kube_error err;
    int rc;

    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/a/pods", .mode = MOCKAPI_STREAM,
        .body = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"p\"}}}\n"
                "{\"type\":\"ADDED\",\"object\":[1,2]}\n"
                "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"q\"}}}\n",
        .hold_ms = 20000 });

    rc = kube_watch(f->c, &ref, NULL, on_event, &s, NULL, &err);

    assert_int_equal(rc, -EBADMSG);
    assert_int_equal(s.n, 1);
    assert_names(&err, "m1", "GET", "/api/v1/namespaces/a/pods");
    assert_non_null(strstr(err.text, "watch event 2: type is a string and object is an array"));
}

static void
watch__a_stream_that_never_ends_times_out_and_a_huge_line_is_refused(void **state)
{
    struct fixture *f = *state;
    struct kube_ref slow = { .api_version = "v1", .kind = "Pod", .ns = "a" };
    struct kube_ref big = { .api_version = "v1", .kind = "Pod", .ns = "b" };
    struct kube_watch_opts opts = { .timeout_s = 1 };
    struct kube_client *c = client_for(f, "m-watch", f->url, 500);
    struct seen s = { 0 };
    struct kube_error err;
    char *line = malloc(2 * 1024 * 1024 + 1);
    int64_t t0;
    int64_t took;
    int rc;

    assert_non_null(line);
    memset(line, ' ', 2 * 1024 * 1024);
    line[2 * 1024 * 1024] = '\0';
    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/a/pods", .mode = MOCKAPI_STREAM,
        .body = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"p\"}}}\n",
        .hold_ms = 20000 });
    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/b/pods", .mode = MOCKAPI_STREAM,
        .body = line, .hold_ms = 20000 });
    free(line);

    t0 = now_ms();
    rc = kube_watch(c, &slow, &opts, on_event, &s, NULL, &err);
    took = now_ms() - t0;
    assert_int_equal(rc, -ETIMEDOUT);
    assert_int_equal(s.n, 1);
    assert_true(took >= 1400 && took < 3000);
    rc = kube_watch(c, &big, &opts, on_event, &s, NULL, &err);

    assert_int_equal(rc, -EMSGSIZE);
    assert_names(&err, "m-watch", "GET", "/api/v1/namespaces/b/pods");
    assert_non_null(strstr(err.text, "a watch line is over the 1048576-byte limit"));
    kube_client_free(c);
}

static void
watch__idle_limit_ends_a_silent_stream(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "v1", .kind = "Pod", .ns = "a" };
    struct kube_watch_opts opts = { .timeout_s = 60, .idle_timeout_s = 1 };
    struct seen s = { 0 };
    struct kube_error err;
    int64_t t0;
    int64_t took;
    int rc;

    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/a/pods", .mode = MOCKAPI_STREAM,
        .body = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"p\"}}}\n",
        .hold_ms = 30000 });

    t0 = now_ms();
    rc = kube_watch(f->c, &ref, &opts, on_event, &s, NULL, &err);
    took = now_ms() - t0;

    assert_int_equal(rc, -ETIMEDOUT);
    assert_int_equal(s.n, 1);
    print_message("idle watch ended after %lld ms\n", (long long)took);
    assert_true(took >= 900 && took < 3500);
    assert_string_equal(err.text, "member m1: GET /api/v1/namespaces/a/pods: 200: nothing arrived for 1 s");
}

struct stopper {
    atomic_bool *flag;
    unsigned after_ms;
};

static void *
set_after(void *arg)
{
    struct stopper *st = arg;
    struct timespec ts = { st->after_ms / 1000,
                           (long)(st->after_ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
    atomic_store(st->flag, true);
    return NULL;
}

static void
watch__stop_flag_ends_an_idle_watch(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "v1", .kind = "Pod", .ns = "a" };
    atomic_bool stop = false;
    struct kube_watch_opts opts = { .stop = &stop };
    struct stopper st = { &stop, 300 };
    struct kube_watch_result res;
    struct seen s = { 0 };
    struct kube_error err;
    pthread_t t;
    int64_t t0;
    int rc;

    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/a/pods", .mode = MOCKAPI_STREAM,
        .body = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"p\"}}}\n",
        .hold_ms = 30000 });
    t0 = now_ms();
    assert_int_equal(pthread_create(&t, NULL, set_after, &st), 0);

    rc = kube_watch(f->c, &ref, &opts, on_event, &s, &res, &err);

    pthread_join(t, NULL);
    assert_int_equal(rc, 0);
    assert_true(res.stopped);
    assert_int_equal(s.n, 1);
    assert_true(now_ms() - t0 < 2500);
}

/* Writes */

static void
create__posts_json_and_maps_already_exists(void **state)
{
    struct fixture *f = *state;
    json_t *cm = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion",
                           "v1", "kind", "ConfigMap", "metadata", "name",
                           "cfg", "namespace", "app", "data", "k", "v");
    struct mockapi_request last;
    struct kube_error err;
    json_t *out = NULL;
    json_t *sent;
    int rc1, rc2;

    mockapi_reply(f->api, "POST", "/api/v1/namespaces/app/configmaps", 201,
                  "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                  "{\"name\":\"cfg\",\"namespace\":\"app\",\"uid\":\"u1\","
                  "\"resourceVersion\":\"7\"},\"data\":{\"k\":\"v\"}}");

    rc1 = kube_create(f->c, cm, NULL, &out, &err);
    assert_int_equal(rc1, 0);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(out, "metadata"), "uid")),
                        "u1");
    mockapi_last(f->api, &last);
    assert_string_equal(last.content_type, "application/json");
    sent = json_loads(last.body, 0, NULL);
    assert_true(json_equal(sent, cm));
    json_decref(sent);
    mockapi_clear(f->api);
    mockapi_reply(f->api, "POST", "/api/v1/namespaces/app/configmaps", 409,
                  "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                  "\"message\":\"configmaps \\\"cfg\\\" already exists\","
                  "\"reason\":\"AlreadyExists\",\"code\":409}");
    rc2 = kube_create(f->c, cm, NULL, NULL, &err);

    assert_int_equal(rc2, -EEXIST);
    assert_string_equal(err.text, "member m1: POST /api/v1/namespaces/app/configmaps: 409 AlreadyExists: configmaps \"cfg\" already exists");
    json_decref(out);
    json_decref(cm);
}

static void
create__namespaced_kind_without_namespace_is_refused_locally(void **state)
{
    struct fixture *f = *state;
    json_t *cm = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
                           "ConfigMap", "metadata", "name", "cfg");
    struct kube_error err;
    int rc;

    rc = kube_create(f->c, cm, NULL, NULL, &err);

    assert_int_equal(rc, -EINVAL);
    assert_int_equal(mockapi_hits(f->api, NULL, NULL), 0);
    assert_non_null(strstr(err.text, "metadata.namespace is needed"));
    json_decref(cm);
}

static void
apply__sends_server_side_apply_with_manager_and_force(void **state)
{
    struct fixture *f = *state;
    json_t *dep = json_loads(deployment, 0, NULL);
    struct mockapi_request last;
    struct kube_error err;
    json_t *out = NULL;
    json_t *sent;
    int rc;

    mockapi_reply(f->api, "PATCH",
                  "/apis/apps/v1/namespaces/default/deployments/web", 200,
                  deployment);

    rc = kube_apply(f->c, dep, NULL, &out, &err);

    assert_int_equal(rc, 0);
    assert_non_null(out);
    mockapi_last(f->api, &last);
    assert_string_equal(last.method, "PATCH");
    assert_string_equal(last.content_type, "application/apply-patch+yaml");
    assert_string_equal(last.query, "fieldManager=flotilla&force=true");
    sent = json_loads(last.body, 0, NULL);
    assert_true(json_equal(sent, dep));
    json_decref(sent);
    json_decref(out);
    json_decref(dep);
}

static void
apply__invalid_gives_einval_with_server_message(void **state)
{
    struct fixture *f = *state;
    json_t *dep = json_loads(deployment, 0, NULL);
    struct kube_error err;
    int rc;

    mockapi_reply(f->api, "PATCH",
                  "/apis/apps/v1/namespaces/default/deployments/web", 422,
                  "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                  "\"message\":\"Deployment.apps \\\"web\\\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\","
                  "\"reason\":\"Invalid\",\"details\":{\"causes\":[{\"reason\":"
                  "\"FieldValueInvalid\",\"field\":\"spec.replicas\"}]},\"code\":422}");

    rc = kube_apply(f->c, dep, NULL, NULL, &err);

    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err.reason, "Invalid");
    assert_non_null(strstr(err.message, "spec.replicas: Invalid value"));
    assert_names(&err, "m1", "PATCH",
                 "/apis/apps/v1/namespaces/default/deployments/web");
    json_decref(dep);
}

static void
delete__sends_propagation_policy_and_maps_not_found(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "apps/v1", .kind = "StatefulSet",
                            .ns = "db", .name = "pg" };
    struct kube_ref gone = { .api_version = "apps/v1", .kind = "StatefulSet",
                             .ns = "db", .name = "old" };
    struct mockapi_request last;
    struct kube_error err;
    json_t *sent;
    int rc1, rc2;

    mockapi_reply(f->api, "DELETE",
                  "/apis/apps/v1/namespaces/db/statefulsets/pg", 200,
                  "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Success\"}");

    rc1 = kube_delete(f->c, &ref, "Foreground", &err);
    assert_int_equal(rc1, 0);
    mockapi_last(f->api, &last);
    sent = json_loads(last.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(sent, "propagationPolicy")),
                        "Foreground");
    json_decref(sent);
    rc2 = kube_delete(f->c, &gone, "Background", &err);

    assert_int_equal(rc2, -ENOENT);
    assert_int_equal(err.http_status, 404);
}

static void
patch_status__merge_patches_the_status_subresource(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "apps/v1", .kind = "Deployment",
                            .ns = "default", .name = "web" };
    json_t *patch = json_pack("{s:{s:i}}", "status", "readyReplicas", 1);
    struct mockapi_request last;
    struct kube_error err;
    int rc;

    mockapi_reply(f->api, "PATCH",
                  "/apis/apps/v1/namespaces/default/deployments/web/status",
                  200, deployment);

    rc = kube_patch_status(f->c, &ref, patch, NULL, &err);

    assert_int_equal(rc, 0);
    mockapi_last(f->api, &last);
    assert_string_equal(last.content_type, "application/merge-patch+json");
    json_decref(patch);
}

static void
errors__map_http_status_to_errno(void **state)
{
    static const struct {
        unsigned status;
        const char *reason;
        int want;
    } cases[] = {
        { 400, "BadRequest", -EINVAL }, { 403, "Forbidden", -EPERM },
        { 405, "MethodNotAllowed", -EOPNOTSUPP }, { 409, "Conflict", -EBUSY },
        { 429, "TooManyRequests", -EAGAIN }, { 500, "InternalError", -EREMOTEIO },
        { 504, "Timeout", -ETIMEDOUT },
    };
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "v1", .kind = "Secret", .ns = "a",
                            .name = "s" };
    struct kube_error err;
    char body[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mockapi_clear(f->api);
        snprintf(body, sizeof(body),
                 "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"m\",\"reason\":\"%s\",\"code\":%u}",
                 cases[i].reason, cases[i].status);
        mockapi_reply(f->api, "GET", "/api/v1/namespaces/a/secrets/s",
                      cases[i].status, body);

        assert_int_equal(kube_get(f->c, &ref, NULL, &err), cases[i].want);
        assert_string_equal(err.reason, cases[i].reason);
    }
}

/* Hostile answers */

static void
hostile__bad_json_and_wrong_types_give_ebadmsg(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "v1", .kind = "ConfigMap",
                            .ns = "a", .name = "x" };
    struct kube_ref coll = { .api_version = "v1", .kind = "ConfigMap",
                             .ns = "a" };
    struct kube_list_result res;
    struct kube_error err;
    json_t *obj = NULL;
    char v[32];

    mockapi_reply(f->api, "GET", "/api/v1/namespaces/a/configmaps/x", 200,
                  "{\"kind\":\"ConfigMap\",");
    mockapi_reply(f->api, "GET", "/api/v1/namespaces/a/configmaps", 200,
                  "{\"kind\":\"ConfigMapList\",\"metadata\":{},\"items\":[\"x\"]}");
    mockapi_reply(f->api, "GET", "/version", 200, "[\"v1.29\"]");

    assert_int_equal(kube_get(f->c, &ref, &obj, &err), -EBADMSG);
    assert_names(&err, "m1", "GET", "/api/v1/namespaces/a/configmaps/x");
    assert_non_null(strstr(err.text, "bad JSON in the answer at line 1"));
    assert_int_equal(kube_list(f->c, &coll, NULL, &res, &err), -EBADMSG);
    assert_non_null(strstr(err.text, "items[0] is a string, not an object"));
    assert_int_equal(kube_version(f->c, v, sizeof(v), &err), -EBADMSG);

    assert_string_equal(err.text, "member m1: GET /version: 200: the answer is an array, not an object");
    assert_null(obj);
}

static void
hostile__huge_body_is_an_error_not_an_allocation(void **state)
{
    struct fixture *f = *state;
    struct kube_ref sized = { .api_version = "v1", .kind = "ConfigMap",
                              .ns = "a", .name = "big" };
    struct kube_ref coll = { .api_version = "v1", .kind = "ConfigMap",
                             .ns = "a" };
    struct kube_list_result res;
    struct kube_error err;
    char *chunked = malloc(3 * 1024 * 1024 + 2);
    json_t *obj = NULL;
    int64_t t0;

    /* 512 MiB announced by Content-Length; 3 MiB without a length */
    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/a/configmaps/big", .mode = MOCKAPI_HUGE,
        .size = (size_t)512 * 1024 * 1024 });
    assert_non_null(chunked);
    memset(chunked, 'y', 3 * 1024 * 1024);
    chunked[3 * 1024 * 1024] = '\0';
    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/a/configmaps", .mode = MOCKAPI_STREAM,
        .body = chunked });
    free(chunked);

    t0 = now_ms();
    assert_int_equal(kube_get(f->c, &sized, &obj, &err), -EMSGSIZE);
    assert_true(now_ms() - t0 < 1500);
    assert_names(&err, "m1", "GET", "/api/v1/namespaces/a/configmaps/big");
    assert_non_null(strstr(err.text, "over the 1048576-byte limit"));
    assert_int_equal(kube_list(f->c, &coll, NULL, &res, &err), -EMSGSIZE);

    assert_names(&err, "m1", "GET", "/api/v1/namespaces/a/configmaps");
    assert_null(obj);
}

static void
hostile__hang_and_slow_drip_time_out(void **state)
{
    struct fixture *f = *state;
    struct kube_ref hang = { .api_version = "v1", .kind = "Pod", .ns = "a",
                             .name = "hang" };
    struct kube_ref drip = { .api_version = "v1", .kind = "Pod", .ns = "a",
                             .name = "drip" };
    struct kube_client *c = client_for(f, "m-slow", f->url, 500);
    struct kube_error err;
    int64_t t0;
    int64_t took;

    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/a/pods/hang", .mode = MOCKAPI_HANG });
    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/a/pods/drip", .mode = MOCKAPI_DRIP,
        .body = "{\"metadata\":{\"name\":\"drip\"},\"spec\":{}}",
        .delay_ms = 100 });

    t0 = now_ms();
    assert_int_equal(kube_get(c, &hang, NULL, &err), -ETIMEDOUT);
    took = now_ms() - t0;
    assert_true(took >= 450 && took < 1500);
    assert_names(&err, "m-slow", "GET", "/api/v1/namespaces/a/pods/hang");
    t0 = now_ms();
    assert_int_equal(kube_get(c, &drip, NULL, &err), -ETIMEDOUT);
    took = now_ms() - t0;

    assert_true(took >= 450 && took < 1500);
    assert_names(&err, "m-slow", "GET", "/api/v1/namespaces/a/pods/drip");
    assert_non_null(strstr(err.text, "no complete answer within 500 ms"));
    kube_client_free(c);
}

static void
hostile__html_500_closed_connection_and_redirect(void **state)
{
    struct fixture *f = *state;
    struct kube_ref html = { .api_version = "v1", .kind = "Pod", .ns = "a",
                             .name = "html" };
    struct kube_ref closed = { .api_version = "v1", .kind = "Pod", .ns = "a",
                               .name = "closed" };
    struct kube_ref moved = { .api_version = "v1", .kind = "Pod", .ns = "a",
                              .name = "moved" };
    struct kube_error err;

    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/a/pods/html", .status = 500,
        .content_type = "text/html",
        .body = "<html>\n<body><h1>502 Bad Gateway</h1></body>\n</html>\n" });
    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/a/pods/closed", .mode = MOCKAPI_CLOSE });
    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/a/pods/moved", .status = 302,
        .location = "http://192.0.2.1/steal", .body = "" });

    assert_int_equal(kube_get(f->c, &html, NULL, &err), -EREMOTEIO);
    assert_string_equal(err.text, "member m1: GET /api/v1/namespaces/a/pods/html: 500: answer without a Status: \"<html> <body><h1>502 Bad Gateway</h1></body> </html> \"");
    assert_int_equal(kube_get(f->c, &closed, NULL, &err), -ECONNRESET);
    assert_names(&err, "m1", "GET", "/api/v1/namespaces/a/pods/closed");
    assert_int_equal(kube_get(f->c, &moved, NULL, &err), -EPROTO);

    assert_string_equal(err.text, "member m1: GET /api/v1/namespaces/a/pods/moved: 302: redirect not followed");
    assert_int_equal(mockapi_hits(f->api, "GET", "/steal"), 0);
}

static void
token__wrong_token_is_refused_and_a_rotated_file_is_reread(void **state)
{
    struct fixture *f = *state;
    struct kube_error err;
    char v[32];

    mockapi_reply(f->api, "GET", "/version", 200,
                  "{\"gitVersion\":\"v1.30.0\"}");
    write_file(f->token_file, "an-old-token\n");

    assert_int_equal(kube_version(f->c, v, sizeof(v), &err), -EACCES);
    assert_int_equal(err.http_status, 401);
    assert_null(strstr(err.text, "an-old-token"));
    write_file(f->token_file, TOKEN "\n");

    assert_int_equal(kube_version(f->c, v, sizeof(v), &err), 0);
    assert_string_equal(v, "v1.30.0");
}

static void
list__repeated_continue_token_is_an_error_not_a_loop(void **state)
{
    struct fixture *f = *state;
    struct kube_ref ref = { .api_version = "v1", .kind = "Pod" };
    struct kube_list_result res;
    struct kube_error err;
    int rc;

    mockapi_reply(f->api, "GET", "/api/v1/pods", 200, pods_page1);

    rc = kube_list(f->c, &ref, NULL, &res, &err);

    assert_int_equal(rc, -EBADMSG);
    assert_int_equal(mockapi_hits(f->api, "GET", "/api/v1/pods"), 2);
    assert_non_null(strstr(err.text, "the same continue token twice"));
}

/* A small deterministic generator, so a failure can be replayed. */
static uint64_t
next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A copy of @in, truncated, with bytes replaced, or with a slice doubled. */
static char *
mutate(const char *in, uint64_t *seed)
{
    static const char alphabet[] = "{}[]\":,0123456789-e.truefalsnl \\\nxyz";
    size_t len = strlen(in);
    char *out = malloc(2 * len + 2);
    size_t n;

    assert_non_null(out);
    memcpy(out, in, len + 1);
    switch (next_rand(seed) % 3) {
    case 0:
        out[next_rand(seed) % (len + 1)] = '\0';
        break;
    case 1:
        for (int k = 0, m = 1 + (int)(next_rand(seed) % 6); k < m; k++) {
            out[next_rand(seed) % len] =
                alphabet[next_rand(seed) % (sizeof(alphabet) - 1)];
        }
        break;
    default: {
        size_t a = next_rand(seed) % len;
        size_t b = a + next_rand(seed) % (len - a);

        n = b - a;
        memmove(out + b + n, out + b, len - b + 1);
        memcpy(out + b, in + a, n);
        break;
    }
    }
    return out;
}

static const char nodes_list[] =
    "{\"kind\":\"NodeList\",\"apiVersion\":\"v1\",\"metadata\":{"
    "\"resourceVersion\":\"77\"},\"items\":[{\"metadata\":{\"name\":\"n1\"},"
    "\"spec\":{},\"status\":{\"allocatable\":{\"cpu\":\"4\",\"memory\":"
    "\"16Gi\",\"pods\":\"110\"},\"conditions\":[{\"type\":\"Ready\","
    "\"status\":\"True\"}]}}]}";
static const char pods_list[] =
    "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{"
    "\"resourceVersion\":\"78\"},\"items\":[{\"metadata\":{\"name\":\"p\","
    "\"namespace\":\"a\"},\"spec\":{\"nodeName\":\"n1\",\"containers\":["
    "{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"250m\"}}}]},"
    "\"status\":{\"phase\":\"Running\"}}]}";

static int
count_events(void *arg, enum kube_event_type type, json_t *obj)
{
    (void)type;
    (void)obj;
    (*(int *)arg)++;
    return 0;
}

/* Serves a mutation of every fixture and runs every call once. */
static void
mutated_round(struct fixture *f, uint64_t *seed, int *ok, int *failed)
{
    static const struct {
        const char *path;
        const char *body;
    } docs[] = {
        { "/apis/apps/v1/namespaces/default/deployments/web", deployment },
        { "/api/v1/nodes", nodes_list },
        { "/api/v1/pods", pods_list },
        { "/api", api_versions },
        { "/apis", api_groups },
        { "/api/v1", core_resources },
        { "/apis/apps/v1", apps_resources },
        { "/apis/example.com/v1", moose_resources },
        { "/version", "{\"major\":\"1\",\"gitVersion\":\"v1.29.4\"}" },
    };
    struct kube_ref web = { .api_version = "apps/v1", .kind = "Deployment",
                            .ns = "default", .name = "web" };
    struct kube_ref cms = { .api_version = "v1", .kind = "ConfigMap",
                            .ns = "ns" };
    struct kube_discovery *d = NULL;
    struct kube_summary sum;
    struct kube_error err[5];
    json_t *obj = NULL;
    char *body;
    char v[64];
    int events = 0;
    int rc[5];

    mockapi_clear(f->api);
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        body = mutate(docs[i].body, seed);
        mockapi_reply(f->api, "GET", docs[i].path, 200, body);
        free(body);
    }
    body = mutate(watch_stream, seed);
    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/ns/configmaps", .mode = MOCKAPI_STREAM,
        .body = body });
    free(body);
    kube_summary_init(&sum);

    rc[0] = kube_get(f->c, &web, &obj, &err[0]);
    rc[1] = kube_discover(f->c, &d, &err[1]);
    rc[2] = kube_version(f->c, v, sizeof(v), &err[2]);
    rc[3] = kube_watch(f->c, &cms, NULL, count_events, &events, NULL,
                       &err[3]);
    rc[4] = kube_summary_fetch(f->c, &sum, &err[4]);

    for (int i = 0; i < 5; i++) {
        assert_true(rc[i] <= 0);
        *ok += rc[i] == 0;
        *failed += rc[i] != 0;
        if (rc[i] != 0 && strncmp(err[i].text, "member m1: GET /", 16) != 0) {
            fail_msg("call %d: error without member and path: %s", i,
                     err[i].text);
        }
    }
    json_decref(obj);
    kube_discovery_free(d);
    kube_summary_release(&sum);
}

static void
hostile__mutated_answers_give_errors_never_crashes(void **state)
{
    struct fixture *f = *state;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    int ok = 0;
    int failed = 0;

    for (int round = 0; round < 300; round++) {
        mutated_round(f, &seed, &ok, &failed);
    }

    assert_true(ok > 0);
    assert_true(failed > 0);
    print_message("1500 calls on mutated answers: %d succeeded, %d failed with an error\n",
                  ok, failed);
}

static void
config_from_member__reaches_the_member_with_its_token_file(void **state)
{
    struct fixture *f = *state;
    struct kube_client_config cfg;
    struct kube_client *c = NULL;
    struct cfg *conf = NULL;
    struct kube_error err;
    char yaml[512];
    char why[CFG_ERR_MAX];
    char v[32];
    int rc;

    snprintf(yaml, sizeof(yaml),
             "members:\n"
             "  - name: m-cfg\n"
             "    apiEndpoint: %s\n"
             "    tokenFile: %s\n",
             f->url, f->token_file);
    rc = cfg_load_string(yaml, "test.yaml", &conf, why, sizeof(why));
    if (rc != 0) {
        fail_msg("%s", why);
    }
    mockapi_reply(f->api, "GET", "/version", 200, "{\"gitVersion\":\"v1.31.0\"}");
    kube_client_config_init(&cfg);
    kube_client_config_from_member(&cfg, &conf->members[0]);

    assert_int_equal(kube_client_new(&cfg, &c, &err), 0);
    rc = kube_version(c, v, sizeof(v), &err);

    assert_int_equal(rc, 0);
    assert_string_equal(v, "v1.31.0");
    assert_string_equal(kube_client_name(c), "m-cfg");
    kube_client_free(c);
    cfg_free(conf);
}

/* Isolation */

struct worker {
    struct kube_client *c;
    struct kube_ref ref;
    int n;
    int ok;
    int rc;
    int64_t took_ms;
};

static void *
run_gets(void *arg)
{
    struct worker *w = arg;
    int64_t t0 = now_ms();

    for (int i = 0; i < w->n; i++) {
        json_t *obj = NULL;

        w->rc = kube_get(w->c, &w->ref, &obj, NULL);
        w->ok += w->rc == 0;
        json_decref(obj);
    }
    w->took_ms = now_ms() - t0;
    return NULL;
}

static void
parallel__a_hanging_member_does_not_hold_up_another(void **state)
{
    struct fixture *f = *state;
    struct mockapi *bad = NULL;
    char bad_url[64];
    struct worker hung = { 0 };
    struct worker good = { 0 };
    pthread_t th;
    pthread_t tg;

    assert_int_equal(mockapi_start(&(struct mockapi_opts){ .token = TOKEN },
                                   &bad),
                     0);
    mockapi_url(bad, bad_url, sizeof(bad_url));
    mockapi_add(bad, &(struct mockapi_route){ .mode = MOCKAPI_HANG,
                                              .path = "/apis/apps/v1/namespaces/default/deployments/web" });
    mockapi_reply(f->api, "GET",
                  "/apis/apps/v1/namespaces/default/deployments/web", 200,
                  deployment);
    hung.c = client_for(f, "m-hung", bad_url, 3000);
    good.c = f->c;
    hung.ref = good.ref = (struct kube_ref){ .api_version = "apps/v1",
                                             .kind = "Deployment",
                                             .ns = "default", .name = "web" };
    hung.n = 1;
    good.n = 50;

    assert_int_equal(pthread_create(&th, NULL, run_gets, &hung), 0);
    assert_int_equal(pthread_create(&tg, NULL, run_gets, &good), 0);
    pthread_join(tg, NULL);
    pthread_join(th, NULL);

    assert_int_equal(good.ok, 50);
    assert_true(good.took_ms < 1500);
    assert_int_equal(hung.rc, -ETIMEDOUT);
    assert_true(hung.took_ms >= 2900);
    print_message("50 GETs on m1 took %lld ms while m-hung hung for %lld ms\n",
                  (long long)good.took_ms, (long long)hung.took_ms);
    kube_client_free(hung.c);
    mockapi_stop(bad);
}

static void
cancel__aborts_a_call_in_flight(void **state)
{
    struct fixture *f = *state;
    struct worker w = { 0 };
    struct timespec ts = { 0, 200 * 1000000L };
    pthread_t t;
    int64_t t0;

    mockapi_add(f->api, &(struct mockapi_route){
        .path = "/api/v1/namespaces/a/pods/hang", .mode = MOCKAPI_HANG });
    w.c = client_for(f, "m-cancel", f->url, 30000);
    w.ref = (struct kube_ref){ .api_version = "v1", .kind = "Pod", .ns = "a",
                               .name = "hang" };
    w.n = 1;

    t0 = now_ms();
    assert_int_equal(pthread_create(&t, NULL, run_gets, &w), 0);
    nanosleep(&ts, NULL);
    kube_client_cancel(w.c);
    pthread_join(t, NULL);

    assert_int_equal(w.rc, -ECANCELED);
    assert_true(now_ms() - t0 < 2500);
    kube_client_free(w.c);
}

/* TLS with certificates made by the openssl CLI */

struct tls_fixture {
    char dir[64];
    char *ca_pem;
    char *srv_cert;
    char *srv_key;
};

static char *
slurp(const char *dir, const char *name)
{
    char path[128];
    char *buf;
    FILE *f;
    long n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

static bool
make_certs(const char *dir)
{
    char cmd[2048];

    snprintf(cmd, sizeof(cmd),
             "(cd %s && "
             "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && "
             "printf 'extendedKeyUsage=clientAuth\\n' > client.ext && "
             "for ca in ca other; do "
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout $ca.key -out $ca.crt -days 1 -subj /CN=$ca-test-ca || exit 1; done && "
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout srv.key -out srv.csr -subj /CN=127.0.0.1 && "
             "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
             "-out srv.crt -days 1 -extfile san.ext && "
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout client.key -out client.csr -subj /CN=flotilla && "
             "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
             "-out client.crt -days 1 -extfile client.ext"
             ") >/dev/null 2>&1",
             dir);
    return system(cmd) == 0;
}

static int
tls_setup(void **state)
{
    struct tls_fixture *t = calloc(1, sizeof(*t));

    assert_non_null(t);
    snprintf(t->dir, sizeof(t->dir), "/tmp/kube-tls-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    if (system("command -v openssl >/dev/null 2>&1") != 0 ||
        !make_certs(t->dir)) {
        print_message("skip: the openssl CLI could not make test certificates\n");
        *state = t;
        return 0;
    }
    t->ca_pem = slurp(t->dir, "ca.crt");
    t->srv_cert = slurp(t->dir, "srv.crt");
    t->srv_key = slurp(t->dir, "srv.key");
    *state = t;
    return 0;
}

static int
tls_teardown(void **state)
{
    struct tls_fixture *t = *state;
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
    assert_int_equal(system(cmd), 0);
    free(t->ca_pem);
    free(t->srv_cert);
    free(t->srv_key);
    free(t);
    return 0;
}

static struct kube_client *
tls_client(struct tls_fixture *t, const char *name, const char *url,
           const char *ca, bool insecure, bool client_cert)
{
    struct kube_client_config cfg;
    struct kube_client *c = NULL;
    struct kube_error err;
    char ca_path[128];
    char cert[128];
    char key[128];

    snprintf(ca_path, sizeof(ca_path), "%s/%s", t->dir, ca);
    snprintf(cert, sizeof(cert), "%s/client.crt", t->dir);
    snprintf(key, sizeof(key), "%s/client.key", t->dir);
    kube_client_config_init(&cfg);
    cfg.name = name;
    cfg.endpoint = url;
    cfg.ca_file = insecure ? NULL : ca_path;
    cfg.insecure_skip_verify = insecure;
    cfg.cert_file = client_cert ? cert : NULL;
    cfg.key_file = client_cert ? key : NULL;
    /* generous: a TLS handshake under valgrind takes seconds */
    cfg.request_timeout_ms = 15000;
    cfg.connect_timeout_ms = 15000;
    if (kube_client_new(&cfg, &c, &err) != 0) {
        fail_msg("kube_client_new: %s", err.text);
    }
    return c;
}

static void
tls__verifies_ca_and_name_and_fails_otherwise(void **state)
{
    struct tls_fixture *t = *state;
    struct mockapi_opts opts;
    struct kube_probe_result res;
    struct kube_client *good;
    struct kube_client *wrong;
    struct kube_client *insecure;
    struct kube_client *misnamed;
    struct mockapi *api = NULL;
    struct kube_error err;
    char url[64];
    char v[32];

    if (t->ca_pem == NULL) {
        skip();
    }
    opts = (struct mockapi_opts){ .cert_pem = t->srv_cert,
                                  .key_pem = t->srv_key };
    assert_int_equal(mockapi_start(&opts, &api), 0);
    mockapi_url(api, url, sizeof(url));
    mockapi_reply(api, "GET", "/readyz", 200, "ok");
    mockapi_reply(api, "GET", "/version", 200, "{\"gitVersion\":\"v1.29.1\"}");
    good = tls_client(t, "m-tls", url, "ca.crt", false, false);
    wrong = tls_client(t, "m-wrongca", url, "other.crt", false, false);
    insecure = tls_client(t, "m-insecure", url, "", true, false);

    assert_int_equal(kube_probe(good, 15000, &res), 0);
    assert_int_equal(res.outcome, KUBE_PROBE_OK);
    assert_int_equal(kube_version(good, v, sizeof(v), &err), 0);
    assert_string_equal(v, "v1.29.1");
    assert_int_equal(kube_probe(wrong, 15000, &res), 0);
    assert_int_equal(res.outcome, KUBE_PROBE_NO_ANSWER);
    assert_int_equal(res.errno_code, -EKEYREJECTED);
    assert_int_equal(kube_version(wrong, v, sizeof(v), &err), -EKEYREJECTED);
    assert_names(&err, "m-wrongca", "GET", "/version");
    assert_non_null(strstr(err.text, "TLS: the server's certificate is not trusted"));
    assert_int_equal(kube_version(insecure, v, sizeof(v), &err), 0);
    /* the certificate names IP 127.0.0.1, not "localhost" */
    snprintf(url, sizeof(url), "https://localhost:%u",
             (unsigned)mockapi_port(api));
    misnamed = tls_client(t, "m-misnamed", url, "ca.crt", false, false);
    assert_int_equal(kube_version(misnamed, v, sizeof(v), &err),
                     -EKEYREJECTED);
    assert_names(&err, "m-misnamed", "GET", "/version");

    kube_client_free(misnamed);
    kube_client_free(good);
    kube_client_free(wrong);
    kube_client_free(insecure);
    mockapi_stop(api);
}

static void
tls__client_certificate_is_presented_when_configured(void **state)
{
    struct tls_fixture *t = *state;
    struct mockapi_opts opts;
    struct kube_client *with;
    struct kube_client *without;
    struct mockapi *api = NULL;
    struct kube_error err;
    char url[64];
    char v[32];
    int rc;

    if (t->ca_pem == NULL) {
        skip();
    }
    opts = (struct mockapi_opts){ .cert_pem = t->srv_cert,
                                  .key_pem = t->srv_key,
                                  .client_ca_pem = t->ca_pem };
    assert_int_equal(mockapi_start(&opts, &api), 0);
    mockapi_url(api, url, sizeof(url));
    mockapi_reply(api, "GET", "/version", 200, "{\"gitVersion\":\"v1.29.2\"}");
    with = tls_client(t, "m-mtls", url, "ca.crt", false, true);
    without = tls_client(t, "m-nocert", url, "ca.crt", false, false);

    rc = kube_version(with, v, sizeof(v), &err);
    if (rc != 0) {
        fail_msg("%s", err.text);
    }
    assert_string_equal(v, "v1.29.2");
    rc = kube_version(without, v, sizeof(v), &err);

    assert_int_equal(rc, -EACCES);
    assert_names(&err, "m-nocert", "GET", "/version");
    kube_client_free(with);
    kube_client_free(without);
    mockapi_stop(api);
}

static int
global_teardown(void **state)
{
    (void)state;
    kube_global_cleanup();
    return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TLS(fn) cmocka_unit_test_setup_teardown(fn, tls_setup, tls_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(probe__ok_on_readyz),
        T(probe__falls_back_to_healthz_only_on_404),
        T(probe__not_ready_on_readyz_503_without_fallback),
        T(probe__no_answer_on_hang_within_timeout),
        T(probe__no_answer_on_refused_port),
        T(version__reads_git_version),
        T(discover__reads_versions_resources_and_marks_partial),
        T(discover__fails_on_malformed_group_list),
        T(get__parses_object_and_sends_token),
        T(get__not_found_gives_status_reason),
        T(list__follows_continue_tokens),
        T(list__expired_continue_gives_estale),
        T(list__repeated_continue_token_is_an_error_not_a_loop),
        T(watch__delivers_events_as_they_arrive_and_stops_on_request),
        T(watch__ends_cleanly_when_the_server_ends_the_stream),
        T(watch__gone_gives_estale_from_answer_or_event),
        T(watch__bad_line_gives_ebadmsg_after_good_events),
        T(watch__stop_flag_ends_an_idle_watch),
        T(watch__idle_limit_ends_a_silent_stream),
        T(watch__a_stream_that_never_ends_times_out_and_a_huge_line_is_refused),
        T(create__posts_json_and_maps_already_exists),
        T(create__namespaced_kind_without_namespace_is_refused_locally),
        T(apply__sends_server_side_apply_with_manager_and_force),
        T(apply__invalid_gives_einval_with_server_message),
        T(delete__sends_propagation_policy_and_maps_not_found),
        T(patch_status__merge_patches_the_status_subresource),
        T(errors__map_http_status_to_errno),
        T(hostile__bad_json_and_wrong_types_give_ebadmsg),
        T(hostile__huge_body_is_an_error_not_an_allocation),
        T(hostile__hang_and_slow_drip_time_out),
        T(hostile__html_500_closed_connection_and_redirect),
        T(hostile__mutated_answers_give_errors_never_crashes),
        T(token__wrong_token_is_refused_and_a_rotated_file_is_reread),
        T(config_from_member__reaches_the_member_with_its_token_file),
        T(parallel__a_hanging_member_does_not_hold_up_another),
        T(cancel__aborts_a_call_in_flight),
        TLS(tls__verifies_ca_and_name_and_fails_otherwise),
        TLS(tls__client_certificate_is_presented_when_configured),
    };

    return cmocka_run_group_tests_name("kube.client", tests, NULL,
                                       global_teardown);
}
