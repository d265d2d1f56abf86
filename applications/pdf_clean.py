"""Active content out of uploaded PDFs (issue 8, item 5), and a bounded count of their pages.

A PDF may carry JavaScript (the document's ``/Names /JavaScript``, an ``/OpenAction``, the
additional actions ``/AA`` of the document, its pages, annotations and fields), actions that
launch programs or send data (Launch, SubmitForm, ImportData), embedded files, and forms
(``/AcroForm``, XFA). None of it belongs in a scan of a licence or a signed agreement, and
reviewers open these files. :func:`clean_pdf` makes the copy they open: the pages as they
look (filled form fields drawn into the page), without any of that. The original stays as
uploaded, for the record, and is only ever served as a download.

pypdf (already used to read and merge the PDFs) does it; a copy is made page by page, so the
document catalogue with its scripts, files and forms is never copied at all, and
:func:`scrub` then walks everything the copy holds as a safety net (it is also run over the
merged dossier).

What a PDF costs to read is bounded before and while it is read (review of issue 8): a file
with more indirect objects than ``PORTAL_PDF_MAX_OBJECTS`` is refused from its cross-reference
table alone; every object pypdf parses while a :func:`parse_budget` is open counts against
``PORTAL_PDF_MAX_PARSED_ITEMS`` (each number, name, string, array and dictionary; pypdf has
no such budget for whole files, only per array, so its ``read_object`` is counted here); a
page keeps only the resource kinds a page can use (so that junk hung on ``/Resources`` is
never reached, let alone copied); and the decompressed bytes of the pages' content streams
are counted against ``PORTAL_PDF_MAX_CONTENT_BYTES`` without being held. Copying, scrubbing,
checking and merging only ever touch parsed objects, so each costs at most what the budget
allows; what nests too deeply for pypdf's recursive copy fails (RecursionError) and is refused.
"""

import contextlib
import contextvars
import functools
import io
import re
import zlib

import img2pdf
import pypdf._reader
import pypdf.generic._data_structures
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.errors import LimitReachedError
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

# Keys that hold scripts, actions run on events, embedded files or forms.
ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/AA", "/OpenAction", "/EmbeddedFiles", "/EF", "/AcroForm", "/XFA"}
    | {"/RichMediaContent"}
)
# Actions that run code, open programs or files, or send or fetch data.
ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/ResetForm",
        "/GoToE",
        "/GoToR",
        "/Rendition",
        "/RichMediaExecute",
        "/Movie",
        "/Sound",
        "/Hide",
        "/SetOCGState",
        "/Trans",
        "/GoTo3DView",
    }
)
# Annotations that are players, attachments or form fields (widgets are drawn into the page first).
ACTIVE_ANNOTATIONS = frozenset(
    {"/Widget", "/FileAttachment", "/Screen", "/Movie", "/Sound", "/RichMedia", "/3D"}
)
SAFE_URI_SCHEMES = ("http://", "https://", "mailto:")
HIDDEN_FLAG = 2
# What a page's /Resources may hold (ISO 32000-1, 7.8.3, table 33); nothing else is copied.
RESOURCE_KEYS = frozenset(
    {"/Font", "/XObject", "/ExtGState", "/ColorSpace", "/Pattern", "/Shading", "/Properties", "/ProcSet"}
)


class PdfTooComplex(Exception):
    """The PDF holds more than is read: ``what`` ("objects", "items", "content"), ``found``
    (a lower bound for items and content) and ``limit``."""

    def __init__(self, what, found, limit):
        super().__init__(f"{what}: {found} > {limit}")
        self.what, self.found, self.limit = what, found, limit


def _limit(name, default):
    try:
        from django.conf import settings

        return getattr(settings, name, default)
    except ImportError:  # pragma: no cover -- used without Django
        return default


def max_objects():
    return _limit("PORTAL_PDF_MAX_OBJECTS", 20_000)


def max_parsed_items():
    return _limit("PORTAL_PDF_MAX_PARSED_ITEMS", 300_000)


def max_content_bytes():
    return _limit("PORTAL_PDF_MAX_CONTENT_BYTES", 64 * 1024 * 1024)


def object_count(reader):
    """The indirect objects ``reader``'s cross-reference table lists (in the file and in
    object streams); known as soon as the reader is opened, before any object is parsed."""
    return sum(len(numbers) for numbers in reader.xref.values()) + len(reader.xref_objStm)


def check_object_count(reader, limit=None):
    limit = max_objects() if limit is None else limit
    count = object_count(reader)
    if count > limit:
        raise PdfTooComplex("objects", count, limit)
    return count


def open_pdf(source):
    """A reader of the PDF ``source`` (bytes or a binary file) whose opening is bounded too: the
    trailer and the cross-reference streams are parsed within a budget, a cross-reference
    stream may list at most ``PORTAL_PDF_MAX_OBJECTS`` entries, and the table is counted
    (:func:`check_object_count`) before any object is read."""
    stream = source if hasattr(source, "read") else io.BytesIO(source)
    _check_xref_table(stream)
    try:
        with parse_budget():
            reader = PdfReader(stream, strict=False, xref_stream_maximum_entries=max_objects())
    except LimitReachedError as error:
        raise PdfTooComplex("objects", max_objects() + 1, max_objects()) from error
    check_object_count(reader)
    return reader


XREF_SUBSECTION = re.compile(rb"\s*(\d{1,10})\s+(\d{1,10})\s*[\r\n]")


def _check_xref_table(stream):
    """Count the entries of the last classic cross-reference table from its subsection headers
    (a few seeks): pypdf would read a table of a million entries whole before anything else."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(max(0, size - 1024))
    found = re.findall(rb"startxref\s+(\d{1,12})", stream.read())
    offset = int(found[-1]) if found else size
    entries = 0
    if offset < size:
        stream.seek(offset)
        if stream.read(4) == b"xref":
            position = stream.tell()
            for _ in range(max_objects()):  # subsections: at most one per object
                stream.seek(position)
                header = XREF_SUBSECTION.match(stream.read(32))
                if header is None:
                    break
                entries += int(header.group(2))
                # Object 0 heads the free list: the table lists one entry more than objects.
                if entries - 1 > max_objects():
                    stream.seek(0)
                    raise PdfTooComplex("objects", entries - 1, max_objects())
                position += header.end() + 20 * int(header.group(2))
    stream.seek(0)


# An uploaded scan's page in the dossier: the image fitted into A4, made once at upload.
A4 = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))
IMAGE_LAYOUT = img2pdf.get_layout_fun(A4, fit=img2pdf.FitMode.into)


def image_pdf(stream):
    """One A4 page holding the image; the JPEG or PNG data goes in without re-encoding."""
    try:
        # One page per image, as counted at upload: a phone's MPO JPEG holds a second frame.
        return img2pdf.convert(
            stream.read(), layout_fun=IMAGE_LAYOUT, rotation=img2pdf.Rotation.ifvalid, first_frame_only=True
        )
    except (img2pdf.AlphaChannelError, img2pdf.ImageOpenError, ValueError):
        # A PNG with transparency: flatten it onto white first.
        stream.seek(0)
        with Image.open(stream) as image:
            flat = Image.new("RGB", image.size, "white")
            rgba = image.convert("RGBA")
            flat.paste(rgba, mask=rgba.getchannel("A"))
            buffer = io.BytesIO()
            flat.save(buffer, "PNG")
        return img2pdf.convert(buffer.getvalue(), layout_fun=IMAGE_LAYOUT)


class _Budget:
    def __init__(self, limit):
        self.limit, self.remaining = limit, limit


_budget = contextvars.ContextVar("portal_pdf_parse_budget", default=None)


@contextlib.contextmanager
def parse_budget(limit=None):
    """Within this block, pypdf parses at most ``limit`` items (``PORTAL_PDF_MAX_PARSED_ITEMS``)
    in all; past it, parsing raises :class:`PdfTooComplex`, also on leaving the block if pypdf
    swallowed the error on the way (it recovers from damaged objects in non-strict mode)."""
    budget = _Budget(max_parsed_items() if limit is None else limit)
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)
    if budget.remaining < 0:
        raise PdfTooComplex("items", budget.limit + 1, budget.limit)


def _counted(read_object):
    @functools.wraps(read_object)
    def counted(*args, **kwargs):
        budget = _budget.get()
        if budget is not None:
            budget.remaining -= 1
            if budget.remaining < 0:
                raise PdfTooComplex("items", budget.limit + 1, budget.limit)
        return read_object(*args, **kwargs)

    counted.portal_counted = True
    return counted


# The reader's get_object and the arrays and dictionaries (for their elements) call these.
for _module in (pypdf._reader, pypdf.generic._data_structures):
    if not getattr(_module.read_object, "portal_counted", False):
        _module.read_object = _counted(_module.read_object)


class PageCountExceeded(Exception):
    """The page tree holds more pages than allowed (``pages`` is a lower bound when ``exact`` is false)."""

    def __init__(self, pages, exact):
        super().__init__(pages)
        self.pages, self.exact = pages, exact


def bounded_page_count(reader, limit):
    """The number of pages of ``reader``, refusing more than ``limit`` before pypdf lists them.

    The catalogue's ``/Pages /Count`` is read first: a huge count is refused at once. The
    page tree is then walked, counting leaves, and the walk stops past ``limit`` pages (or
    as many nodes), so that a ``/Count`` that lies costs no more than an honest one. A tree
    that loops is damaged (``ValueError``).
    """
    pages = reader.trailer["/Root"].get_object()["/Pages"].get_object()
    claimed = pages.get("/Count", 0)
    claimed = claimed.get_object() if isinstance(claimed, IndirectObject) else claimed
    if isinstance(claimed, int) and claimed > limit:
        raise PageCountExceeded(int(claimed), exact=True)
    budget = 4 * limit + 64  # nodes: a tree of single-child nodes is still a few per page
    leaves, nodes, seen = 0, 0, set()
    stack = [pages]
    while stack:
        node = _resolve(stack.pop())
        nodes += 1
        if not isinstance(node, DictionaryObject):
            raise ValueError("the page tree holds something else than pages")
        kids = _resolve(node.get("/Kids"))
        if node.get("/Type") == "/Pages" or (node.get("/Type") != "/Page" and kids is not None):
            if id(node) in seen:
                raise ValueError("the page tree loops")
            seen.add(id(node))
            kids = list(kids) if isinstance(kids, ArrayObject) else []
            if nodes + len(stack) + len(kids) > budget:
                raise PageCountExceeded(max(leaves + len(kids), limit + 1), exact=False)
            stack.extend(reversed(kids))
        else:
            leaves += 1
            if leaves > limit:
                raise PageCountExceeded(leaves, exact=False)
    return leaves


def clean_pdf(source):
    """The pages of the PDF ``source`` (bytes, a binary file, or a reader :func:`open_pdf`
    made) without active content, as bytes.

    Raises :class:`PdfTooComplex` for a file past the limits (module docstring)."""
    reader = source if isinstance(source, PdfReader) else open_pdf(source)
    with parse_budget():
        writer = PdfWriter()
        content = [0]
        for page in reader.pages:
            _keep_page_resources(page)
            _count_content(page, content)
            appearances = _strip_page(page)
            copy = writer.add_page(page)
            if appearances:
                _draw(writer, copy, appearances)
        scrub(writer.root_object)
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        output = io.BytesIO()
        writer.write(output)
    cleaned = output.getvalue()
    left = active_content(cleaned)
    if left:  # never expected: refuse rather than hand reviewers a file that still has any
        raise ValueError(f"active content left after cleaning: {sorted(left)}")
    return cleaned


def _keep_page_resources(page):
    """Give ``page`` (of the reader) its own /Resources holding only what a page can use."""
    resources = _resolve(page.get("/Resources"))
    if not isinstance(resources, DictionaryObject):
        page.pop("/Resources", None)
        return
    kept = DictionaryObject(
        {NameObject(key): resources.raw_get(key) for key in RESOURCE_KEYS & set(resources)}
    )
    page[NameObject("/Resources")] = kept


def _count_content(page, total):
    """Add the decompressed size of the page's content streams and of the forms (XObjects)
    its resources name to ``total[0]``, refusing past ``PORTAL_PDF_MAX_CONTENT_BYTES``."""
    limit = max_content_bytes()
    contents = _resolve(page.get("/Contents"))
    streams = list(contents) if isinstance(contents, ArrayObject) else [contents]
    xobjects = _resolve(_resolve(page.get("/Resources", {})).get("/XObject"))
    if isinstance(xobjects, DictionaryObject):
        forms = [_resolve(value) for value in xobjects.values()]
        streams += [
            form for form in forms if isinstance(form, StreamObject) and form.get("/Subtype") == "/Form"
        ]
    for stream in streams:
        stream = _resolve(stream)
        if isinstance(stream, StreamObject):
            total[0] += _decoded_size(stream, limit - total[0] + 1)
            if total[0] > limit:
                raise PdfTooComplex("content", total[0], limit)


def _decoded_size(stream, most):
    """The decoded size of ``stream``, counted up to ``most`` bytes without holding them: a
    Flate stream is inflated piece by piece, anything else decoded by pypdf (whose own
    limits bound each stream)."""
    filters = _resolve(stream.get("/Filter"))
    filters = [filters] if isinstance(filters, NameObject) else list(filters or [])
    if not filters:
        return len(stream._data)
    if filters != ["/FlateDecode"] or stream.get("/DecodeParms"):
        return len(stream.get_data())
    inflater, size = zlib.decompressobj(), 0
    try:
        piece = inflater.decompress(stream._data, 1 << 20)
        while piece:
            size += len(piece)
            if size >= most:
                return size
            piece = inflater.decompress(inflater.unconsumed_tail, 1 << 20)
    except zlib.error:  # damaged at the end, as viewers (and pypdf) tolerate: what came out
        pass
    return size


def _strip_page(page):
    """Drop the page's actions and active annotations (before it is copied, so that none of
    them is); returns the visible appearances of its form fields, to draw into the copy."""
    page.pop("/AA", None)
    annotations = _resolve(page.get("/Annots"))
    if not isinstance(annotations, ArrayObject):
        page.pop("/Annots", None)
        return []
    appearances, kept = [], ArrayObject()
    for reference in annotations:
        annotation = _resolve(reference)
        if not isinstance(annotation, DictionaryObject):
            continue
        subtype = annotation.get("/Subtype")
        if subtype in ACTIVE_ANNOTATIONS:
            if subtype == "/Widget":
                appearance = _appearance(annotation)
                if appearance is not None:
                    appearances.append((appearance, _resolve(annotation["/Rect"])))
            continue
        annotation.pop("/AA", None)
        if _is_active_action(annotation.get("/A")):
            del annotation["/A"]
        kept.append(reference)
    if kept:
        page[NameObject("/Annots")] = kept
    else:
        del page["/Annots"]
    return appearances


def _appearance(widget):
    """The normal appearance stream a viewer shows for a field, or None (hidden, or none)."""
    flags = _resolve(widget.get("/F", 0))
    if (isinstance(flags, int) and flags & HIDDEN_FLAG) or "/Rect" not in widget:
        return None
    appearance = _resolve(widget.get("/AP"))
    normal = _resolve(appearance.get("/N")) if isinstance(appearance, DictionaryObject) else None
    if isinstance(normal, DictionaryObject) and not isinstance(normal, StreamObject):
        state = _resolve(widget.get("/AS"))
        normal = _resolve(normal.get(state)) if state is not None else None
    return normal if isinstance(normal, StreamObject) else None


def _resolve(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _draw(writer, page, appearances):
    """Draw form-field appearances into ``page`` of ``writer`` where their fields were (the
    appearance box, transformed by its matrix, mapped onto the field's rectangle)."""
    # The page's own copies: resources are often shared between pages.
    resources = DictionaryObject(_resolve(page.get("/Resources")) or {})
    xobjects = DictionaryObject(_resolve(resources.get("/XObject")) or {})
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources
    drawing = [b"Q"]
    for number, (appearance, rect) in enumerate(appearances):
        stream = appearance.clone(writer)
        name = NameObject(f"/PortalField{number}")
        xobjects[name] = stream.indirect_reference
        x0, y0, x1, y1 = _box(
            _resolve(stream.get("/BBox", [0, 0, 0, 0])), _resolve(stream.get("/Matrix", [1, 0, 0, 1, 0, 0]))
        )
        r0, s0, r1, s1 = (float(_resolve(value)) for value in rect)
        if x1 - x0 <= 0 or y1 - y0 <= 0:
            continue
        sx, sy = (max(r0, r1) - min(r0, r1)) / (x1 - x0), (max(s0, s1) - min(s0, s1)) / (y1 - y0)
        tx, ty = min(r0, r1) - sx * x0, min(s0, s1) - sy * y0
        drawing.append(f"q {sx:.6f} 0 0 {sy:.6f} {tx:.4f} {ty:.4f} cm {name} Do Q".encode())
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q")
    after.set_data(b"\n".join(drawing))
    contents = _resolve(page.get("/Contents"))
    if contents is None:
        existing = []
    elif isinstance(contents, ArrayObject):
        existing = list(contents)
    else:
        existing = [page.raw_get("/Contents")]
    page[NameObject("/Contents")] = ArrayObject(
        [writer._add_object(before), *existing, writer._add_object(after)]
    )


def _box(bbox, matrix):
    """The bounding box of ``bbox`` transformed by ``matrix``: (x0, y0, x1, y1)."""
    a, b, c, d, e, f = (float(_resolve(value)) for value in matrix)
    x0, y0, x1, y1 = (float(_resolve(value)) for value in bbox)
    points = [(a * x + c * y + e, b * x + d * y + f) for x in (x0, x1) for y in (y0, y1)]
    xs, ys = [x for x, _y in points], [y for _x, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def _is_active_action(action):
    if action is None:
        return False
    action = action.get_object()
    if not isinstance(action, DictionaryObject):
        return True
    kind = action.get("/S")
    if kind in ACTIVE_ACTIONS or "/Next" in action:
        return True
    if kind == "/URI":
        uri = str(action.get("/URI", "")).strip().lower()
        return not uri.startswith(SAFE_URI_SCHEMES)
    return kind not in ("/GoTo", "/URI", "/Named", "/Thread")


def _containers(root, seen=None):
    """Every dictionary and array reachable from ``root``, each once (and none in ``seen``)."""
    found, stack = [], [root]
    seen = set() if seen is None else seen
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            item = item.get_object()
        if not isinstance(item, (DictionaryObject, ArrayObject)) or id(item) in seen:
            continue
        seen.add(id(item))
        found.append(item)
        stack.extend(item.values() if isinstance(item, DictionaryObject) else item)
    return found


def scrub(root):
    """Remove active content from everything reachable from ``root`` (a writer's catalogue).

    Everything is collected before anything is removed, so that what a removed key held is
    scrubbed too: a part left without a reference then holds nothing active either.
    """
    dictionaries = [item for item in _containers(root) if isinstance(item, DictionaryObject)]
    for item in dictionaries:  # first the pages' lists of annotations, while they say what they are
        annotations = _resolve(item.get("/Annots"))
        if isinstance(annotations, ArrayObject):
            kept = [ref for ref in annotations if not _is_active_annotation(_resolve(ref))]
            if len(kept) != len(annotations):
                item[NameObject("/Annots")] = ArrayObject(kept)
    for item in dictionaries:
        if (_is_action(item) and item.get("/S") in ACTIVE_ACTIONS) or _is_active_annotation(item):
            item.clear()
            continue
        for key in ACTIVE_KEYS & set(item.keys()):
            del item[key]
        if "/A" in item and _is_active_action(item.raw_get("/A")):
            del item["/A"]
        # (An outline item's /Next is its next sibling; an action's, the next action.)
        if _is_action(item) and "/Next" in item:
            del item["/Next"]


def _is_action(item):
    return item.get("/Type", "/Action") == "/Action" and "/S" in item


def _is_active_annotation(item):
    return isinstance(item, DictionaryObject) and item.get("/Subtype") in ACTIVE_ANNOTATIONS


def active_content(pdf):
    """The names of active content found anywhere in the PDF ``pdf`` (bytes): every object of
    the file is read, referenced or not. Empty for a clean file. Bounded as :func:`clean_pdf`
    is (it checks what that made)."""
    reader = open_pdf(pdf)
    with parse_budget():
        return _active_content(reader)


def _active_content(reader):
    roots = [reader.trailer]
    for generation, numbers in reader.xref.items():
        roots += [IndirectObject(number, generation, reader) for number in numbers]
    roots += [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    found, seen = set(), set()
    for root in roots:
        try:
            items = _containers(root, seen)
        except Exception:  # noqa: S112 -- a free or damaged entry of the table: nothing in it to find
            continue
        for item in items:
            if isinstance(item, DictionaryObject):
                found |= ACTIVE_KEYS & set(item.keys())
                if _is_action(item) and item.get("/S") in ACTIVE_ACTIONS:
                    found.add(str(item["/S"]))
                if _is_active_annotation(item):
                    found.add(str(item["/Subtype"]))
    return found
