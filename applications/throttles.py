"""Throttles against guessing and floods (issue 8): whose address a request comes from, how many
log-ins failed for an account or an address, and how many account mails one may ask for.

Failed log-ins are django-axes' (database handler: every gunicorn worker sees the same count);
account mails are counted with django-ratelimit in Django's cache (settings.CACHES).
"""

import datetime
import ipaddress
import math
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_lockout_parameters
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Max, Sum
from django_ratelimit.core import get_usage

from .backends import accounts_for


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind the bureau's proxy the address it appended.

    Only with DJANGO_BEHIND_PROXY is X-Forwarded-For read, and only its last
    PORTAL_TRUSTED_PROXY_COUNT-th entry, written by our own proxy: whatever a client puts in
    front of it is its own claim. Used by the audit trail, the log-in lock and the mail limits.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    if settings.BEHIND_PROXY:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        count = settings.PORTAL_TRUSTED_PROXY_COUNT
        if count >= 1 and len(hops) >= count:
            try:
                return str(ipaddress.ip_address(hops[-count]))
            except ValueError:
                pass
    return remote


def address_for_rate_limits(request):
    """django-ratelimit's key="ip" (RATELIMIT_IP_META_KEY): it needs an address, never None."""
    return client_ip(request) or "0.0.0.0"  # noqa: S104 (a key, nothing listens on it)


# Failed log-ins -----------------------------------------------------------------------------


def account_username(request, credentials=None):
    """AXES_USERNAME_CALLABLE: the account a log-in attempt counts for, however it was spelled.

    The backend lets one account in under its user name and under its address in any case
    (``backends.accounts_for``): every spelling that reaches an account counts for its user
    name, so that no spelling escapes its lock. What reaches no account is counted as its
    stripped lower-case text, so that guesses at an unknown name count together too.
    """
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    typed = (credentials or {}).get(field) if credentials else request.POST.get(field)
    typed = str(typed or "")
    # Axes asks several times per attempt: one look-up per request and spelling.
    memo = request.__dict__.setdefault("portal_account_usernames", {})
    if typed not in memo:
        accounts = accounts_for(typed)
        memo[typed] = accounts[0].get_username() if accounts else typed.strip().lower()
    return memo[typed]


def typed_username(request, credentials=None):
    """What was typed, for the lock page: never the account's user name, which an address
    typed there must not reveal."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    typed = (credentials or {}).get(field) if credentials else request.POST.get(field)
    return str(typed or "").strip()


def failure_limits():
    """Each of AXES_LOCKOUT_PARAMETERS is counted alone, against its own limit: an account's
    failures against AXES_FAILURE_LIMIT, an address's (under any names: several people may
    share one behind a county office's NAT) against the higher PORTAL_LOGIN_FAILURES_PER_ADDRESS.
    """
    return {"username": settings.AXES_FAILURE_LIMIT, "ip_address": settings.PORTAL_LOGIN_FAILURES_PER_ADDRESS}


def recent_failures(request, credentials=None):
    """{lockout parameter: its attempts still counting (within the cool-off)}, as django-axes
    selects them for AXES_LOCKOUT_PARAMETERS; a parameter without a limit here is refused."""
    AxesProxyHandler.update_request(request)
    parameters = get_lockout_parameters(request, credentials)
    unknown = [
        parameter
        for parameter in parameters
        if not isinstance(parameter, str) or parameter not in failure_limits()
    ]
    if unknown:
        raise ImproperlyConfigured(
            f"AXES_LOCKOUT_PARAMETERS: no limit for {unknown} in applications.throttles"
        )
    attempts = AxesDatabaseHandler().get_user_attempts(request, credentials)
    return dict(zip(parameters, attempts, strict=True))


def count(attempts):
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class PortalAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, each lockout parameter with its own limit (failure_limits).

    Axes compares one number with AXES_FAILURE_LIMIT: the account's failures, or that limit
    itself once any parameter has reached its own.
    """

    def get_failures(self, request, credentials=None):
        failures = {
            parameter: count(attempts)
            for parameter, attempts in recent_failures(request, credentials).items()
        }
        limits = failure_limits()
        by_account = failures.get("username", 0)
        if any(failures[parameter] >= limits[parameter] for parameter in failures):
            return max(by_account, settings.AXES_FAILURE_LIMIT)
        return by_account


@dataclass
class LoginLock:
    """What the lock page says: which is locked, the account or the address, and until when."""

    username: str
    ip_address: str
    account: bool
    address: bool
    until: datetime.datetime | None


def login_lock(request, credentials=None):
    attempts = recent_failures(request, credentials)
    limits = failure_limits()
    locked = {parameter: qs for parameter, qs in attempts.items() if count(qs) >= limits[parameter]}
    # The lock ends a cool-off after the last failure that counts for it.
    last = max(
        filter(None, (qs.aggregate(last=Max("attempt_time"))["last"] for qs in locked.values())),
        default=None,
    )
    return LoginLock(
        username=typed_username(request, credentials),
        ip_address=request.axes_ip_address or "",
        account="username" in locked,
        address="ip_address" in locked,
        until=last + get_cool_off(request) if last else None,
    )


# Account mails ------------------------------------------------------------------------------


@dataclass
class Allowance:
    """Whether one more account mail (or sign-up) may go; if the client asked too often, for how
    long not, and which limit it was (the 429 page says it)."""

    allowed: bool
    client_refused: bool = False
    retry_minutes: int = 0
    what: str = "mail"


def refused_for(usage, what):
    """The client's allowance from django-ratelimit's ``get_usage``: refused until its window ends."""
    if usage is not None and usage["should_limit"]:
        return Allowance(
            False, client_refused=True, retry_minutes=max(1, math.ceil(usage["time_left"] / 60)), what=what
        )
    return None


def normalise_address(address):
    return (address or "").strip().lower()


def allow_account_mail(request, address):
    """Count one request for an account mail (reset link, confirmation link) to ``address``.

    Past PORTAL_MAIL_RATE_PER_IP requests from one client, it is refused openly (the page
    says to try again later, status 429); past PORTAL_MAIL_RATE_PER_ADDRESS for one address,
    silently, so that the page answers as if a mail had gone and says nothing of whether the
    address is registered. Both count every request, whether or not the address exists.
    """
    by_client = get_usage(
        request, group="account-mail:client", key="ip", rate=settings.PORTAL_MAIL_RATE_PER_IP, increment=True
    )
    refused = refused_for(by_client, "mail")
    if refused:
        return refused
    by_address = get_usage(
        request,
        group="account-mail:address",
        key=lambda group, request: normalise_address(address),
        rate=settings.PORTAL_MAIL_RATE_PER_ADDRESS,
        increment=True,
    )
    return Allowance(not (by_address is not None and by_address["should_limit"]))


# Sign-ups -----------------------------------------------------------------------------------


def allow_sign_up(request):
    """Count one sign-up (a POST to /accounts/register/) from this client: each makes an account
    and an organisation and hashes a password, so past PORTAL_SIGNUP_RATE the client is refused
    before any of it (429, with when to try again), whatever the form holds."""
    usage = get_usage(
        request, group="sign-up:client", key="ip", rate=settings.PORTAL_SIGNUP_RATE, increment=True
    )
    return refused_for(usage, "sign-up") or Allowance(True)
