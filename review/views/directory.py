"""The public directory of municipal alliances (Art. 7, DESIGN.md "After recognition").

``/alliances/`` lists every alliance ever recognised — revoked, lapsed and rectifying ones
marked as such — with search, filters and pages; ``/alliances/<id>/`` gives one alliance's
public facts; ``/alliances.csv`` and ``/alliances.json`` are the same facts as open data, for
the same query string. Only public facts: names, members (and whether core), industry,
organising unit, number, date, status and platforms; never a contact, a phone, an address, a
code of a person or the bureau's notes. Each page costs the same queries however many
alliances there are.
"""

import csv
import io
import json

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from alliance_portal import public_cache
from applications.enums import State

from .. import recognition
from ..exports import neutralised
from ..filters import DirectoryFilter

PER_PAGE = 20
# The open data is every alliance (a few hundred at most); a bound all the same.
EXPORT_MAX_ROWS = 5000

# The open data's fields, in order, with what each holds (documented on /alliances/).
FIELDS = [
    ("id", _("本平台中的编号（/alliances/<id>/）")),
    ("name", _("联盟名称")),
    ("lead_unit", _("牵头单位")),
    ("members", _("成员单位（含牵头单位；核心成员注明“核心”）")),
    ("industry", _("所属产业")),
    ("organising_unit", _("组织单位")),
    ("recognition_number", _("认定编号")),
    ("recognized_on", _("认定日期（YYYY-MM-DD）")),
    (
        "status",
        _("状态代码：recognized 已认定，rectifying 限期整改中，revoked 取消资格，lapsed 视为自动放弃"),
    ),
    ("status_label", _("状态")),
    ("status_since", _("责令限期整改、取消资格或视为自动放弃的日期（YYYY-MM-DD），其他状态为空")),
    ("platforms", _("平台（第七条）：类型、级别、名称、批准文号、年度")),
    ("url", _("联盟页面地址")),
]


def status_since(application):
    """The date of a rectification order, a revocation or a lapse (Art. 8–9), which the
    directory gives."""
    if application.state in recognition.DATED_STATES:
        return timezone.localdate(application.state_changed_at)
    return None


def directory_filter(request):
    # Bound even to an empty query string, so that the plain directory is valid (and cached).
    return DirectoryFilter(request.GET, queryset=recognition.directory(), states=recognition.DIRECTORY_STATES)


def chosen_filters(request):
    """The directory's valid filters as a cache key, or None when it is not to be cached: an
    invalid query, or a search by name (``q``), so that no visitor can fill the cache with
    pages nobody else asks for."""
    listing = directory_filter(request)
    if not listing.form.is_valid() or listing.form.cleaned_data.get("q"):
        return None
    # A model's primary key, not its name (two industries may share an English name).
    return sorted(
        (name, str(getattr(value, "pk", value))) for name, value in listing.form.cleaned_data.items() if value
    )


def alliance_list(request):
    """/alliances/: the directory, searchable and filtered, 20 a page, cached by its valid
    filters and page."""
    chosen = chosen_filters(request)
    number = (
        request.GET.get("page")  # not cached: the paginator reads what was asked
        if chosen is None
        else public_cache.page_number(
            request,
            ("alliances", chosen),
            lambda: Paginator(directory_filter(request).qs, PER_PAGE).num_pages,
        )
    )

    def context(request):
        listing = directory_filter(request)
        page = Paginator(listing.qs, PER_PAGE).get_page(number)
        for application in page.object_list:
            application.status_since = status_since(application)
        query = request.GET.copy()
        query.pop("page", None)
        return {
            "title": _("市级联盟名录"),
            "filter": listing,
            "page": page,
            "fields": FIELDS,
            "query": query.urlencode(),
            "export_max_rows": EXPORT_MAX_ROWS,
        }

    parts = None if chosen is None else ("alliances", chosen, number)
    keep = ("page", *DirectoryFilter.base_filters)
    return public_cache.page(request, "public/alliances_content.html", parts, context, keep=keep)


def alliance_detail(request, pk):
    """/alliances/<id>/: one alliance's public facts; 404 for a file never recognised."""

    def context(request):
        application = recognition.directory().filter(pk=pk).first()
        if application is None:
            raise Http404
        application.status_since = status_since(application)
        return {"title": application.name, "application": application}

    return public_cache.page(request, "public/alliance_content.html", ("alliance", pk), context)


def record(request, application):
    """The public facts of one alliance, as the open data gives them (in Chinese)."""
    members = list(application.members.all())
    since = status_since(application)
    return {
        "id": application.pk,
        "name": application.name,
        "lead_unit": application.lead_unit.name,
        "members": [{"name": member.name, "core": member.is_core or member.is_lead} for member in members],
        "industry": application.industry.name if application.industry else "",
        "organising_unit": application.organising_unit.name if application.organising_unit else "",
        "recognition_number": application.recognition.number,
        "recognized_on": application.recognition.recognized_on.isoformat(),
        "status": application.state,
        "status_label": str(State(application.state).label),
        "status_since": since.isoformat() if since else None,
        "platforms": [
            {
                "kind": platform.kind,
                "kind_label": platform.get_kind_display(),
                "level": platform.level,
                "level_label": platform.get_level_display(),
                "name": platform.name,
                "approving_document": platform.approving_document,
                "year": platform.year,
            }
            for platform in application.platforms.all()
        ],
        "url": request.build_absolute_uri(reverse("alliance", args=[application.pk])),
    }


def records(request):
    """The filtered directory as open data records, in Chinese whatever the page's language."""
    with translation.override("zh-hans"):
        alliances = directory_filter(request).qs
        return [record(request, application) for application in alliances[:EXPORT_MAX_ROWS]]


def field_labels():
    with translation.override("zh-hans"):
        return [{"name": name, "label": str(label)} for name, label in FIELDS]


def _flat(row):
    """A record as one CSV row: members and platforms each in one cell."""
    members = "；".join(f"{m['name']}（核心）" if m["core"] else m["name"] for m in row["members"])
    platforms = "；".join(
        "{name}（{kind_label}，{level_label}，{document}，{year}）".format(
            document=p["approving_document"] or "—", **p
        )
        for p in row["platforms"]
    )
    flat = {"members": members, "platforms": platforms, "status_since": row["status_since"] or ""}
    # A typed name that Excel would read as a formula gets a leading apostrophe.
    return [neutralised(flat.get(name, row[name])) for name, _label in FIELDS]


def alliances_csv(request):
    """/alliances.csv: UTF-8 with a byte-order mark (so that Excel reads the Chinese), one
    row per alliance, the field names in the first row."""

    def build():
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow([name for name, _label in FIELDS])
        for row in records(request):
            writer.writerow(_flat(row))
        return buffer.getvalue().encode("utf-8")

    response = HttpResponse(open_data(request, "csv", build), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="alliances.csv"'
    return response


def alliances_json(request):
    """/alliances.json: ``{"generated_at", "count", "fields", "alliances": [...]}``."""

    def build():
        rows = records(request)
        payload = {
            "generated_at": timezone.localtime().isoformat(timespec="seconds"),
            "count": len(rows),
            "fields": field_labels(),
            "alliances": rows,
        }
        return json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")

    return HttpResponse(open_data(request, "json", build), content_type="application/json; charset=utf-8")


def open_data(request, kind, build):
    """The bytes of an open-data file, cached like the pages: by its valid filters (a search
    by name is not cached) and the address its links name."""
    chosen = chosen_filters(request)
    if chosen is None:
        return build()
    return public_cache.cached(("alliances", kind, request.scheme, request.get_host(), chosen), build)
