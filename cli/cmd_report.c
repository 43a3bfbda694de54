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
"                         since the recording), top\n"
"  -h, --help             this help\n");
}

int cmd_report(int argc, char **argv)
{
  static const struct option longopts[] = {
      {"input", required_argument, NULL, 'i'},
      {"sort", required_argument, NULL, 's'},
      {"limit", required_argument, NULL, 'n'},
      {"json", no_argument, NULL, 'j'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *input = "pmux.data";
  enum sort_key sort = SORT_SYMBOL;
  int json = 0, c;
  uint64_t limit = 20;
  int limit_set = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "i:s:n:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'i':
      input = optarg;
      break;
    case 's':
      if (!strcmp(optarg, "symbol"))
        sort = SORT_SYMBOL;
      else if (!strcmp(optarg, "ip"))
        sort = SORT_IP;
      else if (!strcmp(optarg, "set"))
        sort = SORT_SET;
      else {
        cli_error("report", "--sort %s: want symbol, ip or set", optarg);
        return PMUX_EXIT_USAGE;
      }
      break;
    case 'n':
      if (cli_parse_u64(optarg, &limit) < 0) {
        cli_error("report", "-n %s: want a number", optarg);
        return PMUX_EXIT_USAGE;
      }
      limit_set = 1;
      break;
    case 'j':
      json = 1;
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
  if (json && !limit_set)
    limit = 0;

  pmux_sample_file_t *f;
  char err[1024] = "";
  int rc = pmux_sample_file_open(input, &f);
  if (rc < 0) {
    snprintf(err, sizeof(err), "%s", pmux_errmsg());
    if (!f) {
      /* A file error: EACCES here is the file's mode, which pmux caps
       * cannot help with. */
      cli_error("report", "%s", err);
      return PMUX_EXIT_FAIL;
    }
  }
  struct ctx cx = {NULL, 0, 0, 0, 0};
  int rc2 = pmux_sample_file_foreach(f, add, &cx);
  if (rc2 < 0 && !err[0]) {
    snprintf(err, sizeof(err), "%s: %s", input, pmux_errmsg());
    rc = rc2;
  }
  if (cx.oom && !err[0]) {
    snprintf(err, sizeof(err), "out of memory");
    rc = -1;
  }

  /* Name every distinct (pid, ip, set), then merge by the sort key. */
  struct row *rows = calloc(cx.used ? cx.used : 1, sizeof(*rows));
  size_t nrows = 0;
  for (size_t i = 0; rows && cx.tab && i <= cx.mask; i++) {
    struct agg *a = &cx.tab[i];
    if (!a->used)
      continue;
    struct row *r = &rows[nrows++];
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
  if (nrows) {
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
    nrows = w;
    qsort(rows, nrows, sizeof(*rows), row_by_samples);
  }
  size_t show = limit && limit < nrows ? (size_t)limit : nrows;
  /* Kernel IPs stay "[kernel]" unless the file is from this boot and
   * /proc/kallsyms may be read: say so once, in the header. */
  const char *kwhy;
  int ksyms = pmux_sample_file_kernel_symbols(f, &kwhy);
  /* A recorder killed mid-run writes no MAPS, STATS or SWITCHES (they
   * come at the end): its samples are reported, and what is unknown is
   * said to be, not shown as [unknown] alone and 0 lost. */
  const char *const *changed;
  size_t nchanged = pmux_sample_file_changed(f, &changed);
  int complete = pmux_sample_file_complete(f);
  unsigned missing = pmux_sample_file_missing(f);
  int stats = !(missing & PMUX_SF_MISSING_STATS);

  if (json) {
    printf("{\"file\":");
    json_string(stdout, input);
    printf(",\"format\":");
    json_string(stdout, pmux_sample_file_format(f));
    printf(",\"event\":");
    json_string(stdout, pmux_sample_file_event(f));
    printf(",\"command\":");
    json_string(stdout, pmux_sample_file_command(f));
    printf(",\"complete\":%s,\"samples\":%" PRIu64,
           complete ? "true" : "false", cx.total);
    if (stats)
      printf(",\"recorded\":%" PRIu64 ",\"lost\":%" PRIu64,
             pmux_sample_file_recorded(f), pmux_sample_file_lost(f));
    else
      printf(",\"recorded\":null,\"lost\":null");
    printf(",\"sort\":\"%s\",",
           sort == SORT_SYMBOL ? "symbol" : sort == SORT_IP ? "ip" : "set");
    report_sets_json(stdout, f);
    if (ksyms >= 0) {
      printf("\"kernel_symbols\":{\"resolved\":%s", ksyms ? "true" : "false");
      if (!ksyms) {
        printf(",\"reason\":");
        json_string(stdout, kwhy);
      }
      printf("},");
    }
    printf("\"changed\":[");
    for (size_t i = 0; i < nchanged; i++) {
      printf("%s", i ? "," : "");
      json_string(stdout, changed[i]);
    }
    printf("],\"top\":[");
    for (size_t i = 0; i < show; i++) {
      printf("%s{\"%s\":", i ? "," : "",
             sort == SORT_SET ? "set" : "symbol");
      if (sort == SORT_SET)
        printf("%s", rows[i].key);
      else
        json_string(stdout, rows[i].key);
      printf(",\"dso\":");
      json_string(stdout, rows[i].dso);
      printf(",\"samples\":%" PRIu64 ",\"percent\":%.2f}", rows[i].samples,
             cx.total ? 100.0 * rows[i].samples / cx.total : 0.0);
    }
    printf("]");
    if (err[0]) {
      printf(",\"error\":");
      json_string(stdout, err);
    }
    printf("}\n");
  } else {
    char b1[32], b2[32];
    printf("# file: %s  format: %s  event: %s\n", input,
           pmux_sample_file_format(f), pmux_sample_file_event(f));
    if (pmux_sample_file_command(f)[0])
      printf("# command: %s\n", pmux_sample_file_command(f));
    printf("# samples: %s", cli_thousands(cx.total, b1, sizeof(b1)));
    /* Fewer than record handed over (default's full=wrap kept the last
     * ones only, or the data stopped making sense): said, not hidden. */
    if (stats && pmux_sample_file_recorded(f) != cx.total)
      printf(" (of %s recorded)",
             cli_thousands(pmux_sample_file_recorded(f), b1, sizeof(b1)));
    printf("  lost: %s\n",
           stats ? cli_thousands(pmux_sample_file_lost(f), b2, sizeof(b2))
                 : "unknown");
    if (!complete)
      printf("# incomplete: the file ends before its END section (the "
             "recording was interrupted)%s%s%s%s\n",
             missing ? ": " : "",
             missing & PMUX_SF_MISSING_MAPS ? "no mappings, user-space "
                                              "symbols are unknown" : "",
             missing == (PMUX_SF_MISSING_MAPS | PMUX_SF_MISSING_STATS)
                 ? "; " : "",
             stats ? "" : "no stats, the lost count is unknown");
    report_sets_text(stdout, f);
    if (ksyms == 0)
      printf("# kernel symbols: not resolved (%s)\n", kwhy);
    for (size_t i = 0; i < nchanged; i++)
      printf("# changed since the recording (another build-id): %s: its "
             "functions are not named\n", changed[i]);
    /* An ip row's key is "0x<16 digits> symbol": the symbol column
     * starts after the 18 characters of the address. */
    int kw = sort == SORT_IP ? 18 + 1 + 32 : 32;
    printf("#\n# %9s %10s  %-*s %s\n", "percent", "samples", kw,
           sort == SORT_SET ? "set"
           : sort == SORT_IP ? "ip                 symbol"
                             : "symbol",
           "object");
    for (size_t i = 0; i < show; i++) {
      const char *base = strrchr(rows[i].dso, '/');
      printf("  %8.2f%% %10" PRIu64 "  %-*s %s\n",
             cx.total ? 100.0 * rows[i].samples / cx.total : 0.0,
             rows[i].samples, kw, rows[i].key, base ? base + 1 : rows[i].dso);
    }
  }
  if (err[0])
    cli_error("report", "%s", err);
  free(rows);
  free(cx.tab);
  pmux_sample_file_close(f);
  return rc < 0 ? PMUX_EXIT_FAIL : PMUX_EXIT_OK;
}
