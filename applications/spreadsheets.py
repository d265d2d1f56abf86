"""Bounded reading of uploaded spreadsheets (.xlsx and .csv) for imports (issue 8).

An import needs a few hundred rows of a handful of short columns, so that is all that is
read: every bound is a field of :class:`Limits`, and every refusal a :class:`SheetRefused`
whose message says, in the user's language, what was too large and what to do.

.xlsx files are read by this module's own streaming reader, not by openpyxl: openpyxl's
read-only mode builds each row whole before ``iter_rows(max_col=…)`` cuts it (a row of 50
million ``<c>`` cells took the server to 24 GB), loads sharedStrings.xml whole and keeps
every text node whole (one node of 1 GB: 2.7 GB). Here the archive's directory is checked
first (entries, declared sizes, compression ratios); then only the parts needed — the
package and workbook relationships, workbook.xml, sharedStrings.xml and the first
worksheet — are inflated in chunks and fed to expat, counting inflated bytes, cells per row
and the characters of each text as they arrive. Declared sizes only refuse early; a part
that inflates past what it declares is stopped by the running count all the same. Rows
are yielded lazily: what the caller does not ask for is never inflated.
"""

import codecs
import copy
import csv
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.parsers import expat

from django.utils.translation import gettext as _

from .documents import human_size

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT = f"{RELATIONSHIPS}/officeDocument"
WORKSHEET = f"{RELATIONSHIPS}/worksheet"
SHARED_STRINGS = f"{RELATIONSHIPS}/sharedStrings"
# expat names an element "<namespace>}<local name>" with this separator.
SEPARATOR = "}"
ROW, CELL, VALUE, INLINE_STRING, TEXT, PHONETIC_RUN, STRING_ITEM, SHEET = (
    f"{MAIN}{SEPARATOR}{local}" for local in ("row", "c", "v", "is", "t", "rPh", "si", "sheet")
)
RELATIONSHIP = f"{PACKAGE_RELATIONSHIPS}{SEPARATOR}Relationship"
RELATIONSHIP_ID = f"{RELATIONSHIPS}{SEPARATOR}id"

CHUNK = 64 * 1024
# Bytes expat may hold back for one unfinished token (a tag, an attribute, a comment): no
# tag of a real workbook comes near it. It bounds expat's buffer and the attributes of one
# element (the dict of 256 KB of short attributes takes about 8 MB).
MAX_PENDING_BYTES = 256 * 1024
# Elements within elements: a worksheet needs about eight levels, its extensions a few more.
MAX_DEPTH = 64
# The compression ratio is judged only on parts at least this large: small ones are harmless.
RATIO_FLOOR = 256 * 1024
EXCEL_MAX_ROW = 1_048_576
CELL_REFERENCE = re.compile(r"([A-Za-z]{1,3})[0-9]+")


@dataclass(frozen=True)
class Limits:
    columns: int  # cells past this column are skipped, never stored
    cells_per_row: int  # a row is refused at its first cell past this count, before it is built
    cell_chars: int  # characters of one cell, one shared string or one field of a .csv
    line_chars: int  # characters of one line of a .csv
    shared_strings: int = 10_000
    shared_chars: int = 500_000  # all shared strings together
    # Every part read, together, after inflating: a filled 200-row template inflates to about
    # 1 MB at most. This also bounds the time: 4 MB of empty cells take about a second.
    inflated_bytes: int = 4 * 1024 * 1024
    archive_entries: int = 200
    archive_bytes: int = 50 * 1024 * 1024  # every entry's declared size, together
    ratio: int = 100  # inflated / compressed, for a part of RATIO_FLOOR or more


class SheetRefused(Exception):
    """The file is not read; ``message`` says what was wrong or too large and what to do."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def column_letter(number):
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _column_number(letters):
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


# --- Messages: each names what was too large and says what to do ---------------------------


def unreadable(kind):
    if kind == "xlsx":
        return SheetRefused(_("无法读取该 .xlsx 文件，请用 Excel 或 WPS 另存为 .xlsx 后重试。"))
    return SheetRefused(
        _("无法读取该 .csv 文件（引号不成对或格式有误），请用 Excel 或 WPS 另存为 CSV 后重试。")
    )


def _too_wide(row, limit):
    return SheetRefused(
        _("第 %(row)d 行的单元格超过 %(limit)d 个。请使用本页提供的模板，只填写模板中的列。")
        % {"row": row, "limit": limit}
    )


def _cell_too_long(row, column, limit):
    return SheetRefused(
        _(
            "第 %(row)d 行 %(column)s 列的内容超过 %(limit)d 个字。"
            "请缩短后重新导入，每个单元格只填写一项内容。"
        )
        % {"row": row, "column": column_letter(column), "limit": limit}
    )


def _inflates_beyond(limit):
    return SheetRefused(
        _(
            "文件解压后超过 %(limit)s，不像是一份成员名单。"
            "请使用本页提供的模板，删除多余的行、列、图片和其他工作表后重新上传。"
        )
        % {"limit": human_size(limit)}
    )


# --- .xlsx -------------------------------------------------------------------------------


def xlsx_rows(file, limits):
    """The first worksheet's rows, as lists of cell values by column (A first).

    Values are as openpyxl's ``values_only`` gives them (str, int, float, bool, datetime or
    None), except that numbers formatted as dates stay numbers (styles are not read). A row
    missing from the sheet comes as ``[]``; rows are yielded lazily.
    """
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise unreadable("xlsx") from error
    with archive:
        try:
            yield from _Workbook(archive, limits).rows()
        except (
            zipfile.BadZipFile,
            expat.ExpatError,
            zlib.error,
            KeyError,
            IndexError,
            ValueError,
            EOFError,
            OSError,
            NotImplementedError,  # a compression method zipfile does not know
            RuntimeError,  # an encrypted entry
        ) as error:
            raise unreadable("xlsx") from error


class _Workbook:
    def __init__(self, archive, limits):
        self.archive, self.limits = archive, limits
        self.inflated = 0
        entries = archive.infolist()
        if len(entries) > limits.archive_entries:
            raise SheetRefused(
                _(
                    "该 .xlsx 文件由 %(count)d 个部分组成，超过 %(limit)d 个的上限，不像是一份成员名单。"
                    "请使用本页提供的模板，只保留成员名单工作表后重新上传。"
                )
                % {"count": len(entries), "limit": limits.archive_entries}
            )
        if sum(entry.file_size for entry in entries) > limits.archive_bytes:
            raise _inflates_beyond(limits.archive_bytes)

    def rows(self):
        workbook = self._office_document()
        sheet, shared_strings = self._first_worksheet(workbook)
        strings = self._shared_strings(shared_strings) if shared_strings else []
        handler = _SheetHandler(self.limits, strings)
        expected = 1  # like openpyxl: gaps come as blank rows, a row out of order is dropped
        for _chunk in self._feed(sheet, handler):
            ready, handler.ready = handler.ready, []
            for number, values in ready:
                if number < expected:
                    continue
                for _gap in range(number - expected):
                    yield []
                yield values
                expected = number + 1

    def _office_document(self):
        if "_rels/.rels" not in self.archive.NameToInfo:
            return "xl/workbook.xml"
        relationships = self._relationships("_rels/.rels", "", {OFFICE_DOCUMENT})
        found = (target for _id, kind, target in relationships if kind == OFFICE_DOCUMENT)
        return next(found, "xl/workbook.xml")

    def _first_worksheet(self, workbook):
        """The path of the first worksheet (as openpyxl's ``worksheets[0]``) and of the shared strings."""
        handler = _WorkbookHandler(self.limits.archive_entries)
        for _chunk in self._feed(workbook, handler):
            pass
        folder, name = posixpath.split(workbook)
        relationships = self._relationships(
            posixpath.join(folder, "_rels", f"{name}.rels"), folder, {WORKSHEET, SHARED_STRINGS}
        )
        worksheets = {id_: target for id_, kind, target in relationships if kind == WORKSHEET}
        sheet = next((worksheets[id_] for id_ in handler.sheet_ids if id_ in worksheets), None)
        if sheet is None:
            raise KeyError("no worksheet")
        shared = next((target for _id, kind, target in relationships if kind == SHARED_STRINGS), None)
        return sheet, shared if shared in self.archive.NameToInfo else None

    def _relationships(self, path, folder, kinds):
        handler = _RelationshipsHandler(folder, kinds, self.limits.archive_entries)
        for _chunk in self._feed(path, handler):
            pass
        return handler.found

    def _shared_strings(self, path):
        handler = _SharedStringsHandler(self.limits)
        for _chunk in self._feed(path, handler):
            pass
        return handler.strings

    def _feed(self, name, handler):
        """Inflate one part in chunks into a new expat parser; yield after each chunk."""
        info = self.archive.getinfo(name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise NotImplementedError(info.compress_type)
        if info.file_size > self.limits.inflated_bytes:
            raise _inflates_beyond(self.limits.inflated_bytes)
        if info.file_size >= RATIO_FLOOR and info.file_size > self.limits.ratio * max(info.compress_size, 1):
            raise SheetRefused(
                _(
                    "文件解压后是压缩前的 %(ratio)d 倍，超过 %(limit)d 倍的上限，不像是一份成员名单。"
                    "请使用本页提供的模板，删除多余的行、列和格式后重新上传。"
                )
                % {"ratio": info.file_size // max(info.compress_size, 1), "limit": self.limits.ratio}
            )
        # zipfile stops inflating at the declared size and then fails the CRC: let it run on
        # to what is left of our own budget instead, count, and check the CRC here.
        bounded = copy.copy(info)
        bounded.file_size = self.limits.inflated_bytes - self.inflated + 1
        bounded.CRC = None
        parser = _parser(handler)
        fed, crc = 0, 0
        with self.archive.open(bounded) as stream:
            while chunk := stream.read(CHUNK):
                self.inflated += len(chunk)
                if self.inflated > self.limits.inflated_bytes:
                    raise _inflates_beyond(self.limits.inflated_bytes)
                fed += len(chunk)
                crc = zlib.crc32(chunk, crc)
                parser.Parse(chunk, False)
                if fed - max(parser.CurrentByteIndex, 0) > MAX_PENDING_BYTES:
                    raise ValueError(f"a token of over {MAX_PENDING_BYTES} bytes in {name}")
                yield
        if fed != info.file_size or crc != info.CRC:
            raise zipfile.BadZipFile(f"{name} is not what the archive's directory says")
        parser.Parse(b"", True)
        yield


def _refuse_declarations(*_arguments):
    raise SheetRefused(
        _(
            "该 .xlsx 文件含有文档类型或实体声明（DOCTYPE），Excel 和 WPS 保存的文件不会含有，因此不予读取。"
            "请用 Excel 或 WPS 另存为 .xlsx，或使用本页提供的模板。"
        )
    )


def _parser(handler):
    parser = expat.ParserCreate(namespace_separator=SEPARATOR)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    # No DOCTYPE, so no entity can be declared, expanded or fetched ("billion laughs").
    parser.StartDoctypeDeclHandler = _refuse_declarations
    parser.EntityDeclHandler = _refuse_declarations
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.characters
    return parser


class _Handler:
    """Receives one part's elements (``open``, ``close``) and text, no deeper than MAX_DEPTH."""

    depth = 0

    def start(self, name, attributes):
        # expat keeps a record of every open element: a part of nothing but "<a>" would
        # hold a million of them.
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ValueError(f"elements nested over {MAX_DEPTH} deep")
        self.open(name, attributes)

    def end(self, name):
        self.depth -= 1
        self.close(name)

    def open(self, name, attributes):
        pass

    def close(self, name):
        pass

    def characters(self, data):
        pass


class _RelationshipsHandler(_Handler):
    """(id, type, part name) of the relationships of the wanted types, at most ``limit``."""

    def __init__(self, folder, kinds, limit):
        self.folder, self.kinds, self.limit = folder, kinds, limit
        self.found = []

    def open(self, name, attributes):
        kind = attributes.get("Type")
        if name != RELATIONSHIP or kind not in self.kinds or attributes.get("TargetMode") == "External":
            return
        if len(self.found) >= self.limit:
            raise ValueError("more relationships than parts")
        target = attributes.get("Target", "")
        if target.startswith("/"):
            part = posixpath.normpath(target).lstrip("/")
        else:
            part = posixpath.normpath(posixpath.join(self.folder, target))
        self.found.append((attributes.get("Id"), kind, part))


class _WorkbookHandler(_Handler):
    """The relationship ids of the sheets, in the workbook's order."""

    def __init__(self, limit):
        self.limit = limit
        self.sheet_ids = []

    def open(self, name, attributes):
        if name == SHEET:
            if len(self.sheet_ids) >= self.limit:
                raise ValueError("more sheets than parts")
            self.sheet_ids.append(attributes.get(RELATIONSHIP_ID))


class _SharedStringsHandler(_Handler):
    """sharedStrings.xml: each <si>'s text (its <t>, or its runs' <t>, not the phonetic ones)."""

    def __init__(self, limits):
        self.limits = limits
        self.strings = []
        self.total = 0
        self.pieces = None  # of the current <si>
        self.chars = 0
        self.collecting = False
        self.phonetic = 0

    def open(self, name, attributes):
        if name == STRING_ITEM:
            if len(self.strings) >= self.limits.shared_strings:
                raise SheetRefused(
                    _(
                        "文件中不同的文字超过 %(limit)d 段（共享字符串过多），不像是一份成员名单。"
                        "请使用本页提供的模板，只保留成员名单工作表后重新上传。"
                    )
                    % {"limit": self.limits.shared_strings}
                )
            self.pieces, self.chars = [], 0
        elif name == PHONETIC_RUN:
            self.phonetic += 1
        elif name == TEXT and self.pieces is not None and not self.phonetic:
            self.collecting = True

    def close(self, name):
        if name == TEXT:
            self.collecting = False
        elif name == PHONETIC_RUN:
            self.phonetic -= 1
        elif name == STRING_ITEM and self.pieces is not None:
            # openpyxl drops the escape of a literal "_x…_" the same way.
            text = "".join(self.pieces).replace("x005F_", "")
            self.total += len(text)
            if self.total > self.limits.shared_chars:
                raise SheetRefused(
                    _(
                        "文件中的文字合计超过 %(limit)d 个字（共享字符串过长），不像是一份成员名单。"
                        "请使用本页提供的模板，只保留成员名单工作表后重新上传。"
                    )
                    % {"limit": self.limits.shared_chars}
                )
            self.strings.append(text)
            self.pieces = None

    def characters(self, data):
        if self.collecting:
            self.chars += len(data)
            if self.chars > self.limits.cell_chars:
                raise SheetRefused(
                    _(
                        "文件中有一段文字超过 %(limit)d 个字（共享字符串过长）。"
                        "请缩短过长的内容（每个单元格只填写一项内容），或使用本页提供的模板。"
                    )
                    % {"limit": self.limits.cell_chars}
                )
            self.pieces.append(data)


class _SheetHandler(_Handler):
    """A worksheet's rows, collected into ``ready`` as (row number, values) as they end.

    ``open`` and ``close`` run for every element of the sheet: the common case (a cell) is
    tested first and kept short, as it bounds the time a sheet of many cells takes.
    """

    def __init__(self, limits, strings):
        self.strings = strings
        self.columns, self.cells_per_row, self.cell_chars = (
            limits.columns,
            limits.cells_per_row,
            limits.cell_chars,
        )
        self.ready = []
        self.row = 0  # the current (or last) row's number
        self.cells = None  # {column: value} of the current row; None outside a row
        self.count = 0  # <c> seen in the current row
        self.column = 0
        self.kind = None  # the current cell's type; None outside a cell
        self.keep = False  # whether the current cell's column is stored
        self.value = None  # pieces of the current <v>
        self.inline = None  # pieces of the current <is>
        self.target = None  # the list that character data goes to, if any
        self.chars = 0
        self.phonetic = 0

    def open(self, name, attributes):
        if name == CELL:
            if self.cells is None:
                return  # not in a row: not data
            self.count += 1
            if self.count > self.cells_per_row:
                raise _too_wide(self.row, self.cells_per_row)
            reference = attributes.get("r")
            if reference:
                match = CELL_REFERENCE.fullmatch(reference)
                if match is None:
                    raise ValueError(f"cell reference {reference!r}")
                self.column = _column_number(match[1])
            else:
                self.column += 1
            self.kind = attributes.get("t", "n")
            self.keep = self.column <= self.columns
            self.chars = 0
        elif self.kind is None:
            if name == ROW:
                self._start_row(attributes.get("r"))
        elif name == VALUE:
            self.value = self.target = []
        elif name == INLINE_STRING:
            self.inline = []
        elif name == PHONETIC_RUN:
            self.phonetic += 1
        elif name == TEXT and self.inline is not None and not self.phonetic:
            self.target = self.inline

    def _start_row(self, number):
        if number:
            try:
                self.row = int(number)
            except ValueError:
                value = float(number)
                if not value.is_integer():
                    raise
                self.row = int(value)
            if not 1 <= self.row <= EXCEL_MAX_ROW:
                raise ValueError(f"row {number}")
        else:
            self.row += 1
        self.cells, self.count, self.column = {}, 0, 0

    def close(self, name):
        if name == CELL:
            if self.kind is not None:
                if self.keep:
                    empty = self.value is None and self.inline is None
                    self.cells[self.column] = None if empty else self._cell_value()
                self.kind = self.value = self.inline = None
        elif name in (VALUE, TEXT):
            self.target = None
        elif name == PHONETIC_RUN:
            self.phonetic -= 1
        elif name == ROW and self.cells is not None:
            values = [self.cells.get(column) for column in range(1, max(self.cells, default=0) + 1)]
            self.ready.append((self.row, values))
            self.cells = None

    def _cell_value(self):
        """The cell's value as openpyxl's read-only, data-only mode gives it."""
        if self.kind == "inlineStr":
            return None if self.inline is None else "".join(self.inline)
        text = "".join(self.value or ())
        if not text:
            return None
        if self.kind == "n":
            return float(text) if "." in text or "e" in text.lower() else int(text)
        if self.kind == "s":
            index = int(text)
            if not 0 <= index < len(self.strings):
                raise IndexError(f"shared string {index}")
            return self.strings[index]
        if self.kind == "b":
            return bool(int(text))
        if self.kind == "d":
            from openpyxl.utils.datetime import from_ISO8601

            return from_ISO8601(text)
        return text  # "str" (a formula's text), "e" (an error such as #N/A)

    def characters(self, data):
        if self.target is not None:
            self.chars += len(data)
            if self.chars > self.cell_chars:
                raise _cell_too_long(self.row, self.column, self.cell_chars)
            if self.keep:
                self.target.append(data)


# --- .csv --------------------------------------------------------------------------------


def csv_rows(file, limits):
    """The rows of a .csv saved by Excel or WPS (UTF-8, with or without a BOM, or GB18030).

    Read twice as a stream, never whole: once to tell the encoding, once to parse, with each
    line, row and field bounded.
    """
    encoding = _csv_encoding(file)
    file.seek(0)
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        for number, row in enumerate(csv.reader(_bounded_lines(text, limits)), start=1):
            if len(row) > limits.cells_per_row:
                raise _too_wide(number, limits.cells_per_row)
            for column, field in enumerate(row, start=1):
                if len(field) > limits.cell_chars:
                    raise _cell_too_long(number, column, limits.cell_chars)
            yield row[: limits.columns]
    except UnicodeDecodeError as error:
        raise SheetRefused(_("无法识别 .csv 文件的编码，请另存为“CSV UTF-8”后重试。")) from error
    except csv.Error as error:
        raise unreadable("csv") from error
    finally:
        text.detach()  # the upload is the caller's to close


def _csv_encoding(file):
    # Excel in a Chinese locale saves CSV as GB18030 (GBK); the template is UTF-8 with a BOM.
    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    try:
        while chunk := file.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _bounded_lines(text, limits):
    number = 0
    while line := text.readline(limits.line_chars + 1):
        number += 1
        if len(line) > limits.line_chars:
            raise SheetRefused(
                _(
                    "文件第 %(line)d 行超过 %(limit)d 个字。"
                    "请使用本页提供的模板，每行填写一家成员单位，每个单元格只填写一项内容。"
                )
                % {"line": number, "limit": limits.line_chars}
            )
        yield line
