"""Objections to a public notice (公示异议, Art. 6 of 朔科发〔2021〕5号).

While a notice is open anyone may object to one alliance it lists, in real name (DESIGN.md
"Public notice"): a person gives name, employer, phone and grounds; a unit its name, contact,
phone, grounds and a letter bearing its seal. Evidence may be attached; every file is checked
by content as the applicants' uploads are (``applications.documents``) and stored privately.
The objector gets a receipt number, on the page and by mail when an address is given.

Anonymous, late (server time, Asia/Shanghai) and misdirected objections (an alliance the
notice does not list) are refused here, whatever was posted. The bureau verifies, then
dismisses (an internal record on the file) or upholds (``UPHOLD_OBJECTION``: the file goes
back to the Party group) with a reply to the objector. The lead unit is told that an
objection exists and its grounds, never who raised it, and may answer.

RECOGNIZE is guarded by :data:`no_open_objection`: a pending objection, or an upheld one the
Party group has not decided on since, blocks it (Art. 6: recognised once the notice ends
*without objection*).
"""

import re
import secrets
import unicodedata

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.core import get_usage

from applications import documents as document_store
from applications.editions import edition_in_force
from applications.enums import Action, Activity, OutboxKind, Role
from applications.event_data import EventDataForm
from applications.forms import say_how_long
from applications.guards import Guard
from applications.models import COMMENT_MAX_CHARS, AuditEvent, User
from applications.outbox import mail_address, notify
from applications.permissions import lead_unit_contacts
from applications.plain_text import refuse_invisible_characters
from applications.refusals import Refused
from applications.workflow import TABLE, TransitionError, record, transition

from . import notices
from .models import (
    Notice,
    NoticeItem,
    NoticeStatus,
    Objection,
    ObjectionFile,
    ObjectionFileKind,
    ObjectionStatus,
    ObjectorKind,
)
from .models.objections import OBJECTION_TEXT_MAX_CHARS

# Evidence is a few files, not an archive.
MAX_EVIDENCE_FILES = 5
# Receipt numbers: the date and six characters no one confuses (no 0/O, 1/I/L).
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_RANDOM_CHARS = 6
OPEN = (ObjectionStatus.PENDING, ObjectionStatus.UPHELD)


class ObjectionRefused(Refused):
    """An objection that is not received, or a decision not taken; ``messages`` say why."""


# The receipt number ------------------------------------------------------------------------


def new_receipt_number(now=None):
    """ "261207-7K3M9Q": the day (Asia/Shanghai) and six random characters (31⁶, about 887
    million a day), so that a number cannot be guessed from another."""
    day = timezone.localdate(now or timezone.now()).strftime("%y%m%d")
    return day + "-" + "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_RANDOM_CHARS))


# The phone ----------------------------------------------------------------------------------

PHONE_SEPARATORS = re.compile(r"[\s\-()（）－]")


def normalize_phone(phone):
    """The phone as digits, without +86 / 0086: "+86 139-0000-1234" → "13900001234". The
    throttle counts objections per normalised phone, however it was typed."""
    digits = PHONE_SEPARATORS.sub("", phone or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def valid_phone(normalized):
    """A mainland mobile (11 digits from 1) or a landline with its area code (0 and 9–11 more
    digits, an extension allowed after it)."""
    return bool(re.fullmatch(r"1[3-9]\d{9}|0\d{9,11}(\d{1,6})?", normalized))


# The public form ----------------------------------------------------------------------------

# What a text of several lines may hold of the control characters (Unicode Cc) that
# ``refuse_invisible_characters`` refuses in a one-line name: its line breaks and tabs.
LINE_BREAKS = str.maketrans("", "", "\r\n\t")


def refuse_invisible_in_text(value):
    """``refuse_invisible_characters`` for a text of several lines (the grounds): zero-width
    and direction marks refused, line breaks and tabs kept."""
    refuse_invisible_characters((value or "").translate(LINE_BREAKS))


def has_visible_letter(value):
    """Whether ``value`` holds at least one letter (Unicode L*, Chinese characters included):
    a name of spaces, dots or digits names no one."""
    return any(unicodedata.category(char).startswith("L") for char in value or "")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class ObjectionForm(forms.Form):
    """What an objector types: who they are (a person, or a unit), how to reach them, why.

    ``website`` is a honeypot: hidden from people by the style sheet, filled by bots."""

    kind = forms.ChoiceField(
        label=gettext_lazy("异议人类型"), choices=ObjectorKind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(
        label=gettext_lazy("姓名"), max_length=50, required=False, validators=[refuse_invisible_characters]
    )
    employer = forms.CharField(
        label=gettext_lazy("工作单位"),
        max_length=100,
        required=False,
        validators=[refuse_invisible_characters],
    )
    unit_name = forms.CharField(
        label=gettext_lazy("单位名称"),
        max_length=100,
        required=False,
        validators=[refuse_invisible_characters],
    )
    contact_person = forms.CharField(
        label=gettext_lazy("联系人"), max_length=50, required=False, validators=[refuse_invisible_characters]
    )
    phone = forms.CharField(
        label=gettext_lazy("联系电话"), max_length=30, validators=[refuse_invisible_characters]
    )
    email = forms.EmailField(
        label=gettext_lazy("电子邮箱（选填，用于接收受理回执和答复）"), max_length=254, required=False
    )
    grounds = forms.CharField(
        label=gettext_lazy("异议理由"),
        max_length=OBJECTION_TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        validators=[refuse_invisible_in_text],
    )
    letter = forms.FileField(
        label=gettext_lazy("加盖公章的异议函（单位提出时必传，PDF、JPEG 或 PNG）"), required=False
    )
    evidence = MultipleFileField(
        label=gettext_lazy("证明材料（选填，最多 5 个文件，PDF、JPEG 或 PNG）"), required=False
    )
    pledge = forms.BooleanField(label=gettext_lazy("本人（本单位）承诺以上信息真实，实名提出异议"))
    website = forms.CharField(label=gettext_lazy("请勿填写此项"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        say_how_long(self)
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        required = {
            ObjectorKind.PERSON: ("name", "employer"),
            ObjectorKind.UNIT: ("unit_name", "contact_person"),
        }.get(kind, ())
        for name in required:
            if name in self.errors:
                continue  # refused already (invisible characters, too long)
            if not (cleaned.get(name) or "").strip():
                self.add_error(
                    name,
                    _("请填写%(label)s：匿名异议不予受理（第六条）。") % {"label": self.fields[name].label},
                )
            elif not has_visible_letter(cleaned[name]):
                # "…", "123" or a row of dashes is no real name (Art. 6: 实名).
                self.add_error(
                    name,
                    _("请填写真实的%(label)s（须含有文字）：匿名异议不予受理（第六条）。")
                    % {"label": self.fields[name].label},
                )
        for name in ("name", "employer", "unit_name", "contact_person", "phone"):
            if cleaned.get(name):
                cleaned[name] = " ".join(cleaned[name].split())
        phone = cleaned.get("phone")
        if phone is not None:
            normalized = normalize_phone(phone)
            if not valid_phone(normalized):
                self.add_error(
                    "phone", _("请填写可以联系到您的手机号码，或带区号的固定电话（如 0349-1234567）。")
                )
            cleaned["phone_normalized"] = normalized
        if kind == ObjectorKind.UNIT and not cleaned.get("letter"):
            self.add_error("letter", _("单位提出异议须上传加盖公章的异议函。"))
        if len(cleaned.get("evidence") or []) > MAX_EVIDENCE_FILES:
            self.add_error("evidence", _("证明材料最多 %(max)d 个文件。") % {"max": MAX_EVIDENCE_FILES})
        if (cleaned.get("grounds") or "").strip() == "":
            self.add_error("grounds", _("请写明异议理由。"))
        return cleaned

    @property
    def is_bot(self):
        """Whether the honeypot was filled (no person sees it)."""
        return bool((self.data.get("website") or "").strip())


# The throttle --------------------------------------------------------------------------------


def throttled(request, phone_normalized):
    """Count one objection from this client and this phone (Django's cache, django-ratelimit);
    a message if either is past its limit (PORTAL_OBJECTION_RATE_PER_IP, _PER_PHONE), else
    None. The address first: a client refused there does not use up the phone's allowance."""
    by_client = get_usage(
        request,
        group="objection:client",
        key="ip",
        rate=settings.PORTAL_OBJECTION_RATE_PER_IP,
        increment=True,
    )
    if by_client and by_client["should_limit"]:
        return too_often()
    by_phone = get_usage(
        request,
        group="objection:phone",
        key=lambda group, request: phone_normalized,
        rate=settings.PORTAL_OBJECTION_RATE_PER_PHONE,
        increment=True,
    )
    if by_phone and by_phone["should_limit"]:
        return too_often()
    return None


def too_often():
    return _("提交过于频繁：同一网络地址或同一联系电话提交的异议已达上限，请稍后再试，或直接与市科技局联系。")


# Receiving an objection ------------------------------------------------------------------------


def objectable_item(notice, item_pk):
    """The item of ``notice`` objected to; None when the notice does not list it."""
    return (
        NoticeItem.objects.select_related("application", "notice").filter(notice=notice, pk=item_pk).first()
    )


def refusal_of_notice(notice, now=None):
    """Why no objection to ``notice`` is received now (None: it is open)."""
    if notice.status != NoticeStatus.PUBLISHED:
        return _("该公示已撤回，不再受理异议。")
    if not notices.is_open(notice, now):
        return _("公示期已于 %(end)s 结束，不再受理异议（第六条）。") % {
            "end": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")
        }
    return None


def inspect_files(cleaned):
    """``[(kind, upload, inspection)]`` of the letter and the evidence, each checked by content
    (``applications.documents.inspect``); ObjectionRefused with every file's problem."""
    uploads = []
    if cleaned.get("letter"):
        uploads.append((ObjectionFileKind.LETTER, cleaned["letter"]))
    uploads += [(ObjectionFileKind.EVIDENCE, upload) for upload in cleaned.get("evidence") or []]
    checked, problems = [], []
    for kind, upload in uploads[: MAX_EVIDENCE_FILES + 1]:
        try:
            checked.append((kind, upload, document_store.inspect(upload)))
        except document_store.UploadRefused as refusal:
            problems.append(str(refusal))
    if problems:
        raise ObjectionRefused(*problems)
    return checked


def receive(item, cleaned, *, ip_address=None, language="zh-hans", now=None):
    """Store the objection of ``cleaned`` (an :class:`ObjectionForm`'s) against ``item``.

    Refused (ObjectionRefused) unless the item's notice is open now, whatever the form held:
    the notice's state and period are read again under a lock. The files are checked first.
    The lead unit and the bureau are told; the objector is mailed the receipt number when an
    address was given. Returns the objection.
    """
    checked = inspect_files(cleaned)
    kind = cleaned["kind"]
    person = kind == ObjectorKind.PERSON
    with transaction.atomic():
        notice = type(item.notice).objects.select_for_update().get(pk=item.notice_id)
        refusal = refusal_of_notice(notice, now)
        if refusal:
            raise ObjectionRefused(refusal)
        objection = _create(
            item=item,
            kind=kind,
            name=cleaned["name"] if person else "",
            employer=cleaned["employer"] if person else "",
            unit_name="" if person else cleaned["unit_name"],
            contact_person="" if person else cleaned["contact_person"],
            phone=cleaned["phone"],
            phone_normalized=cleaned["phone_normalized"],
            email=cleaned.get("email") or "",
            grounds=cleaned["grounds"].strip(),
            language=language,
            ip_address=ip_address,
            created_at=now or timezone.now(),
        )
        for file_kind, upload, inspection in checked:
            document_store.save_checked(
                ObjectionFile(objection=objection, kind=file_kind), upload, None, inspection
            )
        _tell_of(objection)
        _mail_objector(objection, RECEIPT_SUBJECT, "email/objection_receipt.txt")
    return objection


def _create(**fields):
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Objection.objects.create(receipt_number=new_receipt_number(), **fields)
        except IntegrityError:
            continue  # the same receipt number drawn twice: draw again
    raise IntegrityError("no free receipt number")


def _tell_of(objection):
    """Record on the file that an objection was received, and tell its lead unit and the
    bureau. The event and the messages hold the grounds and the receipt's record, never who
    objected (the lead unit reads them)."""
    application = objection.item.application
    event = record(
        application,
        Activity.OBJECTION_RECEIVED,
        None,
        comment=Truncator(" ".join(objection.grounds.split())).chars(COMMENT_MAX_CHARS),
        data={"objection": objection.pk, "receipt": objection.receipt_number},
        internal=False,
    )
    people = list(
        (lead_unit_contacts(application.lead_unit_id) | User.objects.filter(is_active=True, role=Role.STAFF))
        .distinct()
        .order_by("pk")
    )
    notify(
        people,
        kind=OutboxKind.TRANSITION,
        subject=lambda context: _("【朔州市联盟申报】%(name)s：收到公示异议") % {"name": application.name},
        template="email/objection_received.txt",
        context={"application": application, "grounds": objection.grounds, "notice": objection.item.notice},
        in_portal={"application": application, "event": event},
        application=application,
    )
    return event


# The bureau's decision -------------------------------------------------------------------------


def _locked(objection):
    return (
        Objection.objects.select_for_update()
        .select_related("item__application", "item__notice")
        .get(pk=objection.pk)
    )


def _text(value, label, limit=OBJECTION_TEXT_MAX_CHARS):
    text = (value or "").strip()
    if not text:
        raise ObjectionRefused(_("请填写%(label)s。") % {"label": label})
    if len(text) > limit:
        raise ObjectionRefused(
            _("%(label)s最多 %(max)d 字，现为 %(length)d 字。")
            % {"label": label, "max": limit, "length": len(text)}
        )
    return text


def _write(objection, actor, value, label, fields):
    """Write ``value`` into the text field of ``fields`` (text, who, when) of a pending
    objection; a later text replaces the earlier one."""
    value = _text(value, label)
    with transaction.atomic():
        locked = _pending(objection)
        for name, field_value in zip(fields, (value, actor, timezone.now()), strict=True):
            setattr(locked, name, field_value)
        locked.save(update_fields=list(fields))
    return locked


def verify(objection, actor, notes):
    """Record the bureau's verification (核实情况), who and when, while it is pending."""
    return _write(
        objection, actor, notes, _("核实情况"), ("verification_notes", "verified_by", "verified_at")
    )


def _pending(objection):
    locked = _locked(objection)
    if not locked.is_pending:
        raise ObjectionRefused(
            _("该异议已处理（%(status)s），不能再次处理。") % {"status": locked.get_status_display()}
        )
    return locked


def _decide(locked, actor, status, reply):
    locked.status, locked.reply = status, reply
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save(update_fields=["status", "reply", "decided_by", "decided_at"])


def dismiss(objection, actor, reply, *, ip_address=None):
    """The objection does not stand: recorded on the file (internal), replied to the objector."""
    reply = _text(reply, _("答复异议人"))
    with transaction.atomic():
        locked = _pending(objection)
        _decide(locked, actor, ObjectionStatus.DISMISSED, reply)
        record(
            locked.item.application,
            Activity.DISMISS_OBJECTION,
            actor,
            data={"objection": locked.pk, "receipt": locked.receipt_number},
            ip_address=ip_address,
        )
        _reply(locked, actor)
    return locked


def uphold(objection, actor, reply, reason, *, ip_address=None):
    """The objection stands: the file goes back to the Party group (UPHOLD_OBJECTION, with the
    objection in the event data and ``reason`` as the comment the lead unit reads), and the
    objector gets the reply. A file whose notice was withdrawn (back to 党组会通过) goes back
    to the Party group too, by the same action, so that it is not noticed again before the
    Party group decided again. A file already sent back (another objection upheld), or out of
    the procedure, gets an internal record instead."""
    reply = _text(reply, _("答复异议人"))
    with transaction.atomic():
        locked = _pending(objection)
        application = locked.item.application
        if (application.state, Action.UPHOLD_OBJECTION) in TABLE:
            reason = _text(reason, _("异议成立的理由"), COMMENT_MAX_CHARS)
            try:
                transition(
                    application,
                    Action.UPHOLD_OBJECTION,
                    actor,
                    comment=reason,
                    data={"objection": locked.pk},
                    ip_address=ip_address,
                )
            except TransitionError as refusal:
                raise ObjectionRefused(*refusal.messages) from refusal
        else:
            record(
                application,
                Activity.OBJECTION_UPHELD,
                actor,
                comment=(reason or "").strip()[:COMMENT_MAX_CHARS],
                data={"objection": locked.pk, "receipt": locked.receipt_number},
                ip_address=ip_address,
            )
        _decide(locked, actor, ObjectionStatus.UPHELD, reply)
        _reply(locked, actor)
    return locked


def _reply(objection, actor):
    _mail_objector(objection, REPLY_SUBJECT, "email/objection_reply.txt", actor)


RECEIPT_SUBJECT = gettext_lazy("【朔州市科学技术局】公示异议受理回执 %(number)s")
REPLY_SUBJECT = gettext_lazy("【朔州市科学技术局】公示异议处理答复 %(number)s")


def _mail_objector(objection, subject, template, actor=None):
    """The objector's receipt or reply, by mail if they gave an address, in their language."""
    if objection.email:
        mail_address(
            objection.email,
            language=objection.language,
            kind=OutboxKind.OBJECTION,
            subject=lambda context: subject % {"number": objection.receipt_number},
            template=template,
            context={"objection": objection, "item": objection.item, "notice": objection.item.notice},
            created_by=actor,
        )


# The lead unit's answer ------------------------------------------------------------------------


def objections_to(application):
    """The objections to ``application`` on any notice, oldest first."""
    return Objection.objects.filter(item__application=application).order_by("created_at", "pk")


def answer(objection, actor, text):
    """The lead unit's answer to a pending objection (shown to the bureau only)."""
    return _write(objection, actor, text, _("牵头单位说明"), ("lead_answer", "answered_by", "answered_at"))


# RECOGNIZE's guard -----------------------------------------------------------------------------


def open_objections(application):
    """What blocks recognition: a pending objection, or an upheld one the Party group has not
    decided on since (no APPROVE of the file after it was upheld).

    Upholding sends the file back to the Party group (UPHOLD_OBJECTION, from 公示中 or, after
    a withdrawal, from 党组会通过), so a file noticed again after an upheld objection was
    approved again after it; one upheld and never sent back (data from before that rule, or
    left by hand) keeps blocking, and ``close_notices`` sends the file back."""
    approved = (
        AuditEvent.objects.filter(application=application, action=Action.APPROVE)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    upheld = Q(status=ObjectionStatus.UPHELD)
    if approved is not None:
        upheld &= Q(decided_at__gt=approved)
    return objections_to(application).filter(Q(status=ObjectionStatus.PENDING) | upheld)


def _no_open_objection(application, row, actor):
    """RECOGNIZE's guard (Art. 6: 公示期满无异议后认定): no objection pending or upheld."""
    return [
        _("异议 %(number)s %(status)s，须依第六条处理完毕（不成立）后方可认定。")
        % {"number": objection.receipt_number, "status": objection.get_status_display()}
        for objection in open_objections(application)
    ]


no_open_objection = Guard(_no_open_objection)


# The data of the audit events ------------------------------------------------------------------


class ObjectionRecord(EventDataForm):
    """What an objection's event keeps: the objection and its receipt number (the bureau's)."""

    objection = forms.IntegerField(label=gettext_lazy("公示异议"), min_value=1)
    receipt = forms.CharField(label=gettext_lazy("受理编号"), max_length=20, required=False)
    internal_fields = frozenset({"objection", "receipt"})

    @classmethod
    def describe(cls, data, *, internal=True):
        if not internal or not data.get("receipt"):
            return []
        return [(_("受理编号"), data["receipt"])]


class UpholdForm(ObjectionRecord):
    """UPHOLD_OBJECTION's data: the objection upheld, one to this file still pending (or
    upheld and not yet sent back, for ``close_notices``)."""

    def clean_objection(self):
        pk = self.cleaned_data["objection"]
        objection = objections_to(self.application).filter(pk=pk, status__in=OPEN).first()
        if objection is None:
            raise forms.ValidationError(_("该异议不是对本联盟提出的待处理异议。"))
        self.objection_record = objection
        return pk

    def event_data(self):
        return {"objection": self.objection_record.pk, "receipt": self.objection_record.receipt_number}

    @classmethod
    def example(cls, application, actor):
        """An objection to the file on the notice that lists it, as the demo and the test world
        make one (a person's, without files). A file 党组会通过 that no notice listed yet is
        given a notice withdrawn at once, as a file whose notice was withdrawn has."""
        item = application.notice_items.order_by("-pk").first()
        if item is None:
            item = _withdrawn_example_item(application, actor)
        objection = _create(
            item=item,
            kind=ObjectorKind.PERSON,
            name="王建国",
            employer="朔州市某公司",
            phone="13900001234",
            phone_normalized="13900001234",
            grounds="成员单位的合作协议未经全体成员签署。",
        )
        return {"objection": objection.pk}


def _withdrawn_example_item(application, actor):
    """For :meth:`UpholdForm.example`: a notice listing ``application``, published and withdrawn
    now, made directly (no file changes state)."""
    staff = actor if isinstance(actor, User) else User.objects.filter(role=Role.STAFF).order_by("pk").first()
    now = timezone.now()
    edition = application.edition or edition_in_force()
    starts_on, ends_at = notices.period(now, edition.notice_days)
    notice = Notice.objects.create(
        title=notices.default_title(timezone.localdate(now).year),
        body=notices.default_body(edition, [application]),
        edition=edition,
        created_by=staff,
        status=NoticeStatus.WITHDRAWN,
        published_by=staff,
        published_at=now,
        starts_on=starts_on,
        ends_at=ends_at,
        withdrawn_by=staff,
        withdrawn_at=now,
        withdrawal_reason="材料需重新核实。",
    )
    return NoticeItem.objects.create(
        notice=notice, application=application, listing=notices.listing(application)
    )


# The bureau's lists ---------------------------------------------------------------------------


def counts_by_status(notice):
    """``{status: n}`` of the objections to ``notice``, with ``"total"``."""
    counts = dict(
        Objection.objects.filter(item__notice=notice)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    counts["total"] = sum(counts.values())
    return counts
