/* SPDX-License-Identifier: Apache-2.0 */
/*
 * flotilla drill run FILE...: scenario files (spec/scenarios.md) in virtual
 * time with the real actor cores; see drill/drill.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "drill/drill.h"
#include "util/log.h"

static void
drill_usage(FILE *f)
{
    fprintf(f,
            "usage: flotilla drill run [--quiet] FILE...\n"
            "\n"
            "Runs each scenario file in virtual time: the real actor cores\n"
            "against simulated member clusters. Prints the decisions as they\n"
            "happen (time, actor, key, decision and reason), one line per\n"
            "expectation, and ends with \"N passed, N failed\".\n"
            "\n"
            "  --quiet    print only failed expectations and the totals\n"
            "  --verbose  also print the actors' log lines (stderr)\n"
            "\n"
            "Not built yet: --realtime (the same file against a live bus).\n"
            "\n"
            "Exit status: 0 every expectation held, 1 one failed or a file\n"
            "could not be run, 2 usage error.\n");
}

int
cmd_drill(int argc, char **argv)
{
    unsigned passed = 0;
    unsigned failed = 0;
    unsigned broken = 0;
    bool quiet = false;
    bool verbose = false;
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
            fprintf(stderr, "flotilla drill: --realtime is not built yet\n");
            return 2;
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
        rc = drill_run(d, stdout, quiet, &res, err, sizeof(err));
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
