/*
 * report_sets.h - the sets a sample file was recorded with, as `pmux
 * report` prints them (text header lines, or a JSON member).
 */
#ifndef PMUX_CLI_REPORT_SETS_H
#define PMUX_CLI_REPORT_SETS_H

#include <stdio.h>

#include "pmux/pmux.h"

/* The header's sampling event: "event: E" for a file of one set;
 * "events: E0 (set 0), E1 (set 1)" for several, each set's first event
 * (the one that samples), as set 0's alone would misname the others. */
void report_events_text(FILE *out, const pmux_sample_file_t *f);
/* "#   0: EVENTS  time slice 2ms, made active 60 times" per set; nothing
 * for a file of one set (the header's event says it all). */
void report_sets_text(FILE *out, const pmux_sample_file_t *f);
/* "\"sets\":[...]," (with the comma), or nothing when the file has no
 * SETS section. */
void report_sets_json(FILE *out, const pmux_sample_file_t *f);

#endif
