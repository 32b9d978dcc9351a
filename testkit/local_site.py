"""A local copy of a municipal web site for import-site's tests (issue 23 §1).

``serve_site()`` serves, on 127.0.0.1 and a free port, a fixture site written like a Danish
municipality's: the pages of Tårnby's bundled catalogue whose host is (www.)taarnby.dk at the
same paths, everyday matters the catalogue lacks, and a few pages a crawler meets but nobody
asks about (cookiepolitik, tilgængelighedserklæring, the news list, kontakt). Every page has
the furniture extraction must leave out: a cookie banner, a top menu, breadcrumbs, a print and
share toolbar, a "Se også" box, a feedback form and a footer; accordions (``<details>`` and
div-based) hold main text. Page texts: ``tests/fixtures/site/pages.yml``; templates (Jinja2):
``tests/fixtures/site/templates/``.

It also serves robots.txt (naming the sitemap, disallowing ``/intern/`` and ``/soeg``), a
sitemap index (/sitemap.xml → /sitemaps/borger.xml and /sitemaps/oevrige.xml), and answers
If-None-Match / If-Modified-Since with 304. Switches (keyword arguments, and attributes of the
yielded object that may be changed while it runs) turn on the error cases::

    with serve_site(error_pages=True) as site:      # site == "http://127.0.0.1:PORT"
        site.sitemap_status = 404                  # /sitemap.xml answers 404
        site.gone["/borger/natur-og-miljoe/affald"] = 410
        site.changes["/borger/natur-og-miljoe/affald"] = "Ny tekst."  # new ETag
        site.not_modified                          # 304s sent so far
        site.requests                              # every request: path, headers, status

See :class:`LocalSite` for every switch and ERROR_PAGES for the error-case paths.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

import yaml

from testkit import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "site"

# The error cases, served always and listed in the sitemap only with error_pages=True.
SLOW = "/borger/test/langsom-side"  # answers after slow_seconds (longer than a test's timeout)
PDF = "/borger/test/pjece"  # a PDF (application/pdf)
BINARY = "/borger/test/billede"  # PNG bytes served as text/html
AWAY = "/borger/test/flyttet-til-andet-domaene"  # 302 to http://localhost:PORT/… (another host)
MOVED = "/borger/test/flyttet-internt"  # 301 to a page of this site (followed)
FORBIDDEN = "/intern/medarbejderportal"  # disallowed by robots.txt
MISSING = "/borger/test/findes-ikke"  # 404
ERROR_PAGES = (SLOW, PDF, BINARY, AWAY, MOVED, FORBIDDEN, MISSING)
MOVED_TO = "/borger/natur-og-miljoe/affald/genbrugspladser"
OTHER_HOST_PAGE = "/borger/natur-og-miljoe/affald/storskrald"  # listed as http://localhost:PORT/…

_PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
_PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" * 8


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    status: int = 0
    at: float = field(default_factory=time.monotonic)  # when it arrived (time.monotonic)


class LocalSite(str):
    """The base URL (``http://127.0.0.1:PORT``, no trailing slash) with the site's state.

    Switches, read on every request:
      sitemap_status: 200, or e.g. 404 / 500 for /sitemap.xml
      sitemap_index: True: /sitemap.xml is an index of two sitemaps; False: one urlset
      robots_status: 200, or 404 (no robots.txt: all allowed) / 503
      robots_forbid_sitemap: robots.txt disallows /sitemap.xml and /sitemaps/
      robots_names_sitemap: robots.txt has a Sitemap: line (default True)
      error_pages: list ERROR_PAGES (and a page on another host) in the sitemap
      slow_seconds: how long SLOW waits before answering (default 3)
      gone: {path: 404 or 410}: the page answers so (and leaves the sitemap)
      changes: {path: text}: a paragraph added to the page (new ETag and Last-Modified)
    Counters: requests (every request), not_modified (304s sent).
    """

    port: int
    fixtures: Path
    sitemap_status: int
    sitemap_index: bool
    robots_status: int
    robots_forbid_sitemap: bool
    robots_names_sitemap: bool
    error_pages: bool
    slow_seconds: float
    gone: dict[str, int]
    changes: dict[str, str]
    requests: list[Request]
    not_modified: int

    def url(self, path: str) -> str:
        """The absolute URL of a path of the site."""
        return str(self) + quote(path, safe="/,-._~")

    @property
    def pages(self) -> list[dict[str, Any]]:
        """The content pages (path, title, …) as in pages.yml."""
        return self._data["pages"]

    @property
    def paths(self) -> list[str]:
        return [p["path"] for p in self.pages]

    def title(self, path: str) -> str:
        return self._page(path)["title"]

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in list(self.requests) if r.path == path]

    # -- internals ----------------------------------------------------------------------

    _data: dict[str, Any]
    _stop: threading.Event
    _lock: threading.Lock
    _env: Any

    def _page(self, path: str) -> dict[str, Any]:
        key = path.rstrip("/") or "/"
        for page in self.pages:
            if (page["path"].rstrip("/") or "/") == key:
                return page
        raise KeyError(path)


def _load(fixtures: Path) -> dict[str, Any]:
    path = fixtures / "pages.yml"
    return copy.deepcopy(_parsed(str(path), path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=4)
def _parsed(path: str, mtime_ns: int) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader: 0.1 s, not 1 s
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    paths = [p["path"] for p in data["pages"]]
    assert len(paths) == len(set(paths)), "a path is listed twice in pages.yml"
    return data


def _crumbs(site: LocalSite, path: str) -> list[dict[str, str]]:
    labels = site._data.get("labels", {})
    crumbs = [{"label": "Forside", "href": "/"}]
    parts = [p for p in path.split("/") if p]
    for i, part in enumerate(parts[:-1]):
        href = "/" + "/".join(parts[: i + 1])
        crumbs.append(
            {"label": labels.get(part, part.replace("-", " ").capitalize()), "href": href}
        )
    if parts:
        crumbs.append({"label": site._page(path)["title"], "href": path})
    return crumbs


def _render(site: LocalSite, path: str) -> tuple[bytes, dt.datetime]:
    page = dict(site._page(path))
    updated = dt.datetime.combine(page.get("updated", dt.date(2024, 11, 4)), dt.time(10, 0))
    updated = updated.replace(tzinfo=dt.timezone.utc)
    extra = site.changes.get(page["path"])
    if extra:
        page["sections"] = [*page.get("sections", []), {"heading": "Nyt", "paragraphs": [extra]}]
        updated = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    template = page.get("template", "page.html")
    news = [p for p in site.pages if p["path"].startswith("/nyheder/")]
    html = site._env.get_template(template).render(
        page=page,
        crumbs=_crumbs(site, page["path"]) if page["path"] != "/" else [],
        updated=updated,
        news=news,
        pages=site.pages,
    )
    return html.encode("utf-8"), updated


def _gone(site: LocalSite, path: str) -> int:
    key = path.rstrip("/") or "/"
    return next((status for p, status in site.gone.items() if (p.rstrip("/") or "/") == key), 0)


def _sitemap_xml(site: LocalSite, name: str | None) -> str:
    """The index (name None and sitemap_index on), or one sitemap: borger, oevrige or all."""
    if name is None and site.sitemap_index:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"  <sitemap><loc>{site}/sitemaps/borger.xml</loc></sitemap>\n"
            f"  <sitemap><loc>{site}/sitemaps/oevrige.xml</loc></sitemap>\n"
            "</sitemapindex>\n"
        )
    entries: list[tuple[str, str | None]] = []
    for page in site.pages:
        borger = page["path"].startswith("/borger/")
        if (name == "borger" and not borger) or (name == "oevrige" and borger):
            continue
        if _gone(site, page["path"]):
            continue
        entries.append((site.url(page["path"]), str(page.get("updated", "2024-11-04"))))
    if site.error_pages and name in (None, "oevrige"):
        entries += [(site.url(p), None) for p in ERROR_PAGES]
        host_other = str(site).replace("127.0.0.1", "localhost")
        entries.append((host_other + OTHER_HOST_PAGE, None))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    for loc, lastmod in entries:
        modified = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        lines.append(f"  <url><loc>{escape(loc)}</loc>{modified}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def _robots(site: LocalSite) -> str:
    lines = [
        "# robots.txt of the local test site (testkit/local_site.py)",
        "User-agent: *",
        "Disallow: /intern/",
        "Disallow: /soeg",
    ]
    if site.robots_forbid_sitemap:
        lines += ["Disallow: /sitemap.xml", "Disallow: /sitemaps/"]
    if site.robots_names_sitemap:
        lines += ["", f"Sitemap: {site}/sitemap.xml"]
    return "\n".join(lines) + "\n"


def _not_modified(headers: dict[str, str], etag: str, updated: dt.datetime) -> bool:
    if "if-none-match" in headers:  # takes precedence over If-Modified-Since (RFC 9110)
        tags = [t.strip() for t in headers["if-none-match"].split(",")]
        return etag in tags or "*" in tags
    if "if-modified-since" in headers:
        try:
            since = parsedate_to_datetime(headers["if-modified-since"])
        except (TypeError, ValueError):
            return False
        return since is not None and updated <= since
    return False


def _handler(site: LocalSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body are two writes: with Nagle's algorithm each response would wait
        # for the client's delayed ACK (40 ms a page).
        disable_nagle_algorithm = True
        server_version = "LocalMunicipalSite/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(
            self,
            status: int,
            body: bytes = b"",
            content_type: str = "text/html; charset=utf-8",
            headers: dict[str, str] | None = None,
        ) -> None:
            self._record.status = status
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._record = Request(self.command, path, headers)
            with site._lock:
                site.requests.append(self._record)
            key = path.rstrip("/") or "/"
            try:
                self._route(key, headers)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _route(self, key: str, headers: dict[str, str]) -> None:
            if key == "/robots.txt":
                if site.robots_status != 200:
                    return self._send(site.robots_status, b"", "text/plain")
                return self._send(200, _robots(site).encode(), "text/plain; charset=utf-8")
            if key in ("/sitemap.xml", "/sitemaps/borger.xml", "/sitemaps/oevrige.xml"):
                if key == "/sitemap.xml" and site.sitemap_status != 200:
                    return self._send(site.sitemap_status, b"<h1>Siden findes ikke</h1>")
                name = None if key == "/sitemap.xml" else key.rsplit("/", 1)[1][:-4]
                xml = _sitemap_xml(site, name).encode("utf-8")
                return self._send(200, xml, "application/xml; charset=utf-8")
            if key == SLOW:
                site._stop.wait(site.slow_seconds)
                return self._send(200, b"<html><body><main><h1>Langsom side</h1></main></body>")
            if key == PDF:
                return self._send(200, _PDF_BYTES, "application/pdf")
            if key == BINARY:
                return self._send(200, _PNG_BYTES, "text/html")
            if key == AWAY:
                other = str(site).replace("127.0.0.1", "localhost")
                return self._send(
                    302, b"", headers={"Location": other + "/borger/natur-og-miljoe/affald"}
                )
            if key == MOVED:
                return self._send(301, b"", headers={"Location": MOVED_TO})
            gone = _gone(site, key)
            if gone:
                return self._send(gone, b"<h1>Siden findes ikke</h1>")
            try:
                body, updated = _render(site, key)
            except KeyError:
                return self._send(404, b"<h1>Siden findes ikke</h1>")
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            validators = {
                "ETag": etag,
                "Last-Modified": format_datetime(updated, usegmt=True),
                "Cache-Control": "no-cache",
            }
            if _not_modified(headers, etag, updated):
                with site._lock:
                    site.not_modified += 1
                return self._send(304, b"", headers=validators)
            return self._send(200, body, headers=validators)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that hung up (the slow page after a timeout) is not an error here


def _new_site(base: str, fixtures: Path) -> LocalSite:
    import jinja2

    site = LocalSite(base)
    site.port = urlsplit(base).port or 80
    site.fixtures = fixtures
    site.sitemap_status = 200
    site.sitemap_index = True
    site.robots_status = 200
    site.robots_forbid_sitemap = False
    site.robots_names_sitemap = True
    site.error_pages = False
    site.slow_seconds = 3.0
    site.gone = {}
    site.changes = {}
    site.requests = []
    site.not_modified = 0
    site._data = _load(fixtures)
    site._stop = threading.Event()
    site._lock = threading.Lock()
    site._env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(fixtures / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return site


def fixture_pages(fixtures: Path = FIXTURES) -> list[dict[str, Any]]:
    """The content pages of the fixture site as in pages.yml (path, title, lead, …)."""
    return _load(fixtures)["pages"]


def render_page(path: str, fixtures: Path = FIXTURES) -> str:
    """The HTML the site serves at ``path``, without a server (for extraction tests)."""
    return _render(_offline_site(fixtures), path)[0].decode("utf-8")


@functools.lru_cache(maxsize=4)
def _offline_site(fixtures: Path) -> LocalSite:
    return _new_site("http://127.0.0.1", fixtures)


@contextmanager
def serve_site(
    *,
    fixtures: Path = FIXTURES,
    port: int = 0,
    sitemap_status: int = 200,
    sitemap_index: bool = True,
    robots_status: int = 200,
    robots_forbid_sitemap: bool = False,
    robots_names_sitemap: bool = True,
    error_pages: bool = False,
    slow_seconds: float = 3.0,
) -> Iterator[LocalSite]:
    """Serve the fixture site on 127.0.0.1 (``port`` 0: a free one) until the block ends;
    yields the base URL as a :class:`LocalSite` (a str with the switches and counters)."""
    server = _Server(("127.0.0.1", port), BaseHTTPRequestHandler)
    site = _new_site(f"http://127.0.0.1:{server.server_address[1]}", fixtures)
    site.sitemap_status = sitemap_status
    site.sitemap_index = sitemap_index
    site.robots_status = robots_status
    site.robots_forbid_sitemap = robots_forbid_sitemap
    site.robots_names_sitemap = robots_names_sitemap
    site.error_pages = error_pages
    site.slow_seconds = slow_seconds
    server.RequestHandlerClass = _handler(site)
    thread = threading.Thread(target=server.serve_forever, name="local-site", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site._stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
