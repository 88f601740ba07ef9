"""REST API for activity types (written by admins, and managers where the settings say so) and
activities, with the actions that record a plan's result (complete, reschedule (move), cancel), and the
activity management around them: the team feed (with a cheap ``latest`` id for polling), comments with
@mentions, reactions and the manager's review. Thin: parse, resolve ids, call the service, return the
record as the selector reads it."""

from __future__ import annotations

from typing import Annotated, Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Body, Query, Router, Schema, Status

from totonou.activities import services
from totonou.activities.filters import ActivityFilter, CommentFilter, FeedFilter, MentionFilter
from totonou.activities.models import Activity, ActivityType, Comment, Reaction
from totonou.activities.schemas import (
    ActivityCancelIn,
    ActivityCompleteIn,
    ActivityIn,
    ActivityOut,
    ActivityPatch,
    ActivityRescheduleIn,
    ActivityTypeIn,
    ActivityTypeOut,
    ActivityTypePatch,
    CommentIn,
    CommentOut,
    CountOut,
    FeedEventOut,
    FeedLatestOut,
    MentionOut,
    MentionsMarkedOut,
    MentionsReadIn,
    ReactionIn,
    ReactionOut,
)
from totonou.activities.selectors import (
    active_types,
    activity_api_list,
    activity_as_created,
    comment_list,
    feed_latest_id,
    feed_list,
    mention_list,
    mention_unread_count,
    reaction_count,
)
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
from totonou.users.permissions import ensure_can_change_reference_data
from totonou.users.selectors import assignable_users

router = Router(tags=["activities"])


# --- Activity types ---------------------------------------------------------------------------------


class TypeListQuery(Schema):
    include_inactive: bool = False


@router.get("/activity-types", response=Page[ActivityTypeOut], url_name="activity_type_list")
def list_activity_types(
    request: HttpRequest, pagination: Query[PageQuery], options: Query[TypeListQuery]
) -> dict[str, Any]:
    """The active types in order; ``include_inactive=true`` adds the deactivated ones."""
    queryset = ActivityType.objects.visible_to(api_user(request))
    if not options.include_inactive:
        queryset = queryset.filter(is_active=True)
    return paginate(request, queryset.order_by("order", "id"), pagination)


def _activity_type(user: Any, type_key: str) -> ActivityType:
    queryset = ActivityType.objects.visible_to(user)
    lookup = Q(pk=int(type_key)) if type_key.isdigit() and len(type_key) < 19 else Q(slug=type_key)
    instance = queryset.filter(lookup).first()
    if instance is None:
        raise Http404
    return instance


@router.get("/activity-types/{type_key}", response=ActivityTypeOut, url_name="activity_type_detail")
def get_activity_type(request: HttpRequest, type_key: str) -> ActivityType:
    """An activity type by its slug (as activities name it) or its id."""
    return _activity_type(api_user(request), type_key)


@router.post("/activity-types", response={201: ActivityTypeOut}, url_name="activity_type_create")
def create_activity_type(request: HttpRequest, payload: ActivityTypeIn) -> Status[ActivityType]:
    """A new type; its ``slug`` (given, or made from the English name) is fixed from then on."""
    user = api_user(request)
    ensure_can_change_reference_data(user)
    data, _version = body_data(payload)
    return Status(201, services.activity_type_create(actor=user, **data))


@router.patch("/activity-types/{type_key}", response=ActivityTypeOut, url_name="activity_type_update")
def update_activity_type(request: HttpRequest, type_key: str, payload: ActivityTypePatch) -> ActivityType:
    user = api_user(request)
    ensure_can_change_reference_data(user)
    data, _version = body_data(payload)
    return services.activity_type_update(actor=user, activity_type=_activity_type(user, type_key), **data)


@router.delete("/activity-types/{type_key}", response={204: None}, url_name="activity_type_delete")
def delete_activity_type(request: HttpRequest, type_key: str) -> Status[None]:
    """Delete a type no activity has (409 otherwise: deactivate it with ``is_active: false``)."""
    user = api_user(request)
    ensure_can_change_reference_data(user)
    services.activity_type_delete(actor=user, activity_type=_activity_type(user, type_key))
    return Status(204, None)


# --- Activities -------------------------------------------------------------------------------------


def _activity_references(user: Any, data: dict[str, Any], activity: Activity | None = None) -> None:
    """Ids and the type slug to records. Inactive types are refused, except the one the activity has."""
    references = References(user)
    kept = {kind.slug: kind for kind in active_types(user)} if data.get("type") is not None else {}
    if data.get("type") in kept:  # an active type: the process's copy (no query)
        data["type"] = kept[data["type"]]
    else:
        current_type = Q(pk=activity.type_id) if activity is not None else Q(pk__in=[])
        types = ActivityType.objects.filter(Q(is_active=True) | current_type)
        references.replace(data, "type", types, lookup="slug")
    references.replace(data, "owner", assignable_users(user=user))
    references.replace(data, "customer", Customer.objects.all())
    references.replace(data, "deal", Deal.objects.all())
    references.replace_many(data, "contacts", Contact.objects.all())
    references.check()


def _activity(user: Any, pk: int) -> Activity:
    return get_visible(activity_api_list(user=user), user, pk)


@router.get("/activities", response=Page[ActivityOut], url_name="activity_list")
def list_activities(
    request: HttpRequest, filters: Query[ActivityFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    return paginate(request, activity_api_list(user=api_user(request), filters=filters), pagination)


@router.get("/activities/{activity_id}", response=ActivityOut, url_name="activity_detail")
def get_activity(request: HttpRequest, activity_id: Id) -> Activity:
    return _activity(api_user(request), activity_id)


@router.post("/activities", response={201: ActivityOut}, url_name="activity_create")
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status[Activity]:
    user = api_user(request)
    data, _version = body_data(payload)
    _activity_references(user, data)
    activity = services.activity_create(actor=user, **data)
    return Status(201, activity_as_created(activity, has_contacts=bool(data.get("contacts"))))


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


@router.post("/activities/{activity_id}/review", response=ActivityOut, url_name="activity_review")
def review_activity(request: HttpRequest, activity_id: Id) -> Activity:
    """Mark an activity reviewed (managers of the owner's team and admins); reviewing twice changes
    nothing."""
    user = api_user(request)
    services.activity_mark_reviewed(
        actor=user, activity=get_visible(Activity.objects.all(), user, activity_id)
    )
    return _activity(user, activity_id)


@router.post("/activities/{activity_id}/reactions", response=ReactionOut, url_name="activity_reaction_toggle")
def toggle_reaction(
    request: HttpRequest, activity_id: Id, payload: Annotated[ReactionIn | None, Body()] = None
) -> dict[str, Any]:
    """Add the caller's reaction (``like`` by default), or take it back when it is already there."""
    user = api_user(request)
    activity = get_visible(Activity.objects.all(), user, activity_id)
    kind = payload.kind if payload is not None else Reaction.Kind.LIKE.value
    reacted = services.reaction_toggle(actor=user, activity=activity, kind=kind)
    return {"kind": kind, "reacted": reacted, "count": reaction_count(activity=activity, kind=kind)}


# --- The team feed ----------------------------------------------------------------------------------


@router.get("/feed", response=Page[FeedEventOut], url_name="feed_list")
def list_feed(
    request: HttpRequest, filters: Query[FeedFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    """Everything that happens to activities, newest first. Poll ``/feed/latest`` and fetch with
    ``after`` only when it reports a newer id."""
    return paginate(request, feed_list(user=api_user(request), filters=filters), pagination)


@router.get("/feed/latest", response=FeedLatestOut, url_name="feed_latest")
def latest_feed_event(request: HttpRequest, filters: Query[FeedFilter]) -> dict[str, int]:
    """The newest event id with the same filters as ``/feed`` (0 when there is none): one query."""
    return {"latest_id": feed_latest_id(user=api_user(request), filters=filters)}


# --- Comments ---------------------------------------------------------------------------------------


def _comment(user: Any, pk: int) -> Comment:
    return get_visible(comment_list(user=user), user, pk)


@router.get("/comments", response=Page[CommentOut], url_name="comment_list")
def list_comments(
    request: HttpRequest, filters: Query[CommentFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    """The comments on one activity or one deal, oldest first."""
    errors = filters.target_errors()
    if errors:
        raise ValidationError(errors)
    return paginate(request, comment_list(user=api_user(request), filters=filters), pagination)


@router.post("/comments", response={201: CommentOut}, url_name="comment_create")
def create_comment(request: HttpRequest, payload: CommentIn) -> Status[Comment]:
    user = api_user(request)
    data, _version = body_data(payload)
    references = References(user)
    references.replace(data, "activity", Activity.objects.all())
    references.replace(data, "deal", Deal.objects.all())
    # Weekly reports live in a higher layer: found by name, and through their own visibility.
    references.replace(data, "weekly_report", apps.get_model("reports", "WeeklyReport").objects.all())
    references.check()
    comment = services.comment_create(actor=user, **data)
    return Status(201, _comment(user, comment.pk))


@router.get("/comments/{comment_id}", response=CommentOut, url_name="comment_detail")
def get_comment(request: HttpRequest, comment_id: Id) -> Comment:
    return _comment(api_user(request), comment_id)


@router.delete("/comments/{comment_id}", response={204: None}, url_name="comment_delete")
def delete_comment(request: HttpRequest, comment_id: Id) -> Status[None]:
    """The author or an administrator deletes a comment (with its mentions and its feed event)."""
    user = api_user(request)
    services.comment_delete(actor=user, comment=get_visible(Comment.objects.all(), user, comment_id))
    return Status(204, None)


# --- Mentions ---------------------------------------------------------------------------------------


@router.get("/mentions", response=Page[MentionOut], url_name="mention_list")
def list_mentions(
    request: HttpRequest, filters: Query[MentionFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    """Where the caller was @mentioned, newest first; ``unread=true`` for the unread ones."""
    return paginate(request, mention_list(user=api_user(request), filters=filters), pagination)


@router.get("/mentions/unread-count", response=CountOut, url_name="mention_unread_count")
def count_unread_mentions(request: HttpRequest) -> dict[str, int]:
    return {"count": mention_unread_count(user=api_user(request))}


@router.post("/mentions/read", response=MentionsMarkedOut, url_name="mention_mark_read")
def mark_mentions_read(
    request: HttpRequest, payload: Annotated[MentionsReadIn | None, Body()] = None
) -> dict[str, int]:
    """Mark the caller's unread mentions read: those in ``comment_ids``, or all of them."""
    comment_ids = payload.comment_ids if payload is not None else None
    return {"marked": services.mentions_mark_read(user=api_user(request), comment_ids=comment_ids)}
