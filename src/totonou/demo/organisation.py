"""Seeded users, teams, segments, customers and contacts."""

from __future__ import annotations

import datetime
import functools
import math
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password

from totonou.customers.models import Contact, Customer, Segment, phone_key
from totonou.demo.context import Person, SeedContext, calendar_colors, phone_number
from totonou.search.text import company_key
from totonou.users.models import Team, User

DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo login, seeded data only

#: Relative share of customers per segment (by vocabulary key).
SEGMENT_WEIGHTS = {
    "supermarket": 24,
    "drugstore": 17,
    "food_maker": 12,
    "logistics": 8,
    "restaurant": 12,
    "public": 6,
    "convenience": 6,
    "home_center": 5,
    "coop": 4,
    "department_store": 3,
    "wholesale": 6,
    "ecommerce": 3,
}


def demo_password_hash() -> str:
    """One hash for every demo user: hashing costs ~0.5 s each and they share the password anyway."""
    return _password_hash(tuple(settings.PASSWORD_HASHERS))


@functools.cache
def _password_hash(hashers: tuple[str, ...]) -> str:
    return make_password(DEMO_PASSWORD)


@dataclass
class Member:
    id: int
    username: str
    role: str
    team: int | None
    #: who reviews and comments on this member's activities
    manager_id: int | None = None


@dataclass
class Organisation:
    members: list[Member]
    team_ids: list[int]

    @property
    def reps(self) -> list[Member]:
        return [member for member in self.members if member.role == User.Role.REP]

    @property
    def managers(self) -> list[Member]:
        return [member for member in self.members if member.role == User.Role.MANAGER]

    def by_id(self) -> dict[int, Member]:
        return {member.id: member for member in self.members}


@dataclass
class CustomerInfo:
    id: int
    name: str
    owner_id: int
    segment: int
    is_key: bool
    #: first working day with activities (customers are created over time)
    since: int
    #: working days without activities (a customer going cold, or one that stopped buying)
    quiet: range | None
    never_contacted: bool
    #: (id, name as addressed, title)
    contacts: list[tuple[int, str, str]] = field(default_factory=list)


def make_organisation(context: SeedContext) -> Organisation:
    """Teams, an admin, managers (``manager`` manages every team) and reps ``rep1``…``repN``."""
    size, vocabulary, workdays = context.size, context.vocabulary, context.workdays
    rng = context.rng("users")
    team_ids = list(context.ids(Team, size.teams))
    created = workdays.at(-size.past_days - 200, 9 * 60)
    context.insert(
        Team,
        ("id", "name", "created_at", "updated_at"),
        [(team_id, vocabulary.team_names[i], created, created) for i, team_id in enumerate(team_ids)],
    )
    members: list[Member] = []
    user_ids = iter(context.ids(User, 1 + size.managers + size.reps))
    members.append(Member(next(user_ids), "admin", User.Role.ADMIN, None))
    for index in range(size.managers):
        username = "manager" if index == 0 else f"manager{index + 1}"
        members.append(Member(next(user_ids), username, User.Role.MANAGER, index % size.teams))
    managers = members[1:]
    head = managers[0].id if managers else None
    # A team's own manager reviews its reps; the head manager covers teams without one.
    team_manager = {
        team: next((m.id for m in managers[1:] if m.team == team), head) for team in range(size.teams)
    }
    for index in range(size.reps):
        team = index * size.teams // size.reps
        members.append(Member(next(user_ids), f"rep{index + 1}", User.Role.REP, team, team_manager[team]))
    people = _distinct_people(rng, context.people.persons, len(members))
    colors = calendar_colors(len(members))
    password = demo_password_hash()
    rows = []
    for member, person, color in zip(members, people, colors, strict=True):
        is_admin = member.role == User.Role.ADMIN
        rows.append(
            (
                member.id,
                password,
                is_admin,
                member.username,
                person.first_name,
                person.last_name,
                f"{member.username}@example.com",
                is_admin,
                True,
                created,
                person.name,
                member.role,
                team_ids[member.team] if member.team is not None else None,
                context.language,
                context.time_zone,
                color,
            )
        )
    context.insert(
        User,
        (
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "display_name",
            "role",
            "team",
            "language",
            "time_zone",
            "calendar_color",
        ),
        rows,
    )
    managed: list[tuple[int, int]] = []
    for team, team_id in enumerate(team_ids):
        team_managers = {m.id for m in managers if m.team == team}
        if head is not None:
            team_managers.add(head)
        managed.extend((team_id, manager_id) for manager_id in sorted(team_managers))
    context.insert(Team.managers.through, ("team", "user"), managed)
    return Organisation(members=members, team_ids=team_ids)


def _distinct_people(rng: random.Random, persons: list[Person], count: int) -> list[Person]:
    """``count`` people, with different family names as far as the pool allows (one 佐藤 per company)."""
    distinct: list[Person] = []
    others: list[Person] = []
    names: set[str] = set()
    for person in persons:
        (others if person.last_name in names else distinct).append(person)
        names.add(person.last_name)
    chosen = rng.sample(distinct, min(count, len(distinct)))
    return chosen + rng.sample(others, count - len(chosen))


def make_segments(context: SeedContext) -> list[int]:
    created = context.workdays.at(-context.size.past_days - 200, 10 * 60)
    words = context.vocabulary.segments[: context.size.segments]
    ids = list(context.ids(Segment, len(words)))
    context.insert(
        Segment,
        ("id", "name", "color", "cadence_days", "key_cadence_days", "sort_order", "created_at", "updated_at"),
        [
            (segment_id, w.name, w.color, w.cadence_days, w.key_cadence_days, (i + 1) * 10, created, created)
            for i, (segment_id, w) in enumerate(zip(ids, words, strict=True))
        ],
    )
    return ids


def make_strategies(context: SeedContext, organisation: Organisation, segment_ids: list[int]) -> int:
    """The manager's strategy hypotheses for this quarter (one per team) and the last one, through the
    strategy service: a handful of rows, written the way the product writes them."""
    from totonou.strategy.services import strategy_create  # the seed is optional for the strategy app
    from totonou.users.permissions import can_change_team_owned

    managers = organisation.managers
    if not managers:
        return 0
    manager = User.objects.get(pk=managers[0].id)
    admin = User.objects.filter(role=User.Role.ADMIN).order_by("pk").first()
    segments = {words.key: pk for words, pk in zip(context.vocabulary.segments, segment_ids, strict=False)}
    today = context.today
    quarter_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    next_quarter = (quarter_start + datetime.timedelta(days=92)).replace(day=1)
    last_quarter = (quarter_start - datetime.timedelta(days=1)).replace(day=1)
    last_quarter = last_quarter.replace(month=3 * ((last_quarter.month - 1) // 3) + 1)
    teams = {team.pk: team for team in Team.objects.filter(pk__in=organisation.team_ids)}
    periods: list[tuple[datetime.date, datetime.date, int | None]] = [
        (quarter_start, next_quarter - datetime.timedelta(days=1), team_id)
        for team_id in organisation.team_ids
    ]
    periods.append((last_quarter, quarter_start - datetime.timedelta(days=1), None))
    count = 0
    for index, (starts_on, ends_on, team_id) in enumerate(periods):
        name, hypothesis, segment_key, keywords, share = context.vocabulary.strategies[
            index % len(context.vocabulary.strategies)
        ]
        if segment_key not in segments:
            continue
        # The head manager manages every team; a strategy for every team is an admin's where only
        # admins change what every team shares (TOTONOU_MANAGERS_EDIT_REFERENCE_DATA off).
        strategy_create(
            actor=manager if can_change_team_owned(manager, team_id) or admin is None else admin,
            name=name,
            hypothesis=hypothesis,
            starts_on=starts_on,
            ends_on=ends_on,
            target_share=share,
            segments=Segment.objects.filter(pk=segments[segment_key]),
            title_keywords=keywords,
            team=teams.get(team_id) if team_id is not None else None,
        )
        count += 1
    return count


def _company_names(context: SeedContext) -> list[tuple[str, str]]:
    """Distinctive parts of company names: made-up brands and, in Japanese, family names."""
    return list(context.vocabulary.company_cores) + context.people.family_names


def make_customers(
    context: SeedContext, organisation: Organisation, segment_ids: list[int]
) -> list[CustomerInfo]:
    """Customers (about 10 % key), spread over the reps; some new, some going cold, a few never contacted."""
    size, vocabulary, workdays = context.size, context.vocabulary, context.workdays
    rng = context.rng("customers")
    text = context.text(rng)
    segments = vocabulary.segments[: size.segments]
    weights = [SEGMENT_WEIGHTS.get(words.key, 5) for words in segments]
    cores = _company_names(context)
    places = vocabulary.places
    reps = organisation.reps
    key_count = round(size.customers * 0.10)
    key_indexes = set(rng.sample(range(size.customers), key_count))
    owners_key = [rep.id for rep in reps]
    rng.shuffle(owners_key)
    # Place + brand names ("横浜サンライズ…") add variety where plain names would repeat too often.
    combined_share = 0.15 if size.customers <= 1000 else 0.6
    keys_assigned = 0
    seen: set[str] = set()
    customers: list[CustomerInfo] = []
    rows = []
    first_day = -size.past_days
    addresses = context.people.addresses
    for index, customer_id in enumerate(context.ids(Customer, size.customers)):
        is_key = index in key_indexes
        segment = rng.choices(range(len(segments)), weights)[0]
        words = segments[segment]
        for _attempt in range(12):
            pattern, kana_pattern = rng.choice(words.company_patterns)
            if words.uses_place:
                core, kana = rng.choice(places)
            elif rng.random() < combined_share:
                (place, place_kana), (brand, brand_kana) = rng.choice(places), rng.choice(cores)
                core, kana = (place + brand, place_kana + brand_kana) if kana_pattern else (brand, "")
            else:
                core, kana = rng.choice(cores)
            name = pattern.format(core=core)
            if name not in seen:
                break
        seen.add(name)
        name_kana = kana_pattern.format(kana=kana) if kana_pattern else ""
        if is_key:
            owner = owners_key[keys_assigned % len(owners_key)]
            keys_assigned += 1
        else:
            owner = rng.choice(reps).id
        never = not is_key and rng.random() < 0.05
        # Most customers predate the activity window; some arrive during it.
        since = first_day - rng.randrange(1, 200) if rng.random() < 0.9 else rng.randrange(first_day, -10)
        quiet = None
        status = Customer.Status.ACTIVE
        if never:
            status = Customer.Status.PROSPECT
        elif is_key and rng.random() < 0.2:
            # A key customer going cold, half of them with nothing planned either.
            quiet = range(-rng.randrange(8, 20), 0 if rng.random() < 0.5 else size.future_days + 1)
        elif rng.random() < 0.03:
            status = Customer.Status.INACTIVE
            quiet = range(-rng.randrange(60, max(61, size.past_days)), size.future_days + 1)
        elif rng.random() < 0.12:
            quiet = range(-rng.randrange(15, 45), 0)
        cadence = rng.choice((7, 14, 60, 90)) if rng.random() < 0.03 else None
        postal_code, address = rng.choice(addresses)
        created = workdays.at(since, rng.randrange(9 * 60, 18 * 60))
        notes = text.pick(vocabulary.customer_notes, segment)
        phone = phone_number(rng, vocabulary)
        rows.append(
            (
                customer_id,
                name,
                name_kana,
                segment_ids[segment],
                owner,
                is_key,
                cadence,
                status,
                postal_code,
                address,
                phone,
                notes,
                company_key(name),  # the duplicate keys Customer.save() keeps (ADR 0018)
                phone_key(phone),
                created,
                created,
            )
        )
        customers.append(CustomerInfo(customer_id, name, owner, segment, is_key, since, quiet, never))
    context.insert(
        Customer,
        (
            "id",
            "name",
            "name_kana",
            "segment",
            "owner",
            "is_key",
            "cadence_days",
            "status",
            "postal_code",
            "address",
            "phone",
            "notes",
            "name_key",
            "phone_key",
            "created_at",
            "updated_at",
        ),
        rows,
    )
    return customers


def make_contacts(context: SeedContext, customers: list[CustomerInfo]) -> int:
    """Contacts per customer (key customers have more), with titles that fit the segment."""
    size, vocabulary, workdays = context.size, context.vocabulary, context.workdays
    rng = context.rng("contacts")
    persons = context.people.persons
    domain = "example.jp" if context.language == "ja" else "example.com"
    counts = []
    for customer in customers:
        base = size.contacts_per_customer * (1.8 if customer.is_key else 0.91)
        counts.append(max(1, math.floor(rng.uniform(0.4, 1.6) * base + 0.5)))
    ids = iter(context.ids(Contact, sum(counts)))
    rows = []
    for customer, count in zip(customers, counts, strict=True):
        positions = vocabulary.segments[customer.segment].positions
        created = workdays.at(customer.since, rng.randrange(9 * 60, 18 * 60))
        for _ in range(count):
            contact_id = next(ids)
            person = rng.choice(persons)
            department, title, decides = rng.choice(positions)
            rows.append(
                (
                    contact_id,
                    customer.id,
                    person.name,
                    person.kana,
                    department,
                    title,
                    f"{person.email_local}@c{customer.id}.{domain}",
                    phone_number(rng, vocabulary),
                    decides,
                    created,
                    created,
                )
            )
            customer.contacts.append((contact_id, person.addressed, title))
    return context.insert(
        Contact,
        (
            "id",
            "customer",
            "name",
            "name_kana",
            "department",
            "title",
            "email",
            "phone",
            "is_decision_maker",
            "created_at",
            "updated_at",
        ),
        rows,
    )
