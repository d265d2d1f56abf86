"""What an uploaded PDF may cost (review of issue 8, item 2): files past the object, parse and
content limits are refused before they cost much, a page copies only the resources a page
uses, real documents pass; generated PDFs are kept whole and draft ones do not outlive the
draft; a stored PDF no cleaned copy can be made of opens as a notice, never a 500."""

import io

import img2pdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from applications import documents
from applications.demo import sample_pdf
from applications.enums import DocumentKind, State
from applications.models import DocumentVersion
from applications.workflow import route
from tests.applications.pdf_files import junk_trailer_pdf, many_objects_pdf, one_huge_object_pdf

from .test_documents import stored_files, upload, versions

REPRINT = "请用“打印为 PDF”重新生成，或重新扫描后上传。"


@pytest.fixture
def draft(world, client):
    client.force_login(world.applicant)
    return world.application()


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def text_of(pdf):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_pdf_with_too_many_objects_is_refused_from_its_table(draft, client, settings, private_media):
    settings.PORTAL_PDF_MAX_OBJECTS = 1_000
    content = many_objects_pdf(1_500, per_array=1_000)
    page = upload(client, draft, "协议.pdf", content).content.decode()
    assert f"PDF 文件“协议.pdf”内部含有 1505 个对象，超过 1000 个的上限，未保存。{REPRINT}" in page
    assert versions(draft) == [] and stored_files(private_media) == []


def test_a_trailer_too_large_to_parse_is_refused_as_the_file_is_opened(
    draft, client, settings, private_media
):
    """pypdf reads the trailer when it opens a file: that too is within the parse budget."""
    settings.PORTAL_PDF_MAX_PARSED_ITEMS = 20_000
    page = upload(client, draft, "协议.pdf", junk_trailer_pdf(200_000)).content.decode()
    assert f"PDF 文件“协议.pdf”的内部结构过于复杂，超过系统可以安全处理的上限，未保存。{REPRINT}" in page
    assert versions(draft) == [] and stored_files(private_media) == []


def test_resources_no_page_uses_are_not_copied():
    """Only the resource kinds a page can use are copied: the 300 objects hung on /Junk stay out."""
    content = many_objects_pdf(300, per_array=100)
    inspection = documents.inspect(SimpleUploadedFile("协议.pdf", content), DocumentKind.AGREEMENT)
    cleaned = PdfReader(io.BytesIO(inspection.cleaned))
    assert "/Junk" not in cleaned.pages[0]["/Resources"]
    assert sum(len(numbers) for numbers in cleaned.xref.values()) + len(cleaned.xref_objStm) < 10


def test_one_object_too_large_to_parse_is_refused(draft, client, settings, private_media):
    """A single object of 180,000 numbers (20 MB would hold ten million) is not read through."""
    settings.PORTAL_PDF_MAX_PARSED_ITEMS = 20_000
    page = upload(client, draft, "协议.pdf", one_huge_object_pdf(180_000)).content.decode()
    assert f"PDF 文件“协议.pdf”的内部结构过于复杂，超过系统可以安全处理的上限，未保存。{REPRINT}" in page
    assert versions(draft) == [] and stored_files(private_media) == []


def test_page_content_that_inflates_past_the_limit_is_refused(settings):
    settings.PORTAL_PDF_MAX_CONTENT_BYTES = 1024 * 1024
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    content = DecodedStreamObject()
    content.set_data(b"0 0 m 1 1 l S\n" * 150_000)  # 2.1 MB that deflates to a few KB
    page[NameObject("/Contents")] = writer._add_object(content.flate_encode())
    buffer = io.BytesIO()
    writer.write(buffer)
    assert len(buffer.getvalue()) < 50_000
    with pytest.raises(documents.UploadRefused, match="内部结构过于复杂"):
        documents.inspect(SimpleUploadedFile("协议.pdf", buffer.getvalue()), DocumentKind.AGREEMENT)


def test_a_60_page_scan_and_the_demo_documents_pass_the_limits():
    jpeg = io.BytesIO()
    Image.effect_noise((827, 1169), 40).convert("RGB").save(jpeg, "JPEG", quality=30)
    scan = img2pdf.convert([jpeg.getvalue()] * 60)
    inspection = documents.inspect(SimpleUploadedFile("协议.pdf", scan), DocumentKind.AGREEMENT)
    assert inspection.page_count == 60 and len(PdfReader(io.BytesIO(inspection.cleaned)).pages) == 60
    form = documents.inspect(SimpleUploadedFile("申请书.pdf", sample_pdf(100)), DocumentKind.FORM)
    assert form.page_count == 100


# Generated PDFs kept whole --------------------------------------------------------------------


def kept(private_media, application, pattern):
    return sorted((private_media / "pdf-cache" / str(application.pk)).glob(pattern))


def test_a_pdf_left_without_its_marker_is_replaced_and_then_kept(world, client, private_media):
    """A worker killed between the PDF and its marker left a file: the next build replaces it."""
    application = world.application(complete=True)
    client.force_login(world.applicant)
    url = reverse("applications:form_pdf", args=[application.pk])
    first = body(client.get(url))
    (pdf,) = kept(private_media, application, "draft-form-*.pdf")
    marker = pdf.with_name(f"{pdf.name}.complete")
    marker.unlink()
    pdf.write_bytes(first[: len(first) // 2])  # half written
    again = body(client.get(url))
    assert text_of(again) == text_of(first)
    assert marker.is_file() and pdf.read_bytes() == again
    assert kept(private_media, application, "draft-form-*") == [pdf, marker]
    assert not kept(private_media, application, ".*")  # no temporary file left


def test_a_drafts_pdfs_go_once_its_round_is_kept(world, client, private_media):
    application = world.application(complete=True)
    client.force_login(world.applicant)
    body(client.get(reverse("applications:form_pdf", args=[application.pk])))
    assert len(kept(private_media, application, "draft-form-*")) == 2
    world.drive(application, route(State.SUBMITTED))
    body(client.get(reverse("applications:form_pdf", args=[application.pk])))
    assert kept(private_media, application, "draft-*") == []
    assert len(kept(private_media, application, "round1-form-*")) == 2


def test_the_authorisation_letter_is_rendered_once_per_content(world, client, monkeypatch, private_media):
    claimant = world.claimant(send=False)
    client.force_login(claimant)
    url = reverse("applications:authorisation_letter")
    first = client.get(url)
    assert first["Content-Disposition"].startswith("attachment")

    def no_render(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr("applications.pdf.render_pdf", no_render)
    assert client.get(url).content == first.content
    claimant.phone = "13900000000"
    claimant.save()
    with pytest.raises(AssertionError, match="rendered again"):
        client.get(url)


# A stored PDF no cleaned copy can be made of ----------------------------------------------------


@pytest.fixture
def uncleanable(world, client):
    """A version stored before cleaned copies were kept, whose upload pypdf cannot copy."""
    application = world.application(complete=True)
    client.force_login(world.applicant)
    version = DocumentVersion.objects.get(
        document__application=application, document__kind=DocumentKind.CHARTER
    )
    with version.file.open("wb") as stored:
        stored.write(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    DocumentVersion.objects.filter(pk=version.pk).update(cleaned="")
    version.refresh_from_db()
    return version


def test_a_version_no_cleaned_copy_can_be_made_of_opens_as_a_notice(uncleanable, client):
    application = uncleanable.document.application
    response = client.get(reverse("applications:file", args=[application.pk, uncleanable.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(body(response)).replace("\n", "")
    assert "文件无法在线查看" in text and uncleanable.original_name in text and "请下载原件查看" in text
    dossier = text_of(body(client.get(reverse("applications:dossier_pdf", args=[application.pk]))))
    assert "文件无法合并" in dossier


def test_backfill_makes_the_missing_cleaned_copies_once(uncleanable, world):
    application = uncleanable.document.application
    agreement = DocumentVersion.objects.get(
        document__application=application, document__kind=DocumentKind.AGREEMENT
    )
    DocumentVersion.objects.filter(pk=agreement.pk).update(cleaned="")
    out = io.StringIO()
    call_command("backfill_cleaned_copies", "--dry-run", stdout=out)
    assert "would make 2 cleaned copies" in out.getvalue()
    assert DocumentVersion.objects.filter(content_type="application/pdf", cleaned="").count() == 2
    out = io.StringIO()
    call_command("backfill_cleaned_copies", stdout=out)
    assert "made 1 cleaned copy" in out.getvalue()
    assert (
        f"no cleaned copy can be made (opens as a notice page): DocumentVersion {uncleanable.pk}"
        in out.getvalue()
    )
    agreement.refresh_from_db()
    assert agreement.cleaned.name.startswith("cleaned/")
    out = io.StringIO()
    call_command("backfill_cleaned_copies", stdout=out)
    assert "made 0 cleaned copies" in out.getvalue()


def test_a_scans_page_is_made_once_at_upload_and_the_dossier_only_merges_it(draft, client, monkeypatch):
    """Converting a large image takes seconds (second review: ten 7000×7000 PNGs of 190 KB made
    each draft dossier GET take 16 s): the page is made at upload and kept as the version's
    cleaned copy; building the dossier converts nothing."""
    from applications import pdf_clean
    from applications.demo import sample_png

    upload(client, draft, "章程.png", sample_png(), kind=DocumentKind.CHARTER)
    (version,) = versions(draft, DocumentKind.CHARTER)
    with version.cleaned.open("rb") as stream:
        assert len(PdfReader(stream).pages) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("an image converted while the dossier is built")

    monkeypatch.setattr(pdf_clean, "image_pdf", refuse)
    monkeypatch.setattr(documents, "image_pdf", refuse)
    dossier = body(client.get(reverse("applications:dossier_pdf", args=[draft.pk])))
    assert len(PdfReader(io.BytesIO(dossier)).pages) >= 2  # the form, then the charter's page
