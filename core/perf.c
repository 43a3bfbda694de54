/*
 * perf.c - perf_event_open(2) backend: open, group reads, group ioctls and
 * the hardware-PMU probe.  See perf_event_open(2), "Reading results".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "perf.h"

void pmux__perf_attr_init(struct perf_event_attr *attr,
                          const pmux_event_info_t *info)
{
  memset(attr, 0, sizeof(*attr));
  attr->size = sizeof(*attr);
  attr->type = info->type;
  attr->config = info->config;
  attr->config1 = info->config1;
  attr->config2 = info->config2;
  attr->exclude_user = info->exclude_user;
  attr->exclude_kernel = info->exclude_kernel;
  attr->exclude_hv = info->exclude_hv;
}

int pmux__perf_open(struct perf_event_attr *attr, pid_t pid, int cpu,
                    int group_fd, unsigned long flags)
{
  attr->size = sizeof(*attr);
  long fd = syscall(SYS_perf_event_open, attr, pid, cpu, group_fd,
                    flags | PERF_FLAG_FD_CLOEXEC);
  return fd < 0 ? -errno : (int)fd;
}

/* Reads of a group that may meet an inherited copy being taken apart. */
#define READ_TRIES 100

int pmux__perf_read_group(int leader_fd, struct pmux__group_read *out)
{
  ssize_t n;
  int tries = 0;
  /* ECHILD: the kernel refuses to sum a group whose inherited copies
   * differ from it (Linux 6.6 on, and stable kernels), and a copy does for
   * an instant while the thread that has it exits, its events leaving the
   * group one by one: read again. */
  do
    n = read(leader_fd, out, sizeof(*out));
  while (n < 0 &&
         (errno == EINTR || (errno == ECHILD && ++tries < READ_TRIES)));
  if (n < 0)
    return -errno;
  if (n == 0)
    return -ENODATA;
  size_t need = 3 * sizeof(uint64_t);
  if ((size_t)n < need || out->nr > PMUX_GROUP_MAX ||
      (size_t)n < need + out->nr * 2 * sizeof(uint64_t))
    return -EIO;
  return 0;
}

int pmux__perf_group_ioctl(int leader_fd, unsigned long request)
{
  return ioctl(leader_fd, request, 0) < 0 ? -errno : 0;
}

int pmux__perf_id(int fd, uint64_t *id)
{
  return ioctl(fd, PERF_EVENT_IOC_ID, id) < 0 ? -errno : 0;
}

int pmux__perf_errno_unsupported(int err)
{
  return err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV ||
         err == -EINVAL || err == -ENOSYS;
}

int pmux__perf_hw_probe(char *why, size_t len)
{
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.type = PERF_TYPE_HARDWARE;
  attr.config = PERF_COUNT_HW_INSTRUCTIONS;
  attr.disabled = 1;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  int fd = pmux__perf_open(&attr, 0, -1, -1, 0);
  if (fd >= 0) {
    close(fd);
    if (why && len)
      why[0] = '\0';
    return 0;
  }
  if (why && len)
    snprintf(why, len, "%s (perf_event_open of a hardware event: %s)",
             fd == -ENOENT ? "no hardware PMU in this kernel, as on a VM "
                             "without a virtual PMU"
                           : "hardware events unavailable",
             strerror(-fd));
  return fd;
}
