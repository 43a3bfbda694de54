/*
 * sample_write.c - `pmux record`'s sample-file writer: the sections before
 * the format's data and those after it (core/sample.h,
 * docs/file-format.md).  A write error is kept in rec.werr, and the
 * writes after it are skipped; the engine reports it once, at the end.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <time.h>

#include "build_id.h"
#include "kallsyms.h"
#include "sample_write.h"

static int put(struct rec *r, const void *buf, size_t len)
{
  if (r->werr)
    return r->werr;
  errno = 0; /* a short fwrite need not set it: not an earlier call's */
  if (len && fwrite(buf, 1, len, r->out) != len)
    return r->werr = -(errno ? errno : EIO);
  return 0;
}

static int put_section(struct rec *r, uint32_t type, const void *buf,
                       uint64_t len)
{
  struct pmux_sf_section s = {type, 0, len};
  put(r, &s, sizeof(s));
  return put(r, buf, len);
}

static int put_str(struct rec *r, const char *s)
{
  uint32_t n = (uint32_t)strlen(s);
  put(r, &n, 4);
  return put(r, s, n);
}

/* Room META keeps after the command: uname's fields are 65 bytes at
 * most, the keys and numbers under 100. */
#define META_TAIL 512

/* Append to buf (cap bytes) at n, cut to fit; the new length. */
static size_t meta_add(char *buf, size_t cap, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t meta_add(char *buf, size_t cap, size_t n, const char *fmt, ...)
{
  if (n + 1 >= cap)
    return n;
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(buf + n, cap - n, fmt, ap);
  va_end(ap);
  if (w < 0)
    return n;
  return (size_t)w < cap - n ? n + (size_t)w : cap - 1;
}

/* Append the command argv to buf as meta_add does, its arguments joined
 * by blanks, each control character and '\\' escaped C-style ("\\n",
 * "\\x1b"): a value is one line, and an argument holding a newline
 * (sh -c 'a\nb') must neither end the command early nor start a key of
 * its own.  Cut to fit before the first piece (a blank, a character, an
 * escape) that does not fit whole: a cut "\\x0" or a lone "\\" at the end
 * is no escape a reader can undo. */
static size_t meta_add_command(char *buf, size_t cap, size_t n,
                               char *const *argv)
{
  for (int i = 0; argv[i]; i++) {
    if (i && n + 1 >= cap)
      return n;
    if (i)
      n = meta_add(buf, cap, n, " ");
    for (const char *s = argv[i]; *s; s++) {
      char piece[8];
      unsigned char c = (unsigned char)*s;
      if (c == '\\')
        snprintf(piece, sizeof(piece), "\\\\");
      else if (c == '\n')
        snprintf(piece, sizeof(piece), "\\n");
      else if (c == '\t')
        snprintf(piece, sizeof(piece), "\\t");
      else if (c < 0x20 || c == 0x7f)
        snprintf(piece, sizeof(piece), "\\x%02x", c);
      else
        snprintf(piece, sizeof(piece), "%c", c);
      if (n + strlen(piece) >= cap)
        return n;
      n = meta_add(buf, cap, n, "%s", piece);
    }
  }
  return n;
}

static void write_head(struct rec *r, const pmux_record_opts_t *o,
                       const char *fargs)
{
  struct pmux_sf_header h;
  memset(&h, 0, sizeof(h));
  memcpy(h.magic, PMUX_SF_MAGIC, 8);
  h.version = PMUX_SF_VERSION;
  h.header_size = sizeof(h);
  h.endian = PMUX_SF_ENDIAN;
  put(r, &h, sizeof(h));

  /* META: text, for people and for report's header lines.  boot_id comes
   * first, the command (escaped to one line) is cut to leave room for the
   * keys after it. */
  char meta[4096], boot[PMUX__BOOT_ID_MAX];
  size_t n = 0, cmd_cap = sizeof(meta) - META_TAIL;
  struct utsname u;
  if (uname(&u)) /* its fields are then not set: empty, not stack bytes */
    memset(&u, 0, sizeof(u));
  if (pmux__boot_id(boot, sizeof(boot)) == 0)
    n = meta_add(meta, sizeof(meta), n, "boot_id=%s\n", boot);
  /* Attached to a process: "-p PID", and " -- COMMAND" it ran with. */
  n = meta_add(meta, cmd_cap, n, "command=");
  if (o->pid > 0)
    n = meta_add(meta, cmd_cap, n, "-p %d%s", (int)o->pid,
                 o->argv && o->argv[0] ? " -- " : "");
  if (o->argv)
    n = meta_add_command(meta, cmd_cap, n, o->argv);
  n = meta_add(meta, sizeof(meta), n,
               "\nhost=%s\nkernel=%s\nmachine=%s\ntime=%lld\nsets=%d\n",
               u.nodename, u.release, u.machine, (long long)time(NULL),
               r->nsets);
  put_section(r, PMUX_SF_META, meta, n);

  /* EVENTS: every sampling event, with its set. */
  uint64_t len = 4;
  for (int i = 0; i < r->nsev; i++)
    len += sizeof(struct pmux_sf_event) + strlen(r->sevs[i].name);
  struct pmux_sf_section s = {PMUX_SF_EVENTS, 0, len};
  uint32_t cnt = (uint32_t)r->nsev;
  put(r, &s, sizeof(s));
  put(r, &cnt, 4);
  for (int i = 0; i < r->nsev; i++) {
    const struct sev *v = &r->sevs[i];
    struct pmux_sf_event e = {v->info.type, o->period ? 0u : 1u,
                              v->info.config,
                              o->period ? o->period
                                        : (o->freq ? o->freq : DEFAULT_FREQ),
                              (uint32_t)v->set, (uint32_t)strlen(v->name)};
    put(r, &e, sizeof(e));
    put(r, v->name, e.name_len);
  }

  /* SETS: id and events of each. */
  len = 4;
  for (int i = 0; i < r->nsets; i++)
    len += 8 + strlen(r->set_text[i]);
  s = (struct pmux_sf_section){PMUX_SF_SETS, 0, len};
  cnt = (uint32_t)r->nsets;
  put(r, &s, sizeof(s));
  put(r, &cnt, 4);
  for (uint32_t i = 0; i < cnt; i++) {
    put(r, &i, 4);
    put_str(r, r->set_text[i]);
  }

  /* FORMAT: UUID, name, args. */
  s = (struct pmux_sf_section){PMUX_SF_FORMAT, 0,
                               16 + 4 + strlen(r->fmt->name) + 4 +
                                   strlen(fargs)};
  put(r, &s, sizeof(s));
  put(r, r->fmt->uuid, 16);
  put_str(r, r->fmt->name);
  put_str(r, fargs);
}

long pmux__sf_write_head(struct rec *r, const pmux_record_opts_t *o,
                         const char *fargs)
{
  write_head(r, o, fargs);
  fflush(r->out);
  long data_at = ftell(r->out);
  struct pmux_sf_section ds = {PMUX_SF_DATA, 0, PMUX_SF_UNTERMINATED};
  put(r, &ds, sizeof(ds));
  return data_at;
}

static void write_switches(struct rec *r);

/* The build-id the kernel gave each mapping, by its index in MAPS: which
 * build a sample ran, even when the file was rebuilt while recording. */
static void write_map_build_ids(struct rec *r)
{
  uint64_t len = 0;
  for (size_t i = 0; i < r->nmaps; i++)
    if (r->maps[i].id_len)
      len += sizeof(struct pmux_sf_map_build_id) + r->maps[i].id_len;
  if (!len)
    return;
  struct pmux_sf_section s = {PMUX_SF_MAP_BUILD_IDS, 0, len};
  put(r, &s, sizeof(s));
  for (size_t i = 0; i < r->nmaps; i++) {
    if (!r->maps[i].id_len)
      continue;
    struct pmux_sf_map_build_id b = {(uint32_t)i, r->maps[i].id_len};
    put(r, &b, sizeof(b));
    put(r, r->maps[i].id, r->maps[i].id_len);
  }
}

/* A file the maps name, and its build-id as on disk at the end. */
struct named_file {
  const char *name;
  uint32_t len;
  uint32_t id_len;         /* 0: none (a duplicate, or no build-id) */
  uint8_t id[PMUX__BUILD_ID_MAX];
};

static int named_file_cmp(const void *a, const void *b)
{
  const struct named_file *x = a, *y = b;
  uint32_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->name, y->name, n);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The build-id of each file the maps name (each once: system-wide, many
 * processes map the same libraries), so that report can tell a binary
 * rebuilt since from the one that ran.  Read now, at the end: for the
 * mappings the kernel gave no build-id (MAP_BUILD_IDS), a file replaced
 * while recording is seen as its replacement. */
static void write_build_ids(struct rec *r)
{
  struct named_file *files = calloc(r->nmaps ? r->nmaps : 1, sizeof(*files));
  size_t n = 0;
  uint64_t len = 0;
  for (size_t i = 0; files && i < r->nmaps; i++)
    if (r->maps[i].name[0] == '/' && r->maps[i].m.name_len < 4096)
      files[n++] = (struct named_file){.name = r->maps[i].name,
                                       .len = r->maps[i].m.name_len};
  qsort(files, n, sizeof(*files), named_file_cmp);
  for (size_t k = 0; k < n; k++) {
    struct named_file *f = &files[k];
    char path[4096];
    if (k && !named_file_cmp(f, f - 1))
      continue;
    memcpy(path, f->name, f->len);
    path[f->len] = 0;
    f->id_len = (uint32_t)pmux__file_build_id(path, f->id, sizeof(f->id));
    if (f->id_len)
      len += sizeof(struct pmux_sf_build_id) + f->len + f->id_len;
  }
  struct pmux_sf_section s = {PMUX_SF_BUILD_IDS, 0, len};
  put(r, &s, sizeof(s));
  for (size_t k = 0; k < n; k++) {
    if (!files[k].id_len)
      continue;
    struct pmux_sf_build_id b = {files[k].len, files[k].id_len};
    put(r, &b, sizeof(b));
    put(r, files[k].name, files[k].len);
    put(r, files[k].id, files[k].id_len);
  }
  free(files);
}

/* This process's vdso, for the samples in the recorded processes'
 * "[vdso]" mappings: no file holds it, and the kernel maps one image per
 * ABI (report names from it only a mapping of its length).  Only when a
 * map names it. */
static void write_vdso(struct rec *r)
{
  int wanted = 0;
  for (size_t i = 0; i < r->nmaps && !wanted; i++)
    wanted = r->maps[i].m.name_len == 6 && !memcmp(r->maps[i].name, "[vdso]", 6);
  FILE *maps = wanted ? fopen("/proc/self/maps", "re") : NULL;
  if (!maps)
    return;
  /* the vdso the kernel told this process of; its extent from the maps */
  unsigned long long base = getauxval(AT_SYSINFO_EHDR), lo = 0, hi = 0;
  char line[512];
  while (base && fgets(line, sizeof(line), maps))
    if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 && lo == base)
      break;
  fclose(maps);
  if (!base || lo != base || hi <= lo || hi - lo > PMUX_SF_VDSO_MAX ||
      memcmp((void *)(uintptr_t)lo, "\177ELF", 4))
    return;
  put_section(r, PMUX_SF_VDSO, (const void *)(uintptr_t)lo, (size_t)(hi - lo));
}

void pmux__sf_write_tail(struct rec *r, long data_at)
{
  /* Patch the DATA length, then MAPS, BUILD_IDS, VDSO, STATS, SWITCHES,
   * TASKS and END. */
  fflush(r->out);
  long end = ftell(r->out);
  if (data_at >= 0 && end >= 0) {
    uint64_t len = r->data_bytes;
    if (fseek(r->out, data_at + 8, SEEK_SET) == 0) {
      put(r, &len, 8);
      /* not back at the end, the sections after would overwrite DATA */
      if (fseek(r->out, end, SEEK_SET) && !r->werr)
        r->werr = -errno;
    }
  }
  uint64_t mlen = 0;
  for (size_t i = 0; i < r->nmaps; i++)
    mlen += sizeof(struct pmux_sf_map) + r->maps[i].m.name_len;
  struct pmux_sf_section s = {PMUX_SF_MAPS, 0, mlen};
  put(r, &s, sizeof(s));
  for (size_t i = 0; i < r->nmaps; i++) {
    put(r, &r->maps[i].m, sizeof(r->maps[i].m));
    put(r, r->maps[i].name, r->maps[i].m.name_len);
  }
  write_map_build_ids(r);
  write_build_ids(r);
  write_vdso(r);
  struct pmux_sf_stats st;
  memset(&st, 0, sizeof(st));
  st.samples = r->st->samples;
  st.lost = r->st->lost;
  st.throttled = r->st->throttled;
  st.data_bytes = r->data_bytes;
  st.elapsed_ns = r->st->elapsed_ns;
  st.status = r->st->status;
  st.ncpus = (uint32_t)r->st->ncpus;
  put_section(r, PMUX_SF_STATS, &st, sizeof(st));
  write_switches(r);
  put_section(r, PMUX_SF_TASKS, r->tasks, r->ntasks * sizeof(*r->tasks));
  put_section(r, PMUX_SF_END, NULL, 0);
}

/* A set's switch spec as the file keeps it: "EVENT/PERIOD/N" or the
 * slice in nanoseconds, "2000000ns". */
static void switch_spec(const struct rec *r, int k, char *buf, size_t len)
{
  const struct trigger *t = &r->trig[k];
  if (t->name)
    snprintf(buf, len, "%s/%llu/%llu", t->name,
             (unsigned long long)t->period, (unsigned long long)t->count);
  else
    snprintf(buf, len, "%lluns", (unsigned long long)r->slice_ns[k]);
}

/* SWITCHES (1.1): each set's switch spec and runs, known only at the end. */
static void write_switches(struct rec *r)
{
  char spec[256];
  uint64_t len = 4;
  for (int k = 0; k < r->nsets; k++) {
    switch_spec(r, k, spec, sizeof(spec));
    len += sizeof(struct pmux_sf_switch) + strlen(spec);
  }
  struct pmux_sf_section s = {PMUX_SF_SWITCHES, 0, len};
  uint32_t cnt = (uint32_t)r->nsets;
  put(r, &s, sizeof(s));
  put(r, &cnt, 4);
  for (int k = 0; k < r->nsets; k++) {
    switch_spec(r, k, spec, sizeof(spec));
    struct pmux_sf_switch w = {(uint32_t)k, (uint32_t)strlen(spec),
                               r->runs[k]};
    put(r, &w, sizeof(w));
    put(r, spec, w.spec_len);
  }
}
