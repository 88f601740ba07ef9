"""The deal and customer lists' rows in Python (``totonou.web.list_rows``) are the markup the template
loops wrote."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.template import engines
from django.utils import timezone, translation

from tests.factories import CustomerFactory, DealFactory, SegmentFactory, UserFactory
from totonou.customers.models import Customer
from totonou.customers.selectors import ROW_FIELDS as CUSTOMER_FIELDS
from totonou.deals.models import Deal, Stage
from totonou.deals.selectors import ROW_FIELDS
from totonou.web.list_rows import customer_list_rows, deal_list_rows

pytestmark = pytest.mark.django_db

#: The rows as ``deals/_deal_results.html`` wrote them before ``deal_list_rows``.
LOOP_TEMPLATE = """{% load i18n totonou %}        {% for deal in page.object_list %}
          <tr data-deal="{{ deal.pk }}"{% if deal.customer.is_key %} class="is-key"{% endif %}>
            <th scope="row"><a href="{{ deal.get_absolute_url }}">{{ deal.title }}</a><span class="muted block">{% if deal.customer.is_key %}{% key_marker %} {% endif %}{{ deal.customer.name }}</span></th>
            <td><span class="stage stage--{{ deal.stage.kind }}">{{ deal.stage.name }}</span></td>
            <td class="numeric">{{ deal.amount|money }}</td>
            <td class="hide-sm">{{ deal.owner }}</td>
            <td class="hide-sm">{{ deal.expected_close_date|date:"Y/m/d"|default:"—" }}</td>
            <td class="hide-sm numeric">{% if deal.stage.kind == "open" %}{{ deal.stage_entered_at|days_ago }}{% else %}—{% endif %}</td>
            <td class="hide-sm">{{ deal.last_activity_at|date:"Y/m/d"|default:"—" }}</td>
          </tr>
        {% empty %}
          <tr><td colspan="7" class="empty">{% translate "No deals match." %}</td></tr>
        {% endfor %}
"""  # noqa: E501


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Los_Angeles"])
def test_the_rows_in_python_are_the_templates_markup(language, zone):
    """A key customer and a plain one, markup in the names, an open deal in its stage for 1,234 days, won
    and lost deals, no dates and dates a few minutes either side of midnight in the viewer's zone, an owner
    with and without a display name: the Python rows equal the template's, character for character."""
    now = timezone.now()
    # Noon of the viewer's day 1,234 days ago: ``now - 1234 days`` is 1,233 local days in Los Angeles
    # between 23:00 and midnight, when the summer offset of then differs from the winter offset of now.
    viewer_zone = zoneinfo.ZoneInfo(zone)
    entered = datetime.datetime.combine(
        timezone.localdate(now, viewer_zone) - datetime.timedelta(days=1234), datetime.time(12), viewer_zone
    )
    owner = UserFactory(username="rep_rows", display_name='山田 "Rep" <b>')
    plain_owner = UserFactory(username="plain_rows", display_name="", first_name="", last_name="")
    key = CustomerFactory(owner=owner, name='"Quote" <i>Mart</i> & 株式会社', is_key=True)
    plain = CustomerFactory(owner=plain_owner, name="Plain")
    stages = {stage.slug: stage for stage in Stage.objects.all()}
    tokyo_midnight = datetime.datetime(2026, 11, 30, 15, 0, tzinfo=datetime.UTC)  # 00:00 in Tokyo
    made = [
        DealFactory(
            customer=key,
            title="<b>Big</b> & co",
            amount=1_234_567,
            stage_entered_at=entered,
            expected_close_date=datetime.date(2027, 1, 9),
            last_activity_at=tokyo_midnight - datetime.timedelta(minutes=5),
        ),
        DealFactory(
            customer=plain, title="No dates", amount=0, expected_close_date=None, last_activity_at=None
        ),
        DealFactory(
            customer=plain,
            title="Won",
            stage=stages["won"],
            closed_at=now,
            last_activity_at=tokyo_midnight + datetime.timedelta(minutes=5),
        ),
        DealFactory(customer=key, title="Lost", stage=stages["lost"], closed_at=now, amount=5),
    ]
    deals = list(
        Deal.objects.filter(pk__in=[deal.pk for deal in made])
        .select_related("customer", "owner", "stage")
        .only(*ROW_FIELDS)
        .order_by("pk")
    )
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        template = engines["django"].from_string(LOOP_TEMPLATE)
        expected = template.render({"page": {"object_list": deals}})
        got = "        " + str(deal_list_rows(deals)) + "\n"
        empty_expected = template.render({"page": {"object_list": []}})
        empty = "        " + str(deal_list_rows([])) + "\n"
    assert got == expected
    assert got.count("<tr data-deal=") == 4 and got.count('class="is-key"') == 2
    assert "<b>" not in got and "<i>" not in got and 'numeric">1234<' in got
    assert empty == empty_expected
    assert ("該当する案件はありません。" if language == "ja" else "No deals match.") in empty


#: The rows as ``customers/_customer_results.html`` wrote them before ``customer_list_rows``.
CUSTOMER_LOOP_TEMPLATE = """{% load i18n totonou %}        {% for customer in page.object_list %}
          <tr class="{% if customer.is_key %}is-key{% endif %}" data-customer="{{ customer.pk }}">
            {% if bulk_form and not filters.archived %}<td class="select-col"><input type="checkbox" name="customers" value="{{ customer.pk }}" form="bulk-form" id="pick-{{ customer.pk }}" aria-label="{% blocktranslate with name=customer.name %}Select {{ name }}{% endblocktranslate %}"></td>{% endif %}
            <th scope="row">
              {% if customer.is_key %}{% key_marker %}{% endif %}
              <a href="{{ customer.get_absolute_url }}">{{ customer.name }}</a>
              {% if customer.name_kana %}<span class="kana">{{ customer.name_kana }}</span>{% endif %}
            </th>
            <td class="last-contact" data-days="{{ customer.days_since_contact|default_if_none:'' }}">
              {% if customer.last_contact_at %}
                <time datetime="{{ customer.last_contact_at|date:'c' }}">{{ customer.last_contact_at|date:"Y/m/d" }}</time>
                <span class="muted block">{% if customer.days_since_contact == 0 %}{% translate "today" %}{% else %}{% blocktranslate count days=customer.days_since_contact %}{{ days }} day ago{% plural %}{{ days }} days ago{% endblocktranslate %}{% endif %}</span>
              {% else %}
                <span class="muted">{% translate "Never contacted" %}</span>
              {% endif %}
            </td>
            <td class="hide-sm">{% if customer.segment %}<span class="segment" style="--segment-color: {{ customer.segment.color|member_colour }}"><span class="swatch" aria-hidden="true"></span>{{ customer.segment.name }}</span>{% else %}—{% endif %}</td>
            <td class="hide-sm">{{ customer.owner }}</td>
            <td class="hide-sm">{{ customer.get_status_display }}</td>
          </tr>
        {% empty %}
          <tr><td colspan="5" class="empty">{% translate "No customers match." %}</td></tr>
        {% endfor %}
"""  # noqa: E501


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("selectable", [True, False], ids=["bulk", "plain"])
def test_the_customer_rows_in_python_are_the_templates_markup(language, selectable):
    """A key customer with markup in its name, kana and a segment with markup in its name; a plain one without
    kana, segment or contact; contacted today, yesterday and 1,234 days ago, near midnight in the viewer's
    zone; every status; with and without the bulk action's check boxes: the rows equal the template's."""
    from totonou.customers.selectors import days_since

    now = timezone.now()
    owner = UserFactory(username="cust_rows", display_name="<i>Owner</i>")
    segment = SegmentFactory(name='Retail & "Food"', color="#aa0000")
    good = SegmentFactory(name="製造", color="#12ab34")
    made = [
        CustomerFactory(
            owner=owner, name='"Quote" <i>Mart</i> & 株式会社', name_kana="クオート", is_key=True,
            segment=segment, last_contact_at=now, status="active",
        ),
        CustomerFactory(owner=owner, name="Plain", name_kana="", segment=None, last_contact_at=None),
        CustomerFactory(
            owner=owner, name="Yesterday", segment=good, status="inactive",
            last_contact_at=now - datetime.timedelta(days=1),
        ),
        CustomerFactory(
            owner=owner, name="Long ago", segment=good, status="prospect",
            last_contact_at=now - datetime.timedelta(days=1234, minutes=3),
        ),
    ]  # fmt: skip
    customers = list(
        Customer.objects.filter(pk__in=[customer.pk for customer in made])
        .select_related("segment", "owner")
        .only(*CUSTOMER_FIELDS)
        .order_by("pk")
    )
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        today = timezone.localdate()
        for customer in customers:
            customer.days_since_contact = days_since(customer.last_contact_at, today)
        context = {"page": {"object_list": customers}, "bulk_form": object() if selectable else None}
        template = engines["django"].from_string(CUSTOMER_LOOP_TEMPLATE)
        expected = template.render(context)
        got = "        " + str(customer_list_rows(customers, selectable=selectable)) + "\n"
        empty_expected = template.render({**context, "page": {"object_list": []}})
        empty = "        " + str(customer_list_rows([], selectable=selectable)) + "\n"
    assert got == expected
    assert got.count("<tr class=") == 4 and got.count('type="checkbox"') == (4 if selectable else 0)
    assert "<i>" not in got and "#aa0000" in got and 'data-days="1234"' in got
    assert empty == empty_expected and 'colspan="5"' in empty
