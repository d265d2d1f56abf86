"""One policy basis everywhere: each page and PDF cites the edition that applies, and the
/policy/ page renders the measure as a document with an anchor per article."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from applications.editions import article_anchor, chinese_numeral, measure_document
from applications.enums import State
from applications.models import PolicyEdition
from applications.progress import next_step
from applications.steps import STEP_KEYS

from .factories import PolicyEditionFactory

# Every document number of the form 朔科发〔2021〕5号 / 测试〔2026〕1号 that a text cites.
CITED_NUMBER = re.compile(r"[\u4e00-\u9fff]+〔\d{4}〕\d+号")


def cited_numbers(text):
    return set(CITED_NUMBER.findall(text))


def lead_member_pk(application):
    return application.members.get(is_lead=True).pk


def pdf_text(body):
    assert body.startswith(b"%PDF-")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def newer_edition():
    """An edition in force since yesterday: after the files were submitted under ``world.edition``."""
    return PolicyEditionFactory(
        document_number="新版〔2026〕9号",
        name="朔州市产业技术创新战略联盟管理办法（新版）",
        effective_from=timezone.localdate() - datetime.timedelta(days=1),
    )


def test_a_files_pages_and_pdfs_cite_the_files_own_edition(world, client):
    application = world.application(State.RETURNED)  # submitted once, under world.edition
    newer = newer_edition()
    own = world.edition.document_number
    assert application.edition == world.edition
    client.force_login(world.applicant)
    pages = {
        "detail": client.get(reverse("applications:detail", args=[application.pk])),
        **{step: client.get(reverse("applications:step", args=[application.pk, step])) for step in STEP_KEYS},
        "member": client.get(
            reverse("applications:member_edit", args=[application.pk, lead_member_pk(application)])
        ),
    }
    client.force_login(world.unit)
    pages["review"] = client.get(reverse("review:detail", args=[application.pk]))
    for name, response in pages.items():
        page = response.content.decode()
        assert response.status_code == 200, name
        assert cited_numbers(page) == {own}, name
        assert f'data-policy-citation="{own}"' in page, name
    assert "规定的处理" in pages["submit"].content.decode(), "the declaration cites it too"

    client.force_login(world.applicant)
    draft_form = pdf_text(
        b"".join(client.get(reverse("applications:form_pdf", args=[application.pk])).streaming_content)
    )
    client.force_login(world.unit)
    form = pdf_text(
        b"".join(
            client.get(reverse("review:submission_pdf", args=[application.pk, 1, "form"])).streaming_content
        )
    )
    for text in (draft_form, form):
        assert cited_numbers(text) == {own}
        assert f"依据《{world.edition.name}》" in text.replace("\n", "")

    # Public pages cite the edition in force today.
    home = client.get("/").content.decode()
    assert f'data-policy-citation="{newer.document_number}"' in home


def test_a_drafts_pages_cite_the_edition_it_will_be_submitted_under(world, client):
    application = world.application(State.DRAFT)
    newer = newer_edition()
    client.force_login(world.applicant)
    for url in (
        reverse("applications:detail", args=[application.pk]),
        reverse("applications:step", args=[application.pk, "members"]),
        reverse("applications:member_edit", args=[application.pk, lead_member_pk(application)]),
    ):
        assert cited_numbers(client.get(url).content.decode()) == {newer.document_number}, url


def test_progress_texts_take_their_numbers_from_the_edition(world):
    world.edition.notice_days = 10
    world.edition.annual_report_due_month = 3
    world.edition.save()
    in_notice = world.application(State.APPROVED)
    in_notice.state = State.IN_NOTICE
    assert "公示 10 天" in next_step(in_notice).text
    in_notice.state = State.RECOGNIZED
    assert "每年 3 月底前" in next_step(in_notice).text


@pytest.mark.django_db
def test_home_page_states_the_numbers_of_the_edition_in_force(client, edition):
    edition.min_core_members = 8
    edition.notice_days = 5
    edition.annual_report_due_month = 3
    edition.save()
    page = client.get("/").content.decode()
    assert "核心成员不少于 8 家" in page
    assert "公示 5 天" in page
    assert "每年 3 月底前" in page
    assert f"现行依据：{edition.citation}" in page


def test_policy_page_renders_articles_as_headings_with_anchors(client, edition):
    measure_2021 = PolicyEdition.objects.get(document_number="朔科发〔2021〕5号")
    page = client.get(reverse("policy_edition", args=[measure_2021.pk])).content.decode()
    for number in range(1, 11):
        assert f'<section class="measure-article" id="art-{number}"' in page
        assert f'href="#art-{number}"' in page, "the table of articles links each"
    assert "第四条</a></h2>" in page
    assert "<p>（三）联盟核心成员不能少于6家,成员总数一般不超过15家。</p>" in page
    assert '<p class="measure-imprint">朔州市科学技术局办公室　2021年4月27日印发</p>' in page
    assert "不在有效期内" in page
    assert measure_2021.citation in page and "印发日期：2021-04-27" in page


def test_policy_page_shows_the_edition_in_force_and_lists_the_others(client, edition):
    page = client.get(reverse("policy")).content.decode()
    assert f'<h1 class="h3" id="measure-title">{edition.name}</h1>' in page
    assert "施行中" in page
    measure_2021 = PolicyEdition.objects.get(document_number="朔科发〔2021〕5号")
    assert f'href="{reverse("policy_edition", args=[measure_2021.pk])}"' in page


def test_a_demo_edition_says_plainly_that_it_is_a_demonstration(client, edition):
    edition.is_demo = True
    edition.save()
    page = client.get(reverse("policy")).content.decode()
    assert "不是市科技局正式发布的文件" in page


@pytest.mark.django_db
def test_policy_page_of_an_unknown_edition_is_404(client):
    assert client.get(reverse("policy_edition", args=[999999])).status_code == 404


def test_english_policy_page_uses_the_english_title_and_keeps_the_chinese_text(client, edition):
    client.cookies["django_language"] = "en"
    page = client.get(reverse("policy")).content.decode()
    assert edition.name_en in page
    assert '<div class="measure-text" lang="zh-Hans">' in page
    assert "The measure is published in Chinese" in page


def test_measure_document_reads_chapters_articles_and_signatures():
    text = (
        "某科发〔2030〕1号\n\n第一章　总则\n\n第一条 为了规范管理，制定本办法。\n"
        "第二十三条　本办法自发布之日起施行。\n（一）第一项；\n\n"
        "                朔州市科学技术局\n                2030年1月2日\n"
    )
    blocks = measure_document(text)
    assert [block["kind"] for block in blocks] == [
        "line",
        "chapter",
        "article",
        "article",
        "signature",
        "signature",
    ]
    assert blocks[1]["anchor"] == "ch-1" and blocks[1]["text"] == "总则"
    assert blocks[3]["anchor"] == "art-23"
    assert blocks[3]["paragraphs"] == ["本办法自发布之日起施行。", "（一）第一项；"]


@pytest.mark.parametrize(
    ("citation", "anchor"),
    [
        ("第四条第（三）项", "art-4"),
        ("Art. 5(2)", "art-5"),
        ("第十条", "art-10"),
        ("第三十二条", "art-32"),
        ("", ""),
    ],
)
def test_article_anchor_of_a_citation(citation, anchor):
    assert article_anchor(citation) == anchor


def test_chinese_numerals():
    assert [chinese_numeral(n) for n in ("一", "十", "十二", "二十", "九十九", "一百零三")] == [
        1,
        10,
        12,
        20,
        99,
        103,
    ]
