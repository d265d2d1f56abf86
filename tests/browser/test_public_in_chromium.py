"""The public side on a 375 px phone (issue 10): a citizen reads the open notice, objects to
one alliance in real name and gets a receipt number; the notice, the form, the receipt and the
directory never scroll sideways."""

import datetime

import pytest
from django.utils import timezone

from applications.enums import State
from review import notices
from review.models import Objection, ObjectionStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_citizen_objects_on_a_phone_and_gets_a_receipt(world, live_server, browser, language):
    files = [world.application(State.APPROVED) for _ in range(2)]
    notice = notices.create(world.staff, files)
    notices.publish(notice, world.staff)
    context = browser.new_context(viewport={"width": 375, "height": 812})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    widths = {}

    page.goto(f"{live_server.url}/notices/{notice.pk}/")
    widths["notice"] = page.evaluate("document.documentElement.scrollWidth")
    page.locator(".objection-link").nth(1).click()
    widths["form"] = page.evaluate("document.documentElement.scrollWidth")
    page.locator("input[name=kind][value=person]").check()
    page.fill("input[name=name]", "王建国")
    page.fill("input[name=employer]", "朔州市某机械制造有限公司")
    page.fill("input[name=phone]", "139 0000 1234")
    page.fill("textarea[name=grounds]", "联盟所列成员单位中，有一家未参与协议签署。")
    page.locator("input[name=pledge]").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/notices/{notice.pk}/items/*/objection/receipt/")
    widths["receipt"] = page.evaluate("document.documentElement.scrollWidth")
    receipt = page.locator("main").inner_text()
    page.goto(f"{live_server.url}/alliances/")
    widths["directory"] = page.evaluate("document.documentElement.scrollWidth")
    context.close()

    objection = Objection.objects.get()
    assert objection.item.application == files[1]
    assert (objection.name, objection.status) == ("王建国", ObjectionStatus.PENDING)
    assert objection.receipt_number in receipt
    assert timezone.now() - objection.created_at < datetime.timedelta(minutes=1)
    assert widths == dict.fromkeys(widths, 375)
