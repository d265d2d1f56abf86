import pytest

from applications.enums import State

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit].btn-danger")


def test_applicant_logs_in_sees_own_files_and_switches_to_english(world, live_server, page):
    application = world.application(State.RETURNED)
    world.application(lead_unit=world.other_organisation)

    log_in(page, live_server, "applicant")
    page.wait_for_url(f"{live_server.url}/apply/")
    assert page.locator("h1").inner_text().startswith("我的申报")
    rows = page.locator("tbody tr.application-row")
    assert rows.count() == 1
    assert application.name in rows.first.inner_text()
    assert "退回修改" in rows.first.inner_text()

    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("My applications")
    assert "Returned for revision" in page.locator("tbody tr.application-row").first.inner_text()
    # The strict Content-Security-Policy holds: nothing on the page was refused.
    assert page.console_errors == []


def test_menu_works_on_a_phone_under_the_content_security_policy(world, live_server, page):
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, live_server, "applicant")
    page.wait_for_url(f"{live_server.url}/apply/")
    menu_link = page.get_by_role("link", name="办理流程")
    assert not menu_link.is_visible()
    page.click(".navbar-toggler")
    menu_link.wait_for(state="visible")
    menu_link.click()
    page.wait_for_url(f"{live_server.url}/review/lifecycle/")
    assert page.locator("svg.lifecycle-svg g.node").count() == len(State)
    # The diagram keeps a readable size and scrolls sideways in its own box, not the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator(".lifecycle-scroll").evaluate("box => box.scrollWidth > box.clientWidth")
    assert page.console_errors == []


def test_applicant_uploads_a_new_version_and_submits_in_the_browser(world, live_server, page, tmp_path):
    from applications.demo import sample_pdf
    from applications.models import Application

    application = world.application(complete=True)
    scan = tmp_path / "联盟协议-盖章版.pdf"
    scan.write_bytes(sample_pdf(2))

    log_in(page, live_server, "applicant")
    page.wait_for_url(f"{live_server.url}/apply/")
    page.goto(f"{live_server.url}/apply/{application.pk}/edit/documents/")
    slot = page.locator("#slot-agreement")
    slot.locator("input[type=file]").set_input_files(str(scan))
    slot.locator("form.upload-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "已上传“联盟协议-盖章版.pdf”（2 页）" in page.locator(".alert-success").inner_text()
    assert "较早的 1 个版本" in page.locator("#slot-agreement").inner_text()

    page.goto(f"{live_server.url}/apply/{application.pk}/edit/submit/")
    button = page.locator("form.action-submit button[type=submit]")
    assert button.is_enabled()
    page.check("#declared-submit")
    button.click()
    page.wait_for_url(f"{live_server.url}/apply/{application.pk}/")
    assert "待组织单位审核" in page.locator(".next-step").inner_text() or "朔城区" in page.inner_text("body")
    assert Application.objects.get(pk=application.pk).state == State.SUBMITTED
    assert page.console_errors == []
