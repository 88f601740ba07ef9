"""REST API for activity types (read-only) and activities, with the actions that record a plan's result:
complete, reschedule (move) and cancel. Thin: parse, resolve ids, call the service, return the record
as the selector reads it."""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Body, Query, Router, Status

from totonou.activities import services
from totonou.activities.filters import ActivityFilter
from totonou.activities.models import Activity, ActivityType
from totonou.activities.schemas import (
    ActivityCancelIn,
    ActivityCompleteIn,
    ActivityIn,
    ActivityOut,
    ActivityPatch,
    ActivityRescheduleIn,
    ActivityTypeOut,
)
from totonou.activities.selectors import activity_list
from totonou.core.api import (
    Id,
    Page,
    PageQuery,
    References,
    api_user,
    body_data,
    get_visible,
    paginate,
)
from totonou.customers.models import Contact, Customer
from totonou.deals.models import Deal
from totonou.users.selectors import assignable_users

router = Router(tags=["activities"])


# --- Activity types ---------------------------------------------------------------------------------


@router.get("/activity-types", response=Page[ActivityTypeOut], url_name="activity_type_list")
def list_activity_types(request: HttpRequest, pagination: Query[PageQuery]) -> dict[str, Any]:
    queryset = ActivityType.objects.visible_to(api_user(request)).filter(is_active=True)
    return paginate(request, queryset.order_by("order", "id"), pagination)


@router.get("/activity-types/{type_key}", response=ActivityTypeOut, url_name="activity_type_detail")
def get_activity_type(request: HttpRequest, type_key: str) -> ActivityType:
    """An activity type by its slug (as activities name it) or its id."""
    queryset = ActivityType.objects.visible_to(api_user(request))
    lookup = Q(pk=int(type_key)) if type_key.isdigit() and len(type_key) < 19 else Q(slug=type_key)
    instance = queryset.filter(lookup).first()
    if instance is None:
        raise Http404
    return instance


# --- Activities -------------------------------------------------------------------------------------


def _activity_references(user: Any, data: dict[str, Any], activity: Activity | None = None) -> None:
    """Ids and the type slug to records. Inactive types are refused, except the one the activity has."""
    references = References(user)
    current_type = Q(pk=activity.type_id) if activity is not None else Q(pk__in=[])
    types = ActivityType.objects.filter(Q(is_active=True) | current_type)
    references.replace(data, "type", types, lookup="slug")
    references.replace(data, "owner", assignable_users(user=user))
    references.replace(data, "customer", Customer.objects.all())
    references.replace(data, "deal", Deal.objects.all())
    references.replace_many(data, "contacts", Contact.objects.all())
    references.check()


def _activity(user: Any, pk: int) -> Activity:
    return get_visible(activity_list(user=user), user, pk)


@router.get("/activities", response=Page[ActivityOut], url_name="activity_list")
def list_activities(
    request: HttpRequest, filters: Query[ActivityFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    return paginate(request, activity_list(user=api_user(request), filters=filters), pagination)


@router.get("/activities/{activity_id}", response=ActivityOut, url_name="activity_detail")
def get_activity(request: HttpRequest, activity_id: Id) -> Activity:
    return _activity(api_user(request), activity_id)


@router.post("/activities", response={201: ActivityOut}, url_name="activity_create")
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status[Activity]:
    user = api_user(request)
    data, _version = body_data(payload)
    _activity_references(user, data)
    activity = services.activity_create(actor=user, **data)
    return Status(201, _activity(user, activity.pk))


@router.patch("/activities/{activity_id}", response=ActivityOut, url_name="activity_update")
def update_activity(request: HttpRequest, activity_id: Id, payload: ActivityPatch) -> Activity:
    user = api_user(request)
    activity = get_visible(Activity.objects.select_related("customer", "deal"), user, activity_id)
    data, version = body_data(payload)
    _activity_references(user, data, activity)
    services.activity_update(actor=user, activity=activity, version=version, **data)
    return _activity(user, activity_id)


@router.delete("/activities/{activity_id}", response={204: None}, url_name="activity_delete")
def delete_activity(request: HttpRequest, activity_id: Id) -> Status[None]:
    user = api_user(request)
    services.activity_delete(actor=user, activity=get_visible(Activity.objects.all(), user, activity_id))
    return Status(204, None)


@router.post("/activities/{activity_id}/complete", response=ActivityOut, url_name="activity_complete")
def complete_activity(
    request: HttpRequest, activity_id: Id, payload: Annotated[ActivityCompleteIn | None, Body()] = None
) -> Activity:
    """Record a plan's result: done. ``notes`` and ``next_step`` are optional."""
    user = api_user(request)
    activity = get_visible(Activity.objects.all(), user, activity_id)
    data, version = body_data(payload) if payload is not None else ({}, None)
    services.activity_complete(actor=user, activity=activity, version=version, **data)
    return _activity(user, activity_id)


@router.post("/activities/{activity_id}/reschedule", response=ActivityOut, url_name="activity_reschedule")
def reschedule_activity(request: HttpRequest, activity_id: Id, payload: ActivityRescheduleIn) -> Activity:
    """Move a plan to a new time; the first planned start stays in ``original_starts_at``."""
    user = api_user(request)
    activity = get_visible(Activity.objects.all(), user, activity_id)
    data, version = body_data(payload)
    services.activity_reschedule(actor=user, activity=activity, version=version, **data)
    return _activity(user, activity_id)


@router.post("/activities/{activity_id}/cancel", response=ActivityOut, url_name="activity_cancel")
def cancel_activity(request: HttpRequest, activity_id: Id, payload: ActivityCancelIn) -> Activity:
    """Record a plan's result: cancelled, with the reason."""
    user = api_user(request)
    activity = get_visible(Activity.objects.all(), user, activity_id)
    data, version = body_data(payload)
    services.activity_cancel(actor=user, activity=activity, version=version, **data)
    return _activity(user, activity_id)
