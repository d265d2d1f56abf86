"""The generated PDFs of Art. 5: the application form (申请书) and the reviewers' full dossier.

The form is rendered with WeasyPrint from :func:`applications.submissions.application_data`
(the live draft, or a round's frozen snapshot), in Chinese with the CJK font installed by the
set-up. The dossier is that form followed by every uploaded document — PDFs as they are,
images as pages (``img2pdf`` embeds the JPEG bytes without re-encoding them) — in one PDF
with bookmarks, written to a temporary file rather than built in memory. Both are kept per
content version (:func:`cached_pdf`): asking again for the same PDF costs a file read.
"""

import contextlib
import functools
import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pypdf
from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from pypdf import PdfReader, PdfWriter

from .documents import cleaned_file
from .enums import DocumentKind
from .models import DocumentVersion
from .pdf_clean import open_pdf, parse_budget, scrub
from .pdf_fonts import harfbuzz_subset_available

logger = logging.getLogger(__name__)
FALLBACK_FONT = "fonts/NotoSansSC-GB2312.ttf"


@functools.cache
def system_has_cjk_font():
    """Whether fontconfig knows a Simplified Chinese Noto CJK font (fonts-noto-cjk)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run(  # noqa: S603 -- a fixed command, no user input
        [fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=20, check=False
    )
    return "Noto Sans CJK SC" in found.stdout or "Noto Serif CJK SC" in found.stdout


def cjk_font():
    """The shipped font for ``@font-face`` (a path under static/), or None for the system's.

    The system's Noto CJK only where HarfBuzz subsets it: fontTools takes most of a minute
    over its collections of 65,000 glyphs, against a fraction of a second for the shipped
    font, which is prepared for it (scripts/subset_cjk_font.py). A character outside its
    GB 2312 still falls back to a system font, if there is one.
    """
    if harfbuzz_subset_available() and system_has_cjk_font():
        return None
    return FALLBACK_FONT


def _static_base():
    return (settings.BASE_DIR / "static").as_uri() + "/"


def static_only():
    """WeasyPrint's fetcher for our PDFs: the portal's static files and ``data:`` URLs only.

    A text typed by a user that ends up parsed as CSS or HTML must not make the server fetch
    another address, or read a private upload, into a PDF (issue 9 review)."""
    from weasyprint.urls import URLFetcher, URLFetchingError

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:") or url.startswith(_static_base()):
                return super().fetch(url, headers)
            raise URLFetchingError(f"not fetched for a PDF: {url[:80]}")

    return StaticOnly()


def render_pdf(template, context):
    """A template as PDF bytes, always in Chinese, with the CJK font the machine offers."""
    from weasyprint import HTML  # imported here: loading it costs a second at start-up

    with override("zh-hans"):
        context = {**context, "fallback_font": cjk_font()}
        html = render_to_string(template, context)
        return HTML(string=html, base_url=_static_base(), url_fetcher=static_only()).write_pdf()


def render_form(data, *, submission=None):
    """The application form as PDF bytes: of the live draft, or of a submitted round.

    It is always Chinese: it is the official form that is signed and sealed. Only a draft's
    form says 草稿; a round's form carries its submission date (申报日期) and number.
    """
    members = data.get("members", [])
    return render_pdf(
        "pdf/application_form.html",
        {
            "data": data,
            "members": members,
            "core_count": sum(1 for member in members if member["is_core"]),
            # A round's form says what was declared then, even if the wording changes.
            "declaration": submission.declaration if submission else data.get("declaration", ""),
            "submitted_at": timezone.localtime(submission.submitted_at) if submission else None,
            "number": submission.number if submission else None,
            "generated_at": timezone.localtime(),
            "cover_name": cover_line(data.get("name", "")),
            "cover_lead": cover_line(data.get("lead_unit", {}).get("name", "")),
            "cover_basis": cover_line(
                f"依据{data.get('edition', '')}", width_mm=160, largest=12, smallest=10
            ),
        },
    )


# The cover's value column is about 86 mm wide; a CJK character is as wide as the font size.
COVER_VALUE_MM = 84
MM_PER_PT = 25.4 / 72
# Where a Chinese name reads well when it must go over two lines: before these words.
NAME_BREAKS = ("产业技术创新战略联盟", "股份有限公司", "有限公司", "研究院", "（", "《")


def _width(text):
    """Width in ems: a CJK character is one em, Latin letters and digits about half."""
    return sum(0.55 if ord(char) < 0x2E80 else 1.0 for char in text)


def cover_line(text, *, width_mm=COVER_VALUE_MM, largest=13, smallest=10.5):
    """A cover value that keeps a name whole: ``{"lines": […], "size": pt}``.

    The name is set on one line, shrunk as far as ``smallest``; a longer one goes over as
    few lines as fit at that size, broken where the name reads well (before
    产业技术创新战略联盟, 有限公司, a bracket, …) and otherwise as evenly as possible — never
    mid-word as the PDF engine's line breaking of CJK text would (…战略联/盟).
    """
    text = " ".join(text.split())
    if not text:
        return {"lines": [], "size": largest}
    capacity = width_mm / (smallest * MM_PER_PT)  # ems per line at the smallest size
    if _width(text) <= capacity:
        fits = width_mm / (_width(text) * MM_PER_PT)
        return {"lines": [text], "size": round(min(largest, fits), 1)}
    lines, rest = [], text
    for remaining in range(int(_width(text) // capacity) + 1, 1, -1):
        cut = _best_cut(rest, remaining, capacity)
        lines.append(rest[:cut])
        rest = rest[cut:]
    lines.append(rest)
    size = width_mm / (max(_width(line) for line in lines) * MM_PER_PT)
    return {"lines": lines, "size": round(max(min(largest, size), 7), 1)}


def _best_cut(text, lines, capacity):
    """Where the first of ``lines`` lines of ``text`` ends: at a word that reads well if one
    leaves every line within ``capacity``, else where the lines come out most even."""
    target = _width(text) / lines
    possible = [
        i
        for i in range(1, len(text))
        if _width(text[:i]) <= capacity and _width(text[i:]) <= capacity * (lines - 1)
    ] or list(range(1, len(text)))
    good = [i for i in possible if any(text.startswith(word, i) for word in NAME_BREAKS)]
    return min(good or possible, key=lambda i: abs(_width(text[:i]) - target))


def notice_page(title, reason, *, message=None):
    """A page standing in for a document that cannot be merged (or opened: ``message`` says
    what then), saying which and why."""
    return render_pdf("pdf/missing_document.html", {"title": title, "reason": reason, "message": message})


SECTIONS = (
    (DocumentKind.FORM, None),
    (DocumentKind.AGREEMENT, None),
    (DocumentKind.CHARTER, None),
    (DocumentKind.LICENCE, "member_name"),
    (DocumentKind.OTHER, "title"),
)


def _document_reader(version):
    """The pages of one stored version: its cleaned copy, an image's page or a PDF without
    active content (never the upload as it is). Each is read into memory and kept until the
    dossier is written (pypdf holds its readers): the dossier's peak memory grows with its
    files, which are bounded in size and pages (applications.documents), and in what reading
    them costs: a cleaned copy made before those limits that is past them fails here
    (PdfTooComplex)."""
    with cleaned_file(version) as stream:
        reader = open_pdf(stream.read())
    len(reader.pages)  # parse the page tree now, so that a broken one fails here
    return reader


def build_dossier(data, output, *, submission=None, form=None):
    """Write the full dossier for ``data`` to the binary file ``output``.

    Bookmarks: the generated form (``form``, its PDF bytes, if already made), then one per
    document kind, with a child per member's licence and per other material. A document that
    cannot be read (missing from storage, unmergeable) becomes a page that says so, and is
    logged: the rest still reaches the reviewers. Returns the number of documents left out
    that way. What is merged is the documents' cleaned copies, and the whole is cleaned once
    more before it is written (issue 8, item 5).
    """
    writer = PdfWriter()
    left_out = 0
    form = form or render_form(data, submission=submission)
    with override("zh-hans"):
        writer.append(PdfReader(io.BytesIO(form)), import_outline=False)
        writer.add_outline_item(title=_("联盟申请书（系统生成）"), page_number=0)
        documents = data.get("documents", [])
        versions = DocumentVersion.objects.in_bulk([item["version"] for item in documents])
        for kind, child_label in SECTIONS:
            parent = None
            for item in (item for item in documents if item["kind"] == kind):
                title = (item.get(child_label) if child_label else "") or item["original_name"]
                start = len(writer.pages)
                try:
                    with parse_budget():  # each document within the limits it was accepted under
                        reader = _document_reader(versions[item["version"]])
                        writer.append(reader, import_outline=False)
                except Exception as error:  # a missing file, or a PDF pypdf cannot merge
                    logger.exception("dossier: version %s left out", item["version"])
                    left_out += 1
                    del writer.pages[start:]
                    reason = (
                        _("文件缺失")
                        if isinstance(error, (KeyError, FileNotFoundError))
                        else _("文件无法合并")
                    )
                    writer.append(PdfReader(io.BytesIO(notice_page(item["original_name"], reason))))
                if parent is None:
                    parent = writer.add_outline_item(title=str(DocumentKind(kind).label), page_number=start)
                if child_label:
                    writer.add_outline_item(title=title, page_number=start, parent=parent)
        writer.page_mode = "/UseOutlines"
        writer.add_metadata(
            {"/Title": data.get("name", ""), "/Producer": "朔州市产业技术创新战略联盟管理平台"}
        )
        scrub(writer.root_object)
        writer.write(output)
    return left_out


# Generated PDFs, kept per content version -------------------------------------------------
#
# A PDF is built once for what goes into it and kept in the private storage under
# pdf-cache/<application>/<slot>-<key>.pdf: the key is a digest of the data (fields, members,
# document versions, edition), of the round, and of the code that makes it (templates, this
# module, the font). A change of any makes a new key, so a new PDF, which replaces the old
# one of the same slot (a draft's form, round 2's dossier, ...). A submitted round never
# changes, so neither does its PDF. A PDF is written under a temporary name and renamed into
# place (os.replace: atomic within the storage's folder), so that a kept name always holds a
# whole file, which a worker killed half-way cannot leave behind; the marker written after it
# says so for PDFs kept before that. A round's PDF, once kept, also removes the draft's PDFs
# made before the round was submitted: no draft of that content is asked for again.

CACHE_PREFIX = "pdf-cache"
CODE_FILES = (
    "templates/pdf/application_form.html",
    "templates/pdf/missing_document.html",
    "applications/pdf.py",
    "applications/pdf_clean.py",
    "templates/pdf/authorisation_letter.html",
)


@functools.cache
def code_version():
    """A digest of what makes the PDFs besides their data: templates, code, font, libraries."""
    digest = hashlib.sha256()
    for path in CODE_FILES:
        digest.update((settings.BASE_DIR / path).read_bytes())
    digest.update(f"{cjk_font()}|{weasyprint_version()}|{pypdf.__version__}".encode())
    return digest.hexdigest()


def weasyprint_version():
    from weasyprint import __version__  # imported here, as in render_pdf

    return __version__


def content_key(what, data, submission=None):
    """The digest of everything that goes into the PDF ``what`` ("form", "dossier") of ``data``."""
    round_ = None
    if submission:
        round_ = [submission.pk, submission.number, submission.event_id, submission.declaration]
        round_.append(submission.submitted_at)
    payload = {"what": what, "data": data, "round": round_, "language": "zh-hans", "code": code_version()}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cached_pdf(application_pk, what, data, build, *, submission=None, folder=None):
    """The PDF ``what`` of ``data``, as a binary file positioned at its start: the kept one
    when its key matches, else built by ``build(output)`` (which returns whether it may be
    kept) and kept, replacing the slot's earlier one. ``folder`` (under pdf-cache/) is the
    application's unless given (the authorisation letter's is its organisation's)."""
    slot = f"round{submission.number}-{what}" if submission else f"draft-{what}"
    folder = f"{CACHE_PREFIX}/{folder or application_pk}"
    name = f"{folder}/{slot}-{content_key(what, data, submission)}.pdf"
    marker = f"{name}.complete"
    if default_storage.exists(marker):
        try:
            return default_storage.open(name, "rb")
        except FileNotFoundError:
            logger.warning("pdf cache: %s has a marker but no file; rebuilding", name)
    output = tempfile.TemporaryFile()  # noqa: SIM115 -- handed to the caller, which closes it
    try:
        keep = build(output)
        output.seek(0)
        if keep and _keep(name, marker, output):
            _remove_replaced(folder, slot, name)
            if submission is not None:
                _remove_drafts_before(folder, submission.submitted_at)
        output.seek(0)
    except BaseException:
        output.close()
        raise
    return output


def form_file(application_pk, data, *, submission=None):
    """The application form of ``data`` (a draft's, or a round's) as a binary file."""

    def build(output):
        output.write(render_form(data, submission=submission))
        return True

    return cached_pdf(application_pk, "form", data, build, submission=submission)


def dossier_file(application_pk, data, *, submission=None):
    """The full dossier of ``data`` as a binary file; one with a document left out is not
    kept, so that it is built again once the file is back."""

    def build(output):
        with form_file(application_pk, data, submission=submission) as form:
            return build_dossier(data, output, submission=submission, form=form.read()) == 0

    return cached_pdf(application_pk, "dossier", data, build, submission=submission)


def _keep(name, marker, output):
    """Store ``output`` as ``name`` (replacing whatever is there: a file left without its
    marker by a worker killed before it wrote one), then its marker; False if not kept."""
    try:
        path = Path(default_storage.path(name))
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # In the same folder, so that the rename is atomic; a leading dot: never a slot's name.
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as partial:
            shutil.copyfileobj(output, partial)
        try:
            os.chmod(partial.name, settings.FILE_UPLOAD_PERMISSIONS or 0o600)
            os.replace(partial.name, path)
        except BaseException:
            os.unlink(partial.name)
            raise
        Path(default_storage.path(marker)).touch(mode=settings.FILE_UPLOAD_PERMISSIONS or 0o600)
    except OSError:
        logger.exception("pdf cache: could not keep %s; served without keeping it", name)
        return False
    return True


def _remove_replaced(folder, slot, name):
    """Delete the slot's earlier PDFs (marker first, so that none is served half-deleted)."""
    try:
        _directories, names = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    current = name.rsplit("/", 1)[-1]
    old = [entry for entry in names if entry.startswith(f"{slot}-") and not entry.startswith(current)]
    for entry in sorted(old, key=lambda entry: not entry.endswith(".complete")):
        default_storage.delete(f"{folder}/{entry}")
    # Temporary files of _keep that a killed worker left (an hour: none is still being written).
    for entry in names:
        path = Path(default_storage.path(f"{folder}/{entry}"))
        if entry.startswith(f".{slot}-") and _age(path) > PARTIAL_MAX_AGE:
            path.unlink(missing_ok=True)


PARTIAL_MAX_AGE = 3600


def _age(path):
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return 0


def _remove_drafts_before(folder, submitted_at):
    """Delete the draft's PDFs (draft-* slots) kept before ``submitted_at``: the draft as it
    was then is now a round, whose own PDFs are kept (issue 8 review)."""
    try:
        _directories, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    drafts = [entry for entry in names if entry.startswith("draft-")]
    for entry in sorted(drafts, key=lambda entry: not entry.endswith(".complete")):
        path = Path(default_storage.path(f"{folder}/{entry}"))
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < submitted_at.timestamp():
                path.unlink()


def render_authorisation_letter(organisation, delegate, addressee):
    """The authorisation letter (法人授权委托书) of 单位注册审核, filled in from the registration.

    Always Chinese: it is signed and sealed, then uploaded with the business licence.
    """
    return render_pdf(
        "pdf/authorisation_letter.html",
        {"organisation": organisation, "delegate": delegate, "addressee": addressee},
    )


def authorisation_letter_file(organisation, delegate, addressee):
    """The letter as a binary file, kept per organisation (pdf-cache/letter-<pk>/) and keyed
    by what it is filled in with: asking again costs a file read, not a WeasyPrint render."""
    data = {
        "organisation": [organisation.pk, organisation.name, organisation.uscc],
        "delegate": [delegate.pk, delegate.full_name, delegate.phone, delegate.email],
        "addressee": str(addressee),
    }

    def build(output):
        output.write(render_authorisation_letter(organisation, delegate, addressee))
        return True

    return cached_pdf(None, "authorisation-letter", data, build, folder=f"letter-{organisation.pk}")
