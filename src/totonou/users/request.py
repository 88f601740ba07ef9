"""The signed-in user of a request, typed (the login middleware guarantees one on every page)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.functional import LazyObject, empty

from totonou.users.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user (the login middleware guarantees one on every web page): the ``User`` itself,
    not the authentication middleware's lazy stand-in, whose every attribute read goes through a proxy
    (a feed page reads the viewer's id, role and managed members for each of its items)."""
    user = request.user
    if isinstance(user, LazyObject):
        lazy: Any = user  # its private parts are not in the type stubs
        if lazy._wrapped is empty:
            lazy._setup()
        user = lazy._wrapped
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
