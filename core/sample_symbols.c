/*
 * sample_symbols.c - naming the functions that a sample file's IPs fall
 * in, for `pmux report`: the mappings recorded from PERF_RECORD_MMAP2
 * (followed up the forks of TASKS), the ELF symbol tables read with
 * libelf (or the object's separate debug file), the vdso image the
 * recorder copied, /tmp/perf-PID.map for JIT code, and kernel IPs from
 * /proc/kallsyms when the file was recorded on this boot (kallsyms.c).
 * What a lookup loads stays with the file until it is closed.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sample_file_priv.h"

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

/* The function a JIT named at ip in process pid's perf map, or NULL. */
static const char *jit_symbol(pmux_sample_file_t *f, uint32_t pid,
                              uint64_t ip)
{
  pmux__jit_map_t *j = NULL;
  for (size_t i = 0; i < f->njits && !j; i++)
    if (f->jits[i].pid == pid)
      j = &f->jits[i];
  if (!j) {
    pmux__jit_map_t *g = realloc(f->jits, (f->njits + 1) * sizeof(*g));
    if (!g)
      return NULL;
    f->jits = g;
    j = &f->jits[f->njits++];
    *j = (pmux__jit_map_t){.pid = pid};
    pmux__jit_map_load(j);
  }
  return pmux__jit_map_find(j, ip);
}

/* Anonymous executable memory, where JITs put their code: the kernel names
 * it "//anon" (or "[anon:NAME]" when named with PR_SET_VMA). */
static int anonymous(const char *name)
{
  return !strcmp(name, "//anon") || !strncmp(name, "[anon", 5);
}

/* A mapping no file holds: "//anon" is not the path /anon, and a memfd's
 * "/memfd:NAME (deleted)" names no file either, nor the one a user may
 * have put at that path. */
static int fileless(const char *name)
{
  return anonymous(name) || !strncmp(name, "/memfd:", 7);
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
  /* A JIT's code: in anonymous memory, or a memfd's (some JITs map their
   * code twice through one, writable and executable), as perf looks. */
  const char *jit = fileless(m->name) ? jit_symbol(f, pid, ip) : NULL;
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
  struct dso *d = fileless(m->name) ? NULL : dso_get(f, m->name);
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

void pmux__sample_symbols_free(pmux_sample_file_t *f)
{
  for (size_t i = 0; i < f->ndsos; i++) {
    for (size_t j = 0; j < f->dsos[i].nsyms; j++)
      free(f->dsos[i].syms[j].name);
    free(f->dsos[i].syms);
    free(f->dsos[i].loads);
    free(f->dsos[i].path);
  }
  free(f->dsos);
  free(f->changed);
  for (size_t i = 0; i < f->njits; i++)
    pmux__jit_map_free(&f->jits[i]);
  free(f->jits);
  pmux__kallsyms_free(f->ksyms);
}
