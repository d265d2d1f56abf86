from django.conf import settings

from applications.enums import Role


def portal(request):
    """The bureau's name and contact for the site frame, and the user's role for the menu."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        # Lazy: one query, and only on pages that show the badge.
        "unread_notifications": (lambda: user.notifications.filter(read_at__isnull=True).count())
        if signed_in
        else 0,
        "PORTAL_BUREAU_NAME": settings.PORTAL_BUREAU_NAME,
        "PORTAL_CONTACT_PHONE": settings.PORTAL_CONTACT_PHONE,
        "PORTAL_CONTACT_ADDRESS": settings.PORTAL_CONTACT_ADDRESS,
        "Role": Role,
        "user_role": user.role if signed_in else None,
    }
