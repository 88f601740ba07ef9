"""Personal notifications about activities and comments: who hears of what, and in which words.

Called by the comment and activity services inside their transactions (like ``activities/notifications``
for chat). The words are functions: ``notifications.personal`` calls them under each language, so the
bell and the mail read in the recipient's language. Nobody is told about their own doing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from totonou.activities.models import Activity, Comment
from totonou.notifications.models import NotificationKind
from totonou.notifications.personal import notification_record
from totonou.users.models import User

BODY_LENGTH = 300


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= BODY_LENGTH else text[: BODY_LENGTH - 1] + "…"


def activity_label(activity: Activity) -> str:
    """``Customer · Type · 6/3`` in the current language (a function of the language, not stored)."""
    customer = activity.customer
    parts = [
        customer.name if customer is not None else _("Internal work"),
        activity.type.name,
        date_format(activity.starts_at, "n/j"),
    ]
    if activity.subject:
        parts.append(activity.subject)
    return " · ".join(parts)


def _is_key(activity: Activity | None) -> bool:
    return bool(activity is not None and activity.customer is not None and activity.customer.is_key)


def _comment_target(comment: Comment) -> tuple[Any, Callable[[], str], bool]:
    """The commented record's owner, a label function and the key flag."""
    if comment.activity is not None:
        activity = comment.activity
        return activity.owner, lambda: activity_label(activity), _is_key(activity)
    report: Any = comment.weekly_report
    if report is not None:
        return report.author, lambda: _("Weekly report %(week)s") % {"week": report.week}, False
    deal = comment.deal
    assert deal is not None
    return deal.owner, lambda: _("Deal: %(title)s") % {"title": deal.title}, bool(deal.customer.is_key)


def comment_personal_notify(*, comment: Comment, mentions: list[User]) -> None:
    """Each mentioned (active) user hears of the mention; the record's owner of the comment."""
    owner, label, is_key = _comment_target(comment)
    author = str(comment.author)
    link = comment.get_absolute_url()
    ref = f"activities.comment:{comment.pk}"
    body = _excerpt(comment.body)
    for user in mentions:
        notification_record(
            recipient=user,
            kind=NotificationKind.MENTION,
            title=lambda: _("%(author)s mentioned you: %(target)s") % {"author": author, "target": label()},
            body=body,
            link=link,
            ref=ref,
            is_key=is_key,
        )
    mentioned = {user.pk for user in mentions}
    if owner.pk != comment.author_id and owner.pk not in mentioned:
        notification_record(
            recipient=owner,
            kind=NotificationKind.COMMENT,
            title=lambda: _("%(author)s commented on %(target)s") % {"author": author, "target": label()},
            body=body,
            link=link,
            ref=ref,
            is_key=is_key,
        )


def notes_mentions_notify(*, activity: Activity, actor: User, before: str = "") -> None:
    """Users newly @mentioned in an activity's notes (not in ``before``) hear of it once."""
    from totonou.activities.services.comment import mentioned_users

    users = mentioned_users(activity.notes or "", author=actor)
    if not users:
        return
    earlier = {user.pk for user in mentioned_users(before, author=actor)} if before else set()
    author = str(actor)
    for user in users:
        if user.pk in earlier:
            continue
        notification_record(
            recipient=user,
            kind=NotificationKind.MENTION,
            title=lambda: (
                _("%(author)s mentioned you in the notes of %(target)s")
                % {"author": author, "target": activity_label(activity)}
            ),
            body=_excerpt(activity.notes),
            link=activity.get_absolute_url(),
            ref=f"activities.activity:{activity.pk}",
            is_key=_is_key(activity),
            dedupe_key=f"notes-mention:{activity.pk}:{user.pk}",
        )


def review_notify(*, activity: Activity, actor: User) -> None:
    if activity.owner_id == actor.pk:
        return
    manager = str(actor)
    notification_record(
        recipient=activity.owner,
        kind=NotificationKind.REVIEW,
        title=lambda: (
            _("%(manager)s reviewed %(target)s") % {"manager": manager, "target": activity_label(activity)}
        ),
        link=activity.get_absolute_url(),
        ref=f"activities.activity:{activity.pk}",
        is_key=_is_key(activity),
        dedupe_key=f"review:{activity.pk}",
    )


def like_notify(*, activity: Activity, actor: User) -> None:
    """The owner hears of a いいね once per person (taking it back and giving it again says nothing new)."""
    if activity.owner_id == actor.pk:
        return
    person = str(actor)
    notification_record(
        recipient=activity.owner,
        kind=NotificationKind.LIKE,
        title=lambda: (
            _("%(person)s liked (いいね) %(target)s") % {"person": person, "target": activity_label(activity)}
        ),
        link=activity.get_absolute_url(),
        ref=f"activities.activity:{activity.pk}",
        is_key=_is_key(activity),
        dedupe_key=f"like:{activity.pk}:{actor.pk}",
    )
