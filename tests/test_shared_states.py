"""The shared states of tests/conftest.py: each test of one gets it as built, whatever the
tests before it changed, in the database, in the stored files or in the objects it was given."""

import pytest

from applications.enums import State
from applications.models import Application, DocumentVersion


@pytest.mark.parametrize("run", ["first", "second"])
def test_a_shared_state_is_as_built_whatever_the_test_before_changed(shared_world, private_media, run):
    world = shared_world
    assert world.submitted.name != "changed in memory"
    assert list(Application.objects.values_list("pk", "state")) == [(world.submitted.pk, State.SUBMITTED)]
    versions = DocumentVersion.objects.filter(document__application=world.submitted)
    assert versions.count() == 10
    assert all((private_media / version.file.name).is_file() for version in versions)

    # Whichever of the two runs first changes all three; the other must not see it.
    world.submitted.name = "changed in memory"
    for version in versions:
        (private_media / version.file.name).unlink()
    Application.objects.update(state=State.WITHDRAWN)
    world.application(State.DRAFT)
