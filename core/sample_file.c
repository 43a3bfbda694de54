/*
 * sample_file.c - reading a sample file (docs/file-format.md) for
 * `pmux report`: check the header, walk the sections, decode the DATA
 * section with the format named by its UUID.  Naming the functions that
 * sampled IPs fall in is sample_symbols.c's.
 *
 * Every length is checked against what is left of the file before use; a
 * file that stops making sense yields PMUX_EFILE with the offset, and
 * whatever came before stays usable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sample_file_priv.h"


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

/* META: "KEY=value" lines; the command and the boot id are read. */
static int parse_meta(pmux_sample_file_t *f, const uint8_t *p, size_t len)
{
  if (!meta_value(p, len, "command", f->command, sizeof(f->command)))
    cut_to_escapes(f->command);
  int whole = meta_value(p, len, "boot_id", f->boot_id, sizeof(f->boot_id));
  if (whole >= 0)
    f->boot_id_bad = !whole;
  return 0;
}

/* EVENTS: u32 count; per event struct pmux_sf_event + name.  The first
 * one names the sampling event. */
static int parse_events(pmux_sample_file_t *f, const uint8_t *p, size_t len,
                        size_t at)
{
  uint32_t n;
  struct pmux_sf_event e;
  if (len < 4)
    return bad(at, "EVENTS section", "shorter than its count");
  memcpy(&n, p, 4);
  size_t o = 4;
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

/* FORMAT: the format's UUID, its name and its arguments. */
static int parse_format(pmux_sample_file_t *f, const uint8_t *p, size_t len,
                        size_t at)
{
  if (len < 16)
    return bad(at, "FORMAT section", "no UUID");
  char args[256];
  size_t o = 16;
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

/* MAPS: struct pmux_sf_map + file name, repeated. */
static int parse_maps(pmux_sample_file_t *f, const uint8_t *p, size_t len,
                      size_t at)
{
  size_t o = 0;
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

/* TASKS (1.2): struct pmux_sf_task, repeated. */
static int parse_tasks(pmux_sample_file_t *f, const uint8_t *p, size_t len,
                       size_t at)
{
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
}

/* MAP_BUILD_IDS (1.3): struct pmux_sf_map_build_id + id, repeated, each
 * for a mapping of MAPS (by index). */
static int parse_map_build_ids(pmux_sample_file_t *f, const uint8_t *p,
                               size_t len, size_t at)
{
  size_t o = 0;
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
}

/* BUILD_IDS (1.3): struct pmux_sf_build_id + file name + id, repeated. */
static int parse_build_ids(pmux_sample_file_t *f, const uint8_t *p,
                           size_t len, size_t at)
{
  size_t o = 0;
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
}

/* VDSO (1.3): the recorder's vdso image. */
static int parse_vdso(pmux_sample_file_t *f, const uint8_t *p, size_t len,
                      size_t at)
{
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
}

/* STATS: struct pmux_sf_stats. */
static int parse_stats(pmux_sample_file_t *f, const uint8_t *p, size_t len,
                       size_t at)
{
  if (len < sizeof(f->stats))
    return bad(at, "STATS section", "truncated");
  memcpy(&f->stats, p, sizeof(f->stats));
  f->have_stats = 1;
  return 0;
}

/* One section other than DATA and END, at file offset at. */
static int parse_section(pmux_sample_file_t *f, uint32_t type,
                         const uint8_t *p, size_t len, size_t at)
{
  switch (type) {
  case PMUX_SF_META:
    return parse_meta(f, p, len);
  case PMUX_SF_EVENTS:
    return parse_events(f, p, len, at);
  case PMUX_SF_SETS:
    return parse_sets(f, p, len, at);
  case PMUX_SF_SWITCHES:
    return parse_switches(f, p, len, at);
  case PMUX_SF_FORMAT:
    return parse_format(f, p, len, at);
  case PMUX_SF_MAPS:
    return parse_maps(f, p, len, at);
  case PMUX_SF_TASKS:
    return parse_tasks(f, p, len, at);
  case PMUX_SF_MAP_BUILD_IDS:
    return parse_map_build_ids(f, p, len, at);
  case PMUX_SF_BUILD_IDS:
    return parse_build_ids(f, p, len, at);
  case PMUX_SF_VDSO:
    return parse_vdso(f, p, len, at);
  case PMUX_SF_STATS:
    return parse_stats(f, p, len, at);
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
  pmux__sample_symbols_free(f);
  free(f->ids);
  free(f->vdso);
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
