/*
 * command.c - what the counting session (session.c) and the recorder
 * (sample.c) share about the command they fork and wait for.
 */
#include <signal.h>

#include "internal.h"

int pmux__check_children_waitable(void)
{
  struct sigaction sa;
  if (sigaction(SIGCHLD, NULL, &sa))
    return 0; /* cannot be asked: nothing known to be wrong */
  if (sa.sa_handler != SIG_IGN && !(sa.sa_flags & SA_NOCLDWAIT))
    return 0;
  return pmux__fail(PMUX_ESTATE,
                    "SIGCHLD is ignored in this process (%s, maybe set by "
                    "its parent: it lasts through exec), so the kernel "
                    "would reap the command itself and its end and exit "
                    "status could not be known; set SIGCHLD to SIG_DFL "
                    "first",
                    sa.sa_handler == SIG_IGN ? "SIG_IGN" : "SA_NOCLDWAIT");
}
