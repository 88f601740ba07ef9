"""Where documents come from: each domain app declares a ``Source`` per kind, and the settings list them
(``TOTONOU_SEARCH_SOURCES``), so the index can be rebuilt and link its results without importing any
domain code."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class DocumentData:
    """One document as the domain gives it: ``texts`` are the searchable fields besides the title."""

    kind: str
    object_id: int
    title: str
    texts: tuple[str, ...]
    date: datetime.datetime
    owner_id: int | None
    customer_id: int | None

    @property
    def body(self) -> str:
        return "\n".join(text for text in self.texts if text)


@dataclass(frozen=True)
class Source:
    kind: str
    #: Every document of the kind, for a rebuild (read in batches; plain rows, no model instances).
    documents: Callable[[], Iterable[DocumentData]]
    #: The path of a document's page: ``url(object_id, customer_id)``.
    url: Callable[[int, int | None], str]


@functools.cache
def sources() -> dict[str, Source]:
    found = [import_string(path) for path in settings.TOTONOU_SEARCH_SOURCES]
    return {source.kind: source for source in found}
