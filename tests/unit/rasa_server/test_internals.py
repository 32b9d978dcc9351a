"""The Rasa internals registry (bot/rasa_server/internals.py) is complete and still true.

1. Every entry holds for the installed packages: the owner imports, the name exists, the
   signature and the source hash are the ones the bot was written against, and the place that
   uses it mentions it.
2. Every private name of a library that ``bot/`` uses is an entry: an attribute ``x._name``
   (or ``getattr(x, "_name")``, or ``from lib import _name``) whose name ``bot/`` does not define
   itself, and every ``_name`` that a class of ours defines over a library base class's own.
   And only the registry spells such a name: everywhere else ``bot/`` reads, calls and writes it
   through :func:`~bot.rasa_server.internal.get` and :func:`~bot.rasa_server.internal.put` with
   the registry's constant (a method of ours that overrides one stays a ``def``).
3. The class paths Rasa loads by name (config, credentials, endpoints, the legacy aliases)
   resolve as Rasa resolves them.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import legacy_paths
from bot.rasa_server import internals
from bot.rasa_server.internal import Internal, installed, problems, resolve
from bot.rasa_server.internals import INTERNALS

ROOT = Path(__file__).resolve().parents[3]
BOT = ROOT / "bot"


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


# -- 1. every entry holds ----------------------------------------------------------------


def test_every_entry_holds_for_the_installed_packages() -> None:
    failing = [f"{entry.key}: {problem}" for entry in INTERNALS for problem in problems(entry)]
    assert failing == [], "\n".join(
        ["Installed code differs (python -m bot.rasa_server.internals --hashes):", *failing]
    )


def test_every_entry_is_pinned_once() -> None:
    keys = [entry.key for entry in INTERNALS]
    assert sorted(k for k in keys if keys.count(k) > 1) == []
    unpinned = [e.key for e in INTERNALS if len(e.source_sha256) != 64]
    unsigned = [
        e.key
        for e in INTERNALS
        if e.signature is None and e.defined_in is None and inspect.isfunction(_plain(e))
    ]
    assert (unpinned, unsigned) == ([], [])


def _plain(entry: Internal) -> Any:
    attribute = inspect.getattr_static(resolve(entry.owner), entry.name)
    return getattr(attribute, "__func__", attribute)


def test_every_entry_is_mentioned_where_it_is_used() -> None:
    """``used_in`` (one or more dotted paths) names code that mentions the internal, by its
    name or by the registry's constant for it."""
    constants = {id(v): k for k, v in vars(internals).items() if isinstance(v, Internal)}
    stale = []
    for entry in INTERNALS:
        for place in entry.used_in.split(", "):
            source = inspect.getsource(resolve(place))
            if entry.name not in source and constants[id(entry)] not in source:
                stale.append(f"{entry.key}: not in {place}")
    assert stale == []


def test_the_hashes_command_prints_every_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert internals.main(["--hashes"]) == 0
    out = capsys.readouterr().out
    assert all(f"{e.key}\n" in out and installed(e).source_sha256 in out for e in INTERNALS)


# -- 2. completeness ---------------------------------------------------------------------


def bot_trees() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(BOT.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def defined_in_bot(trees: list[tuple[Path, ast.Module]]) -> set[str]:
    """Names ``bot/`` defines: functions, classes, variables and ``self.``/``cls.`` attributes."""
    names: set[str] = set()
    for _, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("self", "cls")
            ):
                names.add(node.attr)
    return names


def annotation_nodes(tree: ast.Module) -> set[int]:
    """Nodes inside annotations: never evaluated (``from __future__ import annotations``)."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
            roots.append(node.returns)
        elif isinstance(node, ast.arg) and node.annotation:
            roots.append(node.annotation)
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
    return {id(n) for root in roots for n in ast.walk(root)}


def private_uses(path: Path, tree: ast.Module, ours: set[str]) -> Iterator[tuple[str, str]]:
    """(where, name or owner.name) for each use of a library's private name in one module."""
    skip = annotation_nodes(tree)
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and id(node) not in skip:
            if private(node.attr) and node.attr not in ours:
                yield where, node.attr
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and private(node.args[1].value)
            and node.args[1].value not in ours
        ):
            yield where, node.args[1].value
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "bot":
                for alias in node.names:
                    if private(alias.name):
                        yield where, f"{node.module}.{alias.name}"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


def imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> what it imports, for every import of the module (inside functions too)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def base_classes(path: Path, tree: ast.Module, cls: ast.ClassDef) -> list[type]:
    module = vars(importlib.import_module(module_name(path)))
    imports = imported_names(tree)
    found = []
    for base in cls.bases:
        name = dotted(base)
        if name is None:
            continue
        head, _, rest = name.partition(".")
        if head in module:
            value: Any = module[head]
            for part in rest.split(".") if rest else []:
                value = getattr(value, part)
        elif head in imports:
            value = resolve(imports[head] + (f".{rest}" if rest else ""))
        else:
            value = getattr(builtins, name)
        found.append(value)
    return [b for b in found if isinstance(b, type)]


def is_library(cls: type) -> bool:
    top = cls.__module__.split(".")[0]
    return top not in ("bot", "builtins") and top not in sys.stdlib_module_names


def library_names(cls: type) -> set[str]:
    """The private names a library class defines: its attributes and ``self._x =``."""
    names = {n for n in vars(cls) if private(n)}
    for value in vars(cls).values():
        function = getattr(value, "__func__", value)
        if inspect.isfunction(function):
            try:
                source = inspect.getsource(function)
            except OSError:
                continue
            names.update(re.findall(r"\bself\.(_[A-Za-z]\w*)\s*(?::[^=\n]+)?=(?!=)", source))
    return {n for n in names if private(n)}


def overrides(path: Path, tree: ast.Module) -> Iterator[tuple[str, str]]:
    """(where, owner.name) for each private name our class defines over a library base's."""
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.bases):
        library = [k for b in base_classes(path, tree, cls) for k in b.__mro__ if is_library(k)]
        if not library:
            continue
        mine: set[str] = set()
        for node in ast.walk(cls):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                mine.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                mine.add(node.id)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and dotted(node.value) == "self"
            ):
                mine.add(node.attr)
        for name in sorted(n for n in mine if private(n)):
            owner = next((k for k in library if name in library_names(k)), None)
            if owner is not None:
                where = f"{path.relative_to(ROOT)}:{cls.lineno} {cls.name}"
                yield where, f"{owner.__module__}.{owner.__qualname__}.{name}"


def test_every_private_library_name_bot_uses_is_an_entry() -> None:
    trees = list(bot_trees())
    ours = defined_in_bot(trees)
    keys = {entry.key for entry in INTERNALS}
    names = {entry.name for entry in INTERNALS}
    missing = []
    for path, tree in trees:
        for where, used in private_uses(path, tree, ours):
            if used not in names and used not in keys:
                missing.append(f"{where}: {used}")
        for where, key in overrides(path, tree):
            if key not in keys:
                missing.append(f"{where}: {key}")
    assert missing == [], "Not in bot/rasa_server/internals.py:\n" + "\n".join(missing)


def test_the_scan_sees_a_private_use_and_an_override() -> None:
    sample = BOT / "rasa_server" / "lock_store.py"
    tree = ast.parse("import x\nx.y._secret\ngetattr(x, '_hidden')\nfrom rasa.a import _b\n")
    uses = [used for _, used in private_uses(sample, tree, set())]
    assert sorted(uses) == ["_hidden", "_secret", "rasa.a._b"]
    real = ast.parse(sample.read_text(encoding="utf-8"))
    found = [key for _, key in overrides(sample, real)]
    assert "rasa.core.lock_store.LockStore._acquire_lock" in found


REGISTRY = (BOT / "rasa_server" / "internal.py", BOT / "rasa_server" / "internals.py")


def spelled_private_names(
    path: Path, tree: ast.Module, ours: set[str], entry_names: set[str]
) -> Iterator[tuple[str, str]]:
    """(where, name) for each place a module spells a library's private name: after a dot
    (``x._name``: a read, call or write), in ``getattr(x, "_name")`` and its kin, or in ``from
    lib import _name``. Private names are a library's when they are a registry entry's (even
    where ``bot/`` sets them too, as the Pika broker's state) or ``bot/`` does not define them.
    Annotations count: they are names in the code all the same."""

    def foreign(name: str) -> bool:
        return private(name) and (name in entry_names or name not in ours)

    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and foreign(node.attr):
            yield where, node.attr
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and foreign(node.args[1].value)
        ):
            yield where, node.args[1].value
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "bot":
                yield from ((where, a.name) for a in node.names if private(a.name))


def test_only_the_registry_spells_a_private_name_of_a_library() -> None:
    trees = list(bot_trees())
    ours = defined_in_bot(trees)
    entry_names = {entry.name for entry in INTERNALS}
    spelled = [
        f"{where}: {name}"
        for path, tree in trees
        if path not in REGISTRY
        for where, name in spelled_private_names(path, tree, ours, entry_names)
    ]
    assert spelled == [], (
        "Use bot.rasa_server.internal.get/put with the entry of bot/rasa_server/internals.py:\n"
        + "\n".join(spelled)
    )


def test_the_spelling_scan_sees_what_the_code_did_before() -> None:
    sample = BOT / "rasa_server" / "queue_broker.py"
    tree = ast.parse(
        "not action._is_selective_domain_enabled()\n"  # action_payload.py before
        "self._loop.call_soon_threadsafe(self._set_wake)\n"  # queue_broker.py before
        "connection, self._connection = self._connection, None\n"
        "getattr(tracker, '_paused')\n"
        "def add_parsers(sub: argparse._SubParsersAction) -> None: ...\n"  # not an entry
        "from rasa.a import _b\n"
    )
    # As if bot/ set each of these itself: an entry's name is still the library's.
    ours = {"_connection", "_loop", "_paused", "_set_wake"}
    names = {entry.name for entry in INTERNALS}
    found = [name for _, name in spelled_private_names(sample, tree, ours, names)]
    assert found.count("_connection") == 2
    assert sorted(set(found)) == [
        "_SubParsersAction", "_b", "_connection", "_is_selective_domain_enabled", "_loop",
        "_paused",
    ]


# -- 3. class paths ------------------------------------------------------------------------


def yaml_of(name: str) -> Any:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def class_paths() -> list[str]:
    """Every dotted class path in the files Rasa reads and in the endpoints builder."""
    paths: list[str] = []
    configs = sorted(f"configs/{p.name}" for p in (ROOT / "configs").glob("*.yml"))
    for config in ["config.yml", *configs]:
        data = yaml_of(config) or {}
        for part in ("pipeline", "policies"):
            paths += [c["name"] for c in data.get(part) or [] if "." in str(c.get("name"))]
    paths += [key for key in yaml_of("credentials.yml") or {} if "." in key]
    for section in (yaml_of("endpoints.yml") or {}).values():
        if isinstance(section, dict) and "." in str(section.get("type", "")):
            paths.append(section["type"])
    builder = BOT / "stack" / "endpoints.py"
    if builder.exists():
        paths += [
            n.value
            for n in ast.walk(ast.parse(builder.read_text(encoding="utf-8")))
            if isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and re.fullmatch(r"bot(\.\w+)+\.[A-Z]\w*", n.value)
        ]
    return paths


def test_the_class_paths_rasa_loads_resolve() -> None:
    from rasa.shared.utils.common import class_from_module_path

    paths = class_paths()
    assert len(paths) > 10
    unresolved = []
    for path in paths:
        try:
            class_from_module_path(path)
        except Exception as exc:  # Rasa raises ImportError or its own errors
            unresolved.append(f"{path}: {type(exc).__name__}")
    assert unresolved == []


@pytest.mark.parametrize("old, new", sorted(legacy_paths.ALIASES.items()))
def test_the_legacy_class_paths_load_the_same_classes(old: str, new: str) -> None:
    from rasa.shared.utils.common import class_from_module_path

    module = importlib.import_module(new)
    classes = {n: c for n, c in vars(module).items() if inspect.isclass(c) and c.__module__ == new}
    assert classes
    assert {n: class_from_module_path(f"{old}.{n}") for n in classes} == classes
