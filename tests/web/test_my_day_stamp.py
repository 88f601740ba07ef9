"""My day draws its result forms once per page and fills each plan in (``home.PlanStamp``): the page must
be the very markup the forms drawn per plan give — ids, URLs, versions, notes and next steps (escaped),
the suggested new start of a missed plan, the labels — in both lists and both languages, with a manager
looking at a member's day too."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import ActivityFactory, CustomerFactory, TeamFactory, UserFactory
from totonou.users.models import User
from totonou.web.views import home

pytestmark = pytest.mark.django_db

ACTIONS = re.compile(r'<div class="plan-actions".*?</details>\s*</div>', re.S)


def _page(client: Client, url: str, language: str) -> str:
    html = client.get(url, headers={"Accept-Language": language}).content.decode()
    # the masked CSRF token differs per request (the same secret): compare the rest
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+"', r'\1TOKEN"', html)
    return re.sub(r'("X-CSRFToken": ")[^"]+"', r'\1TOKEN"', html)


@pytest.fixture
def day():
    team = TeamFactory()
    rep = UserFactory(username="stamp-rep", team=team, language="ja")
    manager = UserFactory(username="stamp-manager", role=User.Role.MANAGER)
    team.managers.add(manager)
    now = timezone.now()
    today = timezone.localdate()
    noon = timezone.make_aware(datetime.datetime.combine(today, datetime.time(12, 0)))
    hostile = CustomerFactory(owner=rep, name='<b>"Key" & Mart</b>', is_key=True)
    plain = CustomerFactory(owner=rep, name="Plain 商事")
    plans = [
        # today, ahead or passed, notes with markup, an empty next step, a version above 1
        ActivityFactory(
            owner=rep, customer=hostile, status="planned", starts_at=noon + datetime.timedelta(hours=6),
            ends_at=noon + datetime.timedelta(hours=7), notes='<script>alert("x")</script> & more',
            next_step="",
        ),
        ActivityFactory(
            owner=rep, customer=plain, status="planned", starts_at=noon - datetime.timedelta(hours=3),
            ends_at=noon - datetime.timedelta(hours=2), notes="", next_step="見積を送る\n二行目",
        ),
        # waiting: missed days ago (a suggested start tomorrow), with seconds and microseconds
        ActivityFactory(
            owner=rep, customer=plain, status="planned",
            starts_at=now - datetime.timedelta(days=3, seconds=17, microseconds=123),
            ends_at=now - datetime.timedelta(days=3) + datetime.timedelta(hours=1),
        ),
        ActivityFactory(
            owner=rep, customer=None, status="planned", starts_at=now - datetime.timedelta(days=1),
            ends_at=now - datetime.timedelta(days=1) + datetime.timedelta(minutes=30), notes="社内",
        ),
    ]  # fmt: skip
    plans[0].version = 7
    plans[0].save(update_fields=["version"])
    return rep, manager, plans


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("viewer", ["rep", "manager"])
def test_the_stamped_forms_are_the_forms_drawn_per_plan(day, monkeypatch, language, viewer):
    rep, manager, plans = day
    client = Client()
    client.force_login(rep if viewer == "rep" else manager)
    url = "/" if viewer == "rep" else f"/?member={rep.pk}"
    stamped = _page(client, url, language)

    drawn_items = home.plan_item
    monkeypatch.setattr(home, "plan_item", lambda **kwargs: drawn_items(**{**kwargs, "with_forms": True}))
    drawn = _page(client, url, language)

    stamped_blocks, drawn_blocks = ACTIONS.findall(stamped), ACTIONS.findall(drawn)
    assert len(stamped_blocks) == len(plans) == 4  # every plan has its forms, in both ways
    assert stamped_blocks == drawn_blocks
    assert stamped == drawn  # and nothing else on the page differs
    for plan in plans:
        assert f'id="plan{plan.pk}_complete_notes"' in stamped
        assert f'action="/activities/{plan.pk}/complete/"' in stamped
    assert 'value="7"' in stamped  # the first plan's version
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in stamped
    assert "<script>alert" not in stamped
    assert "&lt;b&gt;&quot;Key&quot; &amp; Mart&lt;/b&gt;" in stamped
    assert "zqstamp" not in stamped and str(home._STAMP_PK) not in stamped


def test_an_open_panel_is_drawn_from_its_own_forms(day):
    """An htmx response (its own group suffix) draws the item from its forms, not from a stamp."""
    rep, _manager, plans = day
    client = Client()
    client.force_login(rep)
    response = client.post(
        f"/activities/{plans[1].pk}/cancel/",
        {"reason": "", "version": plans[1].version, "next": "/"},
        headers={"HX-Request": "true", "HX-Target": f"today-{plans[1].pk}"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<details class="plan-action plan-action--cancel" name="plan-' in html
    assert re.search(rf'name="plan-{plans[1].pk}-[0-9a-f]{{8}}" open>', html)
    assert "zqstamp" not in html
