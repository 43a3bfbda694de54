#!/usr/bin/env python3
"""mkxml.py - authoring aid that wrote the built-in descriptions' event lists.

Only facts are taken (names, codes, unit masks, counter masks); libpfm4's
descriptive text is not copied into the project.

x86 families: the event names, codes, unit masks and default unit masks come
from a dump of libpfm4's tables (dump.c, one TSV per PMU); Core2's counter
masks from shared/reference/core2_events.csv.  MIPS 74K and POWER7/8: the
reference CSVs.  The header of each file (counters, fields, modifiers,
constraints) is written by hand in the XML itself; this script only replaces
what lies between the <!-- events --> and <!-- /events --> markers.

Unit-mask groups are not in libpfm4's public API: with LIBPFM_SRC (a libpfm4
source tree of the dumped version, 4.13) they are read from its event tables
(lib/events/*.h): per unit mask its group (grpid), whether it is its group's
default (INTEL_X86_DFL / AMD64_FL_DFL), combines with no other of its group
(INTEL_X86_NCOMBO / AMD64_FL_NCOMBO) or may be left out (AMD64_FL_OMIT).  A
unit mask with uequiv is a name for those unit masks (libpfm4 expands it
before checking combinations): it is exclusive only if one of them is.
Usage: mkxml.py TSVDIR REFDIR PMUDIR [LIBPFM_SRC]
"""
import csv, os, re, sys
from xml.sax.saxutils import quoteattr

tsvdir, refdir, pmudir = sys.argv[1:4]
libpfm = sys.argv[4] if len(sys.argv) > 4 else None

def table_groups(header):
    """Facts of a libpfm4 event table: event -> (ngrp, {(uname, ucode):
    (grpid, flags, equiv names)}).  Only these fields are read; the tables
    are arrays of designated initializers, umask arrays referenced by name
    from events."""
    if not libpfm:
        return None
    text = open(os.path.join(libpfm, "lib/events", header)).read()
    arrays = dict(re.findall(r"static const \w+ (\w+)\[\]\s*=\s*\{(.*?)\n\};",
                             text, re.S))
    def entries(body):
        return re.findall(r"\{\s*(\..*?)\n\s*\}", body, re.S)
    def field(e, f):
        m = re.search(r"\.%s\s*=\s*([^,\n]+)," % f, e)
        return m.group(1).strip().strip('"') if m else None
    out = {}
    for body in arrays.values():
        for e in entries(body):
            name = field(e, "name")
            if not name:
                continue
            ums = {}
            table = arrays.get(field(e, "umasks"), "")
            for u in entries(table):
                flags = set(re.findall(r"\w+", field(u, "uflags") or ""))
                equiv = (field(u, "uequiv") or "").split(":")
                ums[(field(u, "uname"), int(field(u, "ucode"), 0))] = (
                    int(field(u, "grpid") or 0), flags, [e for e in equiv if e])
            out[name] = (int(field(e, "ngrp") or 0), ums)
    return out

def cnames(m):
    out = [f"PMC{i}" for i in range(32) if m >> i & 1]
    out += [f"FIXED{i}" for i in range(8) if m >> (32 + i) & 1]
    return ",".join(out)

def umask_attrs(groups, event, name, code, shift):
    """group/default/exclusive/optional of one unit mask (see table_groups);
    Intel's ucode holds the unit mask at bits 15:8, AMD's at 7:0."""
    if groups is None:
        return ""
    ngrp, ums = groups[event]
    (grpid, flags, equiv), = [v for (n, c), v in ums.items()
                              if n == name and c >> shift == code]
    if equiv:
        flags = flags - {"INTEL_X86_NCOMBO", "AMD64_FL_NCOMBO"}
        for (n, c), v in ums.items():
            if n in equiv:
                flags |= v[1] & {"INTEL_X86_NCOMBO", "AMD64_FL_NCOMBO"}
    out = f' group="{grpid}"' if ngrp > 1 else ""
    for flag, a in (("DFL", "default"), ("NCOMBO", "exclusive"),
                    ("OMIT", "optional")):
        if flags & {"INTEL_X86_" + flag, "AMD64_FL_" + flag}:
            out += f' {a}="yes"'
    return out

def x86_events(tsv, masks=None, groups=None, shift=0):
    lines, seen = [], {}
    for line in open(tsv):
        c = line.rstrip('\n').split('\t')
        name, code, ok, img, desc = c[0], int(c[1], 16), c[2] == 'OK', int(c[3], 16), c[4]
        attrs = [f'name="{name}"']
        preset = ""
        if masks is not None:
            ccode, m = masks[name]
            if code != ccode:
                # libpfm4 folds the inv/cmask presets into its code
                assert code & 0xffff == ccode, name
                preset = "i,c=%d" % (code >> 24 & 0xff)
                code = ccode
        attrs.append(f'code="{code:#x}"')
        dfl = None
        if ok:
            # Core2 codes carry unit-mask bits 15:8; AMD codes carry event
            # bits 11:8 there, which the image holds at 35:32 instead
            dfl = img >> 8 & 0xff
            if masks is not None:
                dfl &= ~(code >> 8 & 0xff)
            if len(c) > 5 or dfl:
                attrs.append(f'umask="{dfl:#x}"')
        if preset:
            attrs.append(f'preset="{preset}"')
        key = (code, dfl, preset)
        if ok and key in seen:
            attrs.append(f'alias-of="{seen[key]}"')
        elif ok:
            seen[key] = name
        if masks is not None:
            attrs.append(f'counters="{cnames(masks[name][1])}"')
        um = c[5:]
        if not um:
            lines.append("  <event " + " ".join(attrs) + "/>")
            continue
        lines.append("  <event " + " ".join(attrs) + ">")
        for u in um:
            n, uc, d, ud = u.split('|', 3)
            a = umask_attrs(groups, name, n, int(uc, 16), shift)
            lines.append(f'    <umask name="{n}" code="{int(uc, 16):#x}"{a}/>')
        lines.append("  </event>")
    return lines

def csv_events(path):
    lines, seen = [], {}
    for r in csv.DictReader(open(path)):
        code = int(r['code'], 16)
        a = f'  <event name="{r["event"]}" code="{code:#x}"'
        if code in seen:
            # the same raw code names two events in the reference table
            a += f' alias-of="{seen[code]}"'
        else:
            seen[code] = r['event']
        lines.append(a + "/>")
    return lines

def splice(path, lines):
    text = open(path).read()
    new = re.sub(r"(<!-- events -->\n).*?(  <!-- /events -->)",
                 lambda m: m.group(1) + "\n".join(lines) + "\n" + m.group(2),
                 text, flags=re.S)
    assert new != text or "\n".join(lines) in text, path
    open(path, "w").write(new)

core2 = {r['event']: (int(r['code'], 16), int(r['counter_mask'], 16))
         for r in csv.DictReader(open(f"{refdir}/core2_events.csv"))}
# The kernel places ITLB_MISS_RETIRED on PMC0 alone (Core 2 erratum
# T30-9), where the table says PMC0-1: a set must fit as the kernel counts.
core2["ITLB_MISS_RETIRED"] = (core2["ITLB_MISS_RETIRED"][0], 0x1)
splice(f"{pmudir}/core2/core2.xml", x86_events(
    f"{tsvdir}/core.tsv", core2, table_groups("intel_core_events.h"), 8))
splice(f"{pmudir}/intel_arch/intel_arch.xml", x86_events(f"{tsvdir}/ix86arch.tsv"))
splice(f"{pmudir}/amd/amd64_k8.xml", x86_events(
    f"{tsvdir}/amd64_k8_revg.tsv", groups=table_groups("amd64_events_k8.h")))
splice(f"{pmudir}/amd/amd64_fam10h.xml", x86_events(
    f"{tsvdir}/amd64_fam10h_barcelona.tsv",
    groups=table_groups("amd64_events_fam10h.h")))
splice(f"{pmudir}/amd/amd64_fam17h.xml", x86_events(
    f"{tsvdir}/amd64_fam17h_zen1.tsv",
    groups=table_groups("amd64_events_fam17h_zen1.h")))
for zen in ("zen3", "zen4"):
    splice(f"{pmudir}/amd/amd64_{zen}.xml", x86_events(
        f"{tsvdir}/amd64_fam19h_{zen}.tsv",
        groups=table_groups(f"amd64_events_fam19h_{zen}.h")))
splice(f"{pmudir}/mips/mips74k.xml", csv_events(f"{refdir}/mips74k_events.csv"))
splice(f"{pmudir}/powerpc/power7.xml", csv_events(f"{refdir}/power7_events.csv"))
splice(f"{pmudir}/powerpc/power8.xml", csv_events(f"{refdir}/power8_events.csv"))
