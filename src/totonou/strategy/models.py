"""Sales strategies (営業戦略): a hypothesis about which customers to meet, checked against activities."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from totonou.core.bounds import LONG_TEXT_VALIDATORS, BoundedDateField
from totonou.core.models import VersionedModel
from totonou.users.querysets import VisibleQuerySet

#: Limits for the contact-title keywords (バイヤー, 店長, …) a strategy targets.
MAX_KEYWORDS = 20
MAX_KEYWORD_LENGTH = 50


def validate_title_keywords(value: Any) -> None:
    """A list of up to 20 distinct, non-empty keywords of at most 50 characters each."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Give the keywords as a list of texts."), code="invalid")
    if len(value) > MAX_KEYWORDS:
        raise ValidationError(
            _("Give at most %(limit)s keywords."), params={"limit": MAX_KEYWORDS}, code="too_many"
        )
    for item in value:
        if not item.strip():
            raise ValidationError(_("A keyword cannot be empty."), code="blank")
        if len(item) > MAX_KEYWORD_LENGTH:
            raise ValidationError(
                _("A keyword has at most %(limit)s characters."),
                params={"limit": MAX_KEYWORD_LENGTH},
                code="too_long",
            )


class StrategyQuerySet(VisibleQuerySet):
    pass


class Strategy(VersionedModel):
    """A hypothesis such as "supermarket buyers are our target", for a period.

    An activity *matches* the strategy when its customer is in one of ``segments`` (any segment when
    there are none) and, when ``title_keywords`` are given, one of its contacts has a title containing
    one of them. ``target_share`` is the share (per cent) of customer-facing activities that should match.
    """

    name = models.CharField(_("name"), max_length=200)
    hypothesis = models.TextField(_("hypothesis"), validators=LONG_TEXT_VALIDATORS)
    starts_on = BoundedDateField(_("starts on"))
    ends_on = BoundedDateField(_("ends on"), help_text=_("The last day of the strategy (inclusive)."))
    team = models.ForeignKey(
        "users.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="strategies",
        verbose_name=_("team"),
        help_text=_("Empty: every team."),
    )
    segments = models.ManyToManyField(
        "customers.Segment", related_name="strategies", verbose_name=_("target segments")
    )
    title_keywords = models.JSONField(
        _("contact title keywords"),
        default=list,
        blank=True,
        validators=[validate_title_keywords],
        help_text=_("Optional: an activity matches only with a contact whose title contains one of them."),
    )
    target_share = models.PositiveSmallIntegerField(
        _("target share (%)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The share of customer-facing activities that should follow the strategy."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )

    objects = StrategyQuerySet.as_manager()

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ["-starts_on", "name", "id"]
        indexes = [models.Index(fields=["ends_on", "starts_on"], name="strategy_period_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="strategy_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(target_share__gte=1) & Q(target_share__lte=100),
                name="strategy_target_share_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('web:insights')}?strategy={self.pk}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": [_("The end must not be before the start.")]})
