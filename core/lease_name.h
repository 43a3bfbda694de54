/*
 * lease_name.h - the name of a lease that no rm can take away: a Linux
 * abstract UNIX socket bound while the lease is held (core/lease_name.c;
 * core/lease.c says why a lease needs one).
 */
#ifndef PMUX_CORE_LEASE_NAME_H
#define PMUX_CORE_LEASE_NAME_H

#include <sys/types.h>

/* Bind the name of the lease file dir/file, whose lock the caller holds:
 * 0 with *sock (-1 when the name is no lease of this user's: the file
 * alone holds the lease then), 1 with *pid and *uid when a live process
 * of this user holds it (pid 0: one we cannot see), or < 0. */
int pmux__lease_name_claim(const char *dir, const char *file, int *sock,
                           pid_t *pid, uid_t *uid);
/* Who of this user holds the name of dir/file: 1 with *pid and *uid, or
 * 0.  Each answer waits in the holder's queue until it ends. */
int pmux__lease_name_holder(const char *dir, const char *file, pid_t *pid,
                            uid_t *uid);

#endif
