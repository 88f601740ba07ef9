"""The uncontacted list as spreadsheet rows: one header and one row shape for the API's CSV and the
page's CSV / .xlsx downloads (written by ``core.csv``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.insights.filters import UncontactedFilter
from totonou.insights.selectors.uncontacted import uncontacted_customers


def uncontacted_header() -> list[str]:
    return [
        _("Customer id"),
        _("Customer"),
        _("Name (kana)"),
        _("Segment"),
        _("Owner"),
        _("Key customer"),
        _("Threshold (days)"),
        _("Days since contact"),
        _("Last contact"),
        _("Last contact by"),
        _("Planned"),
        _("Next planned"),
    ]


def _local(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value is not None else None


def uncontacted_rows(*, user: Any, filters: UncontactedFilter | None) -> Iterator[list[Any]]:
    """Every uncontacted customer ``user`` sees under ``filters`` (no paging); the list is computed now
    (a bad filter fails before the download starts), its rows are read as the download streams."""
    return _lines(uncontacted_customers(user=user, filters=filters).rows)


def _lines(rows: Any) -> Iterator[list[Any]]:
    yes, no = _("yes"), _("no")
    for row in rows:
        customer = row.customer
        yield [
            customer.pk,
            customer.name,
            customer.name_kana,
            customer.segment.name if customer.segment else "",
            str(customer.owner),
            yes if customer.is_key else no,
            row.threshold_days,
            row.days_since_contact,
            _local(customer.last_contact_at),
            str(customer.last_contact_by) if customer.last_contact_by else "",
            yes if row.is_planned else no,
            _local(row.next_planned_at),
        ]
