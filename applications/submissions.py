"""What a submission freezes, and what changed between two rounds (Art. 5).

:func:`application_data` turns an application into plain data — the form's fields, its
members and the versions of its documents. The application form PDF is rendered from it, a
:class:`~applications.models.Submission` stores it, and :func:`compare` tells reviewers what
changed since the previous round.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from .eligibility import Finding, check, edition_for_next_submission, facts_for
from .enums import DocumentKind, OrganisationType, Severity
from .models import DocumentVersion, Submission, in_english

DECLARATION = _(
    "本单位郑重承诺：所提交的申报材料及附件内容真实、准确、完整，联盟成员单位均为独立法人单位并已"
    "共同签署联盟协议；如有虚假，愿意承担相应责任并接受%(citation)s规定的处理。"
)

# The fields of the form, in the order the form shows them, with their labels.
FIELDS = (
    ("name", _("联盟名称")),
    ("industry", _("所属产业")),
    ("organising_unit", _("组织单位")),
    ("purpose", _("组建目的与宗旨")),
    ("main_tasks", _("主要任务")),
    ("innovation_goals", _("技术创新目标")),
    ("lead_qualification", _("牵头单位资质说明")),
    ("rd_spending", _("上年度研发投入（万元）")),
    ("revenue", _("上年度营业收入（万元）")),
    ("patents", _("有效专利数（件）")),
    ("standards", _("主持或参与制定的标准数（项）")),
    ("rd_staff", _("研发人员数（人）")),
    ("contact_name", _("联系人")),
    ("contact_title", _("职务")),
    ("contact_phone", _("联系电话")),
    ("contact_email", _("电子邮箱")),
    ("ceiling_justification", _("成员超过上限的书面说明")),
)
MEMBER_FIELDS = (
    ("name", _("单位名称")),
    ("org_type_label", _("单位类型")),
    ("is_core", _("核心成员")),
    ("registered_address", _("住所（注册地址）")),
    ("legal_representative", _("法定代表人")),
    ("contact_name", _("联系人")),
    ("contact_phone", _("联系电话")),
    ("task", _("承担的任务分工")),
)


def _text(value):
    return "" if value is None else str(value)


def application_data(application, facts=None):
    """The application as plain JSON-ready data (members in order, current document versions)."""
    facts = facts or facts_for(application)
    data = {name: _text(getattr(application, name, "")) for name, _label in FIELDS}
    data["industry"] = application.industry.name if application.industry_id else ""
    data["organising_unit"] = application.organising_unit.name if application.organising_unit_id else ""
    data["lead_unit"] = {"name": application.lead_unit.name, "uscc": application.lead_unit.uscc}
    edition = facts.judged_under or edition_cited(application)
    with override("zh-hans"):
        data["edition"] = edition.citation
    data["declaration"] = official_declaration(edition)
    data["members"] = [
        {
            "uscc": member.uscc,
            "name": member.name,
            "org_type": member.org_type,
            "org_type_label": str(OrganisationType(member.org_type).label) if member.org_type else "",
            "is_core": member.is_core,
            "is_lead": member.is_lead,
            "registered_address": member.registered_address,
            "legal_representative": member.legal_representative,
            "contact_name": member.contact_name,
            "contact_phone": member.contact_phone,
            "task": member.task,
        }
        for member in facts.members
    ]
    members_by_pk = {member.pk: member for member in facts.members}
    documents = []
    for document in facts.documents:
        if not document.current_versions:
            continue
        version = document.current_versions[-1]
        member = members_by_pk.get(document.member_id)
        documents.append(
            {
                "version": version.pk,
                "kind": document.kind,
                "kind_label": str(DocumentKind(document.kind).label),
                "title": document.title,
                "member_uscc": member.uscc if member else "",
                "member_name": member.name if member else "",
                "original_name": version.original_name,
                "content_type": version.content_type,
                "size": version.size,
                "page_count": version.page_count,
                "sha256": version.sha256,
            }
        )
    data["documents"] = documents
    return data


def freeze(application, event, actor):
    """Art. 5: store the submitted data and document versions as an immutable snapshot.

    Called by ``transition()`` inside its transaction, after the audit event is written.
    """
    facts = facts_for(application)
    data = application_data(application, facts)
    data["findings"] = findings_in_both_languages(application, facts)
    # The edition's numbers the round was judged by (Art. 4(3)): an administrator may change
    # them later, and the file's page then says so (``applications.recheck``).
    data["rules"] = edition_rules(facts.edition)
    number = Submission.objects.filter(application=application).count() + 1
    submission = Submission.objects.create(
        application=application,
        number=number,
        event=event,
        submitted_by=actor,
        submitted_at=event.created_at or timezone.now(),
        declaration=data["declaration"],
        data=data,
    )
    DocumentVersion.objects.filter(
        pk__in=[item["version"] for item in data["documents"]], submission__isnull=True
    ).update(submission=submission)
    return submission


LANGUAGES = ("zh-hans", "en")


def edition_cited(application):
    """The edition a file's pages and forms cite: the one it is (or, for a draft, will be)
    judged under."""
    return edition_for_next_submission(application) or application.edition


def declaration(edition):
    """Art. 5: the applicant's declaration, citing the edition the file is judged under."""
    return str(DECLARATION) % {"citation": edition.citation}


def official_declaration(edition):
    """The declaration as the official (Chinese) form prints it, whatever the user's language."""
    with override("zh-hans"):
        return declaration(edition)


def edition_rules(edition):
    """The numbers of ``edition`` the eligibility rules read, as a snapshot keeps them."""
    return {"min_core_members": edition.min_core_members, "member_ceiling": edition.member_ceiling}


def findings_in_both_languages(application, facts):
    """The findings as data, worded in Chinese and in English, for the snapshot.

    Each wording is made inside its language: the messages and articles are lazy.
    """
    worded = {}
    for language in LANGUAGES:
        with override(language):
            worded[language] = [(f, str(f.message), str(f.article)) for f in check(application, facts)]
    member_codes = {member.pk: member.uscc for member in facts.members}
    return [
        {
            "code": finding.code,
            # Which member it is about, to tell the same finding in a later check.
            "member": member_codes.get(finding.member_id, ""),
            "severity": str(finding.severity.value),
            "step": finding.step,
            "message": {language: worded[language][index][1] for language in LANGUAGES},
            "article": {language: worded[language][index][2] for language in LANGUAGES},
        }
        for index, (finding, _message, _article) in enumerate(worded[LANGUAGES[0]])
    ]


def snapshot_findings(data):
    """A round's findings as :class:`Finding` s in the reader's language (None if not kept)."""
    if "findings" not in data:
        return None
    language = "en" if in_english() else "zh-hans"
    return [
        Finding(
            code=item["code"],
            severity=Severity(item["severity"]),
            message=item["message"].get(language, item["message"]["zh-hans"]),
            article=item["article"].get(language, item["article"]["zh-hans"]),
            step=item["step"],
        )
        for item in data.get("findings", [])
    ]


def document_key(item):
    """A document slot across rounds: its kind, and its member or title."""
    return (item["kind"], item.get("member_uscc", ""), item.get("title", ""))


def compare(previous, current):
    """What changed from one round's data to the next: fields, members, documents.

    Returns ``{"fields": [(label, old, new)], "members": {"added": [...], "removed": [...],
    "changed": [(name, [(label, old, new)])]}, "documents": {"new_versions": [...], "added": [...],
    "removed": [...]}}``; everything empty means nothing changed.
    """
    fields = [
        (label, previous.get(name, ""), current.get(name, ""))
        for name, label in FIELDS
        if previous.get(name, "") != current.get(name, "")
    ]
    before = {member["uscc"]: member for member in previous.get("members", [])}
    after = {member["uscc"]: member for member in current.get("members", [])}
    members = {
        "added": [after[code] for code in after if code not in before],
        "removed": [before[code] for code in before if code not in after],
        "changed": [],
    }
    for code, member in after.items():
        if code in before:
            changes = [
                (label, before[code].get(name), member.get(name))
                for name, label in MEMBER_FIELDS
                if before[code].get(name) != member.get(name)
            ]
            if changes:
                members["changed"].append((member["name"], changes))
    old_documents = {document_key(item): item for item in previous.get("documents", [])}
    new_documents = {document_key(item): item for item in current.get("documents", [])}
    documents = {
        "new_versions": [
            item
            for key, item in new_documents.items()
            if key in old_documents and old_documents[key]["version"] != item["version"]
        ],
        "added": [item for key, item in new_documents.items() if key not in old_documents],
        "removed": [item for key, item in old_documents.items() if key not in new_documents],
    }
    return {"fields": fields, "members": members, "documents": documents}


def has_changes(changes):
    return bool(changes["fields"] or any(changes["members"].values()) or any(changes["documents"].values()))


def latest_changes(application):
    """The changes of the latest round against the one before, or None for a first round."""
    rounds = list(application.submissions.order_by("-number")[:2])
    if len(rounds) < 2:
        return None
    latest, previous = rounds
    return {"latest": latest, "previous": previous, "changes": compare(previous.data, latest.data)}
