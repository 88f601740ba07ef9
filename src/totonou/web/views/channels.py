"""Settings pages for chat channels and the delivery log: managers for the channels of their teams,
admins for every one (``integrations.selectors.channel_list``: another team's channel is not found)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from totonou.core.exceptions import ValidationError
from totonou.core.htmx import is_htmx, render_page
from totonou.core.list_page import ListPage
from totonou.core.request import safe_next
from totonou.integrations import services
from totonou.integrations.selectors import channel_list, delivery_list
from totonou.notifications.filters import DeliveryFilter
from totonou.notifications.models import Delivery
from totonou.users.models import User
from totonou.users.request import signed_in_user
from totonou.web.forms.channels import ChannelForm, DeliveryFilterForm

DELIVERY_PAGE_SIZE = 50


def _manager(request: HttpRequest) -> User:
    """The signed-in manager or admin; anyone else gets 403 (from the selector's permission check)."""
    user = signed_in_user(request)
    channel_list(user=user)
    return user


def channel_index(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    return render_page(request, "notifications/channel_list.html", {"channels": channel_list(user=user)})


@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _manager(request)
    channel = get_object_or_404(channel_list(user=user), pk=pk) if pk is not None else None
    form = ChannelForm(request.POST or None, actor=user, channel=channel)
    if request.method == "POST":
        saved = form.save()
        if saved is not None:
            messages.success(request, _("The channel is saved."))
            return redirect("notifications:channel_list")
    return render_page(
        request,
        "notifications/channel_form.html",
        {"form": form, "channel": channel},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
def channel_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _manager(request)
    services.channel_delete(actor=user, channel=get_object_or_404(channel_list(user=user), pk=pk))
    messages.success(request, _("The channel is deleted."))
    return redirect("notifications:channel_list")


@require_POST
def channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a test message now; htmx swaps in the result (success or the receiver's error)."""
    user = _manager(request)
    channel = get_object_or_404(channel_list(user=user), pk=pk)
    delivery = services.channel_test(actor=user, channel=channel)
    context = {"channel": channel, "delivery": delivery, "ok": delivery.status == Delivery.Status.SUCCEEDED}
    if is_htmx(request):
        return TemplateResponse(request, "notifications/_test_result.html", context)
    if context["ok"]:
        messages.success(request, _("The test message was delivered."))
    else:
        messages.error(
            request,
            _("The test message failed: %(error)s")
            % {"error": delivery.last_error or delivery.last_status_code},
        )
    return redirect("notifications:channel_list")


#: The delivery log. Its filter form is a Django form (channel choices by name); its cleaned data
#: becomes the API's ``DeliveryFilter``.
DELIVERIES = ListPage(
    template="notifications/delivery_list.html",
    results_id="delivery-results",
    results_template="notifications/_delivery_results.html",
    filter_schema=DeliveryFilter,
    page_size=DELIVERY_PAGE_SIZE,
)


def _delivery_filters(form: DeliveryFilterForm) -> DeliveryFilter:
    if not form.is_valid():
        return DeliveryFilter()
    data = form.cleaned_data
    return DeliveryFilter(
        channel=data["channel"].pk if data.get("channel") else None,
        status=data.get("status") or None,
        event=data.get("event") or None,
    )


def delivery_index(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    form = DeliveryFilterForm(request.GET or None, user=user)
    return DELIVERIES.render(
        request,
        delivery_list(user=user, filters=_delivery_filters(form)),
        context={"form": form},
        prepare=lambda page: {"deliveries": page.object_list},
    )


@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    user = _manager(request)
    delivery = get_object_or_404(delivery_list(user=user), pk=pk)
    try:
        services.delivery_retry(actor=user, delivery=delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The delivery will be sent again."))
    return redirect(safe_next(request, reverse("notifications:delivery_list")))
