"""Benchmark of the generated PDFs (issue 3): prints figures, asserts nothing.

    make bench        (or: .venv/bin/python scripts/benchmark.py)
    make bench BENCH_ARGS=--fonttools    as on a machine without libharfbuzz-subset0
    make bench BENCH_ARGS=--import-only  the member import's figures alone
    make bench BENCH_ARGS=--eligibility-only  the staff dashboard's eligibility checks (issue 12)

Builds, in a throw-away SQLite database and storage directory, an application with 15
members and 20 scanned pages of about 2 MB each (a JPEG per member's licence, plus the
signed form, the agreement, the charter and two other materials), then prints:
- which font subsetter WeasyPrint used (HarfBuzz, or the slow fontTools) and which font;
- the time to generate the application form (first call, and warm);
- the time to build the full dossier, and its peak memory (Python heap by tracemalloc,
  and the process's resident high-water mark);
- the member import (issue 8): the largest file it accepts (PORTAL_MEMBERS_MAX less the lead
  unit, every cell at its longest) as .xlsx and .csv, the most rows it reads, and the worst
  hostile files it refuses, each with its time and peak memory (tracemalloc); the bound is
  50 MB and a few seconds.
The target for the dossier is under 3 s on the project's machines.

Then the worst PDF upload (review of issue 8): the costliest file still accepted (the upload
size, PORTAL_PDF_MAX_OBJECTS objects all reached from its page, close to
PORTAL_PDF_MAX_PARSED_ITEMS items), with the time and the forked child's resident high-water
mark of checking it (documents.inspect: page count, cleaning, the check of the copy), of
cleaning it alone and of merging its cleaned copy; and of refusing the hostile files of the
review (300,000 objects; one object of ten million numbers).

Then the worst allowed input (issue 8): a draft at every limit (each text at its longest,
PORTAL_MEMBERS_MAX members with every field at its longest, every "other material" slot
used, and as many documents as PORTAL_DOSSIER_MAX_BYTES holds the worst accepted PDF above,
the rest blank pages at their page limits; ``--sample-documents``: blank pages at
each kind's page limit instead), and for its form and its dossier, each asked for through
the view in a forked child: the time and the child's resident high-water mark of the first
GET (built and kept) and of the next (the kept copy).
"""

import argparse
import csv
import io
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="portal-bench-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ["PORTAL_PRIVATE_MEDIA_ROOT"] = str(WORK / "private")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance_portal.settings")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from applications import drafts, members_import  # noqa: E402
from applications.demo import FIELDS  # noqa: E402
from applications.enums import DocumentKind, OrganisationType, Role  # noqa: E402
from applications.models import Industry, Member, Organisation, OrganisingUnit, PolicyEdition, User  # noqa: E402
from applications.pdf import build_dossier, render_form  # noqa: E402
from applications.pdf_fonts import harfbuzz_subset_available, warn_if_slow_subsetter  # noqa: E402
from applications.submissions import application_data  # noqa: E402
from applications.uscc import make_uscc  # noqa: E402
from tests.applications import xlsx_files  # noqa: E402

SCAN_TARGET = 2 * 1024 * 1024


def scan(seed):
    """A grey A4 "scan" at 200 dpi, as a JPEG of about 2 MB (noise compresses badly)."""
    size = (1654, 2339)
    noise = Image.effect_noise(size, 40 + seed % 5).convert("RGB")
    for quality in (95, 90, 85, 80, 75, 70):
        buffer = io.BytesIO()
        noise.save(buffer, "JPEG", quality=quality)
        if buffer.tell() <= SCAN_TARGET * 1.15:
            return buffer.getvalue()
    return buffer.getvalue()


def draft_application():
    """A draft with 15 members (the lead unit and 14 others), no documents yet."""
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    edition = PolicyEdition.objects.create(
        name="基准测试版本",
        document_number="基准〔2026〕1号",
        effective_from="2026-01-01",
        effective_until="2031-12-31",
    )
    organisation = Organisation.objects.create(
        uscc=make_uscc("91140602", "MA0BENCH"),
        name="朔州市基准测试新材料科技有限公司",
        org_type=OrganisationType.ENTERPRISE,
        registered_address="山西省朔州市朔城区",
    )
    user = User.objects.create(
        username="bench", role=Role.APPLICANT, organisation=organisation, full_name="测试"
    )
    application = drafts.start_application(
        organisation=organisation,
        user=user,
        edition=edition,
        name="朔州市基准测试产业技术创新战略联盟",
        industry=Industry.objects.first(),
        organising_unit=OrganisingUnit.objects.first(),
        **FIELDS,
    )
    for number in range(14):
        Member.objects.create(
            application=application,
            name=f"朔州市第{number + 1}成员单位有限公司",
            uscc=make_uscc("91140602", f"MB{number:06d}"),
            org_type=OrganisationType.UNIVERSITY if number == 0 else OrganisationType.ENTERPRISE,
            is_core=number < 6,
            task="承担联合攻关与成果转化任务。" * 3,
        )
    return application, user


def build_application():
    application, user = draft_application()
    scans = [scan(seed) for seed in range(20)]
    started = time.perf_counter()
    members = list(application.members.all())
    slots = [(DocumentKind.LICENCE, member, "") for member in members]
    slots += [(kind, None, "") for kind in (DocumentKind.FORM, DocumentKind.AGREEMENT, DocumentKind.CHARTER)]
    slots += [(DocumentKind.OTHER, None, f"其他材料{n}") for n in (1, 2)]
    for (kind, member, title), content in zip(slots, scans, strict=True):
        drafts.upload(
            application, SimpleUploadedFile("scan.jpg", content), user, kind=kind, member=member, title=title
        )
    upload_seconds = time.perf_counter() - started
    return application, scans, upload_seconds


def timed(function, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return result, times


def pdf_fonts(pdf):
    """The fonts embedded in a PDF, without their subset prefix ("ABCDEF+")."""
    return sorted(
        {
            str(font.get_object()["/BaseFont"]).split("+", 1)[-1]
            for page in PdfReader(io.BytesIO(pdf)).pages
            for font in page["/Resources"]["/Font"].values()
        }
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--fonttools",
        action="store_true",
        help="make WeasyPrint believe libharfbuzz-subset0 is missing, so that it subsets with fontTools",
    )
    parser.add_argument("--import-only", action="store_true", help="only the member import's figures")
    parser.add_argument(
        "--pdf-only", action="store_true", help="only the worst PDF upload and worst allowed form and dossier"
    )
    parser.add_argument(
        "--public-only", action="store_true", help="only the public pages (notice, directory, PDFs)"
    )
    parser.add_argument(
        "--eligibility-only",
        action="store_true",
        help="only the staff dashboard's eligibility checks (issue 12)",
    )
    parser.add_argument(
        "--sample-documents",
        action="store_true",
        help="the worst allowed dossier with blank pages at the page limits, not the worst accepted PDFs",
    )
    arguments = parser.parse_args()
    if arguments.public_only:
        public_figures(*draft_application())
        shutil.rmtree(WORK, ignore_errors=True)
        return
    if arguments.eligibility_only:
        eligibility_figures(*draft_application())
        shutil.rmtree(WORK, ignore_errors=True)
        return
    if arguments.import_only:
        import_figures(draft_application()[0])
        shutil.rmtree(WORK, ignore_errors=True)
        return
    if arguments.pdf_only:
        draft_application()
        worst = worst_pdf_figures()
        worst_allowed(None if arguments.sample_documents else worst)
        shutil.rmtree(WORK, ignore_errors=True)
        return
    import weasyprint.pdf.fonts

    if arguments.fonttools:
        # What WeasyPrint 70 checks before subsetting (weasyprint/pdf/fonts.py, Font.subset).
        weasyprint.pdf.fonts.harfbuzz_subset = None
        warn_if_slow_subsetter()  # what the start-up of such a machine says
    application, scans, upload_seconds = build_application()
    data = application_data(application)
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(
        f"input: {len(data['members'])} members, {len(scans)} scans of "
        f"{statistics.mean(len(s) for s in scans) / 1024 / 1024:.2f} MB on average "
        f"({sum(len(s) for s in scans) / 1024 / 1024:.1f} MB in all)"
    )
    print(f"upload checks (type, Pillow verify, preview) for the 20 scans: {upload_seconds:.2f} s in all")

    cpu_started = time.process_time()
    form, form_times = timed(lambda: render_form(data), 4)
    # CPU time too: on a shared machine the wall-clock time also counts other processes' turns.
    form_cpu = (time.process_time() - cpu_started) / len(form_times)
    subsetter = "HarfBuzz" if harfbuzz_subset_available() else "fontTools (libharfbuzz-subset0 missing)"
    print(
        f"font subsetter: {subsetter}{' [simulated by --fonttools]' if arguments.fonttools else ''}; "
        f"form fonts: {', '.join(pdf_fonts(form))}"
    )
    print(
        f"application form: first {form_times[0]:.2f} s (fonts loaded), then "
        f"median {statistics.median(form_times[1:]):.2f} s ({form_cpu:.2f} s of CPU time on average); "
        f"{len(PdfReader(io.BytesIO(form)).pages)} pages, "
        f"{len(form) / 1024:.0f} KB"
    )

    def dossier():
        with tempfile.TemporaryFile() as output:
            build_dossier(data, output)
            return output.tell()

    size, dossier_times = timed(dossier, 3)
    median = statistics.median(dossier_times)
    print(
        f"full dossier: median {median:.2f} s over {len(dossier_times)} runs "
        f"(each: {', '.join(f'{t:.2f}' for t in dossier_times)} s); {size / 1024 / 1024:.1f} MB; "
        f"target < 3 s: {'met' if median < 3 else 'NOT met'}"
    )

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    dossier()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"dossier peak memory: {peak / 1024 / 1024:.1f} MB of Python heap (tracemalloc); "
        f"process high-water mark {rss_after:.0f} MB (was {rss_before:.0f} MB before this build)"
    )
    worst = worst_pdf_figures()
    worst_allowed(None if arguments.sample_documents else worst)
    import_figures(application)
    public_figures(application, application.created_by)
    eligibility_figures(application, application.created_by)
    shutil.rmtree(WORK, ignore_errors=True)


def public_figures(source, user, count=100):
    """The public pages (issue 10) with ``count`` recognised alliances of 15 members on one
    notice: each page's time and queries, first (built) and then from the cache, and the
    notice's and a certificate's PDF."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from applications.enums import State
    from applications.models import Application, Platform
    from review import notices, recognition
    from review.models import Notice, NoticeItem, NoticeStatus, Recognition

    members = list(source.members.all())
    now = timezone.now()
    notice = Notice.objects.create(
        title=notices.default_title(now.year),
        body="正文" * 200,
        edition=source.edition,
        created_by=user,
        status=NoticeStatus.PUBLISHED,
        published_at=now,
    )
    notice.starts_on, notice.ends_at = notices.period(now, 7)
    notice.save()
    for number in range(count):
        alliance = Application.objects.get(pk=source.pk)
        alliance.pk, alliance.name, alliance.state = (
            None,
            f"朔州市基准{number}产业技术创新战略联盟",
            State.RECOGNIZED,
        )
        alliance.save()
        Member.objects.bulk_create(
            Member(
                application=alliance,
                name=f"{m.name}{number}",
                uscc=m.uscc,
                org_type=m.org_type,
                is_core=m.is_core,
            )
            for m in members
        )
        NoticeItem.objects.create(
            notice=notice, application=alliance, position=number + 1, listing=notices.listing(alliance)
        )
        Recognition.objects.create(
            application=alliance,
            year=now.year,
            sequence=number + 1,
            number=f"朔科联〔{now.year}〕第{number + 1}号",
            recognized_on=now.date(),
            notice=notice,
        )
        Platform.objects.create(
            application=alliance, kind="innovation_team", level="municipal", name="创新团队", year=2025
        )
    client = Client(HTTP_HOST="127.0.0.1")
    print(f"public pages: {count} recognised alliances of {len(members) + 1} members on one notice")
    first = Recognition.objects.order_by("pk").first()
    for label, url in (
        ("notice page", reverse("notice", args=[notice.pk])),
        ("notice list", reverse("notices")),
        ("directory page 1", reverse("alliances")),
        ("directory search", reverse("alliances") + "?q=基准4"),
        ("alliance page", reverse("alliance", args=[first.application_id])),
        ("open data .csv", reverse("alliances_csv")),
        ("open data .json", reverse("alliances_json")),
        ("notice PDF", reverse("notice_pdf", args=[notice.pk])),
    ):
        figures = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                body = b"".join(response.streaming_content) if response.streaming else response.content
                figures.append((time.perf_counter() - started, len(queries)))
        (cold, cold_queries), (warm, warm_queries) = figures
        print(
            f"  {label}: {response.status_code}, {len(body) / 1024:.0f} KB; first {cold * 1000:.0f} ms "
            f"({cold_queries} queries), cached {warm * 1000:.0f} ms ({warm_queries} queries)"
        )
    started = time.perf_counter()
    certificate = recognition.certificate_pdf(first)
    print(
        f"  certificate PDF: {(time.perf_counter() - started) * 1000:.0f} ms, "
        f"{len(certificate) / 1024:.0f} KB"
    )


def eligibility_figures(source, user, in_progress=300, recognised=100, changed=10):
    """Issue 12: the staff dashboard with ``in_progress`` files past submission (15 members
    each, every one with its own members' codes, a frozen round with its findings) and
    ``recognised`` alliances with an accepted annual report; then with ``changed`` of the files
    made ineligible by a registry correction: the dashboard's time and queries, the file page's,
    and ``flagged_alliances()``'s."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from applications.eligibility import facts_for
    from applications.enums import State
    from applications.models import Application, AuditEvent, RegistrationStatus, Submission
    from applications.recheck import IN_PROGRESS
    from applications.submissions import edition_rules, findings_in_both_languages
    from review import annual
    from review.models import AnnualReport, AnnualReportStatus, Recognition

    members = list(source.members.all())
    staff = User.objects.create(username="bench-staff", role=Role.STAFF, full_name="基准")
    states = list(IN_PROGRESS)
    created = []
    for number in range(in_progress + recognised):
        alliance = Application.objects.get(pk=source.pk)
        alliance.pk, alliance.name = None, f"朔州市核查{number}产业技术创新战略联盟"
        alliance.state = states[number % len(states)] if number < in_progress else State.RECOGNIZED
        alliance.submitted_at = alliance.created_at
        alliance.save()
        Member.objects.bulk_create(
            Member(
                application=alliance,
                name=m.name if m.is_lead else f"{m.name}{number}",
                uscc=m.uscc if m.is_lead else make_uscc("91140602", f"C{number:04d}{index:03d}"),
                org_type=m.org_type,
                is_core=m.is_core,
                is_lead=m.is_lead,
                task=m.task or "牵头",
            )
            for index, m in enumerate(members)
        )
        facts = facts_for(alliance)
        data = application_data(alliance, facts)
        data["findings"] = findings_in_both_languages(alliance, facts)
        data["rules"] = edition_rules(alliance.edition)
        event = AuditEvent.objects.create(
            application=alliance, action="submit", from_state="draft", to_state="submitted", actor=user
        )
        Submission.objects.create(
            application=alliance,
            number=1,
            event=event,
            submitted_by=user,
            submitted_at=event.created_at,
            declaration="承诺",
            data=data,
        )
        created.append(alliance)
    for number, alliance in enumerate(created[in_progress:]):
        Recognition.objects.create(
            application=alliance,
            year=2026,
            sequence=number + 1,
            number=f"基准{number}",
            recognized_on="2026-06-30",
        )
        report = AnnualReport.objects.create(
            application=alliance, year=2026, status=AnnualReportStatus.ACCEPTED
        )
        # One in ten loses two core members (of seven): below six, flagged.
        for left in range(2):
            report.member_changes.create(
                kind="left", name=f"退出单位{number}-{left}", is_core=number % 10 == 0, reason="转产"
            )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff)
    print(
        f"eligibility at every step: {in_progress} files in progress and {recognised} recognised alliances "
        f"of {len(members)} members"
    )

    def measure(label, url):
        figures = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                figures.append((time.perf_counter() - started, len(queries)))
        (first, first_queries), (second, second_queries) = figures
        print(
            f"  {label}: {response.status_code}; {first * 1000:.0f} ms ({first_queries} queries), "
            f"again {second * 1000:.0f} ms ({second_queries} queries)"
        )

    measure("staff dashboard, nothing changed", reverse("review:dashboard"))
    for alliance in created[:changed]:
        member = alliance.members.filter(is_lead=False, is_core=True).last()
        Organisation.objects.create(
            uscc=member.uscc,
            name=member.name,
            org_type=OrganisationType.BRANCH,
            registration_status=RegistrationStatus.APPROVED,
        )
    measure(f"staff dashboard, {changed} files changed", reverse("review:dashboard"))
    measure("file page of a changed file", reverse("review:detail", args=[created[0].pk]))
    # Then every file in progress changed at once: their industry left the "2+7+N" system.
    Industry.objects.filter(pk=source.industry_id).update(is_active=False)
    measure(f"staff dashboard, all {in_progress} files changed", reverse("review:dashboard"))
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        flags = annual.flagged_alliances()
        elapsed = time.perf_counter() - started
    print(
        f"  flagged_alliances(): {len(flags)} flagged of {recognised}; "
        f"{elapsed * 1000:.0f} ms, {len(queries)} queries"
    )


def largest_member_rows(count):
    """``count`` members, every cell as long as its field allows (a free text: the import's
    cell limit), in random Chinese that does not compress away."""
    chinese = random.Random(8)  # noqa: S311 (the same text on every run, not a secret)

    def text(field):
        length = Member._meta.get_field(field).max_length or members_import.LIMITS.cell_chars
        return "".join(chr(chinese.randint(0x4E00, 0x9FA5)) for _ in range(length))

    return [
        [
            text("name"),
            make_uscc("91140602", f"MC{n:06d}"),
            "企业",
            "是",
            text("registered_address"),
            text("legal_representative"),
            text("contact_name"),
            "1" * Member._meta.get_field("contact_phone").max_length,
            text("task"),
        ]
        for n in range(count)
    ]


def largest_xlsx(rows):
    """As Excel saves it: every text a shared string."""
    strings = [*members_import.HEADERS_ZH, *(value for row in rows for value in row)]
    index = {value: number for number, value in reversed(list(enumerate(strings)))}
    xml_rows = (
        f'<row r="{number}">'
        + "".join(
            f'<c r="{chr(65 + column)}{number}" t="s"><v>{index[value]}</v></c>'
            for column, value in enumerate(values)
        )
        + "</row>"
        for number, values in enumerate([members_import.HEADERS_ZH, *rows], start=1)
    )
    shared = "".join(f"<si><t>{value}</t></si>" for value in strings)
    return xlsx_files.workbook(
        [xlsx_files.SHEET_START, "".join(xml_rows).encode(), xlsx_files.SHEET_END],
        [f'<sst xmlns="{xlsx_files.MAIN}">{shared}</sst>'.encode()],
    )


def largest_csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(members_import.HEADERS_ZH)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def import_figures(application):
    """Time and peak memory of the member import, for the largest good file and the worst bombs."""
    headers = members_import.HEADERS_ZH
    # The draft holds its lead unit: the rest of PORTAL_MEMBERS_MAX is the most an import adds.
    accepted = largest_member_rows(settings.PORTAL_MEMBERS_MAX - 1)
    most_rows = largest_member_rows(settings.PORTAL_IMPORT_MAX_ROWS)
    wide, shared = xlsx_files.wide_row(50_000_000), xlsx_files.shared_string_bomb(1024)
    many_rows = xlsx_files.many_rows(headers, ["单位", "", "企业", "是"], 100_000)
    cases = [
        (
            f"largest accepted .xlsx ({len(accepted)} rows, every cell at its longest, shared strings)",
            "x.xlsx",
            largest_xlsx(accepted),
        ),
        ("largest accepted .csv (the same rows)", "x.csv", largest_csv(accepted)),
        (
            f"most rows read: {len(most_rows)} rows as long, read whole, refused for the member limit",
            "x.xlsx",
            largest_xlsx(most_rows),
        ),
        ("wide row: 50 million <c> in row 1 (the issue's 24 GB)", "x.xlsx", wide),
        ("the same, its sheet declaring 1 KB", "x.xlsx", xlsx_files.claim_small(wide, xlsx_files.SHEET)),
        ("one shared string of 1 GB (the issue's 2.7 GB)", "x.xlsx", shared),
        ("the same, declaring 1 KB", "x.xlsx", xlsx_files.claim_small(shared, xlsx_files.SHARED_STRINGS)),
        (
            "a sheet declaring 1 KB, inflating to 1 GB of valid XML",
            "x.xlsx",
            xlsx_files.claim_small(xlsx_files.padded_sheet(headers, 1024), xlsx_files.SHEET),
        ),
        ("the slowest refusal: 4 MB of rows of 100 cells, declaring 1 KB", "x.xlsx", empty_cells_bomb()),
        ("billion laughs (entities)", "x.xlsx", xlsx_files.entity_bomb()),
        ("100,000 rows, declaring 1 KB", "x.xlsx", xlsx_files.claim_small(many_rows, xlsx_files.SHEET)),
    ]
    limits = f"{settings.PORTAL_IMPORT_MAX_BYTES // 1024} KB upload, {members_import.LIMITS}"
    print(f"member import (limits: {limits}):")
    for label, name, content in cases:
        # Timed without tracemalloc, which slows every allocation (expat's attributes of
        # each cell among them) many times over; then once more under it for the peak.
        seconds, cpu, outcome = run_import(application, name, content)
        tracemalloc.start()
        run_import(application, name, content)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  {label}: {len(content) / 1024:.0f} KB file; {seconds:.2f} s ({cpu:.2f} s of CPU time), "
            f"peak {peak / 1024 / 1024:.1f} MB; {outcome}"
        )


def run_import(application, name, content):
    application.members.filter(is_lead=False).delete()
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        added = members_import.import_members(application, SimpleUploadedFile(name, content))
        outcome = f"imported {len(added)} members"
    except members_import.ImportRefused as refusal:
        message = refusal.errors[0]
        outcome = f"refused: {message[:40]}…" if len(message) > 40 else f"refused: {message}"
    return time.perf_counter() - started, time.process_time() - cpu_started, outcome


def empty_cells_bomb():
    """The most work a refused file can cost: rows of 100 empty cells up to the inflated
    budget, with a member every 999 rows so that no run of blank rows ends the reading."""

    def rows():
        yield xlsx_files.SHEET_START
        yield xlsx_files.inline_row(1, members_import.HEADERS_ZH)
        number = 2
        for member in range(settings.PORTAL_IMPORT_MAX_ROWS):
            yield xlsx_files.inline_row(number, [f"单位{member}"])
            for blank in range(number + 1, number + members_import.MAX_BLANK_RUN):
                yield f'<row r="{blank}">'.encode() + b"<c/>" * 100 + b"</row>"
            number += members_import.MAX_BLANK_RUN
        yield xlsx_files.SHEET_END

    return xlsx_files.claim_small(xlsx_files.workbook(rows()), xlsx_files.SHEET)


# The worst allowed input (issue 8, item 2) ------------------------------------------------


def longest_text(model, field):
    """A Chinese text at the longest ``model.field`` allows."""
    length = model._meta.get_field(field).max_length
    sentence = "联盟围绕产业共性关键技术开展协同攻关，推进成果转化、标准制定与人才培养。"
    return (sentence * (length // len(sentence) + 1))[:length]


def build_worst_application(worst_pdf=None):
    """A draft at every limit: each text at its longest, the most members (each field at its
    longest), and each document (a licence per member, the form, the agreement, the charter
    and every "other material" slot) the worst accepted PDF ``worst_pdf`` (checked once:
    it is the same file in every slot), or else blank pages at its kind's page limit."""
    from django.conf import settings

    from applications import documents
    from applications.demo import sample_pdf
    from applications.documents import max_pages
    from applications.models import Application

    user = User.objects.get(username="bench")
    edition = PolicyEdition.objects.get(document_number="基准〔2026〕1号")
    application = drafts.start_application(
        organisation=user.organisation,
        user=user,
        edition=edition,
        name="朔州市最长输入基准测试产业技术创新战略联盟",
        industry=Industry.objects.first(),
        organising_unit=OrganisingUnit.objects.first(),
    )
    texts = ("purpose", "main_tasks", "innovation_goals", "lead_qualification", "ceiling_justification")
    for field in (*texts, "contact_name", "contact_title", "contact_phone"):
        setattr(application, field, longest_text(Application, field))
    application.save()
    for number in range(1, settings.PORTAL_MEMBERS_MAX):
        Member.objects.create(
            application=application,
            uscc=make_uscc("91140602", f"MW{number:06d}"),
            org_type=OrganisationType.ENTERPRISE,
            is_core=number < 6,
            name="x",
        )
    for member in application.members.all():
        for field in (
            "name",
            "registered_address",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "task",
        ):
            if not (member.is_lead and field == "name"):
                setattr(member, field, longest_text(Member, field))
        member.save()
    slots = [(DocumentKind.LICENCE, member, "") for member in application.members.all()]
    slots += [(kind, None, "") for kind in (DocumentKind.FORM, DocumentKind.AGREEMENT, DocumentKind.CHARTER)]
    slots += [(DocumentKind.OTHER, None, f"其他材料{n}") for n in range(settings.PORTAL_OTHER_DOCUMENTS_MAX)]
    checked = None
    inspect = documents.inspect
    if worst_pdf is not None:
        checked = inspect(SimpleUploadedFile("worst.pdf", worst_pdf), DocumentKind.LICENCE)
        # The same file in every slot it goes to: checked once.
        documents.inspect = lambda uploaded, kind=None: (
            checked if uploaded.size == checked.size else inspect(uploaded, kind)
        )
    # As many worst files as PORTAL_DOSSIER_MAX_BYTES lets the materials hold together; the
    # other slots get blank pages at their kind's page limit.
    room = settings.PORTAL_DOSSIER_MAX_BYTES
    try:
        for kind, member, title in slots:
            blank = sample_pdf(max_pages(kind))
            worst_fits = worst_pdf is not None and len(worst_pdf) + len(blank) * len(slots) <= room
            content = worst_pdf if worst_fits else blank
            room -= len(content)
            uploaded = SimpleUploadedFile("max.pdf", content)
            drafts.upload(application, uploaded, user, kind=kind, member=member, title=title)
    finally:
        documents.inspect = inspect
    return application


def worst_pdf_figures():
    """The costliest PDF still accepted, and the hostile ones refused: time and memory of
    each step, each in a forked child. Returns the worst accepted file."""
    from pypdf import PdfWriter

    from applications import documents
    from applications.pdf_clean import clean_pdf, parse_budget, scrub
    from tests.applications.pdf_files import many_objects_pdf, one_huge_object_pdf, worst_accepted_pdf

    objects, items = settings.PORTAL_PDF_MAX_OBJECTS, settings.PORTAL_PDF_MAX_PARSED_ITEMS
    worst = worst_accepted_pdf(objects, items * 97 // 100, settings.PORTAL_UPLOAD_MAX_BYTES)

    def inspect(content):
        def run():
            try:
                uploaded = SimpleUploadedFile("x.pdf", content)
                return len(documents.inspect(uploaded, DocumentKind.AGREEMENT).cleaned)
            except documents.UploadRefused as refused:
                return str(refused)

        return run

    def merge():
        writer = PdfWriter()
        with parse_budget():
            writer.append(PdfReader(io.BytesIO(cleaned), strict=False), import_outline=False)
        scrub(writer.root_object)
        with tempfile.TemporaryFile() as output:
            writer.write(output)
            return output.tell()

    cleaned = clean_pdf(worst)
    print(
        f"worst accepted PDF: {len(worst) / 2**20:.1f} MB, {objects} objects (PORTAL_PDF_MAX_OBJECTS), "
        f"about {items * 97 // 100} items of the {items} allowed (PORTAL_PDF_MAX_PARSED_ITEMS), one page"
    )
    for label, function in (
        ("checked at upload (documents.inspect: pages, cleaning, check of the copy)", inspect(worst)),
        ("cleaned alone (clean_pdf)", lambda: len(clean_pdf(worst))),
        ("its cleaned copy merged (as into the dossier)", merge),
    ):
        figures = measured_in_child(function)
        print(
            f"  {label}: {figures['seconds']:.2f} s; child's resident high-water mark {figures['rss']:.0f} MB"
        )
    for label, content in (
        ("300,000 small objects (the review's file)", many_objects_pdf(300_000)),
        ("one object of ten million numbers", one_huge_object_pdf(10_000_000)),
    ):
        figures = measured_in_child(inspect(content), lambda result: result)
        verdict = "refused" if isinstance(figures["result"], str) else "ACCEPTED"
        print(
            f"hostile PDF, {label}, {len(content) / 2**20:.1f} MB: {verdict} in {figures['seconds']:.2f} s; "
            f"child's resident high-water mark {figures['rss']:.0f} MB"
        )
    return worst


def measured_in_child(function, then=None):
    """Wall time and peak memory of ``function()`` in a forked child (its ru_maxrss is its
    own, not this process's), and ``then(result)`` computed afterwards, untimed."""
    import json

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        started = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with os.fdopen(write_end, "w") as pipe:
            json.dump({"result": then(result) if then else None, "seconds": seconds, "rss": rss}, pipe)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        figures = json.load(pipe)
    os.waitpid(pid, 0)
    return figures


def worst_allowed(worst_pdf=None):
    """The worst allowed form and dossier: first build, then asked for again (kept copy)."""
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    application = build_worst_application(worst_pdf)
    stored = DocumentVersionModel().objects.filter(document__application=application)
    pages = sum(version.page_count for version in stored)
    if worst_pdf is None:
        documents = (
            f"{pages} pages of uploaded PDFs at the page limits "
            f"(licence {settings.PORTAL_DOCUMENT_MAX_PAGES['licence']}, other materials "
            f"{settings.PORTAL_OTHER_DOCUMENTS_MAX} x {settings.PORTAL_DOCUMENT_MAX_PAGES['other']})"
        )
    else:
        worst = sum(version.size == len(worst_pdf) for version in stored)
        documents = (
            f"{stored.count()} uploaded PDFs, {worst} of them the worst accepted one above and the rest "
            f"blank pages at their page limits ({sum(version.size for version in stored) / 2**20:.0f} MB "
            f"in all; PORTAL_DOSSIER_MAX_BYTES {settings.PORTAL_DOSSIER_MAX_BYTES / 2**20:.0f} MB)"
        )
    print(
        f"worst allowed input: {application.members.count()} members (PORTAL_MEMBERS_MAX), every text at its "
        f"longest, {documents}"
    )
    settings.ALLOWED_HOSTS = ["*"]
    user = User.objects.get(username="bench")

    def get(name):
        def fetch():
            client = Client()
            client.force_login(user)
            response = client.get(reverse(name, args=[application.pk]))
            return b"".join(response.streaming_content) if response.streaming else response.content

        return fetch

    def described(content):
        return {"bytes": len(content), "pages": len(PdfReader(io.BytesIO(content)).pages)}

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this process, which forks each GET, is at {rss:.0f} MB resident before them)")
    runs = (
        ("form", "applications:form_pdf", "first GET (built)"),
        ("form", "applications:form_pdf", "second GET (kept copy)"),
        ("dossier", "applications:dossier_pdf", "first GET (built; the form kept)"),
        ("dossier", "applications:dossier_pdf", "second GET (kept copy)"),
        ("dossier", "applications:dossier_pdf", "from nothing kept (form and dossier built)"),
    )
    for label, name, when in runs:
        if when.startswith("from nothing"):
            shutil.rmtree(WORK / "private" / "pdf-cache", ignore_errors=True)
        figures = measured_in_child(get(name), described)
        result = figures["result"]
        print(
            f"worst allowed {label}, {when}: {figures['seconds']:.2f} s; {result['pages']} pages, "
            f"{result['bytes'] / 2**20:.1f} MB; child's resident high-water mark {figures['rss']:.0f} MB"
        )


def DocumentVersionModel():
    from applications.models import DocumentVersion

    return DocumentVersion


if __name__ == "__main__":
    main()
