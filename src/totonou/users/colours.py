"""Member colours: the calendar colour that marks a person's activities in team views.

A member's colour sits beside the key-customer amber (the ★ and the amber border of key customers), so
no member colour may be mistaken for it: the palette leaves out the orange-to-yellow hues, and a colour
someone picks by hand is refused when it falls there. Every colour is a bar or a border next to white,
so it keeps at least 3:1 contrast on white (WCAG 1.4.11, non-text contrast); the palette's own colours
reach 4.5:1 and can carry text.
"""

from __future__ import annotations

import colorsys
from collections.abc import Iterable

#: The key-customer amber of the stylesheet (``--key``).
KEY_AMBER = "#a15c00"

#: Hues (degrees) read as amber, orange or yellow: no member colour there.
AMBER_HUES = (20.0, 65.0)

#: The colours new members get, in this order (the first one nobody in the team has yet).
MEMBER_COLOURS = (
    "#1d4ed8",  # blue
    "#0f766e",  # teal
    "#7e22ce",  # purple
    "#b91c1c",  # red
    "#15803d",  # green
    "#be185d",  # pink
    "#4338ca",  # indigo
    "#4d7c0f",  # olive
    "#1e3a8a",  # navy
    "#701a75",  # plum
    "#831843",  # wine
    "#475569",  # slate
)


def _rgb(colour: str) -> tuple[float, float, float]:
    value = colour.lstrip("#")
    return (int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255)


def contrast_on_white(colour: str) -> float:
    """The WCAG contrast ratio of ``colour`` against white."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in _rgb(colour))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return 1.05 / (luminance + 0.05)


def looks_amber(colour: str) -> bool:
    """True for a colour a person could take for the key-customer amber: a saturated hue between
    orange and yellow (greys and near-blacks of those hues are not)."""
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(colour))
    degrees = hue * 360
    return AMBER_HUES[0] <= degrees <= AMBER_HUES[1] and saturation >= 0.3 and 0.12 <= lightness <= 0.9


def member_colour_problem(colour: str) -> str | None:
    """Why ``colour`` (``#rrggbb``) cannot be a member colour, or None. Plain words, translated by
    the caller's ``gettext`` at the place that shows them."""
    if looks_amber(colour):
        return "amber"
    if contrast_on_white(colour) < 3.0:
        return "light"
    return None


def next_member_colour(used: Iterable[str]) -> str:
    """The first palette colour not in ``used`` (case-insensitive); the palette repeats once all are taken."""
    taken = [colour.lower() for colour in used]
    for colour in MEMBER_COLOURS:
        if colour not in taken:
            return colour
    return MEMBER_COLOURS[len(taken) % len(MEMBER_COLOURS)]
