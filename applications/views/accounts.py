"""Registration with e-mail confirmation; log-in, log-out and password reset are Django's,
with the throttles and the two-factor step of issue 8 (applications.throttles, .two_factor)."""

import math

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from .. import notifications as notices
from .. import registration, throttles, two_factor
from ..enums import OutboxKind
from ..forms import (
    ConfirmEmailForm,
    PasswordResetForm,
    RegistrationForm,
    ResendConfirmationForm,
    TwoFactorCodeForm,
)
from ..models import User
from ..outbox import notify
from ..pages import role_required


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """A one-time token: it stops working once the address is confirmed."""

    key_salt = "applications.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.email_confirmed_at}{user.is_active}{timestamp}"


email_confirmation_token = EmailConfirmationTokenGenerator()


def send_confirmation(request, user):
    """Mail the confirmation link, unless this address or this client had too many (issue 8).

    Returns whether it went. Past a limit the registration still succeeds and says nothing of
    it; the page after it links to /accounts/confirm/resend/ for when no mail arrives.
    """
    if not throttles.allow_account_mail(request, user.email).allowed:
        return False
    mail_confirmation_link(request, user)
    return True


def mail_confirmation_link(request, user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_confirmation_token.make_token(user)
    link = request.build_absolute_uri(reverse("accounts:confirm", args=[uid, token]))
    # Through the outbox, in the language the sign-up was made in; sent at once (no
    # transaction is open here), or by send_outbox if the mail server is down.
    notify(
        [user],
        kind=OutboxKind.ACCOUNT,
        subject=gettext_lazy("【朔州市联盟申报】请确认您的邮箱"),
        template="email/confirm_email.txt",
        context={"user": user, "link": link},
    )


def send_address_taken(request, user):
    """Tell an address that already has an account that someone tried to register with it;
    limited like every account mail, so that registering again and again floods no one."""
    if not throttles.allow_account_mail(request, user.email).allowed:
        return False
    context = {
        "user": user,
        "login": request.build_absolute_uri(reverse("accounts:login")),
        "reset": request.build_absolute_uri(reverse("accounts:password_reset")),
    }
    notify(
        [user],
        kind=OutboxKind.ACCOUNT,
        subject=gettext_lazy("【朔州市联盟申报】该邮箱已有账号"),
        template="email/address_taken.txt",
        context=context,
    )
    return True


@require_http_methods(["GET", "POST"])
def register(request):
    """Sign-up of a lead unit's contact. The answer is the same "check your mail" page whether
    or not the address already has an account: what happened is said to the address.

    Sign-ups left unconfirmed past their days are cleared first, so that they hold nothing.
    """
    if request.user.is_authenticated:
        return redirect("dashboard")
    if request.method == "POST" and not (allowance := throttles.allow_sign_up(request)).allowed:
        return too_many_requests(request, allowance)
    form = RegistrationForm(request.POST or None)
    if request.method == "POST":
        registration.delete_expired_signups()
    if request.method == "POST" and form.is_valid():
        # An earlier sign-up of the address that was never confirmed is replaced by this one.
        user, taken = registration.sign_up(form.cleaned_data)
        if user is not None:
            send_confirmation(request, user)
        elif taken is not None:
            send_address_taken(request, taken)
        return render(request, "accounts/register_done.html", {"email": form.cleaned_data["email"]})
    return render(
        request,
        "accounts/register.html",
        {"form": form, "unconfirmed_days": settings.PORTAL_UNCONFIRMED_SIGNUP_DAYS},
    )


@require_http_methods(["GET", "POST"])
def confirm_email(request, uidb64, token):
    """GET shows the sign-up and asks for its password; only a POST with that password
    activates the account (registration.confirm_signup).

    A mail scanner that opens the link uses nothing up, and nobody is logged in by a
    link: the person logs in with the password they chose. A sign-up made by someone else
    with this address (and, it may be, this person's own organisation and name) has a
    password its owner does not know: the page tells them not to confirm but to register again.
    """
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or not email_confirmation_token.check_token(user, token) or registration.is_expired(user):
        return render(request, "accounts/confirm_invalid.html", status=400)
    context = {"account": user, "organisation": user.organisation}
    if not registration.confirmation_tries_left(user):
        return render(request, "accounts/confirm.html", {**context, "exhausted": True}, status=429)
    form = ConfirmEmailForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if registration.confirm_signup(user, form.cleaned_data["password"]):
            messages.success(
                request,
                _("邮箱已确认。请用邮箱地址和密码登录，上传营业执照和法人授权委托书，提交单位注册审核。"),
            )
            return redirect("accounts:login")
        left = registration.confirmation_tries_left(user)
        if not left:
            return render(request, "accounts/confirm.html", {**context, "exhausted": True}, status=429)
        form.add_error("password", wrong_signup_password(left))
    return render(request, "accounts/confirm.html", {**context, "form": form})


def wrong_signup_password(left):
    return " ".join(
        (
            _(
                "密码与注册时设置的密码不一致，账号未启用。如果您没有用这个密码注册，这次注册就不是您本人所为："
                "请不要确认，用本邮箱重新注册，即以您的注册取代这次注册。"
            ),
            ngettext("此链接还可再输入 %(count)s 次密码。", "此链接还可再输入 %(count)s 次密码。", left)
            % {"count": left},
        )
    )


@require_http_methods(["GET", "POST"])
def resend_confirmation(request):
    """/accounts/confirm/resend/: a new confirmation link, throttled like every account mail.

    The page after sending says the same whether the address is registered, confirmed or
    unknown, and whether a limit for the address was passed; only a client that asked too
    often is told so (429).
    """
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = ResendConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        allowance = throttles.allow_account_mail(request, email)
        if allowance.client_refused:
            return too_many_requests(request, allowance)
        user = registration.pending_signup(email) if allowance.allowed else None
        if user is not None:
            mail_confirmation_link(request, user)
        return render(request, "accounts/resend_confirmation_done.html", {"email": email})
    return render(request, "accounts/resend_confirmation.html", {"form": form})


def too_many_requests(request, allowance):
    return render(
        request,
        "accounts/too_many_requests.html",
        {"minutes": allowance.retry_minutes, "what": allowance.what},
        status=429,
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, throttled per address and per client (issue 8).

    Past the address's limit no mail goes and the page is the same as when one went (it never
    says whether the address is registered); past the client's, 429 with when to try again.
    """

    form_class = PasswordResetForm
    subject_template_name = "registration/password_reset_subject.txt"
    email_template_name = "registration/password_reset_email.txt"

    def form_valid(self, form):
        allowance = throttles.allow_account_mail(self.request, form.cleaned_data["email"])
        if allowance.client_refused:
            return too_many_requests(self.request, allowance)
        if not allowance.allowed:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked account or address (AXES_LOCKOUT_CALLABLE): the portal's page.

    It says which is locked, until when (the lock ends a cool-off after the last failure; the
    right password does not open it sooner), and whom to ask to lift it earlier.
    """
    return render(
        request, "accounts/locked_out.html", {"lock": throttles.login_lock(request, credentials)}, status=429
    )


def next_field(request):
    return request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")


def safe_next(request, default="dashboard"):
    """Where to go after a step: ``next`` if it stays on this site, else ``default``."""
    target = next_field(request)
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(default)


@role_required(two_factor.can_use)
@require_http_methods(["GET", "POST"])
def two_factor_settings(request):
    """/accounts/two-factor/: turn the authenticator on (scan, confirm with a code) or off.

    Also the enrolment a user of a role that requires two-factor log-in is sent to right
    after the password (TwoFactorMiddleware) until an authenticator is confirmed.
    """
    user = request.user
    device = two_factor.confirmed_device(user)
    pending = None if device else two_factor.pending_device(user)
    required = two_factor.required(user)
    action = request.POST.get("action")
    form = TwoFactorCodeForm(request.POST if action in ("confirm", "disable") else None)
    if action == "start" and device is None:
        two_factor.start_enrolment(user)
        return redirect(f"{reverse('accounts:two_factor')}?{request.GET.urlencode()}")
    if action == "confirm" and pending is not None and form.is_valid() and check_code(form, pending):
        two_factor.confirm(request, pending)
        messages.success(request, _("两步验证已启用：以后登录时，输入密码后还需输入身份验证器上的验证码。"))
        return redirect(safe_next(request, "accounts:two_factor"))
    if action == "disable" and device is not None and form.is_valid():
        if required:
            form.add_error(
                None, _("系统管理员要求您的账号使用两步验证，不能关闭。如更换手机，请联系系统管理员。")
            )
        elif check_code(form, device):
            two_factor.turn_off(request, user)
            messages.success(request, _("两步验证已关闭。"))
            return redirect("accounts:two_factor")
    context = {"device": device, "pending": pending, "required": required, "form": form}
    if pending is not None:
        context.update(qr=two_factor.qr_data_uri(pending), secret=two_factor.secret_text(pending))
    context["next"] = next_field(request)
    return render(request, "accounts/two_factor.html", context)


WRONG_CODE = gettext_lazy("验证码不正确，请核对手机上当前显示的数字（每 30 秒更新）后重新输入。")


def too_soon(device):
    """After wrong codes django-otp makes the next wait 1, 2, 4 … seconds: how long, as a message."""
    allowed, details = device.verify_is_allowed()
    if allowed or not (details or {}).get("locked_until"):
        return None
    seconds = max(1, math.ceil((details["locked_until"] - timezone.now()).total_seconds()))
    return ngettext(
        "验证码错误次数较多，请 %(seconds)s 秒后再试。",
        "验证码错误次数较多，请 %(seconds)s 秒后再试。",
        seconds,
    ) % {"seconds": seconds}


def check_code(form, device):
    """The form's code against ``device``; a wrong or too early one becomes the form's error."""
    wait = too_soon(device)
    if wait:
        form.add_error("otp_token", wait)
        return None
    if device.verify_token(form.cleaned_data["otp_token"]):
        return True
    form.add_error("otp_token", WRONG_CODE)
    return False


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The second step of the log-in: the code from the authenticator (issue 8).

    A wrong code counts as a failed log-in for the account and the address (django-axes): once
    either is locked, the half-done log-in ends and the lock page answers.
    """
    user = request.user
    if two_factor.pending_step(request) != two_factor.VERIFY:
        return redirect(safe_next(request))  # no code owed (any more)
    device = two_factor.confirmed_device(user)
    if device is None:
        # The administrator removed the authenticator meanwhile (a lost phone).
        step = two_factor.step_after_password(user)
        if step == two_factor.ENROL:
            request.session[two_factor.SESSION_KEY] = step
            return redirect("accounts:two_factor")
        request.session.pop(two_factor.SESSION_KEY, None)
        return redirect(safe_next(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return end_locked_log_in(request, credentials)
        verified = check_code(form, device)
        if verified:
            two_factor.passed(request, device)
            return redirect(safe_next(request))
        if verified is False:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if request.axes_locked_out:
                return end_locked_log_in(request, credentials)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_field(request)})


def end_locked_log_in(request, credentials):
    """Log the half-signed-in user out; AxesMiddleware answers with the lock page (locked_out)."""
    logout(request)
    request.axes_locked_out = True
    request.axes_credentials = credentials
    return HttpResponse(status=429)


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
