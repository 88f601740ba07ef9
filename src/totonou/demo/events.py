"""The team feed's events for seeded activities, written in time order.

The feed shows ``ActivityEvent`` rows newest id first, so ids must follow the clock. Activities are made
day by day, but their events reach back (a plan made days before) and forward (a review the next day).
Events wait in per-day buckets until no later activity can add to that day, then get their ids.
"""

from __future__ import annotations

import json
from collections import defaultdict

from totonou.activities.models import ActivityEvent
from totonou.demo.context import SeedContext

Moment = tuple[int, int]  # (working-day index, minute of the local day)

#: How many working days before the day being generated an event can lie (the longest plan lead
#: plus a move), with margin.
LOOKBACK = 25
EMPTY = "{}"
COLUMNS = ("id", "activity", "kind", "actor", "comment", "data", "created_at")


class EventLog:
    def __init__(self, context: SeedContext) -> None:
        self.context = context
        self.buckets: dict[int, list[tuple[int, int, int, str, int | None, int | None, str]]] = defaultdict(
            list
        )
        self.written_before = -(10**9)
        self.sequence = 0
        self.count = 0

    def add(
        self,
        moment: Moment,
        activity_id: int,
        kind: str,
        actor_id: int | None,
        *,
        comment_id: int | None = None,
        data: str = EMPTY,
    ) -> None:
        day, minute = moment
        if day < self.written_before:
            raise RuntimeError(f"An event on working day {day} came after that day was written.")
        self.sequence += 1
        self.buckets[day].append((minute, self.sequence, activity_id, kind, actor_id, comment_id, data))

    def write(self, *, before: int | None = None) -> None:
        """Give ids to and insert the events of the days before ``before`` (all when None)."""
        days = sorted(day for day in self.buckets if before is None or day < before)
        if not days:
            return
        at = self.context.workdays.at
        next_id = self.context.next_id[ActivityEvent._meta.label]
        rows = []
        for day in days:
            for minute, _sequence, activity_id, kind, actor_id, comment_id, data in sorted(
                self.buckets.pop(day)
            ):
                rows.append((next_id, activity_id, kind, actor_id, comment_id, data, at(day, minute)))
                next_id += 1
        self.context.next_id[ActivityEvent._meta.label] = next_id
        self.context.insert(ActivityEvent, COLUMNS, rows)
        self.count += len(rows)
        if before is not None:
            self.written_before = max(self.written_before, before)


def moved_data(moved_from: Moment, moved_to: Moment, context: SeedContext) -> str:
    """The "moved" event's details as the activity services record them: both starts in UTC."""
    at = context.workdays.at
    return json.dumps({"from": at(*moved_from).isoformat(), "to": at(*moved_to).isoformat()})


def cancelled_data(reason: str) -> str:
    return json.dumps({"reason": reason}, ensure_ascii=False)


def mentions_data(user_ids: list[int]) -> str:
    return json.dumps({"mentions": user_ids})
