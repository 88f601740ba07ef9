"""The owner filter of the list pages: one ``<option>`` per active user the viewer may see, by name, the
chosen one selected and the viewer named "… (you)" where the page says so, every name escaped; read with
only the columns an option shows (``users.selectors.owner_choices``)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory, make_team
from totonou.users.selectors import owner_choices
from totonou.web.forms.customers import changeable_owners
from totonou.web.templatetags.totonou import owner_options
from totonou.web.views import choices
from totonou.web.views.choices import changeable_owner_options

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    team, manager, (rep1, rep2) = make_team("Team A")
    for user, name in ((manager, "Kato"), (rep1, "Abe <&> Co"), (rep2, "Sato")):
        user.display_name = name
        user.save(update_fields=["display_name"])
    UserFactory(username="gone", display_name="Aoki", team=team, is_active=False)
    return manager, rep1, rep2


def _options(html: str) -> list[tuple[str, bool, str]]:
    return [
        (value, bool(selected), label)
        for value, selected, label in re.findall(r'<option value="(\d+)"( selected)?>([^<]*)</option>', html)
    ]


def test_options_by_name_the_chosen_selected_the_viewer_named(people):
    manager, rep1, rep2 = people
    owners = list(owner_choices(user=manager))
    assert [owner.pk for owner in owners] == [rep1.pk, manager.pk, rep2.pk]  # Abe, Kato, Sato; not Aoki
    html = owner_options(owners, rep2.pk, manager)
    assert _options(html) == [
        (str(rep1.pk), False, "Abe &lt;&amp;&gt; Co"),
        (str(manager.pk), False, "Kato (you)"),
        (str(rep2.pk), True, "Sato"),
    ]
    assert html.count("<option") == 3  # nothing else in it
    with translation.override("ja"):
        assert _options(owner_options(owners, None, manager))[1] == (str(manager.pk), False, "Kato（自分）")
    # without a viewer, names alone; an unknown or absent choice selects nothing
    assert [label for _value, _selected, label in _options(owner_options(owners))] == [
        "Abe &lt;&amp;&gt; Co",
        "Kato",
        "Sato",
    ]
    assert not any(selected for _value, selected, _label in _options(owner_options(owners, 999_999)))


def test_the_choices_read_only_what_an_option_shows(people):
    manager, _rep1, _rep2 = people
    with CaptureQueriesContext(connection) as captured:
        names = [str(owner) for owner in owner_choices(user=manager)]
    assert names == ["Abe <&> Co", "Kato", "Sato"]
    (query,) = captured.captured_queries
    assert '"password"' not in query["sql"] and "users_team" not in query["sql"], query["sql"]


def test_the_deal_list_shows_the_options(people, client_for):
    manager, rep1, rep2 = people
    page = client_for(manager).get(f"/deals/?owner={rep1.pk}").content.decode()
    select = page[
        page.index('<select id="filter-owner"') : page.index("</select>", page.index('id="filter-owner"'))
    ]
    assert '<option value="">Everyone</option>' in select
    assert _options(select) == [
        (str(rep1.pk), True, "Abe &lt;&amp;&gt; Co"),
        (str(manager.pk), False, "Kato (you)"),
        (str(rep2.pk), False, "Sato"),
    ]


def test_the_customer_lists_bulk_owner_select_lists_who_may_take_customers(people, client_for):
    """The bulk action's "New owner": the users the manager may give customers to (the form's queryset,
    read with only the option's columns), by name, none selected."""
    manager, rep1, rep2 = people
    page = client_for(manager).get("/customers/").content.decode()
    start = page.index('<select id="bulk-owner"')
    select = page[start : page.index("</select>", start)]
    assert '<option value="">—</option>' in select
    assert _options(select) == [
        (str(rep1.pk), False, "Abe &lt;&amp;&gt; Co"),
        (str(manager.pk), False, "Kato"),
        (str(rep2.pk), False, "Sato"),
    ]


def test_the_bulk_owners_from_the_kept_list_are_the_forms_changeable_owners(people):
    """``changeable_owner_options`` narrows the owner filter's list by ``changeable_owners``' rule: for a
    rep (themselves), a manager (their team, not another team's rep nor the inactive member) and an
    administrator (everyone active), the same users in the same order as the form's queryset."""
    manager, rep1, rep2 = people
    _other_team, other_manager, (other_rep, other_rep2) = make_team("Team B")
    admin = UserFactory(username="root", role="admin", display_name="Root")
    for user in (rep1, manager, other_manager, admin):
        kept = changeable_owner_options(user, choices.owner_options(user))
        assert [owner.pk for owner in kept] == list(changeable_owners(user).values_list("pk", flat=True))
    assert [owner.pk for owner in changeable_owner_options(manager, choices.owner_options(manager))] == [
        rep1.pk,
        manager.pk,
        rep2.pk,
    ]
    assert [owner.pk for owner in changeable_owner_options(rep1, choices.owner_options(rep1))] == [rep1.pk]
    everyone = changeable_owner_options(admin, choices.owner_options(admin))
    assert {owner.pk for owner in everyone} == {
        *(user.pk for user in (manager, rep1, rep2, admin)),
        *(user.pk for user in (other_manager, other_rep, other_rep2)),
    }


def test_the_insights_member_selects_mark_the_chosen_member(people, client_for):
    """The Insights page's and the uncontacted list's member filter (``insight_members``) through the
    same tag: the chosen member selected, names escaped."""
    manager, rep1, rep2 = people
    for name, select_id in (
        ("web:insights", "insights-owner"),
        ("web:insights_uncontacted", "uncontacted-owner"),
    ):
        page = client_for(manager).get(reverse(name), {"owner": rep1.pk}).content.decode()
        start = page.index(f'id="{select_id}"')
        options = _options(page[start : page.index("</select>", start)])
        assert (str(rep1.pk), True, "Abe &lt;&amp;&gt; Co") in options, name
        assert (str(rep2.pk), False, "Sato") in options, name
        assert [selected for _value, selected, _label in options].count(True) == 1, name
