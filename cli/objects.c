/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sending the user's objects to the control plane: each accepted object is
 * published as an ObjectRecord on object.<kind>.<ns>.<name> (a tombstone for
 * `delete`), and the policy actor takes it from there.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "actor/actor.h"
#include "bus/bus.h"
#include "bus/subject.h"
#include "model/object.h"
#include "util/time.h"

static int
publish_one(struct bus_conn *c, const struct model_object *o, bool delete,
            const char *producer)
{
    Flotilla__V1__ObjectRecord rec = FLOTILLA__V1__OBJECT_RECORD__INIT;
    struct actor_fx fx = { 0 };
    struct bus_pub p = { 0 };
    char subject[BUS_SUBJECT_MAX];
    char key[600];
    char *text = NULL;
    int rc;

    if (bus_subject_build(subject, sizeof(subject), "object", o->kind,
                          o->namespace_, o->name) < 0) {
        return -ENAMETOOLONG;
    }
    snprintf(key, sizeof(key), "%s/%s/%s", o->kind, o->namespace_, o->name);
    if (!delete) {
        text = json_dumps(o->json, JSON_COMPACT | JSON_SORT_KEYS);
        if (text == NULL) {
            return -ENOMEM;
        }
        rec.api_version = (char *)o->api_version;
        rec.kind = (char *)o->kind;
        rec.namespace_ = (char *)o->namespace_;
        rec.name = (char *)o->name;
        rec.uid = (char *)o->uid;
        rec.json.data = (uint8_t *)text;
        rec.json.len = strlen(text);
        rec.applied_by = (char *)producer;
    }
    actor_fx_begin(&fx, "cli", producer, util_time_now_ns(), NULL, subject);
    rc = actor_fx_publish(&fx, subject, key, "ObjectRecord",
                          delete ? NULL : &rec.base,
                          delete ? ACTOR_PUB_TOMBSTONE : 0);
    if (rc == 0) {
        p.subject = subject;
        p.data = fx.outs[0].data;
        p.len = fx.outs[0].len;
        rc = bus_publish(c, &p, NULL, NULL);
    }
    actor_fx_release(&fx);
    free(text);
    return rc;
}

int
cli_objects_publish(const struct model_set *set, bool delete,
                    const char *server)
{
    struct bus_conn *c = NULL;
    char producer[160];
    const char *user = getenv("USER");
    int failed = 0;
    int rc;

    snprintf(producer, sizeof(producer), "cli/%s",
             user != NULL && user[0] != '\0' ? user : "user");
    rc = cli_connect(cli_server_url(server), &c);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < set->n; i++) {
        const struct model_object *o = set->items[i];
        char kind[128];
        size_t k;

        for (k = 0; o->kind[k] != '\0' && k + 1 < sizeof(kind); k++) {
            kind[k] = (char)tolower((unsigned char)o->kind[k]);
        }
        kind[k] = '\0';
        rc = publish_one(c, o, delete, producer);
        if (rc != 0) {
            fprintf(stderr, "flotilla: %s/%s not sent: %s\n", kind, o->name,
                    strerror(-rc));
            failed++;
            continue;
        }
        printf("%s%s%s/%s %s\n", kind, o->group[0] ? "." : "", o->group,
               o->name, delete ? "deleted" : "applied");
    }
    bus_conn_free(c);
    bus_shutdown();
    return failed > 0 ? -EIO : 0;
}
