"""The fast form renderer writes exactly what Django's widget templates write."""

from __future__ import annotations

import datetime
import importlib
import inspect

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from totonou.core.form_renderer import FastTemplates

TRICKY = ['a "quoted" <b>value</b> & more', "", "0", 0, 12345, None, mark_safe("<i>safe</i>"), "改行\nあり"]


class Everything(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": 'say "hi"', "autofocus": True}))
    hidden = forms.CharField(widget=forms.HiddenInput)
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"min": 0, "disabled": False}))
    email = forms.EmailField()
    when = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    colour = forms.CharField(widget=forms.TextInput(attrs={"type": "color"}))
    choice = forms.ChoiceField(choices=[("", "---"), ("a", "A & <b>"), (1, 1), ("x", mark_safe("<x>"))])
    grouped = forms.ChoiceField(
        choices=[("Fruit", [("apple", "りんご"), ("pear", "梨")]), ("other", "Other")]
    )
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")])
    flag = forms.BooleanField(required=False)
    radio = forms.ChoiceField(widget=forms.RadioSelect, choices=[("a", "A"), ("b", "B")])


def both(form_class, **kwargs):
    slow = form_class(renderer=DjangoTemplates(), **kwargs)
    fast = form_class(renderer=FastTemplates(), **kwargs)
    return slow, fast


@pytest.mark.parametrize("value", TRICKY)
def test_every_widget_renders_the_same_markup(value):
    initial = {name: value for name in Everything.base_fields}
    initial["many"] = [value, "b"]
    initial["day"] = datetime.date(2026, 4, 1) if value is None else value
    data = {name: "" if item is None else str(item) for name, item in initial.items() if name != "many"}
    for kwargs in ({"data": {**data, "many": [str(value), "b"]}}, {"initial": initial}, {}):
        slow, fast = both(Everything, **kwargs)
        for name in Everything.base_fields:
            assert str(fast[name]) == str(slow[name]), name
            assert str(fast[name].as_widget(attrs={"aria-invalid": "true"})) == str(
                slow[name].as_widget(attrs={"aria-invalid": "true"})
            ), name


@pytest.mark.django_db
@pytest.mark.parametrize(
    "module",
    ["totonou.web.forms.activities", "totonou.web.forms.preferences", "totonou.core.forms"],
)
def test_the_apps_forms_render_the_same_markup(module, team_a):
    _team, manager, _reps = team_a
    for _name, form_class in inspect.getmembers(importlib.import_module(module), inspect.isclass):
        if not issubclass(form_class, forms.BaseForm) or form_class.__module__ != module:
            continue
        signature = inspect.signature(form_class.__init__)
        extra = {name: manager for name in ("user", "actor") if name in signature.parameters}
        try:
            slow, fast = both(form_class, **extra)
        except TypeError:
            continue  # a form that needs arguments this test cannot guess
        assert str(fast) == str(slow), form_class.__name__
