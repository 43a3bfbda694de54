/*
 * test_formats.c - the format registry (perfmon2's registration checks),
 * format arguments (values too long, keys given twice), the engine's
 * handling of PMUX_FMT_STOPPED,
 * each built-in format round-tripped through its decoder, hist files whose
 * counts contradict their header, the restart policies of `default`,
 * decoders fed every truncation of their output, the sample-file reader
 * on truncated files, and the per-sample cost of `default`'s handler.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "format.h"
#include "internal.h"
#include "jit_map.h"
#include "sample.h"
#include "sample_file_priv.h"

/* ---------------------------------------------------------- helpers */

struct mem {
  uint8_t *buf;
  size_t len, cap;
  int writes;
};

static int mem_write(void *ctx, const void *buf, size_t len)
{
  struct mem *m = ctx;
  if (!len)
    return 0;
  if (m->len + len > m->cap) {
    size_t cap = (m->cap + len) * 2;
    uint8_t *b = realloc(m->buf, cap);
    if (!b)
      return -ENOMEM;
    m->buf = b;
    m->cap = cap;
  }
  memcpy(m->buf + m->len, buf, len);
  m->len += len;
  m->writes++;
  return 0;
}

static pmux_fmt_sample_t make_sample(unsigned i)
{
  pmux_fmt_sample_t s;
  memset(&s, 0, sizeof(s));
  s.pid = 1000 + i % 3;
  s.tid = s.pid + i % 2;
  s.ip = 0x400000 + 16 * (i % 7) + (i % 2 ? 0x7f0000000000ull : 0);
  s.time = 1000000000ull + 1000ull * i;
  s.cpu = i % 2;
  s.set = (int32_t)(i % 3);
  s.ovfl_event = 0;
  s.last_reset = 1000000 + i % 5;
  s.weight = 1;
  return s;
}

/* Record n samples through fmt with args, as the engine does. */
static void run_format(const pmux_format_t *f, const char *args, unsigned n,
                       struct mem *m)
{
  void *st = NULL;
  pmux_fmt_params_t p = {0, 2};
  pmux_fmt_out_t out = {mem_write, m};
  assert_int_equal(f->validate(args), 0);
  assert_true(f->getsize(args, &p) > 0);
  assert_int_equal(f->init(&st, args, &p, &out), 0);
  for (unsigned i = 0; i < n; i++) {
    pmux_fmt_sample_t s = make_sample(i);
    int rc = f->handler(st, &s);
    assert_true(rc >= 0);
    if (rc == PMUX_FMT_FULL)
      assert_int_equal(f->restart(st), 0);
  }
  assert_int_equal(f->exit(st), 0);
}

struct got {
  pmux_fmt_sample_t s[4096];
  unsigned n;
  uint64_t weight;
};

static int collect(const pmux_fmt_sample_t *s, void *arg)
{
  struct got *g = arg;
  if (g->n < 4096)
    g->s[g->n] = *s;
  g->n++;
  g->weight += s->weight;
  return 0;
}

static void same_sample(const pmux_fmt_sample_t *a, const pmux_fmt_sample_t *b)
{
  assert_int_equal(a->pid, b->pid);
  assert_int_equal(a->tid, b->tid);
  assert_int_equal(a->ip, b->ip);
  assert_int_equal(a->time, b->time);
  assert_int_equal(a->cpu, b->cpu);
  assert_int_equal(a->set, b->set);
  assert_int_equal(a->last_reset, b->last_reset);
}

/* ----------------------------------------------------------- registry */

static int nop_handler(void *st, const pmux_fmt_sample_t *s)
{
  (void)st;
  (void)s;
  return 0;
}

static void test_registry(void **state)
{
  (void)state;
  assert_true(pmux__format_count() >= 3);
  assert_ptr_equal(pmux__format_find("default"), &pmux_fmt_default);
  assert_ptr_equal(pmux__format_find("compact"), &pmux_fmt_compact);
  assert_ptr_equal(pmux__format_find("hist"), &pmux_fmt_hist);
  assert_null(pmux__format_find("nope"));
  assert_ptr_equal(pmux__format_by_uuid(pmux_fmt_hist.uuid), &pmux_fmt_hist);
  /* kernel-hist's files read in every build, with or without libbpf. */
  static const uint8_t kh[16] = PMUX__KERNEL_HIST_UUID;
  const pmux_format_t *khf = pmux__format_by_uuid(kh);
  assert_non_null(khf);
  assert_ptr_equal(khf->decode, pmux__hist_decode);
  /* Registration refuses a duplicate, a nameless one, one without handler. */
  assert_int_equal(pmux__format_register(&pmux_fmt_default), -EBUSY);
  /* Static: the registry keeps a pointer to what it registers. */
  static pmux_format_t f;
  f = pmux_fmt_default;
  f.name = NULL;
  assert_int_equal(pmux__format_register(&f), PMUX_EFORMAT);
  f.name = "Bad Name";
  assert_int_equal(pmux__format_register(&f), PMUX_EFORMAT);
  f.name = "test-fmt";
  f.handler = NULL;
  assert_int_equal(pmux__format_register(&f), PMUX_EFORMAT);
  f.handler = nop_handler;
  /* Without restart, a PMUX_FMT_FULL would leave the engine feeding a full
   * buffer: only an in-kernel format (attach) may leave it out. */
  f.restart = NULL;
  assert_int_equal(pmux__format_register(&f), PMUX_EFORMAT);
  assert_non_null(strstr(pmux_errmsg(), "restart is required"));
  f.restart = pmux_fmt_default.restart;
  assert_int_equal(pmux__format_register(&f), -EBUSY); /* same UUID */
  assert_non_null(strstr(pmux_errmsg(), "UUID"));
  f.uuid[15] = 0x99;
  int n = pmux__format_count();
  assert_int_equal(pmux__format_register(&f), 0);
  assert_int_equal(pmux__format_count(), n + 1);
  assert_int_equal(pmux__format_register(&f), -EBUSY);
  /* Parsing "NAME[:ARGS]". */
  const pmux_format_t *p;
  const char *args;
  assert_int_equal(pmux__format_parse("default:entries=8,full=wrap", &p,
                                      &args), 0);
  assert_ptr_equal(p, &pmux_fmt_default);
  assert_string_equal(args, "entries=8,full=wrap");
  assert_int_equal(pmux__format_parse("bogus", &p, &args), PMUX_EFORMAT);
  assert_non_null(strstr(pmux_errmsg(), "known: default"));
  assert_int_equal(pmux__format_parse("default:full=maybe", &p, &args),
                   PMUX_ECONFIG);
  assert_int_equal(pmux__format_parse("default:entries=0", &p, &args),
                   PMUX_ECONFIG);
  assert_int_equal(pmux__format_parse("hist:slots=1000", &p, &args),
                   PMUX_ECONFIG);
  assert_int_equal(pmux__format_parse("compact:x", &p, &args), PMUX_ECONFIG);
  assert_int_equal(pmux__format_parse("default:entries=5,", &p, &args),
                   PMUX_ECONFIG);
}

/* Arguments: a value cut to fit is never taken for what the user wrote; a
 * key given twice is refused, not read as its first value. */
static void test_format_args(void **state)
{
  (void)state;
  const pmux_format_t *p;
  const char *args;
  /* Cut to 31 characters this read as 0x...0010, 16 entries. */
  assert_int_equal(pmux__format_parse(
                       "default:entries=0x000000000000000000000000000010zz",
                       &p, &args),
                   PMUX_ECONFIG);
  assert_non_null(strstr(pmux_errmsg(), "entries is too long"));
  assert_int_equal(pmux__format_parse("default:full=stopstopstopstopstop",
                                      &p, &args),
                   PMUX_ECONFIG);
  assert_non_null(strstr(pmux_errmsg(), "full is too long"));
  char v[4];
  assert_int_equal(pmux__fmt_arg("t", "k=abc", "k", v, sizeof(v)), 1);
  assert_string_equal(v, "abc");
  assert_int_equal(pmux__fmt_arg("t", "k=abcd", "k", v, sizeof(v)),
                   PMUX_ECONFIG);
  assert_int_equal(pmux__fmt_arg("t", "kk=abcd", "k", v, sizeof(v)), 0);
  /* A key twice, also with the same value. */
  assert_int_equal(pmux__format_parse("hist:slots=16,slots=banana", &p,
                                      &args),
                   PMUX_ECONFIG);
  assert_non_null(strstr(pmux_errmsg(), "'slots' given twice"));
  assert_int_equal(pmux__format_parse("default:full=wrap,entries=8,full=wrap",
                                      &p, &args),
                   PMUX_ECONFIG);
  assert_non_null(strstr(pmux_errmsg(), "'full' given twice"));
  static const char *const keys[] = {"a", "ab", NULL};
  assert_int_equal(pmux__fmt_args_check("t", "a=1,ab=2", keys), 0);
  assert_int_equal(pmux__fmt_args_check("t", "ab=1,a=2,ab=3", keys),
                   PMUX_ECONFIG);
  assert_int_equal(pmux__fmt_args_check("t", "a", keys), PMUX_ECONFIG);
  /* an empty item, the last one too, as an event list's */
  assert_int_equal(pmux__fmt_args_check("t", "a=1,", keys), PMUX_ECONFIG);
  assert_non_null(strstr(pmux_errmsg(), "'a=1,': empty argument at offset 4"));
  assert_int_equal(pmux__fmt_args_check("t", "a=1,,ab=2", keys),
                   PMUX_ECONFIG);
  assert_int_equal(pmux__fmt_args_check("t", "", keys), 0);
  assert_int_equal(pmux__format_parse("hist:slots=32", &p, &args), 0);
  /* Numbers are decimal or 0x hex, as record's own options: "010" is
   * ten (it was octal eight), a sign or a blank is refused. */
  uint64_t n = 0;
  assert_int_equal(pmux__fmt_arg_u64("t", "n=010", "n", 1, 100, &n), 0);
  assert_int_equal(n, 10);
  assert_int_equal(pmux__fmt_arg_u64("t", "n=0x10", "n", 1, 100, &n), 0);
  assert_int_equal(n, 16);
  assert_int_equal(pmux__fmt_arg_u64("t", "n=+5", "n", 1, 100, &n),
                   PMUX_ECONFIG);
  assert_int_equal(pmux__fmt_arg_u64("t", "n= 5", "n", 1, 100, &n),
                   PMUX_ECONFIG);
  assert_int_equal(pmux__fmt_arg_u64("t", "n=0x", "n", 1, 100, &n),
                   PMUX_ECONFIG);
  /* 0100 read as octal 64 passed hist's power-of-two check. */
  assert_int_equal(pmux__format_parse("hist:slots=0100", &p, &args),
                   PMUX_ECONFIG);
}

/* ------------------------------------------------ the engine's contract */

/* A format that takes 3 samples, then says PMUX_FMT_STOPPED. */
static unsigned stop_calls;

static int stop_init(void **st, const char *args, const pmux_fmt_params_t *p,
                     const pmux_fmt_out_t *out)
{
  (void)args;
  (void)p;
  (void)out;
  *st = &stop_calls;
  stop_calls = 0;
  return 0;
}

static int stop_handler(void *st, const pmux_fmt_sample_t *s)
{
  (void)s;
  unsigned *calls = st;
  return ++*calls == 3 ? PMUX_FMT_STOPPED : 0;
}

static int stop_restart(void *st)
{
  (void)st;
  return 0;
}

static int stop_exit(void *st)
{
  (void)st;
  return 0;
}

static int stop_decode(const void *data, size_t len, pmux_fmt_decode_cb cb,
                       void *arg, size_t *stop)
{
  (void)data;
  (void)len;
  (void)cb;
  (void)arg;
  (void)stop;
  return 0;
}

static const pmux_format_t stop_fmt = {
    .name = "test-stopped",
    .desc = "stops after 3 samples",
    .uuid = {0x7e, 0x57, 0x57, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
    .init = stop_init,
    .handler = stop_handler,
    .restart = stop_restart,
    .exit = stop_exit,
    .decode = stop_decode,
};

/* After PMUX_FMT_STOPPED the engine calls handler() no more and counts the
 * samples it did not hand over (it used to go on calling it). */
static void test_engine_stopped(void **state)
{
  (void)state;
  assert_int_equal(pmux__format_register(&stop_fmt), 0);
  char out[] = "/tmp/pmux-test-stopped-XXXXXX";
  int fd = mkstemp(out);
  assert_true(fd >= 0);
  close(fd);
  char *const argv[] = {"/bin/sh", "-c",
                        "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done",
                        NULL};
  pmux_record_opts_t o = {.argv = argv, .freq = 2000,
                          .format = "test-stopped", .output = out};
  pmux_record_stats_t st;
  int rc = pmux_record(&o, &st);
  unlink(out);
  if (rc < 0) {
    fprintf(stderr, "skip: cannot sample here: %s\n", pmux_errmsg());
    skip();
  }
  assert_int_equal(stop_calls, 3);
  assert_int_equal(st.samples, 3);
  if (st.stopped == 0) {
    fprintf(stderr, "skip: only %llu samples taken\n",
            (unsigned long long)st.samples);
    skip();
  }
}

/* A format whose init fails without a message, as the built-ins did when
 * their buffer could not be allocated. */
static size_t nomem_getsize(const char *args, const pmux_fmt_params_t *p)
{
  (void)args;
  (void)p;
  return 123456789;
}

static int nomem_init(void **st, const char *args, const pmux_fmt_params_t *p,
                      const pmux_fmt_out_t *out)
{
  (void)st;
  (void)args;
  (void)p;
  (void)out;
  return -ENOMEM;
}

static const pmux_format_t nomem_fmt = {
    .name = "test-nomem",
    .desc = "cannot allocate its buffer",
    .uuid = {0x7e, 0x57, 0x57, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
    .getsize = nomem_getsize,
    .init = nomem_init,
    .handler = stop_handler,
    .restart = stop_restart,
    .exit = stop_exit,
    .decode = stop_decode,
};

/* record says which format could not start and the memory it wanted (it
 * said "Cannot allocate memory" alone, for default:entries=16777216 too). */
static void test_engine_init_fails(void **state)
{
  (void)state;
  assert_int_equal(pmux__format_register(&nomem_fmt), 0);
  char out[] = "/tmp/pmux-test-nomem-XXXXXX";
  int fd = mkstemp(out);
  assert_true(fd >= 0);
  close(fd);
  char *const argv[] = {"/bin/true", NULL};
  pmux_record_opts_t o = {.argv = argv, .format = "test-nomem:",
                          .output = out};
  pmux_record_stats_t st;
  assert_int_equal(pmux_record(&o, &st), -ENOMEM);
  unlink(out);
  assert_non_null(strstr(pmux_errmsg(), "format 'test-nomem'"));
  assert_non_null(strstr(pmux_errmsg(), "123456789 bytes"));
}

/* A library caller's nsets without its sets is refused as other bad
 * options are (parse_sets read sets[0] and crashed). */
static void test_record_sets_null(void **state)
{
  (void)state;
  char *const argv[] = {"/bin/true", NULL};
  pmux_record_opts_t o = {.argv = argv, .nsets = 1, .sets = NULL,
                          .output = "/nonexistent/pmux-test"};
  pmux_record_stats_t st;
  assert_int_equal(pmux_record(&o, &st), PMUX_ECONFIG);
  assert_non_null(strstr(pmux_errmsg(), "sets is NULL"));
}

/* --------------------------------------------------------- round trips */

static void round_trip(const pmux_format_t *f, const char *args, unsigned n)
{
  struct mem m = {0};
  run_format(f, args, n, &m);
  struct got *g = calloc(1, sizeof(*g));
  size_t stop = 0;
  assert_int_equal(f->decode(m.buf, m.len, collect, g, &stop), 0);
  assert_int_equal(g->n, n);
  for (unsigned i = 0; i < n && i < 4096; i++) {
    pmux_fmt_sample_t want = make_sample(i);
    same_sample(&g->s[i], &want);
  }
  free(g);
  free(m.buf);
}

static void test_default_round_trip(void **state)
{
  (void)state;
  round_trip(&pmux_fmt_default, "", 1000);
  /* full=stop: a small buffer is handed out many times, nothing lost. */
  round_trip(&pmux_fmt_default, "entries=7,full=stop", 1000);
}

static void test_default_wrap(void **state)
{
  (void)state;
  struct mem m = {0};
  run_format(&pmux_fmt_default, "entries=8,full=wrap", 21, &m);
  struct got *g = calloc(1, sizeof(*g));
  size_t stop;
  assert_int_equal(pmux_fmt_default.decode(m.buf, m.len, collect, g, &stop),
                   0);
  assert_int_equal(g->n, 8); /* the last 8, oldest first */
  for (unsigned i = 0; i < 8; i++) {
    pmux_fmt_sample_t want = make_sample(13 + i);
    same_sample(&g->s[i], &want);
  }
  /* The header counts the wrap-arounds (offset 16: overflows). */
  uint64_t ovf;
  uint32_t version;
  memcpy(&ovf, m.buf + 16, 8);
  memcpy(&version, m.buf + 24, 4);
  assert_int_equal(ovf, 2);
  assert_int_equal(version, (1u << 16) | 0);
  free(g);
  free(m.buf);
}

static void test_compact_round_trip(void **state)
{
  (void)state;
  round_trip(&pmux_fmt_compact, "", 3000);
  round_trip(&pmux_fmt_compact, "buffer=1024", 3000);
  /* Smaller than default's 40 bytes per sample. */
  struct mem m = {0};
  run_format(&pmux_fmt_compact, "", 3000, &m);
  assert_true(m.len < 3000 * 20);
  free(m.buf);
}

static void test_hist_round_trip(void **state)
{
  (void)state;
  struct mem m = {0};
  run_format(&pmux_fmt_hist, "", 5000, &m);
  struct got *g = calloc(1, sizeof(*g));
  size_t stop;
  assert_int_equal(pmux_fmt_hist.decode(m.buf, m.len, collect, g, &stop), 0);
  assert_int_equal(g->weight, 5000);
  assert_true(g->n <= 42); /* distinct (pid, ip, set) of make_sample */
  free(g);
  /* Output size and memory do not grow with the number of samples. */
  struct mem m2 = {0};
  run_format(&pmux_fmt_hist, "", 200000, &m2);
  assert_int_equal(m2.len, m.len);
  free(m.buf);
  free(m2.buf);
  /* A full table counts the rest in `other`, nothing is dropped. */
  struct mem m3 = {0};
  void *st;
  pmux_fmt_params_t p = {0, 1};
  pmux_fmt_out_t out = {mem_write, &m3};
  assert_int_equal(pmux_fmt_hist.init(&st, "slots=16", &p, &out), 0);
  for (unsigned i = 0; i < 100; i++) {
    pmux_fmt_sample_t s = make_sample(0);
    s.ip = 0x1000 + i;
    assert_int_equal(pmux_fmt_hist.handler(st, &s), 0);
  }
  assert_int_equal(pmux_fmt_hist.exit(st), 0);
  g = calloc(1, sizeof(*g));
  assert_int_equal(pmux_fmt_hist.decode(m3.buf, m3.len, collect, g, &stop),
                   0);
  assert_int_equal(g->weight, 100);
  free(g);
  free(m3.buf);
}

/* A hist file written by hand: header, then the n entries. */
static void hist_file(struct mem *m, uint64_t total, uint64_t other,
                      const struct pmux_hist_entry *e, size_t n)
{
  pmux_fmt_out_t out = {mem_write, m};
  m->len = 0;
  assert_int_equal(pmux__hist_write_header(&out, n, total, other), 0);
  assert_int_equal(mem_write(m, e, n * sizeof(*e)), 0);
}

/* Decode m as hist; the entries reported, the return code, the stop. */
static int hist_decode(const struct mem *m, struct got *g, size_t *stop)
{
  memset(g, 0, sizeof(*g));
  *stop = (size_t)-1;
  return pmux__hist_decode(m->buf, m->len, collect, g, stop);
}

static void test_hist_corrupt_counts(void **state)
{
  (void)state;
  const size_t hdr = 48, esz = sizeof(struct pmux_hist_entry);
  struct pmux_hist_entry e[3] = {{1, 0, 0x1000, 5}, {1, 0, 0x2000, 3},
                                 {0, -1, 0, 2}};
  struct mem m = {0};
  struct got *g = calloc(1, sizeof(*g));
  size_t stop;
  /* Sound: 5 + 3 + other 2 = 10. */
  hist_file(&m, 10, 2, e, 3);
  assert_int_equal(hist_decode(&m, g, &stop), 0);
  assert_int_equal(g->weight, 10);
  /* A count of 2^64-1: its sum with the others cannot be a total. */
  e[1].count = UINT64_MAX;
  hist_file(&m, 10, 2, e, 3);
  assert_int_equal(hist_decode(&m, g, &stop), PMUX_EFILE);
  assert_int_equal(stop, hdr + esz);
  assert_int_equal(g->n, 1); /* the entry before it */
  assert_non_null(strstr(pmux_errmsg(), "past 2^64"));
  e[1].count = 3;
  /* A count of 0 (a free slot is never written). */
  e[0].count = 0;
  hist_file(&m, 5, 2, e, 3);
  assert_int_equal(hist_decode(&m, g, &stop), PMUX_EFILE);
  assert_int_equal(stop, hdr);
  assert_int_equal(g->n, 0);
  assert_non_null(strstr(pmux_errmsg(), "count 0"));
  e[0].count = 5;
  /* The header's total disagrees: every entry reported, then the error. */
  hist_file(&m, 11, 2, e, 3);
  assert_int_equal(hist_decode(&m, g, &stop), PMUX_EFILE);
  assert_int_equal(stop, m.len);
  assert_int_equal(g->n, 3);
  assert_non_null(strstr(pmux_errmsg(), "total (data offset 16) is 11"));
  /* The other entry disagrees with the header's other. */
  hist_file(&m, 10, 1, e, 3);
  assert_int_equal(hist_decode(&m, g, &stop), PMUX_EFILE);
  assert_int_equal(stop, hdr + 2 * esz);
  assert_int_equal(g->n, 2);
  assert_non_null(strstr(pmux_errmsg(), "'other' entry"));
  /* The header has other, no entry holds it. */
  hist_file(&m, 8, 2, e, 2);
  assert_int_equal(hist_decode(&m, g, &stop), PMUX_EFILE);
  assert_non_null(strstr(pmux_errmsg(), "no 'other' entry"));
  /* Two other entries. */
  struct pmux_hist_entry two[2] = {{0, -1, 0, 2}, {0, -1, 0, 2}};
  hist_file(&m, 4, 2, two, 2);
  assert_int_equal(hist_decode(&m, g, &stop), PMUX_EFILE);
  assert_int_equal(stop, hdr + esz);
  assert_non_null(strstr(pmux_errmsg(), "second 'other'"));
  /* Without other: the counts alone make the total. */
  hist_file(&m, 8, 0, e, 2);
  assert_int_equal(hist_decode(&m, g, &stop), 0);
  assert_int_equal(g->weight, 8);
  free(g);
  free(m.buf);
}

/* Every truncation and a flipped byte: never a crash; an error that says
 * where; what came before is reported. */
static void decoders_survive(const pmux_format_t *f, const char *args)
{
  struct mem m = {0};
  run_format(f, args, 300, &m);
  struct got *g = calloc(1, sizeof(*g));
  for (size_t len = 0; len < m.len; len++) {
    g->n = 0;
    g->weight = 0;
    size_t stop = (size_t)-1;
    int rc = f->decode(m.buf, len, collect, g, &stop);
    if (rc < 0) {
      assert_int_equal(rc, PMUX_EFILE);
      assert_true(stop <= len);
      assert_non_null(strstr(pmux_errmsg(), "offset"));
    }
  }
  for (size_t i = 0; i < m.len; i += 3) {
    m.buf[i] ^= 0x5a;
    size_t stop;
    (void)f->decode(m.buf, m.len, collect, g, &stop);
    m.buf[i] ^= 0x5a;
  }
  free(g);
  free(m.buf);
}

static void test_decoders_truncated(void **state)
{
  (void)state;
  decoders_survive(&pmux_fmt_default, "entries=50");
  decoders_survive(&pmux_fmt_compact, "");
  decoders_survive(&pmux_fmt_hist, "");
  /* default: a buffer cut in the middle still gives its whole entries. */
  struct mem m = {0};
  run_format(&pmux_fmt_default, "", 100, &m);
  struct got *g = calloc(1, sizeof(*g));
  size_t stop;
  assert_int_equal(pmux_fmt_default.decode(m.buf, m.len - 50, collect, g,
                                           &stop), PMUX_EFILE);
  assert_int_equal(g->n, 98);
  free(g);
  free(m.buf);
}

/* --------------------------------------------------------- sample file */

static void put(struct mem *m, const void *p, size_t n)
{
  assert_int_equal(mem_write(m, p, n), 0);
}

/* The file header of this version, as the recorder writes it. */
static void put_header(struct mem *m)
{
  struct pmux_sf_header h;
  memset(&h, 0, sizeof(h));
  memcpy(h.magic, PMUX_SF_MAGIC, 8);
  h.version = PMUX_SF_VERSION;
  h.header_size = sizeof(h);
  h.endian = PMUX_SF_ENDIAN;
  put(m, &h, sizeof(h));
}

static void put_section(struct mem *m, uint32_t type, const void *p,
                        uint64_t n)
{
  struct pmux_sf_section s = {type, 0, n};
  put(m, &s, sizeof(s));
  put(m, p, n);
}

static int count_cb(const pmux_sample_t *s, void *arg)
{
  *(uint64_t *)arg += s->weight;
  return 0;
}

static void test_sample_file(void **state)
{
  (void)state;
  struct mem data = {0};
  run_format(&pmux_fmt_compact, "", 500, &data);
  struct mem m = {0};
  put_header(&m);
  put_section(&m, PMUX_SF_META, "command=x y\n", 12);
  uint8_t fmt[16 + 4 + 7 + 4];
  memcpy(fmt, pmux_fmt_compact.uuid, 16);
  uint32_t n = 7, z = 0;
  memcpy(fmt + 16, &n, 4);
  memcpy(fmt + 20, "compact", 7);
  memcpy(fmt + 27, &z, 4);
  put_section(&m, PMUX_SF_FORMAT, fmt, sizeof(fmt));
  put_section(&m, PMUX_SF_DATA, data.buf, data.len);
  struct pmux_sf_stats st;
  memset(&st, 0, sizeof(st));
  st.samples = 500;
  st.lost = 7;
  put_section(&m, PMUX_SF_STATS, &st, sizeof(st));
  put_section(&m, PMUX_SF_END, NULL, 0);

  pmux_sample_file_t *f;
  assert_int_equal(pmux_sample_file_open_mem(m.buf, m.len, &f), 0);
  assert_string_equal(pmux_sample_file_format(f), "compact");
  assert_string_equal(pmux_sample_file_command(f), "x y");
  assert_int_equal(pmux_sample_file_lost(f), 7);
  assert_int_equal(pmux_sample_file_complete(f), 1);
  assert_int_equal(pmux_sample_file_missing(f), PMUX_SF_MISSING_MAPS);
  uint64_t total = 0;
  assert_int_equal(pmux_sample_file_foreach(f, count_cb, &total), 0);
  assert_int_equal(total, 500);
  pmux_sample_file_close(f);

  /* Every truncation: an error naming the offset, and the samples of the
   * data that is there. */
  uint64_t last = 0;
  for (size_t len = 0; len < m.len; len++) {
    int rc = pmux_sample_file_open_mem(m.buf, len, &f);
    assert_true(rc < 0);
    assert_non_null(strstr(pmux_errmsg(), "offset"));
    if (!f)
      continue;
    /* Cut before END: incomplete, and without its STATS the lost count
     * is unknown, not 0. */
    assert_int_equal(pmux_sample_file_complete(f), 0);
    assert_true(pmux_sample_file_missing(f) & PMUX_SF_MISSING_MAPS);
    assert_int_equal(!!(pmux_sample_file_missing(f) & PMUX_SF_MISSING_STATS),
                     len < m.len - 16);
    total = 0;
    (void)pmux_sample_file_foreach(f, count_cb, &total);
    assert_true(total <= 500);
    assert_true(total + 1 >= last || len < 100); /* grows with the file */
    last = total;
    pmux_sample_file_close(f);
  }
  assert_int_equal(last, 500);
  free(m.buf);
  free(data.buf);
}

/* A sample file of MAPS (a "[pN]" mapping at 0x1000 for each pid given)
 * and TASKS (when tasks), for pmux_sample_file_symbol. */
static pmux_sample_file_t *maps_file(const uint32_t *pids, size_t npids,
                                     const struct pmux_sf_task *tasks,
                                     size_t ntasks)
{
  struct mem m = {0};
  put_header(&m);
  struct pmux_sf_map map = {0, 4, 0x1000, 0x1000, 0, 5};
  struct pmux_sf_section s = {PMUX_SF_MAPS, 0, npids * (sizeof(map) + 4)};
  put(&m, &s, sizeof(s));
  for (size_t i = 0; i < npids; i++) {
    char name[5];
    map.pid = pids[i];
    snprintf(name, sizeof(name), "[p%u]", pids[i] % 10);
    put(&m, &map, sizeof(map));
    put(&m, name, 4);
  }
  if (tasks)
    put_section(&m, PMUX_SF_TASKS, tasks, ntasks * sizeof(*tasks));
  put_section(&m, PMUX_SF_END, NULL, 0);
  pmux_sample_file_t *f;
  assert_int_equal(pmux_sample_file_open_mem(m.buf, m.len, &f), 0);
  free(m.buf);
  return f;
}

static const char *sym_of(pmux_sample_file_t *f, uint32_t pid, uint64_t t)
{
  static char sym[64];
  char dso[64];
  pmux_sample_file_symbol(f, pid, 0x1100, t, sym, sizeof(sym), dso,
                          sizeof(dso));
  return sym;
}

/* A sample file with one "//anon" mapping of process pid at 0x1000 (64
 * KiB), whose code a JIT names in /tmp/perf-PID.map. */
static pmux_sample_file_t *anon_file(uint32_t pid)
{
  struct mem m = {0};
  put_header(&m);
  struct pmux_sf_map map = {pid, 6, 0x1000, 0x10000, 0, 5};
  struct pmux_sf_section s = {PMUX_SF_MAPS, 0, sizeof(map) + 6};
  put(&m, &s, sizeof(s));
  put(&m, &map, sizeof(map));
  put(&m, "//anon", 6);
  put_section(&m, PMUX_SF_END, NULL, 0);
  pmux_sample_file_t *f;
  assert_int_equal(pmux_sample_file_open_mem(m.buf, m.len, &f), 0);
  free(m.buf);
  return f;
}

/* A JIT's name longer than a line buffer (node's and Java's carry their
 * signature and path) is one name: its tail is not a line of its own,
 * which could name code that is not there. */
static void test_sample_file_jit_long_line(void **state)
{
  (void)state;
  uint32_t pid = (uint32_t)getpid();
  char path[64];
  snprintf(path, sizeof(path), "/tmp/perf-%u.map", (unsigned)pid);
  FILE *out = fopen(path, "w");
  assert_non_null(out);
  /* 1023 bytes before the tail: where a 1 KiB line buffer cut it */
  char name[1100];
  memset(name, 'x', 1014);
  snprintf(name + 1014, sizeof(name) - 1014, "2000 10 tail");
  fprintf(out, "1000 100 %s\n", name);
  fclose(out);
  pmux_sample_file_t *f = anon_file(pid);
  char sym[2048], dso[128];
  int named = pmux_sample_file_symbol(f, pid, 0x2004, 0, sym, sizeof(sym),
                                      dso, sizeof(dso));
  int whole = pmux_sample_file_symbol(f, pid, 0x1004, 0, sym, sizeof(sym),
                                      dso, sizeof(dso)) == 1 &&
              !strcmp(sym, name);
  pmux_sample_file_close(f);
  unlink(path);
  assert_int_equal(named, 0);
  assert_true(whole);
}

/* Anonymous memory without a perf map is "[anon]" without opening a file:
 * "//anon" went on to the ELF reader as the path /anon. */
static void test_sample_file_anon_not_opened(void **state)
{
  (void)state;
  uint32_t pid = (uint32_t)getpid();
  char path[64];
  snprintf(path, sizeof(path), "/tmp/perf-%u.map", (unsigned)pid);
  unlink(path);
  pmux_sample_file_t *f = anon_file(pid);
  char sym[64], dso[64];
  assert_int_equal(pmux_sample_file_symbol(f, pid, 0x1004, 0, sym,
                                           sizeof(sym), dso, sizeof(dso)),
                   0);
  size_t opened = f->ndsos;
  pmux_sample_file_close(f);
  assert_string_equal(sym, "[anon]");
  assert_string_equal(dso, "//anon");
  assert_int_equal(opened, 0);
}

/* A perf map's number over 64 bits (sscanf's conversion of one is
 * undefined; glibc's gave the largest) makes its line not a map line. */
static void test_jit_map_overflow(void **state)
{
  (void)state;
  pmux__jit_map_t j = {0};
  const char text[] = "10000000000000000 10 big\n"
                      "1000 10000000000000000 huge\n"
                      "2000 10 fits\n";
  assert_int_equal(pmux__jit_map_parse(&j, text, sizeof(text) - 1), 0);
  pmux__jit_map_sort(&j);
  assert_int_equal(j.nsyms, 1);
  assert_null(pmux__jit_map_find(&j, UINT64_MAX));
  assert_null(pmux__jit_map_find(&j, 0x1000));
  assert_string_equal(pmux__jit_map_find(&j, 0x2004), "fits");
  pmux__jit_map_free(&j);
}

/* A perf map's numbers are hex, as perf writes them, or with a 0x as some
 * JITs do: a sign makes the line no map line ("1000 -1 x" named
 * everything above 0x1000), and the CR of a CR LF map is no part of a
 * name. */
static void test_jit_map_plain_hex(void **state)
{
  (void)state;
  pmux__jit_map_t j = {0};
  const char text[] = "1000 -1 neg\n"
                      "0x3000 10 prefixed\n"
                      "4000 0x10 prefixed_size\n"
                      "-5000 10 negative\n"
                      "2000 10 crlf\r\n";
  assert_int_equal(pmux__jit_map_parse(&j, text, sizeof(text) - 1), 0);
  pmux__jit_map_sort(&j);
  assert_int_equal(j.nsyms, 3);
  assert_null(pmux__jit_map_find(&j, 0x1004));
  assert_null(pmux__jit_map_find(&j, 0x5004));
  assert_string_equal(pmux__jit_map_find(&j, 0x3004), "prefixed");
  assert_string_equal(pmux__jit_map_find(&j, 0x4004), "prefixed_size");
  assert_string_equal(pmux__jit_map_find(&j, 0x2004), "crlf");
  pmux__jit_map_free(&j);
}

/* A JIT that puts new code where freed code was appends its line: of
 * entries at one address, the last in the map names it, however many
 * entries the sort moves around (qsort need not keep their order). */
static void test_jit_map_reused_address(void **state)
{
  (void)state;
  pmux__jit_map_t j = {0};
  char line[64];
  for (unsigned i = 0; i < 1000; i++) {
    /* entries at other addresses around the reused one */
    int n = snprintf(line, sizeof(line), "%x 10 other%u\n",
                     0x100000 + (i * 7919u % 1000u) * 0x100, i);
    assert_int_equal(pmux__jit_map_parse(&j, line, (size_t)n), 0);
    n = snprintf(line, sizeof(line), "1000 10 gen%u\n", i);
    assert_int_equal(pmux__jit_map_parse(&j, line, (size_t)n), 0);
  }
  pmux__jit_map_sort(&j);
  assert_string_equal(pmux__jit_map_find(&j, 0x1004), "gen999");
  pmux__jit_map_free(&j);
}

/* An address no mapping of the sample's process covers is named from its
 * parent's, as mapped at the fork, while it has not exec'd; never from an
 * unrelated process's (system-wide, that is the wrong object). */
static void test_sample_file_fork(void **state)
{
  (void)state;
  static const uint32_t pids[] = {10};
  static const struct pmux_sf_task tasks[] = {
      {PMUX_SF_TASK_FORK, 11, 10, 0, 10}, /* child of 10 */
      {PMUX_SF_TASK_FORK, 12, 11, 0, 12}, /* grandchild of 10 */
      {PMUX_SF_TASK_FORK, 13, 10, 0, 10}, /* child that execs at 20 */
      {PMUX_SF_TASK_EXEC, 13, 0, 0, 20},
      {PMUX_SF_TASK_FORK, 14, 10, 0, 3},  /* forked before 10 mapped it */
  };
  pmux_sample_file_t *f = maps_file(pids, 1, tasks, 5);
  assert_string_equal(sym_of(f, 10, 100), "[p0]");
  assert_string_equal(sym_of(f, 10, 0), "[p0]");
  assert_string_equal(sym_of(f, 11, 50), "[p0]");
  assert_string_equal(sym_of(f, 12, 50), "[p0]");
  assert_string_equal(sym_of(f, 13, 15), "[p0]");
  assert_string_equal(sym_of(f, 13, 30), "[unknown]");
  assert_string_equal(sym_of(f, 14, 50), "[unknown]");
  assert_string_equal(sym_of(f, 99, 50), "[unknown]"); /* unrelated */
  pmux_sample_file_close(f);

  /* No TASKS (a 1.1 file): no fork to follow, no other process's map. */
  static const uint32_t two[] = {10, 21};
  f = maps_file(two, 2, NULL, 0);
  assert_string_equal(sym_of(f, 21, 50), "[p1]");
  assert_string_equal(sym_of(f, 11, 50), "[unknown]");
  pmux_sample_file_close(f);
}

/* This process's vdso (the image record copies): its address and length,
 * from the "[vdso]" line of /proc/self/maps; 0 when there is none. */
static size_t own_vdso(const uint8_t **at)
{
  FILE *maps = fopen("/proc/self/maps", "re");
  char line[512];
  unsigned long long lo = 0, hi = 0;
  size_t len = 0;
  while (maps && fgets(line, sizeof(line), maps))
    if (strstr(line, " [vdso]") && sscanf(line, "%llx-%llx", &lo, &hi) == 2) {
      *at = (const uint8_t *)(uintptr_t)lo;
      len = (size_t)(hi - lo);
      break;
    }
  if (maps)
    fclose(maps);
  return len;
}

/* A "[vdso]" mapping is named from the recorder's image only in a process
 * of the image's ABI: x86-64's 32-bit vdso is as long as the 64-bit one,
 * and a 32-bit process's vdso samples were named from the 64-bit image.
 * Pid 1 runs a 32-bit program, pid 2 this test's own (the image's ABI),
 * pid 3 nothing known (the length alone decides). */
/* A VDSO section larger than any vdso (a crafted file) is refused, with
 * its offset, before it is copied. */
static void test_sample_file_vdso_too_large(void **state)
{
  (void)state;
  struct mem m = {0};
  put_header(&m);
  size_t n = PMUX_SF_VDSO_MAX + 1;
  uint8_t *img = calloc(1, n);
  assert_non_null(img);
  memcpy(img, "\177ELF", 4);
  put_section(&m, PMUX_SF_VDSO, img, n);
  put_section(&m, PMUX_SF_END, NULL, 0);
  free(img);
  pmux_sample_file_t *f = NULL;
  assert_int_equal(pmux_sample_file_open_mem(m.buf, m.len, &f), PMUX_EFILE);
  assert_non_null(strstr(pmux_errmsg(), "VDSO section"));
  pmux_sample_file_close(f);
  free(m.buf);
}

static void test_sample_file_vdso_abi(void **state)
{
  (void)state;
  const uint8_t *vdso = NULL;
  size_t vlen = own_vdso(&vdso);
  if (!vlen || vdso[4] != 2) /* ELFCLASS64: the other ABI is ELFCLASS32 */
    skip();
  char elf32[] = "/tmp/pmux-test-elf32-XXXXXX", self[4096];
  int fd = mkstemp(elf32);
  assert_true(fd >= 0);
  uint8_t h[52] = {0x7f, 'E', 'L', 'F', 1 /* ELFCLASS32 */, vdso[5], 1};
  h[16] = vdso[5] == 1 ? 2 : 0; /* ET_EXEC, in the file's byte order */
  h[17] = vdso[5] == 1 ? 0 : 2;
  h[18] = vdso[5] == 1 ? 3 : 0; /* EM_386 */
  h[19] = vdso[5] == 1 ? 0 : 3;
  assert_int_equal(write(fd, h, sizeof(h)), (ssize_t)sizeof(h));
  close(fd);
  ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
  assert_true(sl > 0);
  self[sl] = 0;

  const char *names[] = {elf32, "[vdso]", self, "[vdso]", "[vdso]"};
  const uint32_t pids[] = {1, 1, 2, 2, 3};
  const uint64_t starts[] = {0x1000, 0x100000, 0x1000, 0x100000, 0x100000};
  struct mem m = {0};
  put_header(&m);
  uint64_t mlen = 0;
  for (size_t i = 0; i < 5; i++)
    mlen += sizeof(struct pmux_sf_map) + strlen(names[i]);
  struct pmux_sf_section s = {PMUX_SF_MAPS, 0, mlen};
  put(&m, &s, sizeof(s));
  for (size_t i = 0; i < 5; i++) {
    struct pmux_sf_map map = {pids[i], (uint32_t)strlen(names[i]), starts[i],
                              names[i][0] == '/' ? 0x1000 : vlen, 0, 1 + i};
    put(&m, &map, sizeof(map));
    put(&m, names[i], map.name_len);
  }
  put_section(&m, PMUX_SF_VDSO, vdso, vlen);
  put_section(&m, PMUX_SF_END, NULL, 0);
  pmux_sample_file_t *f;
  assert_int_equal(pmux_sample_file_open_mem(m.buf, m.len, &f), 0);
  free(m.buf);

  /* an address the image names, in the image's own ABI */
  char sym[256], dso[256];
  uint64_t ip = 0;
  for (uint64_t o = 0; o < vlen && !ip; o += 4)
    if (pmux_sample_file_symbol(f, 2, 0x100000 + o, 10, sym, sizeof(sym),
                                dso, sizeof(dso)) == 1)
      ip = 0x100000 + o;
  assert_true(ip != 0);
  assert_string_equal(dso, "[vdso]");
  assert_int_equal(pmux_sample_file_symbol(f, 3, ip, 10, sym, sizeof(sym),
                                           dso, sizeof(dso)), 1);
  /* the 32-bit process's vdso is another image: not named from ours */
  assert_int_equal(pmux_sample_file_symbol(f, 1, ip, 10, sym, sizeof(sym),
                                           dso, sizeof(dso)), 0);
  assert_string_equal(sym, "[vdso]");
  pmux_sample_file_close(f);
  unlink(elf32);
}

/* ------------------------------------------------------------- cost */

static void test_default_handler_cost(void **state)
{
  (void)state;
  void *st;
  struct mem m = {0};
  pmux_fmt_params_t p = {0, 2};
  pmux_fmt_out_t out = {mem_write, &m};
  assert_int_equal(pmux_fmt_default.init(&st, "", &p, &out), 0);
  pmux_fmt_sample_t s = make_sample(1);
  enum { N = 2000000 };
  uint64_t t0 = pmux__now_ns();
  for (unsigned i = 0; i < N; i++) {
    s.ip += 4;
    if (pmux_fmt_default.handler(st, &s) == PMUX_FMT_FULL) {
      pmux_fmt_default.restart(st);
      m.len = 0; /* the cost of the format, not of a growing test buffer */
    }
  }
  double ns = (double)(pmux__now_ns() - t0) / N;
  pmux_fmt_default.exit(st);
  free(m.buf);
  /* Printed, not asserted: bench/record.py reports it against issue 7's
   * target (1 us).  A test timed by the wall clock fails when the VM
   * stalls or a fuzzer shares the CPU, which says nothing of the code. */
  printf("default handler: %.1f ns per sample (restart included)\n", ns);
  assert_true(m.len > 0); /* the samples were really written */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registry),
      cmocka_unit_test(test_format_args),
      cmocka_unit_test(test_engine_stopped),
      cmocka_unit_test(test_engine_init_fails),
      cmocka_unit_test(test_default_round_trip),
      cmocka_unit_test(test_default_wrap),
      cmocka_unit_test(test_compact_round_trip),
      cmocka_unit_test(test_hist_round_trip),
      cmocka_unit_test(test_hist_corrupt_counts),
      cmocka_unit_test(test_decoders_truncated),
      cmocka_unit_test(test_sample_file),
      cmocka_unit_test(test_sample_file_fork),
      cmocka_unit_test(test_sample_file_jit_long_line),
      cmocka_unit_test(test_jit_map_overflow),
      cmocka_unit_test(test_jit_map_reused_address),
      cmocka_unit_test(test_jit_map_plain_hex),
      cmocka_unit_test(test_record_sets_null),
      cmocka_unit_test(test_sample_file_anon_not_opened),
      cmocka_unit_test(test_sample_file_vdso_abi),
      cmocka_unit_test(test_sample_file_vdso_too_large),
      cmocka_unit_test(test_default_handler_cost),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
