"""The expert stage's pages at 375 px (no sideways scrolling of the page itself; the panel's
table scrolls in its own box), and an expert declaring and scoring in a real browser."""

import pytest

from ..review.helpers import panel_of, submit
from .test_site_in_chromium import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def page_widths(context, live_server, username, paths):
    page = context.new_page()
    log_in(page, live_server, username)
    page.wait_for_url(f"{live_server.url}/review/")
    widths = {}
    for name, path in paths.items():
        page.goto(f"{live_server.url}{path}")
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
    page.close()
    return widths


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_expert_stage_fits_a_375_px_phone(world, live_server, browser, language):
    application, (first, second, _third) = panel_of(world, declared=True)
    submit(second, [20, 18.5, 15, 22])
    context = browser.new_context(viewport={"width": 375, "height": 812})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])

    staff = page_widths(
        context,
        live_server,
        "staff",
        {
            "pool": "/review/experts/",
            "new expert": "/review/experts/new/",
            "assignments": f"/review/applications/{application.pk}/experts/",
            "panel": f"/review/applications/{application.pk}/panel/",
            "file": f"/review/applications/{application.pk}/",
        },
    )
    context.clear_cookies()
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    expert = page_widths(
        context,
        live_server,
        first.expert.user.username,
        {
            "dashboard": "/review/",
            "file": f"/review/applications/{application.pk}/",
            "score sheet": f"/review/applications/{application.pk}/score/",
        },
    )
    context.close()

    assert staff == dict.fromkeys(staff, 375)
    assert expert == dict.fromkeys(expert, 375)


def test_an_expert_declares_then_scores_and_submits(world, live_server, page):
    application, (assignment, *_rest) = panel_of(world, declared=False)
    log_in(page, live_server, assignment.expert.user.username)
    page.wait_for_url(f"{live_server.url}/review/")

    page.click(f"text={application.name}")
    page.check("#id_declared")
    with page.expect_navigation():
        page.click("text=作出声明并查看申报材料")
    with page.expect_navigation():
        page.click("text=开始评分")
    for code, value in [
        ("innovation_activity", "20"),
        ("innovation_performance", "18.5"),
        ("industry_service", "15"),
        ("operation", "22"),
    ]:
        page.fill(f"#id_score_{code}", value)
        page.fill(f"#id_comment_{code}", "情况说明清楚。")
    page.fill("#id_opinion", "建议认定。")
    page.select_option("#id_recommendation", "recommend")
    with page.expect_navigation():
        page.click("button[value=submit]")

    assert "评审意见已提交并锁定" in page.content()
    assert page.console_errors == []
    assignment.refresh_from_db()
    assert assignment.review.is_submitted
    assert str(assignment.review.scores.get(aspect__code="innovation_performance").score) == "18.5"
