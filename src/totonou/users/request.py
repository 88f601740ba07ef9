"""The signed-in user of a request, typed (the login middleware guarantees one on every page)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from totonou.users.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user (the login middleware guarantees one on every web page)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
