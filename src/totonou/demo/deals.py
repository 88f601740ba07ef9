"""Seeded deals with a stage history that ends in each deal's current stage.

The histories look like a real pipeline's: some deals skip a stage (qualified, or negotiation before a
win), some stall (longer in their stage than its stalled-after days), deals are lost from every stage,
and the share won of the closed deals differs by rep (``REP_WIN_FACTORS``, by the rep's place among the
owners) and by segment (``SEGMENT_WIN_FACTORS``, by the segment's place in the vocabulary), so the win
rate by rep and by segment has something to show. Everything follows the seeded random generator.
"""

from __future__ import annotations

import bisect
import datetime
import math
from dataclasses import dataclass

from totonou.deals.models import Deal, LossReason, Stage, StageChange
from totonou.demo.context import SeedContext
from totonou.demo.organisation import CustomerInfo

OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")
OUTCOMES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
OUTCOME_WEIGHTS = (12, 13, 17, 12, 26, 20)
LOSS_REASON_WEIGHTS = {
    "price": 30,
    "competitor": 25,
    "timing": 15,
    "no_budget": 10,
    "requirements": 8,
    "no_decision": 8,
    "other": 4,
}


#: The closed deals' chance of being won (``BASE_WIN``) times a rep's and a segment's factor, within
#: ``WIN_BOUNDS``; the factors cycle over the reps (ordered by id) and the segments.
BASE_WIN = OUTCOME_WEIGHTS[4] / (OUTCOME_WEIGHTS[4] + OUTCOME_WEIGHTS[5])
REP_WIN_FACTORS = (1.4, 0.6, 1.15, 0.8, 1.0, 0.7, 1.25)
SEGMENT_WIN_FACTORS = (1.25, 0.7, 1.0, 1.15, 0.8, 0.95)
WIN_BOUNDS = (0.1, 0.92)
#: Share of deals through lead that skip "qualified" on their way further.
SKIP_QUALIFIED = 0.15


def win_chance(rep_index: int, segment_index: int) -> float:
    chance = (
        BASE_WIN
        * REP_WIN_FACTORS[rep_index % len(REP_WIN_FACTORS)]
        * SEGMENT_WIN_FACTORS[segment_index % len(SEGMENT_WIN_FACTORS)]
    )
    return min(max(chance, WIN_BOUNDS[0]), WIN_BOUNDS[1])


class SeedDataMissing(Exception):
    """Reference data seeded by the migrations (stages, loss reasons, activity types) is missing."""


@dataclass
class DealInfo:
    id: int
    customer: CustomerInfo
    title: str
    #: working days of the stage changes and the stage each one led to
    days: list[int]
    stages: list[str]
    #: the last working day activities may still refer to the deal
    active_until: int

    @property
    def outcome(self) -> str:
        return self.stages[-1]

    def stage_on(self, day: int) -> str | None:
        """The stage on working day ``day``; None before the deal existed or after it stopped mattering."""
        if day < self.days[0] or day > self.active_until:
            return None
        return self.stages[bisect.bisect_right(self.days, day) - 1]


def reference_ids(model: type[Stage] | type[LossReason], slugs: tuple[str, ...]) -> dict[str, int]:
    found = dict(model.objects.filter(slug__in=slugs).values_list("slug", "id"))
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise SeedDataMissing(f"{model._meta.verbose_name_plural} missing: {', '.join(missing)}")
    return found


def _path(
    outcome: str, *, start: int, won_after_proposal: bool, lost_at: int, skip_qualified: bool = False
) -> list[str]:
    """The stages a deal went through, from ``OPEN_STAGES[start]`` to ``outcome``; with
    ``skip_qualified`` a deal going from lead to a later open stage or a win skips "qualified"."""
    if outcome in OPEN_STAGES:
        end = OPEN_STAGES.index(outcome)
        path = list(OPEN_STAGES[min(start, end) : end + 1])
    elif outcome == "won":
        last = 2 if won_after_proposal else 3
        path = [*OPEN_STAGES[start : last + 1], "won"]
    else:
        path = [*OPEN_STAGES[start : max(start, lost_at) + 1], "lost"]
    if skip_qualified and path[0] == "lead" and "qualified" in path:
        after = path[path.index("qualified") + 1 :]
        if after and after[0] != "lost":
            path.remove("qualified")
    return path


def make_deals(context: SeedContext, customers: list[CustomerInfo]) -> dict[int, list[DealInfo]]:
    """Deals on established customers (key customers more often); returns them by customer id."""
    size, vocabulary, workdays = context.size, context.vocabulary, context.workdays
    rng = context.rng("deals")
    text = context.text(rng)
    stage_ids = reference_ids(Stage, OUTCOMES)
    stagnation = dict(Stage.objects.filter(slug__in=OUTCOMES).values_list("slug", "stagnation_days"))
    reasons = reference_ids(LossReason, tuple(LOSS_REASON_WEIGHTS))
    reason_slugs, reason_weights = list(LOSS_REASON_WEIGHTS), list(LOSS_REASON_WEIGHTS.values())
    candidates: list[CustomerInfo] = []
    for customer in customers:
        if not customer.never_contacted and customer.since < -size.past_days:
            candidates.extend([customer] * (4 if customer.is_key else 1))
    rounding = 10_000 if context.language == "ja" else 100
    rep_index = {owner: index for index, owner in enumerate(sorted({c.owner_id for c in customers}))}
    deals: dict[int, list[DealInfo]] = {}
    deal_rows: list[tuple[object, ...]] = []
    change_rows: list[tuple[object, ...]] = []
    change_ids = iter(context.ids(StageChange, size.deals * 5))
    for deal_id in context.ids(Deal, size.deals):
        customer = rng.choice(candidates)
        segment = vocabulary.segments[customer.segment]
        outcome = rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0]
        if outcome in ("won", "lost"):
            chance = win_chance(rep_index[customer.owner_id], customer.segment)
            outcome = "won" if rng.random() < chance else "lost"
        start = 0 if rng.random() < 0.65 else 1
        path = _path(
            outcome,
            start=start,
            won_after_proposal=rng.random() < 0.2,
            lost_at=rng.randrange(start, 4),
            skip_qualified=rng.random() < SKIP_QUALIFIED,
        )
        durations = [rng.randint(4, 25) for _ in path[1:]]
        if outcome in OPEN_STAGES:
            stalled_after = max(3, stagnation.get(outcome, 30) * 5 // 7)
            if rng.random() < 0.25:
                last_day = -rng.randint(stalled_after + 1, stalled_after * 3)
            else:
                last_day = -rng.randint(1, stalled_after)
        else:
            last_day = -rng.randint(1, max(1, size.past_days - sum(durations) - 2))
        last_day = max(last_day, -size.past_days + 1)
        available = size.past_days + last_day
        if sum(durations) > available:
            durations = [max(1, math.floor(d * available / sum(durations))) for d in durations]
            while sum(durations) > available:
                durations.pop(0)
                path.pop(0)
        days = [last_day]
        for duration in reversed(durations):
            days.insert(0, days[0] - duration)
        if outcome == "won":
            active_until = min(last_day + 10, -1)
        elif outcome == "lost":
            active_until = last_day
        else:
            active_until = size.future_days
        title = text.pick(segment.deal_titles, customer.segment)
        deal = DealInfo(deal_id, customer, title, days, path, active_until)
        deals.setdefault(customer.id, []).append(deal)
        times = [workdays.at(day, rng.randrange(9 * 60, 19 * 60)) for day in days]
        low, high = segment.amount_range
        amount = round(math.exp(rng.uniform(math.log(low), math.log(high))) / rounding) * rounding
        closed_at = times[-1] if outcome in ("won", "lost") else None
        if closed_at is None:
            expected = workdays.date(last_day) + datetime.timedelta(days=rng.randint(14, 120))
        else:
            expected = workdays.date(last_day)
        reason = None
        loss_note = next_step = ""
        if outcome == "lost":
            reason = reasons[rng.choices(reason_slugs, reason_weights)[0]]
            loss_note = text.pick(vocabulary.loss_notes, customer.segment)
        elif outcome != "won":
            next_step = text.pick(vocabulary.deal_next_steps, customer.segment)
        deal_rows.append(
            (
                deal_id,
                customer.id,
                customer.owner_id,
                title,
                amount,
                expected,
                stage_ids[outcome],
                times[-1],
                closed_at,
                reason,
                loss_note,
                next_step,
                times[0],
                times[-1],
                len(path),
            )
        )
        previous = None
        for stage, moment in zip(path, times, strict=True):
            change_rows.append(
                (next(change_ids), deal_id, previous, stage_ids[stage], customer.owner_id, moment)
            )
            previous = stage_ids[stage]
    context.insert(
        Deal,
        (
            "id",
            "customer",
            "owner",
            "title",
            "amount",
            "expected_close_date",
            "stage",
            "stage_entered_at",
            "closed_at",
            "loss_reason",
            "loss_note",
            "next_step",
            "created_at",
            "updated_at",
            "version",
        ),
        deal_rows,
    )
    context.insert(
        StageChange, ("id", "deal", "from_stage", "to_stage", "changed_by", "changed_at"), change_rows
    )
    return deals
