"""The feed's items are written in Python (``totonou.web.feed_item``); the Django template they replaced
(``feed_item_template.html`` here, as it was) is kept to prove the markup is the same, byte for byte, for
every kind of item: planned, done, moved, cancelled with a reason, commented (mentioning the reader),
reviewed, a deal's stage changes (moved, lost with a reason and a note, won, reopened), grouped items
with earlier events, hostile values, for a manager who may review and a rep who may not, in both
languages, on a page and among the new items of a poll."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.middleware.csrf import get_token
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from tests.factories import activity_type
from tests.web.conftest import local_noon
from totonou.activities import services
from totonou.activities.filters import FeedFilter
from totonou.activities.selectors import feed_events
from totonou.activities.services.comment import comment_create
from totonou.deals.models import LossReason, Stage
from totonou.deals.services import deal_change_stage
from totonou.web.views.feed import prepare_events

pytestmark = pytest.mark.django_db

TEMPLATE = Path(__file__).with_name("feed_item_template.html")
TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+')


def _world_with_every_kind(world):
    rep, manager = world.rep, world.manager
    start = local_noon(-1)
    hostile = "<script>alert(\"x\")</script> & 'quoted'"
    moved = services.activity_create(
        actor=rep,
        type=activity_type("visit"),
        customer=world.customer,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        subject=hostile,
    )
    services.activity_reschedule(
        actor=rep, activity=moved, starts_at=start + datetime.timedelta(days=2, hours=3)
    )
    cancelled = services.activity_create(
        actor=rep,
        type=activity_type("call"),
        customer=world.key_customer,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
    )
    services.activity_cancel(actor=rep, activity=cancelled, reason="先方都合 " + hostile)
    done = services.activity_complete(actor=rep, activity=world.key_activity, notes="メモ\n" + "長い" * 200)
    comment_create(actor=manager, activity=done, body=f"@{rep.username} よくできました {hostile}")
    comment_create(actor=rep, activity=done, body=f"@{manager.username} ありがとう")
    services.activity_mark_reviewed(actor=manager, activity=done)
    deal_change_stage(actor=rep, deal=world.deal, stage=Stage.objects.get(slug="proposal"))
    deal_change_stage(
        actor=rep,
        deal=world.deal,
        stage=Stage.objects.get(slug="lost"),
        loss_reason=LossReason.objects.get(slug="price"),
        loss_note="高い " + hostile,
    )
    deal_change_stage(actor=manager, deal=world.deal, stage=Stage.objects.get(slug="proposal"))  # reopened
    deal_change_stage(actor=rep, deal=world.deal, stage=Stage.objects.get(slug="won"))


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("is_new", [False, True])
def test_feed_items_are_the_template_they_replaced(world, language, is_new):
    _world_with_every_kind(world)
    engine = engines["django"]
    before = engine.from_string(TEMPLATE.read_text())
    after = engine.get_template("activities/_feed_item.html")
    kinds: set[str] = set()
    with translation.override(language):
        for viewer in (world.manager, world.rep, world.other_rep):
            request = RequestFactory().get("/feed/")
            request.user = viewer
            get_token(request)
            events = prepare_events(list(feed_events(user=viewer, filters=FeedFilter())[:25]), viewer=viewer)
            kinds |= {event.kind for event in events}
            kinds |= {earlier.kind for event in events for earlier in getattr(event, "earlier", [])}
            context = {"events": events, "next_url": "/feed/?owner=&q=<a>&x='1'", "is_new": is_new}
            expected = TOKEN.sub(r"\1T", before.render({**context, "user": viewer}, request))
            rendered = TOKEN.sub(r"\1T", after.render({**context, "user": viewer}, request))
            assert rendered == expected
            assert "<script>" not in rendered
    assert kinds == {"planned", "moved", "cancelled", "completed", "commented", "reviewed", "stage"}
