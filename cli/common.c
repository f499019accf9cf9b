/* SPDX-License-Identifier: Apache-2.0 */
/* Shared CLI helpers; see cli.h. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appfo/appfo.h"
#include "bus/bus.h"
#include "config/config.h"
#include "cstatus/cstatus.h"
#include "ctaint/ctaint.h"
#include "executor/executor.h"
#include "geviction/geviction.h"
#include "magent/agent.h"
#include "policy/actor.h"
#include "prober/prober.h"
#include "sched/actor.h"
#include "tmgr/tmgr.h"

#ifndef FL_SOURCE_DIR
#define FL_SOURCE_DIR "."
#endif

/* Actors built into this program. Each issue that builds one adds it here. */
static int
prober_agent_start(const struct cfg *c, struct bus_conn *conn,
                   const char *instance, void **handle)
{
    return prober_start(c, conn, instance, (struct prober **)handle);
}

static void
prober_agent_stop(void *handle)
{
    prober_stop(handle);
}

/* The cores that take the timing settings of the configuration file. */
static const void *
settings_config(const struct cfg *c)
{
    return &c->settings;
}

static int
member_agent_run(const struct cfg *c, struct bus_conn *conn,
                 const char *instance, void **handle)
{
    return member_agent_start(c, conn, instance,
                              (struct member_agent **)handle);
}

static void
member_agent_end(void *handle)
{
    member_agent_stop(handle);
}

/*
 * The Pull members' agent: heartbeats and the member agent for the Pull
 * members of the configuration that have an apiEndpoint. It runs where
 * those members can be reached, so it is not among the default actors of
 * the control plane: `flotilla run --actors pull-agent --config FILE`.
 */
struct pull_agent {
    struct prober *heartbeats;
    struct member_agent *works;
};

static int
pull_agent_start(const struct cfg *c, struct bus_conn *conn,
                 const char *instance, void **handle)
{
    struct pull_agent *pa = calloc(1, sizeof(*pa));
    int rc;

    if (pa == NULL) {
        return -ENOMEM;
    }
    rc = prober_start_heartbeats(c, conn, instance, &pa->heartbeats);
    if (rc == 0) {
        rc = member_agent_start_pull(c, conn, instance, &pa->works);
    }
    if (rc != 0) {
        prober_stop(pa->heartbeats);
        free(pa);
        return rc;
    }
    *handle = pa;
    return 0;
}

static void
pull_agent_stop(void *handle)
{
    struct pull_agent *pa = handle;

    if (pa != NULL) {
        member_agent_stop(pa->works);
        prober_stop(pa->heartbeats);
        free(pa);
    }
}

const struct cli_actor cli_actors[] = {
    { "member-agent", NULL, NULL, member_agent_run, member_agent_end, false },
    { "application-failover", &appfo_core, appfo_config_build, NULL, NULL,
      false },
    { "cluster", &ctaint_core, NULL, NULL, NULL, false },
    { "cluster-status", &cstatus_core, settings_config, NULL, NULL, false },
    { "executor", &executor_core, executor_config_from_cfg, NULL, NULL,
      false },
    { "graceful-eviction", &geviction_core, geviction_config_build, NULL,
      NULL, false },
    { "policy", &policy_actor_core, NULL, NULL, NULL, false },
    { "prober", NULL, NULL, prober_agent_start, prober_agent_stop, false },
    { "pull-agent", NULL, NULL, pull_agent_start, pull_agent_stop, true },
    { "scheduler", &sched_actor_core, NULL, NULL, NULL, false },
    { "taint-manager", &tmgr_core, tmgr_config_build, NULL, NULL, false },
    { NULL, NULL, NULL, NULL, NULL, false },
};

const char *
cli_server_url(const char *flag)
{
    static char from_up[256];
    const char *env = getenv("FLOTILLA_NATS_URL");
    char path[1024];
    FILE *f;

    if (flag != NULL) {
        return flag;
    }
    if (env != NULL && env[0] != '\0') {
        return env;
    }
    /* The bus `make up` of this checkout started, on whatever port. */
    snprintf(path, sizeof(path), "%s/.up/nats.url", FL_SOURCE_DIR);
    f = fopen(path, "r");
    if (f != NULL) {
        bool ok = fgets(from_up, sizeof(from_up), f) != NULL;

        fclose(f);
        from_up[strcspn(from_up, "\r\n")] = '\0';
        if (ok && strncmp(from_up, "nats://", 7) == 0) {
            return from_up;
        }
    }
    return "nats://127.0.0.1:4222";
}

int
cli_connect(const char *url, struct bus_conn **out)
{
    struct bus_options o;
    int rc;

    bus_options_init(&o);
    o.url = url;
    o.name = "flotilla-cli";
    o.connect_timeout_ms = 2000;
    rc = bus_conn_new(&o, out);
    if (rc != 0) {
        fprintf(stderr, "flotilla: cannot reach the bus at %s (%s); is the "
                        "control plane running ('make up')?\n", url,
                strerror(-rc));
    }
    return rc;
}

const char *
cli_streams_path(void)
{
    static char path[1024];
    const char *env = getenv("FLOTILLA_STREAMS");

    if (env != NULL && env[0] != '\0') {
        return env;
    }
    snprintf(path, sizeof(path), "%s/deploy/nats/streams.json",
             FL_SOURCE_DIR);
    return path;
}

int
cli_paths_add(struct cli_paths *p, const char *arg)
{
    const char *start = arg;

    for (;;) {
        const char *comma = strchr(start, ',');
        size_t len = comma != NULL ? (size_t)(comma - start) : strlen(start);

        if (len == 0) {
            return -EINVAL;
        }
        if (p->n >= CLI_PATHS_MAX) {
            return -E2BIG;
        }
        p->v[p->n] = strndup(start, len);
        if (p->v[p->n] == NULL) {
            return -ENOMEM;
        }
        p->n++;
        if (comma == NULL) {
            return 0;
        }
        start = comma + 1;
    }
}

void
cli_paths_release(struct cli_paths *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i]);
    }
    p->n = 0;
}

int
cli_paths_load(const struct cli_paths *p, struct model_set *set,
               model_verdict_fn *fn, void *ctx, const char **bad)
{
    int result = 0;

    for (size_t i = 0; i < p->n; i++) {
        int rc = model_load_path(p->v[i], set, fn, ctx);

        if (rc == -EINVAL) {
            result = rc;
        } else if (rc != 0) {
            *bad = p->v[i];
            return rc;
        }
    }
    return result;
}
