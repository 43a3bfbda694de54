/*
 * perfcap_probe.c - the ground truth the PAM and `pmux caps` tests compare
 * against: does perf_event_open(2) of a software event succeed, per thread
 * and system-wide (CPU 0), for whoever runs this?
 *
 * Prints "thread=R system=R kernel=R other=R" (R: ok, denied or error:E;
 * kernel: own thread with kernel-level counting; other: pid 1) and exits 0
 * when the system-wide event opened, 1 when it was refused (EACCES/EPERM),
 * 2 on any other error.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int try_open(pid_t pid, int cpu, int exclude_kernel)
{
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  attr.disabled = 1;
  attr.exclude_kernel = exclude_kernel; /* 1: paranoid 2 alone allows it */
  attr.exclude_hv = 1;
  long fd = syscall(SYS_perf_event_open, &attr, pid, cpu, -1, 0);
  if (fd < 0)
    return -errno;
  close((int)fd);
  return 0;
}

static const char *word(int rc, char *buf, size_t len)
{
  if (!rc)
    return "ok";
  if (rc == -EACCES || rc == -EPERM)
    return "denied";
  snprintf(buf, len, "error:%s", strerror(-rc));
  return buf;
}

int main(void)
{
  char b1[64], b2[64], b3[64], b4[64];
  int thread = try_open(0, -1, 1);
  int sys = try_open(-1, 0, 1);
  int kernel = try_open(0, -1, 0);
  int other = try_open(1, -1, 1);
  printf("thread=%s system=%s kernel=%s other=%s\n",
         word(thread, b1, sizeof(b1)), word(sys, b2, sizeof(b2)),
         word(kernel, b3, sizeof(b3)), word(other, b4, sizeof(b4)));
  fflush(stdout);
  if (!sys)
    return 0;
  return sys == -EACCES || sys == -EPERM ? 1 : 2;
}
