"""import-site's fetching rules (bot/knowledge/site_fetch.py) without a network: the server-side
request forgery guard (also at connect time, for a name that resolves differently the second
time), URL checks, same-site rules, robots.txt and sitemaps."""

from __future__ import annotations

import gzip
import socket
from typing import Any

import pytest

from bot.knowledge import site_fetch
from bot.knowledge.site_fetch import PoliteFetcher, Response, Robots
from bot.knowledge.site_urls import (
    BadUrlError,
    InternalAddressError,
    check_host,
    check_url,
    check_url_address,
    is_internal_address,
    same_site,
    site_key,
)
from bot.knowledge.sitemaps import SiteReadError, read_sitemap

# -- the guard ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.10",
        "169.254.169.254",  # cloud metadata (link-local)
        "0.0.0.0",  # noqa: S104 - an address under test, nothing binds it
        "224.0.0.251",  # multicast
        "240.0.0.1",  # reserved
        "100.64.0.1",  # shared address space (CGNAT)
        "192.0.2.1",  # documentation
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
    ],
)
def test_internal_addresses_are_internal(address: str) -> None:
    assert is_internal_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2a00:1450:4001:82b::2004"])
def test_public_addresses_are_not(address: str) -> None:
    assert not is_internal_address(address)


def _resolver(table: dict[str, list[str]]) -> Any:
    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in table[host]
        ]

    return getaddrinfo


def test_a_name_resolving_to_loopback_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _resolver({"intranet.example": ["127.0.0.1"]}))
    with pytest.raises(
        InternalAddressError, match=r"resolves to 127\.0\.0\.1, an internal address"
    ):
        check_host("intranet.example", 443, allow_internal=False)
    assert check_host("intranet.example", 443, allow_internal=True) == ["127.0.0.1"]
    with pytest.raises(InternalAddressError, match="BOT_IMPORT_ALLOW_INTERNAL"):
        check_url_address("https://intranet.example/sitemap.xml", allow_internal=False)


def test_one_internal_address_among_public_ones_is_enough(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolver = _resolver({"mixed.example": ["93.184.216.34", "10.0.0.5"]})
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with pytest.raises(InternalAddressError, match=r"10\.0\.0\.5"):
        check_host("mixed.example", 80, allow_internal=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/sitemap.xml",
        "http://localhost:8080/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433/",  # 127.0.0.1 as one number
        "http://0x7f.1/",  # and in hex
    ],
)
def test_internal_urls_are_refused_before_a_request(url: str) -> None:
    with pytest.raises(InternalAddressError, match="internal address"):
        check_url_address(url, allow_internal=False)
    check_url_address(url, allow_internal=True)  # the CLI's default: allowed


def test_the_connection_itself_is_checked_dns_rebinding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The name resolves to a public address for the check before the request and to
    127.0.0.1 when the connection is made: the connect-time check refuses it."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"], ["127.0.0.1"]])

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in next(answers)]

    connected: list[Any] = []
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connected.append(a))
    with PoliteFetcher(allow_internal=False, delay=0, timeout=2) as fetcher:
        with pytest.raises(InternalAddressError, match=r"127\.0\.0\.1"):
            fetcher.get("http://rebind.example/sitemap.xml")
    assert connected == []  # refused before any socket was opened


def test_the_connect_time_check_connects_to_the_checked_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _resolver({"site.example": ["93.184.216.34"]}))
    seen: list[tuple] = []

    def create_connection(address: tuple, *args: Any, **kwargs: Any) -> Any:
        seen.append(address)
        raise OSError("no network in unit tests")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    with PoliteFetcher(allow_internal=False, delay=0, timeout=2) as fetcher:
        with pytest.raises(site_fetch.FetchError, match="could not be fetched"):
            fetcher.get("http://site.example/")
    assert seen == [("93.184.216.34", 80)]  # the checked address, not a second lookup's


# -- URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "no URL given"),
        ("   ", "no URL given"),
        ("www.taarnby.dk/sitemap.xml", "not an http(s) URL"),
        ("ftp://www.taarnby.dk/sitemap.xml", "not an http(s) URL"),
        ("file:///etc/passwd", "not an http(s) URL"),
        ("javascript:alert(1)", "not an http(s) URL"),
        ("http://", "has no host name"),
        ("http://www.taarnby .dk/", "contains a space"),
        ("http://user:secret@www.taarnby.dk/", "user name or password"),
        ("http://www.taarnby.dk:99999/", "not a valid URL"),
    ],
)
def test_bad_urls_get_a_clear_message(url: str, message: str) -> None:
    with pytest.raises(BadUrlError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_url(url)


def test_good_urls_pass() -> None:
    assert check_url(" https://www.taarnby.dk/sitemap.xml\n") == (
        "https://www.taarnby.dk/sitemap.xml"
    )
    assert check_url("http://127.0.0.1:8123/") == "http://127.0.0.1:8123/"


def test_same_site() -> None:
    assert same_site("https://www.taarnby.dk/a", "http://Taarnby.dk/b")
    assert same_site("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b")
    assert not same_site("http://127.0.0.1:8000/a", "http://localhost:8000/a")
    assert not same_site("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/a")
    assert not same_site("https://www.taarnby.dk/", "https://www.borger.dk/")
    assert not same_site("https://www.taarnby.dk/", "ftp://www.taarnby.dk/")
    assert site_key("https://WWW.Taarnby.dk:443/x") == "taarnby.dk"


# -- robots.txt -----------------------------------------------------------------------------

ROBOTS = """# a municipality's robots.txt
User-agent: *
Disallow: /intern/
Disallow: /soeg
Crawl-delay: 2

User-agent: borger-assistent
Disallow: /intern/
Disallow: /kun-for-mennesker/
Crawl-delay: 3

Sitemap: https://www.taarnby.dk/sitemap.xml
Sitemap: https://cdn.example/sitemap-other.xml
"""


def test_robots_rules_for_the_assistant() -> None:
    robots = Robots.parse(ROBOTS)
    assert robots.allows("https://www.taarnby.dk/borger/natur-og-miljoe/affald")
    assert not robots.allows("https://www.taarnby.dk/intern/portal")
    # our own group applies, not '*'
    assert not robots.allows("https://www.taarnby.dk/kun-for-mennesker/side")
    assert robots.allows("https://www.taarnby.dk/soeg?q=affald")
    assert robots.delay == 3
    assert robots.sitemaps == [
        "https://www.taarnby.dk/sitemap.xml",
        "https://cdn.example/sitemap-other.xml",
    ]


def test_robots_request_rate_counts_as_a_delay() -> None:
    robots = Robots.parse("User-agent: *\nRequest-rate: 1/5\n")
    assert robots.delay == 5


def test_no_robots_txt_allows_everything() -> None:
    robots = Robots(found=False)
    assert robots.allows("https://www.taarnby.dk/intern/x")
    assert robots.sitemaps == []
    assert robots.delay == 0


def test_everything_forbidden() -> None:
    robots = Robots.parse("User-agent: *\nDisallow: /\n")
    assert not robots.allows("https://www.taarnby.dk/sitemap.xml")


# -- sitemaps -------------------------------------------------------------------------------

BASE = "https://www.taarnby.dk"
INDEX = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{BASE}/sitemaps/a.xml</loc></sitemap>
  <sitemap><loc>{BASE}/sitemaps/b.xml.gz</loc></sitemap>
  <sitemap><loc>{BASE}/sitemaps/missing.xml</loc></sitemap>
  <sitemap><loc>https://cdn.example/sitemap.xml</loc></sitemap>
</sitemapindex>"""


def _urlset(*urls: str) -> bytes:
    entries = "".join(f"<url><loc>{u}</loc><lastmod>2024-01-02</lastmod></url>" for u in urls)
    return (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</urlset>"
    ).encode()


class FakeFetcher:
    """Answers from a table instead of the network (read_sitemap only calls get)."""

    def __init__(self, answers: dict[str, tuple[int, bytes]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def get(self, url: str, **kwargs: Any) -> Response:
        self.asked.append(url)
        status, body = self.answers.get(url, (404, b""))
        return Response(url, url, status, {}, body)


def test_a_sitemap_index_is_read_through() -> None:
    fetcher = FakeFetcher(
        {
            f"{BASE}/sitemap.xml": (200, INDEX.encode()),
            f"{BASE}/sitemaps/a.xml": (200, _urlset(f"{BASE}/a", f"{BASE}/b", f"{BASE}/a")),
            f"{BASE}/sitemaps/b.xml.gz": (
                200,
                gzip.compress(
                    _urlset(f"{BASE}/c", "https://www.borger.dk/x", "http://taarnby.dk/d")
                ),
            ),
        }
    )
    found = read_sitemap(fetcher, f"{BASE}/sitemap.xml")  # type: ignore[arg-type]
    assert found.pages == [f"{BASE}/a", f"{BASE}/b", f"{BASE}/c", "http://taarnby.dk/d"]
    skipped = dict(found.skipped)
    assert skipped["https://www.borger.dk/x"] == "on another host: not imported"
    assert skipped["https://cdn.example/sitemap.xml"] == "sitemap on another host: not read"
    assert "answered 404" in skipped[f"{BASE}/sitemaps/missing.xml"]
    assert "https://cdn.example/sitemap.xml" not in fetcher.asked


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((404, b""), "answered 404"),
        ((500, b""), "answered 500"),
        ((200, b"<html><body>Forside</body></html>"), "is not a sitemap"),
        ((200, b"\x1f\x8b not really gzip"), "could not be read"),
    ],
)
def test_an_unreadable_sitemap_is_fatal(answer: tuple[int, bytes], message: str) -> None:
    import logging

    logging.getLogger("usp").setLevel(logging.CRITICAL)
    fetcher = FakeFetcher({f"{BASE}/sitemap.xml": answer})
    with pytest.raises(SiteReadError, match=message):
        read_sitemap(fetcher, f"{BASE}/sitemap.xml")  # type: ignore[arg-type]


def test_a_plain_text_sitemap() -> None:
    fetcher = FakeFetcher({f"{BASE}/sitemap.txt": (200, f"{BASE}/a\n{BASE}/b\n".encode())})
    found = read_sitemap(fetcher, f"{BASE}/sitemap.txt")  # type: ignore[arg-type]
    assert found.pages == [f"{BASE}/a", f"{BASE}/b"]
