"""The one way a list page is written: filters from the query → a selector → a page of rows → the full
page, or only its results for htmx.

A list page is declared once, at module level, and its view stays a few lines::

    CUSTOMERS = ListPage(
        template="customers/customer_list.html",
        results_id="customer-results",
        results_template="customers/_customer_results.html",
        filter_schema=CustomerFilter,
        page_size=25,
    )

    def customer_list_view(request):
        user = signed_in_user(request)
        filters, errors = CUSTOMERS.filters(request)
        return CUSTOMERS.render(
            request, customer_list(user=user, filters=filters), filters=filters, errors=errors,
            context={"segments": segment_list(user=user)},
        )

- ``filters`` parses the query with the FilterSchema the API list uses (``filters_from_query``): a
  page and its API list given the same query show the same rows; invalid values are dropped and
  reported per field (``filter_errors``), never a 500.
- The selector returns the rows (a QuerySet, or any sequence with ``len``/``count`` and slicing, such
  as the uncontacted list's lazy rows); ``render`` pages them with Django's ``Paginator``
  (``?page=``, out-of-range pages fall back to the last) and puts ``page``, ``filters`` and
  ``filter_errors`` in the context with the view's own ``context``.
- ``prepare`` (optional) works on the page's rows only, after paging (days since contact, a URL per
  row): its dict joins the context.
- htmx: a request aimed at ``#<results_id>`` gets ``results_template`` alone (``core.htmx.render_page``);
  the full template includes the same fragment, so there is one markup and the page works without
  JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from django.core.paginator import Page, Paginator
from django.db.models import Count, Model, QuerySet, Window
from django.http import HttpRequest, QueryDict
from django.template.response import TemplateResponse
from ninja import FilterSchema

from totonou.core.filters import filters_from_query
from totonou.core.functions import set_size
from totonou.core.htmx import render_page

F = TypeVar("F", bound=FilterSchema)
M = TypeVar("M", bound=Model)


class IdsFirst(Sequence[M]):
    """The rows of ``queryset`` a page at a time, in one query per page: ``WHERE id IN (the page's ids)``,
    the ids read from the listed table alone in the list's order, the joined rows (``select_related``)
    then fetched by primary key and ordered.

    Without the joins, the ids can only be read through the sort's index and the scan stops after the
    page. With them, SQLite may start from a small joined table instead (the owners, the stages: a few
    rows with statistics, the listed table without) and fetch and sort every matching row for each page
    (issue 20: 128 ms for everyone's open deals). ``count`` (known from totals the page shows anyway)
    saves the paginator's COUNT query; without it ``count()`` asks the database."""

    def __init__(
        self,
        queryset: QuerySet[M],
        *,
        count: int | None = None,
        read_whole: bool = False,
        read_ids: Callable[[int, int], list[tuple[int, int]] | None] | None = None,
    ) -> None:
        self.queryset = queryset
        self._count = count
        #: The database reads every matching row to sort them anyway (a name search's matches): the page's
        #: ids and the count of the set come from one query (``read_page``), not a COUNT and a page.
        self.read_whole = read_whole or read_ids is not None
        #: Reads ``(id, size of the set)`` of ``[start:stop]`` in the queryset's order from elsewhere (the
        #: search index: ``customers.selectors.customer_search_page``); None: the queryset reads them.
        self.read_ids = read_ids
        self._read: tuple[int, int, list[Any]] | None = None

    def read_page(self, start: int, stop: int) -> None:
        """Read the ids of ``self[start:stop]`` and the size of the whole set in one query (a window
        count, ``COUNT(*) OVER ()``): for a set the database reads whole to sort it anyway. On an empty
        slice (a page past the end) the size stays unknown and ``count()`` asks the database."""
        rows = self.read_ids(start, stop) if self.read_ids is not None else None
        if rows is None:
            rows = list(
                self.queryset.select_related(None)
                .annotate(_set_size=Window(Count("*")))
                .values_list("pk", "_set_size")[start:stop]
            )
        if rows:
            self._count = rows[0][1]
            self._read = (start, stop, [pk for pk, _size in rows])

    def count(self, value: Any = None) -> int:
        """The number of rows (``Sequence.count``'s signature; the paginator reads ``len``)."""
        if self._count is None:
            self._count = self.queryset.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> M: ...

    @overload
    def __getitem__(self, index: slice) -> list[M]: ...

    def __getitem__(self, index: int | slice) -> M | list[M]:
        if isinstance(index, int):
            rows = self[index : index + 1]
            if not rows:
                raise IndexError(index)
            return rows[0]
        if index.step not in (None, 1):
            raise ValueError("Only contiguous slices.")
        ids: Any = self.queryset.select_related(None).values("pk")[index]
        if self._read is not None and (index.start or 0, index.stop) == self._read[:2]:
            ids = self._read[2]
        page = self.queryset.model._default_manager.filter(pk__in=ids)
        page.query.select_related = self.queryset.query.select_related
        page.query.deferred_loading = self.queryset.query.deferred_loading  # the columns of ``.only()``
        return list(page.order_by(*self.queryset.query.order_by))

    def __iter__(self) -> Iterator[M]:
        return iter(self[0 : self.count()])


#: The attribute ``with_set_size`` puts on each row: the number of rows in the whole set.
SET_SIZE = "_set_size"


def with_set_size(queryset: QuerySet[M]) -> QuerySet[M]:
    """``queryset`` with the size of its whole set on every row (``SET_SIZE``; ``functions.set_size``)."""
    return queryset.annotate(**{SET_SIZE: set_size(queryset)})


class CountedRows(Sequence[M]):
    """The rows of ``queryset`` for a paginator that asks ``count()`` before the page: the page a request
    asks for (``start``, ``stop``) is read first, with the size of the set on its rows
    (``with_set_size``), so a page costs one query, not a COUNT and a page. Any other slice, and the count
    when the page read is empty past the first row (a page number past the end), ask the database."""

    def __init__(
        self,
        queryset: QuerySet[M] | Callable[[], QuerySet[M]],
        *,
        start: int,
        stop: int,
        read: Callable[[int, int], list[M] | None] | None = None,
    ) -> None:
        """``queryset`` may be a function that builds it, called only when the rows are read through it;
        ``read(start, stop)``, when given, reads the page's rows with ``SET_SIZE`` another way (a query
        compiled once, ``core.compiled``), or None to leave it to the queryset."""
        self._queryset, self.start, self.stop = queryset, start, stop
        self._read_page = read
        self._rows: list[M] | None = None
        self._count: int | None = None

    @property
    def queryset(self) -> QuerySet[M]:
        if callable(self._queryset) and not isinstance(self._queryset, QuerySet):
            self._queryset = self._queryset()
        return self._queryset

    @classmethod
    def for_page(
        cls,
        queryset: QuerySet[M] | Callable[[], QuerySet[M]],
        *,
        number: Any,
        per_page: int,
        read: Callable[[int, int], list[M] | None] | None = None,
    ) -> CountedRows[M]:
        """The rows for ``Paginator(rows, per_page).get_page(number)``: page ``number`` is read first (the
        first page when it is missing or not a number, as the paginator does)."""
        text = str(number or "")
        first = (int(text) - 1) * per_page if text.isdigit() and int(text) > 0 else 0
        return cls(queryset, start=first, stop=first + per_page, read=read)

    def _read(self) -> list[M]:
        if self._rows is None:
            read = self._read_page(self.start, self.stop) if self._read_page is not None else None
            self._rows = (
                read if read is not None else list(with_set_size(self.queryset)[self.start : self.stop])
            )
            if self._rows:
                self._count = getattr(self._rows[0], SET_SIZE)
            elif self.start == 0:
                self._count = 0
        return self._rows

    def count(self, value: Any = None) -> int:
        """The number of rows (``Sequence.count``'s signature; the paginator reads ``count``)."""
        self._read()
        if self._count is None:
            self._count = self.queryset.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> M: ...

    @overload
    def __getitem__(self, index: slice) -> list[M]: ...

    def __getitem__(self, index: int | slice) -> M | list[M]:
        if isinstance(index, int):
            rows = self[index : index + 1]
            if not rows:
                raise IndexError(index)
            return rows[0]
        if index.step not in (None, 1):
            raise ValueError("Only contiguous slices.")
        start = index.start or 0
        read = self._read()
        ends = len(read) < self.stop - self.start  # the set ends within the rows read
        # The paginator asks the last page as [start:count]: within what was read, the same rows.
        if start == self.start and (ends or (index.stop is not None and index.stop <= start + len(read))):
            return read[: None if index.stop is None else index.stop - start]
        return list(self.queryset[index])

    def __iter__(self) -> Iterator[M]:
        return iter(self[0 : self.count()])


@dataclass(frozen=True)
class ListPage(Generic[F]):
    """A list page: its template, the fragment htmx swaps, its FilterSchema and its page size."""

    template: str
    results_id: str
    results_template: str
    filter_schema: type[F]
    page_size: int

    def filters(self, request: HttpRequest, query: QueryDict | None = None) -> tuple[F, dict[str, list[str]]]:
        """The filters in the query (``request.GET`` unless ``query`` is given) and the errors of the
        values that were dropped."""
        return filters_from_query(self.filter_schema, request.GET if query is None else query)

    def page(self, request: HttpRequest, rows: Any, *, count: int | None = None) -> Page[Any]:
        """The page ``?page=`` asks for (the first when it is missing or not a number, the last when it
        is past the end). ``count``, when the view already knows it (from totals it shows anyway), saves
        the paginator's COUNT query."""
        paginator = Paginator(rows, self.page_size)
        if count is not None:
            paginator.count = count
        elif isinstance(rows, IdsFirst) and rows.read_whole:
            number = str(request.GET.get("page") or "")
            first = (int(number) - 1) * self.page_size if number.isdigit() and int(number) > 0 else 0
            rows.read_page(first, first + self.page_size)
        return paginator.get_page(request.GET.get("page"))

    def render(
        self,
        request: HttpRequest,
        rows: Any,
        *,
        filters: F | None = None,
        errors: Mapping[str, list[str]] | None = None,
        context: Mapping[str, Any] | None = None,
        prepare: Callable[[Page[Any]], Mapping[str, Any]] | None = None,
        status: int = 200,
        count: int | None = None,
    ) -> TemplateResponse:
        """The full page, or the results fragment for htmx, for one page of ``rows``."""
        page = self.page(request, rows, count=count)
        values: dict[str, Any] = {"page": page}
        if filters is not None:
            values.update({"filters": filters, "filter_errors": dict(errors or {})})
        values.update(context or {})
        if prepare is not None:
            values.update(prepare(page))
        return render_page(
            request,
            self.template,
            values,
            fragments={self.results_id: self.results_template},
            status=status,
        )
