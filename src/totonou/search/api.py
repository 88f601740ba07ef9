"""``GET /api/v1/search``: activities, customers, contacts and deals matching a query, grouped by type."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from totonou.core.api import MAX_ID, Page, PageQuery, api_user
from totonou.search.filters import SearchFilter
from totonou.search.schemas import SearchHitOut
from totonou.search.selectors import search

router = Router(tags=["search"])


@router.get("/search", response=Page[SearchHitOut], url_name="search")
def search_documents(
    request: HttpRequest, filters: Query[SearchFilter], pagination: Query[PageQuery]
) -> dict[str, Any]:
    """Results grouped by type (activities, customers, contacts, deals), newest first within a type; on
    the first page a customer named exactly by ``q`` comes first, with its type's group.
    With ``type`` a page holds that type only; without it, a page holds up to ``page_size`` results of
    each type, and ``has_next`` says whether any type has more. No totals are counted."""
    maximum = settings.TOTONOU_API_MAX_PAGE_SIZE
    size = pagination.page_size if pagination.page_size is not None else settings.TOTONOU_API_PAGE_SIZE
    errors: dict[str, list[str]] = {}
    if pagination.page < 1:
        errors["page"] = [_("Pages are numbered from 1.")]
    elif pagination.page * maximum >= MAX_ID:
        errors["page"] = [_("This page is out of range.")]
    if not 1 <= size <= maximum:
        errors["page_size"] = [_("Choose a page size from 1 to %(maximum)s.") % {"maximum": maximum}]
    if errors:
        raise ValidationError(errors)
    groups = search(user=api_user(request), query=filters.to_query(), page=pagination.page, page_size=size)
    has_next = any(group.has_next for group in groups)
    next_url = None
    if has_next:
        query = request.GET.copy()
        query["page"] = str(pagination.page + 1)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {
        "results": [hit for group in groups for hit in group.hits],
        "page": pagination.page,
        "page_size": size,
        "has_next": has_next,
        "next": next_url,
    }
