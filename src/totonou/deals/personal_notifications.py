"""Personal notifications about deals: an owner hears when someone else wins or loses their deal, and
when a deal of theirs has stalled (longer in its open stage than the stage's ``stagnation_days``).

Won and lost are recorded by ``deals.services`` inside the stage change's transaction; stalled deals are
found by ``deals_stalled_notify``, one of the worker's personal jobs (``TOTONOU_PERSONAL_JOBS``), once per
deal and stage entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.deals.models import Deal, Stage
from totonou.notifications.models import NotificationKind
from totonou.notifications.personal import notification_record
from totonou.users.models import User

#: A deal that stalled longer ago than this is not announced any more (a new site, a long outage).
STALLED_WINDOW = datetime.timedelta(days=7)


def deal_outcome_notify(*, deal: Deal, actor: User) -> None:
    """The owner hears that their deal was won or lost, unless they closed it themselves."""
    stage = deal.stage
    if stage.kind not in {Stage.Kind.WON, Stage.Kind.LOST} or deal.owner_id == actor.pk:
        return
    won = stage.kind == Stage.Kind.WON
    title, person = deal.title, str(actor)

    def words() -> str:
        if won:
            return _("Your deal %(title)s was won (by %(person)s)") % {"title": title, "person": person}
        return _("Your deal %(title)s was lost (by %(person)s)") % {"title": title, "person": person}

    notification_record(
        recipient=deal.owner,
        kind=NotificationKind.DEAL,
        title=words,
        body=deal.customer.name,
        link=deal.get_absolute_url(),
        ref=f"deals.deal:{deal.pk}",
        is_key=deal.customer.is_key,
    )


def _stalled_words(title: str, days: int, stage: Stage) -> Callable[[], str]:
    def words() -> str:
        return _("Your deal %(title)s has stalled: %(days)s days in %(stage)s") % {
            "title": title,
            "days": days,
            "stage": stage.name,
        }

    return words


def deals_stalled_notify(*, now: datetime.datetime | None = None) -> int:
    """Tell the owners of deals that stalled within the last week, once per deal and stage entry."""
    now = now or timezone.now()
    stages = list(Stage.objects.filter(kind=Stage.Kind.OPEN, is_active=True))
    if not stages:
        return 0
    window = Q()
    for stage in stages:
        limit = now - datetime.timedelta(days=stage.stagnation_days)
        window |= Q(stage=stage, stage_entered_at__lt=limit, stage_entered_at__gte=limit - STALLED_WINDOW)
    candidates = list(
        Deal.objects.filter(window, owner__is_active=True).select_related("owner", "stage", "customer")[:500]
    )
    made = 0
    for deal in candidates:
        days = (now - deal.stage_entered_at).days
        title, stage = deal.title, deal.stage
        made += (
            notification_record(
                recipient=deal.owner,
                kind=NotificationKind.DEAL,
                title=_stalled_words(title, days, stage),
                body=deal.customer.name,
                link=deal.get_absolute_url(),
                ref=f"deals.deal:{deal.pk}",
                is_key=deal.customer.is_key,
                dedupe_key=f"stalled:{deal.pk}:{int(deal.stage_entered_at.timestamp())}",
            )
            is not None
        )
    return made
