/*
 * cmd_record.c - `pmux record`: sample a command (and its children) into
 * a sample file, through a sampling format.  Exits with the command's
 * status, like `pmux stat`.
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
"\n"
"Sample COMMAND (and its children) and write the samples to a file that\n"
"'pmux report' reads.  Exits with COMMAND's exit status.\n"
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
"                         (default 128)\n"
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

int cmd_record(int argc, char **argv)
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
      {NULL, 0, NULL, 0}};
  static struct stat_system ss; /* large (CPU list): not on the stack */
  memset(&ss, 0, sizeof(ss));
  stat_system_set_command("record");
  pmux_record_opts_t o;
  memset(&o, 0, sizeof(o));
  int quiet = 0, c;
  uint64_t v;
  char *sets[argc > 0 ? argc : 1]; /* -S specs: at most one per argument */
  /* -e lists: repeated, they join one list, as stat's and check's do. */
  const char *evs[argc > 0 ? argc : 1];
  int nevs = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "+e:S:c:F:m:o:qhaC:", longopts,
                          NULL)) != -1) {
    switch (c) {
    case 'a':
    case 'C':
    case STAT_OPT_EXCLUSIVE:
      if (stat_system_option(&ss, c, optarg) < 0) {
        usage(stderr);
        return PMUX_EXIT_USAGE;
      }
      break;
    case 'e':
      evs[nevs++] = optarg;
      break;
    case 'S':
      sets[o.nsets++] = optarg;
      break;
    case 'w':
      if (pmux_duration_parse(optarg, &o.switch_ns)) {
        cli_error("record", "--switch: %s", pmux_errmsg());
        return PMUX_EXIT_USAGE;
      }
      break;
    case 'c':
    case 'F':
      if (cli_parse_u64(optarg, &v) < 0 || v == 0) {
        cli_error("record", "-%c %s: want a positive number", c, optarg);
        return PMUX_EXIT_USAGE;
      }
      if (v > INT64_MAX) { /* perf_event_open(2) refuses bit 63 */
        cli_error("record", "-%c %s: at most %" PRId64, c, optarg, INT64_MAX);
        return PMUX_EXIT_USAGE;
      }
      if (c == 'c')
        o.period = v;
      else
        o.freq = v;
      break;
    case 'f':
      o.format = optarg;
      break;
    case 'm':
      if (cli_parse_u64(optarg, &v) < 0 || v == 0 || v > (1u << 20) ||
          (v & (v - 1))) {
        cli_error("record", "-m %s: want a power of two number of pages",
                  optarg);
        return PMUX_EXIT_USAGE;
      }
      o.mmap_pages = (unsigned)v;
      break;
    case 'o':
      o.output = optarg;
      break;
    case 'q':
      quiet = 1;
      break;
    case 'h':
      usage(stdout);
      return PMUX_EXIT_OK;
    default:
      usage(stderr);
      return PMUX_EXIT_USAGE;
    }
  }
  if (o.period && o.freq) {
    cli_error("record", "-c and -F exclude each other");
    return PMUX_EXIT_USAGE;
  }
  if (optind >= argc) {
    cli_error("record", "no command given (pmux record [OPTIONS] -- "
                        "COMMAND)");
    return PMUX_EXIT_USAGE;
  }
  o.argv = argv + optind;
  o.sets = sets;
  if (o.switch_ns && o.nsets < 2) /* not silently: it changes nothing */
    cli_warn("record", "--switch: %s, nothing rotates",
             o.nsets ? "one set" : "no -S sets");
  const char *opts = o.nsets == 1 ? strchr(sets[0], ';') : NULL;
  if (opts && strstr(opts, "switch=")) /* as stat says it */
    cli_warn("record", "set 0: switch= ignored: the only set, nothing "
                       "rotates");
  if (ss.exclusive && !ss.wanted) {
    cli_error("record", "--exclusive applies to system-wide sampling "
                        "(-a or -C)");
    return PMUX_EXIT_USAGE;
  }
  if (ss.wanted) {
    /* Rights, other PMU users and the per-CPU leases, as pmux stat -a. */
    pmux_target_t t = {.kind = PMUX_TARGET_CPUS};
    char cmdline[256];
    stat_system_recover();
    stat_system_cmdline(argc, argv, cmdline, sizeof(cmdline));
    if (stat_system_begin(&ss, &t, cmdline)) {
      stat_system_end(&ss); /* a refusal beside others: give the leases back */
      return PMUX_EXIT_FAIL;
    }
    o.system_wide = 1;
    o.cpus = t.cpus;
    o.ncpus = t.ncpus;
  }

  char *events = NULL;
  for (int i = 0; i < nevs; i++)
    if (cli_append_list(&events, evs[i])) {
      stat_system_end(&ss);
      free(events);
      cli_error("record", "out of memory");
      return PMUX_EXIT_FAIL;
    }
  o.event = events;

  pmux_record_stats_t st;
  int rc = pmux_record(&o, &st);
  stat_system_end(&ss);
  free(events);
  if (rc == PMUX_ECHILD) {
    cli_report("record", rc, pmux_errmsg());
    return WEXITSTATUS(st.status); /* 127 not found, 126 not executable */
  }
  if (rc < 0) {
    /* The output file's errors name it first ("FILE: Permission
     * denied"): its mode, not a right pmux caps could grant. */
    const char *out = o.output ? o.output : "pmux.data";
    const char *msg = pmux_errmsg();
    size_t n = strlen(out);
    if (!strncmp(msg, out, n) && msg[n] == ':')
      cli_error("record", "%s", msg);
    else
      cli_report("record", rc, msg);
    if (!st.elapsed_ns)
      return PMUX_EXIT_FAIL;
  }
  if (!quiet) {
    char b1[32], b2[32];
    /* After a failure (the error above), what was taken, not "written". */
    fprintf(stderr,
            "pmux record: %s samples (%s bytes, %u CPUs) in %.3f s %s %s\n",
            cli_thousands(st.samples, b1, sizeof(b1)),
            cli_thousands(st.data_bytes, b2, sizeof(b2)), (unsigned)st.ncpus,
            st.elapsed_ns / 1e9, rc < 0 ? "taken, NOT all written to" :
            "written to", o.output ? o.output : "pmux.data");
    print_runs(&st);
    if (st.stopped)
      fprintf(stderr,
              "pmux record: the format stopped taking samples; the %s "
              "samples taken after that are not in the file\n",
              cli_thousands(st.stopped, b1, sizeof(b1)));
    if (st.throttled)
      fprintf(stderr, "pmux record: the kernel throttled sampling %llu "
                      "times (kernel.perf_event_max_sample_rate)\n",
              (unsigned long long)st.throttled);
  }
  /* A loss is said even with -q (pmux-record(1)): never silent. */
  if (st.lost) {
    char b1[32];
    fprintf(stderr,
            "pmux record: WARNING: %s samples lost (ring buffer full; "
            "raise -m or lower -F); the count is stored in the file\n",
            cli_thousands(st.lost, b1, sizeof(b1)));
  }
  if (rc < 0)
    return PMUX_EXIT_FAIL;
  if (WIFEXITED(st.status))
    return WEXITSTATUS(st.status);
  if (WIFSIGNALED(st.status))
    return 128 + WTERMSIG(st.status);
  return PMUX_EXIT_OK;
}
