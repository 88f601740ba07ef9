"""Deals (案件), the stages they move through, their stage history and loss reasons."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from totonou.core.bounds import (
    DAY_COUNT_VALIDATORS,
    LONG_TEXT_VALIDATORS,
    BoundedDateField,
    BoundedDateTimeField,
)
from totonou.core.i18n import pick
from totonou.core.links import record_url
from totonou.core.models import TimeStampedModel, VersionedModel
from totonou.users.querysets import OwnedQuerySet, VisibleQuerySet


class Stage(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", pgettext_lazy("deal stage kind", "Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    order = models.PositiveIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    stagnation_days = models.PositiveIntegerField(
        _("stalled after (days)"),
        default=30,
        validators=DAY_COUNT_VALIDATORS,
        help_text=_("A deal this long in the stage counts as stalled."),
    )
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices, default=Kind.OPEN)
    is_active = models.BooleanField(_("active"), default=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_percent"),
            models.CheckConstraint(condition=Q(kind__in=["open", "won", "lost"]), name="stage_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('deals:deal_list')}?stage={self.pk}"

    @property
    def name(self) -> str:
        return pick(ja=self.name_ja, en=self.name_en)


class LossReason(models.Model):
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("loss reason")
        verbose_name_plural = _("loss reasons")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(ja=self.name_ja, en=self.name_en)


class DealQuerySet(OwnedQuerySet):
    pass


#: An open deal, as a condition on the deal alone: no close (``closed_at``) and not archived. The services
#: set ``closed_at`` exactly when a deal enters a won or lost stage and clear it when it is reopened, and a
#: stage's kind cannot change once deals have been in it, so "no close" is "in an open stage" (ADR 0043;
#: ``tests/services/test_open_deals.py`` holds the two equal). The deal list's open filter and its partial
#: indexes use it.
OPEN_DEAL = Q(closed_at__isnull=True, archived_at__isnull=True)


class Deal(VersionedModel):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="deals", verbose_name=_("customer")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals", verbose_name=_("owner")
    )
    title = models.CharField(pgettext_lazy("deal", "title"), max_length=200)
    amount = models.BigIntegerField(
        _("amount"), default=0, validators=[MinValueValidator(0)], help_text=_("In the team currency.")
    )
    expected_close_date = BoundedDateField(_("expected close date"), null=True, blank=True)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals", verbose_name=_("stage"))
    stage_entered_at = BoundedDateTimeField(_("in stage since"))
    closed_at = BoundedDateTimeField(_("closed at"), null=True, blank=True)
    loss_reason = models.ForeignKey(
        LossReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("loss reason"),
    )
    loss_note = models.TextField(_("loss note"), blank=True, validators=LONG_TEXT_VALIDATORS)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True, validators=LONG_TEXT_VALIDATORS)
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("contact"),
        help_text=_("A contact of the deal's customer."),
    )
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    # Deleting a deal with activities would lose their history: it is archived instead (hidden from
    # the deal list unless asked for).
    archived_at = BoundedDateTimeField(_("archived at"), null=True, blank=True, editable=False)
    # The latest done activity on the deal, kept in step by the activity services so the list can sort
    # by it through an index.
    last_activity_at = BoundedDateTimeField(_("last activity"), null=True, blank=True, editable=False)

    objects = DealQuerySet.as_manager()

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-updated_at"], name="deal_customer_idx"),
            # Also covering for the targets' won deals (owner, won stage, closed in the period, amount).
            models.Index(fields=["owner", "stage", "closed_at", "amount"], name="deal_owner_stage_idx"),
            # An owner's deals by stage, holding the archived flag, the amount and what the stalled rule
            # reads: the totals of a rep's list (the default) and a team's board per stage (counts, amounts,
            # the stalled count; the id for the count and the plans' anti-join) read the index alone.
            models.Index(
                fields=[
                    "owner",
                    "stage",
                    "archived_at",
                    "amount",
                    "stage_entered_at",
                    "last_activity_at",
                    "created_at",
                    "id",
                ],
                name="deal_owner_totals_idx",
            ),
            models.Index(fields=["stage", "stage_entered_at"], name="deal_stage_idx"),
            models.Index(fields=["-updated_at", "-id"], name="deal_recent_idx"),
            # The deal list's sorts (amount, expected close, days in stage, last activity).
            models.Index(fields=["amount", "id"], name="deal_amount_idx"),
            models.Index(fields=["expected_close_date", "id"], name="deal_close_idx"),
            models.Index(fields=["stage_entered_at", "id"], name="deal_entered_idx"),
            models.Index(fields=["last_activity_at", "id"], name="deal_last_activity_idx"),
            # The same sorts within one owner's deals (a rep's own list, the default): the owner's deals
            # in the order of the page, whatever the statistics say (issue 20).
            models.Index(fields=["owner", "-updated_at", "-id"], name="deal_owner_recent_idx"),
            models.Index(fields=["owner", "amount", "id"], name="deal_owner_amount_idx"),
            # (+ stage and amount: covering for the targets' forecast of open deals closing in a period)
            models.Index(
                fields=["owner", "expected_close_date", "id", "stage", "amount"], name="deal_owner_close_idx"
            ),
            models.Index(fields=["owner", "stage_entered_at", "id"], name="deal_owner_entered_idx"),
            models.Index(fields=["owner", "last_activity_at", "id"], name="deal_owner_activity_idx"),
            # The same sorts within the open deals (everyone's open deals, the pipeline's list): the deals
            # without a close, whatever the statistics say (issue 20, ADR 0043). Before ``ANALYZE``,
            # PostgreSQL guessed two deals per open stage and sorted all 32,000 for each page.
            *(
                models.Index(fields=fields, name=name, condition=OPEN_DEAL)
                for fields, name in (
                    (["-updated_at", "-id"], "deal_open_recent_idx"),
                    (["amount", "id"], "deal_open_amount_idx"),
                    (["expected_close_date", "id"], "deal_open_close_idx"),
                    (["stage_entered_at", "id"], "deal_open_entered_idx"),
                    (["last_activity_at", "id"], "deal_open_activity_idx"),
                )
            ),
            # The targets' new deals: a member's deals created in a period, from the index alone.
            models.Index(fields=["owner", "created_at"], name="deal_owner_created_idx"),
            # The deal list's totals of a kind (everyone's open deals): a range per stage holding the
            # archived flag and the amount, so the totals read only the index entries they count.
            models.Index(fields=["stage", "archived_at", "amount"], name="deal_stage_totals_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="deal_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        contact = self.contact if self.contact_id is not None else None
        if contact is not None and self.customer_id is not None and contact.customer_id != self.customer_id:
            raise ValidationError({"contact": [_("This contact belongs to another customer.")]})

    def get_absolute_url(self) -> str:
        return record_url("deals:deal_detail", self.pk)

    @property
    def is_closed(self) -> bool:
        return self.stage.kind != Stage.Kind.OPEN

    @property
    def weighted_amount(self) -> int:
        return self.amount * self.stage.probability // 100


class StageChange(models.Model):
    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, related_name="stage_changes", verbose_name=_("deal")
    )
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from stage")
    )
    to_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="+", verbose_name=_("to stage")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = BoundedDateTimeField(_("changed at"))
    # The deal's owner (its current one), copied onto its changes and kept in step by triggers on both
    # tables (migration 0014, as ``Activity.is_key_customer``, ADR 0011), whatever writes the rows: a
    # team's changes of a period are read through ``stagechange_owner_idx`` instead of every change of
    # the period being joined to the team's deals (the funnel). Never written by the application.
    deal_owner_id = models.BigIntegerField(_("deal owner"), null=True, blank=True, editable=False)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["deal_id", "changed_at", "id"]
        indexes = [
            # A deal's changes in time order with the stage they went into, read from the index alone: the
            # history's "a later change", "the next change" and "entered again" lookups per change
            # (``deals.history``) and the period's changes of a set of deals. The id before the stage: the
            # funnel walks each deal's changes newest first, ties by id, and in the index's order SQLite
            # sorts nothing (with the stage second, it sorted each deal's changes again: a team's year,
            # 18,319 changes, 27.7 -> 18.8 ms).
            models.Index(fields=["deal", "changed_at", "id", "to_stage"], name="stagechange_deal_stage_idx"),
            models.Index(fields=["to_stage", "changed_at"], name="stagechange_to_idx"),
            # A week's changes of anyone's deals (the weekly report and the meeting pack: the deals that
            # moved in the week): without it PostgreSQL read every change to find a week's (19 → 8 ms).
            models.Index(fields=["changed_at", "deal"], name="stagechange_changed_idx"),
            # A team's (or a rep's) changes since a day, with what the funnel reads, from the index alone.
            models.Index(
                fields=["deal_owner_id", "changed_at", "deal", "to_stage", "id"], name="stagechange_owner_idx"
            ),
        ]

    def __str__(self) -> str:
        if self.from_stage_id is None:
            return gettext("Deal “%(deal)s” opened at %(to)s") % {"deal": self.deal, "to": self.to_stage}
        return gettext("Deal “%(deal)s” moved from %(from)s to %(to)s") % {
            "deal": self.deal,
            "from": self.from_stage,
            "to": self.to_stage,
        }


__all__ = ["Deal", "LossReason", "Stage", "StageChange", "TimeStampedModel"]
