"""The chat and webhook events of deals (``deal.stage_changed``, ``deal.won``, ``deal.lost``), recorded
into the outbox by ``deals.services`` inside the stage change's transaction."""

from __future__ import annotations

from typing import Any

from totonou.core.links import web_url
from totonou.deals.models import Deal, Stage
from totonou.notifications.services import event_record
from totonou.users.models import User


def _names(stage: Any) -> dict[str, str]:
    return {"ja": stage.name_ja, "en": stage.name_en} if stage is not None else {"ja": "", "en": ""}


def deal_stage_notify(*, deal: Deal, actor: User, from_stage_id: int | None) -> None:
    """One event per stage change: ``deal.won`` / ``deal.lost`` into a closing stage, else
    ``deal.stage_changed``."""
    from totonou.deals.schemas import DealOut

    stage = deal.stage
    names: dict[str, str] = {Stage.Kind.WON: "deal.won", Stage.Kind.LOST: "deal.lost"}
    name = names.get(stage.kind, "deal.stage_changed")
    customer = deal.customer
    filters = {
        "team": deal.owner.team_id,
        "owner": deal.owner_id,
        "segment": customer.segment_id,
        "is_key": customer.is_key,
    }

    def build() -> tuple[dict[str, Any], dict[str, Any]]:
        from_stage = Stage.objects.filter(pk=from_stage_id).first() if from_stage_id else None
        reason = deal.loss_reason
        context = {
            "title": deal.title,
            "customer": customer.name,
            "is_key": customer.is_key,
            "owner": str(deal.owner),
            "actor": str(actor),
            "amount": deal.amount,
            "from_stage": _names(from_stage),
            "to_stage": _names(stage),
            "loss_reason": _names(reason) if reason is not None else "",
            "loss_note": deal.loss_note,
            "web_url": web_url(deal),
        }
        return DealOut.from_orm(deal).model_dump(mode="json"), context

    event_record(name=name, filters=filters, build=build)
