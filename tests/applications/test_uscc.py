import pytest
from django.core.exceptions import ValidationError

from applications.uscc import (
    USCC_ALPHABET,
    division_code,
    is_legal_person,
    is_registered_in_shuozhou,
    make_uscc,
    normalize_uscc,
    uscc_check_char,
    validate_uscc,
)

# Codes published on the licences and websites of the organisations themselves.
PUBLISHED = [
    "91350100M000100Y43",  # GB 32100-2015's own example, letters in characters 9 and 16
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "91110000802100433B",  # 北京百度网讯科技有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91110000710932101M",  # 中国石油天然气集团有限公司
    "91440300MA5H0HLK5U",  # a Shenzhen company: letters in characters 9–16
    "91133100MA0D8N1J7G",  # a Hebei company: letters in characters 9–16
]


@pytest.mark.parametrize("code", PUBLISHED)
def test_validate_uscc_published_code_passes(code):
    assert validate_uscc(code) == code


def test_published_codes_include_letters_in_characters_9_to_16():
    assert any(any(c.isalpha() for c in code[8:16]) for code in PUBLISHED)


@pytest.mark.parametrize("code", PUBLISHED)
def test_validate_uscc_every_single_character_change_fails(code):
    # Every other character of the alphabet, and a few outside it, at every position.
    replacements = USCC_ALPHABET + "IOZSV*"
    for position in range(18):
        for char in replacements:
            if char == code[position]:
                continue
            changed = code[:position] + char + code[position + 1 :]
            with pytest.raises(ValidationError):
                validate_uscc(changed)


def test_validate_uscc_position_17_error_is_caught_with_its_own_message():
    valid = "91350100M000100Y43"
    # Wrong character 17, with character 18 recomputed so that only the GB 11714 check fails.
    first17 = valid[:16] + ("5" if valid[16] != "5" else "6")
    code = first17 + uscc_check_char(first17)
    with pytest.raises(ValidationError) as refusal:
        validate_uscc(code)
    assert refusal.value.code == "uscc_org_check"
    assert "第 17 位" in refusal.value.messages[0]
    assert "应为“4”" in refusal.value.messages[0]


def test_validate_uscc_full_width_input_is_normalised():
    full_width = "９１３５０１００Ｍ０００１００Ｙ４３"
    assert normalize_uscc(full_width) == "91350100M000100Y43"
    assert validate_uscc(full_width) == "91350100M000100Y43"


def test_normalize_uscc_strips_spaces_hyphens_and_lowercase():
    assert normalize_uscc(" 9135 0100-m000 100y43 ") == "91350100M000100Y43"
    assert normalize_uscc("91350100—M000100Y43") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("9135010M000100Y43", "uscc_length", "现为 17 位"),
        ("91350100I000100Y43", "uscc_character", "第 9 位“I”"),
        ("9135A100M000100Y43", "uscc_division", "第 3–8 位"),
        ("91350100M000100Y44", "uscc_check", "第 18 位"),
    ],
)
def test_validate_uscc_message_names_the_wrong_part(value, code, words):
    with pytest.raises(ValidationError) as refusal:
        validate_uscc(value)
    assert refusal.value.code == code
    assert words in refusal.value.messages[0]


def test_division_code_and_shuozhou():
    shuozhou = make_uscc("91140602", "MA0K3A1B")
    huairen_old = make_uscc("91140624", "12345678")
    province = make_uscc("91140000", "MA0K3A1B")
    assert division_code(shuozhou) == "140602"
    assert is_registered_in_shuozhou(shuozhou)
    assert is_registered_in_shuozhou(huairen_old)
    assert not is_registered_in_shuozhou(province)
    assert not is_registered_in_shuozhou("914403001922038216")


def test_is_legal_person_false_for_individual_business():
    individual = make_uscc("92140602", "MA0K3A1B")
    validate_uscc(individual)
    assert not is_legal_person(individual)
    assert is_legal_person(make_uscc("91140602", "MA0K3A1B"))
    assert is_legal_person(make_uscc("12140600", "12345678"))


def test_make_uscc_produces_valid_codes():
    for body in ["00000000", "MA0K3A1B", "Y0000001", "MA000123"]:
        code = make_uscc("91140602", body)
        assert validate_uscc(code) == code


@pytest.mark.django_db
def test_admin_normalises_the_uscc_before_checking_it_is_unique(client):
    from django.urls import reverse

    from applications.enums import Role
    from applications.models import Organisation

    from ..factories import UserFactory

    client.force_login(UserFactory(role=Role.ADMIN))
    # Only an approved organisation holds its code (单位注册审核).
    Organisation.objects.create(
        uscc="91350100M000100Y43", name="甲", org_type="enterprise", registration_status="approved"
    )
    page = client.post(
        reverse("admin:applications_organisation_add"),
        {"uscc": "9135 0100-m000 100y43", "name": "乙", "org_type": "enterprise", "registered_address": ""},
    ).content.decode()
    assert Organisation.objects.count() == 1
    assert "该统一社会信用代码已有审核通过的单位" in page
    client.post(
        reverse("admin:applications_organisation_add"),
        {"uscc": "9144 0300 1922 0382 16", "name": "丙", "org_type": "enterprise", "registered_address": ""},
    )
    assert Organisation.objects.filter(uscc="914403001922038216").exists()
