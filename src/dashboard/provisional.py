"""How an item of a provisional working structure is named wherever it is shown.

A plan whose official text could not be obtained is tracked against a provisional working
structure: its items carry `FrameworkItem.provisional` (data/framework_items.csv). Every
label, table cell and CSV header that names such an item says so in words that a printed
page and a spreadsheet keep, not only in a tooltip. Which plan that is comes from the data,
never from code. Pure text functions: queries, charts and pages all name items through them.
"""

from __future__ import annotations

# After an item's title: "S1.1 Distribution and status update (provisional)".
PROVISIONAL = "(provisional)"
# After a column header whose cells hold the codes of a provisional structure.
PROVISIONAL_STRUCTURE = "(provisional structure)"
# What the mark means, for a page (and its printed copy) that shows marked items.
PROVISIONAL_NOTE = (
    f"Items marked *{PROVISIONAL}*, and the codes in a column headed "
    f"*{PROVISIONAL_STRUCTURE}*, belong to a provisional working structure: the plan's "
    "official wording could not be obtained, so these items are a working tree built from "
    "its documented themes and may change when the official text replaces them."
)


def item_title(title: str, provisional: bool) -> str:
    """An item's title as a table or CSV cell shows it: "Distribution (provisional)"."""
    return f"{title} {PROVISIONAL}" if provisional else title


def item_label(code: str, title: str, provisional: bool, *, width: int | None = 44) -> str:
    """An item as charts and choices name it: its code, its title (cut to `width`
    characters, unless None) and "(provisional)" when it belongs to a provisional
    working structure. The mark is never cut."""
    cut = title if width is None or len(title) <= width else title[: width - 1].rstrip() + "…"
    return f"{code} {cut}" + (f" {PROVISIONAL}" if provisional else "")


def shorten(label: str, width: int) -> str:
    """`label` cut to about `width` characters, keeping a trailing "(provisional)": a
    short label on a chart still says what the long one does."""
    body, marked = (
        (label[: -len(PROVISIONAL)].rstrip(), True)
        if label.endswith(PROVISIONAL)
        else (label, False)
    )
    if len(body) > width:
        body = body[: width - 1].rstrip() + "…"
    return f"{body} {PROVISIONAL}" if marked else body


def unmarked(label: str) -> str:
    """`label` without the provisional mark: how a label read before the mark was added
    (older links name a filter's choice by its label)."""
    return label.replace(f" {PROVISIONAL}", "")


def codes_header(name: str, provisional: bool) -> str:
    """The header of a column of item codes: "strategy (provisional structure)" when the
    codes belong to a provisional structure, else `name` as it is."""
    return f"{name} {PROVISIONAL_STRUCTURE}" if provisional else name
