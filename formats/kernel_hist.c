/*
 * kernel_hist.c - the `kernel-hist` sampling format: the histogram of
 * `hist`, kept in the kernel.  An eBPF program (kernel_hist.bpf.c, built
 * with clang and embedded at build time) attached to each sampling event
 * counts samples per (pid, ip, set) in a hash map and returns 0, so no
 * sample is copied to user space; the map is read once at the end and written in
 * hist's layout (docs/formats.md).  This is perfmon2's custom kernel
 * sampling buffer, the modern way.
 *
 * Rights: CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); checked first with
 * core/rights.c so that the refusal names the missing capability rather
 * than libbpf's guess (../shared/reference/bpf-notes.md).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format.h"
#include "internal.h"

/* The BPF object, from kernel_hist_bpf.c generated at build time. */
extern const unsigned char pmux_kernel_hist_bpf[];
extern const size_t pmux_kernel_hist_bpf_len;

#define KH_DEFAULT_SLOTS 16384

struct kh_key {       /* struct key of kernel_hist.bpf.c */
  uint32_t pid;
  int32_t set;
  uint64_t ip;
};

/* One loaded program per set: the set is a constant of the program, so
 * that the events a forked child inherits (which get the program but not
 * a link's attach cookie) count in the right set.  All share the maps of
 * the first. */
struct kh_prog {
  int set;
  struct bpf_object *obj;
  struct bpf_program *prog;
};

struct kh_state {
  pmux_fmt_out_t out;
  struct kh_prog *progs;
  int nprogs;
  struct bpf_link **links;  /* one per attached event */
  int nlinks;
  int counts_fd, totals_fd; /* the first program's maps */
  uint64_t slots;
};

static const char *const keys[] = {"slots", NULL};
static char libbpf_msg[256];

static int parse(const char *args, uint64_t *slots)
{
  int rc = pmux__fmt_args_check("kernel-hist", args, keys);
  if (rc < 0)
    return rc;
  *slots = KH_DEFAULT_SLOTS;
  return pmux__fmt_arg_u64("kernel-hist", args, "slots", 16, 1u << 22, slots);
}

static int kh_validate(const char *args)
{
  uint64_t s;
  return parse(args, &s);
}

static size_t kh_getsize(const char *args, const pmux_fmt_params_t *p)
{
  uint64_t s;
  (void)p;
  /* Kernel memory: the hash map (key 16 + value 8 + overhead ~ 64). */
  return parse(args, &s) < 0 ? 0 : (size_t)(s * 88);
}

/* Keep libbpf's first warning for our message (its last is always
 * "failed to load object", the first says why); print nothing. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
                        va_list ap)
{
  if (level != LIBBPF_DEBUG && !libbpf_msg[0]) {
    vsnprintf(libbpf_msg, sizeof(libbpf_msg), fmt, ap);
    size_t n = strlen(libbpf_msg);
    if (n && libbpf_msg[n - 1] == '\n')
      libbpf_msg[n - 1] = 0;
  }
  return 0;
}

/* libbpf's messages are ours only around our calls: a program linking
 * libpmux keeps its own printer otherwise. */
static libbpf_print_fn_t quiet_begin(void)
{
  libbpf_msg[0] = 0;
  return libbpf_set_print(libbpf_print);
}

static void quiet_end(libbpf_print_fn_t old)
{
  libbpf_set_print(old);
}

/* "strerror" or "strerror (libbpf: first warning)". */
static const char *why(int err, char *buf, size_t len)
{
  if (libbpf_msg[0])
    snprintf(buf, len, "%s (%s)", strerror(err), libbpf_msg);
  else
    snprintf(buf, len, "%s", strerror(err));
  return buf;
}

static int check_rights(void)
{
  pmux_rights_t *r = calloc(1, sizeof(*r));
  if (!r)
    return -ENOMEM;
  int rc = pmux_rights_get(r);
  if (rc == 0 && !r->right[PMUX_RIGHT_KERNEL_FORMAT].allowed)
    rc = pmux__fail(PMUX_ERIGHTS, "format 'kernel-hist': %s%s%s",
                    r->right[PMUX_RIGHT_KERNEL_FORMAT].reason,
                    r->right[PMUX_RIGHT_KERNEL_FORMAT].fix[0] ? "; fix: " : "",
                    r->right[PMUX_RIGHT_KERNEL_FORMAT].fix);
  else
    rc = 0; /* rights unknown: let the kernel decide below */
  free(r);
  return rc;
}

static void kh_free(struct kh_state *st)
{
  for (int i = 0; i < st->nlinks; i++)
    bpf_link__destroy(st->links[i]);
  free(st->links);
  for (int i = 0; i < st->nprogs; i++)
    bpf_object__close(st->progs[i].obj);
  free(st->progs);
  free(st);
}

/* The program's read-only config (kernel_hist.bpf.c), set before load. */
struct kh_config {
  uint64_t pidns_dev, pidns_ino;
  int32_t set_id;
  uint32_t init_pidns; /* 1: we are in the initial pid namespace */
};

/* The initial pid namespace's inode number (PROC_PID_INIT_INO). */
#define INIT_PIDNS_INO 0xEFFFFFFCu

static int set_config(struct bpf_object *obj, int set)
{
  struct kh_config c = {0, 0, set, 1};
  struct stat sb;
  /* Our pid namespace: perf gives pids in it, the program must too.  In
   * the initial one (or when we cannot tell) the global pid is that pid,
   * for every task, those of nested namespaces included. */
  if (stat("/proc/self/ns/pid", &sb) == 0 && sb.st_ino != INIT_PIDNS_INO) {
    c.pidns_dev = sb.st_dev;
    c.pidns_ino = sb.st_ino;
    c.init_pidns = 0;
  }
  struct bpf_map *m;
  bpf_object__for_each_map(m, obj)
  {
    if (!bpf_map__is_internal(m) || !strstr(bpf_map__name(m), ".rodata"))
      continue;
    if (bpf_map__value_size(m) != sizeof(c))
      return -1;
    return bpf_map__set_initial_value(m, &c, sizeof(c));
  }
  return -1;
}

/* Load an opened object as set's program, sharing the first program's
 * maps: 0 with *prog, or libbpf's error (< 0), or PMUX_EFORMAT. */
static int load_obj(struct kh_state *st, struct bpf_object *obj, int set,
                    struct bpf_program **prog)
{
  struct bpf_map *counts = bpf_object__find_map_by_name(obj, "counts");
  struct bpf_map *totals = bpf_object__find_map_by_name(obj, "totals");
  *prog = bpf_object__find_program_by_name(obj, "kernel_hist_sample");
  if (!counts || !totals || !*prog || set_config(obj, set) < 0)
    return PMUX_EFORMAT;
  int rc = bpf_map__set_max_entries(counts, (uint32_t)st->slots);
  if (rc == 0 && st->nprogs > 0) {
    rc = bpf_map__reuse_fd(counts, st->counts_fd);
    if (rc == 0)
      rc = bpf_map__reuse_fd(totals, st->totals_fd);
  }
  if (rc == 0)
    rc = bpf_object__load(obj);
  if (rc == 0 && st->nprogs == 0) {
    st->counts_fd = bpf_map__fd(counts);
    st->totals_fd = bpf_map__fd(totals);
  }
  return rc;
}

/* Open and load the program for set; it joins st->progs only once
 * loaded, so that a failure leaves nothing half made. */
static int load_prog(struct kh_state *st, int set, struct kh_prog **out)
{
  char buf[384];
  struct kh_prog *np = realloc(st->progs, (size_t)(st->nprogs + 1) *
                                              sizeof(*np));
  if (!np)
    return -ENOMEM;
  st->progs = np;
  libbpf_print_fn_t old = quiet_begin();
  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "kernel_hist");
  struct bpf_object *obj = bpf_object__open_mem(pmux_kernel_hist_bpf,
                                                pmux_kernel_hist_bpf_len,
                                                &opts);
  if (!obj) {
    int e = errno;
    quiet_end(old);
    return pmux__fail(-e, "format 'kernel-hist': cannot open the eBPF "
                      "object: %s", why(e, buf, sizeof(buf)));
  }
  struct bpf_program *prog;
  int rc = load_obj(st, obj, set, &prog);
  quiet_end(old);
  if (rc < 0) {
    bpf_object__close(obj);
    if (rc == PMUX_EFORMAT)
      return pmux__fail(rc, "format 'kernel-hist': the eBPF object lacks "
                        "its maps, its program or its config");
    if (rc == -EPERM || rc == -EACCES)
      return pmux__fail(PMUX_ERIGHTS, "format 'kernel-hist': the kernel "
                        "refused the eBPF program (%s): CAP_BPF and "
                        "CAP_PERFMON are needed (see `pmux caps`)",
                        why(-rc, buf, sizeof(buf)));
    return pmux__fail(rc, "format 'kernel-hist': loading the eBPF program "
                      "failed: %s; it needs a kernel with BPF programs on "
                      "perf events (CONFIG_BPF_EVENTS)",
                      why(-rc, buf, sizeof(buf)));
  }
  *out = &st->progs[st->nprogs++];
  **out = (struct kh_prog){set, obj, prog};
  return 0;
}

static int kh_init(void **state, const char *args, const pmux_fmt_params_t *p,
                   const pmux_fmt_out_t *out)
{
  uint64_t slots;
  (void)p;
  int rc = parse(args, &slots);
  if (rc < 0)
    return rc;
  rc = check_rights();
  if (rc < 0)
    return rc;
  struct kh_state *st = calloc(1, sizeof(*st));
  if (!st)
    return -ENOMEM;
  st->out = *out;
  st->slots = slots;
  /* Set 0's program now, so that a kernel that refuses it does before
   * the command runs; the other sets' when their events attach. */
  struct kh_prog *kp;
  rc = load_prog(st, 0, &kp);
  if (rc < 0) {
    kh_free(st);
    return rc;
  }
  *state = st;
  return 0;
}

static int kh_attach(void *state, int perf_fd, int set)
{
  struct kh_state *st = state;
  char buf[384];
  struct kh_prog *kp = NULL;
  for (int i = 0; i < st->nprogs; i++)
    if (st->progs[i].set == set)
      kp = &st->progs[i];
  if (!kp) {
    int rc = load_prog(st, set, &kp);
    if (rc < 0)
      return rc;
  }
  struct bpf_link **l = realloc(st->links, (size_t)(st->nlinks + 1) *
                                               sizeof(*l));
  if (!l)
    return -ENOMEM;
  st->links = l;
  libbpf_print_fn_t old = quiet_begin();
  struct bpf_link *link = bpf_program__attach_perf_event(kp->prog, perf_fd);
  int e = errno;
  quiet_end(old);
  if (!link)
    return pmux__fail(-e, "format 'kernel-hist': attaching the eBPF "
                      "program to the sampling event: %s",
                      why(e, buf, sizeof(buf)));
  st->links[st->nlinks++] = link;
  return 0;
}

static int kh_handler(void *state, const pmux_fmt_sample_t *s)
{
  (void)state; /* samples stay in the kernel */
  (void)s;
  return 0;
}

static int kh_restart(void *state)
{
  (void)state;
  return 0;
}

/* Sum a per-CPU array slot. */
static uint64_t percpu_sum(int fd, uint32_t key)
{
  int n = libbpf_num_possible_cpus();
  if (n <= 0)
    return 0;
  uint64_t *v = calloc((size_t)n, sizeof(*v));
  uint64_t sum = 0;
  if (v && bpf_map_lookup_elem(fd, &key, v) == 0)
    for (int i = 0; i < n; i++)
      sum += v[i];
  free(v);
  return sum;
}

static int kh_exit(void *state)
{
  struct kh_state *st = state;
  if (!st)
    return 0;
  struct kh_key *k = calloc(st->slots, sizeof(*k));
  uint64_t *v = calloc(st->slots, sizeof(*v));
  uint32_t n = 0;
  int rc = 0;
  if (!k || !v) {
    rc = -ENOMEM;
    goto out;
  }
  /* Batch read (one syscall per batch); key by key when not supported. */
  struct kh_key batch;
  uint32_t count = (uint32_t)st->slots;
  LIBBPF_OPTS(bpf_map_batch_opts, bo);
  int brc = bpf_map_lookup_batch(st->counts_fd, NULL, &batch, k, v, &count,
                                 &bo);
  if (brc == 0 || errno == ENOENT) {
    n = count;
  } else {
    struct kh_key cur, next;
    const void *prev = NULL;
    while (n < st->slots &&
           bpf_map_get_next_key(st->counts_fd, prev, &next) == 0) {
      if (bpf_map_lookup_elem(st->counts_fd, &next, &v[n]) == 0)
        k[n++] = next;
      cur = next;
      prev = &cur;
    }
  }
  uint64_t total = percpu_sum(st->totals_fd, 0);
  uint64_t other = percpu_sum(st->totals_fd, 1);
  if (st->out.kernel_samples)
    *st->out.kernel_samples += total;
  rc = pmux__hist_write_header(&st->out, n + !!other, total, other);
  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    struct pmux_hist_entry e = {k[i].pid, k[i].set, k[i].ip, v[i]};
    rc = st->out.write(st->out.ctx, &e, sizeof(e));
  }
  if (rc == 0 && other) {
    struct pmux_hist_entry e = {0, -1, 0, other};
    rc = st->out.write(st->out.ctx, &e, sizeof(e));
  }
out:
  free(k);
  free(v);
  kh_free(st);
  return rc;
}

const pmux_format_t pmux_fmt_kernel_hist = {
    .name = "kernel-hist",
    .desc = "hist kept in the kernel by an eBPF program on the sampling "
            "event: no sample is copied to user space (CAP_BPF+CAP_PERFMON)",
    .uuid = PMUX__KERNEL_HIST_UUID,
    .args_help = "slots=N (16384: distinct (pid, ip) kept in the kernel)",
    .validate = kh_validate,
    .getsize = kh_getsize,
    .init = kh_init,
    .handler = kh_handler,
    .restart = kh_restart,
    .exit = kh_exit,
    .decode = pmux__hist_decode,
    .attach = kh_attach,
};
