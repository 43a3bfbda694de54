/*
 * internal.h - declarations shared by the files of core/ (pmux__ prefix).
 * Nothing here is part of the public interface.
 */
#ifndef PMUX_CORE_INTERNAL_H
#define PMUX_CORE_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pmux/pmux.h"

#define PMUX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PMUX_ERRMSG_MAX 512

/*
 * Record a detailed message for the calling thread (pmux_errmsg()) and
 * return err, so that a failure is one line:
 *   return pmux__fail(PMUX_EEVENT, "event '%s': unknown", name);
 */
int pmux__fail(int err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int pmux__vfail(int err, const char *fmt, va_list ap);
/* Forget the thread's last message. */
void pmux__clear_error(void);

/* Initialise libpfm4 once per process (thread-safe). */
int pmux__pfm_init(void);

/* Levenshtein distance, case-insensitive; (size_t)-1 for names over 64
 * characters.  Ranks the "did you mean" suggestions for unknown events. */
size_t pmux__edit_distance(const char *a, const char *b);

/*
 * Copy the first n bytes of src into dst (cap bytes), NUL-terminated and
 * truncated to fit.  Returns 1 when all n fitted: callers that must refuse
 * an over-long token check it, those that may truncate ignore it.
 */
/* A command that could not be run, as a shell reports it: 127 when it was
 * not found (or never released), 126 when found but not executable. */
static inline int pmux__exec_status(int exec_errno)
{
  return exec_errno == 0 || exec_errno == ENOENT ? 127 : 126;
}

static inline int pmux__copy_prefix(char *dst, size_t cap, const char *src,
                                    size_t n)
{
  int fits = n < cap;
  if (!fits)
    n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
  return fits;
}

/* Monotonic clock in nanoseconds. */
uint64_t pmux__now_ns(void);

/* Do a and b count the same thing: same encoding, same modifiers
 * (event.c)? */
int pmux__same_encoding(const pmux_event_info_t *a,
                        const pmux_event_info_t *b);

/* 0 when a command forked now could be waited for, else PMUX_ESTATE with
 * the message: with SIGCHLD ignored (SIG_IGN or SA_NOCLDWAIT, which a
 * parent's SIG_IGN leaves through exec) the kernel reaps the command
 * itself, and its end and exit status are lost. */
int pmux__check_children_waitable(void);

/* The threads of process pid (threads.c): their number, *tids malloc'ed
 * (the caller frees it); -ESRCH when there is no such process, with the
 * message, or -errno. */
int pmux__list_threads(pid_t pid, pid_t **tids);

/* The process (thread group) that thread pid belongs to, as
 * /proc/PID/status's Tgid says; pid itself when it cannot be read. */
pid_t pmux__process_of(pid_t pid);

#endif
