/*
 * perfcap_conf.h - the perfcap.conf(5) parser and matcher of pam_perfcap.
 *
 * Pure code: no PAM, no libcap, no file access, so that the libFuzzer target
 * (tests/fuzz/fuzz_perfcap_conf.c) compiles it alone.  The invariant the
 * fuzzer checks: a parse error leaves a configuration that grants nothing.
 */
#ifndef PERFCAP_CONF_H
#define PERFCAP_CONF_H

#include <stddef.h>
#include <sys/types.h>

/* The capabilities a rule may grant, one bit each (the whitelist). */
#define PERFCAP_CAP_LIST(X)                                                  \
  X(PERFMON, "perfmon")                                                      \
  X(SYSLOG, "syslog")                                                        \
  X(IPC_LOCK, "ipc_lock")                                                    \
  X(BPF, "bpf")                                                              \
  X(SYS_PTRACE, "sys_ptrace")                                                \
  X(SYS_ADMIN, "sys_admin") /* only after an "allow sys_admin" line */

enum perfcap_cap_index {
#define PERFCAP_X_(id, name) PERFCAP_I_##id,
  PERFCAP_CAP_LIST(PERFCAP_X_)
#undef PERFCAP_X_
  PERFCAP_NCAPS
};
enum {
#define PERFCAP_X_(id, name) PERFCAP_##id = 1u << PERFCAP_I_##id,
  PERFCAP_CAP_LIST(PERFCAP_X_)
#undef PERFCAP_X_
};

#define PERFCAP_MAX_FILE (64 * 1024) /* bytes; a bigger file is refused */
#define PERFCAP_MAX_LINE 1024        /* bytes per line, newline excluded */
#define PERFCAP_NAME_MAX 64          /* user or group name, '@' excluded */
#define PERFCAP_ERR_MAX 256

enum perfcap_who_kind { PERFCAP_WHO_USER, PERFCAP_WHO_GROUP, PERFCAP_WHO_ANY };

/* One WHO of one rule: a rule "perfmon,bpf alice @dev" gives two entries. */
struct perfcap_who {
  unsigned caps;                     /* PERFCAP_* bits of its rule */
  enum perfcap_who_kind kind;
  unsigned line;                     /* for messages */
  char name[PERFCAP_NAME_MAX + 1];   /* user or group; empty for '*' */
};

struct perfcap_conf {
  struct perfcap_who *who;
  size_t n, alloc;
  int allow_sys_admin;               /* an "allow sys_admin" line was seen */
};

/*
 * Parse a whole file held in buf[0..len).  0 on success; -EINVAL on any
 * syntax or policy error (err: "line N: reason"), -ENOMEM, -EFBIG.  On
 * failure *conf is left empty: it grants nothing.
 */
int perfcap_conf_parse(struct perfcap_conf *conf, const char *buf, size_t len,
                       char *err, size_t errlen);
void perfcap_conf_free(struct perfcap_conf *conf);

/* Resolve a group name to its gid: 0, or -ENOENT when there is none. */
typedef int (*perfcap_group_fn)(const char *name, gid_t *gid, void *arg);

/*
 * The union of the capabilities every rule grants to user (whose groups,
 * primary included, are groups[0..ngroups)): rules naming the user, '*',
 * or a group matched by gid.  0 with *caps set; -EINVAL when a rule names
 * a group that does not exist (err says which; *caps is then 0).
 */
int perfcap_conf_match(const struct perfcap_conf *conf, const char *user,
                       const gid_t *groups, size_t ngroups,
                       perfcap_group_fn group, void *arg, unsigned *caps,
                       char *err, size_t errlen);

/* "perfmon", "bpf"... for one PERFCAP_* bit; NULL for anything else. */
const char *perfcap_cap_name(unsigned bit);
/* "perfmon,bpf" (or "none") into buf. */
void perfcap_caps_format(unsigned caps, char *buf, size_t len);
/* Copy s to buf with anything not printable ASCII as \xHH (for logs). */
void perfcap_escape(const char *s, size_t n, char *buf, size_t len);

#endif
