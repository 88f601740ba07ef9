"""The stalled-deal alert: the deal's owner hears (their notifications) and the team's chat channels get
``deal.stalled``, once per deal and stage entry, when a deal becomes stalled by the one rule of
``insights.selectors.pipeline`` (too long in its stage, or no activity and nothing planned ahead).

``stalled_alerts_send`` does the work; ``stalled_alerts_job`` (one of ``TOTONOU_PERSONAL_JOBS``) calls it
at most once an hour, so the worker's frequent ticks do not re-read the pipeline.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.core.links import web_url
from totonou.deals.models import Deal, Stage
from totonou.insights.selectors.pipeline import IN_STAGE, stalled_deals
from totonou.notifications.models import Notification, NotificationKind
from totonou.notifications.personal import notification_record
from totonou.notifications.services import event_record

#: How many newly stalled deals one run announces at the most (the rest wait for the next run).
BATCH = 200


def _key(deal: Deal) -> str:
    return f"stalled:{deal.pk}:{int(deal.stage_entered_at.timestamp())}"


def _words(title: str, days: int, stage: Stage, reason: str) -> Callable[[], str]:
    def words() -> str:
        if reason == IN_STAGE:
            return _("Your deal %(title)s has stalled: %(days)s days in %(stage)s") % {
                "title": title,
                "days": days,
                "stage": stage.name,
            }
        return _("Your deal %(title)s has stalled: no recent activity and nothing planned") % {"title": title}

    return words


def _chat(deal: Deal, days: int, reason: str) -> None:
    customer = deal.customer
    filters = {
        "team": deal.owner.team_id,
        "owner": deal.owner_id,
        "segment": customer.segment_id,
        "is_key": customer.is_key,
    }

    def build() -> tuple[dict[str, Any], dict[str, Any]]:
        from totonou.deals.schemas import DealOut

        stage = deal.stage
        context = {
            "title": deal.title,
            "customer": customer.name,
            "is_key": customer.is_key,
            "owner": str(deal.owner),
            "amount": deal.amount,
            "to_stage": {"ja": stage.name_ja, "en": stage.name_en},
            "days": days,
            "reason": reason,
            "web_url": web_url(deal),
        }
        payload = DealOut.from_orm(deal).model_dump(mode="json")
        payload["stalled_reason"] = reason
        return payload, context

    event_record(name="deal.stalled", filters=filters, build=build)


def stalled_alerts_send(*, now: datetime.datetime | None = None) -> int:
    """Announce the stalled deals not announced yet for their current stage entry; returns how many."""
    now = now or timezone.now()
    candidates = list(
        stalled_deals(Deal.objects.filter(owner__is_active=True), now=now)
        .select_related("owner", "stage", "customer")
        .order_by("stage_entered_at", "id")[: BATCH * 5]
    )
    done = set(
        Notification.objects.filter(dedupe_key__in=[_key(deal) for deal in candidates]).values_list(
            "dedupe_key", flat=True
        )
    )
    made = 0
    for deal in candidates:
        if made >= BATCH:
            break
        key = _key(deal)
        if key in done:
            continue
        days = (now - deal.stage_entered_at).days
        reason = deal.stalled_reason  # type: ignore[attr-defined]
        with transaction.atomic():
            recorded = notification_record(
                recipient=deal.owner,
                kind=NotificationKind.DEAL,
                title=_words(deal.title, days, deal.stage, reason),
                body=deal.customer.name,
                link=deal.get_absolute_url(),
                ref=f"deals.deal:{deal.pk}",
                is_key=deal.customer.is_key,
                dedupe_key=key,
            )
            if recorded is not None:
                _chat(deal, days, reason)
                made += 1
    return made


def stalled_alerts_job(*, now: datetime.datetime | None = None) -> int:
    """The worker's hourly pass (``TOTONOU_PERSONAL_JOBS``)."""
    now = now or timezone.now()
    if not cache.add(f"totonou:stalled-alerts:{now:%Y%m%d%H}", 1, 3600):
        return 0
    return stalled_alerts_send(now=now)
