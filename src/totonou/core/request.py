"""Request helpers that know no domain: where a form may send the user back to, where a request came
from."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` URL of a form, if it points back into this site; else ``fallback``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def _address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address a request came from, for sign-in throttling: ``REMOTE_ADDR``, or behind
    ``TOTONOU_TRUSTED_PROXIES`` = N reverse proxies (each appends the address it saw to
    ``X-Forwarded-For``) the N-th address from the right, the one the outermost proxy saw; what a
    client wrote further left is never believed. Anything that is not an IP address counts as
    ``REMOTE_ADDR``."""
    remote = _address(request.META.get("REMOTE_ADDR"))
    proxies = getattr(settings, "TOTONOU_TRUSTED_PROXIES", 0)
    if proxies <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return _address(forwarded[-proxies]) or remote
