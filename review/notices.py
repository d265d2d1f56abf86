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
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.editions import edition_in_force
from applications.enums import Action, Activity, State
from applications.event_data import EventDataForm
from applications.guards import Guard
from applications.models import Application, AuditEvent, User
from applications.pdf import render_pdf
from applications.refusals import Refused
from applications.workflow import TransitionError, record, transition

from .deadlines import end_of
from .models import Notice, NoticeItem, NoticeStatus
from .models.notices import (
    NOTICE_BODY_MAX_CHARS,  # noqa: F401 (the views bound the body by it)
    WITHDRAWAL_REASON_MAX_CHARS,
)

# A notice lists a bounded number of alliances: one round of recognition, not the register.
MAX_ITEMS = 100


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
    return first, end_of(last)


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
    """The published notices that hold ``application``: the one it was last published on
    (:func:`current_notices`) and any correction of it that names it again. An older notice
    that listed it, or a withdrawn one, no longer counts."""
    current = current_notices([application.pk]).get(application.pk)
    return Notice.objects.filter(status=NoticeStatus.PUBLISHED, items__application=application).filter(
        Q(pk=current) | Q(corrects_id=current)
    )


def current_notices(application_pks):
    """``{application pk: notice pk}``: the notice each file was last published on, which its
    latest PUBLISH_NOTICE event names (a correction moves no file, so it is always an
    original). Only that notice holds the file: an older one listing it (ended, the file sent
    back by an upheld objection, approved again and noticed anew) no longer withdraws it nor
    names it in a correction. A file never published is absent."""
    events = (
        AuditEvent.objects.filter(application_id__in=list(application_pks), action=Action.PUBLISH_NOTICE)
        .order_by("application_id", "-created_at", "-pk")
        .values_list("application_id", "data")
    )
    current = {}
    for application_pk, data in events:
        current.setdefault(application_pk, (data or {}).get("notice"))
    return current


def held_items(notice, items=None):
    """The items of the original ``notice`` whose file it still holds: the file's current
    notice (:func:`current_notices`) is this one."""
    items = items_of(notice) if items is None else items
    current = current_notices(item.application_id for item in items)
    return [item for item in items if current.get(item.application_id) == notice.pk]


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
    _publish_example(application, actor)
    for notice in notices_listing(application):
        if is_open(notice):
            published_at = timezone.now() - datetime.timedelta(days=notice.edition.notice_days)
            notice.starts_on, notice.ends_at = period(published_at, notice.edition.notice_days)
            notice.published_at = published_at
            notice.save(update_fields=["starts_on", "ends_at", "published_at"])


def _publish_example(application, actor):
    for item in application.notice_items.filter(
        notice__status=NoticeStatus.DRAFT, notice__title__endswith=EXAMPLE_SUFFIX
    ):
        publisher = actor if isinstance(actor, User) else item.notice.created_by
        _fix_period(item.notice, publisher, timezone.now())


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


def public_corrections(notice):
    """The published (or withdrawn) corrections of ``notice``, oldest first."""
    return list(notice.corrections.exclude(status=NoticeStatus.DRAFT).order_by("published_at", "pk"))


def open_notices(now=None):
    """The notices open for objections now (the home page lists them with their days left)."""
    now = now or timezone.now()
    # A correction of the text only lists no alliance: nothing to object to.
    return Notice.objects.filter(
        status=NoticeStatus.PUBLISHED, ends_at__gte=now, pk__in=NoticeItem.objects.values("notice_id")
    ).order_by("ends_at", "pk")


def public_items(notice):
    """The alliances of a published notice as the public read them on publication (name,
    lead unit, members, industry, organising unit: ``NoticeItem.listing``), in one query
    however many there are."""
    return list(notice.items.order_by("position", "pk"))


def listing(application):
    """What a notice shows of ``application``, frozen on the item when the notice is published:
    a later change to the file (an organisation's name corrected, a member leaving after
    recognition) does not alter what was noticed."""
    members = sorted(
        application.members.all(), key=lambda member: (not member.is_lead, not member.is_core, member.pk)
    )
    return {
        "name": application.name,
        "lead_unit": application.lead_unit.name if application.lead_unit_id else "",
        "members": [member.name for member in members],
        "industry": application.industry.name if application.industry_id else "",
        "organising_unit": application.organising_unit.name if application.organising_unit_id else "",
    }


def _freeze_listings(notice):
    items = list(
        notice.items.select_related(
            "application__lead_unit", "application__industry", "application__organising_unit"
        ).prefetch_related("application__members")
    )
    for item in items:
        item.listing = listing(item.application)
    NoticeItem.objects.bulk_update(items, ["listing"])


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
        if locked.corrects_id is not None:
            return _publish_correction(locked, actor, ip_address=ip_address)
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


# Corrections (更正公示) -----------------------------------------------------------------------

# The line of a correction's body that staff must replace with what changed.
CORRECTION_PLACEHOLDER = gettext_lazy("【请写明更正事项：原公示内容为……，现更正为……】")
CORRECTABLE_STATES = (State.IN_NOTICE,)


def default_correction_title(original):
    return _("关于《%(title)s》的更正公示") % {"title": original.title}


def default_correction_body(original):
    return _(
        "%(bureau)s于 %(date)s 发布了《%(title)s》。现将有关事项更正如下：\n\n%(placeholder)s\n\n"
        "本次更正所列联盟的公示期自本更正公示发布之日起重新计算，为 %(days)d 天；其余内容不变。"
        "对更正内容有异议的，可在公示期内通过本平台实名提出。"
    ) % {
        "bureau": settings.PORTAL_BUREAU_NAME,
        "date": timezone.localtime(original.published_at).strftime("%Y-%m-%d"),
        "title": original.title,
        "placeholder": CORRECTION_PLACEHOLDER,
        "days": original.edition.notice_days,
    }


def correctable_items(notice):
    """The alliances of a published notice a correction may name again: still in notice, and
    on this notice (not on a newer one since)."""
    return [item for item in held_items(notice) if item.application.state in CORRECTABLE_STATES]


def create_correction(original, actor, applications=()):
    """A draft correction of the published ``original`` (Art. 6): a notice of its own, linked
    to it, whose body must say what changed. The files it names again (still in notice, listed
    on the original) are noticed anew for its whole period; with none named, it corrects the
    text only and the period stands."""
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=original.pk)
        if locked.corrects_id is not None:
            raise NoticeRefused(
                _("更正公示不能再更正；请更正原公示《%(title)s》。") % {"title": locked.title}
            )
        if locked.status != NoticeStatus.PUBLISHED:
            raise NoticeRefused(_("只能更正已发布且未撤回的公示。"))
        if locked.corrections.filter(status=NoticeStatus.DRAFT).exists():
            raise NoticeRefused(_("该公示已有一份更正公示草稿，请先发布或修改那一份。"))
        allowed = {item.application_id: item.application for item in correctable_items(locked)}
        pks = sorted({app.pk for app in applications})
        if any(pk not in allowed for pk in pks):
            raise NoticeRefused(_("只能列入原公示名单中、仍在公示中的联盟。"))
        notice = Notice.objects.create(
            title=default_correction_title(locked),
            body=default_correction_body(locked),
            edition=locked.edition,
            corrects=locked,
            created_by=actor,
        )
        NoticeItem.objects.bulk_create(
            NoticeItem(notice=notice, application=allowed[pk], position=index)
            for index, pk in enumerate(pks, start=1)
        )
    return notice


def _publish_correction(notice, actor, *, ip_address=None):
    """Publish the draft correction ``notice`` (locked): the original still stands, the body
    says what changed, and every file it names is still in notice; each is told on its
    timeline. No file changes state, so no transition is made."""
    original = Notice.objects.select_for_update().get(pk=notice.corrects_id)
    problems = []
    if original.status != NoticeStatus.PUBLISHED:
        problems.append(_("原公示已撤回，不能再发布更正公示。"))
    if str(CORRECTION_PLACEHOLDER) in notice.body or any(
        mark in notice.body for mark in CORRECTION_PLACEHOLDER_MARKS
    ):
        problems.append(_("正文中仍有“请写明更正事项”的提示：请写明原公示内容和更正后的内容。"))
    items = items_of(notice)
    current = current_notices(item.application_id for item in items)
    for item in items:
        if item.application.state not in CORRECTABLE_STATES:
            problems.append(
                _("“%(name)s”已不在公示中（%(state)s），请从更正名单中移除或重新生成更正公示。")
                % {"name": item.application.name, "state": item.application.get_state_display()}
            )
        elif current.get(item.application_id) != original.pk:
            problems.append(
                _("“%(name)s”已列入另一份公示，请从更正名单中移除或重新生成更正公示。")
                % {"name": item.application.name}
            )
    if problems:
        raise NoticeRefused(*problems)
    now = timezone.now()
    _fix_period(notice, actor, now)
    return [
        record(
            item.application,
            Activity.NOTICE_CORRECTED,
            actor,
            data={"notice": notice.pk, "title": notice.title, "ends_at": notice.ends_at.isoformat()},
            internal=False,
            ip_address=ip_address,
        )
        for item in items
    ]


# The start of the placeholder in either language, should a translated one have been kept.
CORRECTION_PLACEHOLDER_MARKS = ("【请写明更正事项", "[State the correction")


# Withdrawal (撤回公示) -------------------------------------------------------------------------

# Files a withdrawn notice no longer holds: they go back to 党组会通过 (APPROVED).
WITHDRAWABLE_STATES = (State.IN_NOTICE,)
# Files past the notice: recognised ones are revoked under Art. 9, not by withdrawing it.
SETTLED_STATES = (State.RECOGNIZED, State.RECTIFYING, State.REVOKED, State.LAPSED)


def withdraw(notice, actor, *, reason, ip_address=None):
    """Withdraw a published notice (or correction), with the reason the public will read.

    The notice stays public, marked 已撤回 with the reason and the date; a withdrawn original
    takes its corrections with it, and every file it still holds in notice goes back to
    党组会通过 through ``transition()`` (WITHDRAW_NOTICE), ready for a new notice. Refused once
    any alliance it holds is recognised (Art. 9 revokes, not a withdrawal). All or nothing.

    A file listed here but noticed anew since (sent back by an upheld objection, approved
    again, published on a newer notice) belongs to that newer notice: withdrawing this older
    one leaves it as it is, whatever its state (:func:`held_items`).
    """
    reason = (reason or "").strip()
    if not reason:
        raise NoticeRefused(_("请填写撤回理由，公众将在公示页面看到。"))
    if len(reason) > WITHDRAWAL_REASON_MAX_CHARS:
        raise NoticeRefused(
            _("撤回理由最多 %(max)d 字（现有 %(n)d 字）。")
            % {"max": WITHDRAWAL_REASON_MAX_CHARS, "n": len(reason)}
        )
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if locked.status != NoticeStatus.PUBLISHED:
            raise NoticeRefused(_("只能撤回已发布的公示。"))
        corrections = (
            []
            if locked.corrects_id
            else list(locked.corrections.select_for_update().exclude(status=NoticeStatus.WITHDRAWN))
        )
        events = []
        if locked.corrects_id is None:
            items = held_items(locked)
            settled = [item for item in items if item.application.state in SETTLED_STATES]
            if settled:
                raise NoticeRefused(
                    *(
                        _("“%(name)s”已认定，不能撤回公示；如需取消其资格，请按第九条办理。")
                        % {"name": item.application.name}
                        for item in settled
                    )
                )
            for item in items:
                if item.application.state in WITHDRAWABLE_STATES:
                    events.append(
                        transition(
                            item.application,
                            Action.WITHDRAW_NOTICE,
                            actor,
                            comment=reason,
                            data={"notice": locked.pk},
                            ip_address=ip_address,
                        )
                    )
        now = timezone.now()
        for withdrawn in (locked, *corrections):
            if withdrawn.status == NoticeStatus.DRAFT:
                withdrawn.items.all().delete()
                withdrawn.delete()
                continue
            withdrawn.status, withdrawn.withdrawn_by, withdrawn.withdrawn_at = (
                NoticeStatus.WITHDRAWN,
                actor,
                now,
            )
            withdrawn.withdrawal_reason = reason
            withdrawn.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawal_reason"])
    notice.refresh_from_db()
    return events


def _fix_period(notice, actor, now):
    notice.starts_on, notice.ends_at = period(now, notice.edition.notice_days)
    notice.status, notice.published_by, notice.published_at = NoticeStatus.PUBLISHED, actor, now
    notice.save(update_fields=["starts_on", "ends_at", "status", "published_by", "published_at"])
    _freeze_listings(notice)


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


class WithdrawalForm(EventDataForm):
    """What the audit event of WITHDRAW_NOTICE keeps: the notice withdrawn, which must be a
    published notice listing the file (``withdraw`` marks it withdrawn once every file has
    moved), so that a file leaves its notice only with it."""

    notice = forms.IntegerField(label=gettext_lazy("公示"), min_value=1)

    def clean_notice(self):
        pk = self.cleaned_data["notice"]
        item = (
            NoticeItem.objects.filter(
                notice_id=pk,
                notice__status=NoticeStatus.PUBLISHED,
                notice__corrects__isnull=True,
                application=self.application,
            )
            .select_related("notice")
            .first()
        )
        if item is None:
            raise forms.ValidationError(_("该申报不在这份已发布的公示名单中。"))
        if current_notices([self.application.pk]).get(self.application.pk) != pk:
            raise forms.ValidationError(_("该申报已列入另一份公示，撤回这份公示不影响它。"))
        self.notice_record = item.notice
        return pk

    def event_data(self):
        return {"notice": self.notice_record.pk, "title": self.notice_record.title}

    describe = PublicationForm.describe

    @classmethod
    def example(cls, application, actor):
        """The published notice listing the file (the example notice published first)."""
        _publish_example(application, actor)
        notice = notices_listing(application).filter(corrects__isnull=True).order_by("-published_at").first()
        return {"notice": notice.pk}
