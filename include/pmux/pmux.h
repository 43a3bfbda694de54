/*
 * pmux.h - the one public header of libpmux.
 *
 * pmux measures a command, a running process or a list of CPUs with explicit
 * sets of events on top of perf_event_open(2), rotates the sets itself (on a
 * time slice or after N overflows of a trigger event) and reports, for every
 * event, the raw count, the time it was measured, a scaled estimate and an
 * error bound.  See docs/ and the pmux(1) man page for the concepts.
 *
 * Conventions: every call that can fail returns 0 (or a count / index) on
 * success and a negative code on failure: -errno for OS failures, PMUX_E*
 * (a reserved range) for pmux's own.  pmux_strerror() names a code; the
 * detailed message naming the offending input is pmux_session_errmsg() for
 * session calls and pmux_errmsg() for the others.  Handles are opaque.
 */
#ifndef PMUX_PMUX_H
#define PMUX_PMUX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PMUX_BUILDING_LIBRARY)
#define PMUX_EXTERN __attribute__((visibility("default")))
#else
#define PMUX_EXTERN
#endif

#define PMUX_VERSION_MAJOR 0
#define PMUX_VERSION_MINOR 1

/* ------------------------------------------------------------------ errors */

/*
 * pmux's own error codes, in a range no errno reaches.  One list produces the
 * enum, the names and the messages (pmux_strerror, pmux_err_name).
 */
#define PMUX_ERRNO_BASE 4000
#define PMUX_ERROR_MAP(X)                                                   \
  X(EEVENT,      1, "unknown event")                                         \
  X(EMODIFIER,   2, "event modifier not supported")                          \
  X(ESYNTAX,     3, "syntax error")                                          \
  X(ECONSTRAINT, 4, "events do not fit the available counters")              \
  X(ENOTSUP,     5, "not supported by this host")                            \
  X(ERIGHTS,     6, "insufficient rights")                                   \
  X(ENOPMU,      7, "no such PMU")                                           \
  X(EDESC,       8, "invalid PMU description")                               \
  X(ECONFIG,     9, "invalid configuration")                                 \
  X(EFILE,      10, "corrupt or truncated file")                             \
  X(EFORMAT,    11, "unknown or unusable sampling format")                   \
  X(EHELD,      12, "resource held by another PMU user")                     \
  X(ESTATE,     13, "call not valid in the session's current state")         \
  X(ECHILD,     14, "the command could not be started")

enum pmux_error {
#define PMUX_X_(name, n, msg) PMUX_##name = -(PMUX_ERRNO_BASE + (n)),
  PMUX_ERROR_MAP(PMUX_X_)
#undef PMUX_X_
};

/* Message for any code: pmux's own or -errno. Never NULL. */
PMUX_EXTERN const char *pmux_strerror(int err);
/* Symbolic name ("PMUX_EEVENT", "ENOENT"). Never NULL. */
PMUX_EXTERN const char *pmux_err_name(int err);
/* Detailed message of the last failed non-session call in this thread. */
PMUX_EXTERN const char *pmux_errmsg(void);

/* ------------------------------------------------------------------ events */

/* What an event name resolves to on this host, before anything is opened. */
typedef struct pmux_event_info {
  char name[256];       /* the name as given */
  char canonical[512];  /* libpfm4's fully qualified form, or ours */
  char pmu[64];         /* "perf", "perf_raw", "amd64_fam19h_zen4", "software"... */
  uint32_t type;        /* perf_event_attr.type */
  uint64_t config;      /* perf_event_attr.config (the register image for raw) */
  uint64_t config1;
  uint64_t config2;
  unsigned exclude_user : 1;
  unsigned exclude_kernel : 1;
  unsigned exclude_hv : 1;
  unsigned is_software : 1; /* PERF_TYPE_SOFTWARE: never needs a counter */
} pmux_event_info_t;

/*
 * Resolve one event name: libpfm4 names with modifiers (INST_RETIRED:ANY_P:u),
 * perf generic and software names (cycles, task-clock, page-faults, and
 * alignment-faults and emulation-faults, which libpfm4 lacks), raw codes
 * (r1c2, pmu::code: the kernel PMU's sysfs type; cpu::code is r-code's raw
 * type where the kernel has no 'cpu' PMU, another unknown PMU is refused).
 * perf's joined modifier letters (cycles:uk) are read as perf reads them.
 * PMUX_EEVENT / PMUX_EMODIFIER with a message naming the input and
 * suggesting close matches (pmux_errmsg()); PMUX_EMODIFIER too for a
 * libpfm4 modifier this struct cannot carry (precise, excl, pinned,
 * period, freq, mg, cpu), which would otherwise be lost.
 */
PMUX_EXTERN int pmux_event_resolve(const char *name, pmux_event_info_t *out);

/* Called once per listed event; return non-zero to stop. */
typedef int (*pmux_event_list_cb)(const char *pmu, const char *pmu_desc,
                                  const char *event, const char *desc,
                                  void *arg);
/* Every event usable on this host, grouped by PMU (software events first). */
PMUX_EXTERN int pmux_event_list(pmux_event_list_cb cb, void *arg);

/* ---------------------------------------------------------------- sessions */

typedef struct pmux_session pmux_session_t;

typedef enum pmux_target_kind {
  PMUX_TARGET_COMMAND = 1, /* a command pmux starts; counted with its children */
  PMUX_TARGET_PID = 2,     /* an existing process */
  PMUX_TARGET_CPUS = 3,    /* system-wide on a list of CPUs */
} pmux_target_kind_t;

#define PMUX_PID_THREADS  0x1u /* every thread of the process, not just pid */
#define PMUX_PID_CHILDREN 0x2u /* and children created after attaching */

typedef struct pmux_target {
  pmux_target_kind_t kind;
  char *const *argv;   /* COMMAND: NULL-terminated; argv[0] searched in PATH */
  pid_t pid;           /* PID */
  unsigned pid_flags;  /* PID: PMUX_PID_* */
  const int *cpus;     /* CPUS: the CPUs; NULL with ncpus 0 = all online */
  int ncpus;
  /* CPUS and PID may also name a command (argv): the CPUs or the process
   * are counted while it runs (it is not counted itself), and signals go
   * to it, as for a COMMAND.  The session ends when the command does,
   * whether or not PID is still running (perf stat -p PID -- sleep 5). */
} pmux_target_t;

/* The default time slice: 2 ms (docs/multiplexing.md has the measurements
 * of overhead and accuracy at 1-20 ms that chose it). */
#define PMUX_DEFAULT_SWITCH_NS 2000000ull

typedef enum pmux_mux {
  PMUX_MUX_USER = 0,   /* pmux rotates the sets: one active at a time */
  PMUX_MUX_KERNEL = 1, /* every set enabled at once; the kernel rotates */
  PMUX_MUX_NONE = 2,   /* refuse to start unless every set counts at once */
} pmux_mux_t;

/* How a set hands over to the next one. */
typedef struct pmux_set_opts {
  uint64_t switch_ns;       /* time slice; 0: the session's default */
  const char *trigger;      /* overflow switching: trigger event, or NULL */
  uint64_t trigger_period;  /* sample period of the trigger */
  uint64_t trigger_count;   /* switch after this many overflows */
} pmux_set_opts_t;

/*
 * The order of calls: create; add_set / add_set_spec / pin /
 * add_events_split and the set_* options; start; run (once); then the
 * results (nevents, count, set_info...); destroy.  A session is used by
 * one thread at a time (the interval callback runs in run's thread);
 * pmux_session_stop alone may be called from another thread or a signal
 * handler.  Sets, pinned events or options after the start, a second
 * start, a run before the start or a second run: PMUX_ESTATE.  Results
 * read before the run are zeros.
 *
 * create: *out is NULL on failure, and the message is pmux_errmsg() (there
 * is no session to hold it).  The target is copied (argv and cpus too).
 */
PMUX_EXTERN int pmux_session_create(pmux_session_t **out,
                                    const pmux_target_t *target);
/* Closes everything; a COMMAND started but never run is killed and
 * reaped.  NULL ok.  Every string the session gave is then freed. */
PMUX_EXTERN void pmux_session_destroy(pmux_session_t *s);
/* The detailed message of the session's last error ("" when none). */
PMUX_EXTERN const char *pmux_session_errmsg(const pmux_session_t *s);

/*
 * Add a set of comma-separated events; returns the set id (0, 1, ... in the
 * order added).  opts may be NULL (time switching at the default slice).
 */
PMUX_EXTERN int pmux_session_add_set(pmux_session_t *s, const char *events,
                                     const pmux_set_opts_t *opts);
/* Same, from the command-line form "EVENTS[;switch=2ms|;switch=EV/PERIOD/N]". */
PMUX_EXTERN int pmux_session_add_set_spec(pmux_session_t *s, const char *spec);
/* Events counted all the time, in every slice. */
PMUX_EXTERN int pmux_session_pin(pmux_session_t *s, const char *events);
/* Before pmux_session_start (PMUX_ESTATE after). */
PMUX_EXTERN int pmux_session_set_mux(pmux_session_t *s, pmux_mux_t mux);
/* Default time slice of sets that do not set their own.  Before
 * pmux_session_start (PMUX_ESTATE after). */
PMUX_EXTERN int pmux_session_set_switch(pmux_session_t *s, uint64_t ns);
/* What the session changed from what was asked (a slice rounded up to what
 * the timer can honour...), one line each; "" when nothing (or s NULL). */
PMUX_EXTERN const char *pmux_session_warnings(const pmux_session_t *s);

/* Timeline: called every interval_ns while the session runs, and once
 * more when it ends for the last, partial interval (so that the counts
 * seen by the callback add up to the totals).  Reading the counts for it
 * does not cut the rotation's slices.  interval_ns 0: none.  Before
 * pmux_session_start (PMUX_ESTATE after, from the callback too). */
typedef void (*pmux_interval_cb)(pmux_session_t *s, uint64_t elapsed_ns,
                                 int first, void *arg);
PMUX_EXTERN int pmux_session_set_interval(pmux_session_t *s,
                                          uint64_t interval_ns,
                                          pmux_interval_cb cb, void *arg);

/*
 * Open every event and arm the target.  For a COMMAND, the command is
 * forked and waits; counting begins at its exec (enable_on_exec).  Once,
 * after the sets are added (PMUX_ESTATE when started already).  A failure
 * leaves nothing behind (no child, the caller's signal mask restored, no
 * counters open): the session may be changed (pmux_session_set_mux...) and
 * started again, except after PMUX_ECHILD (the command could not be run).
 * A COMMAND is refused (PMUX_ESTATE) while SIGCHLD is ignored (SIG_IGN or
 * SA_NOCLDWAIT, which a parent's SIG_IGN leaves through exec): the kernel
 * would reap it itself and its status be lost.
 */
PMUX_EXTERN int pmux_session_start(pmux_session_t *s);
/*
 * Run until the target ends (COMMAND: it exited; PID: it exited; a PID or
 * CPUS target with argv: its command exited) or pmux_session_stop() is
 * called.  *status gets the command's wait status.  SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH sent to the calling
 * thread meanwhile are forwarded to the command (a COMMAND, or a PID or
 * CPUS target's argv); they end a session on a PID or CPUs without one.
 */
PMUX_EXTERN int pmux_session_run(pmux_session_t *s, int *status);
/* Ask a running session to finish (async-signal-safe).  A command (a
 * COMMAND target, or a PID or CPUS target's argv) then goes on unmeasured;
 * reaping it is the caller's (pmux_session_pid). */
PMUX_EXTERN void pmux_session_stop(pmux_session_t *s);
/* Wall time from the start of counting to the end of the run. */
PMUX_EXTERN uint64_t pmux_session_elapsed_ns(const pmux_session_t *s);
/* After start, the command's pid where there is one (a COMMAND, or a PID
 * or CPUS target's argv), else the target pid (-1 for CPUS). */
PMUX_EXTERN pid_t pmux_session_pid(const pmux_session_t *s);
/* The last signal pmux_session_run forwarded to the COMMAND (0: none):
 * a command may survive the SIGINT its user meant for the whole run. */
PMUX_EXTERN int pmux_session_forwarded_signal(const pmux_session_t *s);
/* After pmux_session_start failed with PMUX_ECHILD (the command could not
 * be run): the status a shell gives for it, 127 when it was not found,
 * 126 when it was found but could not be executed. */
PMUX_EXTERN int pmux_session_exec_status(const pmux_session_t *s);

/* ----------------------------------------------------------------- results */

typedef struct pmux_count {
  const char *name;          /* the event as the user named it */
  int set;                   /* set id; -1 for pinned events */
  int supported;             /* 0: the host cannot count it (see reason) */
  const char *reason;        /* why not supported, or "" */
  const char *unit;          /* "msec" for clocks, "" for plain counts */
  uint64_t raw;              /* what the counters actually saw */
  uint64_t time_enabled_ns;  /* time the event was wanted (whole run) */
  uint64_t time_running_ns;  /* time it was really counting */
  double fraction;           /* time_running / time_enabled, 0..1 */
  double estimate;           /* scaled estimate of the whole-run count */
  double error_bound;        /* 95% half-width, absolute; 0 when exact;
                                INFINITY when the run gives no bound (sets
                                switched on overflows: a count, not time,
                                chose their slices) */
  int measured;              /* 0: its set never ran; estimate meaningless */
} pmux_count_t;

typedef struct pmux_set_info {
  int id;
  int overflow_switch;       /* 1: switches on trigger overflows */
  uint64_t runs;             /* times the set was made active */
  uint64_t time_ns;          /* time it was active (measured, not nominal) */
} pmux_set_info_t;

PMUX_EXTERN int pmux_session_nevents(const pmux_session_t *s);
/* Fill *out for event i (0..nevents-1); strings live as long as s. */
PMUX_EXTERN int pmux_session_count(const pmux_session_t *s, int i,
                                   pmux_count_t *out);
PMUX_EXTERN int pmux_session_nsets(const pmux_session_t *s);
PMUX_EXTERN int pmux_session_set_info(const pmux_session_t *s, int id,
                                      pmux_set_info_t *out);
/* Id of the set active now (-1 when none). */
PMUX_EXTERN int pmux_session_active_set(const pmux_session_t *s);
/* The default time slice in effect: what pmux_session_set_switch asked,
 * rounded up to the shortest slice the timer can honour (with a warning). */
PMUX_EXTERN uint64_t pmux_session_switch_ns(const pmux_session_t *s);

/* ------------------------------------- PMU descriptions and counter assignment */

/*
 * A PMU description (built-in, or from the XML files of the folder that
 * PMUX_PMU_PATH names): counters, control-register fields, constraints and
 * events.  Descriptions are immutable and live as long as the process.
 * NAME is canonical (core2, intel_arch, amd64_k8, amd64_fam10h, amd64_fam17h,
 * mips74k, power7, power8), an alias (libpfm4's names: core, ix86arch,
 * amd64_k8_revg, mips_74k, ...), or intel_arch with parameters
 * ("intel_arch:v=3,gp=4,fixed=3,width=48").
 */
typedef struct pmux_pmu pmux_pmu_t;

#define PMUX_COUNTER_GENERIC 0
#define PMUX_COUNTER_FIXED   1

typedef struct pmux_counter_info {
  const char *name;    /* "PMC0", "FIXED1", POWER "PMC5" */
  int kind;            /* PMUX_COUNTER_* */
  unsigned width;      /* bits */
  uint64_t address;    /* register number of the counter in addr_space */
  const char *addr_space; /* "msr", "spr", "cp0" */
} pmux_counter_info_t;

/* One event encoded for a PMU: what `pmux check` shows. */
typedef struct pmux_pmu_event {
  char name[256];       /* as given */
  uint64_t code;        /* the event code of the table (or raw) */
  uint64_t config;      /* the control-register image */
  uint32_t perf_type;   /* perf_event_attr.type: PERF_TYPE_RAW */
  uint64_t perf_config; /* perf_event_attr.config for a raw event */
  uint64_t counters;    /* bit i: may use counter i (pmux_pmu_counter) */
  unsigned exclude_user : 1;
  unsigned exclude_kernel : 1;
  unsigned exclude_hv : 1;
  unsigned pair : 1;    /* also takes the counter after its own (AMD Large
                           Increment per Cycle events, Family 17h on) */
} pmux_pmu_event_t;

/* Find a description by name; PMUX_ENOPMU (message lists the known ones). */
PMUX_EXTERN int pmux_pmu_find(const char *name, const pmux_pmu_t **out);
/*
 * The description of this host's PMU.  PMUX_ENOPMU when the CPU has none
 * pmux describes, or when the kernel exposes no hardware PMU (a VM): the
 * message then says so and why.
 */
PMUX_EXTERN int pmux_pmu_host(const pmux_pmu_t **out);
/* Canonical names of every description, one callback each; stop on non-0. */
PMUX_EXTERN int pmux_pmu_foreach(int (*cb)(const pmux_pmu_t *pmu, void *arg),
                                 void *arg);
PMUX_EXTERN const char *pmux_pmu_name(const pmux_pmu_t *pmu);
PMUX_EXTERN const char *pmux_pmu_desc(const pmux_pmu_t *pmu);
/* The libpfm4 PMU name this description matches, or NULL. */
PMUX_EXTERN const char *pmux_pmu_pfm_name(const pmux_pmu_t *pmu);
PMUX_EXTERN int pmux_pmu_ncounters(const pmux_pmu_t *pmu);
PMUX_EXTERN int pmux_pmu_counter(const pmux_pmu_t *pmu, int i,
                                 pmux_counter_info_t *out);
/* Mask of all counters. */
PMUX_EXTERN uint64_t pmux_pmu_counters_mask(const pmux_pmu_t *pmu);
/*
 * The counter the NMI watchdog takes when it runs (index), or -1.  Hook for
 * reservation: the free mask given to assignment is
 * pmux_pmu_counters_mask() minus this counter (when the watchdog runs)
 * minus the counters other PMU users hold.
 */
PMUX_EXTERN int pmux_pmu_watchdog_counter(const pmux_pmu_t *pmu);
/* The description's events (pmu, pmu_desc, event, desc), then perf's
 * generic events it maps (cycles...: "perf's generic event: counts
 * EVENT here"). */
PMUX_EXTERN int pmux_pmu_event_list(const pmux_pmu_t *pmu,
                                    pmux_event_list_cb cb, void *arg);
/*
 * Encode "EVENT[:UMASK...][:MOD[=VAL]...]" or a raw code "rHEX" / "0xHEX"
 * for this PMU, optionally with "PMU::" in front (its name, an alias, or
 * "cpu": cpu::0x1c2 is r1c2).  perf's generic names (cycles, instructions,
 * branches...) encode as the event the kernel counts for them on this PMU,
 * where the description maps them (<generic>); out->name stays the name
 * given.  PMUX_EEVENT, PMUX_EMODIFIER (modifier the PMU lacks),
 * PMUX_ECONFIG (reserved bits set) with a message naming the input.
 */
PMUX_EXTERN int pmux_pmu_encode(const pmux_pmu_t *pmu, const char *name,
                                pmux_pmu_event_t *out);
/*
 * Assign n encoded events to counters among free_mask (all counters:
 * pmux_pmu_counters_mask()).  counter[i] gets an index or -1.  0 when all
 * fit; PMUX_ECONSTRAINT with a message saying why not (pmux_errmsg()).
 */
PMUX_EXTERN int pmux_pmu_assign(const pmux_pmu_t *pmu,
                                const pmux_pmu_event_t *ev, int n,
                                uint64_t free_mask, int *counter);
/*
 * Partition n events into as few sets as it can, each fitting free_mask:
 * set_of[i] gets event i's set.  Returns the number of sets; an event that
 * fits no set even alone is PMUX_ECONSTRAINT (set_of[i] = -1 for it).  Of
 * several errors, the first is returned, with its message.
 */
PMUX_EXTERN int pmux_pmu_split(const pmux_pmu_t *pmu,
                               const pmux_pmu_event_t *ev, int n,
                               uint64_t free_mask, int *set_of);

/*
 * The same from names (for splitting an -e list): encodes names[0..n-1]
 * and partitions them.  An event that does not encode is PMUX_EEVENT /
 * PMUX_EMODIFIER (set_of[i] = -1, message naming it); otherwise as
 * pmux_pmu_split().
 */
PMUX_EXTERN int pmux_pmu_split_names(const pmux_pmu_t *pmu,
                                     const char *const *names, int n,
                                     uint64_t free_mask, int *set_of);

/*
 * Add comma-separated events to a session as as few sets as they need to
 * be counted at once on pmu (NULL: this host's), by counter assignment on
 * the counters free beside the NMI watchdog; software events go in the
 * first set.  Where there is no description (a VM, an unknown CPU) they
 * are one set.  Returns the number of sets added; what was done is in
 * pmux_session_warnings().  On failure no set, event or warning is added.
 */
PMUX_EXTERN int pmux_session_add_events_split(pmux_session_t *s,
                                              const char *events,
                                              const pmux_pmu_t *pmu);
/* 1 if pmux_session_add_events_split split the events. */
PMUX_EXTERN int pmux_session_auto_split(const pmux_session_t *s);

/* What this host offers, with the evidence (`pmux info`). */
typedef struct pmux_pmu_host_info {
  char cpu[160];        /* "AuthenticAMD family 0x19 model 0x1: AMD EPYC ..." */
  char pfm_pmu[64];     /* libpfm4's core PMU for this CPU, or "" */
  char pfm_desc[128];
  int hw_pmu;           /* 1: the kernel exposes a hardware PMU */
  char evidence[768];   /* the facts behind hw_pmu, "; "-separated */
  const pmux_pmu_t *pmu;/* the matching description, or NULL */
  char no_desc[192];    /* pmu NULL: why, when a family knows ("" if not) */
} pmux_pmu_host_info_t;
PMUX_EXTERN int pmux_pmu_host_info(pmux_pmu_host_info_t *out);

/*
 * perf's generic events (cycles, instructions, ... ref-cycles) on this
 * host: the config the kernel's map gives each, as sysfs publishes it
 * (/sys/bus/event_source/devices/cpu/events and format, under
 * PMUX_SYSROOT; cpu_core's on a hybrid Intel CPU, which has no cpu), against
 * the perf config of the event pmu's description maps it to.  Fills up
 * to max entries, one per generic event, and returns how many.
 */
typedef struct pmux_generic_check {
  char name[32];           /* perf's spelling: "cycles" */
  int kernel;              /* 1: published; 0: not; -1: not understood */
  uint64_t kernel_config;
  int described;           /* 1: the description maps it */
  uint64_t desc_config;
  char kernel_pmu[16];     /* the PMU whose map was read: "cpu", "cpu_core" */
} pmux_generic_check_t;
PMUX_EXTERN int pmux_pmu_generic_check(const pmux_pmu_t *pmu,
                                       pmux_generic_check_t *out, int max);

/* ------------------------------------------------------------------ rights */
/* (issue 5: pam_perfcap and `pmux caps`; implemented in core/rights.c) */

/* What a user may do with perf_event_open(2), one verdict each. */
enum pmux_right {
  PMUX_RIGHT_THREAD = 0,       /* count own threads, user level */
  PMUX_RIGHT_OTHER_PROC = 1,   /* count other users' processes */
  PMUX_RIGHT_SYSTEM_WIDE = 2,  /* count per CPU, every process */
  PMUX_RIGHT_KERNEL = 3,       /* count kernel level (exclude_kernel=0) */
  PMUX_RIGHT_TRACEPOINT = 4,   /* tracepoint events */
  PMUX_RIGHT_KERNEL_FORMAT = 5, /* in-kernel sampling formats (eBPF) */
  PMUX_RIGHT_HARDWARE = 6,     /* hardware counters: a PMU exists */
  PMUX_RIGHT_BIG_BUFFER = 7,   /* sampling buffers over the mlock allowance */
  PMUX_RIGHT_COUNT = 8         /* the number of rights (grows: new rights
                                  come last) */
};

typedef struct pmux_right_verdict {
  int allowed;               /* 1: may, 0: may not */
  int probed;                /* 1: the kernel was asked (a software event was
                                opened); 0: deduced from the rules */
  int rules_allowed;         /* the rules' verdict alone, before the kernel
                                was asked (differs when seccomp, an LSM...) */
  char reason[512];          /* what allows it, or the exact blocker */
  char fix[512];             /* how to get it ("" when allowed) */
} pmux_right_verdict_t;

typedef struct pmux_rights {
  uid_t uid, euid;
  int paranoid;              /* kernel.perf_event_paranoid (-100: unknown) */
  int cap_last_cap;          /* highest capability the kernel knows */
  int kernel_has_perfmon;    /* CAP_PERFMON exists (Linux >= 5.8) */
  uint64_t cap_effective, cap_permitted, cap_inheritable, cap_ambient,
      cap_bounding;          /* bit n = capability n */
  int no_new_privs;
  uint64_t mlock_limit;      /* RLIMIT_MEMLOCK soft (bytes); UINT64_MAX:
                                unlimited */
  int perf_mlock_kb;         /* kernel.perf_event_mlock_kb (-1: unknown) */
  char exe[256];             /* this program, for the setcap fix */
  uint64_t exe_fcap_inheritable; /* its file capability (fI), bit n = cap n */
  pmux_right_verdict_t right[PMUX_RIGHT_COUNT];
} pmux_rights_t;

/* Examine the calling process and the kernel; 0 or negative code. */
PMUX_EXTERN int pmux_rights_get(pmux_rights_t *out);
/* "thread", "other_processes", "system_wide"... (JSON keys); never NULL. */
PMUX_EXTERN const char *pmux_right_name(int right);
/* What a right means, in words ("count own threads"). */
PMUX_EXTERN const char *pmux_right_desc(int right);

/* ---------------------------------------------------------------- sampling */
/* (issue 7: sampling formats, `pmux record`, `pmux report`; implemented in
 * core/sample.c and its writer core/sample_write.c, core/sample_file.c and
 * its symbol resolver core/sample_symbols.c (with core/jit_map.c,
 * core/kallsyms.c), core/format.c and formats/) */

/* The sampling formats, in registration order; stop on non-0. */
typedef int (*pmux_format_list_cb)(const char *name, const char *desc,
                                   const char *args_help, void *arg);
PMUX_EXTERN int pmux_format_list(pmux_format_list_cb cb, void *arg);

typedef struct pmux_record_opts {
  char *const *argv;       /* the command, NULL-terminated */
  const char *event;       /* sampling event (NULL: cpu-clock) */
  uint64_t period;         /* sample every N events, or 0 */
  uint64_t freq;           /* or N samples per second (period 0) */
  const char *format;      /* "NAME[:ARGS]" (NULL: "default") */
  unsigned mmap_pages;     /* ring data pages per CPU, power of 2 (0: 128) */
  const char *output;      /* the sample file (NULL: "pmux.data") */
  char *const *sets;       /* or sets, as stat's -S: "EVENTS[;switch=DUR]";
                              every event samples while its set is active */
  int nsets;               /* 0: event; > 0 with sets NULL, or with event
                              too: PMUX_ECONFIG */
  uint64_t switch_ns;      /* default time slice of the sets (0: 2 ms) */
  int system_wide;         /* sample every process on the CPUs while the
                              command runs (root or CAP_PERFMON) */
  const int *cpus;         /* system-wide: these CPUs (NULL: all online) */
  int ncpus;
  pid_t pid;               /* > 0: sample this running process instead
                              (all its threads, and what they create from
                              then on), while argv runs, or, argv NULL,
                              until it exits or SIGINT/SIGTERM/SIGHUP/
                              SIGQUIT/SIGUSR1; not with system_wide */
} pmux_record_opts_t;

#define PMUX_RECORD_RUNS_MAX 64
typedef struct pmux_record_stats {
  uint64_t samples;        /* samples handed to the format */
  uint64_t lost;           /* samples the kernel dropped (PERF_RECORD_LOST
                              and PERF_RECORD_LOST_SAMPLES) */
  uint64_t throttled;      /* PERF_RECORD_THROTTLE seen */
  uint64_t maps;           /* executable mappings recorded */
  uint64_t data_bytes;     /* bytes the format wrote */
  uint64_t elapsed_ns;
  int ncpus;               /* CPUs sampled (a ring per event per CPU) */
  int status;              /* the command's wait status */
  int nsets;               /* sets rotated (1: no rotation) */
  uint64_t runs[PMUX_RECORD_RUNS_MAX]; /* times each of the first sets was
                              made active (also in the file's SWITCHES) */
  uint64_t stopped;        /* samples taken after the format stopped
                              (PMUX_FMT_STOPPED), never handed to it */
} pmux_record_stats_t;

/*
 * Run argv, sampling it (and its children) into opts->output with the
 * format (or sample opts->pid, as its comment says: -ESRCH when there is
 * no such process, PMUX_ERIGHTS when it is not the caller's to trace).
 * Forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1 to the command.
 * PMUX_ECONFIG (options that cannot go together), PMUX_EFORMAT,
 * PMUX_EEVENT, PMUX_ECHILD (command not started; *stats status 127<<8 when
 * it was not found, 126<<8 when it could not be executed, as a shell says;
 * nothing is written and an existing output stays where it was), -EPERM
 * with the mlock limit explained (pmux_errmsg()), -errno of a write to the
 * output that failed (pmux_errmsg() names the file),
 * PMUX_ESTATE while SIGCHLD is ignored (SIG_IGN or SA_NOCLDWAIT): the
 * kernel would reap the command itself and its status be lost.  A non-empty
 * regular file at opts->output becomes OUTPUT.old; a run that fails before
 * the command starts writes nothing and leaves it where it was.
 */
PMUX_EXTERN int pmux_record(const pmux_record_opts_t *opts,
                            pmux_record_stats_t *stats);

/* A sample file opened for reading (docs/file-format.md). */
typedef struct pmux_sample_file pmux_sample_file_t;

typedef struct pmux_sample {
  uint32_t pid, tid;
  uint64_t ip;
  uint64_t time;
  uint32_t cpu;
  int32_t set;
  uint64_t weight;         /* samples this entry stands for */
} pmux_sample_t;

/*
 * Open and check a sample file.  0; or PMUX_EFILE when it stops making
 * sense somewhere: *out is still set (unless the very header is bad) and
 * holds what was valid before; pmux_errmsg() says where.
 */
PMUX_EXTERN int pmux_sample_file_open(const char *path,
                                      pmux_sample_file_t **out);
/* The same from memory (the buffer is copied). */
PMUX_EXTERN int pmux_sample_file_open_mem(const void *buf, size_t len,
                                          pmux_sample_file_t **out);
PMUX_EXTERN void pmux_sample_file_close(pmux_sample_file_t *f);
PMUX_EXTERN const char *pmux_sample_file_format(const pmux_sample_file_t *f);
PMUX_EXTERN const char *pmux_sample_file_event(const pmux_sample_file_t *f);
PMUX_EXTERN const char *pmux_sample_file_command(const pmux_sample_file_t *f);
PMUX_EXTERN uint64_t pmux_sample_file_lost(const pmux_sample_file_t *f);
/* Samples `record` handed to the format (from the file's stats). */
PMUX_EXTERN uint64_t pmux_sample_file_recorded(const pmux_sample_file_t *f);
/*
 * 1 when the file reaches its END section; 0 when it stops before (the
 * recorder was killed, or the file was cut): what the sections written at
 * the end would have said is then unknown, pmux_sample_file_missing().
 */
PMUX_EXTERN int pmux_sample_file_complete(const pmux_sample_file_t *f);
/* What the file lacks, PMUX_SF_MISSING_* bits: without MAPS, user-space
 * IPs are "[unknown]"; without STATS, lost and recorded read 0 but are
 * not known. */
#define PMUX_SF_MISSING_MAPS 0x1u
#define PMUX_SF_MISSING_STATS 0x2u
PMUX_EXTERN unsigned pmux_sample_file_missing(const pmux_sample_file_t *f);
/* A set the file was recorded with (its SETS and SWITCHES sections). */
typedef struct pmux_sample_file_set {
  uint32_t id;
  const char *events;      /* "cpu-clock,page-faults": the first samples */
  const char *switched;    /* "2000000ns" (time slice) or "EVENT/PERIOD/N"
                              (overflow switching); NULL where the file
                              has no SWITCHES (a 1.0 file, or a recorder
                              killed before the end) */
  uint64_t runs;           /* times it was made active (with switched) */
} pmux_sample_file_set_t;
/* The file's sets, in the order given (*sets: valid until close). */
PMUX_EXTERN size_t pmux_sample_file_sets(const pmux_sample_file_t *f,
                                         const pmux_sample_file_set_t **sets);
/*
 * Decode the samples with the file's format, one callback each (non-0
 * stops).  0; PMUX_EFILE after the valid samples when the data stops
 * making sense (message says at which file offset).
 */
PMUX_EXTERN int pmux_sample_file_foreach(pmux_sample_file_t *f,
                                         int (*cb)(const pmux_sample_t *s,
                                                   void *arg),
                                         void *arg);
/*
 * Name the function holding ip in process pid at time t (0: any time):
 * "func" with its object in dso (buffers of len bytes): a kernel
 * function's dso is "[kernel.kallsyms]" or its module, "[MODULE]".
 * 1 resolved, 0 not (sym gets "[unknown]" or "[kernel]", dso the mapping,
 * "[kernel.kallsyms]" or "").
 */
PMUX_EXTERN int pmux_sample_file_symbol(pmux_sample_file_t *f, uint32_t pid,
                                        uint64_t ip, uint64_t t, char *sym,
                                        size_t len, char *dso, size_t dlen);
/*
 * The files whose build-id is no longer the one recorded (rebuilt or
 * replaced since: their symbols would name the wrong functions, so
 * pmux_sample_file_symbol() names none, "[FILE]"), among those its lookups
 * have opened so far: call it after them.  *paths lives as long as f.
 */
PMUX_EXTERN size_t pmux_sample_file_changed(const pmux_sample_file_t *f,
                                            const char *const **paths);
/*
 * Whether kernel IPs got their functions' names (from /proc/kallsyms, only
 * for a file recorded on this boot, as META's boot_id tells): 1 yes; 0 no,
 * with *why saying why ("recorded on another boot", "no boot id in the
 * file", "/proc/kallsyms hides addresses"...); -1 no kernel IP was named.
 */
PMUX_EXTERN int pmux_sample_file_kernel_symbols(const pmux_sample_file_t *f,
                                                const char **why);

/* ------------------------------------------------------------- reservation */
/* (issue 6: counter reservation, other PMU users, per-CPU leases; in
 * core/reserve.c, core/lease.c, core/sysroot.c; docs/reservation.md).
 * Every /proc, /sys and /dev file read here is under PMUX_SYSROOT (default
 * "/"); the lease folder is PMUX_RUNDIR (default /run/pmux for root, else
 * $XDG_RUNTIME_DIR/pmux or /tmp/pmux-UID). */

/* The counters pmux may hand out on a PMU, and why the others are not. */
typedef struct pmux_reservation {
  uint64_t counters;       /* every counter of the description */
  uint64_t free_mask;      /* what assignment may use */
  uint64_t watchdog_mask;  /* the counter the NMI watchdog holds (or 0) */
  uint64_t held_mask;      /* counters other PMU users hold, where known
                              (legacy oprofile's enabled counters) */
  int nmi_watchdog;        /* kernel.nmi_watchdog: 1, 0; -1 absent */
  int watchdog_perf;       /* kernel log: 1 perf-based, 0 not perf-based or
                              disabled, -1 unknown */
  char reason[256];        /* "the NMI watchdog holds FIXED1", or "" */
  char evidence[1024];     /* the facts behind it, "; "-separated */
} pmux_reservation_t;

/* The reservation on pmu from this host's (or PMUX_SYSROOT's) state. */
PMUX_EXTERN int pmux_reserve(const pmux_pmu_t *pmu, pmux_reservation_t *out);
/* pmux_pmu_counters_mask() less what pmux_reserve() takes out. */
PMUX_EXTERN uint64_t pmux_reserve_free_mask(const pmux_pmu_t *pmu);

#define PMUX_USER_OPROFILE 1  /* legacy oprofile, operf, ocount */
#define PMUX_USER_PERF     2  /* a process holding perf events */
#define PMUX_USERS_MAX    32

typedef struct pmux_pmu_user {
  int kind;                /* PMUX_USER_* */
  pid_t pid;               /* 0: not a process (oprofilefs mounted...) */
  char comm[64];
  char what[160];          /* "oprofiled daemon", "4 perf events" */
} pmux_pmu_user_t;

typedef struct pmux_pmu_users {
  int n;                   /* entries in user[] */
  pmux_pmu_user_t user[PMUX_USERS_MAX];
  int oprofile;            /* 1: legacy oprofile/operf/ocount present */
  int perf;                /* processes found holding perf events */
  int unreadable;          /* processes whose fds could not be read
                              (needs root or CAP_SYS_PTRACE) */
  char evidence[1024];
} pmux_pmu_users_t;

/* Other PMU users (this process excluded). */
PMUX_EXTERN int pmux_pmu_users_scan(pmux_pmu_users_t *out);

/* A system-wide session's per-CPU lease: an flock'ed file per CPU in the
 * lease folder holding the holder's pid, uid, command and start time, and
 * an abstract UNIX socket named after that file, which deleting the file
 * does not free (docs/reservation.md). */
typedef struct pmux_lease pmux_lease_t;

typedef struct pmux_lease_holder {
  int cpu;                 /* -1: the NMI watchdog's lease */
  pid_t pid;
  uid_t uid;
  uint64_t start;          /* seconds since the epoch */
  int nmi_old;             /* watchdog value to restore, or -1 */
  char cmd[160];
} pmux_lease_holder_t;

#define PMUX_LEASE_NMI_OFF 0x1u /* also disable the NMI watchdog (root) */

/*
 * Lease cpus (ncpus 0: every configured CPU) for this process; cmd
 * describes the session.  -EBUSY naming the holder's pid and command
 * when one is held (nothing is then taken); PMUX_ERIGHTS for NMI_OFF when
 * not root.  A stale record (its holder died) is recovered: a watchdog it
 * had changed is restored first.
 */
PMUX_EXTERN int pmux_lease_take(const int *cpus, int ncpus, unsigned flags,
                                const char *cmd, pmux_lease_t **out);
/* Restore the watchdog if changed, drop the records, unlock. NULL ok. */
PMUX_EXTERN void pmux_lease_release(pmux_lease_t *l);
/* Async-signal-safe: restore the watchdog and clear the records (for a
 * handler that then dies of its signal). */
PMUX_EXTERN void pmux_lease_release_signal(pmux_lease_t *l);
/* The live holders of cpus (ncpus 0: all), at most max; returns how many. */
PMUX_EXTERN int pmux_lease_holders(const int *cpus, int ncpus,
                                   pmux_lease_holder_t *out, int max);
/* The live holder of the watchdog lease (--disable-nmi-watchdog): 1 with
 * *out (cpu -1; nmi_old: the value its end writes back, -1 when its lease
 * file was deleted), 0 when none. */
PMUX_EXTERN int pmux_lease_nmi_holder(pmux_lease_holder_t *out);
/* A stale watchdog record: its holder disabled the watchdog and died
 * without restoring it (kill -9).  1 with *out (nmi_old: the value the
 * next pmux session writes back, pmux_lease_recover()), 0 when none,
 * PMUX_EFILE when the record is damaged (pmux_errmsg() names it): nothing
 * will restore from it. */
PMUX_EXTERN int pmux_lease_nmi_stale(pmux_lease_holder_t *out);
/* Restore the watchdog from a stale watchdog lease (holder killed).  1 when
 * restored (msg says what), 0 when nothing to do, or negative. */
PMUX_EXTERN int pmux_lease_recover(char *msg, size_t len);
/* "0-3,8" -> CPUs (at most max); count or PMUX_ESYNTAX.  The form sysfs
 * writes: decimal numbers and ranges joined by ',', nothing else (no sign,
 * blank or trailing ','). */
PMUX_EXTERN int pmux_cpulist_parse(const char *list, int *cpus, int max);
/* "2ms", "500us", "1s", "250000ns", "1.5" (a bare number is milliseconds)
 * -> ns, from 1 ns to 1e15 ns; decimal, no sign, no blanks.  0 or
 * PMUX_ESYNTAX with a message naming the input and the reason.  The one
 * parser behind --switch, -I and a set's switch=. */
PMUX_EXTERN int pmux_duration_parse(const char *s, uint64_t *ns);

#ifdef __cplusplus
}
#endif
#endif /* PMUX_PMUX_H */
