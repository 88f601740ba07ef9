"""Seeded comment threads: managers comment on reviewed activities and on deals, @mentioning the rep;
some reps answer, @mentioning the manager. Mention rows match the @names in the bodies (older ones
read, the last few days' unread), and comments on activities show up in the feed."""

from __future__ import annotations

from totonou.activities.models import Comment, Mention
from totonou.demo.context import SeedContext
from totonou.demo.deals import DealInfo
from totonou.demo.events import EventLog, Moment, mentions_data
from totonou.demo.organisation import Member, Organisation

COLUMNS = ("id", "author", "body", "activity", "deal", "created_at", "updated_at")
#: Mentions older than this many working days have been read.
UNREAD_DAYS = 3


class CommentMaker:
    def __init__(self, context: SeedContext, organisation: Organisation, events: EventLog) -> None:
        self.context = context
        self.rng = context.rng("comments")
        self.text = context.text(self.rng)
        self.events = events
        self.members = organisation.by_id()
        self.rows: list[tuple[object, ...]] = []
        self.mentions: list[tuple[int, int, object]] = []
        self.count = 0

    def _add(self, author: int, mentioned: int, body: str, moment: Moment, **target: int) -> int:
        workdays = self.context.workdays
        comment_id = self.context.take_id(Comment)
        at = workdays.at(*moment)
        self.rows.append((comment_id, author, body, target.get("activity"), target.get("deal"), at, at))
        read_at = None
        if moment[0] < -UNREAD_DAYS:
            read_at = workdays.at(*workdays.later(*moment, self.rng.randrange(20, 1200)))
        self.mentions.append((comment_id, mentioned, read_at))
        if "activity" in target:
            self.events.add(
                moment,
                target["activity"],
                "commented",
                author,
                comment_id=comment_id,
                data=mentions_data([mentioned]),
            )
        return comment_id

    def activity_thread(
        self,
        *,
        activity_id: int,
        owner: Member,
        reviewer_id: int,
        reviewed: Moment,
        segment: int,
        customer: str,
        is_key: bool,
        theme: str,
        title: str,
    ) -> None:
        """The reviewing manager's comment, sometimes answered by the rep."""
        rng, vocabulary, workdays = self.rng, self.context.vocabulary, self.context.workdays
        manager = self.members[reviewer_id]
        given = {"rep": owner.username, "theme": theme}
        if title:
            given["title"] = title
        templates = vocabulary.manager_comments
        if is_key and rng.random() < 0.4:
            templates, given["customer"] = vocabulary.manager_comments_key, customer
        moment = workdays.later(*reviewed, rng.randrange(1, 20))
        body = self.text.pick(templates, segment, **given)
        self._add(manager.id, owner.id, body, moment, activity=activity_id)
        if rng.random() < 0.4:
            moment = workdays.later(*moment, rng.randrange(30, 600))
            reply = self.text.pick(vocabulary.rep_replies, segment, manager=manager.username)
            self._add(owner.id, manager.id, reply, moment, activity=activity_id)

    def deal_threads(self, deals: dict[int, list[DealInfo]]) -> None:
        """Managers comment on some deals in proposal or negotiation, and on won and lost ones."""
        rng, vocabulary, workdays = self.rng, self.context.vocabulary, self.context.workdays
        commented = sorted(
            (
                deal
                for customer_deals in deals.values()
                for deal in customer_deals
                if deal.outcome in ("proposal", "negotiation", "won", "lost")
            ),
            key=lambda deal: deal.id,
        )
        chosen = rng.sample(commented, min(len(commented), self.context.size.deal_comments))
        for deal in sorted(chosen, key=lambda deal: deal.id):
            owner = self.members.get(deal.customer.owner_id)
            if owner is None or owner.manager_id is None:
                continue
            templates = {"won": vocabulary.deal_comments_won, "lost": vocabulary.deal_comments_lost}.get(
                deal.outcome, vocabulary.deal_comments_open
            )
            moment = workdays.later(deal.days[-1], 10 * 60, rng.randrange(60, 2000))
            body = self.text.pick(templates, deal.customer.segment, rep=owner.username)
            self._add(owner.manager_id, owner.id, body, moment, deal=deal.id)

    def write(self) -> None:
        """Insert the comments made so far and their mentions.

        Called after each day's activities and before their feed events: rows go in after the rows they
        refer to, so no foreign-key check stays pending (SQLite would otherwise look for orphans on every
        later insert, by full scan while the indexes are dropped).
        """
        self.context.insert(Comment, COLUMNS, self.rows)
        self.context.insert(Mention, ("comment", "user", "read_at"), self.mentions)
        self.count += len(self.rows)
        self.rows, self.mentions = [], []
