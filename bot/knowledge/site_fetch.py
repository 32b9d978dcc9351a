"""Polite, guarded fetching of a municipality's site for ``import-site`` (issue 23 §1).

- **Polite**: one request at a time with a delay between requests (robots.txt's Crawl-delay
  or Request-rate when it asks for more), a User-Agent that names the assistant, a timeout and
  a size cap per response, conditional requests on a re-import (the caller passes the
  validators), robots.txt honoured for every URL, redirects followed on the same site only.
- **Guarded** (server-side request forgery): with ``allow_internal=False`` no request goes to
  an internal address: loopback, private, link-local, reserved, multicast, unspecified, shared
  (CGNAT) or any other address that is not globally routable. The check runs twice: on the URL
  before a request (a clear message, nothing sent) and again in the connection itself, on the
  very address the socket connects to (:class:`GuardedBackend`), so a name that resolves to a
  public address for the check and to 127.0.0.1 for the connection (DNS rebinding) is refused
  too. Every request is checked that way: robots.txt, the sitemaps, each page and each hop of
  a redirect.

Libraries: httpx (HTTP client, with httpcore's pluggable network backend for the connect-time
check), protego (robots.txt, as Scrapy uses it) and ultimate-sitemap-parser (sitemaps,
sitemap indexes, text sitemaps). All are imported when first used, not at import.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

if TYPE_CHECKING:
    import httpx

# The robots.txt group a municipality can address: "User-agent: borger-assistent".
ROBOTS_AGENT = "borger-assistent"
USER_AGENT = (
    "borger-assistent-import/1.0 (the municipality's citizen assistant reading its page "
    "catalogue; robots.txt agent: borger-assistent)"
)
DEFAULT_DELAY_S = 1.0
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_BYTES = 2_000_000  # one page
SITEMAP_MAX_BYTES = 20_000_000  # one sitemap, also after gunzip (the protocol allows 50 MB)
MAX_REDIRECTS = 5
MAX_SITEMAPS = 50  # sitemaps read from one index (and its sub-indexes)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


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


class TimedOutError(FetchError):
    pass


class TooLargeError(FetchError):
    pass


class RedirectedElsewhereError(FetchError):
    """A redirect to another host (not followed)."""

    def __init__(self, url: str, target: str) -> None:
        super().__init__(url, f"redirects to another host ({target}): not followed")
        self.target = target


class RobotsForbiddenError(FetchError):
    pass


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


def guarded_backend(allow_internal: bool) -> Any:
    """An httpcore network backend that resolves the host itself, refuses internal addresses
    (unless ``allow_internal``) and connects to exactly the address it checked. TLS still
    verifies the certificate for the host name (httpcore passes the URL's host as SNI)."""
    import httpcore

    class GuardedBackend(httpcore.SyncBackend):
        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore.NetworkStream:
            try:
                addresses = check_host(host, port, allow_internal=allow_internal)
            except OSError as exc:
                raise httpcore.ConnectError(str(exc)) from exc
            last: Exception | None = None
            for address in addresses:
                try:
                    return super().connect_tcp(
                        address, port, timeout, local_address, socket_options
                    )
                except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                    last = exc
            assert last is not None  # resolve() never returns an empty list
            raise last

    return GuardedBackend()


def _client(allow_internal: bool, timeout: float, user_agent: str) -> httpx.Client:
    import http.cookiejar

    import httpcore
    import httpx

    class GuardedTransport(httpx.HTTPTransport):
        """httpx's transport over a connection pool with the guarded network backend.
        (HTTPTransport does not take a network backend; its request handling only uses
        ``self._pool``, which is set here instead of in its __init__. httpx is pinned.)"""

        def __init__(self) -> None:  # the parent's __init__ would build another pool
            self._pool = httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(),
                max_connections=2,
                max_keepalive_connections=1,
                retries=0,
                network_backend=guarded_backend(allow_internal),
            )

    # No cookies: a crawler of public pages has no session, and a cookie set by one page
    # (a consent choice, a load balancer's) must not change what the next one shows.
    no_cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return httpx.Client(
        transport=GuardedTransport(),
        cookies=no_cookies,
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        headers={
            "User-Agent": user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5",
            "Accept-Language": "da, en;q=0.5",
        },
    )


# -- robots.txt -----------------------------------------------------------------------------


@dataclass
class Robots:
    """A site's robots.txt as it applies to the assistant (the ``borger-assistent`` group, or
    ``*``). A missing robots.txt allows everything."""

    text: str = ""
    found: bool = False
    _parser: Any = field(default=None, repr=False)

    @classmethod
    def parse(cls, text: str, found: bool = True) -> Robots:
        from protego import Protego

        return cls(text=text, found=found, _parser=Protego.parse(text))

    def allows(self, url: str) -> bool:
        if self._parser is None:
            return True
        return bool(self._parser.can_fetch(url, ROBOTS_AGENT))

    @property
    def sitemaps(self) -> list[str]:
        return list(self._parser.sitemaps) if self._parser is not None else []

    @property
    def delay(self) -> float:
        """Seconds between requests that robots.txt asks for (Crawl-delay, or Request-rate
        as seconds per request); 0 when it asks nothing."""
        if self._parser is None:
            return 0.0
        delays = [float(self._parser.crawl_delay(ROBOTS_AGENT) or 0)]
        rate = self._parser.request_rate(ROBOTS_AGENT)
        if rate is not None and rate.requests:
            delays.append(rate.seconds / rate.requests)
        return max(delays)


# -- responses and the fetcher --------------------------------------------------------------


@dataclass
class Response:
    url: str  # the URL asked for
    final_url: str  # after same-site redirects
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


class PoliteFetcher:
    """One request at a time, ``delay`` seconds apart, each checked against robots.txt (once
    it is set) and the guard. Use as a context manager."""

    def __init__(
        self,
        *,
        allow_internal: bool = True,
        delay: float = DEFAULT_DELAY_S,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_bytes: int = DEFAULT_MAX_BYTES,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.allow_internal = allow_internal
        self.delay = max(0.0, delay)
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.robots: Robots | None = None
        self.requests = 0
        self._sleep = sleep
        self._clock = clock
        self._next_at = 0.0
        self._http = _client(allow_internal, timeout, user_agent)

    def __enter__(self) -> PoliteFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _wait_turn(self) -> None:
        wait = self._next_at - self._clock()
        if wait > 0:
            self._sleep(wait)

    def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        max_bytes: int | None = None,
        check_robots: bool = True,
    ) -> Response:
        """GET ``url``, following redirects on the same site (each hop checked against
        robots.txt and the guard). Raises a :class:`FetchError` subclass for a refused
        address, a robots.txt ban, a redirect to another host, a timeout, a response over the
        size cap or a network error. Any HTTP status is returned, not raised."""
        import httpx

        limit = self.max_bytes if max_bytes is None else max_bytes
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if check_robots and self.robots is not None and not self.robots.allows(current):
                why = "forbidden by robots.txt: not fetched"
                raise RobotsForbiddenError(url, why if current == url else f"{why} ({current})")
            check_url_address(current, allow_internal=self.allow_internal)
            self._wait_turn()
            try:
                status, response_headers, body = self._one(current, headers or {}, limit)
            except httpx.TimeoutException:
                raise TimedOutError(url, f"timed out after {self.timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise FetchError(url, f"could not be fetched ({_short(exc)})") from None
            finally:
                self.requests += 1
                self._next_at = self._clock() + self.delay
            if status in REDIRECT_STATUSES and "location" in response_headers:
                target = without_fragment(urljoin(current, response_headers["location"]))
                if not same_site(url, target):
                    raise RedirectedElsewhereError(url, target)
                current = target
                continue
            return Response(url, current, status, response_headers, body)
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def _one(self, url: str, headers: dict[str, str], limit: int) -> tuple[int, dict, bytes]:
        start = self._clock()
        with self._http.stream("GET", url, headers=headers) as response:
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            if response.status_code != 200:
                return response.status_code, response_headers, b""
            declared = response_headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise TooLargeError(url, f"larger than {_size(limit)} ({_size(int(declared))})")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise TooLargeError(url, f"larger than {_size(limit)}")
                if self._clock() - start > self.timeout:
                    raise TimedOutError(url, f"timed out after {self.timeout:g} s")
                chunks.append(chunk)
            return response.status_code, response_headers, b"".join(chunks)


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{n / 1000:.0f} kB"


# -- robots.txt and sitemaps through the fetcher --------------------------------------------


class SiteReadError(Exception):
    """The site's robots.txt or its sitemap could not be read: nothing is imported."""


def read_robots(fetcher: PoliteFetcher, url: str) -> Robots:
    """The robots.txt of ``url``'s site. Missing (4xx): everything allowed. A server error or
    no answer: :class:`SiteReadError`, since RFC 9309 then asks a crawler to assume that
    everything is disallowed."""
    robots_url = urljoin(site_root(url), "/robots.txt")
    try:
        response = fetcher.get(robots_url, check_robots=False, max_bytes=500_000)
    except InternalAddressError:
        raise
    except FetchError as exc:
        raise SiteReadError(f"robots.txt could not be read: {exc}") from None
    if 400 <= response.status < 500:
        return Robots(found=False)
    if response.status != 200:
        raise SiteReadError(
            f"robots.txt could not be read: {robots_url} answered {response.status}; "
            "not importing (a crawler must then assume everything is disallowed)"
        )
    return Robots.parse(response.body.decode("utf-8", errors="replace"))


@dataclass
class SitemapPages:
    """The page URLs a sitemap (and the sitemaps of an index) lists, in order, and the
    sitemaps or entries that were skipped, with why."""

    pages: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _gunzip(body: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    data = inflater.decompress(body, limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {_size(limit)} unpacked")
    return data


def _parse_sitemap(body: bytes) -> Any:
    from usp.tree import sitemap_from_str

    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body, SITEMAP_MAX_BYTES)
    return sitemap_from_str(body.decode("utf-8", errors="replace"))


def read_sitemap(fetcher: PoliteFetcher, url: str) -> SitemapPages:
    """The pages ``url`` lists, reading a sitemap index's sitemaps (up to MAX_SITEMAPS) too.
    The first sitemap must be readable (else :class:`SiteReadError`); a sub-sitemap that is
    not is skipped and named. Entries on another site are skipped and named."""
    from usp.objects.sitemap import AbstractIndexSitemap, InvalidSitemap

    result = SitemapPages()
    queue = [url]
    seen_pages: set[str] = set()
    while queue:
        current = queue.pop(0)
        first = current == url
        if current in result.sitemaps:
            continue
        if len(result.sitemaps) >= MAX_SITEMAPS:
            result.skipped.append((current, f"more than {MAX_SITEMAPS} sitemaps: not read"))
            continue
        result.sitemaps.append(current)
        try:
            response = fetcher.get(current, max_bytes=SITEMAP_MAX_BYTES)
            if response.status != 200:
                raise FetchError(current, f"answered {response.status}")
            parsed = _parse_sitemap(response.body)
            if isinstance(parsed, InvalidSitemap):
                raise FetchError(current, "is not a sitemap (no <urlset> or <sitemapindex>)")
        except InternalAddressError:
            raise
        except (FetchError, ValueError, OSError, zlib.error) as exc:
            reason = exc.reason if isinstance(exc, FetchError) else str(exc)
            if first:
                raise SiteReadError(f"the sitemap {current} could not be read: {reason}") from None
            result.skipped.append((current, f"sitemap not read: {reason}"))
            continue
        if isinstance(parsed, AbstractIndexSitemap):
            for sub in parsed.sub_sitemaps:
                sub_url = without_fragment(sub.url)
                if same_site(url, sub_url):
                    queue.append(sub_url)
                else:
                    result.skipped.append((sub_url, "sitemap on another host: not read"))
            continue
        for page in parsed.all_pages():
            page_url = without_fragment(page.url.strip())
            if page_url in seen_pages:
                continue
            seen_pages.add(page_url)
            if not same_site(url, page_url):
                result.skipped.append((page_url, "on another host: not imported"))
            else:
                result.pages.append(page_url)
    return result
