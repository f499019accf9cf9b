/* SPDX-License-Identifier: Apache-2.0 */
/* Stream creation from definitions, idempotently. */
#define LOG_MODULE "bus"
#include "bus_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/log.h"
#include "util/time.h"

static void
fill_config(jsStreamConfig *cfg, const struct bus_stream_def *d,
            const char **subjects, int nsubjects)
{
    jsStreamConfig_Init(cfg);
    cfg->Name = d->name;
    cfg->Subjects = subjects;
    cfg->SubjectsLen = nsubjects;
    cfg->Retention = js_LimitsPolicy;
    cfg->Storage = d->memory ? js_MemoryStorage : js_FileStorage;
    cfg->Replicas = d->replicas > 0 ? d->replicas : 1;
    cfg->Duplicates = d->duplicates_ns > 0 ? d->duplicates_ns
                                           : 120 * NS_PER_S;
    cfg->MaxAge = d->max_age_ns;
    cfg->MaxBytes = d->max_bytes > 0 ? d->max_bytes : -1;
    cfg->MaxMsgsPerSubject = d->state ? 1 : -1;
    cfg->Discard = js_DiscardOld;
    cfg->AllowRollup = d->state;
    cfg->AllowDirect = true;
}

int
bus_stream_ensure(struct bus_conn *c, const struct bus_stream_def *d)
{
    const char **subjects = NULL;
    jsStreamInfo *si = NULL;
    jsStreamConfig cfg;
    jsErrCode jerr = 0;
    natsStatus s;
    int n = 0;
    int rc;

    while (d->subjects[n] != NULL) {
        n++;
    }
    subjects = calloc((size_t)n + 1, sizeof(*subjects));
    if (subjects == NULL) {
        return -ENOMEM;
    }
    memcpy(subjects, d->subjects, (size_t)n * sizeof(*subjects));
    fill_config(&cfg, d, subjects, n);

    s = js_AddStream(&si, c->js, &cfg, NULL, &jerr);
    if (s != NATS_OK && jerr == JSStreamNameExistErr) {
        s = js_UpdateStream(&si, c->js, &cfg, NULL, &jerr);
    }
    rc = bus_errno_from_nats(s, jerr);
    if (rc != 0) {
        log_error("stream not created", "stream=%s jerr=%d detail=\"%s\"",
                  d->name, (int)jerr, nats_GetLastError(NULL));
    } else {
        log_debug("stream ready", "stream=%s state=%d replicas=%d", d->name,
                  (int)d->state, (int)cfg.Replicas);
    }
    jsStreamInfo_Destroy(si);
    free(subjects);
    return rc;
}

static int
parse_def(json_t *j, struct bus_stream_def *d, const char **subj, size_t cap,
          char *err, size_t errlen)
{
    const char *name = json_string_value(json_object_get(j, "name"));
    const char *retention = json_string_value(json_object_get(j, "retention"));
    const char *age = json_string_value(json_object_get(j, "maxAge"));
    json_t *subjects = json_object_get(j, "subjects");
    size_t i;
    json_t *v;

    memset(d, 0, sizeof(*d));
    if (name == NULL || !json_is_array(subjects) || retention == NULL) {
        snprintf(err, errlen, "stream %s: needs name, subjects and retention",
                 name ? name : "(unnamed)");
        return -EINVAL;
    }
    if (json_array_size(subjects) + 1 > cap) {
        snprintf(err, errlen, "stream %s: too many subjects", name);
        return -EINVAL;
    }
    d->name = name;
    d->state = strcmp(retention, "state") == 0;
    if (!d->state && strcmp(retention, "log") != 0) {
        snprintf(err, errlen, "stream %s: retention: \"%s\" is not state or log",
                 name, retention);
        return -EINVAL;
    }
    if (age != NULL && util_duration_parse(age, &d->max_age_ns) != 0) {
        snprintf(err, errlen, "stream %s: maxAge: \"%s\" is not a duration",
                 name, age);
        return -EINVAL;
    }
    d->max_bytes = json_integer_value(json_object_get(j, "maxBytes"));
    d->replicas = (int)json_integer_value(json_object_get(j, "replicas"));
    json_array_foreach(subjects, i, v) {
        subj[i] = json_string_value(v);
        if (subj[i] == NULL) {
            snprintf(err, errlen, "stream %s: subjects[%zu] is not a string",
                     name, i);
            return -EINVAL;
        }
    }
    subj[json_array_size(subjects)] = NULL;
    d->subjects = subj;
    return 0;
}

int
bus_streams_provision(struct bus_conn *c, const char *path, int replicas,
                      char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = NULL;
    json_t *streams;
    json_t *j;
    size_t i;
    int rc = 0;

    root = json_load_file(path, 0, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
        return -EINVAL;
    }
    streams = json_object_get(root, "streams");
    if (!json_is_array(streams)) {
        snprintf(err, errlen, "%s: streams: expected a list", path);
        rc = -EINVAL;
        goto out;
    }
    json_array_foreach(streams, i, j) {
        struct bus_stream_def d;
        const char *subj[32];

        rc = parse_def(j, &d, subj, sizeof(subj) / sizeof(subj[0]), err,
                       errlen);
        if (rc != 0) {
            goto out;
        }
        if (replicas > 0) {
            d.replicas = replicas;
        }
        rc = bus_stream_ensure(c, &d);
        if (rc != 0) {
            snprintf(err, errlen, "stream %s: %s", d.name, strerror(-rc));
            goto out;
        }
    }
out:
    json_decref(root);
    return rc;
}

int
bus_stream_delete(struct bus_conn *c, const char *name)
{
    jsErrCode jerr = 0;
    natsStatus s;

    s = js_DeleteStream(c->js, name, NULL, &jerr);
    return bus_errno_from_nats(s, jerr);
}

int
bus_stream_info(struct bus_conn *c, const char *name, uint64_t *msgs,
                uint64_t *last_seq)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s;
    int rc;

    s = js_GetStreamInfo(&si, c->js, name, NULL, &jerr);
    rc = bus_errno_from_nats(s, jerr);
    if (rc == 0) {
        if (msgs != NULL) {
            *msgs = si->State.Msgs;
        }
        if (last_seq != NULL) {
            *last_seq = si->State.LastSeq;
        }
    }
    jsStreamInfo_Destroy(si);
    return rc;
}
