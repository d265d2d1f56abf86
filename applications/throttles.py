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
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django_ratelimit.core import get_usage


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


def recent_failures(request, credentials=None):
    """The attempts still counting (within the cool-off) for the account and for the address."""
    AxesProxyHandler.update_request(request)
    threshold = request.axes_attempt_time - get_cool_off(request)
    recent = AccessAttempt.objects.filter(attempt_time__gte=threshold)
    username = get_client_username(request, credentials)
    return recent.filter(username=username), recent.filter(ip_address=request.axes_ip_address)


class PortalAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler with two limits: per account, and a higher one per address.

    Axes compares one count with AXES_FAILURE_LIMIT; an address past its own limit
    (PORTAL_LOGIN_FAILURES_PER_ADDRESS, failures under any user names) counts as that limit.
    """

    def get_failures(self, request, credentials=None):
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in recent_failures(request, credentials)
        )
        if by_address >= settings.PORTAL_LOGIN_FAILURES_PER_ADDRESS:
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
    by_account, by_address = recent_failures(request, credentials)
    account = (by_account.aggregate(total=Sum("failures_since_start"))["total"] or 0) >= (
        settings.AXES_FAILURE_LIMIT
    )
    address = (by_address.aggregate(total=Sum("failures_since_start"))["total"] or 0) >= (
        settings.PORTAL_LOGIN_FAILURES_PER_ADDRESS
    )
    locked = [attempts for attempts, is_locked in ((by_account, account), (by_address, address)) if is_locked]
    # The lock ends a cool-off after the last failure that counts for it.
    last = max(
        filter(None, (attempts.aggregate(last=Max("attempt_time"))["last"] for attempts in locked)),
        default=None,
    )
    return LoginLock(
        username=get_client_username(request, credentials) or "",
        ip_address=request.axes_ip_address or "",
        account=account,
        address=address,
        until=last + get_cool_off(request) if last else None,
    )


# Account mails ------------------------------------------------------------------------------


@dataclass
class MailAllowance:
    """Whether one more account mail may go; if the client asked too often, for how long not."""

    allowed: bool
    client_refused: bool = False
    retry_minutes: int = 0


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
    if by_client is not None and by_client["should_limit"]:
        return MailAllowance(
            False, client_refused=True, retry_minutes=max(1, math.ceil(by_client["time_left"] / 60))
        )
    by_address = get_usage(
        request,
        group="account-mail:address",
        key=lambda group, request: normalise_address(address),
        rate=settings.PORTAL_MAIL_RATE_PER_ADDRESS,
        increment=True,
    )
    return MailAllowance(not (by_address is not None and by_address["should_limit"]))
