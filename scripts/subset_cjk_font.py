"""Make static/fonts/NotoSansSC-GB2312.ttf: the CJK font of the generated PDFs when the system's
Noto CJK is missing, or cannot be subset quickly.

WeasyPrint draws Chinese only with a CJK font, and embeds in each PDF a subset of it. Where
the system has Noto CJK (Debian's fonts-noto-cjk, which CI installs) and HarfBuzz can subset
it (libharfbuzz-subset0), the PDFs use it. Otherwise they use this font: Noto Sans CJK SC (SIL
Open Font License 1.1, static/fonts/OFL.txt) cut down to ASCII, CJK punctuation, full-width
forms and the 6,763 hanzi of GB 2312, and prepared so that WeasyPrint's fallback subsetter,
fontTools, handles it in a fraction of a second instead of seconds (issue 7, item 13):

- TrueType (glyf) outlines instead of CFF: fontTools interprets every CFF charstring of the
  font, used or not, to drop hints and recompute bounds; a glyf outline is read only when used.
- only the substitutions HarfBuzz applies to horizontal text (ccmp, which joins "——" into one
  dash, and liga): the closure over all features pulled in 6,000 variant glyphs (Japanese,
  Korean, traditional, vertical forms) that fontTools had to keep and walk through on every
  render;
- no GPOS: its only feature left, kern, pairs Latin letters and kana, never hanzi, and reading
  its class tables was a third of what fontTools still spent;
- no vertical metrics (vhea, vmtx, VORG) and no BASE table: the forms are set horizontally;
- no hints (WeasyPrint drops them from the subset anyway).

Run once, with the system font installed:

    .venv/bin/python scripts/subset_cjk_font.py
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, newTable

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = Path(__file__).resolve().parent.parent / "static" / "fonts" / "NotoSansSC-GB2312.ttf"
SC_INDEX = 2  # JP, KR, SC, TC, HK, …
# Substitutions HarfBuzz applies by default to horizontal text that Noto CJK has; the others
# (vert, locl for other languages, fwid, …) are never asked for by the PDF templates.
LAYOUT_FEATURES = ["ccmp", "liga"]
# Cubic to quadratic curves within 1 unit of the 1,000-unit em: 0.01 mm at 11 pt.
MAX_ERROR = 1.0


def gb2312_characters():
    characters = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                characters.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return characters


def to_truetype(font):
    """Replace the CFF outlines by TrueType ones (the conversion of fontTools' otf2ttf)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    font["head"].glyphDataFormat = 0
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["post"].formatType = 3.0  # no glyph names: the CID names of the source mean nothing
    font.sfntVersion = "\0\1\0\0"


def main():
    font = TTCollection(str(SOURCE)).fonts[SC_INDEX]
    text = "".join(sorted(gb2312_characters()))
    text += "".join(chr(code) for code in range(0x20, 0x7F))
    text += "".join(chr(code) for code in range(0x3000, 0x3040))  # CJK punctuation
    text += "".join(chr(code) for code in range(0xFF01, 0xFF5F))  # full-width forms
    text += "·—‘’“”…※№〔〕①②③④⑤⑥⑦⑧⑨⑩×÷√✓"
    options = subset.Options()
    options.layout_features = LAYOUT_FEATURES
    options.drop_tables += ["GPOS", "vhea", "vmtx", "VORG", "BASE"]
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    to_truetype(font)
    # Its own family name, so that it never shadows a full system Noto CJK.
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = "Portal CJK Fallback"
        elif record.nameID == 6:
            record.string = "PortalCJKFallback-Regular"
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(TARGET))
    print(
        f"{TARGET}: {TARGET.stat().st_size / 1024 / 1024:.1f} MB, {len(set(text))} characters, "
        f"{len(font.getGlyphOrder())} glyphs"
    )


if __name__ == "__main__":
    sys.exit(main())
