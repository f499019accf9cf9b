/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `flotilla completion bash`: a bash completion script, built from the
 * command table so it never falls behind. Use:
 *   source <(build/flotilla completion bash)
 */
#include "commands.h"

#include <stdio.h>
#include <string.h>

int
cmd_completion(int argc, char **argv)
{
    const char *words = cli_command_names();

    if (argc < 2 || strcmp(argv[1], "bash") != 0) {
        printf("usage: flotilla completion bash\n\nPrints a bash completion "
               "script: source <(flotilla completion bash)\n");
        return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    printf("# bash completion for flotilla; source <(flotilla completion bash)\n"
           "_flotilla() {\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
           "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
           "        COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return\n"
           "    fi\n"
           "    case \"$prev\" in\n"
           "    -f|--config) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
           "    -o) COMPREPLY=($(compgen -W \"wide json yaml\" -- \"$cur\")); return ;;\n"
           "    --kind) COMPREPLY=($(compgen -W \"down blackhole unhealthy slow flap\" -- \"$cur\")); return ;;\n"
           "    get) COMPREPLY=($(compgen -W \"clusters bindings works taints evictions\" -- \"$cur\")); return ;;\n"
           "    describe) COMPREPLY=($(compgen -W \"binding cluster\" -- \"$cur\")); return ;;\n"
           "    sim) COMPREPLY=($(compgen -W \"fail recover crash heal\" -- \"$cur\")); return ;;\n"
           "    dlq) COMPREPLY=($(compgen -W \"list show\" -- \"$cur\")); return ;;\n"
           "    drill) COMPREPLY=($(compgen -W \"run\" -- \"$cur\")); return ;;\n"
           "    taint) COMPREPLY=($(compgen -W \"cluster\" -- \"$cur\")); return ;;\n"
           "    esac\n"
           "    COMPREPLY=($(compgen -W \"--help -f -o -w --server\" -- \"$cur\"))\n"
           "}\n"
           "complete -F _flotilla flotilla build/flotilla\n", words);
    return 0;
}
