"""My day's result forms in templates (``totonou.web.views.home.plan_actions_html``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from totonou.web.views.home import PlanStamp, plan_actions_html

register = template.Library()

PLAN_ACTIONS = "web/_plan_actions.html"


@register.simple_tag(takes_context=True)
def plan_actions(context: template.Context, item: Any) -> SafeString:
    """The three result forms of a My-day item (``web/_plan_actions.html``), written once per page
    and filled in per plan; the stamp is kept on the request, per language."""
    request = context["request"]
    assert context.template is not None  # a tag renders inside a template
    sub = context.template.engine.get_template(PLAN_ACTIONS)

    def render(stand_in: Any) -> str:
        with context.push(item=stand_in):
            return str(sub.render(context))

    stamps: dict[str, dict[str, PlanStamp]] = request.__dict__.setdefault("_plan_stamps", {})
    html = plan_actions_html(
        item, viewer=request.user, render=render, stamps=stamps.setdefault(get_language() or "", {})
    )
    return mark_safe(html)  # noqa: S308 — the template's markup, its values escaped in PlanStamp.fill
