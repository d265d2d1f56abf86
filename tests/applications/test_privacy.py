"""Another applicant, an anonymous user and an unassigned expert get 404 for every page of a
file and every document URL: the file's existence does not leak (DESIGN.md "People")."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.demo import sample_pdf
from applications.enums import DocumentKind, State
from applications.models import Document, DocumentVersion

OUTSIDERS = ["anonymous", "other_applicant", "expert", "other_unit", "admin"]


def file_urls(application):
    """Every URL of one file: the applicant's and the reviewers', documents included."""
    member = application.members.order_by("pk").last()
    other = Document.objects.create(application=application, kind=DocumentKind.OTHER, title="纪要")
    urls = [
        ("get", reverse("applications:detail", args=[application.pk])),
        ("get", reverse("applications:form_pdf", args=[application.pk])),
        ("get", reverse("applications:dossier_pdf", args=[application.pk])),
        ("post", reverse("applications:member_add", args=[application.pk])),
        ("post", reverse("applications:member_import", args=[application.pk])),
        ("post", reverse("applications:ceiling", args=[application.pk])),
        ("get", reverse("applications:member_edit", args=[application.pk, member.pk])),
        ("post", reverse("applications:member_delete", args=[application.pk, member.pk])),
        ("post", reverse("applications:upload", args=[application.pk])),
        ("post", reverse("applications:document_remove", args=[application.pk, other.pk])),
        ("post", reverse("applications:act", args=[application.pk, "withdraw"])),
        ("get", reverse("review:detail", args=[application.pk])),
    ]
    urls += [
        ("get", reverse("applications:step", args=[application.pk, step])) for step in ("basics", "members")
    ]
    for kind in ("form", "dossier"):
        urls.append(("get", reverse("applications:submission_pdf", args=[application.pk, 1, kind])))
        urls.append(("get", reverse("review:submission_pdf", args=[application.pk, 1, kind])))
    for version in DocumentVersion.objects.filter(document__application=application):
        for name in ("applications:file", "applications:preview", "review:file", "review:preview"):
            urls.append(("get", reverse(name, args=[application.pk, version.pk])))
        urls.append(("post", reverse("applications:version_delete", args=[application.pk, version.pk])))
    return urls


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_for_every_page_and_document_of_a_file(shared_world, client, outsider):
    world = shared_world
    application = world.submitted
    if outsider != "anonymous":
        client.force_login(getattr(world, outsider))
    urls = file_urls(application)
    assert len(urls) > 30
    answers = {url: getattr(client, method)(url).status_code for method, url in urls}
    assert set(answers.values()) == {404}, {url: code for url, code in answers.items() if code != 404}
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_reviewers_see_only_submitted_versions(world, client):
    application = world.application(State.RETURNED)
    client.force_login(world.applicant)
    client.post(
        reverse("applications:upload", args=[application.pk]),
        {"kind": "agreement", "file": SimpleUploadedFile("修改中.pdf", sample_pdf())},
    )
    draft_version = DocumentVersion.objects.get(original_name="修改中.pdf")
    assert (
        client.get(reverse("applications:file", args=[application.pk, draft_version.pk])).status_code == 200
    )
    client.force_login(world.unit)
    assert client.get(reverse("review:file", args=[application.pk, draft_version.pk])).status_code == 404
    frozen = DocumentVersion.objects.filter(
        document__application=application, submission__isnull=False
    ).first()
    assert client.get(reverse("review:file", args=[application.pk, frozen.pk])).status_code == 200


def test_a_version_of_another_file_is_not_reachable_through_ones_own_file(world, client):
    mine = world.application(State.SUBMITTED)
    theirs = world.application(State.SUBMITTED)
    theirs.lead_unit = world.other_organisation
    theirs.save()
    their_version = DocumentVersion.objects.filter(document__application=theirs).first()
    client.force_login(world.applicant)
    assert client.get(reverse("applications:file", args=[mine.pk, their_version.pk])).status_code == 404


@pytest.mark.parametrize("state", [State.DRAFT, State.WITHDRAWN])
def test_a_draft_never_submitted_is_the_applicants_own(world, client, state):
    """Staff and units get 404 for a draft, and for one withdrawn before it was ever submitted;
    the bureau's dashboard counts drafts without listing them (DESIGN.md "People")."""
    application = world.application(state, complete=True)
    assert application.submitted_at is None
    for reviewer in (world.staff, world.unit):
        client.force_login(reviewer)
        for method, url in file_urls(application):
            assert getattr(client, method)(url).status_code == 404, (reviewer, url)
    client.force_login(world.staff)
    page = client.get(reverse("review:dashboard")).content.decode()
    assert application.name not in page
    drafts = 1 if state == State.DRAFT else 0
    assert f"另有 {drafts} 件申报正在由申报单位填写" in page
