/* SPDX-License-Identifier: Apache-2.0 */
/* `flotilla delete -f FILE|DIR`: withdraw objects from the control plane. */
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/load.h"
#include "model/object.h"
#include "model/report.h"

static void
usage(FILE *f)
{
    fprintf(f, "usage: flotilla delete -f FILE|DIR... [--server URL]\n\n"
               "Deletes from the control plane every object the files describe\n"
               "(Karmada and Kubernetes YAML, several documents per file). A\n"
               "deleted template withdraws its binding and its copies in the\n"
               "member clusters; a deleted policy leaves its bindings where\n"
               "they are (Karmada's rule). -f again, or PATH,PATH, for more.\n");
}

int
cmd_delete(int argc, char **argv)
{
    struct model_set set = { NULL, 0 };
    struct cli_paths paths = { { NULL }, 0 };
    const char *server = NULL;
    const char *bad = NULL;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            cli_paths_release(&paths);
            return 0;
        } else if ((strcmp(argv[i], "-f") == 0 ||
                    strcmp(argv[i], "--filename") == 0) &&
                   i + 1 < argc) {
            rc = cli_paths_add(&paths, argv[++i]);
            if (rc != 0) {
                fprintf(stderr, "flotilla delete: -f %s: %s\n", argv[i],
                        rc == -EINVAL ? "empty path" : strerror(-rc));
                cli_paths_release(&paths);
                return 2;
            }
        } else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) {
            server = argv[++i];
        } else {
            fprintf(stderr, "flotilla delete: unexpected argument '%s'\n\n",
                    argv[i]);
            usage(stderr);
            cli_paths_release(&paths);
            return 2;
        }
    }
    if (paths.n == 0) {
        usage(stderr);
        return 2;
    }
    rc = cli_paths_load(&paths, &set, NULL, NULL, &bad);
    if (rc == -EINVAL) {
        fprintf(stderr, "flotilla delete: nothing was deleted: fix these first\n");
        model_set_release(&set);
        set = (struct model_set){ NULL, 0 };
        (void)cli_paths_load(&paths, &set, model_report_verdict_text, NULL,
                             &bad);
        model_set_release(&set);
        cli_paths_release(&paths);
        return 1;
    }
    if (rc != 0) {
        fprintf(stderr, "flotilla delete: %s: %s\n", bad, strerror(-rc));
        model_set_release(&set);
        cli_paths_release(&paths);
        return 2;
    }
    rc = cli_objects_publish(&set, true, server);
    model_set_release(&set);
    cli_paths_release(&paths);
    return rc == 0 ? 0 : rc == -EIO ? 1 : 2;
}
