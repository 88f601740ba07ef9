"""The set-up endpoints: users and teams (admins); stages, loss reasons, activity types and segments
(admins, and managers while TOTONOU_MANAGERS_EDIT_REFERENCE_DATA is on). The permission matrix, the bad
inputs, and nothing changed on a refusal."""

from __future__ import annotations

import pytest
from django.http import HttpRequest
from django.urls import reverse

from tests.api.conftest import detail
from tests.factories import ActivityFactory, DealFactory, SegmentFactory, UserFactory
from totonou.activities.models import ActivityType
from totonou.core.models import AuditEntry
from totonou.customers.models import Segment
from totonou.deals.models import LossReason, Stage
from totonou.users.models import Team, User

pytestmark = pytest.mark.django_db

ROLES = ["owner", "other_rep", "manager", "other_manager", "admin"]
ADMIN_ONLY = [(role, role == "admin") for role in ROLES]
REFERENCE_ON = [(role, role in {"manager", "other_manager", "admin"}) for role in ROLES]


def snapshot() -> dict[str, object]:
    """Everything these endpoints write, to prove a refused request wrote nothing."""
    return {
        "users": list(
            User.objects.order_by("pk").values_list("pk", "role", "team_id", "is_active", "password")
        ),
        "teams": list(Team.objects.order_by("pk").values_list("pk", "name")),
        "managers": list(Team.managers.through.objects.order_by("pk").values_list("team_id", "user_id")),
        "stages": list(Stage.objects.order_by("pk").values()),
        "reasons": list(LossReason.objects.order_by("pk").values()),
        "types": list(ActivityType.objects.order_by("pk").values()),
        "segments": list(Segment.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
    }


# --- Users ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), ADMIN_ONLY)
def test_create_user_permissions(people, api, role, allowed, client):
    caller = api(people.get(role))
    before = snapshot()
    response = caller.post(
        "/users",
        {"username": "newbie", "role": "rep", "team": people.owner.team_id, "language": "en"},
    )
    if not allowed:
        assert response.status_code == 403
        assert snapshot() == before
        return
    assert response.status_code == 201, response.content
    body = response.json()
    user = User.objects.get(username="newbie")
    assert (body["id"], body["role"], body["team"], body["language"]) == (
        user.pk,
        "rep",
        people.owner.team_id,
        "en",
    )
    assert not user.has_usable_password()
    # The one-time link sets the password; then the user signs in.
    link = body["set_password_url"]
    path = link.removeprefix("http://127.0.0.1:8000")
    assert path.startswith("/accounts/reset/")
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"] is True
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "sakura-2026-spring", "new_password2": "sakura-2026-spring"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert client.login(request=HttpRequest(), username="newbie", password="sakura-2026-spring")
    assert client.get(path, follow=True).context["validlink"] is False  # used once


def test_create_user_bad_input(people, api):
    client = api(people.admin)
    before = snapshot()
    assert set(detail(client.post("/users", {"role": "rep"}))) == {"username"}
    assert set(detail(client.post("/users", {"username": people.owner.username}))) == {"username"}
    assert set(detail(client.post("/users", {"username": "x", "role": "boss"}))) == {"role"}
    assert set(detail(client.post("/users", {"username": "x", "team": 999999}))) == {"team"}
    assert set(detail(client.post("/users", {"username": "x", "time_zone": "Mars/Olympus"}))) == {"time_zone"}
    assert set(detail(client.post("/users", {"username": "x", "calendar_color": "red"}))) == {
        "calendar_color"
    }
    response = client.post(
        "/users", {"username": "x", "role": "rep", "managed_teams": [people.owner.team_id]}
    )
    assert set(detail(response)) == {"managed_teams"}
    assert set(detail(client.post("/users", {"username": "x", "is_staff": True}))) == {"is_staff"}
    assert snapshot() == before


@pytest.mark.parametrize(("role", "allowed"), ADMIN_ONLY)
def test_update_user_permissions(people, api, role, allowed):
    target = people.rep_b
    caller = api(people.get(role))
    before = snapshot()
    response = caller.patch(f"/users/{target.pk}", {"role": "manager", "managed_teams": [target.team_id]})
    target.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content
        assert (response.json()["role"], target.role) == ("manager", "manager")
        assert list(target.managed_teams.values_list("pk", flat=True)) == [target.team_id]
    else:
        assert response.status_code == 403
        assert snapshot() == before


def test_deactivated_user_cannot_sign_in_and_their_token_stops(people, api, client, token_for):
    raw = token_for(people.owner)
    response = api(people.admin).patch(f"/users/{people.owner.pk}", {"is_active": False})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert client.login(request=HttpRequest(), username=people.owner.username, password="pw") is False
    assert client.get("/api/v1/users", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert people.owner.customers.count() == 0  # nothing was deleted (they had none); the row stays
    assert User.objects.filter(pk=people.owner.pk).exists()


def test_the_last_active_admin_stays(people, api):
    client = api(people.admin)
    before = snapshot()
    response = client.patch(f"/users/{people.admin.pk}", {"is_active": False})
    assert response.status_code == 422 and set(detail(response)) == {"is_active"}
    assert snapshot() == before
    second = UserFactory(username="admin2", role="admin")
    second_client = api(second)
    response = second_client.patch(f"/users/{people.admin.pk}", {"role": "rep"})
    assert response.status_code == 200  # another admin remains
    response = client.patch(f"/users/{second.pk}", {"is_active": False})
    assert response.status_code == 403  # no longer an admin
    before = snapshot()
    response = second_client.patch(f"/users/{second.pk}", {"role": "rep"})
    assert response.status_code == 422 and set(detail(response)) == {"role"}
    assert snapshot() == before


def test_update_unknown_user_is_404(people, api):
    assert api(people.admin).patch("/users/999999", {"display_name": "x"}).status_code == 404


# --- Teams ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), ADMIN_ONLY)
def test_create_team_permissions(people, api, role, allowed):
    caller = api(people.get(role))
    before = snapshot()
    response = caller.post(
        "/teams", {"name": "関西営業部", "members": [people.rep_b.pk], "managers": [people.other_manager.pk]}
    )
    if not allowed:
        assert response.status_code == 403
        assert snapshot() == before
        return
    assert response.status_code == 201, response.content
    team = Team.objects.get(name="関西営業部")
    assert response.json()["members"] == [people.rep_b.pk]
    assert response.json()["managers"] == [people.other_manager.pk]
    people.rep_b.refresh_from_db()
    assert people.rep_b.team_id == team.pk


@pytest.mark.parametrize(("role", "allowed"), ADMIN_ONLY)
def test_update_team_permissions(people, api, role, allowed):
    team = people.owner.team
    caller = api(people.get(role))
    before = snapshot()
    response = caller.patch(
        f"/teams/{team.pk}", {"name": "First", "members": [people.owner.pk, people.manager.pk]}
    )
    if not allowed:
        assert response.status_code == 403
        assert snapshot() == before
        return
    assert response.status_code == 200, response.content
    assert sorted(response.json()["members"]) == sorted([people.owner.pk, people.manager.pk])
    people.other_rep.refresh_from_db()
    assert people.other_rep.team_id is None


def test_team_bad_input(people, api):
    client = api(people.admin)
    team = people.owner.team
    before = snapshot()
    assert set(detail(client.post("/teams", {"name": team.name}))) == {"name"}
    assert set(detail(client.post("/teams", {"name": "X", "managers": [people.owner.pk]}))) == {"managers"}
    assert set(detail(client.post("/teams", {"name": "X", "members": [999999]}))) == {"members"}
    assert set(detail(client.patch(f"/teams/{team.pk}", {"managers": [people.other_rep.pk]}))) == {"managers"}
    assert client.patch("/teams/999999", {"name": "X"}).status_code == 404
    assert snapshot() == before


# --- Stages, loss reasons, activity types, segments ---------------------------------------------------

CREATE = {
    "stages": {"name_ja": "試用", "name_en": "Trial", "order": 25, "probability": 40, "stagnation_days": 20},
    "loss-reasons": {"name_ja": "時期尚早", "name_en": "Too early", "order": 9},
    "activity-types": {"name_ja": "展示会", "name_en": "Trade fair", "is_face_to_face": True},
    "segments": {"name": "Drugstores", "cadence_days": 21},
}


def _existing(path: str) -> str:
    if path == "stages":
        return str(Stage.objects.get(slug="proposal").pk)
    if path == "loss-reasons":
        return str(LossReason.objects.order_by("pk").first().pk)
    if path == "activity-types":
        return "call"
    return str(SegmentFactory(name="Supermarkets").pk)


@pytest.mark.parametrize("path", list(CREATE))
@pytest.mark.parametrize(("role", "allowed"), REFERENCE_ON)
def test_reference_writes_with_managers_allowed(people, api, settings, path, role, allowed):
    settings.TOTONOU_MANAGERS_EDIT_REFERENCE_DATA = True
    key = _existing(path)
    client = api(people.get(role))
    before = snapshot()
    created = client.post(f"/{path}", CREATE[path])
    changed = client.patch(f"/{path}/{key}", {"order" if path != "segments" else "sort_order": 77})
    if not allowed:
        assert (created.status_code, changed.status_code) == (403, 403)
        assert snapshot() == before
        return
    assert created.status_code == 201, created.content
    assert changed.status_code == 200, changed.content
    new_id = created.json()["id"]
    assert client.delete(f"/{path}/{new_id}").status_code == 204


@pytest.mark.parametrize("path", list(CREATE))
@pytest.mark.parametrize(("role", "allowed"), ADMIN_ONLY)
def test_reference_writes_with_managers_not_allowed(people, api, settings, path, role, allowed):
    settings.TOTONOU_MANAGERS_EDIT_REFERENCE_DATA = False
    key = _existing(path)
    client = api(people.get(role))
    before = snapshot()
    created = client.post(f"/{path}", CREATE[path])
    changed = client.patch(f"/{path}/{key}", {"order" if path != "segments" else "sort_order": 77})
    deleted = client.delete(f"/{path}/{key}")
    if not allowed:
        assert (created.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
        assert snapshot() == before
        return
    assert (created.status_code, changed.status_code) == (201, 200)


def test_created_reference_rows(people, api):
    client = api(people.manager)
    stage = client.post("/stages", CREATE["stages"]).json()
    assert {
        k: stage[k] for k in ("slug", "name", "order", "probability", "stagnation_days", "kind", "is_active")
    } == {
        "slug": "trial",
        "name": "Trial",
        "order": 25,
        "probability": 40,
        "stagnation_days": 20,
        "kind": "open",
        "is_active": True,
    }
    again = client.post("/stages", {**CREATE["stages"], "order": 26}).json()
    assert again["slug"] == "trial-2"
    kind = client.post("/activity-types", CREATE["activity-types"]).json()
    assert (kind["slug"], kind["counts_as_contact"], kind["is_face_to_face"]) == ("trade-fair", True, True)
    assert client.get("/activity-types/trade-fair").json()["id"] == kind["id"]
    reason = client.post("/loss-reasons", {"name_ja": "価格", "name_en": "Price", "slug": "price-2"}).json()
    assert reason["slug"] == "price-2"


def test_a_stage_with_deals_is_deactivated_not_deleted(people, api):
    proposal = Stage.objects.get(slug="proposal")
    DealFactory(owner=people.owner, customer__owner=people.owner, stage=proposal)
    client = api(people.manager)
    before = snapshot()
    response = client.delete(f"/stages/{proposal.pk}")
    assert response.status_code == 409
    assert "deactivate" in detail(response)
    response = client.patch(f"/stages/{proposal.pk}", {"kind": "won"})
    assert response.status_code == 422 and set(detail(response)) == {"kind"}
    assert snapshot() == before
    response = client.patch(f"/stages/{proposal.pk}", {"is_active": False})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert proposal.pk not in [row["id"] for row in client.get("/stages").json()["results"]]
    everything = client.get("/stages", {"include_inactive": "true"}).json()["results"]
    assert proposal.pk in [row["id"] for row in everything]


def test_reference_bad_input(people, api):
    client = api(people.admin)
    before = snapshot()
    assert client.patch("/stages/999999", {"order": 1}).status_code == 404
    assert client.delete("/stages/999999").status_code == 404
    assert client.delete("/loss-reasons/999999").status_code == 404
    assert client.patch("/activity-types/nope", {"order": 1}).status_code == 404
    assert set(detail(client.post("/stages", {"name_ja": "x", "name_en": "x", "probability": 101}))) == {
        "probability"
    }
    assert set(detail(client.post("/stages", {"name_ja": "x", "name_en": "x", "kind": "maybe"}))) == {"kind"}
    assert set(detail(client.post("/stages", {"name_en": "x"}))) == {"name_ja"}
    assert set(detail(client.post("/stages", {"name_ja": "x", "name_en": "x", "slug": "lead"}))) == {"slug"}
    assert set(detail(client.patch(f"/stages/{Stage.objects.get(slug='lead').pk}", {"slug": "x"}))) == {
        "slug"
    }
    assert set(detail(client.post("/activity-types", {"name_ja": "x", "name_en": "x", "order": -1}))) == {
        "order"
    }
    assert set(detail(client.post("/segments", {"name": "Zero", "key_cadence_days": 0}))) == {
        "key_cadence_days"
    }
    # The last active open stage stays, for new deals.
    open_stages = Stage.objects.filter(kind="open", is_active=True).order_by("order")
    for stage in open_stages[1:]:
        Stage.objects.filter(pk=stage.pk).update(is_active=False)
    before = snapshot()
    first = open_stages.first()
    response = client.patch(f"/stages/{first.pk}", {"is_active": False})
    assert response.status_code == 422 and set(detail(response)) == {"is_active"}
    assert client.delete(f"/stages/{first.pk}").status_code in {409}
    assert snapshot() == before


def test_types_and_reasons_in_use_are_not_deleted(people, api):
    client = api(people.admin)
    ActivityFactory(owner=people.owner, type=ActivityType.objects.get(slug="visit"))
    reason = LossReason.objects.order_by("pk").first()
    DealFactory(
        owner=people.owner,
        customer__owner=people.owner,
        stage=Stage.objects.get(slug="lost"),
        loss_reason=reason,
    )
    before = snapshot()
    assert client.delete("/activity-types/visit").status_code == 409
    assert client.delete(f"/loss-reasons/{reason.pk}").status_code == 409
    assert snapshot() == before


def test_counts_as_contact_change_refreshes_the_last_contact(people, api):
    from django.utils import timezone

    from totonou.activities.services import customers_refresh_last_contact

    activity = ActivityFactory(
        owner=people.owner,
        type=ActivityType.objects.get(slug="call"),
        status="done",
        starts_at=timezone.now().replace(microsecond=0),
        completed_at=timezone.now(),
        planned_at=None,
        original_starts_at=None,
    )
    customers_refresh_last_contact(customer_ids=[activity.customer_id])
    activity.customer.refresh_from_db()
    assert activity.customer.last_contact_at == activity.starts_at
    response = api(people.admin).patch("/activity-types/call", {"counts_as_contact": False})
    assert response.status_code == 200
    activity.customer.refresh_from_db()
    assert activity.customer.last_contact_at is None


def test_a_refusal_comes_before_the_services_judge_the_values(people, api):
    """A rep sending well-formed but bad values to a set-up endpoint hears "not allowed" (403), not
    "fix the value" (422): the permission is checked before anything is looked at."""
    client = api(people.owner)
    segment = SegmentFactory(name="Kept")
    before = snapshot()
    assert client.patch(f"/segments/{segment.pk}", {"cadence_days": 0}).status_code == 403
    assert (
        client.patch(f"/stages/{Stage.objects.get(slug='lead').pk}", {"probability": 500}).status_code == 403
    )
    assert client.patch("/activity-types/visit", {"name_ja": ""}).status_code == 403
    assert (
        client.post("/loss-reasons", {"name_ja": "x", "name_en": "x", "slug": "bad slug"}).status_code == 403
    )
    assert client.patch(f"/users/{people.other_rep.pk}", {"time_zone": "Mars/Olympus"}).status_code == 403
    assert client.post("/teams", {"name": people.owner.team.name}).status_code == 403
    assert snapshot() == before


def test_a_deactivated_users_records_can_be_reassigned(people, api):
    from tests.factories import CustomerFactory

    customer = CustomerFactory(owner=people.owner, name="Key Mart")
    deal = DealFactory(owner=people.owner, customer=customer)
    assert api(people.admin).patch(f"/users/{people.owner.pk}", {"is_active": False}).status_code == 200
    manager = api(people.manager)
    response = manager.patch(f"/customers/{customer.pk}", {"owner": people.other_rep.pk})
    assert response.status_code == 200 and response.json()["owner"] == people.other_rep.pk
    response = manager.patch(f"/deals/{deal.pk}", {"owner": people.other_rep.pk})
    assert response.status_code == 200 and response.json()["owner"] == people.other_rep.pk
    # A deactivated user cannot be given records.
    response = manager.patch(f"/customers/{customer.pk}", {"owner": people.owner.pk})
    assert response.status_code == 422 and set(detail(response)) == {"owner"}
