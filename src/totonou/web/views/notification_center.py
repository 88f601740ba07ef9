"""The notification centre (the bell): the user's notifications, newest first, filtered by kind or
unread; opening one marks it read and follows its link; mark one or all read (htmx swaps the list and
the bell). Also the notification preferences and, for administrators, the outgoing emails."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from totonou.core.bounds import parse_id
from totonou.core.exceptions import ValidationError
from totonou.core.htmx import is_htmx, render_page
from totonou.notifications.mail import email_retry
from totonou.notifications.models import Channels, Notification, NotificationKind, OutboundEmail
from totonou.notifications.personal import notifications_mark_read, preferences_read, preferences_update
from totonou.users.permissions import ensure_admin
from totonou.users.request import signed_in_user

PAGE_SIZE = 30
EMAIL_PAGE_SIZE = 50


def _filters(params: QueryDict) -> tuple[str, bool]:
    kind = params.get("kind", "")
    return (kind if kind in NotificationKind.values else ""), params.get("unread") == "true"


def _list_context(request: HttpRequest, params: QueryDict | None = None) -> dict[str, Any]:
    """The list as filtered by ``params`` (the query string; the posted form after marking read)."""
    user = signed_in_user(request)
    params = params if params is not None else request.GET
    kind, unread = _filters(params)
    queryset = Notification.objects.filter(recipient=user, in_app=True)
    if kind:
        queryset = queryset.filter(kind=kind)
    if unread:
        queryset = queryset.filter(read_at__isnull=True)
    page = Paginator(queryset.order_by("-created_at", "-id"), PAGE_SIZE).get_page(params.get("page"))
    return {
        "page": page,
        "notifications": list(page.object_list),
        "kind": kind,
        "unread_only": unread,
        "kinds": NotificationKind.choices,
    }


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    return render_page(
        request,
        "notifications/notification_list.html",
        _list_context(request),
        fragments={"notification-results": "notifications/_notification_results.html"},
    )


@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to its record."""
    user = signed_in_user(request)
    notification = get_object_or_404(Notification.objects.filter(recipient=user), pk=pk)
    notifications_mark_read(user=user, ids=[notification.pk])
    link = notification.link or reverse("web:notifications")
    if not url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        link = reverse("web:notifications")
    return redirect(link)


@require_POST
def notification_mark_read(request: HttpRequest) -> HttpResponse:
    """Mark the posted ``ids`` read, or all (``all=1``); htmx gets the list and the bell back."""
    user = signed_in_user(request)
    if request.POST.get("all") == "1":
        count = notifications_mark_read(user=user)
    else:
        ids = [pk for pk in map(parse_id, request.POST.getlist("ids")) if pk is not None]
        count = notifications_mark_read(user=user, ids=ids) if ids else 0
    if is_htmx(request):
        context = _list_context(request, request.POST)  # with the filters the list was shown with
        return render_page(request, "notifications/_notification_results.html", context)
    if count:
        messages.success(request, _("Marked as read."))
    query = request.POST.get("query", "")
    return redirect(reverse("web:notifications") + (f"?{query}" if query.startswith("kind=") else ""))


# --- Preferences ------------------------------------------------------------------------------------


class PreferencesForm(forms.Form):
    digest = forms.BooleanField(
        label=gettext_lazy("Daily email digest"),
        required=False,
        help_text=gettext_lazy("One email a day with everything, instead of one email per notification."),
    )
    digest_time = forms.TimeField(
        label=gettext_lazy("Digest time"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_start = forms.TimeField(
        label=gettext_lazy("Quiet hours from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label=gettext_lazy("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=gettext_lazy("No single emails in these hours (your time zone); they wait until the end."),
    )

    def __init__(self, *args: Any, initial_channels: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in NotificationKind.choices:
            self.fields[f"kind_{kind}"] = forms.ChoiceField(
                label=label, choices=Channels.choices, initial=initial_channels.get(kind)
            )

    def kind_fields(self) -> list[forms.BoundField]:
        return [self[f"kind_{kind}"] for kind in NotificationKind.values]


@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    current = preferences_read(user=user)
    initial = {key: current[key] for key in ("digest", "digest_time", "quiet_start", "quiet_end")}
    form = PreferencesForm(request.POST or None, initial=initial, initial_channels=current["channels"])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            preferences_update(
                user=user,
                channels={kind: data[f"kind_{kind}"] for kind in NotificationKind.values},
                digest=data["digest"],
                digest_time=data["digest_time"],
                quiet_start=data["quiet_start"],
                quiet_end=data["quiet_end"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("web:notification_preferences")
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "has_email": bool(user.email)}
    return render_page(request, "notifications/preferences.html", context, status=status)


# --- Outgoing emails (administrators) ---------------------------------------------------------------


@require_GET
def email_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    ensure_admin(user)
    status = request.GET.get("status", "")
    queryset = OutboundEmail.objects.defer("raw").order_by("-created_at", "-id")
    if status in OutboundEmail.Status.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, EMAIL_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "emails": page.object_list,
        "status": status,
        "statuses": OutboundEmail.Status.choices,
    }
    return render_page(request, "notifications/email_list.html", context)


@require_POST
def email_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    ensure_admin(user)
    email = get_object_or_404(OutboundEmail.objects.defer("raw"), pk=pk)
    if email.status == OutboundEmail.Status.DEAD:
        email_retry(email=email)
        messages.success(request, _("The email will be sent again."))
    return redirect("notifications:email_list")
