"""The bureau's page of a recognised alliance's platforms (Art. 7): list, add, change, remove."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications.models import PLATFORMS_MAX
from applications.pages import role_required, tell
from applications.permissions import is_bureau_staff, staff_applications
from applications.throttles import client_ip

from .. import platforms
from ..models import Recognition

staff_required = role_required(is_bureau_staff)


def _alliance(request, pk):
    """A recognised alliance in the bureau's scope, or 404."""
    recognised = Recognition.objects.values("application_id")
    return get_object_or_404(staff_applications(request.user).filter(pk__in=recognised), pk=pk)


def _page(request, application, form, editing=None, status=200):
    return render(
        request,
        "review/platforms.html",
        {
            "application": application,
            "platforms": list(application.platforms.all()),
            "form": form,
            "editing": editing,
            "platforms_max": PLATFORMS_MAX,
        },
        status=status,
    )


@staff_required
def listing(request, pk):
    """/review/applications/<pk>/platforms/: the list, and a form to add one."""
    application = _alliance(request, pk)
    if request.method == "POST":
        form = platforms.PlatformForm(request.POST)
        if form.is_valid():
            try:
                platforms.add(application, form, request.user, ip_address=client_ip(request))
            except platforms.PlatformRefused as refusal:
                tell(request, refusal)
                return _page(request, application, form, status=400)
            messages.success(request, _("已登记平台“%(name)s”。") % {"name": form.cleaned_data["name"]})
            return redirect("review:platforms", pk=application.pk)
        return _page(request, application, form, status=400)
    return _page(request, application, platforms.PlatformForm())


@staff_required
def edit(request, pk, platform_pk):
    """One platform's form; saving it records the change."""
    application = _alliance(request, pk)
    platform = get_object_or_404(application.platforms, pk=platform_pk)
    if request.method == "POST":
        form = platforms.PlatformForm(request.POST, instance=platform)
        if form.is_valid():
            platforms.change(platform, form, request.user, ip_address=client_ip(request))
            messages.success(request, _("已修改平台“%(name)s”。") % {"name": platform.name})
            return redirect("review:platforms", pk=application.pk)
        return _page(request, application, form, editing=platform, status=400)
    return _page(request, application, platforms.PlatformForm(instance=platform), editing=platform)


@staff_required
@require_POST
def remove(request, pk, platform_pk):
    application = _alliance(request, pk)
    platform = get_object_or_404(application.platforms, pk=platform_pk)
    name = platform.name
    platforms.remove(platform, request.user, ip_address=client_ip(request))
    messages.success(request, _("已删除平台“%(name)s”。") % {"name": name})
    return redirect("review:platforms", pk=application.pk)
