"""Export the web team's decisions as Rasa NLU training data: ``data/nlu/reviewed.yml``.

:func:`write_reviewed` merges the examples already in the file (it is committed to git, and
the review store forgets its text after the retention period) with the decisions in the review
store: accepted items under their intent, out-of-scope items under ``out_of_scope``. The
latest decision on a message wins, so a message moved to another intent, or discarded, leaves
its old place. The result is:

* only intents of ``<root>/domain.yml``;
* deduplicated: a message already in another file of ``<root>/data/nlu`` (under any intent,
  compared by :func:`~bot.review.records.normalize_text` of its plain text) is left out, so the
  data validation never sees one text under two intents;
* entity annotations added where an example contains a text that the same intent's existing
  examples annotate (``[flytning](task)``), so new examples do not teach the model that the
  entity is none;
* sorted (intents, then examples, alphabetically) and written as ``version: "3.1"`` YAML.

With no examples at all the file is removed (an empty file would be a valid no-op too, but
none keeps ``data/nlu`` clean).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import yaml

from bot.dialogue.cpr import find_cpr
from bot.review.annotate import TASK_ENTITY, task_word_span
from bot.review.domain import domain_intents
from bot.review.records import ReviewItem, normalize_text

REVIEWED = Path("data") / "nlu" / "reviewed.yml"
OUT_OF_SCOPE = "out_of_scope"
# Rasa's entity annotation: [text](entity), [text](entity:value), [text]{...}, [text][...].
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\](\((?P<entity>[^:)]+?)(?::(?P<value>[^)]+))?\)|\{[^}]+?\}|\[.*?\])"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

HEADER = """\
# Examples from the web team's review inbox (python -m bot export-reviewed).
# Generated: edit decisions in the inbox, not here. Review the diff before committing.
"""


@dataclass
class ExportResult:
    """Where the export went, how many examples the file holds, and how many per intent."""

    path: Path
    added: int
    by_intent: dict[str, int] = field(default_factory=dict)
    skipped_duplicates: int = 0
    skipped_unknown_intent: int = 0


def plain_text(example: str) -> str:
    """An example without its entity annotations."""
    return _ANNOTATION.sub(lambda m: m.group("text"), example)


def safe_example(text: str) -> str:
    """A text as one example line: one line, no control characters, no brackets that Rasa
    would read as an entity annotation."""
    text = _CONTROL.sub(" ", text).replace("[", "(").replace("]", ")")
    return " ".join(text.split())


def _nlu_blocks(path: Path) -> list[tuple[str, list[str]]]:
    """(intent, example lines) of one NLU file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from exc
    blocks = []
    entries = data.get("nlu") if isinstance(data, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or "intent" not in entry:
            continue
        examples = entry.get("examples") or ""
        lines = []
        if isinstance(examples, str):
            for line in examples.splitlines():
                line = line.strip()
                if line.startswith("- "):
                    lines.append(line[2:].strip())
        blocks.append((str(entry["intent"]), lines))
    return blocks


def _entity_texts(blocks: list[tuple[str, list[str]]]) -> dict[str, dict[str, str]]:
    """Per intent: annotated entity texts (lower case) and their entity, where unambiguous."""
    seen: dict[str, dict[str, set[str]]] = {}
    for intent, lines in blocks:
        for line in lines:
            for match in _ANNOTATION.finditer(line):
                if match.group("entity") and not match.group("value"):
                    entity_text = " ".join(match.group("text").split()).lower()
                    seen.setdefault(intent, {}).setdefault(entity_text, set()).add(
                        match.group("entity").strip()
                    )
    return {
        intent: {t: next(iter(e)) for t, e in texts.items() if len(e) == 1}
        for intent, texts in seen.items()
    }


def annotate_entities(text: str, known: dict[str, str]) -> str:
    """``text`` with ``[words](entity)`` around whole-word occurrences of known entity texts
    (longest first, no overlaps)."""
    spans: list[tuple[int, int, str]] = []
    lower = text.lower()
    for entity_text in sorted(known, key=len, reverse=True):
        pattern = re.compile(r"(?<!\w)" + re.escape(entity_text) + r"(?!\w)")
        for match in pattern.finditer(lower):
            start, end = match.span()
            if all(end <= s or start >= e for s, e, _ in spans):
                spans.append((start, end, known[entity_text]))
    out, last = [], 0
    for start, end, entity in sorted(spans):
        out.append(text[last:start])
        out.append(f"[{text[start:end]}]({entity})")
        last = end
    out.append(text[last:])
    return "".join(out)


def annotate_task(text: str, words: str, task: str) -> str | None:
    """``text`` with ``words`` marked as the task entity whose value is the task id (a synonym
    for Rasa's EntitySynonymMapper), or None when the words are not in the text."""
    span = task_word_span(text, words)
    if span is None:
        return None
    start, end = span
    named = text[start:end]
    entity = (
        f"[{named}]({TASK_ENTITY})"
        if named.lower() == task.lower()
        else f'[{named}]{{"entity": "{TASK_ENTITY}", "value": "{task}"}}'
    )
    return text[:start] + entity + text[end:]


def _decisions(url: str | None) -> dict[str, tuple[str, str | None, str, str | None]]:
    """The latest decision per message: normalized text -> (status, intent, text, line),
    where ``line`` is the example with a task's entity marked, if the decision named one."""
    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW

    latest: dict[str, tuple[str, str | None, str, str | None]] = {}
    with session_scope(REVIEW, url) as session:
        rows = session.execute(
            sa.select(
                ReviewItem.status,
                ReviewItem.decided_intent,
                ReviewItem.text,
                ReviewItem.edited_text,
                ReviewItem.decided_task,
                ReviewItem.task_words,
            )
            .where(ReviewItem.status != "open", ReviewItem.decided_at.is_not(None))
            .order_by(ReviewItem.decided_at, ReviewItem.id)
        ).all()
    for status, intent, text, edited, task, words in rows:
        final = safe_example(edited or text)
        if not final:
            continue
        if status == "out_of_scope":
            intent = OUT_OF_SCOPE
        line = annotate_task(final, words, task) if task and words else None
        latest[normalize_text(final)] = (status, intent, final, line)
    return latest


def write_reviewed(root: Path, url: str | None = None) -> ExportResult:
    """Write ``<root>/data/nlu/reviewed.yml`` from the file's examples and the review store's
    decisions (see the module docstring); ``url`` is the review store (default
    BOT_REVIEW_DB_URL)."""
    root = Path(root)
    path = root / REVIEWED
    intents = set(domain_intents(root))
    others: list[tuple[str, list[str]]] = []
    for nlu_file in sorted((root / "data" / "nlu").glob("*.yml")):
        if nlu_file.resolve() != path.resolve():
            others.extend(_nlu_blocks(nlu_file))
    taken = {normalize_text(plain_text(line)) for _, lines in others for line in lines}
    known_entities = _entity_texts(others)

    # normalized -> (intent, example line); first the file as it is, then the decisions.
    examples: dict[str, tuple[str, str]] = {}
    if path.is_file():
        for intent, lines in _nlu_blocks(path):
            for line in lines:
                examples[normalize_text(plain_text(line))] = (intent, line)
    result = ExportResult(path=path, added=0)
    for key, (status, intent, text, line) in _decisions(url).items():
        examples.pop(key, None)
        if status not in ("accepted", "out_of_scope") or intent is None or find_cpr(text):
            continue
        examples[key] = (intent, line or annotate_entities(text, known_entities.get(intent, {})))

    by_intent: dict[str, list[str]] = {}
    for key, (intent, line) in examples.items():
        if not key:
            continue
        if key in taken:
            result.skipped_duplicates += 1
            continue
        if intent not in intents:
            result.skipped_unknown_intent += 1
            continue
        by_intent.setdefault(intent, []).append(line)

    result.by_intent = {i: len(by_intent[i]) for i in sorted(by_intent)}
    result.added = sum(result.by_intent.values())
    if not by_intent:
        path.unlink(missing_ok=True)
        return result
    parts = [HEADER, 'version: "3.1"\n\nnlu:\n']
    for intent in sorted(by_intent):
        lines = sorted(set(by_intent[intent]), key=lambda s: (s.casefold(), s))
        parts.append(f"- intent: {intent}\n  examples: |\n")
        parts.extend(f"    - {line}\n" for line in lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".yml.tmp")
    tmp.write_text("".join(parts), encoding="utf-8")
    tmp.replace(path)
    return result
