"""The feed's events, comments with @mentions, and reactions."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory, DealFactory, UserFactory, activity_type
from totonou.activities.models import ActivityEvent, Comment, Mention, Reaction
from totonou.activities.services import (
    activity_cancel,
    activity_complete,
    activity_create,
    activity_mark_reviewed,
    activity_reschedule,
    activity_update,
    comment_create,
    comment_delete,
    mentions_mark_read,
    reaction_toggle,
)
from totonou.core.exceptions import PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def plan(rep, **kwargs):
    # A result happened (it never ends in the future); a plan is for tomorrow.
    days = -1 if kwargs.get("status") == "done" else 1
    start = (timezone.now() + datetime.timedelta(days=days)).replace(microsecond=0)
    return activity_create(
        actor=rep,
        type=activity_type(),
        customer=CustomerFactory(owner=rep),
        starts_at=start,
        ends_at=start + HOUR,
        **kwargs,
    )


def kinds(activity) -> list[str]:
    return list(ActivityEvent.objects.filter(activity=activity).order_by("id").values_list("kind", flat=True))


def test_every_step_of_an_activity_is_an_event(team_a):
    _, manager, (rep, _) = team_a
    activity = plan(rep)
    original = activity.starts_at
    activity = activity_reschedule(actor=rep, activity=activity, starts_at=original + 2 * HOUR)
    activity = activity_update(actor=rep, activity=activity, notes="only notes")  # not a move
    activity = activity_update(
        actor=rep, activity=activity, starts_at=original + 3 * HOUR, ends_at=original + 4 * HOUR
    )
    activity = activity_complete(actor=rep, activity=activity)
    activity_mark_reviewed(actor=manager, activity=activity)
    activity_mark_reviewed(actor=manager, activity=activity)  # twice: one event
    assert kinds(activity) == ["planned", "moved", "moved", "completed", "reviewed"]
    first_move = ActivityEvent.objects.filter(activity=activity, kind="moved").order_by("id").first()
    assert first_move.data == {
        "from": original.astimezone(datetime.UTC).isoformat(),
        "to": (original + 2 * HOUR).astimezone(datetime.UTC).isoformat(),
    }
    assert first_move.actor == rep


def test_logged_and_cancelled_events(team_a):
    _, _, (rep, _) = team_a
    logged = plan(rep, status="done")
    cancelled = activity_cancel(actor=rep, activity=plan(rep), reason="台風のため")
    assert kinds(logged) == ["logged"]
    assert kinds(cancelled) == ["planned", "cancelled"]
    assert ActivityEvent.objects.get(activity=cancelled, kind="cancelled").data == {"reason": "台風のため"}


def test_a_failed_change_records_no_event(team_a):
    _, _, (rep1, rep2) = team_a
    activity = plan(rep1)
    with pytest.raises(PermissionDenied):
        activity_cancel(actor=rep2, activity=activity, reason="x")
    with pytest.raises(ValidationError):
        activity_cancel(actor=rep1, activity=activity, reason="")
    assert kinds(activity) == ["planned"]


def test_comment_with_mentions_creates_unread_mentions_and_an_event(team_a):
    _, manager, (rep1, rep2) = team_a
    UserFactory(username="retired", is_active=False)
    activity = plan(rep1)
    comment = comment_create(
        actor=manager,
        activity=activity,
        body=f"@{rep1.username} 良い提案です。@{rep2.username} も同行を。"
        f"@retired @nobody @{manager.username}",
    )
    assert sorted(comment.mentions.values_list("username", flat=True)) == sorted(
        [rep1.username, rep2.username]
    )
    assert Mention.objects.filter(user=rep1, read_at__isnull=True).count() == 1
    event = ActivityEvent.objects.get(activity=activity, kind="commented")
    assert (event.comment, event.actor, sorted(event.data["mentions"])) == (
        comment,
        manager,
        sorted([rep1.pk, rep2.pk]),
    )
    assert mentions_mark_read(user=rep1) == 1
    assert Mention.objects.filter(user=rep1, read_at__isnull=True).count() == 0
    assert Mention.objects.filter(user=rep2, read_at__isnull=True).count() == 1


def test_an_email_address_is_not_a_mention(team_a):
    _, manager, (rep, _) = team_a
    comment = comment_create(actor=manager, activity=plan(rep), body=f"mail to sales@{rep.username}.example")
    assert comment.mentions.count() == 0


@pytest.mark.parametrize("body", ["", "   "])
def test_an_empty_comment_is_rejected(team_a, body):
    _, manager, (rep, _) = team_a
    activity = plan(rep)
    with pytest.raises(ValidationError) as error:
        comment_create(actor=manager, activity=activity, body=body)
    assert list(error.value.message_dict) == ["body"]
    assert Comment.objects.count() == 0 and kinds(activity) == ["planned"]


def test_a_comment_needs_exactly_one_target(team_a):
    _, manager, (rep, _) = team_a
    with pytest.raises(ValidationError):
        comment_create(actor=manager, body="x")
    with pytest.raises(ValidationError):
        comment_create(actor=manager, body="x", activity=plan(rep), deal=DealFactory(owner=rep))
    assert Comment.objects.count() == 0
    comment = comment_create(
        actor=manager, body="価格交渉の進め方を相談しましょう", deal=DealFactory(owner=rep)
    )
    assert comment.deal is not None and ActivityEvent.objects.filter(kind="commented").count() == 0


def test_only_the_author_or_an_admin_deletes_a_comment(team_a, admin_user):
    _, manager, (rep, _) = team_a
    comment = comment_create(actor=manager, activity=plan(rep), body="x")
    with pytest.raises(PermissionDenied):
        comment_delete(actor=rep, comment=comment)
    assert Comment.objects.filter(pk=comment.pk).exists()
    comment_delete(actor=admin_user, comment=comment)
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_reaction_toggles(team_a):
    _, manager, (rep, _) = team_a
    activity = plan(rep)
    assert reaction_toggle(actor=manager, activity=activity) is True
    assert reaction_toggle(actor=rep, activity=activity) is True
    assert Reaction.objects.filter(activity=activity).count() == 2
    assert reaction_toggle(actor=manager, activity=activity) is False
    assert list(Reaction.objects.filter(activity=activity).values_list("user", flat=True)) == [rep.pk]
    with pytest.raises(ValidationError):
        reaction_toggle(actor=manager, activity=activity, kind="angry")
