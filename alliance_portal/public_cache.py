"""The public pages (notices, the directory, their PDFs, feed and open data) are cached, and
whatever changes what they show empties the cache when it commits.

The cache holds each page's content (and each file's bytes) under a *generation*: a token in
the cache that every committed change replaces (``invalidate()``, called by ``transition()``
and by the models the public pages read, through signals in ``apps.py``). A page cached
under the old token is never read again, so the next visitor after a commit sees the new
state; nothing has to know which pages a change touches. The page's frame (the navigation,
the language switcher with its CSRF token, messages) is rendered for each request, so one
visitor's page is never served to another.

Keys carry the language, the Shanghai date (a notice's "days left" changes at midnight) and
what the view says identifies the page (its object, its validated filters and page number:
never the raw query string, which would let anyone fill the cache).
"""

import copy
import hashlib
import re
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

GENERATION_KEY = "public-pages:generation"
# A cache of its own (settings.CACHES["public"]): culling pages never touches the counters.
cache = caches["public"]


def generation():
    """The token the public pages are cached under now."""
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        token = cache.get(GENERATION_KEY)
    return token


def _bump():
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def invalidate(**_signal_arguments):
    """Forget every cached public page once the current transaction commits (at once outside
    one); once per transaction, however many changes it makes."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(entry[1] is _bump for entry in connection.run_on_commit):
        return
    transaction.on_commit(_bump)


def key(*parts):
    text = "\x1f".join(
        str(part)
        for part in (generation(), translation.get_language(), timezone.localdate().isoformat(), *parts)
    )
    return "public-pages:" + hashlib.sha256(text.encode()).hexdigest()


def cached(parts, build):
    """What ``build()`` returns (text, bytes, a small dict), from the cache when it holds it
    for this generation, language, day and ``parts``."""
    if not settings.PORTAL_PUBLIC_CACHE_SECONDS:
        return build()
    cache_key = key(*parts)
    value = cache.get(cache_key)
    if value is None:
        value = build()
        cache.set(cache_key, value, settings.PORTAL_PUBLIC_CACHE_SECONDS)
    return value


def page(request, template, parts, context, *, keep=("page",)):
    """A public page whose content is ``template`` rendered with ``context(request)`` (a dict
    with its ``title``), cached under ``parts`` (None: not cached); the frame around it
    rendered for this request. ``context()`` may raise Http404, which is not cached.

    A cached page is rendered for a request that keeps only the query parameters ``keep``
    (those its key is made of), so that its links never carry what one visitor added.
    """

    def build():
        asked = request if parts is None else _keeping(request, keep)
        values = context(asked)
        return {"title": str(values["title"]), "body": render_to_string(template, values, asked)}

    content = build() if parts is None else cached((template, *parts), build)
    return render(
        request,
        "public/cached.html",
        {"cached_title": content["title"], "cached_body": mark_safe(content["body"])},  # noqa: S308 (our render)
    )


def _keeping(request, names):
    """A copy of ``request`` whose query string holds only ``names`` (their first value)."""
    trimmed = copy.copy(request)
    query = QueryDict(mutable=True)
    for name in names:
        value = request.GET.get(name)
        if value is not None:
            query[name] = value
    trimmed.GET = query
    return trimmed


def page_number(request, parts, pages):
    """The page asked for, as a cache key: a number no greater than the list's last page
    (``pages()`` counts them, cached under ``parts``), anything else the first; so that asking
    for page 2, 3, … 1000 of a one-page list makes one entry, not a thousand."""
    asked = request.GET.get("page", "")
    if not PAGE_NUMBER.fullmatch(asked) or int(asked) <= 1:
        return 1
    return min(int(asked), cached(("pages", *parts), pages))


PAGE_NUMBER = re.compile(r"[0-9]{1,6}")
