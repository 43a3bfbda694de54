/*
 * pam_perfcap.c - the PAM entry points of pam_perfcap.so (pam_perfcap(8)).
 *
 * setcred (establish/reinitialize) and open_session run one idempotent core:
 * read /etc/security/perfcap.conf, compute the user's grant, raise it in the
 * inheritable set (and ambient, opt-in, from a pam_set_data cleanup run by
 * pam_end(PAM_DATA_SILENT) in the login program's child after setuid).  Any
 * error refuses with PAM_SYSTEM_ERR and grants nothing: fail closed.
 * authenticate never succeeds (PAM_IGNORE): this module proves nothing.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "perfcap_apply.h"
#include "perfcap_conf.h"
#include "perfcap_load.h"

/* The build sets it from PERFCAP_CONF_DIR, where the example is installed. */
#ifndef PERFCAP_DEFAULT_CONF
#define PERFCAP_DEFAULT_CONF "/etc/security/perfcap.conf"
#endif
#define PERFCAP_DATA_KEY "pam_perfcap:ambient"

enum {
  ARG_DEBUG = 1u << 0,
  ARG_AMBIENT = 1u << 1,
  ARG_FALLBACK_SYS_ADMIN = 1u << 2,
};

struct args {
  unsigned flags;
  const char *config;
  int cap_last_cap; /* -1: the kernel's */
};

static int parse_args(pam_handle_t *pamh, int argc, const char **argv,
                      struct args *a)
{
  a->flags = 0;
  a->config = PERFCAP_DEFAULT_CONF;
  a->cap_last_cap = -1;
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    if (!strcmp(s, "debug"))
      a->flags |= ARG_DEBUG;
    else if (!strcmp(s, "ambient"))
      a->flags |= ARG_AMBIENT;
    else if (!strcmp(s, "fallback_sys_admin"))
      a->flags |= ARG_FALLBACK_SYS_ADMIN;
    else if (!strncmp(s, "config=", 7)) {
      if (s[7] != '/') {
        pam_syslog(pamh, LOG_ERR, "'%s': config= needs an absolute path", s);
        return -1;
      }
      a->config = s + 7;
    }
    else if (!strncmp(s, "cap_last_cap=", 13)) {
      /* Pretend an older kernel (tests); it can only lower the real value,
       * so it can never make the module grant what the kernel lacks. */
      char *end;
      long v = strtol(s + 13, &end, 10);
      if (*end || end == s + 13 || v < 0 || v > 63) {
        pam_syslog(pamh, LOG_ERR, "bad argument '%s'", s);
        return -1;
      }
      a->cap_last_cap = (int)v;
    } else {
      /* An unknown argument may be a misspelt 'config=': refuse. */
      pam_syslog(pamh, LOG_ERR, "unknown argument '%s'", s);
      return -1;
    }
  }
  return 0;
}

static int group_gid(const char *name, gid_t *gid, void *arg)
{
  (void)arg;
  long size = sysconf(_SC_GETGR_R_SIZE_MAX);
  if (size < 1024)
    size = 1024;
  for (;;) {
    char *buf = malloc((size_t)size);
    struct group gr, *res = NULL;
    if (!buf)
      return -ENOMEM;
    int rc = getgrnam_r(name, &gr, buf, (size_t)size, &res);
    if (rc == ERANGE && size < (1 << 24)) {
      free(buf);
      size *= 2;
      continue;
    }
    if (res)
      *gid = gr.gr_gid;
    free(buf);
    /* An NSS failure (LDAP down, EIO) is no "no such group". */
    return res ? 0 : rc ? -rc : -ENOENT;
  }
}

/* The user's uid-independent identity: primary gid and group list. */
static int user_groups(const char *user, gid_t **groups, int *ngroups)
{
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  if (size < 1024)
    size = 1024;
  struct passwd pw, *res = NULL;
  char *buf;
  for (;;) {
    buf = malloc((size_t)size);
    if (!buf)
      return -ENOMEM;
    int rc = getpwnam_r(user, &pw, buf, (size_t)size, &res);
    if (rc == ERANGE && size < (1 << 24)) {
      free(buf);
      size *= 2;
      continue;
    }
    if (!res) {
      free(buf);
      return rc ? -rc : -ENOENT; /* an NSS failure is not "unknown" */
    }
    break;
  }
  gid_t primary = pw.pw_gid;
  free(buf);
  /* Sized by asking: getgrouplist reports the count it needs. */
  int n = 16;
  for (;;) {
    gid_t *g = malloc((size_t)n * sizeof(*g));
    if (!g)
      return -ENOMEM;
    int want = n;
    if (getgrouplist(user, primary, g, &want) >= 0) {
      *groups = g;
      *ngroups = want;
      return 0;
    }
    free(g);
    if (want <= n)
      n *= 2;
    else
      n = want;
    if (n > 1 << 20)
      return -E2BIG;
  }
}

struct ambient_data {
  struct perfcap_grant grant;
  int debug;
  int keepcaps_before; /* PR_GET_KEEPCAPS before this grant set it */
  int revoked;         /* a later call took it back: raise nothing */
};

/* Runs from pam_end(): only in the login program's child after setuid
 * (PAM_DATA_SILENT) does it raise the ambient set. */
static void ambient_cleanup(pam_handle_t *pamh, void *data, int status)
{
  struct ambient_data *d = data;
  if (d && !d->revoked && (status & PAM_DATA_SILENT) &&
      !(status & PAM_DATA_REPLACE)) {
    char err[PERFCAP_ERR_MAX], names[256];
    perfcap_grant_format(&d->grant, names, sizeof(names));
    if (perfcap_raise_ambient(&d->grant, err, sizeof(err)))
      pam_syslog(pamh, LOG_ERR, "ambient grant of %s failed: %s", names, err);
    else if (d->debug)
      pam_syslog(pamh, LOG_DEBUG, "raised %s in the ambient set", names);
  }
  free(d);
}

/*
 * setcred and open_session each decide afresh: an ambient grant that an
 * earlier call registered is taken back before this one can fail, or a
 * failing open_session (the config broken since setcred, the directory
 * service down) would still see the grant raised after setuid, with the
 * login program's permitted set kept across it.  Marking it cannot fail,
 * unlike replacing it.
 */
static void revoke_ambient(pam_handle_t *pamh)
{
  const void *old = NULL;
  if (pam_get_data(pamh, PERFCAP_DATA_KEY, &old) != PAM_SUCCESS || !old)
    return;
  struct ambient_data *d = (struct ambient_data *)old; /* ours */
  if (d->revoked)
    return;
  d->revoked = 1;
  prctl(PR_SET_KEEPCAPS, d->keepcaps_before > 0, 0, 0, 0);
}

/* The capabilities perfcap.conf grants USER (*caps, 0 for none):
 * PAM_SUCCESS, or the PAM error after logging it. */
static int caps_for_user(pam_handle_t *pamh, const struct args *a,
                         const char *user, const char *euser, unsigned *caps)
{
  char err[PERFCAP_ERR_MAX];
  char *text = NULL;
  size_t len = 0;
  int rc = perfcap_load(a->config, &text, &len, err, sizeof(err));
  if (rc) {
    pam_syslog(pamh, LOG_ERR, "%s: %s; granting nothing", a->config, err);
    return PAM_SYSTEM_ERR;
  }
  struct perfcap_conf conf;
  rc = perfcap_conf_parse(&conf, text, len, err, sizeof(err));
  free(text);
  if (rc) {
    pam_syslog(pamh, LOG_ERR, "%s: %s; granting nothing", a->config, err);
    return PAM_SYSTEM_ERR;
  }

  gid_t *groups = NULL;
  int ngroups = 0;
  rc = user_groups(user, &groups, &ngroups);
  if (rc) {
    perfcap_conf_free(&conf);
    pam_syslog(pamh, LOG_ERR, "user '%s': %s", euser,
               rc == -ENOENT ? "unknown" : strerror(-rc));
    return rc == -ENOENT ? PAM_USER_UNKNOWN : PAM_SYSTEM_ERR;
  }
  rc = perfcap_conf_match(&conf, user, groups, (size_t)ngroups, group_gid,
                          NULL, caps, err, sizeof(err));
  free(groups);
  perfcap_conf_free(&conf);
  if (rc) {
    pam_syslog(pamh, LOG_ERR, "%s: %s; granting nothing", a->config, err);
    return PAM_SYSTEM_ERR;
  }
  return PAM_SUCCESS;
}

/* Whether the grant may be ambient too.  sshd never runs the cleanup in
 * the child that becomes the user, which would then keep the monitor's
 * whole permitted set after setuid (see pam_perfcap(8)): no ambient grant
 * there, the inheritable one only. */
static int ambient_wanted(pam_handle_t *pamh, const struct args *a)
{
  if (!(a->flags & ARG_AMBIENT))
    return 0;
  const void *service = NULL;
  if (pam_get_item(pamh, PAM_SERVICE, &service) == PAM_SUCCESS && service &&
      !strcmp((const char *)service, "sshd")) {
    pam_syslog(pamh, LOG_WARNING, "ambient ignored for sshd: it does not "
               "call pam_end(PAM_DATA_SILENT) after setuid");
    return 0;
  }
  return 1;
}

/* Register G to be raised ambient after setuid (ambient_cleanup); 0, or -1
 * when it cannot be. */
static int register_ambient(pam_handle_t *pamh, const struct args *a,
                            const struct perfcap_grant *g, int keepcaps_before)
{
  struct ambient_data *d = calloc(1, sizeof(*d));
  if (!d)
    return -1;
  d->grant = *g;
  d->debug = !!(a->flags & ARG_DEBUG);
  d->keepcaps_before = keepcaps_before;
  if (pam_set_data(pamh, PERFCAP_DATA_KEY, d, ambient_cleanup) !=
      PAM_SUCCESS) {
    free(d);
    return -1;
  }
  return 0;
}

/* Raise G for the user: inheritable now, and ambient after setuid when
 * asked; all of it or nothing.  A PAM code, logged. */
static int grant(pam_handle_t *pamh, const struct args *a,
                 const struct perfcap_grant *g, const char *euser)
{
  char err[PERFCAP_ERR_MAX], names[256];
  perfcap_grant_format(g, names, sizeof(names));
  int ambient = ambient_wanted(pamh, a);
  /* The state to return to if the ambient grant cannot be registered. */
  cap_t saved = cap_get_proc();
  int saved_keepcaps = prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
  if (!saved) {
    pam_syslog(pamh, LOG_ERR, "cap_get_proc: %s", strerror(errno));
    return PAM_SYSTEM_ERR;
  }
  if (perfcap_raise_inheritable(g, ambient, err, sizeof(err))) {
    cap_free(saved);
    pam_syslog(pamh, LOG_ERR, "user '%s': cannot grant %s: %s", euser, names,
               err);
    return PAM_SYSTEM_ERR;
  }
  if (ambient && register_ambient(pamh, a, g, saved_keepcaps)) {
    cap_set_proc(saved); /* never a partial grant */
    prctl(PR_SET_KEEPCAPS, saved_keepcaps > 0, 0, 0, 0);
    cap_free(saved);
    pam_syslog(pamh, LOG_ERR, "user '%s': cannot register ambient grant",
               euser);
    return PAM_SYSTEM_ERR;
  }
  cap_free(saved);
  pam_syslog(pamh, LOG_INFO, "granted %s to '%s' (inheritable%s)", names,
             euser, ambient ? ", ambient after setuid" : "");
  return PAM_SUCCESS;
}

static int perfcap_core(pam_handle_t *pamh, int argc, const char **argv)
{
  struct args a;
  char err[PERFCAP_ERR_MAX], euser[4 * PERFCAP_NAME_MAX + 8];
  const void *item = NULL;
  /* Whatever follows, a user gets these capabilities from this module's
   * config only, never from what the login program inherited: cleared
   * first, before a bad argument or a missing user name can return, and
   * up to the kernel's real cap_last_cap (cap_last_cap= lowers what is
   * granted, never what is cleared). */
  int last = perfcap_cap_last_cap();
  if (perfcap_clear_managed(last, err, sizeof(err))) {
    pam_syslog(pamh, LOG_ERR, "%s; granting nothing", err);
    return PAM_SYSTEM_ERR;
  }
  revoke_ambient(pamh);
  if (parse_args(pamh, argc, argv, &a))
    return PAM_SYSTEM_ERR;
  if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || !item ||
      !*(const char *)item) {
    pam_syslog(pamh, LOG_ERR, "no user name");
    return PAM_USER_UNKNOWN;
  }
  const char *user = item;
  /* User names come from whoever typed them: escaped before logging. */
  perfcap_escape(user, strlen(user), euser, sizeof(euser));

  if (a.cap_last_cap >= 0 && a.cap_last_cap < last)
    last = a.cap_last_cap;

  unsigned caps = 0;
  int rc = caps_for_user(pamh, &a, user, euser, &caps);
  if (rc != PAM_SUCCESS)
    return rc;
  if (!caps) {
    if (a.flags & ARG_DEBUG)
      pam_syslog(pamh, LOG_DEBUG, "no rule grants anything to '%s'", euser);
    return PAM_IGNORE;
  }
  struct perfcap_grant g;
  if (perfcap_resolve(caps, last, !!(a.flags & ARG_FALLBACK_SYS_ADMIN), &g,
                      err, sizeof(err))) {
    pam_syslog(pamh, LOG_ERR, "user '%s': %s; granting nothing", euser, err);
    return PAM_SYSTEM_ERR;
  }
  return grant(pamh, &a, &g, euser);
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
                                   const char **argv)
{
  (void)pamh, (void)flags, (void)argc, (void)argv;
  return PAM_IGNORE; /* granting rights is not proof of identity */
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
                              const char **argv)
{
  if (flags & (PAM_ESTABLISH_CRED | PAM_REINITIALIZE_CRED))
    return perfcap_core(pamh, argc, argv);
  /* Deleting: the capabilities leave with the process; refreshing: none
   * expire. */
  return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
                                   const char **argv)
{
  (void)flags;
  return perfcap_core(pamh, argc, argv);
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
                                    const char **argv)
{
  (void)pamh, (void)flags, (void)argc, (void)argv;
  return PAM_SUCCESS;
}
