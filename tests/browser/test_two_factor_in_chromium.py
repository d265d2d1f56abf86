import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .test_site_in_chromium import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def current_code(device, steps_ahead=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{totp.token():06d}"


def test_staff_sets_up_two_factor_and_logs_in_with_a_code(world, live_server, page):
    log_in(page, live_server, "staff")
    page.wait_for_url(f"{live_server.url}/review/")
    page.get_by_role("link", name="两步验证").click()
    # Each form loads a page: read once it has (not while the old one is still shown).
    with page.expect_navigation():
        page.click("form.two-factor-start button[type=submit]")
    # The QR code is an SVG drawn by the server, shown under the strict CSP (data: images).
    qr = page.locator("img.two-factor-qr")
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")
    device = TOTPDevice.objects.get(user=world.staff)
    page.fill("#id_otp_token", current_code(device))
    with page.expect_navigation():
        page.click("form.two-factor-confirm button[type=submit]")
    assert "已启用" in page.locator(".two-factor-status").inner_text()

    page.click("form[action='/accounts/logout/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    log_in(page, live_server, "staff")
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/verify/?next=%2Fdashboard%2F")
    # Each code is good once: the one the enrolment used is spent, so take the authenticator's
    # next one (a code 30 seconds early is accepted, as clocks drift).
    device.refresh_from_db()
    page.fill("#id_otp_token", current_code(device, steps_ahead=1))
    page.click("form.two-factor-verify button[type=submit]")
    page.wait_for_url(f"{live_server.url}/review/")
    assert page.console_errors == []
