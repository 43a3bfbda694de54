/*
 * default.c - the `default` sampling format: perfmon2's layout
 * (perfmon_dfl_smpl.h).  A buffer is a versioned header followed by
 * fixed-size entries; when it is full the restart policy decides:
 *
 *   full=stop  the buffer is handed out whole (perfmon2's "stop and
 *              notify": the engine is the notified reader and restarts it
 *              at once), so no sample is dropped;
 *   full=wrap  the oldest entries are overwritten; only the last
 *              `entries` samples reach the file, the header counts the
 *              wrap-arounds.
 *
 * On disk (docs/formats.md): a sequence of buffers, each
 *   struct dfl_hdr, then hdr.count entries of hdr.entry_size bytes,
 * oldest entry first, little-endian (host order; the file header says).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "internal.h"

#define DFL_VERSION_MAJOR 1
#define DFL_VERSION_MINOR 0
#define DFL_VERSION ((DFL_VERSION_MAJOR << 16) | DFL_VERSION_MINOR)
#define DFL_DEFAULT_ENTRIES 4096
#define DFL_FLAG_WRAP 0x1u /* the buffer was filled with full=wrap */

struct dfl_hdr {
  uint64_t count;      /* entries in this buffer */
  uint64_t cur_offs;   /* bytes used, header included */
  uint64_t overflows;  /* times the buffer was full so far */
  uint32_t version;    /* major << 16 | minor */
  uint32_t entry_size; /* bytes per entry, values included */
  uint32_t nvalues;    /* sampled counter values per entry */
  uint32_t flags;      /* DFL_FLAG_* */
  uint64_t reserved[2];
};

struct dfl_entry {
  uint32_t pid;
  uint32_t tid;
  uint64_t ip;
  uint64_t tstamp;
  uint32_t cpu;
  uint16_t set;        /* active set; 0xffff: none */
  uint16_t ovfl_event; /* index of the event that overflowed */
  uint64_t last_reset; /* its sampling period (reset value) */
  /* uint64_t values[nvalues]; */
};

struct dfl_state {
  pmux_fmt_out_t out;
  int wrap;
  uint64_t capacity;   /* entries */
  uint64_t next;       /* wrap: slot of the next entry */
  size_t entry_size;
  struct dfl_hdr *hdr; /* the buffer: header then entries */
};

static const char *const keys[] = {"entries", "full", NULL};

static int parse(const char *args, uint64_t *entries, int *wrap)
{
  int rc = pmux__fmt_args_check("default", args, keys);
  if (rc < 0)
    return rc;
  *entries = DFL_DEFAULT_ENTRIES;
  rc = pmux__fmt_arg_u64("default", args, "entries", 1, 1u << 24, entries);
  if (rc < 0)
    return rc;
  char v[16];
  *wrap = 0;
  rc = pmux__fmt_arg("default", args, "full", v, sizeof(v));
  if (rc < 0)
    return rc;
  if (rc) {
    if (!strcmp(v, "wrap"))
      *wrap = 1;
    else if (strcmp(v, "stop"))
      return pmux__fail(PMUX_ECONFIG,
                        "format 'default': full=%s (want stop or wrap)", v);
  }
  return 0;
}

static int dfl_validate(const char *args)
{
  uint64_t e;
  int w;
  return parse(args, &e, &w);
}

static size_t dfl_getsize(const char *args, const pmux_fmt_params_t *p)
{
  uint64_t e;
  int w;
  if (parse(args, &e, &w) < 0)
    return 0;
  return sizeof(struct dfl_hdr) +
         e * (sizeof(struct dfl_entry) + 8 * p->nvalues);
}

static int dfl_init(void **state, const char *args,
                    const pmux_fmt_params_t *p, const pmux_fmt_out_t *out)
{
  uint64_t e;
  int w;
  int rc = parse(args, &e, &w);
  if (rc < 0)
    return rc;
  if (p->nvalues > PMUX_FMT_MAX_VALUES)
    return pmux__fail(PMUX_ECONFIG, "format 'default': %u values (max %d)",
                      p->nvalues, PMUX_FMT_MAX_VALUES);
  struct dfl_state *st = calloc(1, sizeof(*st));
  if (!st)
    return -ENOMEM;
  st->out = *out;
  st->wrap = w;
  st->capacity = e;
  st->entry_size = sizeof(struct dfl_entry) + 8 * p->nvalues;
  st->hdr = calloc(1, sizeof(struct dfl_hdr) + e * st->entry_size);
  if (!st->hdr) {
    free(st);
    return -ENOMEM;
  }
  st->hdr->cur_offs = sizeof(struct dfl_hdr);
  st->hdr->version = DFL_VERSION;
  st->hdr->entry_size = (uint32_t)st->entry_size;
  st->hdr->nvalues = p->nvalues;
  st->hdr->flags = w ? DFL_FLAG_WRAP : 0;
  *state = st;
  return 0;
}

static int dfl_handler(void *state, const pmux_fmt_sample_t *s)
{
  struct dfl_state *st = state;
  struct dfl_hdr *h = st->hdr;
  uint64_t slot = st->wrap ? st->next : h->count;
  struct dfl_entry *e =
      (struct dfl_entry *)((char *)(h + 1) + slot * st->entry_size);
  e->pid = s->pid;
  e->tid = s->tid;
  e->ip = s->ip;
  e->tstamp = s->time;
  e->cpu = s->cpu;
  e->set = s->set < 0 ? 0xffff : (uint16_t)s->set;
  e->ovfl_event = (uint16_t)s->ovfl_event;
  e->last_reset = s->last_reset;
  uint32_t n = h->nvalues < s->nvalues ? h->nvalues : s->nvalues;
  memcpy(e + 1, s->values, 8 * n);
  if (n < h->nvalues)
    memset((uint64_t *)(e + 1) + n, 0, 8 * (h->nvalues - n));
  if (st->wrap) {
    if (h->count < st->capacity) {
      h->count++;
      h->cur_offs += st->entry_size;
    }
    if (++st->next == st->capacity) {
      st->next = 0;
      h->overflows++;
    }
    return 0;
  }
  h->count++;
  h->cur_offs += st->entry_size;
  if (h->count == st->capacity) {
    h->overflows++;
    return PMUX_FMT_FULL;
  }
  return 0;
}

/* Hand the buffer out (oldest entry first) and empty it. */
static int flush(struct dfl_state *st)
{
  struct dfl_hdr *h = st->hdr;
  if (!h->count)
    return 0;
  int rc = st->out.write(st->out.ctx, h, sizeof(*h));
  char *ent = (char *)(h + 1);
  if (rc == 0 && st->wrap && h->count == st->capacity && st->next) {
    /* Linearise the ring: [next, capacity) then [0, next). */
    rc = st->out.write(st->out.ctx, ent + st->next * st->entry_size,
                       (st->capacity - st->next) * st->entry_size);
    if (rc == 0)
      rc = st->out.write(st->out.ctx, ent, st->next * st->entry_size);
  } else if (rc == 0) {
    rc = st->out.write(st->out.ctx, ent, h->count * st->entry_size);
  }
  h->count = 0;
  h->cur_offs = sizeof(*h);
  st->next = 0;
  return rc;
}

static int dfl_restart(void *state)
{
  return flush(state);
}

static int dfl_exit(void *state)
{
  struct dfl_state *st = state;
  if (!st)
    return 0;
  int rc = flush(st);
  free(st->hdr);
  free(st);
  return rc;
}

static int dfl_decode(const void *data, size_t len, pmux_fmt_decode_cb cb,
                      void *arg, size_t *stop)
{
  const char *p = data;
  size_t off = 0;
  pmux_fmt_sample_t s;
  while (off < len) {
    struct dfl_hdr h;
    if (len - off < sizeof(h)) {
      *stop = off;
      return pmux__fail(PMUX_EFILE,
                        "default: buffer header at data offset %zu "
                        "truncated (%zu of %zu bytes)",
                        off, len - off, sizeof(h));
    }
    memcpy(&h, p + off, sizeof(h));
    if (h.version >> 16 != DFL_VERSION_MAJOR ||
        h.nvalues > PMUX_FMT_MAX_VALUES ||
        h.entry_size != sizeof(struct dfl_entry) + 8 * h.nvalues ||
        h.cur_offs != sizeof(h) + h.count * (uint64_t)h.entry_size) {
      *stop = off;
      return pmux__fail(PMUX_EFILE,
                        "default: bad buffer header at data offset %zu "
                        "(version 0x%x, entry size %u, %u values, count %llu)",
                        off, h.version, h.entry_size, h.nvalues,
                        (unsigned long long)h.count);
    }
    off += sizeof(h);
    uint64_t avail = (len - off) / h.entry_size;
    uint64_t n = h.count < avail ? h.count : avail;
    for (uint64_t i = 0; i < n; i++, off += h.entry_size) {
      struct dfl_entry e;
      memcpy(&e, p + off, sizeof(e));
      memset(&s, 0, sizeof(s));
      s.pid = e.pid;
      s.tid = e.tid;
      s.ip = e.ip;
      s.time = e.tstamp;
      s.cpu = e.cpu;
      s.set = e.set == 0xffff ? -1 : e.set;
      s.ovfl_event = e.ovfl_event;
      s.last_reset = e.last_reset;
      s.nvalues = h.nvalues;
      memcpy(s.values, p + off + sizeof(e), 8 * h.nvalues);
      s.weight = 1;
      if (cb(&s, arg))
        return 0;
    }
    if (n < h.count) {
      *stop = off;
      return pmux__fail(PMUX_EFILE,
                        "default: buffer truncated at data offset %zu "
                        "(%llu of %llu entries)",
                        off, (unsigned long long)n,
                        (unsigned long long)h.count);
    }
  }
  return 0;
}

const pmux_format_t pmux_fmt_default = {
    .name = "default",
    .desc = "perfmon2 layout: versioned buffer header, fixed-size entries "
            "(pid, tid, ip, time, cpu, set, event, reset value, values)",
    .uuid = {0x4d, 0x86, 0x7a, 0x3e, 0x1f, 0x0b, 0x4c, 0x61, 0x9a, 0x52,
             0xd0, 0x3c, 0x2e, 0x77, 0x01, 0x01},
    .args_help = "entries=N (4096), full=stop|wrap (stop)",
    .validate = dfl_validate,
    .getsize = dfl_getsize,
    .init = dfl_init,
    .handler = dfl_handler,
    .restart = dfl_restart,
    .exit = dfl_exit,
    .decode = dfl_decode,
};
