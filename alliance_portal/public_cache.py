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

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

GENERATION_KEY = "public-pages:generation"


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


def page(request, template, parts, context):
    """A public page whose content is ``template`` rendered with ``context()`` (a dict with
    its ``title``), cached under ``parts`` (None: not cached); the frame around it rendered
    for this request. ``context()`` may raise Http404, which is not cached."""

    def build():
        values = context()
        return {"title": str(values["title"]), "body": render_to_string(template, values, request)}

    content = build() if parts is None else cached((template, *parts), build)
    return render(
        request,
        "public/cached.html",
        {"cached_title": content["title"], "cached_body": mark_safe(content["body"])},  # noqa: S308 (our render)
    )
