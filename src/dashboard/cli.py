"""The `dashboard` command: set up and look after the Manul Progress store."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence

from sqlmodel import Session, func, select

from dashboard import dates
from dashboard import models as m
from dashboard.auth import Actor
from dashboard.db import make_engine
from dashboard.filters import add_options
from dashboard.seed import SeedError, init_store
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


def _as_of(text: str | None) -> dt.date | None:
    """The --as-of option: strictly YYYY-MM-DD, within the dates a record may carry."""
    if not text:
        return None
    try:
        day = dates.parse(text)
    except ValueError:
        raise ValueError(f"--as-of must be a date YYYY-MM-DD, not {text!r}") from None
    if reason := dates.out_of_range(day):
        raise ValueError(f"--as-of {reason}")
    return day


def cmd_export(args: argparse.Namespace) -> int:
    """Write the activities explorer's table as CSV: the same bytes as the page's download."""
    from pathlib import Path

    from dashboard.export import export_filename, frame_to_csv
    from dashboard.filters import plan_items
    from dashboard.queries.activities import SORT_COLUMNS, activity_listing, listing_filters

    if args.sort not in SORT_COLUMNS:
        print(f"error: --sort must be one of {', '.join(SORT_COLUMNS)}", file=sys.stderr)
        return 2
    try:
        as_of = _as_of(args.as_of)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    engine = make_engine(get_settings().effective_database_url)
    init_store(engine)
    with Session(engine) as session:
        try:
            filters, funders = listing_filters(
                session=session,
                countries=args.country,
                regions=args.ptcr,
                organisations=args.org,
                funders=args.funder,
                statuses=args.status,
                items=plan_items(args),
                any_plan_items=args.item,
                start_year=args.from_year,
                end_year=args.to_year,
                as_of=as_of,
                include_demo=args.include_demo,
            )
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        listing = activity_listing(
            session=session,
            filters=filters,
            funders=funders,
            search=args.search,
            sort=args.sort,
            descending=args.descending,
        )
    content = frame_to_csv(listing)
    if args.out == "-":
        sys.stdout.buffer.write(content)
        return 0
    out = Path(
        args.out or export_filename("activities", filters, funders=funders, search=args.search)
    )
    out.write_bytes(content)
    print(f"{len(listing)} {'activity' if len(listing) == 1 else 'activities'} written to {out}")
    return 0


# What `dashboard progress` prints per framework, in this order (JSON keys, CSV columns).
PROGRESS_FIELDS = (
    "framework", "name", "provisional", "period_start", "period_end", "as_of",
    "items_total", "items_started", "items_well_advanced", "items_completed",
    "items_not_applicable", "items_assessed", "time_elapsed_pct", "plan_year", "plan_years",
    "activity_progress_pct", "activities_counted", "activities_not_reported", "activities",
    "earlier_activities",
)  # fmt: skip


def cmd_progress(args: argparse.Namespace) -> int:
    """Print how far each plan has come: exactly the figures the Overview shows."""
    import json

    from dashboard.charts import plan_sentence
    from dashboard.export import frame_to_csv
    from dashboard.filters import Filters
    from dashboard.queries import plan_progress

    try:
        as_of = _as_of(args.as_of)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    engine = make_engine(get_settings().effective_database_url)
    init_store(engine)
    filters = Filters(include_demo=args.include_demo, as_of=as_of)
    with Session(engine) as session:
        frame = plan_progress(session=session, filters=filters)
    frame = frame.rename(columns={"code": "framework"})
    records = [
        {
            field: (
                row[field].isoformat()
                if isinstance(row[field], dt.date)
                else None
                if row[field] != row[field]  # NaN: nothing counts
                else row[field]
            )
            for field in PROGRESS_FIELDS
        }
        for row in frame.to_dict("records")
    ]
    if args.format == "json":
        print(json.dumps(records, indent=2, ensure_ascii=False, default=_plain))
    elif args.format == "csv":
        sys.stdout.buffer.write(frame_to_csv(frame[list(PROGRESS_FIELDS)]))
    else:
        for record, row in zip(records, frame.to_dict("records"), strict=True):
            print(f"{record['name']} ({record['framework']})")
            print(f"  {plan_sentence({str(key): value for key, value in row.items()})}")
    return 0


def _plain(value: object) -> object:
    """numpy numbers as JSON numbers."""
    return value.item() if hasattr(value, "item") else str(value)


def _operator() -> Actor:
    """Who runs the command: changes from the command line are audited under `cli:<login>`."""
    import getpass

    from dashboard.auth import command_line_actor

    try:
        return command_line_actor(getpass.getuser())
    except (KeyError, OSError):
        return command_line_actor("operator")


def cmd_import(args: argparse.Namespace) -> int:
    """Check a template file (data/templates/) row by row, then apply all of it or nothing."""
    from pathlib import Path

    from dashboard.importer import ImportFileError, import_file

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as error:
        print(f"error: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 1
    engine = make_engine(get_settings().effective_database_url)
    init_store(engine)
    with Session(engine) as session:
        try:
            report = import_file(
                session=session, data=data, actor=_operator(), name=path.name, dry_run=args.dry_run
            )
        except ImportFileError as error:
            print(f"error: {path.name} was not imported; the store is unchanged.", file=sys.stderr)
            print("\n".join(error.lines()), file=sys.stderr)
            return 1
    print("\n".join(report.lines()))
    return 0


def _read_files(paths: Sequence[str]) -> list[tuple[str, bytes]] | None:
    """(name, bytes) of each file, or None after saying which cannot be read."""
    from pathlib import Path

    files = []
    for text in paths:
        path = Path(text)
        try:
            files.append((path.name, path.read_bytes()))
        except OSError as error:
            print(f"error: cannot read {path}: {error.strerror}", file=sys.stderr)
            return None
    return files


def _print_retired(code: str) -> int:
    """The items replacements took out of plan `code`: when, and what took their place."""
    from dashboard.queries.retired import retired_items

    engine = make_engine(get_settings().effective_database_url)
    init_store(engine)
    with Session(engine) as session:
        retired = retired_items(session, code)
    for item in retired.to_dict("records"):
        print(
            f"{item['retired_on']}  {item['code']} {item['title']}"
            + (" (provisional)" if item["provisional"] else "")
            + f" → {item['replaced_by'] or 'nothing (it had no links or assessments)'}"
        )
    if retired.empty:
        print(f"no item of {code!r} has been retired")
    return 0


def cmd_framework(args: argparse.Namespace) -> int:
    """Load, update or replace a plan from files shaped like data/frameworks.csv and
    data/framework_items.csv; all or nothing, audited."""
    from dashboard.importer import ImportFileError
    from dashboard.plan_files import import_plan, replace_plan

    if args.action == "retired":
        return _print_retired(args.code)
    files = _read_files(args.files if args.action == "import" else [args.items, args.crosswalk])
    if files is None:
        return 1
    engine = make_engine(get_settings().effective_database_url)
    init_store(engine)
    with Session(engine) as session:
        try:
            if args.action == "import":
                report = import_plan(
                    session=session, files=files, actor=_operator(), dry_run=args.dry_run
                )
            else:
                report = replace_plan(
                    session=session, framework=args.code, items=files[0], crosswalk=files[1],
                    actor=_operator(), dry_run=args.dry_run,
                )  # fmt: skip
        except ImportFileError as error:
            print("error: nothing was written; the store is unchanged.", file=sys.stderr)
            print("\n".join(error.lines()), file=sys.stderr)
            return 1
    print("\n".join(report.lines()))
    return 0


def _read_password() -> str:
    """A new password from a prompt (typed twice) or the first line of standard input."""
    import getpass

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise ValueError("the passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


def cmd_user(args: argparse.Namespace) -> int:
    """Add, list, disable, enable or unlock the partners' accounts, or reset a password
    (editing needs an account; viewing does not)."""
    from dashboard import auth

    engine = make_engine(get_settings().effective_database_url)
    init_store(engine)
    with Session(engine) as session:
        try:
            if args.action == "list":
                for user, organisations in auth.list_users(session=session):
                    state = "active" if user.active else "disabled"
                    scope = ", ".join(sorted(organisations)) or "any organisation"
                    print(f"{user.username}\t{user.role}\t{state}\t{scope}")
                return 0
            message = _change_user(session=session, args=args)
            session.commit()
        except (auth.AuthError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    print(message)
    return 0


def _change_user(*, session: Session, args: argparse.Namespace) -> str:
    """Carry out `dashboard user ACTION NAME` (the caller commits); what to tell the operator."""
    from dashboard import auth

    name, operator = args.name, _operator()
    if args.action == "add":
        role = "admin" if args.admin else args.role
        auth.add_user(
            session=session,
            username=name,
            password=_read_password(),
            role=role,
            organisations=args.organisation,
            actor=operator,
        )
        return f"user {name} added ({role})"
    if args.action == "disable":
        auth.disable_user(session=session, username=name, actor=operator)
        return f"user {name} disabled: it can no longer sign in or edit"
    if args.action == "enable":
        user = auth.enable_user(session=session, username=name, actor=operator)
        return f"user {user.username} enabled: it can sign in again with its password"
    if args.action == "reset-password":
        if auth.get_user(session=session, username=name) is None:
            # Before asking for a password that would go nowhere.
            raise auth.AuthError(f"no user {name!r}")
        user = auth.reset_password(
            session=session, username=name, password=_read_password(), actor=operator
        )
        return (
            f"password of {user.username} reset: its browsers are signed out and its "
            "sign-in waits cleared"
        )
    if auth.unlock_user(session=session, username=name, actor=operator):
        return f"sign-in waits for {auth.account_key(name)} cleared, from every client"
    return f"no sign-in waits for {auth.account_key(name)}: nothing to clear"


def cmd_history(args: argparse.Namespace) -> int:
    """Print every recorded change to an activity: when, who, how, and the values changed."""
    from dashboard.audit import activity_history

    engine = make_engine(get_settings().effective_database_url)
    init_store(engine)
    with Session(engine) as session:
        history = activity_history(session=session, activity_key=args.activity_id)
    if history.empty:
        print(f"no recorded changes to {args.activity_id}", file=sys.stderr)
        return 1
    for row in history.itertuples(index=False):
        print(
            f"{row.changed_at:%Y-%m-%d %H:%M:%S} UTC  {row.actor} ({row.via})  "
            f"{row.action} {row.table} {row.row}: {row.changes}"
        )
    return 0


def _plans() -> dict[str, str]:
    """The plans in the data directory's frameworks.csv, code -> name: each gets its own
    `export --<code> CODE` option (any plan's item, also one loaded later: `--item CODE`)."""
    import csv

    path = get_settings().manul_data_dir / "frameworks.csv"
    try:
        with path.open(encoding="utf-8", newline="") as rows:
            return {row["code"]: row["name"] for row in csv.DictReader(rows) if row.get("code")}
    except (OSError, KeyError, csv.Error):
        return {}


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
    export = commands.add_parser(
        "export",
        help="write the activities explorer's table as CSV (same filters, same bytes)",
        description=cmd_export.__doc__,
    )
    export.add_argument(
        "--out",
        metavar="FILE.csv",
        help="file to write ('-': standard output; "
        "default: manul-activities_<date>_<filters>.csv here)",
    )
    add_options(export, plans=_plans())
    export.add_argument(
        "--funder", action="append", default=[], metavar="NAME", help="funded by (slug or name)"
    )
    export.add_argument("--search", default="", metavar="TEXT")
    export.add_argument(
        "--sort", default="activity_id", metavar="COLUMN", help="a column, as the page's Sort by"
    )
    export.add_argument("--descending", action="store_true")
    export.set_defaults(handler=cmd_export)
    progress = commands.add_parser(
        "progress",
        help="print how far each plan has come (the Overview's figures)",
        description=f"{cmd_progress.__doc__} Items started and completed (of the items each "
        "plan tracks), time elapsed of its period and the activity progress of its period's "
        "activities, as of today or --as-of.",
    )
    progress.add_argument("--as-of", metavar="YYYY-MM-DD", help="the figures as of this date")
    progress.add_argument(
        "--include-demo",
        action="store_true",
        default=False,
        help="count the invented demo data too (left out by default)",
    )
    progress.add_argument("--format", choices=("table", "csv", "json"), default="table")
    progress.set_defaults(handler=cmd_progress)
    importing = commands.add_parser(
        "import",
        help="import a template file (activities, progress updates, funding, outputs, "
        "item assessments)",
        description=f"{cmd_import.__doc__} Any error rejects the whole file (exit status 1) "
        "and leaves the store unchanged.",
    )
    importing.add_argument("file", metavar="FILE", help="a CSV file with a template's columns")
    importing.add_argument(
        "--dry-run", action="store_true", help="check and report, but write nothing"
    )
    importing.set_defaults(handler=cmd_import)
    framework = commands.add_parser(
        "framework", help="load, update or replace a plan", description=cmd_framework.__doc__
    )
    plan_actions = framework.add_subparsers(dest="action", metavar="ACTION", required=True)
    plan_import = plan_actions.add_parser(
        "import",
        help="add or update plans from a frameworks.csv and/or framework_items.csv file",
        description="Frameworks are matched by code. Each plan the items file names gets "
        "exactly the file's tree: items are added, edited or removed; an item that activities "
        "or assessments still use is never removed.",
    )
    plan_import.add_argument("files", nargs="+", metavar="FILE")
    plan_replace = plan_actions.add_parser(
        "replace",
        help="put a new tree in place of a plan's, moving links and assessments by a crosswalk",
        description="The crosswalk's rows old_code,new_code[,weight] move every activity link "
        "(weight times the row's weight) and item assessment of an old item to the new items; "
        "the old items the new tree drops are kept as retired items.",
    )
    plan_replace.add_argument("code", metavar="CODE", help="the plan's code, e.g. strategy")
    plan_replace.add_argument("--items", required=True, metavar="FILE")
    plan_replace.add_argument("--crosswalk", required=True, metavar="FILE")
    plan_actions.add_parser(
        "retired",
        help="list the items replacements took out of a plan, and their successors",
    ).add_argument("code", metavar="CODE")
    for parser_ in (plan_import, plan_replace):
        parser_.add_argument(
            "--dry-run", action="store_true", help="check and report, but write nothing"
        )
    framework.set_defaults(handler=cmd_framework)
    user = commands.add_parser("user", help="partners' accounts", description=cmd_user.__doc__)
    actions = user.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add", help="add an account; the password is read from a prompt or standard input"
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", choices=m.USER_ROLES, default="editor")
    add.add_argument(
        "--admin", action="store_true", help="the same as --role admin: may edit everything"
    )
    add.add_argument(
        "--organisation",
        action="append",
        default=[],
        metavar="SLUG",
        help="may edit only activities this organisation leads or partners (repeatable; an "
        "editor needs at least one)",
    )
    actions.add_parser("list", help="list the accounts")
    for action, text in (
        ("disable", "disable an account (it keeps its history; its browsers are signed out)"),
        ("enable", "enable a disabled account again"),
        (
            "reset-password",
            "give an account a new password, read from a prompt or standard input (its "
            "browsers are signed out, its sign-in waits cleared)",
        ),
        ("unlock", "clear the sign-in waits of an account name, from every client"),
    ):
        actions.add_parser(action, help=text, description=text).add_argument("name", metavar="NAME")
    user.set_defaults(handler=cmd_user)
    history = commands.add_parser(
        "history", help="print an activity's recorded changes", description=cmd_history.__doc__
    )
    history.add_argument("activity_id", metavar="ACTIVITY_ID")
    history.set_defaults(handler=cmd_history)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except BrokenPipeError:
        # The reader stopped early (`dashboard history X | head`): that is not an error worth a
        # traceback. Python's recipe: point stdout at devnull so the exit flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
