"""The PDFs' CJK font by whether HarfBuzz can subset fonts, and the start-up warning where it
cannot (issue 7, item 13). What is mocked is only what WeasyPrint found when it loaded
(``weasyprint.pdf.fonts.harfbuzz_subset``) and what fontconfig lists."""

import io
import logging

import pytest
from pypdf import PdfReader

from applications import pdf, pdf_fonts


@pytest.fixture
def weasyprint_fonts():
    import weasyprint.pdf.fonts

    return weasyprint.pdf.fonts


@pytest.fixture
def without_harfbuzz_subset(monkeypatch, weasyprint_fonts):
    """As on a machine without libharfbuzz-subset0; WeasyPrint's own notice left as it was."""
    monkeypatch.setattr(weasyprint_fonts, "harfbuzz_subset", None)
    yield
    logging.getLogger("weasyprint").removeFilter(pdf_fonts.SUBSETTER_NOTICE)


@pytest.mark.parametrize(
    ("harfbuzz_subset", "system_font", "expected"),
    [
        (True, True, None),
        (True, False, pdf.FALLBACK_FONT),
        (False, True, pdf.FALLBACK_FONT),
        (False, False, pdf.FALLBACK_FONT),
    ],
)
def test_pdfs_use_the_system_noto_cjk_only_where_harfbuzz_subsets_it(
    monkeypatch, weasyprint_fonts, harfbuzz_subset, system_font, expected
):
    library = (weasyprint_fonts.harfbuzz_subset or object()) if harfbuzz_subset else None
    monkeypatch.setattr(weasyprint_fonts, "harfbuzz_subset", library)
    monkeypatch.setattr(pdf, "system_has_cjk_font", lambda: system_font)
    assert pdf.cjk_font() == expected


def test_the_start_up_probe_finds_what_weasyprint_found(weasyprint_fonts):
    # The probe runs before WeasyPrint is loaded (loading it costs a second or two).
    harfbuzz = weasyprint_fonts.harfbuzz
    found = bool(weasyprint_fonts.harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))
    assert pdf_fonts.harfbuzz_subset_loadable() == found


def test_start_up_warns_once_what_to_install_where_fonttools_would_subset(without_harfbuzz_subset, caplog):
    with caplog.at_level(logging.INFO):
        assert pdf_fonts.warn_if_slow_subsetter()
        # A notice page: its fonts subset by fontTools, without a word per font in the log.
        notice = PdfReader(io.BytesIO(pdf.notice_page("联盟章程.pdf", "文件缺失")))
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert "apt-get install libharfbuzz-subset0" in caplog.records[0].getMessage()
    assert "联盟章程.pdf" in notice.pages[0].extract_text()
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for font in notice.pages[0]["/Resources"]["/Font"].values()
    }
    # Never the system's Noto CJK, which fontTools takes seconds to subset.
    assert fonts == {"Portal-CJK-Fallback", "Portal-CJK-Fallback-Bold"}, fonts


def test_start_up_says_nothing_where_harfbuzz_subsets(monkeypatch, weasyprint_fonts, caplog):
    monkeypatch.setattr(weasyprint_fonts, "harfbuzz_subset", weasyprint_fonts.harfbuzz_subset or object())
    with caplog.at_level(logging.INFO):
        assert not pdf_fonts.warn_if_slow_subsetter()
    assert caplog.records == []
