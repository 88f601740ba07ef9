"""Personal notifications about deals: an owner hears when someone else wins or loses their deal
(recorded by ``deals.services`` inside the stage change's transaction). Stalled deals are announced by
``insights.stalled`` (the one stalled rule needs the activities)."""

from __future__ import annotations

import datetime

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
