/*
 * cmd_report.c - `pmux report`: read a sample file written by `pmux
 * record`, decode it with its format and print the top functions (or IPs,
 * or sets) with their share of the samples.  A truncated or corrupt file
 * is reported up to where it stopped making sense, then the error.
 * Kernel functions are named only for a file recorded on this boot; the
 * header says why when they are not.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "pmux/pmux.h"
#include "report_sets.h"

enum sort_key { SORT_SYMBOL, SORT_IP, SORT_SET };

/* Samples aggregated per (pid, ip, set): few distinct entries. */
struct agg {
  uint32_t pid;
  int32_t set;
  uint64_t ip, time, weight;
  int used;
};

struct ctx {
  struct agg *tab;
  size_t mask, used;
  uint64_t total;
  int oom;
};

struct row {
  char key[320];
  char dso[256];
  uint64_t samples;
};

static uint64_t mix(uint64_t h)
{
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

static int grow(struct ctx *c)
{
  size_t n = c->tab ? 2 * (c->mask + 1) : 1024;
  struct agg *t = calloc(n, sizeof(*t));
  if (!t)
    return -1;
  for (size_t i = 0; c->tab && i <= c->mask; i++) {
    if (!c->tab[i].used)
      continue;
    struct agg *a = &c->tab[i];
    size_t j = mix(a->ip ^ ((uint64_t)a->pid << 32) ^ (uint32_t)a->set);
    while (t[j & (n - 1)].used)
      j++;
    t[j & (n - 1)] = *a;
  }
  free(c->tab);
  c->tab = t;
  c->mask = n - 1;
  return 0;
}

static int add(const pmux_sample_t *s, void *arg)
{
  struct ctx *c = arg;
  if ((c->used + 1) * 4 > (c->mask + 1) * 3 || !c->tab) {
    if (grow(c) < 0) {
      c->oom = 1;
      return 1;
    }
  }
  size_t j = mix(s->ip ^ ((uint64_t)s->pid << 32) ^ (uint32_t)s->set);
  for (;; j++) {
    struct agg *a = &c->tab[j & c->mask];
    if (!a->used) {
      *a = (struct agg){s->pid, s->set, s->ip, s->time, s->weight, 1};
      c->used++;
      break;
    }
    if (a->ip == s->ip && a->pid == s->pid && a->set == s->set) {
      a->weight += s->weight;
      break;
    }
  }
  c->total += s->weight;
  return 0;
}

/* Symbol and object: a function is named by both (two programs' main()
 * are two rows). */
static int row_by_key(const void *a, const void *b)
{
  const struct row *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : strcmp(x->dso, y->dso);
}

static int row_by_samples(const void *a, const void *b)
{
  const struct row *x = a, *y = b;
  if (x->samples != y->samples)
    return x->samples < y->samples ? 1 : -1;
  return row_by_key(a, b);
}

static void usage(FILE *out)
{
  fprintf(out,
"usage: pmux report [-i FILE] [--sort symbol|ip|set] [--json] [-n N]\n"
"\n"
"Print the functions (or IPs, or sets) where the samples of FILE (default\n"
"pmux.data, written by 'pmux record') fell, with their share.\n"
"\n"
"  -i, --input FILE       the sample file\n"
"  -s, --sort KEY         symbol (default), ip or set\n"
"  -n, --limit N          print the first N rows (default 20, with\n"
"                         --json all; 0: all)\n"
"      --json             one JSON object: file, format, event, command,\n"
"                         complete, samples, recorded, lost (null when\n"
"                         unknown), sort, sets,\n"
"                         kernel_symbols, changed (binaries rebuilt\n"
"                         since the recording), top, and error when\n"
"                         the file is damaged\n"
"  -h, --help             this help\n");
}

/* What the command line asks. */
struct report_opts {
  const char *input;
  enum sort_key sort;
  int json;
  uint64_t limit; /* rows to print; 0: all */
};

/* -1 to run, else the exit status to stop with (--help, a usage error). */
static int parse_args(int argc, char **argv, struct report_opts *o)
{
  static const struct option longopts[] = {
      {"input", required_argument, NULL, 'i'},
      {"sort", required_argument, NULL, 's'},
      {"limit", required_argument, NULL, 'n'},
      {"json", no_argument, NULL, 'j'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int limit_set = 0, c;
  o->input = "pmux.data";
  o->sort = SORT_SYMBOL;
  o->limit = 20;
  optind = 1;
  while ((c = getopt_long(argc, argv, "i:s:n:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'i':
      o->input = optarg;
      break;
    case 's':
      if (!strcmp(optarg, "symbol"))
        o->sort = SORT_SYMBOL;
      else if (!strcmp(optarg, "ip"))
        o->sort = SORT_IP;
      else if (!strcmp(optarg, "set"))
        o->sort = SORT_SET;
      else {
        cli_error("report", "--sort %s: want symbol, ip or set", optarg);
        return PMUX_EXIT_USAGE;
      }
      break;
    case 'n':
      if (cli_parse_u64(optarg, &o->limit) < 0) {
        cli_error("report", "-n %s: want a number", optarg);
        return PMUX_EXIT_USAGE;
      }
      limit_set = 1;
      break;
    case 'j':
      o->json = 1;
      break;
    case 'h':
      usage(stdout);
      return PMUX_EXIT_OK;
    default:
      usage(stderr);
      return PMUX_EXIT_USAGE;
    }
  }
  if (optind < argc) {
    cli_error("report", "unexpected argument '%s'", argv[optind]);
    return PMUX_EXIT_USAGE;
  }
  if (o->json && !limit_set)
    o->limit = 0;
  return -1;
}

/* A report in the making: the file, its samples aggregated, the rows they
 * make, and the first error (printed after what could be read). */
struct report {
  pmux_sample_file_t *f;
  struct ctx cx;
  struct row *rows;
  size_t nrows, show;
  char err[1024];
  int rc; /* negative: the file failed, part way or at once */
};

/* Open the file and aggregate its samples.  -1 when there is no file to
 * report at all (the message is out); else 0, r->err saying where a bad
 * file stopped making sense. */
static int read_samples(struct report *r, const char *input)
{
  r->rc = pmux_sample_file_open(input, &r->f);
  if (r->rc < 0) {
    snprintf(r->err, sizeof(r->err), "%s", pmux_errmsg());
    if (!r->f) {
      /* A file error: EACCES here is the file's mode, which pmux caps
       * cannot help with. */
      cli_error("report", "%s", r->err);
      return -1;
    }
  }
  int rc2 = pmux_sample_file_foreach(r->f, add, &r->cx);
  if (rc2 < 0 && !r->err[0]) {
    snprintf(r->err, sizeof(r->err), "%s: %s", input, pmux_errmsg());
    r->rc = rc2;
  }
  if (r->cx.oom && !r->err[0]) {
    snprintf(r->err, sizeof(r->err), "out of memory");
    r->rc = -1;
  }
  return 0;
}

/* One row per distinct (pid, ip, set), keyed by the sort key. */
static void name_row(pmux_sample_file_t *f, const struct agg *a,
                     enum sort_key sort, struct row *r)
{
  char sym[256];
  if (a->pid == 0 && a->set == -1 && a->ip == 0) {
    /* hist's `other` entry (docs/formats.md): the samples that found
     * its table full, whose IPs were not kept. */
    snprintf(sym, sizeof(sym), "[hist table full]");
    r->dso[0] = 0;
  } else {
    pmux_sample_file_symbol(f, a->pid, a->ip, a->time, sym, sizeof(sym),
                            r->dso, sizeof(r->dso));
  }
  if (sort == SORT_SYMBOL)
    snprintf(r->key, sizeof(r->key), "%s", sym);
  else if (sort == SORT_IP)
    snprintf(r->key, sizeof(r->key), "0x%016" PRIx64 " %s", a->ip, sym);
  else
    snprintf(r->key, sizeof(r->key), "%d", a->set);
  r->samples = a->weight;
}

/* Rows of one key (and, but for sets, one object) become one; the number
 * of rows left. */
static size_t merge_rows(struct row *rows, size_t nrows, enum sort_key sort)
{
  qsort(rows, nrows, sizeof(*rows), row_by_key);
  size_t w = 0;
  for (size_t i = 0; i < nrows; i++) {
    /* A set's row gathers every object; a symbol's, one object. */
    if (w && !strcmp(rows[w - 1].key, rows[i].key) &&
        (sort == SORT_SET || !strcmp(rows[w - 1].dso, rows[i].dso))) {
      rows[w - 1].samples += rows[i].samples;
      if (strcmp(rows[w - 1].dso, rows[i].dso))
        snprintf(rows[w - 1].dso, sizeof(rows[w - 1].dso), "[several]");
    } else {
      rows[w++] = rows[i];
    }
  }
  return w;
}

/* Name every distinct (pid, ip, set), then merge by the sort key, most
 * samples first. */
static void make_rows(struct report *r, const struct report_opts *o)
{
  const struct ctx *cx = &r->cx;
  r->rows = calloc(cx->used ? cx->used : 1, sizeof(*r->rows));
  r->nrows = 0;
  for (size_t i = 0; r->rows && cx->tab && i <= cx->mask; i++)
    if (cx->tab[i].used)
      name_row(r->f, &cx->tab[i], o->sort, &r->rows[r->nrows++]);
  if (r->nrows) {
    r->nrows = merge_rows(r->rows, r->nrows, o->sort);
    qsort(r->rows, r->nrows, sizeof(*r->rows), row_by_samples);
  }
  r->show = o->limit && o->limit < r->nrows ? (size_t)o->limit : r->nrows;
}

/* What the file says of itself, beside its samples. */
struct file_facts {
  /* Kernel IPs stay "[kernel]" unless the file is from this boot and
   * /proc/kallsyms may be read: said once, in the header. */
  int ksyms;
  const char *kwhy;
  const char *const *changed;
  size_t nchanged;
  /* A recorder killed mid-run writes no MAPS, STATS or SWITCHES (they
   * come at the end): its samples are reported, and what is unknown is
   * said to be, not shown as [unknown] alone and 0 lost. */
  int complete;
  unsigned missing;
  int stats;
};

static void read_facts(pmux_sample_file_t *f, struct file_facts *ff)
{
  ff->ksyms = pmux_sample_file_kernel_symbols(f, &ff->kwhy);
  ff->nchanged = pmux_sample_file_changed(f, &ff->changed);
  ff->complete = pmux_sample_file_complete(f);
  ff->missing = pmux_sample_file_missing(f);
  ff->stats = !(ff->missing & PMUX_SF_MISSING_STATS);
}

static double percent(const struct report *r, const struct row *row)
{
  return r->cx.total ? 100.0 * row->samples / r->cx.total : 0.0;
}

static void json_header(const struct report *r, const struct report_opts *o,
                        const struct file_facts *ff)
{
  pmux_sample_file_t *f = r->f;
  printf("{\"file\":");
  json_string(stdout, o->input);
  printf(",\"format\":");
  json_string(stdout, pmux_sample_file_format(f));
  printf(",\"event\":");
  json_string(stdout, pmux_sample_file_event(f));
  printf(",\"command\":");
  json_string(stdout, pmux_sample_file_command(f));
  printf(",\"complete\":%s,\"samples\":%" PRIu64,
         ff->complete ? "true" : "false", r->cx.total);
  if (ff->stats)
    printf(",\"recorded\":%" PRIu64 ",\"lost\":%" PRIu64,
           pmux_sample_file_recorded(f), pmux_sample_file_lost(f));
  else
    printf(",\"recorded\":null,\"lost\":null");
  printf(",\"sort\":\"%s\",", o->sort == SORT_SYMBOL ? "symbol"
                              : o->sort == SORT_IP   ? "ip"
                                                     : "set");
  report_sets_json(stdout, f);
  if (ff->ksyms >= 0) {
    printf("\"kernel_symbols\":{\"resolved\":%s", ff->ksyms ? "true" : "false");
    if (!ff->ksyms) {
      printf(",\"reason\":");
      json_string(stdout, ff->kwhy);
    }
    printf("},");
  }
  printf("\"changed\":[");
  for (size_t i = 0; i < ff->nchanged; i++) {
    printf("%s", i ? "," : "");
    json_string(stdout, ff->changed[i]);
  }
  printf("]");
}

static void print_json(const struct report *r, const struct report_opts *o,
                       const struct file_facts *ff)
{
  json_header(r, o, ff);
  printf(",\"top\":[");
  for (size_t i = 0; i < r->show; i++) {
    const struct row *row = &r->rows[i];
    printf("%s{\"%s\":", i ? "," : "", o->sort == SORT_SET ? "set" : "symbol");
    if (o->sort == SORT_SET)
      printf("%s", row->key);
    else
      json_string(stdout, row->key);
    printf(",\"dso\":");
    json_string(stdout, row->dso);
    printf(",\"samples\":%" PRIu64 ",\"percent\":%.2f}", row->samples,
           percent(r, row));
  }
  printf("]");
  if (r->err[0]) {
    printf(",\"error\":");
    json_string(stdout, r->err);
  }
  printf("}\n");
}

static void text_header(const struct report *r, const struct report_opts *o,
                        const struct file_facts *ff)
{
  pmux_sample_file_t *f = r->f;
  char b1[32], b2[32];
  printf("# file: %s  format: %s  ", o->input, pmux_sample_file_format(f));
  report_events_text(stdout, f);
  printf("\n");
  if (pmux_sample_file_command(f)[0])
    printf("# command: %s\n", pmux_sample_file_command(f));
  printf("# samples: %s", cli_thousands(r->cx.total, b1, sizeof(b1)));
  /* Fewer than record handed over (default's full=wrap kept the last
   * ones only, or the data stopped making sense): said, not hidden. */
  if (ff->stats && pmux_sample_file_recorded(f) != r->cx.total)
    printf(" (of %s recorded)",
           cli_thousands(pmux_sample_file_recorded(f), b1, sizeof(b1)));
  printf("  lost: %s\n",
         ff->stats ? cli_thousands(pmux_sample_file_lost(f), b2, sizeof(b2))
                   : "unknown");
  if (!ff->complete)
    printf("# incomplete: the file ends before its END section (the "
           "recording was interrupted)%s%s%s%s\n",
           ff->missing ? ": " : "",
           ff->missing & PMUX_SF_MISSING_MAPS ? "no mappings, user-space "
                                                "symbols are unknown" : "",
           ff->missing == (PMUX_SF_MISSING_MAPS | PMUX_SF_MISSING_STATS)
               ? "; " : "",
           ff->stats ? "" : "no stats, the lost count is unknown");
  report_sets_text(stdout, f);
  if (ff->ksyms == 0)
    printf("# kernel symbols: not resolved (%s)\n", ff->kwhy);
  for (size_t i = 0; i < ff->nchanged; i++)
    printf("# changed since the recording (another build-id): %s: its "
           "functions are not named\n", ff->changed[i]);
}

static void print_text(const struct report *r, const struct report_opts *o,
                       const struct file_facts *ff)
{
  text_header(r, o, ff);
  /* An ip row's key is "0x<16 digits> symbol": the symbol column
   * starts after the 18 characters of the address. */
  int kw = o->sort == SORT_IP ? 18 + 1 + 32 : 32;
  printf("#\n# %9s %10s  %-*s %s\n", "percent", "samples", kw,
         o->sort == SORT_SET  ? "set"
         : o->sort == SORT_IP ? "ip                 symbol"
                              : "symbol",
         "object");
  for (size_t i = 0; i < r->show; i++) {
    const struct row *row = &r->rows[i];
    const char *base = strrchr(row->dso, '/');
    printf("  %8.2f%% %10" PRIu64 "  %-*s %s\n", percent(r, row),
           row->samples, kw, row->key, base ? base + 1 : row->dso);
  }
}

int cmd_report(int argc, char **argv)
{
  struct report_opts o = {0};
  int stop = parse_args(argc, argv, &o);
  if (stop >= 0)
    return stop;
  struct report r = {0};
  if (read_samples(&r, o.input) < 0)
    return PMUX_EXIT_FAIL;
  make_rows(&r, &o);
  struct file_facts ff;
  read_facts(r.f, &ff);
  if (o.json)
    print_json(&r, &o, &ff);
  else
    print_text(&r, &o, &ff);
  if (r.err[0])
    cli_error("report", "%s", r.err);
  free(r.rows);
  free(r.cx.tab);
  pmux_sample_file_close(r.f);
  return r.rc < 0 ? PMUX_EXIT_FAIL : PMUX_EXIT_OK;
}
