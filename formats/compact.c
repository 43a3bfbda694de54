/*
 * compact.c - the `compact` sampling format: the information of `default`,
 * delta and varint encoded (LEB128; signed deltas zigzag encoded).
 *
 * On disk (docs/formats.md): a stream header (magic "PXC1", version,
 * nvalues) then one record per sample:
 *   zz(pid-prev) zz(tid-prev) zz(ip-prev) zz(time-prev) cpu set+1 event
 *   zz(reset-prev) zz(value_i-prev_i)...
 * A cpu-clock sample takes about 10 bytes instead of 40 (docs/formats.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "internal.h"

#define CPT_MAGIC 0x31435850u /* "PXC1" */
#define CPT_VERSION ((1u << 16) | 0)
#define CPT_DEFAULT_BUF 65536
#define CPT_MAX_RECORD (10 * (8 + PMUX_FMT_MAX_VALUES))

struct cpt_hdr {
  uint32_t magic;
  uint32_t version;  /* major << 16 | minor */
  uint32_t nvalues;
  uint32_t reserved;
};

struct cpt_prev {
  uint64_t pid, tid, ip, time, reset;
  uint64_t values[PMUX_FMT_MAX_VALUES];
};

struct cpt_state {
  pmux_fmt_out_t out;
  uint32_t nvalues;
  size_t size, used;
  struct cpt_prev prev;
  uint8_t *buf;
};

static const char *const keys[] = {"buffer", NULL};

static int parse(const char *args, uint64_t *size)
{
  int rc = pmux__fmt_args_check("compact", args, keys);
  if (rc < 0)
    return rc;
  *size = CPT_DEFAULT_BUF;
  return pmux__fmt_arg_u64("compact", args, "buffer", 1024, 1u << 30, size);
}

static int cpt_validate(const char *args)
{
  uint64_t s;
  return parse(args, &s);
}

static size_t cpt_getsize(const char *args, const pmux_fmt_params_t *p)
{
  uint64_t s;
  (void)p;
  return parse(args, &s) < 0 ? 0 : (size_t)s;
}

static int cpt_init(void **state, const char *args,
                    const pmux_fmt_params_t *p, const pmux_fmt_out_t *out)
{
  uint64_t size;
  int rc = parse(args, &size);
  if (rc < 0)
    return rc;
  if (p->nvalues > PMUX_FMT_MAX_VALUES)
    return pmux__fail(PMUX_ECONFIG, "format 'compact': %u values (max %d)",
                      p->nvalues, PMUX_FMT_MAX_VALUES);
  struct cpt_state *st = calloc(1, sizeof(*st));
  if (!st || !(st->buf = malloc(size))) {
    free(st);
    return -ENOMEM;
  }
  st->out = *out;
  st->nvalues = p->nvalues;
  st->size = size;
  struct cpt_hdr h = {CPT_MAGIC, CPT_VERSION, p->nvalues, 0};
  memcpy(st->buf, &h, sizeof(h));
  st->used = sizeof(h);
  *state = st;
  return 0;
}

static int cpt_handler(void *state, const pmux_fmt_sample_t *s)
{
  struct cpt_state *st = state;
  struct cpt_prev *pv = &st->prev;
  uint8_t *p = st->buf + st->used;
  p += pmux__varint_put(p, pmux__zigzag((int64_t)(s->pid - pv->pid)));
  p += pmux__varint_put(p, pmux__zigzag((int64_t)(s->tid - pv->tid)));
  p += pmux__varint_put(p, pmux__zigzag((int64_t)(s->ip - pv->ip)));
  p += pmux__varint_put(p, pmux__zigzag((int64_t)(s->time - pv->time)));
  p += pmux__varint_put(p, s->cpu);
  p += pmux__varint_put(p, (uint64_t)((int64_t)s->set + 1));
  p += pmux__varint_put(p, s->ovfl_event);
  p += pmux__varint_put(p, pmux__zigzag((int64_t)(s->last_reset - pv->reset)));
  pv->pid = s->pid;
  pv->tid = s->tid;
  pv->ip = s->ip;
  pv->time = s->time;
  pv->reset = s->last_reset;
  for (uint32_t i = 0; i < st->nvalues; i++) {
    uint64_t v = i < s->nvalues ? s->values[i] : 0;
    p += pmux__varint_put(p, pmux__zigzag((int64_t)(v - pv->values[i])));
    pv->values[i] = v;
  }
  st->used = (size_t)(p - st->buf);
  return st->size - st->used < CPT_MAX_RECORD ? PMUX_FMT_FULL : 0;
}

static int cpt_restart(void *state)
{
  struct cpt_state *st = state;
  int rc = st->used ? st->out.write(st->out.ctx, st->buf, st->used) : 0;
  st->used = 0;
  return rc;
}

static int cpt_exit(void *state)
{
  struct cpt_state *st = state;
  if (!st)
    return 0;
  int rc = cpt_restart(st);
  free(st->buf);
  free(st);
  return rc;
}

static int cpt_decode(const void *data, size_t len, pmux_fmt_decode_cb cb,
                      void *arg, size_t *stop)
{
  const uint8_t *p = data;
  struct cpt_hdr h;
  if (len < sizeof(h)) {
    *stop = 0;
    return pmux__fail(PMUX_EFILE, "compact: stream header at data offset 0 "
                      "truncated (%zu bytes)", len);
  }
  memcpy(&h, p, sizeof(h));
  if (h.magic != CPT_MAGIC || h.version >> 16 != 1 ||
      h.nvalues > PMUX_FMT_MAX_VALUES) {
    *stop = 0;
    return pmux__fail(PMUX_EFILE, "compact: bad stream header at data "
                      "offset 0 (magic 0x%x, version 0x%x, %u values)",
                      h.magic, h.version,
                      h.nvalues);
  }
  struct cpt_prev pv;
  memset(&pv, 0, sizeof(pv));
  pmux_fmt_sample_t s;
  size_t off = sizeof(h);
  while (off < len) {
    uint64_t f[8 + PMUX_FMT_MAX_VALUES];
    size_t nf = 8 + h.nvalues, o = off;
    for (size_t i = 0; i < nf; i++) {
      size_t n = pmux__varint_get(p + o, len - o, &f[i]);
      if (!n) {
        *stop = off;
        return pmux__fail(PMUX_EFILE,
                          "compact: record at data offset %zu truncated or "
                          "corrupt (field %zu)", off, i);
      }
      o += n;
    }
    if (f[4] > UINT32_MAX || f[5] > 0x10000 || f[6] > UINT32_MAX) {
      *stop = off;
      return pmux__fail(PMUX_EFILE, "compact: record at data offset %zu "
                        "out of range", off);
    }
    memset(&s, 0, sizeof(s));
    pv.pid += (uint64_t)pmux__unzigzag(f[0]);
    pv.tid += (uint64_t)pmux__unzigzag(f[1]);
    pv.ip += (uint64_t)pmux__unzigzag(f[2]);
    pv.time += (uint64_t)pmux__unzigzag(f[3]);
    pv.reset += (uint64_t)pmux__unzigzag(f[7]);
    s.pid = (uint32_t)pv.pid;
    s.tid = (uint32_t)pv.tid;
    s.ip = pv.ip;
    s.time = pv.time;
    s.cpu = (uint32_t)f[4];
    s.set = (int32_t)f[5] - 1;
    s.ovfl_event = (uint32_t)f[6];
    s.last_reset = pv.reset;
    s.nvalues = h.nvalues;
    for (uint32_t i = 0; i < h.nvalues; i++) {
      pv.values[i] += (uint64_t)pmux__unzigzag(f[8 + i]);
      s.values[i] = pv.values[i];
    }
    s.weight = 1;
    off = o;
    if (cb(&s, arg))
      return 0;
  }
  return 0;
}

const pmux_format_t pmux_fmt_compact = {
    .name = "compact",
    .desc = "the default format's information, delta/varint encoded "
            "(about 10 bytes per sample)",
    .uuid = {0x4d, 0x86, 0x7a, 0x3e, 0x1f, 0x0b, 0x4c, 0x61, 0x9a, 0x52,
             0xd0, 0x3c, 0x2e, 0x77, 0x02, 0x01},
    .args_help = "buffer=BYTES (65536)",
    .validate = cpt_validate,
    .getsize = cpt_getsize,
    .init = cpt_init,
    .handler = cpt_handler,
    .restart = cpt_restart,
    .exit = cpt_exit,
    .decode = cpt_decode,
};
