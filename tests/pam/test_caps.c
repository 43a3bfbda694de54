/*
 * test_caps.c - `pmux caps --json` against the kernel's real answer.
 *
 * For each identity (root; an invented unprivileged uid; that uid with
 * CAP_PERFMON in its ambient set, as pam_perfcap's ambient mode leaves it;
 * with CAP_PERFMON only inheritable, running unmarked binaries, binaries
 * marked cap_perfmon+ei, and marked binaries under no_new_privs), run
 * pmux caps --json and the probe (perfcap_probe, which opens software
 * events per thread, system-wide, kernel-level and on pid 1) and require
 * that caps says "allowed" exactly where the probe's open succeeded: both
 * its final verdict and its rules alone (before pmux asked the kernel
 * itself).  Refusals must name the blocker and a fix.
 *
 * usage: test_caps PMUX PROBE WORKDIR   (root for all but the first case)
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#define UID 5001

static char pmux_plain[4200], probe_plain[4200];
static char pmux_fcap[4200], probe_fcap[4200];

/* Run argv, return its exit status and stdout in buf. */
static int run(char *const argv[], char *buf, size_t len)
{
  int fd[2];
  if (pipe(fd))
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    close(fd[1]);
    char *const env[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
    execve(argv[0], argv, env);
    _exit(127);
  }
  close(fd[1]);
  size_t got = 0;
  ssize_t r;
  while (got + 1 < len && (r = read(fd[0], buf + got, len - 1 - got)) > 0)
    got += (size_t)r;
  buf[got] = '\0';
  close(fd[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The object of right name in caps' JSON, up to its closing brace. */
static const char *json_right(const char *json, const char *name,
                              char *buf, size_t len)
{
  char key[64];
  snprintf(key, sizeof(key), "\"%s\": {", name);
  const char *p = strstr(json, key);
  const char *end = p ? strchr(p, '}') : NULL;
  if (!end || (size_t)(end - p) >= len)
    return NULL;
  memcpy(buf, p, (size_t)(end - p));
  buf[end - p] = '\0';
  return buf;
}

static int json_bool(const char *obj, const char *field)
{
  char key[64];
  snprintf(key, sizeof(key), "\"%s\": ", field);
  const char *f = obj ? strstr(obj, key) : NULL;
  if (!f)
    return -1;
  f += strlen(key);
  return !strncmp(f, "true", 4) ? 1 : !strncmp(f, "false", 5) ? 0 : -1;
}

struct scenario {
  const char *who;
  int drop;            /* become UID */
  int ambient;         /* CAP_PERFMON ambient (and inheritable) */
  int inheritable;     /* CAP_PERFMON inheritable only */
  int nnp;             /* no_new_privs */
  int fcap;            /* run the copies marked cap_perfmon+ei */
  int userns;          /* root of a new user namespace: every capability,
                          none of which counts where the kernel checks them
                          (capable() asks the initial namespace) */
  const char *system_reason; /* substring of system_wide's reason */
  const char *system_fix;    /* substring of its fix */
};

static const struct {
  const char *caps_name, *probe_word;
} rights[] = {
  {"thread", "thread="},
  {"system_wide", "system="},
  {"kernel", "kernel="},
  {"other_processes", "other="},
};

static int compare(const struct scenario *s)
{
  static char json[65536], out[512], obj[2048];
  char *pa[] = {s->fcap ? pmux_fcap : pmux_plain, "caps", "--json", NULL};
  char *pr[] = {s->fcap ? probe_fcap : probe_plain, NULL};
  int bad = 0;
  if (run(pa, json, sizeof(json)) != 0) {
    printf("FAIL %s: pmux caps --json exited non-zero\n", s->who);
    return 1;
  }
  int prc = run(pr, out, sizeof(out));
  if (prc < 0 || prc > 1 || !strstr(out, "other=")) {
    printf("FAIL %s: probe: exit %d, '%s'\n", s->who, prc, out);
    return 1;
  }
  printf("%s:\n  probe: %s  caps: ", s->who, out);
  for (size_t i = 0; i < sizeof(rights) / sizeof(rights[0]); i++) {
    const char *w = strstr(out, rights[i].probe_word);
    int truth = w && !strncmp(w + strlen(rights[i].probe_word), "ok", 2);
    const char *o = json_right(json, rights[i].caps_name, obj, sizeof(obj));
    int said = json_bool(o, "allowed"), rules = json_bool(o, "rules_allowed");
    printf("%s=%d/%d ", rights[i].caps_name, said, rules);
    /* pid 1 is root's: for root it is not another user's process. */
    if (!strcmp(rights[i].caps_name, "other_processes") && !s->drop)
      continue;
    if (said != truth || rules != truth) {
      printf("\nFAIL %s: %s: caps %d, by the rules %d, kernel %d\n", s->who,
             rights[i].caps_name, said, rules, truth);
      bad = 1;
    }
  }
  printf("\n");
  /* Not probed, but the kernel's rule is as plain: CAP_IPC_LOCK (perf_mmap)
   * and CAP_BPF/CAP_SYS_ADMIN (bpf prog load) count in the initial user
   * namespace only; the mlock limit is finite here. */
  static const char *const no_in_userns[] = {"large_buffers",
                                             "kernel_formats"};
  for (size_t i = 0; s->userns && i < 2; i++) {
    const char *u = json_right(json, no_in_userns[i], obj, sizeof(obj));
    if (json_bool(u, "allowed") != 0 || !strstr(u, "user namespace")) {
      printf("FAIL %s: %s should be refused, naming the user namespace: "
             "%s\n", s->who, no_in_userns[i], u ? u : "(none)");
      bad = 1;
    }
  }
  const char *o = json_right(json, "system_wide", obj, sizeof(obj));
  if (o && json_bool(o, "allowed") == 0) {
    const char *fix = strstr(o, "\"fix\": \"");
    if (!fix || fix[8] == '"' || !strstr(o, "perf_event_paranoid")) {
      printf("FAIL %s: refusal without blocker or fix: %s\n", s->who, o);
      bad = 1;
    }
  }
  if (s->system_reason && (!o || !strstr(o, s->system_reason))) {
    printf("FAIL %s: system_wide lacks '%s': %s\n", s->who, s->system_reason,
           o ? o : "(none)");
    bad = 1;
  }
  if (s->system_fix && (!o || !strstr(o, s->system_fix))) {
    printf("FAIL %s: system_wide fix lacks '%s': %s\n", s->who,
           s->system_fix, o ? o : "(none)");
    bad = 1;
  }
  return bad;
}

/*
 * Become UID as a login program would.  Inheritable: raised while root,
 * then setuid clears the permitted set (the case pam_perfcap's default mode
 * leaves).  Ambient: the permitted set kept across setuid, then raised, as
 * its ambient mode does.
 */
static int become(const struct scenario *s)
{
  cap_value_t v = CAP_PERFMON;
  if (s->inheritable || s->ambient) {
    cap_t c = cap_get_proc();
    int rc = !c || cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET) ||
             cap_set_proc(c);
    cap_free(c);
    if (rc)
      return -1;
  }
  if (s->ambient && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
    return -1;
  if (setgroups(0, NULL) || setgid(UID) || setuid(UID))
    return -1;
  if (s->ambient && cap_set_ambient(CAP_PERFMON, CAP_SET))
    return -1;
  if (s->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
    return -1;
  return 0;
}

static int write_text(const char *path, const char *text)
{
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
  if (fd >= 0)
    close(fd);
  return ok ? 0 : -1;
}

/* Root of a new user namespace (uid 0 mapped to our own uid 0), with a
 * finite mlock limit: 1 when the kernel does not allow one (skip). */
static int enter_userns(void)
{
  struct rlimit rl = {64 * 1024, 64 * 1024};
  if (setrlimit(RLIMIT_MEMLOCK, &rl))
    return -1;
  if (unshare(CLONE_NEWUSER))
    return 1;
  /* Written from inside, as unshare -r does: setgroups denied first. */
  if (write_text("/proc/self/uid_map", "0 0 1\n") ||
      write_text("/proc/self/setgroups", "deny") ||
      write_text("/proc/self/gid_map", "0 0 1\n"))
    return -1;
  return 0;
}

static int in_child(const struct scenario *s)
{
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    if (s->userns) {
      int rc = enter_userns();
      if (rc > 0) {
        printf("skip %s: unshare(CLONE_NEWUSER): %s\n", s->who,
               strerror(errno));
        _exit(0);
      }
      if (rc) {
        printf("FAIL %s: cannot enter a user namespace: %s\n", s->who,
               strerror(errno));
        _exit(1);
      }
    }
    if (s->drop && become(s)) {
      printf("FAIL %s: cannot change identity: %s\n", s->who,
             strerror(errno));
      _exit(1);
    }
    _exit(compare(s));
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return !WIFEXITED(st) || WEXITSTATUS(st);
}

static int copy(const char *src, const char *dst, int fcap)
{
  char cmd[9000];
  snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chmod 0755 '%s'", src, dst,
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

int main(int argc, char **argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 4) {
    fprintf(stderr, "usage: %s PMUX PROBE WORKDIR\n", argv[0]);
    return 2;
  }
  const char *work = argv[3];
  snprintf(pmux_plain, sizeof(pmux_plain), "%s", argv[1]);
  snprintf(probe_plain, sizeof(probe_plain), "%s", argv[2]);

  /* --help is true to the options: it names --json, exits 0. */
  static char help[8192];
  char *ha[] = {pmux_plain, "caps", "--help", NULL};
  char *bad_opt[] = {pmux_plain, "caps", "--bogus", NULL};
  int failed = 0;
  if (run(ha, help, sizeof(help)) != 0 || !strstr(help, "--json") ||
      !strstr(help, "usage: pmux caps")) {
    printf("FAIL: pmux caps --help\n");
    failed++;
  }
  if (run(bad_opt, help, sizeof(help)) != 2) {
    printf("FAIL: pmux caps --bogus should exit 2\n");
    failed++;
  }
  struct scenario self = {geteuid() == 0 ? "root" : "caller"};
  failed += in_child(&self);
  if (geteuid() != 0) {
    printf("SKIP: the other identities need root\n");
    return failed ? 1 : 77;
  }
  if (cap_max_bits() <= CAP_PERFMON) {
    printf("SKIP: kernel without CAP_PERFMON\n");
    return failed ? 1 : 77;
  }
  /* Copies in a folder the invented uid can reach, marked or not. */
  mkdir(work, 0755);
  chmod(work, 0755);
  snprintf(pmux_plain, sizeof(pmux_plain), "%s/pmux", work);
  snprintf(probe_plain, sizeof(probe_plain), "%s/probe", work);
  snprintf(pmux_fcap, sizeof(pmux_fcap), "%s/pmux-fcap", work);
  snprintf(probe_fcap, sizeof(probe_fcap), "%s/probe-fcap", work);
  if (copy(argv[1], pmux_plain, 0) || copy(argv[2], probe_plain, 0)) {
    printf("FAIL: cannot copy the programs to %s\n", work);
    return 1;
  }
  int have_fcap = !copy(argv[1], pmux_fcap, 1) && !copy(argv[2], probe_fcap, 1);

  const struct scenario others[] = {
    {"uid 5001", 1, .system_reason = "CAP_PERFMON is missing",
     .system_fix = "add 'perfmon "},
    {"uid 5001 + ambient CAP_PERFMON", 1, .ambient = 1},
    {"uid 5001 + inheritable CAP_PERFMON, unmarked binary", 1,
     .inheritable = 1, .system_reason = "carries no file capability",
     .system_fix = "setcap cap_perfmon+ei"},
    {"uid 5001 + inheritable CAP_PERFMON, binary cap_perfmon+ei", 1,
     .inheritable = 1, .fcap = 1},
    {"uid 5001 + inheritable CAP_PERFMON + no_new_privs, binary "
     "cap_perfmon+ei", 1, .inheritable = 1, .nnp = 1, .fcap = 1,
     .system_reason = "no_new_privs is set"},
    {"root of a new user namespace", 0, .userns = 1},
  };
  for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
    if (others[i].fcap && !have_fcap) {
      printf("skip %s: file capabilities cannot be set in %s\n",
             others[i].who, work);
      continue;
    }
    failed += in_child(&others[i]);
  }
  printf("%s\n", failed ? "FAILED" : "all agree");
  return failed ? 1 : 0;
}
