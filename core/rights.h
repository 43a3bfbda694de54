/*
 * rights.h - the one place that judges permissions (DESIGN: "Layers do not
 * judge permissions").  Session creation may call pmux__rights_explain()
 * on EPERM/EACCES; nothing below core/ sessions may include this.
 */
#ifndef PMUX_CORE_RIGHTS_H
#define PMUX_CORE_RIGHTS_H

#include <stddef.h>

#include "pmux/pmux.h"

/*
 * A one-line explanation for a refused open of a counting event (system_wide
 * or kernel_level as requested), naming the blocker and the fix, e.g.
 * "perf_event_paranoid 2 requires CAP_PERFMON for system-wide counting;
 * fix: add 'perfmon alice' to /etc/security/perfcap.conf".  Returns buf.
 */
const char *pmux__rights_explain(int system_wide, int kernel_level, char *buf,
                                 size_t len);

/*
 * The same for a process pmux may not attach to (another user's: ptrace
 * read access), e.g. "counting another user's process needs ptrace read
 * access: CAP_PERFMON or CAP_SYS_PTRACE; ...; fix: ...".  Returns buf.
 */
const char *pmux__rights_explain_other_process(char *buf, size_t len);

#endif
