/*
 * kallsyms.h - names for kernel addresses in `pmux report`: the running
 * kernel's functions from /proc/kallsyms, used only for a sample file
 * recorded on this boot (the boot id says so: KASLR and module loading
 * move the kernel's code at every boot).  Implemented in kallsyms.c.
 */
#ifndef PMUX_CORE_KALLSYMS_H
#define PMUX_CORE_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Room for a boot id with its NUL (the kernel's is a 36-byte UUID). */
#define PMUX__BOOT_ID_MAX 64

typedef struct pmux__kallsyms pmux__kallsyms_t;

/*
 * This boot's id (/proc/sys/kernel/random/boot_id under PMUX_SYSROOT, its
 * white space trimmed) in buf.  0; -errno; -EINVAL when it is empty, does
 * not fit in len or holds a character other than [0-9A-Za-z-].
 */
int pmux__boot_id(char *buf, size_t len);

/*
 * Load the text symbols of a kallsyms file (path: /proc/kallsyms, or a
 * test's copy).  0; PMUX_ERIGHTS when it shows every address as 0
 * (kptr_restrict, or no CAP_SYSLOG); -ENODATA when it lists no function;
 * -errno when it cannot be read; -ENOMEM.
 */
int pmux__kallsyms_load(const char *path, pmux__kallsyms_t **out);
/* The same from an open stream (a fuzzer's fmemopen). */
int pmux__kallsyms_read(FILE *f, pmux__kallsyms_t **out);

/*
 * The function holding ip and, in *module, its module's name (without
 * the brackets) or NULL for the core kernel.  NULL when ip is in no
 * function known (below the first, past the end of the kernel's text, or
 * too far past the last function of a module).
 */
const char *pmux__kallsyms_find(const pmux__kallsyms_t *k, uint64_t ip,
                                const char **module);

/* The functions kept (for tests). */
size_t pmux__kallsyms_count(const pmux__kallsyms_t *k);

void pmux__kallsyms_free(pmux__kallsyms_t *k);

/*
 * For a sample file recorded on boot file_boot_id: this kernel's symbols
 * in *out when that is this boot and /proc/kallsyms (under PMUX_SYSROOT)
 * shows real addresses; otherwise *out = NULL and why (wlen bytes) says
 * why not, in words for report's header ("recorded on another boot").
 * Returns 1 loaded, 0 not.
 */
int pmux__kallsyms_for_boot(const char *file_boot_id, pmux__kallsyms_t **out,
                            char *why, size_t wlen);

#endif
