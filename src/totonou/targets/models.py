"""Sales targets (目標): a figure per rep or per team, per metric and fiscal period."""

from __future__ import annotations

import contextlib
from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from totonou.core.models import VersionedModel
from totonou.targets.periods import FiscalPeriod, parse_period
from totonou.users.permissions import is_signed_in


class Metric(models.TextChoices):
    """What a target counts; each actual is defined in ``insights/selectors/attainment.py``."""

    REVENUE = "revenue", _("Revenue")
    WON_DEALS = "won_deals", _("Won deals")
    NEW_DEALS = "new_deals", _("New deals")
    ACTIVITIES = "activities", _("Done activities")
    KEY_CUSTOMER_VISITS = "key_customer_visits", _("Key-customer visits")


class TargetQuerySet(models.QuerySet["Target"]):
    def visible_to(self, user: Any) -> Self:
        """Admins read every target; everyone else their own, their team's (the team's figure and its
        members'), and those of the teams they manage."""
        if not is_signed_in(user):
            return self.none()
        if user.role == "admin":
            return self
        from totonou.users.models import Team

        team_ids = set(Team.objects.filter(managers=user).values_list("pk", flat=True))
        if user.role == "rep":
            own_team = {user.team_id} if user.team_id is not None else set()
            return self.filter(Q(user_id=user.pk) | Q(team_id__in=own_team))
        if user.team_id is not None:
            team_ids.add(user.team_id)
        return self.filter(Q(user_id=user.pk) | Q(user__team_id__in=team_ids) | Q(team_id__in=team_ids))


class Target(VersionedModel):
    """The figure a rep (``user``) or a team (``team``) should reach for ``metric`` in ``period``.

    ``period`` is a key of the fiscal calendar (``2026-04``, ``2026-Q1``, ``2026-H1``, ``FY2026``, see
    ``targets/periods.py``); exactly one of ``user`` and ``team`` is set; one target per owner, metric
    and period. ``value`` is yen for revenue, a count for the other metrics.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("rep"),
    )
    team = models.ForeignKey(
        "users.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("team"),
    )
    metric = models.CharField(_("metric"), max_length=24, choices=Metric.choices)
    period = models.CharField(
        _("period"),
        max_length=7,
        help_text=_("2026-04, 2026-Q1, 2026-H1 or FY2026 (fiscal quarters and halves)."),
    )
    value = models.BigIntegerField(_("target"), validators=[MinValueValidator(0)])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["period", "metric", "team_id", "user_id", "id"]
        indexes = [models.Index(fields=["metric", "period"], name="target_metric_period_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_not_negative"),
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(team__isnull=True))
                | (Q(user__isnull=True) & Q(team__isnull=False)),
                name="target_user_xor_team",
            ),
            models.UniqueConstraint(
                fields=["user", "metric", "period"],
                condition=Q(user__isnull=False),
                name="target_unique_user_metric_period",
                violation_error_message=_("This rep already has a target for this metric and period."),
            ),
            models.UniqueConstraint(
                fields=["team", "metric", "period"],
                condition=Q(team__isnull=False),
                name="target_unique_team_metric_period",
                violation_error_message=_("This team already has a target for this metric and period."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.team} {self.get_metric_display()} {self.period}"

    def get_absolute_url(self) -> str:
        query: dict[str, Any] = {"metric": self.metric}
        with contextlib.suppress(ValidationError):
            query["year"] = self.fiscal_period.fiscal_year
        team_id = self.team_id if self.team_id is not None else getattr(self.user, "team_id", None)
        if team_id is not None:
            query["team"] = team_id
        return f"{reverse('targets:index')}?{urlencode(query)}"

    @property
    def fiscal_period(self) -> FiscalPeriod:
        return parse_period(self.period)

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if (self.user_id is None) == (self.team_id is None):
            errors["__all__"] = [_("Give either a rep or a team.")]
        try:
            self.period = parse_period(self.period).key
        except ValidationError as error:
            errors["period"] = error.messages
        if errors:
            raise ValidationError(errors)
