"""Benchmark of the generated PDFs (issue 3): prints figures, asserts nothing.

    make bench        (or: .venv/bin/python scripts/benchmark.py)
    make bench BENCH_ARGS=--fonttools    as on a machine without libharfbuzz-subset0

Builds, in a throw-away SQLite database and storage directory, an application with 15
members and 20 scanned pages of about 2 MB each (a JPEG per member's licence, plus the
signed form, the agreement, the charter and two other materials), then prints:
- which font subsetter WeasyPrint used (HarfBuzz, or the slow fontTools) and which font;
- the time to generate the application form (first call, and warm);
- the time to build the full dossier, and its peak memory (Python heap by tracemalloc,
  and the process's resident high-water mark).
The target for the dossier is under 3 s on the project's machines.
"""

import argparse
import io
import os
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

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from applications import drafts  # noqa: E402
from applications.demo import FIELDS  # noqa: E402
from applications.enums import DocumentKind, OrganisationType, Role  # noqa: E402
from applications.models import Industry, Member, Organisation, OrganisingUnit, PolicyEdition, User  # noqa: E402
from applications.pdf import build_dossier, render_form  # noqa: E402
from applications.pdf_fonts import harfbuzz_subset_available, warn_if_slow_subsetter  # noqa: E402
from applications.submissions import application_data  # noqa: E402
from applications.uscc import make_uscc  # noqa: E402

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


def build_application():
    call_command("migrate", verbosity=0)
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
    arguments = parser.parse_args()
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
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
