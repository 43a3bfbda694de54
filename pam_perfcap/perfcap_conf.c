/*
 * perfcap_conf.c - parse perfcap.conf(5) and compute a user's grant.
 *
 * Strict by design (see perfcap.conf(5)): one error anywhere makes the whole
 * file invalid, because a rule silently skipped (a typo'd capability, the
 * tail of an over-long line read as a new line) grants or refuses something
 * the administrator did not write.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perfcap_conf.h"

static const char *const cap_names[PERFCAP_NCAPS] = {
#define PERFCAP_X_(id, name) [PERFCAP_I_##id] = name,
  PERFCAP_CAP_LIST(PERFCAP_X_)
#undef PERFCAP_X_
};

const char *perfcap_cap_name(unsigned bit)
{
  for (unsigned i = 0; i < PERFCAP_NCAPS; i++)
    if (bit == 1u << i)
      return cap_names[i];
  return NULL;
}

void perfcap_caps_format(unsigned caps, char *buf, size_t len)
{
  size_t used = 0;
  if (!len)
    return;
  buf[0] = '\0';
  for (unsigned i = 0; i < PERFCAP_NCAPS; i++) {
    if (!(caps & (1u << i)))
      continue;
    int n = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
                     cap_names[i]);
    if (n < 0 || (size_t)n >= len - used)
      return;
    used += (size_t)n;
  }
  if (!used)
    snprintf(buf, len, "none");
}

void perfcap_escape(const char *s, size_t n, char *buf, size_t len)
{
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  if (!len)
    return;
  for (size_t i = 0; i < n && s[i]; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      if (o + 1 >= len)
        break;
      buf[o++] = (char)c;
    } else {
      if (o + 4 >= len)
        break;
      buf[o++] = '\\';
      buf[o++] = 'x';
      buf[o++] = hex[c >> 4];
      buf[o++] = hex[c & 15];
    }
  }
  buf[o] = '\0';
}

void perfcap_conf_free(struct perfcap_conf *conf)
{
  free(conf->who);
  memset(conf, 0, sizeof(*conf));
}

static int fail(char *err, size_t errlen, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
  if (err && errlen) {
    int n = line ? snprintf(err, errlen, "line %u: ", line) : 0;
    if (n < 0 || (size_t)n >= errlen)
      n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return -EINVAL;
}

/* A token quoted for a message: escaped and cut to a readable length. */
static const char *quote(const char *tok, size_t n, char *buf, size_t len)
{
  perfcap_escape(tok, n > 48 ? 48 : n, buf, len);
  return buf;
}

/*
 * User and group names as shadow's useradd accepts them by default
 * ([a-z_][a-z0-9_-]*[$]?), widened to upper case, digits first and dots,
 * which sites with directory services use.  Anything else is a typo.
 */
static int valid_name(const char *s, size_t n)
{
  if (n == 0 || n > PERFCAP_NAME_MAX || s[0] == '-')
    return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
             (c == '$' && i == n - 1 && n > 1);
    if (!ok)
      return 0;
  }
  return 1;
}

static int lookup_cap(const char *s, size_t n)
{
  for (unsigned i = 0; i < PERFCAP_NCAPS; i++)
    if (strlen(cap_names[i]) == n && !memcmp(cap_names[i], s, n))
      return (int)i;
  return -1;
}

static int add_who(struct perfcap_conf *conf, const struct perfcap_who *w)
{
  if (conf->n == conf->alloc) {
    size_t alloc = conf->alloc ? conf->alloc * 2 : 16;
    struct perfcap_who *p = realloc(conf->who, alloc * sizeof(*p));
    if (!p)
      return -ENOMEM;
    conf->who = p;
    conf->alloc = alloc;
  }
  conf->who[conf->n++] = *w;
  return 0;
}

/* Tokens of one line: split on blanks, up to the first '#'. */
struct tokens {
  const char *p, *end;
};

static int next_token(struct tokens *t, const char **tok, size_t *n)
{
  while (t->p < t->end && (*t->p == ' ' || *t->p == '\t'))
    t->p++;
  if (t->p == t->end || *t->p == '#')
    return 0;
  *tok = t->p;
  /* '#' starts a comment after blank space only: inside a token it is part
   * of it, and the name rules refuse it ("dev#ops" is no user "dev"). */
  while (t->p < t->end && *t->p != ' ' && *t->p != '\t')
    t->p++;
  *n = (size_t)(t->p - *tok);
  return 1;
}

static int parse_caps(const struct perfcap_conf *conf, const char *s, size_t n,
                      unsigned line, unsigned *caps, char *err, size_t errlen)
{
  char q[PERFCAP_ERR_MAX];
  const char *whole = s, *end = s + n;
  *caps = 0;
  while (1) {
    const char *comma = memchr(s, ',', (size_t)(end - s));
    const char *stop = comma ? comma : end;
    if (stop == s)
      return fail(err, errlen, line, "empty capability in '%s'",
                  quote(whole, n, q, sizeof(q)));
    int i = lookup_cap(s, (size_t)(stop - s));
    if (i < 0)
      return fail(err, errlen, line,
                  "unknown capability '%s' (known: perfmon, syslog, "
                  "ipc_lock, bpf, sys_ptrace, sys_admin)",
                  quote(s, (size_t)(stop - s), q, sizeof(q)));
    if (i == PERFCAP_I_SYS_ADMIN && !conf->allow_sys_admin)
      return fail(err, errlen, line,
                  "sys_admin needs an earlier 'allow sys_admin' line");
    *caps |= 1u << i;
    if (!comma)
      return 0;
    s = comma + 1;
  }
}

static int parse_line(struct perfcap_conf *conf, const char *s, size_t n,
                      unsigned line, char *err, size_t errlen)
{
  char q[PERFCAP_ERR_MAX];
  struct tokens t = {s, s + n};
  const char *tok;
  size_t len;
  if (!next_token(&t, &tok, &len))
    return 0; /* blank or comment */

  if (len == 5 && !memcmp(tok, "allow", 5)) {
    const char *arg;
    size_t alen;
    if (!next_token(&t, &arg, &alen))
      return fail(err, errlen, line, "'allow' needs an argument");
    if (alen != 9 || memcmp(arg, "sys_admin", 9))
      return fail(err, errlen, line, "unknown token '%s' after 'allow'",
                  quote(arg, alen, q, sizeof(q)));
    if (next_token(&t, &arg, &alen))
      return fail(err, errlen, line, "unknown token '%s' after 'allow'",
                  quote(arg, alen, q, sizeof(q)));
    conf->allow_sys_admin = 1;
    return 0;
  }

  unsigned caps;
  int rc = parse_caps(conf, tok, len, line, &caps, err, errlen);
  if (rc)
    return rc;
  int whos = 0;
  while (next_token(&t, &tok, &len)) {
    struct perfcap_who w = {.caps = caps, .line = line};
    if (len == 1 && tok[0] == '*') {
      w.kind = PERFCAP_WHO_ANY;
    } else if (tok[0] == '@' && valid_name(tok + 1, len - 1)) {
      w.kind = PERFCAP_WHO_GROUP;
      memcpy(w.name, tok + 1, len - 1);
    } else if (valid_name(tok, len)) {
      w.kind = PERFCAP_WHO_USER;
      memcpy(w.name, tok, len);
    } else {
      return fail(err, errlen, line,
                  "unknown token '%s' (expected a user, @group or *)",
                  quote(tok, len, q, sizeof(q)));
    }
    rc = add_who(conf, &w);
    if (rc)
      return rc;
    whos++;
  }
  if (!whos)
    return fail(err, errlen, line, "rule names no user, @group or *");
  return 0;
}

int perfcap_conf_parse(struct perfcap_conf *conf, const char *buf, size_t len,
                       char *err, size_t errlen)
{
  int rc = 0;
  unsigned line = 0;
  memset(conf, 0, sizeof(*conf));
  if (err && errlen)
    err[0] = '\0';
  if (len > PERFCAP_MAX_FILE) {
    fail(err, errlen, 0, "file larger than %d bytes", PERFCAP_MAX_FILE);
    return -EFBIG;
  }
  const char *p = buf, *end = buf + len;
  while (p < end) {
    line++;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    size_t n = (size_t)(stop - p);
    if (n > PERFCAP_MAX_LINE) {
      rc = fail(err, errlen, line, "longer than %d bytes", PERFCAP_MAX_LINE);
      goto out;
    }
    /* Control bytes are refused even in comments: a NUL would end the
     * line for any C tool that reads the file after us. */
    for (size_t i = 0; i < n; i++) {
      unsigned char c = (unsigned char)p[i];
      if (c == '\0') {
        rc = fail(err, errlen, line, "NUL byte");
        goto out;
      }
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        rc = fail(err, errlen, line, "control character \\x%02x", c);
        goto out;
      }
    }
    rc = parse_line(conf, p, n, line, err, errlen);
    if (rc)
      goto out;
    p = nl ? nl + 1 : end;
  }
out:
  if (rc) {
    if (rc == -ENOMEM)
      fail(err, errlen, line, "out of memory");
    perfcap_conf_free(conf);
  }
  return rc;
}

int perfcap_conf_match(const struct perfcap_conf *conf, const char *user,
                       const gid_t *groups, size_t ngroups,
                       perfcap_group_fn group, void *arg, unsigned *caps,
                       char *err, size_t errlen)
{
  unsigned grant = 0;
  *caps = 0;
  for (size_t i = 0; i < conf->n; i++) {
    const struct perfcap_who *w = &conf->who[i];
    switch (w->kind) {
    case PERFCAP_WHO_ANY:
      grant |= w->caps;
      break;
    case PERFCAP_WHO_USER:
      if (!strcmp(w->name, user))
        grant |= w->caps;
      break;
    case PERFCAP_WHO_GROUP: {
      gid_t gid;
      /* A group that does not exist is a typo or a stale rule: refuse the
       * file rather than guess (perfcap.conf(5)). */
      int grc = group ? group(w->name, &gid, arg) : -ENOENT;
      if (grc == -ENOENT)
        return fail(err, errlen, w->line, "no group named '%s'", w->name);
      if (grc)
        return fail(err, errlen, w->line, "group '%s': cannot look it up: "
                    "%s", w->name, strerror(-grc));
      for (size_t g = 0; g < ngroups; g++)
        if (groups[g] == gid) {
          grant |= w->caps;
          break;
        }
      break;
    }
    }
  }
  *caps = grant;
  return 0;
}
