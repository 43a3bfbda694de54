/*
 * cmd_caps.c - `pmux caps [--json]`: what the current user may measure on
 * this host, and for every "no" the exact blocker and the fix.  The rules
 * and the kernel probes live in core/rights.c; this file only prints.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "commands.h"
#include "pmux/pmux.h"

/* The capabilities that matter to profiling, in the order shown. */
static const struct {
  int cap;
  const char *name;
} shown_caps[] = {
  {38, "perfmon"}, {21, "sys_admin"}, {19, "sys_ptrace"},
  {39, "bpf"},     {14, "ipc_lock"},  {34, "syslog"},
};

static void caps_list(uint64_t set, const pmux_rights_t *r, char *buf,
                      size_t len)
{
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < sizeof(shown_caps) / sizeof(shown_caps[0]); i++) {
    if (shown_caps[i].cap > r->cap_last_cap ||
        !(set & (UINT64_C(1) << shown_caps[i].cap)))
      continue;
    int n = snprintf(buf + used, len - used, "%scap_%s", used ? "," : "",
                     shown_caps[i].name);
    if (n < 0 || (size_t)n >= len - used)
      break;
    used += (size_t)n;
  }
  if (!used)
    snprintf(buf, len, "-");
}

static void print_text(const pmux_rights_t *r)
{
  char b[256];
  printf("What uid %u may measure on this host (perf_event_paranoid %d, "
         "cap_last_cap %d%s):\n\n",
         (unsigned)r->euid, r->paranoid, r->cap_last_cap,
         r->kernel_has_perfmon ? "" : ", no CAP_PERFMON: Linux < 5.8");
  for (int i = 0; i < PMUX_RIGHT_COUNT; i++) {
    const pmux_right_verdict_t *v = &r->right[i];
    printf("  %-3s %-44s %s\n", v->allowed ? "yes" : "no",
           pmux_right_desc(i), v->probed ? "(kernel asked)" : "");
    printf("        %s\n", v->reason);
    if (!v->allowed && v->fix[0])
      printf("        fix: %s\n", v->fix);
  }
  printf("\nProfiling capabilities (of %s):\n", r->exe[0] ? r->exe : "pmux");
  caps_list(r->cap_effective, r, b, sizeof(b));
  printf("  effective    %s\n", b);
  caps_list(r->cap_permitted, r, b, sizeof(b));
  printf("  permitted    %s\n", b);
  caps_list(r->cap_inheritable, r, b, sizeof(b));
  printf("  inheritable  %s   (granted at login by pam_perfcap)\n", b);
  caps_list(r->cap_ambient, r, b, sizeof(b));
  printf("  ambient      %s\n", b);
  caps_list(~r->cap_bounding, r, b, sizeof(b));
  printf("  not in bounding set: %s\n", b);
  caps_list(r->exe_fcap_inheritable, r, b, sizeof(b));
  printf("  file capability (inheritable) of this program: %s\n", b);
  printf("  no_new_privs %s\n", r->no_new_privs ? "set" : "not set");
}

static void print_json(const pmux_rights_t *r)
{
  printf("{\n  \"uid\": %u,\n  \"euid\": %u,\n", (unsigned)r->uid,
         (unsigned)r->euid);
  printf("  \"perf_event_paranoid\": %d,\n  \"cap_last_cap\": %d,\n",
         r->paranoid, r->cap_last_cap);
  printf("  \"kernel_has_cap_perfmon\": %s,\n",
         r->kernel_has_perfmon ? "true" : "false");
  printf("  \"capabilities\": {\"effective\": \"%#" PRIx64
         "\", \"permitted\": \"%#" PRIx64 "\", \"inheritable\": \"%#" PRIx64
         "\", \"ambient\": \"%#" PRIx64 "\", \"bounding\": \"%#" PRIx64
         "\", \"file_inheritable\": \"%#" PRIx64 "\"},\n",
         r->cap_effective, r->cap_permitted, r->cap_inheritable,
         r->cap_ambient, r->cap_bounding, r->exe_fcap_inheritable);
  printf("  \"no_new_privs\": %s,\n", r->no_new_privs ? "true" : "false");
  if (r->mlock_limit == UINT64_MAX)
    printf("  \"mlock_limit_bytes\": null,\n");
  else
    printf("  \"mlock_limit_bytes\": %" PRIu64 ",\n", r->mlock_limit);
  printf("  \"perf_event_mlock_kb\": %d,\n", r->perf_mlock_kb);
  printf("  \"rights\": {\n");
  for (int i = 0; i < PMUX_RIGHT_COUNT; i++) {
    const pmux_right_verdict_t *v = &r->right[i];
    printf("    \"%s\": {\"allowed\": %s, \"probed\": %s, "
           "\"rules_allowed\": %s, \"reason\": ",
           pmux_right_name(i), v->allowed ? "true" : "false",
           v->probed ? "true" : "false", v->rules_allowed ? "true" : "false");
    json_string(stdout, v->reason);
    printf(", \"fix\": ");
    json_string(stdout, v->fix);
    printf("}%s\n", i + 1 < PMUX_RIGHT_COUNT ? "," : "");
  }
  printf("  }\n}\n");
}

static void usage(FILE *out)
{
  fprintf(out,
          "usage: pmux caps [--json]\n\n"
          "Say what the current user may measure on this host: count own\n"
          "threads, other users' processes, system-wide per CPU, kernel-level\n"
          "events, tracepoints, in-kernel (eBPF) sampling formats, hardware\n"
          "counters and large sampling buffers.  Each verdict follows the\n"
          "kernel's rules (perf_event_paranoid, the capabilities of this\n"
          "process, no_new_privs, the mlock limit); where a software event\n"
          "can check it, the kernel is asked too and its answer wins.  Each\n"
          "\"no\" names the blocker and the fix: a perfcap.conf rule for\n"
          "pam_perfcap(8), the setcap step, or the sysctl.\n\n"
          "  --json   the same as one JSON object\n"
          "  -h, --help\n\n"
          "Exit status: 0 when the report was made (whatever it says).\n");
}

int cmd_caps(int argc, char **argv)
{
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int c, json = 0;
  while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return PMUX_EXIT_OK;
    }
    if (c == 'j') {
      json = 1;
      continue;
    }
    usage(stderr);
    return PMUX_EXIT_USAGE;
  }
  if (optind != argc) {
    cli_error("caps", "'%s': caps takes no arguments", argv[optind]);
    usage(stderr);
    return PMUX_EXIT_USAGE;
  }
  pmux_rights_t r;
  int err = pmux_rights_get(&r);
  if (err) {
    cli_error("caps", "%s", *pmux_errmsg() ? pmux_errmsg()
                                            : pmux_strerror(err));
    return PMUX_EXIT_FAIL;
  }
  if (json)
    print_json(&r);
  else
    print_text(&r);
  return PMUX_EXIT_OK;
}
