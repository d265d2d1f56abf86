"""Filling in an application, step by step, under /apply/<pk>/edit/… (Art. 3–5).

Every step saves on its own; the eligibility panel (``applications.eligibility``) is shown
beside each one. Changes go through ``applications.drafts``, which refuses them once the
file is submitted. The pages of one file need no log-in redirect: anyone but the lead
unit's contacts, anonymous included, gets 404 from the scope (``own_applications``).
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import documents as document_store
from .. import drafts, members_import
from ..editions import edition_describing_the_rules
from ..eligibility import check, edition_for_next_submission, facts_for
from ..enums import DocumentKind, Severity
from ..forms import (
    BasicsForm,
    CeilingForm,
    ContactForm,
    GoalsForm,
    ImportForm,
    LeadForm,
    LeadMemberForm,
    MemberForm,
    UploadForm,
)
from ..models import DocumentVersion, Member
from ..pages import offered_actions, posted_id
from ..steps import STEP_KEYS, STEP_LABELS, STEPS
from ..submissions import declaration
from .applicant import applicant_required, own_applications

FORM_STEPS = {"basics": BasicsForm, "goals": GoalsForm, "lead": LeadForm, "contact": ContactForm}
FIXED_SLOTS = (DocumentKind.FORM, DocumentKind.AGREEMENT, DocumentKind.CHARTER)


def _application(request, pk):
    return get_object_or_404(
        own_applications(request.user)
        .select_related("industry", "organising_unit", "edition", "lead_unit")
        .defer("edition__full_text"),
        pk=pk,
    )


def _next_step(step):
    index = STEP_KEYS.index(step)
    return STEP_KEYS[min(index + 1, len(STEP_KEYS) - 1)]


def _read_only(request, application):
    messages.info(request, str(drafts.NotEditable(application)))
    return redirect("applications:detail", pk=application.pk)


def _page(request, application, step, **context):
    """A step page: the step's own content, the step list, and the eligibility panel."""
    facts = facts_for(application, edition_for_next_submission(application))
    findings = check(application, facts)
    per_step = {key: [f for f in findings if f.step == key and f.is_blocking] for key in STEP_KEYS}
    member_findings = {}
    for finding in findings:
        if finding.member_id:
            member_findings.setdefault(finding.member_id, []).append(finding)
    licences = {
        document.member_id: document for document in facts.documents if document.kind == DocumentKind.LICENCE
    }
    members = [
        {"member": m, "licence": licences.get(m.pk), "findings": member_findings.get(m.pk, [])}
        for m in facts.members
    ]
    return render(
        request,
        "applications/step.html",
        {
            "application": application,
            "step": step,
            "step_label": STEP_LABELS[step],
            "steps": [(key, label, len(per_step[key])) for key, label in STEPS],
            "findings": findings,
            "warning_count": sum(1 for f in findings if f.severity == Severity.WARNING),
            "members": members,
            "edition": facts.edition,
            "declaration": declaration(facts.edition),
            "member_count": len(facts.members),
            "core_count": sum(1 for m in facts.members if m.is_core),
            "slots": _slots(facts),
            "others": [d for d in facts.documents if d.kind == DocumentKind.OTHER],
            "max_upload": document_store.human_size(document_store.max_upload_bytes()),
            **context,
        },
    )


def _members_page(request, application, **context):
    """The members step, with its three forms (a form given in ``context`` keeps its input)."""
    context.setdefault("member_form", MemberForm(application=application))
    context.setdefault("ceiling_form", CeilingForm(instance=application))
    context.setdefault("import_form", ImportForm())
    context["import_limits"] = {
        "members": settings.PORTAL_MEMBERS_MAX,
        "size": document_store.human_size(settings.PORTAL_IMPORT_MAX_BYTES),
    }
    return _page(request, application, "members", **context)


def _slots(facts):
    by_kind = {d.kind: d for d in facts.documents if d.kind in FIXED_SLOTS}
    return [{"kind": kind, "document": by_kind.get(kind)} for kind in FIXED_SLOTS]


@require_http_methods(["GET", "POST"])
def step(request, pk, step):
    application = _application(request, pk)
    if step not in STEP_KEYS:
        raise Http404
    if not application.is_editable:
        return _read_only(request, application)
    if step in FORM_STEPS:
        return _form_step(request, application, step)
    if request.method == "POST":
        raise Http404
    if step == "members":
        return _members_page(request, application)
    if step == "submit":
        actions = [
            item
            for item in offered_actions(application, request.user, request)
            if item["row"].declaration_required
        ]
        return _page(request, application, step, actions=actions)
    return _page(request, application, step)


def _form_step(request, application, step):
    form_class = FORM_STEPS[step]
    lead = application.members.filter(is_lead=True).first() if step == "lead" else None
    form = form_class(request.POST or None, instance=application)
    lead_form = LeadMemberForm(request.POST or None, instance=lead, prefix="lead") if lead else None
    if request.method == "POST":
        valid = form.is_valid() and (lead_form is None or lead_form.is_valid())
        if valid:
            try:
                drafts.save_form(application, form, lead_form)
            except Member.DoesNotExist as gone:
                raise Http404 from gone
            except drafts.NotEditable:
                return _read_only(request, application)
            messages.success(request, _("已保存“%(step)s”。") % {"step": STEP_LABELS[step]})
            target = _next_step(step) if "continue" in request.POST else step
            return redirect("applications:step", pk=application.pk, step=target)
        messages.error(request, _("有填写错误，请按提示修改后再保存；已填写的内容都还在。"))
    return _page(request, application, step, form=form, lead_form=lead_form)


# --- Members -----------------------------------------------------------------------------


@require_POST
def member_add(request, pk):
    application = _application(request, pk)
    if not application.is_editable:
        return _read_only(request, application)
    form = MemberForm(request.POST, instance=Member(application=application), application=application)
    if form.is_valid():
        try:
            with drafts.editing(application) as locked:
                drafts.ensure_member_room(locked)
                member = form.save()
        except drafts.NotEditable:
            return _read_only(request, application)
        except drafts.TooMany as refusal:
            messages.error(request, str(refusal))
            return _members_page(request, application, member_form=form)
        messages.success(request, _("已添加成员“%(name)s”。") % {"name": member.name})
        return redirect("applications:step", pk=application.pk, step="members")
    messages.error(request, _("成员信息有误，请按提示修改；已填写的内容都还在。"))
    return _members_page(request, application, member_form=form)


@require_http_methods(["GET", "POST"])
def member_edit(request, pk, member_pk):
    application = _application(request, pk)
    member = get_object_or_404(application.members, pk=member_pk)
    if not application.is_editable:
        return _read_only(request, application)
    form = MemberForm(request.POST or None, instance=member, application=application)
    if request.method == "POST" and form.is_valid():
        try:
            drafts.save_form(application, form)
        except drafts.NotEditable:
            return _read_only(request, application)
        except Member.DoesNotExist as gone:
            raise Http404 from gone
        messages.success(request, _("已保存成员“%(name)s”。") % {"name": member.name})
        return redirect("applications:step", pk=application.pk, step="members")
    return render(
        request, "applications/member_edit.html", {"application": application, "member": member, "form": form}
    )


@require_POST
def member_delete(request, pk, member_pk):
    application = _application(request, pk)
    member = get_object_or_404(application.members, pk=member_pk)
    if member.is_lead:
        messages.error(request, _("牵头单位是联盟的核心成员，不能删除。"))
        return redirect("applications:step", pk=application.pk, step="members")
    try:
        drafts.remove_member(application, member)
    except drafts.NotEditable:
        return _read_only(request, application)
    messages.success(request, _("已删除成员“%(name)s”。") % {"name": member.name})
    return redirect("applications:step", pk=application.pk, step="members")


@require_POST
def ceiling(request, pk):
    application = _application(request, pk)
    form = CeilingForm(request.POST, instance=application)
    if form.is_valid():
        try:
            drafts.save_form(application, form)
        except drafts.NotEditable:
            return _read_only(request, application)
        messages.success(request, _("已保存书面说明。"))
        return redirect("applications:step", pk=application.pk, step="members")
    messages.error(
        request,
        _("书面说明未保存：%(errors)s") % {"errors": " ".join(form.errors.get("ceiling_justification", []))},
    )
    # The page again, with the text as typed in its box.
    return _members_page(request, application, ceiling_form=form)


@csrf_exempt
@require_POST
def member_import(request, pk):
    """Bulk import from the template: all rows or none (Art. 4(2))."""
    # The scope first: someone else's upload is answered 404 before its body is read.
    application = _application(request, pk)
    # Its own small limit (issue 8): a filled template is tens of KB, never megabytes.
    limit = document_store.install_size_limit(request, settings.PORTAL_IMPORT_MAX_BYTES)
    return _member_import(request, application, limit)


@csrf_protect
def _member_import(request, application, limit):
    if not application.is_editable:
        return _read_only(request, application)
    form = ImportForm(request.POST, request.FILES)
    errors = [members_import.too_large_message(name) for name in limit.too_large.values()]
    if not errors and form.is_valid():
        try:
            added = members_import.import_members(application, form.cleaned_data["file"])
        except members_import.ImportRefused as refusal:
            errors = refusal.errors
        except drafts.NotEditable:
            return _read_only(request, application)
        else:
            messages.success(request, _("已导入 %(count)d 家成员单位。") % {"count": len(added)})
            return redirect("applications:step", pk=application.pk, step="members")
    elif not errors:
        errors = [message for messages_ in form.errors.values() for message in messages_]
    messages.error(request, _("成员名单未导入（整个文件都没有导入），请修改以下问题后重新上传："))
    return _members_page(request, application, import_errors=errors)


@require_GET
@applicant_required
def members_template(request, extension):
    if extension == "xlsx":
        # The numbers of the edition in force (a new file is judged under it).
        content = members_import.template_xlsx(edition_describing_the_rules())
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = members_import.template_csv()
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''members-template.{extension}"
    return response


# --- Documents ---------------------------------------------------------------------------


@csrf_exempt
@require_POST
def upload(request, pk):
    """A new version in a slot; refused files change nothing and say why (DESIGN.md "Documents")."""
    application = _application(request, pk)
    limit = document_store.install_size_limit(request)
    return _upload(request, application, limit)


@csrf_protect
def _upload(request, application, limit):
    if not application.is_editable:
        return _read_only(request, application)
    back = request.POST.get("back") if request.POST.get("back") in ("members", "documents") else "documents"
    kind = request.POST.get("kind", "")
    if kind not in DocumentKind.values:
        raise Http404
    member = document = None
    if kind == DocumentKind.LICENCE:
        # The licence slot is found from its member, never from a posted document id.
        member = get_object_or_404(application.members, pk=posted_id(request, "member"))
    elif kind == DocumentKind.OTHER and request.POST.get("document"):
        document = get_object_or_404(
            application.documents.filter(removed_at__isnull=True, kind=kind),
            pk=posted_id(request, "document"),
        )
    form = UploadForm(request.POST, request.FILES)
    if limit.too_large:
        for name in limit.too_large.values():
            messages.error(request, document_store.too_large_message(name))
    elif not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)
    elif kind == DocumentKind.OTHER and document is None and not form.cleaned_data["title"].strip():
        messages.error(request, _("请填写其他材料的名称，例如“联盟成立大会纪要”。"))
    else:
        try:
            version = drafts.upload(
                application,
                form.cleaned_data["file"],
                request.user,
                kind=kind,
                member=member,
                document=document,
                title=form.cleaned_data["title"].strip(),
            )
        except document_store.UploadRefused as refusal:
            messages.error(request, str(refusal))
        except drafts.NotEditable:
            return _read_only(request, application)
        else:
            messages.success(
                request,
                _("已上传“%(name)s”（%(pages)d 页）。")
                % {"name": version.original_name, "pages": version.page_count},
            )
            return redirect("applications:step", pk=application.pk, step=back)
    # Refused: the typed name of a new "other material" comes back in its field.
    target = reverse("applications:step", kwargs={"pk": application.pk, "step": back})
    title = request.POST.get("title", "").strip()[:200]
    if kind == DocumentKind.OTHER and document is None and title:
        target += "?" + urlencode({"title": title}) + "#slot-other"
    return redirect(target)


@require_POST
def version_delete(request, pk, version_pk):
    """Take back a file uploaded by mistake, as long as no submission has frozen it."""
    application = _application(request, pk)
    version = get_object_or_404(
        DocumentVersion.objects.filter(document__application=application, document__removed_at__isnull=True),
        pk=version_pk,
    )
    back = "members" if version.document.kind == DocumentKind.LICENCE else "documents"
    try:
        with drafts.editing(application):
            # Read again under the lock: only a version no submission has frozen goes.
            document_store.discard_version(DocumentVersion.objects.get(pk=version.pk))
    except drafts.NotEditable:
        return _read_only(request, application)
    except document_store.UploadRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("已删除“%(name)s”。") % {"name": version.original_name})
    return redirect("applications:step", pk=application.pk, step=back)


@require_POST
def document_remove(request, pk, document_pk):
    """Remove an "other material" slot (history kept if it was ever submitted)."""
    application = _application(request, pk)
    document = get_object_or_404(
        application.documents.filter(kind=DocumentKind.OTHER, removed_at__isnull=True), pk=document_pk
    )
    try:
        with drafts.editing(application):
            document_store.discard(document)
    except drafts.NotEditable:
        return _read_only(request, application)
    messages.success(request, _("已移除材料“%(title)s”。") % {"title": document.title})
    return redirect("applications:step", pk=application.pk, step="documents")
