"""The administrator's part of the expert stage: the rubric of each edition (Art. 6).

Staff keep the expert pool on their own pages (/review/experts/); assignments, reviews and the
panel's frozen results are changed only through review.experts and review.scoring.
"""

from django.contrib import admin

from .models import RubricAspect


@admin.register(RubricAspect)
class RubricAspectAdmin(admin.ModelAdmin):
    """An edition's four aspects: the maximum of each and the guidance the experts read. A
    maximum changed while files are scored under the edition applies to the scores saved next."""

    list_display = ["edition", "order", "name", "max_score"]
    list_display_links = ["name"]
    list_filter = ["edition"]
    list_select_related = ["edition"]
    fields = ["edition", "code", "order", "name", "name_en", "max_score", "guidance", "guidance_en"]
    readonly_fields = ["edition", "code"]

    def has_add_permission(self, request):
        # A new edition gets its four aspects when it is created (review.rubric).
        return False

    def has_delete_permission(self, request, obj=None):
        return False
