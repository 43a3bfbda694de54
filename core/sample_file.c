/*
 * sample_file.c - reading a sample file (docs/file-format.md) for
 * `pmux report`: check the header, walk the sections, decode the DATA
 * section with the format named by its UUID, and name the functions that
 * sampled IPs fall in (the mappings recorded from PERF_RECORD_MMAP2, the
 * ELF symbol tables read with libelf; kernel IPs from /proc/kallsyms when
 * the file was recorded on this boot, kallsyms.c).
 *
 * Every length is checked against what is left of the file before use; a
 * file that stops making sense yields PMUX_EFILE with the offset, and
 * whatever came before stays usable.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_id.h"
#include "format.h"
#include "internal.h"
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

/* The functions a JIT named for perf in /tmp/perf-PID.map ("START SIZE
 * NAME" lines, hex): its code has no file. */
struct jit_map {
  uint32_t pid;
  struct fsym *syms;       /* sorted by address; size from the line */
  size_t nsyms;
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
  struct jit_map *jits;    /* /tmp/perf-PID.map of the JIT processes seen */
  size_t njits;
  const char **changed;    /* paths of the dsos whose build-id changed */
  size_t nchanged;
  char boot_id[PMUX__BOOT_ID_MAX]; /* META's boot_id: "" when absent */
  int boot_id_bad;         /* present but cut: too long, or with a NUL */
  int ksyms_tried;         /* kallsyms is loaded on the first kernel IP */
  pmux__kallsyms_t *ksyms; /* NULL: kernel IPs stay "[kernel]", for: */
  char ksyms_why[128];
};

static int bad(size_t off, const char *what, const char *detail)
{
  return pmux__fail(PMUX_EFILE, "file offset %zu: %s%s%s", off, what,
                    detail ? ": " : "", detail ? detail : "");
}

static int get_str(const uint8_t *p, size_t len, size_t *o, char *out,
                   size_t outlen)
{
  uint32_t n;
  if (len - *o < 4)
    return -1;
  memcpy(&n, p + *o, 4);
  *o += 4;
  if (n > len - *o)
    return -1;
  size_t c = n < outlen - 1 ? n : outlen - 1;
  memcpy(out, p + *o, c);
  out[c] = 0;
  *o += n;
  return 0;
}

/* The value of the first META line "KEY=value" into out (cap bytes, cut
 * to fit): -1 no such line, 0 cut (too long, or a NUL in it), 1 whole. */
static int meta_value(const uint8_t *p, size_t len, const char *key,
                      char *out, size_t cap)
{
  size_t klen = strlen(key);
  for (size_t i = 0; i + klen < len; i++) {
    if ((i == 0 || p[i - 1] == '\n') && !memcmp(p + i, key, klen) &&
        p[i + klen] == '=') {
      const uint8_t *v = p + i + klen + 1;
      size_t left = len - i - klen - 1;
      const uint8_t *nl = memchr(v, '\n', left);
      size_t vlen = nl ? (size_t)(nl - v) : left;
      int whole = pmux__copy_prefix(out, cap, (const char *)v, vlen);
      return whole && !memchr(v, 0, vlen); /* a NUL cuts it short too */
    }
  }
  return -1;
}

/* SETS: u32 count; per set u32 id, u32 len, the events.  Each entry
 * takes at least 8 bytes, so a count beyond len / 8 is a lie, refused
 * before anything is allocated for it. */
static int parse_sets(pmux_sample_file_t *f, const uint8_t *p, size_t len,
                      size_t at)
{
  uint32_t n;
  if (f->sets)
    return bad(at, "SETS section", "a second one");
  if (len < 4)
    return bad(at, "SETS section", "shorter than its count");
  memcpy(&n, p, 4);
  if (n == 0 || n > (len - 4) / 8)
    return pmux__fail(PMUX_EFILE, "file offset %zu: SETS section: %u sets "
                      "cannot fit in its %zu bytes", at, n, len);
  f->sets = calloc(n, sizeof(*f->sets));
  if (!f->sets)
    return -ENOMEM;
  size_t o = 4;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t id, tlen;
    if (len - o < 8)
      return bad(at + o, "SETS section", "set entry truncated");
    memcpy(&id, p + o, 4);
    memcpy(&tlen, p + o + 4, 4);
    o += 8;
    if (tlen > len - o)
      return bad(at + o, "SETS section", "events run past the section");
    for (size_t k = 0; k < f->nsets; k++)
      if (f->sets[k].id == id)
        return pmux__fail(PMUX_EFILE, "file offset %zu: SETS section: set "
                          "%u listed twice", at + o - 8, id);
    char *events = strndup((const char *)p + o, tlen);
    if (!events)
      return -ENOMEM;
    f->sets[f->nsets++] = (pmux_sample_file_set_t){id, events, NULL, 0};
    o += tlen;
  }
  return 0;
}

/* SWITCHES (1.1, written last): per set struct pmux_sf_switch + spec,
 * matched to the SETS entry of the same id. */
static int parse_switches(pmux_sample_file_t *f, const uint8_t *p,
                          size_t len, size_t at)
{
  uint32_t n;
  if (len < 4)
    return bad(at, "SWITCHES section", "shorter than its count");
  memcpy(&n, p, 4);
  size_t o = 4;
  for (uint32_t i = 0; i < n; i++) {
    struct pmux_sf_switch w;
    if (len - o < sizeof(w))
      return bad(at + o, "SWITCHES section", "entry truncated");
    memcpy(&w, p + o, sizeof(w));
    o += sizeof(w);
    if (w.spec_len > len - o)
      return bad(at + o, "SWITCHES section", "spec runs past the section");
    pmux_sample_file_set_t *set = NULL;
    for (size_t k = 0; k < f->nsets; k++)
      if (f->sets[k].id == w.set)
        set = &f->sets[k];
    if (!set)
      return pmux__fail(PMUX_EFILE, "file offset %zu: SWITCHES section: "
                        "set %u is not in the SETS section",
                        at + o - sizeof(w), w.set);
    if (set->switched)
      return pmux__fail(PMUX_EFILE, "file offset %zu: SWITCHES section: "
                        "set %u listed twice", at + o - sizeof(w), w.set);
    char *spec = strndup((const char *)p + o, w.spec_len);
    if (!spec)
      return -ENOMEM;
    set->switched = spec;
    set->runs = w.runs;
    o += w.spec_len;
  }
  return 0;
}

/* A value META escapes (the command: \\n, \\t, \\\\, \\xHH), cut to fit
 * out: drop the half escape the cut may have left at its end. */
static void cut_to_escapes(char *s)
{
  size_t i = 0, whole = 0;
  while (s[i]) {
    size_t w = s[i] != '\\' ? 1 : s[i + 1] == 'x' ? 4 : 2;
    if (strnlen(s + i, w) < w)
      break;
    i += w;
    whole = i;
  }
  s[whole] = 0;
}

static int parse_section(pmux_sample_file_t *f, uint32_t type,
                         const uint8_t *p, size_t len, size_t at)
{
  size_t o = 0;
  switch (type) {
  case PMUX_SF_META: {
    if (!meta_value(p, len, "command", f->command, sizeof(f->command)))
      cut_to_escapes(f->command);
    int whole = meta_value(p, len, "boot_id", f->boot_id, sizeof(f->boot_id));
    if (whole >= 0)
      f->boot_id_bad = !whole;
    return 0;
  }
  case PMUX_SF_EVENTS: {
    uint32_t n;
    struct pmux_sf_event e;
    if (len < 4)
      return bad(at, "EVENTS section", "shorter than its count");
    memcpy(&n, p, 4);
    o = 4;
    for (uint32_t i = 0; i < n; i++) {
      if (len - o < sizeof(e))
        return bad(at + o, "EVENTS section", "event entry truncated");
      memcpy(&e, p + o, sizeof(e));
      o += sizeof(e);
      if (e.name_len > len - o)
        return bad(at + o, "EVENTS section", "event name runs past section");
      if (i == 0) {
        size_t c = e.name_len < sizeof(f->event) - 1 ? e.name_len
                                                     : sizeof(f->event) - 1;
        memcpy(f->event, p + o, c);
        f->event[c] = 0;
      }
      o += e.name_len;
    }
    return 0;
  }
  case PMUX_SF_SETS:
    return parse_sets(f, p, len, at);
  case PMUX_SF_SWITCHES:
    return parse_switches(f, p, len, at);
  case PMUX_SF_FORMAT: {
    if (len < 16)
      return bad(at, "FORMAT section", "no UUID");
    char args[256];
    o = 16;
    if (get_str(p, len, &o, f->format_name, sizeof(f->format_name)) < 0 ||
        get_str(p, len, &o, args, sizeof(args)) < 0)
      return bad(at + o, "FORMAT section", "name or arguments truncated");
    f->fmt = pmux__format_by_uuid(p);
    if (!f->fmt)
      return pmux__fail(PMUX_EFORMAT,
                        "file offset %zu: format '%s' (its UUID) is not "
                        "known to this pmux",
                        at, f->format_name);
    return 0;
  }
  case PMUX_SF_MAPS: {
    f->have_maps = 1;
    while (o < len) {
      struct pmux_sf_map m;
      if (len - o < sizeof(m))
        return bad(at + o, "MAPS section", "mapping truncated");
      memcpy(&m, p + o, sizeof(m));
      o += sizeof(m);
      if (m.name_len > len - o || m.name_len == 0 || m.name_len > 4096)
        return bad(at + o, "MAPS section", "bad file name length");
      struct fmap *nm = realloc(f->maps, (f->nmaps + 1) * sizeof(*nm));
      if (!nm)
        return -ENOMEM;
      f->maps = nm;
      char *name = strndup((const char *)p + o, m.name_len);
      if (!name)
        return -ENOMEM;
      f->maps[f->nmaps++] = (struct fmap){m, name};
      o += m.name_len;
    }
    return 0;
  }
  case PMUX_SF_TASKS:
    if (f->have_tasks)
      return bad(at, "TASKS section", "a second one");
    if (len % sizeof(struct pmux_sf_task))
      return bad(at, "TASKS section", "not a whole number of entries");
    f->tasks = malloc(len ? len : 1);
    if (!f->tasks)
      return -ENOMEM;
    memcpy(f->tasks, p, len);
    f->ntasks = len / sizeof(struct pmux_sf_task);
    f->have_tasks = 1;
    return 0;
  case PMUX_SF_MAP_BUILD_IDS:
    while (o < len) {
      struct pmux_sf_map_build_id b;
      if (len - o < sizeof(b))
        return bad(at + o, "MAP_BUILD_IDS section", "entry truncated");
      memcpy(&b, p + o, sizeof(b));
      o += sizeof(b);
      if (b.map >= f->nmaps || f->maps[b.map].id_len)
        return bad(at + o, "MAP_BUILD_IDS section",
                   "no such mapping, or one named twice");
      if (b.id_len == 0 || b.id_len > PMUX__BUILD_ID_MAX || b.id_len > len - o)
        return bad(at + o, "MAP_BUILD_IDS section", "bad id length");
      f->maps[b.map].id = p + o;
      f->maps[b.map].id_len = b.id_len;
      o += b.id_len;
    }
    return 0;
  case PMUX_SF_BUILD_IDS:
    if (f->have_ids)
      return bad(at, "BUILD_IDS section", "a second one");
    f->have_ids = 1;
    while (o < len) {
      struct pmux_sf_build_id b;
      if (len - o < sizeof(b))
        return bad(at + o, "BUILD_IDS section", "entry truncated");
      memcpy(&b, p + o, sizeof(b));
      o += sizeof(b);
      if (b.name_len == 0 || b.name_len > 4096 || b.id_len == 0 ||
          b.id_len > PMUX__BUILD_ID_MAX || b.name_len + b.id_len > len - o)
        return bad(at + o, "BUILD_IDS section", "bad name or id length");
      struct recorded_id *n = realloc(f->ids, (f->nids + 1) * sizeof(*n));
      if (!n)
        return -ENOMEM;
      f->ids = n;
      f->ids[f->nids++] = (struct recorded_id){p + o, p + o + b.name_len,
                                               b.name_len, b.id_len};
      o += b.name_len + b.id_len;
    }
    return 0;
  case PMUX_SF_VDSO:
    if (f->vdso)
      return bad(at, "VDSO section", "a second one");
    if (len < 4 || memcmp(p, "\177ELF", 4))
      return bad(at, "VDSO section", "not an ELF image");
    if (len > PMUX_SF_VDSO_MAX)
      return bad(at, "VDSO section", "larger than a vdso can be");
    /* a copy: libelf wants the image aligned, the section may not be */
    f->vdso = malloc(len);
    if (!f->vdso)
      return -ENOMEM;
    memcpy(f->vdso, p, len);
    f->vdso_len = len;
    return 0;
  case PMUX_SF_STATS:
    if (len < sizeof(f->stats))
      return bad(at, "STATS section", "truncated");
    memcpy(&f->stats, p, sizeof(f->stats));
    f->have_stats = 1;
    return 0;
  default:
    return 0; /* unknown sections are skipped: newer minor versions */
  }
}

static int sections(pmux_sample_file_t *f, size_t off, int *first_err,
                    char *first_msg, size_t msg_len);

static int parse(pmux_sample_file_t *f)
{
  struct pmux_sf_header h;
  if (f->len < sizeof(h))
    return bad(0, "file header truncated", NULL);
  memcpy(&h, f->buf, sizeof(h));
  if (memcmp(h.magic, PMUX_SF_MAGIC, 8))
    return bad(0, "not a pmux sample file", "bad magic");
  if (h.version >> 16 != PMUX_SF_VERSION >> 16)
    return pmux__fail(PMUX_EFILE, "file offset 8: version %u.%u, this pmux "
                      "reads %u.x", h.version >> 16, h.version & 0xffff,
                      PMUX_SF_VERSION >> 16);
  if (h.endian != PMUX_SF_ENDIAN)
    return bad(16, "file written with the other byte order", NULL);
  if (h.header_size < sizeof(h) || h.header_size > f->len)
    return bad(12, "bad header size", NULL);
  size_t off = h.header_size;
  /* A section whose contents are bad but whose length is sound is
   * skipped: the sections after it (the stats after a bad MAPS) are still
   * read, and its error is the one returned at the end. */
  int first_err = 0;
  char first_msg[PMUX_ERRMSG_MAX] = "";
  int rc = sections(f, off, &first_err, first_msg, sizeof(first_msg));
  if (first_err)
    return pmux__fail(first_err, "%s", first_msg);
  return rc;
}

static int sections(pmux_sample_file_t *f, size_t off, int *first_err,
                    char *first_msg, size_t msg_len)
{
  for (;;) {
    struct pmux_sf_section s;
    if (off == f->len)
      return bad(off, "file ends before its END section",
                 "the recording was interrupted, or the file was cut");
    if (f->len - off < sizeof(s))
      return bad(off, "section header truncated", NULL);
    memcpy(&s, f->buf + off, sizeof(s));
    off += sizeof(s);
    if (s.type == PMUX_SF_END) {
      f->ended = 1;
      return 0;
    }
    if (s.type == PMUX_SF_DATA) {
      f->have_data = 1;
      f->data = f->buf + off;
      f->data_off = off;
      if (s.length == PMUX_SF_UNTERMINATED || s.length > f->len - off) {
        /* Truncated or never finished: decode what is there. */
        f->data_len = f->len - off;
        if (s.length == PMUX_SF_UNTERMINATED)
          return bad(off - sizeof(s), "DATA section never finished",
                     "the recording was interrupted");
        return pmux__fail(PMUX_EFILE, "file offset %zu: DATA section of "
                          "%llu bytes runs past the end of the file (%zu "
                          "bytes left): truncated", off - sizeof(s),
                          (unsigned long long)s.length, f->len - off);
      }
      f->data_len = (size_t)s.length;
      off += f->data_len;
      continue;
    }
    if (s.length > f->len - off)
      return pmux__fail(PMUX_EFILE, "file offset %zu: section type %u of "
                        "%llu bytes runs past the end of the file (%zu bytes "
                        "left): truncated", off - sizeof(s), s.type,
                        (unsigned long long)s.length, f->len - off);
    int rc = parse_section(f, s.type, f->buf + off, (size_t)s.length, off);
    if (rc < 0 && !*first_err) {
      *first_err = rc;
      snprintf(first_msg, msg_len, "%s", pmux_errmsg());
    }
    off += (size_t)s.length;
  }
}

/* Parse buf (malloc'ed), which the file takes over, freed with it. */
static int open_owned(uint8_t *buf, size_t len, pmux_sample_file_t **out)
{
  *out = NULL;
  pmux__clear_error();
  pmux_sample_file_t *f = calloc(1, sizeof(*f));
  if (!f) {
    free(buf);
    return -ENOMEM;
  }
  f->buf = buf;
  f->len = len;
  int rc = parse(f);
  if (rc < 0 && !f->fmt && !f->have_data && !f->nmaps) {
    pmux_sample_file_close(f);
    return rc;
  }
  *out = f;
  return rc;
}

int pmux_sample_file_open_mem(const void *buf, size_t len,
                              pmux_sample_file_t **out)
{
  *out = NULL;
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy)
    return -ENOMEM;
  memcpy(copy, buf, len);
  return open_owned(copy, len, out);
}

int pmux_sample_file_open(const char *path, pmux_sample_file_t **out)
{
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return pmux__fail(-errno, "%s: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) < 0) {
    int e = errno;
    close(fd);
    return pmux__fail(-e, "%s: %s", path, strerror(e));
  }
  if (!S_ISREG(sb.st_mode)) {
    int dir = S_ISDIR(sb.st_mode);
    close(fd);
    return pmux__fail(dir ? -EISDIR : -EINVAL, "%s: %s", path,
                      dir ? strerror(EISDIR)
                          : "not a regular file (a sample file is read "
                            "whole, from a file of known size)");
  }
  size_t len = (size_t)sb.st_size;
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf) {
    close(fd);
    return pmux__fail(-ENOMEM, "%s: no memory for its %zu bytes", path, len);
  }
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, buf + got, len - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      free(buf);
      return pmux__fail(-e, "%s: reading at offset %zu: %s", path, got,
                        strerror(e));
    }
    if (n == 0)
      break; /* shorter than fstat said: the parser names what is missing */
    got += (size_t)n;
  }
  close(fd);
  /* The file keeps the buffer read: one copy of the file in memory. */
  int rc = open_owned(buf, got, out);
  if (rc < 0) {
    char msg[PMUX_ERRMSG_MAX];
    snprintf(msg, sizeof(msg), "%s", pmux_errmsg());
    pmux__fail(rc, "%s: %s", path, msg);
  }
  return rc;
}

void pmux_sample_file_close(pmux_sample_file_t *f)
{
  if (!f)
    return;
  for (size_t i = 0; i < f->nmaps; i++)
    free((char *)f->maps[i].name);
  free(f->maps);
  free(f->tasks);
  for (size_t i = 0; i < f->nsets; i++) {
    free((char *)f->sets[i].events);
    free((char *)f->sets[i].switched);
  }
  free(f->sets);
  for (size_t i = 0; i < f->ndsos; i++) {
    for (size_t j = 0; j < f->dsos[i].nsyms; j++)
      free(f->dsos[i].syms[j].name);
    free(f->dsos[i].syms);
    free(f->dsos[i].loads);
    free(f->dsos[i].path);
  }
  free(f->dsos);
  free(f->ids);
  free(f->changed);
  for (size_t i = 0; i < f->njits; i++) {
    for (size_t j = 0; j < f->jits[i].nsyms; j++)
      free(f->jits[i].syms[j].name);
    free(f->jits[i].syms);
  }
  free(f->jits);
  free(f->vdso);
  pmux__kallsyms_free(f->ksyms);
  free(f->buf);
  free(f);
}

size_t pmux_sample_file_changed(const pmux_sample_file_t *f,
                                const char *const **paths)
{
  *paths = f->changed;
  return f->nchanged;
}

const char *pmux_sample_file_format(const pmux_sample_file_t *f)
{
  return f->format_name[0] ? f->format_name : "?";
}
const char *pmux_sample_file_event(const pmux_sample_file_t *f)
{
  return f->event;
}
const char *pmux_sample_file_command(const pmux_sample_file_t *f)
{
  return f->command;
}
uint64_t pmux_sample_file_lost(const pmux_sample_file_t *f)
{
  return f->have_stats ? f->stats.lost : 0;
}
uint64_t pmux_sample_file_recorded(const pmux_sample_file_t *f)
{
  return f->have_stats ? f->stats.samples : 0;
}
int pmux_sample_file_complete(const pmux_sample_file_t *f)
{
  return f->ended;
}
unsigned pmux_sample_file_missing(const pmux_sample_file_t *f)
{
  return (f->have_maps ? 0u : PMUX_SF_MISSING_MAPS) |
         (f->have_stats ? 0u : PMUX_SF_MISSING_STATS);
}

size_t pmux_sample_file_sets(const pmux_sample_file_t *f,
                             const pmux_sample_file_set_t **sets)
{
  *sets = f->sets;
  return f->nsets;
}

struct foreach_ctx {
  int (*cb)(const pmux_sample_t *s, void *arg);
  void *arg;
};

static int foreach_one(const pmux_fmt_sample_t *fs, void *arg)
{
  struct foreach_ctx *c = arg;
  pmux_sample_t s = {fs->pid, fs->tid, fs->ip, fs->time, fs->cpu, fs->set,
                     fs->weight};
  return c->cb(&s, c->arg);
}

int pmux_sample_file_foreach(pmux_sample_file_t *f,
                             int (*cb)(const pmux_sample_t *s, void *arg),
                             void *arg)
{
  if (!f->fmt)
    return pmux__fail(PMUX_EFORMAT, "the file names no known format");
  if (!f->have_data)
    return pmux__fail(PMUX_EFILE, "the file has no DATA section");
  struct foreach_ctx c = {cb, arg};
  size_t stop = 0;
  int rc = f->fmt->decode(f->data, f->data_len, foreach_one, &c, &stop);
  if (rc < 0) {
    char msg[PMUX_ERRMSG_MAX];
    snprintf(msg, sizeof(msg), "%s", pmux_errmsg());
    return pmux__fail(rc, "file offset %zu: %s", f->data_off + stop, msg);
  }
  return 0;
}

/* ------------------------------------------------------------ symbols */

static int sym_cmp(const void *a, const void *b)
{
  const struct fsym *x = a, *y = b;
  return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Whether d, as on disk now, is the build the recording saw at the end:
 * its build-id is the one BUILD_IDS holds for its path, or BUILD_IDS has
 * none to compare with (a file recorded without one, or before 1.3). */
static int same_build(const pmux_sample_file_t *f, const struct dso *d)
{
  size_t pl = strlen(d->path);
  for (size_t i = 0; i < f->nids; i++) {
    const struct recorded_id *r = &f->ids[i];
    if (r->name_len != pl || memcmp(r->name, d->path, pl))
      continue;
    return d->id_len == r->id_len && !memcmp(d->id, r->id, d->id_len);
  }
  return 1;
}

/* The symbol table of e: .symtab when present (not stripped), else
 * .dynsym; NULL when none.  *symtab: whether it is a .symtab. */
static Elf_Scn *symbol_table(Elf *e, GElf_Shdr *sh, int *symtab)
{
  Elf_Scn *scn = NULL, *pick = NULL;
  GElf_Shdr cur;
  *symtab = 0;
  while ((scn = elf_nextscn(e, scn))) {
    if (!gelf_getshdr(scn, &cur) || !cur.sh_entsize)
      continue;
    if (cur.sh_type == SHT_SYMTAB || (cur.sh_type == SHT_DYNSYM && !pick)) {
      pick = scn;
      *sh = cur;
      *symtab = cur.sh_type == SHT_SYMTAB;
    }
  }
  return pick;
}

/* The function symbols of table scn (header sh) of e into d. */
static void read_symbols(struct dso *d, Elf *e, Elf_Scn *scn,
                         const GElf_Shdr *sh)
{
  Elf_Data *data = elf_getdata(scn, NULL);
  /* entries of the class's size: a smaller sh_entsize (a crafted file)
   * would size the table many times over */
  size_t entsize = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);
  if (!entsize || sh->sh_entsize < entsize)
    return;
  size_t n = sh->sh_size / sh->sh_entsize;
  d->syms = calloc(n ? n : 1, sizeof(*d->syms));
  for (size_t i = 0; data && d->syms && i < n; i++) {
    GElf_Sym s;
    if (!gelf_getsym(data, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
        s.st_shndx == SHN_UNDEF || !s.st_value)
      continue;
    const char *name = elf_strptr(e, sh->sh_link, s.st_name);
    if (!name || !*name)
      continue;
    d->syms[d->nsyms++] = (struct fsym){s.st_value, s.st_size, strdup(name)};
  }
  qsort(d->syms, d->nsyms, sizeof(*d->syms), sym_cmp);
}

/*
 * A stripped object keeps only .dynsym, the exported functions (libc's
 * internals all show as "[libc.so.6]").  Its separate debug file, where
 * the distribution installs one (Debian's -dbg and -dbgsym packages:
 * DIR/.build-id/xx/yyyy.debug, DIR /usr/lib/debug or PMUX_DEBUG_DIR),
 * holds the whole .symtab, at the same addresses.  1 when d got its
 * symbols from there.
 */
static int debug_file_symbols(struct dso *d, Elf *e)
{
  uint8_t id[PMUX__BUILD_ID_MAX];
  size_t n = pmux__elf_build_id(e, id, sizeof(id));
  if (n < 2)
    return 0;
  const char *dir = getenv("PMUX_DEBUG_DIR");
  char path[4096], hex[2 * PMUX__BUILD_ID_MAX + 1];
  for (size_t i = 0; i < n; i++)
    snprintf(hex + 2 * i, 3, "%02x", id[i]);
  if (snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s.debug",
               dir && *dir ? dir : "/usr/lib/debug", hex,
               hex + 2) >= (int)sizeof(path))
    return 0;
  int fd, got = 0;
  Elf *dbg = pmux__elf_open(path, &fd);
  uint8_t did[PMUX__BUILD_ID_MAX];
  GElf_Shdr sh;
  int symtab;
  Elf_Scn *scn = NULL;
  /* the same build (its id), and a full table */
  if (dbg && pmux__elf_build_id(dbg, did, sizeof(did)) == n &&
      !memcmp(did, id, n) && (scn = symbol_table(dbg, &sh, &symtab)) &&
      symtab) {
    read_symbols(d, dbg, scn, &sh);
    got = 1;
  }
  pmux__elf_close(dbg, fd);
  return got;
}

/* The ABI an ELF header tells (e_ident's class and byte order, e_machine
 * as stored): what a process's vdso image must share with its objects. */
static int elf_abi(const uint8_t *h, size_t len, uint8_t abi[4])
{
  if (len < 20 || memcmp(h, "\177ELF", 4))
    return -1;
  abi[0] = h[4];
  abi[1] = h[5];
  abi[2] = h[18];
  abi[3] = h[19];
  return 0;
}

/* The ABI of the objects process pid had mapped by time t (its latest file
 * mapping then: at an exec, the program and its interpreter are mapped
 * before the vdso): -1 when none is known or can be read. */
static int process_abi(const pmux_sample_file_t *f, uint32_t pid,
                       uint64_t t, uint8_t abi[4])
{
  const struct fmap *best = NULL;
  for (size_t i = 0; i < f->nmaps; i++) {
    const struct fmap *m = &f->maps[i];
    if (m->m.pid == pid && m->name[0] == '/' && m->m.time <= t &&
        (!best || m->m.time >= best->m.time))
      best = m;
  }
  if (!best)
    return -1;
  int fd = open(best->name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    return -1;
  struct stat sb;
  uint8_t h[20];
  int rc = -1;
  if (!fstat(fd, &sb) && S_ISREG(sb.st_mode) &&
      pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h))
    rc = elf_abi(h, sizeof(h), abi);
  close(fd);
  return rc;
}

/* Whether the recorder's vdso image (VDSO) is the one mapping m held: of
 * its length, and, where the process's objects tell its ABI, of that ABI
 * (x86-64's 32-bit vdso is as long as the 64-bit one: the length alone
 * named a 32-bit process's vdso samples from the 64-bit image). */
static int vdso_fits(const pmux_sample_file_t *f, const struct fmap *m)
{
  uint8_t ours[4], theirs[4];
  if (!f->vdso || m->m.len != f->vdso_len ||
      elf_abi(f->vdso, f->vdso_len, ours))
    return 0;
  return process_abi(f, m->m.pid, m->m.time, theirs) ||
         !memcmp(ours, theirs, sizeof(ours));
}

/* The program headers and function symbols of e into d (ok: usable). */
static void dso_read(struct dso *d, Elf *e)
{
  size_t nph;
  if (elf_getphdrnum(e, &nph) == 0) {
    d->loads = calloc(nph ? nph : 1, sizeof(*d->loads));
    for (size_t i = 0; d->loads && i < nph; i++) {
      GElf_Phdr ph;
      if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD)
        d->loads[d->nloads++] =
            (struct phdr_load){ph.p_offset, ph.p_filesz, ph.p_vaddr};
    }
  }
  GElf_Shdr sh;
  int symtab;
  Elf_Scn *scn = symbol_table(e, &sh, &symtab);
  if (!symtab && debug_file_symbols(d, e)) {
    d->ok = 1;
    return;
  }
  if (!scn)
    return;
  read_symbols(d, e, scn, &sh);
  d->ok = 1;
}

/* The vdso image the recorder copied (VDSO), for the "[vdso]" mappings it
 * fits: there is no file to read it from. */
static void vdso_load(const pmux_sample_file_t *f, struct dso *d)
{
  Elf *e = elf_memory((char *)f->vdso, f->vdso_len);
  if (e && elf_kind(e) == ELF_K_ELF)
    dso_read(d, e);
  if (e)
    elf_end(e);
}

static void dso_load(const pmux_sample_file_t *f, struct dso *d)
{
  d->loaded = 1;
  static int init;
  if (!init) {
    if (elf_version(EV_CURRENT) == EV_NONE)
      return;
    init = 1;
  }
  if (!strcmp(d->path, "[vdso]")) {
    vdso_load(f, d);
    return;
  }
  int fd;
  Elf *e = pmux__elf_open(d->path, &fd); /* a path the file names */
  if (e) {
    d->id_len = pmux__elf_build_id(e, d->id, sizeof(d->id));
    d->changed = !same_build(f, d);
    dso_read(d, e); /* a mapping of the same build may still use them */
  }
  pmux__elf_close(e, fd);
}

static struct dso *dso_get(pmux_sample_file_t *f, const char *path)
{
  for (size_t i = 0; i < f->ndsos; i++)
    if (!strcmp(f->dsos[i].path, path))
      return &f->dsos[i];
  struct dso *n = realloc(f->dsos, (f->ndsos + 1) * sizeof(*n));
  if (!n)
    return NULL;
  f->dsos = n;
  struct dso *d = &f->dsos[f->ndsos];
  memset(d, 0, sizeof(*d));
  d->path = strdup(path);
  if (!d->path)
    return NULL;
  f->ndsos++;
  dso_load(f, d);
  return d;
}

/* Whether mapping m was of another build than d, the file on disk now (its
 * symbols would name the wrong functions): by the build-id the kernel gave
 * the mapping when there is one (MAP_BUILD_IDS: a binary rebuilt while
 * recording has mappings of both builds), else by BUILD_IDS, read when the
 * recording ended.  Such a file is listed once for
 * pmux_sample_file_changed(). */
static int other_build(pmux_sample_file_t *f, const struct fmap *m,
                       const struct dso *d)
{
  int other = m->id_len ? m->id_len != d->id_len ||
                              memcmp(m->id, d->id, d->id_len)
                        : d->changed;
  if (!other)
    return 0;
  for (size_t i = 0; i < f->nchanged; i++)
    if (f->changed[i] == d->path)
      return 1;
  const char **c = realloc(f->changed, (f->nchanged + 1) * sizeof(*c));
  if (c) {
    f->changed = c;
    f->changed[f->nchanged++] = d->path;
  }
  return 1;
}

/* The mapping of process pid covering ip at time t (0: any time): the
 * latest mapped before t. */
static const struct fmap *own_map(const pmux_sample_file_t *f, uint32_t pid,
                                  uint64_t ip, uint64_t t)
{
  const struct fmap *best = NULL;
  for (size_t i = 0; i < f->nmaps; i++) {
    const struct fmap *m = &f->maps[i];
    if (m->m.pid != pid || ip < m->m.start || ip - m->m.start >= m->m.len)
      continue;
    if (t && m->m.time > t)
      continue; /* mapped after the sample */
    if (!best || m->m.time >= best->m.time)
      best = m;
  }
  return best;
}

/*
 * The mapping that holds ip for process pid at time t: its own; else, for
 * a process forked while recording (TASKS) that has not exec'd since, its
 * parent's as it was at the fork (a forked child runs its parent's code,
 * whose mappings no MMAP2 repeats), up the chain of forks.  Never another
 * process's: system-wide that names the wrong object.  A file without
 * TASKS (before 1.2) has no forks to follow.
 */
static const struct fmap *find_map(const pmux_sample_file_t *f, uint32_t pid,
                                   uint64_t ip, uint64_t t)
{
  for (int depth = 0; depth < 64; depth++) {
    const struct fmap *m = own_map(f, pid, ip, t);
    if (m)
      return m;
    const struct pmux_sf_task *fork = NULL;
    for (size_t i = 0; i < f->ntasks; i++) {
      const struct pmux_sf_task *k = &f->tasks[i];
      if (k->kind == PMUX_SF_TASK_FORK && k->pid == pid &&
          (!t || k->time <= t) && (!fork || k->time >= fork->time))
        fork = k; /* a pid reused: its latest fork before the sample */
    }
    if (!fork || fork->ppid == pid)
      return NULL;
    for (size_t i = 0; i < f->ntasks; i++) {
      const struct pmux_sf_task *k = &f->tasks[i];
      if (k->kind == PMUX_SF_TASK_EXEC && k->pid == pid &&
          k->time >= fork->time && (!t || k->time <= t))
        return NULL; /* its own image since, which does not cover ip */
    }
    pid = fork->ppid;
    t = fork->time;
  }
  return NULL;
}

/* A kernel IP: named from this boot's kallsyms, loaded on the first one
 * (most reports have none, or no right to the addresses). */
static int kernel_symbol(pmux_sample_file_t *f, uint64_t ip, char *sym,
                         size_t len, char *dso, size_t dlen)
{
  if (!f->ksyms_tried) {
    f->ksyms_tried = 1;
    if (f->boot_id_bad)
      snprintf(f->ksyms_why, sizeof(f->ksyms_why),
               "bad boot id in the file");
    else
      pmux__kallsyms_for_boot(f->boot_id, &f->ksyms, f->ksyms_why,
                              sizeof(f->ksyms_why));
  }
  const char *module = NULL;
  const char *name = f->ksyms ? pmux__kallsyms_find(f->ksyms, ip, &module)
                              : NULL;
  if (!name) {
    snprintf(sym, len, "[kernel]");
    snprintf(dso, dlen, "[kernel.kallsyms]");
    return 0;
  }
  snprintf(sym, len, "%s", name);
  if (module)
    snprintf(dso, dlen, "[%s]", module);
  else
    snprintf(dso, dlen, "[kernel.kallsyms]");
  return 1;
}

int pmux_sample_file_kernel_symbols(const pmux_sample_file_t *f,
                                    const char **why)
{
  *why = NULL;
  if (!f->ksyms_tried)
    return -1;
  if (f->ksyms)
    return 1;
  *why = f->ksyms_why;
  return 0;
}

/* Read /tmp/perf-PID.map into j.  Only a regular file of the reader's own
 * (or root's), not a link: anyone may write in /tmp, and a map planted
 * there would name the samples of another user's JIT. */
static void jit_load(struct jit_map *j)
{
  char path[64];
  snprintf(path, sizeof(path), "/tmp/perf-%u.map", (unsigned)j->pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  struct stat sb;
  FILE *in = NULL;
  if (fd >= 0 && !fstat(fd, &sb) && S_ISREG(sb.st_mode) &&
      (sb.st_uid == geteuid() || sb.st_uid == 0))
    in = fdopen(fd, "r");
  if (!in) {
    if (fd >= 0)
      close(fd);
    return;
  }
  char line[1024];
  size_t cap = 0;
  while (fgets(line, sizeof(line), in)) {
    unsigned long long start, size;
    int at = 0;
    if (sscanf(line, "%llx %llx %n", &start, &size, &at) != 2 || !at)
      continue; /* not a map line: skipped, as perf skips it */
    char *name = line + at;
    name[strcspn(name, "\n")] = 0;
    if (!*name || !size)
      continue;
    if (j->nsyms == cap) {
      size_t c = cap ? 2 * cap : 64;
      struct fsym *g = realloc(j->syms, c * sizeof(*g));
      if (!g)
        break;
      j->syms = g;
      cap = c;
    }
    char *n = strdup(name);
    if (!n)
      break;
    j->syms[j->nsyms++] = (struct fsym){start, size, n};
  }
  fclose(in);
  qsort(j->syms, j->nsyms, sizeof(*j->syms), sym_cmp);
}

/* The function a JIT named at ip in process pid's perf map, or NULL. */
static const char *jit_symbol(pmux_sample_file_t *f, uint32_t pid,
                              uint64_t ip)
{
  struct jit_map *j = NULL;
  for (size_t i = 0; i < f->njits && !j; i++)
    if (f->jits[i].pid == pid)
      j = &f->jits[i];
  if (!j) {
    struct jit_map *g = realloc(f->jits, (f->njits + 1) * sizeof(*g));
    if (!g)
      return NULL;
    f->jits = g;
    j = &f->jits[f->njits++];
    *j = (struct jit_map){pid, NULL, 0};
    jit_load(j);
  }
  size_t lo = 0, hi = j->nsyms; /* the last entry starting at or below ip */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (j->syms[mid].addr <= ip)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (!lo || ip - j->syms[lo - 1].addr >= j->syms[lo - 1].size)
    return NULL;
  return j->syms[lo - 1].name;
}

/* Anonymous executable memory, where JITs put their code: the kernel names
 * it "//anon" (or "[anon:NAME]" when named with PR_SET_VMA). */
static int anonymous(const char *name)
{
  return !strcmp(name, "//anon") || !strncmp(name, "[anon", 5);
}

int pmux_sample_file_symbol(pmux_sample_file_t *f, uint32_t pid,
                            uint64_t ip, uint64_t t, char *sym, size_t len,
                            char *dso, size_t dlen)
{
  if (dlen)
    dso[0] = 0;
  if (ip >= 0x8000000000000000ull)
    return kernel_symbol(f, ip, sym, len, dso, dlen);
  const struct fmap *m = find_map(f, pid, ip, t);
  if (!m) {
    snprintf(sym, len, "[unknown]");
    return 0;
  }
  snprintf(dso, dlen, "%s", m->name);
  const char *jit = anonymous(m->name) ? jit_symbol(f, pid, ip) : NULL;
  if (jit) {
    snprintf(sym, len, "%s", jit);
    snprintf(dso, dlen, "/tmp/perf-%u.map", (unsigned)pid);
    return 1;
  }
  /* "[vdso]" from the image the recorder copied, when it is this
   * mapping's (another ABI's vdso, a 32-bit process's, is not it). */
  int vdso = !strcmp(m->name, "[vdso]") && vdso_fits(f, m);
  if (m->name[0] == '[' && !vdso) {
    snprintf(sym, len, "%s", m->name);
    return 0;
  }
  struct dso *d = dso_get(f, m->name);
  const char *base = strrchr(m->name, '/');
  base = base ? base + 1 : m->name;
  char bracketed[4100];
  snprintf(bracketed, sizeof(bracketed), vdso ? "%s" : "[%s]", base);
  if (!d || !d->ok || (!vdso && other_build(f, m, d))) {
    snprintf(sym, len, "%s", bracketed);
    return 0;
  }
  uint64_t foff = ip - m->m.start + m->m.pgoff, va = foff;
  for (size_t i = 0; i < d->nloads; i++)
    if (foff >= d->loads[i].offset &&
        foff - d->loads[i].offset < d->loads[i].filesz) {
      va = foff - d->loads[i].offset + d->loads[i].vaddr;
      break;
    }
  /* Last symbol at or below va. */
  size_t lo = 0, hi = d->nsyms;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (d->syms[mid].addr <= va)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0) {
    snprintf(sym, len, "%s", bracketed);
    return 0;
  }
  const struct fsym *s = &d->syms[lo - 1];
  if (s->size && va - s->addr >= s->size) {
    snprintf(sym, len, "%s", bracketed);
    return 0;
  }
  snprintf(sym, len, "%s", s->name ? s->name : "?");
  return 1;
}
