from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .enums import Role
from .models import Application, Industry, Organisation, OrganisingUnit, User
from .uscc import normalize_uscc, validate_uscc


class USCCField(forms.CharField):
    """A USCC input: normalised (full-width, spaces, hyphens, case) before validation."""

    default_validators = [validate_uscc]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("统一社会信用代码"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "help_text", _("18 位，见营业执照或法人证书；可直接粘贴，全角字符、空格和连字符会自动去除。")
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalize_uscc(super().to_python(value))


class RegistrationForm(UserCreationForm):
    """A lead unit's contact registers, naming the organisation by its USCC."""

    full_name = forms.CharField(label=_("联系人姓名"), max_length=60)
    email = forms.EmailField(label=_("电子邮箱"), help_text=_("用于确认账号和接收审核通知。"))
    phone = forms.CharField(label=_("联系电话"), max_length=30)
    uscc = USCCField()
    organisation_name = forms.CharField(label=_("单位名称"), max_length=200)
    org_type = forms.ChoiceField(
        label=_("单位类型"), choices=Organisation._meta.get_field("org_type").choices
    )
    registered_address = forms.CharField(label=_("住所（注册地址）"), max_length=300)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "full_name", "email", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("该邮箱已注册。如忘记密码，请使用“找回密码”。"))
        return email

    def clean_uscc(self):
        code = self.cleaned_data["uscc"]
        if Organisation.objects.filter(uscc=code).exists():
            raise forms.ValidationError(
                _(
                    "该单位已在本平台注册。如需增加联系人，请联系本单位已注册的联系人，"
                    "或联系市科技局系统管理员核实后添加。"
                )
            )
        return code

    def clean(self):
        cleaned = super().clean()
        # The new account is an applicant of the organisation it names; the model's own
        # checks (run after this) see both.
        self.instance.role = Role.APPLICANT
        self.instance.organisation = Organisation(
            uscc=cleaned.get("uscc", ""),
            name=cleaned.get("organisation_name", ""),
            org_type=cleaned.get("org_type", ""),
            registered_address=cleaned.get("registered_address", ""),
        )
        return cleaned

    @transaction.atomic
    def save(self, commit=True):
        user = super().save(commit=False)
        user.email = self.cleaned_data["email"]
        # Inactive until the e-mail address is confirmed.
        user.is_active = False
        if commit:
            organisation = user.organisation
            organisation.save()
            user.organisation = organisation
            user.save()
        return user


class NewApplicationForm(forms.ModelForm):
    """The first step of an application: its name, industry and organising unit."""

    class Meta:
        model = Application
        fields = ["name", "industry", "organising_unit"]
        help_texts = {
            "name": _("通常为“朔州市……产业技术创新战略联盟”。"),
            "organising_unit": _("已按牵头单位统一社会信用代码的行政区划码推荐，可修改。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].queryset = Industry.objects.filter(is_active=True)
        self.fields["industry"].required = True
        self.fields["organising_unit"].queryset = OrganisingUnit.objects.filter(is_active=True)
        self.fields["organising_unit"].required = True
        self.helper = FormHelper()
        self.helper.form_tag = False


class TransitionForm(forms.Form):
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
