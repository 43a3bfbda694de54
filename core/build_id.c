/*
 * build_id.c - read an ELF object's GNU build-id note (build_id.h).
 */
#include "build_id.h"

#include <elf.h>
#include <fcntl.h>
#include <libelf.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

size_t pmux__elf_build_id(Elf *e, uint8_t *id, size_t max)
{
  Elf_Scn *scn = NULL;
  GElf_Shdr sh;
  while ((scn = elf_nextscn(e, scn))) {
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
      continue;
    Elf_Data *data = elf_getdata(scn, NULL);
    size_t off = 0, name_off, desc_off;
    GElf_Nhdr nh;
    while (data &&
           (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
      if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != sizeof(ELF_NOTE_GNU) ||
          memcmp((const char *)data->d_buf + name_off, ELF_NOTE_GNU,
                 sizeof(ELF_NOTE_GNU)))
        continue;
      if (nh.n_descsz == 0 || nh.n_descsz > max)
        return 0;
      memcpy(id, (const char *)data->d_buf + desc_off, nh.n_descsz);
      return nh.n_descsz;
    }
  }
  return 0;
}

Elf *pmux__elf_open(const char *path, int *fd)
{
  *fd = -1;
  if (elf_version(EV_CURRENT) == EV_NONE)
    return NULL;
  int f = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (f < 0)
    return NULL;
  struct stat sb;
  Elf *e = NULL;
  if (fstat(f, &sb) == 0 && S_ISREG(sb.st_mode))
    e = elf_begin(f, ELF_C_READ, NULL);
  if (e && elf_kind(e) != ELF_K_ELF) {
    elf_end(e);
    e = NULL;
  }
  if (!e)
    close(f);
  else
    *fd = f;
  return e;
}

void pmux__elf_close(Elf *e, int fd)
{
  if (e)
    elf_end(e);
  if (fd >= 0)
    close(fd);
}

size_t pmux__file_build_id(const char *path, uint8_t *id, size_t max)
{
  int fd;
  Elf *e = pmux__elf_open(path, &fd);
  size_t n = e ? pmux__elf_build_id(e, id, max) : 0;
  pmux__elf_close(e, fd);
  return n;
}
