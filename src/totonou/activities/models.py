"""Activities: plan and actual in one record, and the comments on them."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from totonou.core.bounds import COMMENT_VALIDATORS, LONG_TEXT_VALIDATORS, BoundedDateTimeField
from totonou.core.i18n import pick
from totonou.core.links import record_url
from totonou.core.models import TimeStampedModel, VersionedModel
from totonou.users.permissions import is_signed_in
from totonou.users.querysets import OwnedQuerySet, VisibleQuerySet


class ActivityType(models.Model):
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    counts_as_contact = models.BooleanField(
        _("counts as contact"),
        default=True,
        help_text=_("A done activity of this type resets the uncontacted clock."),
    )
    is_face_to_face = models.BooleanField(_("face to face"), default=False)
    is_customer_facing = models.BooleanField(_("customer facing"), default=True)
    default_duration_minutes = models.PositiveIntegerField(
        _("usual duration (minutes)"),
        default=60,
        validators=[MaxValueValidator(24 * 60)],
        help_text=_("How long one usually takes: a result logged now without a time started this long ago."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity type")
        verbose_name_plural = _("activity types")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('activities:feed')}?type={self.slug}"

    @property
    def name(self) -> str:
        return pick(ja=self.name_ja, en=self.name_en)


class ActivityQuerySet(OwnedQuerySet):
    pass


class Activity(VersionedModel):
    """One activity, planned or logged after the fact.

    ``planned_at`` is when it was first planned (null: logged after the fact, "unplanned");
    ``original_starts_at`` keeps the first planned start so a move is measurable.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="activities", verbose_name=_("owner")
    )
    type = models.ForeignKey(
        ActivityType, on_delete=models.PROTECT, related_name="activities", verbose_name=_("type")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("customer"),
    )
    deal = models.ForeignKey(
        "deals.Deal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("deal"),
    )
    # The customer's 重点顧客 flag, kept by database triggers on both tables (ADR 0011), so calendars,
    # feeds and counts mark and rank key customers without joining 100,000 customers.
    is_key_customer = models.BooleanField(_("key customer"), default=False, editable=False)
    contacts = models.ManyToManyField(
        "customers.Contact", blank=True, related_name="activities", verbose_name=_("contacts")
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    purpose = models.TextField(_("purpose"), blank=True, validators=LONG_TEXT_VALIDATORS)
    notes = models.TextField(_("notes"), blank=True, validators=LONG_TEXT_VALIDATORS)
    next_step = models.TextField(_("next step"), blank=True, validators=LONG_TEXT_VALIDATORS)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    starts_at = BoundedDateTimeField(_("starts at"))
    ends_at = BoundedDateTimeField(_("ends at"))
    planned_at = BoundedDateTimeField(_("planned at"), null=True, blank=True)
    original_starts_at = BoundedDateTimeField(_("originally planned start"), null=True, blank=True)
    completed_at = BoundedDateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = BoundedDateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancel reason"), blank=True, validators=LONG_TEXT_VALIDATORS)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = BoundedDateTimeField(_("reviewed at"), null=True, blank=True)
    # The id the activity has in another system (an import matches on it; unique when given).
    external_id = models.CharField(_("external id"), max_length=64, blank=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-id"]
        indexes = [
            # A member's activities by start (id next: the lists' order), and covering for the targets'
            # activity counts (status, key customer, type: a team's year is ~110,000 rows, issue 14) and
            # for the calendar feed's days (``updated_at``: a busy rep's window is ~4,300 rows, read on
            # every poll of a calendar client), and for the weekly figures of a team's or a rep's week
            # (``planned_at``, ``original_starts_at``: planned, done as planned, moved; the meeting pack's
            # ~5,200 rows of a team's two weeks: 7.1 -> 4.4 ms on SQLite, which looked each row up).
            models.Index(
                fields=[
                    "owner",
                    "starts_at",
                    "id",
                    "status",
                    "is_key_customer",
                    "type",
                    "updated_at",
                    "planned_at",
                    "original_starts_at",
                ],
                name="activity_owner_start_idx",
            ),
            models.Index(fields=["customer", "starts_at"], name="activity_customer_start_idx"),
            models.Index(fields=["deal", "starts_at"], name="activity_deal_start_idx"),
            models.Index(fields=["starts_at", "id"], name="activity_start_idx"),
            # Covering for "who has a plan from now on": status, time, customer and type from the index.
            models.Index(
                fields=["status", "starts_at", "customer", "type"], name="activity_status_start_idx"
            ),
            models.Index(fields=["-updated_at", "-id"], name="activity_recent_idx"),
            # A member's plans waiting for a result (My day): only open plans, by start.
            models.Index(
                fields=["owner", "starts_at", "id"],
                condition=Q(status="planned"),
                name="activity_owner_planned_idx",
            ),
            # The plans on deals (a few thousand of two million rows): "which deals have a planned contact
            # ahead" (the stalled rule) is one read of this small index, hashed, not a seek per deal.
            models.Index(
                fields=["deal", "starts_at", "customer", "type"],
                condition=Q(status="planned", deal__isnull=False),
                name="activity_deal_planned_idx",
            ),
            # A member's results by their end (My day's today: a result that began the evening before and
            # ended after midnight). With the owner's starts, SQLite and PostgreSQL answer "starts today
            # or is a result ending after midnight" as two index ranges instead of the whole history.
            models.Index(
                fields=["owner", "ends_at"],
                condition=Q(status="done"),
                name="activity_owner_done_end_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="activity_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "done", "cancelled"]), name="activity_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_at__isnull=False),
                name="activity_done_has_completed_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | (~Q(cancel_reason="") & Q(cancelled_at__isnull=False)),
                name="activity_cancelled_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="planned")
                | (Q(completed_at__isnull=True) & Q(cancelled_at__isnull=True)),
                name="activity_planned_is_open",
            ),
            models.CheckConstraint(
                condition=Q(deal__isnull=True) | Q(customer__isnull=False),
                name="activity_deal_needs_customer",
            ),
            models.CheckConstraint(
                condition=Q(planned_at__isnull=True) | Q(original_starts_at__isnull=False),
                name="activity_plan_keeps_original_start",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True) | Q(reviewed_by__isnull=False),
                name="activity_review_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        if self.subject:
            return self.subject
        when = formats.date_format(timezone.localtime(self.starts_at), "SHORT_DATETIME_FORMAT")
        return gettext("Activity on %(when)s") % {"when": when}

    def get_absolute_url(self) -> str:
        return record_url("activities:activity_detail", self.pk)

    @property
    def is_moved(self) -> bool:
        return self.original_starts_at is not None and self.original_starts_at != self.starts_at

    @property
    def is_unplanned(self) -> bool:
        return self.planned_at is None


class ActivityDayCount(models.Model):
    """How many done activities an owner has on one UTC day, by type (ADR 0037): ``done`` of them,
    ``key_done`` with a key customer. Kept by database triggers on ``activities_activity`` (migration
    0017), whatever writes the rows; ``rebuild.activity_counts_rebuild`` recomputes it from the records.

    The targets read a year of a team's activities from here (a few thousand rows instead of ~110,000);
    the UTC days a period boundary cuts in two are counted from the activities themselves."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    day = models.DateField()
    type = models.ForeignKey(ActivityType, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    done = models.IntegerField(default=0)
    key_done = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "day", "type"], name="activity_day_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.day} {self.type_id}: {self.done}"


class CommentQuerySet(VisibleQuerySet):
    def visible_to(self, user: object) -> CommentQuerySet:
        """Comments on activities and deals are shared with every signed-in user; a comment on a weekly
        report is read by whoever may read the report (its author, their team and managers, admins)."""
        queryset = super().visible_to(user)
        if not is_signed_in(user):
            return queryset
        # Weekly reports live in a higher layer (``reports``): found by name, with their own visibility.
        reports = apps.get_model("reports", "WeeklyReport").objects.visible_to(user).values("pk")
        return queryset.filter(Q(weekly_report__isnull=True) | Q(weekly_report__in=reports))

    def changeable_by(self, user: object) -> CommentQuerySet:
        from totonou.users.permissions import owned_by_q

        return self.filter(owned_by_q(user, "author"))


class Comment(TimeStampedModel):
    """A comment on an activity, a deal or a weekly report (exactly one), with @mentions."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments", verbose_name=_("author")
    )
    body = models.TextField(_("comment"), validators=COMMENT_VALIDATORS)
    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("activity"),
    )
    deal = models.ForeignKey(
        "deals.Deal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("deal"),
    )
    # A string reference: weekly reports live in a higher layer (``reports``) that imports activities.
    weekly_report = models.ForeignKey(
        "reports.WeeklyReport",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("weekly report"),
    )
    mentions: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Mention",
        blank=True,
        related_name="mentioned_in",
        verbose_name=_("mentions"),
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["activity", "created_at"], name="comment_activity_idx"),
            models.Index(fields=["deal", "created_at"], name="comment_deal_idx"),
            models.Index(fields=["weekly_report", "created_at"], name="comment_weekly_report_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(activity__isnull=False) & Q(deal__isnull=True) & Q(weekly_report__isnull=True))
                | (Q(activity__isnull=True) & Q(deal__isnull=False) & Q(weekly_report__isnull=True))
                | (Q(activity__isnull=True) & Q(deal__isnull=True) & Q(weekly_report__isnull=False)),
                name="comment_on_exactly_one",
            ),
            models.CheckConstraint(condition=~Q(body=""), name="comment_body_not_empty"),
        ]

    def __str__(self) -> str:
        return self.body[:50]

    def get_absolute_url(self) -> str:
        if self.activity_id:
            return record_url("activities:activity_detail", self.activity_id) + f"#comment-{self.pk}"
        if self.weekly_report_id:
            return reverse("reports:report_detail", args=[self.weekly_report_id]) + f"#comment-{self.pk}"
        return reverse("deals:deal_detail", args=[self.deal_id]) + f"#comment-{self.pk}"


class Mention(models.Model):
    """A user @mentioned in a comment; unread until the user opens their mentions."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mention_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mention_rows")
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="mention_once_per_comment")]
        indexes = [models.Index(fields=["user", "read_at"], name="mention_unread_idx")]

    def __str__(self) -> str:
        return gettext("%(user)s mentioned in comment %(comment)s") % {
            "user": self.user,
            "comment": self.comment_id,
        }


class Reaction(models.Model):
    """A reaction to an activity (いいね), at most one of each kind per user."""

    class Kind(models.TextChoices):
        LIKE = "like", _("Like")

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("activity")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LIKE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(fields=["activity", "user", "kind"], name="reaction_once_per_user"),
            models.CheckConstraint(condition=Q(kind__in=["like"]), name="reaction_kind_valid"),
        ]

    def __str__(self) -> str:
        return gettext("%(user)s: %(kind)s on activity %(activity)s") % {
            "user": self.user,
            "kind": self.get_kind_display(),
            "activity": self.activity_id,
        }


class ActivityEvent(models.Model):
    """One line of the team feed: something that happened to an activity, as it happened."""

    class Kind(models.TextChoices):
        PLANNED = "planned", _("Planned")
        LOGGED = "logged", _("Logged")
        COMPLETED = "completed", _("Completed")
        MOVED = "moved", _("Moved")
        CANCELLED = "cancelled", _("Cancelled")
        COMMENTED = "commented", _("Commented")
        REVIEWED = "reviewed", _("Reviewed")
        STAGE_CHANGED = "stage", _("Deal stage changed")

    # Null only for a deal's stage change (``deal`` set instead): the feed shows deals moving too.
    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("activity"),
    )
    deal = models.ForeignKey(
        "deals.Deal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="feed_events",
        verbose_name=_("deal"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("comment")
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["activity", "-id"], name="event_activity_idx"),
            models.Index(fields=["deal", "-id"], name="event_deal_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "planned",
                        "logged",
                        "completed",
                        "moved",
                        "cancelled",
                        "commented",
                        "reviewed",
                        "stage",
                    ]
                ),
                name="event_kind_valid",
            ),
            # An activity's event has its activity; a deal's stage change has its deal and no activity.
            models.CheckConstraint(
                condition=(Q(kind="stage") & Q(activity__isnull=True) & Q(deal__isnull=False))
                | (~Q(kind="stage") & Q(activity__isnull=False)),
                name="event_activity_or_deal",
            ),
            models.CheckConstraint(
                condition=~Q(kind="commented") | Q(comment__isnull=False), name="event_comment_has_comment"
            ),
        ]

    def __str__(self) -> str:
        if self.activity_id is None:
            return gettext("%(kind)s: deal %(deal)s") % {
                "kind": self.get_kind_display(),
                "deal": self.deal_id,
            }
        return gettext("%(kind)s: activity %(activity)s") % {
            "kind": self.get_kind_display(),
            "activity": self.activity_id,
        }
