/* json.h - JSON strings for every command's --json. */
#ifndef PMUX_CLI_JSON_H
#define PMUX_CLI_JSON_H

#include <stdio.h>

/* S as a JSON string, quotes included: '"', '\\' and control characters
 * escaped, bytes that are not UTF-8 written as U+FFFD. */
void json_string(FILE *out, const char *s);

#endif
