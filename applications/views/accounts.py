"""Registration with e-mail confirmation; log-in, log-out and password reset are Django's."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from .. import notifications as notices
from .. import registration
from ..forms import RegistrationForm
from ..models import User


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """A one-time token: it stops working once the address is confirmed."""

    key_salt = "applications.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.email_confirmed_at}{user.is_active}{timestamp}"


email_confirmation_token = EmailConfirmationTokenGenerator()


def send_confirmation(request, user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_confirmation_token.make_token(user)
    link = request.build_absolute_uri(reverse("accounts:confirm", args=[uid, token]))
    body = render_to_string("email/confirm_email.txt", {"user": user, "link": link})
    send_mail(_("【朔州市联盟申报】请确认您的邮箱"), body, None, [user.email])


def send_address_taken(request, user):
    """Tell an address that already has an account that someone tried to register with it."""
    context = {
        "user": user,
        "login": request.build_absolute_uri(reverse("accounts:login")),
        "reset": request.build_absolute_uri(reverse("accounts:password_reset")),
    }
    body = render_to_string("email/address_taken.txt", context)
    send_mail(_("【朔州市联盟申报】该邮箱已有账号"), body, None, [user.email])


@require_http_methods(["GET", "POST"])
def register(request):
    """Sign-up of a lead unit's contact. The answer is the same "check your mail" page whether
    or not the address already has an account: what happened is said to the address.

    Sign-ups left unconfirmed past their days are cleared first, so that they hold nothing.
    """
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST":
        registration.delete_expired_signups()
    if request.method == "POST" and form.is_valid():
        user, taken = registration.sign_up(form.cleaned_data)
        if user is not None:
            send_confirmation(request, user)
        elif taken.is_active or taken.email_confirmed_at:
            send_address_taken(request, taken)
        else:
            # Registered but never confirmed: the same confirmation again.
            send_confirmation(request, taken)
        return render(request, "accounts/register_done.html", {"email": form.cleaned_data["email"]})
    return render(
        request,
        "accounts/register.html",
        {"form": form, "unconfirmed_days": settings.PORTAL_UNCONFIRMED_SIGNUP_DAYS},
    )


@require_http_methods(["GET", "POST"])
def confirm_email(request, uidb64, token):
    """GET shows a button; only the POST activates the account.

    A mail scanner that opens the link uses nothing up, and nobody is logged in by a
    link: the person logs in with the password they chose.
    """
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or not email_confirmation_token.check_token(user, token) or registration.is_expired(user):
        return render(request, "accounts/confirm_invalid.html", status=400)
    if request.method == "GET":
        return render(request, "accounts/confirm.html", {"email": user.email})
    user.is_active = True
    user.email_confirmed_at = timezone.now()
    user.save(update_fields=["is_active", "email_confirmed_at"])
    messages.success(
        request, _("邮箱已确认。请用邮箱地址和密码登录，上传营业执照和法人授权委托书，提交单位注册审核。")
    )
    return redirect("accounts:login")


# The list's filter: every message, or the unread ones only.
SHOW_UNREAD = "unread"


@login_required
def notifications(request):
    """The user's messages, newest first, a page at a time; listing them reads none of them.

    A page number that is not a number shows the first page, one past the end the last.
    """
    show_unread = request.GET.get("show") == SHOW_UNREAD
    listed = notices.messages_for(request.user)
    if show_unread:
        listed = listed.filter(read_at__isnull=True)
    paginator = Paginator(listed.order_by("-created_at", "-pk"), notices.PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    unread = notices.unread_messages_for(request.user).count()
    return render(
        request,
        "accounts/notifications.html",
        {
            "page": page,
            "items": [notices.describe(notification, request.user) for notification in page],
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "show_unread": show_unread,
            # Also the menu's badge: counted once for both.
            "unread_notifications": unread,
        },
    )


@login_required
def notification(request, pk):
    """One message, opened: it counts as read from now on. Someone else's message is a 404."""
    notification = get_object_or_404(
        notices.messages_for(request.user).select_related("event__actor", "registration_event__actor"), pk=pk
    )
    notices.mark_read(notification)
    registration_event = notification.registration_event
    event = registration_event or notification.event
    if registration_event is not None:
        reason = _("不通过理由") if event.action == "reject" else _("说明")
    else:
        reason = notices.reason_label(event)
    return render(
        request,
        "accounts/notification.html",
        {
            "message": notices.describe(notification, request.user),
            "event": event,
            "registration_event": registration_event,
            "reason_label": reason if event.comment else "",
        },
    )


@login_required
@require_POST
def notifications_read_all(request):
    """全部标为已读: one UPDATE over the user's own unread messages."""
    count = notices.mark_all_read(request.user)
    if count:
        messages.success(
            request,
            ngettext("已将 %(count)s 条消息标为已读。", "已将 %(count)s 条消息标为已读。", count)
            % {"count": count},
        )
    return redirect("accounts:notifications")
