#!/usr/bin/python3
"""Build the fonts package certificate embeds, from Debian's font packages.

Run from the repository root, on Debian or Ubuntu:

    apt-get install -y fonttools fonts-noto-core fonts-noto-cjk
    /usr/bin/python3 scripts/fonts/build.py

It writes internal/fonts/*.ttf.gz (gzip-compressed TrueType fonts): subsets of Noto Sans (Latin, Vietnamese,
Greek, Cyrillic), Noto Sans Thai and Noto Sans CJK KR (Hangul only), each
Regular and Bold, without hinting or OpenType layout tables (the PDF writer
places glyphs by their advance widths and does not read them). Noto Sans CJK
has CFF outlines; the PDF writer embeds TrueType (glyf) outlines only, so
the Korean subset is converted to quadratic curves (fontTools cu2qu, at a
tolerance of 1 font unit in 1000). The fonts are under the SIL Open Font
License 1.1 (internal/fonts/OFL.txt), which allows embedding them in
documents and redistributing them, modified, under the same licence; the
subsets keep the fonts' names, copyright and licence in their name tables.
"""
import gzip
import io
import os
import sys

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

OUT = "internal/fonts"
NOTO = "/usr/share/fonts/truetype/noto"
CJK = "/usr/share/fonts/opentype/noto"

LATIN = [
    (0x20, 0x7E), (0xA0, 0x24F),  # Basic Latin, Latin-1, Latin Extended-A and -B
    (0x259, 0x259), (0x2B9, 0x2DD),  # schwa, modifier letters (ʻokina, ˀ, tone marks)
    (0x300, 0x36F),  # combining diacritics
    (0x370, 0x3FF), (0x400, 0x52F),  # Greek, Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese)
    (0x2000, 0x206F), (0x20A0, 0x20C0),  # punctuation, currency signs
    (0x2100, 0x2150), (0x2190, 0x2199), (0x2212, 0x2212), (0x2022, 0x2022),
    (0x25CC, 0x25CC), (0xFEFF, 0xFEFF),
]
THAI = [(0x20, 0x20), (0xE01, 0xE5B), (0x25CC, 0x25CC), (0x200B, 0x200D)]
HANGUL = [(0x20, 0x20), (0x1100, 0x11FF), (0x3000, 0x3003), (0x3008, 0x3011), (0x3131, 0x318E),
          (0xAC00, 0xD7A3), (0xFF01, 0xFF5E)]


def codepoints(ranges):
    return [c for a, b in ranges for c in range(a, b + 1)]


def options():
    o = subset.Options()
    o.layout_features = []
    o.hinting = False
    o.notdef_outline = True
    o.name_IDs = ["*"]
    o.name_languages = ["*"]
    o.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG", "meta"]
    return o


def subset_font(font, ranges, glyphs=()):
    s = subset.Subsetter(options())
    s.populate(unicodes=codepoints(ranges), glyphs=list(glyphs))
    s.subset(font)
    return font


# Thai positional variants, reached through Private Use Area code points
# (the PDF writer maps code points to glyphs through the cmap only; the
# Thai shaping of internal/fonts/thai.go picks them):
# U+F7xx is the .narrow variant of U+0Exx (an upper mark moved left, over a
# tall consonant), U+F8xx the .small one (a tone mark raised above an upper
# vowel; a lower vowel moved down below a consonant's descender), U+F9xx the
# .less one of a consonant (its descender removed above a lower vowel).
THAI_VARIANTS = {0xF700: "narrow", 0xF800: "small", 0xF900: "less"}


def thai_variants(font):
    names = set(font.getGlyphOrder())
    extra = {}
    for base, suffix in THAI_VARIANTS.items():
        for c in range(0xE00, 0xE80):
            name = "uni%04X.%s" % (c, suffix)
            if name in names:
                extra[base | (c & 0xFF)] = name
    return extra


def subset_thai(path):
    font = TTFont(path)
    extra = thai_variants(font)
    subset_font(font, THAI, extra.values())
    for table in font["cmap"].tables:
        if table.isUnicode():
            table.cmap.update(extra)
    return font


def cff_to_glyf(font):
    """Converts a CFF-flavoured font to TrueType outlines."""
    order = font.getGlyphOrder()
    gs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(gs)
        gs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for k in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
              "maxStackElements", "maxSizeOfInstructions"):
        setattr(maxp, k, 0)
    maxp.maxZones = 1
    maxp.maxComponentElements = 0
    maxp.maxComponentDepth = 0
    font["head"].glyphDataFormat = 0
    font["head"].indexToLocFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"
    return font


def main():
    os.makedirs(OUT, exist_ok=True)
    jobs = [
        ("NotoSans-Regular.ttf", lambda: subset_font(TTFont(f"{NOTO}/NotoSans-Regular.ttf"), LATIN)),
        ("NotoSans-Bold.ttf", lambda: subset_font(TTFont(f"{NOTO}/NotoSans-Bold.ttf"), LATIN)),
        ("NotoSansThai-Regular.ttf", lambda: subset_thai(f"{NOTO}/NotoSansThai-Regular.ttf")),
        ("NotoSansThai-Bold.ttf", lambda: subset_thai(f"{NOTO}/NotoSansThai-Bold.ttf")),
    ]
    for style in ("Regular", "Bold"):
        def kr(style=style):
            coll = TTCollection(f"{CJK}/NotoSansCJK-{style}.ttc")
            font = next(f for f in coll.fonts if f["name"].getDebugName(1) == "Noto Sans CJK KR")
            return cff_to_glyf(subset_font(font, HANGUL))
        jobs.append((f"NotoSansKR-{style}.ttf", kr))
    for name, build in jobs:
        font = build()
        path = f"{OUT}/{name}.gz"
        buf = io.BytesIO()
        font.save(buf)
        # mtime 0: the same fonts give the same bytes.
        with open(path, "wb") as out, gzip.GzipFile(filename=name, mode="wb", fileobj=out, mtime=0, compresslevel=9) as z:
            z.write(buf.getvalue())
        print(f"{path}: {len(buf.getvalue())} bytes ({os.path.getsize(path)} gzipped), "
              f"{len(font.getGlyphOrder())} glyphs", file=sys.stderr)


if __name__ == "__main__":
    main()
