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

struct kh_state {
  pmux_fmt_out_t out;
  struct bpf_object *obj;
  struct bpf_program *prog;
  struct bpf_link **links;  /* one per attached event */
  int nlinks;
  int prog_fd, counts_fd, totals_fd;
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

/* Keep libbpf's last warning for our message; print nothing. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
                        va_list ap)
{
  if (level != LIBBPF_DEBUG) {
    vsnprintf(libbpf_msg, sizeof(libbpf_msg), fmt, ap);
    size_t n = strlen(libbpf_msg);
    if (n && libbpf_msg[n - 1] == '\n')
      libbpf_msg[n - 1] = 0;
  }
  return 0;
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
  if (st->obj)
    bpf_object__close(st->obj);
  free(st);
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
  libbpf_set_print(libbpf_print);
  libbpf_msg[0] = 0;
  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "kernel_hist");
  st->obj = bpf_object__open_mem(pmux_kernel_hist_bpf,
                                 pmux_kernel_hist_bpf_len, &opts);
  if (!st->obj) {
    rc = -errno;
    st->obj = NULL;
    kh_free(st);
    return pmux__fail(rc, "format 'kernel-hist': cannot open the eBPF "
                      "object: %s", libbpf_msg[0] ? libbpf_msg : strerror(-rc));
  }
  struct bpf_map *counts = bpf_object__find_map_by_name(st->obj, "counts");
  struct bpf_map *totals = bpf_object__find_map_by_name(st->obj, "totals");
  struct bpf_program *prog =
      bpf_object__find_program_by_name(st->obj, "kernel_hist_sample");
  if (!counts || !totals || !prog) {
    kh_free(st);
    return pmux__fail(PMUX_EFORMAT, "format 'kernel-hist': the eBPF object "
                      "lacks its maps or program");
  }
  bpf_map__set_max_entries(counts, (uint32_t)slots);
  rc = bpf_object__load(st->obj);
  if (rc < 0) {
    kh_free(st);
    if (rc == -EPERM || rc == -EACCES)
      return pmux__fail(PMUX_ERIGHTS, "format 'kernel-hist': the kernel "
                        "refused the eBPF program (%s): CAP_BPF and "
                        "CAP_PERFMON are needed (see `pmux caps`)",
                        strerror(-rc));
    return pmux__fail(rc, "format 'kernel-hist': loading the eBPF program "
                      "failed: %s", libbpf_msg[0] ? libbpf_msg
                                                  : strerror(-rc));
  }
  st->prog = prog;
  st->prog_fd = bpf_program__fd(prog);
  st->counts_fd = bpf_map__fd(counts);
  st->totals_fd = bpf_map__fd(totals);
  *state = st;
  return 0;
}

static int kh_attach(void *state, int perf_fd, int set)
{
  struct kh_state *st = state;
  struct bpf_link **l = realloc(st->links, (size_t)(st->nlinks + 1) *
                                               sizeof(*l));
  if (!l)
    return -ENOMEM;
  st->links = l;
  /* The set travels as the link's cookie (bpf_get_attach_cookie). */
  LIBBPF_OPTS(bpf_perf_event_opts, po, .bpf_cookie = (uint64_t)set);
  struct bpf_link *link =
      bpf_program__attach_perf_event_opts(st->prog, perf_fd, &po);
  if (!link) {
    int e = errno;
    return pmux__fail(-e, "format 'kernel-hist': attaching the eBPF "
                      "program to the sampling event: %s",
                      libbpf_msg[0] ? libbpf_msg : strerror(e));
  }
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
    .uuid = {0x4d, 0x86, 0x7a, 0x3e, 0x1f, 0x0b, 0x4c, 0x61, 0x9a, 0x52,
             0xd0, 0x3c, 0x2e, 0x77, 0x04, 0x01},
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
