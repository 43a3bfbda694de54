/*
 * sample_file_priv.h - the state of an open sample file, shared by its
 * reader (sample_file.c: the header and the sections) and its symbol
 * resolver (sample_symbols.c: ELF objects, debug files, the vdso copy,
 * kallsyms, JIT maps).  Internal to core/.
 */
#ifndef PMUX_SAMPLE_FILE_PRIV_H
#define PMUX_SAMPLE_FILE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "build_id.h"
#include "format.h"
#include "internal.h"
#include "jit_map.h"
#include "kallsyms.h"
#include "sample.h"

struct fsym {
  uint64_t addr, size;
  char *name;
};

struct phdr_load {
  uint64_t offset, filesz, vaddr;
};

struct dso {
  char *path;
  int loaded, ok;
  int changed;             /* its build-id is not the one BUILD_IDS holds */
  uint8_t id[PMUX__BUILD_ID_MAX]; /* its build-id on disk now */
  size_t id_len;
  struct fsym *syms;
  size_t nsyms;
  struct phdr_load *loads;
  size_t nloads;
};

/* A file's build-id as BUILD_IDS (1.3) recorded it: both point into the
 * file's buffer. */
struct recorded_id {
  const uint8_t *name, *id;
  uint32_t name_len, id_len;
};

struct fmap {
  struct pmux_sf_map m;
  const char *name;        /* owned */
  const uint8_t *id;       /* MAP_BUILD_IDS: the build the kernel mapped */
  uint32_t id_len;         /* 0: none recorded for this mapping */
};

struct pmux_sample_file {
  uint8_t *buf;
  size_t len;
  const pmux_format_t *fmt;
  char format_name[64];
  char event[256];
  char command[1024];
  const uint8_t *data;
  size_t data_len, data_off;
  int have_data;
  struct fmap *maps;
  size_t nmaps;
  int have_maps;           /* a MAPS section, even an empty one */
  struct pmux_sf_task *tasks; /* TASKS (1.2): forks and execs */
  size_t ntasks;
  int have_tasks;
  int ended;               /* the END section was reached */
  struct pmux_sf_stats stats;
  int have_stats;
  pmux_sample_file_set_t *sets; /* SETS, with SWITCHES' specs and runs */
  size_t nsets;
  uint8_t *vdso;           /* VDSO: the recorder's vdso image, or NULL */
  size_t vdso_len;
  struct recorded_id *ids; /* BUILD_IDS */
  size_t nids;
  int have_ids;
  struct dso *dsos;
  size_t ndsos;
  pmux__jit_map_t *jits;   /* /tmp/perf-PID.map of the JIT processes seen */
  size_t njits;
  const char **changed;    /* paths of the dsos whose build-id changed */
  size_t nchanged;
  char boot_id[PMUX__BOOT_ID_MAX]; /* META's boot_id: "" when absent */
  int boot_id_bad;         /* present but cut: too long, or with a NUL */
  int ksyms_tried;         /* kallsyms is loaded on the first kernel IP */
  pmux__kallsyms_t *ksyms; /* NULL: kernel IPs stay "[kernel]", for: */
  char ksyms_why[128];
};

/* Frees what the symbol lookups loaded (objects, JIT maps, kallsyms). */
void pmux__sample_symbols_free(pmux_sample_file_t *f);

#endif
