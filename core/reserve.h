/*
 * reserve.h - counter reservation (core/reserve.c): the free-counter mask
 * that counter assignment (split.c, `pmux check`) is given.
 */
#ifndef PMUX_CORE_RESERVE_H
#define PMUX_CORE_RESERVE_H

#include "pmux/pmux.h"

/* Legacy oprofile's enabled counters (/dev/oprofile/N/enabled), as a mask
 * of pmu's generic counters (oprofile numbers them in that order). */
uint64_t pmux__reserve_oprofile_held(const pmux_pmu_t *pmu);

#endif
