from django.apps import AppConfig


class AlliancePortalConfig(AppConfig):
    name = "alliance_portal"
    verbose_name = "Alliance portal"
