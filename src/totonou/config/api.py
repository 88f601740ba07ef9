"""The REST API at ``/api/v1/``: one NinjaAPI, one router per app, the same auth and errors everywhere.

OpenAPI schema at ``/api/v1/openapi.json``, interactive docs at ``/api/v1/docs`` (Swagger UI from
ninja's bundled static files, no CDN).
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, re_path
from ninja import NinjaAPI

from totonou.activities.api import router as activities_router
from totonou.core.api import (
    BearerTokenAuth,
    SessionAuth,
    document_errors,
    install_error_handlers,
    json_method_not_allowed,
    not_found_view,
    refuse_nul_in_query,
)
from totonou.customers.api import router as customers_router
from totonou.deals.api import router as deals_router
from totonou.imports.api import router as imports_router
from totonou.insights.api import router as insights_router
from totonou.integrations.api import router as integrations_router
from totonou.notifications.api import router as notifications_router
from totonou.portfolio.api import router as portfolio_router
from totonou.reports.api import router as reports_router
from totonou.search.api import router as search_router
from totonou.strategy.api import router as strategy_router
from totonou.targets.api import router as targets_router
from totonou.users.api import router as users_router
from totonou.users.services import api_token_authenticate


class TotonouAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        """The endpoints (a wrong method answers JSON 405), then a JSON 404 for every other path under the
        API instead of Django's HTML page."""
        patterns: list[URLResolver | URLPattern] = [
            URLPattern(
                item.pattern,
                refuse_nul_in_query(json_method_not_allowed(item.callback)),
                item.default_args,
                item.name,
            )
            if isinstance(item, URLPattern)
            else item
            for item in super()._get_urls()
        ]
        return [*patterns, re_path(r"^.*$", not_found_view, name="not-found")]

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """ninja's schema, with the error answers every operation may give (``document_errors``)."""
        return document_errors(super().get_openapi_schema(*args, **kwargs))


api = TotonouAPI(
    title="Totonou API",
    version="1",
    description=(
        "Sales activities, customers and deals. Authenticate with `Authorization: Bearer <token>` "
        "(from `totonou createtoken` or the profile page) or the browser session (with its CSRF token)."
    ),
    urls_namespace="api",
    auth=[BearerTokenAuth(api_token_authenticate), SessionAuth()],
)
install_error_handlers(api)

api.add_router("/", users_router)
api.add_router("/", portfolio_router)  # before customers: /customers/reassign is not a customer id
api.add_router("/", customers_router)
api.add_router("/", deals_router)
api.add_router("/", activities_router)
api.add_router("/", strategy_router)
api.add_router("/", targets_router)
api.add_router("/", insights_router)
api.add_router("/", reports_router)
api.add_router("/", search_router)
api.add_router("/", integrations_router)
api.add_router("/", notifications_router)
api.add_router("/", imports_router)
