from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import SetPasswordMixin
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from .enums import OutboxKind
from .models import (
    COMMENT_MAX_CHARS,
    PLAIN,
    Application,
    Industry,
    Member,
    Organisation,
    OrganisingUnit,
    User,
)
from .outbox import notify
from .registration import claim_refusal
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


class RegistrationForm(SetPasswordMixin, forms.Form):
    """A lead unit's contact signs up, naming the organisation by its USCC.

    The account logs in with its e-mail address: there is no user name to choose, so none
    can be found taken. Whether the address already has an account is not said here either:
    the page answers the same way, and the address is told by e-mail
    (``views.accounts.register``). What is said here is what the applicant can fix, and a
    claim the portal refuses (an approved organisation's code or name) with whom to contact.
    """

    uscc = USCCField()
    # The names and the telephone go into the organisation's and the account's rows, which
    # Organisation.objects.create() does not validate: the models' checks are repeated here.
    organisation_name = forms.CharField(
        label=_("单位名称"),
        max_length=200,
        help_text=_("与营业执照或法人证书一致。"),
        validators=PLAIN,
    )
    org_type = forms.ChoiceField(
        label=_("单位类型"), choices=Organisation._meta.get_field("org_type").choices
    )
    registered_address = forms.CharField(label=_("住所（注册地址）"), max_length=300, validators=PLAIN)
    full_name = forms.CharField(label=_("联系人姓名"), max_length=60, validators=PLAIN)
    phone = forms.CharField(label=_("联系电话"), max_length=30, validators=PLAIN)
    email = forms.EmailField(
        label=_("电子邮箱"),
        max_length=150,
        help_text=_("登录时使用此邮箱；用于确认账号和接收审核通知。"),
    )
    password1, password2 = SetPasswordMixin.create_password_fields(label1=_("密码"), label2=_("确认密码"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        # The validators compare the password with what the person typed about themselves.
        self.validate_password_for_user(
            User(
                username=cleaned.get("email", ""),
                email=cleaned.get("email", ""),
                full_name=cleaned.get("full_name", ""),
            )
        )
        code, name = cleaned.get("uscc"), cleaned.get("organisation_name")
        if code and name:
            refusal = claim_refusal(code, name)
            if refusal:
                raise forms.ValidationError(refusal, code="claimed")
        return cleaned


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


# Every text has a length that fits its purpose (issue 8); a longer one is refused with this,
# and the form comes back with the text as typed.
TOO_LONG = _("最多 %(limit_value)d 字，现为 %(show_value)d 字。请精简后再保存，已填写的内容都还在。")


def say_how_long(form):
    """Give the text fields of ``form`` the message that says how long they may be."""
    for field in form.fields.values():
        if getattr(field, "max_length", None):
            field.error_messages["max_length"] = TOO_LONG


class TransitionForm(forms.Form):
    comment = forms.CharField(
        label=_("意见"),
        required=False,
        max_length=COMMENT_MAX_CHARS,
        error_messages={"max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    declared = forms.BooleanField(label=_("我已阅读并同意承诺书"), required=False)


def _textarea(rows):
    return forms.Textarea(attrs={"rows": rows})


class StepForm(forms.ModelForm):
    """A step of the application form. Nothing is required: a half-filled step saves, and the
    eligibility panel says what is still missing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        say_how_long(self)
        self.helper = FormHelper()
        self.helper.form_tag = False


class BasicsForm(StepForm):
    """Art. 3: the alliance, its industry, purpose and main tasks; Art. 5: its organising unit."""

    class Meta:
        model = Application
        fields = ["name", "industry", "organising_unit", "purpose", "main_tasks"]
        widgets = {"purpose": _textarea(4), "main_tasks": _textarea(6)}
        help_texts = {
            "name": _("通常为“朔州市……产业技术创新战略联盟”，与联盟协议、章程一致。"),
            "organising_unit": _("已按牵头单位统一社会信用代码的行政区划码推荐，可修改。"),
            "main_tasks": _("第三条所列任务：成果转化、联合攻关、行业服务、标准化、国际合作、品牌建设等。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].queryset = Industry.objects.filter(is_active=True)
        self.fields["organising_unit"].queryset = OrganisingUnit.objects.filter(is_active=True)
        if self.instance.submitted_at is not None:
            # Art. 5: the unit that checked the file keeps it; a move is the bureau's decision.
            # Its own unit stays a valid choice even if it has stopped taking new files.
            self.fields["organising_unit"].queryset = OrganisingUnit.objects.filter(
                Q(is_active=True) | Q(pk=self.instance.organising_unit_id)
            )
            self.fields["organising_unit"].disabled = True
            self.fields["organising_unit"].help_text = _(
                "申报已提交过，组织单位不能再更换；确需更换的，请联系市科技局。"
            )


class GoalsForm(StepForm):
    """Art. 5(2): the technical innovation goals, as stated in the agreement."""

    class Meta:
        model = Application
        fields = ["innovation_goals"]
        widgets = {"innovation_goals": _textarea(10)}
        help_texts = {"innovation_goals": _("与联盟协议中的技术创新目标一致，宜分条写明可考核的指标和时间。")}


class LeadForm(StepForm):
    """Art. 4(1): the lead unit's qualifications with indicators, for the experts to judge."""

    class Meta:
        model = Application
        fields = ["lead_qualification", "rd_spending", "revenue", "patents", "standards", "rd_staff"]
        widgets = {"lead_qualification": _textarea(8)}
        help_texts = {
            "lead_qualification": _(
                "说明整体技术水平（市内领先、省内先进）、经济实力、影响力和对产业的带动作用。"
            ),
        }


class LeadMemberForm(StepForm):
    """The lead unit's registered address (住所) and legal representative, as on its licence."""

    class Meta:
        model = Member
        fields = ["registered_address", "legal_representative"]
        help_texts = {
            "registered_address": _(
                "按营业执照或法人证书填写；登记机关不在朔州的，住所须在朔州市内（第四条第（一）项）。"
            )
        }


class ContactForm(StepForm):
    class Meta:
        model = Application
        fields = ["contact_name", "contact_title", "contact_phone", "contact_email"]


class CeilingForm(StepForm):
    """Art. 4(3): "一般不超过 15 家" — a written justification when there are more."""

    class Meta:
        model = Application
        fields = ["ceiling_justification"]
        widgets = {"ceiling_justification": _textarea(4)}


class MemberForm(StepForm):
    """A member unit (Art. 4(2)); the lead unit's identity comes from its account and is fixed."""

    uscc = USCCField()
    LEAD_FIXED = ("name", "uscc", "org_type", "is_core")

    class Meta:
        model = Member
        fields = [
            "name",
            "uscc",
            "org_type",
            "is_core",
            "registered_address",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "task",
        ]
        widgets = {"task": _textarea(3)}
        help_texts = {"task": _("该成员在联盟协议中承担的任务（第五条第（二）项）。")}

    def __init__(self, *args, application, **kwargs):
        self.application = application
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Row(Column("name", css_class="col-md-7"), Column("uscc", css_class="col-md-5")),
            Row(
                Column("org_type", css_class="col-md-4"),
                Column(Field("is_core", wrapper_class="mt-md-4 pt-md-2"), css_class="col-md-3"),
                Column("legal_representative", css_class="col-md-5"),
            ),
            "registered_address",
            Row(Column("contact_name", css_class="col-md-6"), Column("contact_phone", css_class="col-md-6")),
            "task",
        )
        if self.instance.is_lead:
            for name in self.LEAD_FIXED:
                self.fields[name].disabled = True
            self.fields["uscc"].help_text = _("牵头单位的名称和代码来自注册信息，如有变化请联系市科技局。")

    def clean_uscc(self):
        code = self.cleaned_data["uscc"]
        others = self.application.members.exclude(pk=self.instance.pk)
        twin = others.filter(uscc=code).first()
        if twin is not None:
            raise forms.ValidationError(
                _("统一社会信用代码 %(code)s 已是本联盟成员“%(name)s”的代码，同一单位不能重复列出。")
                % {"code": code, "name": twin.name}
            )
        return code


class UploadForm(forms.Form):
    file = forms.FileField(label=_("选择文件"), help_text=_("PDF、JPEG 或 PNG。"))
    title = forms.CharField(label=_("材料名称"), max_length=200, required=False, validators=PLAIN)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("成员名单文件"), help_text=_("按模板填写的 .xlsx 或 .csv 文件。"))


class ConfirmEmailForm(forms.Form):
    """The confirmation page asks for the password chosen at sign-up (registration.confirm_signup)."""

    password = forms.CharField(
        label=_("注册时设置的密码"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(label=_("注册时填写的电子邮箱"), max_length=254)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's password reset, its mail sent through the outbox in the account's language."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        notify(
            [context["user"]],
            kind=OutboxKind.ACCOUNT,
            subject=lambda context: render_to_string(subject_template_name, context),
            template=email_template_name,
            context=context,
        )


class TwoFactorCodeForm(forms.Form):
    """A six-digit code from the authenticator app (spaces typed between the digits are dropped)."""

    otp_token = forms.CharField(
        label=_("验证码"),
        max_length=12,
        help_text=_("打开手机上的身份验证器应用，输入显示的 6 位数字。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_otp_token(self):
        token = "".join(self.cleaned_data["otp_token"].split())
        if not (token.isascii() and token.isdigit() and len(token) == 6):
            raise forms.ValidationError(_("验证码是 6 位数字，请重新输入。"))
        return token
