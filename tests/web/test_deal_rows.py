"""The deal list's rows in Python (``totonou.web.deal_rows``) are the markup the template loop wrote."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.template import engines
from django.utils import timezone, translation

from tests.factories import CustomerFactory, DealFactory, UserFactory
from totonou.deals.models import Deal, Stage
from totonou.deals.selectors import ROW_FIELDS
from totonou.web.deal_rows import deal_list_rows

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
            stage_entered_at=now - datetime.timedelta(days=1234),
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
