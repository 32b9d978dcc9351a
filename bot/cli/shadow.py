"""CLI commands of the shadow test (docs/retraining.md, "Skyggetest / shadow test").

- ``python -m bot shadow [ID] [--days N] [--json]``: run the shadow test of candidate ``ID``
  (default: the newest candidate) against the version in service on the last N days of
  citizens' messages, store it and print the report (``--show`` prints the stored one);
- ``python -m bot shadow-verdict DISAGREEMENT service|candidate [--by NAME]``: which side
  answers right; the verdict becomes a reviewed example.

Errors are one line on stderr with exit code 2 (1 when the review store is unreachable).
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.common import Subcommands
from bot.cli.models import _review_store, _who
from bot.mlops.shadow_gate import messages_word

VERDICT_WORDS = {"service": "i drift har ret", "candidate": "ny model har ret"}


def add_parsers(sub: Subcommands) -> None:
    """Add this module's commands to ``python -m bot``."""
    p = sub.add_parser(
        "shadow", help="shadow test: a candidate and the model in service on recent messages"
    )
    p.add_argument("id", type=int, nargs="?", default=None, help="candidate version number")
    p.add_argument("--days", type=int, default=None, help="days back (default BOT_SHADOW_DAYS)")
    p.add_argument("--show", action="store_true", help="print the stored report, do not run")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=cmd_shadow)

    p = sub.add_parser("shadow-verdict", help="mark which side of a shadow disagreement is right")
    p.add_argument("disagreement", type=int, help="disagreement number (python -m bot shadow)")
    p.add_argument("side", choices=("service", "candidate"), help="the side that is right")
    p.add_argument("--by", default=None, help="who decides (default: your user name)")
    p.set_defaults(func=cmd_verdict)


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def print_report(data: dict) -> None:
    """The report as text: what changes for citizens, then the figures, then the gate."""
    print(
        f"Shadow test of version {data['candidate_id']} against version {data['service_id']} "
        f"(in service)"
    )
    print()
    if not data["changes"]:
        print("What changes for citizens: nothing; both models give the same answers.")
    else:
        print("What changes for citizens (in service → new model):")
    for change in data["changes"]:
        print(
            f"  {messages_word(change['messages'])}: {change['before_label']} → "
            f"{change['after_label']}  ({change['open']} of {change['texts']} not reviewed)"
        )
        for row in change["rows"]:
            verdict = VERDICT_WORDS.get(row["verdict"] or "", "ikke gennemgået")
            print(
                f"    #{row['id']:<5} {row['count']:>4} × {row['text']!r}  "
                f"(i drift {_pct(row['service_confidence'])}, "
                f"ny {_pct(row['candidate_confidence'])}; {verdict})"
            )
    print()
    print(
        f"Figures: {data['messages']} messages since {data['since'][:10]} "
        f"({data['days']} days or the whole store), {data['distinct_texts']} distinct texts; "
        f"{data['disagreements']} texts / {data['disagreeing_messages']} messages disagree; "
        f"{data['seconds']:.1f} s"
    )
    gate = data["gate"]
    for line in gate["refusals"]:
        print(f"Gate refuses: {line}")
    for line in gate["notes"]:
        print(f"  ({line})")
    if not gate["refusals"] and not gate["notes"]:
        print("Every disagreement has been reviewed.")


def cmd_shadow(args: argparse.Namespace) -> int:
    """Run (or show) the shadow test and print its report."""
    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.mlops.shadow import ShadowError, run_shadow
    from bot.mlops.shadow_verdicts import report

    if args.days is not None and args.days < 1:
        print("--days must be at least 1", file=sys.stderr)
        return 2

    def work() -> int:
        candidate_id = args.id
        if not args.show:
            try:
                result = run_shadow(
                    args.id,
                    days=args.days,
                    progress=lambda line: print(line, file=sys.stderr),
                )
            except ShadowError as exc:
                print(f"Cannot run the shadow test: {exc}", file=sys.stderr)
                return 2
            candidate_id = result.candidate_id
        if candidate_id is None:
            print("Give the candidate's version number to show its report", file=sys.stderr)
            return 2
        with session_scope(REVIEW) as session:
            data = report(session, candidate_id)
        if data is None:
            print(f"The shadow test has not run for version {candidate_id}", file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            print_report(data)
        return 0

    return _review_store(work)


def cmd_verdict(args: argparse.Namespace) -> int:
    """Record which side of a disagreement is right."""
    from bot.db.engine import session_scope
    from bot.db.stores import REVIEW
    from bot.knowledge.profile import get_profile
    from bot.mlops.shadow_verdicts import VerdictError, record_verdict
    from bot.review.domain import domain_intents
    from bot.review.inbox import public_phone_numbers
    from bot.settings import get_settings

    def work() -> int:
        try:
            with session_scope(REVIEW) as session:
                row = record_verdict(
                    session,
                    args.disagreement,
                    args.side,
                    by=_who(args.by),
                    now=get_settings().now(),
                    intents=domain_intents(),
                    tasks=[t.id for t in get_profile().self_service],
                    allow=public_phone_numbers(),
                )
                text = row.text
        except VerdictError as exc:
            print(f"Cannot record the verdict: {exc.english}", file=sys.stderr)
            return 2
        print(
            f"Recorded: {VERDICT_WORDS[args.side]} for {text!r}; it is a reviewed example "
            "(python -m bot export-reviewed writes it)."
        )
        return 0

    return _review_store(work)
