"""The team's set-up pages in Settings: users and teams (admins), the shared lists (admins, and managers
while TOTONOU_MANAGERS_EDIT_REFERENCE_DATA is on), one's own password, a reset link by email (through a
real SMTP server), and the time-zone picker."""

from __future__ import annotations

import re
import socket

import pytest
from django.core import mail
from django.http import HttpRequest
from django.urls import reverse

from tests.factories import DealFactory, SegmentFactory, UserFactory
from totonou.activities.models import ActivityType
from totonou.customers.models import Segment
from totonou.deals.models import LossReason, Stage
from totonou.users.models import Team, User

pytestmark = pytest.mark.django_db

REFERENCE_LISTS = ["segment", "stage", "loss_reason", "activity_type"]


def _state() -> dict[str, object]:
    return {
        "users": list(
            User.objects.order_by("pk").values_list("pk", "role", "team_id", "is_active", "password")
        ),
        "teams": list(Team.objects.order_by("pk").values_list("pk", "name")),
        "stages": list(Stage.objects.order_by("pk").values()),
        "reasons": list(LossReason.objects.order_by("pk").values()),
        "types": list(ActivityType.objects.order_by("pk").values()),
        "segments": list(Segment.objects.order_by("pk").values()),
    }


def test_settings_links_follow_the_role(client_for, team_a, admin_user, settings):
    _team, manager, (rep, _) = team_a
    rep_page = client_for(rep).get(reverse("web:settings")).content.decode()
    assert reverse("setup:password_change") in rep_page
    assert reverse("setup:user_list") not in rep_page and reverse("setup:segment_list") not in rep_page
    manager_page = client_for(manager).get(reverse("web:settings")).content.decode()
    assert reverse("setup:segment_list") in manager_page and reverse("setup:user_list") not in manager_page
    settings.TOTONOU_MANAGERS_EDIT_REFERENCE_DATA = False
    manager_page = client_for(manager).get(reverse("web:settings")).content.decode()
    assert reverse("setup:segment_list") not in manager_page
    admin_page = client_for(admin_user).get(reverse("web:settings")).content.decode()
    for name in (
        "user_list",
        "team_list",
        "segment_list",
        "stage_list",
        "loss_reason_list",
        "activity_type_list",
    ):
        assert reverse(f"setup:{name}") in admin_page


@pytest.mark.parametrize("name", ["user_list", "user_create", "team_create"])
def test_user_and_team_pages_are_for_admins(client_for, team_a, admin_user, name):
    _team, manager, (rep, _) = team_a
    assert client_for(rep).get(reverse(f"setup:{name}")).status_code == 403
    assert client_for(manager).get(reverse(f"setup:{name}")).status_code == 403
    assert client_for(admin_user).get(reverse(f"setup:{name}")).status_code == 200


def test_admin_creates_a_user_and_sees_the_link_once(client_for, team_a, admin_user, client):
    team, _manager, _reps = team_a
    admin = client_for(admin_user)
    response = admin.post(
        reverse("setup:user_create"),
        {
            "username": "tanaka",
            "display_name": "田中",
            "email": "tanaka@example.com",
            "role": "manager",
            "team": team.pk,
            "managed_teams": [team.pk],
            "language": "ja",
            "time_zone": "Asia/Tokyo",
            "calendar_color": "#112233",
            "slack_user_id": "U0TANAKA",
            "chatwork_account_id": "",
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    user = User.objects.get(username="tanaka")
    assert (user.role, user.team_id, user.language, user.calendar_color, user.slack_user_id) == (
        "manager",
        team.pk,
        "ja",
        "#112233",
        "U0TANAKA",
    )
    assert list(user.managed_teams.all()) == [team]
    link = response.context["link"]
    assert link in response.content.decode() and link.startswith("http://testserver/accounts/reset/")
    assert link not in admin.get(reverse("setup:user_edit", args=[user.pk])).content.decode()
    # The new user sets a password and signs in.
    page = client.get(link, follow=True)
    assert page.context["validlink"] is True
    client.post(
        page.redirect_chain[-1][0], {"new_password1": "hana-2026-kyoto", "new_password2": "hana-2026-kyoto"}
    )
    assert client.login(request=HttpRequest(), username="tanaka", password="hana-2026-kyoto")


def test_user_form_errors_change_nothing(client_for, team_a, admin_user):
    _team, _manager, (rep, _) = team_a
    before = _state()
    response = client_for(admin_user).post(
        reverse("setup:user_create"),
        {"username": rep.username, "role": "rep", "time_zone": "Mars/Olympus", "calendar_color": "#000000"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"username", "time_zone"}
    response = client_for(admin_user).post(
        reverse("setup:user_edit", args=[rep.pk]),
        {
            "role": "rep",
            "managed_teams": [rep.team_id],
            "time_zone": "Asia/Tokyo",
            "calendar_color": "#000000",
        },
    )
    assert response.status_code == 400 and "managed_teams" in response.context["form"].errors
    assert _state() == before


def test_deactivate_and_the_last_admin(client_for, team_a, admin_user, client):
    _team, _manager, (rep, _) = team_a
    admin = client_for(admin_user)
    confirm = admin.get(reverse("setup:user_deactivate", args=[rep.pk]))
    assert confirm.status_code == 200 and b"Deactivate" in confirm.content
    assert admin.post(reverse("setup:user_deactivate", args=[rep.pk])).status_code == 302
    rep.refresh_from_db()
    assert rep.is_active is False
    assert client.login(request=HttpRequest(), username=rep.username, password="pw") is False
    assert User.objects.filter(pk=rep.pk).exists()
    before = _state()
    refused = admin.post(reverse("setup:user_deactivate", args=[admin_user.pk]))
    assert refused.status_code == 400
    assert "You cannot remove your own administrator access." in refused.content.decode()
    assert _state() == before
    assert admin.post(reverse("setup:user_activate", args=[rep.pk])).status_code == 302
    rep.refresh_from_db()
    assert rep.is_active is True


def test_a_new_link_stops_the_old_password(client_for, team_a, admin_user, client):
    _team, _manager, (rep, _) = team_a
    response = client_for(admin_user).post(reverse("setup:user_password_link", args=[rep.pk]))
    assert response.status_code == 200 and response.context["link"]
    assert client.login(request=HttpRequest(), username=rep.username, password="pw") is False


def test_team_members_and_managers(client_for, team_a, team_b, admin_user):
    team, manager, (rep1, rep2) = team_a
    _team_b, manager_b, (rep_b1, _) = team_b
    response = client_for(admin_user).post(
        reverse("setup:team_edit", args=[team.pk]),
        {
            "name": "東京営業部",
            "members": [manager.pk, rep1.pk, rep_b1.pk],
            "managers": [manager.pk, manager_b.pk],
        },
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.name == "東京営業部"
    assert set(team.members.values_list("pk", flat=True)) == {manager.pk, rep1.pk, rep_b1.pk}
    assert set(team.managers.values_list("pk", flat=True)) == {manager.pk, manager_b.pk}
    rep2.refresh_from_db()
    assert rep2.team_id is None
    before = _state()
    response = client_for(admin_user).post(
        reverse("setup:team_edit", args=[team.pk]), {"name": "X", "members": [], "managers": [rep1.pk]}
    )
    assert response.status_code == 400 and "managers" in response.context["form"].errors
    assert _state() == before


@pytest.mark.parametrize("kind", REFERENCE_LISTS)
@pytest.mark.parametrize("managers_edit", [True, False])
def test_reference_pages_permissions(client_for, team_a, admin_user, settings, kind, managers_edit):
    settings.TOTONOU_MANAGERS_EDIT_REFERENCE_DATA = managers_edit
    _team, manager, (rep, _) = team_a
    url = reverse(f"setup:{kind}_list")
    assert client_for(rep).get(url).status_code == 403
    assert client_for(manager).get(url).status_code == (200 if managers_edit else 403)
    assert client_for(admin_user).get(url).status_code == 200
    before = _state()
    response = client_for(rep).post(
        reverse(f"setup:{kind}_create"), {"name": "x", "name_ja": "x", "name_en": "x"}
    )
    assert response.status_code == 403
    assert _state() == before


def test_manager_tunes_a_segments_cadence(client_for, team_a):
    _team, manager, _reps = team_a
    segment = SegmentFactory(name="Supermarkets", cadence_days=30, key_cadence_days=14)
    client = client_for(manager)
    page = client.get(reverse("setup:segment_list")).content.decode()
    assert "Supermarkets" in page
    response = client.post(
        reverse("setup:segment_edit", args=[segment.pk]),
        {
            "name": "Supermarkets",
            "color": "#6b7280",
            "cadence_days": 21,
            "key_cadence_days": 7,
            "sort_order": 0,
        },
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert (segment.cadence_days, segment.key_cadence_days) == (21, 7)
    response = client.post(
        reverse("setup:segment_edit", args=[segment.pk]),
        {
            "name": "Supermarkets",
            "color": "#6b7280",
            "cadence_days": 21,
            "key_cadence_days": 0,
            "sort_order": 0,
        },
    )
    assert response.status_code == 400 and "key_cadence_days" in response.context["form"].errors
    segment.refresh_from_db()
    assert segment.key_cadence_days == 7


def test_stage_create_deactivate_and_delete_in_use(client_for, team_a, admin_user):
    _team, _manager, (rep, _) = team_a
    client = client_for(admin_user)
    response = client.post(
        reverse("setup:stage_create"),
        {
            "name_ja": "試用",
            "name_en": "Trial",
            "order": 25,
            "probability": 40,
            "stagnation_days": 20,
            "kind": "open",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    trial = Stage.objects.get(slug="trial")
    assert (trial.name_ja, trial.probability, trial.is_active) == ("試用", 40, True)
    DealFactory(owner=rep, customer__owner=rep, stage=trial)
    before = _state()
    refused = client.post(reverse("setup:stage_delete", args=[trial.pk]))
    assert refused.status_code == 409
    assert "deactivate it instead" in refused.content.decode()
    assert _state() == before
    response = client.post(
        reverse("setup:stage_edit", args=[trial.pk]),
        {
            "name_ja": "試用",
            "name_en": "Trial",
            "order": 25,
            "probability": 40,
            "stagnation_days": 20,
            "kind": "open",
        },
    )
    assert response.status_code == 302
    trial.refresh_from_db()
    assert trial.is_active is False
    unused = Stage.objects.create(slug="spare", name_ja="予備", name_en="Spare", order=99)
    assert client.get(reverse("setup:stage_delete", args=[unused.pk])).status_code == 200
    assert client.post(reverse("setup:stage_delete", args=[unused.pk])).status_code == 302
    assert not Stage.objects.filter(pk=unused.pk).exists()


def test_activity_type_and_loss_reason_forms(client_for, team_a):
    _team, manager, _reps = team_a
    client = client_for(manager)
    response = client.post(
        reverse("setup:activity_type_create"),
        {
            "name_ja": "展示会",
            "name_en": "Trade fair",
            "counts_as_contact": "on",
            "is_face_to_face": "on",
            "is_customer_facing": "on",
            "order": 8,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    fair = ActivityType.objects.get(slug="trade-fair")
    assert (fair.counts_as_contact, fair.is_face_to_face) == (True, True)
    response = client.post(
        reverse("setup:loss_reason_create"),
        {"name_ja": "時期尚早", "name_en": "Too early", "order": 5, "is_active": "on"},
    )
    assert response.status_code == 302
    assert LossReason.objects.get(name_en="Too early").name_ja == "時期尚早"
    assert client.get(reverse("setup:loss_reason_edit", args=[999999])).status_code == 404


def test_reference_list_query_count(client_for, team_a, django_assert_max_num_queries):
    _team, manager, _reps = team_a
    client = client_for(manager)
    for index in range(5):
        SegmentFactory(name=f"Segment {index}")
    for kind in REFERENCE_LISTS:
        with django_assert_max_num_queries(5):
            assert client.get(reverse(f"setup:{kind}_list")).status_code == 200


def test_user_list_query_count(client_for, admin_user, django_assert_max_num_queries):
    for index in range(10):
        UserFactory(username=f"u{index}")
    client = client_for(admin_user)
    with django_assert_max_num_queries(5):
        assert client.get(reverse("setup:user_list")).status_code == 200


def test_change_own_password(client_for, team_a, client):
    _team, _manager, (rep, _) = team_a
    signed_in = client_for(rep)
    response = signed_in.post(
        reverse("setup:password_change"),
        {"old_password": "wrong", "new_password1": "momiji-2026-nara", "new_password2": "momiji-2026-nara"},
    )
    assert response.status_code == 400 and "old_password" in response.context["form"].errors
    response = signed_in.post(
        reverse("setup:password_change"),
        {"old_password": "pw", "new_password1": "momiji-2026-nara", "new_password2": "momiji-2026-nara"},
    )
    assert response.status_code == 302
    assert signed_in.get(reverse("web:settings")).status_code == 200  # still signed in
    assert client.login(request=HttpRequest(), username=rep.username, password="momiji-2026-nara")


def test_time_zone_picker_starts_with_the_likely_zones(client_for, team_a):
    _team, _manager, (rep, _) = team_a
    rep.time_zone = "Europe/London"
    rep.save(update_fields=["time_zone"])
    page = client_for(rep).get(reverse("web:settings")).content.decode()
    select = page[page.index('name="time_zone"') :]
    select = select[: select.index("</select>")]
    first_group = select[select.index("<optgroup") : select.index("</optgroup>")]
    assert 'label="Suggested"' in first_group
    assert re.findall(r'<option value="([^"]+)"', first_group) == ["Asia/Tokyo", "Europe/London"]
    assert select.count('value="Asia/Tokyo"') == 1
    assert 'label="Europe"' in select and "data-tz-picker" in select
    assert "totonou/timezone.js" in page


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free local port; the app sends through Django's SMTP backend."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list[object] = []

    class Collect(Message):
        def handle_message(self, message: object) -> None:
            received.append(message)

    port = _free_port()
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    try:
        yield received
    finally:
        controller.stop()


def test_password_reset_by_email_through_smtp(smtp_server, client, team_a):
    import email.header

    _team, _manager, (rep, _) = team_a
    rep.email = "sato@example.com"
    rep.save(update_fields=["email"])
    page = client.get(reverse("login"))
    assert reverse("password_reset") in page.content.decode()
    response = client.post(reverse("password_reset"), {"email": "sato@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(smtp_server) == 1
    message = smtp_server[0]
    assert message["To"] == "sato@example.com"
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert subject == "Totonou: choose a new password"
    body = message.get_payload(decode=True).decode()
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/reset/\S+/)", body).group(1)
    assert f"Your username: {rep.username}" in body
    form = client.get(link, follow=True)
    assert form.context["validlink"] is True
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "yuki-2026-sapporo", "new_password2": "yuki-2026-sapporo"},
    )
    assert done.status_code == 302
    assert client.login(request=HttpRequest(), username=rep.username, password="yuki-2026-sapporo")
    # An unknown address: the same answer, and no mail.
    client.logout()
    assert client.post(reverse("password_reset"), {"email": "nobody@example.com"}).status_code == 302
    assert len(smtp_server) == 1
    assert mail.outbox == []


def _setup_urls(team: Team, person: User, stage: Stage) -> list[str]:
    return [
        reverse("setup:user_list"),
        reverse("setup:user_create"),
        reverse("setup:user_edit", args=[person.pk]),
        reverse("setup:user_deactivate", args=[person.pk]),
        reverse("setup:team_list"),
        reverse("setup:team_create"),
        reverse("setup:team_edit", args=[team.pk]),
        *[reverse(f"setup:{kind}_list") for kind in REFERENCE_LISTS],
        *[reverse(f"setup:{kind}_create") for kind in REFERENCE_LISTS],
        reverse("setup:stage_edit", args=[stage.pk]),
        reverse("setup:stage_delete", args=[stage.pk]),
        reverse("setup:password_change"),
    ]


def test_every_set_up_page_in_japanese_and_only_for_the_signed_in(
    client_for, team_a, admin_user, client, settings
):
    team, _manager, (rep, _) = team_a
    urls = _setup_urls(team, rep, Stage.objects.get(slug="lead"))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == f"{reverse('login')}?next={url}", url
    admin_user.language = "ja"
    admin_user.save(update_fields=["language"])
    signed_in = client_for(admin_user)
    for url in urls:
        html = signed_in.get(url).content.decode()
        assert '<html lang="ja">' in html, url
        assert f'<a href="{reverse("web:settings")}" aria-current="page">' in html, url
    assert "ユーザー" in signed_in.get(reverse("setup:user_list")).content.decode()
    assert "有効" in signed_in.get(reverse("setup:stage_list")).content.decode()
    for path in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert client.get(reverse(path), headers={"Accept-Language": "ja"}).status_code == 200, path
