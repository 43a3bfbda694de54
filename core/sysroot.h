/*
 * sysroot.h - every read of /proc, /sys and /dev that reservation does
 * (and report's boot id and kallsyms, kallsyms.c, and the sysctls the
 * rights rules read, rights.c) goes through one
 * injectable root (PMUX_SYSROOT, default "/"), and the lease folder is
 * PMUX_RUNDIR (default /run/pmux for root, a per-user runtime folder
 * otherwise), so that tests can present a watchdog that is on, an
 * oprofile that is mounted, another session's lease, or a kallsyms that
 * hides its addresses.
 */
#ifndef PMUX_CORE_SYSROOT_H
#define PMUX_CORE_SYSROOT_H

#include <stdio.h>
#include <stddef.h>

/* PMUX_SYSROOT without a trailing '/', or "" for the real root. */
const char *pmux__sysroot(void);
/* 1 when PMUX_SYSROOT names a fake root. */
int pmux__sysroot_fake(void);
/* buf = sysroot + path (path absolute: "/proc/..."); returns buf. */
const char *pmux__sys_path(char *buf, size_t len, const char *path);
/* fopen of sysroot + path. */
FILE *pmux__sys_fopen(const char *path, const char *mode);
/* The first integer of the file; 0 or -errno (-EINVAL: not a number). */
int pmux__sys_read_int(const char *path, int *out);
/* Write "%d\n" to the file; 0 or -errno. */
int pmux__sys_write_int(const char *path, int v);
/* The lease folder; with create, made if missing (mode 0755 for root,
 * 0700 otherwise).  0 or -errno with a message (-ENOENT: missing, without
 * create); -EPERM or -ENOTDIR, taking or reading, when it is not a folder
 * of this user's that no one else may write. */
int pmux__rundir(char *buf, size_t len, int create);

#endif
