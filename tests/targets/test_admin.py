"""The target admin saves and deletes through the services (audited, validated)."""

from __future__ import annotations

from django.test import Client

from totonou.core.models import AuditEntry
from totonou.targets.models import Target


def test_add_change_and_delete_through_the_services(admin_user, team_a):
    _team, _manager, (rep, _other) = team_a
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(admin_user)
    assert client.get("/admin/targets/target/add/").status_code == 200
    data = {"user": rep.pk, "team": "", "metric": "revenue", "period": "2026-Q5", "value": "100"}
    response = client.post("/admin/targets/target/add/", data)
    assert response.status_code == 200 and not Target.objects.exists()
    response = client.post("/admin/targets/target/add/", {**data, "period": "2026-Q1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    target = Target.objects.get()
    assert (target.user, target.period, target.value, target.created_by) == (rep, "2026-Q1", 100, admin_user)
    client.post(f"/admin/targets/target/{target.pk}/change/", {"value": "250"})
    target.refresh_from_db()
    assert (target.value, target.version, target.period) == (250, 2, "2026-Q1")
    client.post(f"/admin/targets/target/{target.pk}/delete/", {"post": "yes"})
    assert not Target.objects.exists()
    actions = (
        AuditEntry.objects.filter(content_type__model="target")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert list(actions) == ["create", "update", "delete"]
