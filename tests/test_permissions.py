"""Every URL pattern × every role, anonymous included, with the expected answer.

A URL added without a row here fails ``test_every_url_pattern_has_a_row``. A denied object
answers 404, so that its existence does not leak; a page for another role answers 403.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from applications.enums import State

ROLES = ["anonymous", "applicant", "other_applicant", "unit", "other_unit", "staff", "expert", "admin"]


def answers(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


LOGGED_IN = {role: 200 for role in ROLES if role != "anonymous"}
# The applicant's pages of one file: 404 to everyone else, anonymous included, so that the
# file's existence does not leak. The file is submitted, so editing pages send its own lead
# unit back to the (read-only) detail page: 302.
OWN_FILE = answers(404, applicant=200)
OWN_FILE_READ_ONLY = answers(404, applicant=302)
REVIEWED_FILE = answers(404, unit=200, staff=200)
STAFF_PAGE = answers(403, anonymous=302, staff=200)
STAFF_STEP = answers(403, anonymous=302, staff=302)


def member(app):
    return {"pk": app.pk, "member_pk": app.members.order_by("pk").last().pk}


def version(app, image=False):
    from applications.models import DocumentVersion

    versions = DocumentVersion.objects.filter(document__application=app)
    if image:
        versions = versions.filter(content_type__startswith="image/")
    return {"pk": app.pk, "version_pk": versions.first().pk}


def other_document(app):
    from applications.enums import DocumentKind
    from applications.models import Document

    document = Document.objects.create(application=app, kind=DocumentKind.OTHER, title="会议纪要")
    return {"pk": app.pk, "document_pk": document.pk}


def pending_registration(app=None, **extra):
    from applications.enums import RegistrationStatus
    from applications.models import Organisation

    return {"pk": Organisation.objects.get(registration_status=RegistrationStatus.PENDING).pk, **extra}


def sent_registration_file(app):
    registration = pending_registration()
    from applications.models import RegistrationDocument

    document = RegistrationDocument.objects.filter(organisation_id=registration["pk"]).first()
    return {**registration, "document_pk": document.pk}


def own_registration_file(app):
    """A file of the lead unit's own (approved) registration, stored as an upload is."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications import documents
    from applications.demo import sample_pdf
    from applications.models import RegistrationDocument

    uploaded = SimpleUploadedFile("licence.pdf", sample_pdf())
    record = RegistrationDocument(organisation=app.lead_unit, kind="licence")
    documents.save_checked(record, uploaded, None, documents.inspect(uploaded))
    return {"document_pk": record.pk}


def pool_expert(app):
    from review.models import Expert

    return {"pk": Expert.objects.create(name="韩立平", affiliation="中北大学").pk}


def experts_assignment(app):
    """The world's expert assigned to the file (through the ORM: the file is not at the
    expert stage) and declared: their own pages answer them, staff manage it. The same
    assignment each time it is asked for."""
    from applications.models import User
    from review.models import Assignment, Expert

    user = User.objects.get(username="expert1")
    profile, _created = Expert.objects.get_or_create(
        user=user, defaults={"name": "刘振华", "affiliation": "太原理工大学"}
    )
    assignment, _created = Assignment.objects.get_or_create(
        application=app,
        expert=profile,
        defaults={
            "status": "declared",
            "due_on": app.state_changed_at.date(),
            "assigned_by": User.objects.get(username="staff"),
        },
    )
    return {"pk": app.pk, "assignment_pk": assignment.pk}


def assigned_file(app):
    return {"pk": experts_assignment(app)["pk"]}


def meeting(app, minutes=False):
    """A Party-group meeting in preparation, with the minutes' scan if ``minutes``."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.demo import sample_pdf
    from applications.models import User
    from review import meetings
    from review.models import Meeting

    record, _created = Meeting.objects.get_or_create(
        session="2026年第12次党组会",
        defaults={"held_on": "2026-11-20", "created_by": User.objects.get(username="staff")},
    )
    if not minutes:
        return {"pk": record.pk}
    stored = meetings.upload_minutes(record, SimpleUploadedFile("纪要.pdf", sample_pdf()), None)
    return {"pk": record.pk, "minutes_pk": stored.pk}


def forwardable(app):
    """The file, with the unit's confirmations that forwarding needs (Art. 5)."""
    from review.checks import confirm_every_item

    confirm_every_item(app, None, app.organising_unit.reviewers.get())
    return {"pk": app.pk, "action": "forward"}


def published_notice():
    from django.utils import timezone

    from review import notices
    from review.models import NoticeStatus

    record = _notice_record()
    if record.status != NoticeStatus.PUBLISHED:
        notices._fix_period(record, None, timezone.now())
    return {"pk": record.pk}


def _notice_record():
    from review.models import Notice

    return Notice.objects.get(pk=notice(None)["pk"])


def notice(app):
    """A notice in preparation."""
    from applications.models import PolicyEdition, User
    from review.models import Notice

    record, _created = Notice.objects.get_or_create(
        title="关于2026年度朔州市产业技术创新战略联盟拟认定名单的公示",
        defaults={
            "body": "正文",
            "edition": PolicyEdition.objects.order_by("-effective_from").first(),
            "created_by": User.objects.get(username="staff"),
        },
    )
    return {"pk": record.pk}


def objection(app, file=False):
    """An objection to ``app`` listed (through the ORM) on the published notice; with a
    stored letter if ``file``. The same objection each time it is asked for."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications import documents
    from applications.demo import sample_pdf
    from review.models import NoticeItem, Objection, ObjectionFile

    notice_pk = published_notice()["pk"]
    item, _created = NoticeItem.objects.get_or_create(notice_id=notice_pk, application=app)
    record, _created = Objection.objects.get_or_create(
        item=item,
        defaults={
            "receipt_number": f"261201-TEST{app.pk:02d}",
            "kind": "person",
            "name": "王建国",
            "employer": "某公司",
            "phone": "13900001234",
            "phone_normalized": "13900001234",
            "grounds": "理由",
        },
    )
    found = {"pk": notice_pk, "item_pk": item.pk, "objection": record}
    if file:
        uploaded = SimpleUploadedFile("letter.pdf", sample_pdf())
        stored = ObjectionFile(objection=record, kind="letter")
        documents.save_checked(stored, uploaded, None, documents.inspect(uploaded))
        found["file_pk"] = stored.pk
    return found


def recognised_file(app):
    """A recognised alliance of ``applicant``, listed on the published notice (made once)."""
    from applications.models import Application
    from review.models import Recognition

    number = "权限测试〔2026〕第1号"
    existing = Recognition.objects.filter(number=number).first()
    if existing is not None:
        return existing.application
    alliance = Application.objects.get(pk=app.pk)
    alliance.pk, alliance.name, alliance.state = None, "朔州市权限测试产业技术创新战略联盟", State.RECOGNIZED
    alliance.save()
    Recognition.objects.create(
        application=alliance,
        year=2026,
        sequence=1,
        number=number,
        recognized_on=alliance.created_at.date(),
        notice_id=published_notice()["pk"],
    )
    return alliance


def platform(app):
    from applications.models import Platform

    alliance = recognised_file(app)
    record = Platform.objects.create(
        application=alliance, kind="innovation_team", level="municipal", name="创新团队", year=2025
    )
    return {"pk": alliance.pk, "platform_pk": record.pk}


def rectification_file(app):
    """A file of the lead unit's report on an order to rectify ``app``'s recognised alliance
    (made through the ORM, once)."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications import documents
    from applications.demo import sample_pdf
    from applications.enums import Action
    from applications.models import AuditEvent
    from review.models import RectificationFile, RectificationOrder

    alliance = recognised_file(app)
    order = RectificationOrder.objects.filter(application=alliance).first()
    if order is None:
        alliance.state = State.RECTIFYING
        alliance.save(update_fields=["state"])
        event = AuditEvent.objects.create(
            application=alliance,
            action=Action.ORDER_RECTIFICATION,
            from_state=State.RECOGNIZED,
            to_state=State.RECTIFYING,
            actor_role="staff",
            comment="整改原因",
        )
        order = RectificationOrder.objects.create(
            application=alliance,
            event=event,
            grounds="整改原因",
            requirements="整改要求",
            deadline=datetime.date(2099, 1, 1),
        )
        uploaded = SimpleUploadedFile("整改报告.pdf", sample_pdf())
        documents.save_checked(RectificationFile(order=order), uploaded, None, documents.inspect(uploaded))
    return {"pk": alliance.pk, "file_pk": order.files.get().pk}


def annual_report(app, scan=False):
    """The recognised alliance's report for last year (made once), with a scan if ``scan``."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.demo import sample_pdf
    from review import annual

    alliance = recognised_file(app)
    report = annual.report_for(alliance, alliance.recognition.year)
    found = {"pk": alliance.pk, "year": report.year, "report": report}
    if scan:
        stored = annual.current_scan(report) or annual.upload_scan(
            report, SimpleUploadedFile("年度材料.pdf", sample_pdf()), None
        )
        found["file_pk"] = stored.pk
    return found


def own_annual_report(app, scan=False):
    return {key: value for key, value in annual_report(app, scan).items() if key != "report"}


def staff_annual_report(app, scan=False):
    found = annual_report(app, scan)
    return {"report_pk": found["report"].pk, **({"file_pk": found["file_pk"]} if scan else {})}


def round_pdf(kind):
    return lambda app: {"pk": app.pk, "number": 1, "kind": kind}


# name: (method, kwargs-maker, expected status per role)
MATRIX = {
    "home": ("get", None, answers(200)),
    "policy": ("get", None, answers(200)),
    # 公示: the public reads a published notice; a draft does not exist for anyone (404).
    "notices": ("get", None, answers(200)),
    "notice": ("get", lambda app: published_notice(), answers(200)),
    "notice_pdf": ("get", lambda app: published_notice(), answers(200)),
    "notices_feed": ("get", None, answers(200)),
    # 公示异议: anyone may object to a listed alliance of an open notice; the receipt page
    # shows only the objection just made from this browser (none: back to the notice).
    "objection": ("get", lambda app: {k: objection(app)[k] for k in ("pk", "item_pk")}, answers(200)),
    "objection_receipt": (
        "get",
        lambda app: {k: objection(app)[k] for k in ("pk", "item_pk")},
        answers(302),
    ),
    # The lead unit answers from its own file (refused without text: 302); anyone else 404.
    "objection_answer": (
        "post",
        lambda app: {"pk": app.pk, "objection_pk": objection(app)["objection"].pk},
        answers(404, applicant=302),
    ),
    # 认定 (Art. 6–7): the batch's announcement and the directory are public; the certificate
    # is the lead unit's and the bureau's (404 to anyone else); platforms are kept by staff.
    "notice_recognition": (
        "get",
        lambda app: {"pk": recognised_file(app).recognition.notice_id},
        answers(200),
    ),
    "alliances": ("get", None, answers(200)),
    "alliance": ("get", lambda app: {"pk": recognised_file(app).pk}, answers(200)),
    "alliances_csv": ("get", None, answers(200)),
    "alliances_json": ("get", None, answers(200)),
    "applicant_certificate": (
        "get",
        lambda app: {"pk": recognised_file(app).pk},
        answers(404, applicant=200),
    ),
    "review:certificate": ("get", lambda app: {"pk": recognised_file(app).pk}, answers(404, staff=200)),
    "review:platforms": ("get", lambda app: {"pk": recognised_file(app).pk}, STAFF_PAGE),
    "review:platform_edit": ("get", platform, STAFF_PAGE),
    "review:platform_remove": ("post", platform, STAFF_STEP),
    # 限期整改 (Art. 9): the bureau's list; the lead unit reports on its own alliance's order
    # (refused without a report: 302); the report's files are the lead unit's and the
    # bureau's, 404 to anyone else.
    "review:rectifications": ("get", None, STAFF_PAGE),
    "rectification_answer": (
        "post",
        lambda app: {"pk": rectification_file(app)["pk"]},
        answers(404, applicant=302),
    ),
    "applicant_rectification_file": ("get", rectification_file, answers(404, applicant=200)),
    "review:rectification_file": ("get", rectification_file, answers(404, staff=200)),
    # 年度材料 (Art. 8): the lead unit's own (404 to anyone else, anonymous included; an
    # empty upload or a refused submission answers 302 with its message); the board is the
    # bureau's page, each report, its scan and PDF answer 404 to anyone but staff.
    "annual_report": ("get", own_annual_report, answers(404, applicant=200)),
    "annual_report_scan": ("post", own_annual_report, answers(404, applicant=302)),
    "annual_report_submit": ("post", own_annual_report, answers(404, applicant=302)),
    "annual_report_file": ("get", lambda app: own_annual_report(app, scan=True), answers(404, applicant=200)),
    "annual_report_pdf": ("get", own_annual_report, answers(404, applicant=200)),
    "review:annual_reports": ("get", None, STAFF_PAGE),
    "review:annual_reports_xlsx": ("get", None, STAFF_PAGE),
    "review:annual_report": ("get", staff_annual_report, answers(404, staff=200)),
    "review:annual_report_decide": ("post", staff_annual_report, answers(404, staff=400)),
    "review:annual_report_file": (
        "get",
        lambda app: staff_annual_report(app, scan=True),
        answers(404, staff=200),
    ),
    "review:annual_report_pdf": ("get", staff_annual_report, answers(404, staff=200)),
    "policy_edition": ("get", lambda app: {"pk": app.edition_id}, answers(200)),
    "healthz": ("get", None, answers(200)),
    "dashboard": ("get", None, answers(302)),
    "set_language": ("post", None, answers(302)),
    "accounts:login": ("get", None, answers(302, anonymous=200)),
    "accounts:logout": ("post", None, answers(302)),
    "accounts:register": ("get", None, answers(302, anonymous=200)),
    "accounts:confirm": ("get", lambda app: {"uidb64": "MQ", "token": "bad-token"}, answers(400)),
    # Answers the same whatever the address; a signed-in user goes to the dashboard.
    "accounts:resend_confirmation": ("get", None, answers(302, anonymous=200)),
    # Two-factor log-in is for the bureau, the organising units and the administrator.
    "accounts:two_factor": (
        "get",
        None,
        answers(403, anonymous=302, unit=200, other_unit=200, staff=200, admin=200),
    ),
    # The second step of a log-in: with no code owed, straight on to the dashboard.
    "accounts:two_factor_verify": ("get", None, answers(302)),
    "accounts:notifications": ("get", None, answers(200, anonymous=302)),
    # The submitted file told its organising unit: the message is the unit's alone.
    "accounts:notification": (
        "get",
        lambda app: {"pk": app.notifications.get().pk},
        answers(404, anonymous=302, unit=200),
    ),
    "accounts:notifications_read_all": ("post", None, answers(302)),
    "accounts:password_reset": ("get", None, answers(200)),
    "accounts:password_reset_done": ("get", None, answers(200)),
    "accounts:password_reset_confirm": (
        "get",
        lambda app: {"uidb64": "MQ", "token": "bad-token"},
        answers(200),
    ),
    "accounts:password_reset_complete": ("get", None, answers(200)),
    "accounts:password_change": ("get", None, answers(200, anonymous=302)),
    "accounts:password_change_done": ("get", None, answers(200, anonymous=302)),
    "applications:dashboard": (
        "get",
        None,
        answers(403, anonymous=302, applicant=200, other_applicant=200),
    ),
    "applications:new": ("get", None, answers(403, anonymous=302, applicant=200, other_applicant=200)),
    # 单位注册审核: the account's own registration. Both applicants are approved, so their
    # uploads and sending are refused with a message (302).
    "applications:registration": (
        "get",
        None,
        answers(403, anonymous=302, applicant=200, other_applicant=200),
    ),
    "applications:registration_upload": (
        "post",
        None,
        answers(403, anonymous=302, applicant=302, other_applicant=302),
    ),
    "applications:registration_send": (
        "post",
        None,
        answers(403, anonymous=302, applicant=302, other_applicant=302),
    ),
    "applications:registration_file": ("get", own_registration_file, answers(404, applicant=200)),
    "applications:authorisation_letter": (
        "get",
        None,
        answers(403, anonymous=302, applicant=200, other_applicant=200),
    ),
    # The claimant's registration, sent to 朔城区: another district's unit gets 404; the bureau
    # reads it but the decision is the unit's (403, nothing applied).
    "review:registrations": (
        "get",
        None,
        answers(403, anonymous=302, unit=200, other_unit=200, staff=200),
    ),
    "review:registration": ("get", pending_registration, answers(404, unit=200, staff=200)),
    "review:registration_decide": (
        "post",
        lambda app: pending_registration(decision="approve"),
        answers(404, unit=302, staff=403),
    ),
    "review:registration_file": ("get", sent_registration_file, answers(404, unit=200, staff=200)),
    # 党组会: the bureau's own pages; every other role is refused the area (403).
    "review:meetings": ("get", None, answers(403, anonymous=302, staff=200)),
    "review:meeting": ("get", meeting, answers(403, anonymous=302, staff=200)),
    "review:meeting_minutes": ("post", meeting, answers(403, anonymous=302, staff=302)),
    "review:meeting_minutes_file": (
        "get",
        lambda app: meeting(app, minutes=True),
        answers(403, anonymous=302, staff=200),
    ),
    "review:meeting_pdf": ("get", meeting, answers(403, anonymous=302, staff=200)),
    "review:letters": ("get", None, answers(403, anonymous=302, staff=200)),
    # The bureau's statistics (issue 11, part 7) and their spreadsheet: the bureau's only.
    "review:statistics": ("get", None, STAFF_PAGE),
    "review:statistics_xlsx": ("get", None, STAFF_PAGE),
    # 公示: the bureau's own pages (the public ones come with issue 10's next step).
    "review:notices": ("get", None, answers(403, anonymous=302, staff=200)),
    "review:notice": ("get", notice, answers(403, anonymous=302, staff=200)),
    # Closing a notice: refused with a message before its period ends (302).
    "review:notice_close": ("post", lambda app: published_notice(), STAFF_STEP),
    # 公示异议: the bureau's; the objector's files answer 404 to anyone else.
    "review:objections": ("get", None, STAFF_PAGE),
    "review:objection": ("get", lambda app: {"pk": objection(app)["objection"].pk}, STAFF_PAGE),
    "review:objection_file": (
        "get",
        lambda app: {"pk": objection(app)["objection"].pk, "file_pk": objection(app, file=True)["file_pk"]},
        answers(404, staff=200),
    ),
    "applications:detail": ("get", lambda app: {"pk": app.pk}, answers(404, applicant=200)),
    "applications:act": (
        "post",
        lambda app: {"pk": app.pk, "action": "withdraw"},
        answers(404, applicant=302),
    ),
    "applications:step": ("get", lambda app: {"pk": app.pk, "step": "basics"}, OWN_FILE_READ_ONLY),
    "applications:member_add": ("post", lambda app: {"pk": app.pk}, OWN_FILE_READ_ONLY),
    "applications:member_import": ("post", lambda app: {"pk": app.pk}, OWN_FILE_READ_ONLY),
    "applications:ceiling": ("post", lambda app: {"pk": app.pk}, OWN_FILE_READ_ONLY),
    "applications:member_edit": ("get", member, OWN_FILE_READ_ONLY),
    "applications:member_delete": ("post", member, OWN_FILE_READ_ONLY),
    "applications:upload": ("post", lambda app: {"pk": app.pk}, OWN_FILE_READ_ONLY),
    "applications:document_remove": ("post", other_document, OWN_FILE_READ_ONLY),
    "applications:members_template": (
        "get",
        lambda app: {"extension": "xlsx"},
        answers(403, anonymous=302, applicant=200, other_applicant=200),
    ),
    "applications:file": ("get", version, OWN_FILE),
    "applications:version_delete": ("post", version, OWN_FILE_READ_ONLY),
    "applications:preview": ("get", lambda app: version(app, image=True), OWN_FILE),
    "applications:original": ("get", version, OWN_FILE),
    "applications:form_pdf": ("get", lambda app: {"pk": app.pk}, OWN_FILE),
    "applications:dossier_pdf": ("get", lambda app: {"pk": app.pk}, OWN_FILE),
    "applications:submission_pdf": ("get", round_pdf("form"), OWN_FILE),
    "review:file": ("get", version, REVIEWED_FILE),
    "review:preview": ("get", lambda app: version(app, image=True), REVIEWED_FILE),
    "review:original": ("get", version, REVIEWED_FILE),
    "review:submission_pdf": ("get", round_pdf("dossier"), REVIEWED_FILE),
    "review:dashboard": (
        "get",
        None,
        answers(403, anonymous=302, unit=200, other_unit=200, staff=200, expert=200),
    ),
    # The work list as a spreadsheet: the units' and the bureau's (a unit's holds its own
    # county's files only: tests/review/test_dashboard.py); experts keep their own list.
    "review:export_csv": ("get", None, answers(403, anonymous=302, unit=200, other_unit=200, staff=200)),
    "review:export_xlsx": ("get", None, answers(403, anonymous=302, unit=200, other_unit=200, staff=200)),
    "review:detail": ("get", lambda app: {"pk": app.pk}, answers(404, unit=200, staff=200)),
    # Staff see the file but forwarding is the unit's: refused with 403, nothing applied.
    "review:act": ("post", forwardable, answers(404, unit=302, staff=403)),
    # Art. 5: the unit's confirmations are its own, and only while the file waits for it;
    # staff see the file but keep the formal checklist, which waits for FORWARDED (refused
    # with a message: 302, nothing saved).
    "review:unit_checks": ("post", lambda app: {"pk": app.pk}, answers(404, unit=302, staff=403)),
    "review:formal_checks": ("post", lambda app: {"pk": app.pk}, answers(404, unit=403, staff=302)),
    # The expert stage (Art. 6): the pool, assignments and the panel are the bureau's (other
    # roles 403). Refused steps (nothing to assign on a submitted file, no reason given)
    # answer 302 with their message.
    "review:experts": ("get", None, STAFF_PAGE),
    "review:expert_new": ("get", None, STAFF_PAGE),
    "review:expert_edit": ("get", pool_expert, STAFF_PAGE),
    "review:assignments": ("get", lambda app: {"pk": app.pk}, STAFF_PAGE),
    "review:assign": ("post", lambda app: {"pk": app.pk}, STAFF_STEP),
    "review:assignment_withdraw": ("post", experts_assignment, STAFF_STEP),
    "review:review_reopen": ("post", experts_assignment, STAFF_STEP),
    "review:panel": ("get", lambda app: {"pk": app.pk}, STAFF_PAGE),
    # The expert's own, on a file assigned to them (404 on any other: tests/review).
    "review:declaration": ("post", assigned_file, answers(403, anonymous=302, expert=302)),
    "review:score": ("get", assigned_file, answers(403, anonymous=302, expert=200)),
    # The procedure is for every signed-in role to read; anonymous visitors log in first.
    "review:lifecycle": ("get", None, answers(200, anonymous=302)),
    # Django's admin: only the administrator gets in; the rest go to its log-in page.
    "admin:index": ("get", None, answers(302, admin=200)),
}


def url_names(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            # The admin's own model pages are Django's: covered by its index row and
            # the audit tests, not listed one by one.
            if inner == "admin:":
                continue
            yield from url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_pattern_has_a_row():
    assert set(url_names()) | {"admin:index"} == set(MATRIX)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_url_answers_each_role_as_expected(shared_world, client, name):
    world = shared_world
    method, kwargs, expected = MATRIX[name]
    # A file of `applicant`, routed to `unit` (朔城区), waiting for the unit.
    application = world.submitted
    url = reverse(name, kwargs=kwargs(application) if kwargs else None)
    seen = {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(getattr(world, role))
        data = {"language": "en", "forward-comment": "同意"} if method == "post" else {}
        seen[role] = getattr(client, method)(url, data).status_code
        application.refresh_from_db()
        if name == "review:registration_decide":
            # Only the unit of the claimant's district approved it.
            from applications.models import Organisation

            approved = Organisation.objects.get(pk=world.claimant.organisation_id).is_approved
            assert approved == (seen.get("unit") == 302), role
        if name.endswith(":act"):
            # A 302 from an action must mean it was applied, anything else that it was not.
            assert (application.state != State.SUBMITTED) == (seen[role] == 302), role
        if application.state != State.SUBMITTED:
            # An allowed action went through: put a fresh file in its place.
            application = world.application(State.SUBMITTED)
            url = reverse(name, kwargs=kwargs(application) if kwargs else None)
    assert seen == expected


def test_predicates_and_role_querysets_agree(world):
    from applications.models import Application
    from applications.permissions import applications_for_user, can_view_application

    for state in State:
        world.application(state)
        other = world.application(state)
        other.lead_unit = world.other_organisation
        other.organising_unit = world.other_unit.organising_unit
        other.save()
    for role in ROLES[1:]:
        user = getattr(world, role)
        visible = set(applications_for_user(user).values_list("pk", flat=True))
        for application in Application.objects.all():
            assert can_view_application(user, application) == (application.pk in visible), (
                role,
                application.state,
            )
    # Units never see drafts, not even their own county's.
    assert not applications_for_user(world.unit).filter(state=State.DRAFT).exists()
    assert applications_for_user(world.unit).filter(state=State.SUBMITTED).count() == 1
