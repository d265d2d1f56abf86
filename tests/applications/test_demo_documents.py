"""The demo's uploaded documents look like what they stand for (issue 7, item 5).

They are scans: no text to extract. What is drawn is checked through what each drawing
reports it drew, and what a reader sees through the pixels: pages that are not blank, red
seals where the paper is sealed.
"""

import io
import shutil
import subprocess

import pytest
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader

from applications import demo_documents
from applications.enums import DocumentKind
from applications.models import DocumentVersion

A4_POINTS = (595, 842)


@pytest.fixture
def complete(world):
    return world.application(complete=True)


def red_pixels(image):
    red, green, blue = image.convert("RGB").split()
    red = red.point(lambda value: 255 if value > 150 else 0)
    green = green.point(lambda value: 255 if value < 110 else 0)
    blue = blue.point(lambda value: 255 if value < 110 else 0)
    return ImageChops.multiply(ImageChops.multiply(red, green), blue).histogram()[255]


def squashed(texts):
    """The drawn text as one string without spaces: a line may break where a space was."""
    return "".join("".join(texts).split())


def test_agreement_names_the_alliance_each_member_its_code_goals_and_task(complete):
    text = squashed(demo_documents.agreement(complete).texts)
    assert f"{complete.name}协议" in text
    assert squashed(complete.innovation_goals) in text
    for member in complete.members.all():
        assert member.name in text and member.uscc in text and squashed(member.task) in text
    assert "签署页" in text
    assert text.count("（单位盖章）") == complete.members.count()


def test_charter_names_the_alliance_and_its_lead_unit_in_chapters(complete):
    text = squashed(demo_documents.charter(complete).texts)
    assert f"{complete.name}章程" in text
    assert f"由牵头单位{complete.lead_unit.name}担任" in text
    assert "第一章　总　　则" in "".join(demo_documents.charter(complete).texts)
    assert "第二十一条" in text


def test_signed_form_cover_names_the_alliance_lead_unit_and_edition(complete):
    texts = demo_documents.signed_form(complete).texts
    text = squashed(texts)
    assert complete.name in text and complete.lead_unit.uscc in text
    assert squashed(complete.edition.document_number) in text
    assert "承　诺　书" in texts


def test_demo_file_uploads_are_the_drawn_documents(complete):
    versions = DocumentVersion.objects.filter(document__application=complete)
    agreement = versions.get(document__kind=DocumentKind.AGREEMENT)
    assert agreement.content_type == "application/pdf"
    assert agreement.page_count == demo_documents.agreement(complete).pages >= 2
    licences = versions.filter(document__kind=DocumentKind.LICENCE)
    assert licences.count() == complete.members.count()
    assert {(v.content_type, v.width, v.height) for v in licences} == {
        ("image/jpeg", *demo_documents.LICENCE_SIZE)
    }


@pytest.mark.parametrize("drawing", ["agreement", "charter", "signed_form"])
def test_demo_pdf_is_a4_with_an_image_on_every_page(complete, drawing):
    drawn = getattr(demo_documents, drawing)(complete)
    reader = PdfReader(io.BytesIO(drawn.data), strict=True)
    assert len(reader.pages) == drawn.pages
    assert "演示材料" in reader.metadata.title
    for page in reader.pages:
        assert [round(value) for value in page.mediabox[2:]] == list(A4_POINTS)
        # The first image of a page is printed text in grey, not a blank strip.
        printed = page.images[0].image
        assert printed.mode == "L" and ImageStat.Stat(printed).stddev[0] > 10


PDFTOPPM = shutil.which("pdftoppm")


@pytest.mark.skipif(PDFTOPPM is None, reason="needs pdftoppm (Debian's poppler-utils)")
def test_demo_pdf_pages_show_text_and_the_signature_page_red_seals(complete, tmp_path):
    (tmp_path / "agreement.pdf").write_bytes(demo_documents.agreement(complete).data)
    subprocess.run(
        [PDFTOPPM, "-r", "20", "-png", str(tmp_path / "agreement.pdf"), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == demo_documents.agreement(complete).pages
    for path in pages:
        with Image.open(path) as page:
            ink = sum(page.convert("L").histogram()[:200])
            assert ink > page.width * page.height * 0.02, path.name
    with Image.open(pages[0]) as first, Image.open(pages[-1]) as signatures:
        # Each member's seal, a 40 mm ring of red (about 140 pixels at 20 dpi); none on page 1.
        assert red_pixels(first) == 0
        assert red_pixels(signatures) > 100 * complete.members.count()


def test_licence_shows_the_members_name_code_and_seals(complete):
    enterprise = complete.members.get(name="应县新型建材股份有限公司")
    university = complete.members.get(name="朔州职业技术学院")
    for member, title in [(enterprise, "营业执照"), (university, "事业单位法人证书")]:
        drawn = demo_documents.licence(member)
        assert demo_documents.licence_title(member.uscc) == title
        assert {member.name, member.uscc} <= set(drawn.texts)
        with Image.open(io.BytesIO(drawn.data)) as image:
            assert (image.format, image.size) == ("JPEG", demo_documents.LICENCE_SIZE)
            assert ImageStat.Stat(image.convert("L")).stddev[0] > 20
            # Two round seals: the registration authority's and the holder's own.
            assert red_pixels(image) > 5000


def test_licence_of_the_same_unit_is_drawn_once(world, complete):
    other = world.application(complete=True)
    member = complete.members.get(name="朔州职业技术学院")
    same = other.members.get(name="朔州职业技术学院")
    assert demo_documents.licence(member) is demo_documents.licence(same)


def test_character_missing_from_the_font_is_drawn_as_a_box():
    def drawn(text):
        return demo_documents.text_block(((0, 0, text, 22, False),)).raster.data

    assert drawn("王堃") == drawn("王□")
    assert drawn("王坤") != drawn("王□")


def test_revised_agreement_says_so_under_its_title(complete):
    texts = demo_documents.agreement(complete, revision="补充各成员单位任务分工").texts
    assert texts[:2] == (f"{complete.name}协议", "（修订稿：补充各成员单位任务分工）")
