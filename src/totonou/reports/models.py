"""The weekly report (週報): a rep's reflection on one week, with the week's figures frozen on submit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from totonou.core.bounds import LONG_TEXT_VALIDATORS
from totonou.core.links import record_url
from totonou.core.models import VersionedModel
from totonou.users.querysets import VisibleQuerySet


class WeeklyReportQuerySet(VisibleQuerySet):
    def visible_to(self, user: object) -> WeeklyReportQuerySet:
        """The author reads their own reports, drafts included; a submitted report is read by the author's
        team (members and managers) and by admins. Another rep's draft is nobody else's business."""
        from totonou.users.models import Team
        from totonou.users.permissions import is_signed_in

        if not is_signed_in(user):
            return self.none()
        if getattr(user, "role", "") == "admin":
            return self.filter(Q(author=user) | ~Q(status=WeeklyReport.Status.DRAFT))
        # The teams the user manages, as a subquery: the filter costs no query of its own (a comment
        # thread applies it to every comment list).
        managed_teams = Team.managers.through.objects.filter(user_id=user.pk).values("team_id")  # type: ignore[attr-defined]
        authors = Q(author__team_id__in=managed_teams)
        team_id = getattr(user, "team_id", None)
        if team_id is not None:
            authors |= Q(author__team_id=team_id)
        shared = ~Q(status=WeeklyReport.Status.DRAFT) & authors
        return self.filter(Q(author=user) | shared)


class WeeklyReport(VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        REVIEWED = "reviewed", _("Reviewed")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="weekly_reports",
        verbose_name=_("author"),
    )
    week = models.CharField(_("week"), max_length=8, help_text=_("The ISO week, like 2026-W49."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    went_well = models.TextField(_("what went well"), blank=True, validators=LONG_TEXT_VALIDATORS)
    problems = models.TextField(_("problems"), blank=True, validators=LONG_TEXT_VALIDATORS)
    help_needed = models.TextField(
        _("help needed from the manager"), blank=True, validators=LONG_TEXT_VALIDATORS
    )
    next_focus = models.TextField(_("next week's focus"), blank=True, validators=LONG_TEXT_VALIDATORS)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The figures as they stood at submission (``reports.selectors.WeekSummary.as_snapshot``).
    snapshot = models.JSONField(_("figures at submission"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = WeeklyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        ordering = ["-week", "author_id"]
        indexes = [models.Index(fields=["week", "status"], name="weekly_report_week_idx")]
        constraints = [
            models.UniqueConstraint(fields=["author", "week"], name="weekly_report_once_per_week"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "reviewed"]), name="weekly_report_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(submitted_at__isnull=False) & Q(snapshot__isnull=False)),
                name="weekly_report_submitted_has_snapshot",
            ),
            models.CheckConstraint(
                condition=~Q(status="reviewed")
                | (Q(reviewed_at__isnull=False) & Q(reviewed_by__isnull=False)),
                name="weekly_report_reviewed_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} {self.week}"

    def get_absolute_url(self) -> str:
        return record_url("reports:report_detail", self.pk)

    @property
    def needs_help(self) -> bool:
        return bool(self.help_needed.strip())
