"""Activity pages: the team feed, the calendar, and an activity with its actions."""

from totonou.activities.views.activity import (
    activity_cancel,
    activity_complete,
    activity_detail,
    activity_reschedule,
)
from totonou.activities.views.calendar import calendar
from totonou.activities.views.feed import feed
from totonou.activities.views.form import activity_edit

__all__ = [
    "activity_cancel",
    "activity_complete",
    "activity_detail",
    "activity_edit",
    "activity_reschedule",
    "calendar",
    "feed",
]
