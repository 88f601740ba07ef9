"""The strategy admin saves and deletes through the services (audited, validated)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import SegmentFactory
from totonou.core.models import AuditEntry
from totonou.strategy.models import Strategy

pytestmark = pytest.mark.django_db


def form(segment, **changes):
    return {
        "name": "スーパーのバイヤー",
        "hypothesis": "バイヤーに会う",
        "starts_on": "2026-04-01",
        "ends_on": "2026-06-30",
        "team": "",
        "segments": [segment.pk],
        "title_keywords": '["バイヤー"]',
        "target_share": "40",
        **changes,
    }


def test_add_change_and_delete_through_the_services(admin_user):
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(admin_user)
    segment = SegmentFactory()
    assert client.get("/admin/strategy/strategy/add/").status_code == 200
    response = client.post("/admin/strategy/strategy/add/", form(segment))
    assert response.status_code == 302, response.content.decode()[:2000]
    strategy = Strategy.objects.get()
    assert (strategy.created_by, strategy.title_keywords) == (admin_user, ["バイヤー"])
    response = client.post(
        f"/admin/strategy/strategy/{strategy.pk}/change/", form(segment, ends_on="2026-03-01")
    )
    assert response.status_code == 200  # shown again with the service's message
    assert "The end must not be before the start." in response.content.decode()
    client.post(f"/admin/strategy/strategy/{strategy.pk}/change/", form(segment, target_share="60"))
    strategy.refresh_from_db()
    assert (strategy.target_share, strategy.version) == (60, 2)
    client.post(f"/admin/strategy/strategy/{strategy.pk}/delete/", {"post": "yes"})
    assert not Strategy.objects.exists()
    actions = (
        AuditEntry.objects.filter(content_type__model="strategy")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert list(actions) == ["create", "update", "delete"]
