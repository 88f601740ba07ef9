"""``{{ text|highlight:ranges }}``: the text escaped, with the ranges marked (escaped first, then marked,
so nothing in the text can become markup)."""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.utils.safestring import SafeString, mark_safe

from totonou.web import activity_card

register = template.Library()


@register.filter
def highlight(text: str, ranges: Sequence[tuple[int, int]]) -> SafeString:
    return mark_safe(activity_card.highlight(text, ranges))  # noqa: S308 - every part is escaped there
