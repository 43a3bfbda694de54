/*
 * format.h - the sampling-format plugin interface and its registry.
 *
 * A format is one const table of callbacks with perfmon2's life cycle
 * (perfmon_fmt.h: validate, getsize, init, handler, restart, exit), plus
 * decode() so that `pmux report` can read what the format wrote.  The
 * recording engine (core/sample.c) hands every sample to handler(); when
 * handler() says the format's buffer is full, the engine calls restart(),
 * which is where the format's output leaves the buffer.  Everything a
 * format writes goes through struct pmux_fmt_out into the DATA section of
 * the sample file (docs/file-format.md); decode() gets those bytes back.
 *
 * docs/formats.md explains how to write one in a single file.
 */
#ifndef PMUX_CORE_FORMAT_H
#define PMUX_CORE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define PMUX_FMT_MAX_VALUES 16 /* sampled counter values per sample */

/* One sample, as the engine gives it and as decode() gives it back. */
typedef struct pmux_fmt_sample {
  uint32_t pid, tid;
  uint64_t ip;
  uint64_t time;          /* perf clock, ns */
  uint32_t cpu;
  int32_t set;            /* set active when the sample was taken */
  uint32_t ovfl_event;    /* index of the event that overflowed */
  uint64_t last_reset;    /* its period at the time (the reset value) */
  uint32_t nvalues;       /* sampled counter values that follow */
  uint64_t values[PMUX_FMT_MAX_VALUES];
  uint64_t weight;        /* samples this entry stands for (hist: > 1) */
} pmux_fmt_sample_t;

/* What the engine knows when a format starts. */
typedef struct pmux_fmt_params {
  uint32_t nvalues;       /* sampled counter values per sample */
  uint32_t ncpus;
} pmux_fmt_params_t;

/* Where a format's output goes (the DATA section of the file). */
typedef struct pmux_fmt_out {
  int (*write)(void *ctx, const void *buf, size_t len); /* 0 or -errno */
  void *ctx;
  uint64_t *kernel_samples; /* in-kernel formats add the samples they saw */
} pmux_fmt_out_t;

/* handler() return value: stored, but the buffer is now full. */
#define PMUX_FMT_FULL 1
/* handler() return value: the format takes no more samples (restart
 * policy); the engine calls handler() no more for this recording. */
#define PMUX_FMT_STOPPED 2

/* decode() calls this per entry; non-zero stops decoding. */
typedef int (*pmux_fmt_decode_cb)(const pmux_fmt_sample_t *s, void *arg);

typedef struct pmux_format {
  const char *name;            /* [a-z0-9-]+, unique */
  const char *desc;
  uint8_t uuid[16];            /* written in the file; decode picks by it */
  const char *args_help;       /* "entries=N,full=stop|wrap" */
  /* Check ARGS ("" when none); PMUX_ECONFIG with a message. */
  int (*validate)(const char *args);
  /* Bytes of memory the format will hold (its buffer), for tools and
   * tests; the engine calls it only to say what an init() that failed
   * without a message wanted.  Optional. */
  size_t (*getsize)(const char *args, const pmux_fmt_params_t *p);
  /* Allocate *state.  The file is not open yet: out->write gives -EBADF
   * until handler(), restart() and exit(). */
  int (*init)(void **state, const char *args, const pmux_fmt_params_t *p,
              const pmux_fmt_out_t *out);
  /* Consume one sample: 0, PMUX_FMT_FULL, PMUX_FMT_STOPPED or < 0. */
  int (*handler)(void *state, const pmux_fmt_sample_t *s);
  /* The buffer is full: hand it out and start again (0 or < 0).  Required
   * unless attach is set. */
  int (*restart)(void *state);
  /* Flush what is left, free state.  May be NULL-state safe. */
  int (*exit)(void *state);
  /*
   * Decode DATA (len bytes).  0 when all of it made sense; PMUX_EFILE with
   * *stop at the offset where it stopped making sense, after reporting
   * every entry before it.
   */
  int (*decode)(const void *data, size_t len, pmux_fmt_decode_cb cb,
                void *arg, size_t *stop);
  /*
   * In-kernel formats only (NULL otherwise): attach to one sampling event
   * (one per CPU and set) before counting starts; set is the set whose
   * samples it gives.  Such a format keeps the samples in the kernel;
   * handler() is then never called.
   */
  int (*attach)(void *state, int perf_fd, int set);
} pmux_format_t;

/* kernel-hist's UUID: its files are read (hist's layout) by every build,
 * also one without libbpf, which cannot record them. */
#define PMUX__KERNEL_HIST_UUID                                               \
  {0x4d, 0x86, 0x7a, 0x3e, 0x1f, 0x0b, 0x4c, 0x61,                           \
   0x9a, 0x52, 0xd0, 0x3c, 0x2e, 0x77, 0x04, 0x01}

/* Registry (core/format.c).  The built-ins are registered on first use. */
int pmux__format_register(const pmux_format_t *f);
const pmux_format_t *pmux__format_find(const char *name);
const pmux_format_t *pmux__format_by_uuid(const uint8_t uuid[16]);
int pmux__format_count(void);
const pmux_format_t *pmux__format_get(int i);
/*
 * "NAME[:ARGS]" -> format and its args (points into spec); validates the
 * args.  PMUX_EFORMAT with the list of known formats when NAME is unknown.
 */
int pmux__format_parse(const char *spec, const pmux_format_t **f,
                       const char **args);

/* Argument helpers for formats: "key=value,key=value". */
/*
 * Find key in args; copies its value to val (len bytes).  1 found, 0 not,
 * PMUX_ECONFIG naming format fmt and the key when the value does not fit.
 */
int pmux__fmt_arg(const char *fmt, const char *args, const char *key,
                  char *val, size_t len);
/* Check that args only holds KEY=VALUE items with the keys of the
 * NULL-terminated list, each key once. */
int pmux__fmt_args_check(const char *fmt, const char *args,
                         const char *const *keys);
/* Unsigned argument (decimal or 0x hex) with bounds; *out keeps its
 * default when absent. */
int pmux__fmt_arg_u64(const char *fmt, const char *args, const char *key,
                      uint64_t min, uint64_t max, uint64_t *out);

/* LEB128 varints, shared by the formats that pack. */
static inline size_t pmux__varint_put(uint8_t *p, uint64_t v)
{
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}
/* Returns bytes used, 0 when truncated or longer than 10 bytes. */
static inline size_t pmux__varint_get(const uint8_t *p, size_t len,
                                      uint64_t *v)
{
  uint64_t r = 0;
  for (size_t i = 0; i < len && i < 10; i++) {
    r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
    if (!(p[i] & 0x80)) {
      *v = r;
      return i + 1;
    }
  }
  return 0;
}
static inline uint64_t pmux__zigzag(int64_t v)
{
  return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int64_t pmux__unzigzag(uint64_t v)
{
  return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* hist's on-disk layout, shared with kernel-hist (formats/hist.c). */
struct pmux_hist_entry {
  uint32_t pid;
  int32_t set;
  uint64_t ip;
  uint64_t count;      /* 0: free slot (in memory) */
};
/* Write the header of nentries entries; the caller writes the entries. */
int pmux__hist_write_header(const pmux_fmt_out_t *out, uint64_t nentries,
                            uint64_t total, uint64_t other);
int pmux__hist_decode(const void *data, size_t len, pmux_fmt_decode_cb cb,
                      void *arg, size_t *stop);

/* The built-in formats (formats/). */
extern const pmux_format_t pmux_fmt_default;
extern const pmux_format_t pmux_fmt_compact;
extern const pmux_format_t pmux_fmt_hist;
#ifdef PMUX_HAVE_BPF
extern const pmux_format_t pmux_fmt_kernel_hist;
#endif

#endif
