from __future__ import annotations

import http
from collections.abc import Callable
from typing import Any

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a signed-in user; the API answers 401 JSON itself and static files are public."""

    open_prefixes = ("/api/", "/static/")

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path_info.startswith(self.open_prefixes):
            return None
        response = super().process_view(request, view_func, view_args, view_kwargs)
        if response is not None and request.headers.get("HX-Request") == "true":
            # An expired session inside an htmx swap: send the whole page to sign-in, not a fragment.
            redirect = HttpResponse(status=204)
            redirect["HX-Redirect"] = response["Location"]
            return redirect
        return response


#: The responses django-csp leaves without a policy when ``DEBUG`` is on (Django's technical pages).
DEBUG_PAGES = (http.HTTPStatus.NOT_FOUND, http.HTTPStatus.INTERNAL_SERVER_ERROR)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware (ADR 0028) with the site's policy written once per setting: ``build_policy``
    copied, sorted and joined the eleven directives of ``CONTENT_SECURITY_POLICY`` for every response
    (4-7 % of a feed page's time under load). A response with a policy of its own (a decorator's config,
    update or replace), a page that used a nonce, a report-only policy and the debug pages go through
    django-csp unchanged; the rest get the policy django-csp would write for them."""

    _kept: tuple[object, str] | None = None

    def _policy(self) -> str:
        """``build_policy()`` for the current setting (a test that overrides it gets its own)."""
        config = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        kept = ContentSecurityPolicyMiddleware._kept
        if kept is None or kept[0] is not config:
            kept = (config, build_policy())
            ContentSecurityPolicyMiddleware._kept = kept
        return kept[1]

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if (
            self.get_policy_parts(request=request, response=response) != PolicyParts()
            or self.get_policy_parts(request=request, response=response, report_only=True) != PolicyParts()
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or (settings.DEBUG and response.status_code in DEBUG_PAGES)
        ):
            return super().process_response(request, response)
        policy = self._policy()
        excluded = (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get(
            "EXCLUDE_URL_PREFIXES"
        ) or ()
        if (
            policy
            and HEADER not in response
            and getattr(response, "_csp_exempt", False) is False
            and not request.path_info.startswith(tuple(excluded))
        ):
            response[HEADER] = policy
        # As django-csp: a nonce asked for after the header was written is an error, not a silent one.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
