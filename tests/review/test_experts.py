"""The expert pool and assignment (Art. 6): suggestions, conflicts of interest, the 回避声明,
deadlines, and what an expert may open."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications.enums import Action, Activity, Role, State
from applications.models import Industry
from applications.uscc import make_uscc
from applications.workflow import TABLE, GuardFailed, transition
from review import checks
from review import experts as pool
from review.enums import AssignmentStatus
from review.experts import AssignmentRefused
from review.models import Assignment, Expert
from review.worklist import overdue_flags

from ..factories import ApplicationFactory, UserFactory, expert, log_in
from .helpers import panel_of, submit

MEMBER_USCC = make_uscc("12140600", "MB0A1001")  # 朔州职业技术学院, a member of every world file


def staff_client(client):
    log_in(client, "staff")
    return client


def expert_client(client, username):
    client.logout()
    log_in(client, username)
    return client


# The pool ---------------------------------------------------------------------------------------


def test_staff_add_an_expert_and_find_them_by_employer(world, client):
    staff_client(client)
    industry = Industry.objects.get(code="new-materials")

    response = client.post(
        reverse("review:expert_new"),
        {
            "name": "韩立平",
            "title": "教授",
            "affiliation": "中北大学",
            "affiliation_uscc": "",
            "fields": "粉煤灰综合利用；固废资源化",
            "industries": [industry.pk],
            "phone": "0351-3920000",
            "email": "han@example.com",
            "user": "",
            "is_active": "on",
        },
    )
    listed = client.get(reverse("review:experts"), {"q": "中北"}).content.decode()
    elsewhere = client.get(reverse("review:experts"), {"q": "清华"}).content.decode()

    assert response.status_code == 302
    saved = Expert.objects.get(name="韩立平")
    assert list(saved.industries.all()) == [industry]
    assert saved.user is None  # listed before the account exists
    assert "韩立平" in listed and "未关联" in listed
    assert "韩立平" not in elsewhere and "没有符合条件的专家" in elsewhere


def test_a_bad_employer_code_keeps_what_was_typed(world, client):
    staff_client(client)

    response = client.post(
        reverse("review:expert_new"),
        {
            "name": "韩立平",
            "affiliation": "中北大学",
            "affiliation_uscc": "91140602MA0K3A1BX",
            "is_active": "on",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "统一社会信用代码应为 18 位，现为 17 位。" in page
    assert 'value="韩立平"' in page and 'value="中北大学"' in page
    assert not Expert.objects.filter(name="韩立平").exists()


def test_an_overlong_field_is_refused_with_its_length(world, client):
    staff_client(client)

    response = client.post(
        reverse("review:expert_new"), {"name": "韩" * 61, "affiliation": "中北大学", "is_active": "on"}
    )

    assert "最多 60 字，现为 61 字" in response.content.decode()
    assert not Expert.objects.exists()


def test_the_account_offered_is_an_unlinked_experts(world, client):
    linked = expert("linked-expert")
    staff_client(client)

    page = client.get(reverse("review:expert_new")).content.decode()

    assert "expert1" in page  # the world's expert has no profile yet
    assert "linked-expert" not in page
    assert linked.user.username not in page


@pytest.mark.parametrize("rows", [1, 50])
def test_the_pool_list_takes_the_same_queries_for_1_and_50_experts(
    world, client, django_assert_num_queries, rows
):
    industries = list(Industry.objects.all()[:3])
    for n in range(rows):
        expert(f"pool{n}", industries=industries)
    staff_client(client)

    with django_assert_num_queries(QUERIES_FOR_POOL):
        page = client.get(reverse("review:experts")).content.decode()

    assert page.count('class="fw-semibold" href="/review/experts/') == min(rows, 30)


# Session, user, the staff's two-factor device and policy, unread messages, the footer's edition;
# the count, the page of experts with their accounts and loads, and their industries.
QUERIES_FOR_POOL = 9


# Suggestions and conflicts ----------------------------------------------------------------------


def test_suggestions_put_the_files_industry_first_then_the_least_loaded(world):
    application = world.application(State.FORWARDED)
    own_industry, other = application.industry, Industry.objects.exclude(pk=application.industry_id).first()
    busy = expert("busy", name="忙碌专家", industries=[own_industry])
    free = expert("free", name="空闲专家", industries=[own_industry])
    stranger = expert("stranger", name="外行专家", industries=[other])
    pool.assign(world.application(State.FORWARDED), busy, world.staff)

    names = [s.expert.name for s in pool.suggestions(application)]

    assert names.index("空闲专家") < names.index("忙碌专家") < names.index("外行专家")
    assert [s.industry_match for s in pool.suggestions(application) if s.expert == stranger] == [False]
    assert {s.expert.name: s.expert.load for s in pool.suggestions(application)}["忙碌专家"] == 1
    assert free.pk


def test_an_expert_employed_by_a_member_is_refused_naming_the_member(world, client):
    application = world.application(State.FORWARDED)
    colleague = expert("colleague", name="李同事", affiliation="朔州职院", affiliation_uscc=MEMBER_USCC)
    staff_client(client)

    page = client.get(reverse("review:assignments", args=[application.pk])).content.decode()
    client.post(
        reverse("review:assign", args=[application.pk]),
        {"expert": colleague.pk, "due_on": pool.due_date(application).isoformat()},
    )
    after = client.get(reverse("review:assignments", args=[application.pk])).content.decode()

    # Matched by the code although the names differ; the suggestion says so, the POST is refused.
    assert "须回避：工作单位是成员单位“朔州职业技术学院”" in page
    assert (
        "专家“李同事”的工作单位“朔州职院”是该联盟的成员单位“朔州职业技术学院”，须回避（第六条），不能指派。"
        in after
    )
    assert not Assignment.objects.filter(application=application).exists()
    assert not application.events.filter(action=Activity.EXPERT_ASSIGNED).exists()


def test_an_expert_of_the_lead_unit_is_refused_by_name_when_no_code_is_known(world):
    application = world.application(State.FORWARDED)
    # Spaces do not hide the name "朔州市晋北新材料科技有限公司".
    insider = expert("insider", name="王内部", affiliation=" 朔州市晋北新材料科技 有限公司 ")

    with pytest.raises(AssignmentRefused) as refused:
        pool.assign(application, insider, world.staff)

    assert refused.value.messages == [
        "专家“王内部”的工作单位“ 朔州市晋北新材料科技 有限公司 ”"
        "是该联盟的牵头单位“朔州市晋北新材料科技有限公司”，须回避（第六条），不能指派。"
    ]


def test_names_are_compared_without_spaces_brackets_or_width():
    assert pool.normalised_name("山西 晋北（集团）有限公司") == pool.normalised_name("山西晋北(集团)有限公司")
    assert pool.normalised_name("ＡＢＣ科技") == pool.normalised_name("abc科技")
    assert pool.normalised_name("朔州职业技术学院") != pool.normalised_name("朔州职业技术学院附属中学")


def test_a_different_code_is_no_conflict_even_with_a_similar_name(world):
    application = world.application(State.FORWARDED)
    namesake = expert(
        "namesake", affiliation="朔州职业技术学院", affiliation_uscc=make_uscc("12140000", "MB0A9009")
    )

    assignment = pool.assign(application, namesake, world.staff)

    assert assignment.status == AssignmentStatus.ASSIGNED


def test_an_expert_without_an_account_or_inactive_is_not_assigned(world):
    application = world.application(State.FORWARDED)
    unlinked = expert(account=False, name="无账号专家")
    retired = expert("retired", name="退出专家", is_active=False)

    with pytest.raises(AssignmentRefused) as no_account:
        pool.assign(application, unlinked, world.staff)
    with pytest.raises(AssignmentRefused) as inactive:
        pool.assign(application, retired, world.staff)

    assert "还没有可用的评审专家账号" in no_account.value.messages[0]
    assert "已不在库" in inactive.value.messages[0]


def test_assignment_is_only_at_the_formal_check_or_under_review(world):
    submitted = world.application(State.SUBMITTED)

    with pytest.raises(AssignmentRefused) as refused:
        pool.assign(submitted, expert("early"), world.staff)

    assert "只能在形式审查或专家评审阶段指派专家" in refused.value.messages[0]


def test_an_assignment_is_recorded_internally_with_its_deadline(world, client):
    application = world.application(State.FORWARDED)
    reviewer = expert("reviewer", name="赵评审")
    staff_client(client)
    due = timezone.localdate() + datetime.timedelta(days=10)

    client.post(
        reverse("review:assign", args=[application.pk]), {"expert": reviewer.pk, "due_on": due.isoformat()}
    )
    staff_page = client.get(reverse("review:detail", args=[application.pk])).content.decode()
    client.logout()
    log_in(client, "applicant")
    own_page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()

    assignment = Assignment.objects.get(application=application)
    event = application.events.get(action=Activity.EXPERT_ASSIGNED)
    assert assignment.due_on == due
    assert event.internal and event.data == {"expert": "赵评审", "due_on": due.isoformat()}
    assert "赵评审" in staff_page and "指派评审专家" in staff_page
    assert "赵评审" not in own_page and "指派评审专家" not in own_page


def test_the_default_deadline_is_the_editions_review_days(world):
    application = world.application(State.FORWARDED)
    world.edition.review_days = 21
    world.edition.save()
    application.refresh_from_db()

    assignment = pool.assign(application, expert("reviewer"), world.staff)

    assert assignment.due_on == timezone.localdate() + datetime.timedelta(days=21)


def test_a_past_deadline_is_refused_on_the_page(world, client):
    application = world.application(State.FORWARDED)
    reviewer = expert("reviewer")
    staff_client(client)

    client.post(
        reverse("review:assign", args=[application.pk]), {"expert": reviewer.pk, "due_on": "2020-01-01"}
    )
    page = client.get(reverse("review:assignments", args=[application.pk])).content.decode()

    assert "评审截止日期不能早于今天。" in page
    assert not Assignment.objects.exists()


# START_REVIEW's guard ----------------------------------------------------------------------------


def test_start_review_is_refused_with_too_few_experts(world, client):
    application = world.application(State.FORWARDED)
    pool.assign(application, expert("one"), world.staff)
    pool.assign(application, expert("two"), world.staff)
    third = pool.assign(application, expert("three"), world.staff)
    pool.decline(third, third.expert.user, "曾在牵头单位兼职")
    # The formal check passed (Art. 6): what is left is the experts.
    row = TABLE[(State.FORWARDED, Action.START_REVIEW)]
    checks.formal_check_passed.satisfy(application, row, world.staff)
    data = row.form_class.example(application, world.staff)

    with pytest.raises(GuardFailed) as refused:
        transition(application, Action.START_REVIEW, world.staff, data=data)
    staff_client(client)
    page = client.get(reverse("review:detail", args=[application.pk])).content.decode()
    pool.assign(application, expert("four"), world.staff)
    transition(application, Action.START_REVIEW, world.staff, data=data)

    assert refused.value.messages == [
        "已指派 2 位评审专家，每件申报至少需要 3 位（第六条；已回避或撤回的不计）。请先在“评审专家”中指派。"
    ]
    assert "已指派 2 位评审专家，每件申报至少需要 3 位" in page  # why the button is disabled
    assert application.state == State.UNDER_REVIEW


def test_driving_a_file_to_review_assigns_the_editions_number_of_experts(world):
    application = world.application(State.UNDER_REVIEW)

    assert pool.active_assignments(application).count() == world.edition.experts_per_file


# The 回避声明 -----------------------------------------------------------------------------------


def test_an_undeclared_expert_sees_the_members_but_not_the_dossier(world, client):
    application, (assignment, *_rest) = panel_of(world, declared=False, state=State.FORWARDED)
    version = application.documents.first().versions.filter(submission__isnull=False).first()
    expert_client(client, "reviewer1")

    page = client.get(reverse("review:detail", args=[application.pk])).content.decode()
    dossier = client.get(reverse("review:submission_pdf", args=[application.pk, 1, "dossier"]))
    scan = client.get(reverse("review:file", args=[application.pk, version.pk]))
    sheet = client.get(reverse("review:score", args=[application.pk]))

    assert "回避声明" in page and "朔州职业技术学院" in page  # the members, to judge a conflict
    assert reverse("review:submission_pdf", args=[application.pk, 1, "dossier"]) not in page
    assert dossier.status_code == 404 and scan.status_code == 404
    assert sheet.status_code == 302  # back to the declaration

    client.post(
        reverse("review:declaration", args=[application.pk]), {"decision": "declare", "declared": "on"}
    )
    declared = client.get(reverse("review:detail", args=[application.pk])).content.decode()
    opened = client.get(reverse("review:file", args=[application.pk, version.pk]))

    assert reverse("review:submission_pdf", args=[application.pk, 1, "dossier"]) in declared
    assert opened.status_code == 200
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DECLARED and assignment.declared_at is not None
    assert application.events.filter(action=Activity.EXPERT_DECLARED, internal=True).count() == 1


def test_a_declaration_needs_its_box_ticked(world, client):
    application, (assignment, *_rest) = panel_of(world, declared=False, state=State.FORWARDED)
    expert_client(client, "reviewer1")

    response = client.post(
        reverse("review:declaration", args=[application.pk]), {"decision": "declare"}, follow=True
    )

    assert "请勾选回避声明后再查看申报材料。" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED


def test_an_expert_declines_with_a_reason_and_staff_see_it_and_replace_them(world, client):
    application, (assignment, *_rest) = panel_of(world, declared=False, state=State.FORWARDED)
    expert_client(client, "reviewer1")

    empty = client.post(
        reverse("review:declaration", args=[application.pk]),
        {"decision": "decline", "reason": "  "},
        follow=True,
    )
    too_long = client.post(
        reverse("review:declaration", args=[application.pk]), {"decision": "decline", "reason": "因" * 501}
    )
    client.post(
        reverse("review:declaration", args=[application.pk]),
        {"decision": "decline", "reason": "曾任牵头单位顾问"},
    )
    closed = client.get(reverse("review:detail", args=[application.pk]))
    dashboard = client.get(reverse("review:dashboard")).content.decode()
    expert_client(client, "staff")
    staff_page = client.get(reverse("review:assignments", args=[application.pk])).content.decode()

    assert "请填写理由。" in empty.content.decode()
    assert too_long.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DECLINED and assignment.decline_reason == "曾任牵头单位顾问"
    assert closed.status_code == 404 and application.name not in dashboard
    assert "已申请回避" in staff_page and "曾任牵头单位顾问" in staff_page
    assert "有效指派 2 位专家" in staff_page  # a replacement is needed
    assert application.events.get(action=Activity.EXPERT_DECLINED).comment == "曾任牵头单位顾问"
    replacement = pool.assign(application, expert("replacement"), world.staff)
    assert pool.active_assignments(application).count() == 3 and replacement.is_active


def test_staff_withdraw_an_unanswered_assignment_with_a_reason(world, client):
    application, (assignment, *_rest) = panel_of(world, declared=False, state=State.FORWARDED)
    staff_client(client)
    url = reverse("review:assignment_withdraw", args=[application.pk, assignment.pk])

    refused = client.post(url, {"reason": ""}, follow=True).content.decode()
    client.post(url, {"reason": "电话联系不上"})

    assignment.refresh_from_db()
    assert "请填写理由。" in refused
    assert assignment.status == AssignmentStatus.WITHDRAWN
    event = application.events.get(action=Activity.ASSIGNMENT_WITHDRAWN)
    assert event.internal and event.comment == "电话联系不上" and event.data == {"expert": "专家reviewer1"}
    expert_client(client, "reviewer1")
    assert client.get(reverse("review:detail", args=[application.pk])).status_code == 404


def test_an_expert_cannot_open_a_file_assigned_to_someone_else(world, client):
    mine, _mine = panel_of(world, count=3, prefix="reviewer")
    theirs, _theirs = panel_of(world, count=3, prefix="other")
    version = theirs.documents.first().versions.filter(submission__isnull=False).first()
    expert_client(client, "reviewer1")

    for url in (
        reverse("review:detail", args=[theirs.pk]),
        reverse("review:score", args=[theirs.pk]),
        reverse("review:file", args=[theirs.pk, version.pk]),
        reverse("review:submission_pdf", args=[theirs.pk, 1, "form"]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("review:declaration", args=[theirs.pk]), {"decision": "declare"}).status_code
        == 404
    )
    dashboard = client.get(reverse("review:dashboard")).content.decode()
    assert mine.name in dashboard and theirs.name not in dashboard


def test_an_expert_cannot_reach_the_staffs_pages(world, client):
    application, _assignments = panel_of(world)
    expert_client(client, "reviewer1")

    for url in (
        reverse("review:experts"),
        reverse("review:assignments", args=[application.pk]),
        reverse("review:panel", args=[application.pk]),
    ):
        assert client.get(url).status_code == 403, url


# Deadlines ---------------------------------------------------------------------------------------


def test_an_overdue_review_is_marked_for_staff_and_for_the_expert(world, client):
    application, (late, _on_time, done) = panel_of(world)

    submit(done, [20, 20, 20, 20])
    Assignment.objects.filter(pk__in=[late.pk, done.pk]).update(due_on=timezone.localdate())
    after_deadline = timezone.now() + datetime.timedelta(days=2)

    with time_machine.travel(after_deadline, tick=False):
        overdue = list(pool.overdue_assignments())
        on_the_work_list = overdue_flags([application])
        staff_client(client)
        staff_page = client.get(reverse("review:assignments", args=[application.pk])).content.decode()
        expert_client(client, "reviewer1")
        own_list = client.get(reverse("review:dashboard")).content.decode()
        expert_client(client, "reviewer2")
        other_list = client.get(reverse("review:dashboard")).content.decode()

    assert overdue == [late]  # the submitted one is not overdue
    assert on_the_work_list == {application.pk: True}  # the staff's work list marks the file
    assert staff_page.count("已逾期") == 1
    assert "已逾期" in own_list and "已逾期" not in other_list


@pytest.mark.parametrize("rows", [1, 50])
def test_the_experts_list_takes_the_same_queries_for_1_and_50_files(
    world, client, django_assert_num_queries, rows
):
    reviewer = expert("reviewer")
    due = timezone.localdate()
    # Rows of the list, not files to review: bare files, assigned through the ORM.
    files = [ApplicationFactory(edition=world.edition, lead_unit=world.organisation) for _ in range(rows)]
    Assignment.objects.bulk_create(
        [
            Assignment(
                application=application,
                expert=reviewer,
                due_on=due,
                assigned_by=world.staff,
                status=AssignmentStatus.DECLARED,
            )
            for application in files
        ]
    )
    expert_client(client, "reviewer")

    with django_assert_num_queries(QUERIES_FOR_EXPERT_LIST):
        page = client.get(reverse("review:dashboard")).content.decode()

    assert page.count('href="/review/applications/') == rows


# Session, user, unread messages, the footer's edition; the assignments with their files, lead
# units, industries and reviews.
QUERIES_FOR_EXPERT_LIST = 5


def test_an_undeclared_assignment_ends_when_the_applicant_withdraws_the_file(world, client):
    application, _assignments = panel_of(world, declared=False, state=State.FORWARDED)
    transition(application, Action.WITHDRAW, world.applicant)
    expert_client(client, "reviewer1")

    dashboard = client.get(reverse("review:dashboard")).content.decode()

    assert application.name not in dashboard
    assert client.get(reverse("review:detail", args=[application.pk])).status_code == 404


def test_an_assignment_naming_no_expert_of_the_pool_is_refused_with_a_message(world, client):
    application = world.application(State.FORWARDED)
    staff_client(client)
    url = reverse("review:assign", args=[application.pk])
    due = pool.due_date(application).isoformat()

    huge = client.post(url, {"expert": "9" * 30, "due_on": due}, follow=True).content.decode()
    missing = client.post(url, {"expert": "123456", "due_on": due}, follow=True).content.decode()

    assert "2147483647" in huge
    assert "专家库中没有该专家。" in missing
    assert not Assignment.objects.exists()


def test_an_assigned_expert_is_mailed_in_their_own_language(world, django_capture_on_commit_callbacks):
    from django.core import mail

    application = world.application(State.FORWARDED)
    reviewer = expert("reviewer", name="Dr. Smith")
    reviewer.user.language = "en"
    reviewer.user.save()

    with django_capture_on_commit_callbacks(execute=True):
        pool.assign(application, reviewer, world.staff, due_on=datetime.date(2026, 12, 31))

    (sent,) = mail.outbox
    assert sent.to == [reviewer.user.email]
    assert sent.subject == f"[Shuozhou alliances] Invitation to review: {application.name}"
    assert "2026-12-31" in sent.body and "declaration" in sent.body
    # The mail is the expert's alone: no in-portal message, nothing for the applicant.
    assert not application.notifications.filter(event__internal=True).exists()


# What the second review of issue 9 found ----------------------------------------------------


def test_a_conflict_arising_after_the_assignment_refuses_the_start_of_the_review(world):
    from applications.workflow import prepare

    application = world.application(State.FORWARDED)
    row = TABLE[(State.FORWARDED, Action.START_REVIEW)]
    prepare(application, row, world.staff)  # the checklist passed and enough experts assigned
    assignment = application.assignments.select_related("expert").first()
    member = application.members.exclude(is_lead=True).first()
    assignment.expert.affiliation, assignment.expert.affiliation_uscc = member.name, member.uscc
    assignment.expert.save()

    with pytest.raises(GuardFailed) as refused:
        transition(
            application,
            Action.START_REVIEW,
            world.staff,
            data=row.form_class.example(application, world.staff),
        )

    assert member.name in str(refused.value) and "须回避" in str(refused.value)
    application.refresh_from_db()
    assert application.state == State.FORWARDED


def test_an_expert_with_assignments_keeps_the_account_linked(world, client):
    from review.forms.experts import ExpertForm

    application = world.application(State.UNDER_REVIEW)
    profile = application.assignments.select_related("expert__user").first().expert
    other = UserFactory(username="another-expert", role=Role.EXPERT)

    form = ExpertForm(
        {"name": profile.name, "affiliation": profile.affiliation, "user": other.pk, "is_active": "on"},
        instance=profile,
    )
    assert form.is_valid(), form.errors
    form.save()

    profile.refresh_from_db()
    assert profile.user != other


def test_a_huge_file_number_in_an_experts_address_answers_404(world, client):
    application = world.application(State.UNDER_REVIEW)
    user = application.assignments.select_related("expert__user").first().expert.user
    client.force_login(user)
    client.raise_request_exception = False

    assert client.get("/review/applications/99999999999999999999/").status_code == 404


def test_a_refused_reason_comes_back_in_its_box(world, client):
    application = world.application(State.UNDER_REVIEW)
    assignment = application.assignments.select_related("expert__user").first()
    log_in(client, "staff")
    too_long = "撤" * 501

    page = client.post(
        reverse("review:assignment_withdraw", args=[application.pk, assignment.pk]),
        {"reason": too_long},
        follow=True,
    ).content.decode()

    assert "最多 500 字，现为 501 字" in page
    assert f">{too_long}</textarea>" in page
