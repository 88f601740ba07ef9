"""``{{ text|highlight:ranges }}``: the text escaped, with the ranges marked (escaped first, then marked,
so nothing in the text can become markup)."""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def highlight(text: str, ranges: Sequence[tuple[int, int]]) -> SafeString:
    parts: list[str] = []
    position = 0
    for start, end in ranges or ():
        if start < position or end <= start:
            continue
        parts.append(conditional_escape(text[position:start]))
        parts.append(format_html("<mark>{}</mark>", text[start:end]))
        position = end
    parts.append(conditional_escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above
