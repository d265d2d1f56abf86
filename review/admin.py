"""The administrator's part of the expert stage: the rubric of each edition (Art. 6).

Staff keep the expert pool on their own pages (/review/experts/); assignments, reviews and the
panel's frozen results are changed only through review.experts and review.scoring.
"""

from django import forms
from django.contrib import admin

from . import recognition
from .models import CertificateSeal, RubricAspect


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


class CertificateSealForm(forms.ModelForm):
    """The seal is checked by its content (PNG or JPEG, bounded in bytes and pixels)."""

    class Meta:
        model = CertificateSeal
        fields = ["image"]

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image and hasattr(image, "content_type"):  # a new upload, not the stored file
            try:
                self.checked_type = recognition.check_seal(image)
            except recognition.SealRefused as refusal:
                raise forms.ValidationError(str(refusal)) from refusal
        return image


@admin.register(CertificateSeal)
class CertificateSealAdmin(admin.ModelAdmin):
    """The bureau's seal printed on every certificate (认定证书); one row. Without it the
    certificates leave the seal's place blank."""

    form = CertificateSealForm
    list_display = ["__str__", "updated_at", "updated_by"]
    readonly_fields = ["content_type", "updated_at", "updated_by"]

    def has_add_permission(self, request):
        return not CertificateSeal.objects.exists()

    def save_model(self, request, obj, form, change):
        if getattr(form, "checked_type", None):
            obj.content_type = form.checked_type
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
