"""The list pages filter with the API's FilterSchemas and paginate."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ActivityFactory, CustomerFactory, DealFactory
from tests.web.conftest import local_noon
from tests.web.html import find_all
from totonou.deals.models import Stage

pytestmark = pytest.mark.django_db


def shown(html: str, attr: str, *objects) -> list[bool]:
    return [bool(find_all(html, attr, str(obj.pk))) for obj in objects]


# The feed's filters and paging are tested in test_feed.py (it lists events, not activities).


def test_calendar_members_can_be_checkboxes(world, client_for):
    colleague = ActivityFactory(owner=world.other_rep, starts_at=local_noon())
    html = (
        client_for(world.rep)
        .get(f"{reverse('activities:calendar')}?members={world.rep.pk}&members={world.other_rep.pk}")
        .content.decode()
    )
    assert shown(html, "data-activity", world.key_activity, colleague) == [True, True]


def test_customers_search_by_name_or_kana_and_filter(world, client_for):
    other = CustomerFactory(owner=world.other_rep, name="株式会社さくら", name_kana="サクラ", segment=None)
    client = client_for(world.rep)

    def customers(**query):
        html = client.get(reverse("customers:customer_list"), query).content.decode()
        return shown(html, "data-customer", world.key_customer, world.customer, other)

    assert customers() == [True, True, True]
    assert customers(q="さくら") == [False, False, True]
    assert customers(q="サクラ") == [False, False, True]
    assert customers(q="key") == [True, False, False]
    assert customers(owner=world.other_rep.pk) == [False, False, True]
    assert customers(segment=world.key_customer.segment_id) == [True, True, False]
    assert customers(is_key="true") == [True, False, False]


def test_customer_page_shows_details_contacts_deals_and_timeline(world, client_for):
    from tests.factories import ContactFactory

    ContactFactory(customer=world.key_customer, name="田中 一郎", title="部長")
    html = (
        client_for(world.rep)
        .get(reverse("customers:customer_detail", args=[world.key_customer.pk]))
        .content.decode()
    )
    assert "田中 一郎" in html
    assert "Spring fair" in html
    assert f'data-activity="{world.key_activity.pk}"' in html
    assert f'data-activity="{world.plain_activity.pk}"' not in html
    assert f"{reverse('web:home')}?customer={world.key_customer.pk}" in html


def test_deals_filter_by_stage_and_owner(world, client_for):
    won = DealFactory(customer=world.customer, owner=world.other_rep, stage=Stage.objects.get(slug="won"))
    client = client_for(world.rep)

    def deals(**query):
        html = client.get(reverse("deals:deal_list"), query).content.decode()
        return shown(html, "data-deal", world.deal, won)

    assert deals() == [True, False]  # a rep sees their own by default (issue 12)
    assert deals(owner="") == [True, True]  # "Everyone"
    assert deals(owner="", stage=won.stage_id) == [False, True]
    assert deals(owner=world.rep.pk) == [True, False]
    assert deals(owner="", kind="open") == [True, False]


def test_deal_page_shows_stage_history_and_activities(world, client_for):
    from totonou.deals.services import deal_change_stage

    deal_change_stage(actor=world.rep, deal=world.deal, stage=Stage.objects.get(slug="proposal"))
    html = client_for(world.rep).get(reverse("deals:deal_detail", args=[world.deal.pk])).content.decode()
    assert "Stage history" in html
    assert "Proposal" in html
    assert f'data-activity="{world.key_activity.pk}"' in html
