"""Activity service rules: each with the violating case and proof that nothing was written."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import ActivityFactory, ContactFactory, CustomerFactory, DealFactory, activity_type
from totonou.activities.models import Activity
from totonou.activities.services import (
    activity_cancel,
    activity_complete,
    activity_create,
    activity_delete,
    activity_mark_reviewed,
    activity_reschedule,
    activity_update,
)
from totonou.core.exceptions import ConflictError, PermissionDenied, ValidationError
from totonou.core.models import AuditEntry

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def start() -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(days=2)).replace(microsecond=0)


def counts() -> tuple[int, int]:
    return Activity.objects.count(), AuditEntry.objects.count()


def plan(actor, customer, start, **kwargs) -> Activity:
    return activity_create(
        actor=actor,
        type=activity_type("visit"),
        customer=customer,
        starts_at=start,
        ends_at=start + HOUR,
        **kwargs,
    )


class TestCreate:
    def test_plan_sets_planned_at_and_original_start(self, team_a, start):
        _, _, (rep, _) = team_a
        customer = CustomerFactory(owner=rep)
        before = timezone.now()

        activity = plan(rep, customer, start, subject="棚割の提案")

        activity.refresh_from_db()
        assert activity.status == "planned"
        assert activity.owner == rep
        assert activity.planned_at is not None and activity.planned_at >= before
        assert activity.original_starts_at == start
        assert activity.completed_at is None
        assert activity.version == 1
        entry = AuditEntry.objects.get(object_id=activity.pk, content_type__model="activity")
        assert (entry.action, entry.actor) == ("create", rep)

    def test_logging_after_the_fact_is_unplanned_and_done(self, team_a, start):
        _, _, (rep, _) = team_a
        activity = plan(rep, CustomerFactory(owner=rep), start - datetime.timedelta(days=3), status="done")
        activity.refresh_from_db()
        assert (activity.status, activity.planned_at, activity.original_starts_at) == ("done", None, None)
        assert activity.completed_at is not None
        assert activity.is_unplanned

    def test_a_result_cannot_end_in_the_future_and_nothing_is_written(self, team_a):
        _, _, (rep, _) = team_a
        customer = CustomerFactory(owner=rep)
        before = counts()
        now = timezone.now()
        with pytest.raises(ValidationError) as error:
            activity_create(
                actor=rep,
                type=activity_type("visit"),
                customer=customer,
                status="done",
                starts_at=now,
                ends_at=now + HOUR,
            )
        assert error.value.message_dict == {
            "ends_at": ["A result cannot end in the future; plan it instead, or give an earlier end."]
        }
        assert counts() == before

    def test_a_results_end_cannot_be_moved_into_the_future(self, team_a):
        _, _, (rep, _) = team_a
        now = timezone.now().replace(microsecond=0)
        done = plan(rep, CustomerFactory(owner=rep), now - 2 * HOUR, status="done")
        with pytest.raises(ValidationError) as error:
            activity_update(actor=rep, activity=done, ends_at=now + HOUR)
        assert list(error.value.message_dict) == ["ends_at"]
        done.refresh_from_db()
        assert (done.ends_at, done.version) == (now - HOUR, 1)

    def test_deal_alone_implies_its_customer(self, team_a, start):
        _, _, (rep, _) = team_a
        deal = DealFactory(owner=rep, customer=CustomerFactory(owner=rep))
        activity = activity_create(
            actor=rep, type=activity_type(), deal=deal, starts_at=start, ends_at=start + HOUR
        )
        assert activity.customer_id == deal.customer_id

    def test_end_before_start_is_rejected_and_nothing_written(self, team_a, start):
        _, _, (rep, _) = team_a
        customer = CustomerFactory(owner=rep)
        before = counts()
        with pytest.raises(ValidationError) as error:
            activity_create(
                actor=rep, type=activity_type(), customer=customer, starts_at=start, ends_at=start - HOUR
            )
        assert error.value.message_dict == {"ends_at": ["The end must not be before the start."]}
        assert counts() == before

    def test_deal_of_another_customer_is_rejected_and_nothing_written(self, team_a, start):
        _, _, (rep, _) = team_a
        customer = CustomerFactory(owner=rep)
        other_deal = DealFactory(owner=rep, customer=CustomerFactory(owner=rep))
        before = counts()
        with pytest.raises(ValidationError) as error:
            plan(rep, customer, start, deal=other_deal)
        assert error.value.message_dict == {"deal": ["This deal belongs to another customer."]}
        assert counts() == before

    def test_contact_of_another_customer_is_rejected(self, team_a, start):
        _, _, (rep, _) = team_a
        customer = CustomerFactory(owner=rep)
        stranger = ContactFactory(name="他社 太郎")
        before = counts()
        with pytest.raises(ValidationError) as error:
            plan(rep, customer, start, contacts=[stranger])
        assert list(error.value.message_dict) == ["contacts"]
        assert "他社 太郎" in error.value.message_dict["contacts"][0]
        assert counts() == before

    def test_naive_datetimes_are_rejected(self, team_a):
        _, _, (rep, _) = team_a
        naive = datetime.datetime(2026, 4, 1, 10, 0)  # noqa: DTZ001 - the case under test
        with pytest.raises(ValidationError) as error:
            plan(rep, CustomerFactory(owner=rep), naive)
        assert set(error.value.message_dict) == {"starts_at", "ends_at"}
        assert Activity.objects.count() == 0

    def test_cancelled_is_not_a_starting_status(self, team_a, start):
        _, _, (rep, _) = team_a
        with pytest.raises(ValidationError) as error:
            plan(rep, CustomerFactory(owner=rep), start, status="cancelled")
        assert list(error.value.message_dict) == ["status"]
        assert Activity.objects.count() == 0

    def test_rep_cannot_plan_for_another_rep(self, team_a, start):
        _, _, (rep1, rep2) = team_a
        before = counts()
        with pytest.raises(PermissionDenied):
            plan(rep1, CustomerFactory(owner=rep2), start, owner=rep2)
        assert counts() == before

    def test_manager_plans_for_a_member_but_not_for_another_team(self, team_a, team_b, start):
        _, manager, (rep, _) = team_a
        _, _, (other_rep, _) = team_b
        assert plan(manager, CustomerFactory(owner=rep), start, owner=rep).owner == rep
        with pytest.raises(PermissionDenied):
            plan(manager, CustomerFactory(owner=other_rep), start, owner=other_rep)


class TestDatabaseEnforcesTheRules:
    """The same rules hold for writes that bypass the services (imports gone wrong, raw SQL)."""

    def test_end_before_start(self, team_a, start):
        _, _, (rep, _) = team_a
        with pytest.raises(IntegrityError), transaction.atomic():
            ActivityFactory(owner=rep, starts_at=start, ends_at=start - HOUR)

    def test_deal_of_another_customer_on_insert_and_update(self, team_a, start):
        _, _, (rep, _) = team_a
        customer = CustomerFactory(owner=rep)
        other_deal = DealFactory(owner=rep)
        with pytest.raises(IntegrityError), transaction.atomic():
            ActivityFactory(owner=rep, customer=customer, deal=other_deal)
        activity = ActivityFactory(owner=rep, customer=customer)
        with pytest.raises(IntegrityError), transaction.atomic():
            Activity.objects.filter(pk=activity.pk).update(deal=other_deal)
        activity.refresh_from_db()
        assert activity.deal_id is None

    def test_cancelled_needs_a_reason_and_done_needs_completed_at(self, team_a):
        _, _, (rep, _) = team_a
        activity = ActivityFactory(owner=rep)
        with pytest.raises(IntegrityError), transaction.atomic():
            Activity.objects.filter(pk=activity.pk).update(status="cancelled", cancelled_at=timezone.now())
        with pytest.raises(IntegrityError), transaction.atomic():
            Activity.objects.filter(pk=activity.pk).update(status="done")
        activity.refresh_from_db()
        assert activity.status == "planned"


class TestComplete:
    def test_keeps_the_plans_timestamps(self, team_a, start):
        _, _, (rep, _) = team_a
        activity = plan(rep, CustomerFactory(owner=rep), start - datetime.timedelta(days=3))
        planned = (activity.starts_at, activity.ends_at, activity.planned_at, activity.original_starts_at)

        done = activity_complete(actor=rep, activity=activity, notes="見積を提出", next_step="来週回答")

        done.refresh_from_db()
        assert (done.starts_at, done.ends_at, done.planned_at, done.original_starts_at) == planned
        assert done.status == "done"
        assert done.completed_at is not None
        assert (done.notes, done.next_step, done.version) == ("見積を提出", "来週回答", 2)

    def test_a_plan_done_before_its_end_ends_now(self, team_a):
        _, _, (rep, _) = team_a
        now = timezone.now()
        begun = plan(rep, CustomerFactory(owner=rep), now - datetime.timedelta(minutes=20))
        ahead = plan(rep, CustomerFactory(owner=rep), now + datetime.timedelta(days=1))

        begun = activity_complete(actor=rep, activity=begun)
        ahead = activity_complete(actor=rep, activity=ahead)

        begun.refresh_from_db()
        ahead.refresh_from_db()
        after = timezone.now()
        assert begun.starts_at == now - datetime.timedelta(minutes=20)  # begun: the start stays
        assert now <= begun.ends_at <= after
        assert now <= ahead.ends_at <= after
        assert ahead.ends_at - ahead.starts_at == HOUR  # a plan not begun keeps its length, ending now
        assert ahead.original_starts_at > after  # what was planned stays measurable

    def test_twice_is_a_conflict_and_changes_nothing(self, team_a, start):
        _, _, (rep, _) = team_a
        activity = activity_complete(actor=rep, activity=plan(rep, CustomerFactory(owner=rep), start))
        completed_at = activity.completed_at
        audits = AuditEntry.objects.count()
        with pytest.raises(ConflictError):
            activity_complete(actor=rep, activity=activity, notes="again")
        activity.refresh_from_db()
        assert (activity.completed_at, activity.notes, activity.version) == (completed_at, "", 2)
        assert AuditEntry.objects.count() == audits

    def test_stale_version_is_a_conflict(self, team_a, start):
        _, _, (rep, _) = team_a
        activity = plan(rep, CustomerFactory(owner=rep), start)
        activity_update(actor=rep, activity=activity, notes="first edit")
        with pytest.raises(ConflictError):
            activity_complete(actor=rep, activity=activity, version=1)
        activity.refresh_from_db()
        assert (activity.status, activity.version) == ("planned", 2)


class TestReschedule:
    def test_keeps_the_original_start_and_the_duration(self, team_a, start):
        _, _, (rep, _) = team_a
        activity = plan(rep, CustomerFactory(owner=rep), start)
        moved = activity_reschedule(
            actor=rep, activity=activity, starts_at=start + datetime.timedelta(days=1)
        )
        moved = activity_reschedule(actor=rep, activity=moved, starts_at=start + datetime.timedelta(days=3))
        moved.refresh_from_db()
        assert moved.original_starts_at == start
        assert moved.starts_at == start + datetime.timedelta(days=3)
        assert moved.ends_at - moved.starts_at == HOUR
        assert moved.is_moved
        assert moved.status == "planned"

    def test_editing_a_plans_date_marks_it_moved(self, team_a, start):
        _, _, (rep, _) = team_a
        activity = plan(rep, CustomerFactory(owner=rep), start)
        later = start + datetime.timedelta(days=1)
        activity_update(actor=rep, activity=activity, starts_at=later, ends_at=later + HOUR)
        activity.refresh_from_db()
        assert (activity.original_starts_at, activity.starts_at, activity.is_moved) == (start, later, True)

    def test_end_before_start_is_rejected(self, team_a, start):
        _, _, (rep, _) = team_a
        activity = plan(rep, CustomerFactory(owner=rep), start)
        with pytest.raises(ValidationError) as error:
            activity_reschedule(actor=rep, activity=activity, starts_at=start, ends_at=start - HOUR)
        assert list(error.value.message_dict) == ["ends_at"]
        activity.refresh_from_db()
        assert (activity.starts_at, activity.version) == (start, 1)

    def test_a_done_activity_cannot_be_moved(self, team_a, start):
        _, _, (rep, _) = team_a
        past = start - datetime.timedelta(days=3)
        activity = activity_complete(actor=rep, activity=plan(rep, CustomerFactory(owner=rep), past))
        with pytest.raises(ConflictError):
            activity_reschedule(actor=rep, activity=activity, starts_at=start + HOUR)
        activity.refresh_from_db()
        assert activity.starts_at == past


class TestCancel:
    def test_needs_a_reason(self, team_a, start):
        _, _, (rep, _) = team_a
        activity = plan(rep, CustomerFactory(owner=rep), start)
        for reason in ("", "   "):
            with pytest.raises(ValidationError) as error:
                activity_cancel(actor=rep, activity=activity, reason=reason)
            assert list(error.value.message_dict) == ["reason"]
        activity.refresh_from_db()
        assert (activity.status, activity.cancel_reason, activity.version) == ("planned", "", 1)

    def test_with_a_reason(self, team_a, start):
        _, _, (rep, _) = team_a
        activity = activity_cancel(
            actor=rep, activity=plan(rep, CustomerFactory(owner=rep), start), reason=" 先方都合で延期 "
        )
        activity.refresh_from_db()
        assert (activity.status, activity.cancel_reason) == ("cancelled", "先方都合で延期")
        assert activity.cancelled_at is not None
        assert activity.original_starts_at == start


class TestPermissions:
    @pytest.mark.parametrize(
        "action",
        [
            lambda actor, a: activity_update(actor=actor, activity=a, notes="hijacked"),
            lambda actor, a: activity_complete(actor=actor, activity=a, notes="hijacked"),
            lambda actor, a: activity_reschedule(actor=actor, activity=a, starts_at=a.starts_at + HOUR),
            lambda actor, a: activity_cancel(actor=actor, activity=a, reason="hijacked"),
            lambda actor, a: activity_delete(actor=actor, activity=a),
        ],
        ids=["update", "complete", "reschedule", "cancel", "delete"],
    )
    def test_a_rep_cannot_change_another_reps_activity(self, team_a, start, action):
        _, _, (rep1, rep2) = team_a
        activity = plan(rep1, CustomerFactory(owner=rep1), start)
        before = counts()
        with pytest.raises(PermissionDenied):
            action(rep2, activity)
        activity.refresh_from_db()
        assert (activity.status, activity.notes, activity.starts_at, activity.version) == (
            "planned",
            "",
            start,
            1,
        )
        assert counts() == before

    def test_manager_of_the_team_and_admin_may_change_it(self, team_a, admin_user, start):
        _, manager, (rep, _) = team_a
        activity = plan(rep, CustomerFactory(owner=rep), start)
        activity_update(actor=manager, activity=activity, notes="manager note")
        activity_update(actor=admin_user, activity=activity, next_step="admin step")
        activity.refresh_from_db()
        assert (activity.notes, activity.next_step, activity.version) == ("manager note", "admin step", 3)

    def test_manager_of_another_team_may_not(self, team_a, team_b, start):
        _, _, (rep, _) = team_a
        _, other_manager, _ = team_b
        activity = plan(rep, CustomerFactory(owner=rep), start)
        with pytest.raises(PermissionDenied):
            activity_update(actor=other_manager, activity=activity, notes="x")

    def test_a_rep_cannot_hand_an_activity_to_another_rep(self, team_a, start):
        _, _, (rep1, rep2) = team_a
        activity = plan(rep1, CustomerFactory(owner=rep1), start)
        with pytest.raises(PermissionDenied):
            activity_update(actor=rep1, activity=activity, owner=rep2)
        activity.refresh_from_db()
        assert activity.owner == rep1

    def test_review_is_for_managers(self, team_a, start):
        _, manager, (rep1, rep2) = team_a
        activity = plan(rep1, CustomerFactory(owner=rep1), start)
        with pytest.raises(PermissionDenied):
            activity_mark_reviewed(actor=rep2, activity=activity)
        reviewed = activity_mark_reviewed(actor=manager, activity=activity)
        reviewed.refresh_from_db()
        assert reviewed.reviewed_by == manager and reviewed.reviewed_at is not None


def test_update_records_who_changed_what(team_a, start):
    _, manager, (rep, _) = team_a
    activity = plan(rep, CustomerFactory(owner=rep), start)
    activity_update(actor=manager, activity=activity, notes="追記", subject="定例訪問")
    entry = AuditEntry.objects.filter(object_id=activity.pk, action="update").get()
    assert entry.actor == manager
    assert entry.changes == {"notes": ["", "追記"], "subject": ["", "定例訪問"]}


def test_an_edit_that_changes_nothing_writes_nothing(team_a, start):
    _, _, (rep, _) = team_a
    activity = plan(rep, CustomerFactory(owner=rep), start, notes="same")
    audits = AuditEntry.objects.count()
    activity_update(actor=rep, activity=activity, notes="same")
    activity.refresh_from_db()
    assert activity.version == 1
    assert AuditEntry.objects.count() == audits


def test_contacts_are_replaced_and_audited(team_a, start):
    _, _, (rep, _) = team_a
    customer = CustomerFactory(owner=rep)
    first, second = ContactFactory(customer=customer), ContactFactory(customer=customer)
    activity = plan(rep, customer, start, contacts=[first])
    activity_update(actor=rep, activity=activity, contacts=[second])
    activity.refresh_from_db()
    assert list(activity.contacts.all()) == [second]
    assert activity.version == 2
    assert AuditEntry.objects.filter(object_id=activity.pk, action="update").get().changes == {
        "contacts": [[first.pk], [second.pk]]
    }
