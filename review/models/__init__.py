"""The bureau side's data, one module per part of the review (DESIGN.md "Review")."""

from .annual import (  # noqa: F401
    AnnualReport,
    AnnualReportScan,
    AnnualReportStatus,
    MemberChange,
    MemberChangeKind,
    PlatformRole,
    ReportedPlatform,
)
from .checks import FormalCheck, FormalCheckItem, UnitCheck, UnitCheckItem  # noqa: F401
from .experts import AspectScore, Assignment, Expert, ExpertReview, PanelResult, RubricAspect  # noqa: F401
from .meetings import Decision, Meeting, MeetingItem, MeetingMinutes, MeetingStatus  # noqa: F401
from .notices import Notice, NoticeItem, NoticeStatus  # noqa: F401
from .objections import Objection, ObjectionFile, ObjectionFileKind, ObjectionStatus, ObjectorKind  # noqa: F401
from .recognition import CertificateSeal, Recognition, RecognitionCounter  # noqa: F401
from .rectification import RectificationFile, RectificationOrder, RectificationOutcome  # noqa: F401
