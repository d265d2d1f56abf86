"""Make static/fonts/NotoSansSC-GB2312.otf: the fallback CJK font of the generated PDFs.

WeasyPrint draws Chinese only with a CJK font. Where the system has Noto CJK (Debian's
fonts-noto-cjk, which CI installs) the PDFs use it; on a machine without it the portal
still renders Chinese with this subset of Noto Sans CJK SC (SIL Open Font License 1.1,
static/fonts/OFL.txt): ASCII, CJK punctuation, full-width forms and the 6,763 hanzi of
GB 2312. Run once, with the system font installed:

    .venv/bin/python scripts/subset_cjk_font.py
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = Path(__file__).resolve().parent.parent / "static" / "fonts" / "NotoSansSC-GB2312.otf"
SC_INDEX = 2  # JP, KR, SC, TC, HK, …


def gb2312_characters():
    characters = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                characters.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return characters


def main():
    font = TTCollection(str(SOURCE)).fonts[SC_INDEX]
    text = "".join(sorted(gb2312_characters()))
    text += "".join(chr(code) for code in range(0x20, 0x7F))
    text += "".join(chr(code) for code in range(0x3000, 0x3040))  # CJK punctuation
    text += "".join(chr(code) for code in range(0xFF01, 0xFF5F))  # full-width forms
    text += "·—‘’“”…※№〔〕①②③④⑤⑥⑦⑧⑨⑩×÷√✓"
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    # Its own family name, so that it never shadows a full system Noto CJK.
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = "Portal CJK Fallback"
        elif record.nameID == 6:
            record.string = "PortalCJKFallback-Regular"
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(TARGET))
    print(f"{TARGET}: {TARGET.stat().st_size / 1024 / 1024:.1f} MB, {len(set(text))} characters")


if __name__ == "__main__":
    sys.exit(main())
