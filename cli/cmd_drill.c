/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flotilla drill run FILE...: scenario files (spec/scenarios.md) in virtual
 * time with the real actor cores; see drill/drill.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "drill/drill.h"
#include "util/log.h"

static void
drill_usage(FILE *f)
{
    fprintf(f,
            "usage: flotilla drill run [--quiet|--verbose] [--realtime [--keep]] FILE...\n"
            "\n"
            "Runs each scenario file in virtual time: the real actor cores\n"
            "against simulated member clusters. Prints the decisions as they\n"
            "happen (time, actor, key, decision and reason), one line per\n"
            "expectation, and ends with \"N passed, N failed\".\n"
            "\n"
            "  --quiet    print only failed expectations and the totals\n"
            "  --verbose  also print the actors' log lines (stderr); with\n"
            "             --realtime also the decisions of the live run\n"
            "\n"
            "  --realtime runs the file against a live bus instead: a nats-server,\n"
            "             flotilla-sim and `flotilla run` started on free loopback\n"
            "             ports in a temporary directory, the timeline played on\n"
            "             the wall clock, then the decisions per actor and key\n"
            "             compared, ignoring time, with the virtual-time run\n"
            "             (both lists printed where they differ)\n"
            "  --keep     with --realtime: keep the temporary directory (logs)\n"
            "\n"
            "Exit status: 0 every expectation held, 1 one failed or a file\n"
            "could not be run, 2 usage error.\n");
}

/* The programs next to this one (the build tree or the install prefix). */
static int
run_realtime(struct drill *d, bool verbose, bool keep,
             struct drill_result *res, char *err, size_t errlen)
{
    struct drill_rt_options o;
    char self[PATH_MAX];
    char sim[PATH_MAX + 32];
    const char *nats = getenv("NATS_SERVER");
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *slash;

    if (n <= 0) {
        snprintf(err, errlen, "cannot find this program: %s", strerror(errno));
        return -errno;
    }
    self[n] = '\0';
    slash = strrchr(self, '/');
    snprintf(sim, sizeof(sim), "%.*s/flotilla-sim",
             slash != NULL ? (int)(slash - self) : 1,
             slash != NULL ? self : ".");
    memset(&o, 0, sizeof(o));
    o.flotilla = self;
    o.sim = getenv("FLOTILLA_SIM") != NULL ? getenv("FLOTILLA_SIM") : sim;
    o.nats_server = nats != NULL && nats[0] != '\0' ? nats : "nats-server";
    o.verbose = verbose;
    o.keep = keep;
    return drill_run_realtime(d, &o, stdout, res, err, errlen);
}

int
cmd_drill(int argc, char **argv)
{
    unsigned passed = 0;
    unsigned failed = 0;
    unsigned broken = 0;
    bool quiet = false;
    bool verbose = false;
    bool realtime = false;
    bool keep = false;
    int first = 2;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
                      strcmp(argv[1], "-h") == 0)) {
        drill_usage(stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "run") != 0) {
        drill_usage(stderr);
        return 2;
    }
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--quiet") == 0) {
            quiet = true;
        } else if (strcmp(argv[first], "--verbose") == 0) {
            verbose = true;
        } else if (strcmp(argv[first], "--help") == 0) {
            drill_usage(stdout);
            return 0;
        } else if (strcmp(argv[first], "--realtime") == 0) {
            realtime = true;
        } else if (strcmp(argv[first], "--keep") == 0) {
            keep = true;
        } else {
            fprintf(stderr, "flotilla drill: unknown option %s\n",
                    argv[first]);
            drill_usage(stderr);
            return 2;
        }
    }
    if (first >= argc) {
        drill_usage(stderr);
        return 2;
    }
    if (!verbose) {
        (void)util_log_set_level("error");
    }
    for (int i = first; i < argc; i++) {
        struct drill *d = NULL;
        struct drill_result res;
        char err[DRILL_ERR_MAX];
        int rc;

        rc = drill_load(argv[i], &d, err, sizeof(err));
        if (rc != 0) {
            fprintf(stderr, "flotilla drill: %s\n", err);
            broken++;
            continue;
        }
        if (realtime) {
            rc = run_realtime(d, verbose, keep, &res, err, sizeof(err));
        } else {
            rc = drill_run(d, stdout, quiet, &res, err, sizeof(err));
        }
        passed += res.passed;
        failed += res.failed;
        if (rc != 0) {
            fprintf(stderr, "flotilla drill: %s\n", err);
            broken++;
        }
        drill_free(d);
        fflush(stdout);
    }
    printf("%u passed, %u failed", passed, failed);
    if (broken > 0) {
        printf(", %u file(s) could not be run", broken);
    }
    printf("\n");
    return failed > 0 || broken > 0 ? 1 : 0;
}
