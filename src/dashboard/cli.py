"""The `dashboard` command: set up and look after the Manul Progress store."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from sqlmodel import Session, func, select

from dashboard import models as m
from dashboard.db import init_store, make_engine
from dashboard.seed import SeedError
from dashboard.settings import get_settings


def _redacted(url: str) -> str:
    """The store's URL without a password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_init(args: argparse.Namespace) -> int:
    """Create the schema (migrations) and seed an empty store from data/; safe to repeat."""
    settings = get_settings()
    url = settings.effective_database_url
    engine = make_engine(url)
    try:
        seeded = init_store(engine, settings)
    except SeedError as error:
        print(f"error: the data files cannot be loaded: {error}", file=sys.stderr)
        return 1
    with Session(engine) as session:
        activities = session.exec(select(func.count()).select_from(m.Activity)).one()
        demo = session.exec(
            select(func.count()).select_from(m.Activity).where(m.Activity.demo)
        ).one()
    state = f"seeded from {settings.manul_data_dir}" if seeded else "already set up; data kept"
    print(f"store {_redacted(url)}: {state}")
    print(f"{activities} activities ({demo} of them demo data)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dashboard",
        description=(
            "Manul Progress: look after the store behind the Pallas's cat conservation dashboard. "
            "The store is the embedded SQLite file var/manul-progress.sqlite3 unless "
            "DATABASE_URL points at PostgreSQL (postgresql+psycopg://user@host:port/db)."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    init = commands.add_parser(
        "init",
        help="create the schema and seed an empty store from data/ (idempotent)",
        description=cmd_init.__doc__,
    )
    init.set_defaults(handler=cmd_init)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
