from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("联盟申报")

    def ready(self):
        # Once per process, not per PDF: a logged warning rather than a system check, which
        # `check --deploy --fail-level WARNING` would turn into a failure on such a machine.
        from .pdf_fonts import warn_if_slow_subsetter

        warn_if_slow_subsetter()
