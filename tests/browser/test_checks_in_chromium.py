"""The check lists on a 375 px phone: the organising unit confirms and forwards, the bureau
fills in its formal checklist, with no sideways scrolling and nothing refused by the CSP."""

import pytest

from applications.enums import State
from review import checks

from .test_site_in_chromium import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    yield page
    context.close()


def test_the_unit_confirms_and_forwards_on_a_phone(world, live_server, phone):
    application = world.application(State.SUBMITTED)
    log_in(phone, live_server, "unit-shuocheng")
    phone.wait_for_url(f"{live_server.url}/review/")

    phone.goto(f"{live_server.url}/review/applications/{application.pk}/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    phone.check("#id_unit-legal_person_licences_0")
    phone.check("#id_unit-seals_0")
    phone.fill("#id_unit-seals_note", "协议签章页齐全")
    with phone.expect_navigation():
        phone.click("#unit-checks button[type=submit]")
    phone.fill("#id_forward-comment", "材料齐全，同意报市科技局。")
    with phone.expect_navigation():
        phone.click(".action-forward button[type=submit]")

    assert width == 375
    assert "当前状态：待市科技局形式审查" in phone.inner_text("body")
    application.refresh_from_db()
    assert application.state == State.FORWARDED
    assert phone.console_errors == []


def test_the_bureau_fills_in_its_checklist_on_a_phone(world, live_server, phone):
    application = world.application(State.FORWARDED)
    log_in(phone, live_server, "staff")
    phone.wait_for_url(f"{live_server.url}/review/")

    phone.goto(f"{live_server.url}/review/applications/{application.pk}/")
    phone.check("#id_formal-materials_complete_0")
    phone.check("#id_formal-charter_1")
    phone.fill("#id_formal-charter_note", "未上传联盟章程的盖章页")
    with phone.expect_navigation():
        phone.click("#formal-checks button[type=submit]")
    width = phone.evaluate("document.documentElement.scrollWidth")

    assert width == 375
    assert "形式审查清单已保存（2 项有改动）" in phone.inner_text("body")
    standing = checks.standing(checks.FORMAL, application)
    assert {item: check.passed for item, check in standing.items()} == {
        "materials_complete": True,
        "charter": False,
    }
    assert phone.console_errors == []
