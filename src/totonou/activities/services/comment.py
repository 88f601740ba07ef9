"""Writes for the conversation around activities and deals: comments, @mentions, reactions."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.activities.models import Activity, ActivityEvent, Comment, Mention, Reaction
from totonou.activities.notifications import comment_notify
from totonou.activities.personal_notifications import comment_personal_notify, like_notify
from totonou.core.exceptions import PermissionDenied, ValidationError
from totonou.deals.models import Deal
from totonou.notifications.personal import notifications_mark_read
from totonou.users.models import User
from totonou.users.permissions import is_signed_in

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.+-]+)")


def mentioned_users(body: str, *, author: User) -> list[User]:
    """Active users named as ``@username`` in ``body`` (the author never mentions themselves)."""
    names = {match.rstrip(".") for match in MENTION.findall(body)}
    if not names:
        return []
    return list(User.objects.filter(username__in=names, is_active=True).exclude(pk=author.pk).order_by("pk"))


@transaction.atomic
def comment_create(
    *,
    actor: User,
    body: str,
    activity: Activity | None = None,
    deal: Deal | None = None,
    weekly_report: Any = None,
) -> Comment:
    """Anyone signed in may comment (managers advise, reps answer) on what they can see (the caller looks
    ``weekly_report`` up through its ``visible_to``). Mentions become unread badges."""
    if not is_signed_in(actor):
        raise PermissionDenied(_("Sign in to comment."))
    body = (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not body:
        errors["body"] = [_("Write a comment.")]
    if [activity, deal, weekly_report].count(None) != 2:
        errors["__all__"] = [_("A comment belongs to exactly one activity, deal or weekly report.")]
    if errors:
        raise ValidationError(errors)
    comment = Comment(author=actor, body=body, activity=activity, deal=deal, weekly_report=weekly_report)
    comment.full_clean()
    comment.save()
    users = mentioned_users(body, author=actor)
    Mention.objects.bulk_create([Mention(comment=comment, user=user) for user in users])
    if activity is not None:
        ActivityEvent.objects.create(
            activity=activity,
            kind=ActivityEvent.Kind.COMMENTED,
            actor=actor,
            comment=comment,
            data={"mentions": [user.pk for user in users]},
        )
    comment_notify(comment=comment, mentions=users)
    comment_personal_notify(comment=comment, mentions=users)
    return comment


@transaction.atomic
def comment_delete(*, actor: User, comment: Comment) -> None:
    if not is_signed_in(actor) or (actor.pk != comment.author_id and actor.role != User.Role.ADMIN):
        raise PermissionDenied(_("Only the author or an administrator may delete a comment."))
    comment.delete()


@transaction.atomic
def reaction_toggle(*, actor: User, activity: Activity, kind: str = Reaction.Kind.LIKE) -> bool:
    """Add the reaction, or take it back when it is already there. Returns whether it is now present."""
    if not is_signed_in(actor):
        raise PermissionDenied(_("Sign in to react."))
    if kind not in Reaction.Kind.values:
        raise ValidationError({"kind": [_("Unknown reaction.")]})
    deleted, _rows = Reaction.objects.filter(activity=activity, user=actor, kind=kind).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(activity=activity, user=actor, kind=kind)
    except IntegrityError:  # a concurrent click already added it
        return True
    like_notify(activity=activity, actor=actor)
    return True


def mentions_mark_read(*, user: User, comment_ids: list[int] | None = None) -> int:
    """Mark the user's unread mentions read (all, or those of the given comments). Returns how many."""
    unread = Mention.objects.filter(user=user, read_at__isnull=True)
    if comment_ids is not None:
        unread = unread.filter(comment_id__in=comment_ids)
    # the bell's mention notifications of the same comments are read too
    refs = None if comment_ids is None else [f"activities.comment:{pk}" for pk in comment_ids]
    notifications_mark_read(user=user, refs=refs, kind="mention")
    return unread.update(read_at=timezone.now())
