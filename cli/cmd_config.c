/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla config check FILE` validates a configuration file the way the
 * daemon will; `flotilla config show [FILE]` prints the effective
 * configuration (the file's values over the defaults) as YAML.
 */
#include "commands.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "util/time.h"

static void
config_usage(FILE *f)
{
    fprintf(f,
            "usage: flotilla config check FILE\n"
            "       flotilla config show [FILE]\n"
            "\n"
            "check  reads FILE as 'flotilla run' would and reports the first\n"
            "       error with file, line and key.\n"
            "show   prints the effective configuration as YAML: FILE's values\n"
            "       over the built-in defaults (the defaults alone without\n"
            "       FILE). Passwords are not printed.\n"
            "\n"
            "docs/config.md describes every key.\n"
            "\n"
            "Exit status: 0 valid, 1 invalid, 2 usage error.\n");
}

static void
print_duration(const char *key, int64_t ns)
{
    char buf[32];

    util_duration_format(ns, buf, sizeof(buf));
    printf("  %s: %s\n", key, buf);
}

static void
print_file(const char *indent, const char *key, const char *path)
{
    if (path != NULL) {
        printf("%s%s: \"%s\"\n", indent, key, path);
    }
}

static void
show_settings(const struct cfg_settings *s)
{
    printf("settings:\n");
    print_duration("probePeriod", s->probe_period_ns);
    print_duration("probeTimeout", s->probe_timeout_ns);
    print_duration("failureThreshold", s->failure_threshold_ns);
    print_duration("successThreshold", s->success_threshold_ns);
    print_duration("heartbeatPeriod", s->heartbeat_period_ns);
    print_duration("heartbeatGrace", s->heartbeat_grace_ns);
    print_duration("statusPeriod", s->status_period_ns);
    if (isinf(s->eviction_rate_per_s)) {
        printf("  evictionRate: unlimited\n");
    } else {
        printf("  evictionRate: %.17g/s\n", s->eviction_rate_per_s);
    }
    printf("  evictionBurst: %u\n", s->eviction_burst);
    printf("  massOutageShare: \"%.15g%%\"\n", s->mass_outage_share * 100);
    printf("  massOutageMinClusters: %u\n", s->mass_outage_min_clusters);
    print_duration("gracePeriod", s->grace_period_ns);
    print_duration("deadAfter", s->dead_after_ns);
}

static void
show_members(const struct cfg *c)
{
    if (c->n_members == 0) {
        printf("members: []\n");
        return;
    }
    printf("members:\n");
    for (size_t i = 0; i < c->n_members; i++) {
        const struct cfg_member *m = &c->members[i];

        printf("  - name: %s\n", m->name);
        if (m->api_endpoint != NULL) {
            printf("    apiEndpoint: \"%s\"\n", m->api_endpoint);
        }
        printf("    syncMode: %s\n",
               m->sync_mode == CFG_SYNC_PULL ? "Pull" : "Push");
        print_file("    ", "tokenFile", m->token_file);
        print_file("    ", "caFile", m->ca_file);
        print_file("    ", "certFile", m->cert_file);
        print_file("    ", "keyFile", m->key_file);
    }
}

static void
show_actors(const struct cfg *c)
{
    const char *sep = "";
    char buf[32];

    printf("actors:\n  run: [");
    for (int i = 0; i < CFG_ACTOR_COUNT; i++) {
        if (c->actors[i].run) {
            printf("%s%s", sep, c->actors[i].name);
            sep = ", ";
        }
    }
    printf("]\n");
    for (int i = 0; i < CFG_ACTOR_COUNT; i++) {
        const struct cfg_actor *a = &c->actors[i];

        util_duration_format(a->ack_wait_ns, buf, sizeof(buf));
        printf("  %s: {partitions: %u, instances: %u, ackWait: %s, "
               "maxDeliver: %d}\n",
               a->name, a->partitions, a->instances, buf, a->max_deliver);
    }
}

static void
show(const struct cfg *c)
{
    char buf[32];

    printf("nats:\n  urls: [");
    for (size_t i = 0; i < c->nats.n_urls; i++) {
        printf("%s\"%s\"", i > 0 ? ", " : "", c->nats.urls[i]);
    }
    printf("]\n  name: \"%s\"\n", c->nats.name);
    if (c->nats.user != NULL) {
        printf("  user: \"%s\"\n  password: (set, not shown)\n",
               c->nats.user);
    }
    print_file("  ", "nkeySeedFile", c->nats.nkey_seed_file);
    if (c->nats.tls.ca_file != NULL || c->nats.tls.cert_file != NULL) {
        printf("  tls:\n");
        print_file("    ", "caFile", c->nats.tls.ca_file);
        print_file("    ", "certFile", c->nats.tls.cert_file);
        print_file("    ", "keyFile", c->nats.tls.key_file);
    }
    util_duration_format(c->nats.reconnect_wait_ns, buf, sizeof(buf));
    printf("  reconnectWait: %s\n  maxReconnects: %d\n", buf,
           c->nats.max_reconnects);
    printf("daemon:\n  instance: \"%s\"\n  listen: \"%s\"\n  logLevel: %s\n"
           "  dataDir: \"%s\"\n",
           c->daemon.instance, c->daemon.listen, c->daemon.log_level,
           c->daemon.data_dir);
    show_settings(&c->settings);
    printf("failover:\n  mode: %s\n", cfg_failover_mode_name(c->failover.mode));
    show_members(c);
    show_actors(c);
}

int
cmd_config(int argc, char **argv)
{
    char err[CFG_ERR_MAX];
    struct cfg *c = NULL;
    bool check;
    int rc;

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
                      strcmp(argv[1], "-h") == 0)) {
        config_usage(stdout);
        return 0;
    }
    if (argc < 2 || argc > 3 ||
        (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "show") != 0) ||
        (strcmp(argv[1], "check") == 0 && argc != 3)) {
        config_usage(stderr);
        return 2;
    }
    check = strcmp(argv[1], "check") == 0;
    if (argc == 3) {
        rc = cfg_load_file(argv[2], &c, err, sizeof(err));
    } else {
        rc = cfg_defaults(&c);
        snprintf(err, sizeof(err), "out of memory");
    }
    if (rc != 0) {
        fprintf(stderr, "flotilla config: %s\n", err);
        return 1;
    }
    if (check) {
        printf("%s: valid (failover.mode %s, %zu member(s))\n", argv[2],
               cfg_failover_mode_name(c->failover.mode), c->n_members);
    } else {
        show(c);
    }
    cfg_free(c);
    return 0;
}
