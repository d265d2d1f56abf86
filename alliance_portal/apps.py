from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AlliancePortalConfig(AppConfig):
    name = "alliance_portal"
    verbose_name = "Alliance portal"


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin on the portal's own site (alliance_portal.admin_site), named in INSTALLED_APPS."""

    default = False
    default_site = "alliance_portal.admin_site.PortalAdminSite"
