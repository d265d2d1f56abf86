"""The Atom feed of the public notices (/notices/feed/): what a citizen or a newspaper follows."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from .models import Notice, NoticeStatus

FEED_ITEMS = 30


class NoticeFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("朔州市产业技术创新战略联盟拟认定名单公示")
    subtitle = gettext_lazy("朔州市科学技术局依据《朔州市产业技术创新战略联盟管理办法》第六条发布的公示。")

    def link(self):
        return reverse("notices")

    def items(self):
        # Published and withdrawn notices (a withdrawn one is shown as such), never a draft.
        return Notice.objects.exclude(status=NoticeStatus.DRAFT).order_by("-published_at", "-pk")[:FEED_ITEMS]

    def item_title(self, item):
        if item.status == NoticeStatus.WITHDRAWN:
            return gettext_lazy("【已撤回】") + item.title
        return item.title

    def item_description(self, item):
        return Truncator(item.body).chars(400)

    def item_link(self, item):
        return reverse("notice", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at
