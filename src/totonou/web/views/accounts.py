"""Sign-in throttling's answer (django-axes calls it through ``AXES_LOCKOUT_CALLABLE``): after too many
failed sign-ins for one username or from one address, the sign-in page again with a message that says
why and for how long, status 429 and ``Retry-After``. The API answers JSON (it has no password
sign-in of its own; this covers any future one)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from totonou.core.request import safe_next


def lockout_message() -> str:
    cool_off = settings.AXES_COOLOFF_TIME
    if cool_off is None:
        return _(
            "Sign-in is locked after too many failed attempts for this account or from this network. "
            "Ask an administrator to unlock it."
        )
    minutes = max(1, int(cool_off.total_seconds() // 60))
    return ngettext(
        "Sign-in is locked after too many failed attempts for this account or from this network. "
        "Try again in %(minutes)d minute, or ask an administrator to unlock it.",
        "Sign-in is locked after too many failed attempts for this account or from this network. "
        "Try again in %(minutes)d minutes, or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def signin_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    message = lockout_message()
    status = getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)  # django-axes sets it (429)
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=status)
    else:
        username = (credentials or {}).get("username") or request.POST.get("username", "")
        form = AuthenticationForm(request, initial={"username": username})
        context = {"form": form, "locked_out": message, "next": safe_next(request, "")}
        response = render(request, "registration/login.html", context, status=status)
    if settings.AXES_COOLOFF_TIME is not None:
        response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
