"""Measure every scenario in-process on one database: server time (median, p95) and query count.

Run by ``python -m bench`` in a subprocess per database with ``DATABASE_URL`` set; prints JSON.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "totonou.config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.scenarios import SCENARIOS, Context, Request, resolvable  # noqa: E402


def build_context() -> Context:
    from totonou.activities.models import Activity
    from totonou.customers.models import Customer
    from totonou.deals.models import Deal
    from totonou.users.models import User
    from totonou.users.services import api_token_create

    manager = User.objects.filter(role="manager").order_by("pk").first()
    rep = User.objects.filter(role="rep").order_by("pk").first()
    if manager is None or rep is None:
        raise SystemExit("the data set has no manager or rep: run `totonou seed` first")
    team_members = list(User.objects.filter(role="rep").order_by("team_id", "pk")[:10])
    busiest_customer_id = (
        Activity.objects.filter(customer__isnull=False)
        .values("customer_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("customer_id", flat=True)
        .first()
    )
    busiest_deal_id = (
        Activity.objects.filter(deal__isnull=False)
        .values("deal_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("deal_id", flat=True)
        .first()
    )
    customer = Customer.objects.get(pk=busiest_customer_id)
    deal = Deal.objects.get(pk=busiest_deal_id) if busiest_deal_id else Deal.objects.order_by("pk").first()
    _, token = api_token_create(user=rep, name="benchmark")
    visit_customer_ids = list(Customer.objects.filter(owner=rep).values_list("pk", flat=True)[:50])
    if not visit_customer_ids:
        visit_customer_ids = [customer.pk]
    segment_id = (
        Customer.objects.filter(segment__isnull=False)
        .values_list("segment_id", flat=True)
        .order_by("segment_id")
        .first()
    )
    team_id = rep.team_id or manager.team_id
    _targets(team_id)
    context = Context(
        manager,
        rep,
        team_members,
        customer,
        deal,
        token,
        visit_customer_ids,
        segment_id or 0,
        team_id or 0,
        _strategy(manager, segment_id).pk,
    )
    context.admin = User.objects.filter(role="admin", is_active=True).order_by("pk").first() or manager
    return context


def _targets(team_id: int | None) -> None:
    """The benchmark's targets: every metric for each member of the team, every month of this fiscal
    year, and the team's own yearly revenue (so the grid and My day's card resolve real figures)."""
    from django.db.models import Q
    from django.utils import timezone

    from totonou.targets.models import Metric, Target
    from totonou.targets.periods import fiscal_year_of, period_zone, year_period
    from totonou.users.models import User

    if team_id is None:
        return
    year = year_period(fiscal_year_of(timezone.now().astimezone(period_zone()).date()))
    if Target.objects.filter(Q(team_id=team_id) | Q(user__team_id=team_id)).exists():
        return  # the seed's (or an earlier run's)
    members = list(User.objects.filter(team_id=team_id, is_active=True))
    figures = {
        "revenue": 3_000_000,
        "won_deals": 3,
        "new_deals": 6,
        "activities": 60,
        "key_customer_visits": 12,
    }
    Target.objects.bulk_create(
        [
            Target(user=member, metric=metric, period=month.key, value=figures[metric])
            for member in members
            for metric in Metric.values
            for month in year.months()
        ]
        + [Target(team_id=team_id, metric="revenue", period=year.key, value=3_000_000 * 12 * len(members))]
    )


def _strategy(manager: Any, segment_id: int | None) -> Any:
    """The benchmark's strategy hypothesis: this quarter, one segment, buyers."""
    import datetime

    from django.utils import timezone

    from totonou.customers.models import Segment
    from totonou.strategy.models import Strategy
    from totonou.strategy.services import strategy_create

    existing = Strategy.objects.filter(name="Benchmark").first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    return strategy_create(
        actor=manager,
        name="Benchmark",
        hypothesis="食品スーパーのバイヤーこそが狙うべき顧客だ",
        starts_on=today - datetime.timedelta(days=60),
        ends_on=today + datetime.timedelta(days=30),
        target_share=40,
        segments=Segment.objects.filter(pk=segment_id),
        title_keywords=["バイヤー"],
    )


def client_for(who: str, ctx: Context) -> Client:
    if who == "token":
        return Client(headers={"Authorization": f"Bearer {ctx.token}"})
    if who == "anonymous":
        return Client()
    client = Client()
    client.force_login({"manager": ctx.manager, "admin": ctx.admin}.get(who, ctx.rep))
    return client


def send(client: Client, request: Request) -> Any:
    if request.method == "GET":
        return client.get(request.path, headers=request.headers or {})
    return client.generic(request.method, request.path, request.body or "", content_type="application/json")


def working_day(day: datetime.date) -> datetime.date:
    """``day``, or the Monday after it on a weekend: the data set's reps plan and work on weekdays only,
    so on a Saturday My day had nothing today and measured 3-5 ms under a weekday's page (36 against
    38.6-41.2 ms on SQLite, 46 against 48.8-51.1 on PostgreSQL)."""
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


@contextlib.contextmanager
def clock(at: str | None, user: Any) -> Iterator[None]:
    """``timezone.now()`` fixed at ``at`` (``"HH:MM"``) today (``working_day``) in ``user``'s time zone, or
    the real clock.
    Every module reads the time through ``django.utils.timezone.now``, so one patch sets it for all."""
    if at is None:
        yield
        return
    import zoneinfo
    from unittest import mock

    from django.utils import timezone

    zone = zoneinfo.ZoneInfo(user.time_zone or "Asia/Tokyo")
    hour, minute = (int(part) for part in at.split(":"))
    today = working_day(timezone.now().astimezone(zone).date())
    fixed = datetime.datetime.combine(today, datetime.time(hour, minute), tzinfo=zone).astimezone(
        datetime.UTC
    )
    with mock.patch("django.utils.timezone.now", return_value=fixed):
        yield


def measure(scenario_name: str, client: Client, ctx: Context, runs: int, warmup: int) -> dict[str, Any]:
    scenario = next(s for s in SCENARIOS if s.name == scenario_name)
    times: list[float] = []
    cpu_times: list[float] = []
    queries: list[int] = []
    if scenario.setup is not None:
        scenario.setup(ctx)
    user = {"manager": ctx.manager, "admin": ctx.admin}.get(scenario.user, ctx.rep)
    with clock(scenario.clock, user):
        if scenario.user == "token":
            _token_touched()  # by the scenario's clock
        _runs(scenario, client, ctx, runs, warmup, times, cpu_times, queries)
    if scenario.cleanup is not None:
        scenario.cleanup(ctx)
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "group": scenario.group,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(p95, 2),
        # CPU time of this process (SQLite runs in it): what a busy machine disturbs least
        "cpu_median_ms": round(statistics.median(cpu_times), 2),
        "queries": max(queries),
        "runs": runs,
        **({"clock": scenario.clock} if scenario.clock else {}),
    }


def _token_touched() -> None:
    """The benchmark's API token used just now: the service touches ``last_used_at`` at most once a
    minute, and a touch inside the timed runs counted one query more than the scenario makes (once in
    ``api_funnel_year``, when the scenario before it had used the token a minute earlier)."""
    from django.utils import timezone

    from totonou.users.models import ApiToken

    ApiToken.objects.filter(name="benchmark").update(last_used_at=timezone.now())


def _runs(
    scenario: Any,
    client: Client,
    ctx: Context,
    runs: int,
    warmup: int,
    times: list[float],
    cpu_times: list[float],
    queries: list[int],
) -> None:
    for index in range(warmup + runs):
        request = resolvable(scenario, ctx)
        assert request is not None
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = send(client, request)
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - started_cpu) * 1000
        if response.status_code != request.expect:
            raise SystemExit(
                f"{scenario.name}: {request.method} {request.path} answered {response.status_code}, "
                f"expected {request.expect}: {response.content[:500]!r}"
            )
        if index >= warmup:
            times.append(elapsed)
            cpu_times.append(cpu)
            queries.append(len(captured))


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "15"))
    warmup = int(os.environ.get("BENCH_WARMUP", "3"))
    only = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}  # for profiling one page
    ctx = build_context()
    results: dict[str, Any] = {}
    for scenario in SCENARIOS:
        if only and scenario.name not in only:
            continue
        if resolvable(scenario, ctx) is None:
            results[scenario.name] = {"group": scenario.group, "absent": True}
            continue
        results[scenario.name] = measure(scenario.name, client_for(scenario.user, ctx), ctx, runs, warmup)
    from totonou.activities.models import Activity
    from totonou.customers.models import Customer

    sizes = {"activities": Activity.objects.count(), "customers": Customer.objects.count()}
    json.dump({"vendor": connection.vendor, "sizes": sizes, "scenarios": results}, sys.stdout)


if __name__ == "__main__":
    main()
