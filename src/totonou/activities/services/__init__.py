"""Writes for activities and the conversation around them."""

from totonou.activities.services.activity import (
    activities_create_many,
    activity_cancel,
    activity_complete,
    activity_create,
    activity_delete,
    activity_mark_reviewed,
    activity_reschedule,
    activity_update,
)
from totonou.activities.services.activity_type import (
    activity_type_create,
    activity_type_delete,
    activity_type_update,
)
from totonou.activities.services.comment import (
    comment_create,
    comment_delete,
    mentioned_users,
    mentions_mark_read,
    reaction_toggle,
)
from totonou.activities.services.contact import customers_refresh_last_contact

__all__ = [
    "activities_create_many",
    "activity_cancel",
    "activity_complete",
    "activity_create",
    "activity_delete",
    "activity_mark_reviewed",
    "activity_reschedule",
    "activity_type_create",
    "activity_type_delete",
    "activity_type_update",
    "activity_update",
    "comment_create",
    "comment_delete",
    "customers_refresh_last_contact",
    "mentioned_users",
    "mentions_mark_read",
    "reaction_toggle",
]
