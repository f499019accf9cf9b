/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for config/: defaults, every section, every error path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "util/time.h"

/* A temporary directory with a few credential files in it. */
struct tmp {
    char dir[64];
};

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int
tmp_setup(void **state)
{
    struct tmp *t = calloc(1, sizeof(*t));

    snprintf(t->dir, sizeof(t->dir), "/tmp/fl-config-XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    write_file(t->dir, "token", "secret\n");
    write_file(t->dir, "ca.pem", "ca\n");
    write_file(t->dir, "client.pem", "cert\n");
    write_file(t->dir, "client.key", "key\n");
    write_file(t->dir, "seed.nk", "SUAAAA\n");
    *state = t;
    return 0;
}

static int
tmp_teardown(void **state)
{
    struct tmp *t = *state;
    static const char *const names[] = { "token",      "ca.pem",  "client.pem",
                                         "client.key", "seed.nk", "t.yaml",
                                         "bad.yaml" };
    char path[256];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", t->dir, names[i]);
        (void)unlink(path);
    }
    (void)rmdir(t->dir);
    free(t);
    return 0;
}

static void
assert_settings_default(const struct cfg_settings *s)
{
    assert_true(s->probe_period_ns == 10 * NS_PER_S);
    assert_true(s->probe_timeout_ns == 5 * NS_PER_S);
    assert_true(s->failure_threshold_ns == 30 * NS_PER_S);
    assert_true(s->success_threshold_ns == 30 * NS_PER_S);
    assert_true(s->heartbeat_period_ns == 10 * NS_PER_S);
    assert_true(s->heartbeat_grace_ns == 40 * NS_PER_S);
    assert_true(s->status_period_ns == 5 * NS_PER_S);
    assert_true(s->eviction_rate_per_s == 10.0);
    assert_int_equal(s->eviction_burst, 100);
    assert_true(fabs(s->mass_outage_share - 0.55) < 1e-12);
    assert_int_equal(s->mass_outage_min_clusters, 4);
    assert_true(s->grace_period_ns == 600 * NS_PER_S);
    assert_true(s->dead_after_ns == 600 * NS_PER_S);
}

static void
defaults__match_scenarios_table(void **state)
{
    struct cfg *c = NULL;
    int rc;

    (void)state;

    rc = cfg_defaults(&c);

    assert_int_equal(rc, 0);
    assert_settings_default(&c->settings);
    assert_int_equal(c->failover.mode, CFG_FAILOVER_EVICT);
    assert_int_equal(c->nats.n_urls, 1);
    assert_string_equal(c->nats.urls[0], "nats://127.0.0.1:4222");
    assert_string_equal(c->daemon.listen, "127.0.0.1:9470");
    assert_string_equal(c->daemon.log_level, "info");
    assert_true(strlen(c->daemon.instance) > 0);
    assert_int_equal(c->n_members, 0);
    for (int i = 0; i < CFG_ACTOR_COUNT; i++) {
        assert_true(c->actors[i].run);
        assert_int_equal(c->actors[i].partitions, 1);
    }
    cfg_free(c);
}

static void
load_file__shipped_file_equals_defaults(void **state)
{
    const char *src = getenv("FL_SOURCE_DIR");
    char path[512], err[CFG_ERR_MAX] = "";
    struct cfg *c = NULL;
    int rc;

    (void)state;
    if (src == NULL) {
        skip();
    }
    snprintf(path, sizeof(path), "%s/config/flotilla.yaml", src);

    rc = cfg_load_file(path, &c, err, sizeof(err));

    assert_string_equal(err, "");
    assert_int_equal(rc, 0);
    assert_settings_default(&c->settings);
    assert_int_equal(c->failover.mode, CFG_FAILOVER_EVICT);
    assert_string_equal(c->nats.urls[0], "nats://127.0.0.1:4222");
    assert_string_equal(c->nats.name, "flotilla");
    assert_string_equal(c->daemon.listen, "127.0.0.1:9470");
    assert_string_equal(c->daemon.log_level, "info");
    assert_string_equal(c->daemon.data_dir, "/var/lib/flotilla");
    assert_true(c->nats.reconnect_wait_ns == 2 * NS_PER_S);
    assert_int_equal(c->nats.max_reconnects, -1);
    for (int i = 0; i < CFG_ACTOR_COUNT; i++) {
        assert_true(c->actors[i].run);
        assert_int_equal(c->actors[i].partitions, 1);
        assert_int_equal(c->actors[i].instances, 1);
        assert_true(c->actors[i].ack_wait_ns == 30 * NS_PER_S);
        assert_int_equal(c->actors[i].max_deliver, 5);
    }
    cfg_free(c);
}

static void
load_string__empty_text_gives_defaults(void **state)
{
    char err[CFG_ERR_MAX] = "";
    struct cfg *c = NULL;
    int rc;

    (void)state;

    rc = cfg_load_string("# nothing but a comment\n", "t.yaml", &c, err,
                         sizeof(err));

    assert_int_equal(rc, 0);
    assert_string_equal(c->source, "t.yaml");
    assert_settings_default(&c->settings);
    cfg_free(c);
}

static void
load_string__reads_settings_of_every_kind(void **state)
{
    static const char *const text = "settings:\n"
                                    "  probePeriod: 2s\n"
                                    "  probeTimeout: 500ms\n"
                                    "  failureThreshold: 0s\n"
                                    "  successThreshold: 1m\n"
                                    "  heartbeatPeriod: 1s\n"
                                    "  heartbeatGrace: 4s\n"
                                    "  statusPeriod: 250ms\n"
                                    "  evictionRate: 30/m\n"
                                    "  evictionBurst: 7\n"
                                    "  massOutageShare: 0.4\n"
                                    "  massOutageMinClusters: 0\n"
                                    "  gracePeriod: 1h30m\n"
                                    "  deadAfter: 90s\n";
    char err[CFG_ERR_MAX] = "";
    struct cfg *c = NULL;
    struct cfg_settings *s;
    int rc;

    (void)state;

    rc = cfg_load_string(text, "t.yaml", &c, err, sizeof(err));

    assert_string_equal(err, "");
    assert_int_equal(rc, 0);
    s = &c->settings;
    assert_true(s->probe_period_ns == 2 * NS_PER_S);
    assert_true(s->probe_timeout_ns == 500 * NS_PER_MS);
    assert_true(s->failure_threshold_ns == 0);
    assert_true(s->success_threshold_ns == 60 * NS_PER_S);
    assert_true(s->heartbeat_period_ns == NS_PER_S);
    assert_true(s->heartbeat_grace_ns == 4 * NS_PER_S);
    assert_true(s->status_period_ns == 250 * NS_PER_MS);
    assert_true(fabs(s->eviction_rate_per_s - 0.5) < 1e-12);
    assert_int_equal(s->eviction_burst, 7);
    assert_true(fabs(s->mass_outage_share - 0.4) < 1e-12);
    assert_int_equal(s->mass_outage_min_clusters, 0);
    assert_true(s->grace_period_ns == 5400 * NS_PER_S);
    assert_true(s->dead_after_ns == 90 * NS_PER_S);
    cfg_free(c);
}

static void
load_string__unlimited_rate_turns_pacing_off(void **state)
{
    char err[CFG_ERR_MAX] = "";
    struct cfg *c = NULL;
    int rc;

    (void)state;

    rc = cfg_load_string("settings: {evictionRate: unlimited}\n", "t.yaml",
                         &c, err, sizeof(err));

    assert_int_equal(rc, 0);
    assert_true(isinf(c->settings.eviction_rate_per_s));
    cfg_free(c);
}

static void
load_string__reads_failover_nats_daemon_actors(void **state)
{
    static const char *const text =
        "nats:\n"
        "  urls: [nats://10.0.0.1:4222, tls://10.0.0.2:4222]\n"
        "  name: fl-test\n"
        "  user: flotilla\n"
        "  password: s3cret\n"
        "  reconnectWait: 250ms\n"
        "  maxReconnects: 10\n"
        "daemon:\n"
        "  instance: node_1-a\n"
        "  listen: \"[::1]:0\"\n"
        "  logLevel: debug\n"
        "  dataDir: /srv/flotilla\n"
        "failover:\n"
        "  mode: Observe\n"
        "actors:\n"
        "  run: [scheduler, taint-manager]\n"
        "  scheduler: {partitions: 8, instances: 4, ackWait: 5s, "
        "maxDeliver: -1}\n";
    const struct cfg_actor *a;
    char err[CFG_ERR_MAX] = "";
    struct cfg *c = NULL;
    int rc;

    (void)state;

    rc = cfg_load_string(text, "t.yaml", &c, err, sizeof(err));

    assert_string_equal(err, "");
    assert_int_equal(rc, 0);
    assert_int_equal(c->nats.n_urls, 2);
    assert_string_equal(c->nats.urls[1], "tls://10.0.0.2:4222");
    assert_string_equal(c->nats.name, "fl-test");
    assert_string_equal(c->nats.user, "flotilla");
    assert_string_equal(c->nats.password, "s3cret");
    assert_true(c->nats.reconnect_wait_ns == 250 * NS_PER_MS);
    assert_int_equal(c->nats.max_reconnects, 10);
    assert_string_equal(c->daemon.instance, "node_1-a");
    assert_string_equal(c->daemon.listen, "[::1]:0");
    assert_string_equal(c->daemon.log_level, "debug");
    assert_string_equal(c->daemon.data_dir, "/srv/flotilla");
    assert_int_equal(c->failover.mode, CFG_FAILOVER_OBSERVE);
    assert_string_equal(cfg_failover_mode_name(c->failover.mode), "Observe");
    a = cfg_actor_find(c, "scheduler");
    assert_non_null(a);
    assert_true(a->run);
    assert_int_equal(a->partitions, 8);
    assert_int_equal(a->instances, 4);
    assert_true(a->ack_wait_ns == 5 * NS_PER_S);
    assert_int_equal(a->max_deliver, -1);
    assert_true(cfg_actor_find(c, "taint-manager")->run);
    assert_false(cfg_actor_find(c, "executor")->run);
    assert_null(cfg_actor_find(c, "no-such-actor"));
    cfg_free(c);
}

static void
load_string__nats_url_may_be_a_single_string(void **state)
{
    char err[CFG_ERR_MAX] = "";
    struct cfg *c = NULL;
    int rc;

    (void)state;

    rc = cfg_load_string("nats: {urls: \"nats://127.0.0.1:14222\"}\n",
                         "t.yaml", &c, err, sizeof(err));

    assert_int_equal(rc, 0);
    assert_int_equal(c->nats.n_urls, 1);
    assert_string_equal(c->nats.urls[0], "nats://127.0.0.1:14222");
    cfg_free(c);
}

/* Each bad text and the exact message it must give. */
static const struct {
    const char *yaml;
    const char *err;
} bad_cases[] = {
    { "settings:\n  probePeriod: 10x\n",
      "t.yaml:2: settings.probePeriod: \"10x\" is not a duration (write e.g. "
      "500ms, 30s, 1h30m)" },
    { "nats: {}\nsetings: {}\n",
      "t.yaml:2: (top level): unknown key \"setings\" (known: nats, daemon, "
      "settings, failover, members, actors)" },
    { "settings:\n  probePeriode: 1s\n",
      "t.yaml:2: settings: unknown key \"probePeriode\" (known: probePeriod, "
      "probeTimeout, failureThreshold, successThreshold, heartbeatPeriod, "
      "heartbeatGrace, statusPeriod, evictionRate, evictionBurst, "
      "massOutageShare, massOutageMinClusters, gracePeriod, deadAfter)" },
    { "settings:\n  probePeriod: 1s\n  probePeriod: 2s\n",
      "t.yaml:3: settings: key \"probePeriod\" given twice" },
    { "settings:\n  probePeriod: 3s\n",
      "t.yaml:2: settings.probePeriod: 3s must be longer than "
      "settings.probeTimeout (5s)" },
    { "settings:\n  probeTimeout: 10s\n",
      "t.yaml:2: settings.probeTimeout: 10s must be shorter than "
      "settings.probePeriod (10s)" },
    { "settings:\n  probeTimeout: 4s\n  probePeriod: 2s\n",
      "t.yaml:3: settings.probePeriod: 2s must be longer than "
      "settings.probeTimeout (4s)" },
    { "settings:\n  heartbeatGrace: 5s\n",
      "t.yaml:2: settings.heartbeatGrace: 5s must be longer than "
      "settings.heartbeatPeriod (10s)" },
    { "settings:\n  probePeriod: 0s\n",
      "t.yaml:2: settings.probePeriod: must be longer than 0s" },
    { "settings:\n  deadAfter: \"0\"\n",
      "t.yaml:2: settings.deadAfter: must be longer than 0s" },
    { "settings:\n  gracePeriod: -1s\n",
      "t.yaml:2: settings.gracePeriod: \"-1s\" is not a duration (write e.g. "
      "500ms, 30s, 1h30m)" },
    { "settings:\n  gracePeriod: 9999999999h\n",
      "t.yaml:2: settings.gracePeriod: \"9999999999h\" is too long" },
    { "settings:\n  evictionRate: fast\n",
      "t.yaml:2: settings.evictionRate: \"fast\" is not a rate (write e.g. "
      "\"10/s\", \"30/m\" or \"unlimited\")" },
    { "settings:\n  evictionRate: 10/d\n",
      "t.yaml:2: settings.evictionRate: \"10/d\" is not a rate (write e.g. "
      "\"10/s\", \"30/m\" or \"unlimited\")" },
    { "settings:\n  evictionRate: -1/s\n",
      "t.yaml:2: settings.evictionRate: \"-1/s\" is not a rate (write e.g. "
      "\"10/s\", \"30/m\" or \"unlimited\")" },
    { "settings:\n  evictionRate: 0/s\n",
      "t.yaml:2: settings.evictionRate: \"0/s\" would stop every eviction; "
      "set failover.mode to Disabled or Observe instead" },
    { "settings:\n  massOutageShare: 120%\n",
      "t.yaml:2: settings.massOutageShare: \"120%\" is not within 0%..100%" },
    { "settings:\n  massOutageShare: 55\n",
      "t.yaml:2: settings.massOutageShare: \"55\" is not within 0..1 (write a "
      "percentage as \"55%\")" },
    { "settings:\n  massOutageShare: half\n",
      "t.yaml:2: settings.massOutageShare: \"half\" is not a share (write "
      "e.g. \"55%\")" },
    { "settings:\n  massOutageShare: 50%%\n",
      "t.yaml:2: settings.massOutageShare: \"50%%\" is not a share (write "
      "e.g. \"55%\")" },
    { "settings:\n  evictionBurst: -1\n",
      "t.yaml:2: settings.evictionBurst: \"-1\" is not a whole number" },
    { "settings:\n  evictionBurst: 2000000\n",
      "t.yaml:2: settings.evictionBurst: 2000000 is more than 1000000" },
    { "settings:\n  massOutageMinClusters: 4.5\n",
      "t.yaml:2: settings.massOutageMinClusters: \"4.5\" is not a whole "
      "number" },
    { "settings:\n  statusPeriod: {a: 1}\n",
      "t.yaml:2: settings.statusPeriod: expected a scalar, not a mapping" },
    { "settings:\n  statusPeriod: ~\n",
      "t.yaml:2: settings.statusPeriod: needs a value" },
    { "settings: [1s]\n",
      "t.yaml:1: settings: expected a mapping, not a list" },
    { "settings:\n  ? [a]\n  : 1s\n",
      "t.yaml:2: settings: keys must be scalars" },
    { "failover:\n  mode: Auto\n",
      "t.yaml:2: failover.mode: \"Auto\" is not one of Disabled, Observe, "
      "Evict" },
    { "failover:\n  enabled: true\n",
      "t.yaml:2: failover: unknown key \"enabled\" (known: mode)" },
    { "failover:\n  mode: Evict\nsettings:\n  evictionBurst: 0\n",
      "t.yaml:4: settings.evictionBurst: 0 allows no eviction, but "
      "failover.mode is Evict (set at least 1, or failover.mode: Observe)" },
    { "nats:\n  urls: http://x\n",
      "t.yaml:2: nats.urls: \"http://x\" is not a nats:// or tls:// URL" },
    { "nats:\n  urls: [nats://a:4222, x]\n",
      "t.yaml:2: nats.urls[1]: \"x\" is not a nats:// or tls:// URL" },
    { "nats:\n  urls: []\n",
      "t.yaml:2: nats.urls: expected a URL or a non-empty list of URLs" },
    { "nats:\n  user: a\n",
      "t.yaml:2: nats.user: user and password go together" },
    { "nats:\n  password: a\n",
      "t.yaml:2: nats.password: user and password go together" },
    { "nats:\n  maxReconnects: -2\n",
      "t.yaml:2: nats.maxReconnects: -2 is not in -1..2147483647" },
    { "nats:\n  maxReconnects: many\n",
      "t.yaml:2: nats.maxReconnects: \"many\" is not a whole number" },
    { "nats:\n  reconnectWait: soon\n",
      "t.yaml:2: nats.reconnectWait: \"soon\" is not a duration (write e.g. "
      "500ms, 30s, 1h30m)" },
    { "nats:\n  tls:\n    caFile: /nonexistent/ca.pem\n",
      "t.yaml:3: nats.tls.caFile: cannot read \"/nonexistent/ca.pem\": No "
      "such file or directory" },
    { "nats:\n  tls: {ca: x}\n",
      "t.yaml:2: nats.tls: unknown key \"ca\" (known: caFile, certFile, "
      "keyFile)" },
    { "daemon:\n  listen: 9470\n",
      "t.yaml:2: daemon.listen: \"9470\": expected host:port, e.g. "
      "127.0.0.1:9470" },
    { "daemon:\n  listen: \":9470\"\n",
      "t.yaml:2: daemon.listen: \":9470\": a host is required (127.0.0.1 for "
      "loopback, 0.0.0.0 for every interface)" },
    { "daemon:\n  listen: example.org:80\n",
      "t.yaml:2: daemon.listen: \"example.org:80\": \"example.org\" is not "
      "an IP address" },
    { "daemon:\n  listen: 127.0.0.1:70000\n",
      "t.yaml:2: daemon.listen: \"127.0.0.1:70000\": \"70000\" is not a port "
      "(0..65535)" },
    { "daemon:\n  instance: a.b\n",
      "t.yaml:2: daemon.instance: \"a.b\" must be 1 to 64 of A-Z a-z 0-9 - _" },
    { "daemon:\n  logLevel: verbose\n",
      "t.yaml:2: daemon.logLevel: \"verbose\" is not one of error, warn, "
      "info, debug" },
    { "daemon:\n  dataDir: \"\"\n", "t.yaml:2: daemon.dataDir: needs a value" },
    { "members: {a: 1}\n",
      "t.yaml:1: members: expected a list, not a mapping" },
    { "members:\n  - apiEndpoint: https://x\n",
      "t.yaml:2: members[0]: needs a name" },
    { "members:\n  - name: Member_1\n",
      "t.yaml:2: members[0].name: \"Member_1\" is not a DNS label (a-z 0-9 -, "
      "at most 63)" },
    { "members:\n  - {name: m1, apiEndpoint: https://a}\n"
      "  - {name: m1, apiEndpoint: https://b}\n",
      "t.yaml:3: members[1].name: \"m1\" is already members[0]" },
    { "members:\n  - name: m1\n",
      "t.yaml:2: members[0].apiEndpoint: a Push member (m1) needs an "
      "apiEndpoint" },
    { "members:\n  - {name: m1, apiEndpoint: ftp://a}\n",
      "t.yaml:2: members[0].apiEndpoint: \"ftp://a\" is not an https:// or "
      "http:// URL" },
    { "members:\n  - {name: m1, syncMode: push}\n",
      "t.yaml:2: members[0].syncMode: \"push\" is not one of Push, Pull" },
    { "members:\n  - name: m1\n    syncMode: Pull\n    region: x\n",
      "t.yaml:4: members[0]: unknown key \"region\" (known: name, "
      "apiEndpoint, syncMode, tokenFile, caFile, certFile, keyFile)" },
    { "members:\n  - name: m1\n    syncMode: Pull\n"
      "    tokenFile: /nonexistent/token\n",
      "t.yaml:4: members[0].tokenFile: cannot read \"/nonexistent/token\": "
      "No such file or directory" },
    { "members:\n  - m1\n",
      "t.yaml:2: members[0]: expected a mapping, not a scalar" },
    { "actors:\n  run: [scheduler, schedular]\n",
      "t.yaml:2: actors.run[1]: unknown actor \"schedular\" (known: "
      "application-failover, cluster, cluster-status, executor, "
      "graceful-eviction, policy, scheduler, taint-manager)" },
    { "actors:\n  run: [scheduler, scheduler]\n",
      "t.yaml:2: actors.run[1]: \"scheduler\" is listed twice" },
    { "actors:\n  run: []\n",
      "t.yaml:2: actors.run: expected \"all\" or a non-empty list of actors" },
    { "actors:\n  run: some\n",
      "t.yaml:2: actors.run: expected \"all\" or a non-empty list of actors" },
    { "actors:\n  scheduler:\n    instances: 2\n",
      "t.yaml:3: actors.scheduler.instances: 2 instances cannot share 1 "
      "partition(s)" },
    { "actors:\n  scheduler:\n    partitions: 0\n",
      "t.yaml:3: actors.scheduler.partitions: 0 is not in 1..1024" },
    { "actors:\n  scheduler:\n    maxDeliver: 0\n",
      "t.yaml:3: actors.scheduler.maxDeliver: 0 is not allowed (-1 means "
      "never give up)" },
    { "actors:\n  scheduler:\n    ackWait: 0s\n",
      "t.yaml:3: actors.scheduler.ackWait: must be at least 1ms" },
    { "actors:\n  scheduler:\n    workers: 3\n",
      "t.yaml:3: actors.scheduler: unknown key \"workers\" (known: "
      "partitions, instances, ackWait, maxDeliver)" },
    { "actors:\n  schedular: {}\n",
      "t.yaml:2: actors: unknown key \"schedular\" (known: run, "
      "application-failover, cluster, cluster-status, executor, "
      "graceful-eviction, policy, scheduler, taint-manager)" },
    { "- a\n- b\n", "t.yaml:1: (top level): expected a mapping, not a list" },
    { "a: 1\n---\n[\n",
      "t.yaml:4: (file): YAML syntax error: did not find expected node "
      "content" },
    { "members:\n  -\n", "t.yaml:2: members[0]: expected a mapping" },
    { "failover:\n  mode:\n", "t.yaml:2: failover.mode: needs a value" },
    { "nats:\n  urls: [[a]]\n",
      "t.yaml:2: nats.urls[0]: expected a scalar, not a list" },
    { "a: 1\n---\nb: 2\n",
      "t.yaml:2: (file): expected one YAML document, found a second" },
};

static void
load_string__rejects_bad_input_naming_file_line_key(void **state)
{
    (void)state;

    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        char err[CFG_ERR_MAX] = "";
        struct cfg *c = NULL;
        int rc;

        rc = cfg_load_string(bad_cases[i].yaml, "t.yaml", &c, err,
                             sizeof(err));

        if (rc != -EINVAL || strcmp(err, bad_cases[i].err) != 0) {
            print_error("case %zu: rc=%d\n  yaml: %s\n  got:  %s\n  want: "
                        "%s\n",
                        i, rc, bad_cases[i].yaml, err, bad_cases[i].err);
        }
        assert_int_equal(rc, -EINVAL);
        assert_string_equal(err, bad_cases[i].err);
        assert_null(c);
    }
}

static void
load_string__reports_syntax_error_line(void **state)
{
    char err[CFG_ERR_MAX] = "";
    struct cfg *c = NULL;
    int rc;

    (void)state;

    rc = cfg_load_string("nats: {}\nsettings:\n  probePeriod: \"10s\n",
                         "t.yaml", &c, err, sizeof(err));

    assert_int_equal(rc, -EINVAL);
    assert_null(c);
    assert_non_null(strstr(err, "t.yaml:"));
    assert_non_null(strstr(err, "YAML syntax error"));
    /* The unterminated quote starts on line 3. */
    assert_true(strncmp(err, "t.yaml:3:", 9) == 0 ||
                strncmp(err, "t.yaml:4:", 9) == 0);
}

static void
load_string__short_error_buffer_is_truncated_not_overrun(void **state)
{
    char err[16];
    struct cfg *c = NULL;
    int rc;

    (void)state;
    memset(err, 'x', sizeof(err));

    rc = cfg_load_string("settings: {probePeriod: 10x}\n", "t.yaml", &c, err,
                         sizeof(err));

    assert_int_equal(rc, -EINVAL);
    assert_int_equal(strlen(err), sizeof(err) - 1);
    assert_true(strncmp(err, "t.yaml:1: setti", 15) == 0);
}

static void
load_string__observe_mode_allows_zero_burst(void **state)
{
    char err[CFG_ERR_MAX] = "";
    struct cfg *c = NULL;
    int rc;

    (void)state;

    rc = cfg_load_string("failover: {mode: Observe}\n"
                         "settings: {evictionBurst: 0}\n",
                         "t.yaml", &c, err, sizeof(err));

    assert_string_equal(err, "");
    assert_int_equal(rc, 0);
    assert_int_equal(c->settings.eviction_burst, 0);
    cfg_free(c);
}

static void
load_file__missing_file_names_path_and_errno(void **state)
{
    char err[CFG_ERR_MAX] = "";
    struct cfg *c = NULL;
    int rc;

    (void)state;

    rc = cfg_load_file("/nonexistent/flotilla.yaml", &c, err, sizeof(err));

    assert_int_equal(rc, -ENOENT);
    assert_null(c);
    assert_string_equal(err, "/nonexistent/flotilla.yaml: cannot read: No "
                             "such file or directory");
}

static void
load_file__bad_file_names_file_line_and_key(void **state)
{
    struct tmp *t = *state;
    char path[256], want[512], err[CFG_ERR_MAX] = "";
    struct cfg *c = NULL;
    int rc;

    write_file(t->dir, "bad.yaml",
               "# flotilla configuration\n"
               "daemon:\n"
               "  logLevel: info\n"
               "\n"
               "settings:\n"
               "  probePeriod: 10s\n"
               "  probeTimeout: 5x\n");
    snprintf(path, sizeof(path), "%s/bad.yaml", t->dir);

    rc = cfg_load_file(path, &c, err, sizeof(err));

    snprintf(want, sizeof(want),
             "%s:7: settings.probeTimeout: \"5x\" is not a duration (write "
             "e.g. 500ms, 30s, 1h30m)",
             path);
    assert_int_equal(rc, -EINVAL);
    assert_null(c);
    assert_string_equal(err, want);
}

static void
load_file__resolves_member_files_relative_to_the_file(void **state)
{
    struct tmp *t = *state;
    char path[256], want[256], err[CFG_ERR_MAX] = "";
    struct cfg *c = NULL;
    int rc;

    write_file(t->dir, "t.yaml",
               "nats:\n"
               "  nkeySeedFile: seed.nk\n"
               "  tls: {caFile: ca.pem, certFile: client.pem, "
               "keyFile: client.key}\n"
               "daemon:\n"
               "  dataDir: data\n"
               "members:\n"
               "  - name: member1\n"
               "    apiEndpoint: https://127.0.0.1:6443\n"
               "    tokenFile: token\n"
               "    caFile: ./ca.pem\n"
               "  - name: member2\n"
               "    apiEndpoint: https://127.0.0.1:6444\n"
               "    certFile: client.pem\n"
               "    keyFile: client.key\n"
               "  - name: member3\n"
               "    syncMode: Pull\n");
    snprintf(path, sizeof(path), "%s/t.yaml", t->dir);

    rc = cfg_load_file(path, &c, err, sizeof(err));

    assert_string_equal(err, "");
    assert_int_equal(rc, 0);
    assert_int_equal(c->n_members, 3);
    snprintf(want, sizeof(want), "%s/token", t->dir);
    assert_string_equal(c->members[0].token_file, want);
    snprintf(want, sizeof(want), "%s/./ca.pem", t->dir);
    assert_string_equal(c->members[0].ca_file, want);
    assert_null(c->members[0].cert_file);
    assert_string_equal(c->members[0].api_endpoint, "https://127.0.0.1:6443");
    snprintf(want, sizeof(want), "%s/client.key", t->dir);
    assert_string_equal(c->members[1].key_file, want);
    assert_int_equal(c->members[1].sync_mode, CFG_SYNC_PUSH);
    assert_int_equal(c->members[2].sync_mode, CFG_SYNC_PULL);
    assert_null(c->members[2].api_endpoint);
    snprintf(want, sizeof(want), "%s/seed.nk", t->dir);
    assert_string_equal(c->nats.nkey_seed_file, want);
    snprintf(want, sizeof(want), "%s/client.pem", t->dir);
    assert_string_equal(c->nats.tls.cert_file, want);
    snprintf(want, sizeof(want), "%s/data", t->dir);
    assert_string_equal(c->daemon.data_dir, want);
    cfg_free(c);
}

static void
load_file__rejects_cert_without_key_and_seed_with_user(void **state)
{
    struct tmp *t = *state;
    char path[256], want[512], err[CFG_ERR_MAX] = "";
    struct cfg *c = NULL;
    int rc;

    snprintf(path, sizeof(path), "%s/t.yaml", t->dir);
    write_file(t->dir, "t.yaml",
               "members:\n"
               "  - name: member1\n"
               "    apiEndpoint: https://127.0.0.1:6443\n"
               "    certFile: client.pem\n");
    rc = cfg_load_file(path, &c, err, sizeof(err));
    snprintf(want, sizeof(want),
             "%s:4: members[0].certFile: certFile and keyFile go together",
             path);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err, want);

    write_file(t->dir, "t.yaml",
               "nats:\n"
               "  tls: {keyFile: client.key}\n");
    rc = cfg_load_file(path, &c, err, sizeof(err));
    snprintf(want, sizeof(want),
             "%s:2: nats.tls.keyFile: certFile and keyFile go together",
             path);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err, want);

    write_file(t->dir, "t.yaml",
               "nats:\n"
               "  user: a\n"
               "  password: b\n"
               "  nkeySeedFile: seed.nk\n");
    rc = cfg_load_file(path, &c, err, sizeof(err));
    snprintf(want, sizeof(want),
             "%s:4: nats.nkeySeedFile: use either an NKey seed or user and "
             "password, not both",
             path);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err, want);
    assert_null(c);
}

static void
settings_apply__sets_one_key(void **state)
{
    struct cfg_settings s;
    char err[CFG_ERR_MAX] = "";
    int rc;

    (void)state;
    cfg_settings_init(&s);

    rc = cfg_settings_apply(&s, "massOutageShare", "30%", err, sizeof(err));

    assert_int_equal(rc, 0);
    assert_true(fabs(s.mass_outage_share - 0.3) < 1e-12);
    assert_int_equal(cfg_settings_apply(&s, "evictionRate", "600/h", err,
                                        sizeof(err)),
                     0);
    assert_true(fabs(s.eviction_rate_per_s - (1.0 / 6.0)) < 1e-12);
    assert_int_equal(cfg_settings_apply(&s, "evictionRate", "2.5", err,
                                        sizeof(err)),
                     0);
    assert_true(s.eviction_rate_per_s == 2.5);
}

static void
settings_apply__rejects_unknown_key_and_bad_value(void **state)
{
    struct cfg_settings s, before;
    char err[CFG_ERR_MAX] = "";
    int rc;

    (void)state;
    cfg_settings_init(&s);
    before = s;

    rc = cfg_settings_apply(&s, "probeperiod", "1s", err, sizeof(err));
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err, "settings.probeperiod: unknown key");

    rc = cfg_settings_apply(&s, "probePeriod", "1x", err, sizeof(err));
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err, "settings.probePeriod: \"1x\" is not a duration "
                             "(write e.g. 500ms, 30s, 1h30m)");

    rc = cfg_settings_apply(&s, "evictionBurst", "", err, sizeof(err));
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err, "settings.evictionBurst: needs a value");
    assert_int_equal(cfg_settings_apply(&s, "deadAfter", "1s", NULL, 0),
                     0);
    assert_int_equal(cfg_settings_apply(&s, "deadAfter", "x", NULL, 0),
                     -EINVAL);
    s.dead_after_ns = before.dead_after_ns;
    assert_memory_equal(&s, &before, sizeof(s));
}

static void
settings_validate__checks_relations(void **state)
{
    struct cfg_settings s;
    char err[CFG_ERR_MAX] = "";

    (void)state;
    cfg_settings_init(&s);

    assert_int_equal(cfg_settings_validate(&s, err, sizeof(err)), 0);
    s.probe_timeout_ns = s.probe_period_ns;
    assert_int_equal(cfg_settings_validate(&s, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "settings.probeTimeout: 10s must be shorter "
                             "than settings.probePeriod (10s)");
    cfg_settings_init(&s);
    s.status_period_ns = 0;
    assert_int_equal(cfg_settings_validate(&s, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "settings.statusPeriod: must be longer than 0s");
}

/* Loads @text as a drill would and applies its top-level `settings:`. */
static int
drill_settings(const char *text, struct cfg_settings *s, char *err,
               size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_node_pair_t *p;
    yaml_node_t *root, *node = NULL;
    int rc;

    assert_true(yaml_parser_initialize(&parser));
    yaml_parser_set_input_string(&parser, (const unsigned char *)text,
                                 strlen(text));
    assert_true(yaml_parser_load(&parser, &doc));
    root = yaml_document_get_root_node(&doc);
    for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(&doc, p->key);

        if (strcmp((const char *)k->data.scalar.value, "settings") == 0) {
            node = yaml_document_get_node(&doc, p->value);
        }
    }
    assert_non_null(node);
    rc = cfg_settings_from_yaml_node(s, &doc, node, "outage.yaml", err,
                                     errlen);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

static void
settings_from_yaml_node__reads_a_drill_block(void **state)
{
    struct cfg_settings s;
    char err[CFG_ERR_MAX] = "";
    int rc;

    (void)state;
    cfg_settings_init(&s);

    rc = drill_settings("name: outage\n"
                        "settings:\n"
                        "  probePeriod: 100ms\n"
                        "  probeTimeout: 50ms\n"
                        "  evictionRate: unlimited\n"
                        "clusters: []\n",
                        &s, err, sizeof(err));

    assert_string_equal(err, "");
    assert_int_equal(rc, 0);
    assert_true(s.probe_period_ns == 100 * NS_PER_MS);
    assert_true(s.probe_timeout_ns == 50 * NS_PER_MS);
    assert_true(isinf(s.eviction_rate_per_s));
    assert_true(s.grace_period_ns == 600 * NS_PER_S);
}

static void
settings_from_yaml_node__errors_name_drill_file_and_line(void **state)
{
    struct cfg_settings s;
    char err[CFG_ERR_MAX] = "";
    int rc;

    (void)state;
    cfg_settings_init(&s);

    rc = drill_settings("name: outage\n"
                        "settings:\n"
                        "  probePeriod: 1s\n"
                        "  timeout: 2s\n",
                        &s, err, sizeof(err));
    assert_int_equal(rc, -EINVAL);
    assert_true(strncmp(err, "outage.yaml:4: settings: unknown key "
                             "\"timeout\"",
                        45) == 0);

    cfg_settings_init(&s);
    rc = drill_settings("name: outage\n"
                        "settings:\n"
                        "  probePeriod: 1s\n",
                        &s, err, sizeof(err));
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err, "outage.yaml:3: settings.probePeriod: 1s must "
                             "be longer than settings.probeTimeout (5s)");
}

static void
failover_mode_name__names_every_mode(void **state)
{
    (void)state;

    assert_string_equal(cfg_failover_mode_name(CFG_FAILOVER_DISABLED),
                        "Disabled");
    assert_string_equal(cfg_failover_mode_name(CFG_FAILOVER_OBSERVE),
                        "Observe");
    assert_string_equal(cfg_failover_mode_name(CFG_FAILOVER_EVICT), "Evict");
    assert_string_equal(cfg_failover_mode_name((enum cfg_failover_mode)7),
                        "?");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults__match_scenarios_table),
        cmocka_unit_test(load_file__shipped_file_equals_defaults),
        cmocka_unit_test(load_string__empty_text_gives_defaults),
        cmocka_unit_test(load_string__reads_settings_of_every_kind),
        cmocka_unit_test(load_string__unlimited_rate_turns_pacing_off),
        cmocka_unit_test(load_string__reads_failover_nats_daemon_actors),
        cmocka_unit_test(load_string__nats_url_may_be_a_single_string),
        cmocka_unit_test(load_string__rejects_bad_input_naming_file_line_key),
        cmocka_unit_test(load_string__reports_syntax_error_line),
        cmocka_unit_test(
            load_string__short_error_buffer_is_truncated_not_overrun),
        cmocka_unit_test(load_string__observe_mode_allows_zero_burst),
        cmocka_unit_test(load_file__missing_file_names_path_and_errno),
        cmocka_unit_test_setup_teardown(
            load_file__bad_file_names_file_line_and_key, tmp_setup,
            tmp_teardown),
        cmocka_unit_test_setup_teardown(
            load_file__resolves_member_files_relative_to_the_file, tmp_setup,
            tmp_teardown),
        cmocka_unit_test_setup_teardown(
            load_file__rejects_cert_without_key_and_seed_with_user,
            tmp_setup, tmp_teardown),
        cmocka_unit_test(settings_apply__sets_one_key),
        cmocka_unit_test(settings_apply__rejects_unknown_key_and_bad_value),
        cmocka_unit_test(settings_validate__checks_relations),
        cmocka_unit_test(settings_from_yaml_node__reads_a_drill_block),
        cmocka_unit_test(
            settings_from_yaml_node__errors_name_drill_file_and_line),
        cmocka_unit_test(failover_mode_name__names_every_mode),
    };

    return cmocka_run_group_tests_name("config.config", tests, NULL, NULL);
}
