"""The one mapping from column codes and coded values to what a person reads."""

from __future__ import annotations

import pandas as pd

from dashboard import labels
from dashboard.export import frame_to_csv
from tests.conftest import ROOT


def test_codes_read_as_words() -> None:
    assert labels.column_label("activity_id") == "ID"
    assert labels.column_label("progress_pct") == "Progress (%)"
    assert labels.column_label("cms_party") == "CMS Party"
    assert labels.column_label("countries_derived") == "Countries inferred"
    # Codes without a label of their own read as their words.
    assert labels.column_label("items_started") == "Items started"
    assert labels.column_label("funding_EUR") == "Funding (EUR)"
    assert labels.column_label("time_elapsed_pct") == "Time elapsed (%)"


def test_a_table_for_people_has_labels_words_and_yes_no() -> None:
    frame = pd.DataFrame(
        {
            "activity_id": ["A1", "A2"],
            "status": ["in_progress", "on_hold"],
            "pallas_status": ["target", "pending"],
            "demo": [True, False],
            "progress_pct": [50.0, None],
            "note": ["in_progress", None],
        }
    )
    shown = labels.for_people(frame)
    assert shown.columns.tolist() == [
        "ID",
        "Status",
        "Pallas's cat in the PTCR",
        "Demo data",
        "Progress (%)",
        "Note",
    ]
    assert shown["Status"].tolist() == ["In progress", "On hold"]
    assert shown["Pallas's cat in the PTCR"].tolist() == ["Target", "Pending (under revision)"]
    assert shown["Demo data"].tolist() == ["Yes", "No"]
    # Free text is never translated, numbers stay numbers.
    assert shown["Note"].tolist()[0] == "in_progress"
    assert shown["Progress (%)"].tolist()[0] == 50.0
    # The frame itself is left as it was.
    assert frame.columns[0] == "activity_id"


def test_two_codes_with_one_label_stay_two_columns() -> None:
    shown = labels.for_people(pd.DataFrame({"mean_progress": [1], "completion_pct": [2]}))
    assert shown.columns.tolist() == [
        "Mean activity progress (%)",
        "Mean activity progress (%) (completion_pct)",
    ]


def test_numbers_and_percentages_read_one_way() -> None:
    assert labels.whole(525500) == "525,500"
    assert labels.whole(525500.0) == "525,500"
    assert labels.whole(2.5) == "2.5"
    assert labels.whole(None) == ""
    assert labels.percent(66.6) == "67 %"
    assert labels.percent(float("nan")) == ""


def test_every_table_writes_progress_and_percentages_one_way() -> None:
    from dashboard.ui.layout import number_formats

    rows = pd.DataFrame(
        {
            "progress_pct": [40.0],
            "completion_pct": [66.6],
            # A table a chart module already headed for people.
            "Activity progress (%)": [67.5],
            "amount": [525500],
            "start_year": [2019],
        }
    )
    formats = {code: dict(column) for code, column in number_formats(rows).items()}
    # An activity's progress is a bar with its percentage, in every listing.
    assert formats["progress_pct"]["type_config"]["type"] == "progress"
    assert formats["progress_pct"]["type_config"]["format"] == "%.0f %%"
    assert formats["completion_pct"]["type_config"]["format"] == "%.0f %%"
    assert formats["Activity progress (%)"]["type_config"]["format"] == "%.0f %%"
    assert formats["amount"]["type_config"]["format"] == "localized"
    assert formats["start_year"]["type_config"]["format"] == "%d"


def test_the_csv_keeps_its_codes_and_the_readable_one_has_labels() -> None:
    frame = pd.DataFrame({"activity_id": ["A1"], "status": ["in_progress"], "demo": [True]})
    assert (
        frame_to_csv(frame) == "\ufeffactivity_id,status,demo\r\nA1,in_progress,true\r\n".encode()
    )
    assert frame_to_csv(frame, readable=True) == (
        "\ufeffID,Status,Demo data\r\nA1,In progress,Yes\r\n".encode()
    )


def test_the_documented_table_is_the_mapping() -> None:
    doc = (ROOT / "docs" / "csv-columns.md").read_text(encoding="utf-8")
    documented = doc.split("<!-- labels:start -->\n")[1].split("<!-- labels:end -->")[0]
    assert documented == labels.markdown_table(), (
        "docs/csv-columns.md is out of date: paste labels.markdown_table() between its markers"
    )
