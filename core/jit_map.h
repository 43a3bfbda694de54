/*
 * jit_map.h - the functions a JIT names for perf in /tmp/perf-PID.map
 * ("START SIZE NAME" lines, hex; as perf reads them): the code of JITs
 * (Java, node, Julia, Python's -X perf) lives in anonymous memory and has
 * no file to read symbols from.  Implemented in jit_map.c.
 */
#ifndef PMUX_CORE_JIT_MAP_H
#define PMUX_CORE_JIT_MAP_H

#include <stddef.h>
#include <stdint.h>

struct pmux__jit_sym {
  uint64_t addr, size;
  char *name;
  size_t order;            /* its place in the map: of two at one address,
                              the later is the JIT's newer code */
};

typedef struct pmux__jit_map {
  uint32_t pid;
  struct pmux__jit_sym *syms; /* sorted by address once loaded */
  size_t nsyms, cap;
} pmux__jit_map_t;

/* Read /tmp/perf-PID.map for j->pid into j (j zeroed but for its pid):
 * only a regular file of the reader's own or root's.  A map that cannot
 * be read leaves j empty. */
void pmux__jit_map_load(pmux__jit_map_t *j);

/*
 * Add the functions that the lines of text (len bytes, not NUL-terminated;
 * a last line without its newline counts) name to j; lines that are not
 * "START SIZE NAME" are skipped, as perf skips them.  0, or -ENOMEM with
 * the lines before kept.  Call pmux__jit_map_sort() before lookups.
 */
int pmux__jit_map_parse(pmux__jit_map_t *j, const char *text, size_t len);
void pmux__jit_map_sort(pmux__jit_map_t *j);

/* The function named at ip, or NULL. */
const char *pmux__jit_map_find(const pmux__jit_map_t *j, uint64_t ip);

void pmux__jit_map_free(pmux__jit_map_t *j);

#endif
