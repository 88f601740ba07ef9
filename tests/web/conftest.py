"""Fixtures for the web interface tests: signed-in clients, a small data set, HTML helpers."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import ActivityFactory, CustomerFactory, DealFactory, SegmentFactory
from totonou.activities.models import Activity
from totonou.customers.models import Customer
from totonou.deals.models import Deal
from totonou.users.models import User


@pytest.fixture(autouse=True)
def english_by_default(settings):
    """Pages render in English unless a test switches: assertions on English text stay stable once
    the Japanese catalog exists."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def client_for(db) -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def local_noon(days: int = 0) -> datetime.datetime:
    """Noon of today + ``days`` in the active time zone (the test users' zone, Asia/Tokyo)."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


@dataclass
class World:
    rep: User
    other_rep: User
    manager: User
    key_customer: Customer
    customer: Customer
    deal: Deal
    key_activity: Activity
    plain_activity: Activity


@pytest.fixture
def world(team_a) -> World:
    """Team A's rep with one key and one ordinary customer, a deal, and an activity today at each."""
    _team, manager, (rep, other_rep) = team_a
    segment = SegmentFactory(name="Supermarkets")
    key_customer = CustomerFactory(owner=rep, segment=segment, is_key=True, name="Key Mart")
    customer = CustomerFactory(owner=rep, segment=segment, name="Plain Foods")
    deal = DealFactory(customer=key_customer, owner=rep, title="Spring fair")
    start = local_noon()
    key_activity = ActivityFactory(
        owner=rep, customer=key_customer, deal=deal, subject="Key visit", starts_at=start
    )
    plain_activity = ActivityFactory(
        owner=rep, customer=customer, subject="Plain visit", starts_at=start + datetime.timedelta(hours=2)
    )
    return World(rep, other_rep, manager, key_customer, customer, deal, key_activity, plain_activity)
