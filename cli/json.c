/*
 * json.c - JSON strings for every command's --json: one writer, so that
 * a byte no JSON parser takes (a control character, invalid UTF-8 in a
 * command's argument or a file name) is handled the same way everywhere.
 */
#include "json.h"

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is not one
 * (a stray continuation byte, a truncated or overlong sequence, a
 * surrogate, or beyond U+10FFFF). */
static int utf8_length(const unsigned char *p)
{
  int n = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] <= 0xdf ? 2
        : p[0] >= 0xe0 && p[0] <= 0xef ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
        : 0;
  for (int i = 1; i < n; i++)
    if ((p[i] & 0xc0) != 0x80)
      return 0;
  if ((n == 3 && p[0] == 0xe0 && p[1] < 0xa0) ||
      (n == 3 && p[0] == 0xed && p[1] >= 0xa0) ||
      (n == 4 && p[0] == 0xf0 && p[1] < 0x90) ||
      (n == 4 && p[0] == 0xf4 && p[1] >= 0x90))
    return 0;
  return n;
}

/* A JSON string; bytes that are not UTF-8 (a command's argument may hold
 * any) become U+FFFD, so that the document stays valid. */
void json_string(FILE *out, const char *s)
{
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
    int n = utf8_length(p);
    if (n != 1) {
      if (n)
        fwrite(p, 1, (size_t)n, out);
      else
        fputs("\\ufffd", out);
      p += n ? n - 1 : 0;
      continue;
    }
    switch (*p) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\t': fputs("\\t", out); break;
    case '\r': fputs("\\r", out); break;
    default:
      if (*p < 0x20)
        fprintf(out, "\\u%04x", *p);
      else
        fputc(*p, out);
    }
  }
  fputc('"', out);
}
