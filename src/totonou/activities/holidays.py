"""Japanese public holidays for the calendar, named in the reader's language.

The dates come from ``jpholiday`` alone, so Japanese and English readers always see the same days off.
English names come from the table below (the names the Cabinet Office uses in English); a name the
table does not know yet is shown in Japanese rather than not at all.
"""

from __future__ import annotations

import datetime
import functools

import jpholiday
from django.utils import translation

ENGLISH_NAMES = {
    "元日": "New Year's Day",
    "成人の日": "Coming of Age Day",
    "建国記念の日": "National Foundation Day",
    "天皇誕生日": "The Emperor's Birthday",
    "春分の日": "Vernal Equinox Day",
    "昭和の日": "Showa Day",
    "憲法記念日": "Constitution Memorial Day",
    "みどりの日": "Greenery Day",
    "こどもの日": "Children's Day",
    "海の日": "Marine Day",
    "山の日": "Mountain Day",
    "敬老の日": "Respect for the Aged Day",
    "秋分の日": "Autumnal Equinox Day",
    "体育の日": "Health and Sports Day",
    "スポーツの日": "Sports Day",
    "文化の日": "Culture Day",
    "勤労感謝の日": "Labor Thanksgiving Day",
    "国民の休日": "Citizens' Holiday",
    "天皇の即位の日": "Enthronement Day",
    "即位礼正殿の儀": "Enthronement Ceremony",
}
SUBSTITUTE = "振替休日"


def english_name(japanese: str) -> str:
    """``こどもの日 振替休日`` → ``Children's Day (substitute holiday)``; unknown names stay Japanese."""
    base, _space, suffix = japanese.partition(" ")
    if base == SUBSTITUTE:
        return "Substitute holiday"
    name = ENGLISH_NAMES.get(base)
    if name is None:
        return japanese
    return f"{name} (substitute holiday)" if suffix == SUBSTITUTE else name


def holiday_names(first: datetime.date, last: datetime.date) -> dict[datetime.date, str]:
    """The public holidays from ``first`` to ``last`` (both included), in the active language."""
    found = jpholiday.between(first, last)
    if (translation.get_language() or "ja").startswith("ja"):
        return dict(found)
    return {day: english_name(name) for day, name in found}


def is_working_day(day: datetime.date) -> bool:
    """A working day: Monday to Friday and not a Japanese public holiday (the one rule for the app)."""
    return day.weekday() < 5 and not jpholiday.is_holiday(day)


@functools.lru_cache(maxsize=4096)
def working_days(first: datetime.date, last: datetime.date) -> int:
    """How many working days there are from ``first`` to ``last`` (both included; 0 when last < first).
    Kept per pair of days: the holidays are fixed in ``jpholiday``, and a fiscal year's count costs a
    walk over its days (the targets ask for the same periods on every request)."""
    if last < first:
        return 0
    holidays = {day for day, _name in jpholiday.between(first, last)}
    count = 0
    day = first
    while day <= last:
        if day.weekday() < 5 and day not in holidays:
            count += 1
        day += datetime.timedelta(days=1)
    return count
