"""The page catalogue: Tårnby's loads, every URL has a source, and errors name file and field."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.knowledge.pages import (
    PAGES_DIR,
    PageCatalogueError,
    catalogue_path,
    get_catalogue,
    load_catalogue_file,
)
from bot.knowledge.profile import PROFILE_DIR, load_profile_file
from testkit import ROOT

# The shared facts file lives beside the repository (ROOT is the repository root).
FACTS = ROOT.parent / "shared" / "facts" / "taarnby-pages.yml"
ROOT_LINKS = {"https://www.borger.dk", "https://www.taarnby.dk"}


def _profile_links() -> set[str]:
    profile = load_profile_file(PROFILE_DIR / "taarnby.yml")
    links: set[str] = set()
    for task in profile.self_service:
        links.add(task.link.value)
        if task.link_en is not None:
            links.add(task.link_en.value)
    return links


def test_taarnby_catalogue_loads() -> None:
    catalogue = load_catalogue_file(PAGES_DIR / "taarnby.yml")
    assert catalogue.municipality == "taarnby"
    assert len(catalogue) >= 26
    assert all(page.needs_confirmation for page in catalogue.pages)
    assert {page.kind for page in catalogue.pages} == {"information", "selvbetjening"}
    assert {page.language for page in catalogue.pages} == {"da", "en"}
    by_url = {page.url: page for page in catalogue.pages}
    rats = by_url["https://www.taarnby.dk/nyheder/2022/tarnby-kommune-hjemtager-rottebekaempelsen/"]
    assert rats.area == "byggeri-bolig"
    assert rats.host == "taarnby.dk"
    assert "rotter" in rats.keywords


@pytest.mark.skipif(not FACTS.exists(), reason="the shared facts folder is not beside the repo")
def test_every_url_is_in_the_facts_file_or_the_profile() -> None:
    facts = {entry["url"] for entry in yaml.safe_load(FACTS.read_text(encoding="utf-8"))}
    allowed = (facts | _profile_links()) - ROOT_LINKS
    catalogue = load_catalogue_file(PAGES_DIR / "taarnby.yml")
    unknown = [page.url for page in catalogue.pages if page.url not in allowed]
    assert unknown == []
    # ... and every page of the facts file made it into the catalogue.
    assert facts <= {page.url for page in catalogue.pages}


def test_profile_root_links_are_not_pages() -> None:
    catalogue = load_catalogue_file(PAGES_DIR / "taarnby.yml")
    assert not ROOT_LINKS & {page.url for page in catalogue.pages}


def _write(tmp_path: Path, page: dict[str, object]) -> Path:
    entry = {
        "url": "https://www.taarnby.dk/borger/x",
        "title": "X",
        "description": "Om x.",
        "keywords": ["x"],
        "area": "affald",
        "kind": "information",
        "language": "da",
        "source": "test",
        "last_seen": None,
        "needs_confirmation": True,
    }
    entry.update(page)
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump({"municipality": "t", "pages": [entry]}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "www.taarnby.dk/affald"}, "pages.0.url"),
        ({"area": "skrald"}, "pages.0.area"),
        ({"kind": "blanket"}, "pages.0.kind"),
        ({"title": ""}, "pages.0.title"),
        ({"last_seen": "sidste uge"}, "pages.0.last_seen"),
        ({"colour": "blue"}, "pages.0.colour"),
    ],
)
def test_a_broken_entry_names_file_and_field(
    tmp_path: Path, change: dict[str, object], field: str
) -> None:
    path = _write(tmp_path, change)
    with pytest.raises(PageCatalogueError) as err:
        load_catalogue_file(path)
    assert str(path) in str(err.value)
    assert f"field {field}:" in str(err.value)


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, {})
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["pages"][0]["needs_confirmation"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PageCatalogueError, match=r"field pages\.0\.needs_confirmation"):
        load_catalogue_file(path)


def test_a_missing_catalogue_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(PageCatalogueError, match="does not exist"):
        get_catalogue(str(tmp_path / "nowhere.yml"))


def test_catalogue_path_next_to_a_profile_path() -> None:
    assert catalogue_path("taarnby") == PAGES_DIR / "taarnby.yml"
    assert catalogue_path("some/dir/testrup.yml") == Path("some/dir/pages/testrup.yml")


def test_the_catalogue_is_read_again_when_its_file_changes(tmp_path: Path) -> None:
    profile = tmp_path / "t.yml"
    pages = tmp_path / "pages"
    pages.mkdir()
    first = _write(tmp_path, {"title": "Først"})
    (pages / "t.yml").write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    assert get_catalogue(str(profile)).pages[0].title == "Først"
    second = _write(tmp_path, {"title": "Bagefter"})
    (pages / "t.yml").write_text(second.read_text(encoding="utf-8"), encoding="utf-8")

    os.utime(pages / "t.yml", (1, 1))  # a different mtime, whatever the clock's resolution
    assert get_catalogue(str(profile)).pages[0].title == "Bagefter"


# -- the served catalogue: imports and edits ----------------------------------------------


@pytest.fixture
def pages_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from bot.settings import get_settings

    monkeypatch.setenv("BOT_PAGES_DIR", str(tmp_path / "pages"))
    get_settings.cache_clear()
    yield tmp_path / "pages"
    get_settings.cache_clear()


def test_the_bundled_catalogue_is_served_until_it_is_edited(pages_dir: Path) -> None:
    from bot.knowledge.pages import edit_catalogue

    assert catalogue_path("taarnby") == PAGES_DIR / "taarnby.yml"
    first = get_catalogue("taarnby").pages[0]
    with edit_catalogue("taarnby") as draft:
        draft.find(first.url)["keywords"].append("skraldebøtte")
    assert catalogue_path("taarnby") == pages_dir / "taarnby.yml"
    served = get_catalogue("taarnby")
    assert served.pages[0].keywords[-1] == "skraldebøtte"
    assert len(served) == len(load_catalogue_file(PAGES_DIR / "taarnby.yml"))
    # the bundled file is never written
    assert "skraldebøtte" not in (PAGES_DIR / "taarnby.yml").read_text(encoding="utf-8")
    # what was written reads back field for field
    assert load_catalogue_file(pages_dir / "taarnby.yml").pages[1:] == served.pages[1:]


def test_an_invalid_edit_names_the_field_and_leaves_the_file_as_it_was(pages_dir: Path) -> None:
    from bot.knowledge.pages import edit_catalogue

    with edit_catalogue("taarnby") as draft:
        draft.pages[0]["text"] = "Sådan sorterer du dit affald."
    before = (pages_dir / "taarnby.yml").read_bytes()
    with pytest.raises(PageCatalogueError, match=r"field pages\.1\.area: unknown area 'skrald'"):
        with edit_catalogue("taarnby") as draft:
            draft.pages[1]["area"] = "skrald"
    assert (pages_dir / "taarnby.yml").read_bytes() == before
    assert get_catalogue("taarnby").pages[0].text == "Sådan sorterer du dit affald."
    assert [p.name for p in pages_dir.iterdir() if p.suffix == ".yml"] == ["taarnby.yml"]
