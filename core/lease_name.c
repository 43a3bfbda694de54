/*
 * lease_name.c - the name of a lease: a Linux abstract UNIX socket,
 * "pmux-lease:" and the lease file's path, bound and listened on while the
 * lease is held (core/lease.c says why: a lease file can be deleted while
 * held, the name cannot).  The kernel frees the name with its holder's last
 * descriptor.  Who holds a name is asked by connecting to it and reading
 * the listener's SO_PEERCRED; a name counts only when that listener is of
 * this user, since any user may bind any abstract name.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

/*
 * Who listens on the name sa: 1 with *pid and *uid when a process of this
 * user does; 0 when nobody does (no one bound, or a holder between bind()
 * and listen()); -1 when what is bound there is no lease of ours: another
 * user's socket, or a listener whose queue is full (a connection waits
 * there until its holder ends: SOMAXCONN askings of a holder whose file
 * is gone).
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
  if (connect(s, (const struct sockaddr *)sa, len))
    r = errno == ECONNREFUSED ? 0 : -1;
  else if (!getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl) &&
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
