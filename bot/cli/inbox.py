"""CLI commands of the web team's review inbox: ``inbox``, ``annotate``, ``export-reviewed``.

Errors (unknown item or intent, personal data in the text, bad filters, the review store not
reachable) are one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from bot.cli.common import Subcommands
from bot.settings import TIMEZONE, get_settings


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this user id (containers)
        return "unknown"


def _db_error(exc: Exception) -> int:
    from bot.stack.tracker_db import db_error_reason

    return _fail(f"Cannot read the review store (BOT_REVIEW_DB_URL): {db_error_reason(exc)}")


def cmd_inbox(args: argparse.Namespace) -> int:
    """List review items, grouped by message (newest item of each group, and the count)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.review.inbox import REASON_LABELS, list_groups, parse_filters, reason_counts

    try:
        filters = parse_filters(
            since=args.since,
            until=args.until,
            reason=args.reason,
            intent=args.intent,
            status=args.status,
        )
    except ValueError as exc:
        return _fail(f"Cannot list the inbox: {exc}")
    try:
        with session_scope(REVIEW) as session:
            page = list_groups(session, filters, page=1, per_page=args.limit)
            counts = reason_counts(session, filters)
            rows = [
                {
                    "id": g.item.id,
                    "count": g.count,
                    "reason": g.item.reason,
                    "status": g.item.status,
                    "text": g.item.final_text,
                    "intent": g.item.intent,
                    "confidence": round(g.item.confidence, 4),
                    "runners_up": [
                        [name, round(conf, 4)]
                        for name, conf in (
                            (g.item.runner_up_1, g.item.runner_up_1_confidence),
                            (g.item.runner_up_2, g.item.runner_up_2_confidence),
                        )
                        if name
                    ],
                    "decided_intent": g.item.decided_intent,
                    "decided_by": g.item.decided_by,
                    "created_at": g.item.created_at.astimezone(TIMEZONE).isoformat(),
                    "conversation_id": g.item.conversation_id,
                }
                for g in page.groups
            ]
    except SQLAlchemyError as exc:
        return _db_error(exc)
    if args.json:
        print(
            json.dumps(
                {
                    "total_items": page.total_items,
                    "total_groups": page.total_groups,
                    "counts": {c.reason: c.items for c in counts},
                    "items": rows,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print(
        "  ".join(f"{REASON_LABELS[c.reason]}: {c.items}" for c in counts)
        + f"  (in all: {page.total_items} items, {page.total_groups} messages)"
    )
    for row in rows:
        print(
            f"#{row['id']:<6} {row['count']:>4}x  {row['reason']:<14} {row['status']:<12} "
            f"{row['intent']} ({row['confidence']:.2f})  {row['text']}"
        )
    if page.total_groups > len(rows):
        print(f"... {page.total_groups - len(rows)} more messages (use --limit)")
    return 0


def cmd_annotate(args: argparse.Namespace) -> int:
    """Decide on an item (and every open item with the same message)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.knowledge.profile import get_profile
    from bot.review.annotate import AnnotationError, annotate
    from bot.review.domain import DomainError, domain_intents
    from bot.review.inbox import public_phone_numbers

    if args.out_of_scope:
        action, intent = "out_of_scope", None
    elif args.discard:
        action, intent = "discard", None
    elif args.intent:
        action, intent = "intent", args.intent
    else:
        return _fail("Cannot annotate: give an INTENT, --out-of-scope or --discard")
    if args.intent and (args.out_of_scope or args.discard):
        return _fail("Cannot annotate: give an INTENT or --out-of-scope or --discard, not both")
    try:
        intents = domain_intents()
    except DomainError as exc:
        return _fail(f"Cannot annotate: {exc}")
    settings = get_settings()
    by = (args.by or _os_user()).strip()
    if not by:
        return _fail("Cannot annotate: --by is empty")
    try:
        with session_scope(REVIEW) as session:
            ids = annotate(
                session,
                args.id,
                action,
                by=by,
                now=settings.now(),
                intents=intents,
                intent=intent,
                text=args.text,
                allow=public_phone_numbers(),
                task=args.task,
                task_words=args.task_words,
                tasks=[t.id for t in get_profile().self_service],
            )
    except AnnotationError as exc:
        return _fail(f"Cannot annotate: {exc.english}")
    except SQLAlchemyError as exc:
        return _db_error(exc)
    what = {"intent": f"intent {intent}", "out_of_scope": "out of scope", "discard": "discarded"}
    if args.task:
        what["intent"] += f", task {args.task} named by {args.task_words!r}"
    print(f"Item {args.id}: {what[action]} by {by} ({len(ids)} items with this message).")
    return 0


def cmd_export_reviewed(args: argparse.Namespace) -> int:
    """Write data/nlu/reviewed.yml from the decisions (review it, then commit it)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.review.domain import DomainError
    from bot.review.export import write_reviewed

    root = Path(args.root)
    try:
        result = write_reviewed(root)
    except (DomainError, ValueError, OSError) as exc:
        return _fail(f"Cannot export: {exc}")
    except SQLAlchemyError as exc:
        return _db_error(exc)
    if args.json:
        print(
            json.dumps(
                {
                    "path": str(result.path),
                    "added": result.added,
                    "by_intent": result.by_intent,
                    "skipped_duplicates": result.skipped_duplicates,
                    "skipped_unknown_intent": result.skipped_unknown_intent,
                },
                ensure_ascii=False,
            )
        )
        return 0
    if not result.added:
        print(f"No accepted examples; {result.path} is not written.")
        return 0
    print(f"{result.path}: {result.added} examples")
    for intent, n in result.by_intent.items():
        print(f"  {intent}: {n}")
    if result.skipped_duplicates:
        print(f"Left out {result.skipped_duplicates} already in the other training data.")
    if result.skipped_unknown_intent:
        print(f"Left out {result.skipped_unknown_intent} whose intent is not in domain.yml.")
    print("Check it with `make validate` and commit it.")
    return 0


def add_parsers(sub: Subcommands) -> None:
    """Add this module's commands to ``python -m bot``."""
    p = sub.add_parser("inbox", help="list the web team's review inbox (citizen messages)")
    p.add_argument(
        "--reason",
        help="no_page, fallback, out_of_scope, low_confidence, not_helped or sample",
    )
    p.add_argument(
        "--status", default="open", help="open (default), accepted, out_of_scope, discarded, all"
    )
    p.add_argument("--intent", help="the predicted intent")
    p.add_argument("--since", help="first day, e.g. 2026-11-01 (Copenhagen time)")
    p.add_argument("--until", help="last day, e.g. 2026-11-30")
    p.add_argument("--limit", type=int, default=50, help="messages to list (default 50)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_inbox)

    p = sub.add_parser(
        "annotate", help="decide on a review item: its intent, out of scope, or discard"
    )
    p.add_argument("id", type=int, help="item id (from python -m bot inbox)")
    p.add_argument("intent", nargs="?", help="the right intent (one of domain.yml)")
    p.add_argument("--out-of-scope", action="store_true", help="the assistant should not answer")
    p.add_argument("--discard", action="store_true", help="not training data")
    p.add_argument("--text", help="the message as it should go into the training data")
    p.add_argument("--by", help="who decides (default: the user running the command)")
    p.add_argument(
        "--task", help="with intent self_service: the task the message is about (a profile task id)"
    )
    p.add_argument("--task-words", help="with --task: the words of the message that name the task")
    p.set_defaults(func=cmd_annotate)

    p = sub.add_parser(
        "export-reviewed", help="write data/nlu/reviewed.yml from the accepted review items"
    )
    p.add_argument("--root", default=".", help="project folder (default: the current one)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_export_reviewed)
