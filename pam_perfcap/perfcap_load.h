/*
 * perfcap_load.h - read perfcap.conf safely: a regular root-owned file that
 * nobody else may write, in folders nobody else may write, reached without
 * following a link, of bounded size.
 */
#ifndef PERFCAP_LOAD_H
#define PERFCAP_LOAD_H

#include <stddef.h>

/* 0 with *buf (malloc'd, caller frees) and *len; negative errno with err
 * set ("is a symbolic link", "writable by its group"...). */
int perfcap_load(const char *path, char **buf, size_t *len, char *err,
                 size_t errlen);

#endif
