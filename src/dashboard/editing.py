"""Changing the store: the write functions behind the edit forms, the import and the CLI.

Each function validates first (every problem at once, named by field), checks that the actor may
edit the activity, writes, and adds the audit rows in the same transaction; the caller commits.
Activities carry a version: saving against an older one is refused with what changed since
(`UPDATE ... WHERE id = ? AND version = ?`). Progress is history: recording progress inserts a
ProgressUpdate and refreshes the activity's status and progress from its latest update.
Assessments of plan items are history too: recording one adds a dated ItemAssessment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlalchemy import case, delete, func, insert, or_, update
from sqlmodel import Session, col, select

from dashboard import audit, dates
from dashboard import models as m
from dashboard.auth import Actor
from dashboard.markup import hidden_characters
from dashboard.provisional import PROVISIONAL, item_label

# The import template's link columns and the framework (by code) whose items each one lists.
ITEM_COLUMNS: dict[str, str] = {"strategy_items": "strategy", "cami_sections": "cami"}
ACTIVITY_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}")

Outcome = Literal["added", "changed", "unchanged"]


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field (or only worth a second look, if `warning`)."""

    field: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class EditError(ValueError):
    """A change that was not made, with every problem that stopped it."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


class NotAllowedError(EditError):
    """The actor may not edit this activity."""


class EditConflictError(EditError):
    """The activity changed since the form was opened: `changes` says how."""

    def __init__(self, activity_id: str, changes: Mapping[str, tuple[Any, Any]]) -> None:
        self.activity_id = activity_id
        self.changes = dict(changes)
        described = "; ".join(
            f"{name}: {_shown(old)} → {_shown(new)}" for name, (old, new) in self.changes.items()
        )
        super().__init__(
            [
                Problem(
                    "version",
                    f"{activity_id} was changed by someone else since you opened it"
                    + (f" ({described})" if described else "")
                    + ". Nothing was saved: load the current version and make your change again.",
                )
            ]
        )


def _shown(value: Any) -> str:
    if value in (None, "", [], ()):
        return "—"
    if isinstance(value, list | tuple):
        return ";".join(map(str, value))
    return str(value)


@dataclass(frozen=True)
class SiteDraft:
    latitude: float
    longitude: float
    name: str = ""

    def text(self) -> str:
        where = f"{self.latitude:g},{self.longitude:g}"
        return f"{where} {self.name}" if self.name else where


@dataclass(frozen=True)
class ActivityDraft:
    """An activity as a form or a file row gives it: links by code, not by database id.

    `version` is the version it was read at (None for a new activity). Item links are
    (code, weight) pairs. The first site is the primary one (the file's latitude/longitude).
    """

    activity_id: str
    title: str
    description: str = ""
    status: str = "planned"
    # None: no percentage reported (not 0 %; no mean reads it).
    progress_pct: float | None = 0.0
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    lead_organisation: str | None = None
    partners: tuple[str, ...] = ()
    funders: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    ptcrs: tuple[int, ...] = ()
    strategy_items: tuple[tuple[str, float], ...] = ()
    cami_sections: tuple[tuple[str, float], ...] = ()
    sites: tuple[SiteDraft, ...] = ()
    source_url: str = ""
    demo: bool = False
    version: int | None = None

    def normalised(self) -> ActivityDraft:
        """The same activity with its lists in a fixed order and no version, for comparing."""
        return dataclasses.replace(
            self,
            lead_organisation=self.lead_organisation or None,
            partners=tuple(sorted(set(self.partners))),
            funders=tuple(sorted(set(self.funders))),
            countries=tuple(sorted(set(self.countries))),
            ptcrs=tuple(sorted(set(self.ptcrs))),
            strategy_items=tuple(sorted(dict(self.strategy_items).items())),
            cami_sections=tuple(sorted(dict(self.cami_sections).items())),
            progress_pct=percentage(self.progress_pct),
            version=None,
        )

    def record(self) -> dict[str, Any]:
        """The values as the audit trail and conflict messages show them (lists as codes)."""
        draft = self.normalised()

        def weighted(pairs: tuple[tuple[str, float], ...]) -> list[str]:
            return [code if weight == 1 else f"{code}:{weight:g}" for code, weight in pairs]

        return {
            "activity_id": draft.activity_id,
            "title": draft.title,
            "description": draft.description,
            "status": draft.status,
            "progress_pct": draft.progress_pct,
            "start_date": draft.start_date.isoformat() if draft.start_date else None,
            "end_date": draft.end_date.isoformat() if draft.end_date else None,
            "lead_organisation": draft.lead_organisation,
            "partners": list(draft.partners),
            "funders": list(draft.funders),
            "countries": list(draft.countries),
            "ptcrs": list(draft.ptcrs),
            "strategy_items": weighted(draft.strategy_items),
            "cami_sections": weighted(draft.cami_sections),
            "sites": [site.text() for site in draft.sites],
            "source_url": draft.source_url,
            "demo": draft.demo,
        }


def percentage(value: float | None) -> float | None:
    """A progress percentage as stored: a float, or None for "no percentage reported"."""
    return None if value is None else float(value)


def check_percentage(status: str, progress_pct: float | None) -> list[Problem]:
    """A reported progress: 0–100, or none reported (not for a completed activity: 100)."""
    if progress_pct is None:
        if status == "completed":
            return [Problem("progress_pct", "a completed activity is at 100, not unreported")]
        return []
    if not (math.isfinite(progress_pct) and 0 <= progress_pct <= 100):
        return [Problem("progress_pct", f"{progress_pct:g} is outside 0–100")]
    if status == "completed" and progress_pct < 100:
        return [Problem("progress_pct", f"a completed activity is at 100, not {progress_pct:g}")]
    return []


def check_text(**fields: tuple[str, bool]) -> list[Problem]:
    """Control or direction-changing characters in free text ({field: (text, multiline)}):
    refused, so that a stored text reads as what it holds (markup.hidden_characters)."""
    return [
        Problem(field, f"holds a control or direction-changing character ({', '.join(found)})")
        for field, (text, multiline) in fields.items()
        if (found := hidden_characters(text, multiline=multiline))
    ]


def differences(before: ActivityDraft, after: ActivityDraft) -> dict[str, tuple[Any, Any]]:
    """{field: (before, after)} for every field that differs (lists compared as sets)."""
    return audit.changed_values(before.record(), after.record())


@dataclass(frozen=True)
class ProgressDraft:
    activity_id: str
    date: dt.date
    # None: the report gave no percentage ("not reported").
    progress_pct: float | None
    status: str
    note: str = ""
    source: str = ""
    # A data file's optional demo column: None when not given. An update always takes its
    # activity's flag (sync_reported_dates); a given one must agree (check_progress_demo).
    demo: bool | None = None

    def record(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "progress_pct": percentage(self.progress_pct),
            "status": self.status,
            "note": self.note,
            "source": self.source,
        }


# How an entry without an amount is shown, wherever an amount would be.
NOT_PUBLISHED = "amount not published"


@dataclass(frozen=True)
class FundingDraft:
    """Money one funder gave one activity in one year and currency (the key of an entry)."""

    funder: str
    activity_id: str
    # None: a documented funding relationship whose amount is not published (then no
    # currency either); the year may be unknown too.
    amount: Decimal | None
    currency: str | None
    year: int | None
    note: str = ""
    source: str = ""
    demo: bool = False

    @property
    def key(self) -> tuple[str, str, int | None, str | None]:
        return (self.funder, self.activity_id, self.year, self.currency)

    def label(self) -> str:
        """The entry as reports and messages name it: funder → activity, year, currency (or
        that the amount is not published: never a 0)."""
        year = "year not given" if self.year is None else str(self.year)
        return f"{self.funder} → {self.activity_id} {year} {self.currency or NOT_PUBLISHED}"

    def record(self) -> dict[str, Any]:
        return {
            "funder": self.funder,
            "amount": None
            if self.amount is None
            else str(Decimal(self.amount).quantize(Decimal("0.01"))),
            "currency": self.currency,
            "year": self.year,
            "note": self.note,
            "source": self.source,
            "demo": self.demo,
        }


@dataclass(frozen=True)
class OutputDraft:
    """A measured result; one entry per activity, indicator and date."""

    activity_id: str
    indicator: str
    value: float
    unit: str = ""
    target: float | None = None
    date: dt.date | None = None
    note: str = ""
    source: str = ""
    demo: bool = False

    @property
    def key(self) -> tuple[str, str, dt.date | None]:
        return (self.activity_id, self.indicator, self.date)

    def record(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "value": float(self.value),
            "unit": self.unit,
            "target": None if self.target is None else float(self.target),
            "date": self.date.isoformat() if self.date else None,
            "note": self.note,
            "source": self.source,
            "demo": self.demo,
        }


@dataclass(frozen=True)
class AssessmentDraft:
    """A partner's dated assessment of how far a plan item (by code) is implemented, with its
    evidence, as a national report answers per action."""

    item: str
    date: dt.date
    status: str
    note: str = ""
    source: str = ""
    demo: bool = False

    def record(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "date": self.date.isoformat(),
            "status": self.status,
            "note": self.note,
            "source": self.source,
            "demo": self.demo,
        }


# The assessments that claim work on an item (started or beyond) need a source: the evidence.
EVIDENCED_STATUSES: tuple[str, ...] = ("started", "well_advanced", "completed")


Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Reference:
    """The codes a change may name, and the range states' bounding box (min lon, min lat, ...)."""

    organisations: Mapping[str, int]
    countries: Collection[str]
    regions: Collection[int]
    # code -> (item id, framework code)
    items: Mapping[str, tuple[int, str]]
    # activity_id -> database id
    activities: Mapping[str, int]
    bbox: Box | None = None
    # What people call them, for resolve.py: slug -> (name, short name), ISO3 -> name,
    # PTCR number -> name, item code -> title.
    organisation_names: Mapping[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    country_names: Mapping[str, str] = dataclasses.field(default_factory=dict)
    region_names: Mapping[int, str] = dataclasses.field(default_factory=dict)
    item_titles: Mapping[str, str] = dataclasses.field(default_factory=dict)


@functools.lru_cache(maxsize=4)
def range_bbox(path: Path) -> Box | None:
    """The bounding box of the range states' polygons, or None without the file."""
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError):
        return None
    longitudes: list[float] = []
    latitudes: list[float] = []

    def walk(coordinates: Any) -> None:
        if coordinates and isinstance(coordinates[0], int | float):
            longitudes.append(float(coordinates[0]))
            latitudes.append(float(coordinates[1]))
        else:
            for part in coordinates:
                walk(part)

    for feature in features:
        walk(feature["geometry"]["coordinates"])
    if not longitudes:
        return None
    return (min(longitudes), min(latitudes), max(longitudes), max(latitudes))


def load_reference(*, session: Session, geojson: Path | None = None) -> Reference:
    """Every code a change may name, read from the store."""
    from dashboard.settings import get_settings

    items = session.exec(
        select(
            m.FrameworkItem.code, m.FrameworkItem.id, m.Framework.code, m.FrameworkItem.title
        ).join(m.Framework, col(m.Framework.id) == m.FrameworkItem.framework_id)
    ).all()
    organisations = session.exec(
        select(
            m.Organisation.slug, m.Organisation.id, m.Organisation.name, m.Organisation.short_name
        )
    ).all()
    countries = dict(session.exec(select(m.Country.iso3, m.Country.name)).all())
    regions = dict(session.exec(select(m.Region.number, m.Region.name)).all())
    return Reference(
        organisations={slug: pk for slug, pk, _, _ in organisations if pk is not None},
        countries=frozenset(countries),
        regions=frozenset(regions),
        items={code: (int(pk or 0), framework) for code, pk, framework, _ in items},
        organisation_names={slug: (name, short) for slug, _, name, short in organisations},
        country_names=countries,
        region_names=regions,
        item_titles={code: title for code, _, _, title in items},
        activities={
            key: pk
            for key, pk in session.exec(select(m.Activity.activity_id, m.Activity.id)).all()
            if pk is not None
        },
        bbox=range_bbox(geojson or get_settings().geojson_path),
    )


def check_activity(draft: ActivityDraft, reference: Reference) -> list[Problem]:
    """Every problem with an activity, named by field (import columns / form fields)."""
    problems: list[Problem] = []
    if not ACTIVITY_ID_PATTERN.fullmatch(draft.activity_id):
        problems.append(
            Problem(
                "activity_id",
                "an id is 1–60 letters, digits or . _ - (e.g. MP-2025-KAZ-SURVEY)"
                if draft.activity_id
                else "value required",
            )
        )
    if not draft.title.strip():
        problems.append(Problem("title", "value required"))
    elif len(draft.title) > 300:
        problems.append(Problem("title", "at most 300 characters"))
    problems.extend(
        check_text(
            title=(draft.title, False),
            description=(draft.description, True),
            source_url=(draft.source_url, False),
        )
    )
    if draft.status not in m.ACTIVITY_STATUSES:
        problems.append(
            Problem("status", f"{draft.status!r} is not one of {', '.join(m.ACTIVITY_STATUSES)}")
        )
    problems.extend(check_percentage(draft.status, draft.progress_pct))
    for column, day in (("start_date", draft.start_date), ("end_date", draft.end_date)):
        if day is not None and (reason := dates.out_of_range(day)):
            problems.append(Problem(column, reason))
    if draft.start_date and draft.end_date and draft.end_date < draft.start_date:
        problems.append(
            Problem(
                "end_date",
                f"ends ({draft.end_date.isoformat()}) before it starts "
                f"({draft.start_date.isoformat()})",
            )
        )
    if draft.lead_organisation and draft.lead_organisation not in reference.organisations:
        problems.append(
            Problem("lead_organisation", f"unknown organisation {draft.lead_organisation!r}")
        )
    for column, slugs in (("partners", draft.partners), ("funders", draft.funders)):
        unknown = [slug for slug in slugs if slug not in reference.organisations]
        if unknown:
            problems.append(Problem(column, _unknown("organisation", unknown)))
    unknown_countries = [iso3 for iso3 in draft.countries if iso3 not in reference.countries]
    if unknown_countries:
        problems.append(Problem("countries", _unknown("country", unknown_countries)))
    unknown_regions = [str(n) for n in draft.ptcrs if n not in reference.regions]
    if unknown_regions:
        problems.append(Problem("ptcrs", _unknown("PTCR", unknown_regions)))
    for column, pairs in (
        ("strategy_items", draft.strategy_items),
        ("cami_sections", draft.cami_sections),
    ):
        problems.extend(_check_items(column, pairs, reference))
    for site in draft.sites:
        problems.extend(_check_site(site, reference.bbox))
    if draft.demo and not draft.title.startswith("[Demo]"):
        problems.append(
            Problem(
                "title",
                "demo activities' titles start with “[Demo] ” so that they stay visibly marked",
                warning=True,
            )
        )
    return problems


def _unknown(what: str, values: Iterable[str]) -> str:
    values = list(values)
    return f"unknown {what}{'s' if len(values) > 1 else ''} " + ", ".join(map(repr, values))


def _check_items(
    column: str, pairs: Iterable[tuple[str, float]], reference: Reference
) -> list[Problem]:
    problems: list[Problem] = []
    unknown = [code for code, _ in pairs if code not in reference.items]
    if unknown:
        problems.append(Problem(column, _unknown("framework item", unknown)))
    framework = ITEM_COLUMNS[column]
    elsewhere = [
        code
        for code, _ in pairs
        if code in reference.items and reference.items[code][1] != framework
    ]
    if elsewhere:
        problems.append(
            Problem(column, f"{', '.join(map(repr, elsewhere))} not in the {framework} framework")
        )
    bad_weights = [code for code, weight in pairs if not (math.isfinite(weight) and weight > 0)]
    if bad_weights:
        problems.append(
            Problem(column, f"a weight must be a positive number ({', '.join(bad_weights)})")
        )
    return problems


def _check_site(site: SiteDraft, bbox: Box | None) -> list[Problem]:
    lat, lon = site.latitude, site.longitude
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        return [Problem("latitude", f"{lat:g} is not a latitude (−90 to 90)")]
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        return [Problem("longitude", f"{lon:g} is not a longitude (−180 to 180)")]
    if bbox and not (bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]):
        return [
            Problem(
                "latitude",
                f"{lat:g}, {lon:g} lies outside the range states' bounding box "
                f"(latitude {bbox[1]:.1f} to {bbox[3]:.1f}, longitude {bbox[0]:.1f} to "
                f"{bbox[2]:.1f}): "
                "check the coordinates",
                warning=True,
            )
        ]
    return []


def check_progress(
    draft: ProgressDraft, activities: Collection[str], today: dt.date | None = None
) -> list[Problem]:
    today = today or dt.date.today()
    problems: list[Problem] = []
    if draft.activity_id not in activities:
        problems.append(Problem("activity_id", f"unknown activity {draft.activity_id!r}"))
    if draft.date > today:
        problems.append(
            Problem("date", f"{draft.date.isoformat()} is in the future: report what happened")
        )
    elif reason := dates.out_of_range(draft.date):
        problems.append(Problem("date", reason))
    if draft.status not in m.ACTIVITY_STATUSES:
        problems.append(
            Problem("status", f"{draft.status!r} is not one of {', '.join(m.ACTIVITY_STATUSES)}")
        )
    problems.extend(check_percentage(draft.status, draft.progress_pct))
    problems.extend(check_text(note=(draft.note, True), source=(draft.source, False)))
    return problems


def check_progress_demo(draft: ProgressDraft, activity_demo: bool | None) -> list[Problem]:
    """A progress update's demo flag, where a file gives one, must be its activity's: an
    update of invented work is invented too, and one of real work is not."""
    if draft.demo is None or activity_demo is None or draft.demo == activity_demo:
        return []
    return [
        Problem(
            "demo",
            f"{draft.activity_id} is {'' if activity_demo else 'not '}demo data, so its "
            f"updates are demo={str(activity_demo).lower()}",
        )
    ]


def check_funding(draft: FundingDraft, reference: Reference) -> list[Problem]:
    problems: list[Problem] = []
    if draft.funder not in reference.organisations:
        problems.append(Problem("funder", f"unknown organisation {draft.funder!r}"))
    if draft.activity_id not in reference.activities:
        problems.append(Problem("activity_id", f"unknown activity {draft.activity_id!r}"))
    if draft.amount is None:
        # Amount not published: a currency would suggest an amount that is not there.
        if draft.currency:
            problems.append(
                Problem("currency", "no currency without an amount (amount not published)")
            )
    else:
        if not draft.amount.is_finite() or draft.amount <= 0:
            problems.append(Problem("amount", "an amount is a positive number"))
        elif draft.amount.adjusted() >= 12:
            problems.append(Problem("amount", "an amount must be below 1,000,000,000,000"))
        elif draft.amount != draft.amount.quantize(Decimal("0.01")):
            problems.append(Problem("amount", "at most two decimals"))
        currency = draft.currency or ""
        if not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
            problems.append(Problem("currency", f"{currency!r} is not an ISO 4217 code"))
    if draft.year is not None and not dates.EARLIEST.year <= draft.year <= dates.latest().year:
        problems.append(Problem("year", f"{draft.year} is not a plausible year"))
    return problems


def check_output(draft: OutputDraft, reference: Reference) -> list[Problem]:
    problems: list[Problem] = []
    if draft.activity_id not in reference.activities:
        problems.append(Problem("activity_id", f"unknown activity {draft.activity_id!r}"))
    if not draft.indicator.strip():
        problems.append(Problem("indicator", "value required"))
    elif len(draft.indicator) > 120:
        problems.append(Problem("indicator", "at most 120 characters"))
    if len(draft.unit) > 40:
        problems.append(Problem("unit", "at most 40 characters"))
    if not math.isfinite(draft.value):
        problems.append(Problem("value", "expected a number"))
    if draft.target is not None and not math.isfinite(draft.target):
        problems.append(Problem("target", "expected a number"))
    if draft.date is not None and (reason := dates.out_of_range(draft.date)):
        problems.append(Problem("date", reason))
    return problems


def check_assessment(
    draft: AssessmentDraft, reference: Reference, today: dt.date | None = None
) -> list[Problem]:
    """Every problem with an assessment of a plan item, named by field."""
    today = today or dt.date.today()
    problems: list[Problem] = []
    if draft.item not in reference.items:
        problems.append(Problem("item", _unknown("framework item", [draft.item])))
    if draft.date > today:
        problems.append(
            Problem("date", f"{draft.date.isoformat()} is in the future: assess what happened")
        )
    elif reason := dates.out_of_range(draft.date):
        problems.append(Problem("date", reason))
    if draft.status not in m.ITEM_STATUSES:
        problems.append(
            Problem("status", f"{draft.status!r} is not one of {', '.join(m.ITEM_STATUSES)}")
        )
    elif draft.status in EVIDENCED_STATUSES and not draft.source.strip():
        problems.append(
            Problem(
                "source",
                f"say where this is documented (a report, publication or URL): "
                f"“{draft.status.replace('_', ' ')}” needs its evidence",
            )
        )
    elif draft.status == "not_applicable" and not draft.note.strip():
        # Not applicable takes the item out of the plan's count: say why.
        problems.append(Problem("note", "say why the item does not apply"))
    return problems


def _errors(problems: Iterable[Problem]) -> list[Problem]:
    return [problem for problem in problems if not problem.warning]


def _activity_row(session: Session, activity_id: str) -> m.Activity | None:
    return session.exec(select(m.Activity).where(m.Activity.activity_id == activity_id)).first()


def load_draft(*, session: Session, activity_id: str) -> ActivityDraft | None:
    """An activity as it is stored now, with its version (None if there is no such activity)."""
    row = _activity_row(session, activity_id)
    if row is None or row.id is None:
        return None
    pk = row.id
    lead = (
        session.exec(
            select(m.Organisation.slug).where(m.Organisation.id == row.lead_organisation_id)
        ).first()
        if row.lead_organisation_id
        else None
    )
    roles = session.exec(
        select(m.ActivityOrganisation.role, m.Organisation.slug)
        .join(m.Organisation, col(m.Organisation.id) == m.ActivityOrganisation.organisation_id)
        .where(m.ActivityOrganisation.activity_id == pk)
    ).all()
    items = session.exec(
        select(m.Framework.code, m.FrameworkItem.code, m.ActivityItem.weight)
        .join(m.FrameworkItem, col(m.FrameworkItem.id) == m.ActivityItem.item_id)
        .join(m.Framework, col(m.Framework.id) == m.FrameworkItem.framework_id)
        .where(m.ActivityItem.activity_id == pk)
    ).all()
    sites = session.exec(
        select(m.Site).where(m.Site.activity_id == pk).order_by(col(m.Site.id))
    ).all()

    def linked(column: str) -> tuple[tuple[str, float], ...]:
        return tuple(
            (code, float(weight))
            for framework, code, weight in items
            if framework == ITEM_COLUMNS[column]
        )

    draft = ActivityDraft(
        activity_id=row.activity_id,
        title=row.title,
        description=row.description,
        status=row.status,
        progress_pct=percentage(row.progress_pct),
        start_date=row.start_date,
        end_date=row.end_date,
        lead_organisation=lead,
        partners=tuple(slug for role, slug in roles if role == "partner"),
        funders=tuple(slug for role, slug in roles if role == "funder"),
        countries=tuple(
            session.exec(
                select(m.ActivityCountry.country_iso3).where(m.ActivityCountry.activity_id == pk)
            ).all()
        ),
        ptcrs=tuple(
            session.exec(
                select(m.ActivityRegion.region_number).where(m.ActivityRegion.activity_id == pk)
            ).all()
        ),
        strategy_items=linked("strategy_items"),
        cami_sections=linked("cami_sections"),
        sites=tuple(SiteDraft(s.latitude, s.longitude, s.name) for s in sites),
        source_url=row.source_url,
        demo=row.demo,
    )
    return dataclasses.replace(draft.normalised(), version=row.version)


def activity_row_values(draft: ActivityDraft, reference: Reference) -> dict[str, Any]:
    """The Activity table's own columns for `draft` (links are written separately)."""
    return {
        "activity_id": draft.activity_id,
        "title": draft.title,
        "title_key": m.sort_key(draft.title),
        "description": draft.description,
        "status": draft.status,
        "progress_pct": percentage(draft.progress_pct),
        "start_date": draft.start_date,
        "end_date": draft.end_date,
        "lead_organisation_id": reference.organisations[draft.lead_organisation]
        if draft.lead_organisation
        else None,
        "source_url": draft.source_url,
        "demo": draft.demo,
    }


def link_rows(pk: int, draft: ActivityDraft, reference: Reference) -> list[Any]:
    """The link rows (items, countries, PTCRs, partners/funders, sites) of activity `pk`."""
    rows: list[Any] = []
    for code, weight in dict([*draft.strategy_items, *draft.cami_sections]).items():
        rows.append(m.ActivityItem(activity_id=pk, item_id=reference.items[code][0], weight=weight))
    rows.extend(
        m.ActivityCountry(activity_id=pk, country_iso3=iso3) for iso3 in set(draft.countries)
    )
    rows.extend(m.ActivityRegion(activity_id=pk, region_number=n) for n in set(draft.ptcrs))
    for role, slugs in (("partner", draft.partners), ("funder", draft.funders)):
        rows.extend(
            m.ActivityOrganisation(
                activity_id=pk, organisation_id=reference.organisations[slug], role=role
            )
            for slug in dict.fromkeys(slugs)
        )
    rows.extend(
        m.Site(activity_id=pk, name=site.name, latitude=site.latitude, longitude=site.longitude)
        for site in draft.sites
    )
    return rows


LINK_TABLES: tuple[Any, ...] = (
    m.ActivityItem,
    m.ActivityCountry,
    m.ActivityRegion,
    m.ActivityOrganisation,
    m.Site,
)
LINK_FIELDS = frozenset(
    {
        "partners",
        "funders",
        "countries",
        "ptcrs",
        "strategy_items",
        "cami_sections",
        "sites",
    }
)


def first_state_date(draft: ActivityDraft, today: dt.date) -> dt.date:
    """The date an activity's own status is recorded on when it has no reported update."""
    if draft.status == "completed" and draft.end_date:
        return min(draft.end_date, today)
    return min(draft.start_date or today, today)


def _require_may_edit(actor: Actor, *drafts: ActivityDraft | None) -> None:
    for draft in drafts:
        if draft is not None and not actor.may_edit(draft.lead_organisation, draft.partners):
            raise NotAllowedError([Problem("lead_organisation", actor.refusal(draft.activity_id))])


@dataclass(frozen=True)
class SaveResult:
    activity_id: str
    outcome: Outcome
    version: int
    changes: Mapping[str, tuple[Any, Any]]
    warnings: Sequence[Problem] = ()
    # The activity's primary key (None when nothing was written).
    pk: int | None = None


def save_activity(
    *,
    session: Session,
    draft: ActivityDraft,
    actor: Actor,
    base: ActivityDraft | None,
    reference: Reference | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> SaveResult:
    """Create (`base` None) or update an activity and its links; refuse a stale `base`.

    An update whose status or progress differs adds a ProgressUpdate dated today (history is
    never overwritten). An update that changes nothing writes nothing.
    """
    today = today or dt.date.today()
    reference = reference or load_reference(session=session)
    problems = check_activity(draft, reference)
    if _errors(problems):
        raise EditError(_errors(problems))
    warnings = [problem for problem in problems if problem.warning]
    draft = draft.normalised()
    current = load_draft(session=session, activity_id=draft.activity_id)
    if base is None:
        if current is not None:
            raise EditError([Problem("activity_id", f"{draft.activity_id} exists already")])
        _require_may_edit(actor, draft)
        return _create_activity(session, draft, actor, reference, note, today, warnings)
    if current is None:
        raise EditError([Problem("activity_id", f"{draft.activity_id} no longer exists")])
    _require_may_edit(actor, current, draft)
    if base.version != current.version:
        raise EditConflictError(draft.activity_id, differences(base, current))
    changes = differences(current, draft)
    if not changes:
        return SaveResult(draft.activity_id, "unchanged", current.version or 0, {}, warnings)
    pk = reference.activities.get(draft.activity_id) or _pk(session, draft.activity_id)
    # The version check and the write are one statement: of two saves, only one succeeds.
    updated = session.exec(
        update(m.Activity)
        .where(col(m.Activity.id) == pk, col(m.Activity.version) == base.version)
        .values(
            **activity_row_values(draft, reference),
            version=col(m.Activity.version) + 1,
            updated_at=dt.datetime.now(dt.UTC),
        )
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        latest = load_draft(session=session, activity_id=draft.activity_id)
        raise EditConflictError(draft.activity_id, differences(base, latest) if latest else {})
    if LINK_FIELDS & changes.keys():
        for table in LINK_TABLES:
            session.exec(delete(table).where(table.activity_id == pk))
        session.add_all(link_rows(pk, draft, reference))
    if "demo" in changes:
        sync_reported_dates(session, [pk])
    audit.record_update(
        session=session,
        actor=actor,
        table="activity",
        row_key=draft.activity_id,
        activity_key=draft.activity_id,
        changes=changes,
    )
    if {"status", "progress_pct"} & changes.keys():
        _add_update(
            session,
            actor,
            pk,
            ProgressDraft(
                activity_id=draft.activity_id,
                date=today,
                progress_pct=draft.progress_pct,
                status=draft.status,
                note=note or f"set in the activity ({actor.via})",
                source=draft.source_url,
            ),
        )
    session.flush()
    session.expire_all()
    return SaveResult(draft.activity_id, "changed", (base.version or 0) + 1, changes, warnings)


def _pk(session: Session, activity_id: str) -> int:
    row = _activity_row(session, activity_id)
    assert row is not None
    assert row.id is not None
    return row.id


def _create_activity(
    session: Session,
    draft: ActivityDraft,
    actor: Actor,
    reference: Reference,
    note: str,
    today: dt.date,
    warnings: Sequence[Problem],
) -> SaveResult:
    (result,) = create_activities(
        session=session, drafts=[draft], actor=actor, reference=reference, note=note, today=today
    )
    return dataclasses.replace(result, warnings=tuple(warnings))


def work_started(status: str, progress_pct: float | None) -> bool:
    """Whether a reported state says work is under way or done (in progress or completed,
    or any progress above 0): from the first such report, the plan items the activity
    serves count as started."""
    return status in m.WORK_STARTED_STATUSES or (progress_pct or 0) > 0


def sync_reported_dates(session: Session, pks: Sequence[int] | None = None) -> None:
    """Set Activity.first_reported and last_reported (the dates of each activity's earliest
    and latest progress updates) and first_started (of its earliest update reporting work
    under way), and give its
    updates its demo flag (of the activities `pks`, or of all): every path that adds updates
    or changes an activity's demo flag ends here."""
    update_table = m.ProgressUpdate.__table__  # type: ignore[attr-defined]
    activity_table = m.Activity.__table__  # type: ignore[attr-defined]
    earliest = (
        select(func.min(update_table.c.date))
        .where(update_table.c.activity_id == activity_table.c.id)
        .scalar_subquery()
    )
    started = (
        select(func.min(update_table.c.date))
        .where(
            update_table.c.activity_id == activity_table.c.id,
            or_(
                update_table.c.status.in_(m.WORK_STARTED_STATUSES),
                update_table.c.progress_pct > 0,
            ),
        )
        .scalar_subquery()
    )
    latest = (
        select(func.max(update_table.c.date))
        .where(update_table.c.activity_id == activity_table.c.id)
        .scalar_subquery()
    )
    dates = update(activity_table).values(
        first_reported=earliest, first_started=started, last_reported=latest
    )
    demo = (
        select(activity_table.c.demo)
        .where(activity_table.c.id == update_table.c.activity_id)
        .scalar_subquery()
    )
    flags = update(update_table).values(demo=demo)
    if pks is not None:
        dates = dates.where(activity_table.c.id.in_(list(pks)))
        flags = flags.where(update_table.c.activity_id.in_(list(pks)))
    session.execute(dates)
    session.execute(flags)


def counted_value(status: str, progress_pct: float | None) -> tuple[float, int]:
    """(progress as a mean counts it, whether it is counted) for a state: completed counts
    100; cancelled, and a state with no percentage reported, are not counted (0, 0)."""
    if status == "completed":
        return 100.0, 1
    if status == "cancelled" or progress_pct is None:
        return 0.0, 0
    return float(progress_pct), 1


def sync_progress_changes(session: Session, pks: Sequence[int] | None = None) -> None:
    """Set each progress update's value_change and counted_change against the activity's
    update before it (of the activities `pks`, or of all): every path that adds updates
    ends here, so a back-dated update also corrects the change of the one after it."""
    update_table = m.ProgressUpdate.__table__  # type: ignore[attr-defined]
    # As counted_value, in SQL.
    progress = case(
        (update_table.c.status == "completed", 100.0), else_=update_table.c.progress_pct
    )
    counted = case((update_table.c.status == "cancelled", 0), (progress.is_(None), 0), else_=1)
    window = {
        "partition_by": update_table.c.activity_id,
        "order_by": (update_table.c.date, update_table.c.id),
    }
    value = func.coalesce(progress, 0.0) * counted
    changes = select(
        update_table.c.id,
        (value - func.lag(value, 1, 0.0).over(**window)).label("value_change"),
        (counted - func.lag(counted, 1, 0).over(**window)).label("counted_change"),
    )
    if pks is not None:
        changes = changes.where(update_table.c.activity_id.in_(list(pks)))
    computed = changes.subquery("computed")
    session.execute(
        update(update_table)
        .where(update_table.c.id == computed.c.id)
        .values(value_change=computed.c.value_change, counted_change=computed.c.counted_change)
    )


def _insert_returning_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` in one statement per batch and return their new ids, in order."""
    if not rows:
        return []
    table = model.__table__
    # sort_by_parameter_order: the ids come back in the order of `rows` on every backend.
    result = session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )
    return [int(row[0]) for row in result]


def create_activities(
    *,
    session: Session,
    drafts: Sequence[ActivityDraft],
    actor: Actor,
    reference: Reference,
    note: str = "",
    today: dt.date | None = None,
) -> list[SaveResult]:
    """Create new, already checked activities with their links, first progress update and
    audit rows: a handful of multi-row statements whatever the number (form: one; import: all).
    """
    if not drafts:
        return []
    today = today or dt.date.today()
    drafts = [draft.normalised() for draft in drafts]
    now = dt.datetime.now(dt.UTC)
    ids = _insert_returning_ids(
        session,
        m.Activity,
        [
            {
                **activity_row_values(draft, reference),
                # The first progress update, written below, is dated so.
                "first_reported": first_state_date(draft, today),
                "last_reported": first_state_date(draft, today),
                "first_started": first_state_date(draft, today)
                if work_started(draft.status, draft.progress_pct)
                else None,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for draft in drafts
        ],
    )
    links: dict[Any, list[dict[str, Any]]] = {}
    for pk, draft in zip(ids, drafts, strict=True):
        for row in link_rows(pk, draft, reference):
            links.setdefault(type(row), []).append(row.model_dump(exclude={"id"}))
    for model, rows in links.items():
        session.execute(insert(model.__table__), rows)
    progress = [
        ProgressDraft(
            activity_id=draft.activity_id,
            date=first_state_date(draft, today),
            progress_pct=draft.progress_pct,
            status=draft.status,
            note=note or f"state when the activity was created ({actor.via})",
            source=draft.source_url,
        )
        for draft in drafts
    ]
    update_ids = _insert_returning_ids(
        session,
        m.ProgressUpdate,
        [
            {
                "activity_id": pk,
                "date": first.date,
                "progress_pct": percentage(first.progress_pct),
                "status": first.status,
                "note": first.note,
                "source": first.source,
                "recorded_at": now,
                "demo": draft.demo,
                # The activity's first update: its change is the whole of its state.
                **dict(
                    zip(
                        ("value_change", "counted_change"),
                        counted_value(first.status, first.progress_pct),
                        strict=True,
                    )
                ),
            }
            for pk, first, draft in zip(ids, progress, drafts, strict=True)
        ],
    )
    entries = []
    for draft, first, update_id in zip(drafts, progress, update_ids, strict=True):
        entries.append(
            audit.entry(
                actor=actor,
                action="create",
                table="activity",
                row_key=draft.activity_id,
                activity_key=draft.activity_id,
                after=draft.record(),
            )
        )
        entries.append(
            audit.entry(
                actor=actor,
                action="insert",
                table="progressupdate",
                row_key=str(update_id),
                activity_key=draft.activity_id,
                after=first.record(),
            )
        )
    session.execute(insert(m.AuditEntry.__table__), entries)  # type: ignore[attr-defined]
    session.expire_all()
    return [
        SaveResult(
            draft.activity_id,
            "added",
            1,
            {name: (None, value) for name, value in draft.record().items()},
            pk=pk,
        )
        for pk, draft in zip(ids, drafts, strict=True)
    ]


def _add_update(session: Session, actor: Actor, pk: int, draft: ProgressDraft) -> m.ProgressUpdate:
    update_row = m.ProgressUpdate(
        activity_id=pk,
        date=draft.date,
        progress_pct=percentage(draft.progress_pct),
        status=draft.status,
        note=draft.note,
        source=draft.source,
    )
    session.add(update_row)
    session.flush()
    sync_reported_dates(session, [pk])
    sync_progress_changes(session, [pk])
    audit.record(
        session=session,
        actor=actor,
        action="insert",
        table="progressupdate",
        row_key=str(update_row.id),
        activity_key=draft.activity_id,
        after=draft.record(),
    )
    return update_row


def _replace_row(
    session: Session,
    actor: Actor,
    existing: m.Funding | m.Output,
    values: Mapping[str, Any],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    activity_key: str,
) -> Outcome:
    """Overwrite a funding entry or output the user chose to replace, auditing what changed."""
    existing.sqlmodel_update(dict(values))
    session.add(existing)
    session.flush()
    audit.record_update(
        session=session,
        actor=actor,
        table=existing.__tablename__,  # type: ignore[arg-type]
        row_key=str(existing.id),
        activity_key=activity_key,
        changes=audit.changed_values(before, after),
    )
    return "changed"


def record_progress(
    *,
    session: Session,
    draft: ProgressDraft,
    actor: Actor,
    today: dt.date | None = None,
) -> Outcome:
    """Add a progress update (never overwriting one) and refresh the activity's state.

    The activity's status and progress become those of its latest update (by date), so a
    back-dated update adds history without changing the current state.
    """
    current = load_draft(session=session, activity_id=draft.activity_id)
    problems = check_progress(
        draft, [current.activity_id] if current else [], today=today or dt.date.today()
    )
    if _errors(problems):
        raise EditError(_errors(problems))
    assert current is not None
    _require_may_edit(actor, current)
    pk = _pk(session, draft.activity_id)
    _add_update(session, actor, pk, draft)
    refresh_state(session=session, actor=actor, activity_id=draft.activity_id)
    return "added"


def refresh_state(*, session: Session, actor: Actor, activity_id: str) -> bool:
    """Set an activity's status and progress from its latest update; True if they changed."""
    row = _activity_row(session, activity_id)
    assert row is not None
    assert row.id is not None
    latest = session.exec(
        select(m.ProgressUpdate)
        .where(m.ProgressUpdate.activity_id == row.id)
        .order_by(col(m.ProgressUpdate.date).desc(), col(m.ProgressUpdate.id).desc())
    ).first()
    if latest is None or (latest.status, latest.progress_pct) == (row.status, row.progress_pct):
        return False
    before = {"status": row.status, "progress_pct": percentage(row.progress_pct)}
    after = {"status": latest.status, "progress_pct": percentage(latest.progress_pct)}
    session.exec(
        update(m.Activity)
        .where(col(m.Activity.id) == row.id)
        .values(
            status=latest.status,
            progress_pct=latest.progress_pct,
            version=col(m.Activity.version) + 1,
            updated_at=dt.datetime.now(dt.UTC),
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(row)
    audit.record(
        session=session,
        actor=actor,
        action="update",
        table="activity",
        row_key=activity_id,
        activity_key=activity_id,
        before=before,
        after=after,
    )
    return True


def _insert(
    session: Session,
    actor: Actor,
    row: Any,
    record: Mapping[str, Any],
    *,
    activity_key: str | None = None,
) -> None:
    """Add `row` and audit its insertion (`record`: its values as the audit shows them)."""
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="insert",
        table=row.__tablename__,
        row_key=str(row.id),
        activity_key=activity_key,
        after=record,
    )


def record_funding(
    *,
    session: Session,
    draft: FundingDraft,
    actor: Actor,
    replace: bool = False,
    reference: Reference | None = None,
) -> Outcome:
    """Add a funding entry, or change the one with the same funder, year and currency.

    Without `replace`, an existing entry with other values is refused rather than overwritten.
    """
    reference = reference or load_reference(session=session)
    draft = dataclasses.replace(draft, currency=(draft.currency or "").upper() or None)
    problems = _errors(check_funding(draft, reference))
    if problems:
        raise EditError(problems)
    current = load_draft(session=session, activity_id=draft.activity_id)
    _require_may_edit(actor, current)
    funder_id = reference.organisations[draft.funder]
    activity_pk = reference.activities[draft.activity_id]
    existing = session.exec(
        select(m.Funding).where(
            m.Funding.funder_id == funder_id,
            m.Funding.activity_id == activity_pk,
            # An unknown year or currency (amount not published) matches an unknown one.
            col(m.Funding.year).is_(None) if draft.year is None else m.Funding.year == draft.year,
            col(m.Funding.currency).is_(None)
            if draft.currency is None
            else m.Funding.currency == draft.currency,
        )
    ).first()
    values: dict[str, Any] = {
        "amount": draft.amount,
        "note": draft.note,
        "source": draft.source,
        "demo": draft.demo,
    }
    if existing is not None:
        before = _funding_draft(existing, draft.funder, draft.activity_id).record()
        after = draft.record()
        if before == after:
            return "unchanged"
        if not replace:
            raise EditError(
                [
                    Problem(
                        "amount",
                        f"{draft.funder} already has an entry for {draft.activity_id}, "
                        f"{'year not given' if draft.year is None else draft.year}, "
                        + (
                            f"{draft.currency} ({before['amount'] or NOT_PUBLISHED})"
                            if draft.currency
                            else NOT_PUBLISHED
                        )
                        + ": tick “replace” to change it",
                    )
                ]
            )
        return _replace_row(session, actor, existing, values, before, after, draft.activity_id)
    row = m.Funding(
        funder_id=funder_id,
        activity_id=activity_pk,
        currency=draft.currency,
        year=draft.year,
        **values,
    )
    _insert(session, actor, row, draft.record(), activity_key=draft.activity_id)
    return "added"


def _funding_draft(row: m.Funding, funder: str, activity_id: str) -> FundingDraft:
    return FundingDraft(
        funder=funder,
        activity_id=activity_id,
        amount=None if row.amount is None else Decimal(row.amount),
        currency=row.currency,
        year=row.year,
        note=row.note,
        source=row.source,
        demo=row.demo,
    )


def record_output(
    *,
    session: Session,
    draft: OutputDraft,
    actor: Actor,
    replace: bool = False,
    reference: Reference | None = None,
) -> Outcome:
    """Add an output, or change the one with the same indicator and date (with `replace`)."""
    reference = reference or load_reference(session=session)
    problems = _errors(check_output(draft, reference))
    if problems:
        raise EditError(problems)
    current = load_draft(session=session, activity_id=draft.activity_id)
    _require_may_edit(actor, current)
    activity_pk = reference.activities[draft.activity_id]
    existing = session.exec(
        select(m.Output).where(
            m.Output.activity_id == activity_pk,
            m.Output.indicator == draft.indicator,
            m.Output.date == draft.date if draft.date else col(m.Output.date).is_(None),
        )
    ).first()
    values: dict[str, Any] = {
        "value": float(draft.value),
        "unit": draft.unit,
        "target": draft.target,
        "note": draft.note,
        "source": draft.source,
        "demo": draft.demo,
    }
    if existing is not None:
        before = _output_draft(existing, draft.activity_id).record()
        after = draft.record()
        if before == after:
            return "unchanged"
        if not replace:
            raise EditError(
                [
                    Problem(
                        "value",
                        f"{draft.activity_id} already reports “{draft.indicator}” for "
                        f"{draft.date.isoformat() if draft.date else 'no date'} "
                        f"({before['value']:g}): tick “replace” to change it",
                    )
                ]
            )
        return _replace_row(session, actor, existing, values, before, after, draft.activity_id)
    row = m.Output(activity_id=activity_pk, indicator=draft.indicator, date=draft.date, **values)
    _insert(session, actor, row, draft.record(), activity_key=draft.activity_id)
    return "added"


def _output_draft(row: m.Output, activity_id: str) -> OutputDraft:
    return OutputDraft(
        activity_id=activity_id,
        indicator=row.indicator,
        value=float(row.value),
        unit=row.unit,
        target=row.target,
        date=row.date,
        note=row.note,
        source=row.source,
        demo=row.demo,
    )


def _require_may_assess(actor: Actor) -> None:
    if not actor.may_assess:
        raise NotAllowedError([Problem("item", actor.assess_refusal())])


def record_assessment(
    *,
    session: Session,
    draft: AssessmentDraft,
    actor: Actor,
    reference: Reference | None = None,
    today: dt.date | None = None,
) -> Outcome:
    """Add a dated assessment of a plan item (history: never overwriting one), audited.

    An assessment identical to a stored one (same item, date, status, note, source and demo
    flag) is left alone.
    """
    reference = reference or load_reference(session=session)
    problems = _errors(check_assessment(draft, reference, today=today))
    if problems:
        raise EditError(problems)
    _require_may_assess(actor)
    item_id = reference.items[draft.item][0]
    existing = session.exec(
        select(m.ItemAssessment.id).where(
            m.ItemAssessment.item_id == item_id,
            m.ItemAssessment.date == draft.date,
            m.ItemAssessment.status == draft.status,
            m.ItemAssessment.note == draft.note,
            m.ItemAssessment.source == draft.source,
            m.ItemAssessment.demo == draft.demo,
        )
    ).first()
    if existing is not None:
        return "unchanged"
    row = m.ItemAssessment(
        item_id=item_id,
        date=draft.date,
        status=draft.status,
        note=draft.note,
        source=draft.source,
        demo=draft.demo,
        recorded_by=actor.name,
    )
    _insert(session, actor, row, draft.record())
    return "added"


def form_choices(*, session: Session) -> dict[str, list[tuple[Any, str]]]:
    """(value, label) choices for the edit forms: every code a change may name."""
    items = session.exec(
        select(
            m.Framework.code,
            m.FrameworkItem.code,
            m.FrameworkItem.title,
            m.FrameworkItem.provisional,
        )
        .join(m.Framework, col(m.Framework.id) == m.FrameworkItem.framework_id)
        .order_by(col(m.FrameworkItem.id))
    ).all()
    columns = {framework: column for column, framework in ITEM_COLUMNS.items()}
    return {
        "organisations": [
            (slug, f"{name} ({slug})")
            for slug, name in session.exec(
                select(m.Organisation.slug, m.Organisation.name).order_by(m.Organisation.name)
            ).all()
        ],
        "countries": [
            (iso3, f"{name} ({iso3})")
            for iso3, name in session.exec(
                select(m.Country.iso3, m.Country.name).order_by(m.Country.name)
            ).all()
        ],
        "regions": [
            (number, f"{number} {name}")
            for number, name in session.exec(
                select(m.Region.number, m.Region.name).order_by(col(m.Region.number))
            ).all()
        ],
        "strategy_items": [
            (code, item_label(code, title, provisional, width=None))
            for framework, code, title, provisional in items
            if columns.get(framework) == "strategy_items"
        ],
        "cami_sections": [
            (code, item_label(code, title, provisional, width=None))
            for framework, code, title, provisional in items
            if columns.get(framework) == "cami_sections"
        ],
        "statuses": [(status, status.replace("_", " ")) for status in m.ACTIVITY_STATUSES],
    }


def editable_activities(*, session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(activity_id, title) of the activities `actor` may edit, by id."""
    rows = session.exec(
        select(m.Activity.id, m.Activity.activity_id, m.Activity.title, m.Organisation.slug)
        .join(
            m.Organisation,
            col(m.Organisation.id) == m.Activity.lead_organisation_id,
            isouter=True,
        )
        .order_by(m.Activity.activity_id)
    ).all()
    if actor.unrestricted:
        return [(key, title) for _, key, title, _ in rows]
    partners: dict[int, set[str]] = {}
    for activity_pk, slug in session.exec(
        select(m.ActivityOrganisation.activity_id, m.Organisation.slug)
        .join(m.Organisation, col(m.Organisation.id) == m.ActivityOrganisation.organisation_id)
        .where(m.ActivityOrganisation.role == "partner")
    ).all():
        partners.setdefault(activity_pk, set()).add(slug)
    return [
        (key, title)
        for pk, key, title, lead in rows
        if actor.may_edit(lead, partners.get(pk or 0, set()))
    ]


def all_activities(*, session: Session) -> list[tuple[str, str]]:
    """(activity_id, title) of every activity, by id (history is open to every partner)."""
    return [
        (key, title)
        for key, title in session.exec(
            select(m.Activity.activity_id, m.Activity.title).order_by(m.Activity.activity_id)
        ).all()
    ]


def assessable_items(*, session: Session) -> list[tuple[str, str]]:
    """(code, label) of every plan item, in the frameworks' order: “CODE title · framework”,
    with “(provisional)” on the items of a provisional structure."""
    rows = session.exec(
        select(
            m.FrameworkItem.code,
            m.FrameworkItem.title,
            m.FrameworkItem.provisional,
            m.Framework.short_name,
        )
        .join(m.Framework, col(m.Framework.id) == m.FrameworkItem.framework_id)
        .order_by(col(m.FrameworkItem.id))
    ).all()
    return [
        (code, f"{code} {title} · {framework}" + (f" {PROVISIONAL}" if provisional else ""))
        for code, title, provisional, framework in rows
    ]


ASSESSMENT_HISTORY_COLUMNS = ("date", "status", "note", "source", "recorded_by", "demo")


def assessment_history(*, session: Session, item: str) -> pd.DataFrame:
    """The assessments of a plan item (by code), newest first: the latest is its status."""
    rows = session.exec(
        select(m.ItemAssessment)
        .join(m.FrameworkItem, col(m.FrameworkItem.id) == m.ItemAssessment.item_id)
        .where(m.FrameworkItem.code == item)
        .order_by(col(m.ItemAssessment.date).desc(), col(m.ItemAssessment.id).desc())
    ).all()
    return pd.DataFrame(
        [[getattr(row, name) for name in ASSESSMENT_HISTORY_COLUMNS] for row in rows],
        columns=list(ASSESSMENT_HISTORY_COLUMNS),
    )
