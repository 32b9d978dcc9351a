"""Setting up: validate the profiles, build the spaCy pipeline, train, migrate."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import Subcommands, validate_profiles


def cmd_validate(args: argparse.Namespace) -> int:
    return validate_profiles(args.profiles)


def cmd_build_spacy(args: argparse.Namespace) -> int:
    from bot.mlops.spacy_model import build

    print(f"spaCy pipeline: {build(Path(args.out))}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from bot.mlops.training import ensure_model

    print(f"Model: {ensure_model(config=args.config, force=args.force)}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Upgrade the statistics (or review) database to the newest schema (Alembic revisions)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.migrate import MigrationError, shown_url, upgrade
    from bot.db.stores import REVIEW, STATISTICS
    from bot.stack.tracker_db import db_error_reason

    store = REVIEW if args.store == "review" else STATISTICS
    source = "--url" if args.url else store.url_env
    url = args.url or store.url()
    shown = shown_url(url)
    try:
        before, after = upgrade(store, url)
    except MigrationError as exc:
        print(f"Cannot migrate: {source}: {exc}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError) as exc:
        print(
            f"Cannot migrate: {source}: cannot upgrade {shown}: {db_error_reason(exc)}",
            file=sys.stderr,
        )
        return 1
    print(f"{store.name.capitalize()} database: {shown}")
    if before == after:
        print(f"Schema revision: {after} (already the newest)")
    else:
        print(f"Schema revision: {before or 'none'} -> {after}")
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    """Print the README's settings table: every variable, its default and meaning."""
    from bot.settings import settings_markdown

    print(settings_markdown())
    return 0


def add_parsers(sub: Subcommands) -> None:
    p = sub.add_parser("validate-profile", help="validate municipality profiles (all by default)")
    p.add_argument("profiles", nargs="*", help="profile ids or .yml paths")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("build-spacy", help="build the blank Danish spaCy pipeline with lemmas")
    p.add_argument("--out", default="build/spacy/da_lemma")
    p.set_defaults(func=cmd_build_spacy)

    p = sub.add_parser("train", help="train the model if config or data changed")
    p.add_argument("--config", default="config.yml")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("migrate", help="upgrade a database's schema to the newest revision")
    p.add_argument(
        "--store",
        choices=("statistics", "review"),
        default="statistics",
        help="which database (default: statistics)",
    )
    p.add_argument(
        "--url",
        default=None,
        help="database URL (default: the store's BOT_ANALYTICS_DB_URL or BOT_REVIEW_DB_URL)",
    )
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("settings", help="print every setting's variable, default and meaning")
    p.add_argument("--markdown", action="store_true", required=True, help="as Markdown tables")
    p.set_defaults(func=cmd_settings)
