/*
 * perfcap_load.c - open and read perfcap.conf, refusing any file that
 * someone other than root could have written (pam_cap's Debian version
 * accepted a world-writable file; we do not).
 */
#include <errno.h>
#include <fcntl.h>
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

int perfcap_load(const char *path, char **buf, size_t *len, char *err,
                 size_t errlen)
{
  *buf = NULL;
  *len = 0;
  /* O_NOFOLLOW: a link could point an admin's rule file at one a user
   * controls; O_NONBLOCK: a FIFO put in its place must not hang login. */
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
                          O_NONBLOCK);
  if (fd < 0) {
    int e = errno;
    if (e == ELOOP)
      return refuse(-ELOOP, err, errlen, "is a symbolic link");
    snprintf(err, errlen, "cannot open: %s", strerror(e));
    return -e;
  }
  struct stat st;
  int rc = 0;
  char *data = NULL;
  if (fstat(fd, &st)) {
    rc = -errno;
    snprintf(err, errlen, "cannot stat: %s", strerror(-rc));
    goto out;
  }
  if (!S_ISREG(st.st_mode)) {
    rc = refuse(-EINVAL, err, errlen, "not a regular file");
    goto out;
  }
  if (st.st_uid != 0) {
    rc = refuse(-EPERM, err, errlen, "not owned by root");
    goto out;
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    rc = refuse(-EPERM, err, errlen,
                st.st_mode & S_IWOTH ? "writable by everyone"
                                     : "writable by its group");
    goto out;
  }
  if (st.st_size > PERFCAP_MAX_FILE) {
    snprintf(err, errlen, "larger than %d bytes", PERFCAP_MAX_FILE);
    rc = -EFBIG;
    goto out;
  }
  /* Read one byte more than allowed: the file may have grown since fstat. */
  data = malloc(PERFCAP_MAX_FILE + 1);
  if (!data) {
    rc = refuse(-ENOMEM, err, errlen, "out of memory");
    goto out;
  }
  size_t got = 0;
  while (got < PERFCAP_MAX_FILE + 1) {
    ssize_t r = read(fd, data + got, PERFCAP_MAX_FILE + 1 - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      rc = -errno;
      snprintf(err, errlen, "cannot read: %s", strerror(-rc));
      goto out;
    }
    if (r == 0)
      break;
    got += (size_t)r;
  }
  if (got > PERFCAP_MAX_FILE) {
    snprintf(err, errlen, "larger than %d bytes", PERFCAP_MAX_FILE);
    rc = -EFBIG;
    goto out;
  }
  *buf = data;
  *len = got;
  data = NULL;
out:
  free(data);
  close(fd);
  return rc;
}
