"""API shapes for activity types, activities and the activity actions (complete, reschedule, cancel,
review, reactions), comments, mentions and the team feed. Field names follow the models
(docs/architecture.md); an activity's ``type`` is its ActivityType's slug."""

from __future__ import annotations

from typing import Any, ClassVar

from ninja import Schema

from totonou.activities.models import Activity, ActivityEvent, Comment, Mention, Reaction
from totonou.activities.selectors import reaction_summary
from totonou.core.api import ApiDateTime, Id, InputSchema, WebObjectOut
from totonou.core.bounds import BoundedDateTime, CommentText, LongText


class ActivityTypeOut(WebObjectOut):
    id: int
    slug: str
    name: str
    name_ja: str
    name_en: str
    counts_as_contact: bool
    is_face_to_face: bool
    is_customer_facing: bool
    order: int
    is_active: bool
    web_url: str


class ActivityTypeIn(InputSchema):
    slug: str | None = None
    name_ja: str
    name_en: str
    counts_as_contact: bool | None = None
    is_face_to_face: bool | None = None
    is_customer_facing: bool | None = None
    order: int | None = None
    is_active: bool | None = None


class ActivityTypePatch(InputSchema):
    name_ja: str | None = None
    name_en: str | None = None
    counts_as_contact: bool | None = None
    is_face_to_face: bool | None = None
    is_customer_facing: bool | None = None
    order: int | None = None
    is_active: bool | None = None


class ActivityOut(WebObjectOut):
    id: int
    owner: int
    type: str
    customer: int | None
    deal: int | None
    contacts: list[int]
    subject: str
    purpose: LongText
    notes: LongText
    next_step: LongText
    status: str
    starts_at: ApiDateTime
    ends_at: ApiDateTime
    planned_at: ApiDateTime | None
    original_starts_at: ApiDateTime | None
    completed_at: ApiDateTime | None
    cancelled_at: ApiDateTime | None
    cancel_reason: str
    is_key_customer: bool
    reviewed_by: int | None
    reviewed_at: ApiDateTime | None
    reactions: dict[str, int]
    reacted_by_me: list[str]
    version: int
    created_at: ApiDateTime
    updated_at: ApiDateTime
    web_url: str

    @staticmethod
    def resolve_owner(obj: Activity) -> int:
        return obj.owner_id

    @staticmethod
    def resolve_type(obj: Activity) -> str:
        return obj.type.slug

    @staticmethod
    def resolve_customer(obj: Activity) -> int | None:
        return obj.customer_id

    @staticmethod
    def resolve_deal(obj: Activity) -> int | None:
        return obj.deal_id

    @staticmethod
    def resolve_contacts(obj: Activity) -> list[int]:
        return [contact.pk for contact in obj.contacts.all()]  # prefetched by the selector

    @staticmethod
    def resolve_reviewed_by(obj: Activity) -> int | None:
        return obj.reviewed_by_id

    @staticmethod
    def resolve_reactions(obj: Activity) -> dict[str, int]:
        """``{kind: count}`` for every kind, zeros included (annotated by the selector)."""
        return reaction_summary(obj)[0]

    @staticmethod
    def resolve_reacted_by_me(obj: Activity) -> list[str]:
        """The kinds the caller gave this activity."""
        return reaction_summary(obj)[1]


class _ActivityFields(InputSchema):
    nullable: ClassVar[frozenset[str]] = frozenset({"customer", "deal", "version"})

    owner: Id | None = None
    customer: Id | None = None
    deal: Id | None = None
    contacts: list[Id] | None = None
    subject: str | None = None
    purpose: LongText | None = None
    notes: LongText | None = None
    next_step: LongText | None = None


class ActivityIn(_ActivityFields):
    """Plan an activity (``status`` ``planned``, the default) or log one after the fact (``done``).
    ``owner`` defaults to the caller; with a ``deal`` and no ``customer``, the deal's customer."""

    type: str
    starts_at: BoundedDateTime
    ends_at: BoundedDateTime
    status: str | None = None


class ActivityPatch(_ActivityFields):
    """The fields to change. The status changes through the actions (complete, reschedule, cancel)."""

    type: str | None = None
    starts_at: BoundedDateTime | None = None
    ends_at: BoundedDateTime | None = None
    version: int | None = None


class ActivityCompleteIn(InputSchema):
    nullable: ClassVar[frozenset[str]] = frozenset({"version"})

    notes: LongText | None = None
    next_step: LongText | None = None
    version: int | None = None


class ActivityRescheduleIn(InputSchema):
    """The new start; without ``ends_at`` the activity keeps its duration."""

    nullable: ClassVar[frozenset[str]] = frozenset({"ends_at", "version"})

    starts_at: BoundedDateTime
    ends_at: BoundedDateTime | None = None
    version: int | None = None


class ActivityCancelIn(InputSchema):
    nullable: ClassVar[frozenset[str]] = frozenset({"version"})

    reason: LongText
    version: int | None = None


class ReactionIn(InputSchema):
    kind: str = Reaction.Kind.LIKE.value


class ReactionOut(Schema):
    """The caller's reaction after the toggle, and how many of that kind the activity now has."""

    kind: str
    reacted: bool
    count: int


# --- Comments and mentions --------------------------------------------------------------------------


class CommentOut(WebObjectOut):
    """A comment on an activity, a deal or a weekly report; ``mentions`` are the ids of the users it
    @mentions."""

    id: int
    author: int
    body: CommentText
    activity: int | None
    deal: int | None
    weekly_report: int | None
    mentions: list[int]
    created_at: ApiDateTime
    web_url: str

    @staticmethod
    def resolve_author(obj: Comment) -> int:
        return obj.author_id

    @staticmethod
    def resolve_activity(obj: Comment) -> int | None:
        return obj.activity_id

    @staticmethod
    def resolve_deal(obj: Comment) -> int | None:
        return obj.deal_id

    @staticmethod
    def resolve_weekly_report(obj: Comment) -> int | None:
        return obj.weekly_report_id

    @staticmethod
    def resolve_mentions(obj: Comment) -> list[int]:
        return [row.user_id for row in obj.mention_rows.all()]  # prefetched by the selector


class CommentIn(InputSchema):
    """A comment on exactly one activity, deal or weekly report. ``@username`` in the body mentions that
    user."""

    nullable: ClassVar[frozenset[str]] = frozenset({"activity", "deal", "weekly_report"})

    body: CommentText
    activity: Id | None = None
    deal: Id | None = None
    weekly_report: Id | None = None


class MentionOut(WebObjectOut):
    """The caller @mentioned in a comment; ``activity`` / ``deal`` are the comment's target."""

    id: int
    comment: CommentOut
    activity: int | None
    deal: int | None
    read_at: ApiDateTime | None
    web_url: str

    @staticmethod
    def resolve_activity(obj: Mention) -> int | None:
        return obj.comment.activity_id

    @staticmethod
    def resolve_deal(obj: Mention) -> int | None:
        return obj.comment.deal_id

    @staticmethod
    def resolve_web_url(obj: Any) -> str:
        """A mention has no page of its own: it links to its comment."""
        return WebObjectOut.resolve_web_url(obj.comment)


class MentionsReadIn(InputSchema):
    """Without ``comment_ids`` (or with null) every unread mention of the caller is marked read."""

    nullable: ClassVar[frozenset[str]] = frozenset({"comment_ids"})

    comment_ids: list[Id] | None = None


class MentionsMarkedOut(Schema):
    marked: int


class CountOut(Schema):
    count: int


# --- The team feed ----------------------------------------------------------------------------------


class FeedEventOut(Schema):
    """One line of the team feed: ``kind`` happened to ``activity``, done by ``actor`` (a user id, null
    when that user was deleted); ``comment`` for ``commented``; ``data`` the details (``from`` / ``to``
    of a move, the ``reason`` of a cancellation, the ``mentions`` of a comment).

    ``kind`` ``stage``: a deal's stage change; ``activity`` is null and ``deal`` the deal's id, ``data``
    holds ``from`` / ``to`` (the stages' ``ja`` / ``en`` names; ``from`` null for a new deal),
    ``stage_kind`` (open / won / lost), ``amount``, ``loss_reason`` (names or null), ``loss_note`` and
    ``reopened``."""

    id: int
    kind: str
    created_at: ApiDateTime
    actor: int | None
    activity: ActivityOut | None
    deal: int | None
    comment: CommentOut | None
    data: dict[str, Any]

    @staticmethod
    def resolve_actor(obj: ActivityEvent) -> int | None:
        return obj.actor_id

    @staticmethod
    def resolve_deal(obj: ActivityEvent) -> int | None:
        return obj.deal_id


class FeedLatestOut(Schema):
    """The newest event id the feed has with the same filters; 0 when it has none."""

    latest_id: int
