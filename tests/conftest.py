import importlib

import pytest

from applications.demo import complete_application
from applications.drafts import lead_member
from applications.enums import Role, State
from applications.uscc import make_uscc
from applications.workflow import route, transition

from .factories import ApplicationFactory, OrganisationFactory, PolicyEditionFactory, UserFactory, unit


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for attackers, not for the test suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploads of each test go to its own directory, never into the project's var/."""
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": root, "base_url": None}},
    }
    return root


def restore_reference_data():
    """Put back the data migration's organising units, industries and 2021 edition.

    A live-server test's database is flushed afterwards (pytest-django's live_server asks
    for a transactional database without serialized rollback), which empties them.
    """
    from django.apps import apps

    from applications.models import OrganisingUnit

    if not OrganisingUnit.objects.exists():
        for migration in ("0002_reference_data", "0005_edition_text_and_english_names"):
            importlib.import_module(f"applications.migrations.{migration}").load(apps, None)


@pytest.fixture
def edition(db):
    """A renewed edition in force today (the 2021 edition lapsed on 2026-05-27)."""
    restore_reference_data()
    return PolicyEditionFactory()


class World:
    """Two lead units routed to two organising units, plus the bureau's people.

    ``applicant``'s files go to 朔城区 (``unit``); ``other_applicant``'s to 平鲁区
    (``other_unit``): enough to check who sees what.
    """

    def __init__(self, edition):
        self.edition = edition
        # The demo's code: the demo documents drawn for this lead unit (its licence, the
        # agreement's member table) are then drawn once per test session, not once per test.
        self.organisation = OrganisationFactory(
            name="朔州市晋北新材料科技有限公司", uscc=make_uscc("91140602", "MA0K3A1B")
        )
        self.other_organisation = OrganisationFactory(name="平鲁区煤电装备制造股份有限公司")
        self.applicant = UserFactory(
            username="applicant", role=Role.APPLICANT, organisation=self.organisation
        )
        self.other_applicant = UserFactory(
            username="applicant2", role=Role.APPLICANT, organisation=self.other_organisation
        )
        self.unit = UserFactory(
            username="unit-shuocheng", role=Role.UNIT_REVIEWER, organising_unit=unit("shuocheng")
        )
        self.other_unit = UserFactory(
            username="unit-pinglu", role=Role.UNIT_REVIEWER, organising_unit=unit("pinglu")
        )
        self.staff = UserFactory(username="staff", role=Role.STAFF)
        self.expert = UserFactory(username="expert1", role=Role.EXPERT)
        self.admin = UserFactory(username="admin", role=Role.ADMIN, is_superuser=True)

    def actor_for(self, role):
        return {
            Role.APPLICANT: self.applicant,
            Role.UNIT_REVIEWER: self.unit,
            Role.STAFF: self.staff,
        }.get(role)

    def application(self, state=None, *, via=None, complete=None, **fields):
        """A file of ``applicant`` routed to 朔城区, driven to ``state`` through transition().

        A file to be submitted is first completed (members, documents) so that it passes
        the eligibility rules; ``complete=False`` leaves a bare draft.
        """
        fields.setdefault("lead_unit", self.organisation)
        application = ApplicationFactory(edition=self.edition, **fields)
        lead_member(application, self.applicant)
        if complete or (complete is None and state not in (None, State.DRAFT)):
            complete_application(application, self.applicant)
        if state is not None:
            self.drive(application, route(state, via=via))
        return application

    def drive(self, application, rows):
        for row in rows:
            actor = next((self.actor_for(role) for role in sorted(row.roles) if self.actor_for(role)), None)
            transition(application, row.action, actor, comment="测试意见", declared=True)
        return application


@pytest.fixture
def world(edition):
    return World(edition)
