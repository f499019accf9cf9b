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
#include "util/strmap.h"
#include "util/time.h"

/* Objects in flight at once: enough to hide the round trip to the bus. */
#define PUBLISH_WINDOW 256

/* Queues @o's record (or tombstone) on @subject without waiting. */
static int
publish_one(struct bus_conn *c, const struct model_object *o, bool delete,
            const char *producer, const char *subject)
{
    Flotilla__V1__ObjectRecord rec = FLOTILLA__V1__OBJECT_RECORD__INIT;
    struct actor_fx fx = { 0 };
    struct bus_pub p = { 0 };
    char key[600];
    char *text = NULL;
    int rc;

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
        rc = bus_publish_async(c, &p);
    }
    actor_fx_release(&fx);
    free(text);
    return rc;
}

/* An ack's error, kept per subject (num: -errno + 1, 1 for stored). */
static void
note_ack(const char *subject, uint64_t seq, int err, void *arg)
{
    struct strmap_entry *e = util_strmap_put(arg, subject);

    (void)seq;
    if (e != NULL && (e->num == 0 || err != 0)) {
        e->num = (uint64_t)(-err) + 1;
    }
}

static void
object_kind(const struct model_object *o, char *kind, size_t len)
{
    size_t k;

    for (k = 0; o->kind[k] != '\0' && k + 1 < len; k++) {
        kind[k] = (char)tolower((unsigned char)o->kind[k]);
    }
    kind[k] = '\0';
}

/*
 * Sends the objects [@from, @to) of @set in one window and reports each:
 * queued without waiting, then every ack awaited at once. Returns how many
 * failed.
 */
static int
publish_window(struct bus_conn *c, const struct model_set *set, size_t from,
               size_t to, bool delete, const char *producer)
{
    char (*subjects)[BUS_SUBJECT_MAX] = calloc(to - from, BUS_SUBJECT_MAX);
    int *errs = calloc(to - from, sizeof(*errs));
    struct strmap acks = { 0 };
    int failed = 0;
    int wrc;

    if (subjects == NULL || errs == NULL) {
        free(subjects);
        free(errs);
        return (int)(to - from);
    }
    for (size_t i = from; i < to; i++) {
        const struct model_object *o = set->items[i];

        if (bus_subject_build(subjects[i - from], BUS_SUBJECT_MAX, "object",
                              o->kind, o->namespace_, o->name) < 0) {
            errs[i - from] = -ENAMETOOLONG;
            continue;
        }
        errs[i - from] = publish_one(c, o, delete, producer, subjects[i - from]);
    }
    wrc = bus_publish_wait(c, 30000, note_ack, &acks);
    for (size_t i = from; i < to; i++) {
        const struct model_object *o = set->items[i];
        int err = errs[i - from];
        char kind[128];

        if (err == 0) {
            struct strmap_entry *e = util_strmap_get(&acks, subjects[i - from]);

            /* No ack at all: the wait ended first (time-out, lost bus). */
            err = e != NULL ? -(int)(e->num - 1) : (wrc != 0 ? wrc : -EIO);
        }
        object_kind(o, kind, sizeof(kind));
        if (err != 0) {
            fprintf(stderr, "flotilla: %s/%s not sent: %s\n", kind, o->name,
                    strerror(-err));
            failed++;
            continue;
        }
        printf("%s%s%s/%s %s\n", kind, o->group[0] ? "." : "", o->group,
               o->name, delete ? "deleted" : "applied");
    }
    util_strmap_release(&acks);
    free(subjects);
    free(errs);
    return failed;
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
    /* Messages on one connection keep their order: a later object in the
     * files still lands after an earlier one. */
    for (size_t i = 0; i < set->n; i += PUBLISH_WINDOW) {
        size_t to = i + PUBLISH_WINDOW < set->n ? i + PUBLISH_WINDOW : set->n;

        failed += publish_window(c, set, i, to, delete, producer);
    }
    bus_conn_free(c);
    bus_shutdown();
    return failed > 0 ? -EIO : 0;
}
