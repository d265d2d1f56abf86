"""Two-factor log-in with TOTP for bureau staff, organising units and administrators (issue 8).

A user of these roles turns an authenticator app on at /accounts/two-factor/ (a django-otp
TOTPDevice, counted once confirmed with a code). After the password, a user with one enters a
code on a second step; a user whose role the administrator requires it for (TwoFactorPolicy)
and who has none enrols first. Until then the session holds ``SESSION_KEY``, set at every
log-in whatever the way in (the log-in page, the admin's, a test's ``force_login``), and
alliance_portal.middleware.TwoFactorMiddleware lets it reach only that step's page, the
log-out and the language switch. The middleware also asks on every request whether the session
still owes a step (``step_owed``), so that a requirement or an authenticator reaches sessions
already open. Wrong codes count as failed log-ins for django-axes.
"""

from base64 import b32encode

import segno
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .enums import Role
from .models import TwoFactorPolicy

# The roles that may (and, when the administrator says so, must) use a second factor.
ROLES = (Role.STAFF, Role.UNIT_REVIEWER, Role.ADMIN)

SESSION_KEY = "portal_two_factor"
VERIFY = "verify"  # has an authenticator: enter a code
ENROL = "enrol"  # must have one and has none: set it up


def can_use(user):
    return user.is_authenticated and user.role in ROLES


def required(user):
    return can_use(user) and TwoFactorPolicy.current().requires(user.role)


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user):
    """The authenticator being set up: scanned, not yet confirmed with a code."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def start_enrolment(user):
    """A new secret for ``user``; any earlier unconfirmed one is dropped."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def step_after_password(user):
    if not can_use(user):
        return None
    if confirmed_device(user) is not None:
        return VERIFY
    if required(user):
        return ENROL
    return None


@receiver(user_logged_in, dispatch_uid="portal_two_factor_step")
def ask_for_the_second_factor(sender, request, user, **kwargs):
    """Every log-in starts unverified; the step it still owes, if any, goes into the session."""
    if request is None or not hasattr(request, "session"):
        return
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    step = step_after_password(user)
    if step:
        request.session[SESSION_KEY] = step
    else:
        request.session.pop(SESSION_KEY, None)


def step_owed(request):
    """The step this session still owes, asked on every request and not only at log-in: a
    session of these roles that is not verified owes a code once the user has an authenticator,
    and an enrolment once the administrator requires one, however long ago it began (issue 8
    review). A verified session owes nothing; an authenticator removed meanwhile unverifies it.
    """
    user = request.user
    if not can_use(user) or user.is_verified():
        return None
    return step_after_password(user)


def began_before_the_authenticator(request, step):
    """Whether this session owes a code its log-in was never asked for: the authenticator was
    confirmed after it began (here or elsewhere), and it ends, as a new password ends the other
    sessions. A log-in that found the authenticator stored VERIFY; ``passed`` verifies and
    ``confirm`` verifies with the new one, so only the sessions left behind get here."""
    return step == VERIFY and pending_step(request) != VERIFY


def pending_step(request):
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def passed(request, device):
    """The code was right: this session counts as verified from now on."""
    otp_login(request, device)
    request.session.pop(SESSION_KEY, None)


def confirm(request, device):
    """Enrolment, once a code was right: the authenticator counts, and this session is verified."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    passed(request, device)


def turn_off(request, user):
    TOTPDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session.pop(SESSION_KEY, None)


def satisfied(request):
    """For the admin site: a user who has an authenticator, or must have one, has passed it."""
    return step_owed(request) is None


def secret_text(device):
    """The secret as the apps ask for it when typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(device):
    """The otpauth:// link as a QR code, an SVG drawn here (no script, no CDN: CSP allows data:)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
