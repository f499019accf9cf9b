/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla sim fail|recover CLUSTER [--kind ...]`: faults on demand in the
 * simulated members, through flotilla-sim's control endpoint (the one
 * `make up` starts; its address is in .up/sim.control or
 * $FLOTILLA_SIM_CONTROL).
 */
#include "cli.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#ifndef FL_SOURCE_DIR
#define FL_SOURCE_DIR "."
#endif

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: flotilla sim fail CLUSTER [--kind down|blackhole|unhealthy|slow|flap]\n"
            "       flotilla sim recover CLUSTER [--kind down|blackhole|unhealthy|slow|flap]\n"
            "       flotilla sim crash|heal CLUSTER OBJECT   (Kind/namespace/name)\n\n"
            "Makes a simulated member fail the way a real one does (default:\n"
            "down, connections refused) or recover from it. The simulator's\n"
            "control endpoint is read from $FLOTILLA_SIM_CONTROL or the file\n"
            ".up/sim.control that make up writes.\n");
}

static const char *
control_url(char *buf, size_t len)
{
    const char *env = getenv("FLOTILLA_SIM_CONTROL");
    char path[1024];
    FILE *f;

    if (env != NULL && env[0] != '\0') {
        return env;
    }
    snprintf(path, sizeof(path), "%s/.up/sim.control", FL_SOURCE_DIR);
    f = fopen(path, "r");
    if (f == NULL) {
        f = fopen(".up/sim.control", "r");
    }
    if (f == NULL || fgets(buf, (int)len, f) == NULL) {
        if (f != NULL) {
            fclose(f);
        }
        return NULL;
    }
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf;
}

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
    char *out = arg;
    size_t have = strlen(out);
    size_t take = size * n;

    if (have + take >= 1024) {
        take = 1023 - have;
    }
    memcpy(out + have, p, take);
    out[have + take] = '\0';
    return size * n;
}

static int
post_fault(const char *base, const char *cluster, const char *body)
{
    char url[1024];
    char answer[1024] = "";
    long code = 0;
    CURL *h = curl_easy_init();
    CURLcode rc;

    if (h == NULL) {
        return 1;
    }
    snprintf(url, sizeof(url), "%s/members/%s/fault", base, cluster);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, (void *)answer);
    rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    }
    curl_easy_cleanup(h);
    if (rc != CURLE_OK) {
        fprintf(stderr, "flotilla sim: %s: %s (is make up running?)\n", url,
                curl_easy_strerror(rc));
        return 1;
    }
    if (code == 404) {
        fprintf(stderr, "flotilla sim: the simulator has no member '%s' "
                        "(make up's are member1, member2, member3)\n", cluster);
        return 1;
    }
    if (code / 100 != 2) {
        fprintf(stderr, "flotilla sim: the simulator refused: %ld %s\n", code,
                answer);
        return 1;
    }
    return 0;
}

int
cmd_sim(int argc, char **argv)
{
    const char *verb = NULL, *cluster = NULL, *object = NULL;
    const char *kind = "down";
    char buf[512], body[512];
    const char *base;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc) {
            kind = argv[++i];
        } else if (verb == NULL) {
            verb = argv[i];
        } else if (cluster == NULL) {
            cluster = argv[i];
        } else if (object == NULL) {
            object = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (verb == NULL || cluster == NULL) {
        usage(stderr);
        return 2;
    }
    base = control_url(buf, sizeof(buf));
    if (base == NULL) {
        fprintf(stderr, "flotilla sim: no simulator control endpoint: set "
                        "FLOTILLA_SIM_CONTROL or run make up\n");
        return 1;
    }
    if (strcmp(verb, "fail") == 0) {
        snprintf(body, sizeof(body), "{\"kind\":\"%s\"}", kind);
    } else if (strcmp(verb, "recover") == 0) {
        snprintf(body, sizeof(body), "{\"kind\":\"%s\"}",
                 strcmp(kind, "unhealthy") == 0 ? "healthy" : "up");
    } else if ((strcmp(verb, "crash") == 0 || strcmp(verb, "heal") == 0) &&
               object != NULL) {
        snprintf(body, sizeof(body), "{\"kind\":\"%s\",\"object\":\"%s\"}",
                 strcmp(verb, "crash") == 0 ? "crash" : "recover", object);
    } else {
        usage(stderr);
        return 2;
    }
    if (post_fault(base, cluster, body) != 0) {
        return 1;
    }
    printf("%s: %s%s%s\n", cluster,
           strcmp(verb, "fail") == 0      ? "failing: "
           : strcmp(verb, "recover") == 0 ? "recovering from: "
           : strcmp(verb, "crash") == 0   ? "crashing: "
                                          : "healing: ",
           strcmp(verb, "fail") == 0 || strcmp(verb, "recover") == 0 ? kind
                                                                      : object,
           strcmp(verb, "fail") == 0 && strcmp(kind, "down") == 0
               ? " (connections refused)"
               : "");
    return 0;
}
