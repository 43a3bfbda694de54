/*
 * reserve.c - counter reservation and the other PMU users.
 *
 * The kernel has no reservation interface for user space, so pmux reserves
 * cooperatively and says what it cannot control:
 *   free = the description's counters
 *        - the counter the NMI watchdog's cycles event takes
 *          (kernel.nmi_watchdog = 1, unless the kernel log says the
 *          watchdog is not perf-based or was disabled; the description's
 *          <watchdog counter=...> says which: FIXED1 on Intel, PMC0 on AMD)
 *        - counters legacy oprofile has enabled (/dev/oprofile/N/enabled).
 * Other users (oprofile, operf/ocount, any process holding perf events)
 * are found in /proc, read where rights allow.  Every path is under
 * PMUX_SYSROOT (sysroot.c).  docs/reservation.md describes the rules.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "reserve.h"
#include "sysroot.h"

#define APPEND(buf, ...)                                                     \
  do {                                                                       \
    size_t used_ = strlen(buf);                                              \
    snprintf((buf) + used_, sizeof(buf) - used_, __VA_ARGS__);               \
  } while (0)

/*
 * What the kernel log says about the watchdog: 1 perf-based (it consumes
 * a hardware counter), 0 not perf-based (buddy/hrtimer) or disabled, -1
 * nothing found or the log is not readable.  The last message wins.
 */
static const struct {
  const char *text;
  int perf;
} watchdog_msgs[] = {
      /* kernel/watchdog_perf.c (watchdog_hld.c before 6.6) */
      {"Permanently consumes one hw-PMU counter", 1},
      {"Perf NMI watchdog permanently disabled", 0},
      /* kernel/watchdog_buddy.c (6.6+): another CPU's hrtimer checks */
      {"Enabled. Using buddy", 0},
      {"hardlockup detector: buddy", 0},
};

static void log_line(const char *line, int *perf, char *why, size_t len)
{
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(watchdog_msgs); i++)
    if (strstr(line, watchdog_msgs[i].text)) {
      *perf = watchdog_msgs[i].perf;
      snprintf(why, len, "kernel log: \"%s\"", watchdog_msgs[i].text);
    }
}

static int watchdog_from_log(char *why, size_t len)
{
  char path[1024];
  int fd = open(pmux__sys_path(path, sizeof(path), "/dev/kmsg"),
                O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, len, "kernel log not readable (%s)", strerror(errno));
    return -1;
  }
  int perf = -1, records = 0;
  char rec[8192];
  size_t have = 0;
  /* /dev/kmsg returns one record per read; a fake sysroot's plain file
   * returns chunks: both are split into lines here */
  for (;;) {
    ssize_t n = read(fd, rec + have, sizeof(rec) - 1 - have);
    if (n <= 0)
      break;
    have += (size_t)n;
    rec[have] = 0;
    char *line = rec, *nl;
    while ((nl = strchr(line, '\n'))) {
      *nl = 0;
      log_line(line, &perf, why, len);
      records++;
      line = nl + 1;
    }
    have -= (size_t)(line - rec);
    memmove(rec, line, have);
    if (have == sizeof(rec) - 1) { /* a line longer than the buffer */
      rec[have] = 0;
      log_line(rec, &perf, why, len);
      have = 0;
    }
    if (records > 200000)
      break;
  }
  if (have) {
    rec[have] = 0;
    log_line(rec, &perf, why, len);
  }
  close(fd);
  if (perf < 0)
    snprintf(why, len, "the kernel log says nothing about the NMI watchdog");
  return perf;
}

uint64_t pmux__reserve_oprofile_held(const pmux_pmu_t *pmu)
{
  uint64_t held = 0;
  int nth = 0;
  for (int c = 0; c < pmux_pmu_ncounters(pmu); c++) {
    pmux_counter_info_t ci;
    pmux_pmu_counter(pmu, c, &ci);
    if (ci.kind != PMUX_COUNTER_GENERIC)
      continue;
    char p[64];
    int on = 0;
    snprintf(p, sizeof(p), "/dev/oprofile/%d/enabled", nth++);
    if (!pmux__sys_read_int(p, &on) && on)
      held |= 1ull << c;
  }
  return held;
}

static void counter_names(const pmux_pmu_t *pmu, uint64_t mask, char *buf,
                          size_t len)
{
  size_t off = 0;
  buf[0] = 0;
  for (int c = 0; c < pmux_pmu_ncounters(pmu) && off < len; c++)
    if (mask >> c & 1) {
      pmux_counter_info_t ci;
      pmux_pmu_counter(pmu, c, &ci);
      off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "",
                              ci.name);
    }
}

int pmux_reserve(const pmux_pmu_t *pmu, pmux_reservation_t *out)
{
  if (!pmu || !out)
    return pmux__fail(-EINVAL, "pmux_reserve: NULL argument");
  memset(out, 0, sizeof(*out));
  out->counters = pmux_pmu_counters_mask(pmu);
  out->nmi_watchdog = -1;
  out->watchdog_perf = -1;
  int v, err = pmux__sys_read_int("/proc/sys/kernel/nmi_watchdog", &v);
  const char *root = pmux__sysroot_fake() ? pmux__sysroot() : "";
  if (err) {
    APPEND(out->evidence, "%s/proc/sys/kernel/nmi_watchdog: %s (no "
           "hard-lockup detector)", root, strerror(-err));
  } else {
    out->nmi_watchdog = v != 0;
    APPEND(out->evidence, "%s/proc/sys/kernel/nmi_watchdog = %d", root, v);
  }
  char why[256];
  out->watchdog_perf = watchdog_from_log(why, sizeof(why));
  APPEND(out->evidence, "; %s", why);
  int wd = pmux_pmu_watchdog_counter(pmu);
  char names[256];
  if (out->nmi_watchdog == 1 && out->watchdog_perf != 0 && wd >= 0) {
    out->watchdog_mask = 1ull << wd;
    counter_names(pmu, out->watchdog_mask, names, sizeof(names));
    snprintf(out->reason, sizeof(out->reason), "the NMI watchdog holds %.200s",
             names);
  } else if (out->nmi_watchdog == 1 && out->watchdog_perf == 0) {
    APPEND(out->evidence, "; the watchdog is not perf-based: it holds no "
           "counter");
  } else if (out->nmi_watchdog == 1 && wd < 0) {
    APPEND(out->evidence, "; %s describes no watchdog counter",
           pmux_pmu_name(pmu));
  }
  out->held_mask = pmux__reserve_oprofile_held(pmu) & ~out->watchdog_mask;
  if (out->held_mask) {
    counter_names(pmu, out->held_mask, names, sizeof(names));
    APPEND(out->evidence, "; oprofile has %s enabled (/dev/oprofile/N/"
           "enabled)", names);
    APPEND(out->reason, "%soprofile holds %.200s",
           *out->reason ? "; " : "", names);
  }
  out->free_mask = out->counters & ~out->watchdog_mask & ~out->held_mask;
  return 0;
}

uint64_t pmux_reserve_free_mask(const pmux_pmu_t *pmu)
{
  pmux_reservation_t r;
  if (pmux_reserve(pmu, &r))
    return pmux_pmu_counters_mask(pmu);
  return r.free_mask;
}

/* ------------------------------------------------------- other PMU users */

static pmux_pmu_user_t *add_user(pmux_pmu_users_t *u, int kind, pid_t pid,
                                 const char *comm)
{
  if (u->n >= PMUX_USERS_MAX)
    return NULL;
  pmux_pmu_user_t *e = &u->user[u->n++];
  e->kind = kind;
  e->pid = pid;
  snprintf(e->comm, sizeof(e->comm), "%s", comm);
  return e;
}

static int oprofilefs_mounted(char *where, size_t len)
{
  FILE *f = pmux__sys_fopen("/proc/mounts", "re");
  if (!f)
    return 0;
  char line[1024], dev[256], dir[512], type[64];
  int found = 0;
  while (!found && fgets(line, sizeof(line), f))
    if (sscanf(line, "%255s %511s %63s", dev, dir, type) == 3 &&
        !strcmp(type, "oprofilefs")) {
      snprintf(where, len, "%s", dir);
      found = 1;
    }
  fclose(f);
  return found;
}

/* Number of perf events process dir holds; -1 when its fds are not
 * readable. */
static int perf_fds(const char *procdir)
{
  char p[1500];
  snprintf(p, sizeof(p), "%.1400s/fd", procdir);
  DIR *d = opendir(p);
  if (!d)
    return errno == ENOENT ? 0 : -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    char link[1800], target[128];
    snprintf(link, sizeof(link), "%.1500s/%.256s", p, e->d_name);
    ssize_t l = readlink(link, target, sizeof(target) - 1);
    if (l <= 0)
      continue;
    target[l] = 0;
    if (!strcmp(target, "anon_inode:[perf_event]"))
      n++;
  }
  closedir(d);
  return n;
}

/* oprofile's kernel side: its filesystem mounted, or the old /dev/oprofile
 * with its enable file. */
static void scan_oprofile_kernel(pmux_pmu_users_t *out)
{
  char where[512], path[1024];
  struct stat st;
  if (oprofilefs_mounted(where, sizeof(where))) {
    pmux_pmu_user_t *e = add_user(out, PMUX_USER_OPROFILE, 0, "oprofilefs");
    if (e)
      snprintf(e->what, sizeof(e->what), "oprofilefs mounted at %.120s",
               where);
    out->oprofile = 1;
    APPEND(out->evidence, "oprofilefs mounted at %s; ", where);
  } else if (!stat(pmux__sys_path(path, sizeof(path), "/dev/oprofile"), &st)
             && S_ISDIR(st.st_mode) &&
             !stat(pmux__sys_path(path, sizeof(path), "/dev/oprofile/enable"),
                   &st)) {
    pmux_pmu_user_t *e = add_user(out, PMUX_USER_OPROFILE, 0, "oprofile");
    if (e)
      snprintf(e->what, sizeof(e->what), "/dev/oprofile is present");
    out->oprofile = 1;
    APPEND(out->evidence, "/dev/oprofile present; ");
  }
}

/* The process's name ("" when it is gone or unreadable). */
static void process_comm(const char *procdir, char *comm, size_t len)
{
  char cp[1500];
  snprintf(cp, sizeof(cp), "%s/comm", procdir);
  FILE *f = fopen(cp, "re");
  if (f) {
    if (fgets(comm, (int)len, f))
      comm[strcspn(comm, "\n")] = 0;
    fclose(f);
  }
}

/* One process of /proc: an oprofile tool, or one holding perf events. */
static void scan_process(pmux_pmu_users_t *out, const char *procdir,
                         pid_t pid)
{
  char comm[64] = "";
  process_comm(procdir, comm, sizeof(comm));
  if (!strcmp(comm, "oprofiled") || !strcmp(comm, "operf") ||
      !strcmp(comm, "ocount")) {
    pmux_pmu_user_t *e = add_user(out, PMUX_USER_OPROFILE, pid, comm);
    if (e)
      snprintf(e->what, sizeof(e->what), "%s",
               !strcmp(comm, "oprofiled") ? "the legacy oprofile daemon"
                                          : "an oprofile tool");
    out->oprofile = 1;
    APPEND(out->evidence, "%s pid %d; ", comm, (int)pid);
    return;
  }
  int n = perf_fds(procdir);
  if (n < 0) {
    out->unreadable++;
  } else if (n > 0) {
    out->perf++;
    pmux_pmu_user_t *e = add_user(out, PMUX_USER_PERF, pid, comm);
    if (e)
      snprintf(e->what, sizeof(e->what), "%d perf event%s", n,
               n == 1 ? "" : "s");
  }
}

/* Every process but ours; the number scanned, or a negative error. */
static int scan_processes(pmux_pmu_users_t *out)
{
  char path[1024];
  DIR *d = opendir(pmux__sys_path(path, sizeof(path), "/proc"));
  if (!d)
    return pmux__fail(-errno, "cannot read %s: %s", path, strerror(errno));
  pid_t self = getpid();
  int procs = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!isdigit((unsigned char)de->d_name[0]))
      continue;
    pid_t pid = (pid_t)atoi(de->d_name);
    if (pid == self)
      continue;
    procs++;
    char dir[1400];
    snprintf(dir, sizeof(dir), "%.1024s/%.256s", path, de->d_name);
    scan_process(out, dir, pid);
  }
  closedir(d);
  return procs;
}

int pmux_pmu_users_scan(pmux_pmu_users_t *out)
{
  if (!out)
    return pmux__fail(-EINVAL, "pmux_pmu_users_scan: NULL argument");
  memset(out, 0, sizeof(*out));
  scan_oprofile_kernel(out);
  int procs = scan_processes(out);
  if (procs < 0)
    return procs;
  APPEND(out->evidence, "%d processes scanned, %d holding perf events",
         procs, out->perf);
  if (out->unreadable)
    APPEND(out->evidence, ", %d not readable (needs root or "
           "CAP_SYS_PTRACE)", out->unreadable);
  return 0;
}
