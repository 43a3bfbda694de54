/*
 * pmu_desc.h - PMU descriptions (loaded from XML, see docs/pmu-description.md),
 * the encoder and counter assignment: declarations shared by core/pmu_*.c,
 * pmu/<family>/ C files and the tests.  Nothing here is public.
 *
 * A description is built by the loader, checked by pmux__pmu_finalize() and
 * then never written again: the registry hands out const pointers.  Runtime
 * facts (which PMU the host has, counters held by the NMI watchdog or by
 * another PMU user) live outside it and reach assignment as a free mask.
 */
#ifndef PMUX_CORE_PMU_DESC_H
#define PMUX_CORE_PMU_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

#define PMUX__PMU_MAX_COUNTERS 64 /* counter sets are uint64_t masks */
/* Modifiers of one PMU: the loader tracks a preset's in a uint64_t, the
 * encoder an encoding's in an array this long. */
#define PMUX__PMU_MAX_MODIFIERS 64

enum pmux__counter_kind { PMUX__CNT_GENERIC = 0, PMUX__CNT_FIXED = 1 };
enum pmux__plm { PMUX__PLM_NONE = 0, PMUX__PLM_USER, PMUX__PLM_KERNEL,
                 PMUX__PLM_HV };

struct pmux__counter {
  char *name;        /* PMC0.., FIXED0.. (POWER: PMC1..PMC6) */
  int kind;          /* PMUX__CNT_* */
  unsigned width;    /* bits */
  uint64_t addr;     /* MSR / SPR / CP0 register number of the counter */
  int line;
};

/* A bit field of the control register (event select, umask, usr, ...). */
struct pmux__field {
  char *name;
  unsigned lsb, width;
  uint64_t dflt;     /* value when nothing sets it (x86: int=1, en=1) */
  int perf;          /* 1: part of perf_event_attr.config */
  int line;
};

/* Bits [code_lsb, code_lsb+width) of an event code go to image bit image_lsb. */
struct pmux__codemap {
  unsigned code_lsb, width, image_lsb;
  int line;
};

struct pmux__modifier {
  char *name;        /* "u", "k", "e", "i", "c", "t", "h", "g", "x", ... */
  char *desc;
  int field;         /* index into fields, -1: no register bit (POWER u/k/h) */
  int plm;           /* PMUX__PLM_*: a privilege-level filter */
  int takes_value;   /* 1: NAME=VALUE with a value up to the field's width */
  int fixed_ok;      /* 0: an event using it cannot go on a fixed counter */
  int line;
};

/* First matching row wins: (code & match) == code_value. */
struct pmux__constraint {
  uint64_t code, match;
  char *counters_spec;
  uint64_t counters;
  int pair;          /* the event also takes the next counter (AMD Large
                        Increment per Cycle events: the kernel's
                        PERF_X86_EVENT_PAIR, the odd one counts Merge) */
  int line;
};

/*
 * A condition on an event code (POWER's per-event and group rules): every
 * term must hold.  A term takes a value from the code ((code >> lsb) & mask:
 * a field, "field&MASK" or "code&MASK") and tests whether it is (or, negated,
 * is not) one of a few values or ranges.
 */
#define PMUX__TERMS_MAX 8
#define PMUX__RANGES_MAX 24
struct pmux__term {
  unsigned lsb;
  uint64_t mask;
  int negate;        /* "!=": none of the ranges */
  int nranges;
  uint64_t lo[PMUX__RANGES_MAX], hi[PMUX__RANGES_MAX];
};
struct pmux__cond {
  int nterms;
  struct pmux__term t[PMUX__TERMS_MAX];
};

/* <refuse when why>: the kernel refuses an event whose code matches. */
struct pmux__refuse {
  struct pmux__cond when;
  char *why;
  int line;
};

/* <share name when key>: events whose code matches `when` share one setting
 * of the PMU: their key bits (a mask over the code) must be equal. */
/* Most share rows a description may have (the assignment's arrays). */
#define PMUX__SHARES_MAX 64

struct pmux__share {
  char *name;
  struct pmux__cond when;
  uint64_t key;
  int line;
};

/* <alternative codes scope>: codes that count the same thing (on other
 * counters); scope task: only for a per-task event. */
#define PMUX__ALT_MAX 4
struct pmux__alt {
  uint64_t codes[PMUX__ALT_MAX];
  int ncodes;
  int task;
  int line;
};

/* One of perf's generic hardware events (cycles, instructions...) and the
 * event this PMU counts for it, as the kernel maps it: an event spec of the
 * description (a name with unit masks, or a raw code). */
struct pmux__generic {
  char *name;
  char *event;
  int line;
};

/*
 * A unit mask.  An event's unit masks fall into groups (libpfm4's grpid):
 * the unit masks given replace the default of their own groups only; every
 * other group adds its default (docs/pmu-description.md, "Encoding").
 */
#define PMUX__UMASK_GROUPS 16
struct pmux__umask {
  char *name;
  char *desc;
  uint64_t code;
  int group;         /* 0..PMUX__UMASK_GROUPS-1; 0 when not given */
  int dflt;          /* the group's default (at most one per group) */
  int exclusive;     /* combines with no other unit mask of its group */
  int optional;      /* its group, having no default, may be left out */
  int line;
};

struct pmux__event {
  char *name;
  char *desc;
  uint64_t code;
  int has_umask;       /* the event counts without a unit mask given */
  uint64_t umask;      /* then this one: the OR of its groups' defaults */
  int ngroups;         /* unit-mask groups: highest group + 1 */
  int grouped;         /* defaults marked per unit mask (else the umask
                          attribute is the default of the one group) */
  char *preset;        /* modifiers always applied ("i,c=1"), or NULL */
  char *alias_of;      /* same register image as that earlier event */
  char *counters_spec; /* NULL: from the constraints */
  uint64_t counters;   /* resolved; 0 when counters_spec is NULL */
  struct pmux__umask *umasks;
  int numasks;
  int line;
};

struct pmux_pmu {
  char *name;          /* canonical name */
  char *desc;
  char *family;        /* core2, intel_arch, amd64, mips, powerpc */
  char *pfm;           /* libpfm4's PMU name (x86 oracle), or NULL */
  char *file;          /* where it was loaded from */
  char *addr_space;    /* "msr", "spr", "cp0" */
  char **aliases;
  int naliases;
  struct pmux__counter counters[PMUX__PMU_MAX_COUNTERS];
  int ncounters;
  struct pmux__field *fields;
  int nfields;
  struct pmux__codemap *codemaps;
  int ncodemaps;
  struct pmux__modifier *mods;
  int nmods;
  struct pmux__constraint *cons;
  int ncons;
  struct pmux__event *events;
  int nevents;
  struct pmux__refuse *refuses;
  int nrefuses;
  struct pmux__share *shares;
  int nshares;
  struct pmux__alt *alts;
  int nalts;
  struct pmux__generic *generics;
  int ngenerics;
  uint64_t reserved;   /* control-register bits that must stay 0 */
  char *watchdog_spec; /* counter the NMI watchdog takes, or NULL */
  int watchdog;        /* its index, -1 when none */
  int line_watchdog;
  int perf_code;       /* 1: perf config is the event code (MIPS, POWER) */
  int plm_group;       /* 1: a set's events must have equal exclude_* flags
                          (POWER7: the kernel's check_excludes) */
  char *pmc_field_name;/* POWER: field of the code naming the PMC */
  int pmc_field;       /* its index or -1 */
  int umask_field;     /* index of the "umask" field or -1 */
  int line_counters;   /* line of the first counter, for messages */
  int line_pmu;
  const struct pmux__family *fam;
};

struct pmux__cpuid;

/* What a family's C file adds to its data (pmu/<family>/<family>.c). */
struct pmux__family {
  const char *name;
  /* 1 when this host's CPU is the description's (CPUID, /proc/cpuinfo). */
  int (*probe)(const struct pmux_pmu *pmu);
  /* Optional: 1, with a sentence in buf, when the host is of this family
   * but of a model none of its descriptions fits (`pmux info` says so). */
  int (*unknown)(const struct pmux__cpuid *id, char *buf, size_t len);
  /* Optional: a variant from "NAME:params" (intel_arch:v=3,gp=4,...);
   * params NULL: sized from the host.  Returns a new finalized pmu. */
  int (*instantiate)(const struct pmux_pmu *tmpl, const char *params,
                     struct pmux_pmu **out);
};

extern const struct pmux__family pmux__family_core2;
extern const struct pmux__family pmux__family_intel_arch;
extern const struct pmux__family pmux__family_amd64;
extern const struct pmux__family pmux__family_mips;
extern const struct pmux__family pmux__family_powerpc;

/* Built-in XML, generated at build time from pmu/<family>/ XML files. */
struct pmux__builtin_xml {
  const char *path;    /* "pmu/core2/core2.xml" */
  const char *text;
  size_t len;
};
extern const struct pmux__builtin_xml pmux__builtin_xml[];
extern const size_t pmux__builtin_xml_count;

/* Fail with PMUX_EDESC and "FILE:LINE: RULE: detail" (file NULL:
 * "<buffer>"): the loader's and the consistency check's failures. */
int pmux__desc_fail(const char *file, int line, const char *rule,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* bad-name: a name (of WHAT: "event", "counter", "modifier", ...) with a
 * character that splits it where it is written ("PMU::EVENT:UMASK:MOD=N",
 * comma-separated lists): PMUX_EDESC naming it, or 0 when it can be
 * written. */
int pmux__pmu_check_name(const char *file, int line, const char *what,
                         const char *name);
/* Parse one description; on failure PMUX_EDESC and a message
 * "FILE:LINE: rule: detail" (pmux_errmsg()). */
int pmux__pmu_load_buffer(const char *text, size_t len, const char *file,
                          struct pmux_pmu **out);
int pmux__pmu_load_file(const char *path, struct pmux_pmu **out);
/* A number of a description or a modifier value: decimal or 0x hex, never
 * octal ("010" is ten), a digit first (no sign or space); 0 or -1. */
int pmux__pmu_parse_u64(const char *s, uint64_t *out);
/* Resolve names to masks and check consistency (called by the loader;
 * again by a family that rewrote counters). */
int pmux__pmu_finalize(struct pmux_pmu *pmu);
void pmux__pmu_free(struct pmux_pmu *pmu);
/* Deep copy, for variants. */
int pmux__pmu_clone(const struct pmux_pmu *src, struct pmux_pmu **out);
/* Replace the counter list (variants); names and strings are copied. */
int pmux__pmu_set_counter(struct pmux_pmu *pmu, int i, const char *name,
                          int kind, unsigned width, uint64_t addr);

/* Mask of every counter / of the generic ones / of the fixed ones. */
uint64_t pmux__pmu_mask(const struct pmux_pmu *pmu, int kind);
int pmux__pmu_counter_index(const struct pmux_pmu *pmu, const char *name);
const struct pmux__event *pmux__pmu_event_find(const struct pmux_pmu *pmu,
                                               const char *name);

/* 1 when the event code satisfies every term of the condition. */
int pmux__cond_match(const struct pmux__cond *c, uint64_t code);
/* The refuse row an event code matches, or NULL. */
const struct pmux__refuse *pmux__pmu_refused(const struct pmux_pmu *pmu,
                                             uint64_t code);
/* Codes the kernel may use instead of code, code itself first (at most max);
 * task: also the rows with scope="task".  Returns how many. */
int pmux__pmu_alternatives(const struct pmux_pmu *pmu, uint64_t code,
                           int task, uint64_t *out, int max);
/* Counters a code may use from the code alone (PMC field, constraint rows,
 * else the generic counters); 0 when its PMC does not exist. */
uint64_t pmux__pmu_code_counters(const struct pmux_pmu *pmu, uint64_t code);
/* 1 when the constraint row a code matches takes counter pairs. */
int pmux__pmu_code_pair(const struct pmux_pmu *pmu, uint64_t code);

/* Matching: counter[i] for each event given its allowed masks; returns the
 * number of events placed (n when all fit).  Fixed counters are preferred. */
int pmux__assign_match(const struct pmux_pmu *pmu, const uint64_t *allowed,
                       int n, uint64_t free_mask, int *counter);
/* The same where pair[i] marks an event that also takes the counter after
 * its own (NULL: none): 1 when all fit, 0 when not, negative on error. */
int pmux__assign_pairs(const struct pmux_pmu *pmu, const uint64_t *allowed,
                       const unsigned char *pair, int n, uint64_t free_mask,
                       int *counter);

/* The description matching the host CPU (hardware PMU exposed or not);
 * PMUX_ENOPMU when none does. */
int pmux__pmu_host_desc(const pmux_pmu_t **out);

/* Host facts used by probes and `pmux info`. */
struct pmux__cpuid {
  char vendor[13];
  unsigned family, model, stepping;
  unsigned perfmon_version, gp, gp_width, fixed, fixed_width; /* leaf 0xA */
  int valid;
};
int pmux__host_cpuid(struct pmux__cpuid *out);
/* 1, with a sentence in buf, when a family knows the host's CPU family but
 * none of its models (AMD family 0x19 beyond Zen 3 and Zen 4). */
int pmux__pmu_family_unknown(const struct pmux__cpuid *id, char *buf,
                             size_t len);
/* The value of "key" in /proc/cpuinfo (first occurrence), or -ENOENT. */
int pmux__cpuinfo_field(const char *key, char *buf, size_t len);

/* perf's generic hardware event that name spells (cycles, or its other
 * spelling cpu-cycles...), in its canonical spelling; NULL if none. */
const char *pmux__perf_generic_name(const char *name);

/* perf's generic event i (0..9) in perf's spelling, and its name in the
 * kernel's sysfs in *sysfs_name; NULL past the last. */
const char *pmux__perf_generic_at(int i, const char **sysfs_name);

/* The description's event for perf's generic event name (any spelling),
 * or NULL. */
const struct pmux__generic *pmux__pmu_generic_find(const struct pmux_pmu *pmu,
                                                   const char *name);

#endif
