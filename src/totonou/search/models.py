"""The search index: plain documents (kind, object id, text) that the domain services feed.

The index knows no domain model. A document's primary key is its sort key (kind, date, object id), so
"newest first within a kind" is the order of the key and a query can stop after the first page. The
token index sits beside the table and is not a model field: an FTS5 table ``search_document_fts`` on
SQLite and a ``tokens tsvector`` column with a GIN index on PostgreSQL (migration 0002).
"""

from __future__ import annotations

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from totonou.core.bounds import BoundedDateTimeField


class Kind(models.TextChoices):
    """The kinds of documents, in the order results are grouped."""

    ACTIVITY = "activity", _("Activities")
    CUSTOMER = "customer", _("Customers")
    CONTACT = "contact", _("Contacts")
    DEAL = "deal", _("Deals")


#: A kind's number in the sort key; fixed, never reused (1-7).
KIND_NUMBERS = {Kind.ACTIVITY: 1, Kind.CUSTOMER: 2, Kind.CONTACT: 3, Kind.DEAL: 4}


class SortKeyField(models.BigIntegerField):
    """A 64-bit integer key; on SQLite declared ``integer`` so that it is the table's rowid, which the
    FTS5 index refers to."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return "integer" if connection.vendor == "sqlite" else super().db_type(connection)


class TokensField(models.TextField):
    """The document's index tokens: space-separated text on SQLite (indexed by FTS5), ``tsvector`` with
    word positions on PostgreSQL (indexed by GIN). Written by the search services, never read back."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return "tsvector" if connection.vendor == "postgresql" else super().db_type(connection)


class Document(models.Model):
    id = SortKeyField(_("sort key"), primary_key=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField(_("object id"))
    title = models.CharField(_("title"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    date = BoundedDateTimeField(_("date"))
    owner_id = models.BigIntegerField(_("owner id"), null=True, blank=True)
    customer_id = models.BigIntegerField(_("customer id"), null=True, blank=True)
    tokens = TokensField(_("tokens"), blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_object_unique"),
        ]
        indexes = [
            models.Index(fields=["customer_id", "kind"], name="search_document_customer_idx"),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s “%(title)s”") % {"kind": self.get_kind_display(), "title": self.title}
