"""Japanese date input formats are accepted in both languages."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.utils import translation


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("text", ["2026/04/01", "2026-04-01"])
def test_date_fields_accept_japanese_and_iso_dates(language, text):
    with translation.override(language):
        assert forms.DateField().clean(text) == datetime.date(2026, 4, 1)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_datetime_fields_accept_slashes(language, settings):
    with translation.override(language):
        value = forms.DateTimeField().clean("2026/04/01 10:30")
    assert (value.year, value.month, value.day, value.hour, value.minute) == (2026, 4, 1, 10, 30)


def test_japanese_long_form():
    with translation.override("ja"):
        assert forms.DateField().clean("2026年4月1日") == datetime.date(2026, 4, 1)
