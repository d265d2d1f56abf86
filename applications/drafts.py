"""Filling in an application: the draft, its members and its upload slots (Art. 4–5).

Every change goes through :func:`editing`, which locks the application row and checks that
the lead unit may still change it (a draft, or a returned file). A submission takes the same
lock, so an edit can never slip in between the eligibility check and the snapshot.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from . import documents as document_store
from .enums import DocumentKind
from .models import Application, Document, DocumentVersion, Member


class TooMany(Exception):
    """An alliance has as many members as it may have."""


class NotEditable(Exception):
    """The file is submitted (or closed): the applicant can no longer change it."""

    def __init__(self, application):
        super().__init__(
            _("该申报当前状态为“%(state)s”，已不能修改。被退回后才能修改并重新提交。")
            % {"state": application.get_state_display()}
        )


@contextmanager
def editing(application):
    """Lock ``application`` for a change by its lead unit; yields the locked row."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if not locked.is_editable:
            raise NotEditable(locked)
        yield locked
        # The list's "last updated" follows any change of the file, members and documents.
        locked.save(update_fields=["updated_at"])


@transaction.atomic
def start_application(*, organisation, user, edition, **fields):
    """A new draft of ``organisation``, with the lead unit as its first, core member (Art. 4(3))."""
    application = Application.objects.create(
        lead_unit=organisation, edition=edition, created_by=user, **fields
    )
    lead_member(application, user)
    return application


def lead_member(application, user=None):
    """The lead unit's member row, made from its registration if it is not there yet."""
    organisation = application.lead_unit
    member, _created = Member.objects.get_or_create(
        application=application,
        is_lead=True,
        defaults={
            "is_core": True,
            "name": organisation.name,
            "uscc": organisation.uscc,
            "org_type": organisation.org_type,
            "registered_address": organisation.registered_address,
            "contact_name": user.full_name if user else "",
            "contact_phone": user.phone if user else "",
        },
    )
    return member


def save_form(application, *forms):
    """Save validated step forms under the lock, writing only the forms' own fields.

    The forms were bound to rows read before the lock; copying just their fields onto the
    locked rows means a second tab or a concurrent submission is never overwritten with
    stale values. A member deleted in the meantime raises ``Member.DoesNotExist``.
    """
    with editing(application) as locked:
        for form in forms:
            if form is None:
                continue
            source = form.instance
            if isinstance(source, Application):
                target = locked
            else:
                target = type(source).objects.select_for_update().get(pk=source.pk, application=locked)
            names = [name for name in form.fields if not form.fields[name].disabled]
            for name in names:
                setattr(target, name, getattr(source, name))
            target.save(update_fields=names)
            form.instance = target


def ensure_member_room(application, adding=1):
    """Art. 4(3) allows more than 15 members with a justification, up to a hard limit
    (``PORTAL_MEMBERS_MAX``) that keeps the form and the dossier bounded."""
    limit = settings.PORTAL_MEMBERS_MAX
    count = application.members.count()
    if count + adding > limit:
        raise TooMany(
            _("一个联盟最多 %(limit)d 家成员单位，现有 %(count)d 家，不能再添加。确有需要请联系市科技局。")
            % {"limit": limit, "count": count}
        )


def ensure_other_document_room(application):
    limit = settings.PORTAL_OTHER_DOCUMENTS_MAX
    if application.documents.filter(kind=DocumentKind.OTHER, removed_at__isnull=True).count() >= limit:
        raise document_store.UploadRefused(
            _("其他材料最多 %(limit)d 项。请把相关材料合并为一个文件，或在已有的材料下上传新版本。")
            % {"limit": limit}
        )


def ensure_dossier_room(application, document, size):
    """The newest versions of the file's materials, with ``size`` bytes in place of
    ``document``'s newest (or beside them, for a new slot), stay within
    ``PORTAL_DOSSIER_MAX_BYTES``: the merged dossier is then built within seconds."""
    limit = settings.PORTAL_DOSSIER_MAX_BYTES
    newest = {}
    versions = DocumentVersion.objects.filter(
        document__application=application, document__removed_at__isnull=True
    )
    for document_pk, version_size in versions.order_by("pk").values_list("document_id", "size"):
        newest[document_pk] = version_size
    if document is not None:
        newest.pop(document.pk, None)
    total = sum(newest.values()) + size
    if total > limit:
        raise document_store.UploadRefused(
            _(
                "加上这个文件，本申报的材料合计 %(total)s，超过全套材料 %(limit)s 的上限。"
                "请降低较大文件的扫描分辨率（建议 200–300 dpi，黑白或灰度）后重新上传。"
            )
            % {"total": document_store.human_size(total), "limit": document_store.human_size(limit)}
        )


def remove_member(application, member):
    """Remove a member (never the lead unit) and its licence slot."""
    if member.is_lead:
        raise ValueError("the lead unit stays a member")
    with editing(application):
        for document in member.documents.filter(removed_at__isnull=True):
            document_store.discard(document)
        member.delete()


def slot_of(application, kind, *, member=None):
    """The live slot for ``kind`` (and member), if there is one (never for other materials)."""
    return (
        Document.objects.filter(application=application, kind=kind, member=member, removed_at__isnull=True)
        .order_by("pk")
        .first()
    )


def slot(application, kind, *, member=None, title=""):
    """The upload slot for ``kind`` (and member): one per kind, one per member's licence."""
    kind = DocumentKind(kind)
    if kind == DocumentKind.OTHER:
        return Document.objects.create(application=application, kind=kind, title=title)
    return slot_of(application, kind, member=member) or Document.objects.create(
        application=application, kind=kind, member=member
    )


def upload(application, uploaded, user, *, kind, member=None, document=None, title=""):
    """Check and store ``uploaded`` as a new version in its slot; the earlier versions stay."""
    inspection = document_store.inspect(uploaded, kind)
    with editing(application) as locked:
        if kind == DocumentKind.OTHER and document is None:
            ensure_other_document_room(locked)
        existing = document or (None if kind == DocumentKind.OTHER else slot_of(locked, kind, member=member))
        ensure_dossier_room(locked, existing, inspection.size)
        target = existing or slot(locked, kind, member=member, title=title)
        return document_store.store(target, uploaded, user, inspection)
