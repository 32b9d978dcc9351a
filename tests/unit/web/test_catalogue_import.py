"""An import started from the catalogue page (bot/web/catalogue_import.py: the address check,
the background job and its outcome), against the local test site (testkit.local_site) and the
real bot.knowledge.site_import, with the served catalogue in a temporary BOT_PAGES_DIR."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.knowledge.pages import get_catalogue
from bot.settings import get_settings
from bot.web.catalogue_import import (
    IMPORT_BAD_URL,
    IMPORT_REFUSED,
    IMPORT_SITE_PROBLEM,
    ImportRun,
    check_import_url,
    import_state,
    run_import_job,
    start_import,
)
from testkit.local_site import LocalSite, serve_site


@pytest.fixture
def pages_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("BOT_ENV", "test")
    monkeypatch.setenv("BOT_PROFILE", "taarnby")
    monkeypatch.setenv("BOT_PAGES_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with serve_site() as served:
        yield served


def new_run(url: str) -> ImportRun:
    return ImportRun(url, "anna", datetime.now(timezone.utc))


def test_addresses_are_checked_before_anything_starts(site: LocalSite) -> None:
    sitemap = site + "/sitemap.xml"
    assert check_import_url(sitemap, allow_internal=False) == IMPORT_REFUSED
    assert check_import_url("http://localhost/sitemap.xml", allow_internal=False) == IMPORT_REFUSED
    assert check_import_url(sitemap, allow_internal=True) is None
    for bad in ("", "ftp://example.dk/sitemap.xml", "www.taarnby.dk", "https://" + "x" * 2000):
        assert check_import_url(bad, allow_internal=True) == IMPORT_BAD_URL, bad


def test_a_run_imports_and_keeps_its_outcome(pages_dir: Path, site: LocalSite) -> None:
    run = new_run(site + "/sitemap.xml")
    run_import_job(run, "taarnby", True, delay=0, max_pages=4)
    assert run.finished is not None and run.error is None, (run.error, run.detail)
    assert run.counts is not None and sum(run.counts.values()) == 4
    assert run.counts["added"] + run.counts["updated"] >= 1
    assert run.progress.startswith("[4/4]")
    served = get_catalogue("taarnby")
    assert served.path == pages_dir / "taarnby.yml" and len(served) == run.pages_after


def test_a_refusal_or_an_unreadable_site_is_kept_in_danish(
    pages_dir: Path, site: LocalSite
) -> None:
    refused = new_run(site + "/sitemap.xml")
    run_import_job(refused, "taarnby", False, delay=0)
    assert refused.error == IMPORT_REFUSED and refused.detail.startswith("Refused:")
    site.sitemap_status = 404
    missing = new_run(site + "/sitemap.xml")
    run_import_job(missing, "taarnby", True, delay=0)
    assert missing.error == IMPORT_SITE_PROBLEM and "404" in missing.detail
    assert not (pages_dir / "taarnby.yml").exists()  # nothing written


def test_one_import_at_a_time(pages_dir: Path, site: LocalSite) -> None:
    run = start_import(
        "taarnby", site + "/sitemap.xml", allow_internal=True, by="anna", delay=0.3, max_pages=3
    )
    assert run is not None and import_state("taarnby") is run
    assert (
        start_import("taarnby", site + "/sitemap.xml", allow_internal=True, by="bo", max_pages=1)
        is None
    )
    deadline = time.monotonic() + 20
    while run.running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not run.running and run.error is None, run.detail
    again = start_import(
        "taarnby", site + "/sitemap.xml", allow_internal=True, by="bo", delay=0, max_pages=1
    )
    assert again is not None and again is not run
    while again.running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not again.running
