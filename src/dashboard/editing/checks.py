"""What is wrong with a change: every problem at once, named by field (the import's columns,
the form's fields). An activity's own fields are checked from their declaration
(models.ActivityFields: required, length, choices, kind); its links against the reference."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection
from decimal import Decimal

from dashboard import dates
from dashboard import models as m
from dashboard.editing.drafts import (
    ActivityDraft,
    AssessmentDraft,
    FundingDraft,
    ItemLinks,
    OutputDraft,
    ProgressDraft,
    SiteDraft,
)
from dashboard.editing.problems import Problem, unknown
from dashboard.editing.reference import Box, Reference
from dashboard.markup import hidden_characters

ACTIVITY_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}")
# The assessments that claim work on an item (started or beyond) need a source: the evidence.
EVIDENCED_STATUSES: tuple[str, ...] = ("started", "well_advanced", "completed")


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


def _check_own_field(use: m.FieldUse, value: object) -> list[Problem]:
    """One own field of an activity, by what its declaration says of it."""
    if use.kind == "choice":
        if value not in use.choices:
            return [Problem(use.name, f"{value!r} is not one of {', '.join(use.choices)}")]
    elif use.kind in m.TEXT_KINDS and isinstance(value, str):
        if use.required and not value.strip():
            return [Problem(use.name, "value required")]
        problems = []
        if use.length is not None and len(value) > use.length:
            problems.append(Problem(use.name, f"at most {use.length} characters"))
        return problems + check_text(**{use.name: (value, use.kind == "multiline")})
    elif (
        use.kind == "date" and isinstance(value, dt.date) and (reason := dates.out_of_range(value))
    ):
        return [Problem(use.name, reason)]
    return []


def check_activity(draft: ActivityDraft, reference: Reference) -> list[Problem]:
    """Every problem with an activity, named by field (import columns / form fields)."""
    problems: list[Problem] = []
    if draft.activity_id and not ACTIVITY_ID_PATTERN.fullmatch(draft.activity_id):
        problems.append(
            Problem(
                "activity_id", "an id is 1–60 letters, digits or . _ - (e.g. MP-2025-KAZ-SURVEY)"
            )
        )
    for use in m.activity_fields():
        if use.kind == "percentage" or any(problem.field == use.name for problem in problems):
            continue
        problems.extend(_check_own_field(use, getattr(draft, use.name)))
    problems.extend(check_percentage(draft.status, draft.progress_pct))
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
        unknown_slugs = [slug for slug in slugs if slug not in reference.organisations]
        if unknown_slugs:
            problems.append(Problem(column, unknown("organisation", unknown_slugs)))
    unknown_countries = [iso3 for iso3 in draft.countries if iso3 not in reference.countries]
    if unknown_countries:
        problems.append(Problem("countries", unknown("country", unknown_countries)))
    unknown_regions = [str(n) for n in draft.ptcrs if n not in reference.regions]
    if unknown_regions:
        problems.append(Problem("ptcrs", unknown("PTCR", unknown_regions)))
    for plan, pairs in draft.items.items():
        problems.extend(_check_items(plan, pairs, reference))
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


def _check_items(plan: str, pairs: ItemLinks, reference: Reference) -> list[Problem]:
    """The items linked in one plan's column (named by the plan's Framework.items_column)."""
    column = reference.plans.get(plan)
    if column is None:
        return [Problem("items", f"unknown plan {plan!r}")]
    problems: list[Problem] = []
    unknown_codes = [code for code, _ in pairs if code not in reference.items]
    if unknown_codes:
        problems.append(Problem(column, unknown("framework item", unknown_codes)))
    elsewhere = [
        code for code, _ in pairs if code in reference.items and reference.items[code][1] != plan
    ]
    if elsewhere:
        problems.append(
            Problem(column, f"{', '.join(map(repr, elsewhere))} not in the {plan} framework")
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
        problems.append(Problem("item", unknown("framework item", [draft.item])))
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
