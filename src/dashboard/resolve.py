"""What people type in an import file, as the codes the store keeps.

A partner writes an organisation by its name or short name, a country by its English name, a
PTCR by its name and a CAMI section by its number, as the app itself shows them. Every such
value is resolved here, before the checks, to the one code it names (an organisation's slug, an
ISO3 code, a PTCR number, an item code), so that the store only ever holds codes and a file
written with names imports exactly as the same file written with codes.

Values are compared in one form (`key`: Unicode NFC, case-folded, inner spaces collapsed,
surrounding ones dropped). A value that is a code as stored is that code. Any other value that
names exactly one thing is its code; one that names several is an error listing them all; one
that names nothing is "unknown …", with the closest spellings as a hint (difflib).

An item's number is derived from the data, not from code: its code without the prefix common to
all codes of its plan, up to the first digit (`CAMI-10` → `10` where all codes start `CAMI-`,
`S1.2` → `1.2` where they start `S`). A number names an item only in a column that belongs to
one plan (`Resolver.item(value, framework)`); a column for any plan takes codes.

Pure: lookup tables are built from `editing.Reference`; no session, no streamlit.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dashboard.editing import Reference

# Columns (in any template) that hold organisations, countries or PTCRs, and whether they
# hold a `;`-joined list. Item columns come from the caller: {column: framework code}.
ORGANISATION_COLUMNS = {
    "lead_organisation": False,
    "partners": True,
    "funders": True,
    "funder": False,
}
COUNTRY_COLUMNS = {"countries": True}
PTCR_COLUMNS = {"ptcrs": True}
# Columns whose items may be of any plan (codes only), and whether they hold a weighted list.
ANY_PLAN_COLUMNS = {"item": False, "framework_items": True}
# How many close spellings an unknown value is offered, and for how many distinct unknown
# values of a kind (a file with more is rejected anyway, and listed only in part; difflib over
# 60,000 distinct unknown names took 29 s).
SUGGESTIONS = 3
HINTED_VALUES = 500
# A trailing "(…)" in a name: "Manul Working Group (formerly Pallas's Cat Working Group)" is
# also "Manul Working Group".
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


def key(text: str) -> str:
    """The form in which values are compared: NFC, case-folded, spaces collapsed and trimmed."""
    folded = unicodedata.normalize("NFC", text).casefold()
    return unicodedata.normalize("NFC", " ".join(folded.split()))


class UnresolvedError(ValueError):
    """A value that names no code (`unknown`: what and the value as shown), or several."""

    def __init__(self, message: str, *, unknown: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.unknown = unknown


@dataclass(frozen=True)
class Names:
    """The codes of one kind of thing and every spelling (compared by `key`) that names them."""

    what: str
    labels: Mapping[str, str]
    spellings: Mapping[str, frozenset[str]]
    _hints: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, what: str, entries: Iterable[tuple[str, str, Iterable[str]]]) -> Names:
        """From (code, label, other spellings) entries; the code is itself a spelling."""
        labels: dict[str, str] = {}
        spellings: defaultdict[str, set[str]] = defaultdict(set)
        for code, label, others in entries:
            labels[code] = label
            for spelling in (code, *others):
                if spelling and key(spelling):
                    spellings[key(spelling)].add(code)
        return cls(
            what, labels, {spelling: frozenset(codes) for spelling, codes in spellings.items()}
        )

    def find(self, value: str) -> frozenset[str]:
        """Every code the value may name (the code itself when it is one as stored)."""
        if value in self.labels:
            return frozenset((value,))
        return self.spellings.get(key(value), frozenset())

    def resolve(self, value: str, *, likely: Iterable[str] = ()) -> str:
        """The one code the value names; UnresolvedError says why there is none (suggesting
        the `likely` codes, then the closest spellings')."""
        found = self.find(value)
        if len(found) == 1:
            return next(iter(found))
        if found:
            raise UnresolvedError(self.ambiguous(value, found))
        shown = f"{value!r}{self.hint(value, likely)}"
        raise UnresolvedError(f"unknown {self.what} {shown}", unknown=(self.what, shown))

    def ambiguous(self, value: str, codes: Iterable[str]) -> str:
        listed = ", ".join(self.describe(code) for code in sorted(codes))
        return f"{value!r} could be any of these {self.what}s: {listed}; give its code"

    def describe(self, code: str) -> str:
        label = self.labels.get(code, "")
        return f"{code!r} ({label})" if label and label != code else repr(code)

    def hint(self, value: str, likely: Iterable[str] = ()) -> str:
        """' (did you mean …?)' with the likely codes and the closest known spellings', or
        ''."""
        wanted = key(value)
        if wanted not in self._hints and len(self._hints) < HINTED_VALUES:
            close = difflib.get_close_matches(wanted, self.spellings, n=SUGGESTIONS, cutoff=0.6)
            found = dict.fromkeys(
                code for spelling in close for code in sorted(self.spellings[spelling])
            )
            self._hints[wanted] = tuple(found)[:SUGGESTIONS]
        codes = tuple(dict.fromkeys((*likely, *self._hints.get(wanted, ()))))[:SUGGESTIONS]
        return f" (did you mean {' or '.join(map(self.describe, codes))}?)" if codes else ""


def item_numbers(codes: Iterable[str]) -> dict[str, str]:
    """{code: number} for one plan's item codes: each code without the prefix that all of them
    share, up to its first digit (`CAMI-` of `CAMI-3` … `CAMI-11`, `S` of `S1`, `S1.1`, …)."""
    codes = list(codes)
    cut = 0
    for chars in zip(*(re.sub(r"\d.*", "", code, flags=re.DOTALL) for code in codes), strict=False):
        if len(set(chars)) > 1:
            break
        cut += 1
    return {code: code[cut:] for code in codes if len(code) > cut}


class Resolver:
    """Resolves the cells of template rows to codes, from a Reference.

    Each plan's own column (`reference.plans`: {framework code: column}) takes its items by
    code or number; the columns of ANY_PLAN_COLUMNS take items of every plan by code.
    """

    def __init__(self, reference: Reference) -> None:
        self.organisations = Names.of(
            "organisation",
            (
                (slug, names[0], (*names, _TRAILING_NOTE.sub("", names[0])))
                for slug, names in reference.organisation_names.items()
            ),
        )
        self.countries = Names.of(
            "country", ((iso3, name, (name,)) for iso3, name in reference.country_names.items())
        )
        self.ptcrs = Names.of(
            "PTCR",
            ((str(number), name, (name,)) for number, name in reference.region_names.items()),
        )
        titles = reference.item_titles
        self._all_items = Names.of(
            "framework item", ((code, titles.get(code, ""), ()) for code in reference.items)
        )
        by_plan: defaultdict[str, list[str]] = defaultdict(list)
        for code, (_, framework) in reference.items.items():
            by_plan[framework].append(code)
        self._plans = {
            framework: Names.of(
                "framework item",
                (
                    (code, titles.get(code, ""), (number,))
                    for code, number in item_numbers(codes).items()
                ),
            )
            for framework, codes in by_plan.items()
        }
        self._columns: dict[str, tuple[Callable[[str], str], bool, bool]] = {
            **{
                c: (self.organisations.resolve, many, False)
                for c, many in ORGANISATION_COLUMNS.items()
            },
            **{c: (self.countries.resolve, many, False) for c, many in COUNTRY_COLUMNS.items()},
            **{c: (self.ptcrs.resolve, many, False) for c, many in PTCR_COLUMNS.items()},
            **{
                c: (functools.partial(self.item, framework=None), many, many)
                for c, many in ANY_PLAN_COLUMNS.items()
            },
            **{
                c: (functools.partial(self.item, framework=framework), True, True)
                for framework, c in reference.plans.items()
            },
        }
        # (row, column, message) of every cell that did not resolve, in the order met.
        self.problems: list[tuple[int, str, str]] = []

    def item(self, value: str, framework: str | None) -> str:
        """The item code `value` names: in a column of one plan (`framework`) its code or its
        number; with None (a column for any plan) a code of any plan."""
        plan = self._plans.get(framework or "")
        if plan is None:
            # A number is no code here, but the items it numbers in their plans are likely meant.
            numbered = sorted(code for names in self._plans.values() for code in names.find(value))
            return self._all_items.resolve(value, likely=numbered)
        if plan.find(value) or not (elsewhere := self._all_items.find(value)):
            return plan.resolve(value)
        # Another plan's code: kept, for the checks to say it is not in this column's plan.
        return self._all_items.resolve(value) if len(elsewhere) == 1 else plan.resolve(value)

    def cell(self, column: str, text: str) -> tuple[str, str | None]:
        """The cell with every value as its code, and the message for those that did not
        resolve (None when all did). A column that names nothing is returned as it is."""
        if column not in self._columns or not text:
            return text, None
        resolve, many, weighted = self._columns[column]
        resolved: list[str] = []
        unknown: list[tuple[str, str]] = []
        ambiguous: list[str] = []
        for entry in text.split(";") if many else [text]:
            value, colon, weight = entry.partition(":") if weighted else (entry, "", "")
            if not value.strip():
                resolved.append(entry)  # the reader skips empty entries or reports them
                continue
            try:
                resolved.append(resolve(value.strip()) + colon + weight)
            except UnresolvedError as error:
                resolved.append(entry)
                if error.unknown:
                    unknown.append(error.unknown)
                else:
                    ambiguous.append(str(error))
        if not (unknown or ambiguous):
            return ";".join(resolved), None
        return text, "; ".join([*_unknown(unknown), *ambiguous])

    def row(self, line: int, row: Mapping[str, str]) -> dict[str, str]:
        """The row with its cells resolved; what did not resolve is added to `problems`."""
        resolved = dict(row)
        for column, text in row.items():
            resolved[column], problem = self.cell(column, text)
            if problem:
                self.problems.append((line, column, problem))
        return resolved

    def rows(
        self, rows: Iterable[tuple[int, dict[str, str]]]
    ) -> Iterator[tuple[int, dict[str, str]]]:
        """The rows resolved one at a time (a large file is never held whole)."""
        for line, row in rows:
            yield line, self.row(line, row)


def _unknown(unknown: list[tuple[str, str]]) -> list[str]:
    """One message for a cell's unknown values, worded as the checks word it: "unknown
    organisations 'a', 'b' (did you mean …?)"."""
    if not unknown:
        return []
    what = unknown[0][0]
    if len(unknown) > 1:
        what = what[:-1] + "ies" if what.endswith("y") else what + "s"
    return [f"unknown {what} " + ", ".join(shown for _, shown in unknown)]
