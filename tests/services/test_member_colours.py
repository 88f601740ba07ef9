"""Member colours (``users.colours``): none passes for the key-customer amber, all are visible on white,
and a new member gets the first palette colour their team does not use yet."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from totonou.core.exceptions import ValidationError
from totonou.demo.context import calendar_colors
from totonou.users.colours import (
    KEY_AMBER,
    MEMBER_COLOURS,
    contrast_on_white,
    looks_amber,
    member_colour_problem,
)
from totonou.users.models import User
from totonou.users.services import user_create, user_update, user_update_preferences

STYLESHEET = Path(__file__).resolve().parents[2] / "src/totonou/web/static/totonou/app.css"


def test_the_key_amber_is_the_stylesheets_and_reads_as_amber():
    declared = re.search(r"--key:\s*(#[0-9a-fA-F]{6})", STYLESHEET.read_text(encoding="utf-8"))
    assert declared is not None and declared.group(1).lower() == KEY_AMBER
    assert looks_amber(KEY_AMBER)
    assert looks_amber("#f59e0b") and looks_amber("#d97706") and looks_amber("#ca8a04")  # amber, orange, gold
    assert not looks_amber("#78716c")  # a warm grey is not amber


def test_the_palette_has_twelve_distinct_text_contrast_colours_none_amber():
    assert len(MEMBER_COLOURS) == 12 == len({colour.lower() for colour in MEMBER_COLOURS})
    for colour in MEMBER_COLOURS:
        assert contrast_on_white(colour) >= 4.5, colour
        assert member_colour_problem(colour) is None, colour
    # Two palette colours never look alike: their RGB distance stays well above a just-noticeable step.
    for first, second in itertools.combinations(MEMBER_COLOURS, 2):
        distance = (
            sum((int(first[i : i + 2], 16) - int(second[i : i + 2], 16)) ** 2 for i in (1, 3, 5)) ** 0.5
        )
        assert distance >= 40, (first, second)


def test_the_demo_colours_follow_the_palette_and_stay_clear_of_amber():
    colours = calendar_colors(50)
    assert colours[:12] == list(MEMBER_COLOURS)
    assert len(set(colours)) == 50
    assert [colour for colour in colours if member_colour_problem(colour) is not None] == []


@pytest.mark.django_db
def test_a_new_member_gets_the_first_colour_their_team_does_not_use(team_a, admin_user):
    team, manager, (rep1, rep2) = team_a
    User.objects.filter(pk__in=[manager.pk, rep1.pk]).update(calendar_color=MEMBER_COLOURS[0])
    User.objects.filter(pk=rep2.pk).update(calendar_color=MEMBER_COLOURS[1].upper())
    created = user_create(actor=admin_user, username="newrep", team=team)
    assert created.calendar_color == MEMBER_COLOURS[2]
    chosen = user_create(actor=admin_user, username="chooser", team=team, calendar_color="#123456")
    assert chosen.calendar_color == "#123456"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("colour", "message"),
    [("#f59e0b", "amber"), ("#A15C00", "amber"), ("#fafafa", "Too light")],
)
def test_an_amber_or_faint_colour_is_refused_and_nothing_changes(team_a, admin_user, colour, message):
    _, _, (rep, _) = team_a
    before = (rep.calendar_color, rep.display_name)
    with pytest.raises(ValidationError) as refused:
        user_update_preferences(actor=rep, user=rep, calendar_color=colour, display_name="Changed")
    assert message in str(refused.value.message_dict["calendar_color"])
    with pytest.raises(ValidationError):
        user_update(actor=admin_user, user=rep, calendar_color=colour)
    with pytest.raises(ValidationError):
        user_create(actor=admin_user, username="amberite", calendar_color=colour)
    rep.refresh_from_db()
    assert (rep.calendar_color, rep.display_name) == before
    assert not User.objects.filter(username="amberite").exists()


@pytest.mark.django_db
def test_a_colour_someone_already_has_does_not_block_other_changes(team_a):
    _, _, (rep, _) = team_a
    User.objects.filter(pk=rep.pk).update(calendar_color="#d97706")  # from before the rule
    rep.refresh_from_db()
    user_update_preferences(actor=rep, user=rep, calendar_color="#D97706", display_name="佐藤")
    rep.refresh_from_db()
    assert (rep.display_name, rep.calendar_color.lower()) == ("佐藤", "#d97706")
