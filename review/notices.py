"""The public notice of the alliances to be recognised (公示, Art. 6).

Staff build a notice from the files the Party group approved: a title and a body pre-filled
with the legal basis, the steps already taken and the bureau's contact for objections.
Publishing (:func:`publish`) fixes the period on the notice itself — the edition's number of
calendar days, the day of publication included, ending at 23:59:59 Asia/Shanghai — and moves
every listed file to 公示中 through ``transition()`` in one transaction, the notice named in each
audit event. A published notice is never edited.
"""

import datetime

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Prefetch, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.editions import edition_in_force
from applications.enums import Action, State
from applications.event_data import EventDataForm
from applications.guards import Guard
from applications.models import Application, Member, User
from applications.pdf import render_pdf
from applications.refusals import Refused
from applications.workflow import TransitionError, transition

from .models import Notice, NoticeItem, NoticeStatus
from .models.notices import NOTICE_BODY_MAX_CHARS  # noqa: F401 (the views bound the body by it)

# A notice lists a bounded number of alliances: one round of recognition, not the register.
MAX_ITEMS = 100
END_OF_DAY = datetime.time(23, 59, 59)


class NoticeRefused(Refused):
    """A notice that cannot be changed or published; ``messages`` say why."""


def period(published_at, days):
    """``(first day, end)`` of a notice published at ``published_at`` for ``days`` days.

    Art. 6: calendar days in Asia/Shanghai, the day of publication counted as the first; the
    period ends at 23:59:59 of the last day. Published on 2026-12-01 for 7 days, it runs
    through 2026-12-07 23:59:59.
    """
    first = timezone.localdate(published_at)
    last = first + datetime.timedelta(days=days - 1)
    return first, timezone.make_aware(datetime.datetime.combine(last, END_OF_DAY))


def is_open(notice, now=None):
    """Whether objections are still taken: published, and its period not over."""
    now = now or timezone.now()
    return notice.status == NoticeStatus.PUBLISHED and notice.ends_at is not None and now <= notice.ends_at


def days_left(notice, now=None):
    """Calendar days of the period still to come, today included (0 once it has ended)."""
    if not is_open(notice, now):
        return 0
    today = timezone.localdate(now or timezone.now())
    return (timezone.localdate(notice.ends_at) - today).days + 1


def days_left_text(notice, now=None):
    """ "还剩 n 天" while the notice is open, "已结束" once its period is over."""
    if notice.status != NoticeStatus.PUBLISHED:
        return NoticeStatus(notice.status).label
    left = days_left(notice, now)
    if left == 0:
        return _("已结束")
    if left == 1:
        return _("今天截止")
    return _("还剩 %(days)d 天") % {"days": left}


def notices_listing(application):
    """The published notices that list ``application`` (its notice and any correction that
    names it again); a withdrawn notice no longer counts."""
    return Notice.objects.filter(status=NoticeStatus.PUBLISHED, items__application=application)


def _period_over(application, row, actor):
    """RECOGNIZE's guard (Art. 6): every published notice listing the file has run its full
    period; the same for staff and for ``close_notices``."""
    notices = list(notices_listing(application).order_by("ends_at"))
    if not notices:
        return [_("该联盟未列入已发布的公示，不能认定（第六条）。")]
    now = timezone.now()
    running = [notice for notice in notices if is_open(notice, now)]
    return [
        _("“%(title)s”的公示期至 %(end)s 结束，公示期满后方可认定（第六条）。")
        % {"title": notice.title, "end": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")}
        for notice in running
    ]


def _end_period(application, row, actor):
    """For the demo and the test world: the notices listing the file ended yesterday (the
    example notice, still a draft when files are driven one by one, published then)."""
    for item in application.notice_items.filter(
        notice__status=NoticeStatus.DRAFT, notice__title__endswith=EXAMPLE_SUFFIX
    ):
        publisher = actor if isinstance(actor, User) else item.notice.created_by
        _fix_period(item.notice, publisher, timezone.now())
    for notice in notices_listing(application):
        if is_open(notice):
            published_at = timezone.now() - datetime.timedelta(days=notice.edition.notice_days)
            notice.starts_on, notice.ends_at = period(published_at, notice.edition.notice_days)
            notice.published_at = published_at
            notice.save(update_fields=["starts_on", "ends_at", "published_at"])


period_over = Guard(_period_over, _end_period)


def public_notices(now=None):
    """The notices the public reads: published or withdrawn (shown as such), never a draft;
    the open ones first, then the others, newest first."""
    now = now or timezone.now()
    return (
        Notice.objects.exclude(status=NoticeStatus.DRAFT)
        .annotate(
            alliances=Count("items"),
            open_first=Case(
                When(status=NoticeStatus.PUBLISHED, ends_at__gte=now, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("open_first", "-published_at", "-pk")
    )


def open_notices(now=None):
    """The notices open for objections now (the home page lists them with their days left)."""
    now = now or timezone.now()
    return Notice.objects.filter(status=NoticeStatus.PUBLISHED, ends_at__gte=now).order_by("ends_at", "pk")


def public_items(notice):
    """The alliances of a published notice as the public reads them: name, lead unit, members,
    industry, organising unit; in a fixed number of queries however many there are."""
    return list(
        notice.items.select_related(
            "application__lead_unit", "application__industry", "application__organising_unit"
        )
        .prefetch_related(
            Prefetch("application__members", Member.objects.order_by("-is_lead", "-is_core", "pk"))
        )
        .order_by("position", "pk")
    )


def default_title(year):
    return _("关于%(year)d年度朔州市产业技术创新战略联盟拟认定名单的公示") % {"year": year}


def default_body(edition, applications):
    """The body a notice starts from: the legal basis, the steps already taken (the expert
    review and the Party group's meetings, with their dates) and the contact for objections."""
    sessions = []
    for application in applications:
        event = application.events.filter(action=Action.APPROVE).order_by("-created_at").first()
        if event is not None and event.data.get("session"):
            label = _("%(session)s（%(date)s）") % {
                "session": event.data["session"],
                "date": event.data["held_on"],
            }
            if label not in sessions:
                sessions.append(label)
    return _(
        "根据《%(measure)s》（%(number)s）第六条，经组织单位推荐、市科技局形式审查、专家评审，"
        "并经%(meetings)s研究，拟认定以下联盟为朔州市产业技术创新战略联盟，现予以公示。\n\n"
        "公示期为 %(days)d 天。公示期间，任何单位和个人对名单有异议的，可通过本平台实名提出，"
        "个人须提供真实姓名、工作单位和联系电话，单位须加盖公章；匿名异议不予受理。\n\n"
        "联系单位：%(bureau)s；联系电话：%(phone)s；地址：%(address)s。"
    ) % {
        "measure": edition.name,
        "number": edition.document_number,
        "meetings": "、".join(sessions) or _("市科技局党组会"),
        "days": edition.notice_days,
        "bureau": settings.PORTAL_BUREAU_NAME,
        "phone": settings.PORTAL_CONTACT_PHONE,
        "address": settings.PORTAL_CONTACT_ADDRESS,
    }


def approved_files():
    return Application.objects.filter(state=State.APPROVED).select_related(
        "lead_unit", "industry", "organising_unit"
    )


def notice_candidates():
    """Approved files that no notice in preparation lists yet."""
    listed = NoticeItem.objects.filter(notice__status=NoticeStatus.DRAFT).values("application_id")
    return approved_files().exclude(pk__in=listed).order_by("state_changed_at", "pk")


def create(actor, applications):
    """A draft notice of ``applications`` (approved, on no other draft), title and body
    pre-filled under the edition in force."""
    with transaction.atomic():
        pks = sorted(app.pk for app in applications)
        list(Application.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk"))
        found = list(notice_candidates().filter(pk__in=pks))
        if not found or len(found) != len(pks):
            raise NoticeRefused(_("请勾选待公示（党组会通过）且未列入其他公示草稿的申报。"))
        if len(found) > MAX_ITEMS:
            raise NoticeRefused(_("一次公示最多列入 %(max)d 个联盟。") % {"max": MAX_ITEMS})
        edition = edition_in_force()
        notice = Notice.objects.create(
            title=default_title(timezone.localdate().year),
            body=default_body(edition, found),
            edition=edition,
            created_by=actor,
        )
        NoticeItem.objects.bulk_create(
            NoticeItem(notice=notice, application=app, position=index)
            for index, app in enumerate(found, start=1)
        )
    return notice


def _draft(notice):
    locked = Notice.objects.select_for_update().get(pk=notice.pk)
    if not locked.is_draft:
        raise NoticeRefused(_("公示已发布，不能再修改；如需更正，请发布更正公示。"))
    return locked


def edit(notice, *, title, body, document_number=""):
    with transaction.atomic():
        locked = _draft(notice)
        locked.title, locked.body, locked.document_number = title, body, document_number
        locked.save(update_fields=["title", "body", "document_number"])


def notice_pdf(notice):
    """The notice as an official document (GB/T 9704 style: the bureau's red head, the document
    number, the title, the body, the table of alliances, the bureau and the date), in Chinese."""
    return render_pdf(
        "pdf/notice.html",
        {"notice": notice, "items": public_items(notice), "bureau": settings.PORTAL_BUREAU_NAME},
    )


def items_of(notice):
    return list(
        notice.items.select_related(
            "application__lead_unit", "application__industry", "application__organising_unit"
        ).order_by("position", "pk")
    )


def publish(notice, actor, *, ip_address=None):
    """Publish ``notice`` now: fix its period, move every listed file to 公示中 (Art. 6).

    All or nothing: a file that cannot move (withdrawn meanwhile) refuses the whole notice with
    its name, and no file moves. Returns the audit events.
    """
    with transaction.atomic():
        locked = _draft(notice)
        items = items_of(locked)
        if not items:
            raise NoticeRefused(_("公示名单为空。"))
        now = timezone.now()
        events = []
        for item in items:
            try:
                events.append(
                    transition(
                        item.application,
                        Action.PUBLISH_NOTICE,
                        actor,
                        data={"notice": locked.pk},
                        ip_address=ip_address,
                    )
                )
            except TransitionError as refusal:
                raise NoticeRefused(
                    *(
                        _("“%(name)s”：%(message)s") % {"name": item.application.name, "message": message}
                        for message in refusal.messages
                    )
                ) from refusal
        _fix_period(locked, actor, now)
    notice.refresh_from_db()
    return events


def _fix_period(notice, actor, now):
    notice.starts_on, notice.ends_at = period(now, notice.edition.notice_days)
    notice.status, notice.published_by, notice.published_at = NoticeStatus.PUBLISHED, actor, now
    notice.save(update_fields=["starts_on", "ends_at", "status", "published_by", "published_at"])


class PublicationForm(EventDataForm):
    """What the audit event of PUBLISH_NOTICE keeps: the notice that listed the file.

    Valid only for a notice being published (still a draft: ``publish`` fixes it once every
    file has moved) that lists the file, so that a file goes into notice only with its notice.
    """

    notice = forms.IntegerField(label=gettext_lazy("公示"), min_value=1)

    def clean_notice(self):
        pk = self.cleaned_data["notice"]
        item = (
            NoticeItem.objects.filter(
                notice_id=pk, notice__status=NoticeStatus.DRAFT, application=self.application
            )
            .select_related("notice")
            .first()
        )
        if item is None:
            raise forms.ValidationError(_("该申报不在这份待发布的公示名单中。"))
        self.notice_record = item.notice
        return pk

    def event_data(self):
        return {"notice": self.notice_record.pk, "title": self.notice_record.title}

    @classmethod
    def describe(cls, data, *, internal=True):
        if not data.get("title"):
            return super().describe(data, internal=internal)
        return [(_("公示"), data["title"])]

    @classmethod
    def example(cls, application, actor):
        """The demo's and the test world's notice in preparation, listing this file; the demo
        publishes it as ``publish`` would (``finish_example``)."""
        notice = Notice.objects.filter(status=NoticeStatus.DRAFT, title__endswith=EXAMPLE_SUFFIX).first()
        if notice is None:
            edition = application.edition or edition_in_force()
            notice = Notice.objects.create(
                title=default_title(timezone.localdate().year) + EXAMPLE_SUFFIX,
                body=default_body(edition, [application]),
                edition=edition,
                created_by=actor,
            )
        NoticeItem.objects.get_or_create(
            notice=notice, application=application, defaults={"position": notice.items.count() + 1}
        )
        return {"notice": notice.pk}


EXAMPLE_SUFFIX = "（演示）"


def finish_example(actor, published_at=None):
    """Publish the example notice as ``publish`` does once its files have moved."""
    notice = Notice.objects.filter(status=NoticeStatus.DRAFT, title__endswith=EXAMPLE_SUFFIX).first()
    if notice is not None:
        _fix_period(notice, actor, published_at or timezone.now())
    return notice
