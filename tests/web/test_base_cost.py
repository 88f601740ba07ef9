"""What every page pays (issue 20): the header written in Python (``web/layout.py``, ADR 0032), its one
query (the bell), the signed-in user read with their team, and the Settings page's time zone select."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.forms import Select
from django.forms.renderers import DjangoTemplates
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory
from totonou.notifications.personal import notification_record
from totonou.web.forms.preferences import TimeZoneField, grouped_time_zone_choices

pytestmark = pytest.mark.django_db


def _table(sql: str) -> str:
    """The table of a query's outermost FROM (a subquery in its select list has a FROM of its own)."""
    for match in re.finditer(r'FROM "(\w+)"', sql):
        before = sql[: match.start()]
        if before.count("(") == before.count(")"):
            return match.group(1)
    raise AssertionError(sql)


def _tables(captured: CaptureQueriesContext) -> list[str]:
    return [_table(query["sql"]) for query in captured.captured_queries]


def test_the_settings_page_reads_the_session_the_user_with_team_and_bell_and_its_own_two(client_for, team_a):
    _team, _manager, reps = team_a
    rep = reps[0]
    notification_record(recipient=rep, kind="reminder", title="Visit tomorrow")
    client = client_for(rep)
    client.get(reverse("web:settings"))  # the session's first read may write it
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("web:settings"))
    assert response.status_code == 200
    assert len(captured) == 4
    assert _tables(captured) == [
        "django_session",
        # with the team joined (the page shows it) and the bell's count: the header needs no query
        "users_user",
        "users_calendarfeed",
        "users_apitoken",
    ]
    user_sql = captured.captured_queries[1]["sql"]
    assert 'JOIN "users_team"' in user_sql and 'FROM "notifications_notification"' in user_sql
    html = response.content.decode()
    assert f"· {team_a[0].name}" in html
    assert re.search(r'class="mentions-badge__count" data-counter aria-hidden="true">1<', html)


def test_the_header_costs_one_query_the_bell(client_for, team_a):
    """The notification centre's own count and rows aside, the header adds one count (the bell)."""
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.urls import resolve

    from totonou.web.context_processors import social

    _team, _manager, reps = team_a
    rep = reps[0]
    request = RequestFactory().get("/settings/")
    request.user = rep
    request.resolver_match = resolve("/settings/")
    with CaptureQueriesContext(connection) as captured:
        html = render_to_string("base.html", social(request), request=request)
    assert _tables(captured) == ["notifications_notification"]
    assert 'href="/settings/" aria-current="page"' in html


def test_a_new_notification_shows_in_the_bell_at_once_and_leaves_it_when_read(client_for, team_a):
    _team, _manager, reps = team_a
    rep = reps[0]
    client = client_for(rep)
    page = client.get(reverse("web:settings")).content.decode()
    assert 'aria-label="Notifications">' in page and "has-unread" not in page

    notification = notification_record(recipient=rep, kind="reminder", title="Visit tomorrow")
    page = client.get(reverse("web:settings")).content.decode()
    assert 'aria-label="Notifications: 1 unread"' in page
    assert '<span class="mentions-badge__count" data-counter aria-hidden="true">1</span>' in page

    notification_record(recipient=rep, kind="reminder", title="Another")
    assert 'aria-label="Notifications: 2 unread"' in client.get(reverse("web:settings")).content.decode()

    # Marking read through the notification centre updates the bell in the same answer (out of band).
    response = client.post(
        reverse("web:notifications_read"), {"ids": [notification.pk]}, headers={"HX-Request": "true"}
    )
    assert 'id="notification-bell"' in response.content.decode()
    assert 'hx-swap-oob="true"' in response.content.decode()
    assert 'aria-label="Notifications: 1 unread"' in response.content.decode()
    client.post(reverse("web:notifications_read"), {"all": "1"})
    page = client.get(reverse("web:settings")).content.decode()
    assert 'aria-label="Notifications">' in page and "has-unread" not in page


def test_another_users_notification_is_not_counted(client_for, team_a):
    notification_record(recipient=team_a[2][1], kind="reminder", title="Not yours")
    page = client_for(team_a[2][0]).get(reverse("web:settings")).content.decode()
    assert "has-unread" not in page


def test_the_header_is_in_the_readers_language_and_escapes_what_people_type(client_for):
    user = UserFactory(username="hanako", display_name='<b>"Hanako"</b>', language="ja")
    client = client_for(user)
    page = client.get(reverse("search:search"), {"q": '<script>"x'}).content.decode()
    assert '<span class="account__name">&lt;b&gt;&quot;Hanako&quot;&lt;/b&gt;</span>' in page
    assert 'name="q" value="&lt;script&gt;&quot;x"' in page
    with translation.override("ja"):
        japanese, my_day = translation.gettext("Settings"), translation.gettext("My day")
    assert japanese != "Settings" and my_day != "My day"
    assert f'<a href="/settings/">{japanese}</a>' in page
    assert f'<span class="nav-icon" aria-hidden="true">☀</span>{my_day}</a>' in page
    assert 'value="ja" lang="ja" aria-pressed="true"' in page

    user.language = "en"
    user.save(update_fields=["language"])
    page = client.get(reverse("customers:customer_list")).content.decode()
    assert '<a href="/settings/">Settings</a>' in page
    assert 'value="en" lang="en" aria-pressed="true"' in page
    assert 'name="q" value=""' in page  # search words show on the search page only
    assert re.search(r'<a href="/customers/" aria-current="page">.*Customers</a>', page)
    assert 'href="/deals/" aria-current' not in page


def test_a_signed_out_page_has_no_menu_search_or_bell(client):
    page = client.get(reverse("login")).content.decode()
    assert 'class="language-switcher"' in page
    assert "notification-bell" not in page and "main-nav" not in page and "site-search" not in page


@pytest.mark.parametrize("current", ["Asia/Tokyo", "Europe/London", "UTC"])
@pytest.mark.parametrize("value", ["Asia/Tokyo", "Europe/London", "America/New_York", "", None])
def test_the_time_zone_select_writes_djangos_markup(current, value):
    field = TimeZoneField(label="Time zone")
    field.set_current(current)
    attrs = {"id": "id_time_zone", "required": True, "aria-describedby": "x"}
    ours = field.widget.render("time_zone", value, attrs=attrs)
    django = Select(attrs=field.widget.attrs, choices=grouped_time_zone_choices(current)).render(
        "time_zone", value, attrs=attrs, renderer=DjangoTemplates()
    )
    assert ours == django
    assert ours.count("<option") == len(
        {zone for _, zones in grouped_time_zone_choices(current) for zone, _ in zones}
    )


def test_a_form_copies_the_time_zone_field_without_walking_every_zone():
    from totonou.web.forms.preferences import PreferencesForm

    user = UserFactory(time_zone="Europe/London")
    form = PreferencesForm(user=user)
    assert form.fields["time_zone"].choices is not PreferencesForm.base_fields["time_zone"].choices
    assert form.fields["time_zone"].choices.current == "Europe/London"
    assert PreferencesForm.base_fields["time_zone"].choices.current == ""
    bound = PreferencesForm(
        {"display_name": "", "language": "", "time_zone": "Nowhere/Else", "calendar_color": "#000000"},
        user=user,
    )
    assert not bound.is_valid() and "time_zone" in bound.errors
