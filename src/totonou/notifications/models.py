"""The notifications outbox: channels, events, deliveries (one per event and channel) and their attempts.

This app is infrastructure: it knows no domain model. An event carries its payload (the API
representation of the object, made when the event was recorded) and a small ``context`` for the chat
text (names, the key-customer flag, the link); the channel filters (team, segment, owner) are plain ids.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from totonou.core.models import TimeStampedModel


class EventName(models.TextChoices):
    ACTIVITY_PLANNED = "activity.planned", _("Activity planned")
    ACTIVITY_COMPLETED = "activity.completed", _("Activity completed")
    ACTIVITY_MOVED = "activity.moved", _("Activity moved")
    ACTIVITY_CANCELLED = "activity.cancelled", _("Activity cancelled")
    COMMENT_CREATED = "comment.created", _("Comment")
    DEAL_STAGE_CHANGED = "deal.stage_changed", _("Deal stage changed")
    DEAL_WON = "deal.won", _("Deal won")
    DEAL_LOST = "deal.lost", _("Deal lost")
    DEAL_STALLED = "deal.stalled", _("Deal stalled")
    DIGEST_DAILY = "digest.daily", _("Daily digest")
    ALERT_UNCONTACTED = "alert.uncontacted", _("Uncontacted key customers")
    WEEKLY_REPORT_SUBMITTED = "weekly_report.submitted", _("Weekly report submitted")
    WEEKLY_REPORT_REVIEWED = "weekly_report.reviewed", _("Weekly report reviewed")
    WEEKLY_REPORT_LATE = "weekly_report.late", _("Weekly reports not submitted by the deadline")


#: Scheduled events: made by the worker's scheduler, once per channel and local day.
SCHEDULED_EVENTS = (EventName.DIGEST_DAILY.value, EventName.ALERT_UNCONTACTED.value)
#: The test message a user sends from the channel settings (not a subscribable event).
TEST_EVENT = "channel.test"

#: What a person reads for each event name: the one label table (channel list, delivery log, admin).
EVENT_LABELS: dict[str, Promise] = {
    **{choice.value: choice.label for choice in EventName},
    TEST_EVENT: pgettext_lazy("event", "Test message"),
}


def event_label(name: str) -> str:
    """The translated label of an event name; an unknown (retired) name reads "Other event"."""
    return str(EVENT_LABELS.get(name, _("Other event")))


def _moment(value: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def default_events() -> list[str]:
    return [
        EventName.ACTIVITY_COMPLETED.value,
        EventName.COMMENT_CREATED.value,
        EventName.DEAL_WON.value,
        EventName.DIGEST_DAILY.value,
    ]


#: A channel's filters: the name the API, the settings form and the events use -> the column that holds
#: the plain id (null: any). The one definition; ``Channel.filter_ids`` reads them.
CHANNEL_FILTERS: dict[str, str] = {"team": "team_id", "segment": "segment_id", "owner": "owner_id"}


class Channel(TimeStampedModel):
    """Where messages go: a Slack, Teams, Google Chat or generic webhook URL, or a Chatwork room."""

    class Kind(models.TextChoices):
        SLACK = "slack", "Slack"
        TEAMS = "teams", "Microsoft Teams"
        CHATWORK = "chatwork", "Chatwork"
        GOOGLE_CHAT = "google_chat", "Google Chat"
        WEBHOOK = "webhook", _("Webhook (signed JSON)")

    class Language(models.TextChoices):
        JA = "ja", "日本語"
        EN = "en", "English"

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    room_id = models.CharField(_("Chatwork room id"), max_length=32, blank=True)
    token = models.CharField(_("Chatwork API token"), max_length=200, blank=True)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.JA)
    events = models.JSONField(_("events"), default=default_events, blank=True)
    # Filters, as plain ids (this app knows no domain model); null means any.
    team_id = models.BigIntegerField(_("team"), null=True, blank=True)
    segment_id = models.BigIntegerField(_("segment"), null=True, blank=True)
    owner_id = models.BigIntegerField(_("owner"), null=True, blank=True)
    key_only = models.BooleanField(_("key customers only"), default=False)
    digest_time = models.TimeField(_("daily digest time"), default="08:30")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Tokyo")
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["slack", "teams", "chatwork", "google_chat", "webhook"]),
                name="channel_kind_valid",
            ),
            models.CheckConstraint(condition=Q(language__in=["ja", "en"]), name="channel_language_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("notifications:channel_edit", args=[self.pk])

    @property
    def event_labels(self) -> list[str]:
        """The subscribed events as a person reads them, in the order of ``EventName``."""
        chosen = set(self.events or [])
        return [event_label(name) for name in EventName.values if name in chosen]

    def filter_ids(self) -> dict[str, int | None]:
        """``{"team": id or None, "segment": ..., "owner": ...}`` (``CHANNEL_FILTERS``)."""
        return {name: getattr(self, column) for name, column in CHANNEL_FILTERS.items()}

    def wants(self, name: str, *, filters: dict[str, object]) -> bool:
        """Whether an event ``name`` with ``filters`` (team, segment, owner, is_key) goes to this channel."""
        if not self.enabled or name not in (self.events or []):
            return False
        if self.key_only and not filters.get("is_key"):
            return False
        return all(
            expected is None or filters.get(name_) == expected
            for name_, expected in self.filter_ids().items()
        )


class Event(models.Model):
    """Something that happened, recorded in the transaction that made it happen."""

    uid = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(_("payload"), default=dict)
    context = models.JSONField(_("context"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return gettext("%(event)s at %(when)s") % {
            "event": event_label(self.name),
            "when": _moment(self.created_at),
        }


class Delivery(models.Model):
    """One event to one channel. The worker claims it (``claimed_until``: a lease), sends it, and
    records every attempt; ``dedupe_key`` makes the pair unique."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")
        DEAD = "dead", _("Dead (gave up)")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("channel")
    )
    event_name = models.CharField(_("event"), max_length=40)
    dedupe_key = models.CharField(_("de-duplication key"), max_length=100, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    attempt_limit = models.PositiveIntegerField(
        _("attempt limit"), default=8, help_text=_("After this many attempts the delivery is dead.")
    )
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["channel", "-created_at"], name="delivery_channel_idx"),
            models.Index(fields=["-created_at", "-id"], name="delivery_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed", "dead"]),
                name="delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
                name="delivery_pending_has_due_time",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(event)s to channel %(channel)s") % {
            "event": event_label(self.event_name),
            "channel": self.channel_id,
        }

    def get_absolute_url(self) -> str:
        return f"{reverse('notifications:delivery_list')}?channel={self.channel_id}#delivery-{self.pk}"

    @property
    def event_label(self) -> str:
        return event_label(self.event_name)


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("delivery")
    )
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    worker = models.CharField(_("worker"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="delivery_attempt_unique_number")
        ]

    def __str__(self) -> str:
        return gettext("Attempt %(number)s of delivery %(delivery)s") % {
            "number": self.number,
            "delivery": self.delivery_id,
        }


class ScheduledRun(models.Model):
    """A scheduled event (daily digest, uncontacted alert) made for a channel and local day: the unique
    row is what makes it happen once, with any number of workers and after restarts."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="scheduled_runs")
    event_name = models.CharField(max_length=40)
    local_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "event_name", "local_date"], name="scheduled_run_once_per_day"
            )
        ]

    def __str__(self) -> str:
        return gettext("%(event)s for channel %(channel)s on %(date)s") % {
            "event": event_label(self.event_name),
            "channel": self.channel_id,
            "date": formats.date_format(self.local_date, "SHORT_DATE_FORMAT"),
        }


# --- Personal notifications (the bell, email) --------------------------------------------------------


class NotificationKind(models.TextChoices):
    """What a personal notification is about; a user chooses per kind how to hear of it."""

    MENTION = "mention", _("Mentions of me")
    COMMENT = "comment", _("Comments on my records")
    REVIEW = "review", _("Reviews of my activities")
    LIKE = "like", _("Likes (いいね) on my activities")
    DEAL = "deal", _("My deals won, lost or stalled")
    REMINDER = "reminder", _("Reminders")


class Channels(models.TextChoices):
    """How a user hears of a kind of notification."""

    BOTH = "both", _("In the app and by email")
    IN_APP = "in_app", _("In the app only")
    EMAIL = "email", _("By email only")
    NONE = "none", _("Not at all")


#: How each kind reaches a user who has not chosen: the bell for all, email for what needs an answer.
DEFAULT_CHANNELS: dict[str, str] = {
    NotificationKind.MENTION: Channels.BOTH,
    NotificationKind.COMMENT: Channels.BOTH,
    NotificationKind.REVIEW: Channels.IN_APP,
    NotificationKind.LIKE: Channels.IN_APP,
    NotificationKind.DEAL: Channels.BOTH,
    NotificationKind.REMINDER: Channels.BOTH,
}


class Notification(models.Model):
    """One thing a person should hear about. Its words are made by the domain when it is recorded, in
    both languages (``title`` and ``body`` are ``{"ja": ..., "en": ...}``), so the bell and the email read
    as it was, in the reader's language. Kept 90 days (the worker purges older ones)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    title = models.JSONField(_("title"), default=dict)
    body = models.JSONField(_("text"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    is_key = models.BooleanField(_("key customer"), default=False)
    #: What it is about, e.g. ``activities.comment:12`` (to mark it read from elsewhere).
    ref = models.CharField(_("record"), max_length=60, blank=True)
    #: Makes a notification happen once (a reminder per plan, a like per person and activity).
    dedupe_key = models.CharField(_("de-duplication key"), max_length=100, null=True, blank=True, unique=True)
    in_app = models.BooleanField(_("shown in the app"), default=True)
    digest_pending = models.BooleanField(_("waiting for the daily digest"), default=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recipient_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(in_app=True, read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(
                fields=["recipient"], condition=Q(digest_pending=True), name="notification_digest_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["mention", "comment", "review", "like", "deal", "reminder"]),
                name="notification_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"

    def text(self, field: str = "title", language: str | None = None) -> str:
        value = getattr(self, field) or {}
        language = language or get_language() or "ja"
        return str(value.get(language[:2]) or value.get("ja") or value.get("en") or "")

    @property
    def title_text(self) -> str:
        return self.text("title")

    @property
    def body_text(self) -> str:
        return self.text("body")


class NotificationPreference(models.Model):
    """How a user hears of one kind of notification; a kind without a row uses ``DEFAULT_CHANNELS``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    channels = models.CharField(_("how"), max_length=10, choices=Channels.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once"),
            models.CheckConstraint(
                condition=Q(channels__in=["both", "in_app", "email", "none"]),
                name="notification_preference_channels_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.channels}"


class NotificationSettings(models.Model):
    """A user's email habits: one daily digest instead of single mails, and quiet hours (local time)
    during which no single mail is sent (it waits until they end)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("user"),
    )
    digest = models.BooleanField(
        _("daily email digest"),
        default=False,
        help_text=_("One email a day instead of one per notification."),
    )
    digest_time = models.TimeField(_("digest time"), default=datetime.time(8, 0))
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user_id)


class PersonalRun(models.Model):
    """A scheduled personal job (the digest, the morning list) done for a user and local day: the unique
    row makes it happen once with any number of workers."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=40)
    local_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("personal scheduled run")
        verbose_name_plural = _("personal scheduled runs")
        constraints = [
            models.UniqueConstraint(fields=["user", "name", "local_date"], name="personal_run_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.name} {self.local_date}"


class OutboundEmail(models.Model):
    """An email waiting to be sent, written by ``OutboxEmailBackend`` in the sender's transaction (so a
    rolled-back change sends nothing) and sent by the worker, leased and retried like a ``Delivery``.
    ``raw`` is the whole MIME message with its ``Message-ID``, the same on every attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        DEAD = "dead", _("Dead (gave up)")

    subject = models.CharField(_("subject"), max_length=300, blank=True)
    from_email = models.CharField(_("from"), max_length=300)
    recipients = models.JSONField(_("to"), default=list)
    raw = models.BinaryField(_("message"))
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    attempt_limit = models.PositiveIntegerField(_("attempt limit"), default=6)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=64, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="email_due_idx"),
            models.Index(fields=["-created_at", "-id"], name="email_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "dead"]), name="email_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
                name="email_pending_has_due_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.recipients)}"
