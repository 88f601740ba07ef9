"""An import: the uploaded file, the choices made for it, and its progress and report."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ImportQuerySet(models.QuerySet["Import"]):
    def visible_to(self, user: Any) -> ImportQuerySet:
        """Everyone sees the imports they started; an administrator sees all."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if getattr(user, "role", None) == "admin":
            return self
        return self.filter(created_by=user)


def import_storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.VAR_DIR / "imports")


class Import(models.Model):
    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        CONTACTS = "contacts", _("Contacts")
        DEALS = "deals", _("Deals")
        ACTIVITIES = "activities", _("Activities")
        USERS = "users", _("Users")
        TARGETS = "targets", _("Targets")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("import status", "Being set up")
        PENDING = "pending", pgettext_lazy("import status", "Waiting")
        RUNNING = "running", pgettext_lazy("import status", "Running")
        DONE = "done", pgettext_lazy("import status", "Done")
        FAILED = "failed", pgettext_lazy("import status", "Could not run")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="imports", verbose_name=_("by")
    )
    file = models.FileField(_("file"), storage=import_storage, upload_to="%Y/%m")
    filename = models.CharField(_("file name"), max_length=255)
    options = models.JSONField(_("options"), default=dict, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    last_line = models.PositiveIntegerField(_("last line done"), default=0)  # the checkpoint
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "pending", "running", "done", "failed"]),
                name="import_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"

    @property
    def progress(self) -> int:
        """Percent of the rows done (0–100)."""
        if self.status == self.Status.DONE:
            return 100
        return min(100, round(100 * self.rows_done / self.total_rows)) if self.total_rows else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "kind": self.kind,
            "status": self.status,
            "progress": self.progress,
            "counts": self.counts,
            "errors": list(self.report_rows(status="failed")),
        }

    def report_rows(self, *, status: str = "") -> Any:
        """The reported lines (created, updated, failed; unchanged lines are only counted) as dicts in
        line order, read in chunks: ``line``, ``status``, ``key``, ``message``."""
        rows = self.rows.order_by("line")
        if status:
            rows = rows.filter(status=status)
        return rows.values("line", "status", "key", "message").iterator(chunk_size=2000)


class ImportRow(models.Model):
    """One reported line of an import, written with the checkpoint of its batch: the report grows by
    appending rows, never by rewriting it (ADR 0026)."""

    record = models.ForeignKey(
        Import, on_delete=models.CASCADE, related_name="rows", verbose_name=_("import")
    )
    line = models.PositiveIntegerField(_("line"))
    status = models.CharField(_("result"), max_length=10)
    key = models.CharField(_("record"), max_length=300, blank=True)
    message = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("import line")
        verbose_name_plural = _("import lines")
        ordering = ["record", "line"]
        constraints = [models.UniqueConstraint(fields=["record", "line"], name="import_row_line_once")]
        indexes = [models.Index(fields=["record", "status", "line"], name="import_row_status_idx")]

    def __str__(self) -> str:
        return f"{self.line}: {self.status}"
