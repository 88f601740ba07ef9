"""``feed_time``: when something happened, as the feed says it: the time today, "Yesterday" and the time,
else ``n/j (D) H:i`` exactly as Django's ``date_format`` writes it, in both languages."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from totonou.web.templatetags.activity_social import FeedClock, feed_time

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_feed_time_today_yesterday_and_earlier(language):
    now = timezone.now()
    with translation.override(language), timezone.override(TOKYO):
        today = timezone.localtime(now).replace(hour=9, minute=5, second=0, microsecond=0)
        assert feed_time(today) == "09:05"
        yesterday = today - datetime.timedelta(days=1)
        assert feed_time(yesterday) == ("昨日 09:05" if language == "ja" else "Yesterday 09:05")
        for days in range(2, 9):  # every weekday once
            earlier = (today - datetime.timedelta(days=days)).replace(hour=23, minute=59)
            expected = f"{date_format(earlier, 'n/j')} ({date_format(earlier, 'D')}) 23:59"
            assert feed_time(earlier) == expected
            assert feed_time(earlier.astimezone(datetime.UTC)) == expected  # shown in the reader's zone
        assert feed_time(None) == ""


@pytest.mark.parametrize("language", ["ja", "en"])
def test_one_clock_for_a_page_says_what_feed_time_says(language):
    """A page's ``FeedClock`` reads the zone, today and each weekday's name once; every time it labels
    reads as ``feed_time`` of that time, in the reader's zone, whichever zone the value is in."""
    now = timezone.now()
    with translation.override(language), timezone.override(TOKYO):
        clock = FeedClock()
        assert clock.zone == TOKYO and clock.today == timezone.localdate()
        base = timezone.localtime(now).replace(second=0, microsecond=0)
        moments = [base - datetime.timedelta(hours=hours * 7) for hours in range(0, 40)]
        for moment in moments + [moment.astimezone(datetime.UTC) for moment in moments]:
            local = clock.local(moment)
            assert local.utcoffset() == datetime.timedelta(hours=9)
            assert clock.label(local) == feed_time(moment)
        assert len(clock._weekdays) == 7  # every weekday's name read once, then kept
