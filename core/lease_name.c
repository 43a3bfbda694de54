/*
 * lease_name.c - the name of a lease: a Linux abstract UNIX socket,
 * "pmux-lease:" and the lease file's path, bound and listened on while the
 * lease is held (core/lease.c says why: a lease file can be deleted while
 * held, the name cannot).  The kernel frees the name with its holder's last
 * descriptor.  Who holds a name is asked by connecting to it and reading
 * the listener's SO_PEERCRED; a name counts only when that listener is of
 * this user, since any user may bind any abstract name.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"
#include "lease_name.h"

/* The address of the name of dir/file: the folder made canonical so that
 * every spelling of it (a link on the way, a trailing '/') names one
 * lease; a path too long for sun_path is named by its FNV-1a hash.
 * Returns the address length. */
static socklen_t lease_name(const char *dir, const char *file,
                            struct sockaddr_un *sa)
{
  char real[PATH_MAX], path[PATH_MAX + 64];
  if (!realpath(dir, real))
    snprintf(real, sizeof(real), "%s", dir);
  snprintf(path, sizeof(path), "%s/%s", real, file);
  memset(sa, 0, sizeof(*sa));
  sa->sun_family = AF_UNIX;
  size_t room = sizeof(sa->sun_path) - 1; /* sun_path[0] = 0: abstract */
  int k = snprintf(sa->sun_path + 1, room, "pmux-lease:%s", path);
  if (k < 0 || (size_t)k >= room) {
    uint64_t h = 14695981039346656037ull;
    for (const char *c = path; *c; c++)
      h = (h ^ (unsigned char)*c) * 1099511628211ull;
    k = snprintf(sa->sun_path + 1, room, "pmux-lease:#%016llx",
                 (unsigned long long)h);
  }
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                     (size_t)k);
}

/* The inode of the listening socket bound to the abstract name, as
 * /proc/net/unix lists it ("@NAME" last, flag __SO_ACCEPTCON 0x10000), or
 * 0.  The file is the network namespace's, as the names are. */
static unsigned long listener_inode(const char *name)
{
  FILE *f = fopen("/proc/net/unix", "re");
  if (!f)
    return 0;
  char line[512];
  unsigned long found = 0;
  while (!found && fgets(line, sizeof(line), f)) {
    unsigned long flags, ino;
    int at = 0;
    if (sscanf(line, "%*s %*s %*s %lx %*s %*s %lu %n", &flags, &ino, &at) < 2 ||
        !at || !(flags & 0x10000))
      continue;
    line[strcspn(line, "\n")] = 0;
    if (line[at] == '@' && !strcmp(line + at + 1, name))
      found = ino;
  }
  fclose(f);
  return found;
}

/* A process of this user with socket inode ino open: 1 with *pid, or 0.
 * Only this user's processes count, and their descriptors are the ones
 * this user may read. */
static int inode_owner(unsigned long ino, pid_t *pid)
{
  DIR *d = opendir("/proc");
  if (!d)
    return 0;
  char want[64];
  snprintf(want, sizeof(want), "socket:[%lu]", ino);
  struct dirent *de;
  int found = 0;
  while (!found && (de = readdir(d))) {
    char *end;
    long p = strtol(de->d_name, &end, 10);
    struct stat st;
    char dir[300];
    snprintf(dir, sizeof(dir), "/proc/%s", de->d_name);
    if (*end || p <= 0 || stat(dir, &st) || st.st_uid != geteuid())
      continue;
    snprintf(dir, sizeof(dir), "/proc/%ld/fd", p);
    DIR *fds = opendir(dir);
    struct dirent *fe;
    while (fds && !found && (fe = readdir(fds))) {
      char link[600], target[64];
      snprintf(link, sizeof(link), "%s/%s", dir, fe->d_name);
      ssize_t n = readlink(link, target, sizeof(target) - 1);
      if (n > 0) {
        target[n] = 0;
        found = !strcmp(target, want);
      }
    }
    if (fds)
      closedir(fds);
    if (found)
      *pid = (pid_t)p;
  }
  closedir(d);
  return found;
}

/*
 * A holder never accepts, so every asking stays in its listen queue, and
 * after SOMAXCONN of them connect() says EAGAIN.  Then the holder is
 * found as perf's tools find a socket's process: its inode in
 * /proc/net/unix, that inode among this user's processes' descriptors.
 * 1 with *pid and *uid, or -1 (another user's socket, or none found).
 */
static int ask_proc(const struct sockaddr_un *sa, pid_t *pid, uid_t *uid)
{
  unsigned long ino = listener_inode(sa->sun_path + 1);
  if (!ino || !inode_owner(ino, pid))
    return -1;
  *uid = geteuid();
  return 1;
}

/*
 * Who listens on the name sa: 1 with *pid and *uid when a process of this
 * user does; 0 when nobody does (no one bound, or a holder between bind()
 * and listen()); -1 when what is bound there is no lease of ours: another
 * user's socket.  A full queue (SOMAXCONN askings of a holder whose file
 * is gone: each waits there until its holder ends) is read through /proc.
 */
static int ask_name(const struct sockaddr_un *sa, socklen_t len, pid_t *pid,
                    uid_t *uid)
{
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0)
    return -1;
  struct ucred cr;
  socklen_t cl = sizeof(cr);
  int r = -1;
  if (connect(s, (const struct sockaddr *)sa, len)) {
    int e = errno;
    close(s);
    if (e == EAGAIN)
      return ask_proc(sa, pid, uid); /* its queue is full */
    return e == ECONNREFUSED ? 0 : -1;
  } else if (!getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl) &&
           cr.uid == geteuid())
    r = 1;
  close(s);
  if (r == 1) {
    *pid = cr.pid;
    *uid = cr.uid;
  }
  return r;
}

int pmux__lease_name_holder(const char *dir, const char *file, pid_t *pid,
                            uid_t *uid)
{
  struct sockaddr_un sa;
  socklen_t len = lease_name(dir, file, &sa);
  return ask_name(&sa, len, pid, uid) == 1;
}

int pmux__lease_name_claim(const char *dir, const char *file, int *sock,
                           pid_t *pid, uid_t *uid)
{
  struct sockaddr_un sa;
  socklen_t len = lease_name(dir, file, &sa);
  *sock = -1;
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return pmux__fail(-errno, "cannot make the lease name of %s/%s: %s",
                      dir, file, strerror(errno));
  int err = 0;
  /* a holder between its bind() and listen() is waited out (it takes
   * microseconds); 50 ms of a name nobody listens on: not a lease */
  for (int i = 0; i < 25; i++) {
    if (!bind(s, (const struct sockaddr *)&sa, len)) {
      if (!listen(s, SOMAXCONN)) {
        *sock = s;
        return 0;
      }
      err = -errno;
      break;
    }
    if (errno != EADDRINUSE) {
      err = -errno;
      break;
    }
    int r = ask_name(&sa, len, pid, uid);
    if (r) {
      close(s);
      return r > 0;
    }
    usleep(2000);
  }
  close(s);
  if (err)
    return pmux__fail(err, "cannot bind the lease name of %s/%s: %s", dir,
                      file, strerror(-err));
  return 0;
}
