"""``totonou seed``: sizes, realism rules, determinism and the guards around existing data."""

from __future__ import annotations

import datetime
import itertools
import re
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q
from django.http import HttpRequest
from django.utils import timezone

from tests.factories import UserFactory
from totonou.activities.models import Activity, ActivityEvent, ActivityType, Comment, Mention, Reaction
from totonou.activities.services.contact import customers_refresh_last_contact
from totonou.customers.models import Contact, Customer, Segment
from totonou.deals.models import Deal, Stage, StageChange
from totonou.strategy.models import Strategy
from totonou.targets.models import Target
from totonou.users.models import Team, User
from totonou.users.services import team_create

pytestmark = pytest.mark.django_db

DEMO_USERS = {"admin", "manager", "rep1", "rep2", "rep3", "rep4", "rep5", "rep6"}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[object]]:
    """What must not change between two runs with the same seed (ids aside)."""
    midnight = datetime.datetime.combine(
        timezone.localdate(), datetime.time(), tzinfo=timezone.get_current_timezone()
    )
    activities = Activity.objects.order_by("id").values_list(
        "subject", "notes", "next_step", "status", "starts_at", "owner__username", "customer__name"
    )
    return {
        "customers": list(Customer.objects.order_by("id").values_list("name", "name_kana", "is_key")),
        "contacts": list(Contact.objects.order_by("id").values_list("name", "title")),
        "deals": list(Deal.objects.order_by("id").values_list("title", "amount", "stage__slug")),
        "activities": [(*row[:4], row[4] - midnight, *row[5:]) for row in activities],
        "comments": list(Comment.objects.order_by("id").values_list("body", flat=True)),
    }


def check_rules() -> None:
    """Every generated row follows the rules the product relies on."""
    now = timezone.now()
    activities = Activity.objects.all()
    assert not activities.filter(deal__isnull=False).exclude(deal__customer_id=F("customer_id")).exists()
    links = Activity.contacts.through.objects
    assert not links.exclude(contact__customer_id=F("activity__customer_id")).exists()
    internal = activities.filter(type__slug="internal")
    assert internal.exists()
    assert not internal.filter(Q(customer__isnull=False) | Q(contacts__isnull=False)).exists()
    assert not activities.filter(type__is_customer_facing=True, customer__isnull=True).exists()
    assert not activities.filter(ends_at__lt=F("starts_at")).exists()
    assert not activities.filter(status="done", completed_at__isnull=True).exists()
    assert not activities.filter(status="done", completed_at__gt=now).exists()
    assert (
        not activities.filter(status="cancelled")
        .filter(Q(cancel_reason="") | Q(cancelled_at__gt=now))
        .exists()
    )
    assert not activities.filter(status="planned").exclude(completed_at=None, cancelled_at=None).exists()
    assert not activities.filter(planned_at__gt=now).exists()
    assert not activities.filter(planned_at__isnull=False, original_starts_at__isnull=True).exists()
    assert not activities.filter(planned_at__gt=F("original_starts_at")).exists()
    assert not activities.filter(reviewed_at__lt=F("completed_at")).exists()
    assert not activities.filter(reviewed_at__gt=now).exists()
    assert not activities.filter(updated_at__lt=F("created_at")).exists()
    # Logged after the fact, moved and cancelled ones all exist.
    assert activities.filter(status="done", planned_at__isnull=True).exists()
    moved = activities.filter(original_starts_at__isnull=False).exclude(original_starts_at=F("starts_at"))
    assert moved.filter(status="done").exists()
    assert moved.filter(status="planned").exists()
    assert activities.filter(reviewed_by__isnull=False).exists()
    # Plans lie ahead, except a few overdue ones.
    planned = activities.filter(status="planned")
    overdue = planned.filter(starts_at__lt=now - datetime.timedelta(days=1)).count()
    assert 0 < overdue < 0.15 * planned.count()
    # Weekdays, working hours (local time).
    for starts_at in activities.values_list("starts_at", flat=True):
        local = timezone.localtime(starts_at)
        assert local.weekday() < 5
        assert 9 <= local.hour < 19
    # Stage histories end in the deal's stage; closed deals are closed, lost ones with a reason.
    changes: dict[int, list[StageChange]] = {}
    for change in StageChange.objects.order_by("deal_id", "changed_at", "id"):
        changes.setdefault(change.deal_id, []).append(change)
    for deal in Deal.objects.select_related("stage"):
        history = changes[deal.pk]
        assert history[0].from_stage_id is None
        assert all(a.to_stage_id == b.from_stage_id for a, b in itertools.pairwise(history))
        assert all(a.changed_at < b.changed_at for a, b in itertools.pairwise(history))
        assert history[-1].to_stage_id == deal.stage_id
        assert history[-1].changed_at == deal.stage_entered_at
        assert deal.created_at == history[0].changed_at
        assert (deal.closed_at is not None) == (deal.stage.kind != "open")
        assert (deal.loss_reason_id is not None) == (deal.stage.kind == "lost")
    # Activities refer to a deal only while it is alive.
    assert not activities.filter(
        deal__isnull=False, starts_at__lt=F("deal__created_at") - datetime.timedelta(days=1)
    ).exists()
    # @mentions in the body are the mentions rows; older ones read, recent ones not yet.
    for comment in Comment.objects.prefetch_related("mentions"):
        assert set(re.findall(r"@(\w+)", comment.body)) == {user.username for user in comment.mentions.all()}
    assert not Mention.objects.filter(read_at__lt=F("comment__created_at")).exists()
    assert Mention.objects.filter(read_at__isnull=True).exists()
    assert Mention.objects.filter(read_at__isnull=False).exists()
    check_feed()
    # The denormalised last contact is what the activity services would compute.
    before = list(Customer.objects.order_by("pk").values_list("last_contact_at", "last_contact_by"))
    assert any(at is not None for at, _ in before)
    customers_refresh_last_contact()
    assert list(Customer.objects.order_by("pk").values_list("last_contact_at", "last_contact_by")) == before
    # Likes: by teammates or the manager, never by the owner, after the result.
    reactions = Reaction.objects.all()
    assert reactions.exists()
    assert not reactions.filter(user=F("activity__owner")).exists()
    assert not reactions.filter(created_at__lt=F("activity__completed_at")).exists()


def check_feed() -> None:
    """Every step of every activity has its feed event, and event ids follow the clock."""
    kinds: dict[int, set[str]] = {}
    previous = None
    for activity_id, kind, created_at in ActivityEvent.objects.order_by("id").values_list(
        "activity_id", "kind", "created_at"
    ):
        kinds.setdefault(activity_id, set()).add(kind)
        assert previous is None or created_at >= previous
        previous = created_at
    assert previous is not None and previous < timezone.now()
    for activity in Activity.objects.only(
        "status", "planned_at", "original_starts_at", "starts_at", "reviewed_at"
    ):
        events = kinds[activity.pk]
        assert ("planned" in events) == (activity.planned_at is not None)
        assert ("logged" in events) == (activity.status == "done" and activity.planned_at is None)
        assert ("completed" in events) == (activity.status == "done" and activity.planned_at is not None)
        assert ("cancelled" in events) == (activity.status == "cancelled")
        assert ("moved" in events) == activity.is_moved
        assert ("reviewed" in events) == (activity.reviewed_at is not None)
    commented = ActivityEvent.objects.filter(kind="commented")
    assert commented.count() == Comment.objects.filter(activity__isnull=False).count()
    assert not commented.exclude(activity_id=F("comment__activity_id")).exists()
    assert not commented.exclude(actor_id=F("comment__author_id")).exists()
    moved = ActivityEvent.objects.filter(kind="moved").select_related("activity").first()
    assert moved is not None
    assert moved.data["to"] == moved.activity.starts_at.astimezone(datetime.UTC).isoformat()


def test_demo_counts_and_logins():
    output = seed()
    assert "manager" in output and "rep1" in output and "demo" in output
    assert set(User.objects.values_list("username", flat=True)) == DEMO_USERS
    for username in DEMO_USERS:
        assert authenticate(HttpRequest(), username=username, password="demo") is not None
    users = User.objects.all()
    assert Counter(users.values_list("role", flat=True)) == {"rep": 6, "manager": 1, "admin": 1}
    assert users.get(username="admin").is_superuser
    assert len(set(users.values_list("calendar_color", flat=True))) == 8
    assert set(users.values_list("language", flat=True)) == {"ja"}
    assert Team.objects.count() == 2
    manager = users.get(username="manager")
    assert manager.managed_teams.count() == 2
    assert set(
        Team.objects.annotate(n=Count("members", filter=Q(members__role="rep"))).values_list("n", flat=True)
    ) == {3}
    segments = Segment.objects.all()
    assert set(segments.values_list("name", flat=True)) == {
        "食品スーパー",
        "ドラッグストア",
        "食品メーカー",
        "物流",
        "外食チェーン",
        "官公庁",
    }
    assert len(set(segments.values_list("cadence_days", flat=True))) > 1
    assert not segments.filter(key_cadence_days__gte=F("cadence_days")).exists()
    customers = Customer.objects.all()
    assert 250 <= customers.count() <= 350
    assert 0.08 <= customers.filter(is_key=True).count() / customers.count() <= 0.12
    assert not customers.filter(name_kana="").exists()
    assert all(
        re.fullmatch(r"[\u30a0-\u30ff ]+", kana) for kana in customers.values_list("name_kana", flat=True)
    )
    assert 750 <= Contact.objects.count() <= 1100
    assert not customers.filter(contacts__isnull=True).exists()
    assert 120 <= Deal.objects.count() <= 180
    assert set(Deal.objects.values_list("stage__slug", flat=True)) == set(
        Stage.objects.values_list("slug", flat=True)
    )
    activities = Activity.objects.all()
    assert 3500 <= activities.count() <= 4500
    assert set(activities.values_list("type__slug", flat=True)) == set(
        ActivityType.objects.values_list("slug", flat=True)
    )
    today = timezone.localdate()
    first, last = (
        timezone.localtime(moment).date()
        for moment in (activities.earliest("starts_at").starts_at, activities.latest("starts_at").starts_at)
    )
    # 82 working days back and 15 ahead: about 120 and 21 calendar days, more around long holidays.
    assert today - datetime.timedelta(days=135) <= first <= today - datetime.timedelta(days=112)
    assert today + datetime.timedelta(days=14) <= last <= today + datetime.timedelta(days=31)
    assert activities.filter(status="planned", starts_at__gte=timezone.now()).count() > 150
    # A result happened: none ends in the future (the rule of activity_create, ``ensure_not_future_result``).
    assert activities.filter(status="done").count() > 2000
    assert not activities.filter(status="done", ends_at__gt=timezone.now()).exists()
    # Key customers are visited more often; a few customers were never contacted.
    done = Count("activities", filter=Q(activities__status="done"))
    per_key = customers.filter(is_key=True).annotate(n=done).values_list("n", flat=True)
    per_other = customers.filter(is_key=False).annotate(n=done).values_list("n", flat=True)
    assert sum(per_key) / len(per_key) > 3 * sum(per_other) / len(per_other)
    assert customers.filter(activities__isnull=True).exists()
    # Timestamps are realistic, not the moment of seeding.
    assert customers.earliest("created_at").created_at < timezone.now() - datetime.timedelta(days=150)
    assert Comment.objects.filter(author=manager).count() >= 40
    assert Comment.objects.exclude(author=manager).exists()
    assert activities.filter(reviewed_by=manager).count() > 100
    strategies = Strategy.objects.all()
    assert strategies.count() == 3
    # Targets: each of the 6 reps, 5 metrics, 12 months of the fiscal year in progress.
    assert Target.objects.count() == 6 * 5 * 12
    assert Target.objects.filter(team__isnull=False).count() == 0
    assert not strategies.filter(starts_on__gt=today).exists()
    assert strategies.filter(ends_on__gte=today).count() == 2
    check_rules()


def test_same_seed_same_data_other_seed_other_data():
    seed("--seed", "42")
    first = snapshot()
    seed("--flush", "--seed", "42")
    assert snapshot() == first
    seed("--flush", "--seed", "7")
    other = snapshot()
    assert other["customers"] != first["customers"]
    assert other["activities"] != first["activities"]


def test_content_does_not_depend_on_the_date(monkeypatch):
    """Only the calendar moves with today: names, texts and statuses stay the same."""
    seed()
    first = snapshot()
    real_localdate = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda *args: real_localdate() - datetime.timedelta(days=45))
    seed("--flush")
    second = snapshot()
    for key in ("customers", "contacts", "deals", "comments"):
        assert second[key] == first[key]
    strip = [(row[0], row[1], row[3]) for row in first["activities"]]
    assert [(row[0], row[1], row[3]) for row in second["activities"]] == strip


def test_existing_data_is_left_alone():
    user = UserFactory(username="someone")
    output = seed("--if-empty")
    assert "nothing seeded" in output
    assert list(User.objects.all()) == [user]
    assert not Customer.objects.exists()
    with pytest.raises(CommandError, match="already has data"):
        seed()
    assert list(User.objects.all()) == [user]


def test_flush_replaces_data_and_keeps_reference_data():
    def rows() -> dict[str, set[object]]:
        return {
            model._meta.label: set(model._default_manager.values_list("pk", flat=True))
            for model in apps.get_models()
            if model._default_manager.exists()
        }

    seeded_by_migrations = rows()
    assert {"deals.Stage", "activities.ActivityType"} <= set(seeded_by_migrations)
    UserFactory(username="someone")
    seed("--flush")
    assert set(User.objects.values_list("username", flat=True)) == DEMO_USERS
    after = rows()
    for label, keys in seeded_by_migrations.items():
        assert after[label] == keys, f"--flush changed {label}"
    # New rows get fresh primary keys after the explicit ones.
    team = team_create(actor=None, name="Team after seeding")
    assert team.pk > max(Team.objects.exclude(pk=team.pk).values_list("pk", flat=True))


def test_english_locale():
    seed("--locale", "en")
    assert set(Segment.objects.values_list("name", flat=True)) == {
        "Supermarkets",
        "Drugstores",
        "Food manufacturers",
        "Logistics",
        "Restaurant chains",
        "Public sector",
    }
    assert set(User.objects.values_list("language", flat=True)) == {"en"}
    assert set(Team.objects.values_list("name", flat=True)) == {"East Japan Sales", "West Japan Sales"}
    assert not Customer.objects.exclude(name_kana="").exists()
    texts = Activity.objects.values_list("subject", "notes")
    assert not any(JAPANESE.search(subject + notes) for subject, notes in texts)
    check_rules()


def schema() -> dict[str, set[str]]:
    tables = [Activity._meta.db_table, Activity.contacts.through._meta.db_table, Customer._meta.db_table]
    with connection.cursor() as cursor:
        return {table: set(connection.introspection.get_constraints(cursor, table)) for table in tables}


def test_tiny_size_runs_the_large_code_path():
    before = schema()
    output = seed("--size", "tiny", "--seed", "3")
    assert "build indexes" in output and "analyze" in output
    assert schema() == before  # the indexes and foreign keys dropped for the load are back
    assert User.objects.count() == 10
    assert Team.objects.count() == 3
    assert Segment.objects.count() == 12
    assert Customer.objects.count() == 120
    assert 300 <= Activity.objects.count() <= 500
    notes = [notes for notes in Activity.objects.exclude(notes="").values_list("notes", flat=True)]
    japanese = sum(bool(JAPANESE.search(text)) for text in notes)
    assert 0.6 * len(notes) < japanese < len(notes)  # mostly Japanese, some English
    check_rules()


def test_seeded_customers_carry_their_duplicate_keys():
    """The seed writer inserts rows without Customer.save(): it fills the duplicate keys itself."""
    from totonou.customers.models import phone_key
    from totonou.search.text import company_key

    seed("--size", "tiny", "--seed", "7")
    rows = list(Customer.objects.values_list("name", "name_key", "phone", "phone_key")[:50])
    assert rows
    for name, name_key, phone, key in rows:
        assert (name_key, key) == (company_key(name), phone_key(phone))
