"""What the public pages show, and so what empties their cache (alliance_portal.public_cache).

Every transition empties it (``workflow.transition``); so does a change to any model these
pages read: notices and their lists, editions, the reference data and organisations (names
shown), recognitions and the platforms of Art. 7, and an alliance's members once it is public.
"""

from alliance_portal.public_cache import invalidate
from applications.enums import State

# A file the public can read about: on a notice, or in the directory.
PUBLIC_STATES = frozenset({State.IN_NOTICE, State.RECOGNIZED, State.RECTIFYING, State.REVOKED, State.LAPSED})


def application_changed(sender, instance, **kwargs):
    if instance.state in PUBLIC_STATES:
        invalidate()


def member_changed(sender, instance, **kwargs):
    from applications.models import Application

    if Application.objects.filter(pk=instance.application_id, state__in=PUBLIC_STATES).exists():
        invalidate()


def CACHE_SOURCES():
    from applications.models import (
        Application,
        Industry,
        Member,
        Organisation,
        OrganisingUnit,
        Platform,
        PolicyEdition,
    )

    from .models import Notice, NoticeItem, Recognition

    always = (
        Notice,
        NoticeItem,
        Recognition,
        Platform,
        PolicyEdition,
        Industry,
        OrganisingUnit,
        Organisation,
    )
    return [
        *((model, invalidate) for model in always),
        (Application, application_changed),
        (Member, member_changed),
    ]
