"""factory_boy factories for the domain models. They build rows directly (fixtures, not behaviour);
tests of behaviour go through the services."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from totonou.activities.models import Activity, ActivityType
from totonou.customers.models import Contact, Customer, Segment
from totonou.deals.models import Deal, Stage, StageChange
from totonou.users.models import Team, User


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    role = User.Role.REP
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


def make_team(name: str = "Team A") -> tuple[Team, User, list[User]]:
    """A team with a manager and two reps, the shape most permission tests need."""
    team = TeamFactory(name=name)
    manager = UserFactory(username=f"mgr_{team.pk}", role=User.Role.MANAGER, team=team)
    team.managers.add(manager)
    reps = [UserFactory(username=f"rep_{team.pk}_{i}", team=team) for i in (1, 2)]
    return team, manager, reps


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Segment {n}")
    cadence_days = 30
    key_cadence_days = 14


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"株式会社テスト{n}")
    name_kana = factory.Sequence(lambda n: f"テスト{n}")
    segment = factory.SubFactory(SegmentFactory)
    owner = factory.SubFactory(UserFactory)

    @factory.post_generation
    def indexed(customer: Customer, create: bool, extracted: Any, **kwargs: Any) -> None:
        """In the search index, as the services put every customer in use (the list's name search reads
        it, ADR 0012); an archived one is not."""
        if create and customer.archived_at is None:
            from totonou.customers.search_documents import customer_index

            customer_index(customer)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"担当 {n}")
    title = "バイヤー"


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    owner = factory.SelfAttribute("customer.owner")
    title = factory.Sequence(lambda n: f"Deal {n}")
    amount = 1_000_000
    stage = factory.LazyFunction(lambda: Stage.objects.get(slug="lead"))
    stage_entered_at = factory.LazyFunction(timezone.now)
    # A deal in a won or lost stage has a close, as the services write it (ADR 0043: the open deals are the
    # deals without one).
    closed_at = factory.LazyAttribute(lambda deal: timezone.now() if deal.stage.kind != "open" else None)

    @factory.post_generation
    def closing_change(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """A deal made closed (a won or lost stage with ``closed_at``) gets its closing stage change at that
        time, as the services write them together: the stage history is the analytics' only source, and
        a closed deal without it counts nowhere (``deals.history``). ``closing_change=False`` leaves it
        out, for a row written around the services."""
        if create and extracted is not False and self.closed_at is not None and self.stage.kind != "open":
            StageChange.objects.create(deal=self, to_stage=self.stage, changed_at=self.closed_at)


def activity_type(slug: str = "visit") -> ActivityType:
    return ActivityType.objects.get(slug=slug)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    owner = factory.SubFactory(UserFactory)
    type = factory.LazyFunction(activity_type)
    customer = factory.SubFactory(CustomerFactory, owner=factory.SelfAttribute("..owner"))
    # The database sets it from the customer (ADR 0011); the same here, so the instance agrees.
    is_key_customer = factory.LazyAttribute(lambda o: o.customer is not None and o.customer.is_key)
    subject = factory.Sequence(lambda n: f"Activity {n}")
    status = Activity.Status.PLANNED
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=1))
    planned_at = factory.LazyFunction(timezone.now)
    original_starts_at = factory.SelfAttribute("starts_at")
