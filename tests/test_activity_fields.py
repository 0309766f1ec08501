"""An activity's own fields are declared once (models.ActivityFields, issue 14): the table
inherits them, and every place on the write side that lists them derives them from there."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError
from sqlmodel import Session

from dashboard import editing, importer
from dashboard import models as m
from dashboard.queries.activities import BASE_COLUMNS

OWN = [use.name for use in m.activity_fields()]


def test_the_table_and_the_draft_inherit_the_declaration() -> None:
    # The fields an activity has had from the start, first and in this order (a field added
    # later comes after them).
    assert OWN[:9] == [
        "activity_id",
        "title",
        "description",
        "status",
        "progress_pct",
        "start_date",
        "end_date",
        "source_url",
        "demo",
    ]
    columns = m.Activity.__table__.c  # type: ignore[attr-defined]
    assert set(OWN) <= set(columns.keys())
    assert (columns["activity_id"].type.length, columns["title"].type.length) == (60, 300)
    assert columns["activity_id"].unique
    assert set(OWN) <= set(editing.ActivityDraft.model_fields)


def test_every_derived_place_lists_every_own_field(session: Session) -> None:
    draft = editing.ActivityDraft(activity_id="A9", title="Survey", start_date=dt.date(2024, 1, 1))
    plans = editing.plan_columns(session=session)
    reference = editing.load_reference(session=session)
    record = editing.activity_record(draft, plans)
    # The audit record in an import file's order: the same fields, links as their columns.
    file_columns = importer.activity_columns(plans.values())
    assert [name for name in record if name != "sites"] == [
        name for name in file_columns if name not in {"framework_items", *importer.SITE_COLUMNS}
    ]
    assert set(OWN) <= set(editing.activity_row_values(draft, reference))
    assert set(OWN) == {
        *(name for name in importer.ACTIVITY_COLUMNS if name in OWN),
        *importer.OPTIONAL_OWN_COLUMNS,
    }
    listed = [use.name for use in m.activity_fields() if use.listed]
    assert [name for name in BASE_COLUMNS if name in OWN] == listed
    assert "description" not in BASE_COLUMNS


def test_a_draft_takes_too_long_a_text_and_its_check_names_the_field(session: Session) -> None:
    # The length is the column's, not a constraint on building the draft: a form or file
    # row holding too long a title gets a problem under its field, not an exception.
    draft = editing.ActivityDraft(activity_id="A9", title="x" * 301)
    reference = editing.load_reference(session=session)
    assert [str(problem) for problem in editing.check_activity(draft, reference)] == [
        "title: at most 300 characters"
    ]


def test_a_misspelt_field_is_refused_not_dropped() -> None:
    with pytest.raises(ValidationError, match="strategy_items"):
        editing.ActivityDraft(activity_id="A9", title="Survey", strategy_items=(("S1.1", 1.0),))
    draft = editing.ActivityDraft(activity_id="A9", title="Survey")
    with pytest.raises(ValidationError):
        draft.title = "changed"  # type: ignore[misc]
