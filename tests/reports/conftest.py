"""A rep's week built by hand (ISO week 2026-W49: Monday 30 November to Sunday 6 December 2026, JST)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from tests.api.conftest import anonymous, api, people  # noqa: F401  (fixtures)
from tests.factories import CustomerFactory, DealFactory
from tests.insights.conftest import jst, make_activity
from totonou.deals.models import Deal, LossReason, Stage, StageChange

WEEK = "2026-W49"
NOW = jst(2026, 12, 3, 12)  # Thursday of the week


def _deal(*, owner, customer, created, stage="lead", closed=None, changes=(), **fields):
    deal = DealFactory(
        owner=owner,
        customer=customer,
        stage=Stage.objects.get(slug=stage),
        stage_entered_at=closed or created,
        closed_at=closed,
        **fields,
    )
    Deal.objects.filter(pk=deal.pk).update(created_at=created)
    for from_slug, to_slug, at in changes:
        StageChange.objects.create(
            deal=deal,
            from_stage=Stage.objects.get(slug=from_slug),
            to_stage=Stage.objects.get(slug=to_slug),
            changed_by=owner,
            changed_at=at,
        )
    return deal


@pytest.fixture
def week(team_a):
    """rep1's week: every kind of activity, a key customer visited twice on Monday, deals created, moved,
    won on Sunday 23:30 JST and lost; rep2 and the weeks around it as noise."""
    team, manager, (rep1, rep2) = team_a
    key = CustomerFactory(owner=rep1, is_key=True, name="★重点商事")
    normal = CustomerFactory(owner=rep1, name="普通商事")
    lapsing = CustomerFactory(
        owner=rep1, name="疎遠商事"
    )  # last contact 2 November: past 30 days in the week
    CustomerFactory(owner=rep1, name="未接触商事")  # never contacted: already due before the week

    def act(**fields):
        fields.setdefault("owner", rep1)
        fields.setdefault("customer", normal)
        return make_activity(**fields)

    a = {
        "lapsing_contact": act(customer=lapsing, starts_at=jst(2026, 11, 2, 10)),
        "key_mon_am": act(customer=key, starts_at=jst(2026, 11, 30, 10)),  # done as planned
        "key_mon_pm": act(customer=key, starts_at=jst(2026, 11, 30, 15)),  # same key customer, same day
        "moved_out": act(starts_at=jst(2026, 12, 8, 10), moved_from=jst(2026, 12, 1, 10), status="planned"),
        "cancelled": act(starts_at=jst(2026, 12, 2, 10), status="cancelled"),
        "unplanned": act(starts_at=jst(2026, 12, 3, 9), slug="call", planned=False),
        "open": act(starts_at=jst(2026, 12, 4, 10), status="planned"),  # still open (upcoming)
        "moved_within": act(starts_at=jst(2026, 12, 2, 14), moved_from=jst(2026, 12, 1, 14)),  # moved, done
        "key_thu": act(customer=key, starts_at=jst(2026, 12, 3, 11)),
        "next_week": act(starts_at=jst(2026, 12, 7, 10), status="planned"),
        "monday_after": act(starts_at=jst(2026, 12, 7, 0, 30)),  # Sunday 15:30 UTC, but Monday in Tokyo
        "other_rep": act(owner=rep2, customer=CustomerFactory(owner=rep2), starts_at=jst(2026, 12, 1, 10)),
    }
    earlier = jst(2026, 11, 1, 10)
    d = {
        "created": _deal(owner=rep1, customer=normal, created=jst(2026, 12, 1, 10)),
        "won_sunday": _deal(
            owner=rep1,
            customer=key,
            created=earlier,
            stage="won",
            amount=3_000_000,
            closed=jst(2026, 12, 6, 23, 30),
            changes=[("negotiation", "won", jst(2026, 12, 6, 23, 30))],
        ),
        "won_monday_after": _deal(
            owner=rep1,
            customer=normal,
            created=earlier,
            stage="won",
            amount=5_000_000,
            closed=jst(2026, 12, 7, 0, 30),
            changes=[("negotiation", "won", jst(2026, 12, 7, 0, 30))],
        ),
        "lost": _deal(
            owner=rep1,
            customer=normal,
            created=earlier,
            stage="lost",
            amount=2_000_000,
            closed=jst(2026, 12, 2, 16),
            loss_reason=LossReason.objects.get(slug="price"),
            changes=[("proposal", "lost", jst(2026, 12, 2, 16))],
        ),
        "moved": _deal(
            owner=rep1,
            customer=normal,
            created=earlier,
            stage="proposal",
            changes=[("lead", "proposal", jst(2026, 12, 3, 15))],
        ),
        "other_rep": _deal(owner=rep2, customer=CustomerFactory(owner=rep2), created=jst(2026, 12, 1, 10)),
    }
    return SimpleNamespace(
        team=team, manager=manager, rep1=rep1, rep2=rep2, key=key, lapsing=lapsing, a=a, d=d
    )


def later(days: int = 0, hours: int = 0) -> datetime.datetime:
    return NOW + datetime.timedelta(days=days, hours=hours)


EXPECTED_FIGURES_KEYS = {
    "activities_done",
    "planned",
    "done_as_planned",
    "moved",
    "cancelled",
    "unplanned",
    "still_open",
    "key_customer_touches",
    "key_customer_days",
    "customers_past_threshold",
    "deals_created",
    "deals_moved",
    "deals_won",
    "won_amount",
    "deals_lost",
    "next_week_planned",
}
