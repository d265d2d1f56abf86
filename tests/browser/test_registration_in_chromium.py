"""单位注册审核 in a real browser: the claimant sends, the unit of its district approves, at
phone width, in Chinese and English."""

import pytest

from applications.models import Organisation

from .test_site_in_chromium import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_registration_pages_fit_a_phone_and_the_unit_approves(world, live_server, browser, language):
    claimant = world.claimant()
    context = browser.new_context(viewport={"width": 375, "height": 812})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    widths = {}
    log_in(page, live_server, "claimant")
    page.wait_for_url(f"{live_server.url}/apply/")
    widths["dashboard"] = page.evaluate("document.documentElement.scrollWidth")
    page.goto(f"{live_server.url}/apply/registration/")
    widths["registration"] = page.evaluate("document.documentElement.scrollWidth")
    # The unit, in the same browser (log-out sits in the collapsed menu at this width).
    context.clear_cookies()
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    log_in(page, live_server, "unit-shuocheng")
    page.wait_for_url(f"{live_server.url}/review/")
    widths["unit dashboard"] = page.evaluate("document.documentElement.scrollWidth")
    # Each click loads a page: measured once it has (not while the old one unloads).
    with page.expect_navigation():
        page.click(".pending-registrations a")
    widths["registrations"] = page.evaluate("document.documentElement.scrollWidth")
    with page.expect_navigation():
        page.click(f"text={claimant.organisation.name}")
    widths["registration detail"] = page.evaluate("document.documentElement.scrollWidth")
    with page.expect_navigation():
        page.click("#decision-form .btn-success")
    context.close()
    assert widths == dict.fromkeys(widths, 375)
    assert Organisation.objects.get(pk=claimant.organisation_id).is_approved
