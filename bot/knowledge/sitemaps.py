"""robots.txt and sitemaps of a site, read through the polite fetcher (import-site, issue 23 §1).

protego reads robots.txt (:class:`bot.knowledge.site_fetch.Robots`) and ultimate-sitemap-parser
the sitemaps, sitemap indexes and text sitemaps; both are imported when first used.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from bot.knowledge.site_fetch import PoliteFetcher, Robots, format_size
from bot.knowledge.site_urls import (
    FetchError,
    InternalAddressError,
    same_site,
    site_root,
    without_fragment,
)

SITEMAP_MAX_BYTES = 20_000_000  # one sitemap, also after gunzip (the protocol allows 50 MB)
MAX_SITEMAPS = 50  # sitemaps read from one index (and its sub-indexes)


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
        raise ValueError(f"larger than {format_size(limit)} unpacked")
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
