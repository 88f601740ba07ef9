"""The generic pieces the pages share: ``core.list_page.ListPage`` (filters → selector → page → full page
or htmx fragment) on real list pages, and ``core.forms.ServiceForm`` (a service's ``ValidationError`` on
the form's fields) with real services."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import reverse

from tests.factories import CustomerFactory, DealFactory
from totonou.core.forms import ServiceForm
from totonou.core.models import AuditEntry
from totonou.users.models import User
from totonou.users.services import user_update, user_update_preferences
from totonou.web.views.deals import DEALS

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def deals(team_a):
    _, _, (rep, other) = team_a
    customer = CustomerFactory(owner=rep)
    made = [DealFactory(customer=customer, owner=rep, title=f"Deal {index:02}") for index in range(30)]
    return rep, other, made


def test_a_list_page_renders_the_full_page_or_only_its_results(deals, client_for):
    rep, _, _ = deals
    client = client_for(rep)
    url = reverse("deals:deal_list")
    full = client.get(url)
    assert full.status_code == 200
    assert full.templates[0].name == "deals/deal_list.html"
    assert "<html" in full.content.decode()
    fragment = client.get(url, headers={**HTMX, "HX-Target": DEALS.results_id})
    assert fragment.status_code == 200
    assert fragment.templates[0].name == "deals/_deal_results.html"
    assert "<html" not in fragment.content.decode()
    assert fragment["Vary"].startswith("HX-Request, HX-Target")
    # Another target (or none) gets the full page.
    other = client.get(url, headers={**HTMX, "HX-Target": "something-else"})
    assert other.templates[0].name == "deals/deal_list.html"


def test_a_list_page_pages_and_reports_bad_filters(deals, client_for):
    rep, other, _ = deals
    client = client_for(rep)
    url = reverse("deals:deal_list")
    first = client.get(url)
    assert first.context["page"].number == 1
    assert len(first.context["page"].object_list) == DEALS.page_size == 25
    assert first.context["page"].paginator.count == 30
    past_the_end = client.get(url, {"page": "99"})
    assert past_the_end.context["page"].number == 2
    assert len(past_the_end.context["page"].object_list) == 5
    not_a_number = client.get(url, {"page": "x"})
    assert not_a_number.context["page"].number == 1
    bad = client.get(url, {"owner": "abc", "kind": "open"})
    assert bad.status_code == 200
    assert set(bad.context["filter_errors"]) == {"owner"}
    assert bad.context["filters"].owner is None
    assert bad.context["filters"].kind == "open"
    assert bad.context["page"].paginator.count == 30
    none_of_theirs = client.get(url, {"owner": other.pk})
    assert none_of_theirs.context["page"].paginator.count == 0
    assert none_of_theirs.context["filter_errors"] == {}


def test_a_list_page_prepares_only_the_rows_it_shows(team_a, client_for):
    _, _, (rep, _) = team_a
    for index in range(27):
        CustomerFactory(owner=rep, name=f"C{index:02}", name_kana=f"C{index:02}")
    response = client_for(rep).get(reverse("customers:customer_list"), {"page": "2"})
    rows = list(response.context["page"].object_list)
    assert [customer.name for customer in rows] == ["C25", "C26"]
    assert [customer.days_since_contact for customer in rows] == [None, None]


class ColourForm(ServiceForm[User]):
    """A form whose field is named differently from the service's."""

    service_field_map = {"calendar_color": "colour"}

    colour = forms.CharField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def submit(self) -> User:
        return user_update_preferences(
            actor=self.user, user=self.user, calendar_color=self.cleaned_data["colour"]
        )


class DemoteForm(ServiceForm[User]):
    """A form that shows no field for the service's error: it goes above the form."""

    confirm = forms.BooleanField()

    def __init__(self, *args, actor, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor, self.user = actor, user

    def submit(self) -> User:
        return user_update(actor=self.actor, user=self.user, role=User.Role.REP)


def test_a_service_form_returns_the_services_result(team_a):
    _, _, (rep, _) = team_a
    form = ColourForm({"colour": "#123456"}, user=rep)
    saved = form.save()
    assert saved is not None and saved.pk == rep.pk
    rep.refresh_from_db()
    assert rep.calendar_color == "#123456"
    assert form.errors == {}


def test_a_service_form_shows_the_services_errors_on_its_fields_and_changes_nothing(team_a):
    _, _, (rep, _) = team_a
    before = User.objects.get(pk=rep.pk).calendar_color
    form = ColourForm({"colour": "red"}, user=rep)
    assert form.save() is None
    assert form.errors == {"colour": ["Give a colour as #RRGGBB."]}
    assert User.objects.get(pk=rep.pk).calendar_color == before


def test_a_service_form_puts_an_error_for_a_field_it_does_not_show_above_the_form(admin_user):
    form = DemoteForm({"confirm": "on"}, actor=admin_user, user=admin_user)
    assert form.save() is None
    assert form.non_field_errors() == ["You cannot remove your own administrator access."]
    assert User.objects.get(pk=admin_user.pk).role == User.Role.ADMIN


def test_a_service_form_does_not_call_the_service_when_its_own_fields_are_invalid(team_a):
    _, _, (rep, _) = team_a
    colour, audited = User.objects.get(pk=rep.pk).calendar_color, AuditEntry.objects.count()
    form = ColourForm({"colour": ""}, user=rep)
    assert form.save() is None
    assert list(form.errors) == ["colour"]
    assert (User.objects.get(pk=rep.pk).calendar_color, AuditEntry.objects.count()) == (colour, audited)
