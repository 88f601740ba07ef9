"""Seeded comment threads: managers comment on reviewed activities and on deals, @mentioning the rep;
some reps answer, @mentioning the manager. The ``mentions`` rows match the @names in the bodies."""

from __future__ import annotations

from totonou.activities.models import Comment
from totonou.demo.activities import CommentCandidate
from totonou.demo.context import SeedContext
from totonou.demo.deals import DealInfo
from totonou.demo.organisation import Organisation

COLUMNS = ("id", "author", "body", "activity", "deal", "created_at", "updated_at")


def make_comments(
    context: SeedContext,
    organisation: Organisation,
    candidates: list[CommentCandidate],
    deals: dict[int, list[DealInfo]],
) -> tuple[int, int]:
    """Returns (comments, mentions)."""
    rng = context.rng("comments")
    text = context.text(rng)
    vocabulary, workdays = context.vocabulary, context.workdays
    members = organisation.by_id()
    rows: list[tuple[object, ...]] = []
    mentions: list[tuple[int, int]] = []
    next_id = context.next_id[Comment._meta.label]

    def add(author: int, mentioned: int, body: str, moment: tuple[int, int], **target: int) -> None:
        nonlocal next_id
        at = workdays.at(*moment)
        rows.append((next_id, author, body, target.get("activity"), target.get("deal"), at, at))
        mentions.append((next_id, mentioned))
        next_id += 1

    for candidate in sorted(candidates, key=lambda candidate: candidate.activity_id):
        manager = members[candidate.reviewer_id]
        given = {"rep": candidate.owner.username, "theme": candidate.theme}
        if candidate.title:
            given["title"] = candidate.title
        moment = workdays.later(*candidate.reviewed, rng.randrange(1, 20))
        templates = vocabulary.manager_comments
        if candidate.is_key and rng.random() < 0.4:
            templates, given["customer"] = vocabulary.manager_comments_key, candidate.customer
        body = text.pick(templates, candidate.segment, **given)
        add(manager.id, candidate.owner.id, body, moment, activity=candidate.activity_id)
        if rng.random() < 0.4:
            moment = workdays.later(*moment, rng.randrange(30, 600))
            reply = text.pick(vocabulary.rep_replies, candidate.segment, manager=manager.username)
            add(candidate.owner.id, manager.id, reply, moment, activity=candidate.activity_id)

    commented = [
        deal
        for customer_deals in deals.values()
        for deal in customer_deals
        if deal.outcome in ("proposal", "negotiation", "won", "lost")
    ]
    commented.sort(key=lambda deal: deal.id)
    for deal in sorted(rng.sample(commented, min(len(commented), context.size.deal_comments)), key=_deal_id):
        owner = members.get(deal.customer.owner_id)
        if owner is None or owner.manager_id is None:
            continue
        templates = {
            "won": vocabulary.deal_comments_won,
            "lost": vocabulary.deal_comments_lost,
        }.get(deal.outcome, vocabulary.deal_comments_open)
        moment = workdays.later(deal.days[-1], 10 * 60, rng.randrange(60, 2000))
        body = text.pick(templates, deal.customer.segment, rep=owner.username)
        add(owner.manager_id, owner.id, body, moment, deal=deal.id)

    context.next_id[Comment._meta.label] = next_id
    context.insert(Comment, COLUMNS, rows)
    context.insert(Comment.mentions.through, ("comment", "user"), mentions)
    return len(rows), len(mentions)


def _deal_id(deal: DealInfo) -> int:
    return deal.id
