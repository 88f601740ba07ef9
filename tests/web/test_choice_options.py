"""``{% choice_options %}`` writes the ``<option>`` rows the filters' template loops wrote, byte for byte:
the id or another attribute as the value, a name or the item itself as the text, escaped, the chosen one
selected."""

from __future__ import annotations

import pytest
from django.template import engines

from tests.factories import SegmentFactory, TeamFactory, UserFactory, activity_type

pytestmark = pytest.mark.django_db

LOOPS = {
    "by id, named": (
        '{% for x in items %}<option value="{{ x.pk }}"{% if chosen == x.pk %} selected{% endif %}>'
        "{{ x.name }}</option>{% endfor %}",
        '{% choice_options items chosen label="name" %}',
    ),
    "by id, itself": (
        '{% for x in items %}<option value="{{ x.pk }}"{% if chosen == x.pk %} selected{% endif %}>'
        "{{ x }}</option>{% endfor %}",
        "{% choice_options items chosen %}",
    ),
    "by slug": (
        '{% for x in items %}<option value="{{ x.slug }}"{% if chosen == x.slug %} selected{% endif %}>'
        "{{ x.name }}</option>{% endfor %}",
        '{% choice_options items chosen value="slug" label="name" %}',
    ),
    "none chosen": (
        '{% for x in items %}<option value="{{ x.pk }}">{{ x.name }}</option>{% endfor %}',
        '{% choice_options items label="name" %}',
    ),
}


def _render(source: str, **context: object) -> str:
    return engines["django"].from_string("{% load totonou %}" + source).render(context)


@pytest.mark.parametrize("loop", LOOPS)
def test_the_options_are_the_loop_they_replaced(loop):
    hostile = "<b>\"A&B\"</b> 'x'"
    segments = [SegmentFactory(name=hostile), SegmentFactory(name="食品スーパー")]
    teams = [TeamFactory(name=hostile), TeamFactory(name="東京営業部")]
    people = [
        UserFactory(username="amy", display_name=hostile),
        UserFactory(username="ken", display_name="山田"),
    ]
    types = [activity_type("visit"), activity_type("call")]
    lists = {
        "by id, named": (segments, teams, types),
        "by id, itself": (people, teams),
        "by slug": (types,),
        "none chosen": (segments, teams),
    }[loop]
    before, after = LOOPS[loop]
    cases = 0
    for items in lists:
        keys = [item.slug if loop == "by slug" else item.pk for item in items]
        for chosen in (None, "", *keys):
            expected = _render(before, items=items, chosen=chosen)
            got = _render(after, items=items, chosen=chosen)
            assert got == expected
            assert got.count("<option ") == 2
            assert got.count(" selected") == (chosen in keys and loop != "none chosen")
            assert "<b>" not in got
            cases += 1
    assert cases == 4 * len(lists)
    assert _render(after, items=[], chosen=None) == ""
