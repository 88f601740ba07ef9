"""The quick log offers a rep's likely customers, not all of the thousands they may own."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import CustomerFactory
from totonou.web.views.home import QUICK_LOG_CUSTOMERS

pytestmark = pytest.mark.django_db


def test_key_customers_first_then_the_most_recently_contacted_capped(team_a):
    _, _, (rep, _) = team_a
    now = timezone.now()
    plain = [
        CustomerFactory(owner=rep, name=f"顧客{i:03d}", last_contact_at=now - datetime.timedelta(days=i))
        for i in range(QUICK_LOG_CUSTOMERS + 10)
    ]
    key = CustomerFactory(owner=rep, name="重点スーパー", is_key=True)
    client = Client()
    client.force_login(rep)
    html = client.get("/").content.decode()
    select = html[html.index('name="customer"') :]
    select = select[: select.index("</select>")]
    offered = [int(pk) for pk in re.findall(r'<option value="(\d+)"', select)]
    assert len(offered) == QUICK_LOG_CUSTOMERS
    assert offered[0] == key.pk
    assert offered[1:] == [customer.pk for customer in plain[: QUICK_LOG_CUSTOMERS - 1]]
