"""Django's form renderer, with the common widgets rendered in Python.

Every widget is a template render in Django (``input.html`` including ``attrs.html``, ``select.html``
including one ``select_option.html`` per option). A page with many small forms — My day gives each
waiting plan three — spent most of its time there. These functions write the same markup as Django's
templates, character for character (``tests/test_form_renderer.py`` compares them); any other widget
template, or one a project overrides, is still rendered from its template.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

_WIDGETS = "django/forms/widgets/"
_INPUTS = {
    f"{_WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
    )
}


def html_attrs(attrs: dict[str, Any]) -> str:
    """A widget's attributes as Django's ``attrs.html`` writes them."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{conditional_escape(str(widget["value"]))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{html_attrs(widget['attrs'])}>"
    )


def _textarea(widget: dict[str, Any]) -> str:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    name = conditional_escape(widget["name"])
    return f'<textarea name="{name}"{html_attrs(widget["attrs"])}>\n{value}</textarea>'


def _option(option: dict[str, Any]) -> str:
    return (
        f'<option value="{conditional_escape(str(option["value"]))}"{html_attrs(option["attrs"])}>'
        f"{conditional_escape(option['label'])}</option>"
    )


def _select(widget: dict[str, Any]) -> str | None:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{html_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != f"{_WIDGETS}select_option.html":
                return None
            parts.append(f"\n  {_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FastTemplates(DjangoTemplates):
    """``FORM_RENDERER``: the default renderer, faster for inputs, textareas and selects."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> SafeString:
        widget = context.get("widget")
        if widget is not None:
            html: str | None = None
            if template_name in _INPUTS:
                html = _input(widget)
            elif template_name == f"{_WIDGETS}textarea.html":
                html = _textarea(widget)
            elif template_name == f"{_WIDGETS}select.html":
                html = _select(widget)
            if html is not None:
                return mark_safe(html)  # noqa: S308 — every value above is escaped
        return mark_safe(super().render(template_name, context, request))  # noqa: S308 — as Django's
