/*
 * threads.c - the threads of a running process, as /proc/PID/task lists
 * them: what `pmux stat -p` counts and `pmux record -p` samples, one
 * instance per thread (an inherited event on the process's pid follows
 * only that thread and what it creates from then on).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "internal.h"

int pmux__list_threads(pid_t pid, pid_t **tids)
{
  *tids = NULL;
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
  DIR *d = opendir(path);
  if (!d)
    return pmux__fail(errno == ENOENT ? -ESRCH : -errno,
                      "pid %d: %s", (int)pid,
                      errno == ENOENT ? "no such process"
                                      : strerror(errno));
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    pid_t *grown = realloc(*tids, sizeof(pid_t) * (size_t)(n + 1));
    if (!grown) {
      closedir(d);
      free(*tids);
      *tids = NULL;
      return -ENOMEM;
    }
    *tids = grown;
    (*tids)[n++] = (pid_t)atoi(de->d_name);
  }
  closedir(d);
  return n;
}

pid_t pmux__process_of(pid_t pid)
{
  char path[64], line[128];
  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f)
    return pid;
  pid_t tgid = pid;
  while (fgets(line, sizeof(line), f))
    if (!strncmp(line, "Tgid:", 5)) {
      long v = strtol(line + 5, NULL, 10);
      if (v > 0)
        tgid = (pid_t)v;
      break;
    }
  fclose(f);
  return tgid;
}
