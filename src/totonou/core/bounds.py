"""The input bounds (ADR 0029): every date, datetime and day count a person or a client may give, in
one place.

- **Dates and datetimes** lie between 1900-01-01 and 2200-12-31, both in the value's own offset and
  in UTC, so converting an accepted value to any time zone, or adding a day to it, never leaves
  Python's years 1–9999. Given as ISO 8601 text (``2026-04-01``, ``2026-04-01T10:00:00+09:00``),
  never as a number (pydantic would read ``-3.3e-79`` as a Unix timestamp).
- **Day counts** (cadences, stalled-after days, the ``days`` filter) lie between 1 and ``MAX_DAYS``.
- **Ids** are 64-bit, 1 … ``MAX_ID`` like the rows they name (``Id`` in schemas and FilterSchemas, so
  the API answers 422 and a page reports the field; ``parse_id`` where a page reads one by hand).

The forms of the same rule, each used by its kind of input:

- Django: ``validate_date_in_bounds`` (the default validator of ``BoundedDateField`` and
  ``BoundedDateTimeField``, so every ``full_clean`` in a service and every ModelForm checks it),
  ``DAY_COUNT_VALIDATORS`` for the day-count model fields, ``DATE_VALIDATORS`` for form fields.
- pydantic (API schemas and FilterSchemas, hence page filters too): ``BoundedDate``,
  ``BoundedDateTime``, ``DayCount``.
- Parsers (imports, query strings read by hand): ``in_bounds``.

Rows written before the bounds may hold anything: ``BoundedDateField`` and ``BoundedDateTimeField``
read a stored value outside the bounds as the nearest bound, and the selectors that turn a day count
into a date clamp it with ``clamp_days``, so no page fails on an old row.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BeforeValidator, Field

EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2200, 12, 31)
EARLIEST = datetime.datetime.combine(EARLIEST_DATE, datetime.time.min, tzinfo=datetime.UTC)
LATEST = datetime.datetime.combine(LATEST_DATE, datetime.time.max, tzinfo=datetime.UTC)

#: The longest day count anywhere (ten years): cadences, stalled-after days, the ``days`` filter.
MAX_DAYS = 3650

# Ids are 64-bit integers in every supported database; a larger number is a bad request, not a 500.
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value: Any) -> int | None:
    """An id from a query string or form field read by hand: the number when it is one of 1 … ``MAX_ID``
    (plain ASCII digits), else None. The caller ignores a None or answers 404, never a 500."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


_ISO_DATE = re.compile(r"\s*\d{4}-\d{2}-\d{2}")


def in_bounds(value: datetime.date | datetime.datetime) -> bool:
    """Whether ``value`` lies between 1900-01-01 and 2200-12-31 in its own offset and (aware) in UTC.
    The first check needs no conversion, so it cannot overflow; the second is then safe."""
    if not EARLIEST_DATE <= (value.date() if isinstance(value, datetime.datetime) else value) <= LATEST_DATE:
        return False
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return EARLIEST <= value <= LATEST
    return True


def out_of_bounds_message() -> str:
    return _("Give a date between %(first)s and %(last)s.") % {
        "first": EARLIEST_DATE.isoformat(),
        "last": LATEST_DATE.isoformat(),
    }


def validate_date_in_bounds(value: datetime.date | datetime.datetime | None) -> None:
    """Django validator: the model fields' and forms' form of the bound."""
    if value is not None and not in_bounds(value):
        raise ValidationError(out_of_bounds_message(), code="out_of_range")


def clamp_days(days: int) -> int:
    """A stored day count read within 1 … ``MAX_DAYS`` (an old row may hold a million)."""
    return max(1, min(int(days), MAX_DAYS))


def clamp_date(value: datetime.date) -> datetime.date:
    return min(max(value, EARLIEST_DATE), LATEST_DATE)


def clamp_datetime(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        return min(max(value, EARLIEST.replace(tzinfo=None)), LATEST.replace(tzinfo=None))
    return min(max(value, EARLIEST), LATEST)


DAY_COUNT_VALIDATORS = [MinValueValidator(1), MaxValueValidator(MAX_DAYS)]

#: The longest text a person writes in one field (notes, purpose, next step, a weekly report's
#: reflections, a hypothesis, a loss note, a cancel reason) and in one comment: the forms' cap and the
#: API's, checked by the model fields' validators in every service's ``full_clean``.
LONG_TEXT_MAX_LENGTH = 10_000
COMMENT_MAX_LENGTH = 4_000
LONG_TEXT_VALIDATORS = [MaxLengthValidator(LONG_TEXT_MAX_LENGTH)]
COMMENT_VALIDATORS = [MaxLengthValidator(COMMENT_MAX_LENGTH)]
#: For a form's DateField / DateTimeField that no model field backs.
DATE_VALIDATORS = [validate_date_in_bounds]


class BoundedDateField(models.DateField):
    """A date field whose values lie in the bounds: validated on ``full_clean``, clamped when read.
    The column is a plain ``DateField``'s, and migrations see one (``deconstruct``): the bound is
    Python-side only, so no table is rebuilt for it and an old row outside it still loads."""

    default_validators = [validate_date_in_bounds]

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateField", args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return clamp_date(value) if isinstance(value, datetime.date) else value


class BoundedDateTimeField(models.DateTimeField):
    """A datetime field whose values lie in the bounds: validated on ``full_clean``, clamped when read
    (an old row at 9999-12-31T20:00Z would otherwise fail every page that shows it in Tokyo). A plain
    ``DateTimeField`` to migrations, as ``BoundedDateField``."""

    default_validators = [validate_date_in_bounds]

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return clamp_datetime(value) if isinstance(value, datetime.datetime) else value


def has_nul(value: Any) -> bool:
    """Whether text, or any text inside a list or mapping, holds a NUL character. PostgreSQL cannot
    store one in text and SQLite would: every input refuses it alike, on its field."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    return False


def nul_message() -> str:
    return _("Null characters are not allowed.")


# --- pydantic (API schemas, FilterSchemas) -------------------------------------------------------------


def _iso_text(value: Any) -> Any:
    """ISO 8601 text or a date object; never a number, nor text that is one (a Unix timestamp)."""
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise ValueError(_("Enter a date in ISO 8601 (2026-04-01)."))


def _bounded(value: Any) -> Any:
    if not in_bounds(value):
        raise ValueError(out_of_bounds_message())
    return value


BoundedDate = Annotated[datetime.date, BeforeValidator(_iso_text), AfterValidator(_bounded)]
BoundedDateTime = Annotated[datetime.datetime, BeforeValidator(_iso_text), AfterValidator(_bounded)]
#: A day count in a request body: the OpenAPI schema documents the bound, and the model field's
#: ``DAY_COUNT_VALIDATORS`` refuse it in the service (422), after the permission check: a rep sending a
#: well-formed value to a set-up endpoint hears 403 before any value is judged.
DayCount = Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": MAX_DAYS})]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
#: Text in a request body: the schema documents the cap, the model field's validator refuses more (422).
LongText = Annotated[str, Field(json_schema_extra={"maxLength": LONG_TEXT_MAX_LENGTH})]
CommentText = Annotated[str, Field(json_schema_extra={"maxLength": COMMENT_MAX_LENGTH})]
#: A year that a query may name (a fiscal year, the targets page).
Year = Annotated[int, Field(ge=EARLIEST_DATE.year, le=LATEST_DATE.year)]
