/*
 * build_id.h - the GNU build-id of an ELF object (its NT_GNU_BUILD_ID
 * note): what tells one build of a binary from another at the same path.
 * `pmux record` keeps the build-id of every file it saw mapped, and
 * `pmux report` names no function from a file whose build-id has changed
 * since (it would name the wrong ones).  Implemented in build_id.c.
 */
#ifndef PMUX_CORE_BUILD_ID_H
#define PMUX_CORE_BUILD_ID_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

/* Longest build-id kept: GNU ld writes 20 bytes (SHA-1), 16 for md5/uuid. */
#define PMUX__BUILD_ID_MAX 64

/* The ELF object at path, for reading: NULL when it cannot be opened, is
 * no regular file (a path named by a sample file may be a FIFO or a
 * device, which must not block or mislead the reader) or is not ELF.
 * *fd is for pmux__elf_close(). */
Elf *pmux__elf_open(const char *path, int *fd);
void pmux__elf_close(Elf *e, int fd);

/* The build-id of e into id: its length, or 0 when e has none (or one
 * longer than max). */
size_t pmux__elf_build_id(Elf *e, uint8_t *id, size_t max);

/* The same for the file at path; 0 also when it cannot be read, or is no
 * regular file (a FIFO must not block the reader). */
size_t pmux__file_build_id(const char *path, uint8_t *id, size_t max);

#endif
