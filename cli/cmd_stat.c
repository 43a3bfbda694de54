/*
 * cmd_stat.c - `pmux stat`: count events of a command (and its children)
 * or of a running process, in sets that pmux rotates, and print raw counts,
 * estimates and error bounds, on standard error as perf stat's (the
 * command's standard output stays its own) or in -o FILE.  Exits with the
 * command's status.  System-wide
 * mode (-a, -C LIST, --exclusive, --disable-nmi-watchdog) is stat_system.c;
 * the means and spreads of -r N (a fresh session per run) stat_repeat.c;
 * the table, CSV and JSON are printed by stat_output.c.  Here: the
 * options, where the results go (-o), the runs and the exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "stat_output.h"
#include "stat_repeat.h"
#include "stat_system.h"

/* perf stat's default events: software ones count everywhere, the
 * hardware ones show as "not supported" where there is no PMU. */
static const char default_events[] =
    "task-clock,context-switches,cpu-migrations,page-faults,cycles,"
    "instructions,branches,branch-misses";

static void usage(FILE *out)
{
  fprintf(out,
"usage: pmux stat [OPTIONS] -- COMMAND [ARGS...]\n"
"       pmux stat [OPTIONS] -p PID [-- COMMAND [ARGS...]]\n"
"       pmux stat [OPTIONS] -a|-C LIST [-- COMMAND [ARGS...]]\n"
"\n"
"Count events of COMMAND (and its children) or of process PID, in sets of\n"
"events that are rotated, and print for each event its raw count, the\n"
"share of the run it was measured, a scaled estimate and a 95%% error\n"
"bound.  The results go to standard error, as perf stat's, so that\n"
"COMMAND's standard output stays its own (-o FILE to put them elsewhere).\n"
"Exits with COMMAND's exit status (128+N if killed by signal N).\n"
"\n"
"Events and sets:\n"
"  -e, --event EVENTS     comma-separated events, counted as one set, or\n"
"                         split into as few sets as fit this host's PMU\n"
"                         when they do not fit at once; repeated, the\n"
"                         lists join\n"
"                         (default: %s)\n"
"  -S, --set SPEC         a set: 'EVENTS[;switch=DURATION]' or\n"
"                         'EVENTS;switch=EVENT/PERIOD/N' (switch after N\n"
"                         overflows of EVENT sampled every PERIOD); repeat\n"
"                         for more sets; they run round-robin in order\n"
"      --pin EVENTS       events counted all the time, in every slice\n"
"      --switch DURATION  default time slice (default 2ms; e.g. 1ms, 500us)\n"
"      --mux MODE         user (pmux rotates, default), kernel (all sets\n"
"                         enabled, the kernel rotates), none (refuse to run\n"
"                         unless every set counts at once)\n"
"Target:\n"
"  -p, --pid PID          attach to a running process (all its threads)\n"
"                         until it exits or SIGINT/SIGTERM, or while\n"
"                         COMMAND runs (-p PID -- sleep 5)\n"
"  -a, --all-cpus         system-wide: every process on every CPU, while\n"
"                         COMMAND runs, or until SIGINT/SIGTERM\n"
"  -C, --cpu LIST         system-wide on these CPUs only (e.g. 0-3,8)\n"
"      --exclusive        system-wide: refuse to start beside other\n"
"                         processes holding perf events (default: warn)\n"
"      --disable-nmi-watchdog\n"
"                         system-wide, root only: set kernel.nmi_watchdog\n"
"                         to 0 for the session (frees its counter), always\n"
"                         restored at exit\n"
"  A system-wide session leases its CPUs (files under /run/pmux, or\n"
"  PMUX_RUNDIR): a second one on any of them fails naming the holder;\n"
"  it refuses to start beside oprofile.\n"
"Output:\n"
"  -x, --field-separator SEP   CSV with a header line\n"
"      --json             one JSON object (with -I: one per line)\n"
"  -o, --output FILE      write the results to FILE instead of standard\n"
"                         error; -o /dev/stdout to pipe them\n"
"  -I, --interval TIME    print counts every TIME (ms, or 100ms, 1s...)\n"
"  -r, --repeat N         run COMMAND N times (1-100), each in a fresh\n"
"                         session, and print per event the mean estimate\n"
"                         and the spread between runs, '( +- 1.23%% )' (the\n"
"                         standard deviation of the mean, as perf's); the\n"
"                         95%% bound stays one run's.  Stops after a run\n"
"                         whose COMMAND fails or is killed (as by SIGINT,\n"
"                         forwarded); COMMAND only, not with -p, -a, -C, -I\n"
"  -h, --help             this help\n"
"\n"
"Events are libpfm4 names with modifiers (INST_RETIRED:ANY_P:u), perf\n"
"names (cycles, task-clock, page-faults) or raw codes (r1c2, cpu::0x1c2);\n"
"see 'pmux list'.\n",
          default_events);
}

struct stat_opts {
  char *events;           /* -e, comma-joined */
  char **sets;
  int nsets;
  char *pinned;
  uint64_t switch_ns;
  pmux_mux_t mux;
  const char *mux_name;
  pid_t pid;
  const char *sep;
  int json;
  const char *output;
  uint64_t interval_ns;
  int repeat;             /* -r N; 0 when not given */
  int help;               /* -h: printed, nothing to run */
  struct stat_system sys; /* -a, -C, --exclusive, --disable-nmi-watchdog */
};

enum { OPT_PIN = 256, OPT_SWITCH, OPT_MUX, OPT_JSON };

/* -S SPEC: one more set.  0, or -1 out of memory. */
static int add_set_spec(struct stat_opts *o, char *spec)
{
  char **p = realloc(o->sets, sizeof(char *) * (size_t)(o->nsets + 1));
  if (!p)
    return -1;
  o->sets = p;
  o->sets[o->nsets++] = spec;
  return 0;
}

/* --mux MODE.  0, or -1 after the message. */
static int parse_mux(const char *arg, struct stat_opts *o)
{
  if (!strcmp(arg, "user"))
    o->mux = PMUX_MUX_USER;
  else if (!strcmp(arg, "kernel"))
    o->mux = PMUX_MUX_KERNEL;
  else if (!strcmp(arg, "none"))
    o->mux = PMUX_MUX_NONE;
  else {
    cli_error("stat", "--mux '%s': want user, kernel or none", arg);
    return -1;
  }
  o->mux_name = arg;
  return 0;
}

/* -x SEP.  0, or -1 after the message. */
static int parse_separator(const char *arg, struct stat_opts *o)
{
  if (!*arg) {
    cli_error("stat", "-x: the separator must not be empty");
    return -1;
  }
  /* Numbers (digits . - inf) and column names (letters, _) must never
   * hold it: only names are quoted. */
  if (strpbrk(arg, "0123456789.+-_\"abcdefghijklmnopqrstuvwxyz"
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
    cli_error("stat", "-x '%s': a separator cannot hold letters, digits "
              "or any of . + - _ \" (they appear in numbers and column "
              "names)", arg);
    return -1;
  }
  o->sep = arg;
  return 0;
}

/* -I TIME.  0, or -1 after the message. */
static int parse_interval(const char *arg, struct stat_opts *o)
{
  if (pmux_duration_parse(arg, &o->interval_ns)) {
    cli_error("stat", "-I: %s", pmux_errmsg());
    return -1;
  }
  if (o->interval_ns < 1000000) {
    cli_error("stat", "-I '%s': want an interval of at least 1 ms", arg);
    return -1;
  }
  return 0;
}

/* -r N.  0, or -1 after the message. */
static int parse_repeat(const char *arg, struct stat_opts *o)
{
  uint64_t v;
  if (cli_parse_u64(arg, &v) || v < 1 || v > STAT_REPEAT_MAX) {
    cli_error("stat", "-r/--repeat '%s': want a number of runs from 1 "
              "to %d", arg, STAT_REPEAT_MAX);
    return -1;
  }
  o->repeat = (int)v;
  return 0;
}

/* One option of the loop: 0, or -1 after the message (a usage error) or
 * the help. */
static int parse_option(int c, char *arg, struct stat_opts *o)
{
  switch (c) {
  case 'e':
    return cli_append_list(&o->events, arg);
  case 'S':
    return add_set_spec(o, arg);
  case OPT_PIN:
    return cli_append_list(&o->pinned, arg);
  case OPT_SWITCH:
    if (pmux_duration_parse(arg, &o->switch_ns)) {
      cli_error("stat", "--switch: %s", pmux_errmsg());
      return -1;
    }
    return 0;
  case OPT_MUX:
    return parse_mux(arg, o);
  case 'p':
    return cli_parse_pid("stat", arg, &o->pid);
  case 'x':
    return parse_separator(arg, o);
  case OPT_JSON:
    o->json = 1;
    return 0;
  case 'o':
    o->output = arg;
    return 0;
  case 'I':
    return parse_interval(arg, o);
  case 'r':
    return parse_repeat(arg, o);
  case 'h':
    /* returned, not exit()ed: main checks that the help was written */
    usage(stdout);
    o->help = 1;
    return -1;
  case 'a':
  case 'C':
  case STAT_OPT_EXCLUSIVE:
  case STAT_OPT_NMI_OFF:
    return stat_system_option(&o->sys, c, arg);
  default:
    usage(stderr);
    return -1;
  }
}

/* Options that each parse but not together.  0, or -1 after the message. */
static int check_combination(const struct stat_opts *o, int have_command)
{
  if (o->json && o->sep) {
    cli_error("stat", "--json and -x are exclusive");
    return -1;
  }
  if (o->sys.wanted && o->pid) {
    cli_error("stat", "give either -p PID or -a/-C, not both");
    return -1;
  }
  /* Each run of -r is a new command; a process or CPUs already running
   * cannot be run again, and a timeline is one run's. */
  if (o->repeat && (o->pid || o->sys.wanted || o->interval_ns)) {
    cli_error("stat", "-r/--repeat runs a COMMAND N times: not with %s",
              o->pid ? "-p PID" : o->sys.wanted ? "-a/-C (system-wide)"
                                                : "-I (interval output)");
    return -1;
  }
  if ((o->sys.exclusive || o->sys.nmi_off) && !o->sys.wanted) {
    cli_error("stat", "--exclusive and --disable-nmi-watchdog are for "
              "system-wide sessions (-a or -C LIST)");
    return -1;
  }
  if (!o->pid && !o->sys.wanted && !have_command) {
    cli_error("stat", "no command to measure (pmux stat [OPTIONS] -- COMMAND)");
    usage(stderr);
    return -1;
  }
  return 0;
}

/* The index of COMMAND in argv, or -1 on a usage error or after --help
 * (o->help). */
static int parse_args(int argc, char **argv, struct stat_opts *o)
{
  static const struct option longopts[] = {
      {"event", required_argument, NULL, 'e'},
      {"set", required_argument, NULL, 'S'},
      {"pin", required_argument, NULL, OPT_PIN},
      {"switch", required_argument, NULL, OPT_SWITCH},
      {"mux", required_argument, NULL, OPT_MUX},
      {"pid", required_argument, NULL, 'p'},
      {"field-separator", required_argument, NULL, 'x'},
      {"json", no_argument, NULL, OPT_JSON},
      {"output", required_argument, NULL, 'o'},
      {"interval", required_argument, NULL, 'I'},
      {"repeat", required_argument, NULL, 'r'},
      {"help", no_argument, NULL, 'h'},
      {"all-cpus", no_argument, NULL, 'a'},
      {"cpu", required_argument, NULL, 'C'},
      {"exclusive", no_argument, NULL, STAT_OPT_EXCLUSIVE},
      {"disable-nmi-watchdog", no_argument, NULL, STAT_OPT_NMI_OFF},
      {NULL, 0, NULL, 0}};
  int c;
  o->mux_name = "user";
  while ((c = getopt_long(argc, argv, "+e:S:p:x:o:I:r:haC:", longopts,
                          NULL)) != -1)
    if (parse_option(c, optarg, o))
      return -1;
  if (check_combination(o, optind < argc))
    return -1;
  return optind;
}

static void on_interval(pmux_session_t *s, uint64_t elapsed_ns, int first,
                        void *arg)
{
  stat_print_interval(arg, s, elapsed_ns, first);
}

/* Add -e (as one set), -S sets and --pin; a bad name stops here with the
 * library's message naming it. */
static int build_session(pmux_session_t *s, const struct stat_opts *o)
{
  int err = 0;
  if (o->switch_ns)
    pmux_session_set_switch(s, o->switch_ns);
  if (o->events || !o->nsets)
    err = pmux_session_add_events_split(
        s, o->events ? o->events : default_events, NULL);
  for (int i = 0; err >= 0 && i < o->nsets; i++)
    err = pmux_session_add_set_spec(s, o->sets[i]);
  if (err >= 0 && o->pinned)
    err = pmux_session_pin(s, o->pinned);
  if (err >= 0)
    err = pmux_session_set_mux(s, o->mux);
  return err < 0 ? err : 0;
}

/* The session's warnings from byte `from` on, one line each. */
static void print_warnings(const pmux_session_t *s, size_t from)
{
  const char *warn = pmux_session_warnings(s) + from;
  for (const char *line = warn; *line;) {
    const char *nl = strchr(line, '\n');
    int len = nl ? (int)(nl - line) : (int)strlen(line);
    cli_warn("stat", "%.*s", len, line);
    line += len + (nl != NULL);
  }
}

/*
 * -o FILE: opened before the command starts, so that a path that cannot be
 * written stops pmux before anything runs; emptied only once the command
 * has started (output_started), so that a command that cannot start
 * (a typo) loses none of the results a file already held, and a file
 * made for it is removed (output_abandoned) rather than left empty.
 */
static int output_created;   /* -o FILE did not exist: pmux made it */
static int output_inherited; /* -o /dev/stdout...: a descriptor pmux was given */

/*
 * -o /dev/stdout, /dev/stderr, /dev/fd/N: the descriptor itself, copied.
 * Opened by its name, Linux opens the file behind it afresh, at offset 0
 * and without O_APPEND: `-o /dev/stdout >> log` would empty the log at the
 * start, `-o /dev/stdout > out` write over what the command printed there.
 * The shell already emptied (>) or not (>>) what it opened.
 */
static int output_given_fd(const char *path)
{
  if (!strcmp(path, "/dev/stdout"))
    return STDOUT_FILENO;
  if (!strcmp(path, "/dev/stderr"))
    return STDERR_FILENO;
  const char *n = path + 8; /* /dev/fd/ and a decimal number, as listed */
  size_t len = strncmp(path, "/dev/fd/", 8) ? 0 : strlen(n);
  if (len && len <= 9 && strspn(n, "0123456789") == len)
    return atoi(n);
  return -1;
}

/*
 * -o /dev/stdout with standard output closed: checked before anything is
 * opened, as pmux's own descriptors (a perf event's) would take the free
 * number and the results be written into one of those ("Invalid
 * argument", after the command ran).  0, or -1 after the message.
 */
static int output_check_given(const char *path)
{
  int fd = path ? output_given_fd(path) : -1;
  if (fd < 0)
    return 0;
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0)
    cli_error("stat", "-o '%s': descriptor %d is not open (%s)", path, fd,
              strerror(errno));
  else if ((flags & O_ACCMODE) == O_RDONLY)
    cli_error("stat", "-o '%s': descriptor %d is open for reading only",
              path, fd);
  else
    return 0;
  return -1;
}

static FILE *output_open(const char *path)
{
  int given = output_given_fd(path), fd;
  output_inherited = given >= 0;
  output_created = 0;
  if (given >= 0) {
    fd = fcntl(given, F_DUPFD_CLOEXEC, 3);
  } else {
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    output_created = fd >= 0;
    if (fd < 0 && errno == EEXIST)
      fd = open(path, O_WRONLY | O_CLOEXEC);
  }
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (fd >= 0 && !f) {
    int e = errno;
    close(fd);
    errno = e;
  }
  return f;
}

static void output_started(struct stat_report *rep, const char *path)
{
  struct stat st;
  if (path && !output_inherited && !fstat(fileno(rep->out), &st) &&
      S_ISREG(st.st_mode) && ftruncate(fileno(rep->out), 0))
    cli_warn("stat", "-o: cannot empty the file: %s", strerror(errno));
}

static void output_abandoned(struct stat_report *rep, const char *path)
{
  if (!path)
    return;
  fclose(rep->out);
  rep->out = NULL; /* nothing is printed after a first run that never ran */
  if (output_created)
    unlink(path);
}

/*
 * Without -o, the results go to standard error, as perf stat's, so that the
 * command's standard output stays its own.  Through a stream of their own
 * on a copy of fd 2 (close-on-exec: the command does not inherit it): fully
 * buffered and flushed after each summary or interval line, so that a table
 * goes out in a few writes rather than one per character as on the
 * unbuffered stderr (the command's own messages cut it less, a timeline at
 * -I 1 costs less), and a write error is the results' own, seen at the end.
 * Where fd 2 cannot be copied (it is closed), stderr itself.
 */
static FILE *results_stderr(void)
{
  int fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f && fd >= 0)
    close(fd);
  return f ? f : stderr;
}

/*
 * The report's output and the parts of it that need a session: opened once,
 * on the first run, after its events were accepted (a bad name creates no
 * file).  The session's warnings are printed here, once.
 */
static int open_report(struct stat_report *rep, const struct stat_opts *o,
                       pmux_session_t *s)
{
  if (!o->output)
    rep->out = results_stderr();
  else if (!(rep->out = output_open(o->output))) {
    cli_error("stat", "cannot write '%s': %s", o->output, strerror(errno));
    return -1;
  }
  rep->auto_split = pmux_session_auto_split(s);
  if (o->interval_ns) {
    rep->last_raw = calloc((size_t)pmux_session_nevents(s) + 1,
                           sizeof(uint64_t));
    if (!rep->last_raw)
      return -1;
    pmux_session_set_interval(s, o->interval_ns, on_interval, rep);
  }
  print_warnings(s, 0);
  /* --switch that nothing honours is said, not silently ignored */
  if (o->switch_ns && o->mux != PMUX_MUX_USER)
    cli_warn("stat", "--switch: under --mux %s pmux switches no set",
             o->mux == PMUX_MUX_KERNEL ? "kernel (the kernel rotates on its "
                                         "own timer)" : "none");
  else if (o->switch_ns && pmux_session_nsets(s) < 2)
    cli_warn("stat", "--switch: one set, nothing rotates");
  return 0;
}

/* What one run left: its session (the caller destroys it), the command's
 * wait status and the engine's error, if any. */
struct stat_run {
  pmux_session_t *s;
  int status;
  int err;
};

/*
 * One run: a fresh session built from the options, started, and run until
 * the target ends.  Returns 0 when it ran (run says how it ended), else
 * the exit code to give up with, nothing measured.
 */
static int stat_run(const struct stat_opts *o, const pmux_target_t *target,
                    struct stat_report *rep, int first, struct stat_run *run)
{
  int err = pmux_session_create(&run->s, target);
  if (err) {
    cli_report("stat", err, pmux_errmsg());
    return PMUX_EXIT_FAIL;
  }
  err = build_session(run->s, o);
  if (err) {
    cli_report("stat", err, pmux_session_errmsg(run->s));
    return PMUX_EXIT_FAIL;
  }
  if (first && open_report(rep, o, run->s))
    return PMUX_EXIT_FAIL;
  size_t warned = strlen(pmux_session_warnings(run->s));
  err = pmux_session_start(run->s);
  if (err) {
    cli_report("stat", err, pmux_session_errmsg(run->s));
    if (first)
      output_abandoned(rep, o->output);
    return err == PMUX_ECHILD ? pmux_session_exec_status(run->s)
                              : PMUX_EXIT_FAIL;
  }
  if (first)
    output_started(rep, o->output);
  run->err = pmux_session_run(run->s, &run->status);
  print_warnings(run->s, warned); /* the ones the start and run added */
  if (run->err)
    cli_report("stat", run->err, pmux_session_errmsg(run->s));
  return 0;
}

/*
 * -r: a signal that stops the repetition.  While a run goes, the engine
 * takes these signals and forwards them to the command (a command killed
 * by one ends the repetition by its status); between runs this handler
 * notes them, so that no new run starts.  Installed only over a signal
 * that is not ignored, so that the command inherits what pmux did.
 */
static const int repeat_stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static volatile sig_atomic_t repeat_stop_signal;

static void on_repeat_stop(int sig)
{
  repeat_stop_signal = sig;
}

static void repeat_signals(int install, struct sigaction *old)
{
  size_t n = sizeof(repeat_stop_signals) / sizeof(repeat_stop_signals[0]);
  for (size_t i = 0; i < n; i++) {
    int sig = repeat_stop_signals[i];
    if (!install) {
      sigaction(sig, &old[i], NULL);
      continue;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_repeat_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, NULL, &old[i]);
    if (old[i].sa_handler != SIG_IGN)
      sigaction(sig, &sa, NULL);
  }
}

/* A run after which -r goes on: the command exited 0, nothing failed. */
static int run_succeeded(const struct stat_run *run)
{
  return !run->err && WIFEXITED(run->status) && !WEXITSTATUS(run->status);
}

static void free_opts(struct stat_opts *o)
{
  free(o->events);
  free(o->pinned);
  free(o->sets);
}

/*
 * What is measured: CPUs (leased here) or a process, COMMAND running
 * meanwhile if there is one, or COMMAND; desc names the first two for the
 * report.  0, or
 * -1 after the message (the caller gives the leases back).
 */
static int make_target(struct stat_opts *o, int argc, char **argv,
                       int first_arg, pmux_target_t *target, char *desc,
                       size_t desc_len)
{
  stat_system_recover();
  if (o->sys.wanted) {
    char cmdline[320];
    stat_system_cmdline(argc, argv, cmdline, sizeof(cmdline));
    if (stat_system_begin(&o->sys, target, cmdline))
      return -1;
    if (first_arg < argc)
      target->argv = argv + first_arg;
    snprintf(desc, desc_len, "%s", o->sys.desc);
  } else if (o->pid) {
    target->kind = PMUX_TARGET_PID;
    target->pid = o->pid;
    target->pid_flags = PMUX_PID_THREADS | PMUX_PID_CHILDREN;
    if (first_arg < argc)
      target->argv = argv + first_arg; /* counted while it runs */
    snprintf(desc, desc_len, "pid %d", (int)o->pid);
  } else {
    target->kind = PMUX_TARGET_COMMAND;
    target->argv = argv + first_arg;
  }
  if (!o->sys.wanted)
    stat_system_warn_thread(o->pid);
  return 0;
}

/* The report's settings; its output is opened by the first run. */
static void init_report(struct stat_report *rep, const struct stat_opts *o,
                        char **command, const char *desc)
{
  rep->out = NULL; /* open_report's, once the first run's events are known */
  rep->format = o->json ? STAT_JSON : o->sep ? STAT_CSV : STAT_HUMAN;
  rep->sep = o->sep;
  rep->argv = command;
  rep->target_desc = desc;
  rep->mux = o->mux_name;
  rep->switch_ns = o->switch_ns ? o->switch_ns : PMUX_DEFAULT_SWITCH_NS;
  rep->exit_status = -1;
}

/* What the runs left: the last one's session (for the names and sets),
 * its command's wait status and engine error, and the exit code of a run
 * that could not start (0 if none). */
struct stat_runs {
  pmux_session_t *last;
  int status, err, code;
};

/* -r: a signal the user meant for the run ends the repetition too, even
 * when the command survives it. */
static void note_stop_signal(const pmux_session_t *s)
{
  int fwd = pmux_session_forwarded_signal(s);
  for (size_t i = 0; i < sizeof(repeat_stop_signals) /
                             sizeof(repeat_stop_signals[0]); i++)
    if (fwd == repeat_stop_signals[i])
      repeat_stop_signal = fwd;
}

/* Run once, or -r N times until a run fails or a stop signal comes. */
static void run_all(const struct stat_opts *o, const pmux_target_t *target,
                    struct stat_report *rep, struct stat_repeat *agg,
                    struct stat_runs *r)
{
  int runs = o->repeat ? o->repeat : 1;
  for (int k = 0; k < runs && !repeat_stop_signal; k++) {
    struct stat_run run = {0};
    r->code = stat_run(o, target, rep, k == 0, &run);
    if (r->code) {
      pmux_session_destroy(run.s);
      agg->stop_failure = STAT_STOP_START;
      break;
    }
    pmux_session_destroy(r->last);
    r->last = run.s;
    r->status = run.status;
    r->err = run.err;
    if (o->repeat && stat_repeat_add(agg, r->last,
                                     pmux_session_elapsed_ns(r->last))) {
      r->code = PMUX_EXIT_FAIL;
      break;
    }
    if (!run_succeeded(&run)) {
      if (run.err)
        agg->stop_failure = STAT_STOP_MEASURING;
      break;
    }
    if (o->repeat)
      note_stop_signal(r->last);
  }
}

/* pmux stat's exit status once something ran: the command's, else
 * whether the measuring went well. */
static int exit_status(const struct stat_runs *r, int no_command)
{
  int status = r->status;
  if (r->code)
    return r->code; /* a later run could not start */
  if (no_command)
    return r->err ? PMUX_EXIT_FAIL : PMUX_EXIT_OK;
  if (WIFEXITED(status) && WEXITSTATUS(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  if (repeat_stop_signal)
    return 128 + repeat_stop_signal; /* stopped between runs */
  if (r->err)
    return PMUX_EXIT_FAIL; /* the command did well, the measuring did not */
  if (WIFEXITED(status))
    return PMUX_EXIT_OK;
  return PMUX_EXIT_FAIL;
}

/* -o FILE could not take the results (a full disk, a reader gone): said
 * once, here, and close_results() says it no more. */
static int results_rescued;

/*
 * A failed -o FILE must not lose what was measured: the summary goes to
 * standard error too, after the error that names FILE.  The exit status
 * stays a failure (close_results).  Not when FILE is standard error.
 * err: errno after the summary was printed (a failed flush discards
 * what it held, and the stream keeps no reason).
 */
static void rescue_summary(struct stat_report *rep, const char *output,
                           const pmux_session_t *s, int err)
{
  if (!output || !rep->out || rep->out == stderr ||
      output_given_fd(output) == STDERR_FILENO)
    return;
  if (fflush(rep->out))
    err = errno;
  else if (!ferror(rep->out))
    return;
  cli_error("stat", "-o '%s': writing the results: %s; the summary "
            "follows on standard error", output, strerror(err ? err : EIO));
  struct stat_report copy = *rep;
  copy.out = stderr;
  stat_print_summary(&copy, s);
  fflush(stderr);
  results_rescued = 1;
}

/* Run, print the summary; the exit status.  r->last is the caller's to
 * destroy. */
static int measure(const struct stat_opts *o, const pmux_target_t *target,
                   struct stat_report *rep, struct stat_repeat *agg,
                   int no_command, struct stat_runs *r)
{
  struct sigaction old_actions[4];
  if (o->repeat) {
    if (stat_repeat_init(agg, o->repeat))
      return PMUX_EXIT_FAIL;
    rep->repeat = agg;
    repeat_signals(1, old_actions);
  }
  run_all(o, target, rep, agg, r);
  agg->stop_signal = repeat_stop_signal;
  int rc;
  if (!r->last) { /* nothing ran: the failure was reported */
    rc = r->code ? r->code : repeat_stop_signal ? 128 + repeat_stop_signal
                                                : PMUX_EXIT_FAIL;
  } else {
    rep->exit_status = no_command ? -1 : r->status;
    rep->elapsed_ns = pmux_session_elapsed_ns(r->last);
    /* as honoured, not asked */
    rep->switch_ns = pmux_session_switch_ns(r->last);
    errno = 0; /* a failed write's reason: the stream keeps none */
    stat_print_summary(rep, r->last);
    rescue_summary(rep, o->output, r->last, errno);
    rc = exit_status(r, no_command);
  }
  if (o->repeat)
    repeat_signals(0, old_actions);
  return rc;
}

/*
 * Results that could not be written (a full disk, a closed pipe) are a
 * failure, not a silent success; on a full or closed stderr the message
 * is lost, the exit status says it.  The exit status, rc or a failure.
 */
static int close_results(struct stat_report *rep, const char *output, int rc)
{
  if (rep->out && (rep->out == stderr ? fflush(stderr) | ferror(stderr)
                                      : ferror(rep->out) | fclose(rep->out))) {
    if (results_rescued)
      ; /* said with the summary */
    else if (output)
      cli_error("stat", "-o '%s': writing the results: %s", output,
                strerror(errno));
    else
      cli_error("stat", "writing the results to standard error: %s",
                strerror(errno));
    if (!rc)
      rc = PMUX_EXIT_FAIL;
  }
  return rc;
}

int cmd_stat(int argc, char **argv)
{
  struct stat_opts o;
  memset(&o, 0, sizeof(o));
  int first_arg = parse_args(argc, argv, &o);
  if (first_arg < 0) {
    free_opts(&o);
    return o.help ? PMUX_EXIT_OK : PMUX_EXIT_USAGE;
  }
  if (output_check_given(o.output)) {
    free_opts(&o);
    return PMUX_EXIT_FAIL;
  }
  pmux_target_t target = {0};
  char desc[96] = "";
  if (make_target(&o, argc, argv, first_arg, &target, desc, sizeof(desc))) {
    stat_system_end(&o.sys);
    free_opts(&o);
    return PMUX_EXIT_FAIL;
  }
  int no_command = !target.argv;
  struct stat_report rep = {0};
  init_report(&rep, &o, no_command ? NULL : argv + first_arg, desc);
  struct stat_repeat agg = {0};
  struct stat_runs runs = {0};
  int rc = measure(&o, &target, &rep, &agg, no_command, &runs);
  rc = close_results(&rep, o.output, rc);
  pmux_session_destroy(runs.last);
  stat_repeat_free(&agg);
  stat_system_end(&o.sys);
  free(rep.last_raw);
  free_opts(&o);
  return rc;
}
