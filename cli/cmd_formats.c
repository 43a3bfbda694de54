/*
 * cmd_formats.c - `pmux formats`: the sampling formats `record --format`
 * accepts, with their arguments (docs/formats.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "pmux/pmux.h"

struct list_ctx {
  int json;
  int n;
};

static int show(const char *name, const char *desc, const char *args,
                void *arg)
{
  struct list_ctx *c = arg;
  if (c->json) {
    printf("%s{\"name\":", c->n ? "," : "");
    json_string(stdout, name);
    printf(",\"description\":");
    json_string(stdout, desc);
    printf(",\"arguments\":");
    json_string(stdout, args);
    printf("}");
  } else {
    printf("%-11s %s\n", name, desc);
    printf("%-11s arguments: %s\n", "", args[0] ? args : "none");
  }
  c->n++;
  return 0;
}

int cmd_formats(int argc, char **argv)
{
  struct list_ctx c = {0, 0};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) {
      c.json = 1;
    } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      printf("usage: pmux formats [--json]\n\n"
             "List the sampling formats of 'pmux record --format "
             "NAME[:ARGS]'\nwith their arguments (ARGS: KEY=VALUE,...).\n\n"
             "      --json             one JSON list of the formats\n"
             "  -h, --help             this help\n");
      return PMUX_EXIT_OK;
    } else {
      cli_error("formats", "unknown argument '%s'", argv[i]);
      return PMUX_EXIT_USAGE;
    }
  }
  if (c.json)
    printf("[");
  int rc = pmux_format_list(show, &c);
  if (c.json)
    printf("]\n");
  if (rc < 0) {
    cli_report("formats", rc, NULL);
    return PMUX_EXIT_FAIL;
  }
  return PMUX_EXIT_OK;
}
