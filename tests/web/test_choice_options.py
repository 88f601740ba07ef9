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


MEMBER_LOOP = (
    "{% regroup members by team as groups %}{% for group in groups %}"
    '<div class="member-picker__team"><p class="member-picker__team-name">'
    '{{ group.grouper.name|default:_("No team") }}</p>{% for member in group.list %}'
    '<label class="check" style="--member-color: {{ member.calendar_color|member_colour }}">'
    '<input type="checkbox" name="members" value="{{ member.pk }}"'
    "{% if member.pk in selected_ids %} checked{% endif %}> "
    '<span class="cal-member__bar" aria-hidden="true"></span>{{ member }}</label>{% endfor %}</div>'
    "{% endfor %}"
)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_member_checkboxes_are_the_loops_they_replaced(language):
    from django.utils import translation

    hostile = "<b>\"A&B\"</b> 'x'"
    tokyo, osaka = TeamFactory(name=hostile), TeamFactory(name="大阪営業部")
    members = [
        UserFactory(username="amy", display_name=hostile, team=tokyo, calendar_color="#e11d48"),
        UserFactory(username="ken", display_name="山田", team=tokyo, calendar_color="#2563eb"),
        UserFactory(username="sho", display_name="佐藤", team=osaka),
        UserFactory(username="solo", display_name="一人", team=None),
        UserFactory(username="back", display_name="戻り", team=tokyo),  # a team met again: a new group
    ]
    selected = [members[1].pk, members[3].pk]
    with translation.override(language):
        expected = _render(MEMBER_LOOP, members=members, selected_ids=selected)
        got = _render("{% member_checkboxes members selected_ids %}", members=members, selected_ids=selected)
    assert got == expected
    assert got.count('class="member-picker__team"') == 4 and got.count(" checked") == 2
    assert ("チームなし" if language == "ja" else "No team") in got
    assert hostile not in got and "&lt;b&gt;" in got
    assert _render("{% member_checkboxes members selected_ids %}", members=[], selected_ids=[]) == ""
