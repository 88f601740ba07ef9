"""English formats: Django's en formats plus ISO and 2026/04/01 input forms used by Japanese teams."""

from django.conf.locale.en.formats import *  # noqa: F403
from django.conf.locale.en.formats import DATE_INPUT_FORMATS as _DATE
from django.conf.locale.en.formats import DATETIME_INPUT_FORMATS as _DATETIME

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", *_DATE]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y/%m/%d %H:%M", *_DATETIME]
FIRST_DAY_OF_WEEK = 1
