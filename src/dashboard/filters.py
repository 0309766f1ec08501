"""The filters every page shares, in one place: the hashable value cached queries key on, and
how it is read from and written to a URL, the command line and a file name, and described.

The sidebar (ui/sidebar.py), the URL, `dashboard export` and the CSV file names all go
through this module, so a filter is added or renamed here once.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
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


@dataclass(frozen=True)
class ByCode:
    """A filter chosen as a list of codes: one name for its URL parameter, its part of a file
    name and its command-line option (`?country=KAZ`, `country-KAZ`, `--country KAZ`)."""

    key: str
    # The Filters field it sets.
    field: str
    # What one choice is called, and many.
    noun: str
    nouns: str
    # A code as text in a URL or on the command line -> the value Filters holds.
    parse: Callable[[str], str | int]
    metavar: str


BY_CODE: tuple[ByCode, ...] = (
    ByCode("country", "countries", "range state", "range states", str, "ISO3"),
    ByCode("ptcr", "regions", "PTCR", "PTCRs", int, "N"),
    ByCode("org", "organisations", "organisation", "organisations", str, "SLUG"),
    ByCode("status", "statuses", "status", "statuses", str, "S"),
    ByCode("item", "items", "framework item", "framework items", str, "CODE"),
)
# The other filters' URL parameters (kept there by the sidebar's bound widgets).
DEMO, YEARS, AS_OF = "demo", "years", "as_of"


def chosen(filters: Filters) -> list[tuple[ByCode, tuple[str | int, ...]]]:
    """The filters by code that restrict anything, with their values."""
    picked = [(spec, getattr(filters, spec.field)) for spec in BY_CODE]
    return [(spec, tuple(values)) for spec, values in picked if values]


def make(
    *,
    period: tuple[int | None, int | None],
    countries: Sequence[str] = (),
    regions: Sequence[int] = (),
    organisations: Sequence[str] = (),
    statuses: Sequence[str] = (),
    items: Sequence[str] = (),
    years: tuple[int | None, int | None] = (None, None),
    as_of: dt.date | None = None,
    include_demo: bool = False,
    today: dt.date | None = None,
) -> Filters:
    """Filters from what was chosen, where a choice equal to its default means no filter: a
    first year at or before the data's first (`period`: its first and last year), a last
    year at or beyond its last, progress as of today."""
    first, last = period
    start_year, end_year = years
    return Filters(
        countries=tuple(countries),
        regions=tuple(regions),
        organisations=tuple(organisations),
        statuses=tuple(statuses),
        items=tuple(items),
        start=dt.date(start_year, 1, 1)
        if start_year and (first is None or start_year > first)
        else None,
        end=dt.date(end_year, 12, 31) if end_year and (last is None or end_year < last) else None,
        include_demo=include_demo,
        as_of=as_of if as_of and as_of != (today or dt.date.today()) else None,
    )


def to_query(filters: Filters, *, period: tuple[int, int]) -> dict[str, list[str]]:
    """The URL's query parameters for `filters`, as the sidebar keeps them (`period`: the
    years slider's whole range); a filter left at its default is not in the URL."""
    query = {spec.key: [str(value) for value in values] for spec, values in chosen(filters)}
    if filters.include_demo:
        query[DEMO] = ["true"]
    if filters.start or filters.end:
        start = filters.start.year if filters.start else period[0]
        end = filters.end.year if filters.end else period[1]
        query[YEARS] = [str(start), str(end)]
    if filters.as_of:
        query[AS_OF] = [filters.as_of.isoformat()]
    return query


def from_query(
    query: Mapping[str, Sequence[str]], *, period: tuple[int, int], today: dt.date | None = None
) -> Filters:
    """Filters from a URL's query parameters, each a list of values (as `urllib.parse.
    parse_qs` gives them); the sidebar reads a link the same way (a test holds it to that).
    A value in the wrong form raises ValueError naming the parameter; whether a code names
    anything is the caller's to check."""

    def one(key: str) -> str | None:
        values = query.get(key) or []
        return values[-1] if values else None

    codes: dict[str, tuple[str | int, ...]] = {}
    for spec in BY_CODE:
        try:
            codes[spec.field] = tuple(dict.fromkeys(spec.parse(v) for v in query.get(spec.key, ())))
        except ValueError:
            raise ValueError(f"?{spec.key}= takes {spec.nouns} by their codes") from None
    years = [int(v) for v in query.get(YEARS, ()) if v.strip().isdigit()]
    if query.get(YEARS) and len(years) != 2:
        raise ValueError(f"?{YEARS}= takes two years, e.g. ?{YEARS}=2019&{YEARS}=2024")
    as_of_text = one(AS_OF)
    try:
        as_of = dt.date.fromisoformat(as_of_text) if as_of_text else None
    except ValueError:
        raise ValueError(f"?{AS_OF}= takes a date YYYY-MM-DD, not {as_of_text!r}") from None
    return make(
        period=period,
        countries=[str(v) for v in codes["countries"]],
        regions=[int(v) for v in codes["regions"]],
        organisations=[str(v) for v in codes["organisations"]],
        statuses=[str(v) for v in codes["statuses"]],
        items=[str(v) for v in codes["items"]],
        years=(years[0], years[1]) if years else (None, None),
        as_of=as_of,
        include_demo=(one(DEMO) or "").lower() == "true",
        today=today,
    )


def file_label(filters: Filters, **more: Sequence[str]) -> list[tuple[str, tuple[object, ...]]]:
    """The active filters as (name, values) for a file name, in a fixed order; `more`
    (e.g. funder=...: a page's own filters) follow the organisations."""
    parts: list[tuple[str, tuple[object, ...]]] = []
    for spec in BY_CODE:
        values = tuple(getattr(filters, spec.field))
        if values:
            parts.append((spec.key, values))
        if spec.key == "org":
            parts += [(name, tuple(given)) for name, given in more.items() if given]
    if filters.start:
        parts.append(("from", (filters.start.year,)))
    if filters.end:
        parts.append(("to", (filters.end.year,)))
    if filters.as_of:
        parts.append(("as-of", (filters.as_of.isoformat(),)))
    # Demo data is left out unless asked for, so only a file that holds it says so.
    if filters.include_demo:
        parts.append(("with-demo", ()))
    return parts


def describe(filters: Filters, *, names: Mapping[str | int, str] | None = None) -> str:
    """The filters in a sentence, e.g. "Range states: KAZ, MNG; from 2019; as of 2025-01-02;
    demo data included." (`names`: how to call a code, by code; else the code itself)."""
    named = names or {}
    parts = [
        f"{_capitalised(spec.nouns if len(values) > 1 else spec.noun)}: "
        + ", ".join(named.get(value, str(value)) for value in values)
        for spec, values in chosen(filters)
    ]
    if filters.start:
        parts.append(f"active from {filters.start.year}")
    if filters.end:
        parts.append(f"active until {filters.end.year}")
    if filters.as_of:
        parts.append(f"as of {filters.as_of.isoformat()}")
    parts.append("demo data included" if filters.include_demo else "demo data left out")
    if len(parts) == 1:
        parts.insert(0, "All activities")
    return _capitalised("; ".join(parts)) + "."


def _capitalised(text: str) -> str:
    """The first letter upper case, the rest as it is (PTCR stays PTCR)."""
    return text[:1].upper() + text[1:]


def add_options(parser: argparse.ArgumentParser, *, plans: Mapping[str, str] = {}) -> None:
    """The filters as command-line options: `--country ISO3`, ..., `--item CODE` (any plan's
    item), one `--<plan> CODE` per plan in `plans` (code -> name: an item of that plan
    only), `--from-year`, `--to-year`, `--as-of`, `--include-demo`/`--no-demo`."""
    for spec in BY_CODE:
        parser.add_argument(
            f"--{spec.key}",
            action="append",
            default=[],
            type=spec.parse,
            metavar=spec.metavar,
            help=f"only these {spec.nouns} (repeat for several)",
        )
    for code, name in plans.items():
        try:
            parser.add_argument(
                f"--{code}",
                action="append",
                default=[],
                dest=f"plan_item_{code}",
                metavar="CODE",
                help=f"an item of {name} (as --item, checked against that plan)",
            )
        except argparse.ArgumentError:
            continue  # a plan whose code is another option's name: --item serves it
    parser.add_argument("--from-year", type=int, metavar="YEAR")
    parser.add_argument("--to-year", type=int, metavar="YEAR")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="progress as of this date")
    parser.add_argument(
        "--include-demo",
        action="store_true",
        default=False,
        help="include the invented demo activities (left out unless asked for)",
    )
    parser.add_argument(
        "--no-demo",
        dest="include_demo",
        action="store_false",
        help="leave demo activities out (the default; kept for older scripts)",
    )


def plan_items(args: argparse.Namespace) -> dict[str, list[str]]:
    """The items given per plan (`--<plan> CODE`), by plan code."""
    prefix = "plan_item_"
    return {
        name.removeprefix(prefix): list(values)
        for name, values in vars(args).items()
        if name.startswith(prefix) and values
    }
