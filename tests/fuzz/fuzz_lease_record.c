/*
 * fuzz_lease_record.c - libFuzzer target for the record of a lease file
 * (core/lease.c), which other processes write into the lease folder:
 *   pid=PID uid=UID start=EPOCH nmi_old=N cmd=COMMAND
 * Any text must give a record or -EINVAL; a record has a positive pid and
 * a NUL-terminated command, and reads back the same once written in the
 * form lease.c writes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lease.h"
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = fuzz_text(data, size);
  if (!s)
    return 0;
  pmux_lease_holder_t h, again;
  int rc = pmux__lease_record_parse(s, &h);
  free(s);
  if (rc) {
    if (rc != -EINVAL)
      abort();
    return 0;
  }
  if (h.pid <= 0 || !memchr(h.cmd, '\0', sizeof(h.cmd)) || strchr(h.cmd, '\n'))
    abort();
  char buf[512];
  snprintf(buf, sizeof(buf), "pid=%d uid=%u start=%llu nmi_old=%d cmd=%.300s\n",
           (int)h.pid, (unsigned)h.uid, (unsigned long long)h.start,
           h.nmi_old, h.cmd);
  if (pmux__lease_record_parse(buf, &again) || again.pid != h.pid ||
      again.uid != h.uid || again.start != h.start ||
      again.nmi_old != h.nmi_old || strcmp(again.cmd, h.cmd))
    abort();
  return 0;
}
