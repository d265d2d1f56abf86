"""The generated PDFs: Chinese text that can be extracted back (so the CJK font was embedded),
the member table and seal boxes, and the dossier's merged documents and bookmarks."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from applications.enums import State
from applications.models import DocumentVersion


def pdf_text(reader):
    return "".join(page.extract_text() for page in reader.pages)


def read(response):
    """The PDF of a response, or of the bytes a view gave ``rendered_pdfs`` (conftest)."""
    if isinstance(response, bytes):
        body = response
    elif hasattr(response, "content") and not response.streaming:
        body = response.content
    else:
        body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(body))


@pytest.fixture
def complete(world, client):
    client.force_login(world.applicant)
    return world.application(complete=True)


# The form and the dossier are rendered once, for the tests that only read them.
def test_application_form_carries_the_chinese_alliance_name_and_every_member(rendered_pdfs):
    complete = rendered_pdfs.draft
    reader = read(rendered_pdfs.form)
    text = pdf_text(reader)
    assert complete.name in text
    for member in complete.members.all():
        assert member.name in text
        assert member.uscc in text
    assert "申 请 书" in text and "承诺书" in text and "组织单位审核意见" in text
    assert "草稿（尚未提交，仅供核对）" in text, "a draft's form says it is a draft"
    # A seal box for each member: "法定代表人（签字）" once per member, plus the declaration's.
    assert text.count("（单位公章）") == complete.members.count()
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert any("CJK" in font for font in fonts), fonts


def test_dossier_merges_the_form_and_every_document_with_bookmarks(rendered_pdfs):
    complete = rendered_pdfs.draft
    reader = read(rendered_pdfs.dossier)
    text = pdf_text(reader)
    assert complete.name in text
    for member in complete.members.all():
        assert member.name in text
    form_pages = len(read(rendered_pdfs.form).pages)
    versions = DocumentVersion.objects.filter(document__application=complete)
    assert len(reader.pages) == form_pages + sum(v.page_count for v in versions)
    outline = reader.outline
    titles = [item.title for item in outline if not isinstance(item, list)]
    assert titles[:4] == [
        "联盟申请书（系统生成）",
        "联盟申请书（签字盖章扫描件）",
        "联盟协议（全体成员签署）",
        "联盟章程",
    ]
    assert "营业执照或法人证书（加盖公章）" in titles
    licences = outline[titles.index("营业执照或法人证书（加盖公章）") + 1]
    assert [item.title for item in licences] == [m.name for m in complete.members.all()]


def test_reviewers_get_the_dossier_of_the_submitted_round(rendered_pdfs):
    application = rendered_pdfs.submitted
    reader = read(rendered_pdfs.round_dossier)
    text = pdf_text(reader)
    assert application.name in text
    assert "第 1 轮提交" in text


def test_form_renders_chinese_with_the_shipped_font_where_fonttools_subsets(world, monkeypatch):
    """Without libharfbuzz-subset0 WeasyPrint subsets with fontTools, and the PDFs use the
    shipped font prepared for it, even where the system has Noto CJK (issue 7, item 13)."""
    from fontTools.subset import Subsetter

    from applications import pdf
    from applications.submissions import application_data

    # What WeasyPrint found when it loaded, on a machine without the library.
    monkeypatch.setattr("weasyprint.pdf.fonts.harfbuzz_subset", None)
    subset_by_fonttools = []
    subset = Subsetter.subset

    def counted(subsetter, font):
        subset_by_fonttools.append(font)
        return subset(subsetter, font)

    monkeypatch.setattr(Subsetter, "subset", counted)
    application = world.application(complete=True)
    reader = PdfReader(io.BytesIO(pdf.render_form(application_data(application))))
    text = pdf_text(reader)
    assert application.name in text and application.lead_unit.name in text
    for member in application.members.all():
        assert member.name in text
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts == {"Portal-CJK-Fallback", "Portal-CJK-Fallback-Bold"}, fonts
    assert subset_by_fonttools


def test_dossier_still_builds_when_a_stored_file_is_missing(complete, client, private_media):
    from applications.enums import DocumentKind

    charter = DocumentVersion.objects.get(document__application=complete, document__kind=DocumentKind.CHARTER)
    (private_media / charter.file.name).unlink()
    (private_media / charter.cleaned.name).unlink()
    response = client.get(reverse("applications:dossier_pdf", args=[complete.pk]))
    reader = read(response)
    text = pdf_text(reader)
    assert "文件缺失" in text and charter.original_name in text
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "联盟章程" in titles
    # The single file answers 404, not 500.
    assert client.get(reverse("applications:file", args=[complete.pk, charter.pk])).status_code == 404


def test_a_rounds_dossier_is_built_once_and_kept(world, client, private_media):
    from applications.enums import DocumentKind

    application = world.application(State.SUBMITTED)
    client.force_login(world.unit)
    url = reverse("review:submission_pdf", args=[application.pk, 1, "dossier"])
    first = pdf_text(read(client.get(url)))
    (kept,) = (private_media / "pdf-cache" / str(application.pk)).glob("round1-dossier-*.pdf")
    assert (kept.parent / f"{kept.name}.complete").is_file()
    # Even with a stored document gone since, the round's dossier is the one built then.
    charter = DocumentVersion.objects.get(
        document__application=application, document__kind=DocumentKind.CHARTER
    )
    (private_media / charter.file.name).unlink()
    (private_media / charter.cleaned.name).unlink()
    again = pdf_text(read(client.get(url)))
    assert "文件缺失" not in again and again == first


def test_a_dossier_with_a_document_left_out_is_not_kept(world, client, private_media):
    from applications.enums import DocumentKind

    application = world.application(State.SUBMITTED)
    charter = DocumentVersion.objects.get(
        document__application=application, document__kind=DocumentKind.CHARTER
    )
    (private_media / charter.cleaned.name).unlink()
    client.force_login(world.unit)
    url = reverse("review:submission_pdf", args=[application.pk, 1, "dossier"])
    assert "文件缺失" in pdf_text(read(client.get(url)))
    assert not list((private_media / "pdf-cache").glob("*/round1-dossier-*"))


def test_a_rounds_form_keeps_the_chinese_declaration_of_an_english_speaking_submitter(world, client):
    from django.utils.translation import override

    application = world.application(complete=True)
    with override("en"):
        from applications.enums import Action
        from applications.workflow import transition

        transition(application, Action.SUBMIT, world.applicant, declared=True)
    submission = application.submissions.get()
    assert submission.declaration.startswith("本单位郑重承诺")
    client.force_login(world.unit)
    text = pdf_text(read(client.get(reverse("review:submission_pdf", args=[application.pk, 1, "form"]))))
    assert "本单位郑重承诺" in text


def test_a_submitted_files_form_is_its_rounds_with_its_date_and_no_draft_stamp(world, client):
    # A name long enough that the browser's line breaking would split it mid-word ("…战略联/盟").
    name = "朔州市粉煤灰综合利用与固废资源化高值化利用产业技术创新战略联盟"
    application = world.application(State.SUBMITTED, name=name)
    submission = application.submissions.get()
    client.force_login(world.applicant)
    reader = read(client.get(reverse("applications:form_pdf", args=[application.pk])))
    cover = reader.pages[0].extract_text()
    assert "草稿" not in pdf_text(reader)
    submitted = timezone.localtime(submission.submitted_at)
    assert f"申报日期{submitted.year}年{submitted.month}月{submitted.day}日" in cover.replace(
        " ", ""
    ).replace("\n", "")
    assert f"第 1 轮提交 · 提交于 {submitted:%Y-%m-%d %H:%M}" in cover
    # The name is set whole, on lines broken where it reads well.
    assert "朔州市粉煤灰综合利用与固废资源化高值化利用\n产业技术创新战略联盟" in cover
