/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control port: GET /members lists members, ports and serving state;
 * POST /members/<name>/fault applies {kind, code, delay, period, object}.
 */
#define LOG_MODULE "sim"
#include "sim.h"
#include "util/log.h"
#include "util/time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTROL_MAX_BODY 65536

struct body {
    char buf[CONTROL_MAX_BODY + 1];
    size_t len;
    bool too_large;
};

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned code, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    struct MHD_Response *r;
    enum MHD_Result ret;

    json_decref(body);
    if (text == NULL) {
        return MHD_NO;
    }
    r = MHD_create_response_from_buffer(strlen(text), text,
                                        MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
fail(struct MHD_Connection *c, unsigned code, const char *msg)
{
    return reply(c, code, json_pack("{s:s}", "error", msg));
}

static const char *const serving_names[] = { "serving", "refusing",
                                             "hanging" };

static json_t *
member_json(struct sim_member *m)
{
    enum member_serving s;
    int code;
    int64_t delay;

    pthread_mutex_lock(&m->mu);
    s = member_cluster_serving(m->mc);
    code = member_cluster_health_code(m->mc);
    delay = member_cluster_answer_delay(m->mc);
    pthread_mutex_unlock(&m->mu);
    return json_pack("{s:s, s:i, s:s, s:i, s:I}", "name", m->name, "port",
                     m->port, "state", serving_names[s], "healthCode", code,
                     "delayMs", (json_int_t)(delay / 1000000));
}

static int
parse_fault(const json_t *req, struct member_fault *f, char *err, size_t len)
{
    const char *kind = json_string_value(json_object_get(req, "kind"));
    const char *delay = json_string_value(json_object_get(req, "delay"));
    const char *period = json_string_value(json_object_get(req, "period"));
    const json_t *code = json_object_get(req, "code");

    memset(f, 0, sizeof(*f));
    if (member_fault_kind_parse(kind, &f->kind) != 0) {
        snprintf(err, len, "kind: unknown fault kind \"%s\"",
                 kind != NULL ? kind : "");
        return -EINVAL;
    }
    if (code != NULL && !json_is_integer(code)) {
        snprintf(err, len, "code: must be an integer");
        return -EINVAL;
    }
    f->code = (int)json_integer_value(code);
    if (delay != NULL && util_duration_parse(delay, &f->delay_ns) != 0) {
        snprintf(err, len, "delay: bad duration \"%s\"", delay);
        return -EINVAL;
    }
    if (period != NULL && util_duration_parse(period, &f->period_ns) != 0) {
        snprintf(err, len, "period: bad duration \"%s\"", period);
        return -EINVAL;
    }
    f->object = json_string_value(json_object_get(req, "object"));
    return 0;
}

static enum MHD_Result
post_fault(struct MHD_Connection *c, struct sim_member *m,
           const struct body *b)
{
    struct member_fault f;
    json_error_t jerr;
    json_t *req;
    char err[256];
    int rc;

    req = json_loadb(b->buf, b->len, 0, &jerr);
    if (!json_is_object(req)) {
        json_decref(req);
        return fail(c, 400, "body: a JSON object is required");
    }
    rc = parse_fault(req, &f, err, sizeof(err));
    if (rc == 0) {
        pthread_mutex_lock(&m->mu);
        (void)member_cluster_advance(m->mc, sim_now(), NULL);
        rc = member_cluster_fault(m->mc, &f);
        /* a fault changes the model without a write (a member that comes
         * back runs its controllers again): the next tick makes a pass */
        m->ticked = false;
        pthread_mutex_unlock(&m->mu);
        snprintf(err, sizeof(err), "%s: %s", member_fault_kind_name(f.kind),
                 rc == -ENOENT ? "object not found" : "invalid fault");
    }
    json_decref(req);
    if (rc != 0) {
        return fail(c, rc == -ENOENT ? 404 : 400, err);
    }
    log_info("fault applied", "member=%s kind=%s", m->name,
             member_fault_kind_name(f.kind));
    return reply(c, 200, member_json(m));
}

static enum MHD_Result
on_control(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **con_cls)
{
    struct sim *sim = cls;
    struct body *b = *con_cls;
    char name[64];
    char rest[64];
    int i;

    (void)version;
    if (b == NULL) {
        b = calloc(1, sizeof(*b));
        *con_cls = b;
        return b != NULL ? MHD_YES : MHD_NO;
    }
    if (*upload_size > 0) {
        if (b->len + *upload_size > CONTROL_MAX_BODY) {
            b->too_large = true;
        } else {
            memcpy(b->buf + b->len, upload, *upload_size);
            b->len += *upload_size;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (b->too_large) {
        return fail(c, 413, "body too large");
    }
    if (strcmp(url, "/members") == 0 && strcmp(method, "GET") == 0) {
        json_t *list = json_array();

        for (i = 0; i < sim->count; i++) {
            json_array_append_new(list, member_json(&sim->members[i]));
        }
        return reply(c, 200, json_pack("{s:o}", "members", list));
    }
    if (sscanf(url, "/members/%63[^/]/%63s", name, rest) != 2 ||
        strcmp(rest, "fault") != 0) {
        return fail(c, 404, "no such endpoint");
    }
    if (strcmp(method, "POST") != 0) {
        return fail(c, 405, "POST only");
    }
    for (i = 0; i < sim->count; i++) {
        if (strcmp(sim->members[i].name, name) == 0) {
            return post_fault(c, &sim->members[i], b);
        }
    }
    return fail(c, 404, "no such member");
}

static void
on_control_done(void *cls, struct MHD_Connection *c, void **con_cls,
                enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

int
sim_control_start(struct sim *sim)
{
    struct sockaddr_in addr;
    const union MHD_DaemonInfo *info;

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(sim->control_port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sim->control = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
            MHD_USE_ERROR_LOG,
        sim->control_port, NULL, NULL, on_control, sim, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)30, MHD_OPTION_NOTIFY_COMPLETED, on_control_done, NULL,
        MHD_OPTION_END);
    if (sim->control == NULL) {
        log_error("control listen failed", "port=%u", sim->control_port);
        return -EADDRINUSE;
    }
    info = MHD_get_daemon_info(sim->control, MHD_DAEMON_INFO_BIND_PORT);
    if (info != NULL && info->port != 0) {
        sim->control_port = info->port;
    }
    return 0;
}
