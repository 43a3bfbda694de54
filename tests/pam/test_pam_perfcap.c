/*
 * test_pam_perfcap.c - drive the built pam_perfcap.so through real libpam,
 * as a login program would: pam_start_confdir() with a private service
 * folder naming the module by absolute path, invented users and groups
 * through nss_wrapper, and for the real path fork, setuid to the invented
 * uid, pam_end(PAM_DATA_SILENT) and exec a probe that opens a system-wide
 * software event.
 *
 * usage: test_pam_perfcap MODULE PROBE WORKDIR
 * Needs root (the config must be root-owned, the module must set
 * capabilities); otherwise it skips with exit code 77.  Each case runs in
 * its own process, since capabilities are per process.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/securebits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define SKIP 77
#define BIT(c) (UINT64_C(1) << (c))
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static const char *module, *probe, *workdir;
/* The cases' configs: in a folder of /tmp (sticky, root's), not under
 * the build tree, whose folders this test does not choose: the module
 * refuses a config below a folder anyone but root can write. */
static char confroot[] = "/tmp/pmux-pam-test-XXXXXX";

/* The invented world, for nss_wrapper. */
static const char passwd_text[] =
  "alice:x:5001:5001:granted by name:/nonexistent:/bin/false\n"
  "bob:x:5002:5002:in no rule:/nonexistent:/bin/false\n"
  "carol:x:5003:5003:perfusers and tracers (supplementary):/:/bin/false\n"
  "dave:x:5004:5100:perfusers (primary):/nonexistent:/bin/false\n"
  "erin:x:5005:5005:tracers (supplementary):/nonexistent:/bin/false\n";
static const char group_text[] =
  "alice:x:5001:\n"
  "bob:x:5002:\n"
  "carol:x:5003:\n"
  "erin:x:5005:\n"
  "perfusers:x:5100:carol\n"
  "tracers:x:5101:erin,carol\n";

enum call { SETCRED, OPEN_SESSION, BOTH, AUTHENTICATE, DELETE_CRED };
enum conf_kind {
  CONF_FILE,
  CONF_SYMLINK,
  CONF_MISSING,
  CONF_NOT_ROOT,
  CONF_FIFO, /* a FIFO in its place: refused, and login must not hang */
  /* The folder holding it, which decides who may swap it for another. */
  CONF_DIR_WRITABLE,
  CONF_DIR_GROUP_WRITABLE,
  CONF_DIR_STICKY,
  CONF_DIR_NOT_ROOT,
  CONF_DIR_SYMLINK,
};
enum tweak {
  TWEAK_NONE,
  TWEAK_NO_NEW_PRIVS,
  TWEAK_DROP_BOUND_PERFMON,
  TWEAK_DROP_PERMITTED_SYSLOG,
  TWEAK_NO_AMBIENT_RAISE,
  TWEAK_INHERITED_PERFMON_SYSLOG, /* the login program starts with them */
};
/* real: after the PAM calls, setuid to the user, pam_end(PAM_DATA_SILENT)
 * and exec the probe (plain or carrying cap_perfmon+ei). */
enum real { REAL_NONE, REAL_PLAIN, REAL_FCAP };

struct pcase {
  const char *name;
  const char *conf;
  size_t conf_len;   /* 0: strlen(conf) */
  mode_t mode;       /* 0: 0644 */
  enum conf_kind kind;
  const char *args;  /* module arguments */
  const char *user;
  enum call call;
  int expect_rc;
  uint64_t expect_inh; /* the inheritable set after the calls, exactly */
  enum tweak tweak;
  enum real real;
  int expect_probe; /* probe exit: 0 system-wide opened, 1 refused */
  const char *expect_log; /* a substring of what the module logged */
  const char *conf2; /* BOTH: the config rewritten after the first call */
};

/*
 * libpam's pam_syslog ends in glibc's __syslog_chk; this program defines
 * it (exported, so that libpam binds to it) to keep what the module logs.
 */
static char logged[16384];
static size_t logged_len;

__attribute__((visibility("default"))) void
__syslog_chk(int pri, int flag, const char *fmt, ...);
__attribute__((visibility("default"))) void
__syslog_chk(int pri, int flag, const char *fmt, ...)
{
  (void)pri, (void)flag;
  va_list ap;
  va_start(ap, fmt);
  if (logged_len < sizeof(logged) - 2) {
    int n = vsnprintf(logged + logged_len, sizeof(logged) - logged_len - 1,
                      fmt, ap);
    if (n > 0)
      logged_len += (size_t)n < sizeof(logged) - logged_len - 2
                        ? (size_t)n
                        : sizeof(logged) - logged_len - 2;
    logged[logged_len++] = '\n';
    logged[logged_len] = '\0';
  }
  va_end(ap);
}

static int failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int failf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("    FAIL: ", stdout);
  vprintf(fmt, ap);
  fputc('\n', stdout);
  va_end(ap);
  fflush(stdout);
  return 1;
}

static int write_file(const char *path, const char *data, size_t len,
                      mode_t mode)
{
  unlink(path);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return -1;
  int ok = write(fd, data, len) == (ssize_t)len;
  ok &= fchmod(fd, mode) == 0;
  close(fd);
  return ok ? 0 : -1;
}

static uint64_t cap_set_bits(cap_flag_t flag)
{
  uint64_t bits = 0;
  cap_t c = cap_get_proc();
  for (int i = 0; c && i <= CAP_LAST_CAP && i < 64; i++) {
    cap_flag_value_t v;
    if (!cap_get_flag(c, i, flag, &v) && v == CAP_SET)
      bits |= BIT(i);
  }
  cap_free(c);
  return bits;
}

static uint64_t ambient_bits(void)
{
  uint64_t bits = 0;
  for (int i = 0; i < 64; i++)
    if (cap_get_ambient(i) == 1)
      bits |= BIT(i);
  return bits;
}

static int conv(int n, const struct pam_message **msg,
                struct pam_response **resp, void *arg)
{
  (void)n, (void)msg, (void)resp, (void)arg;
  return PAM_CONV_ERR; /* the module must never converse */
}

static int apply_tweak(enum tweak t)
{
  switch (t) {
  case TWEAK_NONE:
    return 0;
  case TWEAK_NO_NEW_PRIVS:
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  case TWEAK_DROP_BOUND_PERFMON:
    return cap_drop_bound(CAP_PERFMON);
  case TWEAK_DROP_PERMITTED_SYSLOG: {
    cap_t c = cap_get_proc();
    cap_value_t v = CAP_SYSLOG;
    int rc = !c || cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_CLEAR) ||
             cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) ||
             cap_set_proc(c);
    cap_free(c);
    return rc ? -1 : 0;
  }
  case TWEAK_NO_AMBIENT_RAISE:
    return cap_set_secbits(SECBIT_NO_CAP_AMBIENT_RAISE);
  case TWEAK_INHERITED_PERFMON_SYSLOG: {
    cap_t c = cap_get_proc();
    cap_value_t v[2] = {CAP_PERFMON, CAP_SYSLOG};
    int rc = !c || cap_set_flag(c, CAP_INHERITABLE, 2, v, CAP_SET) ||
             cap_set_proc(c);
    cap_free(c);
    return rc ? -1 : 0;
  }
  }
  return -1;
}

/* Make DIR the kind of folder the case wants around its config; for a
 * folder reached through a link, CONF becomes the path through it. */
static int set_folder(int kind, const char *dir, char *conf, size_t size)
{
  char real[4200];
  switch (kind) {
  case CONF_DIR_WRITABLE:
    return chmod(dir, 0777);
  case CONF_DIR_GROUP_WRITABLE:
    return chmod(dir, 0775);
  case CONF_DIR_STICKY:
    return chmod(dir, 01777);
  case CONF_DIR_NOT_ROOT:
    return chown(dir, 5001, 5001);
  case CONF_DIR_SYMLINK:
    snprintf(real, sizeof(real), "%s/real", dir);
    snprintf(conf, size, "%s/via", dir);
    if (mkdir(real, 0755) || symlink(real, conf))
      return -1;
    snprintf(conf, size, "%s/via/perfcap.conf", dir);
    return 0;
  }
  return 0;
}

/* The child: set the stage, call libpam, check, maybe become the user. */
static int run_case(const struct pcase *c, int idx)
{
  char dir[4096], pamd[4200], svc[4300], conf[4200], target[4200];
  snprintf(dir, sizeof(dir), "%s/case-%02d", confroot, idx);
  snprintf(pamd, sizeof(pamd), "%s/pam.d", dir);
  snprintf(svc, sizeof(svc), "%s/perfcap-test", pamd);
  snprintf(conf, sizeof(conf), "%s/perfcap.conf", dir);
  mkdir(dir, 0755);
  mkdir(pamd, 0755);
  if (set_folder(c->kind, dir, conf, sizeof(conf)))
    return failf("cannot set up the folder of %s: %s", conf, strerror(errno));

  const char *text = c->conf ? c->conf : "";
  size_t len = c->conf_len ? c->conf_len : strlen(text);
  mode_t mode = c->mode ? c->mode : 0644;
  unlink(conf);
  if (c->kind == CONF_SYMLINK) {
    snprintf(target, sizeof(target), "%s/real.conf", dir);
    if (write_file(target, text, len, mode) || symlink(target, conf))
      return failf("cannot write %s", conf);
  } else if (c->kind == CONF_FIFO) {
    if (mkfifo(conf, 0644))
      return failf("mkfifo %s: %s", conf, strerror(errno));
  } else if (c->kind != CONF_MISSING) {
    if (write_file(conf, text, len, mode))
      return failf("cannot write %s", conf);
    if (c->kind == CONF_NOT_ROOT && chown(conf, 5001, 5001))
      return failf("chown: %s", strerror(errno));
  }

  char stack[9000];
  const char *args = c->args ? c->args : "";
  if (c->call == AUTHENTICATE)
    snprintf(stack, sizeof(stack),
             "auth sufficient %s config=%s %s\n"
             "auth required pam_deny.so\n", module, conf, args);
  else
    snprintf(stack, sizeof(stack),
             "auth required %s config=%s %s\n"
             "auth optional pam_permit.so\n"
             "session required %s config=%s %s\n"
             "session optional pam_permit.so\n",
             module, conf, args, module, conf, args);
  if (write_file(svc, stack, strlen(stack), 0644))
    return failf("cannot write %s", svc);

  if (apply_tweak(c->tweak))
    return failf("cannot set the stage: %s", strerror(errno));
  uint64_t inh_before = cap_set_bits(CAP_INHERITABLE);
  if (inh_before && c->tweak != TWEAK_INHERITED_PERFMON_SYSLOG)
    return failf("inheritable set not empty before: %#llx",
                 (unsigned long long)inh_before);

  struct pam_conv pc = {conv, NULL};
  pam_handle_t *pamh = NULL;
  int rc = pam_start_confdir("perfcap-test", c->user, &pc, pamd, &pamh);
  if (rc != PAM_SUCCESS)
    return failf("pam_start_confdir: %s", pam_strerror(NULL, rc));
  switch (c->call) {
  case SETCRED:
    rc = pam_setcred(pamh, PAM_ESTABLISH_CRED);
    break;
  case OPEN_SESSION:
    rc = pam_open_session(pamh, 0);
    break;
  case BOTH:
    rc = pam_setcred(pamh, PAM_ESTABLISH_CRED);
    if (rc == PAM_SUCCESS && c->conf2 &&
        write_file(conf, c->conf2, strlen(c->conf2), mode))
      return failf("cannot rewrite %s", conf);
    if (rc == PAM_SUCCESS)
      rc = pam_open_session(pamh, 0);
    if (rc == PAM_SUCCESS)
      rc = pam_setcred(pamh, PAM_REINITIALIZE_CRED);
    break;
  case AUTHENTICATE:
    rc = pam_authenticate(pamh, 0);
    break;
  case DELETE_CRED:
    rc = pam_setcred(pamh, PAM_DELETE_CRED);
    break;
  }
  int bad = 0;
  if (rc != c->expect_rc)
    bad |= failf("PAM returned '%s' (%d), expected '%s' (%d)",
                 pam_strerror(pamh, rc), rc,
                 pam_strerror(pamh, c->expect_rc), c->expect_rc);
  uint64_t inh = cap_set_bits(CAP_INHERITABLE);
  if (inh != c->expect_inh)
    bad |= failf("inheritable set %#llx, expected %#llx",
                 (unsigned long long)inh,
                 (unsigned long long)c->expect_inh);
  if (ambient_bits())
    bad |= failf("ambient set raised before setuid: %#llx",
                 (unsigned long long)ambient_bits());
  if (c->expect_log && !strstr(logged, c->expect_log))
    bad |= failf("log lacks '%s'; it was:\n%s", c->expect_log, logged);
  if (bad || c->real == REAL_NONE) {
    pam_end(pamh, rc);
    return bad;
  }

  /* The login program's child: drop to the user, let the module's
   * cleanup run, exec the session's first program. */
  struct passwd *pw = getpwnam(c->user);
  if (!pw)
    return failf("getpwnam(%s) failed under nss_wrapper", c->user);
  if (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid))
    return failf("dropping to %s: %s", c->user, strerror(errno));
  pam_end(pamh, PAM_SUCCESS | PAM_DATA_SILENT);
  /* Nothing of the login program's (root's) permitted set is left to the
   * user: at most the grant (ambient mode keeps it across the setuid). */
  uint64_t prm = cap_set_bits(CAP_PERMITTED);
  if (prm & ~c->expect_inh)
    return failf("permitted set %#llx after setuid, more than the grant "
                 "%#llx", (unsigned long long)prm,
                 (unsigned long long)c->expect_inh);
  char exe[4300];
  if (c->real == REAL_FCAP)
    snprintf(exe, sizeof(exe), "%s/probe-fcap", workdir);
  else
    snprintf(exe, sizeof(exe), "%s/probe-plain", workdir);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char *const av[] = {exe, NULL};
    char *const env[] = {"PATH=/usr/bin:/bin", NULL};
    execve(exe, av, env);
    _exit(3);
  }
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
    return failf("probe did not run");
  printf("    probe as %s (uid %d, %s): exit %d\n", c->user,
         (int)pw->pw_uid, c->real == REAL_FCAP ? "cap_perfmon+ei" : "plain",
         WEXITSTATUS(st));
  if (WEXITSTATUS(st) != c->expect_probe)
    return failf("probe exit %d, expected %d", WEXITSTATUS(st),
                 c->expect_probe);
  return 0;
}

#define I_PERFMON BIT(CAP_PERFMON)
#define I_SYSLOG BIT(CAP_SYSLOG)
#define I_IPC_LOCK BIT(CAP_IPC_LOCK)
#define I_BPF BIT(CAP_BPF)
#define I_PTRACE BIT(CAP_SYS_PTRACE)
#define I_ADMIN BIT(CAP_SYS_ADMIN)
#define OK PAM_SUCCESS
#define SYSERR PAM_SYSTEM_ERR

static char long_line[1200 + 64];
static char big_file[70 * 1024];

static const struct pcase cases[] = {
  /* who is granted */
  {"granted user", "perfmon alice\n", .user = "alice", .expect_inh = I_PERFMON,
   .expect_log = "granted cap_perfmon to 'alice' (inheritable)"},
  {"refused user", "perfmon alice\n", .user = "bob", .expect_inh = 0},
  /* Inherited by the login program: never handed to a user the config
   * does not name, and only what it names to one it does. */
  {"inherited, refused user", "perfmon alice\n", .user = "bob",
   .tweak = TWEAK_INHERITED_PERFMON_SYSLOG, .expect_inh = 0},
  {"inherited, granted user", "perfmon alice\n", .user = "alice",
   .tweak = TWEAK_INHERITED_PERFMON_SYSLOG, .expect_inh = I_PERFMON},
  {"inherited, bad config", "perfmon al*ce\n", .user = "alice",
   .tweak = TWEAK_INHERITED_PERFMON_SYSLOG, .expect_rc = PAM_SYSTEM_ERR,
   .expect_inh = 0},
  /* Cleared before anything can fail, and by the kernel's own count: a
   * lowered cap_last_cap= must not leave CAP_PERFMON (38) to everyone. */
  {"inherited, cap_last_cap= lowered", "syslog alice\n",
   .args = "cap_last_cap=37", .user = "bob",
   .tweak = TWEAK_INHERITED_PERFMON_SYSLOG, .expect_inh = 0},
  {"inherited, unknown argument", "perfmon alice\n", .args = "dbug",
   .user = "bob", .tweak = TWEAK_INHERITED_PERFMON_SYSLOG,
   .expect_rc = PAM_SYSTEM_ERR, .expect_inh = 0},
  {"inherited, no user name", "perfmon alice\n", .user = NULL,
   .tweak = TWEAK_INHERITED_PERFMON_SYSLOG, .expect_rc = PAM_USER_UNKNOWN,
   .expect_inh = 0},
  {"debug really logs", "perfmon alice\n", .args = "debug", .user = "bob",
   .expect_inh = 0, .expect_log = "no rule grants anything to 'bob'"},
  {"group, supplementary", "perfmon @perfusers\n", .user = "carol",
   .expect_inh = I_PERFMON},
  {"group, primary gid", "perfmon @perfusers\n", .user = "dave",
   .expect_inh = I_PERFMON},
  {"group, not a member", "perfmon @perfusers\n", .user = "erin",
   .expect_inh = 0},
  {"star", "syslog *\n", .user = "bob", .expect_inh = I_SYSLOG},
  {"union of rules", "# comment\n  perfmon carol # trailing comment\n"
   "ipc_lock @tracers\nsys_ptrace @perfusers\nsyslog *\nbpf bob alice\n",
   .user = "carol", .expect_inh = I_PERFMON | I_IPC_LOCK | I_PTRACE | I_SYSLOG},
  {"several caps, several users", "perfmon,bpf\tbob  alice\n", .user = "alice",
   .expect_inh = I_PERFMON | I_BPF},
  {"sys_admin after allow", "allow sys_admin\nsys_admin,perfmon alice\n",
   .user = "alice", .expect_inh = I_ADMIN | I_PERFMON},
  {"empty file grants nothing", "", .user = "alice", .expect_inh = 0},
  /* entry points */
  {"open_session", "perfmon alice\n", .user = "alice", .call = OPEN_SESSION,
   .expect_inh = I_PERFMON},
  {"setcred+open_session+reinit idempotent", "perfmon alice\n",
   .user = "alice", .call = BOTH, .expect_inh = I_PERFMON},
  {"authenticate never succeeds", "perfmon alice\n", .user = "alice",
   .call = AUTHENTICATE, .expect_rc = PAM_AUTH_ERR, .expect_inh = 0},
  {"delete credentials does nothing", "perfmon alice\n", .user = "alice",
   .call = DELETE_CRED, .expect_inh = 0},
  /* bad configurations: the whole file is invalid, nothing granted */
  {"sys_admin without allow", "perfmon alice\nsys_admin alice\n",
   .user = "alice", .expect_rc = SYSERR,
   .expect_log = "line 2: sys_admin needs an earlier 'allow sys_admin'"},
  {"world-writable", "perfmon alice\n", .mode = 0666, .user = "alice",
   .expect_rc = SYSERR, .expect_log = "writable by everyone; granting nothing"},
  {"group-writable", "perfmon alice\n", .mode = 0664, .user = "alice",
   .expect_rc = SYSERR, .expect_log = "writable by its group"},
  {"symlink", "perfmon alice\n", .kind = CONF_SYMLINK, .user = "alice",
   .expect_rc = SYSERR, .expect_log = "perfcap.conf: is a symbolic link"},
  {"not owned by root", "perfmon alice\n", .kind = CONF_NOT_ROOT,
   .user = "alice", .expect_rc = SYSERR, .expect_log = "not owned by root"},
  {"FIFO in its place", NULL, .kind = CONF_FIFO, .user = "alice",
   .expect_rc = SYSERR, .expect_log = "perfcap.conf: not a regular file"},
  {"missing file", NULL, .kind = CONF_MISSING, .user = "alice",
   .expect_rc = SYSERR, .expect_log = "cannot open: No such file"},
  /* the folders on its path: nobody but root may write them */
  {"folder writable by everyone", "perfmon alice\n", .kind = CONF_DIR_WRITABLE,
   .user = "alice", .expect_rc = SYSERR,
   .expect_log = "is writable by everyone; granting nothing"},
  {"folder writable by its group", "perfmon alice\n",
   .kind = CONF_DIR_GROUP_WRITABLE, .user = "alice", .expect_rc = SYSERR,
   .expect_log = "is writable by its group; granting nothing"},
  {"folder not owned by root", "perfmon alice\n", .kind = CONF_DIR_NOT_ROOT,
   .user = "alice", .expect_rc = SYSERR,
   .expect_log = "is not owned by root; granting nothing"},
  {"folder reached through a link", "perfmon alice\n",
   .kind = CONF_DIR_SYMLINK, .user = "alice", .expect_rc = SYSERR,
   .expect_log = "/via is a symbolic link; granting nothing"},
  {"sticky folder writable by everyone", "perfmon alice\n",
   .kind = CONF_DIR_STICKY, .user = "alice", .expect_inh = I_PERFMON},
  {"long comment line", long_line, .user = "alice", .expect_rc = SYSERR,
   .expect_log = "line 1: longer than 1024 bytes"},
  {"file too big", big_file, .user = "alice", .expect_rc = SYSERR,
   .expect_log = "larger than 65536 bytes"},
  {"NUL byte", "perfmon alice\n# a\0b\n", 20, .user = "alice",
   .expect_rc = SYSERR, .expect_log = "line 2: NUL byte"},
  {"typo'd capability", "perfmon alice\nperfmom bob\n", .user = "alice",
   .expect_rc = SYSERR, .expect_log = "line 2: unknown capability 'perfmom'"},
  {"unknown token", "perfmon alice bob;id\n", .user = "alice",
   .expect_rc = SYSERR, .expect_log = "line 1: unknown token 'bob;id'"},
  {"unknown group", "perfmon alice @nosuchgroup\n", .user = "alice",
   .expect_rc = SYSERR, .expect_log = "no group named 'nosuchgroup'"},
  {"rule without WHO", "perfmon alice\nsyslog\n", .user = "alice",
   .expect_rc = SYSERR, .expect_log = "line 2: rule names no user"},
  {"CRLF line end", "perfmon alice\r\n", .user = "alice", .expect_rc = SYSERR,
   .expect_log = "line 1: control character \\x0d"},
  {"unknown module argument", "perfmon alice\n", .args = "dbug",
   .user = "alice", .expect_rc = SYSERR,
   .expect_log = "unknown argument 'dbug'"},
  {"relative config= path", "perfmon alice\n", .args = "config=perfcap.conf",
   .user = "alice", .expect_rc = SYSERR,
   .expect_log = "config= needs an absolute path"},
  {"no user name", "perfmon alice\n", .user = NULL,
   .expect_rc = PAM_USER_UNKNOWN, .expect_log = "no user name"},
  {"user name escaped in logs", "perfmon alice\n", .user = "ev\nil\x1b",
   .expect_rc = PAM_USER_UNKNOWN, .expect_log = "user 'ev\\x0ail\\x1b': unknown"},
  /* kernels without CAP_PERFMON (cap_last_cap injected) */
  {"no CAP_PERFMON in kernel", "perfmon alice\n", .args = "cap_last_cap=37",
   .user = "alice", .expect_rc = SYSERR,
   .expect_log = "no CAP_PERFMON (cap_last_cap 37 < 38)"},
  {"no CAP_PERFMON, fallback_sys_admin", "perfmon,syslog alice\n",
   .args = "cap_last_cap=37 fallback_sys_admin", .user = "alice",
   .expect_inh = I_ADMIN | I_SYSLOG},
  {"no CAP_BPF, fallback_sys_admin", "bpf alice\n",
   .args = "cap_last_cap=37 fallback_sys_admin debug", .user = "alice",
   .expect_inh = I_ADMIN},
  {"old kernel, caps it has", "syslog,ipc_lock alice\n",
   .args = "cap_last_cap=37", .user = "alice",
   .expect_inh = I_SYSLOG | I_IPC_LOCK},
  /* the process cannot hold the grant: refuse, never partial */
  {"no_new_privs, inheritable mode", "perfmon alice\n", .user = "alice",
   .tweak = TWEAK_NO_NEW_PRIVS, .expect_rc = SYSERR,
   .expect_log = "no_new_privs is set"},
  {"not in bounding set", "syslog,perfmon alice\n", .user = "alice",
   .tweak = TWEAK_DROP_BOUND_PERFMON, .expect_rc = SYSERR,
   .expect_log = "cap_perfmon is not in the bounding set"},
  {"not in permitted set", "perfmon,syslog alice\n", .user = "alice",
   .tweak = TWEAK_DROP_PERMITTED_SYSLOG, .expect_rc = SYSERR,
   .expect_log = "cap_syslog is not in the login program's permitted set"},
  {"ambient refused by securebit", "perfmon alice\n", .args = "ambient",
   .user = "alice", .tweak = TWEAK_NO_AMBIENT_RAISE, .expect_rc = SYSERR,
   .expect_log = "NO_CAP_AMBIENT_RAISE"},
  /* the real path: setuid, pam_end(PAM_DATA_SILENT), exec the probe */
  {"real: ambient, granted", "perfmon alice\n", .args = "ambient",
   .user = "alice", .expect_inh = I_PERFMON, .real = REAL_PLAIN,
   .expect_probe = 0},
  /* A later call that fails takes back what an earlier one registered:
   * nothing is raised after the setuid, nothing of root's is kept. */
  {"real: ambient, config broken before open_session", "perfmon alice\n",
   .args = "ambient", .user = "alice", .call = BOTH,
   .conf2 = "perfmon alice\nperfmom bob\n", .expect_rc = SYSERR,
   .expect_inh = 0, .real = REAL_PLAIN, .expect_probe = 1,
   .expect_log = "line 2: unknown capability 'perfmom'"},
  {"real: ambient, setcred+open_session+reinit", "perfmon alice\n",
   .args = "ambient", .user = "alice", .call = BOTH, .expect_inh = I_PERFMON,
   .real = REAL_PLAIN, .expect_probe = 0},
  {"real: ambient, refused", "perfmon alice\n", .args = "ambient",
   .user = "bob", .real = REAL_PLAIN, .expect_probe = 1},
  {"real: ambient, no_new_privs", "perfmon alice\n", .args = "ambient",
   .user = "alice", .tweak = TWEAK_NO_NEW_PRIVS, .expect_inh = I_PERFMON,
   .real = REAL_PLAIN, .expect_probe = 0},
  {"real: inheritable + cap_perfmon+ei, granted", "perfmon @perfusers\n",
   .user = "dave", .expect_inh = I_PERFMON, .real = REAL_FCAP,
   .expect_probe = 0},
  {"real: inheritable + cap_perfmon+ei, refused", "perfmon @perfusers\n",
   .user = "erin", .real = REAL_FCAP, .expect_probe = 1},
  {"real: inheritable, unmarked binary gains nothing", "perfmon alice\n",
   .user = "alice", .expect_inh = I_PERFMON, .real = REAL_PLAIN,
   .expect_probe = 1},
};

static int copy_probe(const char *dst, int fcap)
{
  char cmd[9000];
  snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chmod 0755 '%s'", probe, dst,
           dst);
  if (system(cmd))
    return -1;
  if (!fcap)
    return 0;
  cap_t c = cap_from_text("cap_perfmon+ei");
  int rc = c ? cap_set_file(dst, c) : -1;
  cap_free(c);
  return rc;
}

/* Re-run this program with nss_wrapper preloaded on the invented world. */
static int reexec_with_nss_wrapper(char **argv)
{
  static const char *const libs[] = {
    "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so",
    "/usr/lib/aarch64-linux-gnu/libnss_wrapper.so",
    "/usr/lib64/libnss_wrapper.so", "/usr/lib/libnss_wrapper.so"};
  const char *lib = NULL;
  for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++)
    if (!access(libs[i], R_OK))
      lib = libs[i];
  if (!lib) {
    printf("SKIP: libnss_wrapper.so not found (Debian: libnss-wrapper)\n");
    return SKIP;
  }
  char pw[4200], gr[4200], asan[4200];
  snprintf(pw, sizeof(pw), "%s/passwd", workdir);
  snprintf(gr, sizeof(gr), "%s/group", workdir);
  if (write_file(pw, passwd_text, strlen(passwd_text), 0644) ||
      write_file(gr, group_text, strlen(group_text), 0644)) {
    printf("FAIL: cannot write %s\n", pw);
    return 1;
  }
  setenv("NSS_WRAPPER_PASSWD", pw, 1);
  setenv("NSS_WRAPPER_GROUP", gr, 1);
  setenv("LD_PRELOAD", lib, 1);
  /* Under AddressSanitizer the preloaded library comes before its
   * runtime; that order is harmless here. */
  const char *old = getenv("ASAN_OPTIONS");
  snprintf(asan, sizeof(asan), "%s%sverify_asan_link_order=0",
           old ? old : "", old ? ":" : "");
  setenv("ASAN_OPTIONS", asan, 1);
  setenv("PERFCAP_TEST_REEXEC", "1", 1);
  execv("/proc/self/exe", argv);
  printf("FAIL: re-exec: %s\n", strerror(errno));
  return 1;
}

int main(int argc, char **argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 4) {
    fprintf(stderr, "usage: %s MODULE PROBE WORKDIR\n", argv[0]);
    return 2;
  }
  module = argv[1];
  probe = argv[2];
  workdir = argv[3];
  if (geteuid() != 0) {
    printf("SKIP: needs root (a root-owned config, setting capabilities)\n");
    return SKIP;
  }
  mkdir(workdir, 0755);
  chmod(workdir, 0755);
  if (!getenv("PERFCAP_TEST_REEXEC"))
    return reexec_with_nss_wrapper(argv);
  struct passwd *pw = getpwnam("dave");
  if (!pw || pw->pw_uid != 5004) {
    printf("SKIP: nss_wrapper is not answering (getpwnam)\n");
    return SKIP;
  }

  /* A comment line whose tail, cut at the limit, would read as a rule. */
  memset(long_line, ' ', sizeof(long_line));
  long_line[0] = '#';
  strcpy(long_line + 1100, " perfmon bob\nperfmon alice\n");
  memset(big_file, '#', sizeof(big_file) - 1);
  for (size_t i = 80; i < sizeof(big_file) - 1; i += 80)
    big_file[i] = '\n';
  memcpy(big_file, "perfmon alice\n", 14);

  char plain[4200], fcap[4200];
  snprintf(plain, sizeof(plain), "%s/probe-plain", workdir);
  snprintf(fcap, sizeof(fcap), "%s/probe-fcap", workdir);
  if (!mkdtemp(confroot)) {
    printf("FAIL: mkdtemp %s: %s\n", confroot, strerror(errno));
    return 1;
  }
  int have_fcap = !copy_probe(fcap, 1);
  if (copy_probe(plain, 0)) {
    printf("FAIL: cannot copy the probe\n");
    return 1;
  }
  FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
  int paranoid = 2;
  if (f) {
    if (fscanf(f, "%d", &paranoid) != 1)
      paranoid = 2;
    fclose(f);
  }
  int have_perfmon = cap_max_bits() > CAP_PERFMON;

  int failed = 0, skipped = 0, n = (int)(sizeof(cases) / sizeof(cases[0]));
  for (int i = 0; i < n; i++) {
    const struct pcase *c = &cases[i];
    const char *why = NULL;
    if (c->real == REAL_FCAP && !have_fcap)
      why = "file capabilities cannot be set in the work folder";
    if (c->real && c->expect_probe == 1 && paranoid < 1)
      why = "perf_event_paranoid < 1 lets everyone open system-wide events";
    if (c->real && c->expect_probe == 0 && paranoid > 2)
      why = "perf_event_paranoid > 2 checks CAP_SYS_ADMIN, not CAP_PERFMON";
    if (c->real && !have_perfmon)
      why = "kernel without CAP_PERFMON";
    if (why) {
      printf("skip %2d %s: %s\n", i, c->name, why);
      skipped++;
      continue;
    }
    printf("case %2d %s\n", i, c->name);
    pid_t pid = fork();
    if (pid == 0)
      _exit(run_case(c, i));
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
        WEXITSTATUS(st)) {
      printf("    FAILED (%s %d)\n", WIFSIGNALED(st) ? "signal" : "exit",
             WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
      failed++;
    }
  }
  char rm[200];
  snprintf(rm, sizeof(rm), "rm -rf '%s'", confroot);
  if (system(rm))
    printf("warning: %s not removed\n", confroot);
  printf("%d cases, %d failed, %d skipped\n", n, failed, skipped);
  return failed ? 1 : 0;
}
