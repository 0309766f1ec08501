"""The completion-over-time chart: every series drawn, long ones thinned to a week per point."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard import charts
from dashboard.charts.history import MAX_POINTS


def test_a_long_history_is_drawn_weekly_and_ends_where_the_data_ends() -> None:
    days = pd.date_range("2016-01-01", periods=3000, freq="D").date
    history = pd.DataFrame(
        {
            "series": "strategy",
            "date": days,
            "activity_progress_pct": [i / 30 for i in range(3000)],
            "activities": list(range(3000)),
        }
    )
    as_of = dt.date(2026, 11, 21)
    figure = charts.activity_progress_lines(history, title="t", labels={}, horizons={}, as_of=as_of)
    (line,) = figure.data
    assert len(line.x) <= MAX_POINTS + 1
    # The last change and the "as of" date keep their values.
    assert list(line.x[-2:]) == [days[-1], as_of]
    assert list(line.y[-2:]) == [2999 / 30, 2999 / 30]
    assert list(line.customdata[-2:]) == [2999, 2999]


def test_a_short_history_keeps_every_change() -> None:
    history = pd.DataFrame(
        {
            "series": ["cami", "cami"],
            "date": [dt.date(2026, 1, 1), dt.date(2026, 1, 2)],
            "activity_progress_pct": [10.0, 20.0],
            "activities": [1, 2],
        }
    )
    figure = charts.activity_progress_lines(
        history, title="t", labels={}, horizons={}, as_of=dt.date(2026, 2, 1)
    )
    assert list(figure.data[0].y) == [10.0, 20.0, 20.0]
