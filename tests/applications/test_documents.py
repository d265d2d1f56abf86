"""Uploads (DESIGN.md "Documents"): judged by content, limited while streaming, kept private."""

import io
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter

from applications import documents
from applications.demo import sample_pdf, sample_png
from applications.enums import DocumentKind, State
from applications.models import DocumentVersion


def upload(client, application, name, content, *, kind=DocumentKind.AGREEMENT, **extra):
    return client.post(
        reverse("applications:upload", args=[application.pk]),
        {"kind": kind, "back": "documents", "file": SimpleUploadedFile(name, content), **extra},
        follow=True,
    )


def versions(application, kind=DocumentKind.AGREEMENT):
    return list(DocumentVersion.objects.filter(document__application=application, document__kind=kind))


@pytest.fixture
def draft(world, client):
    client.force_login(world.applicant)
    return world.application()


def encrypted_pdf():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="", owner_password="secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_pdf_upload_is_stored_privately_under_a_random_name_with_its_page_count(draft, client, private_media):
    page = upload(client, draft, "联盟协议.pdf", sample_pdf(3)).content.decode()
    (version,) = versions(draft)
    assert "已上传“联盟协议.pdf”（3 页）" in page
    assert version.page_count == 3 and version.content_type == "application/pdf"
    assert "联盟协议" not in version.file.name and version.file.name.endswith(".pdf")
    assert (private_media / version.file.name).is_file()
    served = client.get(reverse("applications:file", args=[draft.pk, version.pk]))
    assert b"".join(served.streaming_content) == sample_pdf(3)
    assert served["Content-Type"] == "application/pdf"
    assert "private" in served["Cache-Control"]


def test_image_upload_gets_a_preview(draft, client):
    upload(client, draft, "scan.png", sample_png(), kind=DocumentKind.CHARTER)
    (version,) = versions(draft, DocumentKind.CHARTER)
    assert (version.width, version.height) == (400, 560)
    preview = client.get(reverse("applications:preview", args=[draft.pk, version.pk]))
    assert preview["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(preview.streaming_content))) as image:
        assert max(image.size) <= 480


def test_png_renamed_to_pdf_is_refused_with_a_clear_message(draft, client):
    page = upload(client, draft, "协议.pdf", sample_png()).content.decode()
    assert "扩展名是 .pdf，但内容是 PNG 格式" in page
    assert versions(draft) == []


def test_file_that_is_neither_pdf_nor_image_is_refused(draft, client):
    page = upload(client, draft, "协议.pdf", b"PK\x03\x04 a zip or docx file").content.decode()
    assert "内容不是 PDF、JPEG 或 PNG" in page
    page = upload(client, draft, "协议.docx", sample_pdf()).content.decode()
    assert "只接受 PDF、JPEG 或 PNG" in page
    assert versions(draft) == []


def test_image_over_the_pixel_limit_is_refused(draft, client, settings):
    settings.PORTAL_IMAGE_MAX_PIXELS = 100_000
    page = upload(client, draft, "scan.png", sample_png(size=(400, 300))).content.decode()
    # 120,000 pixels: over the limit, and the message says by how much.
    assert "为 400×300 像素，超过 10 万像素的上限" in page
    assert versions(draft) == []
    upload(client, draft, "scan.png", sample_png(size=(300, 300)))
    assert len(versions(draft)) == 1


def claiming(image_bytes, width, height):
    """``image_bytes`` (a small PNG or JPEG) with a header that claims ``width``×``height``."""
    import struct
    import zlib

    if image_bytes.startswith(b"\x89PNG"):
        ihdr = b"IHDR" + struct.pack(">II", width, height) + image_bytes[24:29]
        return (
            image_bytes[:8]
            + struct.pack(">I", 13)
            + ihdr
            + struct.pack(">I", zlib.crc32(ihdr))
            + image_bytes[33:]
        )
    start = image_bytes.index(b"\xff\xc0")  # baseline SOF: length, precision, height, width
    return image_bytes[: start + 5] + struct.pack(">HH", height, width) + image_bytes[start + 9 :]


@pytest.mark.parametrize("name", ["scan.png", "scan.jpg"])
def test_a_decompression_bomb_is_refused_with_the_size_it_claims(draft, client, name):
    if name.endswith(".png"):
        small = sample_png()
    else:
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), "#f5efe0").save(buffer, "JPEG")
        small = buffer.getvalue()
    page = upload(client, draft, name, claiming(small, 65000, 65000)).content.decode()
    assert "为 65000×65000 像素，超过 5000 万像素的上限" in page
    assert versions(draft) == []


def test_truncated_image_is_refused(draft, client):
    page = upload(client, draft, "scan.png", sample_png()[:300]).content.decode()
    assert "已损坏或不完整" in page
    assert versions(draft) == []


def test_encrypted_pdf_is_refused(draft, client):
    page = upload(client, draft, "协议.pdf", encrypted_pdf()).content.decode()
    assert "已加密" in page
    assert versions(draft) == []


def test_damaged_pdf_is_refused(draft, client):
    page = upload(client, draft, "协议.pdf", b"%PDF-1.7\n this is not a pdf").content.decode()
    assert "无法读取 PDF 文件" in page
    assert versions(draft) == []


def test_refused_upload_leaves_the_earlier_version_in_place(draft, client):
    upload(client, draft, "第一版.pdf", sample_pdf())
    upload(client, draft, "第二版.pdf", encrypted_pdf())
    (version,) = versions(draft)
    assert version.original_name == "第一版.pdf"
    served = client.get(reverse("applications:file", args=[draft.pk, version.pk]))
    assert b"".join(served.streaming_content) == sample_pdf()


def test_new_version_keeps_the_earlier_one(draft, client):
    upload(client, draft, "第一版.pdf", sample_pdf())
    page = upload(client, draft, "第二版.pdf", sample_pdf(2)).content.decode()
    assert [v.original_name for v in versions(draft)] == ["第一版.pdf", "第二版.pdf"]
    assert "较早的 1 个版本" in page


class StreamedMultipart:
    """A multipart body produced chunk by chunk, as a slow client would send it."""

    def __init__(self, boundary, fields, filename, size):
        head = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        )
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
        )
        self.parts = [head.encode(), size, f"\r\n--{boundary}--\r\n".encode()]
        self.length = len(self.parts[0]) + size + len(self.parts[2])
        self.position = 0

    def readline(self, size=-1):
        raise AssertionError("multipart bodies are read in chunks, not lines")

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.length - self.position
        out = bytearray()
        while size > 0 and self.position < self.length:
            head, body = len(self.parts[0]), self.parts[1]
            if self.position < head:
                chunk = self.parts[0][self.position : self.position + size]
            elif self.position < head + body:
                chunk = b"0" * min(size, head + body - self.position)
            else:
                offset = self.position - head - body
                chunk = self.parts[2][offset : offset + size]
            out += chunk
            self.position += len(chunk)
            size -= len(chunk)
        return bytes(out)


def test_file_over_the_size_limit_is_refused_while_streaming(draft, client, settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024 * 1024
    size = 40 * 1024 * 1024
    body = StreamedMultipart("BoUnDaRy", {"kind": "agreement", "back": "documents"}, "大文件.pdf", size)
    tracemalloc.start()
    try:
        response = client.generic(
            "POST",
            reverse("applications:upload", args=[draft.pk]),
            **{
                "wsgi.input": body,
                "CONTENT_LENGTH": str(body.length),
                "CONTENT_TYPE": "multipart/form-data; boundary=BoUnDaRy",
            },
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert body.position == body.length  # the whole request was read …
    assert peak < 8 * 1024 * 1024  # … but never held: 40 MB streamed through a few MB
    page = client.get(response["Location"]).content.decode()
    assert "文件“大文件.pdf”超过 1.0 MB 的大小上限，未保存" in page
    assert versions(draft) == []


def test_submitted_version_is_never_deleted(world, client):
    application = world.application(State.SUBMITTED)
    frozen = DocumentVersion.objects.filter(document__application=application)
    assert frozen.exists() and all(v.is_frozen for v in frozen)
    with pytest.raises(documents.UploadRefused):
        documents.discard_version(frozen.first())
    assert DocumentVersion.objects.filter(document__application=application).count() == frozen.count()


def test_removing_a_submitted_other_material_hides_it_but_keeps_its_history(world, client):
    application = world.application(State.RETURNED)
    other = DocumentVersion.objects.filter(document__application=application).first().document
    other.kind = DocumentKind.OTHER
    other.title = "会议纪要"
    other.save()
    client.force_login(world.applicant)
    client.post(reverse("applications:document_remove", args=[application.pk, other.pk]))
    other.refresh_from_db()
    assert other.removed_at is not None
    assert other.versions.exists()


def test_uploads_to_a_submitted_file_are_refused(world, client):
    application = world.application(State.SUBMITTED)
    client.force_login(world.applicant)
    before = DocumentVersion.objects.count()
    page = upload(client, application, "新协议.pdf", sample_pdf()).content.decode()
    assert "已不能修改" in page
    assert DocumentVersion.objects.count() == before


def test_posted_ids_that_are_not_numbers_answer_404(draft, client):
    for data in ({"kind": "licence", "member": "abc"}, {"kind": "other", "document": "1 OR 1=1"}):
        response = client.post(
            reverse("applications:upload", args=[draft.pk]),
            {**data, "file": SimpleUploadedFile("a.pdf", sample_pdf())},
        )
        assert response.status_code == 404
    assert versions(draft, DocumentKind.LICENCE) == []


def test_uploads_need_the_csrf_token(world):
    from django.test import Client

    application = world.application()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.applicant)
    response = client.post(
        reverse("applications:upload", args=[application.pk]),
        {"kind": "agreement", "file": SimpleUploadedFile("a.pdf", sample_pdf())},
    )
    assert response.status_code == 403
    assert versions(application) == []


def test_a_file_uploaded_by_mistake_can_be_deleted_before_submission(
    draft, client, private_media, django_capture_on_commit_callbacks
):
    upload(client, draft, "正确的协议.pdf", sample_pdf())
    upload(client, draft, "传错的文件.pdf", sample_pdf(2))
    wrong = versions(draft)[-1]
    stored = private_media / wrong.file.name
    assert stored.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("applications:version_delete", args=[draft.pk, wrong.pk]), follow=True
        ).content.decode()
    assert "已删除“传错的文件.pdf”" in page
    assert [v.original_name for v in versions(draft)] == ["正确的协议.pdf"]
    assert not stored.exists()


def test_a_submitted_version_cannot_be_deleted_after_a_return(world, client):
    application = world.application(State.RETURNED)
    client.force_login(world.applicant)
    frozen = DocumentVersion.objects.filter(document__application=application).first()
    page = client.post(
        reverse("applications:version_delete", args=[application.pk, frozen.pk]), follow=True
    ).content.decode()
    assert "已提交过的材料版本不能删除" in page
    assert DocumentVersion.objects.filter(pk=frozen.pk).exists()


def test_a_refused_other_material_keeps_its_typed_name(draft, client):
    response = upload(
        client, draft, "会议纪要.pdf", encrypted_pdf(), kind=DocumentKind.OTHER, title="联盟成立大会纪要"
    )
    page = response.content.decode()
    assert "已加密" in page
    assert 'value="联盟成立大会纪要"' in page
    assert versions(draft, DocumentKind.OTHER) == []


# Pages per document kind (issue 8, item 2) -------------------------------------------------


def many_pages_pdf(pages, *, claimed=None):
    """A PDF of ``pages`` pages in a few hundred KB: one page object listed ``pages`` times in
    the page tree, whose /Count says ``claimed`` (the truth by default)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [%s] >>" % (claimed or pages, b"3 0 R " * pages),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return body


def stored_files(private_media):
    return [path for path in private_media.rglob("*") if path.is_file()]


def test_pdf_of_50000_pages_is_refused_by_its_page_count(draft, client, private_media):
    page = upload(client, draft, "协议.pdf", many_pages_pdf(50_000)).content.decode()
    assert "PDF 文件“协议.pdf”有 50000 页，超过“联盟协议（全体成员签署）”最多 60 页的限制，未保存。" in page
    assert versions(draft) == [] and stored_files(private_media) == []


def test_pdf_whose_page_count_lies_is_refused_without_listing_its_pages(draft, client, private_media):
    """/Count says 1 while the tree lists 50,000 pages: the walk stops at the limit."""
    content = many_pages_pdf(50_000, claimed=1)
    page = upload(client, draft, "协议.pdf", content).content.decode()
    assert "PDF 文件“协议.pdf”的页数超过“联盟协议（全体成员签署）”最多 60 页的限制，未保存。" in page
    assert versions(draft) == [] and stored_files(private_media) == []


def test_pages_are_limited_per_document_kind(draft, client, settings):
    member = draft.members.get()
    licence = {"kind": DocumentKind.LICENCE, "member": member.pk, "back": "members"}
    page = upload(client, draft, "执照.pdf", sample_pdf(5), **licence).content.decode()
    assert "有 5 页，超过“营业执照或法人证书（加盖公章）”最多 4 页的限制" in page
    assert versions(draft, DocumentKind.LICENCE) == []
    upload(client, draft, "执照.pdf", sample_pdf(2), **licence)
    assert [v.page_count for v in versions(draft, DocumentKind.LICENCE)] == [2]
    settings.PORTAL_DOCUMENT_MAX_PAGES = {**settings.PORTAL_DOCUMENT_MAX_PAGES, "agreement": 2}
    page = upload(client, draft, "协议.pdf", sample_pdf(3)).content.decode()
    assert "有 3 页，超过“联盟协议（全体成员签署）”最多 2 页的限制" in page


def test_other_materials_are_limited_in_number(draft, client, settings):
    settings.PORTAL_OTHER_DOCUMENTS_MAX = 1
    other = {"kind": DocumentKind.OTHER}
    upload(client, draft, "纪要.pdf", sample_pdf(), title="成立大会纪要", **other)
    page = upload(client, draft, "纪要2.pdf", sample_pdf(), title="第二份", **other).content.decode()
    assert "其他材料最多 1 项" in page
    assert len(versions(draft, DocumentKind.OTHER)) == 1


def test_materials_together_stay_within_the_dossier_limit(draft, client, settings):
    """A new version takes its slot's place in the total; a file that would take the newest
    materials past the limit is refused with the total and the limit, and nothing is stored."""
    pdf = sample_pdf()
    settings.PORTAL_DOSSIER_MAX_BYTES = 2 * len(pdf) + len(pdf) // 2
    upload(client, draft, "协议.pdf", pdf)
    upload(client, draft, "章程.pdf", pdf, kind=DocumentKind.CHARTER)
    # Replacing the agreement: the old version no longer counts.
    upload(client, draft, "协议-修改.pdf", pdf)
    assert len(versions(draft)) == 2
    page = upload(client, draft, "纪要.pdf", pdf, kind=DocumentKind.OTHER, title="会议纪要").content.decode()
    assert "超过全套材料" in page and "的上限" in page
    assert versions(draft, DocumentKind.OTHER) == []
