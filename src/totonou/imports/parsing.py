"""Values as people write them: dates (ISO, 2026/04/01, 2026年4月1日, US 4/1/2026, Excel serials),
times, amounts (1,200,000 / ¥1,200,000 / 120万円 is not guessed / $1,200) and yes/no."""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from totonou.core.bounds import in_bounds, out_of_bounds_message

EXCEL_EPOCH = datetime.date(1899, 12, 30)
_YMD = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_SLASHED = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
_TIME = re.compile(r"^(\d{1,2})[:時](\d{2})(?:[:分](\d{2})秒?)?分?$")


class ValueError_(ValueError):
    pass


def fold(text: str) -> str:
    """Width- and case-insensitive form for comparing names: ＡＢＣ, abc and ABC are the same."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def parse_date(value: Any, *, order: str = "") -> datetime.date:
    """A date cell. ``order`` is "mdy" or "dmy" for slashed dates whose day and month could be swapped
    (4/1/2026); without it such a date is refused as ambiguous. A date outside the input bounds
    (``core.bounds``: 1900-01-01 … 2200-12-31) is refused."""
    day = _parse_date(value, order=order)
    if not in_bounds(day):
        raise ValueError_(out_of_bounds_message())
    return day


def _parse_date(value: Any, *, order: str = "") -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(float(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = text.split("T")[0].split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text) else text
    try:
        if match := _YMD.match(text):
            year, month, day = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
        if match := _SLASHED.match(text):
            first, second, year = (int(part) for part in match.groups())
            if first > 12 or order == "dmy":
                return datetime.date(year, second, first)
            if second > 12 or order == "mdy" or first == second:
                return datetime.date(year, first, second)
            raise ValueError_(
                _("“%(value)s” could be day/month or month/day; choose the date order and import again.")
                % {"value": text}
            )
        if _SERIAL.match(text):
            return _serial(float(text))
    except ValueError as error:
        if isinstance(error, ValueError_):
            raise
    raise ValueError_(_("“%(value)s” is not a date.") % {"value": text})


def _serial(number: float) -> datetime.date:
    if not 1 <= number < 2958466:
        raise ValueError_(_("“%(value)s” is not a date.") % {"value": number})
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


def parse_datetime(value: Any, *, order: str = "") -> tuple[datetime.date, datetime.time | None]:
    """A date with an optional time ("2026/04/01 10:30", an Excel date-time cell or serial), its date
    within the input bounds."""
    if isinstance(value, datetime.datetime):
        return parse_date(value.date()), value.time().replace(microsecond=0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        day = parse_date(_serial(float(value)))
        seconds = round((float(value) % 1) * 86400)
        seconds = min(seconds, 86399)
        return day, datetime.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("T", " ")
    if _SERIAL.match(text):
        return parse_datetime(float(text))
    date_part, _space, time_part = text.partition(" ")
    time_part = time_part.strip()
    day = parse_date(date_part, order=order)
    if not time_part:
        return day, None
    return day, parse_time(time_part)


def parse_time(value: Any) -> datetime.time:
    if isinstance(value, datetime.time):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"[+-]\d{2}:?\d{2}$|Z$", "", text)
    if match := _TIME.match(text):
        hour, minute, second = (int(part or 0) for part in match.groups())
        if hour < 24 and minute < 60 and second < 60:
            return datetime.time(hour, minute, second)
    raise ValueError_(_("“%(value)s” is not a time of day.") % {"value": text})


def parse_amount(value: Any) -> int:
    """A yen amount: digits with ``,``, ``¥``/``￥``, ``円``, ``$``, spaces; whole numbers only."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError_(_("“%(value)s” is not a whole amount.") % {"value": value})
        return int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    cleaned = re.sub(r"[,\s¥$円]|JPY|USD", "", text, flags=re.IGNORECASE)
    if cleaned.endswith(".00") or cleaned.endswith(".0"):
        cleaned = cleaned.rsplit(".", 1)[0]
    if not re.fullmatch(r"\d+", cleaned):
        raise ValueError_(_("“%(value)s” is not an amount.") % {"value": text})
    return int(cleaned)


TRUE_WORDS = {"1", "true", "yes", "y", "はい", "○", "◯", "〇", "★", "x", "済", "key", "重点"}
FALSE_WORDS = {"0", "false", "no", "n", "いいえ", "×", "-", ""}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = fold(str(value))
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError_(_("“%(value)s” is neither yes nor no.") % {"value": value})


def parse_int(value: Any) -> int:
    try:
        return parse_amount(value)
    except ValueError_:
        raise ValueError_(_("“%(value)s” is not a whole number.") % {"value": value}) from None
