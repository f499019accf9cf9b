/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla dlq list|show`: the dead-letter stream, for operators. Each
 * entry is a message an actor could not handle, with the reason and where
 * it came from.
 */
#include "cli.h"
#include "commands.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "bus/envelope.h"
#include "util/log.h"
#include "util/time.h"

static void
usage(FILE *f)
{
    fprintf(f, "usage: flotilla dlq list [--actor NAME] [--server URL]\n"
               "       flotilla dlq show SEQ [--server URL]\n\n"
               "Lists the dead letters (messages an actor could not handle, "
               "with the reason), or shows one.\n");
}

struct list_ctx {
    const char *actor;
    int rows;
};

static void
header(struct bus_msg *m, const char *name, char *buf, size_t len)
{
    if (m->raw == NULL || bus_msg_header(m, name, buf, len) != 0) {
        snprintf(buf, len, "-");
    }
}

static int
print_row(const struct bus_msg *cm, void *arg)
{
    struct bus_msg *m = (struct bus_msg *)cm;
    struct list_ctx *ctx = arg;
    char reason[256], subject[256], stream[64], seq[32], when[40];
    const char *actor = m->subject + strlen("dlq.");

    if (ctx->actor != NULL && strcmp(actor, ctx->actor) != 0) {
        return 0;
    }
    header(m, "Fl-Reason", reason, sizeof(reason));
    header(m, "Fl-Subject", subject, sizeof(subject));
    header(m, "Fl-Stream", stream, sizeof(stream));
    header(m, "Fl-Seq", seq, sizeof(seq));
    util_time_format_rfc3339(m->timestamp_ns, when, sizeof(when));
    if (ctx->rows++ == 0) {
        printf("%-6s  %-24s  %-16s  %-40s  %s\n", "SEQ", "TIME", "ACTOR",
               "FROM", "REASON");
    }
    printf("%-6" PRIu64 "  %-24s  %-16s  %-40.40s  %s\n", m->stream_seq,
           when, actor, subject, reason);
    return 0;
}

static int
show_one(const struct bus_msg *cm, void *arg)
{
    struct bus_msg *m = (struct bus_msg *)cm;
    const char *names[] = { "Fl-Reason", "Fl-Subject", "Fl-Stream", "Fl-Seq" };
    Flotilla__V1__Envelope *env = NULL;
    char buf[512];
    char why[200];

    (void)arg;
    printf("seq:      %" PRIu64 "\nsubject:  %s\n", m->stream_seq, m->subject);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        header(m, names[i], buf, sizeof(buf));
        printf("%-9s %s\n", names[i] + 3, buf);
    }
    printf("bytes:    %zu\n", m->len);
    if (bus_envelope_unpack(m->data, m->len, &env, why, sizeof(why)) == 0) {
        printf("envelope: key=%s type=%s producer=%s trace=%s\n", env->key,
               env->type, env->producer, env->trace_id);
        bus_envelope_free(env);
    } else {
        printf("envelope: does not decode: %s\n", why);
    }
    printf("start of the body:\n  ");
    for (size_t i = 0; i < m->len && i < 64; i++) {
        unsigned char c = ((const unsigned char *)m->data)[i];

        putchar(isprint(c) ? c : '.');
    }
    putchar('\n');
    return 0;
}

int
cmd_dlq(int argc, char **argv)
{
    struct list_ctx ctx = { NULL, 0 };
    struct bus_conn *c = NULL;
    const char *server = NULL;
    const char *verb = NULL;
    const char *seq = NULL;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) {
            server = argv[++i];
        } else if (strcmp(argv[i], "--actor") == 0 && i + 1 < argc) {
            ctx.actor = argv[++i];
        } else if (verb == NULL) {
            verb = argv[i];
        } else if (seq == NULL) {
            seq = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (verb == NULL || (strcmp(verb, "list") != 0 && strcmp(verb, "show")) ||
        (strcmp(verb, "show") == 0 && seq == NULL)) {
        usage(stderr);
        return 2;
    }
    if (cli_connect(cli_server_url(server), &c) != 0) {
        return 1;
    }
    if (strcmp(verb, "list") == 0) {
        rc = bus_read_range(c, "FL_DLQ", "dlq.*", 1, print_row, &ctx);
        if (rc == 0 && ctx.rows == 0) {
            printf("no dead letters\n");
        }
    } else {
        char *end = NULL;
        unsigned long long n = strtoull(seq, &end, 10);

        rc = (*end != '\0' || n == 0) ? -EINVAL
                                      : bus_read_seq(c, "FL_DLQ", n, show_one,
                                                     NULL);
        if (rc == -ENOENT || rc == -EINVAL) {
            fprintf(stderr, "flotilla dlq show: no dead letter with sequence %s\n",
                    seq);
        }
    }
    if (rc != 0 && rc != -ENOENT && rc != -EINVAL) {
        fprintf(stderr, "flotilla dlq: %s\n", strerror(-rc));
    }
    bus_conn_free(c);
    bus_shutdown();
    return rc == 0 ? 0 : 1;
}
