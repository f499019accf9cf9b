/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla apply --dry-run -f FILE|DIR`: decode, validate and default the
 * manifests, match templates to policies and print the bindings that would
 * be created, or the errors. Applying for real needs the control plane and
 * is not part of this command yet.
 */
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "model/load.h"
#include "model/object.h"
#include "model/report.h"

struct apply_opts {
    struct cli_paths paths;
    bool dry_run;
    bool tsv;
    const char *server;
};

static void
apply_usage(FILE *f)
{
    fprintf(f,
            "usage: flotilla apply [--dry-run] -f FILE|DIR... [-o text|tsv] "
            "[--server URL]\n"
            "\n"
            "Decodes and validates every YAML or JSON document of FILE (or of\n"
            "every *.yaml, *.yml, *.json file under DIR), applies API\n"
            "defaulting, matches resource templates to the propagation\n"
            "policies given with them and prints the bindings that would be\n"
            "created (name, policy, replicas, requirements), or the errors\n"
            "with file, document, line and field.\n"
            "\n"
            "  --dry-run   validate and preview only: nothing is sent\n"
            "  --server    the control plane's bus (default $FLOTILLA_NATS_URL,\n"
            "              else what `make up` started: .up/nats.url)\n"
            "Without --dry-run every accepted object is sent to the control\n"
            "plane; a document that is rejected stops the whole apply.\n"
            "  -f PATH     file or directory to read; -f again, or PATH,PATH,\n"
            "              for more (a policy matches templates of any of them)\n"
            "  -o tsv      one verdict line per document (for tests):\n"
            "              FILE<TAB>DOC<TAB>accepted|rejected|unsupported"
            "<TAB>DETAIL\n"
            "\n"
            "Exit status: 0 all documents accepted or skipped as unsupported,\n"
            "1 a document was rejected, 2 usage error or no control plane.\n");
}

static int
parse_args(int argc, char **argv, struct apply_opts *o)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0) {
            o->dry_run = true;
        } else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) {
            o->server = argv[++i];
        } else if ((strcmp(argv[i], "-f") == 0 ||
                    strcmp(argv[i], "--filename") == 0) &&
                   i + 1 < argc) {
            int rc = cli_paths_add(&o->paths, argv[++i]);

            if (rc != 0) {
                fprintf(stderr, "flotilla apply: -f %s: %s\n", argv[i],
                        rc == -EINVAL ? "empty path" : strerror(-rc));
                return -EINVAL;
            }
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            i++;
            if (strcmp(argv[i], "tsv") == 0) {
                o->tsv = true;
            } else if (strcmp(argv[i], "text") != 0) {
                fprintf(stderr, "flotilla apply: unknown output '%s'\n",
                        argv[i]);
                return -EINVAL;
            }
        } else if (strcmp(argv[i], "--help") == 0 ||
                   strcmp(argv[i], "-h") == 0) {
            apply_usage(stdout);
            return 1;
        } else {
            fprintf(stderr, "flotilla apply: unexpected argument '%s'\n\n",
                    argv[i]);
            apply_usage(stderr);
            return -EINVAL;
        }
    }
    if (o->paths.n == 0) {
        fprintf(stderr, "flotilla apply: -f FILE|DIR is required\n\n");
        apply_usage(stderr);
        return -EINVAL;
    }
    return 0;
}

/*
 * Sends the objects of @set when every document was accepted; otherwise
 * prints the errors again (the loader reported nothing) and sends nothing.
 */
static int
apply_for_real(const struct apply_opts *o, struct model_set *set, int rc,
               const char *bad)
{
    if (rc == -EINVAL) {
        struct model_set again = { NULL, 0 };
        const char *unused = NULL;

        fprintf(stderr, "flotilla apply: nothing was sent: fix these first\n");
        (void)cli_paths_load(&o->paths, &again, model_report_verdict_text,
                             NULL, &unused);
        model_set_release(&again);
        model_set_release(set);
        return 1;
    }
    if (rc != 0) {
        fprintf(stderr, "flotilla apply: %s: %s\n", bad, strerror(-rc));
        model_set_release(set);
        return 2;
    }
    rc = cli_objects_publish(set, false, o->server);
    model_set_release(set);
    return rc == 0 ? 0 : rc == -EIO ? 1 : 2;
}

int
cmd_apply(int argc, char **argv)
{
    struct apply_opts o = { { { NULL }, 0 }, false, false, NULL };
    struct model_set set = { NULL, 0 };
    const char *bad = NULL;
    int rc;

    rc = parse_args(argc, argv, &o);
    if (rc != 0) {
        cli_paths_release(&o.paths);
        return rc > 0 ? 0 : 2;
    }
    rc = cli_paths_load(&o.paths, &set,
                        o.tsv ? model_report_verdict_tsv
                              : o.dry_run ? model_report_verdict_text : NULL,
                        NULL, &bad);
    if (!o.dry_run) {
        rc = apply_for_real(&o, &set, rc, bad);
        cli_paths_release(&o.paths);
        return rc;
    }
    if (rc != 0 && rc != -EINVAL) {
        fprintf(stderr, "flotilla apply: %s: %s\n", bad, strerror(-rc));
        model_set_release(&set);
        cli_paths_release(&o.paths);
        return 2;
    }
    if (!o.tsv) {
        model_report_bindings(stdout, &set);
    }
    model_set_release(&set);
    cli_paths_release(&o.paths);
    return rc == 0 ? 0 : 1;
}
