/*
 * switch_desc.h - how a set switched, read back from the text a sample
 * file's SWITCHES section holds ("2000000ns" or "EVENT/PERIOD/N"), for
 * report's header (report_sets.c).
 */
#ifndef PMUX_CLI_SWITCH_DESC_H
#define PMUX_CLI_SWITCH_DESC_H

#include <stdint.h>

enum switch_kind { SWITCH_UNKNOWN, SWITCH_TIME, SWITCH_OVERFLOW };

struct switch_desc {
  enum switch_kind kind;
  uint64_t slice_ns;       /* SWITCH_TIME */
  char trigger[256];       /* SWITCH_OVERFLOW: the event... */
  uint64_t period, count;  /* ...its sample period, overflows per switch */
};

/* SWITCH_UNKNOWN for NULL or text of neither form: the file comes from
 * anywhere, and report shows such text as it is. */
struct switch_desc switch_desc_parse(const char *spec);

#endif
