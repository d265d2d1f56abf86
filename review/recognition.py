"""Recognition (认定, Art. 6): the number, the certificate, the announcement and the letter.

When RECOGNIZE moves a file (its notice's period over, ``review.notices.period_over``),
:func:`assign_number` gives the alliance the next number of the year, in the format set on its
edition (朔科联〔2026〕第3号), and the date, in Asia/Shanghai; :func:`send_letter` then tells the
lead unit through the outbox, with the number, the date and the certificate's address. The
certificate (证书) is an A4 landscape PDF with the bureau's seal, if an administrator uploaded
one. The alliances recognised from one notice make a batch, announced at
``/notices/<id>/recognition/`` (认定通知).
"""

import base64

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from applications.documents import HEADER_READERS, JPEG, PNG, sniff
from applications.enums import OutboxKind, State
from applications.models import Application, Member, Platform
from applications.outbox import notify
from applications.pdf import render_pdf
from applications.permissions import lead_unit_contacts

from .models import CertificateSeal, Recognition, RecognitionCounter
from .notices import notices_listing

# The seal is printed a few centimetres wide: a scan of a few hundred pixels is plenty.
SEAL_MAX_BYTES = 2 * 1024 * 1024
SEAL_MAX_PIXELS = 4_000_000

# What the public directory lists: alliances recognised once, whatever became of them since
# (revoked and lapsed ones, marked as such: Art. 9).
DIRECTORY_STATES = (State.RECOGNIZED, State.RECTIFYING, State.REVOKED, State.LAPSED)
# States whose date the directory gives beside the status (Art. 8–9).
DATED_STATES = (State.RECTIFYING, State.REVOKED, State.LAPSED)

LETTER_SUBJECT = gettext_lazy("【朔州市科学技术局】“%(name)s”认定通知：已认定为朔州市产业技术创新战略联盟")


def batch_notice(application):
    """The notice the file is recognised from: the one it was last published on (not a
    correction of it), whose batch the announcement lists."""
    return notices_listing(application).filter(corrects__isnull=True).first()


def next_sequence(year):
    """The next number of ``year``, its counter row locked to the end of the transaction:
    a second recognition at the same moment waits for this one and gets the number after."""
    RecognitionCounter.objects.get_or_create(year=year)
    counter = RecognitionCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def assign_number(application, row):
    """RECOGNIZE's effect (Art. 6): the alliance's recognition number (the year's next, in its
    edition's format) and date (today in Asia/Shanghai), and the notice of its batch."""
    today = timezone.localdate()
    sequence = next_sequence(today.year)
    Recognition.objects.create(
        application=application,
        year=today.year,
        sequence=sequence,
        number=application.edition.recognition_number(today.year, sequence),
        recognized_on=today,
        notice=batch_notice(application),
    )


def portal_address(path):
    """``path`` as a full address for a mail, where the portal knows its own (PORTAL_SITE_URL)."""
    base = getattr(settings, "PORTAL_SITE_URL", "").rstrip("/")
    return f"{base}{path}"


def send_letter(application, event, actor):
    """RECOGNIZE's record: the decision letter (认定通知) to the lead unit's contacts, in each
    one's language, with the number, the date and where to download the certificate."""
    recognition = Recognition.objects.get(application=application)
    return notify(
        list(lead_unit_contacts(application.lead_unit_id)),
        kind=OutboxKind.RECOGNITION,
        subject=lambda context: LETTER_SUBJECT % {"name": application.name},
        template="email/recognition_letter.txt",
        context={
            "application": application,
            "recognition": recognition,
            "certificate_url": portal_address(reverse("applicant_certificate", args=[application.pk])),
            "directory_url": portal_address(reverse("alliance", args=[application.pk])),
        },
        in_portal={"application": application, "event": event},
        application=application,
        created_by=actor,
    )


class SealRefused(Exception):
    """An uploaded seal that is not a PNG or JPEG within bounds; the message says why."""


def check_seal(uploaded):
    """The content type of an uploaded seal image, checked by its content (magic bytes, then
    Pillow under a pixel bound, verified); raises :class:`SealRefused`."""
    if uploaded.size > SEAL_MAX_BYTES:
        raise SealRefused(_("印章图片不能超过 %(mb)d MB。") % {"mb": SEAL_MAX_BYTES // (1024 * 1024)})
    uploaded.seek(0)
    content_type = sniff(uploaded.read(16))
    uploaded.seek(0)
    if content_type not in (PNG, JPEG):
        raise SealRefused(_("印章图片须为 PNG 或 JPEG 格式（按文件内容判断）。"))
    try:
        with HEADER_READERS[content_type](uploaded) as header:
            width, height = header.size
        if width * height > SEAL_MAX_PIXELS:
            raise SealRefused(
                _("印章图片为 %(width)d×%(height)d 像素，超过 %(limit)d 万像素的上限。")
                % {"width": width, "height": height, "limit": SEAL_MAX_PIXELS // 10000}
            )
        uploaded.seek(0)
        with Image.open(uploaded) as image:
            image.verify()
    except SealRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise SealRefused(_("印章图片已损坏或不完整，无法打开。")) from error
    finally:
        uploaded.seek(0)
    return content_type


def seal_data_uri():
    """The uploaded seal as a ``data:`` URL for the certificate (the PDF fetcher reads no
    private file), or None when there is none or it cannot be read."""
    seal = CertificateSeal.current()
    if seal is None or seal.content_type not in ("image/png", "image/jpeg"):
        return None
    try:
        with seal.image.open("rb") as handle:
            content = handle.read(SEAL_MAX_BYTES + 1)
    except (FileNotFoundError, OSError, ValueError):
        return None
    if len(content) > SEAL_MAX_BYTES:
        return None
    return f"data:{seal.content_type};base64,{base64.b64encode(content).decode('ascii')}"


def certificate_pdf(recognition):
    """The certificate (证书), A4 landscape, in Chinese: the alliance, the lead unit, the
    number, the date and the bureau, with the seal (its place blank without one)."""
    return render_pdf(
        "pdf/certificate.html",
        {
            "recognition": recognition,
            "application": recognition.application,
            "bureau": settings.PORTAL_BUREAU_NAME,
            "seal": seal_data_uri(),
        },
    )


# A certificate attests a recognition that stands: not once revoked or lapsed (Art. 8–9).
CERTIFIED_STATES = (State.RECOGNIZED, State.RECTIFYING)


def recognition_of(applications, pk):
    """The standing recognition of file ``pk`` among ``applications`` (a user's scope), or
    None: a revoked or lapsed alliance has no certificate to download."""
    return (
        Recognition.objects.filter(
            application__in=applications, application_id=pk, application__state__in=CERTIFIED_STATES
        )
        .select_related("application__lead_unit")
        .first()
    )


def batch(notice):
    """The alliances recognised from ``notice``, in the order of their numbers."""
    return list(
        notice.recognitions.select_related("application__lead_unit").order_by("year", "sequence", "pk")
    )


def directory():
    """Every alliance the public directory lists, with what it shows of each, in a fixed
    number of queries: the file with its recognition, lead unit, industry and organising
    unit, then its members and its platforms."""
    return (
        Application.objects.filter(recognition__isnull=False, state__in=DIRECTORY_STATES)
        .select_related("recognition", "lead_unit", "industry", "organising_unit")
        .only(
            "name",
            "state",
            "state_changed_at",
            "lead_unit__name",
            "industry__name",
            "industry__name_en",
            "organising_unit__name",
            "organising_unit__name_en",
            "recognition__number",
            "recognition__year",
            "recognition__sequence",
            "recognition__recognized_on",
        )
        .prefetch_related(
            Prefetch(
                "members",
                Member.objects.order_by("-is_lead", "-is_core", "pk").only(
                    "application_id", "name", "is_core", "is_lead"
                ),
            ),
            Prefetch("platforms", Platform.objects.order_by("kind", "-year", "pk")),
        )
        .order_by("-recognition__year", "recognition__sequence", "pk")
    )
