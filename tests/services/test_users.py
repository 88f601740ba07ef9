"""User administration, preferences and API tokens."""

from __future__ import annotations

import pytest
from django.test import Client

from totonou.core.exceptions import PermissionDenied, ValidationError
from totonou.core.models import AuditEntry
from totonou.users.models import ApiToken, User
from totonou.users.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    team_update,
    user_update,
    user_update_preferences,
)

pytestmark = pytest.mark.django_db


def test_admin_changes_a_role_and_admin_access_follows(team_a, admin_user):
    team, _, (rep, _) = team_a
    user_update(actor=admin_user, user=rep, role="admin")
    rep.refresh_from_db()
    assert (rep.role, rep.is_staff, rep.is_superuser) == ("admin", True, True)
    user_update(actor=admin_user, user=rep, role="manager")
    rep.refresh_from_db()
    assert (rep.role, rep.is_staff, rep.is_superuser) == ("manager", False, False)
    assert list(team.managers.filter(pk=rep.pk)) == [rep]
    user_update(actor=admin_user, user=rep, role="rep")
    assert not team.managers.filter(pk=rep.pk).exists()


def test_only_admins_change_users_and_not_their_own_access(team_a, admin_user):
    _, manager, (rep, _) = team_a
    with pytest.raises(PermissionDenied):
        user_update(actor=manager, user=rep, role="admin")
    with pytest.raises(ValidationError):
        user_update(actor=admin_user, user=admin_user, role="rep")
    with pytest.raises(ValidationError):
        user_update(actor=admin_user, user=rep, role="boss")
    rep.refresh_from_db()
    admin_user.refresh_from_db()
    assert (rep.role, admin_user.role) == ("rep", "admin")


def test_team_managers_must_be_managers(team_a, admin_user):
    team, manager, (rep, _) = team_a
    with pytest.raises(ValidationError):
        team_update(actor=admin_user, team=team, managers=[rep])
    assert list(team.managers.all()) == [manager]
    team_update(actor=admin_user, team=team, name="首都圏営業部")
    team.refresh_from_db()
    assert team.name == "首都圏営業部"


def test_preferences_are_the_users_own(team_a):
    _, _, (rep1, rep2) = team_a
    user_update_preferences(actor=rep1, user=rep1, language="en", week_starts_on=6, time_zone="UTC")
    rep1.refresh_from_db()
    assert (rep1.language, rep1.week_starts_on, rep1.time_zone) == ("en", 6, "UTC")
    with pytest.raises(PermissionDenied):
        user_update_preferences(actor=rep2, user=rep1, language="ja")
    with pytest.raises(ValidationError) as error:
        user_update_preferences(actor=rep1, user=rep1, time_zone="Mars/Olympus")
    assert list(error.value.message_dict) == ["time_zone"]
    with pytest.raises(ValidationError):
        user_update_preferences(actor=rep1, user=rep1, role="admin")
    rep1.refresh_from_db()
    assert (rep1.time_zone, rep1.role) == ("UTC", "rep")


def test_tokens_are_stored_hashed_and_can_be_revoked(team_a):
    _, _, (rep, other) = team_a
    token, raw = api_token_create(user=rep, name="phone")
    assert raw.startswith("tot_") and raw not in token.key_hash and token.prefix == raw[:12]
    assert api_token_authenticate(raw) == rep
    assert api_token_authenticate(raw + "x") is None
    with pytest.raises(PermissionDenied):
        api_token_revoke(actor=other, token=token)
    api_token_revoke(actor=rep, token=token)
    assert api_token_authenticate(raw) is None
    assert AuditEntry.objects.filter(object_id=token.pk, action="update").count() == 1
    with pytest.raises(ValidationError):
        api_token_create(user=rep, name="x" * 101)
    assert ApiToken.objects.count() == 1


def test_an_expired_session_in_an_htmx_request_redirects_the_whole_page(db):
    response = Client().get("/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=/"
    plain = Client().get("/")
    assert (plain.status_code, plain["Location"]) == (302, "/accounts/login/?next=/")


def test_inactive_users_tokens_do_not_authenticate(team_a):
    _, _, (rep, _) = team_a
    _, raw = api_token_create(user=rep)
    User.objects.filter(pk=rep.pk).update(is_active=False)
    assert api_token_authenticate(raw) is None


def test_a_new_set_password_link_voids_the_older_one(team_a, admin_user):
    from django.contrib.auth.tokens import default_token_generator

    from totonou.users.services import user_password_link

    _, _, (rep, _) = team_a
    _uid, first = user_password_link(actor=admin_user, user=rep)
    rep.refresh_from_db()
    assert default_token_generator.check_token(rep, first)
    assert not rep.has_usable_password()
    _uid, second = user_password_link(actor=admin_user, user=rep)
    rep.refresh_from_db()
    assert default_token_generator.check_token(rep, second)
    assert not default_token_generator.check_token(rep, first)
    rep.set_password("a-new-secret-2026")
    rep.save()
    assert not default_token_generator.check_token(rep, second)  # used once


def test_user_create_is_audited_and_managers_manage_their_team(team_a, admin_user):
    from totonou.users.services import user_create

    team, _, _ = team_a
    user = user_create(actor=admin_user, username="kimura", role="manager", team=team, slack_user_id="U1")
    assert list(user.managed_teams.all()) == [team]
    entry = AuditEntry.objects.filter(object_id=user.pk, action="create").get()
    assert entry.changes["username"] == "kimura" and entry.actor == admin_user
    with pytest.raises(PermissionDenied):
        user_create(actor=team.managers.first(), username="nobody")
    assert not User.objects.filter(username="nobody").exists()


def test_team_members_move_between_teams(team_a, team_b, admin_user):
    team, manager, (rep1, rep2) = team_a
    other, _, (rep_b1, _) = team_b
    team_update(actor=admin_user, team=team, members=[manager, rep1, rep_b1])
    assert set(team.members.all()) == {manager, rep1, rep_b1}
    rep2.refresh_from_db()
    assert rep2.team_id is None
    assert rep_b1 not in other.members.all()
