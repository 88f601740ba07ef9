"""The team feed's deal items: a deal's stage change (its first stage included) as an ``ActivityEvent``
with ``deal`` set and no activity. ``deals`` sits below ``activities`` and cannot write the feed itself;
it sends ``deals.signals.deal_stage_changed`` inside the change's transaction and this receiver, connected
in ``ActivitiesConfig.ready``, writes the row in that same transaction (ADR 0019)."""

from __future__ import annotations

from typing import Any

from totonou.activities.models import ActivityEvent


def _names(record: Any) -> dict[str, str] | None:
    return {"ja": record.name_ja, "en": record.name_en} if record is not None else None


def feed_record_stage_change(
    sender: Any, *, deal: Any, actor: Any, from_stage: Any, reopened: bool, **kwargs: Any
) -> ActivityEvent:
    """Names are copied (in both languages) so the item reads as it happened and costs no query."""
    stage = deal.stage
    data = {
        "from": _names(from_stage),
        "to": _names(stage),
        "stage_kind": stage.kind,
        "amount": deal.amount,
        "loss_reason": _names(deal.loss_reason) if deal.loss_reason_id else None,
        "loss_note": deal.loss_note,
        "reopened": reopened,
    }
    return ActivityEvent.objects.create(
        deal=deal, kind=ActivityEvent.Kind.STAGE_CHANGED, actor=actor if actor else None, data=data
    )
