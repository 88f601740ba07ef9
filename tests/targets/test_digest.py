"""The daily digest's attainment line: the team's month to date against the month's targets."""

from __future__ import annotations

import datetime
import zoneinfo

from tests.factories import CustomerFactory, DealFactory
from totonou.deals.models import Stage
from totonou.insights.digest import scheduled_event
from totonou.notifications.formats.message import message_for
from totonou.targets.models import Target

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def test_digest_has_the_team_month_to_date(team_a):
    team, _manager, (rep1, rep2) = team_a
    won = Stage.objects.get(slug="won")
    for rep, amount in ((rep1, 3_000_000), (rep2, 2_000_000)):
        DealFactory(
            owner=rep,
            customer=CustomerFactory(owner=rep),
            amount=amount,
            stage=won,
            closed_at=datetime.datetime(2026, 6, 3, 15, tzinfo=TOKYO),
        )
    Target.objects.create(team=team, metric="revenue", period="2026-06", value=10_000_000)
    Target.objects.create(user=rep1, metric="activities", period="2026-06", value=40)
    # 11 June 2026 (Thu): 9 of June's 22 working days have begun (1–5, 8–11): pace ¥4,090,909.
    payload, context = scheduled_event(
        "digest.daily", filters={"team": team.pk}, day=datetime.date(2026, 6, 11), zone=TOKYO, language="en"
    )
    assert context["attainment_month"] == "June 2026"
    assert context["attainment"] == [
        "Revenue: ¥5,000,000 / ¥10,000,000 (50%) → On pace",
        "Done activities: 0 / 40 (0%) ! Behind",
    ]
    assert payload["attainment"] == [
        {"metric": "revenue", "target": 10_000_000, "actual": 5_000_000, "status": "on_pace"},
        {"metric": "activities", "target": 40, "actual": 0, "status": "behind"},
    ]
    message = message_for("digest.daily", context, language="ja")
    titles = [title for title, _lines in message.sections]
    assert titles[-1] == "今月の目標の進捗（June 2026）"
    assert message.sections[-1][1][0].startswith("Revenue: ¥5,000,000")


def test_digest_without_a_team_has_no_attainment(team_a):
    _payload, context = scheduled_event(
        "digest.daily", filters={}, day=datetime.date(2026, 6, 11), zone=TOKYO, language="en"
    )
    assert context["attainment"] == []
    assert all(
        "Targets" not in title for title, _ in message_for("digest.daily", context, language="en").sections
    )
