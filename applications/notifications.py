"""The in-portal messages (站内消息): what each says in a line, where it leads, who reads it.

A :class:`~applications.models.Notification` keeps the e-mail it went out with, rendered in its
reader's language (``applications.outbox``), with a greeting, a sign-off and the portal's
address. The message list says the same thing the way a portal does: a headline of what
happened to the file and one line of the reason given, drawn from the audit event in the
reader's own language. The reason is the reviewer's own text, which the file's timeline shows
the same reader anyway.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .enums import Action, RegistrationAction, Role, State
from .models import Notification
from .workflow import TABLE

# What happened, as the headline of a message. A return names the level that returned the
# file, since the resubmission goes back to it (Art. 5).
HEADLINES = {
    Action.SUBMIT: gettext_lazy("申报已提交，待组织单位审核"),
    Action.RESUBMIT: gettext_lazy("申报已修改，重新提交组织单位"),
    Action.RESUBMIT_TO_BUREAU: gettext_lazy("申报已修改，重新提交市科技局"),
    Action.FORWARD: gettext_lazy("组织单位审核通过，已报市科技局"),
    Action.RETURN: gettext_lazy("申报已退回修改"),
    Action.START_REVIEW: gettext_lazy("形式审查通过，进入专家评审"),
    Action.CLOSE_REVIEW: gettext_lazy("专家评审结束，待党组会研究"),
    Action.APPROVE: gettext_lazy("党组会研究通过，待公示"),
    Action.REJECT: gettext_lazy("党组会研究不予认定"),
    Action.PUBLISH_NOTICE: gettext_lazy("已发布公示"),
    Action.RECOGNIZE: gettext_lazy("公示期满，已认定为市级联盟"),
    Action.UPHOLD_OBJECTION: gettext_lazy("公示异议成立，退回党组会研究"),
    Action.RECONSIDER: gettext_lazy("申报提请党组会重新研究"),
    Action.WITHDRAW_NOTICE: gettext_lazy("公示已撤回，申报退回待公示"),
    Action.ORDER_RECTIFICATION: gettext_lazy("联盟被责令限期整改"),
    Action.ACCEPT_RECTIFICATION: gettext_lazy("整改合格，恢复市级联盟资格"),
    Action.REVOKE: gettext_lazy("已取消市级联盟资格"),
    Action.LAPSE: gettext_lazy("未报年度材料，视为自动放弃"),
    Action.WITHDRAW: gettext_lazy("申报已撤回"),
}
RETURN_HEADLINES = {
    State.SUBMITTED: gettext_lazy("申报被组织单位退回修改"),
    State.FORWARDED: gettext_lazy("申报被市科技局退回修改"),
    State.UNDER_REVIEW: gettext_lazy("申报被市科技局退回修改"),
}

# The page of a file for each role that hears of it (``workflow.recipients``).
FILE_PAGES = {
    Role.APPLICANT: "applications:detail",
    Role.UNIT_REVIEWER: "review:detail",
    Role.STAFF: "review:detail",
}

# A message about a registration (单位注册审核): its headline, and its page per role.
REGISTRATION_HEADLINES = {
    RegistrationAction.SEND: gettext_lazy("单位注册材料已提交，待审核"),
    RegistrationAction.APPROVE: gettext_lazy("单位注册审核通过"),
    RegistrationAction.REJECT: gettext_lazy("单位注册审核未通过"),
}
REGISTRATION_PAGES = {
    Role.APPLICANT: ("applications:registration", False),
    Role.UNIT_REVIEWER: ("review:registration", True),
    Role.STAFF: ("review:registration", True),
}

PER_PAGE = 20
EXCERPT_CHARS = 90


def headline(event):
    """The message's subject line: what the transition did to the file."""
    if event.action == Action.RETURN and event.from_state in RETURN_HEADLINES:
        return RETURN_HEADLINES[event.from_state]
    return HEADLINES.get(event.action, event.action_label)


def reason_label(event):
    """What the comment of ``event`` is: the row's own label where a comment is required
    (退回理由, 整改要求, …), else a remark."""
    row = TABLE.get((event.from_state, event.action))
    if row is not None and row.comment_required:
        return row.comment_label
    return _("说明")


def summary(event):
    """One line under the headline: the reason given, or else the change of state."""
    if event.comment:
        text = " ".join(event.comment.split())
        return _("%(label)s：%(text)s") % {"label": reason_label(event), "text": text}
    return _("状态由“%(from)s”变为“%(to)s”。") % {
        "from": event.get_from_state_display(),
        "to": event.get_to_state_display(),
    }


def excerpt(event):
    """The summary cut to what fits two lines of a list."""
    return Truncator(summary(event)).chars(EXCERPT_CHARS)


def registration_summary(event):
    if event.comment:
        text = " ".join(event.comment.split())
        label = _("不通过理由") if event.action == RegistrationAction.REJECT else _("说明")
        return _("%(label)s：%(text)s") % {"label": label, "text": text}
    return _("单位注册状态由“%(from)s”变为“%(to)s”。") % {
        "from": event.get_from_status_display(),
        "to": event.get_to_status_display(),
    }


def messages_for(user):
    """The user's own messages, newest first, with what the list shows of each in one query."""
    return Notification.objects.filter(recipient=user).select_related(
        "application", "event", "registration_event__organisation"
    )


def unread_messages_for(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def mark_read(notification):
    """Opening a message reads it; a message read before keeps its first reading time."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )


def mark_all_read(user):
    """Every unread message of ``user`` read, in one UPDATE; returns how many."""
    return unread_messages_for(user).update(read_at=timezone.now())


@dataclass(frozen=True)
class Message:
    """A notification as the list and the message page show it."""

    notification: Notification
    headline: str
    excerpt: str
    file_page: str | None
    # What the message is about (a file, or an organisation's registration) and its page.
    about: str = ""
    link: str | None = None
    about_label: str = ""

    @property
    def unread(self):
        return self.notification.read_at is None


def describe(notification, user):
    registration = notification.registration_event
    if registration is not None:
        page = REGISTRATION_PAGES.get(user.role)
        link = None
        if page:
            name, with_pk = page
            link = reverse(name, args=[registration.organisation_id] if with_pk else [])
        return Message(
            notification=notification,
            headline=str(REGISTRATION_HEADLINES.get(registration.action, registration.action)),
            excerpt=Truncator(registration_summary(registration)).chars(EXCERPT_CHARS),
            file_page=None,
            about=registration.organisation.name,
            link=link,
            about_label=_("所属单位注册"),
        )
    event = notification.event
    file_page = FILE_PAGES.get(user.role)
    return Message(
        notification=notification,
        headline=headline(event),
        excerpt=excerpt(event),
        file_page=file_page,
        about=notification.application.name,
        link=reverse(file_page, args=[notification.application_id]) if file_page else None,
        about_label=_("所属申报"),
    )
