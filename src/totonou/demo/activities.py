"""Seeded activities: plans and results as reps really leave them.

Per working day and member: a handful of activities laid out on the day (visits with travel time in
between), each with a fate drawn like this in the past: done as planned, done after a move (the first
planned start is kept), logged after the fact (no plan), cancelled with a reason, or, for a few recent
ones, still waiting for a result (overdue). Today and later: plans, a few already moved or cancelled.
Key customers are picked more often; customers going cold get no contact in their quiet days. Done
activities of reps are reviewed by their manager, some get a comment thread or a like from the team,
and every step leaves its event in the team feed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from totonou.activities.models import Activity, ActivityType, Reaction
from totonou.demo.comments import CommentMaker
from totonou.demo.context import SeedContext
from totonou.demo.deals import DealInfo, SeedDataMissing
from totonou.demo.events import LOOKBACK, EventLog, Moment, cancelled_data, moved_data
from totonou.demo.organisation import CustomerInfo, Member, Organisation
from totonou.users.models import User

TYPE_WEIGHTS: dict[str, dict[str, int]] = {
    User.Role.REP: {
        "visit": 34,
        "call": 17,
        "email": 12,
        "web_meeting": 10,
        "proposal": 6,
        "demo": 3,
        "internal": 15,
        "other": 3,
    },
    User.Role.MANAGER: {"internal": 55, "visit": 25, "web_meeting": 10, "call": 10},
}
ROLE_FACTOR: dict[str, float] = {User.Role.REP: 1.0, User.Role.MANAGER: 0.35}
DURATIONS = {
    "visit": (60, 60, 90),
    "web_meeting": (30, 60),
    "call": (15, 15, 30),
    "email": (15,),
    "proposal": (60, 90),
    "demo": (60, 90, 120),
    "internal": (30, 60, 90),
    "other": (60, 120),
}
#: minutes between the end of one activity and the next (travel after face-to-face ones)
GAPS = {"visit": (30, 45, 60), "proposal": (30, 45, 60), "demo": (30, 60)}
QUICK_GAPS = (0, 15, 30)
#: share of done activities that were never planned (logged after the fact)
UNPLANNED = {"call": 0.6, "email": 0.85, "internal": 0.3}
PLAN_LEADS = (1, 1, 2, 2, 3, 3, 5, 7, 10)
KEY_WEIGHT = 5
DAY_START, DAY_END = 9 * 60, 19 * 60
MINUTES = 24 * 60

COLUMNS = (
    "id",
    "owner",
    "type",
    "customer",
    "deal",
    "subject",
    "purpose",
    "notes",
    "next_step",
    "status",
    "starts_at",
    "ends_at",
    "planned_at",
    "original_starts_at",
    "completed_at",
    "cancelled_at",
    "cancel_reason",
    "reviewed_by",
    "reviewed_at",
    "created_at",
    "updated_at",
    "version",
)


@dataclass
class Timeline:
    status: str
    planned: Moment | None = None
    original: Moment | None = None
    moved: Moment | None = None
    completed: Moment | None = None
    cancelled: Moment | None = None


@dataclass
class ActivityResult:
    count: int = 0
    contact_links: int = 0
    #: how many ended up as what: done, moved, unplanned, cancelled, overdue, planned
    kinds: Counter[str] = field(default_factory=Counter)
    reactions: int = 0
    #: per customer id: the latest real contact as (day, minute, activity id, owner id)
    last_contacts: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)


def day_weight(day: int) -> float:
    """Plans thin out the further ahead they are."""
    if day < 0:
        return 1.0
    if day == 0:
        return 0.9
    if day <= 5:
        return 0.75
    if day <= 10:
        return 0.45
    return 0.25


class ActivityMaker:
    def __init__(
        self,
        context: SeedContext,
        organisation: Organisation,
        customers: list[CustomerInfo],
        deals: dict[int, list[DealInfo]],
        comments: CommentMaker,
    ) -> None:
        self.context = context
        self.comments = comments
        self.events: EventLog = comments.events
        self.size = context.size
        self.rng = context.rng("activities")
        self.text = context.text(self.rng)
        self.deals = deals
        self.members = [m for m in organisation.members if m.role in ROLE_FACTOR]
        found = dict(ActivityType.objects.values_list("slug", "id"))
        missing = {slug for weights in TYPE_WEIGHTS.values() for slug in weights} - set(found)
        if missing:
            raise SeedDataMissing(f"activity types missing: {', '.join(sorted(missing))}")
        self.type_ids: dict[str, int] = found
        self.counts_as_contact = set(
            ActivityType.objects.filter(counts_as_contact=True).values_list("slug", flat=True)
        )
        self.type_pools = {
            role: [slug for slug, weight in weights.items() for _ in range(weight)]
            for role, weights in TYPE_WEIGHTS.items()
        }
        self.pools = self._customer_pools(customers)
        # Who likes a rep's results: the teammates and the team's manager.
        self.audience = {
            member.id: [
                other.id
                for other in self.members
                if other.id != member.id and (other.team == member.team or other.id == member.manager_id)
            ]
            for member in self.members
        }
        self.result = ActivityResult()
        # The current day's rows
        self.rows: list[tuple[object, ...]] = []
        self.links: list[tuple[int, int]] = []
        self.reactions: list[tuple[object, ...]] = []

    def _customer_pools(self, customers: list[CustomerInfo]) -> dict[int, list[CustomerInfo]]:
        """Per member, customers to pick from: their own (key ones several times), for managers the key
        customers of their reps (accompanied visits)."""
        pools: dict[int, list[CustomerInfo]] = {m.id: [] for m in self.members}
        reps_of: dict[int, set[int]] = {}
        for member in self.members:
            if member.manager_id is not None:
                reps_of.setdefault(member.manager_id, set()).add(member.id)
        managers = [m for m in self.members if m.role == User.Role.MANAGER]
        head = managers[0].id if managers else None
        for customer in customers:
            if customer.never_contacted:
                continue
            if customer.owner_id in pools:
                pools[customer.owner_id].extend([customer] * (KEY_WEIGHT if customer.is_key else 1))
            if customer.is_key:
                for manager in managers:
                    if manager.id == head or customer.owner_id in reps_of.get(manager.id, ()):
                        pools[manager.id].append(customer)
        return pools

    def run(self) -> ActivityResult:
        size = self.size
        days = range(-size.past_days, size.future_days)
        total = sum(day_weight(day) for day in days) * sum(ROLE_FACTOR[m.role] for m in self.members)
        rate = size.activities / total
        next_id = self.context.next_id[Activity._meta.label]
        for day in days:
            self.rows, self.links, self.reactions = [], [], []
            weight = day_weight(day)
            for member in self.members:
                mean = rate * weight * ROLE_FACTOR[member.role]
                count = int(mean * self.rng.uniform(0.6, 1.4) + self.rng.random())
                cursor = DAY_START + self.rng.choice((0, 0, 15, 30))
                for _ in range(count):
                    cursor = self._activity(next_id, member, day, cursor)
                    next_id += 1
            # Parents before children: activities, then what refers to them.
            self.context.insert(Activity, COLUMNS, self.rows)
            self.context.insert(Activity.contacts.through, ("activity", "contact"), self.links)
            self.context.insert(Reaction, ("activity", "user", "kind", "created_at"), self.reactions)
            self.comments.write()
            self.events.write(before=day - LOOKBACK)
            self.result.count += len(self.rows)
            self.result.contact_links += len(self.links)
            self.result.reactions += len(self.reactions)
        self.comments.write()
        self.events.write()
        self.context.next_id[Activity._meta.label] = next_id
        return self.result

    def _customer(self, member: Member, day: int) -> CustomerInfo | None:
        pool = self.pools[member.id]
        if not pool:
            return None
        for _ in range(4):
            customer = self.rng.choice(pool)
            if customer.since <= day and (customer.quiet is None or day not in customer.quiet):
                return customer
        return None

    def _fate(self, day: int, slug: str) -> str:
        """done | moved | unplanned | cancelled | overdue in the past; planned | moved | cancelled ahead."""
        random_ = self.rng.random
        if day >= 0:
            roll = random_()
            return "cancelled" if roll < 0.02 else "moved" if roll < 0.08 else "planned"
        if random_() < UNPLANNED.get(slug, 0.08):
            return "unplanned"
        roll = random_()
        overdue = 0.05 if day >= -10 else 0.002
        if roll < overdue:
            return "overdue"
        if roll < overdue + 0.06:
            return "cancelled"
        if roll < overdue + 0.18:
            return "moved"
        return "done"

    def _timeline(self, day: int, start: int, end: int, fate: str) -> Timeline:
        """When it was planned, first planned for, completed or cancelled; all before today."""
        rng = self.rng
        if fate == "cancelled":
            status = Activity.Status.CANCELLED
        elif day < 0 and fate in ("done", "moved", "unplanned"):
            status = Activity.Status.DONE
        else:
            status = Activity.Status.PLANNED
        timeline = Timeline(status)
        if status == Activity.Status.DONE:
            timeline.completed = self.context.workdays.later(day, end, rng.choice((10, 15, 30, 60, 120, 240)))
        if fate == "unplanned":
            return timeline
        planned_day = min(day - rng.choice(PLAN_LEADS), -1)
        timeline.original = (day, start)
        if fate == "moved":
            shift = rng.randint(1, 5) if rng.random() < 0.7 else -rng.randint(1, 3)  # postponed, or earlier
            timeline.original = (day - shift, DAY_START + 15 * rng.randrange(36))
            planned_day = min(planned_day, day - shift - 1, day - 1)
            planned = (planned_day, rng.randrange(8 * 60, 20 * 60))
            # Moved some time after it was planned, before either start, and before today.
            moved_day = min(max(planned_day, min(day, day - shift) - 1), -1)
            if moved_day == planned_day:
                timeline.moved = (moved_day, min(planned[1] + rng.randrange(30, 240), MINUTES - 1))
            else:
                timeline.moved = (moved_day, rng.randrange(DAY_START, DAY_END))
            timeline.planned = planned
            return timeline
        if fate == "cancelled":
            if day >= 0:
                cancelled_day, minute = -rng.randint(1, 3), rng.randrange(DAY_START, DAY_END)
            else:
                cancelled_day = day - rng.choice((0, 0, 1, 2, 3))
                minute = (
                    rng.randrange(7 * 60, max(7 * 60 + 1, start))  # the same morning, before it starts
                    if cancelled_day == day
                    else rng.randrange(DAY_START, DAY_END)
                )
            timeline.cancelled = (cancelled_day, minute)
            planned_day = min(planned_day, cancelled_day - 1)
        timeline.planned = (planned_day, rng.randrange(8 * 60, 20 * 60))
        return timeline

    def _partners(
        self, customer: CustomerInfo, day: int
    ) -> tuple[DealInfo | None, str, list[tuple[int, str, str]]]:
        """A deal of the customer alive on ``day`` (often), with its stage then, and the people met."""
        rng = self.rng
        deal, stage = None, ""
        customer_deals = self.deals.get(customer.id)
        if customer_deals and rng.random() < 0.6:
            current = [(d, s) for d in customer_deals if (s := d.stage_on(day)) is not None]
            if current:
                deal, stage = rng.choice(current)
        contacts: list[tuple[int, str, str]] = []
        if customer.contacts:
            roll = rng.random()
            wanted = min(len(customer.contacts), 1 if roll < 0.65 else 2 if roll < 0.77 else 0)
            contacts = rng.sample(customer.contacts, wanted) if wanted else []
        return deal, stage, contacts

    def _review(self, member: Member, day: int, completed: Moment | None) -> Moment | None:
        """Managers review a share of their reps' results, a day or so later (fewer of the last days)."""
        size = self.size
        if (
            completed is None
            or member.role != User.Role.REP
            or member.manager_id is None
            or day < -size.review_days
            or self.rng.random() >= size.review_share * (0.3 if day >= -2 else 1.0)
        ):
            return None
        return self.context.workdays.later(*completed, self.rng.randrange(30, 1500))

    def _activity(self, activity_id: int, member: Member, day: int, cursor: int) -> int:
        """Make one activity starting at or after ``cursor``; returns where the next one may start."""
        rng = self.rng
        slug = rng.choice(self.type_pools[member.role])
        if day >= 0 and slug == "email":
            slug = "call"  # nobody plans an email weeks ahead
        customer = self._customer(member, day) if slug != "internal" else None
        if customer is None:
            slug = "internal"
        duration = rng.choice(DURATIONS[slug])
        if cursor + duration > DAY_END:  # a full day (only in the large set): double-book
            cursor = DAY_START + 15 * rng.randrange(32)
        start, end = cursor, cursor + duration
        next_cursor = end + rng.choice(GAPS.get(slug, QUICK_GAPS))

        deal, stage, contacts = self._partners(customer, day) if customer else (None, "", [])
        fate = self._fate(day, slug)
        timeline = self._timeline(day, start, end, fate)
        text = self.text.activity(
            type_slug=slug,
            segment_index=customer.segment if customer else rng.randrange(self.size.segments),
            status=timeline.status,
            customer=customer.name if customer else "",
            contact=(contacts[0][1], contacts[0][2]) if contacts else None,
            deal=(deal.title, stage) if deal is not None else None,
        )
        reviewed = self._review(member, day, timeline.completed)
        self._record(activity_id, member, fate, timeline, (day, start), text.cancel_reason, reviewed)
        if (
            reviewed is not None
            and member.manager_id is not None
            and day >= -self.size.comment_days
            and rng.random() < self.size.comment_share
        ):
            self.comments.activity_thread(
                activity_id=activity_id,
                owner=member,
                reviewer_id=member.manager_id,
                reviewed=reviewed,
                segment=customer.segment if customer else 0,
                customer=customer.name if customer else "",
                is_key=customer.is_key if customer else False,
                theme=text.theme,
                title=contacts[0][2] if contacts else "",
            )
        if timeline.completed is not None:
            self._react(activity_id, member, day, timeline.completed)
            if customer is not None and slug in self.counts_as_contact:
                # The customer's latest real contact, ordered like the activity services order it.
                contact = (day, start, activity_id, member.id)
                last = self.result.last_contacts.get(customer.id)
                if last is None or contact[:3] > last[:3]:
                    self.result.last_contacts[customer.id] = contact

        planned, completed, cancelled = timeline.planned, timeline.completed, timeline.cancelled
        created = planned or completed
        assert created is not None  # every activity was either planned or logged
        last_change = max(m for m in (planned, completed, cancelled, reviewed) if m is not None)
        version = 1 + (fate == "moved") + (planned is not None and timeline.status != "planned")
        at = self.context.workdays.at
        self.rows.append(
            (
                activity_id,
                member.id,
                self.type_ids[slug],
                customer.id if customer else None,
                deal.id if deal is not None else None,
                text.subject,
                text.purpose,
                text.notes,
                text.next_step,
                timeline.status,
                at(day, start),
                at(day, end),
                at(*planned) if planned else None,
                at(*timeline.original) if timeline.original else None,
                at(*completed) if completed else None,
                at(*cancelled) if cancelled else None,
                text.cancel_reason,
                member.manager_id if reviewed else None,
                at(*reviewed) if reviewed else None,
                at(*created),
                at(*last_change),
                version + (reviewed is not None),
            )
        )
        self.links.extend((activity_id, contact[0]) for contact in contacts)
        self.result.kinds[fate if day < 0 else "cancelled" if fate == "cancelled" else "planned"] += 1
        return next_cursor

    def _record(
        self,
        activity_id: int,
        member: Member,
        fate: str,
        timeline: Timeline,
        start: Moment,
        cancel_reason: str,
        reviewed: Moment | None,
    ) -> None:
        """The activity's steps as the services record them, for the feed."""
        add = self.events.add
        if timeline.planned is not None:
            add(timeline.planned, activity_id, "planned", member.id)
        if timeline.moved is not None and timeline.original is not None:
            add(
                timeline.moved,
                activity_id,
                "moved",
                member.id,
                data=moved_data(timeline.original, start, self.context),
            )
        if timeline.completed is not None:
            add(timeline.completed, activity_id, "logged" if fate == "unplanned" else "completed", member.id)
        if timeline.cancelled is not None:
            add(timeline.cancelled, activity_id, "cancelled", member.id, data=cancelled_data(cancel_reason))
        if reviewed is not None:
            add(reviewed, activity_id, "reviewed", member.manager_id)

    def _react(self, activity_id: int, member: Member, day: int, completed: Moment) -> None:
        """A like or two from the team on some recent results."""
        rng = self.rng
        audience = self.audience[member.id]
        if not audience or day < -self.size.review_days or rng.random() >= self.size.reaction_share:
            return
        for user_id in rng.sample(audience, min(len(audience), 1 if rng.random() < 0.6 else 2)):
            moment = self.context.workdays.later(*completed, rng.randrange(30, 2000))
            self.reactions.append((activity_id, user_id, "like", self.context.workdays.at(*moment)))


def make_activities(
    context: SeedContext,
    organisation: Organisation,
    customers: list[CustomerInfo],
    deals: dict[int, list[DealInfo]],
    comments: CommentMaker,
) -> ActivityResult:
    """Activities with their contacts, reviews, likes, comment threads (through ``comments``) and
    feed events; returns what was made."""
    return ActivityMaker(context, organisation, customers, deals, comments).run()
