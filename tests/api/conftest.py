"""Fixtures for the REST API tests: a JSON client per user, the people of the permission matrix, and a
snapshot of row counts to prove that a refused request wrote nothing."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from totonou.activities.models import Activity
from totonou.core.models import AuditEntry
from totonou.customers.models import Contact, Customer, Segment
from totonou.deals.models import Deal, StageChange
from totonou.users.models import User

API = "/api/v1"


class JsonClient:
    """A test client speaking JSON to the API as one user (bearer token), in English."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, path: str, params: dict[str, Any] | None = None) -> HttpResponse:
        return self.client.get(API + path, params or {})

    def post(self, path: str, data: Any = None) -> HttpResponse:
        body = "" if data is None else json.dumps(data)
        return self.client.post(API + path, body, content_type="application/json")

    def patch(self, path: str, data: Any) -> HttpResponse:
        return self.client.patch(API + path, json.dumps(data), content_type="application/json")

    def delete(self, path: str) -> HttpResponse:
        return self.client.delete(API + path)

    def request(self, method: str, path: str, data: Any = None) -> HttpResponse:
        if method == "get":
            return self.get(path)
        if method == "delete":
            return self.delete(path)
        return getattr(self, method)(path, data if data is not None else {})


@pytest.fixture
def api(token_for):
    """``api(user)``: a JsonClient authenticated with a fresh bearer token for ``user``."""

    def make(user: User) -> JsonClient:
        headers = {"Authorization": f"Bearer {token_for(user)}", "Accept-Language": "en"}
        return JsonClient(Client(headers=headers))

    return make


@pytest.fixture
def anonymous() -> JsonClient:
    return JsonClient(Client(headers={"Accept-Language": "en"}))


@dataclass
class People:
    """The permission matrix: ``owner`` owns the record; ``other_rep`` is a rep of the same team;
    ``manager`` manages the owner's team; ``other_manager`` manages another team."""

    owner: User
    other_rep: User
    manager: User
    other_manager: User
    admin: User
    rep_b: User

    def get(self, role: str) -> User:
        return getattr(self, role)


@pytest.fixture
def people(team_a, team_b, admin_user) -> People:
    _, manager_a, (rep_a1, rep_a2) = team_a
    _, manager_b, (rep_b1, _rep_b2) = team_b
    return People(
        owner=rep_a1,
        other_rep=rep_a2,
        manager=manager_a,
        other_manager=manager_b,
        admin=admin_user,
        rep_b=rep_b1,
    )


# Who may change a record owned by ``people.owner``: the owner, their manager and admins.
MATRIX = [
    ("owner", True),
    ("other_rep", False),
    ("manager", True),
    ("other_manager", False),
    ("admin", True),
]


def counts() -> dict[str, int]:
    """Rows per table that the API writes, to compare before and after a refused request."""
    return {
        model.__name__: model._default_manager.count()
        for model in (Segment, Customer, Contact, Deal, StageChange, Activity, AuditEntry)
    }


def iso(value: datetime.datetime) -> str:
    return value.isoformat()


def soon(days: int = 1, hour: int = 10) -> datetime.datetime:
    """A whole hour ``days`` from today, aware, in the current time zone."""
    base = timezone.localtime() + datetime.timedelta(days=days)
    return base.replace(hour=hour, minute=0, second=0, microsecond=0)


def detail(response: HttpResponse) -> Any:
    return response.json()["detail"]
