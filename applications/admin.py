from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .enums import OutboxKind, RegistrationStatus
from .forms import USCCField
from .models import (
    Application,
    AuditEvent,
    Industry,
    Notification,
    Organisation,
    OrganisingUnit,
    OutboxMessage,
    PolicyEdition,
    RegistrationEvent,
    TwoFactorPolicy,
    User,
)

admin.site.site_header = _("朔州市产业技术创新战略联盟管理平台 · 系统管理")
admin.site.site_title = _("联盟管理平台")
admin.site.index_title = _("系统管理")


@admin.register(OrganisingUnit)
class OrganisingUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "division_codes", "order", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "group", "order", "is_active"]
    list_filter = ["group", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(PolicyEdition)
class PolicyEditionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "document_number",
        "effective_from",
        "effective_until",
        "earlier_recognitions_continue",
        "is_demo",
    ]


class OrganisationAdminForm(forms.ModelForm):
    uscc = USCCField()

    class Meta:
        model = Organisation
        fields = ["uscc", "name", "org_type", "registered_address"]

    def clean_uscc(self):
        # An unapproved claim holds nothing (单位注册审核); an approved organisation holds its code.
        code = self.cleaned_data["uscc"]
        approved = Organisation.objects.filter(uscc=code, registration_status=RegistrationStatus.APPROVED)
        if approved.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("该统一社会信用代码已有审核通过的单位。"))
        return code


class RecordInline(admin.TabularInline):
    """An insert-only record (applications.models.ActedRecord) shown under what it is about:
    every field read only, nothing added, changed or deleted."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RegistrationEventInline(RecordInline):
    """单位注册审核's record: read only, as the audit trail is."""

    model = RegistrationEvent
    fields = [
        "created_at",
        "actor",
        "actor_role",
        "action",
        "from_status",
        "to_status",
        "reviewing_unit",
        "comment",
    ]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = OrganisationAdminForm
    list_display = ["name", "uscc", "org_type", "registration_status", "reviewing_unit"]
    list_filter = ["registration_status", "org_type"]
    search_fields = ["name", "uscc"]
    readonly_fields = ["registration_status", "reviewing_unit", "registration_sent_at"]

    def get_inlines(self, request, obj):
        # A new organisation has no record yet (and the add form then needs no formset).
        return [RegistrationEventInline] if obj is not None else []


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "role", "organisation", "organising_unit", "is_active"]
    list_filter = ["role", "is_active", "organising_unit"]
    search_fields = ["username", "full_name", "email", "organisation__name"]
    autocomplete_fields = ["organisation"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("角色与归属"), {"fields": ("role", "organisation", "organising_unit")}),
        (_("个人信息"), {"fields": ("full_name", "email", "phone", "language", "email_confirmed_at")}),
        (_("状态"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "email",
                    "role",
                    "organisation",
                    "organising_unit",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined", "email_confirmed_at"]


@admin.register(TwoFactorPolicy)
class TwoFactorPolicyAdmin(admin.ModelAdmin):
    """One row of three switches: which roles must log in with a second factor (issue 8).

    A user of such a role without an authenticator sets one up right after the password at
    the next log-in. A lost phone: delete the user's device under "TOTP devices"; a locked
    log-in: delete its row under "Access attempts" (django-axes).
    """

    list_display = ["__str__", "staff_required", "unit_reviewer_required", "admin_required", "updated_at"]
    fields = ["staff_required", "unit_reviewer_required", "admin_required"]

    def has_add_permission(self, request):
        return not TwoFactorPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the workflow: the admin shows them and changes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditEventInline(RecordInline):
    model = AuditEvent
    fields = [
        "created_at",
        "actor",
        "actor_role",
        "action",
        "from_state",
        "to_state",
        "comment",
        "ip_address",
    ]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["name", "lead_unit", "state", "organising_unit", "edition", "updated_at"]
    list_filter = ["state", "organising_unit", "edition"]
    search_fields = ["name", "lead_unit__name", "lead_unit__uscc"]
    inlines = [AuditEventInline]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "application", "actor", "actor_role", "action", "from_state", "to_state"]
    list_filter = ["action", "to_state", "actor_role"]
    search_fields = ["application__name", "comment"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "subject", "read_at"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """The outbox (applications.outbox): what was sent, what waits, and why it failed.

    Read only: ``manage.py send_outbox`` sends what is queued.
    """

    list_display = [
        "created_at",
        "to_address",
        "subject",
        "kind",
        "language",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "language"]
    search_fields = ["to_address", "subject"]
    fields = [
        "created_at",
        "recipient",
        "to_address",
        "language",
        "kind",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "sent_at",
        "application",
        "created_by",
        "released_by",
        "released_at",
    ]

    def get_fields(self, request, obj=None):
        # An account mail's body holds a confirmation or password-reset link until it is sent:
        # not for an administrator's eyes either.
        if obj is not None and obj.kind == OutboxKind.ACCOUNT:
            return [name for name in self.fields if name != "body"]
        return self.fields
