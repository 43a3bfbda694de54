/*
 * sample.c - `pmux record`'s engine: sample a command and its children,
 * a running process or CPUs through the perf ring buffer, hand each sample
 * to a format, and have core/sample_write.c write the sample file
 * (core/sample.h, docs/file-format.md).
 *
 * An inherited per-task event cannot be mmapped, so, as perf record does,
 * one event per CPU follows the command (pid = child, cpu = N, inherit)
 * and each has its own ring buffer.  Attached to a process (-p), one per
 * CPU follows each of its threads, the threads after the first writing
 * into the first one's rings (PERF_EVENT_IOC_SET_OUTPUT).  Ring ABI:
 * perf_event_open(2), "MMAP layout": data_head read with acquire,
 * data_tail written with release; records may wrap around the end of the
 * data area.
 *
 * In-kernel formats (kernel-hist) attach a program to each event instead
 * and never see a sample here.
 *
 * Sets (-S): every event of every set is opened on every CPU; only the
 * active set's events are enabled, so a sample's set is the set of the
 * ring it came from.  Sets switch on a time slice (a timerfd in the same
 * poll loop) or after N overflows of a trigger event (switch=EV/PERIOD/N);
 * this is kept apart from the counting engine (core/rotation.c).
 *
 * An overflow trigger is a member of its set's group on every CPU
 * (sample_period = PERIOD, so it runs exactly while the set is active, on
 * a real PMU too), and its overflows are counted from its counter:
 * floor(count / PERIOD) per CPU, as rotation.c does.  Counting the set's
 * own samples instead would only cover a trigger that is the sampling
 * event at the same period, and would miss samples the kernel lost or
 * throttled, and a -F event's varying period.  The trigger gets a one-page
 * ring with wakeup_events = 1 only so that each overflow wakes the poll
 * loop; its records are dropped unread.  The switch thus follows the Nth
 * overflow by the loop's wake-up and a read() per CPU (tens of
 * microseconds), during which the set keeps sampling: a run may overshoot
 * N a little, and the overshoot is not carried into its next run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "internal.h"
#include "perf.h"
#include "sample_write.h"
#include "session.h"
#include "sysroot.h"

#define DEFAULT_PAGES 128

/* A set leader on one CPU.  A process's second and later threads (-p)
 * have their own leaders, writing into the first thread's ring of the
 * same event on the same CPU (PERF_EVENT_IOC_SET_OUTPUT): base NULL. */
struct ring {
  int fd;
  int cpu;
  pid_t tid;               /* the task it follows (-1: every task) */
  int set;
  int ev;                  /* index within its set */
  int has_read;            /* samples carry the group's values */
  void *base;
  size_t map_len;
  char *data;
  uint64_t size;           /* data area bytes (a power of two) */
};

/* An overflow trigger on one CPU: a group member with a ring to wake the
 * loop. */
struct trig_ring {
  int fd;
  int set;
  void *base;
  size_t map_len;
};

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t stop_asked; /* -p without a command: ^C */

static void forward(int sig)
{
  if (child_pid > 0)
    kill(child_pid, sig);
  else
    stop_asked = 1;
}

static int out_write(void *ctx, const void *buf, size_t len)
{
  struct rec *r = ctx;
  if (!r->out)
    return -EBADF; /* the format wrote before the file was open */
  if (r->werr)
    return r->werr;
  errno = 0; /* a short fwrite need not set it: not an earlier call's */
  if (len && fwrite(buf, 1, len, r->out) != len)
    return r->werr = -(errno ? errno : EIO);
  r->data_bytes += len;
  return 0;
}

/* arr (n elements of size, room for *cap) with room for one more: itself,
 * or grown by doubling; NULL when memory ran out (arr stays as it was and
 * the record is left out, as before). */
static void *room_for_one(void *arr, size_t *cap, size_t n, size_t size)
{
  if (n < *cap)
    return arr;
  size_t c = *cap ? 2 * *cap : 64;
  void *a = realloc(arr, c * size);
  if (a)
    *cap = c;
  return a;
}

static struct map_rec *add_map(struct rec *r, uint32_t pid, uint64_t start,
                               uint64_t len, uint64_t pgoff, uint64_t time,
                               const char *name, size_t nlen)
{
  struct map_rec *grown = room_for_one(r->maps, &r->capmaps, r->nmaps,
                                       sizeof(*grown));
  if (!grown)
    return NULL;
  r->maps = grown;
  char *n = strndup(name, nlen);
  if (!n)
    return NULL;
  struct map_rec *m = &r->maps[r->nmaps++];
  m->m = (struct pmux_sf_map){pid, (uint32_t)strlen(n), start, len, pgoff,
                              time};
  m->name = n;
  m->id_len = 0;
  return m;
}

static void add_task(struct rec *r, uint32_t kind, uint32_t pid,
                     uint32_t ppid, uint64_t time)
{
  struct pmux_sf_task *grown = room_for_one(r->tasks, &r->captasks,
                                            r->ntasks, sizeof(*grown));
  if (!grown)
    return;
  r->tasks = grown;
  r->tasks[r->ntasks++] = (struct pmux_sf_task){kind, pid, ppid, 0, time};
}

/* The executable mappings of one process from /proc/PID/maps, at time 0
 * (before any sample); nothing when it is gone. */
static void synthesize_process_maps(struct rec *r, unsigned long pid)
{
  char path[64], line[4096 + 256];
  snprintf(path, sizeof(path), "/proc/%lu/maps", pid);
  FILE *f = fopen(path, "re");
  if (!f)
    return;
  while (fgets(line, sizeof(line), f)) {
    unsigned long long start, stop, pgoff;
    char perms[8];
    int name_at = 0;
    if (sscanf(line, "%llx-%llx %7s %llx %*s %*u %n", &start, &stop, perms,
               &pgoff, &name_at) < 4 || !name_at || !strchr(perms, 'x') ||
        stop <= start)
      continue;
    const char *name = line + name_at;
    size_t nlen = strcspn(name, "\n");
    if (nlen)
      add_map(r, (uint32_t)pid, start, stop - start, pgoff, 0, name, nlen);
  }
  fclose(f);
}

/*
 * System-wide, or attached to a process (-p), the code already running was
 * mapped before the events existed: no PERF_RECORD_MMAP2 tells where.  As
 * perf record synthesizes them, the executable mappings are taken from
 * /proc at the start, so that their samples are named rather than
 * "[unknown]": the target's (pid), or every process's (0).
 */
static void synthesize_maps(struct rec *r, pid_t pid)
{
  if (pid > 0) {
    synthesize_process_maps(r, (unsigned long)pid);
    return;
  }
  DIR *d = opendir("/proc");
  if (!d)
    return;
  struct dirent *de;
  while ((de = readdir(d))) {
    char *end;
    unsigned long p = strtoul(de->d_name, &end, 10);
    if (!*end && p && p <= UINT32_MAX)
      synthesize_process_maps(r, p);
  }
  closedir(d);
}

/* Give one sample to the format, which may take no more (perfmon2's
 * "stop monitoring"): the samples after that are only counted. */
static int hand_over(struct rec *r, const pmux_fmt_sample_t *s)
{
  if (r->fmt_stopped) {
    r->st->stopped++;
    return 0;
  }
  r->st->samples++;
  int rc = r->fmt->handler(r->fst, s);
  if (rc == PMUX_FMT_FULL)
    rc = r->fmt->restart(r->fst); /* registration made sure it exists */
  else if (rc == PMUX_FMT_STOPPED)
    r->fmt_stopped = 1;
  return rc < 0 ? rc : 0;
}

static int handle_sample(struct rec *r, const struct ring *rg, const char *p,
                         size_t sz)
{
  /* PERF_SAMPLE_IP|TID|TIME|CPU|PERIOD[|READ], in the ABI's order; READ
   * with PERF_FORMAT_GROUP: nr, then nr values (leader first). */
  if (sz < 48)
    return 0;
  pmux_fmt_sample_t s;
  uint32_t u[2];
  s.nvalues = 0;
  memcpy(&s.ip, p + 8, 8);
  memcpy(u, p + 16, 8);
  s.pid = u[0];
  s.tid = u[1];
  memcpy(&s.time, p + 24, 8);
  memcpy(u, p + 32, 8);
  s.cpu = u[0];
  memcpy(&s.last_reset, p + 40, 8);
  if (rg->has_read && sz >= 56) {
    uint64_t nr;
    memcpy(&nr, p + 48, 8);
    if (nr > PMUX_FMT_MAX_VALUES + 1 || 56 + 8 * nr > sz)
      nr = 0;
    if (nr > (uint64_t)r->set_size[rg->set])
      nr = (uint64_t)r->set_size[rg->set]; /* the trigger is not sampled */
    memcpy(s.values, p + 56, 8 * nr);
    s.nvalues = (uint32_t)nr;
  }
  s.set = rg->set; /* only the active set's events are enabled */
  s.ovfl_event = (uint32_t)rg->ev;
  s.weight = 1;
  return hand_over(r, &s);
}

static int handle(struct rec *r, const struct ring *rg, const char *p,
                  size_t sz)
{
  const struct perf_event_header *h = (const void *)p;
  uint64_t v;
  switch (h->type) {
  case PERF_RECORD_SAMPLE:
    return handle_sample(r, rg, p, sz);
  case PERF_RECORD_LOST: /* id, lost */
    if (sz >= 24) {
      memcpy(&v, p + 16, 8);
      r->st->lost += v;
    }
    break;
  case PERF_RECORD_LOST_SAMPLES: /* lost */
    if (sz >= 16) {
      memcpy(&v, p + 8, 8);
      r->st->lost += v;
    }
    break;
  case PERF_RECORD_THROTTLE:
    r->st->throttled++;
    break;
  case PERF_RECORD_FORK: {
    /* pid ppid tid ptid time; a thread (pid == ppid) shares its maps. */
    uint32_t id[2];
    if (sz < 32)
      break;
    memcpy(id, p + 8, 8);
    memcpy(&v, p + 24, 8);
    if (id[0] != id[1])
      add_task(r, PMUX_SF_TASK_FORK, id[0], id[1], v);
    break;
  }
  case PERF_RECORD_COMM: {
    /* pid tid comm; then the sample_id trailer (tid, time, cpu). */
    uint32_t pid;
    if (!(h->misc & PERF_RECORD_MISC_COMM_EXEC) || sz < 16 + 24)
      break;
    memcpy(&pid, p + 8, 4);
    memcpy(&v, p + sz - 16, 8);
    add_task(r, PMUX_SF_TASK_EXEC, pid, 0, v);
    break;
  }
  case PERF_RECORD_MMAP2: {
    /* pid tid addr len pgoff {maj min ino ino_gen | build id} prot flags
     * filename; then the sample_id trailer (tid, time, cpu: 24 bytes). */
    if (sz < 72 + 24)
      break;
    uint32_t pid;
    uint64_t a[3], t;
    memcpy(&pid, p + 8, 4);
    memcpy(a, p + 16, 24);
    memcpy(&t, p + sz - 16, 8);
    const char *name = p + 72;
    size_t nlen = strnlen(name, sz - 24 - 72);
    if (!nlen)
      break;
    struct map_rec *m = add_map(r, pid, a[0], a[1], a[2], t, name, nlen);
    /* {u8 size, u8, u16, u8 id[20]} in place of maj min ino ino_gen */
    uint8_t idl = (uint8_t)p[40];
    if (m && (h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID) && idl &&
        idl <= sizeof(m->id)) {
      memcpy(m->id, p + 44, idl);
      m->id_len = idl;
    }
    break;
  }
  default:
    break;
  }
  return 0;
}

static int drain(struct rec *r, struct ring *rg)
{
  struct perf_event_mmap_page *pg = rg->base;
  if (!pg)
    return 0; /* its records go to another ring */
  uint64_t head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
  uint64_t tail = pg->data_tail;
  int rc = 0;
  while (tail < head) {
    uint64_t off = tail & (rg->size - 1);
    struct perf_event_header h;
    if (rg->size - off >= sizeof(h)) {
      memcpy(&h, rg->data + off, sizeof(h));
    } else {
      size_t a = rg->size - off;
      memcpy(&h, rg->data + off, a);
      memcpy((char *)&h + a, rg->data, sizeof(h) - a);
    }
    if (h.size < sizeof(h) || h.size > head - tail)
      break; /* never happens with a sane kernel; do not spin */
    const char *p = rg->data + off;
    if (off + h.size > rg->size) {
      size_t a = rg->size - off;
      memcpy(r->tmp, rg->data + off, a);
      memcpy(r->tmp + a, rg->data, h.size - a);
      p = r->tmp;
    }
    if (!rc)
      rc = handle(r, rg, p, h.size);
    tail += h.size;
  }
  __atomic_store_n(&pg->data_tail, tail, __ATOMIC_RELEASE);
  return rc;
}

static int online_cpus(int *cpus, int max)
{
  int n = 0;
  FILE *f = fopen("/sys/devices/system/cpu/online", "r");
  if (f) {
    int a, b;
    char c;
    while (n < max && fscanf(f, "%d", &a) == 1) {
      b = a;
      if (fscanf(f, "%c", &c) == 1 && c == '-') {
        if (fscanf(f, "%d", &b) != 1)
          break;
        if (fscanf(f, "%c", &c) != 1)
          c = 0;
      }
      for (int i = a; i <= b && n < max; i++)
        cpus[n++] = i;
      if (c != ',')
        break;
    }
    fclose(f);
  }
  if (n == 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    for (int i = 0; i < c && n < max; i++)
      cpus[n++] = i;
  }
  return n;
}

/* A ring of pages per CPU refused: -m sizes the sampling rings only, so a
 * switch trigger's one-page ring (trigger) is not told to use a smaller
 * one. */
static int mmap_fail(int err, unsigned pages, int trigger)
{
  long ps = sysconf(_SC_PAGESIZE);
  int kb = -1;
  FILE *f = fopen("/proc/sys/kernel/perf_event_mlock_kb", "r");
  if (f) {
    if (fscanf(f, "%d", &kb) != 1)
      kb = -1;
    fclose(f);
  }
  if (err == -EPERM || err == -ENOMEM)
    return pmux__fail(err,
                      "cannot map %s of %u page%s (%ld KiB) per CPU: over "
                      "the locked-memory allowance (kernel.perf_event_mlock_kb"
                      "=%d per user, plus RLIMIT_MEMLOCK); %sraise `ulimit "
                      "-l`, or get CAP_IPC_LOCK (pmux caps)",
                      trigger ? "a switch trigger's ring" : "a ring", pages,
                      pages == 1 ? "" : "s", (long)(pages + 1) * ps / 1024, kb,
                      trigger ? "" : "use a smaller -m, ");
  return pmux__fail(err, "cannot map the ring buffer: %s", strerror(-err));
}

/* Sets from opts: -S specs, or one set of the -e events. */
static int parse_sets(struct rec *r, const pmux_record_opts_t *o)
{
  int nsets = o->nsets > 0 ? o->nsets : 1;
  r->set_text = calloc((size_t)nsets, sizeof(char *));
  r->slice_ns = calloc((size_t)nsets, sizeof(uint64_t));
  r->set_size = calloc((size_t)nsets, sizeof(int));
  r->trig = calloc((size_t)nsets, sizeof(*r->trig));
  r->runs = calloc((size_t)nsets, sizeof(uint64_t));
  if (!r->set_text || !r->slice_ns || !r->set_size || !r->trig || !r->runs)
    return -ENOMEM;
  for (int i = 0; i < nsets; i++) {
    char *events = NULL, *trigger = NULL;
    pmux_set_opts_t so;
    memset(&so, 0, sizeof(so));
    if (o->nsets > 0) {
      int rc = pmux__parse_set_spec(o->sets[i], &events, &so, &trigger);
      if (rc < 0)
        return rc;
      if (trigger) {
        struct trigger *t = &r->trig[i];
        t->name = trigger;
        t->period = so.trigger_period;
        t->count = so.trigger_count;
        rc = pmux_event_resolve(trigger, &t->info);
        if (rc < 0) {
          char why[256];
          snprintf(why, sizeof(why), "%s", pmux_errmsg());
          free(events);
          return pmux__fail(rc, "set '%s': switch trigger: %s", o->sets[i],
                            why);
        }
      }
    } else {
      events = strdup(o->event ? o->event : "cpu-clock");
      if (!events)
        return -ENOMEM;
    }
    r->set_text[r->nsets++] = events;
    r->slice_ns[i] = so.switch_ns ? so.switch_ns
                     : o->switch_ns ? o->switch_ns
                                    : PMUX_DEFAULT_SWITCH_NS;
    char **names;
    int n;
    int rc = pmux__split_events(events, &names, &n);
    if (rc < 0)
      return rc;
    if (n > PMUX_FMT_MAX_VALUES) {
      pmux__free_names(names, n);
      return pmux__fail(PMUX_ECONFIG, "set '%s': %d events, at most %d",
                        events, n, PMUX_FMT_MAX_VALUES);
    }
    r->set_size[i] = n;
    if (n > 1 && n > r->nvalues)
      r->nvalues = n;
    struct sev *v = realloc(r->sevs, (size_t)(r->nsev + n) * sizeof(*v));
    if (!v) {
      pmux__free_names(names, n);
      return -ENOMEM;
    }
    r->sevs = v;
    for (int k = 0; k < n; k++) {
      struct sev *e = &r->sevs[r->nsev];
      memset(e, 0, sizeof(*e));
      e->set = i;
      e->idx = k;
      rc = pmux_event_resolve(names[k], &e->info);
      if (rc < 0) {
        pmux__free_names(names, n);
        return rc;
      }
      e->name = strdup(names[k]);
      r->nsev++;
      if (!e->name) {
        pmux__free_names(names, n);
        return -ENOMEM;
      }
    }
    pmux__free_names(names, n);
  }
  return 0;
}

/* Whether the kernel puts the mapped file's build-id in PERF_RECORD_MMAP2
 * (attr.build_id, Linux 5.12 on; older kernels refuse the bit). */
static int kernel_gives_build_ids(void)
{
  static int known = -1;
  if (known < 0) {
    struct perf_event_attr a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_DUMMY;
    a.disabled = a.mmap2 = a.build_id = 1;
    a.exclude_kernel = a.exclude_hv = 1;
    int fd = pmux__perf_open(&a, 0, -1, -1, 0);
    known = fd >= 0;
    if (fd >= 0)
      close(fd);
  }
  return known;
}

/*
 * The first event of a set samples; the others are its group, counted
 * with it and read at each sample (perfmon2's sampled PMDs, through
 * PERF_SAMPLE_READ on the group).
 */
static void sev_attr(struct perf_event_attr *attr, const struct sev *e,
                     int set_size, int nsets, const pmux_record_opts_t *o,
                     uint32_t watermark)
{
  pmux__perf_attr_init(attr, &e->info);
  attr->inherit = !o->system_wide; /* per CPU, every task: nothing to follow */
  if (e->idx > 0) {
    attr->read_format = PERF_FORMAT_GROUP; /* a member: counts only */
    return;
  }
  if (o->period) {
    attr->sample_period = o->period;
  } else {
    attr->freq = 1;
    attr->sample_freq = o->freq ? o->freq : DEFAULT_FREQ;
  }
  attr->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
                      PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;
  if (set_size > 1) {
    attr->sample_type |= PERF_SAMPLE_READ;
    attr->read_format = PERF_FORMAT_GROUP;
  }
  attr->disabled = 1;
  /* The first set starts at exec; a CPU event has no exec to wait for and
   * is enabled just before the command is released. */
  attr->enable_on_exec = e->set == 0 && !o->system_wide && !o->pid;
  /* Mappings and comm: the kernel sends them to enabled events only, so
   * with several sets a dummy event that is always on takes them
   * (open_side_band); one set is always on itself. */
  attr->mmap = attr->mmap2 = attr->comm = attr->task = e->set == 0 &&
                                                       nsets == 1;
  attr->build_id = attr->mmap2 && kernel_gives_build_ids();
  attr->sample_id_all = 1;
  attr->watermark = 1;
  attr->wakeup_watermark = watermark;
}

/*
 * With several sets, an mmap made while set 0 is off would reach no ring:
 * the kernel sends mappings, comm and fork/exit records to enabled events
 * only.  A dummy software event, always on, takes them into set 0's ring
 * on the same CPU (PERF_EVENT_IOC_SET_OUTPUT), as perf record's does.  Its
 * sample_type matches the sets' leaders, so its records end with the same
 * sample_id trailer (tid, time, cpu).
 */
static int open_side_band(struct rec *r, const pmux_record_opts_t *o,
                          pid_t pid, int cpu, int ring_fd)
{
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_DUMMY;
  attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
                     PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;
  attr.sample_id_all = 1;
  attr.mmap = attr.mmap2 = attr.comm = attr.task = 1;
  attr.build_id = kernel_gives_build_ids();
  attr.exclude_kernel = attr.exclude_hv = 1;
  attr.inherit = !o->system_wide;
  /* A command's from its exec, as set 0; CPUs' and a process's from now. */
  attr.disabled = attr.enable_on_exec = !o->system_wide && !o->pid;
  int fd = pmux__perf_open(&attr, pid, cpu, -1, 0);
  if (fd == -ESRCH && r->target)
    return 0; /* the thread exited meanwhile */
  if (fd < 0)
    return pmux__fail(fd, "CPU %d: the dummy event that takes mappings "
                      "while other sets count: %s", cpu, strerror(-fd));
  r->mfd[r->nmfd++] = fd;
  if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, ring_fd) < 0)
    return pmux__fail(-errno, "CPU %d: sending mappings to set 0's ring "
                      "(PERF_EVENT_IOC_SET_OUTPUT): %s", cpu, strerror(errno));
  return 0;
}

/* A regular file already there becomes FILE.old, as perf record's does:
 * a run that fails (a command that cannot start) destroys no recording.
 * 1 when it was kept so. */
static int keep_old_output(const char *path)
{
  struct stat st;
  if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size == 0)
    return 0;
  char old[4096];
  if (snprintf(old, sizeof(old), "%s.old", path) >= (int)sizeof(old))
    return pmux__fail(-ENAMETOOLONG, "%s: name too long", path);
  if (rename(path, old) < 0)
    return pmux__fail(-errno, "%s: cannot keep it as %s: %s", path, old,
                      strerror(errno));
  return 1;
}

/* A command that never started recorded nothing: its file goes, and the
 * recording it displaced comes back.  Left, it would be an empty
 * recording that the next failed run moves over FILE.old, the last good
 * one. */
static void undo_output(const struct rec *r)
{
  if (r->made_file) /* never a device (-o /dev/null) or a FIFO given */
    unlink(r->path);
  char old[4096];
  if (r->kept_old &&
      snprintf(old, sizeof(old), "%s.old", r->path) < (int)sizeof(old))
    rename(old, r->path);
}

static int open_fail(const struct sev *e, int cpu, pid_t pid, int err,
                     const struct perf_event_attr *attr)
{
  if ((err == -EACCES || err == -EPERM) && !attr->exclude_kernel) {
    int par = 2;
    FILE *pf = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    if (pf) {
      if (fscanf(pf, "%d", &par) != 1)
        par = 2;
      fclose(pf);
    }
    return pmux__fail(PMUX_ERIGHTS,
                      "event '%s' on CPU %d: %s: sampling kernel code needs "
                      "CAP_PERFMON or kernel.perf_event_paranoid <= 1 (it is "
                      "%d); '%s:u' samples user code only",
                      e->name, cpu, strerror(-err), par, e->name);
  }
  if ((err == -EACCES || err == -EPERM) && pid > 0)
    return pmux__fail(PMUX_ERIGHTS,
                      "event '%s' on pid %d: %s: sampling a running process "
                      "needs the right to trace it (the same user, as "
                      "kernel.yama.ptrace_scope allows) or CAP_PERFMON",
                      e->name, (int)pid, strerror(-err));
  if (err == -EMFILE)
    return pmux__fail(err, "event '%s' on CPU %d: %s: a process's threads "
                      "take an event each per CPU (ulimit -n, the hard "
                      "limit, is too low for them)", e->name, cpu,
                      strerror(-err));
  int max_rate;
  if (err == -EINVAL && attr->freq &&
      !pmux__sys_read_int("/proc/sys/kernel/perf_event_max_sample_rate",
                          &max_rate) &&
      attr->sample_freq > (uint64_t)max_rate)
    return pmux__fail(err, "event '%s': %s: a frequency of %llu Hz is over "
                      "kernel.perf_event_max_sample_rate (%d Hz)",
                      e->name, strerror(-err),
                      (unsigned long long)attr->sample_freq, max_rate);
  return pmux__fail(err, "event '%s' on CPU %d: %s", e->name, cpu,
                    strerror(-err));
}

/* Enable or disable every ring of one set (and the inherited copies). */
static void set_enable(struct ring *rings, int nr, int set, int on)
{
  for (int i = 0; i < nr; i++)
    if (rings[i].set == set)
      pmux__perf_group_ioctl(rings[i].fd, on ? PERF_EVENT_IOC_ENABLE
                                             : PERF_EVENT_IOC_DISABLE);
}

static void arm(int tfd, uint64_t ns)
{
  struct itimerspec it;
  memset(&it, 0, sizeof(it));
  it.it_value.tv_sec = (time_t)(ns / 1000000000u);
  it.it_value.tv_nsec = (long)(ns % 1000000000u);
  timerfd_settime(tfd, 0, &it, NULL);
}

/* -p: an open refused because its thread exited since /proc/PID/task
 * listed it.  A lone event gets ESRCH; a group member (a set's member, a
 * trigger) whose leader's thread has exited gets ENODEV. */
static int thread_gone(const struct rec *r, int err)
{
  return r->target && (err == -ESRCH || err == -ENODEV);
}

/* Set k's trigger on one CPU, in the group of leader (see the top). */
static int open_trigger(struct rec *r, int k, int leader, pid_t pid, int cpu,
                        const pmux_record_opts_t *o, long ps)
{
  const struct trigger *t = &r->trig[k];
  struct perf_event_attr attr;
  pmux__perf_attr_init(&attr, &t->info);
  attr.inherit = !o->system_wide;
  attr.sample_period = t->period;
  attr.wakeup_events = 1;
  int fd = pmux__perf_open(&attr, pid, cpu, leader, 0);
  if (thread_gone(r, fd))
    return 0;
  if (fd < 0)
    return pmux__fail(fd, "set %d: switch trigger '%s' on CPU %d: %s", k,
                      t->name, cpu, strerror(-fd));
  struct trig_ring *tr = &r->trings[r->ntr++];
  tr->fd = fd;
  tr->set = k;
  tr->map_len = 2 * (size_t)ps;
  tr->base = mmap(NULL, tr->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                  0);
  if (tr->base == MAP_FAILED) {
    tr->base = NULL;
    return mmap_fail(-errno, 1, 1);
  }
  return 0;
}

/* Overflows of set k's trigger so far: floor(count / PERIOD) per CPU, the
 * kernel's periods running on each event's cumulative count.  The trigger
 * counts only while its set is active. */
static uint64_t trigger_overflows(const struct rec *r, int k)
{
  uint64_t total = 0, v;
  for (int i = 0; i < r->ntr; i++)
    if (r->trings[i].set == k && read(r->trings[i].fd, &v, 8) == 8)
      total += v / r->trig[k].period;
  return total;
}

/* The trigger's records only woke the loop: drop them. */
static void trigger_drop(struct trig_ring *tr)
{
  struct perf_event_mmap_page *pg = tr->base;
  uint64_t head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
  __atomic_store_n(&pg->data_tail, head, __ATOMIC_RELEASE);
}

/* Make set k the active one (its events already enabled): a new run. */
static void activate(struct rec *r, int k, int tfd)
{
  r->runs[k]++;
  if (r->trig[k].name) {
    arm(tfd, 0); /* no slice: disarmed */
    r->trig_base = trigger_overflows(r, k);
  } else {
    arm(tfd, r->slice_ns[k]);
  }
}

/* Whether the active set k is due to give way: its slice expired (the
 * timer fired) or its trigger overflowed N times in this run. */
static int switch_due(struct rec *r, int k, int tfd)
{
  uint64_t ticks;
  if (r->trig[k].name)
    return trigger_overflows(r, k) - r->trig_base >= r->trig[k].count;
  return read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks);
}

/* The options checked before anything starts: the format, and the ring
 * size in pages. */
static int check_opts(const pmux_record_opts_t *o, const pmux_format_t **fmt,
                      const char **fargs, unsigned *pages)
{
  if (!o)
    return pmux__fail(PMUX_ECONFIG, "no options");
  if (o->pid < 0)
    return pmux__fail(PMUX_ECONFIG, "pid %d: not a process id", (int)o->pid);
  if (!o->pid && (!o->argv || !o->argv[0]))
    return pmux__fail(PMUX_ECONFIG, "no command to record");
  if (o->pid && o->system_wide)
    return pmux__fail(PMUX_ECONFIG, "give a process (pid) or CPUs "
                      "(system_wide), not both");
  if (o->period && o->freq)
    return pmux__fail(PMUX_ECONFIG, "give a period or a frequency, not both");
  if (o->nsets > 0 && o->event)
    return pmux__fail(PMUX_ECONFIG, "give the events with -e or as sets "
                      "(-S), not both");
  if (o->nsets > 0 && !o->sets)
    return pmux__fail(PMUX_ECONFIG, "%d sets and no set specs (sets is "
                      "NULL)", o->nsets);
  int rc = pmux__format_parse(o->format ? o->format : "default", fmt, fargs);
  if (rc < 0)
    return rc;
  *pages = o->mmap_pages ? o->mmap_pages : DEFAULT_PAGES;
  if (*pages & (*pages - 1))
    return pmux__fail(PMUX_ECONFIG, "-m %u: the ring size must be a power of "
                      "two pages", *pages);
  if (o->system_wide && o->ncpus > 0 &&
      (o->ncpus > PMUX__RECORD_CPUS_MAX || !o->cpus))
    return pmux__fail(PMUX_ECONFIG, "too many CPUs (%d)", o->ncpus);
  return 0;
}

/* The recording's state, nothing acquired yet; NULL when out of memory. */
static struct rec *rec_new(const pmux_record_opts_t *o,
                           pmux_record_stats_t *st, const pmux_format_t *fmt,
                           const char *fargs, unsigned pages)
{
  struct rec *r = calloc(1, sizeof(*r));
  if (!r)
    return NULL;
  r->st = st;
  r->fmt = fmt;
  r->fargs = fargs;
  r->path = o->output ? o->output : "pmux.data";
  r->pages = pages;
  r->ncpus = online_cpus(r->cpus, PMUX__RECORD_CPUS_MAX);
  if (o->system_wide && o->ncpus > 0) {
    r->ncpus = o->ncpus;
    memcpy(r->cpus, o->cpus, sizeof(int) * (size_t)r->ncpus);
  }
  r->ps = sysconf(_SC_PAGESIZE);
  r->watermark = (uint32_t)((uint64_t)pages * (uint64_t)r->ps / 4);
  r->go[0] = r->go[1] = r->ex[0] = r->ex[1] = -1;
  r->pid = -1;
  r->pidfd = r->tfd = r->target_fd = -1;
  r->data_at = -1;
  return r;
}

/* The tasks the events follow: -p's threads, or one to be known (the
 * command, or -1 system-wide: fork_command). */
static int find_tasks(struct rec *r, const pmux_record_opts_t *o)
{
  if (!o->pid) {
    r->tids = calloc(1, sizeof(pid_t));
    r->ntids = 1;
    return r->tids ? 0 : -ENOMEM;
  }
  /* A thread's id stands for its process: /proc/TID/task lists them all,
   * and samples and mappings go by the process's id. */
  r->target = pmux__process_of(o->pid);
  int n = pmux__list_threads(r->target, &r->tids);
  if (n < 0)
    return n;
  if (n == 0)
    return pmux__fail(-ESRCH, "pid %d: no threads left", (int)o->pid);
  r->ntids = n;
  return 0;
}

/* Room for `need` more open files: the soft limit raised toward the hard
 * one, as perf record does, when a process's threads times the CPUs times
 * the events need more than the usual 1024.  What cannot be raised shows
 * as "Too many open files" on the event that does not fit, with a word on
 * the limit (open_fail). */
static void room_for_fds(size_t need)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY ||
      rl.rlim_cur >= need + 64)
    return;
  rlim_t want = (rlim_t)need + 64;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || want < rl.rlim_max
                    ? want
                    : rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
}

/* The tasks, the sets, and room for the rings and the poll list they
 * make. */
static int prepare_sets(struct rec *r, const pmux_record_opts_t *o)
{
  int rc = find_tasks(r, o);
  if (rc < 0)
    return rc;
  rc = parse_sets(r, o);
  if (rc < 0)
    return rc;
  size_t maxr = (size_t)r->ncpus * (size_t)r->nsev * (size_t)r->ntids;
  size_t ntrig = (size_t)r->ncpus * (size_t)r->nsets * (size_t)r->ntids;
  /* leaders and members, a side band and a trigger per set per task */
  room_for_fds(maxr + (size_t)r->ncpus * (size_t)r->ntids + ntrig);
  r->rings = calloc(maxr, sizeof(*r->rings));
  r->trings = calloc(ntrig, sizeof(*r->trings));
  r->pfd = calloc(maxr + ntrig + 3, sizeof(*r->pfd));
  if (!r->rings || !r->trings || !r->pfd)
    return -ENOMEM;
  return 0;
}

/* The format first: a refusal (rights...) starts nothing, leaves no
 * file. */
static int start_format(struct rec *r)
{
  const pmux_format_t *fmt = r->fmt;
  pmux_fmt_params_t fp = {(uint32_t)r->nvalues, (uint32_t)r->ncpus};
  pmux_fmt_out_t fo = {out_write, r, &r->st->samples};
  pmux__clear_error();
  int rc = fmt->init(&r->fst, r->fargs, &fp, &fo);
  if (rc >= 0)
    return rc;
  r->fst = NULL;
  /* A format that failed without a word ("Cannot allocate memory" for
   * default:entries=16777216) is named, with the memory it wanted. */
  if (!pmux_errmsg()[0]) {
    size_t want = fmt->getsize ? fmt->getsize(r->fargs, &fp) : 0;
    char size[64] = "";
    if (want)
      snprintf(size, sizeof(size), " (its buffer takes %zu bytes)", want);
    rc = pmux__fail(rc, "format '%s%s%s': cannot start%s: %s", fmt->name,
                    *r->fargs ? ":" : "", r->fargs, size, pmux_strerror(rc));
  }
  return rc;
}

/* The child: exec the command once released through go, or send exec's
 * errno through ex. */
static __attribute__((noreturn)) void run_when_released(int go, int ex,
                                                       char *const *argv)
{
  char c;
  if (read(go, &c, 1) != 1)
    _exit(127);
  execvp(argv[0], argv);
  int e = errno;
  if (write(ex, &e, sizeof(e)) < 0)
    _exit(127);
  _exit(127);
}

/* The command, held before exec until the events exist (none: -p alone). */
static int fork_command(struct rec *r, const pmux_record_opts_t *o)
{
  if (!o->argv || !o->argv[0])
    return 0;
  int rc = pmux__check_children_waitable();
  if (rc)
    return rc;
  if (pipe2(r->go, O_CLOEXEC) < 0 || pipe2(r->ex, O_CLOEXEC) < 0)
    return pmux__fail(-errno, "pipe: %s", strerror(errno));
  r->pid = fork();
  if (r->pid < 0)
    return pmux__fail(-errno, "fork: %s", strerror(errno));
  if (r->pid == 0) {
    close(r->go[1]);
    close(r->ex[0]);
    run_when_released(r->go[0], r->ex[1], o->argv);
  }
  close(r->go[0]);
  close(r->ex[1]);
  r->go[0] = r->ex[1] = -1;
  /* Per task: the command and its children (inherit); system-wide: every
   * task on each CPU; -p: the target's threads (prepare_sets). */
  if (!o->pid)
    r->tids[0] = o->system_wide ? -1 : r->pid;
  return 0;
}

/* The leader of a set on one CPU for task tid, with its ring, or writing
 * into out_fd's (a thread after the first); 1 when the CPU went offline or
 * the thread is gone (no leader). */
static int open_ring(struct rec *r, const struct sev *ev, int cpu,
                     struct perf_event_attr *attr, pid_t tid, int out_fd)
{
  struct ring *rg = &r->rings[r->nr];
  rg->fd = pmux__perf_open(attr, tid, cpu, -1, 0);
  if (rg->fd < 0) {
    if (rg->fd == -ENODEV || rg->fd == -ENOENT ||
        (rg->fd == -ESRCH && r->target)) {
      rg->fd = -1;
      return 1; /* CPU went offline; a thread that exited meanwhile */
    }
    int rc = open_fail(ev, cpu, r->target, rg->fd, attr);
    if (rg->fd == -EINVAL && (attr->sample_type & PERF_SAMPLE_READ))
      rc = pmux__fail(PMUX_ENOTSUP,
                      "set '%s': reading the set's events at each "
                      "sample (PERF_SAMPLE_READ with inherit) needs "
                      "Linux 6.12 or later; give one event per set",
                      r->set_text[ev->set]);
    rg->fd = -1;
    return rc;
  }
  rg->cpu = cpu;
  rg->tid = tid;
  rg->set = ev->set;
  rg->ev = ev->idx;
  rg->has_read = r->set_size[ev->set] > 1;
  if (out_fd >= 0) {
    /* Polled too: the ring's wakeups reach every event writing into it,
     * and the ring's owner may exit before the others (stop_polling). */
    r->pfd[r->nr].fd = rg->fd;
    r->pfd[r->nr++].events = POLLIN;
    if (ioctl(rg->fd, PERF_EVENT_IOC_SET_OUTPUT, out_fd) < 0)
      return pmux__fail(-errno, "event '%s' on CPU %d: sending thread %d's "
                        "samples to the ring of the process "
                        "(PERF_EVENT_IOC_SET_OUTPUT): %s", ev->name, cpu,
                        (int)tid, strerror(errno));
    return 0;
  }
  rg->map_len = (size_t)(r->pages + 1) * (size_t)r->ps;
  rg->base = mmap(NULL, rg->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
                  rg->fd, 0);
  if (rg->base == MAP_FAILED) {
    rg->base = NULL;
    int rc = mmap_fail(-errno, r->pages, 0);
    close(rg->fd);
    rg->fd = -1;
    return rc;
  }
  struct perf_event_mmap_page *pg = rg->base;
  rg->data = (char *)rg->base + (pg->data_offset ? pg->data_offset
                                                 : (uint64_t)r->ps);
  rg->size = pg->data_size ? pg->data_size : (uint64_t)r->pages * r->ps;
  r->pfd[r->nr].fd = rg->fd;
  r->pfd[r->nr].events = POLLIN;
  r->nr++;
  return 0;
}

/* Every set's events on one CPU for one task: each leader with its ring,
 * or, for a process's second and later threads, writing into the first
 * one's (ring[k]: the ring of event k on this CPU, -1 none yet); its
 * members in its group. */
static int open_task_events(struct rec *r, const pmux_record_opts_t *o,
                            int cpu, pid_t tid, int *ring)
{
  int leader = -1;
  for (int k = 0; k < r->nsev; k++) {
    const struct sev *ev = &r->sevs[k];
    struct perf_event_attr attr;
    sev_attr(&attr, ev, r->set_size[ev->set], r->nsets, o, r->watermark);
    if (ev->idx > 0) {
      if (leader < 0)
        continue; /* the leader's CPU is offline, or its thread gone */
      int fd = pmux__perf_open(&attr, tid, cpu, leader, 0);
      if (thread_gone(r, fd))
        continue;
      if (fd < 0)
        return open_fail(ev, cpu, r->target, fd, &attr);
      r->mfd[r->nmfd++] = fd;
      continue;
    }
    leader = -1;
    int rc = open_ring(r, ev, cpu, &attr, tid, ring[k]);
    if (rc < 0)
      return rc;
    if (rc > 0)
      continue;
    leader = r->rings[r->nr - 1].fd;
    if (ring[k] < 0)
      ring[k] = leader;
    if (r->nsets > 1 && ev->set == 0) {
      rc = open_side_band(r, o, tid, cpu, ring[k]);
      if (rc < 0)
        return rc;
    }
  }
  return 0;
}

/* Every task's events on one CPU. */
static int open_cpu_events(struct rec *r, const pmux_record_opts_t *o,
                           int cpu)
{
  int ring[r->nsev];
  for (int k = 0; k < r->nsev; k++)
    ring[k] = -1;
  for (int t = 0; t < r->ntids; t++) {
    int rc = open_task_events(r, o, cpu, r->tids[t], ring);
    if (rc < 0)
      return rc;
  }
  return 0;
}

/* The events on every CPU, then the triggers, then the format's hold on
 * them. */
static int open_events(struct rec *r, const pmux_record_opts_t *o)
{
  r->mfd = calloc((size_t)r->ncpus * (size_t)r->nsev * (size_t)r->ntids,
                  sizeof(int));
  if (!r->mfd)
    return -ENOMEM;
  for (int i = 0; i < r->ncpus; i++) {
    int rc = open_cpu_events(r, o, r->cpus[i]);
    if (rc < 0)
      return rc;
  }
  int owners = 0;
  for (int i = 0; i < r->nr; i++)
    owners += r->rings[i].base != NULL;
  if (r->target && !owners)
    return pmux__fail(-ESRCH, "pid %d: exited before it could be sampled",
                      (int)r->target);
  r->st->ncpus = r->nsets ? owners / r->nsets : 0;
  /* Triggers join their groups last, after every sampled member, so the
   * samples' group values keep the set's order.  One set has nothing to
   * switch to: no trigger. */
  for (int i = 0; r->nsets > 1 && i < r->nr; i++) {
    const struct ring *rg = &r->rings[i];
    if (!r->trig[rg->set].name)
      continue;
    int rc = open_trigger(r, rg->set, rg->fd, rg->tid, rg->cpu, o, r->ps);
    if (rc < 0)
      return rc;
  }
  for (int i = 0; r->fmt->attach && i < r->nr; i++) {
    int rc = r->fmt->attach(r->fst, r->rings[i].fd, r->rings[i].set);
    if (rc < 0)
      return rc;
  }
  return 0;
}

/* The sample file, its sections up to DATA written. */
static int open_output(struct rec *r, const pmux_record_opts_t *o)
{
  int rc = keep_old_output(r->path);
  if (rc < 0)
    return rc;
  r->kept_old = rc;
  /* Owner-only, as perf record's: the samples show where every sampled
   * process (all of them with -a) ran, and kernel addresses. */
  int ofd = open(r->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (ofd < 0 || !(r->out = fdopen(ofd, "wb"))) {
    rc = pmux__fail(-errno, "%s: %s", r->path, strerror(errno));
    if (ofd >= 0)
      close(ofd);
    undo_output(r); /* the recording kept as FILE.old back */
    return rc;
  }
  struct stat st;
  r->made_file = !fstat(ofd, &st) && S_ISREG(st.st_mode);
  /* The DATA section's length is written last, at its place: a pipe
   * would leave the file unreadable (and the compact format would decode
   * the sections after DATA as samples). */
  if (lseek(fileno(r->out), 0, SEEK_CUR) < 0) {
    rc = pmux__fail(-errno, "%s: record writes a file it can seek in (the "
                    "data's length goes in its header at the end), not a "
                    "pipe: %s", r->path, strerror(errno));
    fclose(r->out); /* nothing in it: no tail after no header either */
    r->out = NULL;
    return rc;
  }
  r->data_at = pmux__sf_write_head(r, o, r->fargs);
  return 0;
}

/* What the loop polls besides the rings: the triggers, the command's
 * exit and, with several sets, the time slice. */
static int watch_the_rest(struct rec *r)
{
  r->npfd = r->nr;
  for (int i = 0; i < r->ntr; i++) {
    r->pfd[r->npfd].fd = r->trings[i].fd;
    r->pfd[r->npfd++].events = POLLIN;
  }
  if (r->pid > 0)
    r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
  if (r->pidfd >= 0) {
    r->pfd[r->npfd].fd = r->pidfd;
    r->pfd[r->npfd++].events = POLLIN;
  }
  /* -p alone ends with the process (with a command, with the command: a
   * gone process's pidfd would wake the loop at every turn). */
  if (r->target && r->pid < 0)
    r->target_fd = (int)syscall(SYS_pidfd_open, r->target, 0);
  if (r->target_fd >= 0) {
    r->pfd[r->npfd].fd = r->target_fd;
    r->pfd[r->npfd++].events = POLLIN;
  }
  if (r->nsets > 1) {
    r->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (r->tfd < 0)
      return pmux__fail(-errno, "timerfd_create: %s", strerror(errno));
    r->pfd[r->npfd].fd = r->tfd;
    r->pfd[r->npfd++].events = POLLIN;
  }
  return 0;
}

static const int fwd[PMUX__RECORD_NSIGS] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT,
                                           SIGUSR1};

/* The signals that would stop pmux stop the command instead. */
static void forward_signals(struct rec *r)
{
  struct sigaction sa;
  child_pid = r->pid;
  stop_asked = 0;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = forward;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < PMUX__RECORD_NSIGS; i++)
    sigaction(fwd[i], &sa, &r->old[i]);
  r->sig_set = 1;
}

/* Let the command exec, and learn whether it could. */
static int release_exec(struct rec *r, const pmux_record_opts_t *o)
{
  char c = 1;
  if (write(r->go[1], &c, 1) != 1) {
    r->never_ran = 1;
    return pmux__fail(PMUX_ECHILD, "cannot release the command");
  }
  close(r->go[1]);
  r->go[1] = -1;
  int e;
  ssize_t got;
  while ((got = read(r->ex[0], &e, sizeof(e))) < 0 && errno == EINTR)
    ;
  if (got == (ssize_t)sizeof(e)) {
    int rc = pmux__fail(PMUX_ECHILD, "%s: %s", o->argv[0], strerror(e));
    r->never_ran = 1;
    waitpid(r->pid, &r->st->status, 0);
    r->st->status = pmux__exec_status(e) << 8; /* the child's _exit(127) */
    r->pid = -1;
    return rc;
  }
  return 0;
}

/* Start: set 0 is active from the command's exec (enable_on_exec), or
 * from now for CPUs and a process (-p). */
static int release_command(struct rec *r, const pmux_record_opts_t *o)
{
  r->t0 = pmux__now_ns();
  if (o->system_wide || r->target) {
    set_enable(r->rings, r->nr, 0, 1);
    /* After: a mapping made meanwhile is in a ring. */
    synthesize_maps(r, r->target);
  }
  if (r->pid > 0) {
    int rc = release_exec(r, o);
    if (rc < 0)
      return rc;
  }
  if (r->tfd >= 0)
    activate(r, 0, r->tfd);
  else
    r->runs[0] = 1;
  return 0;
}

/* -p without a command: whether the process is still there (its pidfd
 * readable once it has exited, a zombie included) and no ^C came. */
static int target_running(const struct rec *r)
{
  if (stop_asked)
    return 0;
  if (r->target_fd >= 0) {
    struct pollfd p = {r->target_fd, POLLIN, 0};
    return poll(&p, 1, 0) == 0;
  }
  return kill(r->target, 0) == 0 || errno == EPERM;
}

/* An event whose task and the tasks it was inherited by have all exited
 * reports POLLHUP at every poll from then on, which would spin the loop
 * (-p: a thread that ends before the loop does).  Its records go on being
 * drained at each turn. */
static void stop_polling(struct rec *r)
{
  for (int i = 0; i < r->nr + r->ntr; i++)
    if (r->pfd[i].revents & (POLLHUP | POLLERR))
      r->pfd[i].fd = -1;
}

/* Until the command exits (or, -p alone, the process): switch sets when
 * due, drain the rings.  A format's error (r->herr) stops the draining,
 * not the command. */
static int poll_until_exit(struct rec *r)
{
  int active = 0, status = 0, rc = 0;
  int alone = r->pid < 0; /* -p without a command */
  while (alone ? target_running(r) : r->pid > 0) {
    int n = poll(r->pfd, (nfds_t)r->npfd, r->pidfd >= 0 ? 1000 : 100);
    if (n < 0 && errno != EINTR) {
      rc = pmux__fail(-errno, "poll: %s", strerror(errno));
      break;
    }
    if (n > 0)
      stop_polling(r);
    /* The switch first, for its latency; then the rings. */
    if (r->tfd >= 0 && switch_due(r, active, r->tfd)) {
      set_enable(r->rings, r->nr, active, 0);
      active = (active + 1) % r->nsets;
      set_enable(r->rings, r->nr, active, 1);
      activate(r, active, r->tfd);
    }
    for (int i = 0; i < r->ntr; i++)
      trigger_drop(&r->trings[i]);
    for (int i = 0; i < r->nr && !r->herr; i++)
      r->herr = drain(r, &r->rings[i]);
    /* No child (ECHILD): the kernel reaped it itself, SIGCHLD being
     * ignored (a parent's SIG_IGN lasts through exec).  It is gone, its
     * status lost; rotation.c's loop ends on it too. */
    pid_t w = alone ? 0 : waitpid(r->pid, &status, WNOHANG);
    if (w == r->pid || (w < 0 && errno == ECHILD))
      r->pid = -1;
  }
  r->st->status = status;
  return rc;
}

/* A format's error; one that is the file's write error passed on (a full
 * disk) names the file, what the user can act on, not the format. */
static int format_failed(struct rec *r, int err, const char *how)
{
  if (r->werr && err == r->werr)
    return pmux__fail(err, "%s: writing the samples: %s", r->path,
                      strerror(-err));
  return pmux__fail(err, "format '%s'%s: %s", r->fmt->name, how,
                    pmux_strerror(err));
}

/* The command is gone (or the loop failed): the stats, and what the
 * rings still hold. */
static int end_recording(struct rec *r, int rc)
{
  pmux_record_stats_t *st = r->st;
  st->elapsed_ns = pmux__now_ns() - r->t0;
  st->nsets = r->nsets;
  for (int k = 0; k < r->nsets && k < PMUX_RECORD_RUNS_MAX; k++)
    st->runs[k] = r->runs[k];
  for (int i = 0; i < r->nr; i++) {
    pmux__perf_group_ioctl(r->rings[i].fd, PERF_EVENT_IOC_DISABLE);
    if (!r->herr)
      r->herr = drain(r, &r->rings[i]);
  }
  if (r->herr < 0 && rc == 0)
    rc = format_failed(r, r->herr, " failed");
  return rc;
}

/* From the options to the command's end; the first error stops it. */
static int record(struct rec *r, const pmux_record_opts_t *o)
{
  int rc = prepare_sets(r, o);
  if (rc >= 0)
    rc = start_format(r);
  if (rc >= 0)
    rc = fork_command(r, o);
  if (rc >= 0)
    rc = open_events(r, o);
  if (rc >= 0)
    rc = open_output(r, o);
  if (rc >= 0)
    rc = watch_the_rest(r);
  if (rc < 0) {
    r->never_ran = 1; /* not released: its file goes, as an exec's error */
    return rc;
  }
  forward_signals(r);
  rc = release_command(r, o);
  if (rc < 0)
    return rc;
  return end_recording(r, poll_until_exit(r));
}

/* The forwarded signals wait (before: the mask to restore) while the
 * file's tail is written: its maps and build-ids name the samples, and a
 * second ^C that came once the command was gone (nothing to forward to)
 * killed pmux with them unwritten.  They take effect once the file is
 * complete, as perf record finishes its file first. */
static void block_forwarded(sigset_t *before)
{
  sigset_t set;
  sigemptyset(&set);
  for (int i = 0; i < PMUX__RECORD_NSIGS; i++)
    sigaddset(&set, fwd[i]);
  sigprocmask(SIG_BLOCK, &set, before);
}

/* On every path: the signals back as they were, and the command, if still
 * there, killed and reaped. */
static void stop_command(struct rec *r, int rc)
{
  if (r->sig_set)
    for (int i = 0; i < PMUX__RECORD_NSIGS; i++)
      sigaction(fwd[i], &r->old[i], NULL);
  child_pid = 0;
  if (r->pid > 0) {
    kill(r->pid, SIGKILL);
    waitpid(r->pid, &r->st->status, 0);
    if (rc == PMUX_ECHILD) /* never released: not run, as not found */
      r->st->status = pmux__exec_status(0) << 8;
  }
}

/* The format's end (it may still write), then the file's tail. */
static int finish_file(struct rec *r, int rc)
{
  if (r->fst) {
    int xr = r->fmt->exit(r->fst);
    if (xr < 0 && rc == 0)
      rc = format_failed(r, xr, "");
  }
  if (r->out) {
    r->st->data_bytes = r->data_bytes;
    r->st->maps = r->nmaps;
    pmux__sf_write_tail(r, r->data_at);
    if (fclose(r->out) != 0 && !r->werr)
      r->werr = -errno;
    if (r->werr && rc == 0)
      rc = pmux__fail(r->werr, "%s: %s", r->path, strerror(-r->werr));
    if (r->never_ran)
      undo_output(r);
  }
  return rc;
}

/* The rings, the fds and the memory, whatever was acquired. */
static void rec_free(struct rec *r, const pmux_record_opts_t *o)
{
  for (int i = 0; i < r->nr; i++) {
    if (r->rings[i].base)
      munmap(r->rings[i].base, r->rings[i].map_len);
    if (r->rings[i].fd >= 0)
      close(r->rings[i].fd);
  }
  for (int i = 0; i < 2; i++) {
    if (r->go[i] >= 0)
      close(r->go[i]);
    if (r->ex[i] >= 0)
      close(r->ex[i]);
  }
  if (r->pidfd >= 0)
    close(r->pidfd);
  if (r->target_fd >= 0)
    close(r->target_fd);
  free(r->tids);
  if (r->tfd >= 0)
    close(r->tfd);
  for (int i = 0; i < r->nmfd; i++)
    close(r->mfd[i]);
  for (int i = 0; i < r->ntr; i++) {
    if (r->trings[i].base)
      munmap(r->trings[i].base, r->trings[i].map_len);
    close(r->trings[i].fd);
  }
  free(r->trings);
  for (int i = 0; r->trig && i < (o->nsets > 0 ? o->nsets : 1); i++)
    free(r->trig[i].name); /* parse_sets may stop before counting a set */
  free(r->trig);
  free(r->runs);
  free(r->mfd);
  free(r->set_size);
  for (size_t i = 0; i < r->nmaps; i++)
    free(r->maps[i].name);
  free(r->maps);
  free(r->tasks);
  for (int i = 0; i < r->nsev; i++)
    free(r->sevs[i].name);
  free(r->sevs);
  for (int i = 0; i < r->nsets; i++)
    free(r->set_text[i]);
  free(r->set_text);
  free(r->slice_ns);
  free(r->rings);
  free(r->pfd);
  free(r);
}

int pmux_record(const pmux_record_opts_t *o, pmux_record_stats_t *stats)
{
  pmux_record_stats_t dummy;
  pmux_record_stats_t *st = stats ? stats : &dummy;
  memset(st, 0, sizeof(*st));
  pmux__clear_error();
  const pmux_format_t *fmt = NULL;
  const char *fargs = NULL;
  unsigned pages = 0;
  int rc = check_opts(o, &fmt, &fargs, &pages);
  if (rc < 0)
    return rc;
  struct rec *r = rec_new(o, st, fmt, fargs, pages);
  if (!r)
    return -ENOMEM;
  rc = record(r, o);
  sigset_t before;
  block_forwarded(&before);
  stop_command(r, rc);
  rc = finish_file(r, rc);
  sigprocmask(SIG_SETMASK, &before, NULL);
  rec_free(r, o);
  return rc;
}

int pmux_format_list(pmux_format_list_cb cb, void *arg)
{
  int n = pmux__format_count();
  for (int i = 0; i < n; i++) {
    const pmux_format_t *f = pmux__format_get(i);
    int rc = cb(f->name, f->desc, f->args_help ? f->args_help : "", arg);
    if (rc)
      return rc;
  }
  return n;
}
