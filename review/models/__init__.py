"""The bureau side's records, one module per part of the review (Art. 5–6)."""

from .meetings import Decision, Meeting, MeetingItem, MeetingMinutes, MeetingStatus

__all__ = ["Decision", "Meeting", "MeetingItem", "MeetingMinutes", "MeetingStatus"]
