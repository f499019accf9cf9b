/* SPDX-License-Identifier: Apache-2.0 */
/* The subject catalogue and subject building; see bus/subject.h. */
#include "bus/subject.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bus/token.h"

const struct bus_subject_class bus_subject_classes[] = {
    { "object.*.*.*", "ObjectRecord", "*", "FL_OBJECTS", "kind, namespace, name" },
    { "cluster.spec.*", "ClusterSpec", "policy", "FL_CLUSTERS", "cluster" },
    { "cluster.status.*", "ClusterStatus", "cluster-status", "FL_CLUSTERS",
      "cluster" },
    { "cluster.taint.*", "ClusterTaints", "cluster", "FL_CLUSTERS",
      "cluster" },
    { "binding.spec.*.*", "BindingSpec", "policy", "FL_BINDINGS",
      "namespace, binding" },
    { "binding.schedule.*.*", "ScheduleDecision", "scheduler", "FL_BINDINGS",
      "namespace, binding" },
    { "work.spec.*.*.*", "WorkSpec", "executor", "FL_WORK",
      "cluster, namespace, binding" },
    { "work.status.*.*.*", "WorkStatus", "member-agent", "FL_WORK",
      "cluster, namespace, binding" },
    { "cluster.probe.*", "ProbeResult", "prober", "FL_REQUESTS", "cluster" },
    { "binding.evict.*.*.*", "EvictionRequest", "*", "FL_EVICTIONS",
      "namespace, binding, cluster" },
    { "binding.release.*.*.*", "EvictionRelease", "graceful-eviction",
      "FL_EVICTIONS", "namespace, binding, cluster" },
    { "req.taint.*", "TaintRequest", "*", "FL_REQUESTS", "cluster" },
    { "cluster.heartbeat.*", "Heartbeat", "*", "FL_REQUESTS", "cluster" },
    { "failover.record.*.*.*", "FailoverEvent", "*", "FL_EVENTS",
      "namespace, binding, cluster" },
    { "events.*", "DecisionEvent", "*", "FL_EVENTS", "actor" },
    { "dlq.*", "(original bytes)", "*", "FL_DLQ", "actor" },
    { NULL, NULL, NULL, NULL, NULL },
};

bool
bus_subject_matches(const char *pattern, const char *subject)
{
    for (;;) {
        size_t pl = strcspn(pattern, ".");
        size_t sl = strcspn(subject, ".");
        bool star = pl == 1 && pattern[0] == '*';

        if (pl == 1 && pattern[0] == '>' && pattern[1] == '\0') {
            return sl > 0;
        }
        if (sl == 0 || (!star && (pl != sl || memcmp(pattern, subject, pl)))) {
            return false;
        }
        pattern += pl;
        subject += sl;
        if (*pattern == '\0' || *subject == '\0') {
            return *pattern == *subject;
        }
        pattern++;
        subject++;
    }
}

const struct bus_subject_class *
bus_subject_classify(const char *subject)
{
    for (const struct bus_subject_class *c = bus_subject_classes;
         c->pattern != NULL; c++) {
        if (bus_subject_matches(c->pattern, subject)) {
            return c;
        }
    }
    return NULL;
}

static int
append_token(char *buf, size_t len, size_t *off, const char *name)
{
    int n;

    if (*off + 1 >= len) {
        return -ENAMETOOLONG;
    }
    buf[(*off)++] = '.';
    n = bus_token_encode(name, buf + *off, len - *off);
    if (n < 0) {
        return n;
    }
    *off += (size_t)n;
    return 0;
}

int
bus_subject_build(char *buf, size_t len, const char *prefix, const char *a,
                  const char *b, const char *c)
{
    const char *names[] = { a, b, c };
    size_t off;
    int n;

    n = snprintf(buf, len, "%s", prefix);
    if (n < 0 || (size_t)n >= len) {
        buf[0] = '\0';
        return -ENAMETOOLONG;
    }
    off = (size_t)n;
    for (int i = 0; i < 3 && names[i] != NULL; i++) {
        if (append_token(buf, len, &off, names[i]) < 0) {
            buf[0] = '\0';
            return -ENAMETOOLONG;
        }
    }
    return (int)off;
}

int
bus_subject_names(const char *subject, int skip, char (*out)[256], int n)
{
    const char *p = subject;
    int got = 0;

    for (int i = 0; i < skip && p != NULL; i++) {
        p = strchr(p, '.');
        p = p != NULL ? p + 1 : NULL;
    }
    while (p != NULL && *p != '\0' && got < n) {
        const char *end = strchr(p, '.');
        size_t tlen = end != NULL ? (size_t)(end - p) : strlen(p);
        char tok[BUS_TOKEN_MAX(255)];

        if (tlen >= sizeof(tok)) {
            return -EINVAL;
        }
        memcpy(tok, p, tlen);
        tok[tlen] = '\0';
        if (bus_token_decode(tok, out[got], 256) < 0) {
            return -EINVAL;
        }
        got++;
        p = end != NULL ? end + 1 : NULL;
    }
    return got;
}
