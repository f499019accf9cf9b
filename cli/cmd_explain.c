/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla explain FILE|DIR`: for every resource template, which
 * (Cluster)PropagationPolicy given with it would claim it and why the
 * others lose (policy.md §4.3-4.4).
 */
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/load.h"
#include "model/report.h"

static void
explain_usage(FILE *f)
{
    fprintf(f,
            "usage: flotilla explain FILE|DIR\n"
            "\n"
            "Reads the manifests as 'flotilla apply --dry-run' does and\n"
            "shows, for every resource template, each PropagationPolicy or\n"
            "ClusterPropagationPolicy that selects it, how it matches (by\n"
            "name, label selector or kind), its explicit priority, and which\n"
            "one wins and why (Karmada's rules: a PropagationPolicy beats any\n"
            "ClusterPropagationPolicy; then higher priority; then the more\n"
            "specific match; then the smaller name).\n"
            "\n"
            "Exit status: 0 done, 1 a document was rejected, 2 usage error.\n");
}

int
cmd_explain(int argc, char **argv)
{
    struct model_set set = { NULL, 0 };
    int rc;

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
                      strcmp(argv[1], "-h") == 0)) {
        explain_usage(stdout);
        return 0;
    }
    if (argc != 2) {
        explain_usage(stderr);
        return 2;
    }
    rc = model_load_path(argv[1], &set, model_report_verdict_text, NULL);
    if (rc != 0 && rc != -EINVAL) {
        fprintf(stderr, "flotilla explain: %s: %s\n", argv[1], strerror(-rc));
        model_set_release(&set);
        return 2;
    }
    printf("\n");
    model_report_explain(stdout, &set);
    model_set_release(&set);
    return rc == 0 ? 0 : 1;
}
