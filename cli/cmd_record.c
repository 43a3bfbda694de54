/*
 * cmd_record.c - `pmux record`: sample a command (and its children), or a
 * running process, into a sample file, through a sampling format.  Exits
 * with the command's status, like `pmux stat`.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cli.h"
#include "commands.h"
#include "pmux/pmux.h"
#include "stat_system.h"

static void usage(FILE *out)
{
  fprintf(out,
"usage: pmux record [OPTIONS] [-a | -C LIST] -- COMMAND [ARGS...]\n"
"       pmux record [OPTIONS] -p PID [-- COMMAND [ARGS...]]\n"
"\n"
"Sample COMMAND (and its children), or a running process, and write the\n"
"samples to a file that 'pmux report' reads.  Exits with COMMAND's exit\n"
"status (0 with -p alone).\n"
"\n"
"  -e, --event EVENTS     the sampling event (default cpu-clock); in a\n"
"                         list, the first samples and the others are\n"
"                         read at each sample; repeated, the lists join\n"
"  -S, --set SPEC         or a set 'EVENTS[;switch=DURATION]' or\n"
"                         'EVENTS;switch=EVENT/PERIOD/N' (switch after N\n"
"                         overflows of EVENT counted every PERIOD while\n"
"                         the set is active); repeat for more: they\n"
"                         rotate, only the active set samples, and each\n"
"                         sample is tagged with its set\n"
"      --switch DURATION  default time slice of the sets (default 2ms)\n"
"  -p, --pid PID          sample a running process (all its threads, and\n"
"                         what they create from then on) until it exits\n"
"                         or SIGINT/SIGTERM, or while COMMAND runs\n"
"                         (-p PID -- sleep 5)\n"
"  -a, --all-cpus         system-wide: sample every process on every CPU\n"
"                         while COMMAND runs (root or CAP_PERFMON; the\n"
"                         CPUs are leased as for 'pmux stat -a')\n"
"  -C, --cpu LIST         system-wide on these CPUs only (e.g. 0-3,8)\n"
"      --exclusive        system-wide: refuse to start beside other\n"
"                         processes holding perf events (default: warn)\n"
"  -c, --count N          sample every N events\n"
"  -F, --freq HZ          or HZ samples per second (default 1000)\n"
"      --format NAME[:ARGS]  sampling format (default 'default'); see\n"
"                         'pmux formats'\n"
"  -m, --mmap-pages N     ring buffer data pages per CPU, a power of two\n"
"                         (default 128, at most 1048576)\n"
"  -o, --output FILE      the sample file (default pmux.data)\n"
"  -q, --quiet            no summary on stderr (lost samples are\n"
"                         still reported)\n"
"  -h, --help             this help\n");
}

/* "set 0 ran 21 times, set 1 ran 20 times": that the sets did switch. */
static void print_runs(const pmux_record_stats_t *st)
{
  if (st->nsets < 2)
    return;
  fprintf(stderr, "pmux record: %d sets rotated:", st->nsets);
  for (int k = 0; k < st->nsets && k < PMUX_RECORD_RUNS_MAX; k++)
    fprintf(stderr, "%s set %d ran %llu time%s", k ? "," : "", k,
            (unsigned long long)st->runs[k], st->runs[k] == 1 ? "" : "s");
  fprintf(stderr, "%s\n", st->nsets > PMUX_RECORD_RUNS_MAX ? ", ..." : "");
}

/* What the command line asks.  The -S and -e arrays are the caller's, one
 * slot per argument (each option takes one at most). */
struct record_opts {
  pmux_record_opts_t rec;
  char **sets;
  const char **evs; /* -e lists: repeated, they join one list, as stat's
                     * and check's do */
  int nevs;
  int quiet;
  struct stat_system *ss; /* -a, -C, --exclusive */
};

/* -c N or -F HZ; 0, or -1 after the message. */
static int parse_rate(int c, const char *arg, pmux_record_opts_t *rec)
{
  uint64_t v;
  if (cli_parse_u64(arg, &v) < 0 || v == 0) {
    cli_error("record", "-%c %s: want a positive number", c, arg);
    return -1;
  }
  if (v > INT64_MAX) { /* perf_event_open(2) refuses bit 63 */
    cli_error("record", "-%c %s: at most %" PRId64, c, arg, INT64_MAX);
    return -1;
  }
  if (c == 'c')
    rec->period = v;
  else
    rec->freq = v;
  return 0;
}

/* A --switch or a switch= that nothing honours is said, not ignored. */
static void warn_unused_switch(const struct record_opts *o)
{
  int nsets = o->rec.nsets;
  if (o->rec.switch_ns && nsets < 2)
    cli_warn("record", "--switch: %s, nothing rotates",
             nsets ? "one set" : "no -S sets");
  const char *opts = nsets == 1 ? strchr(o->sets[0], ';') : NULL;
  if (opts && strstr(opts, "switch=")) /* as stat says it */
    cli_warn("record", "set 0: switch= ignored: the only set, nothing "
                       "rotates");
}

#define RECORD_PAGES_MAX (1u << 20)

/* -m N.  0, or -1 after the message. */
static int parse_pages(const char *arg, pmux_record_opts_t *rec)
{
  uint64_t v;
  if (cli_parse_u64(arg, &v) < 0 || v == 0 || (v & (v - 1))) {
    cli_error("record", "-m %s: want a power of two number of pages", arg);
    return -1;
  }
  if (v > RECORD_PAGES_MAX) {
    cli_error("record", "-m %s: at most %u pages", arg, RECORD_PAGES_MAX);
    return -1;
  }
  rec->mmap_pages = (unsigned)v;
  return 0;
}

/* One option of the loop: -1 to go on, else the exit status to stop with
 * (--help, a usage error). */
static int parse_option(int c, char *arg, struct record_opts *o)
{
  pmux_record_opts_t *rec = &o->rec;
  switch (c) {
  case 'a':
  case 'C':
  case STAT_OPT_EXCLUSIVE:
    if (stat_system_option(o->ss, c, arg) < 0)
      return PMUX_EXIT_USAGE; /* after its message */
    return -1;
  case 'e':
    o->evs[o->nevs++] = arg;
    return -1;
  case 'S':
    o->sets[rec->nsets++] = arg;
    return -1;
  case 'w':
    if (pmux_duration_parse(arg, &rec->switch_ns)) {
      cli_error("record", "--switch: %s", pmux_errmsg());
      return PMUX_EXIT_USAGE;
    }
    return -1;
  case 'c':
  case 'F':
    return parse_rate(c, arg, rec) ? PMUX_EXIT_USAGE : -1;
  case 'f':
    rec->format = arg;
    return -1;
  case 'm':
    return parse_pages(arg, rec) ? PMUX_EXIT_USAGE : -1;
  case 'o':
    rec->output = arg;
    return -1;
  case 'q':
    o->quiet = 1;
    return -1;
  case 'p':
    return cli_parse_pid("record", arg, &rec->pid) ? PMUX_EXIT_USAGE : -1;
  case 'h':
    usage(stdout);
    return PMUX_EXIT_OK;
  default:
    usage(stderr);
    return PMUX_EXIT_USAGE;
  }
}

/* -1 to run, else the exit status to stop with (--help, a usage error). */
static int parse_args(int argc, char **argv, struct record_opts *o)
{
  static const struct option longopts[] = {
      {"event", required_argument, NULL, 'e'},
      {"set", required_argument, NULL, 'S'},
      {"switch", required_argument, NULL, 'w'},
      {"count", required_argument, NULL, 'c'},
      {"freq", required_argument, NULL, 'F'},
      {"format", required_argument, NULL, 'f'},
      {"mmap-pages", required_argument, NULL, 'm'},
      {"output", required_argument, NULL, 'o'},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {"all-cpus", no_argument, NULL, 'a'},
      {"cpu", required_argument, NULL, 'C'},
      {"exclusive", no_argument, NULL, STAT_OPT_EXCLUSIVE},
      {"pid", required_argument, NULL, 'p'},
      {NULL, 0, NULL, 0}};
  int c, stop;
  optind = 1;
  while ((c = getopt_long(argc, argv, "+e:S:c:F:m:o:qhaC:p:", longopts,
                          NULL)) != -1)
    if ((stop = parse_option(c, optarg, o)) >= 0)
      return stop;
  if (o->rec.period && o->rec.freq) {
    cli_error("record", "-c and -F exclude each other");
    return PMUX_EXIT_USAGE;
  }
  if (optind >= argc && !o->rec.pid) {
    cli_error("record", "no command given (pmux record [OPTIONS] -- "
                        "COMMAND, or -p PID)");
    return PMUX_EXIT_USAGE;
  }
  if (o->rec.pid && o->ss->wanted) {
    cli_error("record", "-p samples a process, -a and -C CPUs: give one");
    return PMUX_EXIT_USAGE;
  }
  o->rec.argv = optind < argc ? argv + optind : NULL;
  o->rec.sets = o->sets;
  warn_unused_switch(o);
  if (o->ss->exclusive && !o->ss->wanted) {
    cli_error("record", "--exclusive applies to system-wide sampling "
                        "(-a or -C)");
    return PMUX_EXIT_USAGE;
  }
  return -1;
}

/* -a, -C: rights, other PMU users and the per-CPU leases, as pmux stat
 * -a.  0, or -1 after the message (the leases given back). */
static int begin_system_wide(int argc, char **argv, struct record_opts *o)
{
  pmux_target_t t = {.kind = PMUX_TARGET_CPUS};
  char cmdline[256];
  stat_system_recover();
  stat_system_cmdline(argc, argv, cmdline, sizeof(cmdline));
  if (stat_system_begin(o->ss, &t, cmdline)) {
    stat_system_end(o->ss); /* a refusal beside others: give the leases back */
    return -1;
  }
  o->rec.system_wide = 1;
  o->rec.cpus = t.cpus;
  o->rec.ncpus = t.ncpus;
  return 0;
}

/* The -e lists as one (NULL when none); -1 out of memory. */
static int join_events(const struct record_opts *o, char **events)
{
  *events = NULL;
  for (int i = 0; i < o->nevs; i++)
    if (cli_append_list(events, o->evs[i]))
      return -1;
  return 0;
}

static const char *output_name(const struct record_opts *o)
{
  return o->rec.output ? o->rec.output : "pmux.data";
}

/* The output file's errors name it first ("FILE: Permission denied"):
 * its mode, not a right pmux caps could grant. */
static void report_failure(const struct record_opts *o, int rc)
{
  const char *out = output_name(o);
  const char *msg = pmux_errmsg();
  size_t n = strlen(out);
  if (!strncmp(msg, out, n) && msg[n] == ':')
    cli_error("record", "%s", msg);
  else
    cli_report("record", rc, msg);
}

static void print_summary(const struct record_opts *o,
                          const pmux_record_stats_t *st, int rc)
{
  char b1[32], b2[32];
  /* After a failure (the error above), what was taken, not "written". */
  fprintf(stderr,
          "pmux record: %s samples (%s bytes, %u CPU%s) in %.3f s %s %s\n",
          cli_thousands(st->samples, b1, sizeof(b1)),
          cli_thousands(st->data_bytes, b2, sizeof(b2)), (unsigned)st->ncpus,
          st->ncpus == 1 ? "" : "s",
          st->elapsed_ns / 1e9, rc < 0 ? "taken, NOT all written to" :
          "written to", output_name(o));
  print_runs(st);
  if (st->stopped)
    fprintf(stderr,
            "pmux record: the format stopped taking samples; the %s "
            "samples taken after that are not in the file\n",
            cli_thousands(st->stopped, b1, sizeof(b1)));
  if (st->throttled)
    fprintf(stderr, "pmux record: the kernel throttled sampling %llu "
                    "times (kernel.perf_event_max_sample_rate)\n",
            (unsigned long long)st->throttled);
}

/* A loss is said even with -q (pmux-record(1)): never silent. */
static void warn_lost(const pmux_record_stats_t *st)
{
  char b1[32];
  if (st->lost)
    fprintf(stderr,
            "pmux record: WARNING: %s samples lost (ring buffer full; "
            "raise -m or lower -F); the count is stored in the file\n",
            cli_thousands(st->lost, b1, sizeof(b1)));
}

/* The command's exit status, as pmux stat passes it on. */
static int command_status(int status)
{
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return PMUX_EXIT_OK;
}

/* Record, then say how it went; the exit status. */
static int run_record(struct record_opts *o, const char *events)
{
  pmux_record_stats_t st;
  o->rec.event = events;
  int rc = pmux_record(&o->rec, &st);
  stat_system_end(o->ss);
  if (rc == PMUX_ECHILD) {
    cli_report("record", rc, pmux_errmsg());
    return WEXITSTATUS(st.status); /* 127 not found, 126 not executable */
  }
  if (rc < 0) {
    report_failure(o, rc);
    if (!st.elapsed_ns)
      return PMUX_EXIT_FAIL;
  }
  if (!o->quiet)
    print_summary(o, &st, rc);
  warn_lost(&st);
  return rc < 0 ? PMUX_EXIT_FAIL : command_status(st.status);
}

int cmd_record(int argc, char **argv)
{
  static struct stat_system ss; /* large (CPU list): not on the stack */
  memset(&ss, 0, sizeof(ss));
  stat_system_set_command("record");
  char *sets[argc > 0 ? argc : 1]; /* -S specs: at most one per argument */
  const char *evs[argc > 0 ? argc : 1];
  struct record_opts o = {.sets = sets, .evs = evs, .ss = &ss};
  int stop = parse_args(argc, argv, &o);
  if (stop >= 0)
    return stop;
  if (ss.wanted && begin_system_wide(argc, argv, &o))
    return PMUX_EXIT_FAIL;
  char *events;
  if (join_events(&o, &events)) {
    stat_system_end(&ss);
    free(events);
    cli_error("record", "out of memory");
    return PMUX_EXIT_FAIL;
  }
  int rc = run_record(&o, events);
  free(events);
  return rc;
}
