/*
 * commands.h - the subcommands of `pmux`, one line each.  Adding a command is
 * a file cli/cmd_NAME.c defining cmd_NAME(), one line here and one source in
 * cli/CMakeLists.txt.
 */
#ifndef PMUX_CLI_COMMANDS_H
#define PMUX_CLI_COMMANDS_H

#define PMUX_CLI_COMMANDS(X)                                                 \
  X(stat, "Count events of a command or a process, in rotating sets")  \
  X(list, "List the events usable on this host")                       \
  X(caps, "Say what you may measure here, what blocks the rest, the fix") \
  X(check, "Check whether event sets fit a PMU's counters, and how")  \
  X(info, "Show this host's PMU (or a described one) and its counters") \
  X(record, "Sample a command or a process into a file, in a sampling format") \
  X(report, "Top functions of a sample file (pmux record's output)")  \
  X(formats, "List the sampling formats and their arguments")

#define PMUX_X_(name, help) int cmd_##name(int argc, char **argv);
PMUX_CLI_COMMANDS(PMUX_X_)
#undef PMUX_X_

#endif
