/*
 * lease.c - per-CPU leases of system-wide sessions, and the lease of the
 * NMI watchdog that --disable-nmi-watchdog takes.
 *
 * The kernel lets any number of system-wide perf sessions share a CPU (it
 * multiplexes them silently), so pmux sessions agree among themselves: a
 * system-wide session flock()s one file per CPU in the lease folder
 * (PMUX_RUNDIR, sysroot.c) and writes its record into it:
 *   pid=PID uid=UID start=EPOCH nmi_old=-1 cmd=COMMAND
 * A holder that dies loses its flock with its last descriptor (the files
 * are O_CLOEXEC so a measured command never inherits them); the record it
 * leaves is then stale and is recognised as such because nobody holds the
 * lock.  The watchdog lease (nmi_watchdog.lock) records the value the
 * session found before it wrote 0; whoever next finds that lease stale
 * (pmux_lease_recover(), or pmux_lease_take()) writes the value back.
 *
 * A flock lives on an inode, not on a path.  A lock taken on a file that
 * is no longer the one at its path (a waiter that opened it before it was
 * deleted or replaced, and got its lock once the holder let go) is the
 * lock of no lease: it is dropped and the path opened again, so that the
 * lease is the file others open and its record is where readers look.
 *
 * That alone lets a second session in once a held lease file is deleted
 * (an admin emptying /run/pmux, a tmpfiles clean-up): it makes a new file
 * there, locks it, and runs beside the holder.  Nothing in the file
 * system can be kept from deletion, so a lease is also a name that cannot
 * be: a Linux abstract UNIX socket named after the lease file's path
 * (lease_name.c), bound once the file is locked and held as long.  The
 * kernel frees it with the holder's last descriptor, as it does the
 * flock, so a dead holder blocks no one; a test's own PMUX_RUNDIR is its
 * own name.  Other ways were weighed: a holder that watched its file
 * could only disturb itself, never refuse the newcomer; /proc/locks names
 * inodes, not leases.  Abstract names have no owner and no mode, so one
 * counts only when the process listening on it is of this user (whose
 * folder this is, sysroot.c): another user who binds it first can neither
 * block nor impersonate a holder, and the lease then rests on the file
 * alone, as before.  Abstract names are per network namespace: sessions
 * in two of them that share the folder are kept apart by the files only.
 * The file still carries the record that messages and pmux info read; a
 * holder whose file is gone is named from its socket (pid, uid) and
 * /proc/PID.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "lease.h"
#include "lease_name.h"
#include "sysroot.h"

#define NMI_PATH "/proc/sys/kernel/nmi_watchdog"

struct pmux_lease {
  int n;
  int *cpu;
  int *fd;
  int *sock;             /* each CPU's lease name, or -1 */
  int nmi_fd;            /* the watchdog lease, or -1 */
  int nmi_sock;          /* its name, or -1 */
  char nmi_path[1024];   /* sysroot's nmi_watchdog, for the signal path */
  char nmi_old[16];      /* "1\n": what to write back */
};

int pmux__lease_record_parse(const char *text, pmux_lease_holder_t *h)
{
  memset(h, 0, sizeof(*h));
  h->nmi_old = -1;
  int pid = 0;
  unsigned uid = 0;
  unsigned long long start = 0;
  int nmi = -1;
  /* nmi_old is -1 (none) or what the kernel takes back, 0 or 1: another
   * value is a damaged record, which no restore could ever write */
  if (sscanf(text, "pid=%d uid=%u start=%llu nmi_old=%d cmd=%159[^\n]", &pid,
             &uid, &start, &nmi, h->cmd) < 4 || pid <= 0 || nmi < -1 ||
      nmi > 1)
    return -EINVAL;
  h->pid = pid;
  h->uid = uid;
  h->start = start;
  h->nmi_old = nmi;
  return 0;
}

static int read_record(int fd, pmux_lease_holder_t *h)
{
  char buf[512];
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) {
    memset(h, 0, sizeof(*h));
    h->nmi_old = -1;
    return -ENOENT;
  }
  buf[n] = 0;
  return pmux__lease_record_parse(buf, h);
}

static int write_record(int fd, int nmi_old, const char *cmd)
{
  char buf[512];
  int n = snprintf(buf, sizeof(buf),
                   "pid=%d uid=%u start=%llu nmi_old=%d cmd=%.300s\n",
                   (int)getpid(), (unsigned)geteuid(),
                   (unsigned long long)time(NULL), nmi_old, cmd ? cmd : "");
  /* overwrite, then cut: the file is never empty while it changes hands */
  if (pwrite(fd, buf, (size_t)n, 0) != n || ftruncate(fd, n))
    return -errno;
  return 0;
}

static const char *since(uint64_t t, char *buf, size_t len)
{
  time_t tt = (time_t)t;
  struct tm tm;
  if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC",
                                             &tm))
    snprintf(buf, len, "unknown time");
  return buf;
}

static int lock_path(const char *dir, const char *name, char *buf, size_t len)
{
  return snprintf(buf, len, "%s/%s", dir, name) >= (int)len ? -ENAMETOOLONG
                                                             : 0;
}

/* When pid started, in seconds since the epoch; 0 when unknown.  Its
 * comm (field 2 of /proc/PID/stat) may hold spaces and ')': the fields
 * are counted from the last ')'. */
static uint64_t process_start(pid_t pid)
{
  char p[64], buf[1024], line[256];
  snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = 0;
  char *f = strrchr(buf, ')');
  unsigned long long ticks;
  /* after ')': fields 3 (state) to 21, then starttime (22) */
  if (!f || sscanf(f + 1, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
                   "%*s %*s %*s %*s %*s %*s %*s %llu", &ticks) != 1)
    return 0;
  unsigned long long btime = 0;
  FILE *st = fopen("/proc/stat", "re");
  if (st) {
    while (fgets(line, sizeof(line), st))
      if (sscanf(line, "btime %llu", &btime) == 1)
        break;
    fclose(st);
  }
  long hz = sysconf(_SC_CLK_TCK);
  if (!btime || hz <= 0)
    return 0;
  return btime + ticks / (unsigned long long)hz;
}

/* Whether the record's holder still runs: its pid exists and started no
 * later than it wrote the record (a process that started after did not
 * write it: the holder died and its pid was reused).  A second of slack
 * for the rounding of the boot time. */
static int holder_alive(const pmux_lease_holder_t *h)
{
  if (kill(h->pid, 0) && errno != EPERM)
    return 0;
  uint64_t t0 = process_start(h->pid);
  return !t0 || !h->start || t0 <= h->start + 1;
}

/* The record of a lock someone else holds: it may still be being written
 * (or be the previous holder's stale one), so wait a little for a live
 * holder.  0 with *h, or -ENOENT. */
static int live_record(int fd, pmux_lease_holder_t *h)
{
  for (int i = 0; i < 100; i++) {
    if (!read_record(fd, h) && holder_alive(h))
      return 0;
    usleep(2000);
  }
  return -ENOENT;
}

/* Leases are readable and lockable by their owner only: anyone who can
 * open one can flock it and block the owner's sessions (older pmux made
 * them 0644, hence the chmod of a file already there). */
static void private_lease(int fd)
{
  (void)fchmod(fd, 0600);
}

/* -EBUSY naming the holder of the lease of cpu (-1: the watchdog's); live
 * 0 (or a holder whose pid we cannot see): unnamed. */
static int held_by(int cpu, int live, const pmux_lease_holder_t *h)
{
  char t[64];
  const char *what = cpu >= 0 ? "CPU" : "the NMI watchdog";
  char num[16] = "";
  if (cpu >= 0)
    snprintf(num, sizeof(num), " %d", cpu);
  if (!live || h->pid <= 0)
    return pmux__fail(-EBUSY, "%s%s is held by another system-wide pmux "
                      "session (its record is not readable)", what, num);
  return pmux__fail(-EBUSY, "%s%s is held by pmux pid %d (uid %u, '%s', "
                    "since %s)", what, num, (int)h->pid, (unsigned)h->uid,
                    h->cmd, since(h->start, t, sizeof(t)));
}

/*
 * flock the lease at path (cpu -1: the watchdog's): 0, or -EBUSY naming the
 * holder.  A lock can also be held for a moment by someone who owns
 * nothing: pmux_lease_holders() (LOCK_SH, to learn whether anyone holds
 * it; every per-thread pmux stat does that) and pmux_lease_recover()
 * (LOCK_EX on the watchdog's).  Such a lock leaves no live record and goes
 * within microseconds: it is waited out (as long as live_record() waits),
 * not reported as a holder; a real holder's record ends the wait at once.
 */
static int lock_lease(int cpu, int fd, const char *path)
{
  pmux_lease_holder_t h;
  int live = 0;
  for (int i = 0; i < 100 && !live; i++) {
    if (!flock(fd, LOCK_EX | LOCK_NB))
      return 0;
    if (errno != EWOULDBLOCK)
      return pmux__fail(-errno, "flock %s: %s", path, strerror(errno));
    live = !read_record(fd, &h) && holder_alive(&h);
    if (!live)
      usleep(2000);
  }
  return held_by(cpu, live, &h);
}

/* Whether fd is still the file at path: a lock on a file deleted or
 * replaced since it was opened is the lock of no lease. */
static int still_at(int fd, const char *path)
{
  struct stat a, b;
  return !fstat(fd, &a) && !lstat(path, &b) && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

/* Open (make) the lease file at path and lock it: 0 with *out, or < 0
 * (-EBUSY naming its holder).  A lock that turns out to be on a file no
 * longer at path is dropped and the path opened again. */
static int lock_file(int cpu, const char *path, int *out)
{
  for (int i = 0; i < 100; i++) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
      return pmux__fail(-errno, "cannot open the lease %s: %s", path,
                        strerror(errno));
    private_lease(fd);
    int err = lock_lease(cpu, fd, path);
    if (!err && still_at(fd, path)) {
      *out = fd;
      return 0;
    }
    close(fd);
    if (err)
      return err;
  }
  return pmux__fail(-EBUSY, "the lease %s keeps being replaced", path);
}

/* The command line of pid as a record names it ("pmux stat -a ..."): its
 * argv[0] cut to the last component, the arguments joined by blanks. */
static void process_cmd(pid_t pid, char *cmd, size_t len)
{
  char p[64], buf[512];
  cmd[0] = 0;
  snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0)
    return;
  buf[n] = 0;
  const char *base = strrchr(buf, '/');
  base = base ? base + 1 : buf;
  for (ssize_t i = 0; i < n - 1; i++)
    if (!buf[i])
      buf[i] = ' ';
  size_t k = strlen(base);
  if (k >= len) /* cut as a record's is */
    k = len - 1;
  memcpy(cmd, base, k);
  cmd[k] = 0;
}

/* A holder known by its name's socket only (its file was deleted): its
 * command line and start from /proc. */
static void holder_from_proc(pmux_lease_holder_t *h, pid_t pid, uid_t uid)
{
  memset(h, 0, sizeof(*h));
  h->nmi_old = -1;
  h->pid = pid;
  h->uid = uid;
  if (pid > 0) {
    h->start = process_start(pid);
    process_cmd(pid, h->cmd, sizeof(h->cmd));
  }
}

/* The live holder of the name of the lease dir/file into *h: 1, or 0. */
static int name_holder(const char *dir, const char *file,
                       pmux_lease_holder_t *h)
{
  pid_t pid;
  uid_t uid;
  if (pmux__lease_name_holder(dir, file, &pid, &uid) != 1)
    return 0;
  holder_from_proc(h, pid, uid);
  return 1;
}

/* Bind the name of the lease dir/file, whose file's lock we hold: 0 with
 * *sock (-1 when the name is no lease of ours: the file alone holds the
 * lease then), or -EBUSY naming the live holder whose file was deleted. */
static int claim_name(int cpu, const char *dir, const char *file, int *sock)
{
  pid_t pid;
  uid_t uid;
  int r = pmux__lease_name_claim(dir, file, sock, &pid, &uid);
  if (r != 1)
    return r;
  pmux_lease_holder_t h;
  holder_from_proc(&h, pid, uid);
  return held_by(cpu, 1, &h);
}

/* Close *fd if open. */
static void close_fd(int *fd)
{
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

void pmux_lease_release_signal(pmux_lease_t *l)
{
  if (!l)
    return;
  if (l->nmi_fd >= 0) {
    ssize_t len = (ssize_t)strlen(l->nmi_old), w = -1;
    int fd = open(l->nmi_path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      w = write(fd, l->nmi_old, (size_t)len);
      close(fd);
    }
    /* The record goes only once the old value is back: else the next run
     * finds it stale and restores it (a record left by a failed cut is
     * restored again: harmless).  The name goes only then too: a
     * session whose lock is on a new file (ours deleted) must not find
     * the watchdog still off. */
    close_fd(&l->nmi_sock);
    if (w == len && ftruncate(l->nmi_fd, 0)) {
    }
    close_fd(&l->nmi_fd);
  }
  close_fd(&l->nmi_sock); /* a take_nmi() that failed */
  /* a lease's name goes before its file's lock: a session that then gets
   * the lock never finds the name still ours */
  for (int i = 0; i < l->n; i++) {
    close_fd(&l->sock[i]);
    if (l->fd[i] >= 0 && ftruncate(l->fd[i], 0)) {
      /* a stale record is recognised as stale: harmless */
    }
    close_fd(&l->fd[i]);
  }
}

void pmux_lease_release(pmux_lease_t *l)
{
  if (!l)
    return;
  pmux_lease_release_signal(l);
  free(l->cpu);
  free(l->fd);
  free(l->sock);
  free(l);
}

/* Restore the watchdog from the stale record of a lease we now hold. */
static int restore_stale(int fd, char *msg, size_t len)
{
  pmux_lease_holder_t h;
  if (read_record(fd, &h) || h.nmi_old < 0)
    return 0;
  int err = pmux__sys_write_int(NMI_PATH, h.nmi_old);
  if (err)
    return pmux__fail(err, "cannot restore kernel.nmi_watchdog to %d: %s",
                      h.nmi_old, strerror(-err));
  if (ftruncate(fd, 0))
    return -errno;
  if (msg)
    snprintf(msg, len, "restored kernel.nmi_watchdog to %d (pmux pid %d, "
             "which had disabled it, ended without restoring it)",
             h.nmi_old, (int)h.pid);
  return 1;
}

int pmux_lease_recover(char *msg, size_t len)
{
  char dir[512], path[1024];
  if (msg && len)
    msg[0] = 0;
  int err = pmux__rundir(dir, sizeof(dir), 0);
  if (err)
    return err == -ENOENT ? 0 : err;
  if (lock_path(dir, "nmi_watchdog.lock", path, sizeof(path)))
    return -ENAMETOOLONG;
  int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno == ENOENT ? 0 : -errno;
  int r = 0;
  pmux_lease_holder_t h;
  /* a lock or a name held: a live holder (whose file may have been
   * deleted and this one put back); its business */
  if (!flock(fd, LOCK_EX | LOCK_NB) &&
      !name_holder(dir, "nmi_watchdog.lock", &h))
    r = restore_stale(fd, msg, len);
  close(fd);
  return r;
}

/* A failed take lets go of the name before the file, as a release does:
 * a session that then gets the file's lock never finds the name held. */
static void drop_nmi_claim(pmux_lease_t *l, int fd)
{
  close_fd(&l->nmi_sock);
  close(fd);
}

static int take_nmi(pmux_lease_t *l, const char *dir, const char *cmd)
{
  char path[1024];
  if (geteuid() != 0 && !pmux__sysroot_fake())
    return pmux__fail(PMUX_ERIGHTS, "--disable-nmi-watchdog: only root may "
                      "change kernel.nmi_watchdog");
  if (lock_path(dir, "nmi_watchdog.lock", path, sizeof(path)))
    return -ENAMETOOLONG;
  int fd, old, err = lock_file(-1, path, &fd);
  if (err)
    return err;
  /* the name before the stale record: a holder whose file was deleted
   * has the watchdog off, and nothing is restored from under it (the
   * caller's release closes the name on failure) */
  err = claim_name(-1, dir, "nmi_watchdog.lock", &l->nmi_sock);
  if (!err)
    err = restore_stale(fd, NULL, 0);
  if (err >= 0)
    err = pmux__sys_read_int(NMI_PATH, &old);
  if (err < 0) {
    if (err == -ENOENT)
      pmux__fail(err, "--disable-nmi-watchdog: %s%s does not exist (no "
                 "hard-lockup detector)", pmux__sysroot(), NMI_PATH);
    drop_nmi_claim(l, fd);
    return err;
  }
  /* the old value is on disk before the watchdog changes: a kill -9 at
   * any point leaves enough for the next run to restore it */
  err = write_record(fd, old, cmd);
  if (!err)
    err = pmux__sys_write_int(NMI_PATH, 0);
  if (err) {
    err = pmux__fail(err, "cannot disable the NMI watchdog (%s%s): %s",
                     pmux__sysroot(), NMI_PATH, strerror(-err));
    if (ftruncate(fd, 0)) {
    }
    drop_nmi_claim(l, fd);
    return err;
  }
  l->nmi_fd = fd;
  pmux__sys_path(l->nmi_path, sizeof(l->nmi_path), NMI_PATH);
  snprintf(l->nmi_old, sizeof(l->nmi_old), "%d\n", old);
  return 0;
}

/* An empty lease for up to n CPUs, every descriptor -1; NULL without
 * memory. */
static pmux_lease_t *lease_new(int n)
{
  pmux_lease_t *l = calloc(1, sizeof(*l));
  if (l) {
    /* before a release on failure: 0 is stdin */
    l->nmi_fd = l->nmi_sock = -1;
    l->cpu = calloc((size_t)n, sizeof(int));
    l->fd = calloc((size_t)n, sizeof(int));
    l->sock = calloc((size_t)n, sizeof(int));
  }
  if (!l || !l->cpu || !l->fd || !l->sock) {
    pmux_lease_release(l);
    return NULL;
  }
  for (int i = 0; i < n; i++)
    l->fd[i] = l->sock[i] = -1;
  return l;
}

static int lease_has(const pmux_lease_t *l, int cpu)
{
  int dup = 0;
  for (int j = 0; j < l->n; j++)
    dup |= l->cpu[j] == cpu;
  return dup;
}

/* Lease cpu into l (nothing when l holds it already) and write our record
 * into it.  On failure the caller releases l, this CPU's lock included
 * once l holds it. */
static int take_cpu(pmux_lease_t *l, const char *dir, int cpu,
                    const char *cmd)
{
  char name[32], path[1024];
  snprintf(name, sizeof(name), "cpu%d.lock", cpu);
  long conf = sysconf(_SC_NPROCESSORS_CONF);
  if (cpu < 0 || (conf > 0 && cpu >= conf) ||
      lock_path(dir, name, path, sizeof(path)))
    return pmux__fail(PMUX_ECONFIG, "CPU %d does not exist (this host has "
                      "%ld)", cpu, conf);
  if (lease_has(l, cpu))
    return 0;
  int fd, err = lock_file(cpu, path, &fd);
  if (err)
    return err;
  l->cpu[l->n] = cpu;
  l->fd[l->n] = fd;
  /* the file's lock first, then the name: two sessions that race for
   * one file never split the lock and the name between them */
  err = claim_name(cpu, dir, name, &l->sock[l->n++]);
  if (err)
    return err;
  /* a record left here is stale: its holder died without releasing */
  err = write_record(fd, -1, cmd);
  if (err)
    return pmux__fail(err, "cannot write the lease %s: %s", path,
                      strerror(-err));
  return 0;
}

int pmux_lease_take(const int *cpus, int ncpus, unsigned flags,
                    const char *cmd, pmux_lease_t **out)
{
  if (!out || ncpus < 0 || (ncpus > 0 && !cpus))
    return pmux__fail(-EINVAL, "pmux_lease_take: bad arguments");
  *out = NULL;
  char dir[512];
  int err = pmux__rundir(dir, sizeof(dir), 1);
  if (err)
    return err;
  int n = ncpus;
  if (!n) {
    long conf = sysconf(_SC_NPROCESSORS_CONF);
    n = conf > 0 ? (int)conf : 1;
  }
  pmux_lease_t *l = lease_new(n);
  if (!l)
    return -ENOMEM;
  for (int i = 0; i < n && !err; i++)
    err = take_cpu(l, dir, ncpus ? cpus[i] : i, cmd);
  if (!err && (flags & PMUX_LEASE_NMI_OFF))
    err = take_nmi(l, dir, cmd);
  if (err) {
    pmux_lease_release(l);
    return err;
  }
  *out = l;
  return 0;
}

/* The lease dir/name opened to read: an fd, or -1 when there is none.  A
 * link or anything but a plain file is no lease: the folder is ours
 * (pmux__rundir()), but a reader must not flock another file, nor hang in
 * open() on a FIFO. */
static int open_to_read(const char *dir, const char *name)
{
  char path[1024];
  if (lock_path(dir, name, path, sizeof(path)))
    return -1;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
    close(fd);
    return -1;
  }
  return fd;
}

/* The live holder of the lease dir/name into *h: 1, or 0 (none: no file,
 * unlocked, or no live record, and nobody of ours on its name).  The name
 * is asked only when the file names no one: a holder whose file was
 * deleted (each answer waits in its queue until it ends; a full queue
 * is read through /proc, lease_name.c). */
static int probe_lease(const char *dir, const char *name,
                       pmux_lease_holder_t *h)
{
  int fd = open_to_read(dir, name), held = 0;
  if (fd >= 0) {
    held = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK &&
           !live_record(fd, h);
    close(fd);
  }
  return held || name_holder(dir, name, h);
}

int pmux_lease_holders(const int *cpus, int ncpus, pmux_lease_holder_t *out,
                       int max)
{
  char dir[512];
  /* no folder (rm -rf /run/pmux): no files, but a holder's names remain */
  int err = pmux__rundir(dir, sizeof(dir), 0);
  if (err && err != -ENOENT)
    return err;
  int n = ncpus;
  if (!n) {
    long conf = sysconf(_SC_NPROCESSORS_CONF);
    n = conf > 0 ? (int)conf : 1;
  }
  int found = 0;
  for (int i = 0; i < n && found < max; i++) {
    int cpu = ncpus ? cpus[i] : i;
    char name[32];
    snprintf(name, sizeof(name), "cpu%d.lock", cpu);
    if (probe_lease(dir, name, &out[found]))
      out[found++].cpu = cpu;
  }
  return found;
}

/* The start of both readers of the watchdog's lease: *out emptied, dir
 * the lease folder.  1, or < 0.  A folder removed while its holder runs
 * (rm -rf /run/pmux) still has the holder's name: 1 there too. */
static int nmi_reader(const char *fn, pmux_lease_holder_t *out, char *dir,
                      size_t len)
{
  if (!out)
    return pmux__fail(-EINVAL, "%s: NULL argument", fn);
  memset(out, 0, sizeof(*out));
  out->cpu = -1;
  out->nmi_old = -1;
  int err = pmux__rundir(dir, len, 0);
  return err && err != -ENOENT ? err : 1;
}

int pmux_lease_nmi_holder(pmux_lease_holder_t *out)
{
  char dir[512];
  int r = nmi_reader(__func__, out, dir, sizeof(dir));
  if (r <= 0)
    return r;
  int held = probe_lease(dir, "nmi_watchdog.lock", out);
  out->cpu = -1;
  return held;
}

/* A record the watchdog's lease file holds while nobody holds the lock,
 * with a value to restore: its holder died without restoring it. */
int pmux_lease_nmi_stale(pmux_lease_holder_t *out)
{
  char dir[512];
  int r = nmi_reader(__func__, out, dir, sizeof(dir));
  if (r <= 0)
    return r;
  int fd = open_to_read(dir, "nmi_watchdog.lock");
  if (fd < 0)
    return 0;
  pmux_lease_holder_t h;
  /* unlocked, but its name held: a live holder whose file was deleted,
   * this one put back in its place; no record of its */
  int rc = flock(fd, LOCK_SH | LOCK_NB) ||
                   name_holder(dir, "nmi_watchdog.lock", &h)
               ? -EWOULDBLOCK
               : read_record(fd, out);
  close(fd);
  int stale = !rc && out->nmi_old >= 0;
  if (!stale) {
    memset(out, 0, sizeof(*out));
    out->nmi_old = -1;
  }
  out->cpu = -1;
  /* Said, not taken for "none": nothing will ever restore from it, and
   * the watchdog may have been left off. */
  if (rc == -EINVAL)
    return pmux__fail(PMUX_EFILE, "%s/nmi_watchdog.lock: a damaged record, "
                      "from which no watchdog value can be restored: check "
                      "kernel.nmi_watchdog, then delete the file", dir);
  return stale;
}

int pmux_cpulist_parse(const char *list, int *cpus, int max)
{
  int n = 0;
  const char *p = list;
  if (!p || !*p)
    return pmux__fail(PMUX_ESYNTAX, "empty CPU list");
  while (*p) {
    char *end = NULL;
    errno = 0;
    /* A digit first: strtol skips blanks and takes a sign, so " -0" and
     * "+1" were CPUs. */
    long a = isdigit((unsigned char)*p) ? strtol(p, &end, 10) : -1, b;
    if (a < 0 || a > 1 << 20 || errno)
      return pmux__fail(PMUX_ESYNTAX, "CPU list '%s': bad number at '%s'",
                        list, p);
    b = a;
    p = end;
    if (*p == '-') {
      b = isdigit((unsigned char)*++p) ? strtol(p, &end, 10) : -1;
      if (b < a || b > 1 << 20)
        return pmux__fail(PMUX_ESYNTAX, "CPU list '%s': bad range", list);
      p = end;
    }
    for (long c = a; c <= b; c++) {
      if (n >= max)
        return pmux__fail(PMUX_ESYNTAX, "CPU list '%s': more than %d CPUs",
                          list, max);
      cpus[n++] = (int)c;
    }
    if (*p == ',' && p[1]) /* "0," lacks its last CPU */
      p++;
    else if (*p)
      return pmux__fail(PMUX_ESYNTAX, "CPU list '%s': unexpected '%c'", list,
                        *p);
  }
  return n;
}
