"""Rectification and revocation (限期整改、取消资格, Art. 9 of 朔科发〔2021〕5号).

"对违反管理办法的联盟，限期进行整改，情节严重的，取消其市级联盟资格。" Staff order a recognised
alliance to rectify (ORDER_RECTIFICATION, with :class:`OrderForm`: the grounds, the articles
breached, what must be done and a deadline); the order is kept as a
:class:`~review.models.RectificationOrder` (:func:`open_order`). The lead unit answers with a
report and documents before the deadline (:func:`answer`, audited as
``Activity.RECTIFICATION_ANSWERED``). Staff then accept (ACCEPT_RECTIFICATION, back to
RECOGNIZED) or revoke (REVOKE, with :class:`RevocationForm`); serious cases (false materials)
are revoked directly from RECOGNIZED. A revocation is told by letter (:func:`send_letter`).
"""

import datetime

from django import forms
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import documents as document_store
from applications.enums import Activity, OutboxKind, State
from applications.event_data import EventDataForm
from applications.guards import Guard
from applications.models import Application, in_english
from applications.outbox import notify
from applications.permissions import lead_unit_contacts
from applications.refusals import Refused
from applications.workflow import record

from .deadlines import closes_at, end_of
from .models import RectificationFile, RectificationOrder, RectificationOutcome
from .models.rectification import RECTIFICATION_TEXT_MAX_CHARS
from .recognition import portal_address

# A deadline is set in days or months, not years.
MAX_DEADLINE_DAYS = 365
DEFAULT_DEADLINE_DAYS = 30
# A report is a few files, not an archive.
MAX_ANSWER_FILES = 5

# The articles of the measure an alliance can breach, as an order or a revocation cites them.
ARTICLES = (
    ("2", gettext_lazy("第二条（联盟的性质：协议、契约，优势互补、利益共享、风险共担）")),
    ("3", gettext_lazy("第三条（联盟的主要任务）")),
    ("4", gettext_lazy("第四条（市级联盟应具备的条件）")),
    ("5", gettext_lazy("第五条（申报材料，含协议和章程）")),
    ("7", gettext_lazy("第七条（创新平台和团队建设）")),
    ("8", gettext_lazy("第八条（年度工作总结和工作计划）")),
    ("9", gettext_lazy("第九条（合法守信）")),
)


class RevocationBasis:
    """Why an alliance loses its recognition (Art. 9)."""

    FAILED = "failed"
    NOT_ANSWERED = "not_answered"
    FALSE_MATERIALS = "false_materials"
    SERIOUS = "serious"
    UNLAWFUL = "unlawful"
    LABELS = {
        FAILED: gettext_lazy("整改不合格"),
        NOT_ANSWERED: gettext_lazy("逾期未报送整改情况"),
        FALSE_MATERIALS: gettext_lazy("提供虚假材料（情节严重）"),
        SERIOUS: gettext_lazy("其他严重违反管理办法的情形"),
        UNLAWFUL: gettext_lazy("涉及违法违规"),
    }

    @classmethod
    def choices(cls, *keys):
        return [(key, cls.LABELS[key]) for key in keys]


class RectificationRefused(Refused):
    """An answer that is not taken; ``messages`` say why."""


def is_overdue(order, now=None):
    return (now or timezone.now()) >= closes_at(order.deadline)


def days_left(order, now=None):
    """Calendar days to the deadline, today included (0 once it has passed)."""
    now = now or timezone.now()
    if is_overdue(order, now):
        return 0
    return (order.deadline - timezone.localdate(now)).days + 1


def current_order(application):
    """The open order of ``application`` (under rectification), or None."""
    return (
        RectificationOrder.objects.filter(application=application, closed_at__isnull=True)
        .order_by("-ordered_at", "-pk")
        .first()
    )


def article_labels(codes):
    """The articles ``codes`` name, in words, in the active language."""
    labels = dict(ARTICLES)
    separator = "; " if in_english() else "、"
    return separator.join(str(labels.get(str(code), code)) for code in codes or ())


# The forms of the rows ---------------------------------------------------------------------


class ArticlesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=ARTICLES, **kwargs)


class OrderForm(EventDataForm):
    """ORDER_RECTIFICATION's data (Art. 9): the articles breached, what must be done and the
    deadline; the grounds are the row's comment."""

    articles = ArticlesField(label=gettext_lazy("违反的条款"))
    requirements = forms.CharField(
        label=gettext_lazy("整改要求"),
        max_length=RECTIFICATION_TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deadline = forms.DateField(
        label=gettext_lazy("整改期限（含当日）"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_requirements(self):
        text = self.cleaned_data["requirements"].strip()
        if not text:
            raise forms.ValidationError(_("请填写整改要求。"))
        return text

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        today = timezone.localdate()
        if deadline <= today:
            raise forms.ValidationError(_("整改期限须晚于今天。"))
        if deadline > today + datetime.timedelta(days=MAX_DEADLINE_DAYS):
            raise forms.ValidationError(_("整改期限不能超过 %(days)d 天。") % {"days": MAX_DEADLINE_DAYS})
        return deadline

    @classmethod
    def example(cls, application, actor):
        deadline = timezone.localdate() + datetime.timedelta(days=DEFAULT_DEADLINE_DAYS)
        return {
            "articles": ["8"],
            "requirements": "按期报送年度工作总结和工作计划。",
            "deadline": deadline.isoformat(),
        }


class RevocationForm(EventDataForm):
    """REVOKE's data from RECTIFYING (Art. 9): why, and the articles; the grounds are the
    row's comment."""

    basis = forms.ChoiceField(
        label=gettext_lazy("取消资格的情形"),
        choices=RevocationBasis.choices(
            RevocationBasis.FAILED,
            RevocationBasis.NOT_ANSWERED,
            RevocationBasis.FALSE_MATERIALS,
            RevocationBasis.SERIOUS,
            RevocationBasis.UNLAWFUL,
        ),
    )
    articles = ArticlesField(label=gettext_lazy("依据条款"))

    @classmethod
    def example(cls, application, actor):
        return {"basis": cls.base_fields["basis"].choices[0][0], "articles": ["9"]}


class DirectRevocationForm(RevocationForm):
    """REVOKE from RECOGNIZED, without an order first: for serious cases only (Art. 9:
    情节严重的), such as false materials."""

    basis = forms.ChoiceField(
        label=gettext_lazy("取消资格的情形"),
        choices=RevocationBasis.choices(
            RevocationBasis.FALSE_MATERIALS, RevocationBasis.SERIOUS, RevocationBasis.UNLAWFUL
        ),
    )


class AnswerRecord(EventDataForm):
    """The data of ``Activity.RECTIFICATION_ANSWERED``: the report and its files' names."""

    order = forms.IntegerField(label=gettext_lazy("整改通知"), required=False)
    deadline = forms.DateField(label=gettext_lazy("整改期限（含当日）"), required=False)
    answer = forms.CharField(label=gettext_lazy("整改情况报告"), required=False)
    files = forms.CharField(label=gettext_lazy("整改材料"), required=False)
    internal_fields = frozenset({"order"})

    @classmethod
    def describe(cls, data, *, internal=True):
        data = dict(data or {})
        data.pop("order", None)
        data["files"] = "、".join(data.get("files") or [])
        return super().describe(data, internal=internal)


# Effects and records of the rows ----------------------------------------------------------


def open_order(application, event, actor):
    """ORDER_RECTIFICATION's record: the order, from what its event keeps."""
    data = event.data or {}
    RectificationOrder.objects.create(
        application=application,
        event=event,
        grounds=event.comment,
        articles=data.get("articles", []),
        requirements=data.get("requirements", ""),
        deadline=datetime.date.fromisoformat(data["deadline"]),
        ordered_by=actor,
        ordered_at=event.created_at,
    )


def _close(application, event, outcome):
    RectificationOrder.objects.filter(application=application, closed_at__isnull=True).update(
        outcome=outcome, closed_at=event.created_at
    )


def accept_order(application, event, actor):
    """ACCEPT_RECTIFICATION's record: the open order closed as accepted."""
    _close(application, event, RectificationOutcome.ACCEPTED)


def revoke_order(application, event, actor):
    """REVOKE's record: an open order closed as revoked, and the letter to the lead unit."""
    _close(application, event, RectificationOutcome.REVOKED)
    send_letter(application, event, actor)


LETTER_SUBJECT = gettext_lazy("【朔州市科学技术局】“%(name)s”取消市级联盟资格通知")


def lapse_order(application, event, actor):
    """LAPSE's record from RECTIFYING (Art. 8): the open order closed as lapsed, no answer being
    awaited any longer."""
    _close(application, event, RectificationOutcome.LAPSED)


def send_letter(application, event, actor):
    """The revocation letter (取消资格通知) to the lead unit's contacts, in each one's language,
    sent at once: the grounds, the articles, the date."""
    return notify(
        list(lead_unit_contacts(application.lead_unit_id)),
        kind=OutboxKind.REVOCATION,
        subject=lambda context: LETTER_SUBJECT % {"name": application.name},
        template="email/revocation_letter.txt",
        context={
            "application": application,
            "event": event,
            "revoked_on": timezone.localdate(event.created_at),
            "basis": RevocationBasis.LABELS.get((event.data or {}).get("basis"), ""),
            "articles": lambda: article_labels((event.data or {}).get("articles")),
            "directory_url": portal_address(reverse("alliance", args=[application.pk])),
        },
        in_portal={"application": application, "event": event},
        application=application,
        created_by=actor,
    )


def _answered(application, row, actor):
    """ACCEPT_RECTIFICATION's guard: the alliance has reported on its rectification."""
    order = current_order(application)
    if order is None or order.answered_at is None:
        return [_("联盟尚未报送整改情况，不能确认整改合格（第九条）。")]
    return []


def _answer_for_example(application, row, actor):
    """For the demo and the test world: the lead unit's report, as ``answer`` writes it."""
    order = current_order(application)
    if order is not None and order.answered_at is None:
        contact = lead_unit_contacts(application.lead_unit_id).first()
        now = min(timezone.now(), end_of(order.deadline))
        answer(order, contact, "已按要求完成整改，报送整改情况。", [], now=now)


answered = Guard(_answered, _answer_for_example)


# The lead unit's answer ---------------------------------------------------------------------


def inspect_files(uploads):
    """``[(upload, inspection)]``, each checked by content; RectificationRefused with every
    file's problem."""
    if len(uploads) > MAX_ANSWER_FILES:
        raise RectificationRefused(_("每次最多上传 %(n)d 个文件。") % {"n": MAX_ANSWER_FILES})
    checked, problems = [], []
    for upload in uploads:
        try:
            checked.append((upload, document_store.inspect(upload)))
        except document_store.UploadRefused as refusal:
            problems.append(str(refusal))
    if problems:
        raise RectificationRefused(*problems)
    return checked


def answer(order, actor, text, uploads, *, ip_address=None, now=None):
    """The lead unit's report on ``order`` (Art. 9): text and documents, before the deadline
    (23:59:59 Asia/Shanghai of its last day). May be sent again, with more documents, until
    then; each answer is on the alliance's timeline, shown to the lead unit and to staff."""
    text = (text or "").strip()
    if not text:
        raise RectificationRefused(_("请填写整改情况报告。"))
    if len(text) > RECTIFICATION_TEXT_MAX_CHARS:
        raise RectificationRefused(_("整改情况报告不能超过 %(n)d 字。") % {"n": RECTIFICATION_TEXT_MAX_CHARS})
    checked = inspect_files(uploads)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=order.application_id)
        locked = RectificationOrder.objects.select_for_update().get(pk=order.pk)
        if application.state != State.RECTIFYING or not locked.is_open:
            raise RectificationRefused(_("该整改通知已办结，不能再报送整改情况。"))
        now = now or timezone.now()
        if is_overdue(locked, now):
            raise RectificationRefused(
                _("整改期限已于 %(end)s 届满，不能再报送整改情况（第九条）。")
                % {"end": end_of(locked.deadline).strftime("%Y-%m-%d %H:%M")}
            )
        names = []
        for upload, inspection in checked:
            stored = document_store.save_checked(RectificationFile(order=locked), upload, actor, inspection)
            names.append(stored.original_name)
        locked.answer, locked.answered_by, locked.answered_at = text, actor, now
        locked.save(update_fields=["answer", "answered_by", "answered_at"])
        record(
            application,
            Activity.RECTIFICATION_ANSWERED,
            actor,
            comment="",
            ip_address=ip_address,
            internal=False,
            data={
                "order": locked.pk,
                "deadline": locked.deadline.isoformat(),
                "answer": text,
                "files": names,
            },
        )
    order.refresh_from_db()
    return order


# What staff list ----------------------------------------------------------------------------


def under_rectification():
    """The open orders of alliances under rectification, the nearest deadline first, with
    what the list shows of each in one query."""
    return (
        RectificationOrder.objects.filter(closed_at__isnull=True, application__state=State.RECTIFYING)
        .select_related("application__lead_unit", "application__organising_unit", "ordered_by")
        .order_by("deadline", "pk")
    )


def closed_orders():
    return (
        RectificationOrder.objects.filter(closed_at__isnull=False)
        .select_related("application__lead_unit")
        .order_by("-closed_at", "-pk")
    )
