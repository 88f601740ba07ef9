"""Writes for weekly reports: the author drafts, edits and submits (freezing the figures); the author's
managers review. Atomic, cleaned, audited; refusals change nothing."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from totonou.core.audit import audit_record
from totonou.core.exceptions import ConflictError, PermissionDenied
from totonou.core.services import check_version, lock, reject_unknown, save_changes
from totonou.reports.models import WeeklyReport
from totonou.reports.notifications import weekly_report_notify
from totonou.reports.selectors import week_summary
from totonou.reports.weeks import parse_week
from totonou.users.models import User
from totonou.users.permissions import can_review_owned_by, is_signed_in

REFLECTION_FIELDS = ("went_well", "problems", "help_needed", "next_focus")


def _ensure_author(actor: Any, report: WeeklyReport) -> None:
    if not is_signed_in(actor) or report.author_id != actor.pk:
        raise PermissionDenied(_("Only the author may change a weekly report."))


def _ensure_draft(report: WeeklyReport) -> None:
    if report.status != WeeklyReport.Status.DRAFT:
        raise ConflictError(_("This report has been submitted and can no longer be changed."))


def weekly_report_start(*, actor: User, week: str) -> tuple[WeeklyReport, bool]:
    """The caller's report for ``week`` (``2026-W49``): the existing one, or a new empty draft.
    Returns ``(report, created)``."""
    if not is_signed_in(actor):
        raise PermissionDenied(_("Sign in to write a weekly report."))
    parse_week(week)
    existing = WeeklyReport.objects.filter(author=actor, week=week).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            report = WeeklyReport(author=actor, week=week)
            report.full_clean(validate_constraints=False)
            report.save()
            audit_record(actor=actor, instance=report, action="create")
    except IntegrityError:  # the same draft started at the same moment elsewhere
        return WeeklyReport.objects.get(author=actor, week=week), False
    return report, True


@transaction.atomic
def weekly_report_update(
    *, actor: User, report: WeeklyReport, version: int | None = None, **changes: Any
) -> WeeklyReport:
    """Change the reflection fields of a draft: the author only."""
    _ensure_author(actor, report)
    report = lock(report)
    _ensure_draft(report)
    check_version(report, version)
    reject_unknown(changes, REFLECTION_FIELDS)
    save_changes(instance=report, changes=changes, actor=actor, validate_constraints=False)
    return report


@transaction.atomic
def weekly_report_submit(
    *, actor: User, report: WeeklyReport, now: datetime.datetime | None = None
) -> WeeklyReport:
    """Submit a draft: the figures of the week are frozen into ``snapshot``. The author only, once."""
    _ensure_author(actor, report)
    report = lock(report)
    _ensure_draft(report)
    now = now or timezone.now()
    report.snapshot = week_summary(author=report.author, week=report.week, now=now).as_snapshot()
    report.status = WeeklyReport.Status.SUBMITTED
    report.submitted_at = now
    report.version += 1
    report.full_clean(validate_constraints=False)
    report.save(update_fields=["snapshot", "status", "submitted_at", "version", "updated_at"])
    audit_record(actor=actor, instance=report, action="update", changes={"status": ["draft", "submitted"]})
    weekly_report_notify(report=report, actor=actor, name="weekly_report.submitted")
    return report


def can_review(actor: Any, report: WeeklyReport) -> bool:
    """The author's managers (a manager of a team the author is in) and admins; never the author."""
    return can_review_owned_by(actor, report.author_id)


@transaction.atomic
def weekly_report_review(
    *, actor: User, report: WeeklyReport, now: datetime.datetime | None = None
) -> WeeklyReport:
    """Mark a submitted report reviewed: the author's managers and admins, not the author."""
    if report.author_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("You cannot review your own report."))
    if not can_review(actor, report):
        raise PermissionDenied(_("Only the author's manager may review a weekly report."))
    report = lock(report)
    if report.status == WeeklyReport.Status.DRAFT:
        raise ConflictError(_("This report has not been submitted yet."))
    if report.status == WeeklyReport.Status.REVIEWED:
        raise ConflictError(_("This report has already been reviewed."))
    report.status = WeeklyReport.Status.REVIEWED
    report.reviewed_by = actor
    report.reviewed_at = now or timezone.now()
    report.version += 1
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "version", "updated_at"])
    audit_record(actor=actor, instance=report, action="update", changes={"status": ["submitted", "reviewed"]})
    weekly_report_notify(report=report, actor=actor, name="weekly_report.reviewed")
    return report
