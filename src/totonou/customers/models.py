"""Customers (顧客), their segments (顧客群) and contacts (担当者)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from totonou.core.bounds import DAY_COUNT_VALIDATORS, LONG_TEXT_VALIDATORS, BoundedDateTimeField
from totonou.core.links import record_url
from totonou.core.models import TimeStampedModel, VersionedModel
from totonou.core.validators import HEX_COLOR
from totonou.search.text import company_key
from totonou.users.querysets import OwnedQuerySet, VisibleQuerySet


class SegmentQuerySet(VisibleQuerySet):
    pass


class Segment(TimeStampedModel):
    """A group of customers (顧客群) with its own contact cadence."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#6b7280", validators=[HEX_COLOR])
    cadence_days = models.PositiveIntegerField(
        _("contact cadence (days)"),
        default=30,
        validators=DAY_COUNT_VALIDATORS,
        help_text=_("Days without real contact before a customer is uncontacted."),
    )
    key_cadence_days = models.PositiveIntegerField(
        _("key customer cadence (days)"),
        default=14,
        validators=DAY_COUNT_VALIDATORS,
        help_text=_("The same for key customers (重点顧客)."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    objects = SegmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(cadence_days__gte=1), name="segment_cadence_positive"),
            models.CheckConstraint(condition=Q(key_cadence_days__gte=1), name="segment_key_cadence_positive"),
            models.CheckConstraint(condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="segment_color_hex"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('customers:customer_list')}?segment={self.pk}"


_DIGITS = re.compile(r"\D+")


def phone_key(phone: str) -> str:
    """A phone number as its digits (full-width folded), +81 written as the domestic 0: "03-1234-5678",
    "(03) 1234 5678" and "+81 3 1234 5678" give the same key."""
    text = unicodedata.normalize("NFKC", phone).strip()
    digits = _DIGITS.sub("", text)
    if text.startswith("+81") and digits.startswith("81"):
        digits = "0" + digits[2:]
    return digits


def website_domain(website: str) -> str:
    """The host of a website without ``www.``, lower case ("https://www.Example.co.jp/about" →
    "example.co.jp"); empty when there is none."""
    text = website.strip()
    if not text:
        return ""
    if "//" not in text:
        text = "//" + text
    host = (urlsplit(text).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


class CustomerQuerySet(OwnedQuerySet):
    def active(self) -> CustomerQuerySet:
        """Customers in use: not archived (archived ones keep their history but leave lists and pickers)."""
        return self.filter(archived_at__isnull=True)


class Customer(VersionedModel):
    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")

    name = models.CharField(_("name"), max_length=200)
    name_kana = models.CharField(_("name (kana)"), max_length=200, blank=True)
    segment = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("segment"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="customers", verbose_name=_("owner")
    )
    is_key = models.BooleanField(_("key customer"), default=False)
    cadence_days = models.PositiveIntegerField(
        _("contact cadence override (days)"),
        null=True,
        validators=DAY_COUNT_VALIDATORS,
        blank=True,
        help_text=_("Empty: the segment's cadence."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True, validators=LONG_TEXT_VALIDATORS)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    archived_at = BoundedDateTimeField(_("archived at"), null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    # Keys for the duplicate warning, kept by save() from the name, phone and website.
    name_key = models.CharField(_("name key"), max_length=200, blank=True, editable=False)
    phone_key = models.CharField(_("phone key"), max_length=30, blank=True, editable=False)
    website_domain = models.CharField(_("website domain"), max_length=200, blank=True, editable=False)
    # The latest real contact (a done activity whose type counts as contact), kept in step by the
    # activity services so "uncontacted" lists never scan the activity history.
    last_contact_at = BoundedDateTimeField(_("last contact"), null=True, blank=True, editable=False)
    last_contact_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("last contact by"),
    )
    # The start of the customer's latest planned contact (a planned activity whose type counts as
    # contact), past or ahead: a contact is planned ahead at ``now`` exactly when this is ``now`` or
    # later (``activities.selectors.planned_ahead_q``). Kept by database triggers on the activities and
    # their types, whatever writes them (ADR 0042), so the uncontacted counts read a column instead of
    # every plan ahead.
    last_planned_contact_at = models.DateTimeField(
        _("latest planned contact"), null=True, blank=True, editable=False
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name_kana", "name", "id"]
        indexes = [
            models.Index(fields=["name_kana", "name", "id"], name="customer_kana_idx"),
            # A segment's or an owner's customers in the list's order (kana, name, id), and everyone's by
            # last contact: a page reads its rows in order, never sorts the set (issue 20).
            models.Index(fields=["segment", "name_kana", "name", "id"], name="customer_segment_name_idx"),
            models.Index(fields=["owner", "name_kana", "name", "id"], name="customer_owner_name_idx"),
            models.Index(
                fields=["last_contact_at", "name_kana", "name", "id"], name="customer_contact_name_idx"
            ),
            models.Index(fields=["is_key", "segment"], name="customer_key_idx"),
            # A member's key customers by last contact, never contacted first (My day's "key customers
            # due"): a rep's 239 of their ~2,400 customers, in order; by the owner's index both databases
            # read all ~2,400 rows and sorted them (SQLite 12.7 ms, PostgreSQL 6.6 ms on a slow machine).
            # The quick log's 50 customers (key first, latest contact first) walk it backwards and stop:
            # 7.5 -> 0.4 ms on SQLite, 6.9 -> 1.2 ms on PostgreSQL.
            models.Index(
                fields=["owner", "is_key", "last_contact_at", "name_kana", "name", "id"],
                name="customer_owner_key_idx",
            ),
            models.Index(fields=["segment", "last_contact_at"], name="customer_segment_contact_idx"),
            models.Index(fields=["last_contact_at", "id"], name="customer_contact_idx"),
            # Covers the uncontacted counts and the coverage's key customers: every column they read (the
            # latest planned contact for "planned ahead", ADR 0042), owner first (a rep's or a team's
            # customers), so both databases scan this narrow index instead of the wide table (an
            # index-only scan on PostgreSQL).
            models.Index(
                fields=[
                    "owner",
                    "segment",
                    "is_key",
                    "cadence_days",
                    "status",
                    "archived_at",
                    "last_contact_at",
                    "last_planned_contact_at",
                    "id",
                ],
                name="customer_uncontacted_idx",
            ),
            # The same columns segment first: the uncontacted counts of every segment read in segment
            # order (no sort of the customers to group them), one segment's as a range.
            models.Index(
                fields=[
                    "segment",
                    "is_key",
                    "cadence_days",
                    "status",
                    "archived_at",
                    "last_contact_at",
                    "last_planned_contact_at",
                    "id",
                ],
                name="customer_segment_counts_idx",
            ),
            models.Index(fields=["name_key"], condition=~Q(name_key=""), name="customer_name_key_idx"),
            models.Index(fields=["phone_key"], condition=~Q(phone_key=""), name="customer_phone_key_idx"),
            models.Index(
                fields=["website_domain"], condition=~Q(website_domain=""), name="customer_domain_idx"
            ),
            models.Index(
                fields=["merged_into"], condition=Q(merged_into__isnull=False), name="customer_merged_idx"
            ),
            # The customers with an override: which cadences exist (uncontacted thresholds), and their
            # uncontacted counts (``uncontacted._counts_in_ranges``), without reading the table.
            models.Index(
                fields=[
                    "cadence_days",
                    "is_key",
                    "segment",
                    "status",
                    "archived_at",
                    "last_contact_at",
                    "last_planned_contact_at",
                ],
                condition=Q(cadence_days__isnull=False),
                name="customer_override_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cadence_days__isnull=True) | Q(cadence_days__gte=1),
                name="customer_cadence_positive",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["prospect", "active", "inactive"]), name="customer_status_valid"
            ),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="customer_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(archived_at__isnull=False),
                name="customer_merged_is_archived",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("customers:customer_detail", self.pk)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    #: The keys save() derives, and the fields they come from.
    KEY_SOURCES = {"name_key": "name", "phone_key": "phone", "website_domain": "website"}

    def refresh_keys(self) -> None:
        self.name_key = company_key(self.name)[:200]
        self.phone_key = phone_key(self.phone)[:30]
        self.website_domain = website_domain(self.website)[:200]

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saves with the duplicate keys in step with the name, phone and website."""
        self.refresh_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            fields = set(update_fields)
            fields |= {key for key, source in self.KEY_SOURCES.items() if source in fields}
            kwargs["update_fields"] = fields
        super().save(*args, **kwargs)


class ContactQuerySet(OwnedQuerySet):
    owner_field = "customer__owner"

    def active(self) -> ContactQuerySet:
        return self.filter(archived_at__isnull=True)


class Contact(VersionedModel):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=100)
    name_kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    title = models.CharField(pgettext_lazy("job title", "title"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    notes = models.TextField(_("notes"), blank=True, validators=LONG_TEXT_VALIDATORS)
    archived_at = BoundedDateTimeField(_("archived at"), null=True, blank=True, editable=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer_id", "name_kana", "name", "id"]
        indexes = [models.Index(fields=["customer", "name_kana"], name="contact_customer_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("customers:customer_detail", self.customer_id) + f"#contact-{self.pk}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
