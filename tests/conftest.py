import copy
import importlib
import io
import os
import shutil
import types

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from pytest_django.fixtures import validate_django_db

from applications import registration
from applications.demo import complete_application, sample_pdf
from applications.drafts import lead_member
from applications.enums import RegistrationDocumentKind, RegistrationStatus, Role, State
from applications.models import User
from applications.uscc import make_uscc
from applications.workflow import drive, route

from .factories import ApplicationFactory, OrganisationFactory, PolicyEditionFactory, UserFactory, unit


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject.toml): a worker per core for the suite or a folder; none when only
    files or single tests are named, for which starting workers costs more than it saves."""
    named = [config.invocation_params.dir / arg.split("::")[0] for arg in config.args]
    if named and all(path.is_file() for path in named):
        return 0
    return None  # pytest-xdist's own count


# PBKDF2's deliberate slowness is for attackers, not for the test suite.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


def media_settings(root):
    """The settings that send uploads to ``root``."""
    from django.conf import settings

    default = {**settings.STORAGES["default"], "OPTIONS": {"location": root, "base_url": None}}
    storages = {**settings.STORAGES, "default": default}
    return {"PRIVATE_MEDIA_ROOT": root, "MEDIA_ROOT": root, "STORAGES": storages}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploads of each test go to its own directory, never into the project's var/."""
    root = tmp_path / "private"
    for name, value in media_settings(root).items():
        setattr(settings, name, value)
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
        self.ahead = {}  # files built in advance by build_ahead(), by the arguments that get them

    def claimant(self, *, name="朔州市恒通新能源科技有限公司", uscc=None, username="claimant", send=True):
        """A confirmed lead-unit account whose organisation is not approved (单位注册审核):
        its licence and letter uploaded and, if ``send``, sent to the unit of its code
        (朔城区 by default)."""
        organisation = OrganisationFactory(
            name=name,
            uscc=uscc or make_uscc("91140602", "MA0K9E3F"),
            registration_status=RegistrationStatus.UNSENT,
        )
        user = UserFactory(username=username, role=Role.APPLICANT, organisation=organisation)
        for kind in RegistrationDocumentKind:
            registration.upload(organisation, SimpleUploadedFile(f"{kind}.pdf", sample_pdf()), user, kind)
        if send:
            registration.send(organisation, user)
        user.refresh_from_db()
        return user

    def actor_for(self, role):
        return {
            Role.APPLICANT: self.applicant,
            Role.UNIT_REVIEWER: self.unit,
            Role.STAFF: self.staff,
        }.get(role)

    def application(self, state=None, *, via=None, complete=None, **fields):
        """A file of ``applicant`` routed to 朔城区, driven to ``state`` through transition().

        A file to be submitted is first completed (members, documents) so that it passes
        the eligibility rules; ``complete=False`` leaves a bare draft. One built in advance
        with the same arguments (``build_ahead``) is handed out first.
        """
        ahead = self.ahead.get(self._ahead_key(state, via, complete)) if not fields else None
        if ahead:
            return ahead.pop(0)
        return self._build(state, via=via, complete=complete, **fields)

    def build_ahead(self, count, state=None, *, via=None, complete=None):
        """Build ``count`` files now, for ``application()`` with the same arguments to hand out.

        For a ``@shared_state`` World: each test gets its own copy of the World, and so can
        take them all; when they run out, ``application()`` builds one as usual.
        """
        files = [self._build(state, via=via, complete=complete) for _ in range(count)]
        self.ahead.setdefault(self._ahead_key(state, via, complete), []).extend(files)

    @staticmethod
    def _ahead_key(state, via, complete):
        completed = complete or (complete is None and state not in (None, State.DRAFT))
        return (state or State.DRAFT, via, bool(completed))

    def _build(self, state=None, *, via=None, complete=None, **fields):
        fields.setdefault("lead_unit", self.organisation)
        application = ApplicationFactory(edition=self.edition, **fields)
        lead_member(application, self.applicant)
        if complete or (complete is None and state not in (None, State.DRAFT)):
            complete_application(application, self.applicant)
        if state is not None:
            self.drive(application, route(state, via=via))
        return application

    def actor_of(self, row):
        """Who makes ``row`` in this world: the first of its roles the world has a person for
        (none: the system)."""
        return next((self.actor_for(role) for role in sorted(row.roles) if self.actor_for(role)), None)

    def drive(self, application, rows):
        return drive(application, rows, self.actor_of, comment=lambda row: "测试意见")


@pytest.fixture
def world(edition):
    return World(edition)


# Shared database states -------------------------------------------------------------------
#
# Many tests need a costly state and only look at it, or change a little of it: the demo
# data (seed_demo takes seconds), a submitted file (half a second: ten uploads checked and
# stored, the snapshot frozen), a rendered PDF (a second each). A ``@shared_state`` fixture
# is built once per test module and process; each test that uses it runs in a savepoint
# inside the transaction that holds it, so that what one test changes is rolled back before
# the next. Use one of those below (``demo``, ``shared_world``, ``rendered_pdfs``) in place
# of building the same thing again, or write one for a module: see ``shared_state``, and
# test_workflow.py, test_eligibility.py for a module's own (a World with files built ahead;
# a module whose tests all share one World).


class SharedStates:
    """The one shared state held open on the default database connection, if any.

    ``prepare(item)`` is called just before a database test opens its own transaction
    (pytest-django's ``_django_db_helper``): a test of the state held keeps it; any other
    database test (transactional and live-server ones included) first rolls it back.
    """

    def __init__(self, blocker, tmp_path_factory):
        self.blocker = blocker
        self.tmp_path_factory = tmp_path_factory
        self.key = self.atomic = self.connection = self.value = self.media = None

    def prepare(self, item):
        key, build = shared_state_of(item)
        if key and is_transactional(item):
            # Its queries would run inside the open transaction, and its flush empty it.
            pytest.fail(f"{key} is a shared state: it needs the ordinary `db`, not a transactional one")
        if key == self.key:
            return
        with self.blocker.unblock():
            self.close()
            if build is None:
                return
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.connection = transaction.get_connection()
            try:
                # A transactional test before may have flushed the data migration's rows.
                restore_reference_data()
                self.media = self.tmp_path_factory.mktemp("shared-media")
                with override_settings(PASSWORD_HASHERS=FAST_HASHERS, **media_settings(self.media)):
                    self.value = build()
            except BaseException:
                self.close()
                raise
            self.key = key

    def close(self):
        if self.atomic is not None:
            with self.blocker.unblock():
                if transaction.get_connection() is self.connection:
                    transaction.set_rollback(True)
                    self.atomic.__exit__(None, None, None)
                else:
                    # Django's connections are context-local, and the end of Playwright's
                    # session (tests/browser) brings back the context it started in: the
                    # transaction is then another connection's, which closing rolls back.
                    self.connection.close()
        self.key = self.atomic = self.connection = self.value = self.media = None

    def value_for(self, request, private_media):
        key, _build = shared_state_of(request.node)
        assert self.key == key, (self.key, key)  # prepare() made it
        # The test's own links to the stored files: it may delete or add some (storage never
        # writes into a stored file, and a test must not either). Links: copying hundreds of
        # files for every test would cost more than building the state again.
        shutil.copytree(self.media, private_media, copy_function=link_or_copy, dirs_exist_ok=True)
        # And of the objects, as Django's setUpTestData gives them: a test may change them.
        return copy.deepcopy(self.value)


def link_or_copy(source, destination):
    try:
        os.link(source, destination)
    except OSError:  # another file system
        shutil.copy2(source, destination)


def shared_state(build):
    """Make a fixture, named as ``build``, of the state that ``build()`` makes in the database.

    ``build()`` takes no arguments and runs once per test module (and xdist worker), in a
    transaction of its own, with fast password hashing and its own media directory; it
    returns what the tests get: model instances, bytes, a ``World``... — each test gets a
    deep copy, and links to the stored files under its ``private_media``. The tests of one
    module that use it run one after the other, so that it is built once. A test may change
    anything: it runs in a savepoint that is rolled back afterwards. It cannot be used with
    ``transactional_db``, ``live_server`` or ``transaction=True``, nor two in one test.
    """

    def fixture(request, db, private_media):
        return request.getfixturevalue("_shared_states").value_for(request, private_media)

    fixture.shared_state_build = build
    fixture.__doc__ = build.__doc__
    return pytest.fixture(name=build.__name__)(fixture)


def is_transactional(item):
    """pytest-django's own test of whether ``item`` runs in a TransactionTestCase."""
    marker = item.get_closest_marker("django_db")
    transactional, reset_sequences, *_ = validate_django_db(marker) if marker else (False, False)
    fixtures = {"transactional_db", "live_server", "django_db_reset_sequences"} & set(item.fixturenames)
    return bool(transactional or reset_sequences or fixtures)


def shared_states_of(item):
    """``[(key, build)]`` of the shared states ``item`` uses: one at most, or none."""
    info = getattr(item, "_fixtureinfo", None)
    found = []
    for name in info.names_closure if info else ():
        definitions = info.name2fixturedefs.get(name)
        build = definitions and getattr(definitions[-1].func, "shared_state_build", None)
        if build:
            found.append((f"{item.module.__name__}:{name}", build))
    return found


def shared_state_of(item):
    """``(key, build)`` of the shared state ``item`` uses, or ``(None, None)``."""
    found = shared_states_of(item)
    if len(found) > 1:
        pytest.fail(f"one shared state per test, not {[key for key, _build in found]}")
    return found[0] if found else (None, None)


@pytest.fixture(scope="session")
def _shared_states(django_db_setup, django_db_blocker, tmp_path_factory):
    states = SharedStates(django_db_blocker, tmp_path_factory)
    yield states
    states.close()  # before django_db_setup drops the test database


@pytest.fixture
def _shared_state_prepared(request, _shared_states):
    _shared_states.prepare(request.node)


@pytest.fixture
def _django_db_helper(_shared_state_prepared, _django_db_helper):
    """pytest-django's, which starts each database test (a savepoint, or a transactional
    test): the shared state the test uses is made ready first (arguments are set up in
    order), and one it does not use is rolled back."""
    return _django_db_helper


@pytest.hookimpl(tryfirst=True)
def refuse_mixed_modules(items):
    """A module with a transactional test holds no other database test.

    A transactional test's database is flushed when it ends, emptying the migrations'
    reference data. pytest-django runs transactional tests last, but xdist's ``loadfile``
    schedules a module as one group, where its first test falls: a transactional test in a
    module of ordinary ones would run early and empty the database for the modules after it.
    """
    kinds = {}
    for item in items:
        if item.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
            item.fixturenames
        ):
            kinds.setdefault(item.module.__name__, set()).add(is_transactional(item))
    mixed = sorted(name for name, found in kinds.items() if len(found) > 1)
    if mixed:
        raise pytest.UsageError(f"transactional and ordinary database tests in one module: {mixed}")


def pytest_collection_modifyitems(config, items):
    """The tests of one shared state run one after the other, so that it is built once.

    Each state's tests move up to the first of them; the order is otherwise kept, and
    pytest-django's stable sort (database tests, transactional ones, the rest) that follows
    keeps them together. Under xdist, ``--dist loadfile`` (pyproject.toml) runs each module
    on one worker. (``--dist loadgroup`` would allow finer groups, but does not group with
    pytest 9.2: pytest-xdist issue 1386.)
    """
    refuse_mixed_modules(items)
    first = {}
    keys = []
    for index, item in enumerate(items):
        state = next((key for key, _build in shared_states_of(item)), None)
        keys.append((first.setdefault(state, index) if state else index, index))
    items[:] = [item for _key, item in sorted(zip(keys, items, strict=True), key=lambda pair: pair[0])]


@shared_state
def demo():
    """The demo data of ``manage.py seed_demo``: its users by username (``demo.users``)."""
    call_command("seed_demo", stdout=io.StringIO())
    return types.SimpleNamespace(users={user.username: user for user in User.objects.all()})


@shared_state
def shared_world():
    """A ``World`` whose applicant has one complete file submitted to 朔城区: ``.submitted``;
    and ``.claimant``, an account whose registration waits for 朔城区's decision."""
    world = World(PolicyEditionFactory())
    world.submitted = world.application(State.SUBMITTED)
    # A registration sent to 朔城区 (``unit``) and waiting for its decision.
    world.claimant = world.claimant()
    return world


@shared_state
def rendered_pdfs():
    """The PDFs of two files of a ``World`` (``.world``), each fetched once through its view.

    ``draft`` (complete, never submitted): ``form`` and ``dossier`` as its applicant gets
    them. ``submitted`` (round 1, waiting for 朔城区): ``round_dossier`` as its organising
    unit gets it; the copy the view kept is removed again, so that a test asking for it
    builds it. Each rendering costs about a second: add one here when a test reads it.
    (The PDFs kept per content version are removed too, so that a test asking builds them.)
    """
    world = World(PolicyEditionFactory())
    draft = world.application(complete=True)
    submitted = world.application(State.SUBMITTED)

    def fetch(user, name, *args):
        client = Client()
        client.force_login(user)
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, (name, response.status_code)
        # (Reading a streamed body to its end closes the response, as a WSGI server would.)
        return b"".join(response.streaming_content) if response.streaming else response.content

    pdfs = types.SimpleNamespace(
        world=world,
        draft=draft,
        submitted=submitted,
        form=fetch(world.applicant, "applications:form_pdf", draft.pk),
        dossier=fetch(world.applicant, "applications:dossier_pdf", draft.pk),
        round_dossier=fetch(world.unit, "review:submission_pdf", submitted.pk, 1, "dossier"),
    )
    shutil.rmtree(default_storage.path("pdf-cache"), ignore_errors=True)
    return pdfs
