/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla rebalance NAMESPACE/BINDING|--all`: a fresh schedule, for
 * fail-back after a recovery. It sends a Karmada WorkloadRebalancer naming
 * the workloads, exactly as a user applying one would; the policy actor
 * stamps their bindings and the scheduler places them afresh.
 */
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bus/bus.h"
#include "bus/envelope.h"
#include "model/decode.h"
#include "model/object.h"
#include "util/log.h"

struct pick {
    const char *want;    /* "ns/binding", or NULL for all */
    json_t *workloads;
};

static int
pick_one(const struct bus_msg *m, void *arg)
{
    struct pick *p = arg;
    Flotilla__V1__Envelope *env = NULL;
    Flotilla__V1__BindingSpec *b;
    char key[600], why[128];

    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) != 0) {
        return 0;
    }
    b = env->deleted ? NULL
                     : flotilla__v1__binding_spec__unpack(NULL, env->payload.len,
                                                          env->payload.data);
    bus_envelope_free(env);
    if (b == NULL || b->resource == NULL) {
        if (b != NULL) {
            flotilla__v1__binding_spec__free_unpacked(b, NULL);
        }
        return 0;
    }
    snprintf(key, sizeof(key), "%s/%s", b->namespace_, b->name);
    if (p->want == NULL || strcmp(p->want, key) == 0 ||
        strcmp(p->want, b->name) == 0) {
        json_t *w = json_pack("{s:s, s:s, s:s}", "apiVersion",
                              b->resource->api_version, "kind",
                              b->resource->kind, "name", b->resource->name);

        if (w != NULL && b->resource->namespace_[0] != '\0') {
            json_object_set_new(w, "namespace",
                                json_string(b->resource->namespace_));
        }
        json_array_append_new(p->workloads, w);
    }
    flotilla__v1__binding_spec__free_unpacked(b, NULL);
    return 0;
}

int
cmd_rebalance(int argc, char **argv)
{
    struct pick p = { NULL, NULL };
    struct model_set set = { NULL, 0 };
    struct model_object *obj = NULL;
    struct model_error err;
    struct bus_conn *c = NULL;
    const char *server = NULL;
    bool all = false;
    json_t *rb;
    char *text;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: flotilla rebalance NAMESPACE/BINDING|--all "
                   "[--server URL]\n\nSchedules the binding (or every binding) "
                   "afresh, as a Karmada\nWorkloadRebalancer does: for "
                   "fail-back after a cluster recovered.\n");
            return 0;
        } else if (strcmp(argv[i], "--all") == 0) {
            all = true;
        } else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) {
            server = argv[++i];
        } else if (p.want == NULL) {
            p.want = argv[i];
        } else {
            fprintf(stderr, "flotilla rebalance: unexpected '%s'\n", argv[i]);
            return 2;
        }
    }
    if (all == (p.want != NULL)) {
        fprintf(stderr, "usage: flotilla rebalance NAMESPACE/BINDING|--all\n");
        return 2;
    }
    if (cli_connect(cli_server_url(server), &c) != 0) {
        return 1;
    }
    p.workloads = json_array();
    rc = bus_read_last_per_subject(c, "FL_BINDINGS", "binding.spec.*.*",
                                   pick_one, &p);
    bus_conn_free(c);
    if (rc != 0 || json_array_size(p.workloads) == 0) {
        fprintf(stderr, "flotilla rebalance: %s\n",
                rc != 0 ? strerror(-rc) : "no such binding (see flotilla get bindings)");
        json_decref(p.workloads);
        bus_shutdown();
        return 1;
    }
    rb = json_pack("{s:s, s:s, s:{s:s}, s:{s:o}}", "apiVersion",
                   "apps.karmada.io/v1alpha1", "kind", "WorkloadRebalancer",
                   "metadata", "name", "flotilla-cli-rebalance", "spec",
                   "workloads", p.workloads);
    text = rb != NULL ? json_dumps(rb, JSON_COMPACT) : NULL;
    json_decref(rb);
    memset(&err, 0, sizeof(err));
    rc = text != NULL ? model_object_from_json_text("rebalance", text, &obj, &err)
                      : -ENOMEM;
    free(text);
    if (rc != 0) {
        char msg[600];

        model_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "flotilla rebalance: %s\n", msg);
        bus_shutdown();
        return 1;
    }
    (void)model_set_add(&set, obj);
    rc = cli_objects_publish(&set, false, server);
    model_set_release(&set);
    return rc == 0 ? 0 : 1;
}
