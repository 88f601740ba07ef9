"""People who sign in (users), the teams they work in, and their API tokens."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from totonou.core.models import TimeStampedModel
from totonou.core.validators import HEX_COLOR


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value}, code="invalid")


WEEKDAY_CODES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def site_report_deadline() -> tuple[int, datetime.time]:
    """``TOTONOU_WEEKLY_REPORT_DEADLINE`` (``"FRI 18:00"``) as (weekday 0 = Monday … 6 = Sunday, time):
    the deadline a new team starts with, and the one of a user in no team. A value it cannot read is
    Friday 18:00."""
    text = str(getattr(settings, "TOTONOU_WEEKLY_REPORT_DEADLINE", "FRI 18:00"))
    day_name, _sep, clock = text.strip().upper().partition(" ")
    weekday = WEEKDAY_CODES.index(day_name) if day_name in WEEKDAY_CODES else 4
    hour, _sep, minute = clock.partition(":")
    try:
        return weekday, datetime.time(int(hour or 18), int(minute or 0))
    except ValueError:
        return weekday, datetime.time(18, 0)


def default_report_deadline_weekday() -> int:
    return site_report_deadline()[0]


def default_report_deadline_time() -> datetime.time:
    return site_report_deadline()[1]


WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class Team(TimeStampedModel):
    """A sales team: its members, its managers and its settings. ``time_zone`` draws the team's period
    boundaries (targets, attainment, the pipeline's periods: ``users.zones.period_zone``) and its
    weekly-report deadline; the deadline is a weekday of the report's ISO week and a local time
    (``reports.pack.deadline_for``)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    managers = models.ManyToManyField(
        "users.User", related_name="managed_teams", blank=True, verbose_name=_("managers")
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Tokyo",
        validators=[validate_time_zone],
        help_text=_(
            "Months, quarters and fiscal years begin at midnight here, and the report deadline is here."
        ),
    )
    report_deadline_weekday = models.PositiveSmallIntegerField(
        _("weekly report due on"), choices=WEEKDAY_CHOICES, default=default_report_deadline_weekday
    )
    report_deadline_time = models.TimeField(_("weekly report due at"), default=default_report_deadline_time)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(report_deadline_weekday__lte=6), name="team_deadline_weekday_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('activities:feed')}?team={self.pk}"


#: The columns ``User.__str__`` reads: a user shown by name is read with these only.
NAME_FIELDS = ("display_name", "first_name", "last_name", "username")


class User(AbstractUser):
    class Role(models.TextChoices):
        REP = "rep", _("Sales rep")
        MANAGER = "manager", _("Manager")
        ADMIN = "admin", _("Administrator")

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("team"),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=[("ja", "日本語"), ("en", "English")],
        help_text=_("Empty: the browser's language."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Tokyo", validators=[validate_time_zone]
    )
    calendar_color = models.CharField(
        _("calendar colour"), max_length=7, default="#2f6fdd", validators=[HEX_COLOR]
    )
    week_starts_on = models.PositiveSmallIntegerField(
        _("week starts on"),
        default=0,
        choices=[(0, _("Monday")), (6, _("Sunday"))],
        help_text=_("The first day of the week in the calendar."),
    )
    slack_user_id = models.CharField(_("Slack user id"), max_length=32, blank=True)
    chatwork_account_id = models.CharField(_("Chatwork account id"), max_length=32, blank=True)
    # The user's id in another system (an HR or CRM export): an import of users matches on it first.
    external_id = models.CharField(_("external id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["rep", "manager", "admin"]), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(calendar_color__regex=r"^#[0-9a-fA-F]{6}$"), name="user_color_hex"
            ),
            models.UniqueConstraint(
                fields=["external_id"], condition=~models.Q(external_id=""), name="user_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def get_absolute_url(self) -> str:
        return f"{reverse('activities:calendar')}?members={self.pk}"

    @property
    def name(self) -> str:
        return str(self)

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(
        _("prefix"), max_length=12, help_text=_("The first characters, to tell tokens apart.")
    )
    key_hash = models.CharField(_("hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class CalendarFeed(models.Model):
    """A user's secret iCalendar feed (subscribed from Google Calendar or Outlook). The token in the URL
    is an HMAC of ``nonce`` with the site's secret key, so the page can show the URL again while the
    database alone cannot make it; lookups go by its SHA-256 (``key_hash``). Rotating makes a new nonce
    (the old URL stops working); revoking deletes the row."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("user")
    )
    nonce = models.CharField(_("nonce"), max_length=64)
    key_hash = models.CharField(_("hash"), max_length=64, unique=True)
    include_team = models.BooleanField(
        _("include my team"), default=False, help_text=_("Also the plans and results of your teams.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user_id} calendar feed"
