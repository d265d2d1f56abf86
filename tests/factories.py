import datetime

import factory
from django.test import Client, TestCase
from django.urls import reverse
from factory.django import DjangoModelFactory, Password

from applications.enums import OrganisationType, RegistrationStatus, Role
from applications.models import Application, Industry, Organisation, OrganisingUnit, PolicyEdition, User
from applications.uscc import make_uscc

PASSWORD = "correct-horse-battery-staple"


class PolicyEditionFactory(DjangoModelFactory):
    """An edition in force from 2026-05-28 for five years, as a renewed measure would be."""

    class Meta:
        model = PolicyEdition
        django_get_or_create = ("document_number",)

    name = "朔州市产业技术创新战略联盟管理办法（测试续期版本）"
    name_en = "Shuozhou Alliance Measures (renewal for tests)"
    document_number = "测试〔2026〕1号"
    full_text = (
        "测试〔2026〕1号\n\n管理办法（测试续期版本）\n\n"
        "第四条 申报市级联盟应具备以下条件：\n（三）联盟核心成员不能少于6家。\n"
    )
    effective_from = datetime.date(2026, 5, 28)
    effective_until = datetime.date(2031, 5, 27)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    uscc = factory.Sequence(lambda n: make_uscc("91140602", f"MA{n:06d}"))
    name = factory.Sequence(lambda n: f"朔州市测试科技{n}有限公司")
    org_type = OrganisationType.ENTERPRISE
    registered_address = "山西省朔州市朔城区民福东街 1 号"
    # Approved (单位注册审核) unless a test says otherwise: most tests are about its files.
    registration_status = RegistrationStatus.APPROVED


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = Password(PASSWORD)
    role = Role.STAFF


def unit(code):
    return OrganisingUnit.objects.get(code=code)


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = Application

    name = factory.Sequence(lambda n: f"朔州市测试{n}产业技术创新战略联盟")
    lead_unit = factory.SubFactory(OrganisationFactory)
    edition = factory.SubFactory(PolicyEditionFactory)
    industry = factory.LazyFunction(lambda: Industry.objects.first())
    organising_unit = factory.LazyFunction(lambda: unit("shuocheng"))


def log_in(client, username, password=PASSWORD, address="127.0.0.1", **extra):
    """Through the log-in page, as a person does: django-axes counts each attempt and needs
    the request, which ``client.login()`` does not give it."""
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def signed_in(client):
    return "_auth_user_id" in client.session


class CommittingClient(Client):
    """A test client whose requests end as they do in production: what a request left to run
    after its commit (the outbox sending its mail) runs before the answer comes back.

    A test is one transaction that never commits, so with the plain client those callbacks
    never run; the views that mail (sign-up, confirmation, password reset) are then tested
    with this one.
    """

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)
