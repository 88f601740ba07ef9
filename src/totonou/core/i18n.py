from __future__ import annotations

import datetime

from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _


def pick(*, ja: str, en: str) -> str:
    """The Japanese or English name of a seeded record, by the active language."""
    return ja if (get_language() or "ja").startswith("ja") else en


def period_words(first_day: datetime.date, last_day: datetime.date) -> str:
    """A span of days in words, in the active language: "1–7 Dec 2026" / "2026年12月1日〜7日", a whole
    month as "December 2026" / "2026年12月", one day as "1 Dec 2026" / "2026年12月1日"."""
    whole_month = first_day.day == 1 and (last_day + datetime.timedelta(days=1)).day == 1
    if whole_month and (first_day.year, first_day.month) == (last_day.year, last_day.month):
        return _("%(month_name)s %(year)s") % {
            "month_name": date_format(first_day, "F"),
            "year": first_day.year,
        }
    values = {
        "first_day": first_day.day,
        "last_day": last_day.day,
        "first_month": date_format(first_day, "M"),
        "last_month": date_format(last_day, "M"),
        "first_year": first_day.year,
        "last_year": last_day.year,
    }
    if first_day == last_day:
        return _("%(first_day)s %(first_month)s %(first_year)s") % values
    if first_day.year != last_day.year:
        return (
            _("%(first_day)s %(first_month)s %(first_year)s – %(last_day)s %(last_month)s %(last_year)s")
            % values
        )
    if first_day.month != last_day.month:
        return _("%(first_day)s %(first_month)s – %(last_day)s %(last_month)s %(last_year)s") % values
    return _("%(first_day)s–%(last_day)s %(last_month)s %(last_year)s") % values
