/*
 * lease.h - the record a lease file holds (core/lease.c), apart from the
 * file so that the fuzz target can feed it what another process might
 * have written there.
 */
#ifndef PMUX_CORE_LEASE_H
#define PMUX_CORE_LEASE_H

#include "pmux/pmux.h"

/* "pid=PID uid=UID start=EPOCH nmi_old=N cmd=COMMAND" -> *h (cpu 0);
 * 0, or -EINVAL for text that is not such a record. */
int pmux__lease_record_parse(const char *text, pmux_lease_holder_t *h);

#endif
