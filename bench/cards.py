"""``python -m bench.cards``: render the same 120 activity cards (the timeline row) four ways and print the
median time of each (CPU time of the process, which a busy machine disturbs less than wall time, and wall
time), for ADR 0015.

1. ``django_include``: the Django template the timelines used (``_activity_item.html``, kept here as it
   was), included once per card — how the customer and deal timelines and My day rendered them;
2. ``django_inline``: the same markup inline in one Django template loop (how the feed rendered it);
3. ``jinja2``: the same markup as one Jinja2 template loop (Jinja2 as a second template backend);
4. ``python``: ``totonou.web.activity_card.row`` (``format_html``-style Python, NetBox's "hot cells in
   Python").

The cards are built in memory (no database): a mix of planned, done, cancelled, overdue and moved
activities, key and ordinary customers, with and without deals and notes. Each way is checked to write
the same text as the others before it is timed. Options: ``--items N`` (120), ``--runs N`` (30).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "totonou.config.settings")
os.environ.setdefault("TOTONOU_ENV", "local")
django.setup()

from django.template import Context, Engine  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from django.utils.translation import gettext  # noqa: E402

from totonou.activities.models import Activity, ActivityType  # noqa: E402
from totonou.customers.models import Customer  # noqa: E402
from totonou.deals.models import Deal  # noqa: E402
from totonou.users.models import User  # noqa: E402
from totonou.web import activity_card  # noqa: E402

# The row as a Django template (``card_templates/item.html``): ``activities/_activity_item.html`` before
# ADR 0015, with its unused "quick done" form left out and the ↻ the card now puts before "Moved" (so all
# four ways write the same text).
TEMPLATES = Path(__file__).resolve().parent / "card_templates"
DJANGO_ITEM = (TEMPLATES / "item.html").read_text()
DJANGO_INCLUDE = (
    "{% for activity in activities %}"
    '{% include "item.html" with activity=activity show_owner=True show_date=True show_notes=True %}'
    "{% endfor %}"
)
DJANGO_INLINE = (
    "{% load i18n totonou %}{% for activity in activities %}"
    + DJANGO_ITEM.replace("{% load i18n totonou %}", "")
    .replace("{% if show_date %}", "{% if True %}")
    .replace("{% if show_owner %}", "{% if True %}")
    .replace("{% if show_notes and activity.notes %}", "{% if activity.notes %}")
    + "{% endfor %}"
)

# The same markup as Jinja2 (``card_templates/loop.jinja``, autoescaping on). Jinja2 has no Django filters
# or tags: the dates, the colour check and the status come from the same small helpers a Jinja2 backend
# would register.
JINJA_LOOP = (TEMPLATES / "loop.jinja").read_text()


def sample(count: int) -> list[Activity]:
    """``count`` activities in memory, in the shapes a timeline shows."""
    now = timezone.now().replace(second=0, microsecond=0)
    visit = ActivityType(pk=1, slug="visit", name_ja="訪問", name_en="Visit")
    call = ActivityType(pk=2, slug="call", name_ja="電話", name_en="Call")
    owners = [
        User(pk=10 + index, username=f"rep{index}", display_name=name, calendar_color=colour)
        for index, (name, colour) in enumerate([("佐藤", "#2563eb"), ("鈴木", "#dc2626"), ("Tanaka", "bad")])
    ]
    customers = [
        Customer(pk=100 + index, name=f"株式会社サンプル{index} <&>", is_key=index % 3 == 0)
        for index in range(7)
    ]
    activities = []
    for index in range(count):
        customer = customers[index % 7] if index % 11 else None
        starts = now + datetime.timedelta(hours=index * 5 - 300)
        status = ("planned", "done", "done", "cancelled")[index % 4]
        activity = Activity(
            pk=1000 + index,
            owner=owners[index % 3],
            type=(visit, call)[index % 2],
            customer=customer,
            is_key_customer=bool(customer and customer.is_key),
            subject=f"定例訪問 {index}" if index % 5 else "",
            status=status,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            original_starts_at=starts - datetime.timedelta(days=1) if index % 7 == 0 else starts,
            notes=("新商品の説明をした。" * (index % 40)) if index % 3 else "",
            cancel_reason="先方の都合" if status == "cancelled" else "",
        )
        if customer is not None and index % 4 == 1:
            activity.deal = Deal(pk=500 + index, title=f"案件 {index}", customer=customer)
        activities.append(activity)
    return activities


def renderers() -> dict[str, Callable[[list[Activity]], str]]:
    engine = Engine(
        loaders=[("django.template.loaders.locmem.Loader", {"item.html": DJANGO_ITEM})],
        libraries={"i18n": "django.templatetags.i18n", "totonou": "totonou.web.templatetags.totonou"},
    )
    include = engine.from_string(DJANGO_INCLUDE)
    inline = engine.from_string(DJANGO_INLINE)

    import jinja2

    environment = jinja2.Environment(autoescape=True)
    jinja_template = environment.from_string(JINJA_LOOP)

    def jinja(activities: list[Activity]) -> str:
        kit = activity_card.Kit()
        now = kit.now
        head, tail = kit.detail
        return jinja_template.render(
            activities=activities,
            statuses=activity_card.STATUSES,
            status_key=lambda activity: activity_card.status_key(activity, now),
            colour=activity_card.member_colour,
            local=lambda value: value.astimezone(kit.zone),
            day=lambda local: f"{local.month}/{local.day} ({kit.weekdays[local.weekday()]})",
            clock=lambda local: f"{local.hour:02}:{local.minute:02}",
            url=lambda pk: f"{head}{pk}{tail}",
            truncate=activity_card.truncate,
            words={
                "key": gettext("Key customer"),
                "internal": gettext("Internal work"),
                "deal": gettext("Deal"),
                "moved": activity_card.STATUSES["moved"].word,
                "reason": gettext("Reason"),
            },
        )

    def python(activities: list[Activity]) -> str:
        kit = activity_card.Kit()
        return "".join(activity_card.row(activity, kit) for activity in activities)

    return {
        "django_include": lambda activities: include.render(Context({"activities": activities})),
        "django_inline": lambda activities: inline.render(Context({"activities": activities})),
        "jinja2": jinja,
        "python": python,
    }


def _text(html: str) -> str:
    """What a reader sees: the text without tags and whitespace (the ways differ in whitespace only)."""
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cards")
    parser.add_argument("--items", type=int, default=120)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--language", default="ja")
    args = parser.parse_args()
    translation.activate(args.language)
    activities = sample(args.items)
    ways = renderers()
    outputs = {name: render(activities) for name, render in ways.items()}
    reference = _text(outputs["python"])
    for name, html in outputs.items():
        if _text(html) != reference:
            raise SystemExit(f"{name} writes other text than python")
    results: dict[str, Any] = {}
    for name, render in ways.items():
        wall, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            render(activities)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        results[name] = {
            "cpu_median_ms": round(statistics.median(cpu), 2),
            "wall_median_ms": round(statistics.median(wall), 2),
            "wall_min_ms": round(min(wall), 2),
        }
    json.dump({"items": args.items, "runs": args.runs, "results": results}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
