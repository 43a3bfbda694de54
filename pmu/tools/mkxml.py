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
Usage: mkxml.py TSVDIR REFDIR PMUDIR
"""
import csv, re, sys
from xml.sax.saxutils import quoteattr

tsvdir, refdir, pmudir = sys.argv[1:4]

def cnames(m):
    out = [f"PMC{i}" for i in range(32) if m >> i & 1]
    out += [f"FIXED{i}" for i in range(8) if m >> (32 + i) & 1]
    return ",".join(out)

def x86_events(tsv, masks=None):
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
            lines.append(f'    <umask name="{n}" code="{int(uc, 16):#x}"/>')
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
splice(f"{pmudir}/core2/core2.xml", x86_events(f"{tsvdir}/core.tsv", core2))
splice(f"{pmudir}/intel_arch/intel_arch.xml", x86_events(f"{tsvdir}/ix86arch.tsv"))
splice(f"{pmudir}/amd/amd64_k8.xml", x86_events(f"{tsvdir}/amd64_k8_revg.tsv"))
splice(f"{pmudir}/amd/amd64_fam10h.xml", x86_events(f"{tsvdir}/amd64_fam10h_barcelona.tsv"))
splice(f"{pmudir}/amd/amd64_fam17h.xml", x86_events(f"{tsvdir}/amd64_fam17h_zen1.tsv"))
splice(f"{pmudir}/mips/mips74k.xml", csv_events(f"{refdir}/mips74k_events.csv"))
splice(f"{pmudir}/powerpc/power7.xml", csv_events(f"{refdir}/power7_events.csv"))
splice(f"{pmudir}/powerpc/power8.xml", csv_events(f"{refdir}/power8_events.csv"))
