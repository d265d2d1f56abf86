"""Uploaded materials (Art. 5): checked by content, stored privately, served through a view.

DESIGN.md "Documents": PDF, JPEG and PNG only, judged from the bytes and not the name; a size
limit enforced while the upload streams in (:class:`SizeLimitUploadHandler`); images opened
with Pillow under a pixel limit and verified; PDFs parsed, encrypted ones refused, their pages
limited per document kind (counted without walking a huge page tree); random names in the
private storage; a version once submitted is never overwritten or deleted.

A PDF is stored twice (issue 8, item 5): as uploaded, for the record, served only as a
download; and cleaned of scripts, actions, attachments and forms (:mod:`.pdf_clean`), which
is what opens in the browser and what the dossier merges.
"""

import hashlib
import io
import logging
import os
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from PIL import Image, JpegImagePlugin, PngImagePlugin, UnidentifiedImageError

from .enums import DocumentKind, RegistrationDocumentKind
from .models import DocumentVersion
from .pdf_clean import (
    PageCountExceeded,
    PdfTooComplex,
    bounded_page_count,
    clean_pdf,
    image_pdf,
    open_pdf,
    parse_budget,
)
from .plain_text import download_name

logger = logging.getLogger(__name__)
PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
SIGNATURES = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
EXTENSIONS = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG}
TYPE_NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}
PREVIEW_SIZE = (480, 480)
CHUNK = 64 * 1024


class UploadRefused(Exception):
    """An upload that is not stored; the message says what to fix, in the user's language."""


def max_upload_bytes():
    return settings.PORTAL_UPLOAD_MAX_BYTES


def human_size(size):
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(size, 1) / 1024:.0f} KB"


class SizeLimitUploadHandler(FileUploadHandler):
    """Counts the bytes of each file as they arrive and drops a file past the limit.

    Put first in ``request.upload_handlers``: once a file is over the limit the rest of it
    is read and thrown away chunk by chunk (``SkipFile``), never held in memory or on disk.
    The names of dropped files are kept in ``too_large`` so that the view can say so.
    """

    def __init__(self, request=None, limit=None):
        super().__init__(request)
        self.limit = limit or max_upload_bytes()
        self.too_large = {}
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large[self.field_name] = self.file_name
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def install_size_limit(request, limit=None):
    """Call before ``request.POST``/``FILES`` are read (the view must be csrf_exempt first).

    ``limit`` in bytes; the documents' limit (``PORTAL_UPLOAD_MAX_BYTES``) unless given.
    """
    handler = SizeLimitUploadHandler(request, limit)
    request.upload_handlers.insert(0, handler)
    return handler


def too_large_message(name, limit=None):
    return _(
        "文件“%(name)s”超过 %(limit)s 的大小上限，未保存。"
        "请压缩或降低扫描分辨率（建议 200–300 dpi）后重新上传。"
    ) % {
        "name": name,
        "limit": human_size(limit or max_upload_bytes()),
    }


@dataclass
class Inspection:
    content_type: str
    size: int
    sha256: str
    page_count: int = 1
    width: int | None = None
    height: int | None = None
    preview: bytes | None = None
    cleaned: bytes | None = None


def sniff(head):
    return next((content_type for signature, content_type in SIGNATURES if head.startswith(signature)), None)


def max_pages(kind):
    """The most pages a PDF of ``kind`` may have (``PORTAL_DOCUMENT_MAX_PAGES``)."""
    limits = settings.PORTAL_DOCUMENT_MAX_PAGES
    return limits.get(str(kind or ""), limits["default"])


def inspect(uploaded, kind=None):
    """Check an uploaded file by its content; return what is known of it or raise UploadRefused.

    ``kind`` (a :class:`DocumentKind` or :class:`RegistrationDocumentKind`) sets the most pages
    a PDF may have; a PDF that passes gets its cleaned copy (``inspection.cleaned``).
    """
    name = os.path.basename(uploaded.name or "")
    size = uploaded.size
    if size > max_upload_bytes():
        raise UploadRefused(too_large_message(name))
    if size == 0:
        raise UploadRefused(_("文件“%(name)s”是空文件，请重新选择。") % {"name": name})
    extension = os.path.splitext(name)[1].lower()
    claimed = EXTENSIONS.get(extension)
    if claimed is None:
        raise UploadRefused(
            _("只接受 PDF、JPEG 或 PNG 文件（扩展名 .pdf、.jpg、.jpeg、.png），“%(name)s”不是。")
            % {"name": name}
        )
    uploaded.seek(0)
    actual = sniff(uploaded.read(16))
    uploaded.seek(0)
    if actual is None:
        raise UploadRefused(
            _(
                "文件“%(name)s”的内容不是 PDF、JPEG 或 PNG（可能是改了扩展名的其他文件），"
                "请另存为 PDF 后上传。"
            )
            % {"name": name}
        )
    if actual != claimed:
        raise UploadRefused(
            _(
                "文件“%(name)s”的扩展名是 %(extension)s，但内容是 %(actual)s 格式。"
                "请把扩展名改为与内容一致，或重新导出为 %(claimed)s 后上传。"
            )
            % {
                "name": name,
                "extension": extension,
                "actual": TYPE_NAMES[actual],
                "claimed": TYPE_NAMES[claimed],
            }
        )
    digest = hashlib.sha256()
    for chunk in uploaded.chunks(CHUNK):
        digest.update(chunk)
    uploaded.seek(0)
    inspection = Inspection(content_type=actual, size=size, sha256=digest.hexdigest())
    if actual == PDF:
        reader = _pdf_reader(uploaded, name, kind)
        inspection.page_count = len(reader.pages)
        # The same reader: what counting the pages parsed is not parsed again.
        inspection.cleaned = _cleaned(reader, name)
    else:
        _inspect_image(uploaded, name, inspection)
        uploaded.seek(0)
        # The scan's page in the dossier, made once now: converting a large image takes seconds.
        inspection.cleaned = _image_page(uploaded, name)
    uploaded.seek(0)
    return inspection


def _pdf_reader(uploaded, name, kind):
    """The upload opened as a PDF, once its pages are counted within ``kind``'s limit."""
    limit = max_pages(kind)
    try:
        reader = open_pdf(uploaded)  # objects counted before any is read
        with parse_budget():
            encrypted = reader.is_encrypted
            # Counted first within the limit: pypdf lists every page of the tree it is given.
            pages = 0 if encrypted else bounded_page_count(reader, limit) and len(reader.pages)
    except PageCountExceeded as exceeded:
        raise UploadRefused(_too_many_pages(name, exceeded, limit, kind)) from exceeded
    except PdfTooComplex as complex_:
        raise UploadRefused(too_complex_message(name, complex_)) from complex_
    except Exception as error:  # pypdf raises many kinds on a damaged file
        raise UploadRefused(
            _("无法读取 PDF 文件“%(name)s”：文件可能已损坏或不完整。请重新导出后上传。") % {"name": name}
        ) from error
    if encrypted:
        raise UploadRefused(
            _(
                "PDF 文件“%(name)s”已加密（设有打开密码或权限限制），无法合并进评审材料。"
                "请导出不加密的 PDF 后上传。"
            )
            % {"name": name}
        )
    if pages == 0:
        raise UploadRefused(_("PDF 文件“%(name)s”没有页面。") % {"name": name})
    return reader


def _too_many_pages(name, exceeded, limit, kind):
    labels = {**dict(DocumentKind.choices), **dict(RegistrationDocumentKind.choices)}
    label = labels.get(kind, _("申报材料"))
    values = {"name": name, "pages": exceeded.pages, "limit": limit, "kind": label}
    if exceeded.exact:
        message = _(
            "PDF 文件“%(name)s”有 %(pages)d 页，超过“%(kind)s”最多 %(limit)d 页的限制，未保存。"
            "请只保留所需页面后重新上传。"
        )
    else:
        message = _(
            "PDF 文件“%(name)s”的页数超过“%(kind)s”最多 %(limit)d 页的限制，未保存。"
            "请只保留所需页面后重新上传。"
        )
    return message % values


def _image_page(uploaded, name):
    try:
        return image_pdf(uploaded)
    except Exception as error:  # img2pdf and Pillow raise many kinds on an odd file
        raise UploadRefused(
            _("图片“%(name)s”已损坏或不完整，无法打开。请重新扫描或导出后上传。") % {"name": name}
        ) from error


def _cleaned(reader, name):
    """The copy reviewers open: the pages without scripts, actions, attachments or forms."""
    try:
        return clean_pdf(reader)
    except PdfTooComplex as complex_:
        raise UploadRefused(too_complex_message(name, complex_)) from complex_
    except Exception as error:  # a PDF pypdf reads but cannot copy
        raise UploadRefused(
            _("PDF 文件“%(name)s”的结构无法处理，未保存。请用“打印为 PDF”或扫描软件重新生成后上传。")
            % {"name": name}
        ) from error


def too_complex_message(name, complex_):
    """What to do with a PDF past the limits of :mod:`.pdf_clean` (objects, items, content)."""
    if complex_.what == "objects":
        message = _(
            "PDF 文件“%(name)s”内部含有 %(found)d 个对象，超过 %(limit)d 个的上限，未保存。"
            "请用“打印为 PDF”重新生成，或重新扫描后上传。"
        )
    else:
        message = _(
            "PDF 文件“%(name)s”的内部结构过于复杂，超过系统可以安全处理的上限，未保存。"
            "请用“打印为 PDF”重新生成，或重新扫描后上传。"
        )
    return message % {"name": name, "found": complex_.found, "limit": complex_.limit}


# The image classes themselves read only the header: Image.open() would first refuse a
# decompression bomb without saying how large it claims to be.
HEADER_READERS = {JPEG: JpegImagePlugin.JpegImageFile, PNG: PngImagePlugin.PngImageFile}


def _inspect_image(uploaded, name, inspection):
    limit = settings.PORTAL_IMAGE_MAX_PIXELS
    damaged = _("图片“%(name)s”已损坏或不完整，无法打开。请重新扫描或导出后上传。") % {"name": name}
    too_big = _(
        "图片“%(name)s”为 %(width)d×%(height)d 像素，超过 %(limit)d 万像素的上限。"
        "请降低扫描分辨率（建议 200–300 dpi）后上传。"
    )
    try:
        with HEADER_READERS[inspection.content_type](uploaded) as header:
            width, height = header.size
        if width * height > limit:
            raise UploadRefused(
                too_big % {"name": name, "width": width, "height": height, "limit": limit // 10000}
            )
        uploaded.seek(0)
        with Image.open(uploaded) as image:
            image.verify()
        uploaded.seek(0)
        with Image.open(uploaded) as image:
            image.draft("RGB", PREVIEW_SIZE)
            image.thumbnail(PREVIEW_SIZE)
            preview = io.BytesIO()
            image.convert("RGB").save(preview, "JPEG", quality=80)
    except UploadRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise UploadRefused(damaged) from error
    inspection.width, inspection.height = width, height
    inspection.preview = preview.getvalue()


def store(document, uploaded, user, inspection):
    """Save ``uploaded``, checked by :func:`inspect`, as the newest version of ``document``.

    Earlier versions stay: a refused upload changes nothing, an accepted one is added.
    """
    return save_checked(DocumentVersion(document=document), uploaded, user, inspection)


def save_checked(record, uploaded, user, inspection):
    """Fill and save ``record`` (a DocumentVersion, or another :class:`CheckedFile`, such as a
    registration's documents) with ``uploaded``, checked by :func:`inspect`."""
    record.original_name = download_name(os.path.basename(uploaded.name), fallback="upload")[:255]
    record.content_type = inspection.content_type
    record.size = inspection.size
    record.sha256 = inspection.sha256
    record.page_count = inspection.page_count
    record.width = inspection.width
    record.height = inspection.height
    record.uploaded_by = user
    record.file.save("upload", uploaded, save=False)
    if inspection.preview:
        record.preview.save("preview", ContentFile(inspection.preview), save=False)
    if inspection.cleaned:
        record.cleaned.save("cleaned", ContentFile(inspection.cleaned), save=False)
    try:
        with transaction.atomic():
            record.save()
    except Exception:
        _remove_files(record)
        raise
    return record


def _remove_files(version):
    for field_file in (version.file, version.preview, version.cleaned):
        if field_file:
            field_file.storage.delete(field_file.name)


def discard(document):
    """Remove a slot: deleted when none of its versions was submitted, else only hidden."""
    versions = list(document.versions.all())
    if any(version.is_frozen for version in versions):
        document.removed_at = timezone.now()
        document.member = None
        document.save(update_fields=["removed_at", "member"])
        return
    for version in versions:
        discard_version(version)
    document.delete()


def discard_version(version):
    """Delete a version that no submission froze (a wrong file uploaded to a draft)."""
    if version.is_frozen:
        raise UploadRefused(_("已提交过的材料版本不能删除，可以上传新版本。"))
    version.delete()
    transaction.on_commit(lambda: _remove_files(version))


class CleaningFailed(Exception):
    """A stored PDF of which no cleaned copy can be made (damaged, or past the limits of
    :mod:`.pdf_clean` set after it was accepted): it is not opened in the browser."""


def cleaned_file(version):
    """The cleaned copy of a version (a PDF without active content, an image's page), opened
    for reading; made now for a version stored
    before cleaned copies were kept (the original is never changed; ``manage.py
    backfill_cleaned_copies`` makes them all at once). FileNotFoundError when the upload is
    missing, :class:`CleaningFailed` when no copy can be made of it."""
    if not version.cleaned:
        with version.file.open("rb") as original:
            try:
                cleaned = image_pdf(original) if version.is_image else clean_pdf(original)
            except Exception as error:  # pypdf raises many kinds on a damaged file
                logger.warning("no cleaned copy of %s %s: %r", type(version).__name__, version.pk, error)
                raise CleaningFailed(version.pk) from error
        version.cleaned.save("cleaned", ContentFile(cleaned), save=False)
        # Only this field: a frozen version is otherwise never written.
        type(version).objects.filter(pk=version.pk, cleaned="").update(cleaned=version.cleaned.name)
    return version.cleaned.open("rb")


def file_response(version, *, preview=False, original=False):
    """The file for a view that has already checked permission: an image, or a PDF's cleaned
    copy, to open in the browser; the upload as it is (``original``) only as a download; or
    the preview image.

    Images open inline as uploaded (issue 8 review, kept on purpose): a JPEG or PNG is only
    stored if its bytes say so (the content type served is the sniffed one, never the name's
    or the browser's claim), Pillow has opened and verified it within the pixel limit, and
    ``X-Content-Type-Options: nosniff`` stops a browser from reading it as anything else. A
    browser shows such an image as an image and runs nothing from it (no SVG is accepted);
    reviewers must see a licence's scan at full resolution, which the 480-pixel preview is
    not. A PDF, which can carry scripts, opens only as its cleaned copy.
    """
    if preview:
        if not version.preview:
            raise FileNotFoundError(version.pk)
        return private(FileResponse(version.preview.open("rb"), content_type=JPEG))
    # The original name's extension matches the content: inspect() refused any other.
    try:
        stream = version.file.open("rb") if original or version.is_image else cleaned_file(version)
    except CleaningFailed:
        return private(FileResponse(io.BytesIO(_not_viewable(version)), content_type=PDF))
    response = FileResponse(
        stream,
        content_type=version.content_type,
        filename=download_name(version.original_name, fallback="document"),
        as_attachment=original,
    )
    return private(response)


def _not_viewable(version):
    """A page standing in for a PDF of which no cleaned copy can be made, saying what to do."""
    from .pdf import notice_page  # .pdf imports this module

    with override("zh-hans"):  # as the dossier's pages
        message = _(
            "系统无法为该文件生成可在线查看的安全副本（文件可能已损坏，或结构过于复杂）。"
            "请下载原件查看；如需在线查看，请上传方用“打印为 PDF”或重新扫描后上传新版本。"
        )
        return notice_page(version.original_name, _("文件无法在线查看"), message=message)


def private(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
