"""The packages of ``bot`` are layers, and imports only point down.

settings < sqlite_files (the connection settings of every SQLite file) < knowledge < dialogue <
analytics < review < web < ops < testkit (the test-data toolkit, which only the tests and the
benchmark import). ``actions`` (the rasa-sdk action
package) sits on top of dialogue and may not import analytics, review, web, ops or testkit.
No import cycles between modules either, but the two known ones (``KNOWN_CYCLES``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = [
    "bot.settings",
    "bot.sqlite_files",
    "bot.knowledge",
    "bot.dialogue",
    "bot.analytics",
    "bot.review",
    "bot.web",
    "bot.ops",
    "bot.testkit",
]


def layer_of(module: str) -> int | None:
    for rank, prefix in enumerate(LAYERS):
        if module == prefix or module.startswith(prefix + "."):
            return rank
    return None


def imported_modules(path: Path) -> set[str]:
    """Every ``bot`` module a file imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {m for m in found if m == "bot" or m.startswith("bot.")}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


BOT_FILES = sorted((ROOT / "bot").rglob("*.py"))


def test_every_module_belongs_to_a_layer() -> None:
    loose = [
        module_name(p)
        for p in BOT_FILES
        if layer_of(module_name(p)) is None and module_name(p) not in ("bot", "bot.__main__")
    ]
    assert loose == [], f"modules outside the layers {LAYERS}: {loose}"


@pytest.mark.parametrize("path", BOT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path: Path) -> None:
    own = layer_of(module_name(path))
    if own is None:
        return
    upward = [m for m in imported_modules(path) if (layer_of(m) or 0) > own]
    assert upward == [], f"{module_name(path)} ({LAYERS[own]}) imports a higher layer: {upward}"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "actions").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_actions_use_only_the_dialogue_and_below(path: Path) -> None:
    dialogue = LAYERS.index("bot.dialogue")
    upward = [m for m in imported_modules(path) if (layer_of(m) or 0) > dialogue]
    assert upward == [], f"{path.name} imports {upward}"


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from bot.analytics.outcome import describe_turn\n")
    assert "bot.analytics.outcome" in imported_modules(sample)
    assert layer_of("bot.analytics.outcome") > layer_of("bot.dialogue.channel")


# Import cycles between modules (imports inside functions count: they only hide a cycle). The
# two below exist today and are to be removed by issue 24 (docs/architecture.md, "Target
# layout"); when one is gone, delete it here. A new cycle fails the test.
KNOWN_CYCLES = {
    frozenset(
        {
            "bot.ops.events",
            "bot.ops.runner",
            "bot.ops.serving",
            "bot.ops.tracker_db",
            "bot.ops.training",
        }
    ),
    frozenset({"bot.ops.cli", "bot.ops.cli_production"}),
}


def import_graph() -> dict[str, set[str]]:
    """Module -> the ``bot`` modules it imports (a name imported from a module is the module)."""
    modules = {module_name(p): p for p in BOT_FILES}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in imported_modules(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]  # "bot.x.function" -> "bot.x"
            if imported and imported != name and imported != "bot":
                targets.add(imported)
        graph[name] = targets
    return graph


def test_no_import_cycles_but_the_known_ones() -> None:
    import networkx as nx

    graph = nx.DiGraph([(a, b) for a, targets in import_graph().items() for b in targets])
    cycles = {frozenset(c) for c in nx.strongly_connected_components(graph) if len(c) > 1}
    new = [sorted(c) for c in cycles - KNOWN_CYCLES]
    gone = [sorted(c) for c in KNOWN_CYCLES - cycles]
    assert new == [], f"new import cycles: {new}"
    assert gone == [], f"cycles gone (or changed): delete them from KNOWN_CYCLES: {gone}"
