"""Japanese formats: Django's ja formats plus the input forms people type (2026/04/01)."""

from django.conf.locale.ja.formats import *  # noqa: F403

DATE_INPUT_FORMATS = ["%Y/%m/%d", "%Y-%m-%d", "%Y年%m月%d日", "%Y.%m.%d"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H時%M分"]
DATETIME_INPUT_FORMATS = [
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d",
]
FIRST_DAY_OF_WEEK = 1
