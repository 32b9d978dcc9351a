"""One internal of Rasa (or of Sanic, SQLAlchemy, httpx) that the bot relies on, checked against
the installed code before it is used.

Private names carry no promise: a patch release may rename, re-sign or rewrite them, and our
code would then break, or quietly do something else, with no error. Each use is described by an
:class:`Internal` (the registry of them all is :mod:`bot.rasa_server.internals`), pinned by the
sha256 of the original's source. :func:`problems` says whether the installed library still has
that code. :func:`replace` puts one of our functions in place of a library method only then;
otherwise it leaves the library's own behaviour and logs a warning that names what is lost
(``if_missing``): slower, still correct. :func:`original` is the library's own attribute, for a
fallback and for tests. :func:`usable` and :func:`assign` guard any other use the same way.
:func:`get` and :func:`put` are every other read, call and write of an entry's name: outside
this module and the registry no code spells a library's private name
(``tests/unit/rasa_server/test_internals.py``).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import logging
import re
from dataclasses import dataclass
from typing import Any, Literal

logger = logging.getLogger(__name__)

# replace: our function in place of the library's; override: a subclass method of the same
# name; call/read/write: the attribute is used; copy: our code repeats the library's; rely:
# our code is correct only because of how it behaves; log: we filter its log output.
How = Literal["replace", "override", "call", "read", "write", "copy", "rely", "log"]


@dataclass(frozen=True)
class Internal:
    """A library name the bot uses although the library does not promise it."""

    owner: str  # "rasa.core.tracker_store.FailSafeTrackerStore" (a class or a module)
    name: str  # "_on_tracker_store_error"
    how: How
    used_in: str  # "bot.rasa_server.turn_errors.fail_loudly_on_tracker_store_errors"
    why: str
    if_missing: str  # the consequence if it is gone or changed; also the warning's text
    # An attribute set on the instance (or read by a method): the owner's method whose source
    # sets it, as ``self.<name> =``; that source is the one hashed.
    defined_in: str | None = None
    signature: str | None = None  # parameter names, kinds and defaults (no annotations)
    source_sha256: str = ""  # of inspect.getsource of the original (or of defined_in)

    @property
    def key(self) -> str:
        return f"{self.owner}.{self.name}"


@dataclass(frozen=True)
class Installed:
    """What the installed library has for an entry; ``missing`` when it has not."""

    signature: str | None
    source_sha256: str | None
    missing: str | None = None


def resolve(path: str) -> Any:
    """The object at a dotted ``path``: the longest importable module, then its attributes."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:end]))
        except ImportError:
            continue
        for part in parts[end:]:
            found = getattr(found, part)
        return found
    raise ImportError(f"nothing of {path} can be imported")


def _function(attribute: Any) -> Any:
    """The plain function behind a class attribute (a classmethod's or staticmethod's)."""
    return getattr(attribute, "__func__", attribute)


def signature_of(function: Any) -> str:
    """``function``'s parameters without their annotations, which name other libraries'
    types and change with them."""
    signature = inspect.signature(function)
    bare = [p.replace(annotation=p.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=bare, return_annotation=signature.empty))


def _sha256(subject: Any) -> str | None:
    try:
        source = inspect.getsource(subject)
    except (OSError, TypeError):
        return None
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


_originals: dict[tuple[Any, str], Any] = {}


def original(entry: Internal) -> Any:
    """The library's own ``owner.name`` as it stands in the class or module (a ``classmethod``
    object for a class method), whether or not :func:`replace` has replaced it."""
    owner = resolve(entry.owner)
    saved = _originals.get((owner, entry.name))
    return saved if saved is not None else inspect.getattr_static(owner, entry.name)


def installed(entry: Internal) -> Installed:
    """The signature and source hash of what the installed library has for ``entry``."""
    try:
        owner = resolve(entry.owner)
    except (ImportError, AttributeError) as exc:
        return Installed(None, None, f"{entry.owner} cannot be imported ({type(exc).__name__})")
    if entry.defined_in is not None:
        try:
            where = _function(inspect.getattr_static(owner, entry.defined_in))
        except AttributeError:
            return Installed(None, None, f"{entry.owner}.{entry.defined_in} does not exist")
        sets = re.compile(rf"\bself\.{re.escape(entry.name)}\s*(?::[^=\n]+)?=(?!=)")
        try:
            source = inspect.getsource(where)
        except (OSError, TypeError):
            source = ""
        static = _has_static(owner, entry.name)
        if not static and not sets.search(source):
            return Installed(None, _sha256(where), f"{entry.defined_in} sets no self.{entry.name}")
        return Installed(None, _sha256(where))
    try:
        subject = _function(original(entry))
    except AttributeError:
        return Installed(None, None, f"{entry.key} does not exist")
    signature = signature_of(subject) if callable(subject) else None
    return Installed(signature, _sha256(subject))


def _has_static(owner: Any, name: str) -> bool:
    try:
        inspect.getattr_static(owner, name)
    except AttributeError:
        return False
    return True


def problems(entry: Internal) -> list[str]:
    """Why the installed library is not what ``entry`` was written for; empty when it is."""
    found = installed(entry)
    if found.missing is not None:
        return [found.missing]
    listed: list[str] = []
    if entry.signature is not None and found.signature != entry.signature:
        listed.append(f"its signature is {found.signature}, not {entry.signature}")
    if found.source_sha256 is None:
        listed.append("its source cannot be read")
    elif found.source_sha256 != entry.source_sha256:
        listed.append(
            f"its source changed (sha256 {found.source_sha256[:12]}, "
            f"written for {entry.source_sha256[:12] or 'nothing'})"
        )
    return listed


_verdicts: dict[Internal, bool] = {}


def usable(entry: Internal) -> bool:
    """Whether the installed library is what ``entry`` was written for; checked once per
    process, with a warning naming ``if_missing`` when it is not."""
    verdict = _verdicts.get(entry)
    if verdict is None:
        found = problems(entry)
        if found:
            logger.warning(
                "%s is not what the bot was written for (%s): %s.",
                entry.key,
                "; ".join(found),
                entry.if_missing,
            )
        verdict = _verdicts[entry] = not found
    return verdict


def replace(entry: Internal, replacement: Any) -> bool:
    """Set ``owner.name`` to ``replacement`` (a function, or a ``classmethod`` of one) when the
    installed library is what ``entry`` was written for; True if it is in place afterwards.

    Calling it again is harmless. Otherwise :func:`usable` logs ``if_missing`` ("the action
    server's responses are validated the slow way") and the library's own method stays.
    """
    try:
        owner = resolve(entry.owner)
    except (ImportError, AttributeError):
        return usable(entry)  # False, with the warning
    current = vars(owner).get(entry.name)
    if current is not None and _function(current) is _function(replacement):
        return True
    if not usable(entry) or current is None:
        return False
    _originals.setdefault((owner, entry.name), current)
    setattr(owner, entry.name, replacement)
    return True


def assign(entry: Internal, target: Any, value: Any) -> bool:
    """``target.name = value`` when the library is what ``entry`` was written for (else the
    library's own behaviour stays, with the warning); True if assigned."""
    if not usable(entry):
        return False
    setattr(target, entry.name, value)
    return True


def get(entry: Internal, target: Any) -> Any:
    """``target.<entry.name>``: a read of the internal, or the method to call. No check (it runs
    on every turn): the entry is checked by the tests and, at start-up, by
    :func:`bot.rasa_server.startup.install`."""
    return getattr(target, entry.name)


def put(entry: Internal, target: Any, value: Any) -> None:
    """``target.<entry.name> = value``, unchecked as :func:`get` (:func:`assign` checks)."""
    setattr(target, entry.name, value)
