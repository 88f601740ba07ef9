"""The search results page: ``/search?q=``, grouped by type with highlighted snippets, a "more" link per
type (the type's own pages), and the API's filters."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.views.decorators.http import require_GET
from pydantic import ValidationError as PydanticValidationError

from totonou.activities.selectors import activities_by_id
from totonou.core.htmx import render_page
from totonou.search.filters import SearchFilter
from totonou.search.models import Kind
from totonou.search.selectors import document_title, search
from totonou.web.views.choices import owner_options

#: Results per type on the page of all types, and on a type's own pages.
OVERVIEW_PAGE_SIZE = 5
TYPE_PAGE_SIZE = 20
FIELDS = ("q", "type", "owner", "customer", "date_from", "date_to")


def _parse(query: QueryDict) -> tuple[SearchFilter | None, dict[str, list[str]]]:
    data = {name: query[name] for name in FIELDS if query.get(name, "") != ""}
    if "q" not in data:
        return None, {}
    try:
        return SearchFilter.model_validate(data), {}
    except PydanticValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "__all__"
            context = error.get("ctx") or {}
            errors.setdefault(name, []).append(str(context.get("error", error["msg"])))
        return None, errors


def _page_number(query: QueryDict) -> int:
    try:
        return max(1, min(int(query.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _link(query: QueryDict, **changes: Any) -> str:
    copy = query.copy()
    for name, value in changes.items():
        if value is None:
            copy.pop(name, None)
        else:
            copy[name] = str(value)
    return f"?{copy.urlencode()}"


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    filters, errors = _parse(request.GET)
    page = _page_number(request.GET)
    groups = []
    if filters is not None:
        size = TYPE_PAGE_SIZE if filters.type else OVERVIEW_PAGE_SIZE
        groups = search(
            user=request.user, query=filters.to_query(), page=page if filters.type else 1, page_size=size
        )
    for group in groups:
        if filters is not None and filters.type:
            group.more_url = _link(request.GET, page=page + 1) if group.has_next else None
        else:
            group.more_url = _link(request.GET, type=group.kind, page=None) if group.has_next else None
    # Activity hits show as activity cards: their activities in one query (a hit whose activity is gone
    # since it was indexed shows as a plain hit).
    activity_ids = [hit.object_id for group in groups if group.kind == Kind.ACTIVITY for hit in group.hits]
    activities = activities_by_id(user=request.user, ids=activity_ids)
    for group in groups:
        for hit in group.hits:
            hit.activity = activities.get(hit.object_id) if group.kind == Kind.ACTIVITY else None  # type: ignore[attr-defined]
    customer_id = filters.customer if filters is not None else None
    context = {
        "q": request.GET.get("q", ""),
        "filters": filters,
        "errors": errors,
        "groups": groups,
        "page": page,
        "previous_url": _link(request.GET, page=page - 1) if filters and filters.type and page > 1 else None,
        "kinds": Kind.choices,
        "selected_type": request.GET.get("type", ""),
        "owners": owner_options(request.user),
        "customer_name": document_title(kind=Kind.CUSTOMER, object_id=customer_id) if customer_id else None,
        "all_types_url": _link(request.GET, type=None, page=None),
    }
    return render_page(request, "search/results.html", context)
