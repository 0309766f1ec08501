"""The load script's pure helpers: percentiles, think time, the server's page-run lines."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bench.load import page_runs, page_table, percentiles, runs_at_once, seconds_range


def test_percentiles_by_nearest_rank() -> None:
    values = [float(v) for v in range(20, 0, -1)]  # 1..20, unsorted
    assert percentiles(values) == (10.0, 19.0)  # ranks ceil(0.5 * 20) and ceil(0.95 * 20)
    assert percentiles([float(v) for v in range(1, 101)]) == (50.0, 95.0)
    assert percentiles([3.0, 1.0]) == (1.0, 3.0)  # p95 never below p50
    assert percentiles([3.0]) == (3.0, 3.0)
    assert all(math.isnan(p) for p in percentiles([]))


def test_percentiles_are_numpys_inverted_cdf() -> None:
    rng = np.random.default_rng(7)
    for n in range(1, 302, 5):
        values = rng.exponential(size=n).tolist()
        expected = np.percentile(values, [50, 95], method="inverted_cdf")
        assert percentiles(values) == (float(expected[0]), float(expected[1]))


def test_think_time_ranges() -> None:
    assert seconds_range("3-8") == (3.0, 8.0)
    assert seconds_range("2.5") == (2.5, 2.5)
    assert seconds_range("0") == (0.0, 0.0)
    for wrong in ("8-3", "-1", "a-b"):
        with pytest.raises(ValueError, match="not a range of seconds"):
            seconds_range(wrong)


def test_page_runs_read_from_the_server_log() -> None:
    log = (
        "2026-11-21 17:15:11.205 Uvicorn server started on 127.0.0.1:37441\n"
        "2026-11-21 17:16:00,821 dashboard.runs page run: funder 3.1472 s\n"
        "2026-11-21 17:16:07,670 dashboard.runs page run: overview 0.0984 s\n"
    )
    runs = page_runs(log)
    assert runs == [("funder", 3.1472), ("overview", 0.0984)]
    table = page_table([("funder", 4.0)], runs).splitlines()
    assert "| overview | 0 | nan s | nan s | 1 | 0.10 s | 0.10 s | 0.10 s |" in table
    assert "| funder | 1 | 4.00 s | 4.00 s | 1 | 3.15 s | 3.15 s | 3.15 s |" in table


def test_runs_at_once() -> None:
    log = "\n".join(
        f"2026-11-21 {end} dashboard.runs page run: {page} {seconds} s"
        for end, page, seconds in [
            ("10:00:04,000", "cami", "4.0000"),  # 10:00:00 - 10:00:04
            ("10:00:03,000", "funder", "1.0000"),  # 10:00:02 - 10:00:03
            ("10:00:12,500", "history", "2.5000"),  # 10:00:10 - 10:00:12.5
        ]
    )
    mean, most, busy = runs_at_once(log)
    assert most == 2
    assert busy == pytest.approx(6.5)
    assert mean == pytest.approx((4 + 1 + 2.5) / 6.5)
    assert runs_at_once("")[1:] == (0, 0.0)
