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
  a redirect. The URL rules and the address check itself are :mod:`bot.knowledge.site_urls`.

Libraries: httpx (HTTP client, with httpcore's pluggable network backend for the connect-time
check) and protego (robots.txt, as Scrapy uses it), both imported when first used, not at
import. robots.txt and the sitemaps are read through the fetcher by :mod:`bot.knowledge.sitemaps`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from bot.knowledge.site_urls import (
    FetchError,
    check_host,
    check_url_address,
    same_site,
    without_fragment,
)

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
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


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


# -- the guard, at connect time -------------------------------------------------------------


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

    from bot.rasa_server.internal import put
    from bot.rasa_server.internals import HTTPX_POOL

    class GuardedTransport(httpx.HTTPTransport):
        """httpx's transport over a connection pool with the guarded network backend.
        (HTTPTransport does not take a network backend; its request handling only uses its
        private pool, which is set here instead of in its __init__. httpx is pinned, and
        bot.rasa_server.internals.HTTPX_POOL checks that its code is still the same.)"""

        def __init__(self) -> None:  # the parent's __init__ would build another pool
            pool = httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(),
                max_connections=2,
                max_keepalive_connections=1,
                retries=0,
                network_backend=guarded_backend(allow_internal),
            )
            put(HTTPX_POOL, self, pool)

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
                raise TooLargeError(
                    url, f"larger than {format_size(limit)} ({format_size(int(declared))})"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise TooLargeError(url, f"larger than {format_size(limit)}")
                if self._clock() - start > self.timeout:
                    raise TimedOutError(url, f"timed out after {self.timeout:g} s")
                chunks.append(chunk)
            return response.status_code, response_headers, b"".join(chunks)


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def format_size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{n / 1000:.0f} kB"
