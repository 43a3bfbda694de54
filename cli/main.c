/*
 * main.c - the `pmux` command: dispatch to one subcommand, perf style
 * (`pmux stat -e ... -- cmd`).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

struct command {
  const char *name;
  const char *help;
  int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
#define PMUX_X_(name, help) {#name, help, cmd_##name},
  PMUX_CLI_COMMANDS(PMUX_X_)
#undef PMUX_X_
};

static void usage(FILE *out)
{
  fprintf(out, "usage: pmux [--version] [--help] COMMAND [ARGS]\n\n"
               "Commands:\n");
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
  fprintf(out, "\nSee 'pmux COMMAND --help' and pmux(1).\n");
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    usage(stderr);
    return PMUX_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    usage(stdout);
    return PMUX_EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("pmux %s\n", PMUX_VERSION_STRING);
    return PMUX_EXIT_OK;
  }
  /* A parent's SIG_IGN for SIGCHLD lasts through exec: the kernel would
   * reap the measured command itself and its exit status be lost (the
   * library refuses to start so).  pmux waits for its children, as perf. */
  signal(SIGCHLD, SIG_DFL);
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (!strcmp(argv[1], commands[i].name)) {
      /* getopt names the program by argv[0]: "pmux stat: ...". */
      char name[64];
      snprintf(name, sizeof(name), "pmux %s", commands[i].name);
      argv[1] = name;
      int rc = commands[i].run(argc - 1, argv + 1);
      /* Output that could not be written (a full disk, a closed pipe) is
       * a failure, not a silent success. */
      if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "%s: writing the output: %s\n", name,
                errno ? strerror(errno) : "error");
        if (!rc)
          rc = PMUX_EXIT_FAIL;
      }
      return rc;
    }
  fprintf(stderr, "pmux: '%s' is not a pmux command\n\n", argv[1]);
  usage(stderr);
  return PMUX_EXIT_USAGE;
}
