"""The rows of an export: every list the user may see, with the list's filters, in the columns the
importer reads (the API's field names), so a downloaded file imports again to the same records.

Rows come from the list's selector as plain tuples through a server-side cursor (``iterator``), so two
million activities stream without being held in memory."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from totonou.activities.filters import ActivityFilter
from totonou.activities.selectors import activity_list
from totonou.customers.filters import ContactFilter, CustomerFilter
from totonou.customers.selectors import contact_list, customer_list
from totonou.deals.filters import DealFilter
from totonou.deals.selectors import deal_list
from totonou.targets.filters import TargetFilter
from totonou.targets.selectors import target_list

CHUNK = 2000


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _day(moment: datetime.datetime | None) -> str:
    return timezone.localdate(moment).isoformat() if moment else ""


@dataclass(frozen=True)
class Export:
    kind: str
    filter_schema: Any
    header: list[str]

    def rows(self, *, user: Any, filters: Any) -> Iterator[list[Any]]:
        return ROWS[self.kind](user, filters)


def _customers(user: Any, filters: Any) -> Iterator[list[Any]]:
    queryset = customer_list(user=user, filters=filters).values_list(
        "external_id",
        "name",
        "name_kana",
        "segment__name",
        "owner__username",
        "is_key",
        "cadence_days",
        "status",
        "postal_code",
        "address",
        "phone",
        "website",
        "notes",
    )
    for row in queryset.iterator(chunk_size=CHUNK):
        yield list(row)


def _contacts(user: Any, filters: Any) -> Iterator[list[Any]]:
    queryset = contact_list(user=user, filters=filters).values_list(
        "customer__external_id",
        "customer__name",
        "name",
        "name_kana",
        "department",
        "title",
        "email",
        "phone",
        "is_decision_maker",
        "notes",
    )
    for external_id, customer, *rest in queryset.iterator(chunk_size=CHUNK):
        yield [external_id or customer, *rest]


def _deals(user: Any, filters: Any) -> Iterator[list[Any]]:
    queryset = deal_list(user=user, filters=filters).values_list(
        "external_id",
        "title",
        "customer__external_id",
        "customer__name",
        "owner__username",
        "amount",
        "stage__slug",
        "expected_close_date",
        "created_at",
        "closed_at",
        "loss_reason__slug",
        "loss_note",
        "next_step",
        "notes",
    )
    for row in queryset.iterator(chunk_size=CHUNK):
        (
            external_id,
            title,
            customer_external_id,
            customer,
            owner,
            amount,
            stage,
            expected,
            created,
            closed,
            loss_reason,
            loss_note,
            next_step,
            notes,
        ) = row
        yield [
            external_id,
            title,
            customer_external_id or customer,
            owner,
            amount,
            stage,
            expected,
            _day(created),
            _day(closed),
            loss_reason or "",
            loss_note,
            next_step,
            notes,
        ]


def _activities(user: Any, filters: Any) -> Iterator[list[Any]]:
    queryset = (
        activity_list(user=user, filters=filters)
        .prefetch_related(None)
        .values_list(
            "external_id",
            "starts_at",
            "ends_at",
            "type__slug",
            "customer__external_id",
            "customer__name",
            "deal__external_id",
            "owner__username",
            "status",
            "subject",
            "purpose",
            "notes",
            "next_step",
        )
    )
    for row in queryset.iterator(chunk_size=CHUNK):
        (
            external_id,
            starts,
            ends,
            kind,
            customer_external_id,
            customer,
            deal,
            owner,
            status,
            subject,
            purpose,
            notes,
            next_step,
        ) = row
        yield [
            external_id,
            _local(starts),
            _local(ends),
            kind,
            customer_external_id or customer or "",
            deal or "",
            owner,
            status,
            subject,
            purpose,
            notes,
            next_step,
        ]


def _targets(user: Any, filters: Any) -> Iterator[list[Any]]:
    queryset = target_list(user=user, filters=filters).values_list(
        "user__username", "team__name", "metric", "period", "value"
    )
    for username, team, metric, period, value in queryset.iterator(chunk_size=CHUNK):
        yield [username or "", team or "", metric, period, value]


ROWS = {
    "customers": _customers,
    "contacts": _contacts,
    "deals": _deals,
    "activities": _activities,
    "targets": _targets,
}
EXPORTS = {
    "customers": Export(
        "customers",
        CustomerFilter,
        [
            "external_id",
            "name",
            "name_kana",
            "segment",
            "owner",
            "is_key",
            "cadence_days",
            "status",
            "postal_code",
            "address",
            "phone",
            "website",
            "notes",
        ],
    ),
    "contacts": Export(
        "contacts",
        ContactFilter,
        [
            "customer",
            "name",
            "name_kana",
            "department",
            "title",
            "email",
            "phone",
            "is_decision_maker",
            "notes",
        ],
    ),
    "deals": Export(
        "deals",
        DealFilter,
        [
            "external_id",
            "title",
            "customer",
            "owner",
            "amount",
            "stage",
            "expected_close_date",
            "opened_on",
            "closed_on",
            "loss_reason",
            "loss_note",
            "next_step",
            "notes",
        ],
    ),
    "activities": Export(
        "activities",
        ActivityFilter,
        [
            "external_id",
            "starts_at",
            "ends_at",
            "type",
            "customer",
            "deal",
            "owner",
            "status",
            "subject",
            "purpose",
            "notes",
            "next_step",
        ],
    ),
    "targets": Export("targets", TargetFilter, ["user", "team", "metric", "period", "value"]),
}
