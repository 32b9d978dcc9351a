"""The packages of ``bot`` are layers, and imports only point down.

settings < sqlite_files (the connection settings of every SQLite file) < knowledge < dialogue <
analytics < review < web < ops < testkit (the test-data toolkit, which only the tests and the
benchmark import). The registry of library internals (``bot.rasa_server.internal`` and
``internals``, standard library only) is a leaf under them all, so that any layer reads or
writes a library's private name through it. ``actions`` (the rasa-sdk action
package) sits on top of dialogue and may not import analytics, review, web, ops or testkit.
No import cycles between modules either, but the two known ones (``KNOWN_CYCLES``).
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = [
    # Before "bot.rasa_server": the first matching prefix gives a module its layer.
    "bot.rasa_server.internal",
    "bot.rasa_server.internals",
    "bot.settings",
    "bot.stack.paths",
    "bot.stack.ports",
    "bot.legacy_paths",
    "bot.db",
    "bot.knowledge",
    "bot.dialogue",
    "bot.stack.logfiles",
    "bot.analytics",
    "bot.review",
    "bot.events",
    "bot.rasa_server",
    "bot.mlops",
    "bot.web",
    "bot.stack",
    "bot.cli",
    "testkit",
    "bench",
]


def layer_of(module: str) -> int | None:
    for rank, prefix in enumerate(LAYERS):
        if module == prefix or module.startswith(prefix + "."):
            return rank
    return None


def started_modules(node: ast.AST) -> set[str]:
    """The modules a command-line literal ``[..., "-m", "bot.x", ...]`` starts: a child process
    is a dependency too. ``-m bot`` is the command line, :mod:`bot.cli`."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return set()
    words = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
    return {
        "bot.cli" if module == "bot" else module
        for flag, module in itertools.pairwise(words)
        if flag == "-m" and isinstance(module, str) and (module + ".").startswith("bot.")
    }


def imported_modules(path: Path) -> set[str]:
    """Every ``bot`` module a file imports, at the top or inside functions, or starts."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        found |= started_modules(node)
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {m for m in found if m == "bot" or m.startswith("bot.")}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


BOT_FILES = sorted(
    p for top in ("bot", "testkit", "bench") for p in (ROOT / top).rglob("*.py")
)


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


def test_the_checker_sees_a_started_module(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import sys\n"
        "A = [sys.executable, '-m', 'bot', 'retrain']\n"
        "B = (sys.executable, '-m', 'bot.mlops.validate')\n"
    )
    assert imported_modules(sample) == {"bot.cli", "bot.mlops.validate"}


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from bot.web.app import create_app\n")
    assert "bot.web.app" in imported_modules(sample)
    assert layer_of("bot.web.app") > layer_of("bot.rasa_server.channel")


# Import cycles between modules (imports inside functions count: they only hide a cycle). Issue
# 24 removed the two there were (docs/architecture.md, "Target layout"); a new cycle fails the
# test.
KNOWN_CYCLES: set[frozenset[str]] = set()


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
