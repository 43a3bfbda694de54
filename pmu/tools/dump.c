/*
 * dump.c - authoring aid (not built): print a libpfm4 PMU's events as TSV
 * for mkxml.py: name, code, OK/ERR of the default encoding, the register
 * image libpfm4 computes by default (pfm_get_os_event_encoding, PFM_OS_NONE,
 * codes[0]), the description, then one NAME|CODE|IS_DEFAULT|DESC column per
 * unit mask.
 *   cc dump.c -o dump -lpfm
 *   LIBPFM_ENCODE_INACTIVE=1 ./dump core > core.tsv
 *   LIBPFM_FORCE_PMU=ix86arch LIBPFM_ENCODE_INACTIVE=1 ./dump ix86arch > ix86arch.tsv
 */
#include <perfmon/pfmlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tabs and newlines would break the TSV; XML escaping is mkxml.py's. */
static void put_text(const char *s)
{
  for (; s && *s; s++)
    putchar(*s == '\t' || *s == '\n' || *s == '|' ? ' ' : *s);
}

int main(int argc, char **argv)
{
  if (argc != 2 || pfm_initialize() != PFM_SUCCESS)
    return 1;
  pfm_pmu_info_t pi;
  pfm_pmu_t p;
  pfm_for_all_pmus(p)
  {
    memset(&pi, 0, sizeof(pi));
    pi.size = sizeof(pi);
    if (pfm_get_pmu_info(p, &pi) != PFM_SUCCESS || strcmp(pi.name, argv[1]))
      continue;
    for (int i = pi.first_event; i != -1; i = pfm_get_event_next(i)) {
      pfm_event_info_t ei;
      memset(&ei, 0, sizeof(ei));
      ei.size = sizeof(ei);
      if (pfm_get_event_info(i, PFM_OS_NONE, &ei) != PFM_SUCCESS)
        continue;
      char full[512];
      snprintf(full, sizeof(full), "%s::%s", argv[1], ei.name);
      pfm_pmu_encode_arg_t a;
      memset(&a, 0, sizeof(a));
      a.size = sizeof(a);
      int r = pfm_get_os_event_encoding(full, PFM_PLM0 | PFM_PLM3,
                                        PFM_OS_NONE, &a);
      unsigned long long img = r ? 0 : a.codes[0];
      printf("%s\t%#llx\t%s\t%#llx\t", ei.name, (unsigned long long)ei.code,
             r ? "ERR" : "OK", img);
      put_text(ei.desc);
      for (int j = 0; j < ei.nattrs; j++) {
        pfm_event_attr_info_t ai;
        memset(&ai, 0, sizeof(ai));
        ai.size = sizeof(ai);
        if (pfm_get_event_attr_info(i, j, PFM_OS_NONE, &ai) != PFM_SUCCESS ||
            ai.type != PFM_ATTR_UMASK)
          continue;
        printf("\t%s|%#llx|%d|", ai.name, (unsigned long long)ai.code,
               ai.is_dfl);
        put_text(ai.desc);
      }
      printf("\n");
      if (!r)
        free(a.codes);
    }
  }
  return 0;
}
