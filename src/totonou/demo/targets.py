"""The demo's targets (目標): every rep's monthly figures for the fiscal year in progress, so the Targets
page, My day's progress card and the digest show real numbers after ``totonou seed``."""

from __future__ import annotations

from totonou.demo.context import SeedContext
from totonou.demo.organisation import Organisation
from totonou.targets.models import Target
from totonou.targets.periods import fiscal_year_of, year_period
from totonou.users.models import User

#: Monthly figures per rep and metric; revenue grows with the rep's place in the team (0, 1, 2).
MONTHLY = {"won_deals": 2, "new_deals": 4, "activities": 50, "key_customer_visits": 8}
REVENUE = (2_000_000, 2_500_000, 3_000_000)


def make_targets(context: SeedContext, organisation: Organisation) -> int:
    """One target per rep, metric and month of the fiscal year containing the seed's today (plain rows:
    the team's figure stays unset, so it is the sum of its members')."""
    year = year_period(fiscal_year_of(context.today))
    rows: list[Target] = []
    for index, member in enumerate(member for member in organisation.members if member.role == User.Role.REP):
        figures = {"revenue": REVENUE[index % len(REVENUE)], **MONTHLY}
        for month in year.months():
            rows.extend(
                Target(user_id=member.id, metric=metric, period=month.key, value=value)
                for metric, value in figures.items()
            )
    Target.objects.bulk_create(rows, batch_size=500)
    return len(rows)
