/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla taint cluster NAME KEY[=VALUE]:EFFECT[-]`, `cordon NAME` and
 * `uncordon NAME`: manual taints, asked of the cluster actor (the owner of
 * every cluster's taint set) on req.taint.<cluster>.
 */
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/actor.h"
#include "bus/bus.h"
#include "bus/subject.h"
#include "util/log.h"
#include "util/time.h"

#define CORDON_KEY "cluster.flotilla.io/cordoned"

static int
send_request(const char *server, const char *cluster, Flotilla__V1__Taint *t,
             bool remove)
{
    Flotilla__V1__TaintRequest req = FLOTILLA__V1__TAINT_REQUEST__INIT;
    Flotilla__V1__Taint *list[1] = { t };
    struct bus_conn *c = NULL;
    struct actor_fx fx = { 0 };
    struct bus_pub p = { 0 };
    char subject[BUS_SUBJECT_MAX];
    const char *user = getenv("USER");
    char producer[128];
    int rc;

    snprintf(producer, sizeof(producer), "cli/%s", user ? user : "user");
    req.cluster = (char *)cluster;
    req.requested_by = producer;
    if (remove) {
        req.remove = list;
        req.n_remove = 1;
    } else {
        req.add = list;
        req.n_add = 1;
    }
    if (cli_connect(cli_server_url(server), &c) != 0) {
        return 1;
    }
    bus_subject_build(subject, sizeof(subject), "req.taint", cluster, NULL,
                      NULL);
    actor_fx_begin(&fx, "cli", producer, util_time_now_ns(), NULL, subject);
    rc = actor_fx_publish(&fx, subject, cluster, "TaintRequest", &req.base, 0);
    if (rc == 0) {
        p.subject = subject;
        p.data = fx.outs[0].data;
        p.len = fx.outs[0].len;
        rc = bus_publish(c, &p, NULL, NULL);
    }
    actor_fx_release(&fx);
    bus_conn_free(c);
    bus_shutdown();
    if (rc != 0) {
        fprintf(stderr, "flotilla: the request was not sent: %s\n",
                strerror(-rc));
        return 1;
    }
    printf("cluster/%s %s %s%s%s:%s (asked of the cluster actor)\n", cluster,
           remove ? "untainted" : "tainted", t->key, t->value[0] ? "=" : "",
           t->value, t->effect);
    return 0;
}

/* Parses KEY[=VALUE]:EFFECT[-]. */
static int
parse_taint(char *spec, Flotilla__V1__Taint *t, bool *remove)
{
    size_t n = strlen(spec);
    char *colon, *eq;

    *remove = n > 0 && spec[n - 1] == '-';
    if (*remove) {
        spec[n - 1] = '\0';
    }
    colon = strrchr(spec, ':');
    if (colon == NULL) {
        return -EINVAL;
    }
    *colon = '\0';
    t->effect = colon + 1;
    if (strcmp(t->effect, "NoSchedule") != 0 &&
        strcmp(t->effect, "PreferNoSchedule") != 0 &&
        strcmp(t->effect, "NoExecute") != 0) {
        return -EINVAL;
    }
    eq = strchr(spec, '=');
    if (eq != NULL) {
        *eq = '\0';
        t->value = eq + 1;
    } else {
        t->value = "";
    }
    t->key = spec;
    return spec[0] != '\0' ? 0 : -EINVAL;
}

int
cmd_taint(int argc, char **argv)
{
    Flotilla__V1__Taint t = FLOTILLA__V1__TAINT__INIT;
    const char *server = NULL;
    char spec[512];
    bool remove = false;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
                      strcmp(argv[1], "-h") == 0)) {
        printf("usage: flotilla taint cluster NAME KEY[=VALUE]:EFFECT[-] "
               "[--server URL]\n\nAdds a manual taint to a cluster, or removes "
               "it with a trailing '-'.\nEFFECT is NoSchedule, PreferNoSchedule "
               "or NoExecute (which evicts what does not tolerate it).\n");
        return 0;
    }
    if (argc >= 6 && strcmp(argv[4], "--server") == 0) {
        server = argv[5];
    }
    if (argc < 4 || strcmp(argv[1], "cluster") != 0) {
        fprintf(stderr, "usage: flotilla taint cluster NAME KEY[=VALUE]:EFFECT[-]\n");
        return 2;
    }
    snprintf(spec, sizeof(spec), "%s", argv[3]);
    t.source = "manual";
    if (parse_taint(spec, &t, &remove) != 0) {
        fprintf(stderr, "flotilla taint: '%s' is not KEY[=VALUE]:EFFECT with "
                        "EFFECT NoSchedule, PreferNoSchedule or NoExecute\n",
                argv[3]);
        return 2;
    }
    return send_request(server, argv[2], &t, remove);
}

static int
cordon_common(int argc, char **argv, bool remove)
{
    Flotilla__V1__Taint t = FLOTILLA__V1__TAINT__INIT;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        printf("usage: flotilla %s NAME [--server URL]\n\n%s\n", argv[0],
               remove ? "Lets the scheduler place new work on the cluster again."
                      : "Stops new placements on the cluster (a NoSchedule "
                        "taint); what runs there stays.");
        return argc < 2 ? 2 : 0;
    }
    t.key = CORDON_KEY;
    t.value = "";
    t.effect = "NoSchedule";
    t.source = "manual";
    return send_request(argc >= 4 && strcmp(argv[2], "--server") == 0 ? argv[3]
                                                                      : NULL,
                        argv[1], &t, remove);
}

int
cmd_cordon(int argc, char **argv)
{
    return cordon_common(argc, argv, false);
}

int
cmd_uncordon(int argc, char **argv)
{
    return cordon_common(argc, argv, true);
}
