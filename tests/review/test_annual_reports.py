"""Annual reports (Art. 8): who owes one, its deadline, on-time submissions, the bureau's
review, member changes against Art. 4(3), and the automatic lapse (enforce_annual_reports)."""

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from applications.demo import sample_pdf
from applications.eligibility import facts_for
from applications.enums import Action, Activity, OutboxKind, State
from applications.models import AuditEvent, DocumentVersion, OutboxMessage, PolicyEdition
from applications.submissions import application_data
from review import annual
from review.forms.annual import MemberChangeFormSet
from review.models import AnnualReport, AnnualReportStatus, MemberChange, Recognition, ReportedPlatform

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def alliance(world, recognized_on=datetime.date(2026, 6, 30)):
    """A recognised alliance of ``applicant``, recognised on ``recognized_on``."""
    application = world.application(State.RECOGNIZED)
    Recognition.objects.filter(application=application).update(recognized_on=recognized_on)
    return application


def filled(application, year=2026, *, scan=True, user=None):
    report = annual.report_for(application, year)
    report.work_done = "组织成员单位联合攻关煤矸石综合利用技术。"
    report.plan_tasks = "建设中试基地，制定团体标准两项。"
    report.save()
    if scan:
        annual.upload_scan(report, SimpleUploadedFile("年度材料.pdf", sample_pdf()), user)
    return report


# Due dates ----------------------------------------------------------------------------------


def test_due_dates_end_of_february_leap_years(edition):
    assert annual.due_on(edition, 2027) == datetime.date(2028, 2, 29)
    assert annual.due_on(edition, 2026) == datetime.date(2027, 2, 28)
    assert annual.due_at(edition, 2026) == at(2027, 2, 28, 23, 59, 59)


def test_due_date_follows_the_editions_rule(edition):
    edition.annual_report_due_month, edition.annual_report_due_day = 3, 15
    assert annual.due_on(edition, 2026) == datetime.date(2027, 3, 15)


@pytest.mark.parametrize(
    ("month", "day", "bad"),
    [
        (0, None, "annual_report_due_month"),
        (13, None, "annual_report_due_month"),
        (2, 0, "annual_report_due_day"),
        (2, 32, "annual_report_due_day"),
    ],
)
def test_an_editions_due_month_and_day_are_bounded(edition, month, day, bad):
    edition.annual_report_due_month, edition.annual_report_due_day = month, day
    with pytest.raises(ValidationError) as refused:
        edition.full_clean()
    assert bad in refused.value.message_dict


def test_a_due_day_past_the_months_end_is_its_last_day(edition):
    edition.annual_report_due_month, edition.annual_report_due_day = 2, 31
    edition.full_clean()
    assert annual.due_on(edition, 2027) == datetime.date(2028, 2, 29)


# Who owes -----------------------------------------------------------------------------------


def test_alliance_recognised_in_january_owes_nothing_for_the_year_before(world):
    early = alliance(world, datetime.date(2026, 12, 31))
    late = alliance(world, datetime.date(2027, 1, 10))

    owing_2026 = set(annual.owing(2026).values_list("pk", flat=True))

    assert early.pk in owing_2026
    assert late.pk not in owing_2026
    assert late.pk in set(annual.owing(2027).values_list("pk", flat=True))


def test_alliance_lapsed_before_the_end_of_the_year_owes_nothing(world):
    lapsed = alliance(world, datetime.date(2025, 6, 1))
    with time_machine.travel(at(2026, 3, 1, 9), tick=False):
        world.drive(lapsed, [row_of(State.RECOGNIZED, Action.LAPSE)])
    assert lapsed.state == State.LAPSED
    assert lapsed.pk in set(annual.owing(2025).values_list("pk", flat=True))
    assert lapsed.pk not in set(annual.owing(2026).values_list("pk", flat=True))


# Submitting on time -------------------------------------------------------------------------


def test_submission_at_2359_on_the_due_day_is_on_time(world):
    report = filled(alliance(world), user=world.applicant)

    with time_machine.travel(at(2027, 2, 28, 23, 59), tick=False):
        event = annual.submit(report, world.applicant)

    assert report.status == AnnualReportStatus.SUBMITTED
    assert report.on_time is True
    assert report.submitted_at == at(2027, 2, 28, 23, 59)
    assert event.action == Activity.ANNUAL_REPORT_SUBMITTED and not event.internal
    assert event.data == {"year": 2026, "on_time": True, "member_breaches": ""}
    # An activity, not a state of the file.
    assert event.from_state == event.to_state == State.RECOGNIZED


def test_submission_at_midnight_after_the_due_day_is_late_and_refused(world):
    report = filled(alliance(world), user=world.applicant)

    assert annual.on_time(report, at(2027, 3, 1, 0, 0)) is False
    with (
        time_machine.travel(at(2027, 3, 1, 0, 0), tick=False),
        pytest.raises(annual.AnnualReportRefused) as refused,
    ):
        annual.submit(report, world.applicant)

    assert "2027-02-28" in refused.value.messages[0]
    report.refresh_from_db()
    assert report.status == AnnualReportStatus.DRAFT and report.submitted_at is None


def test_a_submission_within_the_last_second_of_the_due_day_is_on_time(world):
    application = alliance(world)
    report = filled(application, user=world.applicant)
    last_second = at(2027, 2, 28, 23, 59, 59, 500000)

    assert annual.days_left(application.edition, 2026, last_second) == 1
    with time_machine.travel(last_second, tick=False):
        annual.submit(report, world.applicant)

    assert report.on_time is True
    assert annual.days_left(application.edition, 2026, at(2027, 3, 1, 0, 0)) == 0


def test_a_resubmission_within_the_last_second_of_the_grace_period_is_on_time(world):
    report = filled(alliance(world), user=world.applicant)
    with time_machine.travel(at(2027, 2, 20, 9), tick=False):
        annual.submit(report, world.applicant)
    with time_machine.travel(at(2027, 2, 27, 9), tick=False):
        annual.return_report(report, world.staff, "请补充签章页。")
    grace = world.edition.annual_report_grace_days
    last_second = at(2027, 2, 28, 23, 59, 59, 999999) + datetime.timedelta(days=grace)

    assert annual.lapse_reason(report, last_second) is None
    with time_machine.travel(last_second, tick=False):
        annual.submit(report, world.applicant)

    assert report.on_time is True


def test_report_for_the_current_year_waits_for_the_year_to_end(world):
    report = filled(alliance(world), user=world.applicant)

    with time_machine.travel(at(2026, 12, 31, 12), tick=False), pytest.raises(annual.AnnualReportRefused):
        annual.submit(report, world.applicant)


def test_submission_needs_the_summary_the_plan_and_the_scan(world):
    report = annual.report_for(alliance(world), 2026)

    with (
        time_machine.travel(at(2027, 1, 5, 9), tick=False),
        pytest.raises(annual.AnnualReportRefused) as refused,
    ):
        annual.submit(report, world.applicant)

    assert len(refused.value.messages) == 3


def test_returned_report_resubmitted_within_the_grace_period_is_on_time(world):
    report = filled(alliance(world), user=world.applicant)
    with time_machine.travel(at(2027, 2, 20, 9), tick=False):
        annual.submit(report, world.applicant)
    with time_machine.travel(at(2027, 2, 27, 9), tick=False):
        annual.return_report(report, world.staff, "研发投入数据与附表不一致，请核实。")
    grace = world.edition.annual_report_grace_days

    with time_machine.travel(at(2027, 2, 28, 23, 59) + datetime.timedelta(days=grace), tick=False):
        annual.submit(report, world.applicant)

    assert report.on_time is True
    assert report.first_submitted_at == at(2027, 2, 20, 9)


def test_returned_report_resubmitted_after_the_grace_period_is_refused(world):
    report = filled(alliance(world), user=world.applicant)
    with time_machine.travel(at(2027, 2, 20, 9), tick=False):
        annual.submit(report, world.applicant)
    with time_machine.travel(at(2027, 2, 27, 9), tick=False):
        annual.return_report(report, world.staff, "请补充成果转化收入的证明。")
    grace = world.edition.annual_report_grace_days

    late = at(2027, 3, 1, 0, 0) + datetime.timedelta(days=grace)
    assert annual.on_time(report, late) is False
    with time_machine.travel(late, tick=False), pytest.raises(annual.AnnualReportRefused):
        annual.submit(report, world.applicant)


def test_first_submission_after_the_deadline_gets_no_grace(world):
    report = filled(alliance(world), user=world.applicant)
    report.returned_at = at(2027, 2, 27, 9)  # as if it had been returned, never sent on time

    assert annual.on_time(report, at(2027, 3, 2, 9)) is False


# The bureau's review ------------------------------------------------------------------------


def test_accepting_enters_reported_platforms_in_the_register(world):
    application = alliance(world)
    report = filled(application, user=world.applicant)
    ReportedPlatform.objects.create(
        report=report,
        role="built",
        kind="engineering_centre",
        level="municipal",
        name="朔州市煤矸石综合利用工程技术研究中心",
        approved_year=2026,
    )
    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        annual.submit(report, world.applicant)
        event = annual.accept(report, world.staff)

    assert report.status == AnnualReportStatus.ACCEPTED
    assert list(application.platforms.values_list("name", flat=True)) == [
        "朔州市煤矸石综合利用工程技术研究中心"
    ]
    actions = list(AuditEvent.objects.filter(application=application).values_list("action", flat=True))
    assert actions[-3:] == [
        Activity.ANNUAL_REPORT_SUBMITTED,
        Activity.PLATFORM_ADDED,
        Activity.ANNUAL_REPORT_ACCEPTED,
    ]
    assert event.actor == world.staff
    # The lead unit hears of it.
    assert OutboxMessage.objects.filter(
        kind=OutboxKind.ANNUAL_REPORT, recipient=world.applicant, subject__contains="审核通过"
    ).exists()


def test_return_needs_reasons(world):
    report = filled(alliance(world), user=world.applicant)
    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        annual.submit(report, world.applicant)

    with pytest.raises(annual.AnnualReportRefused):
        annual.return_report(report, world.staff, "  ")

    event = annual.return_report(report, world.staff, "请补充签章页。")
    assert event.comment == "请补充签章页。"
    assert report.status == AnnualReportStatus.RETURNED


# Member changes against Art. 4(3) ------------------------------------------------------------


def test_member_changes_below_the_core_minimum_are_flagged_not_refused(world):
    application = alliance(world)
    report = filled(application, user=world.applicant)
    core = application.members.filter(is_core=True).count()
    for n in range(core - world.edition.min_core_members + 1):
        MemberChange.objects.create(
            report=report, kind="left", name=f"退出单位{n}", is_core=True, reason="转产"
        )

    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        event = annual.submit(report, world.applicant)

    assert report.status == AnnualReportStatus.SUBMITTED
    assert "少于 6 家" in event.data["member_breaches"]
    assert annual.member_check(report).breaches


def test_members_over_the_ceiling_need_a_written_reason(world):
    application = alliance(world)
    report = filled(application, user=world.applicant)
    extra = world.edition.member_ceiling - application.members.count() + 1
    for n in range(extra):
        MemberChange.objects.create(report=report, kind="joined", name=f"新成员{n}", reason="新加入")

    assert annual.member_check(report).breaches
    report.ceiling_justification = "新增成员均为产业链上下游骨干企业。"
    assert not annual.member_check(report).breaches
    assert annual.member_check(report).notes


def test_no_university_or_institute_left_is_flagged(world):
    application = alliance(world)
    report = filled(application, user=world.applicant)
    academia = application.members.filter(org_type__in=["university", "research_institute"])
    assert academia.exists()
    for member in academia:
        MemberChange.objects.create(
            report=report, kind="left", name=member.name, is_core=member.is_core, reason="合作期满"
        )
    assert any("已没有高等院校或科研机构" in breach for breach in annual.member_check(report).breaches)
    # A research institute that joins the same year keeps Art. 4(2) satisfied.
    MemberChange.objects.create(
        report=report,
        kind="joined",
        name="朔州市煤炭科学研究所",
        org_type="research_institute",
        reason="加入",
    )
    assert not any("高等院校" in breach for breach in annual.member_check(report).breaches)


def test_a_member_that_joins_must_state_its_type():
    formset = MemberChangeFormSet(
        {
            "changes-TOTAL_FORMS": "1",
            "changes-INITIAL_FORMS": "0",
            "changes-0-kind": "joined",
            "changes-0-name": "朔州市新成员科技有限公司",
            "changes-0-reason": "加入",
        },
        instance=AnnualReport(),
        prefix="changes",
    )
    assert not formset.is_valid()
    assert "请选择新加入成员的单位类型" in str(formset.errors)


def test_an_accepted_report_down_to_five_core_members_flags_the_alliance_on_the_dashboard(world, client):
    application = alliance(world)
    report = filled(application, user=world.applicant)
    leaving = application.members.filter(is_core=True).count() - world.edition.min_core_members + 1
    for member in application.members.filter(is_core=True, is_lead=False)[:leaving]:
        MemberChange.objects.create(report=report, kind="left", name=member.name, is_core=True, reason="转产")
    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        annual.submit(report, world.applicant)
    client.force_login(world.staff)
    dashboard = client.get(reverse("review:dashboard")).content.decode()
    assert 'id="member-flags"' not in dashboard  # submitted, not yet accepted

    annual.accept(report, world.staff)
    application.refresh_from_db()
    assert application.state == State.RECOGNIZED  # flagged, not lapsed
    dashboard = client.get(reverse("review:dashboard")).content.decode()
    flags = dashboard.split('id="member-flags"')[1].split("</section>")[0]
    assert application.name in flags
    assert (
        f"变动后核心成员为 {world.edition.min_core_members - 1} 家，少于 {world.edition.min_core_members} 家"
        in flags
    )
    assert "第四条第（三）项" in flags
    assert reverse("review:annual_report", args=[report.pk]) in flags


# A report's documents are its own ------------------------------------------------------------


def test_report_scan_never_enters_the_dossier_snapshots_or_eligibility_facts(world):
    application = alliance(world)
    report = filled(application, user=world.applicant)
    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        annual.submit(report, world.applicant)
    scan = report.scans.get()

    facts = facts_for(application)
    versions = [version.sha256 for document in facts.documents for version in document.current_versions]
    assert scan.sha256 not in versions
    assert not DocumentVersion.objects.filter(sha256=scan.sha256, document__application=application).exists()
    data = application_data(application)
    assert scan.original_name not in str(data) and scan.sha256 not in str(data)
    for submission in application.submissions.all():
        assert scan.sha256 not in str(submission.data)
    assert application.submissions.count() == 1  # the report submitted no round of the file


# enforce_annual_reports ---------------------------------------------------------------------


@pytest.fixture
def season(world):
    """Alliances owing their 2026 report, as found on 2027-03-01: ``reported`` (on time),
    ``returned`` (sent on time, returned, in its grace period), ``drafted`` (draft only),
    ``silent`` (nothing), ``rectifying`` (under rectification, nothing), and ``newcomer``
    (recognised on 2027-01-10: owes nothing for 2026)."""
    files = {name: alliance(world) for name in ("reported", "returned", "drafted", "silent", "rectifying")}
    files["newcomer"] = alliance(world, datetime.date(2027, 1, 10))
    world.drive(files["rectifying"], [row_of(State.RECOGNIZED, Action.ORDER_RECTIFICATION)])
    with time_machine.travel(at(2027, 2, 10, 9), tick=False):
        annual.submit(filled(files["reported"], user=world.applicant), world.applicant)
        returned = filled(files["returned"], user=world.applicant)
        annual.submit(returned, world.applicant)
    with time_machine.travel(at(2027, 2, 28, 10), tick=False):
        annual.return_report(returned, world.staff, "请补充签章页。")
    filled(files["drafted"], scan=False)
    return files


def row_of(state, action):
    from applications.workflow import TABLE

    return TABLE[(state, action)]


def states(files):
    for application in files.values():
        application.refresh_from_db()
    return {name: application.state for name, application in files.items()}


def run(*options):
    out = io.StringIO()
    call_command("enforce_annual_reports", *options, stdout=out)
    return out.getvalue()


def test_enforce_lapses_exactly_the_alliances_without_a_report(season):
    before = states(season)
    with time_machine.travel(at(2027, 3, 1, 1), tick=False):
        dry = run("--dry-run")
        assert states(season) == before
        assert "lapsed 3" in dry and "(dry run)" in dry
        events = AuditEvent.objects.count()
        mails = OutboxMessage.objects.count()

        line = run()

    lapsed = {name for name, state in states(season).items() if state == State.LAPSED}
    assert lapsed == {"drafted", "silent", "rectifying"}
    assert states(season)["newcomer"] == State.RECOGNIZED
    assert line.startswith("lapsed 3 of ") and line.count("\n") == 1
    assert AuditEvent.objects.count() == events + 3
    event = AuditEvent.objects.filter(application=season["silent"], action=Action.LAPSE).get()
    assert event.actor is None and event.to_state == State.LAPSED
    assert event.data == {"year": 2026, "due_on": "2027-02-28", "reason": annual.LapseReason.NOT_SUBMITTED}
    assert "2026" in event.comment
    # The lead unit's letter.
    letters = OutboxMessage.objects.filter(
        pk__gt=0, kind=OutboxKind.ANNUAL_REPORT, subject__contains="视为自动放弃"
    )
    assert letters.count() == 3 and OutboxMessage.objects.count() > mails

    with time_machine.travel(at(2027, 3, 2, 1), tick=False):
        again = run()
    assert again.startswith("lapsed 0 of ")
    assert AuditEvent.objects.count() == events + 3


def test_enforce_goes_on_past_an_alliance_whose_lapse_fails(season, monkeypatch):
    real = annual.transition

    def failing_for_silent(application, *args, **kwargs):
        real(application, *args, **kwargs)
        if application.pk == season["silent"].pk:
            raise RuntimeError("mail server down")

    monkeypatch.setattr(annual, "transition", failing_for_silent)
    with time_machine.travel(at(2027, 3, 1, 1), tick=False):
        out = io.StringIO()
        with pytest.raises(CommandError, match="1 lapse"):
            call_command("enforce_annual_reports", stdout=out)

    lapsed = {name for name, state in states(season).items() if state == State.LAPSED}
    assert lapsed == {"drafted", "rectifying"}
    assert not AuditEvent.objects.filter(application=season["silent"], action=Action.LAPSE).exists()
    assert out.getvalue().startswith("lapsed 2 of ") and "failed 1" in out.getvalue()
    assert "RuntimeError: mail server down" in out.getvalue()

    monkeypatch.setattr(annual, "transition", real)
    with time_machine.travel(at(2027, 3, 2, 1), tick=False):
        again = run()
    assert again.startswith("lapsed 1 of ") and states(season)["silent"] == State.LAPSED


def test_enforce_does_nothing_on_the_due_day(season):
    with time_machine.travel(at(2027, 2, 28, 23, 59), tick=False):
        line = run()
    assert line.startswith("lapsed 0 ")
    assert State.LAPSED not in states(season).values()


def test_returned_report_lapses_once_its_grace_period_is_over(season):
    grace = PolicyEdition.objects.get(pk=season["returned"].edition_id).annual_report_grace_days
    with time_machine.travel(at(2027, 3, 1, 0, 0) + datetime.timedelta(days=grace), tick=False):
        run()
    season["returned"].refresh_from_db()
    assert season["returned"].state == State.LAPSED
    event = AuditEvent.objects.get(application=season["returned"], action=Action.LAPSE)
    assert event.data["reason"] == annual.LapseReason.NOT_RESUBMITTED


def test_report_of_an_alliance_is_one_per_year(world):
    application = alliance(world)
    annual.report_for(application, 2026)
    annual.report_for(application, 2026)
    assert AnnualReport.objects.filter(application=application).count() == 1


def test_no_scan_accept_or_return_once_the_alliance_has_lapsed(world):
    application = alliance(world)
    with time_machine.travel(at(2027, 2, 10, 9), tick=False):
        report = filled(application, user=world.applicant)
        annual.submit(report, world.applicant)
        world.drive(application, [row_of(State.RECOGNIZED, Action.LAPSE)])
        application.refresh_from_db()
        assert application.state == State.LAPSED
        with pytest.raises(annual.AnnualReportRefused, match="不能再审核或退回"):
            annual.accept(report, world.staff)
        with pytest.raises(annual.AnnualReportRefused, match="不能再审核或退回"):
            annual.return_report(report, world.staff, "请补充。")
    draft = annual.report_for(application, 2027)
    with pytest.raises(annual.AnnualReportRefused, match="不能再修改年度材料"):
        annual.upload_scan(draft, SimpleUploadedFile("年度材料.pdf", sample_pdf()), world.applicant)
    report.refresh_from_db()
    assert report.status == AnnualReportStatus.SUBMITTED and draft.scans.count() == 0
