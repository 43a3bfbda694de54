#!/usr/bin/env python3
"""patch_section.py IN OUT TYPE OFFSET FMT VALUE: copy the sample file IN
to OUT with VALUE packed (struct format FMT, e.g. "<I" or "<Q") at OFFSET
bytes into the payload of its first section of TYPE (docs/file-format.md:
3 SETS, 5 DATA, 6 MAPS, 8 SWITCHES...).  For the corrupt-file tests."""
import struct
import sys

src, out, typ, at, fmt, value = sys.argv[1:7]
b = bytearray(open(src, "rb").read())
off = struct.unpack_from("<I", b, 12)[0]  # the header's size: sections start there
while True:
    t, _, length = struct.unpack_from("<IIQ", b, off)
    if t == int(typ):
        struct.pack_into(fmt, b, off + 16 + int(at), int(value, 0))
        break
    if t == 0xFFFF:
        sys.exit(f"patch_section.py: {src} has no section of type {typ}")
    off += 16 + length
open(out, "wb").write(b)
