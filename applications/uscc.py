"""The unified social credit code (统一社会信用代码, USCC) of GB 32100-2015.

Art. 4(1) and 4(2) of 朔科发〔2021〕5号 require the lead unit and every member to be an
independent legal person; the USCC is how the portal identifies one. A code has 18
characters:

====== ========================================================================
 1     registration authority (登记管理部门代码): 9 is market regulation, 5 civil affairs, …
 2     organisation type (机构类别代码): with character 1, "92" is 个体工商户 (no legal person)
 3–8   division code (登记管理机关行政区划码, GB/T 2260) of the registering authority
 9–17  organisation code (主体标识码, GB 11714); character 17 is its check character
 18    check character of the whole code (mod 31)
====== ========================================================================
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015 alphabet: digits and upper-case letters except I, O, Z, S, V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES = {char: value for value, char in enumerate(USCC_ALPHABET)}
# Weight of character i (1-based) in the check of character 18: 3^(i-1) mod 31.
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
# GB 11714 weights over characters 9–16.
ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

SHUOZHOU_DIVISION_PREFIX = "1406"
# Division codes of Shuozhou. Codes of a registration never change, so the former
# 怀仁县 (140624, a city, 140681, since 2018) still appears on older licences.
SHUOZHOU_DIVISIONS = {
    "140600": "朔州市（市本级）",
    "140602": "朔城区",
    "140603": "平鲁区",
    "140621": "山阴县",
    "140622": "应县",
    "140623": "右玉县",
    "140624": "怀仁县（2018 年撤县设市前）",
    "140681": "怀仁市",
}
INDIVIDUAL_BUSINESS_TYPE = "92"

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―]+")


def normalize_uscc(value):
    """Full-width to half-width, spaces and hyphens removed, upper case.

    Applicants paste codes from scanned licences and Word files; ``１４０６`` and
    ``91 1406-00…`` are the same code as ``911406…``.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SEPARATORS.sub("", text).upper()


def org_code_check_char(body):
    """GB 11714 check character over the eight characters 9–16 of a USCC.

    Letters are valued A=10 … Z=35 (the full Latin alphabet, unlike the USCC table).
    """
    total = sum(_org_code_value(char) * weight for char, weight in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check_char(first17):
    """Check character 18 of GB 32100: mod 31 over the first 17 characters."""
    total = sum(USCC_VALUES[char] * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _org_code_value(char):
    if char.isdigit():
        return int(char)
    return ord(char) - ord("A") + 10


def validate_uscc(value):
    """Raise ``ValidationError`` unless ``value`` is a well-formed USCC.

    The message names the part that is wrong, so that the applicant knows what to fix on the
    code copied from the licence. The value is normalised first (:func:`normalize_uscc`).
    """
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位，现为 %(length)d 位。请对照营业执照或法人证书核对。")
            % {"length": len(code)},
            code="uscc_length",
        )
    for position, char in enumerate(code, start=1):
        if char not in USCC_VALUES:
            raise ValidationError(
                _(
                    "统一社会信用代码第 %(position)d 位“%(char)s”不是合法字符："
                    "只能使用数字和除 I、O、Z、S、V 以外的大写字母。"
                )
                % {"position": position, "char": char},
                code="uscc_character",
            )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("统一社会信用代码第 3–8 位（登记管理机关行政区划码）应全部为数字，现为“%(part)s”。")
            % {"part": code[2:8]},
            code="uscc_division",
        )
    expected17 = org_code_check_char(code[8:16])
    if code[16] != expected17:
        raise ValidationError(
            _(
                "统一社会信用代码第 17 位（组织机构代码校验码）应为“%(expected)s”，现为“%(actual)s”："
                "第 9–17 位可能有抄错的字符。"
            )
            % {"expected": expected17, "actual": code[16]},
            code="uscc_org_check",
        )
    expected18 = uscc_check_char(code[:17])
    if code[17] != expected18:
        raise ValidationError(
            _("统一社会信用代码第 18 位（校验码）不符：代码中有抄错的字符，请逐位核对。"),
            code="uscc_check",
        )
    return code


def is_valid_uscc(value):
    try:
        validate_uscc(value)
    except ValidationError:
        return False
    return True


def division_code(value):
    """Characters 3–8: the GB/T 2260 division of the registering authority."""
    return normalize_uscc(value)[2:8]


def division_name(value):
    return SHUOZHOU_DIVISIONS.get(division_code(value), "")


def is_registered_in_shuozhou(value):
    """Art. 4(1): registered in Shuozhou, judged from the division code (``1406…``).

    A company registered with the provincial authority carries 140000 although it may sit
    in Shuozhou; the eligibility rules then ask for its registered address instead.
    """
    return division_code(value).startswith(SHUOZHOU_DIVISION_PREFIX)


def is_legal_person(value):
    """False for 个体工商户 (type code 92), which is no independent legal person (Art. 4)."""
    return normalize_uscc(value)[:2] != INDIVIDUAL_BUSINESS_TYPE


def make_uscc(prefix8, body8):
    """Complete a code from its first 16 characters by computing both check characters.

    Used by the demo data and the tests, which need valid codes of chosen divisions.
    """
    body = normalize_uscc(body8)
    first17 = normalize_uscc(prefix8) + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)
