"""resolve.py on a hand-made Reference: what people type becomes the one code it names."""

from __future__ import annotations

import pytest

from dashboard import resolve
from dashboard.editing import Reference
from dashboard.resolve import Resolver, item_numbers, key

# Two plans with made-up codes (neither is named by the resolver), a third with a single item.
ITEMS = {
    "P-3": "alpha",
    "P-10": "alpha",
    "P-11": "alpha",
    "G1": "beta",
    "G1.2": "beta",
    "G10": "beta",
    "X9": "gamma",
}
REFERENCE = Reference(
    organisations={"pica": 1, "manul-working-group": 2, "zoo-a": 3, "zoo-b": 4, "cafe": 5},
    countries=frozenset({"KAZ", "RUS"}),
    regions=frozenset({9, 10}),
    items={code: (pk, plan) for pk, (code, plan) in enumerate(ITEMS.items(), 1)},
    activities={},
    plans={"alpha": "alpha_items", "beta": "beta_items"},
    organisation_names={
        "pica": ("Pallas's cat International Conservation Alliance", "PICA"),
        "manul-working-group": ("Manul Working Group (formerly Pallas's Cat Working Group)", "MWG"),
        "zoo-a": ("Zoo A", "City Zoo"),
        "zoo-b": ("Zoo B", "City Zoo"),
        "cafe": ("Café Conservation", "Café"),
    },
    country_names={"KAZ": "Kazakhstan", "RUS": "Russian Federation"},
    region_names={9: "Altai", 10: "Daurian Steppe"},
    item_titles={"P-10": "Species Monitoring"},
)


@pytest.fixture
def names() -> Resolver:
    return Resolver(REFERENCE)


def test_an_items_number_is_its_code_without_its_plans_common_prefix() -> None:
    assert item_numbers(["P-3", "P-10", "P-11"]) == {"P-3": "3", "P-10": "10", "P-11": "11"}
    assert item_numbers(["G1", "G1.2", "G10"]) == {"G1": "1", "G1.2": "1.2", "G10": "10"}
    # Only the non-digit part is a prefix: 10 and 11 keep their 1.
    assert item_numbers(["S10", "S11"]) == {"S10": "10", "S11": "11"}
    assert item_numbers(["A1", "B2"]) == {"A1": "A1", "B2": "B2"}


def test_values_are_compared_without_case_spacing_or_unicode_form() -> None:
    assert key("  Manul   Working\tGroup ") == "manul working group"
    # "Café" typed with a combining accent (NFD) is the same name.
    assert key("Cafe\u0301") == key("Café") == "café"
    assert key("STRASSE") == key("straße")


@pytest.mark.parametrize(
    ("column", "typed", "stored"),
    [
        ("lead_organisation", "pica", "pica"),
        ("lead_organisation", "PICA", "pica"),
        ("lead_organisation", " pallas's CAT international conservation alliance ", "pica"),
        (
            "funder",
            "Manul Working Group (formerly Pallas's Cat Working Group)",
            "manul-working-group",
        ),
        # A name's trailing "(…)" may be left out.
        ("funder", "manul working group", "manul-working-group"),
        ("partners", "MWG; pica ;Cafe\u0301", "manul-working-group;pica;cafe"),
        ("funders", "Zoo A;zoo b", "zoo-a;zoo-b"),
        ("countries", "kazakhstan;rus", "KAZ;RUS"),
        ("ptcrs", "altai;10", "9;10"),
        ("alpha_items", "10;p-3:0.5", "P-10;P-3:0.5"),
        ("beta_items", "1.2:0.25;10", "G1.2:0.25;G10"),
        # Another plan's code is kept, for the check to say it is not in this plan.
        ("alpha_items", "G1.2", "G1.2"),
        ("item", "p-10", "P-10"),
        ("framework_items", "P-10;g1.2:0.5", "P-10;G1.2:0.5"),
        # Columns that name nothing are left as they are.
        ("title", "PICA", "PICA"),
    ],
)
def test_names_short_names_and_numbers_become_codes(
    names: Resolver, column: str, typed: str, stored: str
) -> None:
    assert names.cell(column, typed) == (stored, None)


def test_a_number_names_an_item_only_in_its_plans_column(names: Resolver) -> None:
    assert names.item("10", "alpha") == "P-10"
    assert names.item("10", "beta") == "G10"
    assert names.item("9", "gamma") == "X9"  # a plan of one item numbers it too
    # A column for any plan takes codes: the hint names them.
    hint = "unknown framework item '10' (did you mean 'G10' or 'P-10' (Species Monitoring)?)"
    assert names.cell("item", "10") == ("10", hint)
    assert names.cell("framework_items", "10") == ("10", hint)
    assert names.cell("alpha_items", "1.2") == ("1.2", "unknown framework item '1.2'")
    assert names.cell("alpha_items", "100") == (
        "100",
        "unknown framework item '100' (did you mean 'P-10' (Species Monitoring)?)",
    )


def test_an_ambiguous_value_lists_every_candidate(names: Resolver) -> None:
    assert names.cell("partners", "pica;city zoo") == (
        "pica;city zoo",
        "'city zoo' could be any of these organisations: 'zoo-a' (Zoo A), 'zoo-b' (Zoo B); "
        "give its code",
    )


def test_an_unknown_value_keeps_its_error_and_suggests_close_names(names: Resolver) -> None:
    assert names.cell("lead_organisation", "Manul Workng Group") == (
        "Manul Workng Group",
        "unknown organisation 'Manul Workng Group' (did you mean 'manul-working-group' "
        "(Manul Working Group (formerly Pallas's Cat Working Group))?)",
    )
    assert names.cell("countries", "Russia;KAZ;XXX") == (
        "Russia;KAZ;XXX",
        "unknown countries 'Russia' (did you mean 'RUS' (Russian Federation)?), 'XXX'",
    )
    assert names.cell("ptcrs", "4") == ("4", "unknown PTCR '4'")


def test_rows_keep_where_each_problem_is(names: Resolver) -> None:
    rows = [(2, {"funder": "PICA", "note": "x"}), (3, {"funder": "nobody", "note": "y"})]
    assert list(names.rows(rows)) == [
        (2, {"funder": "pica", "note": "x"}),
        (3, {"funder": "nobody", "note": "y"}),
    ]
    assert names.problems == [(3, "funder", "unknown organisation 'nobody'")]


def test_only_the_first_unknown_values_get_hints(
    names: Resolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resolve, "HINTED_VALUES", 1)
    assert names.cell("countries", "Kazakstan")[1] == (
        "unknown country 'Kazakstan' (did you mean 'KAZ' (Kazakhstan)?)"
    )
    assert names.cell("countries", "Rusia")[1] == "unknown country 'Rusia'"
    # A value already hinted keeps its hint.
    assert names.cell("countries", "kazakstan")[1] == (
        "unknown country 'kazakstan' (did you mean 'KAZ' (Kazakhstan)?)"
    )
