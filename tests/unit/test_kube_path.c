/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for the parts of fl_kube that need no server: REST paths and
 * plurals, references from objects, the resource summary and its proto
 * form, and the client's configuration checks. The Node and Pod shapes
 * below are written from the Kubernetes API reference (core/v1 Node,
 * Pod), trimmed to the fields the summary reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kube/client.h"
#include "kube/path.h"
#include "kube/summary.h"

static void
build__core_namespaced_item(void **state)
{
    struct kube_ref ref = { .api_version = "v1", .kind = "ConfigMap",
                            .ns = "default", .name = "app-config" };
    char path[KUBE_PATH_MAX];
    int rc;

    (void)state;

    rc = kube_path_build(&ref, path, sizeof(path), NULL, 0);

    assert_int_equal(rc, 0);
    assert_string_equal(path, "/api/v1/namespaces/default/configmaps/app-config");
}

static void
build__group_collection_and_subresource(void **state)
{
    struct kube_ref coll = { .api_version = "apps/v1", .kind = "StatefulSet",
                             .ns = "db" };
    struct kube_ref sub = { .api_version = "apps/v1", .kind = "Deployment",
                            .ns = "web", .name = "front",
                            .subresource = "status" };
    char p1[KUBE_PATH_MAX];
    char p2[KUBE_PATH_MAX];
    int rc1, rc2;

    (void)state;

    rc1 = kube_path_build(&coll, p1, sizeof(p1), NULL, 0);
    rc2 = kube_path_build(&sub, p2, sizeof(p2), NULL, 0);

    assert_int_equal(rc1, 0);
    assert_string_equal(p1, "/apis/apps/v1/namespaces/db/statefulsets");
    assert_int_equal(rc2, 0);
    assert_string_equal(p2, "/apis/apps/v1/namespaces/web/deployments/front/status");
}

static void
build__cluster_scoped_kind_ignores_namespace(void **state)
{
    struct kube_ref ns = { .api_version = "v1", .kind = "Namespace",
                           .ns = "oops", .name = "team-a" };
    struct kube_ref node = { .api_version = "v1", .kind = "Node" };
    char p1[KUBE_PATH_MAX];
    char p2[KUBE_PATH_MAX];

    (void)state;

    assert_int_equal(kube_path_build(&ns, p1, sizeof(p1), NULL, 0), 0);
    assert_int_equal(kube_path_build(&node, p2, sizeof(p2), NULL, 0), 0);

    assert_string_equal(p1, "/api/v1/namespaces/team-a");
    assert_string_equal(p2, "/api/v1/nodes");
}

static void
build__table_covers_kinds_the_rule_gets_wrong(void **state)
{
    struct kube_ref ep = { .api_version = "v1", .kind = "Endpoints",
                           .ns = "a", .name = "svc" };
    struct kube_ref ing = { .api_version = "networking.k8s.io/v1",
                            .kind = "Ingress", .ns = "a", .name = "web" };
    struct kube_ref cj = { .api_version = "batch/v1", .kind = "CronJob",
                           .ns = "a" };
    char p[KUBE_PATH_MAX];

    (void)state;

    assert_int_equal(kube_path_build(&ep, p, sizeof(p), NULL, 0), 0);
    assert_string_equal(p, "/api/v1/namespaces/a/endpoints/svc");
    assert_int_equal(kube_path_build(&ing, p, sizeof(p), NULL, 0), 0);
    assert_string_equal(p, "/apis/networking.k8s.io/v1/namespaces/a/ingresses/web");
    assert_int_equal(kube_path_build(&cj, p, sizeof(p), NULL, 0), 0);
    assert_string_equal(p, "/apis/batch/v1/namespaces/a/cronjobs");
}

static void
guess_plural__follows_the_kubernetes_rule(void **state)
{
    char buf[64];

    (void)state;

    assert_int_equal(kube_path_guess_plural("Widget", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "widgets");
    assert_int_equal(kube_path_guess_plural("Ingress", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "ingresses");
    assert_int_equal(kube_path_guess_plural("NetworkPolicy", buf, sizeof(buf)),
                     0);
    assert_string_equal(buf, "networkpolicies");
    assert_int_equal(kube_path_guess_plural("Bad-Kind", buf, sizeof(buf)),
                     -EINVAL);
    assert_int_equal(kube_path_guess_plural("Widget", buf, 6), -ENOSPC);
}

static void
build__caller_plural_and_scope_win(void **state)
{
    struct kube_ref guessed = { .api_version = "example.com/v1",
                                .kind = "Moose", .ns = "zoo", .name = "m" };
    struct kube_ref told = { .api_version = "example.com/v1", .kind = "Moose",
                             .ns = "zoo", .name = "m", .plural = "moose",
                             .scope = KUBE_SCOPE_CLUSTER };
    char p1[KUBE_PATH_MAX];
    char p2[KUBE_PATH_MAX];

    (void)state;

    assert_int_equal(kube_path_build(&guessed, p1, sizeof(p1), NULL, 0), 0);
    assert_int_equal(kube_path_build(&told, p2, sizeof(p2), NULL, 0), 0);

    assert_string_equal(p1, "/apis/example.com/v1/namespaces/zoo/mooses/m");
    assert_string_equal(p2, "/apis/example.com/v1/moose/m");
}

static void
build__rejects_bad_names_and_escapes_others(void **state)
{
    struct kube_ref slash = { .api_version = "v1", .kind = "Secret",
                              .ns = "a", .name = "x/../../nodes" };
    struct kube_ref dots = { .api_version = "v1", .kind = "Secret",
                             .ns = "..", .name = "x" };
    struct kube_ref nons = { .api_version = "apps/v1", .kind = "Deployment",
                             .name = "x" };
    struct kube_ref badv = { .api_version = "apps/v1/extra",
                             .kind = "Deployment", .ns = "a" };
    struct kube_ref colon = { .api_version = "rbac.authorization.k8s.io/v1",
                              .kind = "ClusterRole",
                              .name = "system:aggregate to?view" };
    char p[KUBE_PATH_MAX];
    char why[256];

    (void)state;

    assert_int_equal(kube_path_build(&slash, p, sizeof(p), why, sizeof(why)),
                     -EINVAL);
    assert_non_null(strstr(why, "name \"x/../../nodes\""));
    assert_int_equal(kube_path_build(&dots, p, sizeof(p), why, sizeof(why)),
                     -EINVAL);
    assert_int_equal(kube_path_build(&nons, p, sizeof(p), why, sizeof(why)),
                     -EINVAL);
    assert_non_null(strstr(why, "namespace is needed"));
    assert_int_equal(kube_path_build(&badv, p, sizeof(p), why, sizeof(why)),
                     -EINVAL);
    assert_int_equal(kube_path_build(&colon, p, sizeof(p), why, sizeof(why)),
                     0);
    assert_string_equal(p, "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:aggregate%20to%3Fview");
    assert_int_equal(kube_path_build(&colon, p, 20, why, sizeof(why)),
                     -ENAMETOOLONG);
}

static void
ref_from_object__names_missing_and_wrong_fields(void **state)
{
    json_t *ok = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion",
                           "apps/v1", "kind", "Deployment", "metadata", "name",
                           "web", "namespace", "prod");
    json_t *noname = json_pack("{s:s, s:s, s:{}}", "apiVersion", "v1", "kind",
                               "ConfigMap", "metadata");
    json_t *badkind = json_pack("{s:s, s:i, s:{s:s}}", "apiVersion", "v1",
                                "kind", 7, "metadata", "name", "x");
    struct kube_ref ref;
    char why[256];

    (void)state;

    assert_int_equal(kube_ref_from_object(ok, &ref, why, sizeof(why)), 0);
    assert_string_equal(ref.name, "web");
    assert_string_equal(ref.ns, "prod");
    assert_int_equal(kube_ref_from_object(noname, &ref, why, sizeof(why)),
                     -EINVAL);
    assert_string_equal(why, "metadata.name is missing, not a non-empty string");
    assert_int_equal(kube_ref_from_object(badkind, &ref, why, sizeof(why)),
                     -EINVAL);
    assert_string_equal(why, "kind is not a string, not a non-empty string");
    json_decref(ok);
    json_decref(noname);
    json_decref(badkind);
}

/* Summary */

static json_t *
load(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);

    assert_non_null(v);
    return v;
}

static const char nodes_json[] =
    "[{\"metadata\":{\"name\":\"n1\"},\"spec\":{},\"status\":{"
    "\"allocatable\":{\"cpu\":\"3800m\",\"memory\":\"15Gi\",\"pods\":\"110\"},"
    "\"conditions\":[{\"type\":\"MemoryPressure\",\"status\":\"False\"},"
    "{\"type\":\"Ready\",\"status\":\"True\"}]}},"
    " {\"metadata\":{\"name\":\"n2\"},\"spec\":{},\"status\":{"
    "\"allocatable\":{\"cpu\":\"4\",\"memory\":\"16Gi\",\"pods\":\"110\","
    "\"nvidia.com/gpu\":\"2\"},"
    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}},"
    " {\"metadata\":{\"name\":\"cordoned\"},\"spec\":{\"unschedulable\":true},"
    "\"status\":{\"allocatable\":{\"cpu\":\"64\"},"
    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}},"
    " {\"metadata\":{\"name\":\"down\"},\"spec\":{},\"status\":{"
    "\"allocatable\":{\"cpu\":\"64\"},"
    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"Unknown\"}]}}]";

static const char pods_json[] =
    "[{\"metadata\":{\"name\":\"web\"},\"spec\":{\"nodeName\":\"n1\","
    "\"initContainers\":[{\"name\":\"init\",\"resources\":{\"requests\":"
    "{\"cpu\":\"2\",\"memory\":\"64Mi\"}}}],"
    "\"containers\":[{\"name\":\"a\",\"resources\":{\"requests\":"
    "{\"cpu\":\"500m\",\"memory\":\"128Mi\"}}},"
    "{\"name\":\"b\",\"resources\":{\"requests\":{\"cpu\":\"250m\","
    "\"memory\":\"128Mi\"}}}],"
    "\"overhead\":{\"cpu\":\"100m\"}},\"status\":{\"phase\":\"Running\"}},"
    " {\"metadata\":{\"name\":\"done\"},\"spec\":{\"nodeName\":\"n2\","
    "\"containers\":[{\"name\":\"a\",\"resources\":{\"requests\":"
    "{\"cpu\":\"8\"}}}]},\"status\":{\"phase\":\"Succeeded\"}},"
    " {\"metadata\":{\"name\":\"pending\"},\"spec\":{"
    "\"containers\":[{\"name\":\"a\",\"resources\":{\"requests\":"
    "{\"cpu\":\"1\",\"memory\":\"1Gi\"}}}]},\"status\":{\"phase\":\"Pending\"}},"
    " {\"metadata\":{\"name\":\"nores\"},\"spec\":{\"nodeName\":\"n2\","
    "\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Running\"}}]";

static int64_t
milli_of(const struct kube_resource_list *l, const char *name)
{
    const struct util_quantity *q = kube_resource_list_get(l, name);

    return q == NULL ? -1 : util_quantity_milli_value(q);
}

static void
summary_compute__counts_ready_nodes_and_scheduler_requests(void **state)
{
    json_t *nodes = load(nodes_json);
    json_t *pods = load(pods_json);
    struct kube_summary s;
    char why[256];
    int rc;

    (void)state;
    kube_summary_init(&s);

    rc = kube_summary_compute(&s, nodes, pods, why, sizeof(why));

    assert_int_equal(rc, 0);
    assert_int_equal(s.nodes_total, 4);
    assert_int_equal(s.nodes_ready, 2);
    assert_int_equal(s.pods_total, 4);
    assert_int_equal(milli_of(&s.allocatable, "cpu"), 7800);
    assert_int_equal(milli_of(&s.allocatable, "memory"),
                     31LL * 1024 * 1024 * 1024 * 1000);
    assert_int_equal(milli_of(&s.allocatable, "pods"), 220000);
    assert_int_equal(milli_of(&s.allocatable, "nvidia.com/gpu"), 2000);
    /* web: max(0.75, init 2) + overhead 0.1; nores adds nothing; done not */
    assert_int_equal(milli_of(&s.allocated, "cpu"), 2100);
    assert_int_equal(milli_of(&s.allocated, "memory"),
                     256LL * 1024 * 1024 * 1000);
    assert_int_equal(milli_of(&s.allocated, "pods"), 2000);
    assert_int_equal(milli_of(&s.allocating, "cpu"), 1000);
    assert_int_equal(milli_of(&s.allocating, "pods"), 1000);
    kube_summary_release(&s);
    json_decref(nodes);
    json_decref(pods);
}

static void
summary_compute__names_object_and_field_of_a_bad_quantity(void **state)
{
    json_t *nodes = load("[{\"metadata\":{\"name\":\"n1\"},\"status\":{"
                         "\"allocatable\":{\"cpu\":\"lots\"},\"conditions\":"
                         "[{\"type\":\"Ready\",\"status\":\"True\"}]}}]");
    json_t *pods = load("[{\"spec\":{\"containers\":{}}}]");
    json_t *none = json_array();
    struct kube_summary s;
    char why[256];
    int rc1, rc2;

    (void)state;
    kube_summary_init(&s);

    rc1 = kube_summary_compute(&s, nodes, none, why, sizeof(why));
    assert_int_equal(rc1, -EBADMSG);
    assert_string_equal(why, "nodes[0].status.allocatable.cpu: lots is not a quantity");
    kube_summary_release(&s);
    rc2 = kube_summary_compute(&s, none, pods, why, sizeof(why));

    assert_int_equal(rc2, -EBADMSG);
    assert_string_equal(why, "pods[0].spec.containers is an object, not an array");
    kube_summary_release(&s);
    json_decref(nodes);
    json_decref(pods);
    json_decref(none);
}

static void
summary_to_proto__gives_milli_and_binary_si_names(void **state)
{
    json_t *nodes = load(nodes_json);
    json_t *pods = load(pods_json);
    Flotilla__V1__ResourceSummary p = FLOTILLA__V1__RESOURCE_SUMMARY__INIT;
    struct kube_summary s;
    bool mem_binary = false;
    bool cpu_binary = false;
    int64_t cpu = -1;
    int rc;

    (void)state;
    kube_summary_init(&s);
    assert_int_equal(kube_summary_compute(&s, nodes, pods, NULL, 0), 0);

    rc = kube_summary_to_proto(&s, 42, &p);

    assert_int_equal(rc, 0);
    assert_int_equal(p.observed_ns, 42);
    for (size_t i = 0; i < p.allocatable->n_milli; i++) {
        if (strcmp(p.allocatable->milli[i]->key, "cpu") == 0) {
            cpu = p.allocatable->milli[i]->value;
        }
    }
    for (size_t i = 0; i < p.allocatable->n_binary_si; i++) {
        mem_binary |= strcmp(p.allocatable->binary_si[i], "memory") == 0;
        cpu_binary |= strcmp(p.allocatable->binary_si[i], "cpu") == 0;
    }
    assert_int_equal(cpu, 7800);
    assert_true(mem_binary);
    assert_false(cpu_binary);
    assert_non_null(p.allocating);
    kube_summary_proto_release(&p);
    kube_summary_release(&s);
    json_decref(nodes);
    json_decref(pods);
}

/* Client configuration */

static void
client_new__rejects_bad_configuration(void **state)
{
    struct kube_client_config cfg;
    struct kube_client *c = NULL;
    struct kube_error err;
    char empty[] = "/tmp/kube-empty-token-XXXXXX";
    int fd;
    int rc;

    (void)state;
    kube_client_config_init(&cfg);
    cfg.name = "m1";

    cfg.endpoint = "ftp://127.0.0.1:1";
    rc = kube_client_new(&cfg, &c, &err);
    assert_int_equal(rc, -EINVAL);
    assert_non_null(strstr(err.text, "member m1: "));
    assert_non_null(strstr(err.text, "not an http:// or https:// URL"));

    cfg.endpoint = "https://127.0.0.1:1";
    cfg.token_file = "/nonexistent/token";
    rc = kube_client_new(&cfg, &c, &err);
    assert_int_equal(rc, -ENOENT);
    assert_non_null(strstr(err.text, "token file /nonexistent/token"));

    fd = mkstemp(empty);
    assert_true(fd >= 0);
    close(fd);
    cfg.token_file = empty;
    rc = kube_client_new(&cfg, &c, &err);
    assert_int_equal(rc, -EINVAL);
    unlink(empty);

    cfg.token_file = NULL;
    cfg.cert_file = "/etc/hostname";
    rc = kube_client_new(&cfg, &c, &err);
    assert_int_equal(rc, -EINVAL);
    assert_non_null(strstr(err.text, "needs its key"));
    assert_null(c);
}

static void
client_new__accepts_endpoint_with_trailing_slash(void **state)
{
    struct kube_client_config cfg;
    struct kube_client *c = NULL;
    int rc;

    (void)state;
    kube_client_config_init(&cfg);
    cfg.name = "m2";
    cfg.endpoint = "http://127.0.0.1:1/";

    rc = kube_client_new(&cfg, &c, NULL);

    assert_int_equal(rc, 0);
    assert_string_equal(kube_client_name(c), "m2");
    kube_client_free(c);
}

static void
client_new__makes_the_process_ignore_sigpipe(void **state)
{
    struct kube_client_config cfg;
    struct kube_client *c = NULL;
    struct sigaction now;

    (void)state;
    kube_client_config_init(&cfg);
    cfg.name = "m3";
    cfg.endpoint = "https://127.0.0.1:1";

    assert_int_equal(kube_client_new(&cfg, &c, NULL), 0);

    assert_int_equal(sigaction(SIGPIPE, NULL, &now), 0);
    assert_true(now.sa_handler == SIG_IGN);
    kube_client_free(c);
}

static int
teardown(void **state)
{
    (void)state;
    kube_global_cleanup();
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(build__core_namespaced_item),
        cmocka_unit_test(build__group_collection_and_subresource),
        cmocka_unit_test(build__cluster_scoped_kind_ignores_namespace),
        cmocka_unit_test(build__table_covers_kinds_the_rule_gets_wrong),
        cmocka_unit_test(guess_plural__follows_the_kubernetes_rule),
        cmocka_unit_test(build__caller_plural_and_scope_win),
        cmocka_unit_test(build__rejects_bad_names_and_escapes_others),
        cmocka_unit_test(ref_from_object__names_missing_and_wrong_fields),
        cmocka_unit_test(summary_compute__counts_ready_nodes_and_scheduler_requests),
        cmocka_unit_test(summary_compute__names_object_and_field_of_a_bad_quantity),
        cmocka_unit_test(summary_to_proto__gives_milli_and_binary_si_names),
        cmocka_unit_test(client_new__rejects_bad_configuration),
        cmocka_unit_test(client_new__accepts_endpoint_with_trailing_slash),
        cmocka_unit_test(client_new__makes_the_process_ignore_sigpipe),
    };

    return cmocka_run_group_tests_name("kube.path", tests, NULL, teardown);
}
