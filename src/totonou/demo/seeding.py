"""``seed()``: every phase in one transaction, timed, with a report for the command to print."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from totonou.activities.models import Activity, ActivityEvent, Comment, Mention, Reaction
from totonou.activities.rebuild import database_analyze, deals_last_activity_rebuild
from totonou.customers.models import Contact, Customer, Segment
from totonou.deals.models import Deal, StageChange
from totonou.demo.activities import make_activities
from totonou.demo.comments import CommentMaker
from totonou.demo.context import SeedContext
from totonou.demo.deals import make_deals
from totonou.demo.events import EventLog
from totonou.demo.organisation import (
    DEMO_PASSWORD,
    make_contacts,
    make_customers,
    make_organisation,
    make_segments,
    make_strategies,
)
from totonou.demo.sizes import SeedSize
from totonou.demo.targets import make_targets
from totonou.demo.writer import BulkWriter, DeferredIndexes, next_ids
from totonou.search.services import documents_rebuild
from totonou.users.models import Team, User

#: The tables seeding loads: primary keys are given where other rows refer to them (the sequences are
#: reset afterwards), and a large load defers these tables' indexes.
SEEDED_MODELS: tuple[type[models.Model], ...] = (
    Team,
    User,
    Segment,
    Customer,
    Contact,
    Deal,
    StageChange,
    Activity,
    Comment,
    Mention,
    Reaction,
    ActivityEvent,
)
#: Any of these holding a row means the database is in use.
DOMAIN_MODELS: tuple[type[models.Model], ...] = (User, Team, Segment, Customer, Deal, Activity)
#: Not tied to the domain by foreign keys, but naming users and records by id: cleared with them.
TRANSIENT_MODELS = ("sessions.Session", "django_tasks_database.DBTaskResult")


@dataclass
class SeedReport:
    size: str
    language: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    activity_kinds: Counter[str] = field(default_factory=Counter)
    timings: list[tuple[str, float]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    password: str = DEMO_PASSWORD

    @property
    def total_seconds(self) -> float:
        return sum(seconds for _, seconds in self.timings)


class Timer:
    def __init__(self, report: SeedReport, progress: Callable[[str], None] | None) -> None:
        self.report = report
        self.progress = progress

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.add(name, time.perf_counter() - started)

    def add(self, name: str, seconds: float) -> None:
        self.report.timings.append((name, seconds))
        if self.progress is not None:
            self.progress(f"  {name:<16} {seconds:8.2f} s")


def has_data(using: str = DEFAULT_DB_ALIAS) -> bool:
    return any(model._default_manager.using(using).exists() for model in DOMAIN_MODELS)


def domain_models() -> set[type[models.Model]]:
    """Users, teams, segments and customers, and every model that refers to one of them, directly or
    through others. What refers to none (stages, activity types, content types: the reference data
    migrations seed) is not domain data."""
    found: set[type[models.Model]] = {User, Team, Segment, Customer}
    candidates = apps.get_models(include_auto_created=True)
    grown = True
    while grown:
        grown = False
        for model in candidates:
            if model not in found and any(
                field.is_relation and field.related_model in found for field in model._meta.concrete_fields
            ):
                found.add(model)
                grown = True
    return found


def flush_domain_data(connection: BaseDatabaseWrapper) -> None:
    """Empty the domain tables, sessions and queued tasks (inside the caller's transaction)."""
    flushed = domain_models()
    for label in TRANSIENT_MODELS:
        try:
            flushed.add(apps.get_model(label))
        except LookupError:
            continue
    existing = set(connection.introspection.table_names(include_views=False))
    tables = sorted(model._meta.db_table for model in flushed if model._meta.db_table in existing)
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=False)
    if connection.vendor == "postgresql":
        # TRUNCATE refuses tables with deferred foreign-key checks pending from earlier writes in the
        # same transaction: run those checks now (Django's constraints are all initially deferred).
        statements = ["SET CONSTRAINTS ALL IMMEDIATE", *statements, "SET CONSTRAINTS ALL DEFERRED"]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def analyze(connection: BaseDatabaseWrapper) -> None:
    """Refresh the planner's statistics after a bulk load."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = [model._meta.db_table for model in SEEDED_MODELS]
            tables.append(Activity.contacts.through._meta.db_table)
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")


def seed(
    *,
    size: SeedSize,
    language: str,
    seed: int,
    flush: bool = False,
    progress: Callable[[str], None] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> SeedReport:
    """Generate and insert a whole data set. The caller checks that the database is empty (or flushes)."""
    connection = connections[using]
    report = SeedReport(size=size.name, language=language, seed=seed)
    timer = Timer(report, progress)
    writer = BulkWriter(connection)
    with transaction.atomic(using=using):
        if flush:
            with timer.phase("flush"):
                flush_domain_data(connection)
        with timer.phase("prepare"):
            context = SeedContext(
                size=size,
                language=language,
                seed=seed,
                today=timezone.localdate(),
                time_zone=settings.TIME_ZONE,
                writer=writer,
                next_id=next_ids(connection, SEEDED_MODELS),
            )
        deferred = DeferredIndexes(connection, SEEDED_MODELS) if size.defer_indexes else None
        if deferred is not None:
            with timer.phase("drop indexes"):
                deferred.drop()
        with timer.phase("users & teams"):
            organisation = make_organisation(context)
            segment_ids = make_segments(context)
        with timer.phase("customers"):
            customers = make_customers(context, organisation, segment_ids)
        with timer.phase("contacts"):
            make_contacts(context, customers)
        with timer.phase("deals"):
            deals = make_deals(context, customers)
        with timer.phase("activities"):
            comments = CommentMaker(context, organisation, EventLog(context))
            activities = make_activities(context, organisation, customers, deals, comments)
        with timer.phase("comments"):
            comments.deal_threads(deals)
            comments.write()
        if deferred is not None:
            with timer.phase("build indexes"):
                deferred.rebuild()
        with timer.phase("last contacts"):
            at = context.workdays.at
            writer.update(
                Customer,
                ("last_contact_at", "last_contact_by"),
                (
                    (customer_id, at(day, minute), owner_id)
                    for customer_id, (day, minute, _id, owner_id) in activities.last_contacts.items()
                ),
            )
        with timer.phase("deal last activities"):
            # As `totonou rebuild` does it (one rule, in chunks), after statistics: without them
            # PostgreSQL walked every activity for each deal (over an hour at the large size).
            database_analyze(using=using)
            deals_last_activity_rebuild(using=using)
        with timer.phase("sequences"):
            writer.reset_sequences(SEEDED_MODELS)
        with timer.phase("strategies"):
            report.counts["strategies"] = make_strategies(context, organisation, segment_ids)
        with timer.phase("targets"):
            report.counts["targets"] = make_targets(context, organisation)
        committing = time.perf_counter()
    timer.add("commit", time.perf_counter() - committing)
    with timer.phase("search index"):
        documents_rebuild(using=using)  # seeded rows bypass the services that feed the index
    if size.analyze:
        with timer.phase("analyze"):
            analyze(connection)
    report.counts.update(writer.counts)
    report.counts["key customers"] = sum(customer.is_key for customer in customers)
    report.activity_kinds = activities.kinds
    report.logins = [(member.username, member.role) for member in organisation.members]
    return report
