/*
 * count.c - the smallest program on libpmux: run a command, rotating two
 * sets of software events (they count on any Linux host, VMs included),
 * and print each event's raw count, scaled estimate and error bound.
 *
 *   examples/count COMMAND [ARGS...]
 *
 * Built and run as a test (tests/CMakeLists.txt) so that it cannot rot.
 */
#include <stdio.h>
#include <sys/wait.h>

#include <pmux/pmux.h>

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: %s COMMAND [ARGS...]\n", argv[0]);
    return 2;
  }
  pmux_target_t t = {.kind = PMUX_TARGET_COMMAND, .argv = argv + 1};
  pmux_session_t *s;
  int err = pmux_session_create(&s, &t);
  if (err) { /* no session yet: the message is the thread's */
    fprintf(stderr, "count: %s\n", pmux_errmsg());
    return 1;
  }
  int status = 0;
  if ((err = pmux_session_add_set_spec(s, "page-faults,task-clock;switch=2ms")) < 0 ||
      (err = pmux_session_add_set_spec(s, "context-switches")) < 0 ||
      (err = pmux_session_start(s)) < 0 ||  /* forks; counting starts at exec */
      (err = pmux_session_run(s, &status)) < 0) { /* until the command exits */
    fprintf(stderr, "count: %s (%s)\n", pmux_session_errmsg(s),
            pmux_err_name(err));
    pmux_session_destroy(s);
    return 1;
  }
  for (int i = 0; i < pmux_session_nevents(s); i++) {
    pmux_count_t c; /* its strings live as long as the session */
    if (pmux_session_count(s, i, &c) < 0)
      continue;
    if (!c.supported)
      printf("%-18s set %d  not supported: %s\n", c.name, c.set, c.reason);
    else
      printf("%-18s set %d  raw %12llu  estimate %14.0f +- %.0f  (%.0f%% of "
             "the time)\n", c.name, c.set, (unsigned long long)c.raw,
             c.estimate, c.error_bound, 100 * c.fraction);
  }
  pmux_session_destroy(s);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
