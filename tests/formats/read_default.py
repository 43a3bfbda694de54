#!/usr/bin/env python3
"""An independent reader of a pmux sample file in the `default` format,
written from docs/file-format.md and docs/formats.md alone: prints one JSON
object with the sections seen and the entries' fields, so that tests check
the layout the documents promise (not just what pmux's own decoder says)."""
import json
import struct
import sys

data = open(sys.argv[1], "rb").read()
magic, version, hsize, endian = struct.unpack_from("<8sIII", data, 0)
assert magic == b"PMUXSMP\0" and version >> 16 == 1 and endian == 0x01020304
off, out = hsize, {"sections": [], "entries": []}
while True:
    typ, flags, length = struct.unpack_from("<IIQ", data, off)
    off += 16
    out["sections"].append(typ)
    if typ == 0xFFFF:
        break
    body = data[off:off + length]
    if typ == 5:  # DATA: default buffers
        o = 0
        while o < len(body):
            count, cur, ovf, ver, esize, nval, fl = struct.unpack_from("<QQQIIII", body, o)
            assert ver == 0x10000 and esize == 40 + 8 * nval and cur == 56 + count * esize
            o += 56
            for _ in range(count):
                pid, tid, ip, ts, cpu, st, ev, reset = struct.unpack_from("<IIQQIHHQ", body, o)
                vals = list(struct.unpack_from("<%dQ" % nval, body, o + 40))
                out["entries"].append({"pid": pid, "tid": tid, "ip": ip, "time": ts,
                                       "cpu": cpu, "set": st, "event": ev,
                                       "reset": reset, "values": vals})
                o += esize
    if typ == 10:  # BUILD_IDS (1.3): per file its name and GNU build-id
        o, out["build_ids"] = 0, {}
        while o < len(body):
            nlen, ilen = struct.unpack_from("<II", body, o)
            name = body[o + 8:o + 8 + nlen].decode()
            out["build_ids"][name] = body[o + 8 + nlen:o + 8 + nlen + ilen].hex()
            o += 8 + nlen + ilen
    if typ == 11:  # VDSO (1.3): an ELF image
        assert body[:4] == b"\x7fELF", body[:4]
        out["vdso_bytes"] = len(body)
    if typ == 7:
        out["stats"] = dict(zip(("samples", "lost", "throttled", "data_bytes", "elapsed_ns"),
                                struct.unpack_from("<5Q", body, 0)))
    if typ == 8:  # SWITCHES (1.1): per set its switch spec and runs
        count, = struct.unpack_from("<I", body, 0)
        o, out["switches"] = 4, []
        for _ in range(count):
            st, slen, runs = struct.unpack_from("<IIQ", body, o)
            spec = body[o + 16:o + 16 + slen].decode()
            out["switches"].append({"set": st, "switch": spec, "runs": runs})
            o += 16 + slen
    off += length
print(json.dumps(out))
