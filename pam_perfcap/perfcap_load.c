/*
 * perfcap_load.c - open and read perfcap.conf, refusing any file that
 * someone other than root could have written or put in place (pam_cap's
 * Debian version accepted a world-writable file; we do not).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "perfcap_conf.h"
#include "perfcap_load.h"

static int refuse(int rc, char *err, size_t errlen, const char *why)
{
  snprintf(err, errlen, "%s", why);
  return rc;
}

/* Why a folder on the way to the file would let someone other than root
 * put another file in its place, or NULL.  In a sticky folder (/tmp) only
 * an entry's owner may rename or remove it. */
static const char *unsafe_folder(const struct stat *st)
{
  if (st->st_uid != 0)
    return "is not owned by root";
  if ((st->st_mode & S_ISVTX) || !(st->st_mode & (S_IWGRP | S_IWOTH)))
    return NULL;
  return st->st_mode & S_IWOTH ? "is writable by everyone"
                               : "is writable by its group";
}

/* A descriptor of the folder that holds PATH's last component, with
 * *name pointing at that component, or a negative errno.  The walk starts
 * at / and opens one component at a time, following no link, and checks
 * each folder as the file itself is checked: a folder a user could write,
 * or a link they could repoint, would let them swap root's rule file for
 * another root-owned one. */
static int open_folder(const char *path, const char **name, char *err,
                       size_t errlen)
{
  const char *p = path;
  int dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (;;) {
    struct stat st;
    int len = p > path ? (int)(p - path) : 1;
    if (dir < 0 || fstat(dir, &st)) {
      int e = errno;
      snprintf(err, errlen, "folder %.*s: %s", len, path, strerror(e));
      if (dir >= 0)
        close(dir);
      return -e;
    }
    const char *why = unsafe_folder(&st);
    if (why) {
      snprintf(err, errlen, "folder %.*s %s", len, path, why);
      close(dir);
      return -EPERM;
    }
    while (*p == '/')
      p++;
    const char *end = strchr(p, '/');
    if (!end) {
      *name = p;
      return dir;
    }
    char comp[NAME_MAX + 1];
    if ((size_t)(end - p) > NAME_MAX) {
      snprintf(err, errlen, "folder name longer than %d bytes", NAME_MAX);
      close(dir);
      return -ENAMETOOLONG;
    }
    memcpy(comp, p, (size_t)(end - p));
    comp[end - p] = 0;
    p = end;
    len = (int)(p - path);
    if (!fstatat(dir, comp, &st, AT_SYMLINK_NOFOLLOW) && !S_ISDIR(st.st_mode)) {
      snprintf(err, errlen, "%.*s %s", len, path,
               S_ISLNK(st.st_mode) ? "is a symbolic link" : "is not a folder");
      close(dir);
      return S_ISLNK(st.st_mode) ? -ELOOP : -ENOTDIR;
    }
    int next = openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
                                     O_CLOEXEC);
    int e = errno;
    close(dir);
    dir = next;
    errno = e;
  }
}

/* 0 when the open file may be trusted with rules, else a negative errno
 * with err saying why (the folders were checked by open_folder). */
static int check_file(int fd, char *err, size_t errlen)
{
  struct stat st;
  if (fstat(fd, &st)) {
    int e = errno;
    snprintf(err, errlen, "cannot stat: %s", strerror(e));
    return -e;
  }
  if (!S_ISREG(st.st_mode))
    return refuse(-EINVAL, err, errlen, "not a regular file");
  if (st.st_uid != 0)
    return refuse(-EPERM, err, errlen, "not owned by root");
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return refuse(-EPERM, err, errlen,
                  st.st_mode & S_IWOTH ? "writable by everyone"
                                       : "writable by its group");
  if (st.st_size > PERFCAP_MAX_FILE) {
    snprintf(err, errlen, "larger than %d bytes", PERFCAP_MAX_FILE);
    return -EFBIG;
  }
  return 0;
}

/* The file's bytes, at most PERFCAP_MAX_FILE: one byte more is read than
 * allowed, since the file may have grown since check_file. */
static int read_bounded(int fd, char **buf, size_t *len, char *err,
                        size_t errlen)
{
  char *data = malloc(PERFCAP_MAX_FILE + 1);
  if (!data)
    return refuse(-ENOMEM, err, errlen, "out of memory");
  size_t got = 0;
  while (got < PERFCAP_MAX_FILE + 1) {
    ssize_t r = read(fd, data + got, PERFCAP_MAX_FILE + 1 - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      int e = errno;
      free(data);
      snprintf(err, errlen, "cannot read: %s", strerror(e));
      return -e;
    }
    if (r == 0)
      break;
    got += (size_t)r;
  }
  if (got > PERFCAP_MAX_FILE) {
    free(data);
    snprintf(err, errlen, "larger than %d bytes", PERFCAP_MAX_FILE);
    return -EFBIG;
  }
  *buf = data;
  *len = got;
  return 0;
}

int perfcap_load(const char *path, char **buf, size_t *len, char *err,
                 size_t errlen)
{
  *buf = NULL;
  *len = 0;
  const char *name = NULL;
  int dir = open_folder(path, &name, err, errlen);
  if (dir < 0)
    return dir;
  /* O_NOFOLLOW: a link could point an admin's rule file at one a user
   * controls; O_NONBLOCK: a FIFO put in its place must not hang login. */
  int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
                                 O_NONBLOCK);
  int open_errno = errno;
  close(dir);
  if (fd < 0) {
    if (open_errno == ELOOP)
      return refuse(-ELOOP, err, errlen, "is a symbolic link");
    snprintf(err, errlen, "cannot open: %s", strerror(open_errno));
    return -open_errno;
  }
  int rc = check_file(fd, err, errlen);
  if (!rc)
    rc = read_bounded(fd, buf, len, err, errlen);
  close(fd);
  return rc;
}
