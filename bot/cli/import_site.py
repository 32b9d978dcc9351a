"""``python -m bot import-site URL``: the municipality's own pages into the page catalogue
(issue 23 §1; docs/site-import.md).

URL is a sitemap (``https://www.example.dk/sitemap.xml``) or a site root whose robots.txt
names one. The pages are fetched politely, their main content extracted, and the catalogue
the running assistant serves is written once, at the end: the assistant serves it at its next
question, with no retraining and no restart.

Exit codes: 0 imported (pages that could not be fetched are listed; their old entries kept),
1 nothing imported: robots.txt or the sitemap could not be read or forbids the import, or an
address was refused; 2 a bad argument or setting; 3 the catalogue could not be written (the
current one or the merged one does not validate). Except with 0, the catalogue is unchanged.
"""

from __future__ import annotations

import argparse
import logging
import sys

from bot.cli.common import Subcommands

EXIT_OK = 0
EXIT_SITE = 1
EXIT_USAGE = 2
EXIT_CATALOGUE = 3

_LABELS = (
    ("added", "added", "new pages (needs_confirmation: true)"),
    ("updated", "updated", "title, headings and text refreshed; curated fields kept"),
    ("unchanged", "unchanged", "304 Not Modified; last_seen refreshed"),
    ("removed", "removed", "gone from the site (404/410), had come from import-site"),
    ("noted", "noted", "gone from the site (404/410), curated: kept with a note"),
    ("skipped", "skipped", "not imported; an old entry is kept as it was"),
)


def add_parsers(sub: Subcommands) -> None:
    """Add this module's command to ``python -m bot``."""
    from bot.knowledge.site_fetch import DEFAULT_DELAY_S, DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_S
    from bot.knowledge.site_import import DEFAULT_MAX_PAGES

    p = sub.add_parser(
        "import-site",
        help="import the municipality's pages (sitemap) into the page catalogue",
        description="Fetch the pages a sitemap lists (robots.txt honoured, same host only) and "
        "store their title, description, headings and main text in the page catalogue the "
        "running assistant serves (no retraining, no restart). docs/site-import.md",
    )
    p.add_argument("url", help="the sitemap (…/sitemap.xml) or the site's root (https://…/)")
    p.add_argument("--profile", default=None, help="municipality profile (default BOT_PROFILE)")
    p.add_argument(
        "--delay",
        type=float,
        default=DEFAULT_DELAY_S,
        help=f"seconds between requests (default {DEFAULT_DELAY_S:g}; robots.txt may ask more)",
    )
    p.add_argument(
        "--max-pages",
        type=int,
        default=DEFAULT_MAX_PAGES,
        help=f"fetch at most this many pages (default {DEFAULT_MAX_PAGES})",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"seconds per request (default {DEFAULT_TIMEOUT_S:g})",
    )
    p.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        help=f"largest page accepted, in bytes (default {DEFAULT_MAX_BYTES})",
    )
    p.add_argument(
        "--refuse-internal",
        action="store_true",
        help="refuse loopback, private and other internal addresses, as an import started "
        "from the web team's page does (unless BOT_IMPORT_ALLOW_INTERNAL=1)",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="fetch and report what would change; write nothing"
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines, only the summary")
    p.set_defaults(func=cmd_import_site)


def _fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code


def cmd_import_site(args: argparse.Namespace) -> int:
    from bot.knowledge.pages import PageCatalogueError
    from bot.knowledge.site_import import SiteImportError, run_import
    from bot.knowledge.site_urls import BadUrlError
    from bot.settings import get_settings

    # ultimate-sitemap-parser logs its own parse failures; ours are reported below.
    logging.getLogger("usp").setLevel(logging.CRITICAL)
    for name, value, low in (
        ("--delay", args.delay, 0),
        ("--timeout", args.timeout, 0.1),
        ("--max-pages", args.max_pages, 1),
        ("--max-bytes", args.max_bytes, 1000),
    ):
        if value < low:
            return _fail(f"Cannot import: {name} must be at least {low:g}", EXIT_USAGE)

    def progress(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    try:
        allow_internal = not args.refuse_internal or get_settings().import_allow_internal
        report = run_import(
            args.url,
            profile=args.profile,
            allow_internal=allow_internal,
            delay=args.delay,
            max_pages=args.max_pages,
            timeout=args.timeout,
            max_bytes=args.max_bytes,
            dry_run=args.dry_run,
            progress=progress,
        )
    except BadUrlError as exc:
        return _fail(f"Cannot import: {exc}", EXIT_USAGE)
    except SiteImportError as exc:
        return _fail(f"Nothing imported, the catalogue is unchanged: {exc}", EXIT_SITE)
    except PageCatalogueError as exc:
        return _fail(f"Nothing imported, the catalogue is unchanged: {exc}", EXIT_CATALOGUE)
    except KeyboardInterrupt:
        return _fail("Interrupted: nothing imported, the catalogue is unchanged", EXIT_SITE)

    print()
    print(f"Sitemap: {', '.join(report.sitemaps)}: {report.listed} pages of the site listed")
    print(
        f"{report.requests} requests in {report.seconds:.1f} s; catalogue of {report.profile}: "
        f"{report.catalogue.resolve()}"
    )
    for status, label, meaning in _LABELS:
        print(f"  {label:<10}{report.count(status):>5}  {meaning}")
    problems = [o for o in report.outcomes if o.status in ("skipped", "noted", "removed")]
    if problems or report.notices:
        print("Reported:")
        for outcome in problems:
            print(f"  {outcome.url}: {outcome.reason}")
        for notice in report.notices:
            print(f"  {notice}")
    if report.dry_run:
        print(f"Dry run: nothing written ({report.pages_after} pages after an import).")
    else:
        print(
            f"Written: {report.pages_after} pages. The running assistant serves them from its "
            "next question: no retraining and no restart needed (it must run with the same "
            "BOT_PAGES_DIR and BOT_PROFILE)."
        )
    return EXIT_OK
