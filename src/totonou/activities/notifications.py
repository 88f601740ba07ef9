"""The chat and webhook events of activities and comments: what they carry, recorded into the outbox.

Called by the activity and comment services inside their transactions. The payload is the API
representation (``ActivityOut`` / ``CommentOut``); the context holds what the chat text needs (names in
both languages, the key-customer flag, the link), made now so the message reads as it was.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.activities.models import Activity, Comment
from totonou.core.links import web_url
from totonou.notifications.services import event_record
from totonou.users.models import User

TIME_FORMAT = "%Y/%m/%d %H:%M"


def _local(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime(TIME_FORMAT) if value else ""


def _activity_filters(activity: Activity) -> dict[str, Any]:
    customer = activity.customer
    return {
        "team": activity.owner.team_id,
        "owner": activity.owner_id,
        "segment": customer.segment_id if customer is not None else None,
        "is_key": bool(customer is not None and customer.is_key),
    }


def activity_context(activity: Activity) -> dict[str, Any]:
    customer = activity.customer
    return {
        "owner": str(activity.owner),
        "customer": customer.name if customer is not None else "",
        "is_key": bool(customer is not None and customer.is_key),
        "type": {"ja": activity.type.name_ja, "en": activity.type.name_en},
        "subject": activity.subject,
        "purpose": activity.purpose,
        "notes": activity.notes,
        "next_step": activity.next_step,
        "when": _local(activity.starts_at),
        "web_url": web_url(activity),
    }


def activity_notify(
    *, name: str, activity: Activity, moved_from: datetime.datetime | None = None, reason: str = ""
) -> None:
    """Record ``activity.planned`` / ``completed`` / ``moved`` / ``cancelled`` for ``activity``."""
    from totonou.activities.schemas import ActivityOut

    def build() -> tuple[dict[str, Any], dict[str, Any]]:
        context = activity_context(activity)
        if moved_from is not None:
            context["moved_from"] = _local(moved_from)
        if reason:
            context["reason"] = reason
        return ActivityOut.from_orm(activity).model_dump(mode="json"), context

    event_record(name=name, filters=_activity_filters(activity), build=build)


def comment_notify(*, comment: Comment, mentions: list[User]) -> None:
    """Record ``comment.created`` with the users it mentions (their chat ids, for real mentions)."""
    from totonou.activities.schemas import CommentOut

    report: Any = comment.weekly_report
    target: Any = comment.activity if comment.activity_id else comment.deal
    customer = target.customer if target is not None else None
    owner = report.author if report is not None else target.owner
    filters = {
        "team": owner.team_id,
        "owner": owner.pk,
        "segment": customer.segment_id if customer is not None else None,
        "is_key": bool(customer is not None and customer.is_key),
    }

    def build() -> tuple[dict[str, Any], dict[str, Any]]:
        payload = CommentOut.from_orm(comment).model_dump(mode="json")
        payload["mentions"] = [user.pk for user in mentions]
        if comment.activity is not None:
            subject = comment.activity.subject
            title = " ".join(part for part in (customer.name if customer else "", subject) if part)
        elif report is not None:
            title = _("Weekly report %(week)s of %(author)s") % {
                "week": report.week,
                "author": str(report.author),
            }
        else:
            title = comment.deal.title  # type: ignore[union-attr]
        context = {
            "author": str(comment.author),
            "body": comment.body,
            "target": title,
            "is_key": filters["is_key"],
            "mentions": [
                {
                    "name": str(user),
                    "slack_user_id": user.slack_user_id,
                    "chatwork_account_id": user.chatwork_account_id,
                }
                for user in mentions
            ],
            "web_url": web_url(comment),
        }
        return payload, context

    event_record(name="comment.created", filters=filters, build=build)
