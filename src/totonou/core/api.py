"""Plumbing for the REST API, with no domain knowledge: authentication, JSON errors, pagination,
resolving the ids a request refers to, and the field types the schemas share.

Every error leaves the API as ``{"detail": ...}`` with a 4xx status. Validation errors, from the
request schemas and from the services alike, are ``{"detail": {"<field>": ["message", ...]}}`` with
``__all__`` for errors that belong to no field.
"""

from __future__ import annotations

import datetime
import functools
import keyword
import logging
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.db import DataError, IntegrityError, models
from django.db.models import ProtectedError, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import ConfigDict, PlainSerializer, ValidationInfo, field_validator

from totonou.core.bounds import MAX_ID as MAX_ID  # the id bound lives with the other input bounds
from totonou.core.bounds import Id as Id
from totonou.core.bounds import has_nul, nul_message
from totonou.core.exceptions import ConflictError
from totonou.core.links import web_url

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")


def _local_isoformat(value: datetime.datetime) -> str:
    """ISO 8601 with the offset of the caller's time zone (stored UTC, shown where the user is)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return timezone.localtime(value).isoformat()


ApiDateTime = Annotated[datetime.datetime, PlainSerializer(_local_isoformat, return_type=str)]


# --- Authentication ---------------------------------------------------------------------------------


def _is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _activate_preferences(user: Any) -> None:
    """What UserPreferencesMiddleware does for a session, for a user known only from a token."""
    if user.language:
        translation.activate(user.language)
    try:
        timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.deactivate()


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``. A token that is sent but not valid is a 401, with no fallback
    to the session: a client that sends a token means that token. ``authenticate_token`` maps a raw token
    to its active user or None (core knows no user model; the users app provides it)."""

    def __init__(self, authenticate_token: Callable[[str], Any]) -> None:
        self.authenticate_token = authenticate_token
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header)
        if not header:
            return None
        scheme, _separator, raw = header.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = self.authenticate_token(token)
        if user is None:
            raise AuthenticationError(
                message=_("This API token is not valid (unknown, revoked or inactive).")
            )
        request.user = user
        _activate_preferences(user)
        return user


class SessionAuth(APIKeyCookie):
    """The browser session, for the UI's own scripts. Unsafe methods need the CSRF token; the check runs
    only when there is a signed-in session, so a request with no credentials at all is a 401."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if not _is_signed_in(user):
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header with the session cookie."))
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover - unused
        return None


def api_user(request: HttpRequest) -> Any:
    """The user the request authenticated as."""
    return request.auth  # type: ignore[attr-defined]


# --- Errors -----------------------------------------------------------------------------------------

_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _schema_message(error: Mapping[str, Any]) -> str:
    """A translated message for the common pydantic error types, pydantic's own for the rest."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field: it cannot be set here.")
    if kind == "value_error" and "error" in context:
        return str(context["error"])
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind.startswith("datetime_"):
        return _("Enter a date and time in ISO 8601, with its offset (2026-04-01T10:00:00+09:00).")
    if kind.startswith("date_"):
        return _("Enter a date in ISO 8601 (2026-04-01).")
    if kind.startswith("bool_"):
        return _("Enter true or false.")
    if kind == "string_type":
        return _("Enter a text.")
    if kind == "list_type":
        return _("Enter a list.")
    if kind in {"model_attributes_type", "model_type", "dict_type"}:
        return _("Send a JSON object.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind == "literal_error":
        return _("Choose one of: %(expected)s.") % {"expected": context.get("expected", "")}
    if kind == "greater_than_equal":
        return _("Enter a number greater than or equal to %(limit)s.") % {"limit": context.get("ge")}
    if kind == "less_than_equal":
        return _("Enter a number less than or equal to %(limit)s.") % {"limit": context.get("le")}
    return str(error.get("msg", ""))


def schema_errors(errors: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """ninja's error list as ``{field: [messages]}``; the field is the last name in the error's location
    (list positions are skipped, so a bad contact id is reported on ``contacts``), a keyword's field by
    the keyword (``from_``: ``from``)."""
    result: dict[str, list[str]] = {}
    for error in errors:
        loc = list(error.get("loc") or ())
        if loc and loc[0] in _SOURCES:
            source = loc.pop(0)
            if source == "body" and loc:
                loc.pop(0)  # the name of the view's body parameter
        names = [part for part in loc if isinstance(part, str)]
        field = names[-1] if names else "__all__"
        if field.endswith("_") and keyword.iskeyword(field[:-1]):  # ``from_`` is the field of ``from``
            field = field[:-1]
        result.setdefault(field, []).append(_schema_message(error))
    return result


def service_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: list(messages) for field, messages in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every expected failure to JSON ``{"detail": ...}``; anything else stays a server error.
    (Handlers take ``exc: Any`` because ninja types each handler against the class it is added for.)"""

    def respond(request: HttpRequest, detail: Any, status: int) -> HttpResponse:
        return api.create_response(request, {"detail": detail}, status=status)

    def on_schema_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, schema_errors(exc.errors), 422)

    def on_service_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, service_errors(exc), 422)

    def on_permission_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, str(exc) or _("You may not do this."), 403)

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, _("Not found."), 404)

    def on_conflict(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, exc.message, 409)

    def on_integrity_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(
            request,
            _("This change conflicts with other records (something may still refer to this one). Reload."),
            409,
        )

    def on_out_of_range(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, {"__all__": [_("A value is out of range.")]}, 422)

    def on_suspicious_request(request: HttpRequest, exc: Any) -> HttpResponse:
        # What Django's own handler logs for a SuspiciousOperation, before its HTML 400.
        logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
        if isinstance(exc, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return respond(
                request, _("The request body is too large (at most %(limit)s bytes).") % {"limit": limit}, 413
            )
        return respond(request, _("The request could not be read."), 400)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if isinstance(exc, AuthenticationError) and exc.message == "Unauthorized":
            message = _("Authentication required: send an API token (Authorization: Bearer …) or sign in.")
        elif exc.status_code == 400:
            message = _("The request body is not valid JSON.")  # the only 400 ninja raises
        else:
            message = exc.message
        return respond(request, message, exc.status_code)

    api.add_exception_handler(NinjaValidationError, on_schema_error)
    api.add_exception_handler(ValidationError, on_service_error)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(ObjectDoesNotExist, on_not_found)
    api.add_exception_handler(ConflictError, on_conflict)
    api.add_exception_handler(IntegrityError, on_integrity_error)
    api.add_exception_handler(ProtectedError, on_integrity_error)
    api.add_exception_handler(DataError, on_out_of_range)
    api.add_exception_handler(OverflowError, on_out_of_range)
    api.add_exception_handler(HttpError, on_http_error)
    # A body over DATA_UPLOAD_MAX_MEMORY_SIZE (413), too many form fields or files, a broken multipart.
    api.add_exception_handler(SuspiciousOperation, on_suspicious_request)


def json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a method an endpoint lacks with a plain-text 405; give it the JSON error shape."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            response = JsonResponse({"detail": _("This method is not allowed here.")}, status=405)
            response["Allow"] = allowed
        return response

    return wrapper


def refuse_nul_in_query(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A NUL character in a query parameter is a 422 on that parameter, on SQLite as on PostgreSQL
    (which cannot compare text with one), before the endpoint runs."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        bad = sorted({key for key, values in request.GET.lists() if has_nul(key) or has_nul(values)})
        if bad:
            detail = {key.replace("\x00", "") or "__all__": [nul_message()] for key in bad}
            return JsonResponse({"detail": detail}, status=422)
        return view(request, *args, **kwargs)

    return wrapper


#: The error body of every 4xx answer (ADR 0001): a message, or messages per field.
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "anyOf": [
                {"type": "string"},
                {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            ]
        }
    },
}

_ERRORS = {
    400: "The request body is not valid JSON, or could not be read.",
    401: "No credentials, or an API token that is not valid.",
    403: "Not allowed for this user (or the session's CSRF check failed).",
    404: "No such record, or not one this user may see.",
    405: "This method is not allowed here.",
    409: "The record changed since it was read (its version), or other records still refer to it.",
    413: "The request body is larger than the limit.",
    422: "A value is not valid: the messages per field (`__all__` for the request as a whole).",
}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the 4xx answers to every operation of an OpenAPI schema, each with the error body: 401, 403,
    404, 405 and 422 everywhere; 400, 409 and 413 where a body is sent or something is changed. The
    paging parameters name their limits, and a local time (``HH:MM:SS``, no offset: a team's report
    deadline, a digest hour) is described as what it is, not as RFC 3339's ``time`` with an offset."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = {401, 403, 404, 405, 422}  # 404 also for a record a query names (a strategy)
            if method in {"post", "put", "patch", "delete"}:
                codes |= {400, 409, 413}
            responses = operation["responses"]
            for code in sorted(codes):
                if code not in responses and str(code) not in responses:
                    responses[str(code)] = {"description": _ERRORS[code], **error}
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                if parameter.get("name") == "page":
                    parameter.setdefault("schema", {})["minimum"] = 1
                if parameter.get("name") == "page_size":
                    parameter["description"] = _page_size_description()
                    limits = {"minimum": 1, "maximum": settings.TOTONOU_API_MAX_PAGE_SIZE}
                    parameter.setdefault("schema", {}).update(limits)
    _local_times(schema)
    return schema


def _local_times(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("format") == "time":
            del node["format"]
            node["pattern"] = r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


def _page_size_description() -> str:
    return (
        f"Rows per page: 1 to {settings.TOTONOU_API_MAX_PAGE_SIZE} "
        f"(default {settings.TOTONOU_API_PAGE_SIZE})."
    )


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """JSON 404 for any path under the API that no endpoint answers."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


# --- Schemas ----------------------------------------------------------------------------------------


class WebObjectOut(Schema):
    """Every object in the API carries ``web_url``, its page in the UI: subclasses declare the field
    (last, after the record's own fields) and inherit how it is filled."""

    @staticmethod
    def resolve_web_url(obj: models.Model) -> str:
        return web_url(obj)


class InputSchema(Schema):
    """A request body: unknown fields are errors, and so is ``null`` for a field that cannot be empty."""

    model_config = ConfigDict(extra="forbid")
    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _reject_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError(_("This field cannot be empty."))
        if has_nul(value):  # in text or in a list's item: PostgreSQL cannot store it, SQLite would
            raise ValueError(nul_message())
        return value


def body_data(payload: Schema) -> tuple[dict[str, Any], int | None]:
    """The fields a request body actually sent (a PATCH changes only those), and ``version`` apart."""
    data = payload.model_dump(exclude_unset=True)
    return data, data.pop("version", None)


class Page(Schema, Generic[T]):
    results: list[T]
    page: int
    page_size: int
    has_next: bool
    next: str | None


class PageQuery(Schema):
    page: int = 1
    page_size: int | None = None


def paginate(request: HttpRequest, queryset: QuerySet[M], params: PageQuery) -> dict[str, Any]:
    """One page of ``queryset`` with no COUNT: fetch one row more than the page to know ``has_next``."""
    maximum = settings.TOTONOU_API_MAX_PAGE_SIZE
    size = params.page_size if params.page_size is not None else settings.TOTONOU_API_PAGE_SIZE
    errors: dict[str, list[str]] = {}
    if params.page < 1:
        errors["page"] = [_("Pages are numbered from 1.")]
    if not 1 <= size <= maximum:
        errors["page_size"] = [_("Choose a page size from 1 to %(maximum)s.") % {"maximum": maximum}]
    offset = (params.page - 1) * size
    if not errors and offset + size >= MAX_ID:
        errors["page"] = [_("This page is out of range.")]
    if errors:
        raise ValidationError(errors)
    rows = list(queryset[offset : offset + size + 1])
    has_next = len(rows) > size
    next_url = None
    if has_next:
        query = request.GET.copy()
        query["page"] = str(params.page + 1)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {
        "results": rows[:size],
        "page": params.page,
        "page_size": size,
        "has_next": has_next,
        "next": next_url,
    }


# --- Looking up what a request refers to --------------------------------------------------------------


def scoped(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """``queryset.visible_to(user)`` where the model has it; other querysets (users, teams) come from a
    selector that has already scoped them."""
    visible_to: Callable[[Any], QuerySet[M]] | None = getattr(queryset, "visible_to", None)
    return visible_to(user) if visible_to is not None else queryset


def get_visible(queryset: QuerySet[M], user: Any, pk: int) -> M:
    """The record ``pk`` as ``user`` may see it, or 404."""
    instance = scoped(queryset, user).filter(pk=pk).first()
    if instance is None:
        raise Http404
    return instance


class References:
    """Resolves the ids (or slugs) in a request body to records the user may see, collecting an error per
    field for the unknown ones so that a request with several bad references reports them all, before
    anything is written."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.errors: dict[str, list[str]] = {}

    def _unknown(self, field: str, queryset: QuerySet[Any], value: Any) -> None:
        self.errors.setdefault(field, []).append(
            _("There is no %(model)s “%(value)s”.")
            % {"model": queryset.model._meta.verbose_name, "value": value}
        )

    def one(self, field: str, queryset: QuerySet[M], value: Any, *, lookup: str = "pk") -> M | None:
        if value is None:
            return None
        instance = scoped(queryset, self.user).filter(**{lookup: value}).first()
        if instance is None:
            self._unknown(field, queryset, value)
        return instance

    def many(self, field: str, queryset: QuerySet[M], values: Iterable[Any]) -> list[M]:
        wanted = list(dict.fromkeys(values))
        found = {instance.pk: instance for instance in scoped(queryset, self.user).filter(pk__in=wanted)}
        for value in wanted:
            if value not in found:
                self._unknown(field, queryset, value)
        return [found[value] for value in wanted if value in found]

    def replace(self, data: dict[str, Any], field: str, queryset: QuerySet[M], *, lookup: str = "pk") -> None:
        """Swap the id (or ``lookup`` value) in ``data[field]`` for its record; null stays null."""
        if data.get(field) is not None:
            data[field] = self.one(field, queryset, data[field], lookup=lookup)

    def replace_many(self, data: dict[str, Any], field: str, queryset: QuerySet[M]) -> None:
        if data.get(field) is not None:
            data[field] = self.many(field, queryset, data[field])

    def check(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)
