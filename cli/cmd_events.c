/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla events [-f]`: the bus traffic, decoded. Without -f: the decisions
 * and failover steps kept in FL_EVENTS, oldest first. With -f: every message
 * on Flotilla's subjects as it is published, until Ctrl-C.
 */
#include "cli.h"
#include "commands.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bus/bus.h"
#include "bus/envelope.h"
#include "bus/subject.h"
#include "util/log.h"
#include "util/time.h"

#include "pbjson.h"

static volatile sig_atomic_t done;

static void
on_signal(int sig)
{
    (void)sig;
    done = 1;
}

static bool as_json;

/* -o json: the whole envelope, payload decoded, as one JSON line. */
static void
print_json(const char *subject, const void *data, size_t len)
{
    json_t *j = pbjson_envelope(data, len);
    char at[40];
    char *text;

    if (j == NULL) {
        return;
    }
    util_time_format_rfc3339(json_integer_value(json_object_get(j, "eventTimeNs")),
                             at, sizeof(at));
    json_object_set_new(j, "subject", json_string(subject));
    json_object_set_new(j, "time", json_string(at));
    text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    if (text != NULL) {
        puts(text);
        fflush(stdout);
    }
    free(text);
    json_decref(j);
}

/* What the other messages say, in short; "" when nothing fits a line. */
static void
summary(const Flotilla__V1__Envelope *env, char *what, size_t len)
{
    const ProtobufCMessageDescriptor *d = pbjson_descriptor(env->type);
    ProtobufCMessage *m = d != NULL && !env->deleted
                              ? protobuf_c_message_unpack(d, NULL,
                                                          env->payload.len,
                                                          env->payload.data)
                              : NULL;

    what[0] = '\0';
    if (m == NULL) {
        return;
    }
    if (d == &flotilla__v1__work_status__descriptor) {
        const Flotilla__V1__WorkStatus *w = (const void *)m;

        snprintf(what, len, "%s, ready %d/%d, %s%s%s",
                 w->present ? "present" : "absent", w->ready_replicas,
                 w->replicas, w->health, w->apply_error[0] ? ", error: " : "",
                 w->apply_error);
    } else if (d == &flotilla__v1__work_spec__descriptor) {
        const Flotilla__V1__WorkSpec *w = (const void *)m;

        snprintf(what, len, "%s (%s)", w->delete_ ? "delete" : "apply",
                 w->reason);
    } else if (d == &flotilla__v1__binding_spec__descriptor) {
        const Flotilla__V1__BindingSpec *b = (const void *)m;

        snprintf(what, len, "generation %" PRId64 ", %d replicas, policy %s%s%s",
                 b->generation, b->replicas, b->policy_namespace,
                 b->policy_namespace[0] ? "/" : "", b->policy_name);
    } else if (d == &flotilla__v1__cluster_status__descriptor) {
        const Flotilla__V1__ClusterStatus *c = (const void *)m;

        snprintf(what, len, "Ready %s (%s)", c->ready, c->reason);
    } else if (d == &flotilla__v1__probe_result__descriptor) {
        const Flotilla__V1__ProbeResult *p = (const void *)m;

        bool same = strcmp(p->outcome, p->detail) == 0;

        snprintf(what, len, "%s%s%s", p->outcome,
                 p->detail[0] && !same ? ": " : "", same ? "" : p->detail);
    } else if (d == &flotilla__v1__object_record__descriptor) {
        const Flotilla__V1__ObjectRecord *o = (const void *)m;

        snprintf(what, len, "applied by %s", o->applied_by);
    }
    protobuf_c_message_free_unpacked(m, NULL);
}

/* One line: time, producer, type, the key, and what it says in short. */
static void
print_envelope(const char *subject, const void *data, size_t len)
{
    Flotilla__V1__Envelope *env = NULL;
    char why[128], at[40], what[512] = "";

    if (bus_subject_classify(subject) == NULL) {
        return;
    }
    if (as_json) {
        print_json(subject, data, len);
        return;
    }
    if (bus_envelope_unpack(data, len, &env, why, sizeof(why)) != 0) {
        return;
    }
    util_time_format_rfc3339(env->event_time_ns, at, sizeof(at));
    if (strcmp(env->type, "DecisionEvent") == 0) {
        Flotilla__V1__DecisionEvent *d = flotilla__v1__decision_event__unpack(
            NULL, env->payload.len, env->payload.data);

        if (d != NULL) {
            snprintf(what, sizeof(what), "%s (%s)", d->decision, d->reason);
            flotilla__v1__decision_event__free_unpacked(d, NULL);
        }
    } else if (strcmp(env->type, "FailoverEvent") == 0) {
        Flotilla__V1__FailoverEvent *f = flotilla__v1__failover_event__unpack(
            NULL, env->payload.len, env->payload.data);

        if (f != NULL) {
            snprintf(what, sizeof(what), "%s %s: %s", f->cluster, f->step,
                     f->reason);
            flotilla__v1__failover_event__free_unpacked(f, NULL);
        }
    } else if (strcmp(env->type, "ScheduleDecision") == 0) {
        Flotilla__V1__ScheduleDecision *d =
            flotilla__v1__schedule_decision__unpack(NULL, env->payload.len,
                                                    env->payload.data);
        size_t off = 0;

        for (size_t i = 0; d != NULL && i < d->n_clusters && off < sizeof(what);
             i++) {
            off += (size_t)snprintf(what + off, sizeof(what) - off, "%s%s:%d",
                                    i ? " " : "", d->clusters[i]->name,
                                    d->clusters[i]->replicas);
        }
        if (d != NULL) {
            flotilla__v1__schedule_decision__free_unpacked(d, NULL);
        }
    }
    if (what[0] == '\0') {
        summary(env, what, sizeof(what));
    }
    /* the key names the object: events.<actor> subjects do not */
    printf("%s  %-24s %-18s %s%s%s%s\n", at, env->producer, env->type,
           env->key[0] != '\0' ? env->key : subject,
           env->deleted ? " (deleted)" : "", what[0] != '\0' ? ": " : "",
           what);
    fflush(stdout);
    bus_envelope_free(env);
}

static void
on_live(const char *subject, const void *data, size_t len, void *arg)
{
    (void)arg;
    print_envelope(subject, data, len);
}

static int
on_stored(const struct bus_msg *m, void *arg)
{
    (void)arg;
    print_envelope(m->subject, m->data, m->len);
    return 0;
}

int
cmd_events(int argc, char **argv)
{
    struct bus_conn *c = NULL;
    struct bus_sub *sub = NULL;
    const char *server = NULL;
    bool follow = false;
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: flotilla events [-f] [-o json] [--server URL]\n\n"
                   "Prints the decisions and failover steps the control plane "
                   "kept (FL_EVENTS),\noldest first. With -f, prints every "
                   "message on Flotilla's subjects as it is\npublished, decoded, "
                   "until Ctrl-C. -o json prints each as one JSON line:\nthe "
                   "envelope (key, producer, traceId, causation...) and the "
                   "whole message.\n");
            return 0;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            if (strcmp(argv[++i], "json") != 0) {
                fprintf(stderr, "flotilla events: -o %s: only json\n", argv[i]);
                return 2;
            }
            as_json = true;
        } else if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0) {
            follow = true;
        } else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) {
            server = argv[++i];
        } else {
            fprintf(stderr, "flotilla events: unexpected '%s'\n", argv[i]);
            return 2;
        }
    }
    if (cli_connect(cli_server_url(server), &c) != 0) {
        return 1;
    }
    if (!follow) {
        rc = bus_read_range(c, "FL_EVENTS", NULL, 1, on_stored, NULL);
    } else {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        rc = bus_subscribe(c, ">", on_live, NULL, &sub);
        while (rc == 0 && !done) {
            usleep(100 * 1000);
        }
        bus_unsubscribe(sub);
    }
    bus_conn_free(c);
    bus_shutdown();
    return rc == 0 ? 0 : 1;
}
