"""The filters every page shares: one hashable value, so cached queries key on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Filters:
    """Which activities a view is about. Empty tuples mean "no restriction"."""

    countries: tuple[str, ...] = ()
    regions: tuple[int, ...] = ()
    # Organisation slugs, matched as lead, partner or funder.
    organisations: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    # Framework item codes; an item matches its whole subtree.
    items: tuple[str, ...] = ()
    # Activities whose dates overlap [start, end].
    start: dt.date | None = None
    end: dt.date | None = None
    # Invented demo activities are shown only when asked for (issue 13).
    include_demo: bool = False
    # Progress as it stood on this date (None: today).
    as_of: dt.date | None = field(default=None)

    def as_of_date(self) -> dt.date:
        return self.as_of or dt.date.today()
