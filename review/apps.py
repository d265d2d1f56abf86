from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("评审与监管")

    def ready(self):
        from applications.models import PolicyEdition

        from .rubric import edition_created

        # A new edition of the measure gets the four aspects of Art. 6 to score on.
        post_save.connect(edition_created, sender=PolicyEdition, dispatch_uid="review.rubric")
        # The public pages are cached; what they show empties the cache when it commits.
        from . import public

        for sender, receiver in public.CACHE_SOURCES():
            for signal in (post_save, post_delete):
                signal.connect(receiver, sender=sender, dispatch_uid=f"review.public.{sender.__name__}")
