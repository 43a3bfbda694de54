/*
 * sample_write.h - what `pmux record`'s engine (core/sample.c) shares with
 * its sample-file writer (core/sample_write.c): the recording's state,
 * which the writer reads at the start and at the end, and the writer's
 * two calls.  The file's layout is core/sample.h's.
 */
#ifndef PMUX_CORE_SAMPLE_WRITE_H
#define PMUX_CORE_SAMPLE_WRITE_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "format.h"
#include "internal.h"
#include "sample.h"

#define DEFAULT_FREQ 1000 /* samples per second when neither -c nor -F */
#define PMUX__RECORD_CPUS_MAX 1024
#define PMUX__RECORD_NSIGS 5 /* signals forwarded to the command */

/* One sampling event (of one set), opened on every CPU. */
struct sev {
  char *name;
  int set;
  int idx;                 /* index within its set: the "overflowed event" */
  pmux_event_info_t info;
};

/* switch=EVENT/PERIOD/N of one set (name NULL: the set switches on time). */
struct trigger {
  char *name;
  pmux_event_info_t info;
  uint64_t period, count;
};

struct map_rec {
  struct pmux_sf_map m;
  char *name;
  uint8_t id[20];          /* the build-id the kernel gave it, or none */
  uint8_t id_len;
};

struct rec {
  FILE *out;
  const char *path;
  int kept_old;            /* an earlier recording at path is now path.old */
  int made_file;           /* path is a regular file this run wrote */
  int never_ran;           /* the command could not be started */
  const pmux_format_t *fmt;
  void *fst;
  int fmt_stopped;         /* its handler said PMUX_FMT_STOPPED */
  int werr;                /* first write error (-errno) */
  uint64_t data_bytes;
  pmux_record_stats_t *st;
  struct map_rec *maps;
  size_t nmaps, capmaps;
  struct pmux_sf_task *tasks; /* forks and execs, for report's find_map */
  size_t ntasks, captasks;
  struct sev *sevs;
  int nsev, nsets;
  char **set_text;         /* [nsets] events of each set */
  uint64_t *slice_ns;      /* [nsets] time slice of each set */
  struct trigger *trig;    /* [nsets] overflow trigger of each set */
  uint64_t *runs;          /* [nsets] times each set was made active */
  struct trig_ring *trings;
  int ntr;
  uint64_t trig_base;      /* active set's trigger overflows at activation */
  int *set_size;           /* [nsets] events in each set */
  int nvalues;             /* sampled values per sample (largest group) */
  int *mfd;                /* group members' fds (no ring) */
  int nmfd;
  /* The engine's own, from its start to its end; the writer reads none. */
  const char *fargs;       /* the format's arguments */
  unsigned pages;          /* data pages of each ring */
  long ps;                 /* page size */
  uint32_t watermark;      /* ring bytes that wake the loop */
  int cpus[PMUX__RECORD_CPUS_MAX];
  int ncpus;
  struct ring *rings;      /* [ncpus * nsev * ntids] at most: one per set
                              leader */
  int nr;
  struct pollfd *pfd;      /* rings, triggers, pidfd, timer */
  int npfd;
  int go[2], ex[2];        /* release the command; its exec's errno */
  pid_t pid;               /* the command, until reaped (-1) */
  pid_t target;            /* -p: the process sampled (0: none) */
  pid_t *tids;             /* [ntids] the tasks the events follow: the
                              command, -1 (system-wide), or the target's
                              threads (each inherited by what it creates) */
  int ntids;
  int target_fd;           /* -p: a pidfd that says when it is gone (-1) */
  int pidfd, tfd;          /* the command's exit; the time slice (-1) */
  long data_at;            /* DATA's section header in the file (-1) */
  struct sigaction old[PMUX__RECORD_NSIGS]; /* dispositions to restore */
  int sig_set;             /* old holds them */
  uint64_t t0;             /* when the command was released */
  int herr;                /* the format's first error while draining */
  char tmp[65536 + 8];     /* a record that wraps around the ring end */
};

/* The header, META, EVENTS, SETS and FORMAT, then DATA's section header,
 * its length left unterminated; where that section header is (-1: not
 * known, as in a file that cannot seek). */
long pmux__sf_write_head(struct rec *r, const pmux_record_opts_t *o,
                         const char *fargs);

/* DATA's length patched at data_at, then the sections only the end knows
 * (MAPS to TASKS) and END. */
void pmux__sf_write_tail(struct rec *r, long data_at);

#endif
