"""Template filters for targets: a figure as people read it (¥ for revenue, counts with one decimal at
most) and a status with its symbol and word (never colour alone)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def figure(value: Any, metric: str = "") -> str:
    """``¥3,500,000`` for revenue, ``12`` or ``2.5`` for counts, ``—`` for none."""
    if value is None or value == "":
        return "—"
    number = float(value)
    text = f"{round(number):,}" if metric == "revenue" or number.is_integer() else f"{number:,.1f}"
    return f"¥{text}" if metric == "revenue" else text


@register.filter
def compact(value: Any) -> str:
    """An axis label: 3,000,000 → 300万 (ja) or 3M (en); small numbers as they are."""
    number = float(value or 0)
    japanese = (translation.get_language() or "ja").startswith("ja")
    steps = [(1e8, "億"), (1e4, "万")] if japanese else [(1e9, "B"), (1e6, "M"), (1e3, "k")]
    for size, unit in steps:
        if abs(number) >= size:
            scaled = number / size
            return f"{scaled:,.0f}{unit}" if scaled >= 10 or scaled.is_integer() else f"{scaled:.1f}{unit}"
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"


@register.simple_tag
def target_status(cell: Any) -> SafeString:
    """✓ 達成 / → 順調 / ! 遅れ, or nothing without a target."""
    if not cell.status:
        return format_html('<span class="target-status target-status--none">{}</span>', "—")
    return format_html(
        '<span class="target-status target-status--{}"><span aria-hidden="true">{}</span> {}</span>',
        cell.status.replace("_", "-"),
        cell.status_symbol,
        cell.status_label,
    )
