/*
 * kernel_hist.bpf.c - the eBPF half of the `kernel-hist` format: attached
 * to the sampling event, it counts samples per (tgid, ip, set) in a hash
 * map and returns 0, so that the kernel copies no sample to the ring
 * buffer.  The set is a constant of the loaded program (the loader loads
 * one per set): an inherited event (a forked child's) gets the program
 * but not the link's attach cookie, so a cookie would put every child's
 * sample in set 0.
 * Compiled at build time with clang -target bpf (bpf-notes.md has why each
 * flag is needed); loaded by formats/kernel_hist.c.
 */
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct key {
  __u32 pid;
  __s32 set;
  __u64 ip;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384); /* resized by the loader (slots=N) */
  __type(key, struct key);
  __type(value, __u64);
} counts SEC(".maps");

/* [0]: samples seen, [1]: samples that found the map full. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} totals SEC(".maps");

/* Set by the loader before load (struct kh_config of kernel_hist.c):
 * the set (one program per set), and the recorder's pid namespace, in
 * which perf's samples and mappings give their pids. */
const volatile struct {
  __u64 pidns_dev, pidns_ino;
  __s32 set_id;
  __u32 init_pidns; /* the recorder is in the initial pid namespace */
} config = {};

SEC("perf_event")
int kernel_hist_sample(struct bpf_perf_event_data *ctx)
{
  struct key k = {};
  __u32 i = 0;
  __u64 one = 1, *v;
  struct bpf_pidns_info ns;
  /* The pid as the recorder sees it: the global one when it is in the
   * initial namespace (for every task, a container's too); else the one
   * in its namespace, or 0 (unknown) for a task in another namespace,
   * whose pid there the program cannot learn. */
  if (config.init_pidns)
    k.pid = bpf_get_current_pid_tgid() >> 32;
  else if (bpf_get_ns_current_pid_tgid(config.pidns_dev, config.pidns_ino,
                                       &ns, sizeof(ns)) == 0)
    k.pid = ns.tgid;
  k.set = config.set_id;
  k.ip = PT_REGS_IP(&ctx->regs);
  v = bpf_map_lookup_elem(&totals, &i);
  if (v)
    *v += 1;
  v = bpf_map_lookup_elem(&counts, &k);
  if (v) {
    __sync_fetch_and_add(v, 1);
  } else if (bpf_map_update_elem(&counts, &k, &one, BPF_NOEXIST)) {
    v = bpf_map_lookup_elem(&counts, &k);
    if (v) {
      __sync_fetch_and_add(v, 1); /* another CPU inserted it first */
    } else {
      i = 1;
      v = bpf_map_lookup_elem(&totals, &i);
      if (v)
        *v += 1;
    }
  }
  return 0; /* 0: no sample goes to the ring buffer */
}

char LICENSE[] SEC("license") = "GPL";
