/*
 * report_sets.c - the sets of a sample file in `pmux report`'s header:
 * each set's events, how it switched (a time slice, or N overflows of a
 * trigger event) and how many times it was made active, as the file's
 * SETS and SWITCHES sections say (docs/file-format.md; the switch text is
 * read back by switch_desc.c, this file prints it), and the sampling
 * event of each set in the header's first line.  A file without
 * SWITCHES (1.0, or a recorder killed before the end) says so rather
 * than showing runs it does not know.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report_sets.h"
#include "json.h"
#include "switch_desc.h"

/* 2000000 -> "2ms", 1500000 -> "1500us", 123 -> "123ns". */
static const char *duration(uint64_t ns, char *buf, size_t len)
{
  if (ns && ns % 1000000000u == 0)
    snprintf(buf, len, "%" PRIu64 "s", ns / 1000000000u);
  else if (ns && ns % 1000000u == 0)
    snprintf(buf, len, "%" PRIu64 "ms", ns / 1000000u);
  else if (ns && ns % 1000u == 0)
    snprintf(buf, len, "%" PRIu64 "us", ns / 1000u);
  else
    snprintf(buf, len, "%" PRIu64 "ns", ns);
  return buf;
}

void report_events_text(FILE *out, const pmux_sample_file_t *f)
{
  const pmux_sample_file_set_t *sets;
  size_t n = pmux_sample_file_sets(f, &sets);
  if (n < 2) {
    fprintf(out, "event: %s", pmux_sample_file_event(f));
    return;
  }
  fprintf(out, "events: ");
  for (size_t i = 0; i < n; i++) {
    /* A set's events are as given to -S: comma-separated (no name
     * holds a comma), blanks allowed around them; the first samples. */
    const char *e = sets[i].events;
    while (isspace((unsigned char)*e))
      e++;
    size_t len = strcspn(e, ",");
    while (len && isspace((unsigned char)e[len - 1]))
      len--;
    fprintf(out, "%s%.*s (set %u)", i ? ", " : "", (int)len, e, sets[i].id);
  }
}

void report_sets_text(FILE *out, const pmux_sample_file_t *f)
{
  const pmux_sample_file_set_t *sets;
  size_t n = pmux_sample_file_sets(f, &sets);
  if (n < 2)
    return;
  fprintf(out, "# sets: %zu, rotated\n", n);
  for (size_t i = 0; i < n; i++) {
    struct switch_desc d = switch_desc_parse(sets[i].switched);
    char b[32];
    fprintf(out, "#   %u: %s  ", sets[i].id, sets[i].events);
    switch (d.kind) {
    case SWITCH_TIME:
      fprintf(out, "time slice %s", duration(d.slice_ns, b, sizeof(b)));
      break;
    case SWITCH_OVERFLOW:
      fprintf(out, "after %" PRIu64 " overflows of %s (period %" PRIu64 ")",
              d.count, d.trigger, d.period);
      break;
    default:
      if (sets[i].switched)
        fprintf(out, "switched on '%s'", sets[i].switched);
      else
        fprintf(out, "switching not recorded (a 1.0 file, or the recording "
                     "was interrupted)\n");
    }
    if (sets[i].switched)
      fprintf(out, ", made active %" PRIu64 " time%s\n", sets[i].runs,
              sets[i].runs == 1 ? "" : "s");
  }
}

void report_sets_json(FILE *out, const pmux_sample_file_t *f)
{
  const pmux_sample_file_set_t *sets;
  size_t n = pmux_sample_file_sets(f, &sets);
  if (!n)
    return;
  fprintf(out, "\"sets\":[");
  for (size_t i = 0; i < n; i++) {
    struct switch_desc d = switch_desc_parse(sets[i].switched);
    fprintf(out, "%s{\"id\":%u,\"events\":", i ? "," : "", sets[i].id);
    json_string(out, sets[i].events);
    switch (d.kind) {
    case SWITCH_TIME:
      fprintf(out, ",\"switch\":\"time\",\"slice_ns\":%" PRIu64, d.slice_ns);
      break;
    case SWITCH_OVERFLOW:
      fprintf(out, ",\"switch\":\"overflow\",\"trigger\":");
      json_string(out, d.trigger);
      fprintf(out, ",\"period\":%" PRIu64 ",\"overflows\":%" PRIu64,
              d.period, d.count);
      break;
    default:
      fprintf(out, ",\"switch\":");
      if (sets[i].switched)
        json_string(out, sets[i].switched);
      else
        fprintf(out, "null");
    }
    if (sets[i].switched)
      fprintf(out, ",\"runs\":%" PRIu64 "}", sets[i].runs);
    else
      fprintf(out, ",\"runs\":null}");
  }
  fprintf(out, "],");
}
