import re
from pathlib import Path

import polib
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def test_english_catalogue_is_complete():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert len(po) > 200
    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []


def test_compiled_catalogue_matches_its_source():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    source = {(e.msgctxt, e.msgid): e.msgstr for e in po.translated_entries()}
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo if e.msgid}
    assert compiled == source, "run `make messages` to recompile locale/en/LC_MESSAGES/django.mo"


def test_english_messages_keep_their_placeholders():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    for entry in po.translated_entries():
        # A plural entry keeps its English forms in msgstr_plural, not msgstr.
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for flag in ("python-format", "python-brace-format"):
            if flag in entry.flags:
                names = sorted(set(re.findall(r"%\((\w+)\)", entry.msgid + (entry.msgid_plural or ""))))
                for translation in translations:
                    assert sorted(set(re.findall(r"%\((\w+)\)", translation))) == names, entry.msgid


# Chinese punctuation that has no place in English text (the ideographic space included).
FULL_WIDTH = re.compile(r"[：，。；（）！？、“”‘’《》【】〔〕「」　]")


def test_english_catalogue_has_no_full_width_punctuation():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    offending = []
    for entry in po.translated_entries():
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        offending += [(entry.msgid, text) for text in translations if FULL_WIDTH.search(text)]
        # A contraction split by spaces ("can ’ t") is a machine-translation scar.
        offending += [(entry.msgid, text) for text in translations if re.search(r"\w ['’] \w", text)]
    assert offending == []


# What a template says outside a translated string is the same in both languages.
TRANSLATED = re.compile(
    r"{%\s*blocktranslate\b.*?{%\s*endblocktranslate\s*%}|{%\s*translate\s+(\"[^\"]*\"|'[^']*').*?%}"
    r"|_\(\"[^\"]*\"\)|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}",
    re.S,
)


def test_templates_put_no_chinese_punctuation_outside_translated_strings():
    templates = Path(settings.BASE_DIR) / "templates"
    offending = []
    for path in sorted(templates.rglob("*.*")):
        if path.relative_to(templates).parts[0] == "pdf":
            continue  # the official forms are Chinese whatever the reader's language
        untranslated = TRANSLATED.sub("", path.read_text(encoding="utf-8"))
        lines = untranslated.splitlines()
        offending += [(path.name, line.strip()) for line in lines if FULL_WIDTH.search(line)]
    assert offending == []
