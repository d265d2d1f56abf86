"""Active content in uploaded PDFs (issue 8, item 5): the upload is kept as it is and served
only as a download; reviewers open a cleaned copy, and the dossier merges cleaned copies."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject
from pypdf.generic import TextStringObject as Text

from applications.enums import DocumentKind, State
from applications.models import DocumentVersion
from applications.pdf_clean import active_content
from applications.workflow import route

ACTIVE = {"/JS", "/JavaScript", "/OpenAction", "/AA", "/EmbeddedFiles", "/AcroForm"}


def name(value):
    return NameObject(value)


def script(code):
    return DictionaryObject({name("/S"): name("/JavaScript"), name("/JS"): Text(code)})


def numbers(*values):
    return ArrayObject(FloatObject(value) for value in values)


def hostile_pdf():
    """One page with everything a reviewer's viewer could run: a document-level script, an
    /OpenAction script, a page /AA script, an embedded file, a Launch link and a filled form
    field (with its own /AA script) whose value shows on the page."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    writer.add_attachment("payload.exe", b"MZ hidden payload")
    writer.root_object["/Names"][name("/JavaScript")] = DictionaryObject(
        {name("/Names"): ArrayObject([Text("init"), writer._add_object(script("app.alert('names')"))])}
    )
    writer.root_object[name("/OpenAction")] = writer._add_object(script("app.alert('open')"))
    page[name("/AA")] = DictionaryObject({name("/O"): writer._add_object(script("app.alert('page')"))})
    appearance = DecodedStreamObject()
    appearance.set_data(b"0 0 1 rg 0 0 200 20 re f")
    appearance.update(
        {
            name("/Type"): name("/XObject"),
            name("/Subtype"): name("/Form"),
            name("/BBox"): numbers(0, 0, 200, 20),
        }
    )
    field = writer._add_object(
        DictionaryObject(
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Widget"),
                name("/FT"): name("/Tx"),
                name("/T"): Text("unit"),
                name("/V"): Text("filled in"),
                name("/Rect"): numbers(100, 700, 300, 720),
                name("/AP"): DictionaryObject({name("/N"): writer._add_object(appearance)}),
                name("/AA"): DictionaryObject({name("/K"): script("app.alert('field')")}),
            }
        )
    )
    launch = DictionaryObject(
        {
            name("/Type"): name("/Annot"),
            name("/Subtype"): name("/Link"),
            name("/Rect"): numbers(0, 0, 50, 50),
            name("/A"): DictionaryObject({name("/S"): name("/Launch"), name("/F"): Text("cmd.exe")}),
        }
    )
    page[name("/Annots")] = ArrayObject([field, writer._add_object(launch)])
    writer.root_object[name("/AcroForm")] = DictionaryObject(
        {name("/Fields"): ArrayObject([field]), name("/XFA"): Text("<xdp:xdp/>")}
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def hostile_version(world, client):
    application = world.application(complete=True)
    client.force_login(world.applicant)
    client.post(
        reverse("applications:upload", args=[application.pk]),
        {
            "kind": DocumentKind.AGREEMENT,
            "back": "documents",
            "file": SimpleUploadedFile("协议.pdf", hostile_pdf()),
        },
    )
    version = DocumentVersion.objects.filter(
        document__application=application, document__kind=DocumentKind.AGREEMENT
    ).latest("pk")
    assert version.original_name == "协议.pdf"
    return version


def body(response):
    return b"".join(response.streaming_content)


def test_the_hostile_pdf_carries_every_kind_of_active_content():
    """The test's own file: what the cleaning must take out is in it."""
    assert ACTIVE | {"/XFA", "/Launch", "/Widget"} <= active_content(hostile_pdf())


def test_pdf_is_stored_as_uploaded_and_cleaned(hostile_version):
    with hostile_version.file.open("rb") as original:
        assert original.read() == hostile_pdf()
    with hostile_version.cleaned.open("rb") as cleaned:
        content = cleaned.read()
    assert active_content(content) == set()
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    # The filled field is drawn into the page: reviewers still see what was filled in.
    assert b"0 0 200 20 re f" in b"".join(
        xobject.get_object().get_data() for xobject in reader.pages[0]["/Resources"]["/XObject"].values()
    )


def test_reviewers_open_the_cleaned_copy_and_the_original_is_only_a_download(hostile_version, client):
    application = hostile_version.document.application
    args = [application.pk, hostile_version.pk]
    opened = client.get(reverse("applications:file", args=args))
    assert opened["Content-Disposition"].startswith("inline")
    assert active_content(body(opened)) == set()
    original = client.get(reverse("applications:original", args=args))
    assert original["Content-Disposition"].startswith("attachment")
    assert body(original) == hostile_pdf()
    page = client.get(reverse("applications:step", args=[application.pk, "documents"])).content.decode()
    assert reverse("applications:original", args=args) in page


def test_the_dossier_carries_no_active_content(hostile_version, world, client):
    application = hostile_version.document.application
    dossier = body(client.get(reverse("applications:dossier_pdf", args=[application.pk])))
    assert active_content(dossier) == set()
    world.drive(application, route(State.SUBMITTED))
    client.force_login(world.unit)
    round_dossier = body(client.get(reverse("review:submission_pdf", args=[application.pk, 1, "dossier"])))
    assert active_content(round_dossier) == set()
    assert "/JavaScript" not in str(PdfReader(io.BytesIO(round_dossier)).trailer["/Root"])


def test_a_version_stored_before_cleaning_is_cleaned_on_first_use(hostile_version, client):
    """Versions uploaded before cleaned copies were kept get one when first opened."""
    DocumentVersion.objects.filter(pk=hostile_version.pk).update(cleaned="")
    application = hostile_version.document.application
    opened = client.get(reverse("applications:file", args=[application.pk, hostile_version.pk]))
    assert active_content(body(opened)) == set()
    hostile_version.refresh_from_db()
    assert hostile_version.cleaned.name.startswith("cleaned/")
