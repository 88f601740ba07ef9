"""The one activity card (ADR 0015): every variant shows the same pieces — status symbol and word from the
one mapping, ★ with its label and ``is-key``, customer, type, owner — and escapes every value."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone, translation

from tests.factories import ActivityFactory, CustomerFactory, DealFactory
from tests.web.html import find_one
from totonou.search.selectors import Hit
from totonou.web import activity_card
from totonou.web.activity_card import STATUSES, Kit

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>&'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"
MARKER = '<span class="key-marker" role="img" aria-label="Key customer" title="Key customer">★</span>'


@dataclass
class Entry:
    activity: object
    start: datetime.datetime
    can_move: bool

    @property
    def time(self) -> str:
        return f"{self.start:%H:%M}"

    @property
    def start_value(self) -> str:
        return f"{self.start:%Y-%m-%dT%H:%M}"


def variants(activity, kit: Kit) -> dict[str, str]:
    """The activity drawn by each variant (the feed card inside an element with the card's attributes)."""
    hit = Hit(
        "activity", activity.pk, activity.subject, [], "notes", [], activity.starts_at, None, None, "/x/"
    )
    entry = Entry(activity, timezone.localtime(activity.starts_at), can_move=True)
    return {
        "calendar": activity_card.calendar_cell(entry, kit, show_owner=True),
        "row": activity_card.row(activity, kit),
        "feed": f"<li {activity_card.attrs(activity, kit)}>"
        f"{activity_card.feed_card(activity, kit, with_notes=True)}</li>",
        "search": activity_card.search_hit(hit, activity, kit),
    }


def card_in(html: str, activity) -> object:
    return find_one(html, "data-activity", str(activity.pk))


@pytest.fixture
def hostile_activity(team_a):
    _team, _manager, (rep, _other) = team_a
    rep.display_name = HOSTILE
    rep.save()
    rep.calendar_color = 'red;"><script>'  # the database refuses it; a card must not trust it either
    customer = CustomerFactory(owner=rep, name=HOSTILE, is_key=True)
    deal = DealFactory(customer=customer, owner=rep, title=HOSTILE)
    return ActivityFactory(
        owner=rep, customer=customer, deal=deal, subject=HOSTILE, notes=HOSTILE, next_step=HOSTILE
    )


def test_every_variant_escapes_every_value_and_marks_the_key_customer(hostile_activity):
    translation.activate("en")
    for name, html in variants(hostile_activity, Kit()).items():
        assert "<script>" not in html, name
        assert ESCAPED in html, name
        card = card_in(html, hostile_activity)
        assert "is-key" in card.classes, name
        assert MARKER in card.html, name
        assert 'style="--member-color: #6b7280"' in html, name  # a bad colour never reaches the style


@pytest.mark.parametrize(
    ("status", "hours", "state"),
    [
        ("planned", 24, "planned"),
        ("planned", -24, "overdue"),
        ("done", -24, "done"),
        ("cancelled", 24, "cancelled"),
    ],
)
def test_every_variant_shows_the_status_symbol_and_word_of_the_one_mapping(team_a, status, hours, state):
    translation.activate("ja")
    _team, _manager, (rep, _other) = team_a
    start = timezone.now() + datetime.timedelta(hours=hours)
    activity = ActivityFactory(
        owner=rep,
        status=status,
        starts_at=start,
        completed_at=start if status == "done" else None,
        cancelled_at=timezone.now() if status == "cancelled" else None,
        cancel_reason="先方都合" if status == "cancelled" else "",
    )
    mapping = STATUSES[state]
    for name, html in variants(activity, Kit()).items():
        card = card_in(html, activity)
        assert f"activity--{status}" in card.classes, name
        assert ("is-overdue" in card.classes) == (state == "overdue"), name
        assert mapping.symbol in card.text and str(mapping.word) in card.text, name
        assert "★" not in card.text, name
        if name != "search":  # the search hit's date label says "planned for" in words of its own
            others = [other for key, other in STATUSES.items() if key not in {state, "moved"}]
            assert not any(str(other.word) in card.text for other in others), name


def test_a_moved_plan_shows_the_moved_symbol_and_word(team_a):
    translation.activate("en")
    _team, _manager, (rep, _other) = team_a
    start = timezone.now() + datetime.timedelta(days=2)
    activity = ActivityFactory(
        owner=rep, starts_at=start, original_starts_at=start - datetime.timedelta(days=1)
    )
    html = variants(activity, Kit())
    assert '<span class="activity__flag"><span aria-hidden="true">↻</span> Moved</span>' in html["row"]
    assert '<span class="visually-hidden">Moved</span>' in html["calendar"]
