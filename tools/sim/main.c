/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flotilla-sim: serves N simulated member clusters on loopback ports, each
 * a Kubernetes REST subset over the member model in real time, plus a
 * control port for faults. See docs/simulator.md.
 */
#define LOG_MODULE "sim"
#include "sim.h"
#include "member/yaml.h"
#include "util/log.h"
#include "util/quantity.h"
#include "util/time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_MEMBERS 64
#define TICK_MS     50

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
    (void)sig;
    got_signal = 1;
}

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: flotilla-sim [--config FILE] [--members a,b,...] [--port N]\n"
            "                    [--control-port N] [--token T]\n"
            "                    [--tls-cert PEM --tls-key PEM] [--state-file FILE]\n"
            "                    [--ready-delay 2s] [--log-level info]\n"
            "Serves simulated member clusters on 127.0.0.1 (see docs/simulator.md).\n"
            "  --members     member names (default member1); ports are --port, --port+1...\n"
            "                or any free port when --port is 0 (the default)\n"
            "  --state-file  written once every member listens: JSON with the ports\n");
}

static char *
read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL) {
        fprintf(stderr, "flotilla-sim: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = calloc(1, (size_t)n + 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

struct options {
    const char *config;
    char members[1024];
    unsigned port;
    unsigned control_port;
    const char *token;
    const char *cert;
    const char *key;
    const char *state_file;
    int64_t ready_delay_ns;
};

static int
quantity_field(const json_t *obj, const char *key, bool milli, int64_t *out,
               const char *member)
{
    const json_t *v = json_object_get(obj, key);
    struct util_quantity q;
    char text[64];

    if (v == NULL) {
        return 0;
    }
    if (json_is_integer(v)) {
        snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(v));
    } else if (json_is_string(v)) {
        snprintf(text, sizeof(text), "%s", json_string_value(v));
    } else {
        fprintf(stderr, "flotilla-sim: member %s: %s is not a quantity\n",
                member, key);
        return -EINVAL;
    }
    if (milli) {
        if (util_quantity_parse_milli(text, out) != 0) {
            goto bad;
        }
        return 0;
    }
    if (util_quantity_parse(text, &q) != 0) {
        goto bad;
    }
    *out = util_quantity_value(&q);
    return 0;

bad:
    fprintf(stderr, "flotilla-sim: member %s: %s: bad quantity \"%s\"\n",
            member, key, text);
    return -EINVAL;
}

static int
duration_field(const json_t *obj, const char *key, int64_t *out,
               const char *member)
{
    const char *s = json_string_value(json_object_get(obj, key));

    if (json_object_get(obj, key) == NULL) {
        return 0;
    }
    if (s == NULL || util_duration_parse(s, out) != 0) {
        fprintf(stderr, "flotilla-sim: member %s: %s: bad duration\n", member,
                key);
        return -EINVAL;
    }
    return 0;
}

static int
member_from_json(struct sim *sim, const json_t *spec, int64_t ready_delay,
                 unsigned port)
{
    static const char *const known[] = {
        "name", "port", "nodes", "allocatable", "allocated", "readyDelay",
        "bindDelay", "storageClass",
    };
    struct sim_member *m = &sim->members[sim->count];
    struct member_config cfg;
    const json_t *alloc;
    const json_t *used;
    const char *key;
    json_t *val;
    int rc = 0;

    member_config_init(&cfg);
    cfg.name = json_string_value(json_object_get(spec, "name"));
    if (cfg.name == NULL) {
        fprintf(stderr, "flotilla-sim: member %d: name is required\n",
                sim->count + 1);
        return -EINVAL;
    }
    json_object_foreach((json_t *)spec, key, val) {
        size_t i;
        bool ok = false;

        for (i = 0; i < sizeof(known) / sizeof(*known); i++) {
            ok = ok || strcmp(key, known[i]) == 0;
        }
        if (!ok) {
            fprintf(stderr, "flotilla-sim: member %s: unknown key %s\n",
                    cfg.name, key);
            return -EINVAL;
        }
    }
    if (ready_delay >= 0) {
        cfg.ready_delay_ns = ready_delay;
    }
    if (json_is_integer(json_object_get(spec, "nodes"))) {
        cfg.nodes = (int)json_integer_value(json_object_get(spec, "nodes"));
    }
    if (json_object_get(spec, "storageClass") != NULL) {
        cfg.default_storage_class = json_string_value(
            json_object_get(spec, "storageClass"));
    }
    alloc = json_object_get(spec, "allocatable");
    used = json_object_get(spec, "allocated");
    rc = quantity_field(alloc, "cpu", true, &cfg.cpu_milli, cfg.name);
    rc = rc != 0 ? rc : quantity_field(alloc, "memory", false,
                                       &cfg.memory_bytes, cfg.name);
    rc = rc != 0 ? rc : quantity_field(alloc, "pods", false, &cfg.pods,
                                       cfg.name);
    rc = rc != 0 ? rc : quantity_field(used, "cpu", true, &cfg.used_cpu_milli,
                                       cfg.name);
    rc = rc != 0 ? rc : quantity_field(used, "memory", false,
                                       &cfg.used_memory_bytes, cfg.name);
    rc = rc != 0 ? rc : quantity_field(used, "pods", false, &cfg.used_pods,
                                       cfg.name);
    rc = rc != 0 ? rc : duration_field(spec, "readyDelay",
                                       &cfg.ready_delay_ns, cfg.name);
    rc = rc != 0 ? rc : duration_field(spec, "bindDelay", &cfg.bind_delay_ns,
                                       cfg.name);
    if (rc != 0) {
        return rc;
    }
    rc = member_cluster_new(&cfg, sim_now(), &m->mc);
    if (rc != 0) {
        fprintf(stderr,
                "flotilla-sim: member %s: invalid: the name must be a DNS label (lower case letters, digits, '-') and nodes at least 1\n",
                cfg.name);
        return rc;
    }
    snprintf(m->name, sizeof(m->name), "%s", cfg.name);
    m->port = json_is_integer(json_object_get(spec, "port"))
                  ? (uint16_t)json_integer_value(json_object_get(spec, "port"))
                  : (uint16_t)port;
    m->sim = sim;
    pthread_mutex_init(&m->mu, NULL);
    sim->count++;
    return 0;
}

static int
load_members(struct sim *sim, const struct options *o, json_t **config_out)
{
    json_t *docs = NULL;
    json_t *list = NULL;
    json_t *spec;
    char err[256];
    size_t i;
    int rc;

    if (o->config != NULL) {
        rc = member_yaml_load_file(o->config, &docs, err, sizeof(err));
        if (rc != 0) {
            fprintf(stderr, "flotilla-sim: %s: %s\n", o->config, err);
            return rc;
        }
        *config_out = json_incref(json_array_get(docs, 0));
        list = json_object_get(*config_out, "members");
        json_decref(docs);
        if (!json_is_array(list)) {
            fprintf(stderr, "flotilla-sim: %s: members: a list is required\n",
                    o->config);
            return -EINVAL;
        }
    } else {
        char names[1024];
        char *save = NULL;
        char *tok;

        list = json_array();
        snprintf(names, sizeof(names), "%s", o->members);
        for (tok = strtok_r(names, ",", &save); tok != NULL;
             tok = strtok_r(NULL, ",", &save)) {
            json_array_append_new(list, json_pack("{s:s}", "name", tok));
        }
        *config_out = json_pack("{s:o}", "members", list);
    }
    if (json_array_size(list) == 0 || json_array_size(list) > MAX_MEMBERS) {
        fprintf(stderr, "flotilla-sim: between 1 and %d members\n",
                MAX_MEMBERS);
        return -EINVAL;
    }
    json_array_foreach(list, i, spec) {
        rc = member_from_json(sim, spec, o->ready_delay_ns,
                              o->port != 0 ? o->port + (unsigned)i : 0);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int
write_state(const struct sim *sim, const char *path)
{
    json_t *ports = json_object();
    json_t *state;
    char tmp[1024];
    int i;
    int rc;

    for (i = 0; i < sim->count; i++) {
        json_object_set_new(ports, sim->members[i].name,
                            json_integer(sim->members[i].port));
    }
    state = json_pack("{s:i, s:o, s:b, s:i}", "control", sim->control_port,
                      "members", ports, "tls", sim->cert_pem != NULL, "pid",
                      (int)getpid());
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    rc = json_dump_file(state, tmp, JSON_INDENT(2));
    json_decref(state);
    if (rc != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "flotilla-sim: cannot write %s\n", path);
        return -EIO;
    }
    return 0;
}

/* Moves every model to now and opens or closes listeners to match. */
static void
tick(struct sim *sim)
{
    int i;

    for (i = 0; i < sim->count; i++) {
        struct sim_member *m = &sim->members[i];
        bool refuse;

        int64_t now = sim_now();
        int64_t due;

        pthread_mutex_lock(&m->mu);
        /* the models change with a write (which runs the controllers
         * itself), a pod or claim timer or a flap edge: with none of them
         * since the last tick, a pass over every object finds nothing */
        if (!m->ticked ||
            member_cluster_resource_version(m->mc) != m->ticked_rv ||
            (member_cluster_next_due(m->mc, &due) == 0 && due <= now)) {
            (void)member_cluster_advance(m->mc, now, NULL);
            m->ticked_rv = member_cluster_resource_version(m->mc);
            m->ticked = true;
        }
        refuse = member_cluster_serving(m->mc) == MEMBER_SERVING_REFUSE;
        pthread_mutex_unlock(&m->mu);
        atomic_store(&m->refusing, refuse);
        if (refuse && m->daemon != NULL) {
            sim_member_close(m);
            log_info("member refusing connections", "member=%s port=%u",
                     m->name, m->port);
        } else if (!refuse && m->daemon == NULL) {
            if (sim_member_listen(m) == 0) {
                log_info("member serving", "member=%s port=%u", m->name,
                         m->port);
            }
        }
    }
}

static int
parse_args(int argc, char **argv, struct options *o)
{
    int i;

    memset(o, 0, sizeof(*o));
    snprintf(o->members, sizeof(o->members), "member1");
    o->ready_delay_ns = -1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        if (v == NULL) {
            fprintf(stderr, "flotilla-sim: %s needs a value\n", a);
            return -EINVAL;
        }
        i++;
        if (strcmp(a, "--config") == 0) {
            o->config = v;
        } else if (strcmp(a, "--members") == 0) {
            snprintf(o->members, sizeof(o->members), "%s", v);
        } else if (strcmp(a, "--port") == 0) {
            o->port = (unsigned)atoi(v);
        } else if (strcmp(a, "--control-port") == 0) {
            o->control_port = (unsigned)atoi(v);
        } else if (strcmp(a, "--token") == 0) {
            o->token = v;
        } else if (strcmp(a, "--tls-cert") == 0) {
            o->cert = v;
        } else if (strcmp(a, "--tls-key") == 0) {
            o->key = v;
        } else if (strcmp(a, "--state-file") == 0) {
            o->state_file = v;
        } else if (strcmp(a, "--ready-delay") == 0) {
            if (util_duration_parse(v, &o->ready_delay_ns) != 0) {
                fprintf(stderr, "flotilla-sim: --ready-delay: bad duration\n");
                return -EINVAL;
            }
        } else if (strcmp(a, "--log-level") == 0) {
            if (util_log_set_level(v) != 0) {
                fprintf(stderr, "flotilla-sim: --log-level: unknown level\n");
                return -EINVAL;
            }
        } else {
            fprintf(stderr, "flotilla-sim: unknown option %s\n", a);
            usage(stderr);
            return -EINVAL;
        }
    }
    if ((o->cert == NULL) != (o->key == NULL)) {
        fprintf(stderr, "flotilla-sim: --tls-cert and --tls-key go together\n");
        return -EINVAL;
    }
    return 0;
}

/* Loads TLS material, opens every member and the control port. */
static int
start_all(struct sim *sim, const struct options *o)
{
    int rc;
    int i;

    if (o->cert != NULL) {
        sim->cert_pem = read_file(o->cert);
        sim->key_pem = read_file(o->key);
        if (sim->cert_pem == NULL || sim->key_pem == NULL) {
            return -EINVAL;
        }
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            fprintf(stderr, "flotilla-sim: libmicrohttpd has no TLS\n");
            return -ENOTSUP;
        }
    }
    sim->control_port = (uint16_t)o->control_port;
    for (i = 0; i < sim->count; i++) {
        rc = sim_member_listen(&sim->members[i]);
        if (rc != 0) {
            return rc;
        }
        log_info("member serving", "member=%s port=%u", sim->members[i].name,
                 sim->members[i].port);
    }
    rc = sim_control_start(sim);
    if (rc == 0 && o->state_file != NULL) {
        rc = write_state(sim, o->state_file);
    }
    return rc;
}

int
main(int argc, char **argv)
{
    struct sim sim;
    struct options o;
    json_t *config = NULL;
    struct sigaction sa;
    const char *tok;
    int rc;
    int i;

    memset(&sim, 0, sizeof(sim));
    if (parse_args(argc, argv, &o) != 0) {
        return 2;
    }
    sim.members = calloc(MAX_MEMBERS, sizeof(*sim.members));
    if (sim.members == NULL) {
        return 1;
    }
    rc = load_members(&sim, &o, &config);
    if (rc != 0) {
        goto out;
    }
    tok = o.token != NULL ? o.token
                          : json_string_value(json_object_get(config, "token"));
    sim.token = tok != NULL ? strdup(tok) : NULL;
    rc = start_all(&sim, &o);
    if (rc != 0) {
        goto out;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    printf("flotilla-sim: control 127.0.0.1:%u\n", sim.control_port);
    for (i = 0; i < sim.count; i++) {
        printf("flotilla-sim: %s %s://127.0.0.1:%u\n", sim.members[i].name,
               sim.cert_pem != NULL ? "https" : "http", sim.members[i].port);
    }
    fflush(stdout);
    while (!got_signal) {
        struct timespec ts = { 0, TICK_MS * 1000000L };

        tick(&sim);
        nanosleep(&ts, NULL);
    }

out:
    atomic_store(&sim.stopping, true);
    if (sim.control != NULL) {
        MHD_stop_daemon(sim.control);
    }
    for (i = 0; i < sim.count; i++) {
        sim_member_close(&sim.members[i]);
        member_cluster_free(sim.members[i].mc);
        pthread_mutex_destroy(&sim.members[i].mu);
    }
    json_decref(config);
    free(sim.members);
    free(sim.token);
    free(sim.cert_pem);
    free(sim.key_pem);
    return rc == 0 ? 0 : 1;
}
