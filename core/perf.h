/*
 * perf.h - the thin layer over perf_event_open(2): open, group read, group
 * enable/disable.  It never judges rights (DESIGN: layers do not judge
 * permissions); callers turn errno into messages.
 */
#ifndef PMUX_CORE_PERF_H
#define PMUX_CORE_PERF_H

#include <linux/perf_event.h>
#include <stdint.h>
#include <sys/types.h>

/* What every pmux counter reads: values of the whole group, ids, times. */
#define PMUX_READ_FORMAT                                               \
  (PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED | \
   PERF_FORMAT_TOTAL_TIME_RUNNING)

#define PMUX_GROUP_MAX 64 /* events in one group (one set) */

struct pmux__group_read {
  uint64_t nr;
  uint64_t time_enabled;
  uint64_t time_running;
  struct {
    uint64_t value;
    uint64_t id;
  } values[PMUX_GROUP_MAX];
};

#include "pmux/pmux.h"

/* A zeroed attr with what a resolved event says: type, config words and
 * the privilege-level excludes (the caller adds read format, sampling...). */
void pmux__perf_attr_init(struct perf_event_attr *attr,
                          const pmux_event_info_t *info);

/* perf_event_open(2); returns the fd or -errno. */
int pmux__perf_open(struct perf_event_attr *attr, pid_t pid, int cpu,
                    int group_fd, unsigned long flags);
/* Read a group leader; 0, or -errno; -ENODATA when the group is in error
 * state (a pinned group the PMU could not schedule reads as EOF). */
int pmux__perf_read_group(int leader_fd, struct pmux__group_read *out);
/*
 * PERF_EVENT_IOC_{ENABLE,DISABLE} on a group, through its leader alone:
 * a disabled leader takes the whole group off the PMU while the members
 * stay enabled, so they count exactly when the leader does.  (With
 * PERF_IOC_FLAG_GROUP, software members re-enabled beside their leader were
 * seen to count only ~1-2% of the leader's running time on kernel 6.18;
 * tests/unit/test_rotation.c keeps that in check.)
 */
int pmux__perf_group_ioctl(int leader_fd, unsigned long request);
/* The event's kernel id (PERF_EVENT_IOC_ID). */
int pmux__perf_id(int fd, uint64_t *id);

/* Does the kernel count hardware events here?  0 yes, else -errno of the
 * probe (ENOENT on a VM without a virtual PMU) with why filled in. */
int pmux__perf_hw_probe(char *why, size_t len);

/* Errno values that mean "this host cannot count that event" rather than
 * "you may not" or "pmux is broken". */
int pmux__perf_errno_unsupported(int err);

#endif
