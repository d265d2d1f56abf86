"""The days of the measure's deadlines, in Asia/Shanghai: a notice's last day, an annual
report's due day, a rectification order's deadline.

A deadline is a day. :func:`end_of` is its last second as shown (23:59:59); a moment is within
the day when it is before :func:`closes_at` (00:00 of the next day), so that the fraction of the
last second still counts.
"""

import datetime

from django.utils import timezone

END_OF_DAY = datetime.time(23, 59, 59)


def end_of(day):
    """23:59:59 of ``day`` in Asia/Shanghai: the deadline as shown."""
    return timezone.make_aware(datetime.datetime.combine(day, END_OF_DAY))


def start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def closes_at(day):
    """The first moment after ``day`` (00:00 of the next day): the whole of ``day``, its last
    second included, is before it."""
    return start_of(day + datetime.timedelta(days=1))
