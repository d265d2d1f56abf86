"""Annual reports (年度材料, Art. 8): the lead unit's pages under /apply/ and the bureau's under
/review/annual-reports/.

The lead unit reaches only its own recognised alliances' reports, and a report it may prepare
(``annual.may_prepare``); the bureau's report pages, scans and PDFs answer 404 to anyone but
staff, so that no one else learns that a report exists. The board and its export are staff
pages (other roles 403, as every bureau page).
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from applications import documents as document_store
from applications import pages
from applications.enums import State
from applications.models import COMMENT_MAX_CHARS
from applications.pages import role_required, tell
from applications.permissions import applicant_applications, is_applicant, is_bureau_staff, staff_applications
from applications.plain_text import download_name
from applications.throttles import client_ip

from .. import annual, annual_exports
from ..forms.annual import AnnualReportForm, MemberChangeFormSet, PlatformFormSet
from ..models import AnnualReport, AnnualReportScan, Recognition

staff_required = role_required(is_bureau_staff)
YEAR_MIN, YEAR_MAX = 2000, 2100


# The lead unit's pages ----------------------------------------------------------------------


def _alliance(request, pk):
    """The lead unit's own recognised alliance, or 404 (anyone else, anonymous included)."""
    if not is_applicant(request.user):
        raise Http404
    recognised = Recognition.objects.values("application_id")
    return get_object_or_404(applicant_applications(request.user).filter(pk__in=recognised), pk=pk)


def _applicant_report(request, pk, year, *, create=False):
    """``(application, report)``: the report (None before it is started) of a year the lead
    unit may report on; 404 otherwise. Only read once the alliance has lapsed or been revoked:
    any change (a save, a scan, a submission) answers 404 (Art. 8, 9)."""
    application = _alliance(request, pk)
    if request.method not in ("GET", "HEAD") and application.state not in annual.HOLDING:
        raise Http404
    report = AnnualReport.objects.filter(application=application, year=year).first()
    if report is None:
        if not annual.may_prepare(application, year):
            raise Http404
        if create:
            report = annual.report_for(application, year)
    return application, report


def _applicant_page(request, application, year, report, form=None, changes=None, platforms=None, status=200):
    instance = report or AnnualReport(application=application, year=year)
    editable = instance.is_editable and application.state in annual.HOLDING
    if editable:
        form = form or AnnualReportForm(instance=instance)
        changes = changes or MemberChangeFormSet(instance=instance, prefix="changes")
        platforms = platforms or PlatformFormSet(instance=instance, prefix="platforms")
    return render(
        request,
        "review/annual_report_applicant.html",
        {
            **_shown(application, instance),
            "editable": editable,
            "form": form,
            "changes": changes,
            "platforms_formset": platforms,
        },
        status=status,
    )


def _shown(application, report):
    """What both sides' pages show of a report."""
    edition = application.edition
    saved = report.pk is not None
    return {
        "application": application,
        "report": report,
        "year": report.year,
        "due_at": annual.due_at(edition, report.year),
        "days_left": annual.days_left(edition, report.year),
        "resubmission_due": annual.resubmission_due_at(report) if report.returned_at else None,
        "scan": annual.current_scan(report) if saved else None,
        "member_changes": list(report.member_changes.all()) if saved else [],
        "reported_platforms": list(report.platforms.all()) if saved else [],
        "check": annual.member_check(report) if saved else None,
    }


def _year(year):
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Http404
    return year


@require_http_methods(["GET", "POST"])
def applicant_report(request, pk, year):
    """/apply/<pk>/annual-reports/<year>/: the report's form (saved as a draft) or, once
    submitted, what was submitted."""
    application, report = _applicant_report(request, pk, _year(year))
    if request.method == "GET":
        return _applicant_page(request, application, year, report)
    if report is not None and not report.is_editable:
        messages.error(request, _("该年度材料已报送，不能修改。"))
        return redirect("annual_report", pk=application.pk, year=year)
    instance = report or AnnualReport(application=application, year=year)
    form = AnnualReportForm(request.POST, instance=instance)
    changes = MemberChangeFormSet(request.POST, instance=instance, prefix="changes")
    platforms = PlatformFormSet(request.POST, instance=instance, prefix="platforms")
    if not (form.is_valid() and changes.is_valid() and platforms.is_valid()):
        messages.error(request, _("请按提示修改后再保存。"))
        return _applicant_page(request, application, year, report, form, changes, platforms, status=400)
    try:
        saved = annual.save_draft(application, year, form, changes, platforms)
    except annual.AnnualReportRefused as refusal:
        tell(request, refusal)
        return redirect("annual_report", pk=application.pk, year=year)
    messages.success(request, _("已保存 %(year)d 年度材料草稿。") % {"year": year})
    if request.POST.get("op") == "submit":
        # 报送 is a button of this form: what was typed is saved first, then submitted.
        _submit(request, saved, year)
    return redirect("annual_report", pk=application.pk, year=year)


@csrf_exempt
@require_POST
def applicant_scan(request, pk, year):
    """The signed, sealed scan: checked by content (``applications.documents``)."""
    limit = document_store.install_size_limit(request)
    return _applicant_scan(request, pk, year, limit)


@csrf_protect
def _applicant_scan(request, pk, year, limit):
    application, report = _applicant_report(request, pk, _year(year), create=True)
    uploaded = request.FILES.get("scan")
    if limit.too_large:
        for name in limit.too_large.values():
            messages.error(request, document_store.too_large_message(name))
    elif uploaded is None:
        messages.error(request, _("请选择签字盖章的扫描件（PDF、JPEG 或 PNG）。"))
    else:
        try:
            stored = annual.upload_scan(report, uploaded, request.user)
        except annual.AnnualReportRefused as refusal:
            tell(request, refusal)
        else:
            messages.success(
                request,
                _("已上传“%(name)s”（%(pages)d 页）。")
                % {"name": stored.original_name, "pages": stored.page_count},
            )
    return redirect("annual_report", pk=application.pk, year=year)


@require_POST
def applicant_submit(request, pk, year):
    """Submit the report as saved (the page's 报送 button posts the form, saved first, to
    :func:`applicant_report`)."""
    application, report = _applicant_report(request, pk, _year(year), create=True)
    _submit(request, report, year)
    return redirect("annual_report", pk=application.pk, year=year)


def _submit(request, report, year):
    try:
        annual.submit(report, request.user, ip_address=client_ip(request))
    except annual.AnnualReportRefused as refusal:
        tell(request, refusal)
    else:
        messages.success(request, _("已报送 %(year)d 年度材料，市科技局将审核。") % {"year": year})


def applicant_scan_file(request, pk, year, file_pk):
    _application, report = _applicant_report(request, pk, _year(year))
    if report is None:
        raise Http404
    return pages.serve_version(AnnualReportScan.objects.filter(report=report), file_pk)


def applicant_pdf(request, pk, year):
    _application, report = _applicant_report(request, pk, _year(year))
    if report is None:
        raise Http404
    return _pdf(report)


def _pdf(report):
    name = download_name(f"{report.application.name}-{report.year}年度材料", fallback="annual-report")
    response = HttpResponse(annual.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{_quoted(name)}.pdf"
    return document_store.private(response)


def _quoted(name):
    from urllib.parse import quote

    return quote(name)


# The bureau's pages -------------------------------------------------------------------------


def _staff_report(request, report_pk):
    """A report in the bureau's scope: staff only, 404 to anyone else."""
    if not is_bureau_staff(request.user):
        raise Http404
    reports = AnnualReport.objects.filter(application__in=staff_applications(request.user))
    reports = reports.select_related("application__edition", "application__lead_unit")
    return get_object_or_404(reports, pk=report_pk)


def _filters(request):
    """The board's filters from the query string; anything else is ignored."""
    today = timezone.localdate()
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and YEAR_MIN <= int(raw) <= YEAR_MAX else today.year - 1
    standing = request.GET.get("standing", "")
    standing = standing if standing in annual.Standing.LABELS else ""
    state = request.GET.get("state", "")
    state = state if state in (State.RECOGNIZED, State.RECTIFYING, State.LAPSED, State.REVOKED) else ""
    query = request.GET.get("q", "").strip()[:100]
    lapsing = request.GET.get("lapsing") == "1"
    return {"year": year, "standing": standing, "state": state, "q": query, "lapsing": lapsing}


def _board_rows(filters):
    rows = annual.board(filters["year"])
    if filters["standing"]:
        rows = [row for row in rows if row.standing == filters["standing"]]
    if filters["state"]:
        rows = [row for row in rows if row.application.state == filters["state"]]
    if filters["q"]:
        needle = filters["q"]
        rows = [row for row in rows if needle in f"{row.application.name} {row.application.lead_unit.name}"]
    if filters["lapsing"]:
        rows = [row for row in rows if row.would_lapse]
    return rows


@staff_required
def board(request):
    """/review/annual-reports/: per year, each alliance owing a report (or, for the current
    year, going to owe one): its standing, the days left, and who would lapse if the deadline
    passed now."""
    filters = _filters(request)
    all_rows = annual.board(filters["year"])
    rows = _board_rows(filters)
    today = timezone.localdate()
    totals = {key: sum(1 for row in all_rows if row.standing == key) for key in annual.Standing.LABELS}
    return render(
        request,
        "review/annual_reports.html",
        {
            "rows": rows,
            "filters": filters,
            "years": list(range(today.year, today.year - 6, -1)),
            "standings": annual.Standing.CHOICES,
            "states": [(state, state.label) for state in (State.RECOGNIZED, State.RECTIFYING, State.LAPSED)],
            "totals": [(label, totals[key]) for key, label in annual.Standing.CHOICES],
            "lapsing_count": sum(1 for row in all_rows if row.would_lapse),
            "owed_count": len(all_rows),
            "query_string": request.GET.urlencode(),
        },
    )


@staff_required
def board_xlsx(request):
    filters = _filters(request)
    body = annual_exports.as_xlsx(_board_rows(filters), filters["year"])
    response = HttpResponse(body, content_type=annual_exports.XLSX)
    name = f"annual-reports-{filters['year']}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def staff_report(request, report_pk):
    """/review/annual-reports/<pk>/: the report, its member check, and the decision."""
    return _staff_page(request, _staff_report(request, report_pk))


def _staff_page(request, report, *, reasons="", status=200):
    return render(
        request,
        "review/annual_report.html",
        {**_shown(report.application, report), "reasons_max": COMMENT_MAX_CHARS, "reasons": reasons},
        status=status,
    )


@require_POST
def staff_decide(request, report_pk):
    """Accept the report, or return it with reasons (a refused return keeps what was typed)."""
    report = _staff_report(request, report_pk)
    decision = request.POST.get("decision", "")
    reasons = request.POST.get("reasons", "")[: 2 * COMMENT_MAX_CHARS]
    try:
        if decision == "accept":
            annual.accept(report, request.user, ip_address=client_ip(request))
            messages.success(request, _("已审核通过。"))
        elif decision == "return":
            annual.return_report(report, request.user, reasons, ip_address=client_ip(request))
            messages.success(request, _("已退回修改，并通知牵头单位。"))
        else:
            raise annual.AnnualReportRefused(_("请选择审核通过或退回修改。"))
    except annual.AnnualReportRefused as refusal:
        tell(request, refusal)
        report.refresh_from_db()
        return _staff_page(request, report, reasons=reasons, status=400)
    return redirect("review:annual_report", report_pk=report.pk)


def staff_scan_file(request, report_pk, file_pk):
    report = _staff_report(request, report_pk)
    return pages.serve_version(AnnualReportScan.objects.filter(report=report), file_pk)


def staff_pdf(request, report_pk):
    return _pdf(_staff_report(request, report_pk))
