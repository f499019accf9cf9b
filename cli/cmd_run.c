/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla run`: the daemon. Loads the configuration, serves /healthz,
 * /readyz and /metrics, creates the streams, starts the chosen actors (each
 * on its own bus connection) and drains them on SIGTERM or SIGINT.
 */
#define LOG_MODULE "run"
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor/shell.h"
#include "bus/bus.h"
#include "config/config.h"
#include "util/http.h"
#include "util/log.h"
#include "util/metrics.h"

#define MAX_RUN 16

struct running {
    const struct cli_actor *actor;
    struct bus_conn *conn;
    struct actor_shell *shell;  /* a core's shell, or NULL for an agent */
    void *agent;                /* an agent's handle */
};

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: flotilla run [--config FILE] [--actors NAME,...] "
            "[--server URL] [--listen HOST:PORT]\n\n"
            "Runs the control-plane daemon: the chosen actors on the bus.\n"
            "  --config FILE   daemon configuration (docs/config.md); "
            "defaults apply without one\n"
            "  --actors LIST   actors to run; default: every actor built in\n"
            "                  but pull-agent, which runs next to Pull members\n"
            "  --server URL    NATS server(s), overriding the configuration\n"
            "  --listen ADDR   endpoint address for /healthz /readyz /metrics\n"
            "\nActors built into this program:");
    for (const struct cli_actor *a = cli_actors; a->name != NULL; a++) {
        fprintf(f, " %s", a->name);
    }
    fprintf(f, "%s\n", cli_actors[0].name == NULL ? " (none yet)" : "");
}

static const struct cli_actor *
find_actor(const char *name)
{
    for (const struct cli_actor *a = cli_actors; a->name != NULL; a++) {
        if (strcmp(a->name, name) == 0) {
            return a;
        }
    }
    return NULL;
}

/* Parses "a,b,c" into @out; prints what is wrong and returns -EINVAL. */
static int
choose_actors(const char *list, const struct cli_actor **out, int *n)
{
    char *copy;
    char *save = NULL;

    *n = 0;
    if (list == NULL) {
        for (const struct cli_actor *a = cli_actors; a->name && *n < MAX_RUN;
             a++) {
            if (!a->on_request) {
                out[(*n)++] = a;
            }
        }
        return 0;
    }
    copy = strdup(list);
    if (copy == NULL) {
        return -ENOMEM;
    }
    for (char *t = strtok_r(copy, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save)) {
        const struct cli_actor *a = find_actor(t);

        if (a == NULL || *n >= MAX_RUN) {
            fprintf(stderr, "flotilla run: --actors: '%s' is not an actor "
                            "built into this program (see --help)\n", t);
            free(copy);
            return -EINVAL;
        }
        out[(*n)++] = a;
    }
    free(copy);
    return 0;
}

static char *
join_urls(const struct cfg *c, const char *flag)
{
    size_t len = 1;
    char *s;

    if (flag != NULL) {
        return strdup(flag);
    }
    for (size_t i = 0; i < c->nats.n_urls; i++) {
        len += strlen(c->nats.urls[i]) + 1;
    }
    s = calloc(1, len);
    for (size_t i = 0; s != NULL && i < c->nats.n_urls; i++) {
        if (i > 0) {
            strcat(s, ",");
        }
        strcat(s, c->nats.urls[i]);
    }
    return s;
}

static int
connect_for(const struct cfg *c, const char *urls, const char *name,
            struct bus_conn **out)
{
    struct bus_options o;

    bus_options_init(&o);
    o.url = urls;
    o.name = name;
    o.user = c->nats.user;
    o.password = c->nats.password;
    o.tls_ca_file = c->nats.tls.ca_file;
    o.tls_cert_file = c->nats.tls.cert_file;
    o.tls_key_file = c->nats.tls.key_file;
    o.retry_first_connect = false;
    return bus_conn_new(&o, out);
}

/* Waits for SIGTERM or SIGINT, refreshing the lag gauges meanwhile. */
static void
wait_for_signal(struct running *run, int n)
{
    sigset_t set;
    struct timespec ts = { 5, 0 };

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    for (;;) {
        int sig = sigtimedwait(&set, NULL, &ts);

        if (sig == SIGTERM || sig == SIGINT) {
            log_info("stopping", "signal=%d", sig);
            return;
        }
        for (int i = 0; i < n; i++) {
            if (run[i].shell != NULL) {
                (void)actor_shell_update_lag(run[i].shell);
            }
        }
    }
}

struct run_args {
    const char *config;
    const char *actors;
    const char *server;
    const char *listen;
};

static int
parse_args(int argc, char **argv, struct run_args *a)
{
    memset(a, 0, sizeof(*a));
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;

        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(argv[i], "--config") == 0) {
            slot = &a->config;
        } else if (strcmp(argv[i], "--actors") == 0) {
            slot = &a->actors;
        } else if (strcmp(argv[i], "--server") == 0) {
            slot = &a->server;
        } else if (strcmp(argv[i], "--listen") == 0) {
            slot = &a->listen;
        }
        if (slot == NULL || i + 1 >= argc) {
            fprintf(stderr, "flotilla run: %s: %s\n", argv[i],
                    slot == NULL ? "unknown option" : "needs a value");
            usage(stderr);
            return -EINVAL;
        }
        *slot = argv[++i];
    }
    return 0;
}

int
cmd_run(int argc, char **argv)
{
    const struct cli_actor *chosen[MAX_RUN];
    struct running run[MAX_RUN];
    struct util_metrics *metrics = NULL;
    struct util_http *http = NULL;
    struct bus_conn *admin = NULL;
    struct cfg *cfg = NULL;
    struct run_args a;
    sigset_t set;
    char err[CFG_ERR_MAX];
    char *urls = NULL;
    int nrun = 0;
    int nchosen = 0;
    int rc;

    rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        return rc > 0 ? 0 : 2;
    }
    rc = a.config ? cfg_load_file(a.config, &cfg, err, sizeof(err))
                  : cfg_defaults(&cfg);
    if (rc != 0) {
        fprintf(stderr, "flotilla run: %s\n", a.config ? err : strerror(-rc));
        return 2;
    }
    if (choose_actors(a.actors, chosen, &nchosen) != 0) {
        cfg_free(cfg);
        return 2;
    }
    (void)util_log_set_level(cfg->daemon.log_level);

    /* Signals are taken by sigtimedwait(); block them in every thread. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    memset(run, 0, sizeof(run));
    urls = join_urls(cfg, a.server);
    rc = util_metrics_new(&metrics);
    if (rc == 0) {
        rc = util_http_start(a.listen ? a.listen : cfg->daemon.listen,
                             metrics, &http);
    }
    if (rc != 0) {
        fprintf(stderr, "flotilla run: endpoints: %s\n", strerror(-rc));
        goto out;
    }
    util_http_set_ready(http, false, "connecting to the bus");
    rc = connect_for(cfg, urls, "flotilla-admin", &admin);
    if (rc == 0) {
        rc = bus_streams_provision(admin, cli_streams_path(), 0, err,
                                   sizeof(err));
        if (rc != 0) {
            log_error("streams not provisioned", "detail=\"%s\"", err);
        }
    }
    if (rc != 0) {
        goto out;
    }
    util_http_set_ready(http, false, "rebuilding actor state");
    for (int i = 0; i < nchosen; i++) {
        struct actor_shell_options so = { 0 };
        char name[128];

        run[nrun].actor = chosen[i];
        snprintf(name, sizeof(name), "flotilla-%s", chosen[i]->name);
        rc = connect_for(cfg, urls, name, &run[nrun].conn);
        if (chosen[i]->core == NULL) {
            nrun++;
            if (rc == 0) {
                rc = chosen[i]->start(cfg, run[nrun - 1].conn,
                                      cfg->daemon.instance,
                                      &run[nrun - 1].agent);
            }
            if (rc != 0) {
                log_error("agent did not start", "agent=%s rc=%d",
                          chosen[i]->name, rc);
                goto out;
            }
            continue;
        }
        so.core = chosen[i]->core;
        so.core_config = chosen[i]->config ? chosen[i]->config(cfg) : NULL;
        so.instance = cfg->daemon.instance;
        so.conn = run[nrun].conn;
        so.metrics = metrics;
        if (rc == 0) {
            rc = actor_shell_new(&so, &run[nrun].shell);
        }
        nrun++;
        if (rc == 0) {
            rc = actor_shell_start(run[nrun - 1].shell);
        }
        if (rc != 0) {
            log_error("actor did not start", "actor=%s rc=%d",
                      chosen[i]->name, rc);
            goto out;
        }
    }
    util_http_set_ready(http, true, NULL);
    log_info("daemon ready", "actors=%d endpoints=%u bus=%s", nrun,
             (unsigned)util_http_port(http), urls);
    wait_for_signal(run, nrun);
    util_http_set_ready(http, false, "stopping");

out:
    for (int i = nrun - 1; i >= 0; i--) {
        if (run[i].agent != NULL) {
            run[i].actor->stop(run[i].agent);
        }
        actor_shell_free(run[i].shell);
        bus_conn_free(run[i].conn);
    }
    bus_conn_free(admin);
    util_http_stop(http);
    util_metrics_free(metrics);
    free(urls);
    cfg_free(cfg);
    bus_shutdown();
    return rc == 0 ? 0 : 1;
}
