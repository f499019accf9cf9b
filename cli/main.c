/* SPDX-License-Identifier: Apache-2.0 */
/* `flotilla`: the daemon (`flotilla run`) and the user commands. */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* Commands, one line each; keep alphabetical. */
static const struct cli_command commands[] = {
    { "apply", "send manifests to the control plane (--dry-run: validate, preview)", cmd_apply },
    { "brake", "show whether the mass-outage brake holds evictions", cmd_brake },
    { "config", "check or show the configuration file (config check FILE)", cmd_config },
    { "completion", "print a bash completion script (completion bash)",
      cmd_completion },
    { "conformance", "run the scheduler test vectors (conformance scheduler FILE)", cmd_conformance },
    { "cordon", "stop new placements on a cluster (a NoSchedule taint)",
      cmd_cordon },
    { "delete", "delete the objects of a file or directory from the control plane",
      cmd_delete },
    { "describe", "everything known about one binding or cluster",
      cmd_describe },
    { "dlq", "list or show dead letters (messages an actor could not handle)",
      cmd_dlq },
    { "drill", "run scenario files in virtual time (drill run FILE...)", cmd_drill },
    { "events", "decisions and failover steps; -f follows the bus, decoded",
      cmd_events },
    { "explain", "show which policy claims each template and why", cmd_explain },
    { "get", "show clusters, bindings, works, taints or evictions (-o, -w)",
      cmd_get },
    { "rebalance", "schedule a binding (or --all) afresh, e.g. to fail back",
      cmd_rebalance },
    { "run", "run the control-plane daemon (actors on the bus)", cmd_run },
    { "schedule", "place a workload on clusters and explain every exclusion (-f FILE)", cmd_schedule },
    { "sim", "fail or recover a simulated member (make up's flotilla-sim)",
      cmd_sim },
    { "taint", "add or remove a manual taint: taint cluster NAME KEY[=V]:EFFECT[-]",
      cmd_taint },
    { "uncordon", "let the scheduler place work on a cluster again",
      cmd_uncordon },
    { NULL, NULL, NULL },
};

const char *
cli_command_names(void)
{
    static char names[1024];
    size_t off = 0;

    if (names[0] != '\0') {
        return names;
    }
    for (const struct cli_command *c = commands; c->name != NULL; c++) {
        off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
                                off ? " " : "", c->name);
        if (off >= sizeof(names)) {
            break;
        }
    }
    return names;
}

static void
usage(FILE *f)
{
    fprintf(f, "usage: flotilla COMMAND [ARGS...]\n\ncommands:\n");
    for (const struct cli_command *c = commands; c->name != NULL; c++) {
        fprintf(f, "  %-14s %s\n", c->name, c->summary);
    }
    fprintf(f, "\n'flotilla COMMAND --help' describes one command.\n");
}

int
main(int argc, char **argv)
{
    const char *level = getenv("FLOTILLA_LOG_LEVEL");

    /* Commands print results and their own errors, not logs; `run` takes
     * its level from its configuration. */
    (void)util_log_set_level(level != NULL ? level : "off");
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (const struct cli_command *c = commands; c->name != NULL; c++) {
        if (strcmp(argv[1], c->name) == 0) {
            return c->run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "flotilla: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
