"""Small request helpers shared by the web views of every app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from totonou.users.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user (the login middleware guarantees one on every web page)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` URL of a form, if it points back into this site; else ``fallback``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback
