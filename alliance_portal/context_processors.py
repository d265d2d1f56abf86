from django.conf import settings

from applications import two_factor
from applications.enums import Role
from applications.models import in_english
from applications.notifications import unread_messages_for


def frame_constants():
    """What the site frame shows of the bureau, in the active language."""
    english = in_english()
    return {
        "PORTAL_BUREAU_NAME": settings.PORTAL_BUREAU_NAME,
        "PORTAL_CONTACT_PHONE": settings.PORTAL_CONTACT_PHONE,
        "PORTAL_CONTACT_ADDRESS": settings.PORTAL_CONTACT_ADDRESS_EN
        if english and settings.PORTAL_CONTACT_ADDRESS_EN
        else settings.PORTAL_CONTACT_ADDRESS,
        "Role": Role,
    }


def portal(request):
    """The bureau's name and contact for the site frame, and the user's role for the menu."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    # Between the password and the second factor the frame shows no menu of the account.
    pending = signed_in and bool(two_factor.pending_step(request))
    signed_in = signed_in and not pending
    return {
        **frame_constants(),
        # Lazy: one query, and only on pages that show the badge.
        "unread_notifications": (lambda: unread_messages_for(user).count()) if signed_in else 0,
        "user_role": user.role if signed_in else None,
        "two_factor_pending": pending,
        "two_factor_available": signed_in and two_factor.can_use(user),
    }
