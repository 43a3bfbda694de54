/*
 * cli.h - helpers shared by the subcommands: exit codes, messages, joining
 * repeated event lists, number parsing and printing.
 */
#ifndef PMUX_CLI_H
#define PMUX_CLI_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Exit codes of the pmux command itself (a measured command's own status
 * is passed through by stat/record). */
enum { PMUX_EXIT_OK = 0, PMUX_EXIT_FAIL = 1, PMUX_EXIT_USAGE = 2 };

/* "pmux stat: <message>" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_warn(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Report a library failure: the detailed message when there is one, else
 * pmux_strerror(err); points at `pmux caps` for EPERM/EACCES/PMUX_ERIGHTS. */
void cli_report(const char *cmd, int err, const char *detail);

/* Append more to the comma-separated *list (NULL: empty; realloc'ed):
 * repeated -e options join one list.  0, or -1 out of memory. */
int cli_append_list(char **list, const char *more);

/* Decimal or 0x hex unsigned, a digit first (no blank, no sign); -1 on
 * bad input or overflow. */
int cli_parse_u64(const char *s, uint64_t *out);

/* -p PID for command cmd into *pid (0: none yet): 0, or -1 after the
 * message (not a process id; a second, different -p). */
int cli_parse_pid(const char *cmd, const char *arg, pid_t *pid);

/* 1234567 -> "1,234,567" (C locale independent). */
const char *cli_thousands(uint64_t v, char *buf, size_t len);

#endif
