"""Demo data for every role and every lifecycle state, in two separate worlds.

Idempotent: a second run finds what the first made and adds nothing. Every application is
driven to its state through the real ``transition()``, so its audit trail is real.
Refuses to run in production mode.
"""

import datetime
import functools
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F, Max
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.module_loading import import_string

from applications import demo_documents, drafts, registration
from applications import documents as document_store
from applications.demo import (
    CORRECTED_MEMBER,
    SAMPLE_MEMBERS,
    complete_application,
    record_registry_correction,
    registration_documents,
    sample_pdf,
)
from applications.drafts import start_application
from applications.enums import (
    Action,
    Activity,
    DocumentKind,
    OrganisationType,
    OutboxKind,
    RegistrationStatus,
    Role,
    State,
)
from applications.models import (
    Application,
    Industry,
    Notification,
    Organisation,
    OrganisingUnit,
    OutboxMessage,
    PolicyEdition,
    User,
)
from applications.uscc import make_uscc
from applications.workflow import TABLE, drive, record, resolve, route

DEMO_PASSWORD = "shuozhou-demo"

# The renewed measure that lets the demo accept applications today: the 2021 edition
# lapsed on 2026-05-27 (Art. 10: five years). Its text says plainly that it is a demonstration.
DEMO_EDITION = {
    "document_number": "演示〔2026〕1号",
    "document_number_en": "Demo [2026] No. 1",
    "name": "朔州市产业技术创新战略联盟管理办法（演示用续期版本）",
    "name_en": "Measures of Shuozhou for the Administration of Industrial Technology Innovation "
    "Strategic Alliances (renewal for demonstration)",
    "issued_on": datetime.date(2026, 5, 20),
    "effective_from": datetime.date(2026, 5, 28),
    "effective_until": datetime.date(2031, 5, 27),
    "is_demo": True,
}
DEMO_EDITION_TEXT = Path(__file__).resolve().parents[2] / "policy" / "demo-renewal-2026.zh.txt"


# Two worlds: each lead unit is routed to its own organising unit.
WORLDS = [
    {
        "applicant": ("applicant", "王建国", "wang.jianguo@example.com"),
        "organisation": {
            "uscc": make_uscc("91140602", "MA0K3A1B"),
            "name": "朔州市晋北新材料科技有限公司",
            "org_type": OrganisationType.ENTERPRISE,
            "registered_address": "山西省朔州市朔城区开发北路 88 号",
        },
        "unit": "shuocheng",
        "unit_user": ("unit-shuocheng", "李晓红", "shuocheng@example.com"),
        "experts": ("expert1", "expert2", "expert3"),
        # The file whose member the registry later records as a branch (issue 12).
        "corrected": State.AWAITING_DECISION,
        "topics": [
            ("粉煤灰综合利用", "new-materials"),
            ("光伏组件回收", "photovoltaics"),
            ("陶瓷新材料", "ceramics"),
            ("煤矸石建材", "new-materials"),
            ("现代医药中间体", "medicine"),
            ("绿色乳品加工", "green-food"),
            ("智能矿山装备", "equipment"),
            ("固废资源化", "other-emerging"),
            ("氢能储运", "other-emerging"),
            ("碳化硅材料", "photovoltaics"),
            ("高端耐火材料", "new-materials"),
            ("风电运维", "power"),
            ("杂粮精深加工", "green-food"),
            ("工业互联网", "other-emerging"),
        ],
    },
    {
        "applicant": ("applicant2", "赵丽娟", "zhao.lijuan@example.com"),
        "organisation": {
            "uscc": make_uscc("91140603", "MA0K7C2D"),
            "name": "平鲁区煤电装备制造股份有限公司",
            "org_type": OrganisationType.ENTERPRISE,
            "registered_address": "山西省朔州市平鲁区井坪镇工业园区 6 号",
        },
        "unit": "pinglu",
        "unit_user": ("unit-pinglu", "张志强", "pinglu@example.com"),
        "experts": ("expert4", "expert5", "expert6"),
        "topics": [
            ("煤矿智能化", "coal"),
            ("火电灵活性改造", "power"),
            ("煤基新材料", "coal-chemicals"),
            ("矿用机器人", "equipment"),
            ("光伏治沙", "photovoltaics"),
            ("储能装备", "equipment"),
            ("煤层气利用", "coal"),
            ("特种陶瓷", "ceramics"),
            ("中药材种植加工", "medicine"),
            ("肉羊精深加工", "green-food"),
            ("矿山生态修复", "other-emerging"),
            ("节能环保装备", "equipment"),
            ("新能源汽车零部件", "equipment"),
            ("数字能源", "power"),
        ],
    },
]

# A lead unit that has signed up and sent its licence and letter: 朔城区 has it to decide.
PENDING_REGISTRATION = {
    "applicant": ("applicant3", "孙宏伟", "sun.hongwei@example.com"),
    "organisation": {
        "uscc": make_uscc("91140602", "MA0K9E3F"),
        "name": "朔州市恒通新能源科技有限公司",
        "org_type": OrganisationType.ENTERPRISE,
        "registered_address": "山西省朔州市朔城区文远路 16 号",
    },
    "draft": ("朔州市新型储能产业技术创新战略联盟", "equipment"),
}

STAFF = ("staff", "陈卫东", "staff@example.com", Role.STAFF)
EXPERTS = [
    ("expert1", "刘振华", "expert1@example.com"),
    ("expert2", "孙美玲", "expert2@example.com"),
    ("expert3", "周国强", "expert3@example.com"),
    ("expert4", "吴海燕", "expert4@example.com"),
    ("expert5", "郑晓东", "expert5@example.com"),
    ("expert6", "高文静", "expert6@example.com"),
]


def review_demo(name):
    """A step of the bureau side's demo (review.demo: the expert pool, the experts' work on
    each file), named by its path as the transition table names review's guards:
    ``applications`` never imports ``review``."""
    return import_string(f"review.demo.{name}")


# What the demo's reviewers write when they act.
COMMENTS = {
    Action.FORWARD: "材料齐全，符合申报条件，同意报市科技局。",
    # The organising unit's return (its item: the seals).
    Action.RETURN: "联盟协议未载明各成员单位的任务分工，签章页缺少部分成员单位公章，请补充后重新提交。",
    Action.START_REVIEW: "形式审查通过。",
    Action.CLOSE_REVIEW: "专家评审完成。",
    Action.APPROVE: "经市科技局党组会研究通过。",
    Action.REJECT: "成员中无高校或科研机构，产学研结合不足。",
    Action.RECOGNIZE: "公示期满无异议。",
    Action.ORDER_RECTIFICATION: "联盟章程规定的理事会未按期召开，请于 30 日内整改。",
    Action.REVOKE: "联盟停止运行，经核实取消市级联盟资格。",
    Action.LAPSE: "未在 2 月底前报送上年度工作总结和下一年度工作计划（第八条）。",
    Action.WITHDRAW: "牵头单位决定调整成员后再行申报。",
}


# The bureau's return after the formal check: its checklist names the failed items.
FORMAL_CHECK_RETURN = "形式审查未通过：请按所列未通过的事项补充材料后，重新提交市科技局。"


def demo_comment(row):
    if row.action == Action.RETURN and row.source == State.FORWARDED:
        return FORMAL_CHECK_RETURN
    return COMMENTS.get(row.action, "")


# What the bureau side has done to a demo file in a state beyond what its steps did, by the
# dotted path of the bureau's own helper (``applications`` never imports ``review``):
# ``helper(application, staff)``.
BUREAU_WORK = {
    # Art. 6: the formal check under way, half of the checklist filled in.
    State.FORWARDED: "review.checks.check_half_of_the_list",
}


# A demo user has read their messages but the newest few, as a person using the portal would
# have: 48 unread on the first log-in hides the few that matter.
DEMO_UNREAD_MESSAGES = 4


def demo_files(world):
    """``(state, alliance name, industry code)``: a file in every state of ``State``, named
    from the world's topics (taken again, numbered, if the lifecycle outgrows them)."""
    topics = world["topics"]
    for index, state in enumerate(State):
        topic, industry_code = topics[index % len(topics)]
        round_ = index // len(topics)
        suffix = f"（{round_ + 1}）" if round_ else ""
        yield state, f"朔州市{topic}产业技术创新战略联盟{suffix}", industry_code


def demo_route(state):
    """The rows that take a demo file to ``state``: the shortest, except for two. The file
    awaiting the bureau was returned by its organising unit and then by the formal check, so
    that its reviewers see what changed between rounds and what the previous formal check
    found; the returned file was returned by the formal check, so that its lead unit sees the
    failed items."""
    if state == State.FORWARDED:
        return [
            *route(State.RETURNED),
            TABLE[(State.RETURNED, Action.RESUBMIT)],
            TABLE[(State.SUBMITTED, Action.FORWARD)],
            TABLE[(State.FORWARDED, Action.RETURN)],
            TABLE[(State.RETURNED, Action.RESUBMIT_TO_BUREAU)],
        ]
    if state == State.RETURNED:
        return route(State.RETURNED, via=State.FORWARDED)
    return route(state)


def revise_after_return(application, applicant):
    """What a lead unit does with a return: it fixes the agreement and sharpens its goals."""
    application.innovation_goals += "\n（补充）明确各成员单位在三项关键技术攻关中的分工与考核节点。"
    application.save(update_fields=["innovation_goals"])
    revised = demo_documents.agreement(application, revision="补充各成员单位任务分工与考核节点")
    drafts.upload(
        application,
        SimpleUploadedFile("联盟协议（补充任务分工）.pdf", revised.data),
        applicant,
        kind=DocumentKind.AGREEMENT,
    )


def revise_after_formal_check(application, applicant):
    """What a lead unit does with the formal check's failed items: the charter and the lead
    unit's qualification (``review.checks.DEMO_FAILURES``)."""
    added = "\n（补充）近三年研发投入合计 4,860 万元；主持制定行业标准 2 项、团体标准 3 项。"
    application.lead_qualification = (application.lead_qualification + added)[:1000]
    application.save(update_fields=["lead_qualification"])
    drafts.upload(
        application,
        SimpleUploadedFile(
            "联盟章程（补充理事会组成和议事规则）.pdf", demo_documents.charter(application).data
        ),
        applicant,
        kind=DocumentKind.CHARTER,
    )


def revise_before_resubmitting(application, row, actor):
    if row.action == Action.RESUBMIT:
        revise_after_return(application, actor)
    elif row.action == Action.RESUBMIT_TO_BUREAU:
        revise_after_formal_check(application, actor)


class Command(BaseCommand):
    help = "Load demo users, organisations and applications in every state (idempotent)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo 不能在生产模式下运行。 / seed_demo refuses to run in production mode."
            )
        # The demo's own transitions would flood the console with e-mails: drop them.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            edition = self._edition()
            already = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
            staff = self._user(*STAFF)
            for username, name, email in EXPERTS:
                self._user(username, name, email, Role.EXPERT)
            review_demo("expert_pool")()
            self._user("admin", "系统管理员", "admin@example.com", Role.ADMIN, superuser=True)
            # Files past the public notice stop in notice, so that one notice lists them all;
            # once it has run its period they go on (``_notices``).
            after_notice = []
            for world in WORLDS:
                after_notice += self._world(world, edition, staff)
            self._pending_registration(PENDING_REGISTRATION, edition)
            record_registry_correction()
            self._party_group(staff)
            self._notices(staff, after_notice)
            self._read_all_but_the_newest(Notification.objects.filter(pk__gt=already))
        self._print_logins()

    def _edition(self):
        fields = {**DEMO_EDITION, "full_text": DEMO_EDITION_TEXT.read_text(encoding="utf-8")}
        edition, _ = PolicyEdition.objects.update_or_create(
            document_number=fields.pop("document_number"), defaults=fields
        )
        return edition

    def _user(self, username, full_name, email, role, *, superuser=False, **links):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=full_name, email=email, role=role, **links)
            user.is_superuser = superuser
            user.set_password(DEMO_PASSWORD)
            user.email_confirmed_at = user.date_joined
            user.save()
        return user

    def _organisation(self, data):
        organisation = Organisation.objects.filter(uscc=data["uscc"], name=data["name"]).first()
        return organisation or Organisation.objects.create(**data)

    def _registration(self, organisation, applicant, reviewer=None):
        """单位注册审核 through the real steps: sent, and approved by ``reviewer`` if given."""
        if organisation.registration_status == RegistrationStatus.UNSENT:
            registration_documents(organisation, applicant)
            registration.send(organisation, applicant, ip_address="127.0.0.1")
        if reviewer is not None and organisation.registration_status == RegistrationStatus.PENDING:
            registration.decide(
                organisation,
                reviewer,
                approve=True,
                comment="营业执照和法人授权委托书核对无误。",
                ip_address="127.0.0.1",
            )

    def _pending_registration(self, world, edition):
        organisation = self._organisation(world["organisation"])
        username, name, email = world["applicant"]
        applicant = self._user(username, name, email, Role.APPLICANT, organisation=organisation)
        self._registration(organisation, applicant)
        name, industry_code = world["draft"]
        if not Application.objects.filter(lead_unit=organisation, name=name).exists():
            start_application(
                organisation=organisation,
                user=applicant,
                edition=edition,
                name=name,
                industry=Industry.objects.get(code=industry_code),
                organising_unit=registration.approver_unit(organisation.uscc),
            )

    def _world(self, world, edition, staff):
        organisation = self._organisation(world["organisation"])
        unit = OrganisingUnit.objects.get(code=world["unit"])
        username, name, email = world["applicant"]
        applicant = self._user(username, name, email, Role.APPLICANT, organisation=organisation)
        username, name, email = world["unit_user"]
        reviewer = self._user(username, name, email, Role.UNIT_REVIEWER, organising_unit=unit)
        self._registration(organisation, applicant, reviewer)
        actors = {Role.APPLICANT: applicant, Role.UNIT_REVIEWER: reviewer, Role.STAFF: staff}
        industries = {industry.code: industry for industry in Industry.objects.all()}
        pending = []
        for state, name, industry_code in demo_files(world):
            if Application.objects.filter(lead_unit=organisation, name=name).exists():
                continue
            application = start_application(
                organisation=organisation,
                user=applicant,
                edition=edition,
                name=name,
                industry=industries[industry_code],
                organising_unit=unit,
            )
            # Every file but the first draft is complete: the later ones were submitted.
            if state != State.DRAFT:
                members = SAMPLE_MEMBERS + ((CORRECTED_MEMBER,) if world.get("corrected") == state else ())
                complete_application(application, applicant, members=members)
            rows = demo_route(state)
            # Up to the public notice now; the rest once the notice has run (``_notices``).
            cut = next(
                (n + 1 for n, row in enumerate(rows) if row.action == Action.PUBLISH_NOTICE), len(rows)
            )
            step = functools.partial(
                drive,
                actor_for=lambda row: next(
                    (actors[role] for role in sorted(row.roles) if role in actors), None
                ),
                comment=demo_comment,
                ip_address="127.0.0.1",
                before=self._before(world, state),
            )
            step(application, rows[:cut])
            if cut < len(rows):
                pending.append((application, state, rows[cut:], step, world, staff))
            else:
                self._settle(application, state, world, staff)
        return pending

    @staticmethod
    def _settle(application, state, world, staff):
        assert application.state == state, (application.state, state)
        review_demo("settle")(application, state, world["experts"], staff)
        if state in BUREAU_WORK:
            resolve(BUREAU_WORK[state])(application, staff)

    @staticmethod
    def _before(world, outcome):
        """What people do before a demo file's step: the lead unit revises a returned file;
        the bureau assigns the world's experts, who score before the review closes."""
        prepare = review_demo("prepare_step")

        def before(application, row, actor):
            revise_before_resubmitting(application, row, actor)
            prepare(application, row, actor, experts=world["experts"], outcome=outcome)

        return before

    def _party_group(self, staff):
        """党组会: the meeting that decided the demo's files gets its minutes and defers one
        file; the next meeting is being prepared with the files still awaiting a decision."""
        from review import letters, meetings
        from review.models import Decision, Meeting, MeetingItem, MeetingMinutes

        decided = (
            meetings.finish_example(staff) or Meeting.objects.filter(status="recorded").order_by("pk").first()
        )
        if decided is None:
            return
        if not decided.minutes.exists():
            scan = SimpleUploadedFile("党组会会议纪要.pdf", sample_pdf(2))
            minutes = MeetingMinutes(meeting=decided)
            document_store.save_checked(minutes, scan, staff, document_store.inspect(scan, "minutes"))
        # The decision letters of that meeting, drafted for staff to read and send.
        lettered = set(
            OutboxMessage.objects.filter(kind=OutboxKind.LETTER).values_list("application_id", flat=True)
        )
        for item in decided.items.exclude(decision=Decision.DEFER).select_related("application__edition"):
            if item.application_id not in lettered:
                letters.queue(item, staff)
        waiting = list(Application.objects.filter(state=State.AWAITING_DECISION).order_by("pk"))
        if not waiting:
            return
        deferred = waiting[0]
        if not MeetingItem.objects.filter(meeting=decided, application=deferred).exists():
            reasons = "请补充成员单位近三年研发投入情况说明后提交下次党组会研究。"
            MeetingItem.objects.create(
                meeting=decided,
                application=deferred,
                decision=Decision.DEFER,
                reasons=reasons,
                position=decided.items.count() + 1,
            )
            record(
                deferred,
                Activity.DEFER_DECISION,
                staff,
                comment=reasons,
                data={
                    "meeting": decided.pk,
                    "session": decided.session,
                    "held_on": decided.held_on.isoformat(),
                },
            )
        upcoming, created = Meeting.objects.get_or_create(
            session="下一次党组会（演示，准备中）",
            defaults={"held_on": decided.held_on + datetime.timedelta(days=14), "created_by": staff},
        )
        if created:
            meetings.add_files(upcoming, waiting)
            first = upcoming.items.order_by("position").first()
            meetings.set_decisions(upcoming, {first.pk: (Decision.APPROVE, "")})

    def _notices(self, staff, after_notice):
        """公示 (Art. 6): one notice lists the demo's files in notice and after; it was published
        a notice period ago and ended yesterday, so ``close_notices`` has work: one alliance held
        by a pending objection, one whose objection was dismissed. The files past the notice go
        on from there (recognised and numbered, then under rectification, revoked, lapsed; the
        first with Art. 7 platforms; the certificates with a seal). A second notice, of an
        approved file, opened today: objections can be made to it."""
        from review import notices

        days = (
            PolicyEdition.objects.filter(notices__isnull=False).values_list("notice_days", flat=True).first()
        )
        notices.finish_example(staff, published_at=timezone.now() - datetime.timedelta(days=days or 7))
        for application, state, rows, step, world, staff_ in after_notice:
            step(application, rows)
            self._settle(application, state, world, staff_)
        review_demo("objections")(staff)
        review_demo("open_notice")(staff)
        review_demo("recognition_extras")(staff)
        review_demo("annual_reports")(staff)

    def _read_all_but_the_newest(self, created):
        """Of the messages this run created, each recipient has read all but the newest few,
        each when it arrived. A second run creates none and so changes none."""
        for recipient_id in created.order_by().values_list("recipient_id", flat=True).distinct():
            theirs = created.filter(recipient_id=recipient_id)
            newest = theirs.order_by("-created_at", "-pk").values_list("pk", flat=True)[:DEMO_UNREAD_MESSAGES]
            theirs.exclude(pk__in=list(newest)).update(read_at=F("created_at"))

    def _print_logins(self):
        self.stdout.write(
            self.style.SUCCESS(
                f"演示账号（密码均为 {DEMO_PASSWORD}）/ demo log-ins, password {DEMO_PASSWORD}:"
            )
        )
        rows = [
            ("applicant", "申报单位（朔州市晋北新材料科技有限公司，组织单位：朔城区）"),
            ("applicant2", "申报单位（平鲁区煤电装备制造股份有限公司，组织单位：平鲁区）"),
            ("applicant3", "申报单位（朔州市恒通新能源科技有限公司，单位注册待朔城区审核）"),
            ("unit-shuocheng", "组织单位：朔城区科技局"),
            ("unit-pinglu", "组织单位：平鲁区科技局"),
            ("staff", "市科技局"),
            ("expert1 … expert3", "评审专家（朔城区一组；expert1 有待评分的申报）"),
            ("expert4 … expert6", "评审专家（平鲁区一组）"),
            ("admin", "系统管理员（/admin/）"),
        ]
        for username, role in rows:
            self.stdout.write(f"  {username:<18} {role}")
