"""Changes as a form or a file row gives them, before they are checked: links by code, not by
database id.

An activity's draft is derived from its declaration (models.ActivityFields): the own fields are
inherited, the links (organisations, places, plan items per plan, sites) added here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict

from dashboard import models as m

# A plan's items an activity serves: (item code, weight) pairs.
ItemLinks = tuple[tuple[str, float], ...]
# How an entry without an amount is shown, wherever an amount would be.
NOT_PUBLISHED = "amount not published"


def percentage(value: float | None) -> float | None:
    """A progress percentage as stored: a float, or None for "no percentage reported"."""
    return None if value is None else float(value)


@dataclass(frozen=True)
class SiteDraft:
    latitude: float
    longitude: float
    name: str = ""

    def text(self) -> str:
        where = f"{self.latitude:g},{self.longitude:g}"
        return f"{where} {self.name}" if self.name else where


class ActivityDraft(m.ActivityFields):
    """An activity as a form or a file row gives it: its own fields (models.ActivityFields)
    and its links by code.

    `version` is the version it was read at (None for a new activity). `items` holds, per
    plan (Framework code), the (item code, weight) pairs it serves. The first site is the
    primary one (a file's latitude/longitude). Building a draft checks only the types; what
    is wrong with its values, `checks.check_activity` says field by field.
    """

    # SQLModel types its config as its own TypedDict (a ConfigDict with its keys).
    model_config = ConfigDict(frozen=True, extra="forbid")  # type: ignore[assignment]

    # A new activity starts at 0 % (the stored column's None means "not reported").
    progress_pct: float | None = 0.0
    lead_organisation: str | None = None
    partners: tuple[str, ...] = ()
    funders: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    ptcrs: tuple[int, ...] = ()
    items: Mapping[str, ItemLinks] = {}
    sites: tuple[SiteDraft, ...] = ()
    version: int | None = None

    def replace(self, **changes: Any) -> ActivityDraft:
        """The same draft with `changes` (field: value)."""
        return self.model_copy(update=changes)

    def own_values(self) -> dict[str, Any]:
        """The own fields' values (models.ActivityFields), as the Activity row holds them."""
        return {use.name: getattr(self, use.name) for use in m.activity_fields()}

    def all_items(self) -> dict[str, float]:
        """Every item it serves, of any plan: {code: weight}."""
        return {code: weight for pairs in self.items.values() for code, weight in pairs}

    def normalised(self) -> ActivityDraft:
        """The same activity with its lists in a fixed order and no version, for comparing."""
        return self.replace(
            lead_organisation=self.lead_organisation or None,
            partners=tuple(sorted(set(self.partners))),
            funders=tuple(sorted(set(self.funders))),
            countries=tuple(sorted(set(self.countries))),
            ptcrs=tuple(sorted(set(self.ptcrs))),
            items={
                plan: tuple(sorted(dict(pairs).items()))
                for plan, pairs in sorted(self.items.items())
                if pairs
            },
            progress_pct=percentage(self.progress_pct),
            version=None,
        )


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
