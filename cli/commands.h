/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The subcommands of the `flotilla` program. Each lives in its own file
 * cli/cmd_<name>.c and is listed in the table in cli/main.c. A command gets
 * argv with argv[0] = its own name and returns the process exit code.
 */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

int cmd_apply(int argc, char **argv);
int cmd_brake(int argc, char **argv);
int cmd_cordon(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_describe(int argc, char **argv);
int cmd_dlq(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_rebalance(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_taint(int argc, char **argv);
int cmd_uncordon(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_conformance(int argc, char **argv);
int cmd_schedule(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_drill(int argc, char **argv);

/* The command names, space separated (for shell completion). */
const char *cli_command_names(void);

#endif /* CLI_COMMANDS_H */
