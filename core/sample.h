/*
 * sample.h - the sample file (docs/file-format.md), shared by the writer
 * (core/sample_write.c, used by `pmux record`) and the reader
 * (core/sample_file.c, used by `pmux report`).
 */
#ifndef PMUX_CORE_SAMPLE_H
#define PMUX_CORE_SAMPLE_H

#include <stdint.h>
#include <stdio.h>

#define PMUX_SF_MAGIC "PMUXSMP" /* 8 bytes with the NUL */
#define PMUX_SF_VERSION ((1u << 16) | 3)
#define PMUX_SF_ENDIAN 0x01020304u
#define PMUX_SF_UNTERMINATED UINT64_MAX /* section length never patched */
#define PMUX_SF_VDSO_MAX (1u << 20) /* a vdso is a few pages; more is no vdso */

struct pmux_sf_header {
  char magic[8];           /* "PMUXSMP\0" */
  uint32_t version;        /* major << 16 | minor */
  uint32_t header_size;    /* sizeof(struct pmux_sf_header) */
  uint32_t endian;         /* PMUX_SF_ENDIAN as written by the host */
  uint32_t flags;          /* 0 */
  uint64_t reserved[5];
};

struct pmux_sf_section {
  uint32_t type;           /* PMUX_SF_* */
  uint32_t flags;          /* 0 */
  uint64_t length;         /* payload bytes; PMUX_SF_UNTERMINATED */
};

enum pmux_sf_type {
  PMUX_SF_META = 1,    /* "key=value\n" text: command, host, ... */
  PMUX_SF_EVENTS = 2,  /* u32 count; per event struct pmux_sf_event + name */
  PMUX_SF_SETS = 3,    /* u32 count; per set u32 id, u32 len, events text */
  PMUX_SF_FORMAT = 4,  /* uuid[16], u32 len, name, u32 len, args */
  PMUX_SF_DATA = 5,    /* the format's output */
  PMUX_SF_MAPS = 6,    /* struct pmux_sf_map + filename, repeated */
  PMUX_SF_STATS = 7,   /* struct pmux_sf_stats */
  PMUX_SF_SWITCHES = 8, /* u32 count; per set struct pmux_sf_switch + spec
                           (1.1: how the sets switched, how often) */
  PMUX_SF_TASKS = 9,   /* struct pmux_sf_task, repeated (1.2: which process
                          forked which, and execs) */
  PMUX_SF_BUILD_IDS = 10, /* struct pmux_sf_build_id + name + id, repeated
                             (1.3: which build of each mapped file) */
  PMUX_SF_MAP_BUILD_IDS = 12, /* struct pmux_sf_map_build_id + id, repeated
                                 (1.3: the build the kernel mapped) */
  PMUX_SF_VDSO = 11,   /* the recorder's vdso image (1.3: names for the
                          samples in "[vdso]" mappings) */
  PMUX_SF_END = 0xffff,
};

struct pmux_sf_event {
  uint32_t type;           /* perf_event_attr.type */
  uint32_t flags;          /* bit 0: freq (sample is a frequency) */
  uint64_t config;
  uint64_t sample;         /* period or frequency */
  uint32_t set;            /* set id */
  uint32_t name_len;       /* then name_len bytes, no NUL */
};

struct pmux_sf_map {
  uint32_t pid;
  uint32_t name_len;       /* then name_len bytes, no NUL */
  uint64_t start, len, pgoff;
  uint64_t time;           /* when it was mapped (perf clock) */
};

/* The build-id of a file MAPS names (each file once), read when the
 * recording ends; a file without one (or unreadable) is not listed. */
struct pmux_sf_build_id {
  uint32_t name_len;       /* then name_len bytes, no NUL */
  uint32_t id_len;         /* then id_len bytes: the NT_GNU_BUILD_ID */
};

/* The build-id the kernel gave a mapping (PERF_RECORD_MISC_MMAP_BUILD_ID,
 * Linux 5.12 on), for the MAPS entry of index map (counted from 0). */
struct pmux_sf_map_build_id {
  uint32_t map;
  uint32_t id_len;         /* then id_len bytes */
};

/* A process forked from another (PERF_RECORD_FORK, not a thread), or
 * replaced by exec (PERF_RECORD_COMM with COMM_EXEC): a child runs its
 * parent's code, as mapped at the fork, until it execs. */
enum pmux_sf_task_kind { PMUX_SF_TASK_FORK = 1, PMUX_SF_TASK_EXEC = 2 };

struct pmux_sf_task {
  uint32_t kind;           /* PMUX_SF_TASK_* */
  uint32_t pid;
  uint32_t ppid;           /* FORK: the parent; EXEC: 0 */
  uint32_t reserved;       /* 0 */
  uint64_t time;           /* perf clock */
};

struct pmux_sf_stats {
  uint64_t samples, lost, throttled, data_bytes, elapsed_ns;
  int32_t status;          /* the command's wait status */
  uint32_t ncpus;
  uint64_t reserved[4];
};

/* Per set: its switch spec ("2000000ns" or "EVENT/PERIOD/N") and how many
 * times it was made active. */
struct pmux_sf_switch {
  uint32_t set;            /* set id */
  uint32_t spec_len;       /* then spec_len bytes, no NUL */
  uint64_t runs;
};

#endif
