"""Fill an empty store from the human-editable files in `data/` (see data/README.md)."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlmodel import Session, SQLModel

from dashboard import models as m

log = logging.getLogger(__name__)


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


class _Rows:
    """Reads typed cells and reports where a bad one is (`file, row N, column X`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = read_rows(path)

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        # Row 1 is the header, so data rows start at 2 as a spreadsheet shows them.
        return iter(enumerate(self.rows, start=2))

    def fail(self, line: int, column: str, message: str) -> SeedError:
        return SeedError(f"{self.path.name}, row {line}, column {column}: {message}")

    def text(self, line: int, row: dict[str, str], column: str, *, required: bool = True) -> str:
        if column not in row:
            raise self.fail(line, column, "column missing")
        value = row[column]
        if required and not value:
            raise self.fail(line, column, "value required")
        return value

    def boolean(self, line: int, row: dict[str, str], column: str) -> bool:
        value = self.text(line, row, column).lower()
        if value in ("true", "yes", "1"):
            return True
        if value in ("false", "no", "0"):
            return False
        raise self.fail(line, column, f"expected true or false, got {value!r}")

    def number(
        self, line: int, row: dict[str, str], column: str, *, required: bool = True
    ) -> float | None:
        value = self.text(line, row, column, required=required)
        if not value:
            return None
        try:
            return float(value)
        except ValueError as error:
            raise self.fail(line, column, f"expected a number, got {value!r}") from error

    def date(
        self, line: int, row: dict[str, str], column: str, *, required: bool = True
    ) -> dt.date | None:
        value = self.text(line, row, column, required=required)
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError as error:
            raise self.fail(line, column, f"expected a date YYYY-MM-DD, got {value!r}") from error

    def choice(self, line: int, row: dict[str, str], column: str, allowed: Iterable[str]) -> str:
        value = self.text(line, row, column)
        allowed = tuple(allowed)
        if value not in allowed:
            raise self.fail(line, column, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def listed(self, line: int, row: dict[str, str], column: str) -> list[str]:
        return [
            part.strip()
            for part in self.text(line, row, column, required=False).split(";")
            if part.strip()
        ]


def seed_store(*, session: Session, data_dir: Path) -> None:
    """Load every data file into an empty store, in dependency order (the caller commits)."""
    frameworks = _load_frameworks(session, data_dir / "frameworks.csv")
    items = _load_items(session, data_dir / "framework_items.csv", frameworks)
    countries = _load_countries(session, data_dir / "countries.csv")
    regions = _load_regions(session, data_dir / "regions.csv", countries)
    organisations = _load_organisations(session, data_dir / "organisations.csv", countries)
    activities = _load_activities(
        session, data_dir / "activities.csv", items, countries, regions, organisations
    )
    _load_progress(session, data_dir / "progress_updates.csv", activities)
    _load_funding(session, data_dir / "funding.csv", activities, organisations)
    _load_outputs(session, data_dir / "outputs.csv", activities)
    session.flush()
    log.info("seeded %d activities", len(activities))


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
    session: Session, path: Path, countries: dict[str, m.Country]
) -> dict[int, m.Region]:
    rows = _Rows(path)
    regions: dict[int, m.Region] = {}
    links: list[m.RegionCountry] = []
    for line, row in rows:
        number = int(rows.number(line, row, "number") or 0)
        regions[number] = m.Region(
            number=number,
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
        organisations[slug] = m.Organisation(
            slug=slug,
            name=rows.text(line, row, "name"),
            short_name=rows.text(line, row, "short_name", required=False),
            kind=rows.choice(line, row, "kind", m.ORGANISATION_KINDS),
            country_iso3=country,
            url=rows.text(line, row, "url", required=False),
            source=rows.text(line, row, "source"),
        )
    session.add_all(organisations.values())
    session.flush()
    return organisations


def _load_activities(
    session: Session,
    path: Path,
    items: dict[str, m.FrameworkItem],
    countries: dict[str, m.Country],
    regions: dict[int, m.Region],
    organisations: dict[str, m.Organisation],
) -> dict[str, m.Activity]:
    rows = _Rows(path)
    activities: dict[str, m.Activity] = {}

    def organisation(line: int, column: str, slug: str) -> m.Organisation:
        if slug not in organisations:
            raise rows.fail(line, column, f"unknown organisation {slug!r}")
        return organisations[slug]

    for line, row in rows:
        key = rows.text(line, row, "activity_id")
        if key in activities:
            raise rows.fail(line, "activity_id", f"duplicate activity {key!r}")
        status = rows.choice(line, row, "status", m.ACTIVITY_STATUSES)
        progress = rows.number(line, row, "progress_pct") or 0.0
        if not 0 <= progress <= 100:
            raise rows.fail(line, "progress_pct", f"{progress} is outside 0–100")
        lead_slug = rows.text(line, row, "lead_organisation", required=False)
        activity = m.Activity(
            activity_id=key,
            title=rows.text(line, row, "title"),
            description=rows.text(line, row, "description", required=False),
            status=status,
            progress_pct=progress,
            start_date=rows.date(line, row, "start_date", required=False),
            end_date=rows.date(line, row, "end_date", required=False),
            lead_organisation_id=organisation(line, "lead_organisation", lead_slug).id
            if lead_slug
            else None,
            source_url=rows.text(line, row, "source_url", required=False),
            demo=rows.boolean(line, row, "demo"),
        )
        session.add(activity)
        session.flush()
        activities[key] = activity
        links: list[object] = []
        for column in ("strategy_items", "cami_sections"):
            for entry in rows.listed(line, row, column):
                code, _, weight_text = entry.partition(":")
                if code not in items:
                    raise rows.fail(line, column, f"unknown framework item {code!r}")
                try:
                    weight = float(weight_text) if weight_text else 1.0
                except ValueError as error:
                    raise rows.fail(line, column, f"bad weight in {entry!r}") from error
                links.append(
                    m.ActivityItem(
                        activity_id=_id(activity), item_id=_id(items[code]), weight=weight
                    )
                )
        for iso3 in rows.listed(line, row, "countries"):
            if iso3 not in countries:
                raise rows.fail(line, "countries", f"unknown country {iso3!r}")
            links.append(m.ActivityCountry(activity_id=_id(activity), country_iso3=iso3))
        for number in rows.listed(line, row, "ptcrs"):
            if not number.isdigit() or int(number) not in regions:
                raise rows.fail(line, "ptcrs", f"unknown PTCR {number!r}")
            links.append(m.ActivityRegion(activity_id=_id(activity), region_number=int(number)))
        for role, column in (("partner", "partners"), ("funder", "funders")):
            for slug in dict.fromkeys(rows.listed(line, row, column)):
                links.append(
                    m.ActivityOrganisation(
                        activity_id=_id(activity),
                        organisation_id=_id(organisation(line, column, slug)),
                        role=role,
                    )
                )
        latitude = rows.number(line, row, "latitude", required=False)
        longitude = rows.number(line, row, "longitude", required=False)
        if (latitude is None) != (longitude is None):
            raise rows.fail(line, "latitude", "give both latitude and longitude, or neither")
        if latitude is not None and longitude is not None:
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise rows.fail(line, "latitude", "coordinates out of range")
            links.append(
                m.Site(activity_id=_id(activity), name="", latitude=latitude, longitude=longitude)
            )
        session.add_all(links)
    session.flush()
    return activities


def _activity(
    rows: _Rows, line: int, row: dict[str, str], activities: dict[str, m.Activity]
) -> m.Activity:
    key = rows.text(line, row, "activity_id")
    if key not in activities:
        raise rows.fail(line, "activity_id", f"unknown activity {key!r}")
    return activities[key]


def _load_progress(session: Session, path: Path, activities: dict[str, m.Activity]) -> None:
    rows = _Rows(path)
    reported: set[str] = set()
    for line, row in rows:
        activity = _activity(rows, line, row, activities)
        progress = rows.number(line, row, "progress_pct") or 0.0
        if not 0 <= progress <= 100:
            raise rows.fail(line, "progress_pct", f"{progress} is outside 0–100")
        session.add(
            m.ProgressUpdate(
                activity_id=_id(activity),
                date=rows.date(line, row, "date") or dt.date.today(),
                progress_pct=progress,
                status=rows.choice(line, row, "status", m.ACTIVITY_STATUSES),
                note=rows.text(line, row, "note", required=False),
                source=rows.text(line, row, "source", required=False),
            )
        )
        reported.add(activity.activity_id)
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


def _load_funding(
    session: Session,
    path: Path,
    activities: dict[str, m.Activity],
    organisations: dict[str, m.Organisation],
) -> None:
    rows = _Rows(path)
    for line, row in rows:
        funder = rows.text(line, row, "funder")
        if funder not in organisations:
            raise rows.fail(line, "funder", f"unknown organisation {funder!r}")
        currency = rows.text(line, row, "currency").upper()
        if len(currency) != 3 or not currency.isalpha():
            raise rows.fail(line, "currency", f"{currency!r} is not an ISO 4217 code")
        try:
            amount = Decimal(rows.text(line, row, "amount"))
        except InvalidOperation as error:
            raise rows.fail(line, "amount", "expected an amount") from error
        session.add(
            m.Funding(
                funder_id=_id(organisations[funder]),
                activity_id=_id(_activity(rows, line, row, activities)),
                amount=amount,
                currency=currency,
                year=int(rows.number(line, row, "year") or 0),
                note=rows.text(line, row, "note", required=False),
                source=rows.text(line, row, "source"),
                demo=rows.boolean(line, row, "demo"),
            )
        )


def _load_outputs(session: Session, path: Path, activities: dict[str, m.Activity]) -> None:
    rows = _Rows(path)
    for line, row in rows:
        session.add(
            m.Output(
                activity_id=_id(_activity(rows, line, row, activities)),
                indicator=rows.text(line, row, "indicator"),
                value=rows.number(line, row, "value") or 0.0,
                unit=rows.text(line, row, "unit", required=False),
                target=rows.number(line, row, "target", required=False),
                date=rows.date(line, row, "date", required=False),
                note=rows.text(line, row, "note", required=False),
                source=rows.text(line, row, "source"),
                demo=rows.boolean(line, row, "demo"),
            )
        )
