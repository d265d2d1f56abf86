"""Hand-written .xlsx files, good and hostile, for the import's tests and ``make bench``.

Each part is given as an iterable of bytes and written into the archive as a stream, so a
part of hundreds of megabytes costs its compressed size in memory, not its own.
``claim_small`` then rewrites the archive's headers so that the parts declare tiny sizes,
as an attacker who knows the declared sizes are checked would.
"""

import io
import struct
import zipfile
from itertools import chain

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET = "xl/worksheets/sheet1.xml"
SHARED_STRINGS = "xl/sharedStrings.xml"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELATIONSHIPS = (
    f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
    f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
    '<sheet name="成员单位" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELATIONSHIPS = (
    f'<Relationships xmlns="{PACKAGE}">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
SHEET_START = f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
SHEET_END = b"</sheetData></worksheet>"


def escape(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inline_row(number, values):
    """A <row> of inline strings, one per column from A."""
    cells = "".join(
        f'<c r="{chr(65 + index)}{number}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        for index, value in enumerate(values)
        if value != ""
    )
    return f'<row r="{number}">{cells}</row>'.encode()


EMPTY_SHARED_STRINGS = f'<sst xmlns="{MAIN}"/>'.encode()


def workbook(sheet, shared_strings=(EMPTY_SHARED_STRINGS,), *, entries=()):
    """An .xlsx whose first worksheet's XML is the concatenation of ``sheet``, and so on."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELATIONSHIPS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELATIONSHIPS)
        for name, pieces in ((SHARED_STRINGS, shared_strings), (SHEET, sheet)):
            with archive.open(name, "w") as part:
                for piece in pieces:
                    part.write(piece)
        for name in entries:
            archive.writestr(name, b"")
    return buffer.getvalue()


def claim_small(content, *names, size=1000):
    """The same archive, its local and central headers claiming ``size`` bytes for ``names``."""
    data = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            if info.filename in names:
                struct.pack_into("<I", data, info.header_offset + 22, size)  # local header
        position = archive.start_dir
    while data[position : position + 4] == b"PK\x01\x02":  # central directory entries
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        name = bytes(data[position + 46 : position + 46 + name_length]).decode()
        if name in names:
            struct.pack_into("<I", data, position + 24, size)
        position += 46 + name_length + extra_length + comment_length
    return bytes(data)


def repeated(piece, times, per_chunk=100_000):
    """``piece`` ``times`` times, in chunks of ``per_chunk``."""
    while times > 0:
        count = min(times, per_chunk)
        yield piece * count
        times -= count


# --- The hostile files of issue 8 --------------------------------------------------------


def wide_row(cells):
    """Row 1 holds ``cells`` empty <c/> cells (the issue's 50 million took a server to 24 GB)."""
    return workbook(chain([SHEET_START, b'<row r="1">'], repeated(b"<c/>", cells), [b"</row>", SHEET_END]))


def shared_string_bomb(megabytes):
    """sharedStrings.xml holds one text node of ``megabytes`` MB (the issue's 1 GB: 2.7 GB)."""
    start = f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode()
    pieces = chain([start], repeated(b"A" * 1024, megabytes * 1024, per_chunk=1024), [b"</t></si></sst>"])
    return workbook([SHEET_START, SHEET_END], pieces)


def padded_sheet(header, megabytes):
    """A header row, then ``megabytes`` MB of blank space inside sheetData: valid, and huge."""
    padding = repeated(b" " * 1024, megabytes * 1024, per_chunk=1024)
    return workbook(chain([SHEET_START, inline_row(1, header)], padding, [SHEET_END]))


def entity_bomb():
    """The "billion laughs": entities that expand to 10^9 copies of "lol"."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10 if level > 1 else "&lol;" * 10}">'
        for level in range(1, 10)
    )
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is>'
        "</c></row></sheetData></worksheet>"
    )
    return workbook([sheet.encode()])


def many_rows(header, row, count):
    """The header, then ``count`` copies of ``row``."""

    def rows():
        yield SHEET_START
        yield inline_row(1, header)
        for number in range(2, count + 2):
            yield inline_row(number, row)
        yield SHEET_END

    return workbook(rows())
