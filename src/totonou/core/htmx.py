"""htmx helpers for views: pick the full page or the fragment an htmx request aims at.

Every page works without JavaScript; htmx only swaps a fragment of it (a filtered list, the My day
panel). The fragment templates are the same ones the full page includes, so there is one markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers


def is_htmx(request: HttpRequest) -> bool:
    """True for a request made by htmx (not a boosted full-page navigation)."""
    details = getattr(request, "htmx", None)
    return bool(details) and not details.boosted  # type: ignore[union-attr]


def htmx_target(request: HttpRequest) -> str | None:
    """The id of the element an htmx request will swap, or None for an ordinary request."""
    if not is_htmx(request):
        return None
    return request.htmx.target  # type: ignore[attr-defined]


def render_page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    fragments: Mapping[str, str] | None = None,
    status: int = 200,
) -> TemplateResponse:
    """Render ``template``, or the fragment template registered for the element htmx targets.

    ``fragments`` maps an element id (``hx-target="#feed-results"``) to the template that renders
    exactly that element. Responses vary on ``HX-Request`` so a cache never serves one for the other.
    """
    target = htmx_target(request)
    chosen = (fragments or {}).get(target or "", template)
    response = TemplateResponse(request, chosen, dict(context), status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response
