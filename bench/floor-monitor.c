/*
 * floor-monitor.c - the anchor of the switch-cost and overhead benchmarks:
 * the least a user-space rotating monitor can do.  It forks COMMAND, opens
 * NSETS groups of two software events on it (inherit, counting from exec),
 * and every SLICE wakes at an absolute deadline, disables the outgoing
 * group's leader, enables the next one's and reads the outgoing group.
 * Nothing else: no estimates, no history, no output but its own costs.
 *
 * usage: floor-monitor NSETS SLICE_US -- COMMAND [ARGS...]
 *        (SLICE_US 0: open the groups but never switch)
 * prints: "switches=N cpu_ns=N wall_ns=N" (its own CPU time, not the child's)
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const uint64_t events[4][2] = {
    {PERF_COUNT_SW_PAGE_FAULTS, PERF_COUNT_SW_TASK_CLOCK},
    {PERF_COUNT_SW_CONTEXT_SWITCHES, PERF_COUNT_SW_TASK_CLOCK},
    {PERF_COUNT_SW_PAGE_FAULTS_MIN, PERF_COUNT_SW_TASK_CLOCK},
    {PERF_COUNT_SW_CPU_CLOCK, PERF_COUNT_SW_PAGE_FAULTS},
};

static int open_event(uint64_t config, pid_t pid, int group, int first)
{
  struct perf_event_attr a;
  memset(&a, 0, sizeof(a));
  a.size = sizeof(a);
  a.type = PERF_TYPE_SOFTWARE;
  a.config = config;
  a.inherit = 1;
  a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
                  PERF_FORMAT_TOTAL_TIME_RUNNING;
  if (group < 0) {
    a.disabled = 1;
    a.enable_on_exec = first;
  }
  int fd = (int)syscall(SYS_perf_event_open, &a, pid, -1, group, 0);
  if (fd < 0) {
    perror("floor-monitor: perf_event_open");
    exit(1);
  }
  return fd;
}

static uint64_t ns(const struct timespec *t)
{
  return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

int main(int argc, char **argv)
{
  if (argc < 5 || strcmp(argv[3], "--")) {
    fprintf(stderr, "usage: floor-monitor NSETS SLICE_US -- COMMAND...\n");
    return 2;
  }
  int nsets = atoi(argv[1]);
  long slice_us = atol(argv[2]);
  if (nsets < 1 || nsets > 4)
    return 2;
  int go[2];
  if (pipe(go))
    return 1;
  pid_t child = fork();
  if (child == 0) {
    char c;
    close(go[1]);
    if (read(go[0], &c, 1) != 1)
      _exit(127);
    execvp(argv[4], argv + 4);
    _exit(127);
  }
  close(go[0]);
  int leader[4];
  for (int k = 0; k < nsets; k++) {
    leader[k] = open_event(events[k][0], child, -1, k == 0);
    open_event(events[k][1], child, leader[k], 0);
  }
  struct timespec t0, deadline, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  deadline = t0;
  if (write(go[1], "g", 1) != 1)
    return 1;
  int active = 0, status;
  uint64_t switches = 0, buf[16];
  for (;;) {
    if (waitpid(child, &status, WNOHANG) == child)
      break;
    if (slice_us <= 0) {
      waitpid(child, &status, 0);
      break;
    }
    deadline.tv_nsec += slice_us * 1000;
    while (deadline.tv_nsec >= 1000000000) {
      deadline.tv_nsec -= 1000000000;
      deadline.tv_sec++;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL);
    int next = (active + 1) % nsets;
    ioctl(leader[active], PERF_EVENT_IOC_DISABLE, 0);
    ioctl(leader[next], PERF_EVENT_IOC_ENABLE, 0);
    if (read(leader[active], buf, sizeof(buf)) < 0)
      return 1;
    active = next;
    switches++;
  }
  clock_gettime(CLOCK_MONOTONIC, &now);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  uint64_t cpu = (uint64_t)ru.ru_utime.tv_sec * 1000000000u +
                 (uint64_t)ru.ru_utime.tv_usec * 1000u +
                 (uint64_t)ru.ru_stime.tv_sec * 1000000000u +
                 (uint64_t)ru.ru_stime.tv_usec * 1000u;
  printf("switches=%llu cpu_ns=%llu wall_ns=%llu\n",
         (unsigned long long)switches, (unsigned long long)cpu,
         (unsigned long long)(ns(&now) - ns(&t0)));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
