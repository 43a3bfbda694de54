/*
 * hist.c - the `hist` sampling format: counts samples per (pid, ip, set)
 * as they come, in a fixed open-addressing table, so its memory depends on
 * the number of distinct IPs (bounded by slots=N), never on the number of
 * samples.  Samples that find the table full are counted in `other`.
 *
 * On disk (docs/formats.md): struct hist_hdr, then hdr.nentries entries
 * {u32 pid, i32 set, u64 ip, u64 count}; `other` becomes one entry with
 * ip 0 and set -1.  Counts are never 0 and, the `other` entry included,
 * sum to total: the decoder refuses a file where they do not.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "internal.h"

#define HIST_MAGIC 0x31485850u /* "PXH1" */
#define HIST_VERSION ((1u << 16) | 0)
#define HIST_DEFAULT_SLOTS 16384

struct hist_hdr {
  uint32_t magic;
  uint32_t version;   /* major << 16 | minor */
  uint64_t nentries;  /* entries that follow */
  uint64_t total;     /* samples counted, other included */
  uint64_t other;     /* samples that found the table full */
  uint64_t reserved[2];
};


struct hist_state {
  pmux_fmt_out_t out;
  uint64_t mask;      /* slots - 1 (a power of two) */
  uint64_t used, limit;
  uint64_t total, other;
  struct pmux_hist_entry *tab;
};

static const char *const keys[] = {"slots", NULL};

static int parse(const char *args, uint64_t *slots)
{
  int rc = pmux__fmt_args_check("hist", args, keys);
  if (rc < 0)
    return rc;
  *slots = HIST_DEFAULT_SLOTS;
  rc = pmux__fmt_arg_u64("hist", args, "slots", 16, 1u << 24, slots);
  if (rc < 0)
    return rc;
  if (*slots & (*slots - 1))
    return pmux__fail(PMUX_ECONFIG, "format 'hist': slots=%llu is not a "
                      "power of two", (unsigned long long)*slots);
  return 0;
}

static int hist_validate(const char *args)
{
  uint64_t s;
  return parse(args, &s);
}

static size_t hist_getsize(const char *args, const pmux_fmt_params_t *p)
{
  uint64_t s;
  (void)p;
  return parse(args, &s) < 0 ? 0 : (size_t)(s * sizeof(struct pmux_hist_entry));
}

static int hist_init(void **state, const char *args,
                     const pmux_fmt_params_t *p, const pmux_fmt_out_t *out)
{
  uint64_t slots;
  (void)p;
  int rc = parse(args, &slots);
  if (rc < 0)
    return rc;
  struct hist_state *st = calloc(1, sizeof(*st));
  if (!st || !(st->tab = calloc(slots, sizeof(*st->tab)))) {
    free(st);
    return -ENOMEM;
  }
  st->out = *out;
  st->mask = slots - 1;
  st->limit = slots - slots / 8; /* keep probes short */
  *state = st;
  return 0;
}

static uint64_t hash(uint32_t pid, int32_t set, uint64_t ip)
{
  uint64_t h = ip ^ ((uint64_t)pid << 32) ^ (uint64_t)(uint32_t)set << 16;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull; /* murmur3 fmix64 */
  h ^= h >> 33;
  return h;
}

static int hist_handler(void *state, const pmux_fmt_sample_t *s)
{
  struct hist_state *st = state;
  st->total++;
  for (uint64_t i = hash(s->pid, s->set, s->ip);; i++) {
    struct pmux_hist_entry *e = &st->tab[i & st->mask];
    if (!e->count) {
      if (st->used == st->limit) {
        st->other++;
        return 0;
      }
      st->used++;
      e->pid = s->pid;
      e->set = s->set;
      e->ip = s->ip;
      e->count = 1;
      return 0;
    }
    if (e->ip == s->ip && e->pid == s->pid && e->set == s->set) {
      e->count++;
      return 0;
    }
  }
}

static int hist_restart(void *state)
{
  (void)state; /* never full */
  return 0;
}

static int hist_exit(void *state)
{
  struct hist_state *st = state;
  if (!st)
    return 0;
  int rc = pmux__hist_write_header(&st->out, st->used + !!st->other,
                                   st->total, st->other);
  for (uint64_t i = 0; rc == 0 && i <= st->mask; i++)
    if (st->tab[i].count)
      rc = st->out.write(st->out.ctx, &st->tab[i], sizeof(st->tab[i]));
  if (rc == 0 && st->other) {
    struct pmux_hist_entry o = {0, -1, 0, st->other};
    rc = st->out.write(st->out.ctx, &o, sizeof(o));
  }
  free(st->tab);
  free(st);
  return rc;
}

int pmux__hist_write_header(const pmux_fmt_out_t *out, uint64_t nentries,
                            uint64_t total, uint64_t other)
{
  struct hist_hdr h = {HIST_MAGIC, HIST_VERSION, nentries, total, other,
                       {0, 0}};
  return out->write(out->ctx, &h, sizeof(h));
}

/* The entry hist_exit and kernel-hist write for the samples that found
 * the table full; no sample has set -1. */
static int is_other_entry(const struct pmux_hist_entry *e)
{
  return e->pid == 0 && e->set == -1 && e->ip == 0;
}

/*
 * An entry that cannot be what a writer wrote: a count of 0 (a free slot
 * is never written), a second `other` entry or one that disagrees with
 * the header, or a count that takes the sum past 2^64 (the header's total
 * could not hold it).  0 when sound; *sum then includes it.
 */
static int check_entry(const struct hist_hdr *h,
                       const struct pmux_hist_entry *e, uint64_t i,
                       size_t off, int *seen_other, uint64_t *sum)
{
  if (e->count == 0)
    return pmux__fail(PMUX_EFILE, "hist: entry %llu at data offset %zu has "
                      "count 0", (unsigned long long)i, off);
  if (is_other_entry(e)) {
    if (*seen_other)
      return pmux__fail(PMUX_EFILE, "hist: entry %llu at data offset %zu "
                        "is a second 'other' entry", (unsigned long long)i,
                        off);
    if (e->count != h->other)
      return pmux__fail(PMUX_EFILE, "hist: 'other' entry at data offset "
                        "%zu counts %llu, the header's other %llu", off,
                        (unsigned long long)e->count,
                        (unsigned long long)h->other);
    *seen_other = 1;
  }
  if (e->count > UINT64_MAX - *sum)
    return pmux__fail(PMUX_EFILE, "hist: entry %llu at data offset %zu: "
                      "count %llu takes the sum of counts past 2^64",
                      (unsigned long long)i, off,
                      (unsigned long long)e->count);
  *sum += e->count;
  return 0;
}

int pmux__hist_decode(const void *data, size_t len, pmux_fmt_decode_cb cb,
                      void *arg, size_t *stop)
{
  struct hist_hdr h;
  if (len < sizeof(h)) {
    *stop = 0;
    return pmux__fail(PMUX_EFILE, "hist: header at data offset 0 truncated "
                      "(%zu bytes)", len);
  }
  memcpy(&h, data, sizeof(h));
  if (h.magic != HIST_MAGIC || h.version >> 16 != 1) {
    *stop = 0;
    return pmux__fail(PMUX_EFILE, "hist: bad header at data offset 0 (magic "
                      "0x%x, version 0x%x)", h.magic, h.version);
  }
  const char *p = data;
  size_t off = sizeof(h);
  pmux_fmt_sample_t s;
  const size_t esz = sizeof(struct pmux_hist_entry);
  uint64_t sum = 0;
  int seen_other = 0;
  for (uint64_t i = 0; i < h.nentries; i++, off += esz) {
    if (len - off < esz) {
      *stop = off;
      return pmux__fail(PMUX_EFILE, "hist: entry %llu of %llu truncated at "
                        "data offset %zu", (unsigned long long)i,
                        (unsigned long long)h.nentries, off);
    }
    struct pmux_hist_entry e;
    memcpy(&e, p + off, sizeof(e));
    int rc = check_entry(&h, &e, i, off, &seen_other, &sum);
    if (rc < 0) {
      *stop = off;
      return rc;
    }
    memset(&s, 0, sizeof(s));
    s.pid = s.tid = e.pid;
    s.set = e.set;
    s.ip = e.ip;
    s.weight = e.count;
    if (cb(&s, arg))
      return 0;
  }
  if (off != len) {
    *stop = off;
    return pmux__fail(PMUX_EFILE, "hist: %zu bytes of garbage after the "
                      "last entry (data offset %zu)", len - off, off);
  }
  /* Every entry was reported; what contradicts the header shows only now,
   * at the end of the entries. */
  *stop = off;
  if (h.other && !seen_other)
    return pmux__fail(PMUX_EFILE, "hist: the header's other (data offset "
                      "%zu) is %llu, but no 'other' entry follows it",
                      offsetof(struct hist_hdr, other),
                      (unsigned long long)h.other);
  if (sum != h.total)
    return pmux__fail(PMUX_EFILE, "hist: the header's total (data offset "
                      "%zu) is %llu, but the entries count %llu samples",
                      offsetof(struct hist_hdr, total),
                      (unsigned long long)h.total,
                      (unsigned long long)sum);
  return 0;
}

const pmux_format_t pmux_fmt_hist = {
    .name = "hist",
    .desc = "sample counts per (pid, ip, set), aggregated as they come; "
            "memory independent of the number of samples",
    .uuid = {0x4d, 0x86, 0x7a, 0x3e, 0x1f, 0x0b, 0x4c, 0x61, 0x9a, 0x52,
             0xd0, 0x3c, 0x2e, 0x77, 0x03, 0x01},
    .args_help = "slots=N (16384, a power of two)",
    .validate = hist_validate,
    .getsize = hist_getsize,
    .init = hist_init,
    .handler = hist_handler,
    .restart = hist_restart,
    .exit = hist_exit,
    .decode = pmux__hist_decode,
};
