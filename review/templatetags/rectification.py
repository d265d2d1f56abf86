"""Rectification (Art. 9) and the measure's validity (Art. 10) on the pages of a file and the
bureau's pages.

``applications`` never imports ``review``: the lead unit's page of its file loads this tag
library, which reads the alliance's open rectification order here.
"""

from django import template

from applications.editions import expiry_warning
from applications.pages import typed, typed_text

from .. import rectification
from ..models.rectification import RECTIFICATION_TEXT_MAX_CHARS

register = template.Library()


@register.simple_tag(takes_context=True)
def rectification_order(context, application):
    """The open order of ``application`` under rectification, with what its panel shows
    (its files, the articles in words, the days left, what was typed and refused), or None."""
    if application.state != "rectifying":
        return None
    order = rectification.current_order(application)
    if order is None:
        return None
    order.file_list = list(order.files.all())
    order.article_text = rectification.article_labels(order.articles)
    order.days_left = rectification.days_left(order)
    order.overdue = rectification.is_overdue(order)
    order.typed = typed_text(typed(context.get("request"), f"rectification:{order.pk}"), "answer")
    order.text_max = RECTIFICATION_TEXT_MAX_CHARS
    order.max_files = rectification.MAX_ANSWER_FILES
    return order


@register.simple_tag
def edition_expiry():
    """Art. 10: the warning of the edition in force expiring, or None (``expiry_warning``)."""
    return expiry_warning()
