"""Set up the store (`init_store`: migrate, then seed if empty) and fill an empty store from
the human-editable files in `data/` (see data/README.md).

Columns and files added later are optional, so that an older data directory still loads:
organisations.csv `demo` and progress_updates.csv `demo` (default: not demo, and an update
takes its activity's flag), and item_assessments.csv (no assessments).
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, SQLModel, select

from dashboard import models as m
from dashboard.db import migrate
from dashboard.editing import (
    Problem,
    Reference,
    activity_row_values,
    check_activity,
    check_assessment,
    check_funding,
    check_output,
    check_progress,
    check_progress_demo,
    link_rows,
    sync_progress_changes,
    sync_reported_dates,
)
from dashboard.importer import (
    Reader,
    RowError,
    parse_activity,
    parse_assessment,
    parse_funding,
    parse_output,
    parse_progress,
)
from dashboard.settings import Settings, get_settings

log = logging.getLogger(__name__)

# Who recorded the assessments loaded from data/ (ItemAssessment.recorded_by).
SEEDED_BY = "seed"


class SeedError(ValueError):
    """A data file cannot be loaded; the message names the file, row and column."""


def _id(row: SQLModel) -> int:
    """The primary key of a flushed row."""
    key = getattr(row, "id", None)
    assert key is not None, f"{type(row).__name__} not flushed"
    return int(key)


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV file (a spreadsheet's BOM is tolerated), cells stripped."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [
                {key.strip(): (value or "").strip() for key, value in row.items() if key}
                for row in csv.DictReader(handle)
            ]
    except FileNotFoundError as error:
        raise SeedError(f"{path}: file not found") from error


class _Rows(Reader):
    """The rows of one data file; a bad cell raises a SeedError naming the file, row and column."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = read_rows(path)

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        # Row 1 is the header, so data rows start at 2 as a spreadsheet shows them.
        return iter(enumerate(self.rows, start=2))

    def fail(self, line: int, column: str, message: str) -> SeedError:
        return SeedError(f"{self.path.name}, row {line}, column {column}: {message}")

    def first_error(
        self, line: int, errors: Iterable[RowError], problems: Iterable[Problem] = ()
    ) -> None:
        """Raise a row's first unreadable cell, else its first problem (warnings aside)."""
        for error in errors:
            raise SeedError(f"{self.path.name}, {error}")
        for problem in problems:
            if not problem.warning:
                raise self.fail(line, problem.field, problem.message)


def seed_store(*, session: Session, data_dir: Path) -> None:
    """Load every data file into an empty store, in dependency order (the caller commits)."""
    frameworks = _load_frameworks(session, data_dir / "frameworks.csv")
    items = _load_items(session, data_dir / "framework_items.csv", frameworks)
    countries = _load_countries(session, data_dir / "countries.csv")
    regions = _load_regions(session, data_dir / "regions.csv", countries, frameworks)
    organisations = _load_organisations(session, data_dir / "organisations.csv", countries)
    reference = _reference(items, frameworks, countries, regions, organisations, {})
    activities = _load_activities(session, data_dir / "activities.csv", reference)
    _load_progress(session, data_dir / "progress_updates.csv", activities)
    session.flush()
    sync_reported_dates(session)
    sync_progress_changes(session)
    reference = _reference(items, frameworks, countries, regions, organisations, activities)
    _load_funding(session, data_dir / "funding.csv", reference)
    _load_outputs(session, data_dir / "outputs.csv", reference)
    _load_assessments(session, data_dir / "item_assessments.csv", reference)
    session.flush()
    log.info("seeded %d activities", len(activities))


def is_seeded(engine: Engine) -> bool:
    """Whether the store holds the frameworks already (a later start keeps the data)."""
    if not inspect(engine).has_table("framework"):
        return False
    with Session(engine) as session:
        return session.exec(select(m.Framework.id).limit(1)).first() is not None


def init_store(engine: Engine, settings: Settings | None = None) -> bool:
    """Migrate, then seed from the data files if the store is empty. True if it seeded."""
    settings = settings or get_settings()
    with _one_start_at_a_time(engine):
        migrate(engine)
        if is_seeded(engine):
            log.info("store already seeded; keeping its data")
            return False
        with Session(engine) as session:
            seed_store(session=session, data_dir=settings.manul_data_dir)
            session.commit()
    log.info("store seeded from %s", settings.manul_data_dir)
    return True


# Any fixed number, the same in every process of this app: the advisory lock's name.
SET_UP_LOCK = 0x6D616E756C


@contextmanager
def _one_start_at_a_time(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, servers starting together migrate and seed one after another (a session
    advisory lock, released even if the holder dies): the later ones find the store ready."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SET_UP_LOCK})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SET_UP_LOCK})
            connection.commit()


def _load_frameworks(session: Session, path: Path) -> dict[str, m.Framework]:
    rows = _Rows(path)
    frameworks: dict[str, m.Framework] = {}
    for line, row in rows:
        code = rows.text(line, row, "code")
        if code in frameworks:
            raise rows.fail(line, "code", f"duplicate framework {code!r}")
        frameworks[code] = m.Framework(
            code=code,
            name=rows.text(line, row, "name"),
            short_name=rows.text(line, row, "short_name"),
            period_start=int(rows.number(line, row, "period_start") or 0),
            period_end=int(rows.number(line, row, "period_end") or 0),
            description=rows.text(line, row, "description", required=False),
            source=rows.text(line, row, "source"),
            # Optional: a plan's file without it names its activity column `<code>_items`.
            items_column=m.items_column_of(code, row.get("items_column", "")),
        )
    session.add_all(frameworks.values())
    session.flush()
    return frameworks


def _load_items(
    session: Session, path: Path, frameworks: dict[str, m.Framework]
) -> dict[str, m.FrameworkItem]:
    """Framework items keyed by code; parents are listed before their children."""
    rows = _Rows(path)
    items: dict[str, m.FrameworkItem] = {}
    for line, row in rows:
        framework_code = rows.text(line, row, "framework")
        if framework_code not in frameworks:
            raise rows.fail(line, "framework", f"unknown framework {framework_code!r}")
        code = rows.text(line, row, "code")
        if code in items:
            raise rows.fail(line, "code", f"duplicate item code {code!r}")
        parent_code = rows.text(line, row, "parent_code", required=False)
        parent = items.get(parent_code) if parent_code else None
        if parent_code and parent is None:
            raise rows.fail(
                line, "parent_code", f"unknown parent {parent_code!r} (list parents first)"
            )
        item = m.FrameworkItem(
            framework_id=_id(frameworks[framework_code]),
            code=code,
            title=rows.text(line, row, "title"),
            description=rows.text(line, row, "description", required=False),
            level=rows.text(line, row, "level"),
            parent_id=parent.id if parent else None,
            provisional=rows.boolean(line, row, "provisional"),
            applies=rows.text(line, row, "applies", required=False),
            sort_order=int(rows.number(line, row, "sort_order", required=False) or 0),
            source=rows.text(line, row, "source"),
        )
        session.add(item)
        session.flush()
        items[code] = item
    return items


def _load_countries(session: Session, path: Path) -> dict[str, m.Country]:
    rows = _Rows(path)
    countries: dict[str, m.Country] = {}
    party = {"yes": True, "no": False, "unconfirmed": None}
    for line, row in rows:
        iso3 = rows.text(line, row, "iso3").upper()
        if len(iso3) != 3 or not iso3.isalpha():
            raise rows.fail(line, "iso3", f"{iso3!r} is not an ISO 3166-1 alpha-3 code")
        countries[iso3] = m.Country(
            iso3=iso3,
            name=rows.text(line, row, "name"),
            range_state=rows.boolean(line, row, "range_state"),
            cms_party=party[rows.choice(line, row, "cms_party", party)],
            cami_range_state=rows.boolean(line, row, "cami_range_state"),
            presence_note=rows.text(line, row, "presence_note", required=False),
            source=rows.text(line, row, "source"),
        )
    session.add_all(countries.values())
    session.flush()
    return countries


def _load_regions(
    session: Session,
    path: Path,
    countries: dict[str, m.Country],
    frameworks: dict[str, m.Framework],
) -> dict[int, m.Region]:
    rows = _Rows(path)
    regions: dict[int, m.Region] = {}
    links: list[m.RegionCountry] = []
    for line, row in rows:
        number = int(rows.number(line, row, "number") or 0)
        framework = rows.text(line, row, "framework")
        if framework not in frameworks:
            raise rows.fail(line, "framework", f"unknown framework {framework!r}")
        regions[number] = m.Region(
            number=number,
            framework_id=frameworks[framework].id,
            name=rows.text(line, row, "name"),
            pallas_status=rows.choice(line, row, "pallas_status", m.REGION_STATUSES),
            latitude=rows.number(line, row, "latitude") or 0.0,
            longitude=rows.number(line, row, "longitude") or 0.0,
            countries_derived=rows.boolean(line, row, "countries_derived"),
            position_derived=rows.boolean(line, row, "position_derived"),
            source=rows.text(line, row, "source"),
        )
        for iso3 in rows.listed(line, row, "countries"):
            if iso3 not in countries:
                raise rows.fail(line, "countries", f"unknown country {iso3!r}")
            links.append(m.RegionCountry(region_number=number, country_iso3=iso3))
    session.add_all(regions.values())
    session.flush()
    session.add_all(links)
    return regions


def _load_organisations(
    session: Session, path: Path, countries: dict[str, m.Country]
) -> dict[str, m.Organisation]:
    rows = _Rows(path)
    organisations: dict[str, m.Organisation] = {}
    for line, row in rows:
        slug = rows.text(line, row, "slug")
        if slug in organisations:
            raise rows.fail(line, "slug", f"duplicate organisation {slug!r}")
        country = rows.text(line, row, "country", required=False).upper() or None
        if country and country not in countries:
            # Organisations outside the range (zoos in Europe, ...) keep no country link.
            country = None
        name = rows.text(line, row, "name")
        organisations[slug] = m.Organisation(
            slug=slug,
            name=name,
            name_key=m.sort_key(name),
            short_name=rows.text(line, row, "short_name", required=False),
            kind=rows.choice(line, row, "kind", m.ORGANISATION_KINDS),
            country_iso3=country,
            url=rows.text(line, row, "url", required=False),
            source=rows.text(line, row, "source"),
            demo=rows.boolean(line, row, "demo") if "demo" in row else False,
        )
    session.add_all(organisations.values())
    session.flush()
    return organisations


def _reference(
    items: dict[str, m.FrameworkItem],
    frameworks: dict[str, m.Framework],
    countries: dict[str, m.Country],
    regions: dict[int, m.Region],
    organisations: dict[str, m.Organisation],
    activities: dict[str, m.Activity],
) -> Reference:
    """The codes loaded so far, for the checks the edit forms and the import share."""
    framework_codes = {_id(framework): code for code, framework in frameworks.items()}
    return Reference(
        organisations={slug: _id(row) for slug, row in organisations.items()},
        countries=frozenset(countries),
        regions=frozenset(regions),
        items={
            code: (_id(item), framework_codes[item.framework_id]) for code, item in items.items()
        },
        activities={key: _id(row) for key, row in activities.items()},
        plans={code: framework.items_column for code, framework in frameworks.items()},
    )


def _load_activities(session: Session, path: Path, reference: Reference) -> dict[str, m.Activity]:
    rows = _Rows(path)
    activities: dict[str, m.Activity] = {}
    for line, row in rows:
        draft, errors = parse_activity(line, row, reference)
        if draft.activity_id in activities and not errors:
            raise rows.fail(line, "activity_id", f"duplicate activity {draft.activity_id!r}")
        rows.first_error(line, errors, check_activity(draft, reference))
        activity = m.Activity(**activity_row_values(draft, reference))
        session.add(activity)
        session.flush()
        activities[draft.activity_id] = activity
        session.add_all(link_rows(_id(activity), draft, reference))
    session.flush()
    return activities


def _load_progress(session: Session, path: Path, activities: dict[str, m.Activity]) -> None:
    rows = _Rows(path)
    reported: set[str] = set()
    for line, row in rows:
        draft, errors = parse_progress(line, row)
        # The seed files may hold planned states (a start date ahead): no check on the date.
        problems = check_progress(draft, activities, today=dt.date.max)
        if draft.activity_id in activities:
            problems += check_progress_demo(draft, activities[draft.activity_id].demo)
        rows.first_error(line, errors, problems)
        session.add(
            m.ProgressUpdate(
                activity_id=_id(activities[draft.activity_id]),
                date=draft.date,
                progress_pct=draft.progress_pct,
                status=draft.status,
                note=draft.note,
                source=draft.source,
            )
        )
        reported.add(draft.activity_id)
    # An activity without a reported update still has a state: record it from its own row.
    for key, activity in activities.items():
        if key not in reported:
            session.add(
                m.ProgressUpdate(
                    activity_id=_id(activity),
                    date=activity.end_date
                    if activity.status == "completed" and activity.end_date
                    else activity.start_date or dt.date.today(),
                    progress_pct=activity.progress_pct,
                    status=activity.status,
                    note="state recorded from activities.csv",
                    source=activity.source_url,
                )
            )


def _load_funding(session: Session, path: Path, reference: Reference) -> None:
    rows = _Rows(path)
    for line, row in rows:
        draft, errors = parse_funding(line, row)
        rows.first_error(line, errors, check_funding(draft, reference))
        session.add(
            m.Funding(
                funder_id=reference.organisations[draft.funder],
                activity_id=reference.activities[draft.activity_id],
                amount=draft.amount,
                currency=draft.currency,
                year=draft.year,
                note=draft.note,
                source=draft.source,
                demo=draft.demo,
            )
        )


def _load_outputs(session: Session, path: Path, reference: Reference) -> None:
    rows = _Rows(path)
    for line, row in rows:
        draft, errors = parse_output(line, row)
        rows.first_error(line, errors, check_output(draft, reference))
        session.add(
            m.Output(
                activity_id=reference.activities[draft.activity_id],
                indicator=draft.indicator,
                value=draft.value,
                unit=draft.unit,
                target=draft.target,
                date=draft.date,
                note=draft.note,
                source=draft.source,
                demo=draft.demo,
            )
        )


def _load_assessments(session: Session, path: Path, reference: Reference) -> None:
    """Assessments of plan items, if the data directory has them (older ones do not)."""
    if not path.exists():
        return
    rows = _Rows(path)
    seen: dict[tuple[str, dt.date], int] = {}
    for line, row in rows:
        draft, errors = parse_assessment(line, row)
        rows.first_error(line, errors, check_assessment(draft, reference))
        if (draft.item, draft.date) in seen:
            raise rows.fail(
                line,
                "date",
                f"duplicate assessment of {draft.item} on {draft.date.isoformat()} "
                f"(also in row {seen[draft.item, draft.date]})",
            )
        seen[draft.item, draft.date] = line
        session.add(
            m.ItemAssessment(
                item_id=reference.items[draft.item][0],
                date=draft.date,
                status=draft.status,
                note=draft.note,
                source=draft.source,
                demo=draft.demo,
                recorded_by=SEEDED_BY,
            )
        )
