"""URLs for import-site: what is a valid address, which site a URL belongs to, and the guard
against server-side request forgery (issue 23 §1).

With ``allow_internal=False`` no request may go to an internal address: loopback, private,
link-local, reserved, multicast, unspecified, shared (CGNAT) or any other address that is not
globally routable. :func:`check_url_address` checks a URL before a request;
:mod:`bot.knowledge.site_fetch` runs :func:`check_host` again in the connection itself, on the
very address the socket connects to (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit


class FetchError(Exception):
    """A request that did not give a usable answer; ``reason`` says why in a few words."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class BadUrlError(ValueError):
    """An address that is not an absolute http(s) URL with a host."""


class InternalAddressError(FetchError):
    """The server-side request forgery guard refused an internal address."""


# -- URLs -----------------------------------------------------------------------------------


def check_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host (whitespace around it removed);
    raise :class:`BadUrlError` with a message saying what is wrong."""
    if not isinstance(url, str) or not url.strip():
        raise BadUrlError("no URL given: expected e.g. https://www.example.dk/sitemap.xml")
    url = url.strip()
    if any(c.isspace() for c in url):
        raise BadUrlError(f"{url!r} is not a URL: it contains a space")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadUrlError(f"{url!r} is not a valid URL: {exc}") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise BadUrlError(
            f"{url!r} is not an http(s) URL: give the sitemap (https://…/sitemap.xml) or the "
            "site's root (https://…/)"
        )
    if not parts.hostname:
        raise BadUrlError(f"{url!r} has no host name")
    if parts.username is not None or parts.password is not None:
        raise BadUrlError(f"{url!r} carries a user name or password; give the plain URL")
    if port == 0:
        raise BadUrlError(f"{url!r} has port 0")
    return url


def site_key(url: str) -> str:
    """The site a URL belongs to: its host in lower case without a leading ``www.`` and its
    port, so ``http://Taarnby.dk`` and ``https://www.taarnby.dk`` are one site."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return host if port in (None, default) else f"{host}:{port}"


def same_site(url: str, other: str) -> bool:
    """Both URLs are http(s) on the same site (:func:`site_key`; http and https both count)."""
    schemes = {urlsplit(url).scheme.lower(), urlsplit(other).scheme.lower()}
    return schemes <= {"http", "https"} and site_key(url) == site_key(other)


def site_root(url: str) -> str:
    """``scheme://host[:port]/`` of a URL."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc, "/", "", ""))


def without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


# -- the guard ------------------------------------------------------------------------------


def is_internal_address(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address no import from the web may reach: loopback, private, link-local,
    reserved, multicast, unspecified, and anything else that is not globally routable (shared
    CGNAT space, documentation ranges, …). An IPv4 address inside IPv6 (``::ffff:127.0.0.1``,
    6to4, Teredo) is judged by the IPv4 address."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        # A zone index (fe80::1%eth0) is link-local anyway; the embedded IPv4 forms are judged
        # by what they carry.
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None and is_internal_address(inner):
            return True
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (an IP address resolves to itself), in the
    resolver's order, without duplicates."""
    host = host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OSError(f"the host name {host!r} does not resolve ({exc})") from exc
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        if address not in seen:
            seen.append(address)
    return seen


def check_host(host: str, port: int, *, allow_internal: bool) -> list[str]:
    """The addresses of ``host``; with ``allow_internal=False`` raise
    :class:`InternalAddressError` if ANY of them is internal (one public and one internal
    address for a name is a classic way round a check that looks at the first only)."""
    addresses = resolve(host, port)
    if not allow_internal:
        for address in addresses:
            if is_internal_address(address):
                literal = host.strip("[]") == address
                where = f"{host} is" if literal else f"{host} resolves to {address},"
                raise InternalAddressError(
                    host,
                    f"{where} an internal address (loopback, private, link-local, reserved, "
                    "multicast or unspecified): refused. Imports started from the web may only "
                    "fetch public addresses unless BOT_IMPORT_ALLOW_INTERNAL=1 is set.",
                )
    return addresses


def check_url_address(url: str, *, allow_internal: bool) -> None:
    """Refuse ``url`` before any request when its host is internal (``allow_internal=False``);
    the same check runs again at connect time (:class:`GuardedBackend`)."""
    if allow_internal:
        return
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        check_host(parts.hostname or "", port, allow_internal=False)
    except InternalAddressError as exc:
        raise InternalAddressError(url, exc.reason) from None
    except OSError as exc:
        raise FetchError(url, str(exc)) from None
