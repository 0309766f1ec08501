"""Colours with contrast on white, labels that fit a phone, and plotly's own image download
configured once for every chart on every page."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import plotly.graph_objects as go
import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from dashboard import charts, queries
from dashboard.charts import palette
from dashboard.filters import Filters
from tests.test_pages import run_app


def test_contrast_ratio_follows_wcag() -> None:
    assert palette.contrast_ratio("#000000") == pytest.approx(21.0)
    assert palette.contrast_ratio("#FFFFFF") == pytest.approx(1.0)
    assert palette.contrast_ratio("#767676") == pytest.approx(4.54, abs=0.01)
    # Okabe & Ito's own yellow, the pale line on white the issue saw: 1.3:1.
    assert palette.contrast_ratio("#F0E442") < 1.5


def test_every_mark_colour_has_three_to_one_on_white() -> None:
    colours = {
        **palette.OKABE_ITO,
        **{f"status {k}": v for k, v in palette.STATUS_COLOURS.items()},
        **{f"series {i}": v for i, v in enumerate(palette.SERIES_COLOURS)},
    }
    weak = {name: round(palette.contrast_ratio(c), 2) for name, c in colours.items()}
    assert all(ratio >= 3 for ratio in weak.values()), weak


def _hex_colours(value: Any) -> list[str]:
    """Every "#RRGGBB" string in a figure's JSON-like value."""
    if isinstance(value, str):
        return [value] if value.startswith("#") and len(value) == 7 else []
    if isinstance(value, dict):
        return [c for item in value.values() for c in _hex_colours(item)]
    if isinstance(value, list | tuple):
        return [c for item in value for c in _hex_colours(item)]
    return []


def _mark_colours(figure: go.Figure) -> list[str]:
    """The colours of the figure's lines and bar/marker fills (not text, not backgrounds)."""
    found = []
    for trace in figure.to_plotly_json()["data"]:
        found += _hex_colours(trace.get("line", {}).get("color"))
        found += _hex_colours(trace.get("marker", {}).get("color"))
    for shape in figure.to_plotly_json()["layout"].get("shapes", []):
        found += _hex_colours(shape.get("line", {}).get("color"))
    return found


def test_the_built_charts_draw_no_mark_fainter_than_three_to_one(session: Session) -> None:
    filters = Filters(include_demo=True)
    strategy = queries.item_progress(session=session, filters=filters, framework="strategy")
    figures = [
        charts.status_bar(queries.status_counts(session=session, filters=filters)),
        charts.activity_progress_bars(strategy, title="Strategy"),
        charts.activity_progress_lines(
            queries.activity_progress_history(
                session=session, filters=filters, framework="strategy", by="both"
            ),
            title="Goals",
            labels={},
            horizons={"Strategy ends": 2028},
            as_of=dt.date(2026, 6, 30),
        ),
    ]
    drawn = {colour for figure in figures for colour in _mark_colours(figure)}
    assert drawn, "no colour found"
    weak = {c: round(palette.contrast_ratio(c), 2) for c in drawn if palette.contrast_ratio(c) < 3}
    assert not weak, weak


def test_long_labels_wrap_and_keep_the_full_name_for_the_hover() -> None:
    name = "Threat-specific conservation: status and monitoring of the species in its range"
    lines = palette.wrap_label(name, 28)
    assert len(lines) == 2
    assert all(len(line) <= 28 for line in lines)
    assert lines[-1].endswith("…")
    assert palette.chart_label("Short name") == "Short name"
    assert palette.chart_label("Human-wildlife conflict and coexistence", 20) == (
        "Human-wildlife<br>conflict and …"
    )


def test_the_chart_configuration_downloads_an_image_named_after_the_chart() -> None:
    assert palette.chart_config("synergy-flows") == {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": "manul-synergy-flows", "scale": 2},
    }


def _configs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.config) for chart in at.get("plotly_chart")]


CHART_PAGES = [
    (None, {}),
    ("strategy", {}),
    ("cami", {}),
    ("views/history_page.py", {}),
    ("views/funder_page.py", {}),
    ("views/funder_page.py", {"funder": "hellabrunn-zoo"}),
]


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize(("page", "params"), CHART_PAGES)
def test_every_chart_on_a_page_has_the_image_download(
    page: str | None, params: dict[str, str]
) -> None:
    at = run_app(page, demo="true", **params)
    configs = _configs(at)
    assert configs, f"{page} shows no chart"
    for config in configs:
        options = config["toImageButtonOptions"]
        assert options["format"] == "png"
        assert options["filename"].startswith("manul-")
        assert config["displaylogo"] is False


@pytest.mark.usefixtures("overlapping_app_env")
def test_the_synergy_charts_have_the_image_download() -> None:
    at = run_app("views/synergies_page.py", demo="true")
    names = [config["toImageButtonOptions"]["filename"] for config in _configs(at)]
    assert names == ["manul-synergy-matrix", "manul-synergy-flows"]
