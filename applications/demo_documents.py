"""The demo's uploaded materials of Art. 5, drawn to look like what they stand for.

A real file's uploads are scans of paper: the agreement signed and sealed by every member
(Art. 5(2): its goals and each member's task division), the charter (5(3)), the signed
and sealed application form, and each member's licence stamped with its own seal (5(4)).
The demo data and the tests upload the same through the real upload checks, drawn here:
Chinese text in the GB 2312 font shipped in ``static/fonts`` (never a system font, so the
pages look the same on every machine; a character the font lacks is drawn as □), red round
seals, pen signatures. Every page carries the watermark 演示材料 · 非真实文件 and every
seal says 演示: nothing here can pass for a real document.

Speed: ``seed_demo`` completes 28 files and the tests several hundred, so a document must
cost milliseconds, not the second a WeasyPrint render costs. The agreement, charter and
form are PDFs written here directly, each page composed of images — a paragraph, a table,
a seal, a signature — with ruled lines drawn as paths; each image is cached by its content,
so a file draws only the few paragraphs that name it and shares the rest. Text is 2-bit
grey (four levels keep the anti-aliasing and compress to a quarter of a JPEG page); seals
and ink are a colour through a soft mask. Characters are drawn from a glyph cache: Pillow's
``ImageDraw.text`` rasterises every glyph anew, ten times slower. Licences are JPEG images,
as a phone or a scanner makes them, cached per member.
"""

import datetime
import functools
import hashlib
import io
import math
import re
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import override
from PIL import Image, ImageDraw, ImageFont

from .enums import OrganisationType
from .pdf import FALLBACK_FONT
from .submissions import official_declaration
from .uscc import SHUOZHOU_DIVISIONS

FONT = settings.BASE_DIR / "static" / FALLBACK_FONT  # the font the PDF form falls back to
MISSING = "□"  # in GB 2312, so always drawable
WATERMARK = "演示材料 · 非真实文件"

# Pages: A4 at 150 dpi, positions in pixels from the top left.
DPI = 150
MM = DPI / 25.4
POINT = 72 / DPI
A4 = (round(210 * MM), round(297 * MM))
LEFT = round(25 * MM)
TOP = round(25 * MM)
BOTTOM = A4[1] - round(25 * MM)
WIDTH = A4[0] - 2 * LEFT
BODY, SMALL, TITLE = 22, 19, 40  # px; 22 px is 10.5 pt at 150 dpi
TABLE = SMALL
INK_GREY = 0.08  # the darkest of a text line's four levels
SEAL_RED = (205, 28, 36)
PEN_BLUE = (24, 44, 128)
WATERMARK_GREY = (110, 110, 110)

# Licences: an A4 landscape scan at 120 dpi, saved as JPEG. Both sides are over 960 px, so
# that Pillow's JPEG draft mode decodes it at half size for the upload check's 480 px preview:
# at 100 dpi the preview costs twice as much.
LICENCE_DPI = 120
LICENCE_SIZE = (round(297 * LICENCE_DPI / 25.4), round(210 * LICENCE_DPI / 25.4))
LICENCE_QUALITY = 60

NO_LINE_START = set("，。、；：？！）》」』”’％%·")
TOKENS = re.compile(r"[!-~]+|.", re.DOTALL)  # a run of printable ASCII stays whole
NUMERALS = "零一二三四五六七八九"


def chinese_number(number):
    """1 → 一, 12 → 十二, 21 → 二十一: article numbers as a Chinese document writes them."""
    tens, units = divmod(number, 10)
    if not tens:
        return NUMERALS[units]
    return f"{NUMERALS[tens] if tens > 1 else ''}十{NUMERALS[units] if units else ''}"


def chinese_date(date):
    return f"{date.year}年{date.month}月{date.day}日"


# --- Text -------------------------------------------------------------------------------


@functools.cache
def _font(size):
    return ImageFont.truetype(str(FONT), size, layout_engine=ImageFont.Layout.BASIC)


def _draw_glyph(char, size, bold):
    font = _font(size)
    stroke = 1 if bold else 0
    left, top, right, bottom = font.getbbox(char, stroke_width=stroke)
    mask = Image.new("L", (max(right - left, 1), max(bottom - top, 1)))
    ImageDraw.Draw(mask).text((-left, -top), char, font=font, fill=255, stroke_width=stroke, stroke_fill=255)
    return mask, left, top, font.getlength(char)


@functools.lru_cache(maxsize=16384)
def _glyph(char, size, bold=False):
    """One character as (mask, left, top, advance), relative to the pen on the ascender line.

    A character the GB 2312 font lacks comes out as its .notdef glyph (blank in this font):
    □ is drawn instead, so that the reader sees that something is there.
    """
    mask, left, top, advance = _draw_glyph(char, size, bold)
    if char.isspace() or char == MISSING:
        return mask, left, top, advance
    if mask.getbbox() is None or (left, top, mask.tobytes()) == _notdef(size, bold):
        return _glyph(MISSING, size, bold)
    return mask, left, top, advance


@functools.cache
def _notdef(size, bold):
    mask, left, top, _advance = _draw_glyph("\uffff", size, bold)  # a noncharacter: never in a font
    return left, top, mask.tobytes()


@functools.lru_cache(maxsize=16384)
def text_width(text, size, bold=False):
    return sum(_glyph(char, size, bold)[3] for char in text)


@functools.lru_cache(maxsize=4096)
def wrap(text, size, width, *, indent=0, bold=False):
    """Lines of at most ``width`` pixels; closing punctuation never starts a line."""
    lines, line, x = [], "", indent
    for token in TOKENS.findall(text):
        advance = text_width(token, size, bold)
        if line and x + advance > width and token[0] not in NO_LINE_START:
            lines.append(line)
            line, x = "", 0
            if token.isspace():
                continue
        line += token
        x += advance
    lines.append(line)
    return tuple(lines)


def _render(segments):
    """Runs of text as one alpha mask (255 is ink), cropped to its ink, and the crop's offset.

    ``segments`` are ``(dx, dy, text, size, bold)``: where each run starts, ``dy`` on its
    ascender line.
    """
    width = max(dx + text_width(text, size, bold) for dx, _dy, text, size, bold in segments)
    height = max(dy + sum(_font(size).getmetrics()) for _dx, dy, _text, size, _bold in segments)
    mask = Image.new("L", (math.ceil(width) + 2, height + 2))
    for dx, dy, text, size, bold in segments:
        x = dx
        for char in text:
            glyph, left, top, advance = _glyph(char, size, bold)
            mask.paste(255, (round(x + left), dy + top), glyph)
            x += advance
    box = mask.getbbox() or (0, 0, 1, 1)
    return mask.crop(box), box[0], box[1]


def _mask(text, size, bold=False):
    return _render(((0, 0, text, size, bold),))


def draw_text(image, xy, text, size, colour, bold=False):
    """Draw ``text`` on a Pillow image from cached glyphs (a licence); returns the pen's end."""
    x, y = xy
    for char in text:
        glyph, left, top, advance = _glyph(char, size, bold)
        image.paste(colour, (round(x + left), round(y + top)), glyph)
        x += advance
    return x


# --- Images of a PDF page ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Raster:
    """An image XObject: its size in pixels, its dictionary entries and its Flate data."""

    width: int
    height: int
    entries: str
    data: bytes
    smask: "Raster | None" = None


@dataclass(frozen=True, eq=False)
class Mark:
    """A raster and where it sits relative to the point that places it."""

    raster: Raster
    dx: int = 0
    dy: int = 0


GREY_LEVELS = [3 - round(alpha * 3 / 255) for alpha in range(256)]


@functools.lru_cache(maxsize=2048)
def text_block(segments):
    """Printed text as one opaque raster, four grey levels packed two bits a pixel.

    A paragraph or a table is one block (see :func:`_render` for ``segments``), so that a
    page is a few dozen objects: each costs the upload check's PDF parser time.
    """
    mask, dx, dy = _render(segments)
    packed = mask.point(GREY_LEVELS).tobytes("raw", "L;2")
    entries = f"/ColorSpace /DeviceGray /BitsPerComponent 2 /Decode [{INK_GREY} 1]"
    return Mark(Raster(mask.width, mask.height, entries, zlib.compress(packed)), dx, dy)


@functools.lru_cache(maxsize=64)
def _solid(colour, size):
    width, height = size
    return zlib.compress(bytes(colour) * (width * height))


def ink(mask, colour, opacity=1.0):
    """``colour`` laid through ``mask`` (a seal, a pen stroke): what is under it shows through.

    The soft mask has sixteen levels, packed four bits a pixel: half the bytes of eight.
    """
    levels = mask.point([round(alpha * opacity * 15 / 255) for alpha in range(256)])
    width, height = mask.size
    packed = zlib.compress(levels.tobytes("raw", "L;4"))
    alpha = Raster(width, height, "/ColorSpace /DeviceGray /BitsPerComponent 4", packed)
    entries = "/ColorSpace /DeviceRGB /BitsPerComponent 8"
    return Raster(width, height, entries, _solid(colour, mask.size), alpha)


class Page:
    """One PDF page: rasters placed in pixels from the top left, ruled lines, and what it says."""

    def __init__(self):
        self.marks = []
        self.paths = []
        self.texts = []

    def place(self, mark, x, y):
        self.marks.append((mark.raster, round(x + mark.dx), round(y + mark.dy)))

    def block(self, x, y, segments):
        segments = tuple(
            (round(dx), round(dy), text, size, bold) for dx, dy, text, size, bold in segments if text.strip()
        )
        if segments:
            self.place(text_block(segments), x, y)
            self.texts.extend(segment[2] for segment in segments)

    def text(self, x, y, text, size=BODY, *, bold=False, align="left", width=WIDTH):
        """One line; ``y`` is its ascender line, ``width`` the room it is aligned in."""
        if align != "left":
            room = width - text_width(text, size, bold)
            x += room / 2 if align == "center" else room
        self.block(x, y, [(0, 0, text, size, bold)])

    def rule(self, x1, y1, x2, y2, weight=1.0):
        self.paths.append(
            f"{weight * POINT:.2f} w {x1 * POINT:.2f} {(A4[1] - y1) * POINT:.2f} m "
            f"{x2 * POINT:.2f} {(A4[1] - y2) * POINT:.2f} l S"
        )

    def box(self, x, y, width, height, weight=1.0):
        self.paths.append(
            f"{weight * POINT:.2f} w {x * POINT:.2f} {(A4[1] - y - height) * POINT:.2f} "
            f"{width * POINT:.2f} {height * POINT:.2f} re S"
        )


@functools.cache
def _watermark_mask():
    mask, _dx, _dy = _mask(WATERMARK, 44)
    return mask.rotate(28, expand=True, resample=Image.Resampling.BICUBIC)


@functools.cache
def _watermark():
    """The diagonal 演示材料 · 非真实文件, as light grey ink, to be tiled over each page."""
    return ink(_watermark_mask(), WATERMARK_GREY, opacity=0.25)


def _watermark_positions(size):
    raster_width, raster_height = size
    step_x, step_y = round(raster_width * 1.3), round(raster_height * 1.25)
    for row, y in enumerate(range(-raster_height // 3, A4[1], step_y)):
        for x in range(-(row % 2) * step_x // 2, A4[0], step_x):
            yield x, y


def _pdf_string(text):
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _stream(entries, data):
    return f"<< {entries} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def write_pdf(pages, title):
    """The pages as a PDF file; a raster used on several pages is written once.

    Every page gets the watermark, on top of everything.
    """
    objects = [b"", b"", b""]  # 1 catalog, 2 page tree, 3 document information
    numbers = {}

    def add(body):
        objects.append(body)
        return len(objects)

    def number(raster):
        if id(raster) not in numbers:
            smask = f" /SMask {number(raster.smask)} 0 R" if raster.smask else ""
            entries = (
                f"/Type /XObject /Subtype /Image /Width {raster.width} /Height {raster.height} "
                f"/Filter /FlateDecode {raster.entries}{smask}"
            )
            numbers[id(raster)] = add(_stream(entries, raster.data))
        return numbers[id(raster)]

    watermark = _watermark()
    tiles = [(watermark, x, y) for x, y in _watermark_positions((watermark.width, watermark.height))]
    kids = []
    for page in pages:
        # Printed text is opaque (white around the letters), so the rules go over it, and the
        # ink (seals, pen) over both, as on paper; the watermark over everything.
        printed = [mark for mark in page.marks if mark[0].smask is None]
        inked = [mark for mark in page.marks if mark[0].smask is not None]
        used, operators = [], []
        for layer in (printed, page.paths, inked, tiles):
            for item in layer:
                if isinstance(item, str):
                    operators.append(item)
                    continue
                raster, x, y = item
                used.append(number(raster))
                operators.append(
                    f"q {raster.width * POINT:.2f} 0 0 {raster.height * POINT:.2f} "
                    f"{x * POINT:.2f} {(A4[1] - y - raster.height) * POINT:.2f} cm /I{used[-1]} Do Q"
                )
        content = add(_stream("", "\n".join(operators).encode()))
        xobjects = " ".join(f"/I{reference} {reference} 0 R" for reference in dict.fromkeys(used))
        kids.append(
            add(
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {A4[0] * POINT:.2f} {A4[1] * POINT:.2f}] "
                f"/Resources << /XObject << {xobjects} >> >> /Contents {content} 0 R >>".encode()
            )
        )
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{kid} 0 R' for kid in kids)}] /Count {len(kids)} >>".encode()
    )
    objects[2] = f"<< /Title {_pdf_string(title)} /Producer {_pdf_string(WATERMARK)} >>".encode()
    output = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for index, body in enumerate(objects, 1):
        offsets.append(len(output))
        output += b"%d 0 obj\n%s\nendobj\n" % (index, body)
    xref = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    output += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    output += b"trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(output)


# --- Seals and pen ---------------------------------------------------------------------------


def _digest(*parts):
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "big")


@functools.lru_cache(maxsize=128)
def seal_mask(name, diameter, below="演示"):
    """A round seal: ``name`` along the rim, a five-pointed star, ``below`` under it.

    Tilted a little, by an angle taken from the name, as a hand stamps it.
    """
    mask = Image.new("L", (diameter, diameter))
    draw = ImageDraw.Draw(mask)
    rim = max(3, round(diameter * 0.035))
    draw.ellipse((1, 1, diameter - 2, diameter - 2), outline=255, width=rim)
    centre = diameter / 2
    star = diameter * 0.16
    draw.polygon(
        [
            (
                centre + radius * math.sin(math.pi * index / 5),
                centre - radius * math.cos(math.pi * index / 5),
            )
            for index in range(10)
            for radius in [star if index % 2 == 0 else star * 0.382]
        ],
        fill=255,
    )
    count = max(len(name), 1)
    span = min(280, 100 + 12 * count)
    radius = diameter / 2 - rim - diameter * 0.1
    size = round(min(diameter * 0.15, 0.95 * radius * math.radians(span / count)))
    for index, char in enumerate(name):
        angle = -span / 2 + span * (index + 0.5) / count
        glyph = _glyph(char, size, True)[0]
        # Seal characters are tall and narrow.
        glyph = glyph.resize((max(1, round(glyph.width * 0.8)), glyph.height), Image.Resampling.BILINEAR)
        glyph = glyph.rotate(-angle, expand=True, resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.sin(math.radians(angle)) - glyph.width / 2
        y = centre - radius * math.cos(math.radians(angle)) - glyph.height / 2
        mask.paste(255, (round(x), round(y)), glyph)
    if below:
        below_size = round(diameter * 0.1)
        below_mask, _dx, _dy = _mask(below, below_size, True)
        mask.paste(255, (round(centre - below_mask.width / 2), round(centre + diameter * 0.22)), below_mask)
    tilt = _digest(name) % 21 - 10
    mask = mask.rotate(tilt, resample=Image.Resampling.BICUBIC)
    return mask.point([round(alpha * 0.9) for alpha in range(256)])


@functools.lru_cache(maxsize=512)
def pen_mask(text, size):
    """``text`` as a quick hand writes it: slanted, a little rotated."""
    mask, _dx, _dy = _mask(text, size)
    slant = 0.35
    width, height = mask.size
    extra = round(height * slant)
    mask = mask.transform(
        (width + extra, height),
        Image.Transform.AFFINE,
        (1, slant, -extra, 0, 1, 0),
        resample=Image.Resampling.BICUBIC,
    )
    return mask.rotate(4, expand=True, resample=Image.Resampling.BICUBIC)


@functools.lru_cache(maxsize=512)
def seal(name, diameter_mm=40):
    return Mark(ink(seal_mask(name, round(diameter_mm * MM)), SEAL_RED))


@functools.lru_cache(maxsize=512)
def pen(text, size=32):
    return Mark(ink(pen_mask(text, size), PEN_BLUE))


def place_centred(page, mark, x, y):
    page.place(mark, x - mark.raster.width / 2, y - mark.raster.height / 2)


# --- Flowed text -----------------------------------------------------------------------------


class Flow:
    """Text set from the top of a page down; a new page when one is full.

    Each call (a title, a paragraph, a table) becomes one text block per page it is on.
    """

    def __init__(self):
        self.pages = []
        self.segments = []
        self.new_page()

    def new_page(self):
        self.flush()
        self.page = Page()
        self.pages.append(self.page)
        self.y = TOP

    def flush(self):
        if self.segments:
            x = min(segment[0] for segment in self.segments)
            y = min(segment[1] for segment in self.segments)
            self.page.block(x, y, [(sx - x, sy - y, *rest) for sx, sy, *rest in self.segments])
            self.segments = []

    def write(self, x, y, text, size, bold=False):
        self.segments.append((x, y, text, size, bold))

    def need(self, height):
        if self.y + height > BOTTOM:
            self.new_page()

    def gap(self, height):
        self.y += height

    def lines(self, lines, size=BODY, *, bold=False, align="left", leading=1.8):
        step = round(size * leading)
        for line in lines:
            self.need(step)
            room = WIDTH - text_width(line, size, bold)
            offset = {"left": 0, "center": room / 2, "right": room}[align]
            self.write(LEFT + offset, self.y, line, size, bold)
            self.y += step
        self.flush()

    def title(self, text, size=TITLE):
        """A title kept on one line when it can be (the size shrinks to 30 px), else balanced."""
        while size > 30 and text_width(text, size, True) > WIDTH:
            size -= 2
        lines = wrap(text, size, WIDTH, bold=True)
        if len(lines) > 1:
            lines = wrap(text, size, math.ceil(text_width(text, size, True) / len(lines)) + size, bold=True)
        self.lines(lines, size, bold=True, align="center", leading=1.5)

    def heading(self, text, size=BODY + 4):
        self.need(size * 4)
        self.gap(round(size * 0.6))
        self.lines([text], size, bold=True, align="center", leading=1.9)

    def paragraph(self, text, size=BODY, *, label=""):
        """Each line of ``text`` an indented paragraph; ``label`` (第一条) in bold before the first."""
        step, indent = round(size * 1.8), 2 * size
        for index, part in enumerate(line.strip() for line in text.splitlines() if line.strip()):
            head = label if index == 0 else ""
            for number, line in enumerate(wrap(head + part, size, WIDTH, indent=indent)):
                self.need(step)
                x = LEFT + (indent if number == 0 else 0)
                if number == 0 and head:
                    self.write(x, self.y, head, size, bold=True)
                    x, line = x + text_width(head, size), line[len(head) :]
                self.write(x, self.y, line, size)
                self.y += step
        self.flush()

    def table(self, widths, rows, *, header=None, size=TABLE):
        """Ruled cells; a row that does not fit starts a new page, under the header again."""
        pad, step = round(size * 0.45), round(size * 1.5)

        def layout(cells, bold):
            wrapped = [
                wrap(str(cell), size, width - 2 * pad, bold=bold)
                for cell, width in zip(cells, widths, strict=True)
            ]
            return wrapped, max(len(lines) for lines in wrapped) * step + 2 * pad, bold

        def draw(wrapped, height, bold):
            x = LEFT
            for lines, width in zip(wrapped, widths, strict=True):
                self.page.box(x, self.y, width, height)
                for index, line in enumerate(lines):
                    self.write(x + pad, self.y + pad + index * step, line, size, bold)
                x += width
            self.y += height

        head = layout(header, True) if header else None
        if head:
            self.need(head[1] * 2)
            draw(*head)
        for cells in rows:
            row = layout(cells, False)
            if self.y + row[1] > BOTTOM:
                self.new_page()
                if head:
                    draw(*head)
            draw(*row)
        self.flush()
        self.gap(round(size * 0.8))

    def finish(self):
        """The pages, numbered at the foot."""
        self.flush()
        total = len(self.pages)
        for index, page in enumerate(self.pages, 1):
            page.text(LEFT, BOTTOM + round(9 * MM), f"第 {index} 页 共 {total} 页", SMALL, align="center")
        return self.pages


# --- What the documents say ------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A member unit as the documents print it."""

    name: str
    uscc: str
    org_type: str
    is_core: bool
    is_lead: bool
    task: str
    legal_representative: str
    registered_address: str

    @classmethod
    def of(cls, member):
        return cls(
            name=member.name,
            uscc=member.uscc,
            org_type=member.org_type,
            is_core=member.is_core,
            is_lead=member.is_lead,
            task=member.task,
            legal_representative=member.legal_representative,
            registered_address=member.registered_address,
        )

    @classmethod
    def lead_of(cls, organisation, legal_representative=""):
        """The lead unit as the documents print it, from its organisation (no member row yet)."""
        return cls(
            name=organisation.name,
            uscc=organisation.uscc,
            org_type=organisation.org_type,
            is_core=True,
            is_lead=True,
            task="",
            legal_representative=legal_representative,
            registered_address=organisation.registered_address,
        )

    @property
    def type_label(self):
        return _type_labels().get(self.org_type, "")

    @property
    def role(self):
        return "牵头单位" if self.is_lead else "核心成员" if self.is_core else "一般成员"


@functools.cache
def _type_labels():
    with override("zh-hans"):
        return {value: str(label) for value, label in OrganisationType.choices}


@dataclass(frozen=True)
class Drawn:
    """A drawn document: its bytes, and the text drawn on it (a scan has none to extract)."""

    data: bytes
    texts: tuple
    pages: int = 1


def _facts(application):
    members = tuple(Unit.of(member) for member in application.members.all())
    # A draft always has its lead member (drafts.lead_member); the organisation stands in.
    organisation = application.lead_unit
    lead = next((member for member in members if member.is_lead), None) or Unit.lead_of(organisation)
    return members, lead


def _drawn(pages, title):
    pages = list(pages)
    return Drawn(
        write_pdf(pages, f"{title}（{WATERMARK}）"),
        tuple(text for page in pages for text in page.texts),
        len(pages),
    )


def signing_date():
    """The date the demo's papers were signed: today, as the demo fills a file today."""
    return timezone.localdate()


RIGHTS = (
    "（一）参与联盟重大事项的讨论和决策，享有表决权；",
    "（二）优先参与联盟组织的技术攻关、项目申报和成果转化活动；",
    "（三）按约定共享联盟的研发平台、仪器设备、技术信息和人才资源；",
    "（四）按照本协议和项目合同的约定，享有联盟研发成果的知识产权及收益。",
)
DUTIES = (
    "（一）遵守本协议和联盟章程，执行理事会决议；",
    "（二）按照任务分工投入人员、资金和设备，按期完成所承担的任务；",
    "（三）保守联盟及其他成员单位的商业秘密和技术秘密；",
    "（四）按时报送联盟年度工作总结所需的资料，配合主管部门的检查和评估。",
)


def agreement(application, *, revision=""):
    """The alliance agreement (Art. 5(2)) signed by every member: its members, the technical
    innovation goals and each member's task division, a page of seals and signatures.

    ``revision`` notes a revised version under the title (a file revised after a return).
    """
    members, lead = _facts(application)
    name, date = application.name, signing_date()
    flow = Flow()
    flow.title(f"{name}协议")
    if revision:
        flow.lines([f"（修订稿：{revision}）"], SMALL, align="center")
    flow.gap(BODY)
    core = sum(1 for member in members if member.is_core)
    flow.paragraph(
        f"为深入实施创新驱动发展战略，推动{application.industry}产业技术创新和转型升级，依据"
        f"《{application.edition.name}》（{application.edition.document_number}），{lead.name}等"
        f"{len(members)}家单位本着“自愿、平等、合作、共赢”的原则，经充分协商，共同发起组建"
        f"{name}（以下简称“联盟”），订立本协议。"
    )
    articles = iter(range(1, 100))

    def label(title):
        return f"第{chinese_number(next(articles))}条　{title}　"

    flow.paragraph(
        f"联盟由以下{len(members)}家单位组成，其中牵头单位1家，核心成员{core}家（含牵头单位）：",
        label=label("联盟成员"),
    )
    flow.table(
        (
            round(WIDTH * 0.07),
            round(WIDTH * 0.40),
            round(WIDTH * 0.27),
            round(WIDTH * 0.13),
            round(WIDTH * 0.13),
        ),
        [(index, m.name, m.uscc, m.type_label, m.role) for index, m in enumerate(members, 1)],
        header=("序号", "单位名称", "统一社会信用代码", "单位类型", "成员类别"),
    )
    flow.paragraph(application.innovation_goals or "（未填写）", label=label("技术创新目标"))
    flow.paragraph(application.main_tasks or "（未填写）", label=label("主要任务"))
    flow.paragraph("各成员单位承担以下任务，并按年度向联盟秘书处报告完成情况：", label=label("任务分工"))
    flow.table(
        (round(WIDTH * 0.36), WIDTH - round(WIDTH * 0.36)),
        [(m.name, m.task or "（未填写）") for m in members],
        header=("成员单位", "承担的任务分工"),
    )
    flow.paragraph("成员单位享有下列权利：\n" + "\n".join(RIGHTS), label=label("成员的权利"))
    flow.paragraph("成员单位履行下列义务：\n" + "\n".join(DUTIES), label=label("成员的义务"))
    flow.paragraph(
        "联盟经费由成员单位按约定分担，并积极争取各级科技计划项目支持。经费实行专账管理，"
        "专款专用，接受全体成员单位监督。",
        label=label("经费"),
    )
    flow.paragraph(
        "成员单位加入联盟前取得的知识产权归原单位所有。联盟合作研发取得的知识产权，按照项目合同"
        "约定归属；没有约定的，由参与研发的成员单位共有，转化收益按投入比例分配。",
        label=label("知识产权"),
    )
    flow.paragraph(
        "成员单位可以书面申请退出联盟，经理事会同意后生效，退出前应完成所承担的任务或作出妥善"
        "安排。违反本协议给联盟或其他成员单位造成损失的，依法承担相应责任。",
        label=label("退出与违约责任"),
    )
    flow.paragraph(
        "本协议自全体成员单位签署之日起生效，有效期三年。期满前三个月，经成员单位协商一致，可以续签。"
        f"本协议一式{len(members) + 2}份，各成员单位各执一份，报组织单位和市科技局备案各一份。",
        label=label("协议期限"),
    )
    _signature_pages(flow, f"（本页无正文，为《{name}协议》签署页）", members, date)
    return _drawn(flow.finish(), f"{name}协议")


def _signature_pages(flow, heading, members, date):
    """A box per member, two a row: its name, seal, representative's signature and the date."""
    flow.new_page()
    flow.lines([heading], BODY, align="center")
    flow.gap(BODY)
    gutter = round(6 * MM)
    width, height, pad = (WIDTH - gutter) // 2, round(50 * MM), round(3 * MM)
    for start in range(0, len(members), 2):
        flow.need(height)
        page, y = flow.page, flow.y
        for index, member in enumerate(members[start : start + 2], start):
            x = LEFT + (index % 2) * (width + gutter)
            page.box(x, y, width, height)
            lines = (*wrap(f"{index + 1}．{member.name}", BODY, width - 2 * pad, bold=True), "（单位盖章）")
            sign_y, date_y = height - round(17 * MM), height - round(8 * MM)
            page.block(
                x + pad,
                y + pad,
                [
                    *(
                        (0, number * round(BODY * 1.5), line, BODY, number < len(lines) - 1)
                        for number, line in enumerate(lines)
                    ),
                    (0, sign_y - pad, SIGNATURE, SMALL, False),
                    (0, date_y - pad, "日期：", SMALL, False),
                ],
            )
            representative = member.legal_representative or "张伟"
            page.place(pen(representative), x + pad + text_width(SIGNATURE, SMALL), y + sign_y - 14)
            page.place(pen(chinese_date(date), 24), x + pad + text_width("日期：", SMALL), y + date_y - 8)
            place_centred(page, seal(member.name), x + width * 0.76, y + height * 0.42)
        flow.gap(height + gutter)


SIGNATURE = "法定代表人或授权代表（签字）："


def charter(application):
    """The alliance charter (Art. 5(3)): chapters and articles naming the alliance and lead unit."""
    _members, lead = _facts(application)
    name, date = application.name, signing_date()
    flow = Flow()
    flow.title(f"{name}章程")
    flow.lines([f"（{chinese_date(date)}联盟成立大会审议通过）"], SMALL, align="center")
    articles = iter(range(1, 100))

    def article(text):
        flow.paragraph(text, label=f"第{chinese_number(next(articles))}条　")

    flow.heading("第一章　总　　则")
    article(f"本联盟名称为“{name}”（以下简称“联盟”）。")
    article(
        f"联盟是由{lead.name}牵头，联合相关企业、高等院校、科研机构等单位，依据《{application.edition.name}》"
        "自愿组建的产业技术创新合作组织，不具有独立法人资格。"
    )
    article(f"联盟宗旨：{application.purpose or '整合产学研创新资源，提升产业核心技术竞争力。'}")
    article(
        f"联盟遵守国家法律法规，接受朔州市科学技术局的业务指导和{application.organising_unit}的审核管理。"
    )
    article(f"联盟秘书处设在{lead.name}，地址：{lead.registered_address or '山西省朔州市'}。")
    flow.heading("第二章　成　　员")
    article(
        f"凡在朔州市内注册、从事{application.industry}相关研发、生产或服务，认同本章程的独立法人单位，"
        "均可申请加入联盟。"
    )
    article("申请加入联盟的单位提交书面申请，经理事会审议通过并签署联盟协议后，成为联盟成员。")
    article("成员享有下列权利：\n" + "\n".join(RIGHTS))
    article("成员履行下列义务：\n" + "\n".join(DUTIES))
    article(
        "成员可以书面申请退出联盟，退出前应完成所承担的任务或作出妥善安排。成员严重违反本章程的，"
        "经理事会决议，予以除名。"
    )
    flow.heading("第三章　组织机构")
    article(
        "理事会是联盟的决策机构，由各成员单位各委派一名代表组成，每届任期三年。理事会每年至少召开"
        "一次会议，须有三分之二以上理事出席方可召开，决议须经到会理事过半数同意方为有效。"
    )
    article(
        "理事会行使下列职权：\n（一）制定和修改联盟章程；\n（二）审议联盟发展规划、年度工作计划和工作总结；"
        "\n（三）决定成员的加入与除名；\n（四）决定联盟的其他重大事项。"
    )
    article(
        f"联盟设理事长单位一个，由牵头单位{lead.name}担任。理事长由理事长单位的法定代表人或其委派的"
        "人员担任，负责召集理事会会议，组织实施理事会决议。"
    )
    article(
        "联盟设秘书处，负责联络成员、组织会议、管理档案等日常工作，按时向市科技局报送上年度工作总结"
        "和下一年度工作计划。"
    )
    article("联盟设专家委员会，由成员单位和行业内的专家组成，为联盟的技术路线、重大项目和发展规划提供咨询。")
    flow.heading("第四章　主要任务")
    article(f"联盟的主要任务：{application.main_tasks or '开展联合攻关和技术研发，推进科技成果转化。'}")
    flow.heading("第五章　经费与知识产权")
    article(
        "联盟经费来源于成员单位分担的经费、承担科技项目的经费和社会资助。经费实行专账管理，专款专用，"
        "接受理事会监督。"
    )
    article(
        "成员加入联盟前取得的知识产权归原单位所有；联盟合作研发形成的知识产权，按照项目合同约定归属和分享。"
    )
    flow.heading("第六章　附　　则")
    article("本章程的修改，由理事会提出，经全体成员单位三分之二以上同意后生效。")
    article("本章程由联盟理事会负责解释。")
    article("本章程自联盟成立大会审议通过之日起施行。")
    return _drawn(flow.finish(), f"{name}章程")


def signed_form(application):
    """The application form as the lead unit signs and seals it (Art. 5(1)): the cover with the
    lead unit's seal and the signed declaration. The full form is the one the portal generates."""
    _members, lead = _facts(application)
    name, date = application.name, signing_date()
    edition = application.edition
    cover = Page()
    cover.text(0, round(30 * MM), "朔州市科学技术局制", BODY + 4, align="center", width=A4[0])
    cover.text(0, round(62 * MM), "朔州市产业技术创新战略联盟", 50, bold=True, align="center", width=A4[0])
    cover.text(0, round(84 * MM), "申　请　书", 46, bold=True, align="center", width=A4[0])
    rows = (
        ("联盟名称", name),
        ("牵头单位（盖章）", lead.name),
        ("统一社会信用代码", lead.uscc),
        ("所属产业", str(application.industry)),
        ("组织单位", str(application.organising_unit)),
        (
            "联系人",
            f"{application.contact_name}（{application.contact_title}）"
            if application.contact_title
            else application.contact_name,
        ),
        ("联系电话", application.contact_phone),
        ("申报日期", ""),
    )
    label_x, value_x, right = round(35 * MM), round(82 * MM), A4[0] - round(30 * MM)
    y = round(125 * MM)
    size = 26
    for label, value in rows:
        lines = wrap(value, size, right - value_x - 10) if value else [""]
        cover.text(label_x, y, label, size)
        for index, line in enumerate(lines):
            cover.text(value_x + 6, y + index * round(size * 1.4), line, size)
        y += (len(lines) - 1) * round(size * 1.4)
        cover.rule(value_x, y + round(size * 1.45), right, y + round(size * 1.45), 1.5)
        if label == "牵头单位（盖章）":
            place_centred(cover, seal(lead.name), right - round(25 * MM), y + size * 1.3)
        if label == "申报日期":
            cover.place(pen(chinese_date(date)), value_x + 20, y - 8)
        y += round(15 * MM)
    basis = wrap(f"依据《{edition.name}》（{edition.document_number}）", 22, A4[0] - 2 * LEFT)
    for index, line in enumerate(basis):
        cover.text(LEFT, round(262 * MM) + index * 34, line, 22, align="center")

    declaration = Flow()
    declaration.gap(round(10 * MM))
    declaration.lines(["承　诺　书"], 34, bold=True, align="center")
    declaration.gap(BODY)
    declaration.paragraph(official_declaration(edition))
    declaration.gap(round(25 * MM))
    page, y = declaration.page, declaration.y
    x, step = A4[0] // 2 - round(10 * MM), round(BODY * 1.6)
    lines = wrap(f"牵头单位（公章）：{lead.name}", BODY, A4[0] - LEFT - x)
    sign_y = y + len(lines) * step + round(6 * MM)
    date_y = sign_y + round(14 * MM)
    page.block(
        x,
        y,
        [
            *((0, index * step, line, BODY, False) for index, line in enumerate(lines)),
            (0, sign_y - y, "法定代表人（签字）：", BODY, False),
            (0, date_y - y, "日期：", BODY, False),
        ],
    )
    place_centred(page, seal(lead.name), x + round(55 * MM), y + round(6 * MM))
    page.place(
        pen(lead.legal_representative or "张伟"), x + text_width("法定代表人（签字）：", BODY), sign_y - 12
    )
    page.place(pen(chinese_date(date)), x + text_width("日期：", BODY), date_y - 12)
    return _drawn([cover, page], f"{name}申请书（签字盖章）")


# --- Licences --------------------------------------------------------------------------------


def licence_title(uscc):
    """Which certificate a unit holds, by its code's registration authority (GB 32100)."""
    if uscc.startswith("1"):
        return "事业单位法人证书"
    return {"51": "社会团体法人登记证书", "52": "民办非企业单位登记证书", "53": "基金会法人登记证书"}.get(
        uscc[:2], "营业执照"
    )


def _registration_authority(uscc):
    place = SHUOZHOU_DIVISIONS.get(uscc[2:8], "").split("（")[0]
    if place.endswith("区"):
        place = "朔州市" + place
    place = place or "朔州市"
    if uscc.startswith("1"):
        return f"{place}事业单位登记管理局"
    if uscc.startswith("5"):
        return f"{place}民政局"
    return f"{place}市场监督管理局"


def _company_type(name):
    if "股份有限公司" in name:
        return "股份有限公司（非上市、自然人投资或控股）"
    if "有限公司" in name or "有限责任公司" in name:
        return "有限责任公司（自然人投资或控股）"
    return "其他"


def _business_scope(name):
    if "学院" in name or "大学" in name or "学校" in name:
        return (
            "培养高等职业技术人才，促进地方经济社会发展。专科学历教育、职业技能培训、科学研究、"
            "技术服务与社会服务。"
        )
    if "研究" in name:
        return "开展科学研究，促进科技发展。共性关键技术研究、中试验证、技术推广与咨询服务。"
    if "中心" in name:
        return "为科技成果转化提供服务。技术转移、知识产权运营、标准化咨询与科技信息服务。"
    return (
        "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；新材料技术研发；"
        "工程和技术研究和试验发展。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
    )


def _capital(uscc):
    amounts = ("伍佰万", "壹仟万", "贰仟万", "伍仟万", "捌仟万", "壹亿")
    return f"人民币{amounts[_digest(uscc, 'capital') % len(amounts)]}元整"


def _founded(uscc):
    days = _digest(uscc, "founded") % (365 * 12)
    return datetime.date(2008, 1, 1) + datetime.timedelta(days=days)


def _qr(draw, x, y, uscc, module=5):
    """Modules drawn from the code, with the three finder squares: it looks like a QR code."""
    count = 25
    bits = int.from_bytes(hashlib.shake_256(uscc.encode()).digest(80), "big")
    finders = ((0, 0), (0, count - 7), (count - 7, 0))
    for row in range(count):
        for column in range(count):
            corner = next(
                ((r, c) for r, c in finders if r - 1 <= row <= r + 7 and c - 1 <= column <= c + 7), None
            )
            if corner:
                r, c = row - corner[0], column - corner[1]
                on = (
                    0 <= r <= 6
                    and 0 <= c <= 6
                    and (r in (0, 6) or c in (0, 6) or (2 <= r <= 4 and 2 <= c <= 4))
                )
            else:
                on = bits >> (row * count + column) & 1
            if on:
                left, top = x + column * module, y + row * module
                draw.rectangle((left, top, left + module - 1, top + module - 1), fill=(20, 20, 20))


@functools.lru_cache(maxsize=64)
def _licence(unit):
    title = licence_title(unit.uscc)
    business = title == "营业执照"
    width, height = LICENCE_SIZE
    image = Image.new("RGB", LICENCE_SIZE, (252, 251, 247))
    draw = ImageDraw.Draw(image)
    texts = []

    def text(x, y, value, size, *, bold=False, centre=False):
        if centre:
            x -= text_width(value, size, bold) / 2
        draw_text(image, (x, y), value, size, (25, 25, 25), bold)
        texts.append(value)

    frame = (150, 112, 62) if business else (150, 40, 40)
    draw.rectangle((28, 28, width - 29, height - 29), outline=frame, width=7)
    draw.rectangle((44, 44, width - 45, height - 45), outline=frame, width=2)
    text(width / 2, 96, "　".join(title) if len(title) <= 4 else title, 64, bold=True, centre=True)
    text(width / 2, 186, "（副　　本）", BODY + 4, centre=True)
    text(92, 100, "统一社会信用代码", BODY)
    text(92, 134, unit.uscc, BODY + 4, bold=True)
    _qr(draw, width - 230, 78, unit.uscc)
    text(width - 240, 212, "扫描二维码查询更多信息", SMALL - 3)
    founded = _founded(unit.uscc)
    representative = unit.legal_representative or "张伟"
    address = unit.registered_address or "山西省朔州市"
    if business:
        left = (
            ("名　　称", unit.name),
            ("类　　型", _company_type(unit.name)),
            ("法定代表人", representative),
            ("经营范围", _business_scope(unit.name)),
        )
        right = (
            ("注册资本", _capital(unit.uscc)),
            ("成立日期", chinese_date(founded)),
            ("营业期限", f"{chinese_date(founded)}至长期"),
            ("住　　所", address),
        )
    else:
        left = (
            ("名　　称", unit.name),
            ("宗旨和业务范围", _business_scope(unit.name)),
            ("住　　所", address),
            ("法定代表人", representative),
        )
        right = (
            ("经费来源", "财政补助"),
            ("开办资金", _capital(unit.uscc).replace("元整", "元")),
            ("举办单位", "朔州市人民政府"),
            ("有效期", f"{chinese_date(founded)}至长期"),
        )
    step = round(BODY * 1.7)
    for x, items, end in ((92, left, width // 2 + 30), (width // 2 + 70, right, width - 92)):
        y = 290
        label_width = max(text_width(label, BODY, True) for label, _value in items) + 24
        for label, value in items:
            text(x, y, label, BODY, bold=True)
            lines = wrap(value, BODY, end - x - label_width)[:5]
            for number, line in enumerate(lines):
                text(x + label_width, y + number * step, line, BODY)
            y += step * len(lines) + 14
    # The authority's seal over the date of issue, the label to its left.
    authority = _registration_authority(unit.uscc)
    issued = min(
        founded + datetime.timedelta(days=_digest(unit.uscc, "issued") % 3000), datetime.date(2025, 12, 31)
    )
    label = "登记机关" if business else "登记管理机关"
    text(width - 330 - text_width(label, BODY, True), height - 245, label, BODY, bold=True)
    text(width - 300, height - 170, chinese_date(issued), BODY)
    texts.append(authority)
    image.paste(SEAL_RED, (width - 320, height - 300), seal_mask(authority, 190))
    # The holder's own seal and 与原件一致: Art. 5(4) asks for a copy under the unit's seal.
    image.paste(SEAL_RED, (150, height - 270), seal_mask(unit.name, 180))
    image.paste(PEN_BLUE, (120, height - 110), pen_mask("与原件一致", 32))
    mark = _watermark_mask().point([round(alpha * 0.25) for alpha in range(256)])
    for row, y in enumerate(range(-40, height, round(mark.height * 1.25))):
        for x in range(-(row % 2) * mark.width // 2, width, round(mark.width * 1.3)):
            image.paste(WATERMARK_GREY, (x, y), mark)
    buffer = io.BytesIO()
    # Optimised Huffman tables: a tenth smaller, and the encoding is cached per unit.
    image.save(buffer, "JPEG", quality=LICENCE_QUALITY, optimize=True, dpi=(LICENCE_DPI, LICENCE_DPI))
    return Drawn(buffer.getvalue(), tuple(texts))


def licence(member):
    """A member's licence or legal-person certificate, stamped with its seal, as a JPEG scan."""
    return _licence(Unit.of(member))
