from django.conf import settings

from applications.enums import Role


def portal(request):
    """The bureau's name and contact for the site frame, and the user's role for the menu."""
    user = getattr(request, "user", None)
    return {
        "PORTAL_BUREAU_NAME": settings.PORTAL_BUREAU_NAME,
        "PORTAL_CONTACT_PHONE": settings.PORTAL_CONTACT_PHONE,
        "PORTAL_CONTACT_ADDRESS": settings.PORTAL_CONTACT_ADDRESS,
        "Role": Role,
        "user_role": getattr(user, "role", None) if user and user.is_authenticated else None,
    }
