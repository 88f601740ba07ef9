"""The one outbound HTTP client: timeouts, no redirects to other hosts, and an address guard.

Every request to a URL a user typed in (chat webhooks, Chatwork, generic webhooks) goes through
``http_post``. The host is resolved once, every address it resolves to is checked (loopback, private,
link-local, multicast and reserved addresses are refused unless ``TOTONOU_WEBHOOK_ALLOW_PRIVATE`` is on),
and the connection goes to the checked address, so a DNS answer that changes between the check and the
connect (DNS rebinding) cannot reach an internal service. A redirect is followed only on the same scheme,
host and port, and only with 307/308 (which keep the method and body); anything else is returned as is.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_RESPONSE_BYTES = 64 * 1024
MAX_REDIRECTS = 3
USER_AGENT = "Totonou-Webhooks/1"


class OutboundError(Exception):
    """The request could not be made or got no answer (refused address, DNS, connect, timeout)."""

    retryable = True

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BlockedAddressError(OutboundError):
    """The URL points at an address the guard refuses; retrying will not help."""

    retryable = False


class InvalidURLError(OutboundError):
    retryable = False


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def _allow_private() -> bool:
    return bool(getattr(settings, "TOTONOU_WEBHOOK_ALLOW_PRIVATE", False))


def address_allowed(address: str) -> bool:
    """A public unicast address (or any address, when private ones are allowed)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if _allow_private():
        return not ip.is_multicast and not ip.is_unspecified
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> str:
    """The first address of ``host`` after checking every address it resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise OutboundError(_("The host %(host)s could not be resolved.") % {"host": host}) from error
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise OutboundError(_("The host %(host)s could not be resolved.") % {"host": host})
    for address in addresses:
        if not address_allowed(address):
            raise BlockedAddressError(
                _("The address %(address)s of %(host)s is private or local; it is not allowed.")
                % {"address": address, "host": host}
            )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _split(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidURLError(_("Enter an http or https URL."))
    if parts.username or parts.password:
        raise InvalidURLError(_("A URL with a user name or password is not allowed."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise InvalidURLError(_("Enter an http or https URL.")) from error
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port, path


def check_url(url: str) -> None:
    """Raise ``OutboundError`` when ``url`` is not an http(s) URL or names a refused address. Without
    DNS (saving a setting must not depend on the network): a literal address is checked here, a host
    name when a request is made."""
    _scheme, host, _port, _path = _split(url)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        if (host == "localhost" or host.endswith(".localhost")) and not _allow_private():
            raise BlockedAddressError(
                _("The address %(address)s of %(host)s is private or local; it is not allowed.")
                % {"address": host, "host": host}
            ) from None
        return
    if not address_allowed(str(literal)):
        raise BlockedAddressError(
            _("The address %(address)s of %(host)s is private or local; it is not allowed.")
            % {"address": literal, "host": host}
        )


def http_post(
    url: str, *, body: bytes, headers: Mapping[str, str], timeout: float | None = None
) -> HttpResponse:
    """POST ``body`` to ``url``; the response (any status), or ``OutboundError`` when there is none."""
    timeout = timeout if timeout is not None else float(settings.TOTONOU_WEBHOOK_TIMEOUT)
    started = time.monotonic()
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port, path = _split(url)
        address = resolve(host, port)
        connection_class: Any = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(host, port, address=address, timeout=timeout)
        try:
            connection.request("POST", path, body=body, headers={"User-Agent": USER_AGENT, **dict(headers)})
            raw = connection.getresponse()
            content = raw.read(MAX_RESPONSE_BYTES)
            response = HttpResponse(
                status=raw.status,
                headers={name.lower(): value for name, value in raw.getheaders()},
                body=content,
            )
        except TimeoutError as error:
            raise OutboundError(
                _("The receiver did not answer in %(seconds)s s.") % {"seconds": timeout}
            ) from error
        except (OSError, http.client.HTTPException) as error:
            raise OutboundError(
                _("The receiver could not be reached: %(error)s") % {"error": error}
            ) from error
        finally:
            connection.close()
        location = response.header("location")
        if response.status in {307, 308} and location:
            target = urljoin(url, location)
            if _split(target)[:3] != (scheme, host, port):
                break  # never follow a redirect to another host: the response stands as the answer
            url = target
            continue
        break
    response.duration_ms = int((time.monotonic() - started) * 1000)
    return response
