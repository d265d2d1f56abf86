from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("评审与监管")

    def ready(self):
        from applications.models import PolicyEdition

        from .rubric import edition_created

        # A new edition of the measure gets the four aspects of Art. 6 to score on.
        post_save.connect(edition_created, sender=PolicyEdition, dispatch_uid="review.rubric")
