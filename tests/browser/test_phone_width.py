"""Every page of the site frame is usable at 375 px: no sideways scrolling of the page itself
(a wide table stacks into cards or scrolls inside its own box)."""

import pytest

from applications.enums import State

from .test_site_in_chromium import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_fit_a_375_px_phone(world, live_server, browser, language):
    draft = world.application(name="朔州市粉煤灰综合利用与固废资源化产业技术创新战略联盟")
    returned = world.application(State.RETURNED)
    context = browser.new_context(viewport={"width": 375, "height": 812})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    widths = {}
    page.goto(f"{live_server.url}/")
    widths["home"] = page.evaluate("document.documentElement.scrollWidth")
    log_in(page, live_server, "applicant")
    page.wait_for_url(f"{live_server.url}/apply/")
    for name, path in {
        "dashboard": "/apply/",
        "draft detail": f"/apply/{draft.pk}/",
        "returned detail": f"/apply/{returned.pk}/",
        "members step": f"/apply/{draft.pk}/edit/members/",
        "basics step": f"/apply/{draft.pk}/edit/basics/",
        "policy": "/policy/",
        "messages": "/accounts/messages/",
        "not found": "/apply/no-such-page/",
    }.items():
        page.goto(f"{live_server.url}{path}")
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        if name == "dashboard":
            # Stacked, not squeezed: each alliance name has the width of the card, not of a column.
            name_box = page.locator(".applications-table th[scope=row]").first.bounding_box()
            assert name_box["width"] > 300
    context.close()
    assert widths == dict.fromkeys(widths, 375)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_work_list_fits_a_375_px_phone(world, live_server, browser, language):
    """The filters stack, the table becomes cards, the pages and exports wrap (issue 9, §9)."""
    world.application(State.SUBMITTED, name="朔州市粉煤灰综合利用与固废资源化产业技术创新战略联盟")
    world.application(State.FORWARDED)
    context = browser.new_context(viewport={"width": 375, "height": 812})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    log_in(page, live_server, "staff")
    page.wait_for_url(f"{live_server.url}/review/")
    widths = {"list": page.evaluate("document.documentElement.scrollWidth")}
    name_box = page.locator(".worklist-table th[scope=row]").first.bounding_box()
    search_box = page.locator("#id_q").bounding_box()
    # A search too long and a state that is none: both named beside their fields.
    page.goto(f"{live_server.url}/review/?state=nonsense&q={'联' * 101}")
    widths["with errors"] = page.evaluate("document.documentElement.scrollWidth")
    errors = page.locator(".invalid-feedback:visible").count()
    context.close()
    assert widths == dict.fromkeys(widths, 375)
    # Stacked: each field and each file has the width of the page, not of a column.
    assert name_box["width"] > 300 and search_box["width"] > 300
    assert errors == 2
