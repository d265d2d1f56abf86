"""Which edition of the measure applies (DESIGN.md: the numbers live in a policy edition)."""

import re

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import OrganisingUnit, PolicyEdition
from .uscc import division_code


class NoEditionInForce(Exception):
    """No edition of the measure is in force: open applications are not accepted."""

    def __init__(self, last=None):
        self.last = last
        if last is not None and last.effective_until:
            message = _(
                "%(citation)s已于 %(until)s 到期（第十条：有效期五年），"
                "新的办法施行前暂不受理新的申报。请关注市科技局发布的通知。"
            ) % {"citation": last.citation, "until": last.effective_until}
        else:
            message = _("目前没有施行中的政策版本，暂不受理新的申报。请关注市科技局发布的通知。")
        super().__init__(message)


def edition_in_force(on=None):
    """The edition in force on ``on`` (today in Asia/Shanghai); raises NoEditionInForce."""
    on = on or timezone.localdate()
    # The full text is for the /policy/ page only: a few pages of it are not read elsewhere.
    editions = PolicyEdition.objects.defer("full_text")
    edition = editions.in_force(on).order_by("-effective_from").first()
    if edition is None:
        raise NoEditionInForce(editions.filter(effective_from__lte=on).first())
    return edition


def edition_describing_the_rules(on=None):
    """The edition whose numbers public texts quote: the one in force, else the latest one
    on record, else the defaults of the 2021 measure."""
    try:
        return edition_in_force(on)
    except NoEditionInForce as closed:
        return closed.last or PolicyEdition.objects.defer("full_text").first() or PolicyEdition()


# Art. 10: staff are warned this many days before the edition in force expires.
EXPIRY_WARNING_DAYS = 90


def expiry_warning(on=None):
    """What staff are told of the measure's validity (Art. 10: 有效期五年) on ``on`` (today in
    Asia/Shanghai), or None: ``{"edition", "until", "days_left", "expired", "successor"}``
    from :data:`EXPIRY_WARNING_DAYS` days before the edition in force expires (its last day
    included), and once none is in force. ``successor`` is the next edition on record, if
    any, whose ``earlier_recognitions_continue`` says whether the alliances recognised
    before keep their status."""
    on = on or timezone.localdate()
    editions = PolicyEdition.objects.defer("full_text")
    try:
        edition = edition_in_force(on)
    except NoEditionInForce as closed:
        edition = closed.last
        if edition is None or edition.effective_until is None:
            return None
        expired = True
    else:
        if edition.effective_until is None or (edition.effective_until - on).days > EXPIRY_WARNING_DAYS:
            return None
        expired = False
    successor = editions.filter(effective_from__gt=edition.effective_from).order_by("effective_from").first()
    return {
        "edition": edition,
        "until": edition.effective_until,
        "days_left": max((edition.effective_until - on).days, 0),
        "expired": expired,
        "successor": successor,
    }


def suggested_organising_unit(uscc):
    """Art. 5: suggest the organising unit from the division code of the lead unit's USCC."""
    code = division_code(uscc)
    for unit in OrganisingUnit.objects.filter(is_active=True):
        if code in unit.division_code_list:
            return unit
    return None


# The measure's own numbering: 第四条, 第十条, 第二十三条, 第一章.
_NUMERALS = "零一二三四五六七八九"
_ARTICLE = re.compile(r"^第([零一二三四五六七八九十百]+)条[\s\u3000]*(.*)$")
_CHAPTER = re.compile(r"^第([零一二三四五六七八九十百]+)章[\s\u3000]*(.*)$")
_ARTICLE_CITED = re.compile(r"第([零一二三四五六七八九十百]+)条|Art\.\s*(\d+)")
# A line indented this far is a signature or a date, set flush right in the original.
_SIGNATURE_INDENT = 8
_ENDS_A_SENTENCE = tuple("。：；，、")


def chinese_numeral(text):
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 一百零三 → 103 (article and chapter numbers)."""
    total, current = 0, 0
    for char in text:
        if char in _NUMERALS:
            current = _NUMERALS.index(char)
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def article_anchor(citation):
    """The anchor of the article a citation names: "第四条第（三）项" and "Art. 4(3)" → "art-4"."""
    found = _ARTICLE_CITED.search(str(citation))
    if not found:
        return ""
    return f"art-{chinese_numeral(found.group(1)) if found.group(1) else int(found.group(2))}"


def measure_document(text):
    """The measure's text as blocks for the /policy/ page: the notice that issues it, then its
    chapters and articles as headings with anchors (``#art-4``) so that findings can link to
    the article they cite.

    Each block is ``{"kind", "text", …}``: ``line`` (a centred heading line of the notice or of
    the title), ``para``, ``signature`` (flush right), ``imprint`` (the 版记 at the foot),
    ``chapter`` and ``article`` (with ``anchor``, ``number`` and ``paragraphs``).
    """
    blocks = []
    article = None
    for raw in text.splitlines():
        line = raw.strip(" \t\u3000")
        if not line:
            continue
        indent = len(raw) - len(raw.lstrip(" \t\u3000"))
        if found := _CHAPTER.match(line):
            article = None
            number = chinese_numeral(found.group(1))
            blocks.append(
                {
                    "kind": "chapter",
                    "anchor": f"ch-{number}",
                    "number": line[: found.end(1) + 1],
                    "text": found.group(2),
                }
            )
        elif found := _ARTICLE.match(line):
            number = chinese_numeral(found.group(1))
            article = {
                "kind": "article",
                "anchor": f"art-{number}",
                "number": line[: found.end(1) + 1],
                "paragraphs": [found.group(2)] if found.group(2) else [],
            }
            blocks.append(article)
        elif line.endswith("印发") and _looks_like_date(line):
            # The imprint (版记): who printed it and when, ruled off at the foot.
            blocks.append({"kind": "imprint", "text": re.sub(r"[\s\u3000]{2,}", "　", line)})
        elif indent >= _SIGNATURE_INDENT or (article and _looks_like_date(line)):
            article = None
            blocks.append({"kind": "signature", "text": re.sub(r"[\s\u3000]{2,}", "　", line)})
        elif article is not None:
            article["paragraphs"].append(line)
        elif len(line) <= 40 and not line.endswith(_ENDS_A_SENTENCE) and not line.startswith("（"):
            blocks.append({"kind": "line", "text": line})
        else:
            blocks.append({"kind": "para", "text": line})
    return blocks


def _looks_like_date(line):
    return bool(re.search(r"\d{4}年\d{1,2}月\d{1,2}日", line)) and len(line) <= 40
